// The demo county's imagery: two synthetic orthoimage dates painted from its land-use layer
// (colours and textures by 三调 class from data/demo_imagery_colors.csv), the first from
// land_use version 1 ("before"), the second from the change survey's version 2 ("after"), so that
// a before/after swipe shows the survey's changes. Each date goes through the real import
// (services/imagery.h) from a GeoTIFF written aside and removed afterwards.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "storage/imagery_store.h"

namespace gz::services {

struct DemoImageryOptions {
  std::string layer = "dom";
  std::string before_date = "2024-06";  // land_use version 1
  std::string after_date = "2025-06";   // land_use's latest version, when there are two or more
  int min_zoom = 10, max_zoom = 13;     // z13 ≈ 16 m a pixel at the demo's latitude
  std::string dem_layer = "dem";        // terrain and slope (dem_layer + "_slope"); "" = none
  std::string dem_date = "2024-06";
};

// A synthetic DEM of the county is also written (rolling land with hills in the west, 30 m
// cells, EPSG:4490) and imported as terrain and slope tiles (services::import_dem).
// Writes the dates into the store at `location`; throws NotFoundError without a land_use layer.
// `progress` gets (phase, done, total).
std::vector<storage::ImageryVersion> write_demo_imagery(
    const std::string& location, const DemoImageryOptions& options = {},
    const std::function<void(const std::string&, std::int64_t, std::int64_t)>& progress = {});

}  // namespace gz::services
