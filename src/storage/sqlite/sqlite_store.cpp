#include "storage/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "storage/sqlite/statement.h"

namespace gz::storage {

namespace {
constexpr int kSchemaVersion = 1;

std::string now_iso8601() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string encode_attributes(const Attributes& attrs) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& a : attrs) {
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::monostate>)
            j[a.name] = nullptr;
          else
            j[a.name] = v;
        },
        a.value);
  }
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Attributes decode_attributes(std::string_view text) {
  Attributes out;
  auto j = nlohmann::ordered_json::parse(text);
  for (auto it = j.begin(); it != j.end(); ++it) {
    Attribute a;
    a.name = it.key();
    const auto& v = it.value();
    if (v.is_number_integer())
      a.value = v.get<std::int64_t>();
    else if (v.is_number())
      a.value = v.get<double>();
    else if (v.is_string())
      a.value = v.get<std::string>();
    out.push_back(std::move(a));
  }
  return out;
}

LayerVersion read_version(Statement& s) {
  LayerVersion v;
  v.id = s.column_int64(0);
  v.layer = s.column_text(1);
  v.kind = parse_layer_kind(s.column_text(2));
  v.version = static_cast<int>(s.column_int64(3));
  v.feature_count = s.column_int64(4);
  v.source = s.column_text(5);
  v.source_srs = s.column_text(6);
  v.created_at = s.column_text(7);
  return v;
}

constexpr const char* kVersionColumns =
    "SELECT v.id, l.name, l.kind, v.version, v.feature_count, coalesce(v.source,''), "
    "coalesce(v.source_srs,''), v.created_at FROM layer_version v JOIN layer l ON l.id = v.layer_id ";
}  // namespace

