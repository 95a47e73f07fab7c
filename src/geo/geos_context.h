// The GEOS context of the calling thread. Internal to geo/.
#pragma once

#include <geos_c.h>

#include <string>

namespace gz::geo {

GEOSContextHandle_t geos();
// The last error GEOS reported on this thread (cleared when read).
std::string take_geos_error();

}  // namespace gz::geo
