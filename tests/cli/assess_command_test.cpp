// gongzhi assess through the real binary on both backends: a table, JSON and CSV per village and
// per unit, and the exit codes of bad input (unknown layer or zone: 1; wrong --by: 2).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../services/assessment_fixture.h"
#include "../storage/store_backends.h"
#include "storage/store.h"

namespace gz::test {
namespace {

class AssessCommand : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    auto store = storage::Store::open(location(), {.create = true});
    write_two_village_county(*store);
  }
};

TEST_P(AssessCommand, prints_scores_per_village_and_unit_in_every_format) {
  auto table = run({"assess", "--db", location(), "--layer", "land_use"});
  ASSERT_EQ(table.exit_code, 0) << table.describe();
  EXPECT_NE(table.out.find(kVillageA), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("农用地整理潜力"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("2 zones"), std::string::npos) << table.out;

  auto js = run({"assess", "--db", location(), "--layer", "land_use", "--by", "consolidation_unit",
                 "--format", "json"});
  ASSERT_EQ(js.exit_code, 0) << js.describe();
  auto j = nlohmann::json::parse(js.out);
  ASSERT_EQ(j["zones"].size(), 2u);
  EXPECT_EQ(j["zones"][0]["code"], "U1");
  EXPECT_EQ(j["zones"][0]["villages"].size(), 2u);
  EXPECT_NEAR(j["zones"][0]["measures"]["cultivated_m2"].get<double>(), 805000, 805);

  auto csv = run({"assess", "--db", location(), "--layer", "land_use", "--zone", kVillageB,
                  "--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.describe();
  EXPECT_EQ(csv.out.rfind("zone,name,villages,projects,area_m2,cultivated_m2,farmland_potential", 0), 0u)
      << csv.out;
  EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 2);
}

TEST_P(AssessCommand, bad_input_exits_with_a_message_naming_it) {
  auto layer = run({"assess", "--db", location(), "--layer", "nope"});
  EXPECT_EQ(layer.exit_code, 1) << layer.describe();
  EXPECT_NE(layer.err.find("nope"), std::string::npos) << layer.err;
  auto zone = run({"assess", "--db", location(), "--layer", "land_use", "--zone", "340123100299"});
  EXPECT_EQ(zone.exit_code, 1) << zone.describe();
  EXPECT_NE(zone.err.find("340123100299"), std::string::npos) << zone.err;
  EXPECT_EQ(run({"assess", "--db", location(), "--layer", "land_use", "--by", "township"}).exit_code, 2);
  EXPECT_EQ(run({"assess", "--db", location(), "--layer", "redline"}).exit_code, 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, AssessCommand, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
