// The rights adjustment of the demo county: a small reallocation plan for the first demo project
// still in application, in the township of the demo's township account, with contracted parcels
// laid out inside the project area; the demo villager `cunmin` is linked to household H00001 (so
// a phone shows parcels to confirm or object to), the township has recorded the written
// confirmations of most other households, and one homestead compensation entry waits for the
// agriculture bureau.
#pragma once

#include <string>

#include "storage/store.h"

namespace gz::services {

// Returns the code of the project that got the plan ("" when no demo project fits).
std::string seed_demo_rights(storage::Store& store, const std::string& location);

}  // namespace gz::services
