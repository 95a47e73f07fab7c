// gongzhi admin backup and restore: a consistent copy of a SQLite store taken while servers keep
// writing to it, and a checked backup put back in place of a store, whole or not at all
// (storage/sqlite/sqlite_backup.h, docs/durability.md). PostgreSQL has pg_dump for this.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/admin_support.h"
#include "cli/command.h"
#include "cli/progress.h"
#include "common/error.h"
#include "storage/identity_store.h"
#include "storage/postgres/pg_store.h"
#include "storage/sqlite/sqlite_backup.h"

namespace gz::cli {

namespace {

void refuse_postgres(const std::string& db, const std::string& command, const std::string& tool) {
  if (storage::is_postgres_location(db))
    throw UsageError("admin " + command + " works on a SQLite database file; for PostgreSQL use " +
                     tool + " (see docs/durability.md)");
}

std::string describe(const storage::BackupResult& r, double seconds) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%lld pages, %.1f MiB, %.1f s", static_cast<long long>(r.pages),
                static_cast<double>(r.bytes) / (1024.0 * 1024.0), seconds);
  return buf;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

void add_admin_backup_commands(CLI::App& admin, Action& action) {
  {
    struct Options {
      std::string db, output;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = admin.add_subcommand(
        "backup",
        "Copy a SQLite database into a new file while servers keep using it: one consistent "
        "snapshot, mode 0600; the backup is recorded in the audit log.");
    cmd->add_option("--db", o->db, "SQLite database file")->required();
    cmd->add_option("--output", o->output, "the backup file to create (never overwritten)")
        ->required();
    cmd->callback([o, &action] {
      action = [o] {
        refuse_postgres(o->db, "backup", "pg_dump");
        auto start = std::chrono::steady_clock::now();
        storage::BackupResult result;
        {
          ProgressBar bar("backup " + o->db);
          result = storage::backup_sqlite(
              o->db, o->output,
              [&](std::int64_t done, std::int64_t total) { bar.update(done, total); });
          bar.finish();
        }
        // After the copy, so the backup does not hold its own entry: the log says when a copy of
        // the data (password hashes, the ledger) left the database, and to where.
        auto identity = storage::IdentityStore::open(o->db);
        nlohmann::json detail{{"output", o->output}, {"pages", result.pages}};
        identity->append_audit({cli_actor(), "admin.backup", "database", detail.dump()});
        std::cout << "backed up " << o->db << " to " << o->output << " ("
                  << describe(result, seconds_since(start)) << ")\n";
        return kExitOk;
      };
    });
  }

  {
    struct Options {
      std::string db, input;
      bool force = false;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = admin.add_subcommand(
        "restore",
        "Put a backup in place of a SQLite database: the backup is checked (integrity, a Gongzhi "
        "database) and replaces the database whole, or nothing changes. Stop the servers first.");
    cmd->add_option("--db", o->db, "SQLite database file to replace (or create)")->required();
    cmd->add_option("--input", o->input, "the backup file (admin backup)")->required();
    cmd->add_flag("--force", o->force,
                  "replace the database without checking that no process has it open (when the "
                  "check itself fails, e.g. on a damaged file)");
    cmd->callback([o, &action] {
      action = [o] {
        refuse_postgres(o->db, "restore", "pg_restore");
        auto start = std::chrono::steady_clock::now();
        storage::RestoreOptions options;
        options.force = o->force;
        ProgressBar bar("restore " + o->input);
        options.progress = [&](std::int64_t done, std::int64_t total) { bar.update(done, total); };
        // In the restored database itself, before it takes the old one's place: the restore and
        // its entry arrive together.
        options.before_install = [&](const std::string& staged) {
          nlohmann::json detail{{"database", o->db}, {"input", o->input}, {"force", o->force}};
          storage::IdentityStore::open(staged)->append_audit(
              {cli_actor(), "admin.restore", "database", detail.dump()});
        };
        auto result = storage::restore_sqlite(o->db, o->input, options);
        bar.finish();
        std::cout << "restored " << o->db << " from " << o->input << " ("
                  << describe(result, seconds_since(start)) << ")\n";
        return kExitOk;
      };
    });
  }
}

}  // namespace gz::cli
