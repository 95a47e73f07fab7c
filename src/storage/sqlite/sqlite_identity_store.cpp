#include "storage/sqlite/sqlite_identity_store.h"

#include <sqlite3.h>

#include <unordered_map>

#include "storage/schema_probe.h"
#include "storage/sql_identity_store.h"
#include "storage/sqlite/sqlite_store.h"
#include "storage/sqlite/statement.h"

namespace gz::storage {

namespace {

class SqliteSession : public SqlSession {
 public:
  SqliteSession(const std::string& path, const OpenOptions& options)
      // The layer store opens the file (creating it when asked), refuses foreign files and sets
      // up WAL; the identity tables then live in the same file.
      : store_(std::make_unique<SqliteStore>(path, options)), path_(path) {}

  std::string name() const override { return "database " + path_; }

  ~SqliteSession() override {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  }

  std::vector<Row> query(const std::string& sql, const std::vector<std::string>& params) override {
    sqlite3* db = store_->handle();
    sqlite3_stmt* raw = prepared(sql);
    // Reset however the statement ends, so that it holds no read snapshot or lock afterwards.
    struct Reset {
      sqlite3_stmt* s;
      ~Reset() {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
      }
    } reset{raw};
    for (std::size_t i = 0; i < params.size(); ++i)
      sqlite3_bind_text(raw, static_cast<int>(i + 1), params[i].data(),
                        static_cast<int>(params[i].size()), SQLITE_STATIC);
    std::vector<Row> rows;
    int columns = sqlite3_column_count(raw);
    for (;;) {
      int rc = sqlite3_step(raw);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) throw_sqlite(db, path_, "statement failed");
      Row row;
      row.reserve(static_cast<std::size_t>(columns));
      for (int c = 0; c < columns; ++c) {
        const unsigned char* t = sqlite3_column_text(raw, c);
        row.emplace_back(t ? std::string(reinterpret_cast<const char*>(t),
                                         sqlite3_column_bytes(raw, c))
                           : std::string());
      }
      rows.push_back(std::move(row));
    }
    return rows;
  }

  void create_tables() override {
    exec(store_->handle(), path_, R"sql(
      CREATE TABLE IF NOT EXISTS departments(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
      CREATE TABLE IF NOT EXISTS users(
        id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS grants(
        user_id INTEGER NOT NULL REFERENCES users(id), role TEXT NOT NULL,
        department TEXT NOT NULL DEFAULT '', region_code TEXT NOT NULL DEFAULT '');
      CREATE INDEX IF NOT EXISTS grants_by_user ON grants(user_id);
      CREATE TABLE IF NOT EXISTS audit_log(
        seq INTEGER PRIMARY KEY, time TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
        object TEXT NOT NULL, detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS sessions(
        token_hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),
        created INTEGER NOT NULL, expires INTEGER NOT NULL, idle_seconds INTEGER NOT NULL,
        last_seen INTEGER NOT NULL, address TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions(user_id);
      CREATE TABLE IF NOT EXISTS login_attempts(
        id INTEGER PRIMARY KEY, username TEXT NOT NULL, address TEXT NOT NULL,
        time INTEGER NOT NULL, ok INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS login_attempts_by_user ON login_attempts(username, time);
      CREATE INDEX IF NOT EXISTS login_attempts_by_address ON login_attempts(address, time);
      CREATE INDEX IF NOT EXISTS login_attempts_by_time ON login_attempts(time);
      -- The last throttle entry audited per account or address (services/auth.h).
      CREATE TABLE IF NOT EXISTS login_throttle_audits(
        object TEXT PRIMARY KEY, failures INTEGER NOT NULL, time INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS regions(
        code TEXT PRIMARY KEY, name TEXT NOT NULL, level TEXT NOT NULL,
        parent TEXT NOT NULL DEFAULT '');
      CREATE INDEX IF NOT EXISTS regions_by_parent ON regions(parent);
      CREATE TABLE IF NOT EXISTS audit_head(
        id INTEGER PRIMARY KEY CHECK (id = 1), last_seq INTEGER NOT NULL, last_hash TEXT NOT NULL);
      INSERT INTO audit_head(id, last_seq, last_hash)
        VALUES(1, 0, '0000000000000000000000000000000000000000000000000000000000000000')
        ON CONFLICT DO NOTHING;
      -- Append-only in the database itself: editing or deleting an entry takes dropping these
      -- first (and verify-audit still finds what was done).
      CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
      CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    )sql");
    // The chain columns (docs/audit.md), where the log predates them. SQLite has one writer at
    // a time, so it keeps one chain (1).
    if (!has_column(*this, "audit_log", "chain"))
      exec(store_->handle(), path_,
           "ALTER TABLE audit_log ADD COLUMN chain INTEGER NOT NULL DEFAULT 1; "
           "ALTER TABLE audit_log ADD COLUMN prev_seq INTEGER;");
  }

  void exec_script(const std::string& sql) override { exec(store_->handle(), path_, sql); }
  bool postgres() const override { return false; }

  // IMMEDIATE takes the write lock at once (waiting up to the busy timeout), so the chain head
  // read next is the one this transaction extends.
  // (Through the statement cache: these run on every request.)
  void begin_write() override { query("BEGIN IMMEDIATE", {}); }
  void begin_read() override { query("BEGIN", {}); }
  void commit() override { query("COMMIT", {}); }
  void rollback() noexcept override {
    if (!sqlite3_get_autocommit(store_->handle()))
      sqlite3_exec(store_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  std::unique_ptr<LayerWriter> begin_layer_version(const NewLayerVersion& v) override {
    return store_->begin_layer_version_in_transaction(v);
  }

 private:
  // The statement for `sql`, prepared once per connection and kept (SQLite re-prepares a kept
  // statement by itself when the schema changes). SQL built with varying text (IN lists of
  // varying length) could grow the cache without end: past kMaxStatements it starts afresh.
  sqlite3_stmt* prepared(const std::string& sql) {
    if (auto it = statements_.find(sql); it != statements_.end()) return it->second;
    // "$1" → "?1": SQLite numbers parameters the same way.
    std::string text = sql;
    for (auto& c : text)
      if (c == '$') c = '?';
    sqlite3* db = store_->handle();
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v3(db, text.c_str(), static_cast<int>(text.size()),
                           SQLITE_PREPARE_PERSISTENT, &raw, nullptr) != SQLITE_OK)
      throw_sqlite(db, path_, "cannot prepare statement");
    if (statements_.size() >= kMaxStatements) {
      for (auto& [old_sql, stmt] : statements_) sqlite3_finalize(stmt);
      statements_.clear();
    }
    statements_.emplace(sql, raw);
    return raw;
  }

  static constexpr std::size_t kMaxStatements = 512;
  std::unique_ptr<SqliteStore> store_;
  std::string path_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace

std::unique_ptr<SqlSession> open_sqlite_session(const std::string& path,
                                                const OpenOptions& options) {
  return std::make_unique<SqliteSession>(path, options);
}

std::unique_ptr<IdentityStore> open_sqlite_identity_store(const std::string& path,
                                                          const OpenOptions& options) {
  return make_sql_identity_store(std::make_unique<SqliteSession>(path, options));
}

}  // namespace gz::storage
