// A synthetic but realistic county for demonstrations, tests and benchmarks: administrative
// regions, the 三调 land-use map-spot layer (DLTB), the three control lines, village plans,
// consolidation units and projects (some of which break the rules on purpose). Generated in the
// CGCS2000 3° Gauss–Krüger zone with central meridian 117°E (EPSG:4548), stored in EPSG:4490.
// Deterministic for a seed; the control lines do not depend on the number of polygons.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "domain/layer.h"
#include "storage/store.h"

namespace gz::services {

constexpr std::int64_t kDemoMinPolygons = 1000;
constexpr std::int64_t kDemoMaxPolygons = 5'000'000;

struct DemoCountyOptions {
  std::int64_t polygons = 20000;  // land-use map spots, exactly
  std::uint64_t seed = 2026;
};

// Area shares of the county's land use by the categories officials look at first.
struct DemoLandUseShares {
  double cultivated = 0;    // 01 耕地
  double forest = 0;        // 03 林地
  double construction = 0;  // 建设用地 (group construction in the class table)
  double water = 0;         // 11 水域及水利设施用地
};

struct DemoCountySummary {
  std::string county_code, county_name;
  int townships = 0, villages = 0;
  double county_area_m2 = 0;  // ellipsoidal
  DemoLandUseShares shares;
  std::vector<LayerVersion> layers;  // in the order written
};

// Long phases report (phase, done, total); phases come one after another.
using DemoProgress =
    std::function<void(const std::string& phase, std::int64_t done, std::int64_t total)>;

// Writes every layer of the demo county into `store`, one transaction per layer. Throws
// UsageError when options.polygons is outside [kDemoMinPolygons, kDemoMaxPolygons].
DemoCountySummary generate_demo_county(storage::Store& store, const DemoCountyOptions& options,
                                       const DemoProgress& progress = {});

}  // namespace gz::services
