// The participation routes of the API (村民参与): notices and comments, feedback and
// complaints, village representative assembly votes, satisfaction surveys. Payloads are small
// and plainly named: a villager's phone reads them.
#pragma once

#include "http/router.h"
#include "services/participation.h"
#include "services/projects.h"
#include "storage/identity_store.h"

namespace gz::http {

void add_participation_routes(Router& r, storage::IdentityStore& identity,
                              services::ProjectService& projects,
                              services::ParticipationService& participation);

}  // namespace gz::http
