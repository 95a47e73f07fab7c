// Read replicas (issue 18, item 5): `gongzhi serve --pg-read CONNINFO` (repeatable) names
// streaming standbys of the primary. Reads of projects and layers go to a standby, writes to
// the primary, and what this process wrote is always in what it reads next:
//
// - after every commit on the primary the process raises its read fence to the primary's WAL
//   insert position (pg_current_wal_insert_lsn(), past the commit record);
// - a read starts on a standby only once the standby has replayed up to the fence
//   (pg_last_wal_replay_lsn()), waiting at most the bound (default 500 ms); otherwise, and when
//   no standby answers, it runs on the primary.
//
// The fence is the process's, raised by its own commits and by every read of the change stamps
// (storage/change_signal.h: a stamp that shows another process's write raises it past that
// write), so what a server keeps stamped is never older than its stamp. Behind a load balancer
// cookie stickiness (docs/deploy.md) keeps a user's reads on the process that has their writes
// in its fence. Sessions and sign-in (the identity tables) are always read on the primary.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace gz::storage::pg {

class Connection;

struct ReplicaOptions {
  std::vector<std::string> conninfos;  // libpq conninfo of each standby
  std::chrono::milliseconds wait_bound{500};
};

// Counters for logs and tests.
struct ReplicaCounters {
  std::atomic<std::uint64_t> standby_reads{0};    // reads that ran on a standby
  std::atomic<std::uint64_t> primary_reads{0};    // reads that fell back to the primary
  std::atomic<std::uint64_t> fence_waits{0};      // standby reads that had to wait for replay
};

// Process-wide. `primary_conninfo` (without "pg:") is read once for the starting fence, so that
// nothing committed before the process started is missing from its first reads. An empty list
// turns replicas off again (tests).
void set_read_replicas(const std::string& primary_conninfo, ReplicaOptions options);
bool have_read_replicas();
ReplicaCounters& replica_counters();

// The primary's WAL insert position as a number (e.g. 0/16B3748 -> 0x16B3748).
std::uint64_t parse_lsn(const std::string& text);
// After a commit on `primary` (outside any transaction): raises the fence. Nothing to do (no
// query) without replicas. Never throws: the commit it follows has happened.
void note_primary_commit(Connection& primary);
// Raises the fence to `lsn`, a position read on the primary (the change stamps' query does, so
// that a read after a stamp that shows another process's write finds that write on a standby).
void note_primary_lsn(std::uint64_t lsn);
std::uint64_t read_fence();

// A connection to the next standby (round robin), its search_path set to `search_path` (the
// primary connection's, so that the same schema is read); nullptr when none can be reached.
std::unique_ptr<Connection> connect_standby(const std::string& search_path);
// Whether `standby` has replayed up to the fence, waiting for it at most the bound. A server
// that is not in recovery (a primary named as a replica) is always current.
bool standby_current(Connection& standby);

}  // namespace gz::storage::pg
