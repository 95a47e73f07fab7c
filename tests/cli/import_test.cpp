// `gongzhi import` as a user runs it: the real binary on real files of every format the bureau
// receives, and every kind of bad input, which must be refused with one clear line while the
// database stays exactly as it was.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <proj.h>

#include "../test_support.h"

namespace gz::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr double kDegreeTolerance = 1e-6;

// The PROJ string of a CRS as PROJ's database defines it ("" when unknown).
std::string proj_definition(const char* crs) {
  PJ_CONTEXT* ctx = proj_context_create();
  PJ* pj = proj_create(ctx, crs);
  std::string out;
  if (pj) {
    const char* s = proj_as_proj_string(ctx, pj, PJ_PROJ_5, nullptr);
    if (s) out = s;
    proj_destroy(pj);
  }
  proj_context_destroy(ctx);
  return out;
}

class ImportTest : public TempDirTest {
 protected:
  // A database holding one land-use layer: what a user's database looks like before an import.
  std::string seeded_db(const std::string& name = "county.sqlite") {
    std::string src = at("seed.geojson");
    write_file(src, feature_collection(three_land_use_spots()));
    std::string db = at(name);
    RunResult r = run({"import", "--db", db, "--layer", "dltb", "--kind", "land_use", src});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    return db;
  }

  json versions_json(const std::string& db, const std::string& layer) {
    RunResult r = run({"layers", "--db", db, "--layer", layer, "--format", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    return json::parse(r.out);
  }

  // The import `args` (everything after `--db DB`) must fail with `exit_code` and one error
  // line mentioning each of `mentions`; an existing database keeps its exact logical content,
  // and a database that did not exist is not left behind.
  void expect_rejected(const std::vector<std::string>& args, int exit_code,
                       const std::vector<std::string>& mentions) {
    auto check = [&](const RunResult& r, const std::string& label) {
      EXPECT_EQ(r.exit_code, exit_code) << label << "\n" << r.describe();
      auto lines = r.error_lines();
      ASSERT_EQ(lines.size(), 1u) << label << ": expected one error line\n" << r.describe();
      for (const auto& m : mentions)
        EXPECT_NE(lines[0].find(m), std::string::npos)
            << label << ": the error line does not mention '" << m << "':\n" << lines[0];
      EXPECT_EQ(r.out, "") << label << ": nothing may be reported as imported";
    };

    std::string db = seeded_db();
    std::string before = dump_database(db);
    std::vector<std::string> full{"import", "--db", db};
    full.insert(full.end(), args.begin(), args.end());
    check(run(full), "into an existing database");
    EXPECT_EQ(dump_database(db), before) << "the existing database changed";
    EXPECT_TRUE(database_is_intact(db));

    std::string fresh = at("fresh.sqlite");
    full[2] = fresh;
    check(run(full), "into a new database");
    EXPECT_TRUE(no_database_files(fresh)) << "a failed first import left files behind";
  }
};

// Lon/lat of every vertex of every stored feature of a version.
std::vector<Point> stored_vertices(const std::string& db, const std::string& layer, int version) {
  std::vector<Point> out;
  for (const auto& row : stored_features(db, layer, version))
    for (const auto& poly : parse_wkb_polygons(row.wkb))
      for (const auto& ring : poly) out.insert(out.end(), ring.begin(), ring.end());
  return out;
}

bool has_vertex_near(const std::vector<Point>& points, double lon, double lat) {
  for (const auto& p : points)
    if (std::fabs(p.x - lon) < kDegreeTolerance && std::fabs(p.y - lat) < kDegreeTolerance)
      return true;
  return false;
}

std::vector<std::string> stored_class_names(const std::string& db, const std::string& layer) {
  std::vector<std::string> names;
  for (const auto& row : stored_features(db, layer, 1))
    names.push_back(json::parse(row.attrs).value("DLMC", std::string("<missing>")));
  return names;
}

const std::vector<std::string> kChineseNames{"水田", "旱地", "乔木林地"};

// ---- formats ------------------------------------------------------------------------------

TEST_F(ImportTest, import_reads_geojson_with_attributes_and_chinese_names) {
  std::string src = at("dltb.geojson");
  write_file(src, feature_collection(three_land_use_spots()));
  std::string db = at("county.sqlite");
  RunResult r = run({"import", "--db", db, "--layer", "dltb", "--kind", "land_use", src});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("imported 3 features into layer 'dltb' version 1"), std::string::npos)
      << r.out;
  json v = versions_json(db, "dltb");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0]["kind"], "land_use");
  EXPECT_EQ(v[0]["features"], 3);
  EXPECT_EQ(stored_class_names(db, "dltb"), kChineseNames);
  // Numbers stay numbers, null stays null.
  auto rows = stored_features(db, "dltb", 1);
  json first = json::parse(rows[0].attrs), third = json::parse(rows[2].attrs);
  EXPECT_EQ(first["TBMJ"], 6667.5);
  EXPECT_EQ(first["GDPDJB"], 2);
  EXPECT_EQ(first["ZLDWDM"], "341122100001");
  EXPECT_TRUE(third["GDPDJB"].is_null());
  EXPECT_TRUE(has_vertex_near(stored_vertices(db, "dltb", 1), 117.002, 30.0));
}

