// The project routes of the API: the project library, a project with its reviews, conditions
// and history, plan edits, lifecycle actions, the joint review and its conditions.
#pragma once

#include <nlohmann/json.hpp>

#include "http/fast_reads.h"
#include "http/router.h"
#include "services/projects.h"
#include "storage/identity_store.h"

namespace gz::http {

// `fast`: keeps the plain list for FastReads to answer from memory (null: nothing kept).
void add_project_routes(Router& r, storage::IdentityStore& identity,
                        services::ProjectService& projects, FastReads* fast = nullptr);

nlohmann::json project_json(const storage::ProjectRecord& p, bool with_plan);

}  // namespace gz::http
