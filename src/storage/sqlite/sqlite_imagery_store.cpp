#include "storage/sqlite/sqlite_imagery_store.h"

#include <sqlite3.h>

#include <mutex>

#include "storage/sql_identity_store.h"
#include "storage/sqlite/sqlite_store.h"
#include "storage/sqlite/statement.h"

namespace gz::storage {

namespace {

constexpr const char* kTables = R"sql(
  CREATE TABLE IF NOT EXISTS imagery_version(
    layer TEXT NOT NULL, date TEXT NOT NULL, format TEXT NOT NULL, tile_size INTEGER NOT NULL,
    min_zoom INTEGER NOT NULL, max_zoom INTEGER NOT NULL,
    west REAL NOT NULL, south REAL NOT NULL, east REAL NOT NULL, north REAL NOT NULL,
    source TEXT NOT NULL, source_srs TEXT NOT NULL, tiles INTEGER NOT NULL, bytes INTEGER NOT NULL,
    imported_at TEXT NOT NULL, kind TEXT NOT NULL, PRIMARY KEY(layer, date));
  CREATE TABLE IF NOT EXISTS imagery_tile(
    layer TEXT NOT NULL, date TEXT NOT NULL, z INTEGER NOT NULL, x INTEGER NOT NULL,
    y INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY(layer, date, z, x, y)) WITHOUT ROWID;
)sql";

constexpr const char* kVersionColumns =
    "layer, date, format, tile_size, min_zoom, max_zoom, west, south, east, north, source, "
    "source_srs, tiles, bytes, imported_at, kind";

ImageryVersion read_version(const Statement& s) {
  ImageryVersion v;
  v.layer = s.column_text(0);
  v.date = s.column_text(1);
  v.format = s.column_text(2);
  v.tile_size = static_cast<int>(s.column_int64(3));
  v.min_zoom = static_cast<int>(s.column_int64(4));
  v.max_zoom = static_cast<int>(s.column_int64(5));
  v.bounds = {s.column_double(6), s.column_double(7), s.column_double(8), s.column_double(9)};
  v.source = s.column_text(10);
  v.source_srs = s.column_text(11);
  v.tiles = s.column_int64(12);
  v.bytes = s.column_int64(13);
  v.imported_at = s.column_text(14);
  v.kind = s.column_text(15);
  return v;
}

class SqliteImageryWriter : public ImageryWriter {
 public:
  SqliteImageryWriter(const std::string& path, ImageryVersion v)
      : store_(path, OpenOptions{}), path_(path), v_(std::move(v)) {
    db_ = store_.handle();
    exec(db_, path_, "BEGIN IMMEDIATE");
    open_ = true;
    Statement del(db_, path_, "DELETE FROM imagery_tile WHERE layer = ?1 AND date = ?2");
    del.bind(1, v_.layer);
    del.bind(2, v_.date);
    del.step();
    insert_ = std::make_unique<Statement>(
        db_, path_, "INSERT INTO imagery_tile(layer, date, z, x, y, data) VALUES(?1,?2,?3,?4,?5,?6)");
  }
  ~SqliteImageryWriter() override {
    insert_.reset();
    if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void add(int z, std::uint32_t x, std::uint32_t y, const std::string& data) override {
    insert_->reset();
    insert_->bind(1, v_.layer);
    insert_->bind(2, v_.date);
    insert_->bind(3, std::int64_t{z});
    insert_->bind(4, std::int64_t{x});
    insert_->bind(5, std::int64_t{y});
    insert_->bind_blob(6, data);
    insert_->step();
    ++v_.tiles;
    v_.bytes += static_cast<std::int64_t>(data.size());
  }
  ImageryVersion commit() override {
    insert_.reset();
    v_.imported_at = now_iso8601();
    Statement s(db_, path_,
                std::string("INSERT OR REPLACE INTO imagery_version(") + kVersionColumns +
                    ") VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)");
    s.bind(1, v_.layer);
    s.bind(2, v_.date);
    s.bind(3, v_.format);
    s.bind(4, std::int64_t{v_.tile_size});
    s.bind(5, std::int64_t{v_.min_zoom});
    s.bind(6, std::int64_t{v_.max_zoom});
    s.bind(7, v_.bounds.minx);
    s.bind(8, v_.bounds.miny);
    s.bind(9, v_.bounds.maxx);
    s.bind(10, v_.bounds.maxy);
    s.bind(11, v_.source);
    s.bind(12, v_.source_srs);
    s.bind(13, v_.tiles);
    s.bind(14, v_.bytes);
    s.bind(15, v_.imported_at);
    s.bind(16, v_.kind);
    s.step();
    exec(db_, path_, "COMMIT");
    open_ = false;
    return v_;
  }

 private:
  SqliteStore store_;
  std::string path_;
  ImageryVersion v_;
  sqlite3* db_ = nullptr;
  bool open_ = false;
  std::unique_ptr<Statement> insert_;
};

class SqliteImageryStore : public ImageryStore {
 public:
  SqliteImageryStore(const std::string& path, const OpenOptions& options)
      : store_(path, options), path_(path) {
    db_ = store_.handle();
    exec(db_, path_, kTables);
  }

