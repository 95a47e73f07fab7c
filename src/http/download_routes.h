// GET /api/v1/layers/{layer}/download?format=gpkg|shp|txt[&version=N]: a layer version as a
// file, written by the same exporter as `gongzhi export` (services/export_layer.h) and streamed
// to the client. Who may see the map data may download it; everyone else outside their grants
// gets the same 404 as for a layer that does not exist.
#pragma once

#include "http/router.h"
#include "storage/identity_store.h"
#include "storage/store.h"

namespace gz::http {

void add_download_routes(Router& r, storage::Store& store, storage::IdentityStore& identity);

}  // namespace gz::http
