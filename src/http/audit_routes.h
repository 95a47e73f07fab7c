// The audit trail over the API. For auditors and administrators: read the log, search it (by
// project, user, action and time, newest first), download a search as xlsx and verify the chain.
// For anyone who may see a project: that project's own trail (plan saves, reviews, payments,
// notices, objections and transitions), GET /api/v1/projects/{id}/activity.
#pragma once

#include "http/router.h"
#include "services/projects.h"
#include "storage/audit_search.h"
#include "storage/identity_store.h"

namespace gz::http {

void add_audit_routes(Router& r, storage::IdentityStore& identity,
                      services::ProjectService* projects = nullptr);

// The search of a request's query: actor, action (a prefix), object (contained), project (a
// code: the project's own entries), from and to (UTC "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS]";
// a bare `to` day is included), before (a seq) and limit (1..max_limit). 400 naming the
// parameter when one is malformed.
storage::AuditQuery audit_query_of(const std::map<std::string, std::string>& q, std::int64_t max_limit);

}  // namespace gz::http
