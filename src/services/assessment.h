// Assessment (智能评估, DESIGN.md §2.7): consolidation potential, ecological risk and social
// impact per village or per consolidation unit, computed from the layers of the one map.
//
// The engine measures named quantities ("measures": areas on the CGCS2000 ellipsoid, counts) per
// zone with the shared overlay engine (services/overlay.h); the method file data/assessment.json
// turns measures into indicators (a measure, optionally divided by another), normalises each to
// 0..1, and weights them into five dimension scores of 0..100. Indicators, thresholds,
// normalisation, weights and sources live in that file, documented in docs/assessment.md.
//
// This header is the interface other parts use (scheme comparison reads `assess` for one unit
// or village and takes `ZoneAssessment::measures` / `dimensions` as potential figures).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "storage/store.h"

namespace gz::services {

// ---- the method (data/assessment.json) ---------------------------------------------------------

struct AssessmentIndicator {
  std::string id, dimension, name_zh, name_en, unit;
  std::string measure;      // numerator: a measure id (the table in docs/assessment.md)
  std::string per;          // denominator measure id; "" = the measure itself
  std::string direction;    // "benefit" (more = higher score) or "cost" (more = lower score)
  std::string normalise;    // "linear": clamp(value / full, 0, 1); "minmax": over the zones assessed
  double full = 1;          // value reaching the full score under "linear"
  double weight = 0;        // within its dimension; weights of a dimension sum to 1
  std::string source;       // standard, paper or rule the indicator comes from
};

struct AssessmentDimension {
  std::string id, name_zh, name_en;
};

struct AssessmentThresholds {
  double fragment_max_m2 = 10000;                 // cultivated spots below this are fragmented
  int low_grade_min_slope_grade = 3;             // GDPDJB ≥ this: low-grade (sloping) cultivated
  int steep_min_slope_grade = 4;                 // GDPDJB ≥ this: steep (> 15°)
  double low_grade_min_quality_grade = 10;       // 耕地质量等别 (GDZLDJ …) ≥ this: low grade
  double scattered_homestead_max_m2 = 2000;      // homestead spots below this outside zones
  double near_redline_m = 500;                   // "near" the ecological red line
  double homestead_m2_per_household = 200;       // to estimate relocations from homestead area
  double people_per_household = 3.2;             // when parcels carry no head count
  double dem_steep_slope_deg = 15;               // DEM slope (degrees) counted as steep
  std::vector<std::string> degraded_codes;       // 三调 codes counted as degraded land
  std::vector<std::string> idle_fields;          // attribute names flagging an idle homestead
};

struct AssessmentMethod {
  std::string version;
  AssessmentThresholds thresholds;
  std::vector<AssessmentDimension> dimensions;
  std::vector<AssessmentIndicator> indicators;
  std::vector<std::pair<double, std::string>> grades;  // score ≥ first → grade (高/中/低)
  // Throws InputError naming the file and the indicator on malformed input (unknown measure,
  // unknown dimension, weights of a dimension not summing to 1, …).
  static AssessmentMethod parse(const std::string& json_text, const std::string& source_name);
  static const AssessmentMethod& standard();  // data_dir()/assessment.json, loaded once
};

// ---- request and result ------------------------------------------------------------------------

struct AssessmentRequest {
  std::string land_use_layer;          // kind land_use (required)
  std::optional<int> version;          // of the land-use layer; latest when empty
  std::string by = "village";          // "village" (finest regions) or "consolidation_unit"
  std::string zones_layer;             // default: the only layer of kind region / consolidation_unit
  // Only these zones ("" = all): a village code, a region code whose villages are wanted (any
  // prefix level), or a unit code (DYBH).
  std::string zone;
  // Jurisdiction: zones kept only when their code lies under one of these regions (villages), or
  // when the unit spans a village under one of them. nullopt = no limit.
  std::optional<std::vector<std::string>> region_scope;
  // Other layers by name; default: the only layer of each kind when present, none otherwise.
  std::string redline_layer, pbf_layer, udb_layer, village_plan_layer, parcel_layer,
      project_layer, dem_path;  // dem_path: a GDAL raster (elevation, metres); "" = none
};

struct AssessedIndicator {
  const AssessmentIndicator* indicator = nullptr;
  std::optional<double> value;  // nullopt: not computable from the data present (weight moves)
  double score = 0;             // 0..1 after normalisation and direction
};

struct AssessedDimension {
  const AssessmentDimension* dimension = nullptr;
  double score = 0;  // 0..100, weighted over the computable indicators
  std::string grade;
  std::vector<AssessedIndicator> indicators;
};

struct ZoneAssessment {
  std::string code, name;
  std::string kind;                    // "village" or "consolidation_unit"
  std::vector<std::string> villages;   // units: village codes they span
  std::vector<std::string> projects;   // project codes (XMBH) whose area meets the zone
  // Measured quantities by id (m², counts), e.g. "cultivated_m2", "homestead_outside_zones_m2",
  // "households"; a measure is absent when its source layer is missing.
  std::map<std::string, double> measures;
  // Land-use area by class code (gross m²): the unit statistics.
  std::map<std::string, double> class_m2;
  std::vector<AssessedDimension> dimensions;  // in the method's order
};

struct AssessmentResult {
  LayerVersion land_use;
  LayerVersion zones;
  std::vector<LayerVersion> inputs;    // every other layer read
  std::vector<std::string> missing;    // "parcel", "dem", … sources absent: measures left out
  std::vector<ZoneAssessment> zones_assessed;  // sorted by code
};

// Assesses every zone (or the one asked for). Throws NotFoundError for an unknown layer, zone
// or a zone outside `region_scope`; InputError for features without a valid class code;
// UsageError for a layer of the wrong kind or several candidates of one kind.
// `progress(done, total)` is called from worker threads, serialised.
AssessmentResult assess(storage::Store& store, const AssessmentRequest& request,
                        const AssessmentMethod& method = AssessmentMethod::standard(),
                        const std::function<void(std::size_t, std::size_t)>& progress = {});

// The result as JSON text (the CLI's --format json and the API answer): layers read, missing
// sources, and per zone its measures (m² also in mu and ha where the id ends in _m2), class
// areas, and dimensions with each indicator's value, normalised score, weight and source.
std::string assessment_json(const AssessmentResult& result);

}  // namespace gz::services
