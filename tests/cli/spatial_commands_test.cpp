// stats, check and balance through the real CLI on a small county whose areas are known: squares
// of 0.01° at 39°N (PostGIS's ellipsoidal ST_Area(geography) of [116,116.01]x[39,39.01] on
// CGCS2000 is 961620.33 m²), control lines covering halves and quarters of them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "../test_support.h"

namespace gz::test {
namespace {

constexpr double kSquareM2 = 961620.33;  // reference value measured with PostGIS
constexpr double kMu = 10000.0 / 15.0;

std::string rect(double x0, double y0, double x1, double y1) {
  return polygon({{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}});
}

class SpatialCommands : public TempDirTest {
 protected:
  void SetUp() override {
    db = at("county.sqlite");
    // Land use: A (dry land, 10% field ridges) and B (homestead), side by side.
    import("land_use", "land_use",
           {{R"({"BSM":1,"DLBM":"0103","DLMC":"旱地","KCXS":0.1})", rect(116.00, 39.00, 116.01, 39.01)},
            {R"({"BSM":2,"DLBM":"0702","DLMC":"农村宅基地"})", rect(116.01, 39.00, 116.02, 39.01)}});
    import("region", "region",
           {{R"({"XZQDM":"110101001001","XZQMC":"甲村"})", rect(116.00, 39.00, 116.01, 39.01)},
            {R"({"XZQDM":"110101001002","XZQMC":"乙村"})", rect(116.01, 39.00, 116.02, 39.01)}});
    // Red line: the left half of A; permanent basic farmland: the right half of A.
    import("redline", "ecological_redline", {{R"({"BSM":1})", rect(116.000, 39.00, 116.005, 39.01)}});
    import("pbf", "permanent_basic_farmland", {{R"({"BSM":1})", rect(116.005, 39.00, 116.010, 39.01)}});
    import("projects", "project",
           {{R"({"XMBH":"XM-1","XMMC":"甲乙村农用地整理","XMLX":"农用地整理"})", rect(116.00, 39.00, 116.02, 39.01)},
            // homestead reclaimed to dry land: compliant
            {R"({"XMBH":"XM-1","from_code":"0702","to_code":"0103"})", rect(116.01, 39.00, 116.02, 39.01)},
            // a rural road built inside the red line: a quarter of A
            {R"({"XMBH":"XM-1","from_code":"0103","to_code":"1006"})", rect(116.000, 39.00, 116.0025, 39.01)},
            // farmland in the PBF planted with forest: a tenth of A
            {R"({"XMBH":"XM-1","from_code":"0103","to_code":"0301"})", rect(116.006, 39.00, 116.008, 39.005)},
            // a factory on PBF, outside any construction zone: a tenth of A
            {R"({"XMBH":"XM-1","from_code":"0103","to_code":"0601"})", rect(116.008, 39.005, 116.010, 39.01)}});
  }

  void import(const std::string& layer, const std::string& kind, const std::vector<FixtureFeature>& f) {
    std::string file = at(layer + ".geojson");
    write_file(file, feature_collection(f));
    auto r = run({"import", "--db", db, "--layer", layer, "--kind", kind, file});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
  }

  nlohmann::json run_json(const std::vector<std::string>& args, int expected_exit) {
    auto r = run(args);
    EXPECT_EQ(r.exit_code, expected_exit) << r.describe();
    return nlohmann::json::parse(r.out);
  }

