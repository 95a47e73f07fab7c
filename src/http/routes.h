// The routes `gongzhi serve` answers so far: a health page, the health JSON and the layer list.
#pragma once

#include "http/server.h"
#include "storage/store.h"

namespace gz::http {

Handler make_routes(storage::Store& store);

}  // namespace gz::http
