// The auditor's search of the audit log (newest first, read in the database) and the trail of
// one project: a query over the log an IdentityStore keeps.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/identity_store.h"

namespace gz::storage {

// Every field that is set narrows the search; entries come newest first, `before` (a seq) pages
// backwards.
struct AuditQuery {
  std::string actor;            // exactly this actor
  std::string action_prefix;    // actions starting with it ("project." or "project.review")
  std::string object_contains;  // objects containing it ("XM2026-001" finds "project:XM2026-001")
  std::string from_time;        // entries at or after this UTC time ("2026-12-07" or "2026-12-07T08:30")
  std::string to_time;          // entries before this UTC time
  // Entries about one project: its own (object "project:CODE") and those of its villagers'
  // feedback (object "feedback:N" whose detail names the project's id).
  std::string project_code;
  std::int64_t project_id = 0;
  std::int64_t before = 0;  // entries with seq < before (0: from the newest)
  std::size_t limit = 100;
};

// The entries of `store`'s log matching `query`, newest first.
std::vector<AuditEntry> audit_search(IdentityStore& store, const AuditQuery& query);

}  // namespace gz::storage
