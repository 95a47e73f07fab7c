// The edge model (docs/areas.md "Edges", issue 17): an edge is straight in the CRS its layer came
// in. Checked through the real CLI on shapes whose true shares follow from symmetry alone:
// * lon/lat: the band [108°, 114°] × [30°, 31°] against a red line covering its part east of
//   110°. Turning the ellipsoid about its axis maps each 1° of the band onto any other, so the
//   overlap is exactly 4/6 of the band when edges are straight in longitude/latitude. Overlaid
//   with straight GK edges (the old model) the share is off by far more than 1e-5.
// * GK source: a 200 km × 100 km rectangle in EPSG:4547 centred on its central meridian against
//   a red line covering its eastern half. The projection is symmetric about the central
//   meridian, so the share is 1/2 exactly when edges are straight in the zone.
// In both, the stored geometries keep the source's four corners.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../test_support.h"

namespace gz::test {
namespace {

std::string rect(double x0, double y0, double x1, double y1) {
  return polygon({{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}});
}

class LongEdges : public TempDirTest {
 protected:
  void import(const std::string& layer, const std::string& kind, const std::vector<FixtureFeature>& f,
              const std::string& crs) {
    std::string file = at(layer + ".geojson");
    write_file(file, feature_collection(f, crs));
    auto r = run({"import", "--db", db, "--layer", layer, "--kind", kind, file});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
  }

  nlohmann::json check() {
    auto r = run({"check", "--db", db, "--layer", "land_use", "--format", "json", "--against",
                  "ecological_redline"});
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 3) << r.describe();
    return nlohmann::json::parse(r.out);
  }

  // Features are named by their FID: GeoJSON features count from 0.
  const nlohmann::json& feature(const nlohmann::json& j, const std::string& id) {
    for (const auto& f : j["features"])
      if (f["feature_id"] == id) return f;
    ADD_FAILURE() << "no feature " << id;
    static nlohmann::json none;
    return none;
  }

  void expect_stored_corners(const std::string& layer, std::size_t features) {
    auto rows = stored_features(db, layer, 1);
    ASSERT_EQ(rows.size(), features);
    for (const auto& row : rows) {
      auto polygons = parse_wkb_polygons(row.wkb);
      ASSERT_EQ(polygons.size(), 1u);
      EXPECT_EQ(polygons[0][0].size(), 5u) << layer << " " << row.source_id
                                           << ": the store keeps the source's vertices";
    }
  }

  std::string db = at("edges.sqlite");
};

TEST_F(LongEdges, lonlat_edges_stay_straight_in_lonlat_through_the_overlay) {
  import("land_use", "land_use",
         {{R"({"BSM":"band","DLBM":"0101"})", rect(108, 30, 114, 31)},
          {R"({"BSM":"degree","DLBM":"0101"})", rect(108, 32, 109, 33)},
          {R"({"BSM":"six","DLBM":"0101"})", rect(108, 32, 114, 33)}},
         "EPSG:4490");
  import("redline", "ecological_redline",
         {{R"({"BSM":"r1"})", rect(110, 29, 117, 31.5)}, {R"({"BSM":"r2"})", rect(107, 32.5, 109, 34)}},
         "EPSG:4490");
  auto j = check();
  const auto& band = feature(j, "0");
  ASSERT_EQ(band["overlaps"].size(), 1u);
  EXPECT_NEAR(band["overlaps"][0]["share"].get<double>(), 4.0 / 6.0, 1e-7);
  // The band's area is six times that of one degree of it (measured at another latitude: the
  // feature "degree" is 1° × 1° at 32°–33°, "six" is 6° × 1° there).
  double degree = feature(j, "1")["area_m2"].get<double>();
  double six = feature(j, "2")["area_m2"].get<double>();
  EXPECT_NEAR(six / degree, 6.0, 6e-7);
  // r2 cuts the same piece, [108°, 109°] × [32.5°, 33°], out of "degree" and of "six", whose
  // northern edges run straight in lon/lat over 1° and 6°.
  double piece = feature(j, "1")["overlaps"][0]["area_m2"].get<double>();
  EXPECT_NEAR(feature(j, "2")["overlaps"][0]["area_m2"].get<double>(), piece, 1e-7 * piece);
  expect_stored_corners("land_use", 3);
  expect_stored_corners("redline", 2);
}

TEST_F(LongEdges, gk_edges_stay_straight_in_the_zone) {
  // EPSG:4547: CGCS2000 GK zone with central meridian 114°E, false easting 500 km.
  import("land_use", "land_use", {{R"({"BSM":"gk","DLBM":"0101"})", rect(400000, 3400000, 600000, 3500000)}},
         "EPSG:4547");
  import("redline", "ecological_redline", {{R"({"BSM":"r1"})", rect(500000, 3350000, 650000, 3550000)}},
         "EPSG:4547");
  auto j = check();
  const auto& f = feature(j, "0");
  ASSERT_EQ(f["overlaps"].size(), 1u);
  EXPECT_NEAR(f["overlaps"][0]["share"].get<double>(), 0.5, 1e-8);
  // 200 km × 100 km in the zone, scale 1 + x²/2R² (≤ 1.00012 at 100 km): within 2e-4 of 2e10 m².
  EXPECT_NEAR(f["area_m2"].get<double>(), 2e10, 2e10 * 2e-4);
  expect_stored_corners("land_use", 1);
  expect_stored_corners("redline", 1);
}

}  // namespace
}  // namespace gz::test
