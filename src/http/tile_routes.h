// GET /tiles/{layer}/{z}/{x}/{y}.mvt: Mapbox Vector Tiles of a layer version for signed-in users
// whose grants reach the map data (services::may_see_map_data); everyone else outside them gets
// the same 404 as for a layer that does not exist.
#pragma once

#include <string>

#include "http/router.h"
#include "storage/identity_store.h"
#include "storage/store.h"

namespace gz::http {

// If-None-Match lists `etag` (weak comparison, as RFC 9110 prescribes for this header) or is *.
bool etag_matches(const std::string& if_none_match, const std::string& etag);

void add_tile_routes(Router& r, storage::Store& store, storage::IdentityStore& identity);

}  // namespace gz::http
