// The region dashboard route (可视化大屏): GET /api/v1/dashboard?region=CODE, every figure
// aggregated by the database (services/dashboard.h). Areas in m² (the app shows mu and hectares
// beside them), money in integer fen with a yuan string. `fast`: answers kept in memory
// (http/fast_reads.h; null: none).
#pragma once

#include "http/fast_reads.h"
#include "http/router.h"
#include "services/dashboard.h"
#include "storage/identity_store.h"

namespace gz::http {

void add_dashboard_routes(Router& r, storage::IdentityStore& identity,
                          services::DashboardService& dashboard, FastReads* fast = nullptr);

}  // namespace gz::http
