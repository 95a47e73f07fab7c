// Parcel reallocation (权属调整, DESIGN.md §2.5): the contracted parcels (承包地块) of a
// consolidation unit are pooled, the pooled land is laid out in blocks along the roads and ditches,
// and each household is given strips of blocks of the same land value it held before, as close to
// home and in as few pieces as possible, every strip workable. Households that asked to stay keep
// their parcels untouched.
//
// Model (documented in docs/realloc.md): value of a parcel = area × value per m² (its `value`
// field, or from its grade DLDJ 1–10: 1.9 for grade 1 down to 1.0 for grade 10). Blocks are the
// connected pieces of the pooled land (the land between roads and ditches), cut across their long
// axis into blocks no longer than `block_length_m`; a block is re-valued at the area-weighted mean
// value per m² of the land it was made of. Blocks and households are put in one order (columns of
// `block_length_m` west to east, south to north and back); households fill the blocks in that
// order, each taking one strip across the block's long axis (from one long side to the other, so
// it reaches the road or ditch along the block), a household split over two blocks only when both
// pieces are workable. Every new parcel is checked against the rules of data/realloc.json
// (minimum width by the largest inscribed circle, minimum area, maximum length/width ratio, access
// to a road or ditch); a plan with any unworkable parcel is refused, naming the households.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
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
  // Roads and ditches (existing ones, and the plan's new ones): every new parcel must come within
  // access_distance_m of a feature of these layers whose DLBM is one of access_codes (a feature
  // without DLBM counts). Layers that do not exist are skipped; with none, access is not checked
  // (reported as such).
  std::vector<std::string> access_layers = {"roads"};
  std::string output_layer;          // new layer written (only when within tolerance); "" = do not write
  // Keep the new parcels in ReallocResult::output (for a caller that writes them itself, in a
  // transaction of its own: services/rights).
  bool keep_output = false;
  std::string actor = "cli";
};

// The rules a new parcel must meet (data/realloc.json; docs/realloc.md cites their sources).
struct ReallocRules {
  double min_width_m = 10;             // diameter of the largest inscribed circle
  double min_area_m2 = 667;            // 1 mu
  double max_length_width_ratio = 10;  // sides of the minimum rotated rectangle
  double block_length_m = 400;
  double access_distance_m = 3;
  std::vector<std::string> access_codes = {"1003", "1004", "1006", "1107", "1107A"};
  // A household whose whole entitlement is below min_area_m2: "keep" (keeps its parcels in
  // place) or "cash" (gets no land; its land goes to the collective, and the household is owed
  // its value under the compensation ledger).
  std::string below_minimum = "keep";
};
// Reads data/realloc.json; throws Error naming the file and the field when it is wrong.
ReallocRules load_realloc_rules();

// The field's criteria of a land distribution (Demetriou et al.: mean parcel size, parcels per
// owner, holdings below the minimum size, a shape index, distance to home), and the workability
// counts against the rules.
struct Fragmentation {
  int parcels = 0;
  double parcels_per_household = 0;
  double mean_parcel_area_m2 = 0;
  double mean_shape_index = 0;       // perimeter / (4·√area): 1 for a square, more when ragged
  double mean_length_width_ratio = 0;  // sides of the minimum rotated rectangle
  double mean_distance_m = 0;        // area-weighted distance from home to parcel centroid
  double holdings_below_minimum_share = 0;  // households whose whole holding < min_area_m2
  double narrowest_m = 0;            // smallest inscribed-circle diameter of a parcel
  double median_width_m = 0;
  int narrower_than_minimum = 0, smaller_than_minimum = 0, over_ratio = 0;
  int without_access = -1;           // -1: not checked (no road or ditch layer)
};
// The criteria as the CLI's --format json and the stored plan give them.
nlohmann::json fragmentation_json(const Fragmentation& f);

// A household below the minimum parcel size, and what was done (never silent).
struct BelowMinimum {
  std::string household;
  double area_m2 = 0, value = 0;
  std::string rule;                  // "keep" or "cash"
};

struct HouseholdResult {
  std::string household;
  int parcels_before = 0, parcels_after = 0;
  double value_before = 0, value_after = 0;
  double deviation = 0;              // (after − before) / before
  bool stayed = false;
  std::string rule;                  // "" or the below-minimum rule applied ("keep", "cash")
  double shape_index_before = 0, shape_index_after = 0;  // area-weighted means
  double ratio_before = 0, ratio_after = 0;
};

struct ReallocResult {
  int households = 0, moving_households = 0, parcels = 0, blocks = 0;
  Fragmentation before, after;
  ReallocRules rules;
  std::vector<std::string> access_layers_used;
  std::vector<BelowMinimum> below_minimum;
  // Moving households whose shape index and ratio are no worse than before (share of them).
  double shape_no_worse_share = 1;
  // Land of the pool narrower than the minimum width (tails, wedges): left to the collective as
  // field margins, the households' entitlements reduced in proportion (remnant_share of value).
  int remnant_pieces = 0;
  double remnant_area_m2 = 0, remnant_share = 0;
  double max_abs_deviation = 0;
  bool within_tolerance = true;
  std::vector<HouseholdResult> households_detail;
  std::optional<LayerVersion> written;
  // The new parcels (EPSG:4490; CBFBM, stayed, area_m2) when ReallocRequest::keep_output.
  std::vector<StoredFeature> output;
  double seconds = 0;
};

// Throws InputError naming the parcel/household for parcels without household or value,
// overlapping parcels, households without parcels in the unit, an unknown unit, and when no
// workable plan exists (naming the households whose new parcels break a rule; nothing written);
// UsageError for a tolerance outside (0, 0.5]. `rules` default to load_realloc_rules().
ReallocResult reallocate(storage::Store& store, const ReallocRequest& request,
                         const std::function<void(const std::string&, std::int64_t, std::int64_t)>&
                             progress = {},
                         const std::optional<ReallocRules>& rules = std::nullopt);

// A synthetic unit for tests and the benchmark: `households` households with `parcels` parcels in
// all, scattered in strips over a square of farmland near (lon, lat), written as layer `layer`
// (kind parcel) with CBFBM, DLDJ, HOME_X/HOME_Y (lon/lat of the homestead).
LayerVersion write_demo_parcels(storage::Store& store, const std::string& layer, int households,
                                int parcels, std::uint64_t seed, double lon = 117.30,
                                double lat = 31.80);

// The demo with its roads and ditches, regular (write_demo_parcels' rows, a field road along
// each row) or irregular: bands between curved roads, the farmland's outline slanted and a ditch
// across it diagonally, so blocks are not rectangles. Roads (DLBM 1006) and ditches (1107) are
// written as thin polygons (land use, as in the land survey) in layer `roads_layer` when it is
// not empty.
struct DemoLayout {
  std::string layer = "parcels", roads_layer = "roads";
  int households = 1000, parcels = 5000;
  std::uint64_t seed = 1;
  bool irregular = false;
  double lon = 117.30, lat = 31.80;
};
struct DemoWritten {
  LayerVersion parcels;
  std::optional<LayerVersion> roads;
};
DemoWritten write_demo_layout(storage::Store& store, const DemoLayout& layout);

}  // namespace gz::services
