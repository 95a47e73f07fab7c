// The region hierarchy from a layer of kind region (XZQDM code, XZQMC name per feature), and who
// may see which region.
#pragma once

#include <string>
#include <vector>

#include "domain/identity.h"
#include "storage/identity_store.h"
#include "storage/store.h"

namespace gz::services {

// The regions of the latest version of `layer` in `store`. Throws UsageError when the layer is
// not of kind region, or naming the feature whose code is missing or malformed.
std::vector<Region> read_region_layer(storage::Store& store, const std::string& layer);

// Reads `layer` and replaces the identity store's hierarchy with it (one transaction, one audit
// entry). Nothing changes when anything is wrong.
std::vector<Region> import_regions(storage::Store& store, storage::IdentityStore& identity,
                                   const std::string& layer, const std::string& actor);

// Whether `user` may see `region`: admins and auditors see every region, everyone else the
// subtrees of their grants.
bool may_see_region(const User& user, const std::string& region);

}  // namespace gz::services
