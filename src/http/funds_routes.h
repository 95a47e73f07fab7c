// The funds routes of the API (资金监管): fund sources and their allocations, a project's pool
// (balances per source), its ledger, and disbursement requests with finance's decision. Amounts
// are integers in fen (`amount_fen`); each is also shown as a yuan string (`amount_yuan`) made
// from the fen without floating point.
#pragma once

#include "http/router.h"
#include "services/funds.h"
#include "storage/identity_store.h"

namespace gz::http {

void add_funds_routes(Router& r, storage::IdentityStore& identity, services::FundsService& funds);

}  // namespace gz::http
