// A prepared SQLite statement with RAII and errors that name the database file.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>

#include "common/error.h"

namespace gz::storage {

// The primary codes a user can act on get a message saying what to do; the rest name SQLite's.
inline std::string sqlite_message(int code, const std::string& path, const std::string& what,
                                  const std::string& why) {
  switch (code & 0xff) {
    case SQLITE_FULL:
      return "database " + path +
             ": the disk is full (or the file reached its size limit); nothing was written";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return "database " + path +
             " is being written by another process (an import in progress?); try again when it "
             "has finished";
    case SQLITE_NOTADB:
      return "database " + path + ": the file is not a database (is --db the right file?)";
    default:
      return "database " + path + ": " + (what.empty() ? "" : what + ": ") + why;
  }
}

[[noreturn]] inline void throw_sqlite(sqlite3* db, const std::string& path, const std::string& what) {
  throw StorageError(sqlite_message(sqlite3_extended_errcode(db), path, what, sqlite3_errmsg(db)));
}

inline void exec(sqlite3* db, const std::string& path, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string why = err ? err : "unknown error";
    sqlite3_free(err);
    throw StorageError(sqlite_message(sqlite3_extended_errcode(db), path, "", why));
  }
}

class Statement {
 public:
  Statement(sqlite3* db, const std::string& path, const std::string& sql) : db_(db), path_(path) {
    if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK)
      throw_sqlite(db, path, "cannot prepare statement");
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void bind_blob(int i, const std::string& v) {
    sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void bind(int i, std::int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void bind(int i, double v) { sqlite3_bind_double(stmt_, i, v); }
  void bind_null(int i) { sqlite3_bind_null(stmt_, i); }

  // True while a row is available; false when done. Throws on error.
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw_sqlite(db_, path_, "statement failed");
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  bool column_is_null(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }
  std::int64_t column_int64(int i) const { return sqlite3_column_int64(stmt_, i); }
  double column_double(int i) const { return sqlite3_column_double(stmt_, i); }
  std::string column_text(int i) const {
    const unsigned char* t = sqlite3_column_text(stmt_, i);
    return t ? std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(stmt_, i)) : std::string();
  }
  // Valid until the next step; no copy.
  std::string_view column_text_view(int i) const {
    const unsigned char* t = sqlite3_column_text(stmt_, i);
    return t ? std::string_view(reinterpret_cast<const char*>(t), sqlite3_column_bytes(stmt_, i))
             : std::string_view();
  }
  std::string column_blob(int i) const {
    const void* b = sqlite3_column_blob(stmt_, i);
    return b ? std::string(static_cast<const char*>(b), sqlite3_column_bytes(stmt_, i)) : std::string();
  }

 private:
  sqlite3* db_;
  const std::string& path_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace gz::storage
