// Geometry::from_geojson on what a client may send. GEOS 3.11's GeoJSON reader read the first two
// numbers of an empty position ([]) through a null pointer and ended the process: a project
// plan, a scheme, a village plan change or an uploaded plan with one such position took the
// server down (found by fuzz/plan_upload_fuzz; its input is kept as
// fuzz/corpus/plan_upload/crash_empty_position.geojson). Now such a geometry is refused with an
// error naming what is wrong, and every well-formed geometry still reads as before.
#include <gtest/gtest.h>

#include <string>

#include "common/error.h"
#include "geo/geometry.h"

namespace gz::geo {
namespace {

void expect_refused(const std::string& geojson, const std::string& mention) {
  try {
    Geometry::from_geojson(geojson);
    ADD_FAILURE() << "read: " << geojson;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(mention), std::string::npos) << e.what();
  }
}

TEST(GeoJsonGeometryTest, an_empty_position_is_refused_in_every_geometry_type) {
  const char* mention = "fewer than two coordinates";
  expect_refused(R"({"type": "LineString", "coordinates": [[117.3, 31.8], []]})", mention);
  expect_refused(R"({"type": "MultiPoint", "coordinates": [[]]})", mention);
  expect_refused(R"({"type": "Polygon", "coordinates": [[[117.3, 31.8], [117.4, 31.8], [], [117.3, 31.8]]]})",
                 mention);
  expect_refused(R"({"type": "MultiLineString", "coordinates": [[[117.3, 31.8], []]]})", mention);
  expect_refused(
      R"({"type": "MultiPolygon", "coordinates": [[[[117.3, 31.8], [117.31, 31.8], [117.31, 31.81], [], [117.4, 31.81], [117.3, 31.8]]]]})",
      mention);
  expect_refused(R"({"type": "GeometryCollection", "geometries": [{"type": "LineString", "coordinates": [[]]}]})",
                 mention);
  expect_refused(
      R"({"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[[]]]}})", mention);
  expect_refused(
      R"({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": {"type": "MultiPoint", "coordinates": [[1, 2], []]}}]})",
      mention);
  // A position with one number: refused the same way (GEOS refused it already).
  expect_refused(R"({"type": "LineString", "coordinates": [[117.3], [117.4, 31.8]]})", mention);
}

TEST(GeoJsonGeometryTest, well_formed_geometries_and_empty_ones_still_read) {
  auto polygon = Geometry::from_geojson(
      R"({"type": "Polygon", "coordinates": [[[117.3, 31.8], [117.4, 31.8], [117.4, 31.9], [117.3, 31.8]]]})");
  EXPECT_TRUE(polygon.is_polygonal());
  EXPECT_EQ(polygon.num_points(), 4u);
  auto line = Geometry::from_geojson(R"({"type": "LineString", "coordinates": [[117.3, 31.8], [117.4, 31.8]]})");
  EXPECT_EQ(line.type_name(), "LineString");
  // Empty geometries (no positions at all) are GEOS's empty geometries, as before.
  EXPECT_TRUE(Geometry::from_geojson(R"({"type": "Polygon", "coordinates": []})").is_empty());
  EXPECT_TRUE(Geometry::from_geojson(R"({"type": "Point", "coordinates": []})").is_empty());
  EXPECT_THROW(Geometry::from_geojson("not json"), Error);
}

}  // namespace
}  // namespace gz::geo