SqliteStore::SqliteStore(const std::string& path, const OpenOptions& options) : path_(path) {
  bool exists = std::filesystem::exists(path);
  if (!exists && !options.create)
    throw NotFoundError("database " + path + " does not exist (create it with gongzhi import or gongzhi demo)");
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (options.create ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw StorageError("cannot open database " + path + ": " + why);
  }
  sqlite3_busy_timeout(db_, options.busy_timeout_ms);
  sqlite3_extended_result_codes(db_, 1);
  try {
    // A file that is not a SQLite database fails here with "file is not a database".
    exec(db_, path_, "PRAGMA journal_mode=WAL");
    exec(db_, path_, "PRAGMA synchronous=NORMAL");
    exec(db_, path_, "PRAGMA foreign_keys=ON");
    if (const char* pages = std::getenv("GONGZHI_SQLITE_MAX_PAGES"))
      exec(db_, path_, std::string("PRAGMA max_page_count=") + std::to_string(std::atol(pages)));
    migrate();
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

SqliteStore::~SqliteStore() {
  if (db_) sqlite3_close(db_);
}

void SqliteStore::migrate() {
  Statement check(db_, path_, "SELECT count(*) FROM sqlite_master WHERE name='meta'");
  check.step();
  if (check.column_int64(0) == 1) {
    Statement v(db_, path_, "SELECT value FROM meta WHERE key='schema_version'");
    if (v.step() && std::stoi(v.column_text(0)) > kSchemaVersion)
      throw StorageError("database " + path_ + " was written by a newer gongzhi (schema " +
                         v.column_text(0) + ")");
    return;
  }
  exec(db_, path_, "BEGIN IMMEDIATE");
  try {
    exec(db_, path_, R"sql(
      CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS layer(
        id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS layer_version(
        id INTEGER PRIMARY KEY, layer_id INTEGER NOT NULL REFERENCES layer(id),
        version INTEGER NOT NULL, feature_count INTEGER NOT NULL DEFAULT 0,
        source TEXT, source_srs TEXT, created_at TEXT NOT NULL, UNIQUE(layer_id, version));
      CREATE TABLE IF NOT EXISTS feature(
        id INTEGER PRIMARY KEY, version_id INTEGER NOT NULL REFERENCES layer_version(id),
        source_id TEXT NOT NULL, geom BLOB NOT NULL, attrs TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS feature_by_version ON feature(version_id);
      CREATE VIRTUAL TABLE IF NOT EXISTS feature_rtree USING rtree(id, minx, maxx, miny, maxy);
    )sql");
    Statement ins(db_, path_, "INSERT OR REPLACE INTO meta(key, value) VALUES('schema_version', ?)");
    ins.bind(1, std::to_string(kSchemaVersion));
    ins.step();
    exec(db_, path_, "COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::vector<LayerVersion> SqliteStore::layers() {
  std::lock_guard lock(mutex_);
  Statement s(db_, path_,
              std::string(kVersionColumns) +
                  "WHERE v.version = (SELECT max(version) FROM layer_version WHERE layer_id = l.id) "
                  "ORDER BY l.name");
  std::vector<LayerVersion> out;
  while (s.step()) out.push_back(read_version(s));
  return out;
}

std::vector<LayerVersion> SqliteStore::versions(const std::string& layer) {
  std::lock_guard lock(mutex_);
  Statement s(db_, path_, std::string(kVersionColumns) + "WHERE l.name = ? ORDER BY v.version");
  s.bind(1, layer);
  std::vector<LayerVersion> out;
  while (s.step()) out.push_back(read_version(s));
  if (out.empty()) throw NotFoundError("layer '" + layer + "' does not exist in " + path_);
  return out;
}

LayerVersion SqliteStore::layer_version(const std::string& layer, std::optional<int> version) {
  auto all = versions(layer);
  if (!version) return all.back();
  for (auto& v : all)
    if (v.version == *version) return v;
  throw NotFoundError("layer '" + layer + "' has no version " + std::to_string(*version) +
                      " (latest is " + std::to_string(all.back().version) + ")");
}

class SqliteLayerWriter : public LayerWriter {
 public:
  SqliteLayerWriter(SqliteStore& store, const NewLayerVersion& v)
      : store_(store), lock_(store.mutex_), request_(v) {
    sqlite3* db = store_.db_;
    const std::string& path = store_.path_;
    try {
      exec(db, path, "BEGIN IMMEDIATE");
    } catch (const StorageError& e) {
      int code = sqlite3_extended_errcode(db) & 0xff;
      if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
        throw StorageError("database " + path +
                           " is being written by another process (an import in progress?); "
                           "try again when it has finished");
      throw;
    }
    open_ = true;
    Statement find(db, path, "SELECT id, kind FROM layer WHERE name = ?");
    find.bind(1, v.layer);
    std::int64_t layer_id;
    if (find.step()) {
      layer_id = find.column_int64(0);
      std::string kind = find.column_text(1);
      if (kind != to_string(v.kind))
        throw UsageError("layer '" + v.layer + "' is of kind " + kind + ", not " +
                         std::string(to_string(v.kind)) +
                         "; import into a new layer name or use --kind " + kind);
    } else {
      Statement ins(db, path, "INSERT INTO layer(name, kind) VALUES(?, ?)");
      ins.bind(1, v.layer);
      ins.bind(2, std::string(to_string(v.kind)));
      ins.step();
      layer_id = sqlite3_last_insert_rowid(db);
    }
    Statement next(db, path, "SELECT coalesce(max(version), 0) + 1 FROM layer_version WHERE layer_id = ?");
    next.bind(1, layer_id);
    next.step();
    result_.version = static_cast<int>(next.column_int64(0));
    result_.created_at = now_iso8601();
    Statement ins(db, path,
                  "INSERT INTO layer_version(layer_id, version, source, source_srs, created_at) "
                  "VALUES(?, ?, ?, ?, ?)");
    ins.bind(1, layer_id);
    ins.bind(2, static_cast<std::int64_t>(result_.version));
    ins.bind(3, v.source);
    ins.bind(4, v.source_srs);
    ins.bind(5, result_.created_at);
    ins.step();
    result_.id = sqlite3_last_insert_rowid(db);
    result_.layer = v.layer;
    result_.kind = v.kind;
    result_.source = v.source;
    result_.source_srs = v.source_srs;
    insert_feature_ = std::make_unique<Statement>(
        db, path, "INSERT INTO feature(version_id, source_id, geom, attrs) VALUES(?, ?, ?, ?)");
    insert_rtree_ = std::make_unique<Statement>(
        db, path, "INSERT INTO feature_rtree(id, minx, maxx, miny, maxy) VALUES(?, ?, ?, ?, ?)");
  }

  ~SqliteLayerWriter() override {
    insert_feature_.reset();
    insert_rtree_.reset();
    if (open_) sqlite3_exec(store_.db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }

  void add(const std::string& source_id, const std::string& wkb, const Envelope& bbox,
           const Attributes& attributes) override {
    Statement& f = *insert_feature_;
    f.reset();
    f.bind(1, result_.id);
    f.bind(2, source_id);
    f.bind_blob(3, wkb);
    f.bind(4, encode_attributes(attributes));
    f.step();
    std::int64_t id = sqlite3_last_insert_rowid(store_.db_);
    Statement& r = *insert_rtree_;
    r.reset();
    r.bind(1, id);
    r.bind(2, bbox.minx);
    r.bind(3, bbox.maxx);
    r.bind(4, bbox.miny);
    r.bind(5, bbox.maxy);
    r.step();
    ++result_.feature_count;
  }

  LayerVersion commit() override {
    Statement upd(store_.db_, store_.path_, "UPDATE layer_version SET feature_count = ? WHERE id = ?");
    upd.bind(1, result_.feature_count);
    upd.bind(2, result_.id);
    upd.step();
    insert_feature_.reset();
    insert_rtree_.reset();
    exec(store_.db_, store_.path_, "COMMIT");
    open_ = false;
    return result_;
  }

 private:
  SqliteStore& store_;
  std::unique_lock<std::mutex> lock_;
  NewLayerVersion request_;
  LayerVersion result_;
  bool open_ = false;
  std::unique_ptr<Statement> insert_feature_, insert_rtree_;
};

std::unique_ptr<LayerWriter> SqliteStore::begin_layer_version(const NewLayerVersion& v) {
  validate_layer_name(v.layer);
  return std::make_unique<SqliteLayerWriter>(*this, v);
}

namespace {
void emit_rows(Statement& s, const std::function<void(StoredFeature&&)>& fn) {
  while (s.step()) {
    StoredFeature f;
    f.id = s.column_int64(0);
    f.source_id = s.column_text(1);
    f.wkb = s.column_blob(2);
    f.attributes = decode_attributes(s.column_text(3));
    f.bbox = {s.column_double(4), s.column_double(6), s.column_double(5), s.column_double(7)};
    fn(std::move(f));
  }
}
}  // namespace

void SqliteStore::scan(const LayerVersion& v, const std::function<void(StoredFeature&&)>& fn) {
  std::lock_guard lock(mutex_);
  Statement s(db_, path_,
              "SELECT f.id, f.source_id, f.geom, f.attrs, r.minx, r.maxx, r.miny, r.maxy "
              "FROM feature f JOIN feature_rtree r ON r.id = f.id WHERE f.version_id = ? ORDER BY f.id");
  s.bind(1, v.id);
  emit_rows(s, fn);
}

void SqliteStore::scan_bbox(const LayerVersion& v, const Envelope& bbox,
                            const std::function<void(StoredFeature&&)>& fn) {
  std::lock_guard lock(mutex_);
  Statement s(db_, path_,
              "SELECT f.id, f.source_id, f.geom, f.attrs, r.minx, r.maxx, r.miny, r.maxy "
              "FROM feature_rtree r JOIN feature f ON f.id = r.id "
              "WHERE r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ? AND f.version_id = ? "
              "ORDER BY f.id");
  s.bind(1, bbox.maxx);
  s.bind(2, bbox.minx);
  s.bind(3, bbox.maxy);
  s.bind(4, bbox.miny);
  s.bind(5, v.id);
  emit_rows(s, fn);
}

}  // namespace gz::storage
