#include "storage/postgres/pg_imagery_store.h"

#include <mutex>

#include "storage/postgres/connection.h"
#include "storage/postgres/pg_store.h"
#include "storage/sql_identity_store.h"

namespace gz::storage {

namespace {

std::string conninfo_of(const std::string& location) {
  if (location.rfind("pg:", 0) == 0) return location.substr(3);
  return location;
}

constexpr const char* kTables = R"sql(
  CREATE TABLE IF NOT EXISTS imagery_version(
    layer text NOT NULL, date text NOT NULL, format text NOT NULL, tile_size integer NOT NULL,
    min_zoom integer NOT NULL, max_zoom integer NOT NULL,
    west double precision NOT NULL, south double precision NOT NULL,
    east double precision NOT NULL, north double precision NOT NULL,
    source text NOT NULL, source_srs text NOT NULL, tiles bigint NOT NULL, bytes bigint NOT NULL,
    imported_at text NOT NULL, kind text NOT NULL, PRIMARY KEY(layer, date));
  CREATE TABLE IF NOT EXISTS imagery_tile(
    layer text NOT NULL, date text NOT NULL, z integer NOT NULL, x integer NOT NULL,
    y integer NOT NULL, data bytea NOT NULL, PRIMARY KEY(layer, date, z, x, y));
)sql";

constexpr const char* kVersionColumns =
    "layer, date, format, tile_size, min_zoom, max_zoom, west, south, east, north, source, "
    "source_srs, tiles, bytes, imported_at, kind";

std::string value(PGresult* r, int row, int col) {
  return std::string(PQgetvalue(r, row, col), PQgetlength(r, row, col));
}

ImageryVersion read_version(PGresult* r, int row) {
  ImageryVersion v;
  v.layer = value(r, row, 0);
  v.date = value(r, row, 1);
  v.format = value(r, row, 2);
  v.tile_size = std::stoi(value(r, row, 3));
  v.min_zoom = std::stoi(value(r, row, 4));
  v.max_zoom = std::stoi(value(r, row, 5));
  v.bounds = {std::stod(value(r, row, 6)), std::stod(value(r, row, 7)),
              std::stod(value(r, row, 8)), std::stod(value(r, row, 9))};
  v.source = value(r, row, 10);
  v.source_srs = value(r, row, 11);
  v.tiles = std::stoll(value(r, row, 12));
  v.bytes = std::stoll(value(r, row, 13));
  v.imported_at = value(r, row, 14);
  v.kind = value(r, row, 15);
  return v;
}

std::string fmt(double d) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}

class PgImageryWriter : public ImageryWriter {
 public:
  PgImageryWriter(const std::string& location, const std::string& name, ImageryVersion v)
      : conn_(conninfo_of(location)), v_(std::move(v)) {
    conn_.set_name(name);
    what_ = "cannot write imagery '" + v_.layer + "' " + v_.date;
    conn_.exec("BEGIN", what_);
    open_ = true;
    conn_.query("DELETE FROM imagery_tile WHERE layer = $1 AND date = $2",
                {pg::text(v_.layer), pg::text(v_.date)}, what_);
  }
  ~PgImageryWriter() override {
    if (open_) conn_.rollback_quietly();
  }
  void add(int z, std::uint32_t x, std::uint32_t y, const std::string& data) override {
    conn_.query("INSERT INTO imagery_tile(layer, date, z, x, y, data) VALUES($1,$2,$3,$4,$5,$6)",
                {pg::text(v_.layer), pg::text(v_.date), pg::text(std::int64_t{z}),
                 pg::text(std::int64_t{x}), pg::text(std::int64_t{y}), pg::bytes(data)},
                what_);
    ++v_.tiles;
    v_.bytes += static_cast<std::int64_t>(data.size());
  }
  ImageryVersion commit() override {
    v_.imported_at = now_iso8601();
    conn_.query(std::string("INSERT INTO imagery_version(") + kVersionColumns +
                    ") VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16) "
                    "ON CONFLICT (layer, date) DO UPDATE SET format = EXCLUDED.format, "
                    "tile_size = EXCLUDED.tile_size, min_zoom = EXCLUDED.min_zoom, "
                    "max_zoom = EXCLUDED.max_zoom, west = EXCLUDED.west, "
                    "south = EXCLUDED.south, east = EXCLUDED.east, north = EXCLUDED.north, "
                    "source = EXCLUDED.source, source_srs = EXCLUDED.source_srs, "
                    "tiles = EXCLUDED.tiles, bytes = EXCLUDED.bytes, "
                    "imported_at = EXCLUDED.imported_at, kind = EXCLUDED.kind",
                {pg::text(v_.layer), pg::text(v_.date), pg::text(v_.format),
                 pg::text(std::int64_t{v_.tile_size}), pg::text(std::int64_t{v_.min_zoom}),
                 pg::text(std::int64_t{v_.max_zoom}), pg::text(fmt(v_.bounds.minx)),
                 pg::text(fmt(v_.bounds.miny)), pg::text(fmt(v_.bounds.maxx)),
                 pg::text(fmt(v_.bounds.maxy)), pg::text(v_.source), pg::text(v_.source_srs),
                 pg::text(v_.tiles), pg::text(v_.bytes), pg::text(v_.imported_at), pg::text(v_.kind)},
                what_);
    conn_.exec("COMMIT", what_);
    open_ = false;
    return v_;
  }

