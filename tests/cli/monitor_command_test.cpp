// `gongzhi monitor` as a user runs it, on both stores (--db FILE, --pg CONNINFO): change spots and
// warnings as JSON and xlsx, exit code 3 when warnings exist, progress on stderr, and bad input
// (versions of different layers, a version that does not exist, xlsx without a file) refused with
// a clear error and the store exactly as before.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../storage/store_backends.h"
#include "../xlsx_reader.h"
#include "geo/crs.h"
#include "geo/geometry.h"
#include "storage/store.h"

namespace gz::test {
namespace {

// 100 m squares on the central meridian 117°E (EPSG:4548), as in the service test.
geo::Geometry square_at(double x0) {
  static geo::CoordinateTransform to_ll("EPSG:4548", "EPSG:4490");
  std::vector<double> xy{500000 + x0, 3475000, 500100 + x0, 3475000, 500100 + x0, 3475100, 500000 + x0, 3475100};
  to_ll.transform_interleaved(xy.data(), 4);
  geo::Ring ring;
  for (int i = 0; i < 4; ++i) ring.emplace_back(xy[2 * i], xy[2 * i + 1]);
  ring.push_back(ring.front());
  return geo::Geometry::polygon({ring});
}

class MonitorCommandTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    auto store = storage::Store::open(location(), {.create = true});
    auto write = [&](const std::string& layer, LayerKind kind, const std::vector<std::string>& codes) {
      auto w = store->begin_layer_version({layer, kind, "test", "EPSG:4490"});
      for (std::size_t i = 0; i < codes.size(); ++i) {
        auto g = square_at(100.0 * static_cast<double>(i));
        w->add(std::to_string(i + 1), g.wkb(), g.envelope(),
               {{"BSM", static_cast<std::int64_t>(i + 1)}, {"DLBM", codes[i]},
                {"ZLDWDM", std::string("340123100201")}});
      }
      w->commit();
    };
    write("dltb", LayerKind::land_use, {"0101", "0103", "0301"});
    write("dltb", LayerKind::land_use, {"0702", "0103", "0101"});  // farmland built on; forest to farmland
    write("other", LayerKind::land_use, {"0101"});
    write("other", LayerKind::land_use, {"0102"});
  }
  std::vector<std::string> store_args() const {
    if (postgres()) return {"--pg", location().substr(3)};
    return {"--db", location()};
  }
  RunResult monitor(std::vector<std::string> extra) {
    std::vector<std::string> args{"monitor"};
    for (auto& a : store_args()) args.push_back(a);
    for (auto& a : extra) args.push_back(a);
    return run(args);
  }
};

TEST_P(MonitorCommandTest, reports_change_spots_and_warnings_as_json_with_exit_code_3) {
  auto r = monitor({"--layer", "dltb", "--from-version", "1", "--to-version", "2", "--format", "json"});
  ASSERT_EQ(r.exit_code, 3) << r.describe();
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["spots"].size(), 2u);
  EXPECT_EQ(j["spots"][0]["code_before"], "0101");
  EXPECT_EQ(j["spots"][0]["code_after"], "0702");
  EXPECT_NEAR(j["spots"][0]["area_m2"].get<double>(), 10000.0, 0.01);
  EXPECT_NEAR(j["spots"][0]["area_mu"].get<double>(), 15.0, 1e-5);
  EXPECT_EQ(j["spots"][0]["hits"][0]["rule"], "construction_outside_boundary");
  EXPECT_EQ(j["spots"][1]["hits"].size(), 0u);  // forest to farmland: no warning
  EXPECT_EQ(j["summary"]["by_rule"]["cultivated_loss"], 1);
  EXPECT_NE(r.err.find("monitor dltb"), std::string::npos) << r.err;  // progress

  // Table and xlsx.
  auto t = monitor({"--layer", "dltb", "--from-version", "1", "--to-version", "2"});
  EXPECT_EQ(t.exit_code, 3) << t.describe();
  EXPECT_NE(t.out.find("0101"), std::string::npos);
  EXPECT_NE(t.out.find("cultivated_loss"), std::string::npos);
  auto x = monitor({"--layer", "dltb", "--from-version", "1", "--to-version", "2", "--format", "xlsx", "--output",
                    at("m.xlsx")});
  ASSERT_EQ(x.exit_code, 3) << x.describe();
  auto sheet = read_xlsx_sheet(at("m.xlsx"));
  EXPECT_EQ(sheet.at("A1"), "变化图斑监测预警表");
  bool seen = false;
  for (const auto& [cell, v] : sheet.cells) seen |= v == "BH000001";
  EXPECT_TRUE(seen);
  // A version compared with an unchanged copy of itself: no spots, exit 0.
  auto same = monitor({"--layer", "other", "--from-version", "1", "--to-version", "2", "--format", "json"});
  EXPECT_EQ(same.exit_code, 0) << same.describe();  // 0101 → 0102: a change, no warning
  EXPECT_EQ(nlohmann::json::parse(same.out)["spots"].size(), 1u);
}

TEST_P(MonitorCommandTest, bad_input_is_refused_and_changes_nothing) {
  const std::string before = where_->dump();
  auto layers = monitor({"--layer", "dltb", "--from-version", "dltb:1", "--to-version", "other:2"});
  EXPECT_EQ(layers.exit_code, 2) << layers.describe();
  ASSERT_EQ(layers.error_lines().size(), 1u) << layers.describe();
  EXPECT_NE(layers.error_lines()[0].find("different layers"), std::string::npos) << layers.describe();
  EXPECT_NE(layers.error_lines()[0].find("'other'"), std::string::npos) << layers.describe();

  auto missing = monitor({"--layer", "dltb", "--from-version", "1", "--to-version", "5"});
  EXPECT_EQ(missing.exit_code, 1) << missing.describe();
  ASSERT_EQ(missing.error_lines().size(), 1u) << missing.describe();
  EXPECT_NE(missing.error_lines()[0].find("5"), std::string::npos) << missing.describe();

  EXPECT_EQ(monitor({"--layer", "dltb", "--from-version", "x", "--to-version", "2"}).exit_code, 2);
  EXPECT_EQ(monitor({"--layer", "dltb", "--from-version", "1", "--to-version", "2", "--format", "xlsx"}).exit_code, 2);
  EXPECT_EQ(where_->dump(), before);
}

INSTANTIATE_TEST_SUITE_P(Backends, MonitorCommandTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
