// The embedded store: one SQLite file in WAL mode. Features as WKB (EPSG:4490) with attributes
// as JSON, SQLite's R*Tree as the spatial index, layer and version metadata in tables.
#pragma once

#include <mutex>
#include <string>

#include "storage/store.h"

struct sqlite3;

namespace gz::storage {

class SqliteStore : public Store {
 public:
  SqliteStore(const std::string& path, const OpenOptions& options);
  ~SqliteStore() override;

  std::string location() const override { return path_; }
  std::vector<LayerVersion> layers() override;
  std::vector<LayerVersion> versions(const std::string& layer) override;
  LayerVersion layer_version(const std::string& layer, std::optional<int> version) override;
  std::unique_ptr<LayerWriter> begin_layer_version(const NewLayerVersion& v) override;
  void scan(const LayerVersion& v, const std::function<void(StoredFeature&&)>& fn) override;
  void scan_bbox(const LayerVersion& v, const Envelope& bbox,
                 const std::function<void(StoredFeature&&)>& fn) override;

  sqlite3* handle() const { return db_; }

 private:
  friend class SqliteLayerWriter;
  void migrate();
  std::string path_;
  sqlite3* db_ = nullptr;
  std::mutex mutex_;  // one connection; callers on several threads take turns
};

}  // namespace gz::storage
