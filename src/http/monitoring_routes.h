// Land-use change monitoring over HTTP: GET /api/v1/monitoring/changes, the change spots between
// two versions of a land-use layer and the warnings on them (services/land_use_monitor), as JSON
// with GeoJSON geometries for the warnings page, as GeoJSON, or as the xlsx officials file.
// Jurisdiction: a user sees the spots inside the regions of their grants (admin and auditor all);
// villagers, investors and experts are not given the warnings (403). The comparison of two
// versions is cached: versions never change, and the plan rules' projects are re-read when the
// project event feed has moved on.
#pragma once

#include "http/router.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"
#include "storage/store.h"

namespace gz::http {

// `projects` null: the plan rules (plan_deviation, new_cultivated_shortfall) are not applied.
void add_monitoring_routes(Router& r, storage::Store& store, storage::IdentityStore& identity,
                           storage::ProjectStore* projects);

}  // namespace gz::http
