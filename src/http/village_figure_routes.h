// GET /api/v1/regions/{code}/figures: the villages' people and economy (人口经济) under a region
// (services/village_figures.h), for a village's identify popup and the dashboard. Inside the
// caller's grants only: elsewhere the region answers as one that does not exist.
#pragma once

#include <memory>

#include "http/router.h"
#include "services/village_figures.h"
#include "storage/identity_store.h"

namespace gz::http {

void add_village_figure_routes(Router& r, storage::IdentityStore& identity,
                               std::shared_ptr<services::VillageFigureService> figures);

}  // namespace gz::http
