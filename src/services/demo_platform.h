// The people and the workflow of the demo county, so that `gongzhi serve` on a fresh demo shows
// a working platform: the region hierarchy imported from the demo's region layer, one account per
// role of DESIGN.md §1 (all with one demo password), and the demo's projects entered into the
// project library and driven through the real lifecycle to the stage their `status` attribute
// names (application, review, approved, implementation, accepted) — every step audited.
#pragma once

#include <string>
#include <vector>

#include "services/demo_supervision.h"
#include "storage/store.h"

namespace gz::services {

struct DemoAccount {
  std::string username, role, department, region;
};

struct DemoPlatformSummary {
  std::vector<DemoAccount> accounts;
  int projects = 0;
  int regions = 0;
  DemoSupervisionSummary supervision;
};

// `store`, opened from `location`, holds the demo county (generate_demo_county); identity and
// project tables are made in the same database. `password` is every demo account's (at least 10
// characters).
DemoPlatformSummary seed_demo_platform(storage::Store& store, const std::string& location,
                                       const std::string& password);

}  // namespace gz::services
