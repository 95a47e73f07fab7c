// Imagery (数字正射影像 DOM) for the map: GET /api/v1/imagery lists the layers and dates with
// their extent and zooms; GET /tiles/imagery/{layer}/{date}/{z}/{x}/{y} serves one encoded tile
// (WebP, JPEG or PNG) with an ETag. Both under the grants of the vector tiles
// (services::may_see_map_data): outside them an imagery layer answers as one that does not exist.
#pragma once

#include "http/router.h"
#include "storage/identity_store.h"
#include "storage/imagery_store.h"

namespace gz::http {

void add_imagery_routes(Router& r, storage::ImageryStore& imagery,
                        storage::IdentityStore& identity);

}  // namespace gz::http
