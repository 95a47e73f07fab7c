// The one map's look-ups (services/map_search.h): GET /api/v1/map/places (township and village
// names with a point to label them at, for the labels and the place search), GET
// /api/v1/map/spots?bsm= (a land-use spot by its 标识码, through the store's index) and GET
// /api/v1/map/fields (field names and coded values in words, for the identify popup). Under the
// grants of the map data (services::may_see_map_data): outside them the lists are empty.
#pragma once

#include "http/router.h"
#include "storage/identity_store.h"
#include "storage/store.h"

namespace gz::http {

void add_map_routes(Router& r, storage::Store& store, storage::IdentityStore& identity);

}  // namespace gz::http
