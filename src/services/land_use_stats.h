// Land-use statistics: ellipsoidal area by class (gross, and net of field ridges), optionally
// broken down by zones of another layer (villages, consolidation units, any polygon layer).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "storage/store.h"

namespace gz::services {

struct ClassArea {
  std::string zone;       // zone key ("" without --by)
  std::string zone_name;
  std::string code;
  double gross_m2 = 0;    // ellipsoidal area
  double net_m2 = 0;      // gross less field ridges (KCXS)
  std::int64_t spots = 0; // features (or pieces of features) counted
};

struct StatsRequest {
  std::string layer;
  std::optional<int> version;
  std::string by;  // "", "region", "consolidation_unit" or a layer name
};

struct StatsResult {
  LayerVersion layer;
  std::optional<LayerVersion> zones;
  std::vector<ClassArea> rows;  // sorted by zone, then class code
  double total_gross_m2 = 0;
};

// Reads the layer as a stream (services/feature_stream.h): memory does not grow with it.
StatsResult land_use_stats(storage::Store& store, const StatsRequest& request,
                           const std::function<void(std::size_t, std::size_t)>& progress = {});

}  // namespace gz::services
