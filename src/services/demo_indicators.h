// The land indicators and benefit sharing of the demo county (docs/indicators.md): the first
// accepted demo project whose plots make indicators has them registered by the lead department,
// part of one is transferred to a neighbouring county (the price enters the funds ledger), and a
// distribution plan of that revenue between the township, village V and five households (the demo
// villager `cunmin` with H00001 and four more villager accounts of the village, hu00002–hu00005,
// with the demo password) was voted by the village assembly and paid with finance's approval.
#pragma once

#include <string>

#include "storage/store.h"

namespace gz::services {

// The code of the project that got the indicators ("" when no accepted demo project has plots
// that make any).
std::string seed_demo_indicators(storage::Store& store, const std::string& location);

}  // namespace gz::services
