// Parcel reallocation (权属调整, DESIGN.md §2.5): the contracted parcels (承包地块) of a
// consolidation unit are pooled, the pooled land is laid out in consolidated blocks, and each
// household is given pieces of blocks of the same land value it held before, as close to home
// and in as few pieces as possible. Households that asked to stay keep their parcels untouched.
//
// Model (documented in docs/realloc.md): value of a parcel = area × value per m² (its `value`
// field, or from its grade DLDJ 1–10: 1.9 for grade 1 down to 1.0 for grade 10). Blocks are the
// pooled land cut by a grid of about one block per moving household; a block is re-valued at the
// area-weighted mean value per m² of the land it was made of. The assignment is a min-cost flow
// (LEMON NetworkSimplex): households supply their value in units of 1 value-m², blocks take at
// most theirs, an arc costs the distance from the household's home to the block. A basic optimal
// flow uses at most households + blocks − 1 arcs, which is what keeps pieces per household low.
// Each block is then cut across its long side into strips whose areas are proportional to the
// flows into it, households ordered along that side by where they live.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "storage/store.h"

namespace gz::services {

struct ReallocRequest {
  std::string layer;                 // parcels (kind parcel)
  std::optional<int> version;
  std::string units_layer = "units"; // consolidation units (kind consolidation_unit)
  std::string unit;                  // unit code (DYBH / code / id attribute); "" = all parcels
  double tolerance = 0.02;           // allowed relative value change per household
  std::vector<std::string> stay;     // households that keep their parcels (also attribute stay=1)
  std::string output_layer;          // new layer written (only when within tolerance); "" = do not write
  // Keep the new parcels in ReallocResult::output (for a caller that writes them itself, in a
  // transaction of its own: services/rights).
  bool keep_output = false;
  std::string actor = "cli";
};

struct Fragmentation {
  double parcels_per_household = 0;
  double mean_parcel_area_m2 = 0;
  double mean_shape_index = 0;       // perimeter / (4·√area): 1 for a square, more when ragged
  double mean_distance_m = 0;        // area-weighted distance from home to parcel centroid
};

struct HouseholdResult {
  std::string household;
  int parcels_before = 0, parcels_after = 0;
  double value_before = 0, value_after = 0;
  double deviation = 0;              // (after − before) / before
  bool stayed = false;
};

struct ReallocResult {
  int households = 0, moving_households = 0, parcels = 0, blocks = 0;
  Fragmentation before, after;
  double max_abs_deviation = 0;
  bool within_tolerance = true;
  std::vector<HouseholdResult> households_detail;
  std::optional<LayerVersion> written;
  // The new parcels (EPSG:4490; CBFBM, stayed, area_m2) when ReallocRequest::keep_output.
  std::vector<StoredFeature> output;
  double seconds = 0;
};

// Throws InputError naming the parcel/household for parcels without household or value,
// overlapping parcels, households without parcels in the unit, an unknown unit; UsageError for a
// tolerance outside (0, 0.5].
ReallocResult reallocate(storage::Store& store, const ReallocRequest& request,
                         const std::function<void(const std::string&, std::int64_t, std::int64_t)>&
                             progress = {});

// A synthetic unit for tests and the benchmark: `households` households with `parcels` parcels in
// all, scattered in strips over a square of farmland near (lon, lat), written as layer `layer`
// (kind parcel) with CBFBM, DLDJ, HOME_X/HOME_Y (lon/lat of the homestead).
LayerVersion write_demo_parcels(storage::Store& store, const std::string& layer, int households,
                                int parcels, std::uint64_t seed, double lon = 117.30,
                                double lat = 31.80);

}  // namespace gz::services
