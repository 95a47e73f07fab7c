// Online backup and restore of the embedded store (docs/durability.md). A backup copies the pages
// of one consistent snapshot with SQLite's backup API while servers keep writing: the copy reads
// a snapshot of the write-ahead log, so writers are never blocked. A restore checks a backup and
// puts it in place of a store whole, or leaves everything as it was.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace gz::storage {

// Pages copied so far and pages in all, after each step of the copy.
using CopyProgress = std::function<void(std::int64_t done, std::int64_t total)>;

struct BackupResult {
  std::int64_t pages = 0;
  std::int64_t bytes = 0;
};

// Copies the Gongzhi store `db` into the new file `output`: one snapshot (every commit before
// the copy started, none after), written under a hidden name beside `output`, flushed to disk
// and renamed into place complete, mode 0600. Throws NotFoundError when `db` is missing,
// UsageError when `output` exists (a backup never overwrites) or `db` is not a Gongzhi store,
// StorageError naming the file when reading or writing fails (nothing is left behind).
BackupResult backup_sqlite(const std::string& db, const std::string& output,
                           const CopyProgress& progress);

struct RestoreOptions {
  // Replace `db` without checking that no process has it open (when it cannot be checked: a
  // damaged file). Stop every server on it first all the same.
  bool force = false;
  CopyProgress progress;
  // Runs on the checked copy before it takes the store's place (the audit entry of the
  // restore goes in here); throwing aborts the restore.
  std::function<void(const std::string& staged)> before_install;
};

// Puts the backup `input` in place of the store `db` (which need not exist). The backup is
// copied beside `db`, checked there (PRAGMA integrity_check, and that it is a Gongzhi store of a
// schema this program reads), and renamed over `db` only then; any failure leaves `db` as it
// was. Refused (ConflictError) while another process has `db` open, unless `force`.
BackupResult restore_sqlite(const std::string& db, const std::string& input,
                            const RestoreOptions& options);

}  // namespace gz::storage