  std::vector<ImageryVersion> versions(const std::optional<std::string>& layer) override {
    std::lock_guard lock(mutex_);
    Statement s(db_, path_,
                std::string("SELECT ") + kVersionColumns + " FROM imagery_version" +
                    (layer ? " WHERE layer = ?1" : "") + " ORDER BY layer, date");
    if (layer) s.bind(1, *layer);
    std::vector<ImageryVersion> out;
    while (s.step()) out.push_back(read_version(s));
    return out;
  }

  std::optional<ImageryVersion> version(const std::string& layer, const std::string& date) override {
    std::lock_guard lock(mutex_);
    Statement s(db_, path_,
                std::string("SELECT ") + kVersionColumns +
                    " FROM imagery_version WHERE layer = ?1 AND date = ?2");
    s.bind(1, layer);
    s.bind(2, date);
    if (!s.step()) return std::nullopt;
    return read_version(s);
  }

  std::optional<std::string> tile(const std::string& layer, const std::string& date, int z,
                                  std::uint32_t x, std::uint32_t y) override {
    std::lock_guard lock(mutex_);
    Statement s(db_, path_,
                "SELECT data FROM imagery_tile WHERE layer = ?1 AND date = ?2 AND z = ?3 AND "
                "x = ?4 AND y = ?5");
    s.bind(1, layer);
    s.bind(2, date);
    s.bind(3, std::int64_t{z});
    s.bind(4, std::int64_t{x});
    s.bind(5, std::int64_t{y});
    if (!s.step()) return std::nullopt;
    return s.column_blob(0);
  }

  std::unique_ptr<ImageryWriter> begin(const ImageryVersion& v) override {
    return std::make_unique<SqliteImageryWriter>(path_, v);
  }

  bool remove(const std::string& layer, const std::string& date) override {
    std::lock_guard lock(mutex_);
    exec(db_, path_, "BEGIN IMMEDIATE");
    try {
      for (const char* table : {"imagery_tile", "imagery_version"}) {
        Statement s(db_, path_,
                    std::string("DELETE FROM ") + table + " WHERE layer = ?1 AND date = ?2");
        s.bind(1, layer);
        s.bind(2, date);
        s.step();
      }
      bool removed = sqlite3_changes(db_) > 0;
      exec(db_, path_, "COMMIT");
      return removed;
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

 private:
  SqliteStore store_;
  std::string path_;
  sqlite3* db_ = nullptr;
  std::mutex mutex_;
};

}  // namespace

std::unique_ptr<ImageryStore> open_sqlite_imagery_store(const std::string& path,
                                                        const OpenOptions& options) {
  return std::make_unique<SqliteImageryStore>(path, options);
}

}  // namespace gz::storage
