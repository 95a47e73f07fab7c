// The scheme-comparison routes of the API (方案比选): schemes of a unit (list, add, one with its
// plan and balance sheet), their TOPSIS comparison with entropy or AHP weights explained per
// criterion, and a scheme's simulation as a scenario land-use layer. Costs are integer fen.
#pragma once

#include "http/router.h"
#include "services/schemes.h"
#include "storage/identity_store.h"

namespace gz::http {

void add_scheme_routes(Router& r, storage::IdentityStore& identity, services::SchemeService& schemes);

}  // namespace gz::http
