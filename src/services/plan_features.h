// A platform project's or scheme's plan ({"area": geometry, "changes": [{geometry, from_code,
// to_code | to_ghdlbm, measure}]}) as the features of a project layer, the way the compliance
// check, the balance sheet and the downloads read one: the area first (XMBH, XMLX), then each
// change (XMBH, from_code, to_code or GHDLBM for a 用地用海 target, measure) named
// <code><change_prefix><n>, n from 1.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "domain/layer.h"

namespace gz::services {

std::vector<StoredFeature> plan_features(const std::string& code, const std::string& type,
                                         const nlohmann::json& plan, const std::string& change_prefix);

}  // namespace gz::services
