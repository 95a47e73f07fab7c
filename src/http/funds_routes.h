// The funds routes of the API (资金监管): fund sources and their allocations, a project's pool
// (balances per source), its ledger, and disbursement requests with finance's decision. Amounts
// are integers in fen (`amount_fen`); each is also shown as a yuan string (`amount_yuan`) made
// from the fen without floating point.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "http/router.h"
#include "services/funds.h"
#include "storage/identity_store.h"

namespace gz::http {

void add_funds_routes(Router& r, storage::IdentityStore& identity, services::FundsService& funds);

// A payment voucher may be up to services::kMaxVoucherBytes (a decision carrying one, or one
// attached later): the body limit for those requests (0 for others; Server's body_limit_for).
std::size_t funds_body_limit(const std::string& method, const std::string& target);
// Before such a body is read: signed in, the payment visible, the user finance over it; the
// refusal, or nullopt to read the body.
std::optional<Response> funds_before_body(storage::IdentityStore& identity,
                                          services::FundsService& funds, const Request& head);

}  // namespace gz::http
