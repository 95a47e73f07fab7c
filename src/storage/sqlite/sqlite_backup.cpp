#include "storage/sqlite/sqlite_backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include "common/error.h"
#include "storage/sqlite/sqlite_store.h"

namespace gz::storage {

namespace {

namespace fs = std::filesystem;

// 1 MiB at SQLite's default 4 KiB pages: each step is short and the progress bar moves.
constexpr int kPagesPerStep = 256;

// One SQLite connection for this file's work; `name` ("database F", "backup F") is how errors
// name the file.
class Connection {
 public:
  Connection(const std::string& path, int flags, std::string name) : name_(std::move(name)) {
    if (sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
      std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      db_ = nullptr;
      throw StorageError("cannot open " + name_ + ": " + why);
    }
    sqlite3_extended_result_codes(db_, 1);
  }
  ~Connection() {
    if (db_) sqlite3_close_v2(db_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* get() const { return db_; }
  const std::string& name() const { return name_; }

  // The rows of `sql` as text, the columns of a row joined by '|'. Errors say `what` failed on
  // which file and why, in the words a user can act on.
  std::vector<std::string> rows(const std::string& sql, const std::string& what) {
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr);
    std::vector<std::string> out;
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
      rc = sqlite3_step(s);
      if (rc != SQLITE_ROW) break;
      std::string row;
      for (int c = 0; c < sqlite3_column_count(s); ++c) {
        const unsigned char* t = sqlite3_column_text(s, c);
        if (c) row += '|';
        if (t) row += reinterpret_cast<const char*>(t);
      }
      out.push_back(std::move(row));
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) fail(rc, what);
    return out;
  }

  [[noreturn]] void fail(int rc, const std::string& what) const {
    std::string why = sqlite3_errmsg(db_);
    switch (rc & 0xff) {
      case SQLITE_NOTADB:
        why = "the file is not a SQLite database";
        break;
      case SQLITE_CORRUPT:
        why = "it is damaged (" + why + ")";
        break;
      case SQLITE_FULL:
        why = "the disk is full";
        break;
      default:
        break;
    }
    throw StorageError(name_ + ": " + what + ": " + why);
  }

  // Closes now, so that a failure to finish writing is an error and not a silent destructor.
  void close() {
    if (int rc = sqlite3_close(db_); rc != SQLITE_OK) fail(rc, "cannot close");
    db_ = nullptr;
  }

 private:
  sqlite3* db_ = nullptr;
  std::string name_;
};

[[noreturn]] void throw_errno(const std::string& what, int err) {
  throw StorageError(what + ": " + std::strerror(err));
}

// A new empty file readable by its owner only (it will hold password hashes, sessions and the
// ledger), whatever the umask; never an existing one.
void create_private_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw_errno("cannot create " + path, errno);
  ::close(fd);
}

// Flushes a file's (or a directory's: a rename in it) contents to the disk.
void sync_path(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) throw_errno("cannot open " + path + " to flush it to disk", errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) throw_errno("cannot flush " + path + " to disk", err);
}

std::string directory_of(const std::string& path) {
  fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

void require_directory(const std::string& path, const std::string& what) {
  std::string dir = directory_of(path);
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw UsageError(what + " " + path + ": directory " + dir + " does not exist");
}

const char* const kSideFiles[] = {"-wal", "-shm", "-journal"};

// A staging file and everything SQLite or a store opened on it (storage/change_signal.cpp's
// -gzsig) left beside it.
void remove_quietly(const std::string& path) {
  std::error_code ec;
  fs::remove(path, ec);
  for (const char* suffix : kSideFiles) fs::remove(path + suffix, ec);
  fs::remove(path + "-gzsig", ec);
}

std::string unique_suffix() { return std::to_string(::getpid()); }

// A file: URI naming `path` (RFC 3986: only unreserved characters and '/' stay as they are).
std::string file_uri(const std::string& path, const std::string& query) {
  std::string uri = "file:";
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '.' || c == '_' || c == '~') {
      uri += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      uri += buf;
    }
  }
  return uri + "?" + query;
}

