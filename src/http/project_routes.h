// The project routes of the API: the project library, a project with its reviews, conditions
// and history, plan edits, lifecycle actions, the joint review and its conditions.
#pragma once

#include <nlohmann/json.hpp>

#include "http/router.h"
#include "services/projects.h"
#include "storage/identity_store.h"

namespace gz::http {

void add_project_routes(Router& r, storage::IdentityStore& identity,
                        services::ProjectService& projects);

nlohmann::json project_json(const storage::ProjectRecord& p, bool with_plan);

}  // namespace gz::http
