// A project plan from an uploaded GeoJSON file (the web app's "upload the project area"): a
// FeatureCollection, a Feature or a bare geometry. Features that carry from_code (三调) and a
// target, to_code (三调) or GHDLBM (用地用海, stored as the plan's to_ghdlbm), optionally
// measure, are planned changes; every other feature is
// part of the project area, and the parts are united (GEOS). The result goes through
// check_plan, so an uploaded plan obeys exactly the rules of one sent as JSON: polygons in
// CGCS2000 longitude/latitude, valid, changes inside the area, known class codes. Bad input is
// InvalidRequest naming the feature (features[3].geometry …) and the reason.
#pragma once

#include <string>

#include "services/projects.h"

namespace gz::services {

struct UploadedPlan {
  std::string plan_json;  // canonical {"area", "changes"} as check_plan makes it
  double area_m2 = 0;
  int area_features = 0, changes = 0;
};

// At most this many features in one upload.
constexpr std::size_t kMaxUploadFeatures = 10000;

UploadedPlan plan_from_geojson(const std::string& geojson_text);

}  // namespace gz::services