TEST_F(ImportTest, import_reads_shapefile_with_cpg_declaring_gbk) {
  std::string src = at("dltb.geojson");
  write_file(src, feature_collection(three_land_use_spots()));
  convert(src, at("shp"), "ESRI Shapefile", {"-nln", "DLTB", "-lco", "ENCODING=GBK"});
  ASSERT_EQ(read_file(at("shp/DLTB.cpg")).substr(0, 3), "GBK");
  // The fixture really holds GBK bytes: 水田 is CB AE CC EF in GBK.
  ASSERT_NE(read_file(at("shp/DLTB.dbf")).find("\xCB\xAE\xCC\xEF"), std::string::npos);

  std::string db = at("county.sqlite");
  RunResult r = run({"import", "--db", db, "--layer", "dltb", "--kind", "land_use",
                     at("shp/DLTB.shp")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(stored_class_names(db, "dltb"), kChineseNames);
}

TEST_F(ImportTest, import_reads_gbk_shapefile_without_cpg_with_encoding_flag) {
  std::string src = at("dltb.geojson");
  write_file(src, feature_collection(three_land_use_spots()));
  convert(src, at("shp"), "ESRI Shapefile", {"-nln", "DLTB", "-lco", "ENCODING=GBK"});
  fs::remove(at("shp/DLTB.cpg"));

  std::string db = at("county.sqlite");
  RunResult r = run({"import", "--db", db, "--layer", "dltb", "--kind", "land_use", "--encoding",
                     "GBK", at("shp/DLTB.shp")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(stored_class_names(db, "dltb"), kChineseNames);
}

TEST_F(ImportTest, import_reads_a_directory_of_gbk_shapefiles_with_encoding_flag) {
  // Survey deliveries often come as a folder; GDAL opens it as one Shapefile dataset.
  std::string src = at("dltb.geojson");
  write_file(src, feature_collection(three_land_use_spots()));
  convert(src, at("delivery"), "ESRI Shapefile", {"-nln", "DLTB", "-lco", "ENCODING=GBK"});
  fs::remove(at("delivery/DLTB.cpg"));
  std::string db = at("county.sqlite");
  RunResult r = run({"import", "--db", db, "--layer", "dltb", "--kind", "land_use", at("delivery")});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("no .cpg; pass --encoding GBK"), std::string::npos) << r.err;
  r = run({"import", "--db", db, "--layer", "dltb", "--kind", "land_use", "--encoding", "GBK",
           at("delivery")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(stored_class_names(db, "dltb"), kChineseNames);
}

TEST_F(ImportTest, import_reads_geopackage) {
  std::string src = at("dltb.geojson");
  write_file(src, feature_collection(three_land_use_spots()));
  convert(src, at("survey.gpkg"), "GPKG", {"-nln", "DLTB"});
  std::string db = at("county.sqlite");
  RunResult r = run({"import", "--db", db, "--layer", "dltb", "--kind", "land_use",
                     at("survey.gpkg")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(versions_json(db, "dltb")[0]["features"], 3);
  EXPECT_EQ(stored_class_names(db, "dltb"), kChineseNames);
  EXPECT_TRUE(has_vertex_near(stored_vertices(db, "dltb", 1), 117.005, 30.001));
}

TEST_F(ImportTest, import_reads_file_geodatabase) {
  std::string src = at("dltb.geojson");
  write_file(src, feature_collection(three_land_use_spots()));
  convert(src, at("survey.gdb"), "OpenFileGDB", {"-nln", "DLTB"});
  std::string db = at("county.sqlite");
  RunResult r = run({"import", "--db", db, "--layer", "dltb", "--kind", "land_use",
                     at("survey.gdb")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(versions_json(db, "dltb")[0]["features"], 3);
  EXPECT_EQ(stored_class_names(db, "dltb"), kChineseNames);
  EXPECT_TRUE(has_vertex_near(stored_vertices(db, "dltb", 1), 117.0, 30.0));
}

TEST_F(ImportTest, import_chooses_a_layer_of_a_multi_layer_geopackage_with_source_layer) {
  std::string src = at("dltb.geojson");
  write_file(src, feature_collection(three_land_use_spots()));
  convert(src, at("survey.gpkg"), "GPKG", {"-nln", "DLTB"});
  convert(src, at("survey.gpkg"), "GPKG", {"-nln", "DLTB_OLD", "-update"});
  std::string db = at("county.sqlite");
  RunResult r = run({"import", "--db", db, "--layer", "dltb", "--kind", "land_use",
                     at("survey.gpkg")});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("--source-layer"), std::string::npos) << r.err;
  EXPECT_TRUE(no_database_files(db));
  r = run({"import", "--db", db, "--layer", "dltb", "--kind", "land_use", "--source-layer",
           "DLTB_OLD", at("survey.gpkg")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(versions_json(db, "dltb")[0]["features"], 3);
}

// ---- coordinates ----------------------------------------------------------------------------

TEST_F(ImportTest, import_reprojects_wgs84_lon_lat_to_cgcs2000) {
  // No crs member: GeoJSON's default, WGS 84 longitude/latitude.
  std::string src = at("wgs84.geojson");
  write_file(src, feature_collection({{R"({"DLBM":"0101"})",
                                       polygon({{117.123456789, 30.987654321},
                                                {117.133456789, 30.987654321},
                                                {117.133456789, 30.997654321}})}},
                                     ""));
  std::string db = at("county.sqlite");
  RunResult r = run({"import", "--db", db, "--layer", "lu", "--kind", "land_use", src});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(versions_json(db, "lu")[0]["source_srs"], "EPSG:4326");
  auto points = stored_vertices(db, "lu", 1);
  EXPECT_TRUE(has_vertex_near(points, 117.123456789, 30.987654321));
  EXPECT_TRUE(has_vertex_near(points, 117.133456789, 30.997654321));
}

// Latitude on the central meridian of a Gauss–Krüger projection whose northing is `northing`:
// there the northing is the meridian arc length from the equator (scale factor 1), which we
// integrate on the CGCS2000 ellipsoid independently of PROJ.
double footpoint_latitude(double northing) {
  const double a = 6378137.0, f = 1 / 298.257222101, e2 = f * (2 - f);
  const double pi = std::acos(-1.0);
  auto radius = [&](double phi) {
    double s = std::sin(phi);
    return a * (1 - e2) / std::pow(1 - e2 * s * s, 1.5);
  };
  auto arc = [&](double phi) {  // Simpson's rule; the integrand is smooth
    const int n = 2000;
    double h = phi / n, sum = radius(0) + radius(phi);
    for (int i = 1; i < n; ++i) sum += radius(i * h) * (i % 2 ? 4 : 2);
    return sum * h / 3;
  };
  double phi = northing / a;
  for (int i = 0; i < 8; ++i) phi -= (arc(phi) - northing) / radius(phi);
  return phi * 180 / pi;
}

TEST_F(ImportTest, import_reprojects_gauss_kruger_shapefile_to_cgcs2000_lon_lat) {
  // EPSG:4548 is CGCS2000 / 3-degree Gauss-Kruger CM 117E (no zone prefix, false easting
  // 500 km): easting 500000 lies on longitude 117.
  // Read from PROJ's own database through its C API (not the projinfo program, which is in
  // proj-bin, a package the build does not need).
  ASSERT_NE(proj_definition("EPSG:4548").find("+lon_0=117"), std::string::npos);
  std::string src = at("gk.geojson");
  write_file(src, feature_collection({{R"({"DLBM":"0103"})",
                                       polygon({{500000, 3320000},
                                                {501000, 3320000},
                                                {501000, 3321000},
                                                {500000, 3321000}})}},
                                     "EPSG:4548"));
  // Through a Shapefile, as survey data comes: the CRS travels in the .prj.
  convert(src, at("shp"), "ESRI Shapefile", {"-nln", "DLTB"});
  ASSERT_TRUE(fs::exists(at("shp/DLTB.prj")));
  std::string db = at("county.sqlite");
  RunResult r = run({"import", "--db", db, "--layer", "lu", "--kind", "land_use",
                     at("shp/DLTB.shp")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto points = stored_vertices(db, "lu", 1);
  EXPECT_TRUE(has_vertex_near(points, 117.0, footpoint_latitude(3320000)))
      << "expected (117, " << footpoint_latitude(3320000) << "), first vertex stored ("
      << points.at(0).x << ", " << points.at(0).y << ")";
  EXPECT_TRUE(has_vertex_near(points, 117.0, footpoint_latitude(3321000)));
  for (const auto& p : points) {
    EXPECT_GE(p.x, 117.0 - kDegreeTolerance);
    EXPECT_LT(p.x, 117.011);
    EXPECT_GT(p.y, 29.9);
    EXPECT_LT(p.y, 30.1);
  }
}

TEST_F(ImportTest, import_accepts_a_source_without_crs_when_srs_is_given) {
  std::string src = at("dltb.geojson");
  write_file(src, feature_collection(three_land_use_spots()));
  convert(src, at("shp"), "ESRI Shapefile", {"-nln", "DLTB", "-lco", "ENCODING=UTF-8"});
  fs::remove(at("shp/DLTB.prj"));
  std::string db = at("county.sqlite");
  RunResult r = run({"import", "--db", db, "--layer", "dltb", "--kind", "land_use", "--srs",
                     "EPSG:4490", at("shp/DLTB.shp")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(versions_json(db, "dltb")[0]["source_srs"], "EPSG:4490");
  EXPECT_TRUE(has_vertex_near(stored_vertices(db, "dltb", 1), 117.004, 30.0));
}

// ---- geometry repair and versions -----------------------------------------------------------

// A bowtie: the ring crosses itself at (117.005, 30.005).
FixtureFeature bowtie() {
  return {R"({"BSM":"9","DLBM":"0101"})",
          polygon({{117.0, 30.0}, {117.01, 30.01}, {117.01, 30.0}, {117.0, 30.01}})};
}

TEST_F(ImportTest, import_repairs_a_bowtie_with_repair_flag) {
  std::string src = at("bowtie.geojson");
  write_file(src, feature_collection({bowtie()}));
  std::string db = at("county.sqlite");
  RunResult r = run({"import", "--db", db, "--layer", "lu", "--kind", "land_use", "--repair", src});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("1 geometries repaired"), std::string::npos) << r.out;
  auto rows = stored_features(db, "lu", 1);
  ASSERT_EQ(rows.size(), 1u);
  // MakeValid splits the bowtie into its two triangles: 2 × ½ × 0.01 × 0.005 square degrees.
  auto polygons = parse_wkb_polygons(rows[0].wkb);
  EXPECT_EQ(polygons.size(), 2u);
  EXPECT_NEAR(planar_area(polygons), 0.00005, 1e-12);
}

TEST_F(ImportTest, reimport_creates_version_2_and_version_1_stays_readable) {
  std::string db = seeded_db();
  auto v1_rows = stored_features(db, "dltb", 1);
  ASSERT_EQ(v1_rows.size(), 3u);

  std::string src = at("grid.geojson");
  write_land_use_grid(src, 10);
  RunResult r = run({"import", "--db", db, "--layer", "dltb", "--kind", "land_use", src});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("version 2"), std::string::npos) << r.out;

  json v = versions_json(db, "dltb");
  ASSERT_EQ(v.size(), 2u) << v.dump();
  EXPECT_EQ(v[0]["version"], 1);
  EXPECT_EQ(v[0]["features"], 3);
  EXPECT_EQ(v[1]["version"], 2);
  EXPECT_EQ(v[1]["features"], 10);
  auto after = stored_features(db, "dltb", 1);
  ASSERT_EQ(after.size(), v1_rows.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].wkb, v1_rows[i].wkb);
    EXPECT_EQ(after[i].attrs, v1_rows[i].attrs);
  }
  // The layer list shows the latest version.
  r = run({"layers", "--db", db, "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(json::parse(r.out)[0]["version"], 2);
}

// ---- bad input --------------------------------------------------------------------------------

TEST_F(ImportTest, import_rejects_truncated_shapefile) {
  std::string src = at("grid.geojson");
  write_land_use_grid(src, 2000);
  convert(src, at("shp"), "ESRI Shapefile", {"-nln", "DLTB", "-lco", "ENCODING=UTF-8"});
  // Cut the .shp in the middle of record 1000, as an interrupted copy would.
  std::string shx = read_file(at("shp/DLTB.shx"));
  auto be32 = [&](std::size_t at) {
    auto b = reinterpret_cast<const unsigned char*>(shx.data() + at);
    return (std::size_t(b[0]) << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
  };
  std::size_t record = 999;
  std::size_t offset = be32(100 + 8 * record) * 2, length = be32(104 + 8 * record) * 2;
  fs::resize_file(at("shp/DLTB.shp"), offset + length / 2);

  std::string shp = at("shp/DLTB.shp");
  expect_rejected({"--layer", "dltb", "--kind", "land_use", shp}, 1,
                  {shp, "feature", "cannot read"});
}

TEST_F(ImportTest, import_rejects_gbk_dbf_without_cpg_or_encoding) {
  std::string src = at("dltb.geojson");
  write_file(src, feature_collection(three_land_use_spots()));
  convert(src, at("shp"), "ESRI Shapefile", {"-nln", "DLTB", "-lco", "ENCODING=GBK"});
  fs::remove(at("shp/DLTB.cpg"));
  std::string shp = at("shp/DLTB.shp");
  expect_rejected({"--layer", "dltb", "--kind", "land_use", shp}, 1,
                  {shp, "feature 0", "DLMC", "--encoding GBK"});
}

TEST_F(ImportTest, import_rejects_self_intersecting_polygon) {
  auto features = three_land_use_spots();
  features.push_back(bowtie());  // the fourth feature: FID 3
  std::string src = at("bowtie.geojson");
  write_file(src, feature_collection(features));
  expect_rejected({"--layer", "dltb", "--kind", "land_use", src}, 1,
                  {src, "feature 3", "Self-intersection", "--repair"});
}

TEST_F(ImportTest, import_rejects_feature_with_null_geometry) {
  auto features = three_land_use_spots();
  features[1].geometry = "null";
  std::string src = at("nullgeom.geojson");
  write_file(src, feature_collection(features));
  expect_rejected({"--layer", "dltb", "--kind", "land_use", src}, 1,
                  {src, "feature 1", "no geometry"});
}

TEST_F(ImportTest, import_rejects_shapefile_without_prj) {
  std::string src = at("dltb.geojson");
  write_file(src, feature_collection(three_land_use_spots()));
  convert(src, at("shp"), "ESRI Shapefile", {"-nln", "DLTB", "-lco", "ENCODING=UTF-8"});
  fs::remove(at("shp/DLTB.prj"));
  std::string shp = at("shp/DLTB.shp");
  expect_rejected({"--layer", "dltb", "--kind", "land_use", shp}, 1,
                  {shp, "no coordinate reference system", "--srs"});
}

TEST_F(ImportTest, import_rejects_layer_name_with_sql_in_it) {
  std::string src = at("dltb.geojson");
  write_file(src, feature_collection(three_land_use_spots()));
  expect_rejected({"--layer", "lu'; DROP TABLE feature; --", "--kind", "land_use", src}, 2,
                  {"lu'; DROP TABLE feature; --", "not allowed"});
}

TEST_F(ImportTest, import_rejects_unknown_land_use_code) {
  auto features = three_land_use_spots();
  features[2].properties = R"({"BSM":"3","DLBM":"0999","DLMC":"不存在"})";
  std::string src = at("unknown_code.geojson");
  write_file(src, feature_collection(features));
  expect_rejected({"--layer", "dltb", "--kind", "land_use", src}, 1,
                  {src, "feature 2", "DLBM", "'0999'"});
}

TEST_F(ImportTest, import_rejects_unknown_kind_as_usage_error) {
  std::string src = at("dltb.geojson");
  write_file(src, feature_collection(three_land_use_spots()));
  expect_rejected({"--layer", "dltb", "--kind", "farmland", src}, 2, {"farmland", "land_use"});
}

TEST_F(ImportTest, import_rejects_a_file_that_does_not_exist) {
  std::string missing = at("no_such_survey.shp");
  expect_rejected({"--layer", "dltb", "--kind", "land_use", missing}, 1,
                  {missing, "does not exist"});
}

TEST_F(ImportTest, import_rejects_a_file_that_is_not_gis_data) {
  std::string text = at("minutes.txt");
  write_file(text, "村民代表大会会议记录\nminutes of the village assembly\n");
  expect_rejected({"--layer", "dltb", "--kind", "land_use", text}, 1,
                  {text, "cannot open as a vector dataset"});
  std::string fake_shp = at("fake.shp");
  std::string noise(4096, '\0');
  for (std::size_t i = 0; i < noise.size(); ++i) noise[i] = static_cast<char>((i * 7919) % 251);
  write_file(fake_shp, noise);
  expect_rejected({"--layer", "dltb", "--kind", "land_use", fake_shp}, 1,
                  {fake_shp, "cannot open"});
}

TEST_F(ImportTest, import_refuses_another_kind_for_an_existing_layer) {
  std::string src = at("dltb.geojson");
  write_file(src, feature_collection(three_land_use_spots()));
  std::string db = seeded_db();
  std::string before = dump_database(db);
  RunResult r = run({"import", "--db", db, "--layer", "dltb", "--kind", "parcel", src});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_NE(r.err.find("is of kind land_use"), std::string::npos) << r.err;
  EXPECT_EQ(dump_database(db), before);
}

TEST_F(ImportTest, import_refuses_to_write_into_a_sqlite_file_of_another_program) {
  std::string src = at("dltb.geojson");
  write_file(src, feature_collection(three_land_use_spots()));
  convert(src, at("survey.gpkg"), "GPKG", {"-nln", "DLTB"});
  std::string bytes = read_file(at("survey.gpkg"));
  // --db pointed at the user's GeoPackage by mistake.
  RunResult r = run({"import", "--db", at("survey.gpkg"), "--layer", "dltb", "--kind", "land_use", src});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("not a Gongzhi database"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(at("survey.gpkg")), bytes) << "the GeoPackage was modified";
}

// Mounts a tiny tmpfs for the lifetime of the object, when the system lets us (root).
class SmallDisk {
 public:
  SmallDisk(const std::string& dir, const char* size) : dir_(dir) {
    fs::create_directories(dir);
    mounted_ = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, (std::string("size=") + size).c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }

 private:
  std::string dir_;
  bool mounted_ = false;
};

TEST_F(ImportTest, import_reports_a_full_disk_and_leaves_the_database_unchanged) {
  std::string src = at("big.geojson");
  write_land_use_grid(src, 30000);  // ~7 MB of features, ~8 MB once stored
  SmallDisk disk(at("small"), "3m");
  Env env;
  if (!disk.mounted()) {
    // Not allowed to mount: the store's own size limit stands in for the disk.
    std::cerr << "[ note ] cannot mount a tmpfs; limiting the database size instead\n";
    env = {{"GONGZHI_SQLITE_MAX_PAGES", "400"}};
  }
  std::string db = seeded_db("small/county.sqlite");
  std::string before = dump_database(db);

  RunResult r = run({"import", "--db", db, "--layer", "big", "--kind", "land_use", src}, env);
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  auto lines = r.error_lines();
  ASSERT_EQ(lines.size(), 1u) << r.describe();
  EXPECT_NE(lines[0].find(db), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("disk is full"), std::string::npos) << lines[0];
  EXPECT_EQ(dump_database(db), before);
  EXPECT_TRUE(database_is_intact(db));
  RunResult layers = run({"layers", "--db", db, "--format", "json"});
  ASSERT_EQ(layers.exit_code, 0) << layers.describe();
  EXPECT_EQ(json::parse(layers.out).size(), 1u);

  // A first import that cannot fit leaves nothing on the disk.
  std::string fresh = at("small/fresh.sqlite");
  r = run({"import", "--db", fresh, "--layer", "big", "--kind", "land_use", src}, env);
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("disk is full"), std::string::npos) << r.err;
  EXPECT_TRUE(no_database_files(fresh));
}

// Two imports of the same layer started together: each succeeds or says the database is being
// written by another import; the committed versions are consecutive and complete.
class ConcurrentImportTest : public ImportTest {
 protected:
  void import_twice_at_once(const std::string& db, const std::string& src, int features,
                            int* successes) {
    std::vector<std::string> args{"import", "--db", db, "--layer", "dltb", "--kind", "land_use", src};
    Process first(gongzhi_binary(), args), second(gongzhi_binary(), args);
    *successes = 0;
    for (RunResult r : {first.wait(), second.wait()}) {
      if (r.exit_code == 0) {
        ++*successes;
        EXPECT_NE(r.out.find("imported " + std::to_string(features) + " features"),
                  std::string::npos) << r.describe();
        continue;
      }
      EXPECT_EQ(r.exit_code, 1) << r.describe();
      auto lines = r.error_lines();
      ASSERT_EQ(lines.size(), 1u) << r.describe();
      EXPECT_NE(lines[0].find("being written by another process"), std::string::npos) << lines[0];
    }
    EXPECT_GE(*successes, 1);
  }

  // Versions 1..n without gaps, each committed with all of its features and nothing else.
  void expect_complete_versions(const std::string& db, const std::vector<int>& expected_counts) {
    json v = versions_json(db, "dltb");
    ASSERT_EQ(v.size(), expected_counts.size()) << v.dump();
    std::vector<std::string> stored_counts;
    for (std::size_t i = 0; i < v.size(); ++i) {
      EXPECT_EQ(v[i]["version"], static_cast<int>(i) + 1);
      EXPECT_EQ(v[i]["features"], expected_counts[i]);
      stored_counts.push_back(std::to_string(i + 1) + "|" + std::to_string(expected_counts[i]));
    }
    // What is really stored per version, not just what the metadata claims.
    EXPECT_EQ(query(db, "SELECT v.version, count(f.id) FROM layer_version v LEFT JOIN feature f "
                        "ON f.version_id = v.id GROUP BY v.id ORDER BY v.version"),
              stored_counts);
    long long total = 0;
    for (int n : expected_counts) total += n;
    EXPECT_EQ(query(db, "SELECT count(*) FROM feature"), std::vector<std::string>{std::to_string(total)});
    EXPECT_EQ(query(db, "SELECT count(*) FROM feature_rtree"), std::vector<std::string>{std::to_string(total)});
    EXPECT_TRUE(database_is_intact(db));
  }

  // Large enough that the two imports overlap for a second or more.
  static constexpr int kFeatures = 50000;
};

TEST_F(ConcurrentImportTest, two_imports_of_the_same_layer_at_once_give_consecutive_complete_versions) {
  std::string src = at("big.geojson");
  write_land_use_grid(src, kFeatures);
  std::string db = seeded_db();
  int successes = 0;
  import_twice_at_once(db, src, kFeatures, &successes);
  std::vector<int> counts{3};
  for (int i = 0; i < successes; ++i) counts.push_back(kFeatures);
  expect_complete_versions(db, counts);
}

TEST_F(ConcurrentImportTest, two_first_imports_at_once_never_lose_the_database) {
  // Both start before either has created the database; the one that finishes second adds its
  // version to the first one's database (reading its source again), so keep this one smaller.
  const int features = 20000;
  std::string src = at("big.geojson");
  write_land_use_grid(src, features);
  std::string db = at("county.sqlite");
  int successes = 0;
  import_twice_at_once(db, src, features, &successes);
  ASSERT_TRUE(fs::exists(db)) << "an import reported success but the database is gone";
  std::vector<int> counts(successes, features);
  expect_complete_versions(db, counts);
  // No staging copies are left next to it.
  for (const auto& name : dir_.entries())
    EXPECT_TRUE(name == "county.sqlite" || name == "big.geojson" || name == "county.sqlite-wal" ||
                name == "county.sqlite-shm")
        << "left behind: " << name;
}

}  // namespace
}  // namespace gz::test
