// GET /api/v1/land-use-classes: the land-use classification with the official 三调 map colours
// (data/land_use_classes.csv), for the web map's fill colours and legend. Signed-in users only.
#pragma once

#include "http/router.h"
#include "storage/identity_store.h"

namespace gz::http {

void add_land_use_class_routes(Router& r, storage::IdentityStore& identity);

}  // namespace gz::http