  std::string db;
};

TEST_F(SpatialCommands, stats_reports_ellipsoidal_area_by_class_in_m2_ha_and_mu) {
  auto j = run_json({"stats", "--db", db, "--layer", "land_use", "--format", "json"}, 0);
  ASSERT_EQ(j["rows"].size(), 2u);
  for (const auto& row : j["rows"]) {
    EXPECT_NEAR(row["area_m2"].get<double>(), kSquareM2, 0.01) << row.dump();
    EXPECT_NEAR(row["area_ha"].get<double>(), kSquareM2 / 10000, 1e-6);
    EXPECT_NEAR(row["area_mu"].get<double>(), kSquareM2 / kMu, 1e-4);
  }
  EXPECT_EQ(j["rows"][0]["code"], "0103");
  EXPECT_EQ(j["rows"][0]["name"], "旱地");
  // Field ridges (KCXS 0.1) are deducted from the net area of dry land only.
  EXPECT_NEAR(j["rows"][0]["net_area_m2"].get<double>(), kSquareM2 * 0.9, 0.01);
  EXPECT_NEAR(j["rows"][1]["net_area_m2"].get<double>(), kSquareM2, 0.01);
}

TEST_F(SpatialCommands, stats_csv_has_the_contract_columns_and_splits_by_region) {
  auto r = run({"stats", "--db", db, "--layer", "land_use", "--format", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')), "code,name,area_m2,area_ha,area_mu,net_area_m2,net_area_mu,spots");
  EXPECT_NE(r.out.find("0702,农村宅基地,961620.33,"), std::string::npos) << r.out;

  auto by = run({"stats", "--db", db, "--layer", "land_use", "--by", "region", "--format", "csv"});
  ASSERT_EQ(by.exit_code, 0) << by.describe();
  EXPECT_EQ(by.out.substr(0, by.out.find('\n')),
            "zone,zone_name,code,name,area_m2,area_ha,area_mu,net_area_m2,net_area_mu,spots");
  EXPECT_NE(by.out.find("110101001001,甲村,0103,旱地,"), std::string::npos) << by.out;
  EXPECT_NE(by.out.find("110101001002,乙村,0702,农村宅基地,"), std::string::npos) << by.out;
  // Each village holds one class only: the squares share an edge, nothing leaks across it.
  EXPECT_EQ(std::count(by.out.begin(), by.out.end(), '\n'), 3) << by.out;
}

TEST_F(SpatialCommands, stats_by_layer_overlays_in_gauss_kruger_and_splits_areas) {
  // The red line and the PBF each cover half of A: A's area is split between them.
  auto j = run_json({"stats", "--db", db, "--layer", "land_use", "--by", "redline", "--format", "json"}, 0);
  ASSERT_EQ(j["rows"].size(), 1u);
  EXPECT_NEAR(j["rows"][0]["area_m2"].get<double>(), kSquareM2 / 2, kSquareM2 * 1e-4);
}

TEST_F(SpatialCommands, stats_writes_an_xlsx_workbook) {
  std::string out = at("stats.xlsx");
  auto r = run({"stats", "--db", db, "--layer", "land_use", "--format", "xlsx", "--output", out});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  std::string bytes = read_file(out);
  ASSERT_GT(bytes.size(), 1000u);
  EXPECT_EQ(bytes.substr(0, 2), "PK");  // an OOXML zip
  auto missing = run({"stats", "--db", db, "--layer", "land_use", "--format", "xlsx"});
  EXPECT_EQ(missing.exit_code, 2) << missing.describe();
}

TEST_F(SpatialCommands, stats_reads_an_old_version) {
  import("land_use", "land_use", {{R"({"DLBM":"0301"})", rect(116.00, 39.00, 116.01, 39.01)}});
  auto v2 = run_json({"stats", "--db", db, "--layer", "land_use", "--format", "json"}, 0);
  ASSERT_EQ(v2["rows"].size(), 1u);
  EXPECT_EQ(v2["rows"][0]["code"], "0301");
  auto v1 = run_json({"stats", "--db", db, "--layer", "land_use", "--version", "1", "--format", "json"}, 0);
  EXPECT_EQ(v1["rows"].size(), 2u);
  auto v9 = run({"stats", "--db", db, "--layer", "land_use", "--version", "9"});
  EXPECT_EQ(v9.exit_code, 1);
  EXPECT_NE(v9.err.find("no version 9"), std::string::npos) << v9.err;
}

TEST_F(SpatialCommands, check_finds_each_rule_break_with_its_area) {
  auto j = run_json({"check", "--db", db, "--layer", "projects", "--format", "json"}, 3);
  std::map<std::pair<std::string, std::string>, double> found;  // (feature, rule) -> area
  for (const auto& f : j["findings"]) {
    EXPECT_EQ(f["layer"], "projects");
    EXPECT_EQ(f["project_id"], "XM-1");
    found[{f["feature_id"], f["rule"]}] = f["area_m2"];
  }
  const double tol = kSquareM2 * 1e-4;  // overlay edges straight in GK, not in lon/lat
  EXPECT_NEAR(found.at({"0", "redline_overlap"}), kSquareM2 / 2, tol);
  EXPECT_NEAR(found.at({"2", "redline_engineering"}), kSquareM2 / 4, tol);
  EXPECT_NEAR(found.at({"3", "pbf_conversion"}), kSquareM2 / 10, tol);
  EXPECT_NEAR(found.at({"4", "pbf_conversion"}), kSquareM2 / 10, tol);
  EXPECT_NEAR(found.at({"4", "construction_outside_boundary"}), kSquareM2 / 10, tol);
  EXPECT_EQ(found.size(), 5u) << j["findings"].dump(1);  // the homestead reclamation is clean
  EXPECT_EQ(j["summary"]["findings"], 5);
  EXPECT_EQ(j["summary"]["by_rule"]["pbf_conversion"], 2);
  // Overlaps of the project area with each control layer, with shares.
  const auto& area = j["features"][0];
  ASSERT_EQ(area["overlaps"].size(), 2u) << area.dump();
  for (const auto& o : area["overlaps"]) {
    EXPECT_NEAR(o["area_m2"].get<double>(), kSquareM2 / 2, tol);
    EXPECT_NEAR(o["share"].get<double>(), 0.25, 1e-4);
  }
}

TEST_F(SpatialCommands, check_against_limits_the_layers_and_the_rules_that_read_them) {
  auto j = run_json({"check", "--db", db, "--layer", "projects", "--format", "json", "--against",
                     "ecological_redline"}, 3);
  ASSERT_EQ(j["controls"].size(), 1u);
  EXPECT_EQ(j["controls"][0]["layer"], "redline");
  std::set<std::string> rules;
  for (const auto& f : j["findings"]) rules.insert(f["rule"]);
  // PBF conversion needs the PBF layer, which was left out; the boundary rule still applies,
  // as this county has no development boundary or village plan at all.
  EXPECT_EQ(rules, (std::set<std::string>{"redline_overlap", "redline_engineering",
                                          "construction_outside_boundary"}));
  for (const auto& f : j["features"])
    for (const auto& o : f["overlaps"]) EXPECT_EQ(o["layer"], "redline");
  auto bad = run({"check", "--db", db, "--layer", "projects", "--against", "nosuch"});
  EXPECT_EQ(bad.exit_code, 2) << bad.describe();
  EXPECT_NE(bad.err.find("'nosuch'"), std::string::npos) << bad.err;
}

TEST_F(SpatialCommands, check_exits_zero_on_a_clean_layer) {
  import("clean", "project",
         {{R"({"XMBH":"XM-2","from_code":"0702","to_code":"0103"})", rect(116.01, 39.00, 116.02, 39.01)}});
  auto r = run({"check", "--db", db, "--layer", "clean"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("no findings"), std::string::npos) << r.out;
}

TEST_F(SpatialCommands, check_geojson_carries_the_overlap_geometries) {
  auto j = run_json({"check", "--db", db, "--layer", "projects", "--format", "geojson"}, 3);
  EXPECT_EQ(j["type"], "FeatureCollection");
  int findings = 0, overlaps = 0;
  for (const auto& f : j["features"]) {
    ASSERT_TRUE(f["geometry"].is_object()) << f.dump();
    std::string type = f["geometry"]["type"];
    EXPECT_TRUE(type == "Polygon" || type == "MultiPolygon") << type;
    (f["properties"]["type"] == "finding" ? findings : overlaps)++;
  }
  EXPECT_EQ(findings, 5);
  EXPECT_GE(overlaps, 4);
  // The red-line engineering finding lies inside [116.000, 116.0025] x [39.00, 39.01].
  for (const auto& f : j["features"])
    if (f["properties"]["type"] == "finding" && f["properties"]["rule"] == "redline_engineering")
      for (const auto& pt : f["geometry"]["coordinates"][0]) {
        EXPECT_GE(pt[0].get<double>(), 116.0 - 1e-9);
        EXPECT_LE(pt[0].get<double>(), 116.0025 + 1e-9);
      }
}

TEST_F(SpatialCommands, check_rejects_unknown_layer_and_format) {
  auto r = run({"check", "--db", db, "--layer", "nope"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("layer 'nope' does not exist"), std::string::npos) << r.err;
  auto f = run({"check", "--db", db, "--layer", "projects", "--format", "pdf"});
  EXPECT_EQ(f.exit_code, 2) << f.describe();
}

TEST_F(SpatialCommands, balance_sheet_moves_patch_areas_between_classes_and_judges_indicators) {
  auto j = run_json({"balance", "--db", db, "--project", "XM-1", "--format", "json"}, 3);
  std::map<std::string, std::pair<double, double>> rows;
  for (const auto& r : j["rows"]) rows[r["code"]] = {r["before_m2"], r["after_m2"]};
  const double tol = kSquareM2 * 1e-4;
  EXPECT_NEAR(rows.at("0103").first, kSquareM2, tol);
  EXPECT_NEAR(rows.at("0702").first, kSquareM2, tol);
  // 0103 loses 1/4 (road) + 1/10 (forest) + 1/10 (factory) of A and gains all of B.
  EXPECT_NEAR(rows.at("0103").second, kSquareM2 * (1 - 0.25 - 0.1 - 0.1) + kSquareM2, tol);
  EXPECT_NEAR(rows.at("0702").second, 0.0, tol);
  EXPECT_NEAR(rows.at("1006").second, kSquareM2 * 0.25, tol);
  EXPECT_NEAR(rows.at("0601").second, kSquareM2 * 0.1, tol);
  std::map<std::string, nlohmann::json> ind;
  for (const auto& i : j["indicators"]) ind[i["id"]] = i;
  EXPECT_NEAR(ind["new_cultivated_ratio"]["value"].get<double>(), 0.55, 1e-3);
  EXPECT_TRUE(ind["new_cultivated_ratio"]["passed"].get<bool>());
  EXPECT_TRUE(ind["construction_land_change"]["passed"].get<bool>());  // homestead 1 → factory 0.1
  // PBF adjusted out (forest + factory on PBF) with nothing added: fails.
  EXPECT_FALSE(ind["pbf_added_ratio"]["passed"].get<bool>());
  EXPECT_NEAR(j["permanent_basic_farmland"]["adjusted_out_m2"].get<double>(), kSquareM2 * 0.2, tol);
  EXPECT_FALSE(j["passed"].get<bool>());
}

TEST_F(SpatialCommands, balance_thresholds_come_from_the_data_file) {
  // With the PBF indicator relaxed in a data directory of our own, the project passes.
  std::string data = at("data");
  std::filesystem::create_directories(data);
  for (const char* f : {"land_use_classes.csv", "rules.json"})
    std::filesystem::copy_file(source_dir() + "/data/" + f, data + "/" + f);
  std::string text = read_file(source_dir() + "/data/indicators.json");
  auto pos = text.find("\"threshold\": 0.05}\n  ]");
  ASSERT_NE(pos, std::string::npos);
  text.replace(pos, std::string("\"threshold\": 0.05}").size(), "\"threshold\": -1.0}");
  write_file(data + "/indicators.json", text);
  auto r = run({"balance", "--db", db, "--project", "XM-1"}, {{"GONGZHI_DATA_DIR", data}});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  auto unknown = run({"balance", "--db", db, "--project", "XM-404"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("project 'XM-404' not found"), std::string::npos) << unknown.err;
}

}  // namespace
}  // namespace gz::test
