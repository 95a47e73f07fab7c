// `gongzhi export` as a user runs it: every format imported again gives the same features,
// attributes and ellipsoidal areas; a Shapefile carries its .cpg (GBK), .prj and DBF names of
// at most 10 bytes; an existing output is refused without --force and a failed export leaves
// nothing behind. The export reads from either store (SQLite, PostgreSQL).
#include <gtest/gtest.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "../storage/store_backends.h"
#include "../test_support.h"
#include "common/text_encoding.h"
#include "geo/ellipsoid.h"
#include "geo/geometry.h"
#include "geo/vector_writer.h"

namespace gz::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Three spots near 117E 31N: one with a hole, one of two parts, one plain; Chinese text, an
// integer, a real, a null, a name longer than 10 bytes and a Chinese field name (GBK 12 bytes).
std::string fixture() {
  std::string hole = R"({"type":"Polygon","coordinates":[[[117.0,31.0],[117.002,31.0],[117.002,31.002],[117.0,31.002],[117.0,31.0]],[[117.0005,31.0005],[117.0005,31.001],[117.001,31.001],[117.001,31.0005],[117.0005,31.0005]]]})";
  std::string two = R"({"type":"MultiPolygon","coordinates":[[[[117.01,31.0],[117.011,31.0],[117.011,31.001],[117.01,31.001],[117.01,31.0]]],[[[117.02,31.0],[117.021,31.0],[117.021,31.001],[117.02,31.001],[117.02,31.0]]]]})";
  return feature_collection({
      {R"({"BSM":1,"DLBM":"0101","DLMC":"水田","TBMJ":1234.5,"QSDWMC":"东村村民委员会","ZLDWMC_LONG_NAME":"长字段名","权属单位代码甲":"3411"})", hole},
      {R"({"BSM":2,"DLBM":"0103","DLMC":"旱地","TBMJ":99.25,"QSDWMC":null,"ZLDWMC_LONG_NAME":"x","权属单位代码甲":"3412"})", two},
      {R"({"BSM":3,"DLBM":"0301","DLMC":"乔木林地","TBMJ":0.125,"QSDWMC":"西村","ZLDWMC_LONG_NAME":"","权属单位代码甲":"3413"})", square(117.03, 31.0, 0.001)},
  });
}

const std::vector<std::string> kFields{"BSM", "DLBM", "DLMC", "TBMJ", "QSDWMC",
                                       "ZLDWMC_LONG_NAME", "权属单位代码甲"};

double area_of(const std::string& wkb) {
  return geo::ellipsoidal_area_m2(geo::Geometry::from_wkb(wkb));
}

// A JSON value as the text a CSV holds ("" for null).
std::string as_text(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", v.get<double>());
  return buf;
}

class ExportTest : public TempDirTest {
 protected:
  std::string db = at("county.sqlite");
  void SetUp() override {
    std::string src = at("dltb.geojson");
    write_file(src, fixture());
    RunResult r = run({"import", "--db", db, "--layer", "dltb", "--kind", "land_use", src});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
  }

