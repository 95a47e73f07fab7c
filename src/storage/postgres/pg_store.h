// The production store: PostgreSQL + PostGIS. Features as geometry(Geometry, 4490) with a GIST
// index and attributes as JSON text (field order and number types kept), layer and version
// metadata in tables of the connection's current schema (the first of its search_path), so one
// database can hold several stores side by side.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "storage/store.h"

namespace gz::storage {

namespace pg {
class Connection;
}

// "postgresql://…", "postgres://…" (libpq URIs) or "pg:CONNINFO" (libpq key=value pairs).
bool is_postgres_location(std::string_view location);

// A new layer version written on `conn` inside the transaction the caller has open there (the
// project store's write session), under a savepoint: visible when that transaction commits,
// gone if it rolls back. `name` is what errors call the database.
std::unique_ptr<LayerWriter> begin_pg_layer_version_in_transaction(pg::Connection& conn,
                                                                   const std::string& name,
                                                                   const NewLayerVersion& v);

class PgStore : public Store {
 public:
  // Connects and creates the tables on first use (several processes may do so at once).
  // Throws StorageError "cannot connect to PostgreSQL (…): reason" when the server is not there.
  explicit PgStore(const std::string& location, const OpenOptions& options = {});
  ~PgStore() override;

  // What errors and reports call it: "PostgreSQL database gongzhi on 127.0.0.1:55432" (with the
  // schema when it is not public); never the password.
  std::string location() const override { return name_; }
  std::vector<LayerVersion> layers() override;
  std::vector<LayerVersion> versions(const std::string& layer) override;
  LayerVersion layer_version(const std::string& layer, std::optional<int> version) override;
  std::optional<LayerSchema> layer_schema(const LayerVersion& v) override;
  std::unique_ptr<LayerWriter> begin_layer_version(const NewLayerVersion& v) override;
  using Store::scan;
  void scan(const LayerVersion& v, const std::function<void(StoredFeature&&)>& fn,
            const ScanOptions& options) override;
  // The features whose BSM is `bsm`, through the feature_bsm index (storage/spot_index.h).
  std::vector<StoredFeature> find_by_bsm(const LayerVersion& v, const std::string& bsm);
  void scan_bbox(const LayerVersion& v, const Envelope& bbox,
                 const std::function<void(StoredFeature&&)>& fn) override;

 private:
  void migrate();
  void ensure_postgis_on_search_path();
  std::vector<LayerVersion> read_versions(pg::Connection& on, const std::string& where_and_order,
                                          const std::vector<std::string>& params);
  void stream(const std::string& select, const std::vector<std::string>& params,
              const std::function<void(StoredFeature&&)>& fn, const ScanOptions& options);

  // Where a read runs: with read replicas (postgres/pg_replicas.h) a standby that has replayed
  // this process's writes, else the primary connection. Called with mutex_ held.
  pg::Connection& reader();

  std::unique_ptr<pg::Connection> conn_;
  std::unique_ptr<pg::Connection> standby_;  // with read replicas, made on first read
  std::string schema_;  // where the tables are: current_schema() of the connection
  std::string name_;
  std::mutex mutex_;  // one connection; callers on several threads take turns
};

}  // namespace gz::storage