// Refuses (UsageError) a SQLite file that is not a Gongzhi store this program reads.
void require_gongzhi_store(Connection& c) {
  auto meta = c.rows("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
                     "cannot read it");
  if (meta.empty() || meta[0] != "1")
    throw UsageError(c.name() + " is not a Gongzhi database (it has no table meta)");
  auto version = c.rows("SELECT value FROM meta WHERE key = 'schema_version'", "cannot read it");
  if (version.empty())
    throw UsageError(c.name() +
                     " is not a Gongzhi database (its table meta has no schema_version)");
  int found = std::atoi(version[0].c_str());
  if (found < 1)
    throw UsageError(c.name() + " is not a Gongzhi database (schema_version '" + version[0] + "')");
  if (found > kSqliteSchemaVersion)
    throw UsageError(c.name() + " was written by a newer gongzhi (schema " + version[0] +
                     "; this one reads up to " + std::to_string(kSqliteSchemaVersion) + ")");
}

// Copies every page of `from` into `to` (a new, empty file) with SQLite's backup API, a few
// pages at a time. What the copy reads is the snapshot of the read transaction `from` holds, if
// it holds one: writers of other connections then neither restart the copy nor wait for it.
BackupResult copy_pages(Connection& from, Connection& to, const CopyProgress& progress) {
  sqlite3_backup* b = sqlite3_backup_init(to.get(), "main", from.get(), "main");
  if (!b) to.fail(sqlite3_extended_errcode(to.get()), "cannot start copying " + from.name());
  int rc = SQLITE_OK;
  auto busy_until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    rc = sqlite3_backup_step(b, kPagesPerStep);
    std::int64_t total = sqlite3_backup_pagecount(b);
    if (progress && total > 0 && rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
      progress(total - sqlite3_backup_remaining(b), total);
    if (rc == SQLITE_OK) continue;
    if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) &&
        std::chrono::steady_clock::now() < busy_until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    break;
  }
  BackupResult result;
  result.pages = sqlite3_backup_pagecount(b);
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) {
    // The error is on whichever side failed: reading the source (not a database, damaged) or
    // writing the copy (disk full).
    int code = rc & 0xff;
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT || code == SQLITE_BUSY ||
        code == SQLITE_LOCKED)
      from.fail(rc, "cannot copy it");
    to.fail(rc, "cannot write the copy of " + from.name());
  }
  auto page_size = from.rows("PRAGMA page_size", "cannot read the page size");
  result.bytes = result.pages * (page_size.empty() ? 0 : std::atoll(page_size[0].c_str()));
  return result;
}

