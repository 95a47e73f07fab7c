// Change counters shared by every process on one database, read without a query: what lets a
// server keep sessions and project lists in memory and still see, at once, a logout or a project
// change made by another `gongzhi serve` on the same database (docs/performance.md).
//
// Two counters, one for the identity tables (users, grants, sessions, regions) and one for the
// project tables. A cache reads the counter BEFORE it reads the database and keeps the value with
// what it read; the entry is current while the counter still has that value. Writers move the
// counter after their commit, so an entry filled from a snapshot older than a commit is always
// stamped with a value that commit's signal has moved past.
//
// - SQLite (every process on one host, as SQLite requires): the counters are two 64-bit words in
//   a small file beside the database ("<file>-gzsig"), mapped shared by every process and moved
//   with atomic operations. A writer moves its counter after its commit and before it answers.
// - PostgreSQL: each process keeps the counters in memory and has a listener connection
//   (LISTEN, application_name "gzsig:<hash of the schema>"). A writer sends a NOTIFY inside its
//   transaction (so it is delivered exactly when the commit is) and, after the commit, waits
//   until every other listening process has acknowledged the notification (at most 2 s), so
//   the write is answered only once every other server has moved its counter. While a process's
//   listener is not connected its caches are not used (live() is false), and it moves both
//   counters when it connects again.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace gz::storage {

class SqlSession;

class ChangeSignal {
 public:
  enum class Kind : int { identity = 0, projects = 1 };

  // The signal of the database at `location`, one per location string in a process; nullptr
  // where there can be none (a SQLite database in memory, or a side file that cannot be made):
  // then nothing may be cached.
  static std::shared_ptr<ChangeSignal> for_location(const std::string& location);

  virtual ~ChangeSignal() = default;
  // The counter of `kind` (an atomic load, no storage work).
  virtual std::uint64_t epoch(Kind kind) const = 0;
  // Whether caches may be used now (PostgreSQL: the listener is connected).
  virtual bool live() const = 0;
  // Inside a write transaction on `session`, just before its commit. Returns a ticket for
  // committed().
  virtual std::uint64_t in_transaction(SqlSession& session, Kind kind) = 0;
  // After that transaction committed: the counter moved here and in every other process.
  virtual void committed(SqlSession& session, Kind kind, std::uint64_t ticket) = 0;
};

}  // namespace gz::storage
