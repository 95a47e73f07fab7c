// A platform project's boundary as an official hands it on and takes it in again:
// `gongzhi export --project XM… --part boundary --format txt|gpkg|shp` (the project page's
// downloads) and `gongzhi import --kind project` of the file give a project layer with the
// project's code, name, type and region and the same boundary. The coordinate TXT carries the
// project in its [项目信息] section; a boundary whose points lie on the TXT's 0.1 mm grid comes
// back with the same points and area to 1e-9, any other within what 精度 allows. Both backends.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "../storage/store_backends.h"
#include "common/text_encoding.h"
#include "geo/crs.h"
#include "geo/ellipsoid.h"
#include "geo/geometry.h"
#include "services/demo_county.h"
#include "services/project_parts.h"
#include "services/projects.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

using nlohmann::json;

User township_user(const std::string& region) {
  User u;
  u.username = "zhen";
  u.grants.push_back({Role::township, "", region});
  return u;
}

// The 3° Gauss–Krüger CRS (no zone prefix) an export of `g` writes its TXT in.
std::string gk_crs_of(const geo::Geometry& g) {
  Envelope e = g.envelope();
  return "EPSG:" + std::to_string(geo::gauss_kruger_3deg_epsg((e.minx + e.maxx) / 2));
}

// `g` with every point moved to the nearest 0.1 mm of `gk` (what the TXT holds).
geo::Geometry on_the_txt_grid(const geo::Geometry& g, const std::string& gk) {
  geo::CoordinateTransform to_plane("EPSG:4490", gk), to_lonlat(gk, "EPSG:4490");
  geo::Geometry plane = g.transformed(to_plane);
  std::vector<geo::Geometry> parts;
  plane.for_each_polygon([&](const std::vector<geo::Ring>& rings) {
    std::vector<geo::Ring> snapped = rings;
    for (auto& r : snapped)
      for (auto& [x, y] : r) {
        x = std::round(x * 1e4) / 1e4;
        y = std::round(y * 1e4) / 1e4;
      }
    parts.push_back(geo::Geometry::polygon(snapped));
  });
  geo::Geometry grid = parts.size() == 1 ? std::move(parts[0]) : geo::Geometry::multi(std::move(parts));
  return grid.transformed(to_lonlat);
}

// Points of every ring of `g` in the plane of `gk`, sorted (a Shapefile turns rings to its
// own orientation).
std::vector<std::pair<double, double>> plane_points(const geo::Geometry& g, const std::string& gk) {
  geo::CoordinateTransform to_plane("EPSG:4490", gk);
  std::vector<std::pair<double, double>> out;
  g.transformed(to_plane).for_each_polygon([&](const std::vector<geo::Ring>& rings) {
    for (const auto& r : rings) out.insert(out.end(), r.begin(), r.end());
  });
  std::sort(out.begin(), out.end());
  return out;
}

class ProjectPartExportTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    layers_ = storage::Store::open(location(), {.create = true});
    services::generate_demo_county(*layers_, {.polygons = 1000, .seed = 7});
    projects_ = storage::ProjectStore::open(location());
    identity_ = storage::IdentityStore::open(location());
    service_ = std::make_unique<services::ProjectService>(*layers_, *projects_, identity_.get());
    demo_ = services::project_from_layer(*layers_, "projects", "XM2026-001");
  }

  // A platform project with the demo project's plan, its area replaced by `area`.
  storage::ProjectRecord create_project(const geo::Geometry& area) {
    json plan = json::parse(demo_.plan_json);
    plan["area"] = json::parse(area.geojson());
    return service_->create(township_user(demo_.region_code),
                            {demo_.name, demo_.type, demo_.region_code, plan.dump()});
  }

  // The project's boundary exported in `format`, imported again as a project layer `layer`.
  StoredFeature round_trip(const storage::ProjectRecord& p, const std::string& format,
                           const std::string& file, const std::string& layer) {
    RunResult e = run({"export", "--db", location(), "--project", p.code, "--part", "boundary",
                       "--format", format, "--output", at(file)});
    EXPECT_EQ(e.exit_code, 0) << e.describe();
    RunResult i = run({"import", "--db", location(), "--layer", layer, "--kind", "project", at(file)});
    EXPECT_EQ(i.exit_code, 0) << i.describe();
    EXPECT_EQ(i.err.find("warning"), std::string::npos) << i.err;
    auto store = storage::Store::open(location());
    std::vector<StoredFeature> back = store->read_all(store->layer_version(layer, std::nullopt), {});
    EXPECT_EQ(back.size(), 1u) << format;
    return back.empty() ? StoredFeature{} : std::move(back[0]);
  }

  // The imported layer holds the project as a project layer does (code, name, type, region).
  void expect_the_project(const std::string& layer, const storage::ProjectRecord& p,
                          const std::string& format) {
    auto store = storage::Store::open(location());
    services::LayerProject back = services::project_from_layer(*store, layer, p.code);
    EXPECT_EQ(back.name, p.name) << format;
    EXPECT_EQ(back.type, p.type) << format;
    EXPECT_EQ(back.region_code, p.region_code) << format;
    EXPECT_EQ(services::project_codes_in_layer(*store, layer), std::vector<std::string>{p.code}) << format;
  }

  std::unique_ptr<storage::Store> layers_;
  std::unique_ptr<storage::ProjectStore> projects_;
  std::unique_ptr<storage::IdentityStore> identity_;
  std::unique_ptr<services::ProjectService> service_;
  services::LayerProject demo_;
};

