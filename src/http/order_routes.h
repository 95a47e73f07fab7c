// The supervision routes of the API (监测预警与督办, docs/orders.md): project warnings
// (GET /api/v1/warnings, also as xlsx), supervision orders (issue, inbox and lists, one order with
// its history and evidence, answer with evidence, close, return, evidence photos), the sweep that
// escalates overdue orders, the units an issuer may address, and the dashboard's supervision
// panel. Each handler resolves the signed-in user first; the services decide jurisdiction.
#pragma once

#include "http/router.h"
#include "services/orders.h"
#include "services/warnings.h"
#include "storage/identity_store.h"

namespace gz::http {

void add_order_routes(Router& r, storage::IdentityStore& identity, services::WarningService& warnings,
                      services::OrderService& orders);

}  // namespace gz::http
