// The CLI on either store: `gongzhi import / layers / stats / check --db pg:…` work through
// Store::open exactly as with a SQLite file, and give the same results on the same data.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "store_backends.h"

namespace gz::test {
namespace {

std::string rect(double x0, double y0, double x1, double y1) {
  return polygon({{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}});
}

// A small county (as in tests/cli/spatial_commands_test.cpp): two land-use squares of 0.01° at
// 39°N, two villages, a red line and permanent basic farmland on halves of the dry land, and a
// project with compliant and rule-breaking patches.
struct Import {
  std::string layer, kind;
  std::vector<FixtureFeature> features;
};
std::vector<Import> small_county() {
  return {
      {"land_use", "land_use",
       {{R"({"BSM":1,"DLBM":"0103","DLMC":"旱地","KCXS":0.1})", rect(116.00, 39.00, 116.01, 39.01)},
        {R"({"BSM":2,"DLBM":"0702","DLMC":"农村宅基地"})", rect(116.01, 39.00, 116.02, 39.01)}}},
      {"region", "region",
       {{R"({"XZQDM":"110101001001","XZQMC":"甲村"})", rect(116.00, 39.00, 116.01, 39.01)},
        {R"({"XZQDM":"110101001002","XZQMC":"乙村"})", rect(116.01, 39.00, 116.02, 39.01)}}},
      {"redline", "ecological_redline", {{R"({"BSM":1})", rect(116.000, 39.00, 116.005, 39.01)}}},
      {"pbf", "permanent_basic_farmland", {{R"({"BSM":1})", rect(116.005, 39.00, 116.010, 39.01)}}},
      {"projects", "project",
       {{R"({"XMBH":"XM-1","XMMC":"甲乙村农用地整理","XMLX":"农用地整理"})", rect(116.00, 39.00, 116.02, 39.01)},
        {R"({"XMBH":"XM-1","from_code":"0702","to_code":"0103"})", rect(116.01, 39.00, 116.02, 39.01)},
        {R"({"XMBH":"XM-1","from_code":"0103","to_code":"1006"})", rect(116.000, 39.00, 116.0025, 39.01)},
        {R"({"XMBH":"XM-1","from_code":"0103","to_code":"0301"})", rect(116.006, 39.00, 116.008, 39.005)},
        {R"({"XMBH":"XM-1","from_code":"0103","to_code":"0601"})", rect(116.008, 39.005, 116.010, 39.01)}}},
  };
}

void import_small_county(const std::string& db, const TempDir& dir) {
  for (const auto& i : small_county()) {
    std::string file = dir.file(i.layer + ".geojson");
    write_file(file, feature_collection(i.features));
    auto r = run({"import", "--db", db, "--layer", i.layer, "--kind", i.kind, file});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_NE(r.out.find("imported " + std::to_string(i.features.size()) + " features into layer '" +
                         i.layer + "' version 1"),
              std::string::npos)
        << r.out;
  }
}

// The outputs compared between stores.
std::vector<std::vector<std::string>> report_commands(const std::string& db) {
  return {{"stats", "--db", db, "--layer", "land_use", "--format", "json"},
          {"stats", "--db", db, "--layer", "land_use", "--by", "region", "--format", "csv"},
          {"stats", "--db", db, "--layer", "land_use", "--by", "redline", "--format", "json"},
          {"check", "--db", db, "--layer", "projects", "--format", "json"},
          {"check", "--db", db, "--layer", "projects", "--format", "geojson"},
          {"balance", "--db", db, "--project", "XM-1", "--format", "json"}};
}

class StoreCli : public StoreBackendTest {};

TEST_P(StoreCli, import_layers_stats_and_check_work_on_the_store) {
  import_small_county(location(), dir_);
  auto layers = run({"layers", "--db", location()});
  ASSERT_EQ(layers.exit_code, 0) << layers.describe();
  for (const char* name : {"land_use", "region", "redline", "pbf", "projects"})
    EXPECT_NE(layers.out.find(name), std::string::npos) << layers.out;

  auto stats = run({"stats", "--db", location(), "--layer", "land_use", "--format", "json"});
  ASSERT_EQ(stats.exit_code, 0) << stats.describe();
  auto j = nlohmann::json::parse(stats.out);
  ASSERT_EQ(j["rows"].size(), 2u);
  EXPECT_EQ(j["rows"][0]["code"], "0103");
  EXPECT_NEAR(j["rows"][0]["area_m2"].get<double>(), 961620.33, 0.01);
  EXPECT_NEAR(j["rows"][0]["net_area_m2"].get<double>(), 961620.33 * 0.9, 0.01);

  auto check = run({"check", "--db", location(), "--layer", "projects", "--format", "json"});
  EXPECT_EQ(check.exit_code, 3) << check.describe();  // findings
  EXPECT_EQ(nlohmann::json::parse(check.out)["summary"]["findings"], 5);

  // A second import is version 2; the first stays readable.
  std::string file = at("land_use.geojson");
  auto again = run({"import", "--db", location(), "--layer", "land_use", "--kind", "land_use", file});
  ASSERT_EQ(again.exit_code, 0) << again.describe();
  EXPECT_NE(again.out.find("version 2"), std::string::npos) << again.out;
  auto old = run({"stats", "--db", location(), "--layer", "land_use", "--version", "1"});
  EXPECT_EQ(old.exit_code, 0) << old.describe();
  auto missing = run({"stats", "--db", location(), "--layer", "nope"});
  EXPECT_EQ(missing.exit_code, 1) << missing.describe();
  ASSERT_EQ(missing.error_lines().size(), 1u) << missing.describe();
  EXPECT_NE(missing.error_lines()[0].find("layer 'nope' does not exist"), std::string::npos)
      << missing.describe();
}

TEST_P(StoreCli, a_failed_import_stores_nothing) {
  std::string bad = at("bowtie.geojson");
  write_file(bad, feature_collection(
                      {{R"({"BSM":"1","DLBM":"0101"})", square(117, 30, 0.001)},
                       {R"({"BSM":"2","DLBM":"0101"})",
                        polygon({{117, 30}, {117.01, 30.01}, {117.01, 30}, {117, 30.01}})}}));
  auto r = run({"import", "--db", location(), "--layer", "dltb", "--kind", "land_use", bad});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  if (postgres()) {
    EXPECT_EQ(where_->query("SELECT count(*) FROM layer"), std::vector<std::string>{"0"});
  } else {
    EXPECT_TRUE(no_database_files(location()));
  }
}

INSTANTIATE_TEST_SUITE_P(, StoreCli, GZ_ALL_BACKENDS, backend_name);

class PostgresCli : public ::testing::Test {
 protected:
  void SetUp() override {
    try {
      schema_ = std::make_unique<PgSchema>();
    } catch (const std::exception& e) {
      FAIL() << e.what();
    }
  }
  TempDir dir_;
  std::unique_ptr<PgSchema> schema_;
};

TEST_F(PostgresCli, stats_check_and_balance_give_the_same_output_as_on_sqlite) {
  std::string sqlite = dir_.file("county.sqlite");
  import_small_county(sqlite, dir_);
  import_small_county(schema_->location(), dir_);
  auto on_sqlite = report_commands(sqlite);
  auto on_postgres = report_commands(schema_->location());
  for (std::size_t i = 0; i < on_sqlite.size(); ++i) {
    RunResult a = run(on_sqlite[i]), b = run(on_postgres[i]);
    EXPECT_EQ(a.exit_code, b.exit_code) << on_sqlite[i][0] << "\n" << a.describe() << b.describe();
    EXPECT_FALSE(a.out.empty()) << a.describe();
    EXPECT_EQ(a.out, b.out) << on_sqlite[i][0] << " " << on_sqlite[i][4];
  }
}

TEST_F(PostgresCli, two_imports_of_the_same_layer_at_once_both_succeed_with_consecutive_versions) {
  const int features = 20000;
  std::string src = dir_.file("big.geojson");
  write_land_use_grid(src, features);
  std::vector<std::string> args{"import", "--db", schema_->location(), "--layer", "dltb",
                                "--kind", "land_use", src};
  Process first(gongzhi_binary(), args), second(gongzhi_binary(), args);
  for (RunResult r : {first.wait(), second.wait()}) {
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_NE(r.out.find("imported 20000 features"), std::string::npos) << r.describe();
  }
  EXPECT_EQ(schema_->query("SELECT v.version, v.feature_count, count(f.id) FROM layer_version v "
                           "LEFT JOIN feature f ON f.version_id = v.id GROUP BY v.id ORDER BY "
                           "v.version"),
            (std::vector<std::string>{"1|20000|20000", "2|20000|20000"}));
}

TEST(PostgresCliConnect, commands_report_an_unreachable_server_clearly) {
  TempDir dir;
  std::string file = dir.file("x.geojson");
  write_file(file, feature_collection(three_land_use_spots()));
  std::string db = "pg:host=127.0.0.1 port=1 dbname=county connect_timeout=5";
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"import", "--db", db, "--layer", "dltb", "--kind", "land_use", file},
           {"layers", "--db", db},
           {"stats", "--db", db, "--layer", "dltb"},
           {"check", "--db", db, "--layer", "dltb"}}) {
    auto r = run(args);
    EXPECT_EQ(r.exit_code, 1) << args[0] << "\n" << r.describe();
    ASSERT_EQ(r.error_lines().size(), 1u) << r.describe();
    EXPECT_EQ(r.error_lines()[0].rfind("gongzhi: cannot connect to PostgreSQL (host=127.0.0.1 "
                                       "port=1 dbname=county): ",
                                       0),
              0u)
        << r.error_lines()[0];
  }
}

}  // namespace
}  // namespace gz::test