TEST_P(ProjectPartExportTest, a_boundary_on_the_txt_grid_round_trips_exactly_in_every_format) {
  geo::Geometry demo_area = geo::Geometry::from_geojson(json::parse(demo_.plan_json)["area"].dump());
  std::string gk = gk_crs_of(demo_area);
  geo::Geometry area = on_the_txt_grid(demo_area, gk);
  storage::ProjectRecord p = create_project(area);
  // As stored with the project: still on the grid (the plan's JSON keeps every digit).
  geo::Geometry stored = geo::Geometry::from_geojson(json::parse(p.plan_json)["area"].dump());
  for (auto [x, y] : plane_points(stored, gk)) {
    ASSERT_NEAR(x * 1e4, std::round(x * 1e4), 1e-4) << "easting " << x;
    ASSERT_NEAR(y * 1e4, std::round(y * 1e4), 1e-4) << "northing " << y;
  }
  double area_m2 = geo::ellipsoidal_area_m2(stored);
  auto points = plane_points(stored, gk);
  for (const std::string format : {"txt", "gpkg", "shp"}) {
    std::string layer = "back_" + format;
    StoredFeature f = round_trip(p, format, "boundary." + format, layer);
    if (f.wkb.empty()) continue;
    geo::Geometry g = geo::Geometry::from_wkb(f.wkb);
    EXPECT_NEAR(geo::ellipsoidal_area_m2(g) / area_m2, 1.0, 1e-9) << format;
    auto got = plane_points(g, gk);
    ASSERT_EQ(got.size(), points.size()) << format;
    for (std::size_t k = 0; k < got.size(); ++k) {
      EXPECT_NEAR(got[k].first, points[k].first, 1e-6) << format << " point " << k;
      EXPECT_NEAR(got[k].second, points[k].second, 1e-6) << format << " point " << k;
    }
    EXPECT_EQ(attribute_text(f.attributes, "XMBH"), p.code) << format;
    expect_the_project(layer, p, format);
  }
  // The TXT keeps the standard plot header and names the project in [项目信息].
  std::string txt = decode_text(read_file(at("boundary.txt")), "GB18030", "boundary.txt");
  EXPECT_EQ(txt.rfind("[项目信息]\r\n项目编号=" + p.code + "\r\n项目名称=" + p.name + "\r\n", 0), 0u) << txt.substr(0, 300);
  EXPECT_NE(txt.find(",项目区范围,,@\r\n"), std::string::npos) << "8 values before @";
}

TEST_P(ProjectPartExportTest, any_boundary_comes_back_within_the_txt_precision) {
  geo::Geometry area = geo::Geometry::from_geojson(json::parse(demo_.plan_json)["area"].dump());
  storage::ProjectRecord p = create_project(area);
  StoredFeature f = round_trip(p, "txt", "boundary.txt", "back");
  ASSERT_FALSE(f.wkb.empty());
  geo::Geometry stored = geo::Geometry::from_geojson(json::parse(p.plan_json)["area"].dump());
  geo::Geometry g = geo::Geometry::from_wkb(f.wkb);
  std::string gk = gk_crs_of(stored);
  // Each point moves by at most 0.05 mm on each axis: the area by at most perimeter × 0.0001 m.
  double perimeter = stored.transformed(geo::CoordinateTransform("EPSG:4490", gk)).planar_length();
  EXPECT_NEAR(geo::ellipsoidal_area_m2(g), geo::ellipsoidal_area_m2(stored), perimeter * 1e-4);
  auto a = plane_points(stored, gk), b = plane_points(g, gk);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t k = 0; k < a.size(); ++k) {
    EXPECT_NEAR(a[k].first, b[k].first, 0.5e-4 + 1e-9) << k;
    EXPECT_NEAR(a[k].second, b[k].second, 0.5e-4 + 1e-9) << k;
  }
  expect_the_project("back", p, "txt");
}

TEST_P(ProjectPartExportTest, export_of_a_part_refuses_an_existing_output_and_an_unknown_project) {
  std::string out = at("b.txt");
  write_file(out, "a colleague's file");
  RunResult r = run({"export", "--db", location(), "--project", "XM2026-001", "--part", "boundary",
                     "--format", "txt", "--output", out});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_EQ(read_file(out), "a colleague's file");
  RunResult n = run({"export", "--db", location(), "--project", "XM1999-999", "--part", "boundary",
                     "--format", "txt", "--output", at("c.txt")});
  EXPECT_NE(n.exit_code, 0) << n.describe();
  EXPECT_NE(n.err.find("XM1999-999"), std::string::npos) << n.err;
}

INSTANTIATE_TEST_SUITE_P(Backends, ProjectPartExportTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
