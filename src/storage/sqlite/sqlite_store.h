// The embedded store: one SQLite file in WAL mode. Features as WKB (EPSG:4490) with attributes
// as JSON, SQLite's R*Tree as the spatial index, layer and version metadata in tables.
#pragma once

#include <mutex>
#include <string>

#include "storage/store.h"

struct sqlite3;

namespace gz::storage {

// The store's schema version (table meta, key schema_version): 1 first release; 2 exact feature
// bounds in the feature table (scans need no R*Tree join); 3 each version's LayerSchema in
// layer_version.feature_schema (NULL for versions written before). A file with a higher one was
// written by a newer gongzhi and is refused.
inline constexpr int kSqliteSchemaVersion = 4;

// When a commit is on disk (PRAGMA synchronous; docs/durability.md). `full`: the write-ahead
// log is flushed at every commit, so a write acknowledged to anyone survives a power loss.
// `normal`: flushed at checkpoints only, more commits per second, but a power loss (not a crash
// of the process) may take back the last commits; never corrupts.
enum class SqliteSync { full, normal };
// The setting of every connection the process opens from now on (full unless changed): one
// setting per process, since every connection that commits must say it. `serve
// --sqlite-synchronous` sets it at start, before it opens its stores.
void set_sqlite_synchronous(SqliteSync sync);
SqliteSync sqlite_synchronous();

class SqliteStore : public Store {
 public:
  // `file` is the file actually opened when it differs from `path`, the name errors give
  // (a staging file of create_new()).
  SqliteStore(const std::string& path, const OpenOptions& options, const std::string& file = {});
  ~SqliteStore() override;

  // Store::create for SQLite: builds the database in a private staging file next to `path` and
  // hard-links it into place when complete, never replacing a file that appeared meanwhile.
  static bool create_new(const std::string& path, const std::function<void(Store&)>& build);

  std::string location() const override { return path_; }
  std::vector<LayerVersion> layers() override;
  std::vector<LayerVersion> versions(const std::string& layer) override;
  LayerVersion layer_version(const std::string& layer, std::optional<int> version) override;
  std::optional<LayerSchema> layer_schema(const LayerVersion& v) override;
  std::unique_ptr<LayerWriter> begin_layer_version(const NewLayerVersion& v) override;
  // A new version written inside the transaction the caller has open on this connection (the
  // project store's write session): visible when that transaction commits, gone if it rolls
  // back. The caller serialises use of the connection.
  std::unique_ptr<LayerWriter> begin_layer_version_in_transaction(const NewLayerVersion& v);
  using Store::scan;
  // Halves of the id range read on their own read-only connections (WAL readers do not block).
  std::vector<StoredFeature> read_all(const LayerVersion& v, const ScanOptions& options) override;
  void scan(const LayerVersion& v, const std::function<void(StoredFeature&&)>& fn,
            const ScanOptions& options) override;
  // The features whose BSM is `bsm`, through the feature_bsm index (storage/spot_index.h).
  std::vector<StoredFeature> find_by_bsm(const LayerVersion& v, const std::string& bsm);
  void scan_bbox(const LayerVersion& v, const Envelope& bbox,
                 const std::function<void(StoredFeature&&)>& fn) override;

  sqlite3* handle() const { return db_; }

 private:
  friend class SqliteLayerWriter;
  void migrate();
  void upgrade_from_1();
  void upgrade_from_2();
  void upgrade_from_3();
  // Moves every committed page from the WAL into the main file, so that file alone is complete.
  void checkpoint();
  std::string path_;
  sqlite3* db_ = nullptr;
  std::mutex mutex_;  // one connection; callers on several threads take turns
};

}  // namespace gz::storage
