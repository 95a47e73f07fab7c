// The JSON the API and `gongzhi schemes --format json` give for schemes, comparisons and
// simulations (documented in data/openapi/schemes.json).
#pragma once

#include <nlohmann/json.hpp>

#include "services/schemes.h"

namespace gz::services {

// With the plan's geometry and the full assessment when `documents`.
nlohmann::json scheme_json(const SchemeRecord& s, bool documents);
nlohmann::json comparison_json(const SchemeComparison& c);
nlohmann::json simulation_json(const SimulationResult& r);

}  // namespace gz::services
