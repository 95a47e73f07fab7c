#include "assessment_fixture.h"

#include <cstdio>
#include <fstream>

#include "../test_support.h"
#include "geo/crs.h"
#include "geo/geometry.h"
#include "services/overlay.h"

namespace gz::test {

namespace {
constexpr double kLon = 117.30, kLat = 31.80;

geo::Geometry local_rect(double x0, double y0, double x1, double y1) {
  static services::GaussKruger gk(geo::gauss_kruger_3deg_epsg(kLon));
  double origin[2] = {kLon, kLat};
  gk.to_gk.transform_interleaved(origin, 1);
  geo::Ring ring{{origin[0] + x0, origin[1] + y0},
                 {origin[0] + x1, origin[1] + y0},
                 {origin[0] + x1, origin[1] + y1},
                 {origin[0] + x0, origin[1] + y1},
                 {origin[0] + x0, origin[1] + y0}};
  return geo::Geometry::polygon({ring}).transformed(gk.to_lonlat);
}

struct Rect {
  double x0, y0, x1, y1;
  Attributes attributes;
};

void write(storage::Store& store, const std::string& name, LayerKind kind,
           const std::vector<Rect>& rects) {
  auto w = store.begin_layer_version({name, kind, "assessment fixture", "EPSG:4490"});
  int n = 0;
  for (const auto& r : rects) {
    auto g = local_rect(r.x0, r.y0, r.x1, r.y1);
    w->add(name + "-" + std::to_string(++n), g.wkb(), g.envelope(), r.attributes);
  }
  w->commit();
}

Attributes spot(const std::string& code, std::int64_t slope_grade = 0, double kcxs = 0,
                const std::string& village = kVillageA) {
  return {{"DLBM", code}, {"GDPDJB", slope_grade ? std::to_string(slope_grade) : std::string()},
          {"KCXS", kcxs}, {"ZLDWDM", village + std::string("0000000")}, {"CZCSXM", std::string()}};
}
}  // namespace

std::string local_rect_wkb(double x0, double y0, double x1, double y1) {
  return local_rect(x0, y0, x1, y1).wkb();
}
std::string local_rect_geojson(double x0, double y0, double x1, double y1) {
  return local_rect(x0, y0, x1, y1).geojson();
}

std::string write_fixture_dem(const std::string& base) {
  int epsg = geo::gauss_kruger_3deg_epsg(kLon);
  services::GaussKruger gk(epsg);
  double origin[2] = {kLon, kLat};
  gk.to_gk.transform_interleaved(origin, 1);
  const int cols = 44, rows = 24;  // 2 200 m × 1 200 m from (−100, −100)
  const double cell = 50;
  {
    std::ofstream asc(base + ".asc");
    char header[256];
    std::snprintf(header, sizeof header,
                  "ncols %d\nnrows %d\nxllcorner %.3f\nyllcorner %.3f\ncellsize %.1f\nNODATA_value -9999\n",
                  cols, rows, origin[0] - 100, origin[1] - 100, cell);
    asc << header;
    for (int r = 0; r < rows; ++r) {
      for (int c = 0; c < cols; ++c) {
        double x = -100 + (c + 0.5) * cell;
        double z = x < 1000 ? 100 : 100 + (x - 1000);
        asc << z << (c + 1 < cols ? " " : "\n");
      }
    }
  }
  std::string tif = base + ".tif";
  auto r = run_program("gdal_translate",
                       {"-q", "-a_srs", "EPSG:" + std::to_string(epsg), base + ".asc", tif});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  return tif;
}

void write_two_village_county(storage::Store& store, const FixtureLayers& which) {
  if (which.land_use)
    write(store, "land_use", LayerKind::land_use,
          {{0, 0, 1000, 400, spot("0101", 1)},            // L1 400 000 m²
           {0, 400, 100, 450, spot("0103", 4, 0.1)},      // L2 5 000: small, sloping, ridged
           {100, 600, 140, 640, spot("0702")},            // L3 1 600 homestead outside zones
           {500, 600, 700, 800, spot("0702")},            // L4 40 000 homestead in the zone
           {800, 800, 1000, 1000, spot("1206")},          // L5 40 000 bare land in the red line
           {800, 600, 1000, 700, spot("0404")},           // L6 20 000 other grass near it
           {900, 450, 1100, 550, spot("0301")},           // L7 forest across the border
           {1000, 0, 2000, 400, spot("0101", 2, 0, kVillageB)},     // L8 400 000
           {1000, 700, 1200, 1000, spot("0103", 1, 0, kVillageB)}});  // L9 60 000 in red line
  if (which.region)
    write(store, "region", LayerKind::region,
          {{0, 0, 2000, 1000, {{"XZQDM", std::string(kTownship)}, {"XZQMC", std::string("青山镇")}}},
           {0, 0, 1000, 1000, {{"XZQDM", std::string(kVillageA)}, {"XZQMC", std::string("青山村")}}},
           {1000, 0, 2000, 1000, {{"XZQDM", std::string(kVillageB)}, {"XZQMC", std::string("桃河村")}}}});
  if (which.units)
    write(store, "units", LayerKind::consolidation_unit,
          {{0, 0, 2000, 450, {{"DYBH", std::string("U1")}, {"DYMC", std::string("平原农田单元")}}},
           {0, 450, 1000, 1000, {{"DYBH", std::string("U2")}, {"DYMC", std::string("北部生态单元")}}}});
  if (which.redline)
    write(store, "redline", LayerKind::ecological_redline,
          {{700, 700, 1200, 1000, {{"HXLX", std::string("水源涵养")}}}});
  if (which.pbf)
    write(store, "pbf", LayerKind::permanent_basic_farmland,
          {{0, 0, 1000, 300, {{"JBNTLX", std::string("永久基本农田")}}}});
  if (which.udb)
    write(store, "udb", LayerKind::urban_development_boundary, {{1800, 800, 2000, 1000, {}}});
  if (which.village_plan)
    write(store, "village_plan", LayerKind::village_plan,
          {{450, 550, 750, 850,
            {{"XZQDM", std::string(kVillageA)}, {"zone_use", std::string("construction")}}},
           {0, 0, 450, 1000,
            {{"XZQDM", std::string(kVillageA)}, {"zone_use", std::string("agricultural")}}}});
  if (which.parcels)
    write(store, "parcels", LayerKind::parcel,
          {{0, 0, 100, 100, {{"CBFBM", std::string("H1")}, {"JTCYSL", std::int64_t{4}}}},
           {1500, 0, 1600, 100, {{"CBFBM", std::string("H2")}, {"JTCYSL", std::int64_t{3}}}},
           {950, 0, 1050, 100, {{"CBFBM", std::string("H3")}, {"JTCYSL", std::int64_t{2}}}}});
  if (which.projects)
    write(store, "projects", LayerKind::project,
          {{0, 0, 500, 500, {{"XMBH", std::string("P1")}, {"XMLX", std::string("农用地整理")}}},
           {0, 0, 60, 60,
            {{"XMBH", std::string("P1")}, {"from_code", std::string("0101")},
             {"to_code", std::string("0103")}}}});
}

}  // namespace gz::test
