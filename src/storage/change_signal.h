// Change stamps shared by every process on one database: what lets a server keep sessions and
// project lists in memory and still see, at once, a logout or a project change made by another
// `gongzhi serve` on the same database (docs/performance.md).
//
// Two stamps, one for the identity tables (users, grants, sessions, regions) and one for the
// project tables. A cache reads the stamp BEFORE it reads the database and keeps the value with
// what it read; the entry is current while the stamp still has that value. Writers move the
// stamp after their commit and before they answer, so an entry filled from a snapshot older than
// a commit is always stamped with a value that commit has moved past. No writer waits for any
// other process: a paused or stalled server slows nobody else down.
//
// - SQLite (every process on one host, as SQLite requires): the stamps are two 64-bit words in
//   a small file beside the database ("<file>-gzsig"), mapped shared by every process and moved
//   with atomic operations. Reading them is free (local(): an I/O thread may).
// - PostgreSQL: the stamps are two sequences in the schema (gz_change_identity,
//   gz_change_projects), moved with nextval() after the commit (nextval takes no lock, so
//   writers do not queue on it); reading them is one query (local() is false: workers only).
//   Each process also listens for a NOTIFY sent inside every write transaction (delivered at its
//   commit) and keeps in-memory counters of them, epoch(): what the live feed uses to re-check
//   its streams soon after a revocation, and what still moves when a writer died between its
//   commit and its nextval.
#pragma once

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

  // Both stamps as they are now; `live` false when they could not be read (then nothing kept
  // may be used, nor anything read now kept).
  struct Stamp {
    std::uint64_t identity = 0, projects = 0;
    bool live = false;
    bool operator==(const Stamp&) const = default;
  };
  // SQLite: two atomic loads. PostgreSQL: one query on a connection of the signal's own (a few
  // kept), so never on an I/O thread.
  virtual Stamp stamp() = 0;
  // Whether stamp() does no storage work (an I/O thread may call it).
  virtual bool local() const = 0;
  // A counter of `kind` moved (soon) after every change in any process (an atomic load, no
  // storage work): for polling loops that re-check what they hold when it moves.
  virtual std::uint64_t epoch(Kind kind) const = 0;
  // Inside a write transaction on `session`, just before its commit.
  virtual void in_transaction(SqlSession& session, Kind kind) = 0;
  // After that transaction committed, before the write is answered: the stamp moved.
  virtual void committed(SqlSession& session, Kind kind) = 0;
};

}  // namespace gz::storage
