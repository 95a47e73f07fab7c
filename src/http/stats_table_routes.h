// The official summary tables over HTTP: GET /api/v1/stats/tables for a region the caller may
// see, as JSON for the web page or as the xlsx/csv download officials file; the same services
// (stats_tables, stats_table_output) as `gongzhi stats --table`.
#pragma once

#include "http/router.h"
#include "storage/identity_store.h"
#include "storage/store.h"

namespace gz::http {

void add_stats_table_routes(Router& r, storage::Store& store, storage::IdentityStore& identity);

}  // namespace gz::http
