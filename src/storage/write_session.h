// What a write transaction on a SqlSession (sql_identity_store.h) does beyond begin_write and
// commit, for the stores that write (identity_store.cpp, project_store.cpp, access_store.cpp):
//
// - PostgreSQL write transactions are SERIALIZABLE (postgres/pg_identity_store.cpp): writers of
//   every process run side by side, and PostgreSQL refuses the commit of one whose reads
//   another changed (WriteConflict); retry_write_conflicts runs it again. So what a guard reads
//   still holds when the write commits, without one lock for every writer (issue 18).
// - Each writing session appends to an audit chain of its own (docs/audit.md).
// - Schema setup takes a lock of its own, one setup at a time per schema.
#pragma once

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>
#include <type_traits>

#include "storage/sql_identity_store.h"
#include "storage/write_conflict.h"

namespace gz::storage {

// The audit chain `session` appends to inside its write transaction: SQLite 1 (one writer at a
// time anyway); PostgreSQL the session's own, taken at its first audited write.
int audit_chain_of(SqlSession& session);

// A write transaction that excludes every other such one on the database (schema setup and
// migrations). SQLite: begin_write.
void begin_exclusive(SqlSession& session);

// Runs `attempt`, one whole write transaction (begin_write … commit, rolled back when it
// throws), again while it fails with WriteConflict, up to 12 times with a short random pause
// that grows. `attempt` must change nothing but its transaction and its own locals.
template <class F>
auto retry_write_conflicts(F&& attempt) -> std::invoke_result_t<F&> {
  constexpr int kAttempts = 12;
  thread_local std::minstd_rand random(std::random_device{}());
  for (int i = 1;; ++i) {
    try {
      return attempt();
    } catch (const WriteConflict&) {
      if (i >= kAttempts) throw;
      int cap_ms = std::min(1 << std::min(i, 6), 50);
      std::this_thread::sleep_for(std::chrono::microseconds(
          std::uniform_int_distribution<int>(200, cap_ms * 1000)(random)));
    }
  }
}

}  // namespace gz::storage