// Refuses (ConflictError) while another process has `db` open. Every connection to a database
// in write-ahead-log mode holds a shared lock on it for as long as it is open, so an exclusive
// lock is granted only when there is no other connection.
void refuse_if_in_use(const std::string& db) {
  std::error_code ec;
  if (!fs::exists(db, ec)) return;
  Connection c(db, SQLITE_OPEN_READWRITE, "database " + db);
  sqlite3_busy_timeout(c.get(), 0);
  int rc = sqlite3_exec(c.get(), "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE", nullptr,
                        nullptr, nullptr);
  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
    throw ConflictError("database " + db +
                        " is in use by another process (a gongzhi serve?): stop it before "
                        "restoring, or give --force when no process has it open");
  if (rc != SQLITE_OK)
    throw ConflictError("cannot check that no process has database " + db + " open (" +
                        sqlite3_errmsg(c.get()) +
                        "): stop every process using it and give --force to replace it");
  // Another program's SQLite file (a GeoPackage given as --db by mistake) is not replaced.
  auto tables = c.rows("SELECT count(*), coalesce(sum(name = 'meta'), 0) FROM sqlite_master",
                       "cannot read it");
  if (!tables.empty() && tables[0] != "0|0" && tables[0].substr(tables[0].find('|')) == "|0")
    throw UsageError("database " + db +
                     " is a SQLite file but not a Gongzhi database; refusing to replace it "
                     "(give --force if it is to be replaced all the same)");
  sqlite3_exec(c.get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

}  // namespace

BackupResult backup_sqlite(const std::string& db, const std::string& output,
                           const CopyProgress& progress) {
  std::error_code ec;
  if (!fs::exists(db, ec)) throw NotFoundError("database " + db + " does not exist");
  if (fs::exists(fs::symlink_status(output, ec)))
    throw UsageError("backup " + output + " exists: a backup never overwrites a file; give a new "
                     "file name");
  require_directory(output, "backup");
  const std::string staged = output + ".partial-" + unique_suffix();
  remove_quietly(staged);  // a leftover of a crashed process that had our pid
  create_private_file(staged);
  try {
    BackupResult result;
    {
      Connection source(db, SQLITE_OPEN_READWRITE, "database " + db);
      sqlite3_busy_timeout(source.get(), 5000);
      require_gongzhi_store(source);
      // One snapshot for the whole copy, however many steps it takes.
      source.rows("BEGIN", "cannot start reading");
      source.rows("SELECT count(*) FROM sqlite_master", "cannot start reading");
      Connection copy(staged, SQLITE_OPEN_READWRITE, "backup " + output);
      copy.rows("PRAGMA synchronous=FULL", "cannot set it up");
      result = copy_pages(source, copy, progress);
      source.rows("COMMIT", "cannot end reading");
      copy.close();
      source.close();
    }
    sync_path(staged, false);
    // link() never replaces a file that appeared meanwhile; rename() where there are no links.
    int err = ::link(staged.c_str(), output.c_str()) == 0 ? 0 : errno;
    if (err != 0 && err != EEXIST)
      err = ::renameat2(AT_FDCWD, staged.c_str(), AT_FDCWD, output.c_str(), RENAME_NOREPLACE) == 0
                ? 0
                : errno;
    if (err == EEXIST)
      throw UsageError("backup " + output +
                       " appeared while the backup ran; nothing was overwritten: give a new file "
                       "name");
    if (err != 0) throw_errno("cannot move the backup into place as " + output, err);
    remove_quietly(staged);
    sync_path(directory_of(output), true);
    return result;
  } catch (...) {
    remove_quietly(staged);
    throw;
  }
}

BackupResult restore_sqlite(const std::string& db, const std::string& input,
                            const RestoreOptions& options) {
  std::error_code ec;
  if (!fs::is_regular_file(input, ec)) throw NotFoundError("backup " + input + " does not exist");
  // The backup is read as the one file it is (immutable: no lock, no -wal or -shm made beside
  // it). A log beside it would then be ignored, so such a file is refused.
  if (fs::exists(input + "-wal", ec) && fs::file_size(input + "-wal", ec) > 0)
    throw UsageError("backup " + input + " has a write-ahead log beside it (" + input +
                     "-wal): it is in use or was not closed; copy it with gongzhi admin backup "
                     "and restore that copy");
  require_directory(db, "database");
  // Fail fast, before copying a large file; checked again just before the switch.
  if (!options.force) refuse_if_in_use(db);
  const std::string staged = db + ".restore-" + unique_suffix();
  remove_quietly(staged);
  create_private_file(staged);
  try {
    BackupResult result;
    {
      Connection backup(file_uri(input, "mode=ro&immutable=1"),
                        SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, "backup " + input);
      require_gongzhi_store(backup);
      Connection copy(staged, SQLITE_OPEN_READWRITE, "the copy of backup " + input);
      copy.rows("PRAGMA synchronous=FULL", "cannot set it up");
      result = copy_pages(backup, copy, options.progress);
      backup.close();
      // What is checked is what will be put in place: the copy.
      auto check = copy.rows("PRAGMA integrity_check(20)", "cannot check it");
      if (check.size() != 1 || check[0] != "ok") {
        std::string problems;
        for (std::size_t i = 0; i < check.size() && i < 3; ++i)
          problems += (i ? "; " : "") + check[i];
        throw StorageError("backup " + input + " is damaged (integrity check: " + problems +
                           "); nothing was restored");
      }
      copy.close();
    }
    if (options.before_install) options.before_install(staged);
    // The main file alone must hold everything: a log left beside the copy would be lost.
    if (fs::exists(staged + "-wal", ec) && fs::file_size(staged + "-wal", ec) > 0)
      throw StorageError("the copy of backup " + input + " was not completely written (" +
                         staged + "-wal remains); nothing was restored");
    sync_path(staged, false);
    if (!options.force) refuse_if_in_use(db);
    // The old store's log and journal must go with it: SQLite would apply them to the new file.
    for (const char* suffix : kSideFiles) {
      std::string side = db + suffix;
      if (!fs::remove(side, ec) && ec)
        throw StorageError("cannot remove " + side + " (" + ec.message() +
                           "); database " + db + " was not replaced");
    }
    if (::rename(staged.c_str(), db.c_str()) != 0)
      throw_errno("cannot put backup " + input + " in place of database " + db, errno);
    remove_quietly(staged);
    sync_path(directory_of(db), true);
    return result;
  } catch (...) {
    remove_quietly(staged);
    throw;
  }
}

}  // namespace gz::storage
