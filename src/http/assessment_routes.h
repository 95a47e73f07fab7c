// Assessment, consolidation units and village plan changes over HTTP (data/openapi/assessment.json):
// GET /api/v1/assessment?region=…|unit=…, GET /api/v1/units[/{code}], and the village plan
// versions and change requests under /api/v1/village-plans/{region} and
// /api/v1/village-plan-changes/{id}. Either service may be null (its routes are then not served).
#pragma once

#include "http/router.h"
#include "services/units.h"
#include "services/village_plans.h"
#include "storage/identity_store.h"

namespace gz::http {

void add_assessment_routes(Router& r, storage::IdentityStore& identity, services::UnitService* units,
                           services::VillagePlanService* plans);

}  // namespace gz::http
