// Land-use spots by their BSM (标识码, the survey's spot id) through an index on that attribute
// in both stores (SQLite: feature_bsm on the expression CAST(json_extract(attrs, '$.BSM') AS
// TEXT); PostgreSQL: feature_bsm on attrs->>'BSM'), so that a search never reads every spot.
#pragma once

#include <string>
#include <vector>

#include "storage/store.h"

namespace gz::storage {

// The features of `v` whose BSM is `bsm` (at most 50). Throws StorageError for a store of
// another kind.
std::vector<StoredFeature> find_by_bsm(Store& store, const LayerVersion& v, const std::string& bsm);

}  // namespace gz::storage
