// The routes `gongzhi serve` answers so far: a health page, health JSON, the layer list and the
// OpenAPI document of the API (data/openapi.json, kept true by a test against the route table).
#pragma once

#include "http/router.h"
#include "storage/store.h"

namespace gz::http {

Router make_router(storage::Store& store);
Handler make_routes(storage::Store& store);

}  // namespace gz::http