 private:
  pg::Connection conn_;
  ImageryVersion v_;
  std::string what_;
  bool open_ = false;
};

class PgImageryStore : public ImageryStore {
 public:
  PgImageryStore(const std::string& location, const OpenOptions& options) : location_(location) {
    // PgStore checks the schema (and sets up the layer tables); its name is what errors use.
    name_ = PgStore(location, options).location();
    conn_ = std::make_unique<pg::Connection>(conninfo_of(location));
    conn_->set_name(name_);
    const std::string what = "cannot create the imagery tables";
    conn_->exec("BEGIN", what);
    try {
      conn_->exec("SELECT pg_advisory_xact_lock(hashtextextended('gongzhi: imagery tables', 0))",
                  what);
      conn_->exec(kTables, what);
      conn_->exec("COMMIT", what);
    } catch (...) {
      conn_->rollback_quietly();
      throw;
    }
  }

  std::vector<ImageryVersion> versions(const std::optional<std::string>& layer) override {
    std::lock_guard lock(mutex_);
    std::vector<pg::Param> params;
    if (layer) params.push_back(pg::text(*layer));
    auto r = conn_->query(std::string("SELECT ") + kVersionColumns + " FROM imagery_version" +
                              (layer ? " WHERE layer = $1" : "") + " ORDER BY layer, date",
                          params, "cannot read the imagery list");
    std::vector<ImageryVersion> out;
    for (int i = 0; i < PQntuples(r.get()); ++i) out.push_back(read_version(r.get(), i));
    return out;
  }

  std::optional<ImageryVersion> version(const std::string& layer, const std::string& date) override {
    std::lock_guard lock(mutex_);
    auto r = conn_->query(std::string("SELECT ") + kVersionColumns +
                              " FROM imagery_version WHERE layer = $1 AND date = $2",
                          {pg::text(layer), pg::text(date)}, "cannot read imagery " + layer);
    if (PQntuples(r.get()) == 0) return std::nullopt;
    return read_version(r.get(), 0);
  }

  std::optional<std::string> tile(const std::string& layer, const std::string& date, int z,
                                  std::uint32_t x, std::uint32_t y) override {
    std::lock_guard lock(mutex_);
    auto r = conn_->query(
        "SELECT data FROM imagery_tile WHERE layer = $1 AND date = $2 AND z = $3 AND x = $4 AND "
        "y = $5",
        {pg::text(layer), pg::text(date), pg::text(std::int64_t{z}), pg::text(std::int64_t{x}),
         pg::text(std::int64_t{y})},
        "cannot read an imagery tile of " + layer, /*binary_rows=*/true);
    if (PQntuples(r.get()) == 0) return std::nullopt;
    return value(r.get(), 0, 0);
  }

  std::unique_ptr<ImageryWriter> begin(const ImageryVersion& v) override {
    return std::make_unique<PgImageryWriter>(location_, name_, v);
  }

  bool remove(const std::string& layer, const std::string& date) override {
    std::lock_guard lock(mutex_);
    const std::string what = "cannot remove imagery " + layer + " " + date;
    conn_->exec("BEGIN", what);
    try {
      conn_->query("DELETE FROM imagery_tile WHERE layer = $1 AND date = $2",
                   {pg::text(layer), pg::text(date)}, what);
      auto r = conn_->query("DELETE FROM imagery_version WHERE layer = $1 AND date = $2",
                            {pg::text(layer), pg::text(date)}, what);
      bool removed = std::string(PQcmdTuples(r.get())) != "0";
      conn_->exec("COMMIT", what);
      return removed;
    } catch (...) {
      conn_->rollback_quietly();
      throw;
    }
  }

 private:
  std::string location_, name_;
  std::unique_ptr<pg::Connection> conn_;
  std::mutex mutex_;
};

}  // namespace

std::unique_ptr<ImageryStore> open_pg_imagery_store(const std::string& location,
                                                    const OpenOptions& options) {
  return std::make_unique<PgImageryStore>(location, options);
}

}  // namespace gz::storage