  RunResult export_to(const std::string& format, const std::string& output,
                      std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"export", "--db", db, "--layer", "dltb", "--format", format,
                                  "--output", output};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  }

  // Exports in `format`, imports the file again as layer `back`, and compares every feature.
  void round_trip(const std::string& format, const std::string& output,
                  const std::vector<std::string>& import_extra = {}, bool text_values = false,
                  const std::map<std::string, std::string>& renamed = {}) {
    RunResult e = export_to(format, output);
    ASSERT_EQ(e.exit_code, 0) << e.describe();
    EXPECT_NE(e.out.find("exported 3 features"), std::string::npos) << e.out;
    std::string back = "back_" + format;
    std::vector<std::string> args{"import", "--db", db, "--layer", back, "--kind", "land_use", output};
    args.insert(args.end(), import_extra.begin(), import_extra.end());
    RunResult i = run(args);
    ASSERT_EQ(i.exit_code, 0) << i.describe();
    auto before = stored_features(db, "dltb", 1);
    auto after = stored_features(db, back, 1);
    ASSERT_EQ(after.size(), before.size()) << format;
    for (std::size_t k = 0; k < before.size(); ++k) {
      double a = area_of(before[k].wkb), b = area_of(after[k].wkb);
      EXPECT_NEAR(b / a, 1.0, 1e-9) << format << " feature " << k << ": " << a << " m² became " << b;
      EXPECT_EQ(parse_wkb_polygons(after[k].wkb).size(), parse_wkb_polygons(before[k].wkb).size())
          << format << " feature " << k << " parts";
      json x = json::parse(before[k].attrs), y = json::parse(after[k].attrs);
      for (const auto& name : kFields) {
        std::string out_name = renamed.count(name) ? renamed.at(name) : name;
        json want = x.value(name, json()), got = y.value(out_name, json());
        if (text_values || want.is_null() || (want.is_string() && want.get<std::string>().empty())) {
          EXPECT_EQ(as_text(got), as_text(want)) << format << " feature " << k << " field " << name;
        } else if (want.is_number_float()) {
          EXPECT_DOUBLE_EQ(got.get<double>(), want.get<double>()) << format << " field " << name;
        } else {
          EXPECT_EQ(got, want) << format << " feature " << k << " field " << name << " as " << out_name;
        }
      }
    }
  }
};

TEST_F(ExportTest, export_to_geopackage_round_trips) { round_trip("gpkg", at("out.gpkg")); }

TEST_F(ExportTest, export_to_geojson_round_trips) { round_trip("geojson", at("out.geojson")); }

TEST_F(ExportTest, export_to_file_geodatabase_round_trips) { round_trip("gdb", at("out.gdb")); }

TEST_F(ExportTest, export_to_csv_with_wkt_round_trips) {
  round_trip("csv", at("out.csv"), {"--srs", "EPSG:4490"}, true);
}

TEST_F(ExportTest, export_to_shapefile_writes_gbk_cpg_prj_and_short_field_names) {
  auto names = geo::shapefile_field_names(kFields, "GBK");
  std::map<std::string, std::string> renamed;
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_LE(encode_text(names[i], "GBK").size(), 10u) << names[i];
    if (names[i] != kFields[i]) renamed[kFields[i]] = names[i];
  }
  EXPECT_EQ(renamed.at("ZLDWMC_LONG_NAME"), "ZLDWMC_LON");
  EXPECT_EQ(renamed.at("权属单位代码甲"), "权属单位代");
  round_trip("shp", at("out.shp"), {}, false, renamed);
  EXPECT_TRUE(fs::exists(at("out.prj")));
  EXPECT_TRUE(fs::exists(at("out.dbf")));
  std::string cpg = read_file(at("out.cpg"));
  EXPECT_NE(cpg.find("GBK"), std::string::npos) << cpg;
  // The DBF holds GBK bytes: 水田 is CB AE CC EF.
  EXPECT_NE(read_file(at("out.dbf")).find("\xCB\xAE\xCC\xEF"), std::string::npos);
}

TEST_F(ExportTest, export_to_coordinate_txt_round_trips_in_the_gauss_kruger_zone) {
  RunResult e = export_to("txt", at("out.txt"));
  ASSERT_EQ(e.exit_code, 0) << e.describe();
  EXPECT_NE(e.out.find("EPSG:4548"), std::string::npos) << "117E is zone 39: " << e.out;
  std::string text = decode_text(read_file(at("out.txt")), "GB18030", "out.txt");
  EXPECT_NE(text.find("坐标系=2000国家大地坐标系\r\n"), std::string::npos);
  EXPECT_NE(text.find("带号=39\r\n"), std::string::npos);
  RunResult i = run({"import", "--db", db, "--layer", "back_txt", "--kind", "land_use", at("out.txt")});
  ASSERT_EQ(i.exit_code, 0) << i.describe();
  EXPECT_EQ(i.err.find("warning"), std::string::npos) << "declared areas agree: " << i.err;
  auto before = stored_features(db, "dltb", 1), after = stored_features(db, "back_txt", 1);
  ASSERT_EQ(after.size(), 3u);
  for (std::size_t k = 0; k < 3; ++k) {
    // Points are written to 0.1 mm (精度=0.0001): the area moves by at most perimeter × 精度.
    double a = area_of(before[k].wkb), b = area_of(after[k].wkb);
    EXPECT_NEAR(b, a, 1.0 * 0.0001 * 1000) << "feature " << k;
    EXPECT_NEAR(b / a, 1.0, 1e-6) << "feature " << k;
    json x = json::parse(before[k].attrs), y = json::parse(after[k].attrs);
    EXPECT_EQ(y["DLBM"], x["DLBM"]);
    EXPECT_EQ(y["DKMC"], x["DLMC"]);
    EXPECT_EQ(parse_wkb_polygons(after[k].wkb).size(), parse_wkb_polygons(before[k].wkb).size());
    EXPECT_EQ(parse_wkb_polygons(after[k].wkb)[0].size(), parse_wkb_polygons(before[k].wkb)[0].size())
        << "holes";
  }
}

