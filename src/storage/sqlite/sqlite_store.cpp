#include "storage/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <iterator>
#include <memory>
#include <thread>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "storage/attributes_json.h"
#include "storage/layer_schema.h"
#include "storage/sqlite/statement.h"

namespace gz::storage {

namespace {
constexpr int kSchemaVersion = kSqliteSchemaVersion;

std::string now_iso8601() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
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

// A SQLite file of another program (a GeoPackage passed as --db by mistake) is never adopted:
// our tables would be written into the user's data.
void refuse_foreign_database(sqlite3* db, const std::string& path) {
  Statement s(db, path,
              "SELECT count(*), coalesce(sum(name = 'meta'), 0) FROM sqlite_master");
  s.step();
  if (s.column_int64(0) > 0 && s.column_int64(1) == 0)
    throw StorageError("database " + path +
                       " is a SQLite file but not a Gongzhi database (it holds other tables); "
                       "refusing to change it: give --db a new file name");
}

std::atomic<SqliteSync> g_synchronous{SqliteSync::full};

constexpr const char* kVersionColumns =
    "SELECT v.id, l.name, l.kind, v.version, v.feature_count, coalesce(v.source,''), "
    "coalesce(v.source_srs,''), v.created_at FROM layer_version v JOIN layer l ON l.id = v.layer_id ";
}  // namespace

void set_sqlite_synchronous(SqliteSync sync) { g_synchronous = sync; }
SqliteSync sqlite_synchronous() { return g_synchronous; }

SqliteStore::SqliteStore(const std::string& path, const OpenOptions& options,
                         const std::string& file)
    : path_(path) {
  const std::string& actual = file.empty() ? path : file;
  bool exists = std::filesystem::exists(actual);
  if (!exists && !options.create)
    throw NotFoundError("database " + path + " does not exist (create it with gongzhi import or gongzhi demo)");
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (options.create ? SQLITE_OPEN_CREATE : 0);
  // A new database is readable by its owner only (it holds password hashes, sessions and the
  // ledger): made empty with mode 0600 here, whatever the umask; SQLite gives its -wal and -shm
  // files the mode of the database file.
  if (!exists && actual != ":memory:" && actual.rfind("file:", 0) != 0) {
    int fd = ::open(actual.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
  }
  if (sqlite3_open_v2(actual.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw StorageError("cannot open database " + path + ": " + why);
  }
  sqlite3_busy_timeout(db_, options.busy_timeout_ms);
  sqlite3_extended_result_codes(db_, 1);
  try {
    // Before anything writes (journal_mode=WAL rewrites the header): a file that is not a
    // SQLite database fails here (SQLITE_NOTADB), one of another program is refused.
    refuse_foreign_database(db_, path_);
    // Switching a new file to WAL takes an exclusive lock without calling the busy handler:
    // several openers of a new store at once get SQLITE_BUSY here, so wait like the handler would.
    for (auto deadline = std::chrono::steady_clock::now() +
                         std::chrono::milliseconds(options.busy_timeout_ms);;) {
      int rc = sqlite3_exec(db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
      if (rc == SQLITE_OK) break;
      if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() >= deadline)
        throw_sqlite(db_, path_, "cannot switch to write-ahead logging");
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    exec(db_, path_, sqlite_synchronous() == SqliteSync::full ? "PRAGMA synchronous=FULL"
                                                              : "PRAGMA synchronous=NORMAL");
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
  auto has_meta = [this] {
    Statement check(db_, path_, "SELECT count(*) FROM sqlite_master WHERE name='meta'");
    check.step();
    return check.column_int64(0) == 1;
  };
  if (has_meta()) {
    Statement v(db_, path_, "SELECT value FROM meta WHERE key='schema_version'");
    int found = v.step() ? std::stoi(v.column_text(0)) : kSchemaVersion;
    if (found > kSchemaVersion)
      throw StorageError("database " + path_ + " was written by a newer gongzhi (schema " +
                         std::to_string(found) + ")");
    if (found == 1) upgrade_from_1();
    if (found <= 2) upgrade_from_2();
    if (found <= 3) upgrade_from_3();
    return;
  }
  exec(db_, path_, "BEGIN IMMEDIATE");
  try {
    // Another process may have set the store up while we waited for the lock.
    if (has_meta()) {
      exec(db_, path_, "COMMIT");
      return;
    }
    refuse_foreign_database(db_, path_);
    exec(db_, path_, R"sql(
      CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS layer(
        id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS layer_version(
        id INTEGER PRIMARY KEY, layer_id INTEGER NOT NULL REFERENCES layer(id),
        version INTEGER NOT NULL, feature_count INTEGER NOT NULL DEFAULT 0,
        source TEXT, source_srs TEXT, created_at TEXT NOT NULL, feature_schema TEXT,
        UNIQUE(layer_id, version));
      CREATE TABLE IF NOT EXISTS feature(
        id INTEGER PRIMARY KEY, version_id INTEGER NOT NULL REFERENCES layer_version(id),
        source_id TEXT NOT NULL, geom BLOB NOT NULL, attrs TEXT NOT NULL,
        minx REAL NOT NULL, miny REAL NOT NULL, maxx REAL NOT NULL, maxy REAL NOT NULL);
      CREATE INDEX IF NOT EXISTS feature_by_version ON feature(version_id);
      CREATE INDEX IF NOT EXISTS feature_bsm ON feature(version_id, CAST(json_extract(attrs, '$.BSM') AS TEXT));
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

void SqliteStore::upgrade_from_1() {
  exec(db_, path_, "BEGIN IMMEDIATE");
  try {
    Statement v(db_, path_, "SELECT value FROM meta WHERE key='schema_version'");
    if (v.step() && v.column_text(0) == "1") {
      exec(db_, path_, R"sql(
        ALTER TABLE feature ADD COLUMN minx REAL NOT NULL DEFAULT 0;
        ALTER TABLE feature ADD COLUMN miny REAL NOT NULL DEFAULT 0;
        ALTER TABLE feature ADD COLUMN maxx REAL NOT NULL DEFAULT 0;
        ALTER TABLE feature ADD COLUMN maxy REAL NOT NULL DEFAULT 0;
        UPDATE feature SET (minx, miny, maxx, maxy) =
          (SELECT r.minx, r.miny, r.maxx, r.maxy FROM feature_rtree r WHERE r.id = feature.id);
        UPDATE meta SET value = '2' WHERE key = 'schema_version';
      )sql");
    }
    exec(db_, path_, "COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

// Versions written before schema 3 keep a NULL schema: an export learns theirs by reading.
void SqliteStore::upgrade_from_2() {
  exec(db_, path_, "BEGIN IMMEDIATE");
  try {
    Statement v(db_, path_, "SELECT value FROM meta WHERE key='schema_version'");
    if (v.step() && v.column_text(0) == "2") {
      exec(db_, path_, R"sql(
        ALTER TABLE layer_version ADD COLUMN feature_schema TEXT;
        UPDATE meta SET value = '3' WHERE key = 'schema_version';
      )sql");
    }
    exec(db_, path_, "COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

// Schema 4 indexes the spots' BSM, so that a search finds a spot without reading every one.
void SqliteStore::upgrade_from_3() {
  exec(db_, path_, "BEGIN IMMEDIATE");
  try {
    Statement v(db_, path_, "SELECT value FROM meta WHERE key='schema_version'");
    if (v.step() && v.column_text(0) == "3") {
      exec(db_, path_, R"sql(
        CREATE INDEX IF NOT EXISTS feature_bsm ON feature(version_id, CAST(json_extract(attrs, '$.BSM') AS TEXT));
        UPDATE meta SET value = '4' WHERE key = 'schema_version';
      )sql");
    }
    exec(db_, path_, "COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::optional<LayerSchema> SqliteStore::layer_schema(const LayerVersion& v) {
  std::lock_guard lock(mutex_);
  Statement s(db_, path_, "SELECT feature_schema FROM layer_version WHERE id = ?");
  s.bind(1, v.id);
  if (!s.step() || s.column_is_null(0)) return std::nullopt;
  return decode_layer_schema(s.column_text_view(0), v.feature_count,
                             "database " + path_ + ", layer " + v.layer);
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

// Standalone (`nested` false): the writer's own transaction, BEGIN IMMEDIATE … COMMIT, holding
// the store's connection until it is done. Nested: inside the transaction the caller has open on
// the connection (a ProjectStore write), under a savepoint: commit() only releases the savepoint,
// so the version becomes visible when the caller's transaction commits and never if it rolls
// back; a writer dropped without commit() undoes just its own rows.
class SqliteLayerWriter : public LayerWriter {
 public:
  SqliteLayerWriter(SqliteStore& store, const NewLayerVersion& v, bool nested)
      : store_(store), request_(v), nested_(nested) {
    if (!nested_) lock_ = std::unique_lock<std::mutex>(store.mutex_);
    sqlite3* db = store_.db_;
    const std::string& path = store_.path_;
    if (nested_ && sqlite3_get_autocommit(db))
      throw StorageError("database " + path +
                         ": a layer version inside a transaction needs the transaction open");
    // BUSY / LOCKED come out as "being written by another process" (statement.h).
    exec(db, path, nested_ ? "SAVEPOINT gz_layer_version" : "BEGIN IMMEDIATE");
    open_ = true;
    try {
      start(v);
    } catch (...) {
      // The destructor does not run for a constructor that throws: end the transaction here, or
      // the connection would keep the write lock and refuse every later write.
      undo();
      throw;
    }
  }

  ~SqliteLayerWriter() override {
    insert_feature_.reset();
    insert_rtree_.reset();
    if (open_) undo();
  }

 private:
  void undo() noexcept {
    sqlite3* db = store_.db_;
    if (nested_) {
      sqlite3_exec(db, "ROLLBACK TO gz_layer_version", nullptr, nullptr, nullptr);
      sqlite3_exec(db, "RELEASE gz_layer_version", nullptr, nullptr, nullptr);
    } else {
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    open_ = false;
  }

 private:
  void start(const NewLayerVersion& v) {
    sqlite3* db = store_.db_;
    const std::string& path = store_.path_;
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
        db, path,
        "INSERT INTO feature(version_id, source_id, geom, attrs, minx, miny, maxx, maxy) "
        "VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
    insert_rtree_ = std::make_unique<Statement>(
        db, path, "INSERT INTO feature_rtree(id, minx, maxx, miny, maxy) VALUES(?, ?, ?, ?, ?)");
  }

 public:
  void add(const std::string& source_id, const std::string& wkb, const Envelope& bbox,
           const Attributes& attributes) override {
    Statement& f = *insert_feature_;
    f.reset();
    f.bind(1, result_.id);
    f.bind(2, source_id);
    f.bind_blob(3, wkb);
    std::string json = encode_attributes(attributes);
    f.bind(4, json);
    f.bind(5, bbox.minx);
    f.bind(6, bbox.miny);
    f.bind(7, bbox.maxx);
    f.bind(8, bbox.maxy);
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
    schema_.inspect_written(attributes, json);
    schema_.measure(wkb, bbox);
  }

  LayerVersion commit() override {
    Statement upd(store_.db_, store_.path_,
                  "UPDATE layer_version SET feature_count = ?, feature_schema = ? WHERE id = ?");
    upd.bind(1, result_.feature_count);
    upd.bind(2, encode_layer_schema(schema_.finish()));
    upd.bind(3, result_.id);
    upd.step();
    insert_feature_.reset();
    insert_rtree_.reset();
    exec(store_.db_, store_.path_, nested_ ? "RELEASE gz_layer_version" : "COMMIT");
    open_ = false;
    return result_;
  }

 private:
  SqliteStore& store_;
  std::unique_lock<std::mutex> lock_;
  NewLayerVersion request_;
  bool nested_ = false;
  LayerVersion result_;
  bool open_ = false;
  std::unique_ptr<Statement> insert_feature_, insert_rtree_;
  LayerSchemaBuilder schema_;
};

std::unique_ptr<LayerWriter> SqliteStore::begin_layer_version(const NewLayerVersion& v) {
  validate_layer_name(v.layer);
  return std::make_unique<SqliteLayerWriter>(*this, v, false);
}

std::unique_ptr<LayerWriter> SqliteStore::begin_layer_version_in_transaction(
    const NewLayerVersion& v) {
  validate_layer_name(v.layer);
  return std::make_unique<SqliteLayerWriter>(*this, v, true);
}

void SqliteStore::checkpoint() {
  std::lock_guard lock(mutex_);
  int log = 0, done = 0;
  if (sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log, &done) != SQLITE_OK)
    throw_sqlite(db_, path_, "cannot write the database file");
  if (log > 0 && done < log)
    throw StorageError("database " + path_ + ": cannot write all pages into the database file");
}

bool SqliteStore::create_new(const std::string& path, const std::function<void(Store&)>& build) {
  static std::atomic<int> counter{0};
  std::string staging = path + ".new-" + std::to_string(::getpid()) + "-" +
                        std::to_string(counter.fetch_add(1));
  auto remove_staging = [&] {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
      std::filesystem::remove(staging + suffix, ec);
  };
  remove_staging();  // a leftover of a crashed process that had our pid
  try {
    {
      SqliteStore store(path, {.create = true}, staging);
      build(store);
      // Only the main file is published: it must hold everything once the connection closes.
      store.checkpoint();
    }
    // link() never replaces an existing name: the first complete store wins.
    int rc = ::link(staging.c_str(), path.c_str());
    int err = rc == 0 ? 0 : errno;
    if (rc != 0 && err != EEXIST) {
      // File systems without hard links.
      rc = ::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE);
      err = rc == 0 ? 0 : errno;
    }
    remove_staging();
    if (err == EEXIST) return false;
    if (err != 0)
      throw StorageError("cannot create database " + path + ": " + std::strerror(err));
    return true;
  } catch (...) {
    remove_staging();
    throw;
  }
}

namespace {
void emit_rows(Statement& s, const std::function<void(StoredFeature&&)>& fn,
               const Store::ScanOptions& options) {
  while (s.step()) {
    StoredFeature f;
    f.id = s.column_int64(0);
    f.source_id = s.column_text(1);
    f.wkb = s.column_blob(2);
    if (options.decode_attributes) {
      f.attributes = decode_attributes(s.column_text(3));
    } else {
      std::string_view text = s.column_text_view(3);
      if (!options.keep_attributes_json || options.keep_attributes_json(text))
        f.attributes_json = text;
    }
    f.bbox = {s.column_double(4), s.column_double(5), s.column_double(6), s.column_double(7)};
    fn(std::move(f));
  }
}
}  // namespace

void SqliteStore::scan(const LayerVersion& v, const std::function<void(StoredFeature&&)>& fn,
                       const ScanOptions& options) {
  std::lock_guard lock(mutex_);
  // A version's features were written by one transaction, so their ids are one run: read that
  // run of the table in rowid order rather than walking the version index and looking up each
  // row (the '+' keeps the planner off that index; rows of other versions in the run, if any,
  // are skipped).
  Statement range(db_, path_, "SELECT min(id), max(id) FROM feature WHERE version_id = ?");
  range.bind(1, v.id);
  if (!range.step() || range.column_is_null(0)) return;
  std::int64_t lo = range.column_int64(0), hi = range.column_int64(1);
  Statement s(db_, path_,
              "SELECT id, source_id, geom, attrs, minx, miny, maxx, maxy "
              "FROM feature WHERE id BETWEEN ? AND ? AND +version_id = ? ORDER BY id");
  s.bind(1, lo);
  s.bind(2, hi);
  s.bind(3, v.id);
  emit_rows(s, fn, options);
}

std::vector<StoredFeature> SqliteStore::read_all(const LayerVersion& v, const ScanOptions& options) {
  std::int64_t lo = 0, hi = -1;
  {
    std::lock_guard lock(mutex_);
    Statement range(db_, path_, "SELECT min(id), max(id) FROM feature WHERE version_id = ?");
    range.bind(1, v.id);
    if (range.step()) {
      lo = range.column_int64(0);
      hi = range.column_int64(1);
    }
  }
  if (hi < lo) return {};
  unsigned threads = std::max(1u, std::min(4u, std::thread::hardware_concurrency()));
  if (v.feature_count < 50000) threads = 1;
  std::vector<std::vector<StoredFeature>> parts(threads);
  std::vector<std::exception_ptr> errors(threads);
  auto read_part = [&](unsigned t) {
    try {
      std::int64_t span = (hi - lo) / threads + 1;
      std::int64_t from = lo + span * t, to = std::min(hi, from + span - 1);
      sqlite3* db = nullptr;
      if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) !=
          SQLITE_OK) {
        std::string why = db ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close(db);
        throw StorageError("cannot open database " + path_ + " for reading: " + why);
      }
      std::unique_ptr<sqlite3, decltype(&sqlite3_close)> guard(db, sqlite3_close);
      sqlite3_busy_timeout(db, 5000);
      Statement s(db, path_,
                  "SELECT id, source_id, geom, attrs, minx, miny, maxx, maxy FROM feature "
                  "WHERE version_id = ? AND id BETWEEN ? AND ? ORDER BY id");
      s.bind(1, v.id);
      s.bind(2, from);
      s.bind(3, to);
      // Growing a vector of a million features by doubling moves each one several times.
      parts[t].reserve(static_cast<std::size_t>(
          std::max<std::int64_t>(0, std::min<std::int64_t>(to - from + 1, v.feature_count))));
      emit_rows(s, [&](StoredFeature&& f) { parts[t].push_back(std::move(f)); }, options);
    } catch (...) {
      errors[t] = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(read_part, t);
  read_part(0);
  for (auto& th : pool) th.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  if (threads == 1) return std::move(parts[0]);
  std::size_t total = 0;
  for (const auto& p : parts) total += p.size();
  std::vector<StoredFeature> out;
  out.reserve(total);
  for (auto& p : parts) std::move(p.begin(), p.end(), std::back_inserter(out));
  return out;
}

std::vector<StoredFeature> SqliteStore::find_by_bsm(const LayerVersion& v, const std::string& bsm) {
  std::lock_guard lock(mutex_);
  // The expression is the index's own (feature_bsm), so the planner looks it up.
  Statement s(db_, path_,
              "SELECT id, source_id, geom, attrs, minx, miny, maxx, maxy FROM feature "
              "WHERE version_id = ? AND CAST(json_extract(attrs, '$.BSM') AS TEXT) = ? "
              "ORDER BY id LIMIT 50");
  s.bind(1, v.id);
  s.bind(2, bsm);
  std::vector<StoredFeature> out;
  emit_rows(s, [&](StoredFeature&& f) { out.push_back(std::move(f)); }, ScanOptions{});
  return out;
}

void SqliteStore::scan_bbox(const LayerVersion& v, const Envelope& bbox,
                            const std::function<void(StoredFeature&&)>& fn) {
  std::lock_guard lock(mutex_);
  // The R*Tree holds every version's features. Left to itself the planner walks the version's
  // index and probes the tree once per feature (seconds on a 1,000,000-spot layer, even for a
  // small box); for a large version the tree must drive (CROSS JOIN keeps that order). A small
  // version is cheaper to walk than the tree over a large box.
  const char* join = v.feature_count > 20000 ? " CROSS JOIN " : " JOIN ";
  Statement s(db_, path_,
              std::string("SELECT f.id, f.source_id, f.geom, f.attrs, f.minx, f.miny, f.maxx, "
                          "f.maxy FROM feature_rtree r") +
                  join +
                  "feature f ON f.id = r.id "
                  "WHERE r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ? "
                  "AND f.version_id = ? ORDER BY f.id");
  s.bind(1, bbox.maxx);
  s.bind(2, bbox.minx);
  s.bind(3, bbox.maxy);
  s.bind(4, bbox.miny);
  s.bind(5, v.id);
  emit_rows(s, fn, ScanOptions{});
}

}  // namespace gz::storage
