// The rights-adjustment routes of the API (权属调整): household membership of villager accounts,
// a project's reallocation plan and its households, a household's parcels before and after as
// GeoJSON with its confirmation or objection, the disputes objections open with their mediation
// steps, and the homestead compensation ledger (amounts in integer fen).
#pragma once

#include "http/router.h"
#include "services/rights.h"
#include "storage/identity_store.h"

namespace gz::http {

void add_rights_routes(Router& r, storage::IdentityStore& identity, services::RightsService& rights);

}  // namespace gz::http
