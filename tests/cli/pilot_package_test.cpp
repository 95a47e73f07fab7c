// `gongzhi export --package pilot`: a demo county's project becomes the pilot results package
// (ZZQY, SDQYZZHDLTB, YJJBNTTZTB, CZGHTB) as a File Geodatabase a GIS reads, whose spots tile the
// consolidation area and whose new cultivated land names the land it came from.
#include <gtest/gtest.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <cmath>
#include <set>

#include "../test_support.h"
#include "domain/land_use_classes.h"
#include "domain/survey_fields.h"
#include "geo/ellipsoid.h"
#include "geo/geometry.h"
#include "services/demo_county.h"
#include "storage/store.h"

namespace gz::test {
namespace {

class PilotPackageTest : public TempDirTest {
 protected:
  std::string db = at("county.sqlite");
  // A project with planned changes to cultivated land, and one with farmland brought in.
  std::string project;
  void SetUp() override {
    auto store = storage::Store::open(db, {.create = true});
    services::generate_demo_county(*store, {.polygons = 2000, .seed = 7});
    std::map<std::string, int> score;
    for (const auto& v : store->layers_of_kind(LayerKind::project))
      store->scan(v, [&](StoredFeature&& f) {
        auto to = planned_to_code(f.attributes);
        auto from = planned_from_code(f.attributes);
        if (!to || !from) return;
        const auto& c = LandUseClassTable::standard();
        if (c.is_cultivated(*to) && !c.is_cultivated(*from)) score[*project_id(f.attributes)] += 1;
        if (attribute_text(f.attributes, "pbf_adjust")) score[*project_id(f.attributes)] += 100;
      });
    ASSERT_FALSE(score.empty()) << "the demo has no project with changes";
    project = std::max_element(score.begin(), score.end(), [](auto& a, auto& b) {
                return a.second < b.second;
              })->first;
  }
};

struct Layer {
  std::vector<std::map<std::string, std::string>> rows;
  double sum(const std::string& field) const {
    double s = 0;
    for (const auto& r : rows) s += r.count(field) && !r.at(field).empty() ? std::stod(r.at(field)) : 0;
    return s;
  }
};

std::map<std::string, Layer> read_gdb(const std::string& path) {
  GDALAllRegister();
  std::unique_ptr<GDALDataset> ds(static_cast<GDALDataset*>(
      GDALOpenEx(path.c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr)));
  std::map<std::string, Layer> out;
  if (!ds) return out;
  for (int i = 0; i < ds->GetLayerCount(); ++i) {
    OGRLayer* l = ds->GetLayer(i);
    Layer& layer = out[l->GetName()];
    for (auto& f : *l) {
      std::map<std::string, std::string> row;
      for (int k = 0; k < f->GetFieldCount(); ++k)
        if (f->IsFieldSetAndNotNull(k)) row[f->GetFieldDefnRef(k)->GetNameRef()] = f->GetFieldAsString(k);
      row["geometry"] = f->GetGeometryRef() ? "yes" : "";
      layer.rows.push_back(std::move(row));
    }
  }
  return out;
}

TEST_F(PilotPackageTest, the_pilot_package_holds_the_four_layers_filled_from_the_project) {
  std::string out = at(project + ".gdb");
  RunResult r = run({"export", "--db", db, "--package", "pilot", "--project", project, "--output", out});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto layers = read_gdb(out);
  ASSERT_EQ(layers.size(), 4u) << r.out;
  for (const char* name : {"ZZQY", "SDQYZZHDLTB", "YJJBNTTZTB", "CZGHTB"})
    EXPECT_TRUE(layers.count(name)) << name;

  const Layer& zzqy = layers["ZZQY"];
  ASSERT_EQ(zzqy.rows.size(), 1u);
  EXPECT_EQ(zzqy.rows[0].at("ZZQYBH"), project);
  double area = zzqy.sum("ZZQYMJ");
  EXPECT_GT(area, 0);

  // The spots after consolidation tile the area: their areas add up to it.
  const Layer& spots = layers["SDQYZZHDLTB"];
  ASSERT_FALSE(spots.rows.empty());
  EXPECT_NEAR(spots.sum("TBMJ") / area, 1.0, 1e-4);
  const auto& classes = LandUseClassTable::standard();
  int gained = 0;
  for (const auto& row : spots.rows) {
    EXPECT_EQ(row.at("geometry"), "yes");
    EXPECT_TRUE(classes.find(row.at("DLBM"))) << row.at("DLBM");
    if (row.count("XZGDMJ") && std::stod(row.at("XZGDMJ")) > 0) {
      ++gained;
      EXPECT_TRUE(classes.is_cultivated(row.at("DLBM")));
      EXPECT_FALSE(classes.is_cultivated(row.at("XZGDLYDLBM"))) << "new cultivated land comes from other land";
      EXPECT_FALSE(row.at("XZGDLYDLMC").empty());
      EXPECT_EQ(row.count("XZGDDB"), 0u) << "the grade is not known yet: left empty";
    }
  }
  EXPECT_GT(gained, 0);

  for (const auto& row : layers["YJJBNTTZTB"].rows) {
    EXPECT_TRUE(row.at("TZLX") == "调入" || row.at("TZLX") == "调出") << row.at("TZLX");
    EXPECT_GT(std::stod(row.at("TZYNDKMJ")), 0);
    EXPECT_FALSE(row.at("TZHDLBM").empty());
  }
  EXPECT_LE(layers["CZGHTB"].sum("GHDLMJ"), area * (1 + 1e-6));

  // Again without --force: refused, the package untouched.
  RunResult again = run({"export", "--db", db, "--package", "pilot", "--project", project, "--output", out});
  EXPECT_EQ(again.exit_code, 2) << again.describe();
  EXPECT_EQ(read_gdb(out).size(), 4u);
}

TEST_F(PilotPackageTest, the_pilot_package_as_gbk_shapefiles_and_an_unknown_project) {
  std::string dir = at("package");
  RunResult r = run({"export", "--db", db, "--package", "pilot", "--project", project, "--output", dir});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  for (const char* name : {"ZZQY", "SDQYZZHDLTB", "YJJBNTTZTB", "CZGHTB"}) {
    EXPECT_TRUE(std::filesystem::exists(dir + "/" + name + ".shp")) << name;
    EXPECT_NE(read_file(dir + "/" + name + ".cpg").find("GBK"), std::string::npos) << name;
  }
  RunResult missing = run({"export", "--db", db, "--package", "pilot", "--project", "XM1999-999",
                           "--output", at("none.gdb")});
  EXPECT_EQ(missing.exit_code, 1) << missing.describe();
  EXPECT_NE(missing.err.find("XM1999-999"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(at("none.gdb")));
}

// The demo's change planned in 用地用海 (GHDLBM 1001 工业用地, a factory): in SDQYZZHDLTB with
// its code and Chinese name and DLBM its same-name 三调 class (0601), in CZGHTB as a planning
// spot of its own with its name.
TEST_F(PilotPackageTest, a_change_planned_in_planning_classes_shows_by_its_chinese_name) {
  std::string planned;
  double planned_m2 = 0;
  auto store = storage::Store::open(db, {});
  for (const auto& v : store->layers_of_kind(LayerKind::project))
    store->scan(v, [&](StoredFeature&& f) {
      if (planned.empty() && attribute_text(f.attributes, "GHDLBM").value_or("") == "1001") {
        planned = *project_id(f.attributes);
        planned_m2 = geo::ellipsoidal_area_m2(geo::Geometry::from_wkb(f.wkb));
      }
    });
  store.reset();
  ASSERT_FALSE(planned.empty()) << "the demo has no change planned in 用地用海";
  std::string out = at(planned + ".gdb");
  RunResult r = run({"export", "--db", db, "--package", "pilot", "--project", planned, "--output", out});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto layers = read_gdb(out);
  double in_spots = 0, in_plan = 0;
  for (const auto& row : layers["SDQYZZHDLTB"].rows)
    if (row.count("GHDLBM")) {
      EXPECT_EQ(row.at("GHDLBM"), "1001");
      EXPECT_EQ(row.at("GHDLMC"), "工业用地");
      EXPECT_EQ(row.at("DLBM"), "0601") << "its 三调 class of the same name";
      EXPECT_EQ(row.at("DLMC"), "工业用地");
      in_spots += std::stod(row.at("TBMJ"));
    }
  for (const auto& row : layers["CZGHTB"].rows)
    if (row.count("GHDLBM") && row.at("GHDLBM") == "1001") {
      EXPECT_EQ(row.at("GHDLMC"), "工业用地");
      in_plan += std::stod(row.at("GHDLMJ"));
    }
  EXPECT_NEAR(in_spots, planned_m2, planned_m2 * 1e-3);
  EXPECT_NEAR(in_plan, planned_m2, planned_m2 * 1e-3);
  double area = layers["ZZQY"].sum("ZZQYMJ");
  EXPECT_LE(layers["CZGHTB"].sum("GHDLMJ"), area * (1 + 1e-6)) << "the zones are cut where the change lies";
}

}  // namespace
}  // namespace gz::test
