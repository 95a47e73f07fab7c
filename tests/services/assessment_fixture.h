// A small two-village county whose figures are known by hand, for the assessment and village
// plan tests: villages A (340123100201) and B (340123100202), each 1 km × 1 km side by side, a
// red line over their north-east and north-west corners, a village plan for A with one
// construction zone, two consolidation units across the villages, contracted parcels of three
// households and one project with one planned change. Layout in docs/assessment.md (tests).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "domain/layer.h"
#include "storage/store.h"

namespace gz::test {

constexpr const char* kVillageA = "340123100201";
constexpr const char* kVillageB = "340123100202";
constexpr const char* kTownship = "340123100";

// A rectangle in local metres (x east, y north of the fixture's origin) as a lon/lat geometry's
// WKB (EPSG:4490).
std::string local_rect_wkb(double x0, double y0, double x1, double y1);
// The same as a GeoJSON geometry object.
std::string local_rect_geojson(double x0, double y0, double x1, double y1);

struct FixtureLayers {
  bool land_use = true, region = true, units = true, redline = true, pbf = true, udb = false,
       village_plan = true, parcels = true, projects = true;
};

// A DEM (GeoTIFF in the fixture's Gauss–Krüger zone, 50 m cells) over both villages: flat in
// village A (x < 1000), rising 1 m per metre eastwards (45°) in village B. Made with
// gdal_translate from an ASCII grid written at `base` + ".asc"; returns the .tif path.
std::string write_fixture_dem(const std::string& base);

// Writes the layers: land_use, region, units, redline, pbf, village_plan, parcels, projects.
void write_two_village_county(storage::Store& store, const FixtureLayers& which = {});

}  // namespace gz::test