TEST_F(ExportTest, export_to_xlsx_lists_attributes_and_areas) {
  RunResult e = export_to("xlsx", at("out.xlsx"));
  ASSERT_EQ(e.exit_code, 0) << e.describe();
  GDALAllRegister();
  std::unique_ptr<GDALDataset> ds(static_cast<GDALDataset*>(
      GDALOpenEx(at("out.xlsx").c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr)));
  ASSERT_TRUE(ds);
  OGRLayer* l = ds->GetLayer(0);
  auto before = stored_features(db, "dltb", 1);
  std::size_t k = 0;
  for (auto& f : *l) {
    ASSERT_LT(k, before.size());
    json x = json::parse(before[k].attrs);
    EXPECT_STREQ(f->GetFieldAsString("DLMC"), x["DLMC"].get<std::string>().c_str());
    EXPECT_EQ(f->GetFieldAsInteger64("BSM"), x["BSM"].get<std::int64_t>());
    EXPECT_NEAR(f->GetFieldAsDouble("椭球面积(平方米)") / area_of(before[k].wkb), 1.0, 1e-12);
    ++k;
  }
  EXPECT_EQ(k, 3u);
}

TEST_F(ExportTest, export_refuses_an_existing_output_without_force) {
  std::string out = at("out.gpkg");
  write_file(out, "a colleague's file");
  RunResult r = export_to("gpkg", out);
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_NE(r.err.find("--force"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(out), "a colleague's file");
  RunResult f = export_to("gpkg", out, {"--force"});
  ASSERT_EQ(f.exit_code, 0) << f.describe();
  EXPECT_NE(read_file(out).find("SQLite format 3"), std::string::npos);
}

TEST_F(ExportTest, a_failed_export_leaves_no_file_behind) {
  auto before = dir_.entries();
  RunResult r = export_to("gpkg", at("out.gpkg"), {"--srs", "EPSG:999999"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.error_lines().size(), 1u) << r.describe();
  EXPECT_EQ(dir_.entries(), before) << "no output and no temporary file";
  RunResult t = export_to("txt", at("out.txt"), {"--srs", "EPSG:4490"});
  EXPECT_EQ(t.exit_code, 2) << t.describe();
  EXPECT_EQ(dir_.entries(), before);
}

class ExportBackendTest : public ::testing::TestWithParam<Backend> {};

TEST_P(ExportBackendTest, export_reads_the_layer_from_either_store) {
  TempDir dir;
  StoreLocation store(GetParam(), dir.path().string());
  std::string src = dir.file("dltb.geojson");
  write_file(src, fixture());
  RunResult i = run({"import", "--db", store.location(), "--layer", "dltb", "--kind", "land_use", src});
  ASSERT_EQ(i.exit_code, 0) << i.describe();
  std::string out = dir.file("out.gpkg");
  RunResult e = run({"export", "--db", store.location(), "--layer", "dltb", "--format", "gpkg",
                     "--output", out});
  ASSERT_EQ(e.exit_code, 0) << e.describe();
  std::string back = dir.file("back.sqlite");
  ASSERT_EQ(run({"import", "--db", back, "--layer", "dltb", "--kind", "land_use", out}).exit_code, 0);
  auto rows = stored_features(back, "dltb", 1);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(json::parse(rows[2].attrs)["DLMC"], "乔木林地");
}

INSTANTIATE_TEST_SUITE_P(Backends, ExportBackendTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
