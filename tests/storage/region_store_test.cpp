// The region hierarchy in the identity store on every backend: levels and parents derived from
// the codes, an import that replaces the whole hierarchy with one audit entry, and a bad code
// (in the store call or in a feature of the region layer) refused with nothing changed.
#include <gtest/gtest.h>

#include "common/error.h"
#include "services/regions.h"
#include "storage/identity_store.h"
#include "store_backends.h"

namespace gz::test {
namespace {

using storage::IdentityStore;

class RegionStoreTest : public StoreBackendTest {
 protected:
  std::unique_ptr<IdentityStore> open() { return IdentityStore::open(location(), {.create = true}); }

  void write_region_layer(const std::vector<std::pair<std::string, std::string>>& regions) {
    auto store = storage::Store::open(location(), {.create = true});
    auto w = store->begin_layer_version({"region", LayerKind::region, "test", "EPSG:4490"});
    int i = 0;
    for (const auto& [code, name] : regions) {
      ++i;
      w->add(std::to_string(i), square_wkb(117 + i * 0.01, 30, 0.01),
             {117 + i * 0.01, 30, 117.01 + i * 0.01, 30.01},
             {{"XZQDM", code}, {"XZQMC", name}});
    }
    w->commit();
  }
};

std::vector<Region> county() {
  return {{"340123", "青岚县"},
          {"340123100", "城关镇"},
          {"340123101", "河口乡"},
          {"340123100201", "东村"},
          {"340123100202", "西村"},
          {"340123101201", "南村"}};
}

TEST_P(RegionStoreTest, levels_and_parents_follow_from_the_codes) {
  auto store = open();
  EXPECT_FALSE(store->has_regions());
  auto stored = store->replace_regions(county(), "test", "cli:test");
  ASSERT_EQ(stored.size(), 6u);
  EXPECT_TRUE(store->has_regions());
  auto all = store->regions();
  ASSERT_EQ(all.size(), 6u);
  EXPECT_EQ(all[0].code, "340123");
  EXPECT_EQ(all[0].level, RegionLevel::county);
  EXPECT_EQ(all[0].parent, "");  // the city is not imported: the county is a root
  auto town = store->find_region("340123100");
  ASSERT_TRUE(town);
  EXPECT_EQ(town->name, "城关镇");
  EXPECT_EQ(town->level, RegionLevel::township);
  EXPECT_EQ(town->parent, "340123");
  auto village = store->find_region("340123101201");
  ASSERT_TRUE(village);
  EXPECT_EQ(village->level, RegionLevel::village);
  EXPECT_EQ(village->parent, "340123101");
  auto children = store->child_regions("340123100");
  ASSERT_EQ(children.size(), 2u);
  EXPECT_EQ(children[0].code, "340123100201");
  EXPECT_EQ(children[1].code, "340123100202");
  EXPECT_EQ(store->child_regions("340123").size(), 2u);
  EXPECT_FALSE(store->find_region("340123102"));
}

TEST_P(RegionStoreTest, import_replaces_the_hierarchy_with_one_audit_entry) {
  auto store = open();
  store->replace_regions(county(), "first", "cli:test");
  store->replace_regions({{"340123", "青岚县"}, {"340123102", "新镇"}}, "second", "cli:test");
  auto all = store->regions();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].code, "340123102");
  EXPECT_EQ(all[1].parent, "340123");
  EXPECT_FALSE(store->find_region("340123100"));
  auto log = store->audit_log();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[1].action, "regions.import");
  EXPECT_EQ(log[1].object, "regions");
  EXPECT_NE(log[1].detail.find("\"source\":\"second\""), std::string::npos) << log[1].detail;
  EXPECT_NE(log[1].detail.find("\"replaced\":6"), std::string::npos) << log[1].detail;
  EXPECT_TRUE(store->verify_audit().intact);
}

TEST_P(RegionStoreTest, a_bad_or_duplicate_code_is_refused_and_nothing_changes) {
  auto store = open();
  store->replace_regions(county(), "first", "cli:test");
  auto bad = county();
  bad.push_back({"34012310", "坏码"});
  try {
    store->replace_regions(bad, "second", "cli:test");
    FAIL() << "a 8-digit code was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("34012310"), std::string::npos) << e.what();
  }
  auto dup = county();
  dup.push_back({"340123100000", "城关镇 again"});  // the township 340123100, 12 digits
  EXPECT_THROW(store->replace_regions(dup, "third", "cli:test"), UsageError);
  EXPECT_EQ(store->regions().size(), 6u);
  EXPECT_EQ(store->audit_log().size(), 1u);
}

TEST_P(RegionStoreTest, imports_from_a_region_layer_and_names_the_feature_with_a_bad_code) {
  write_region_layer({{"340123", "青岚县"}, {"340123100", "城关镇"}, {"340123100201", "东村"}});
  {
    auto layers = storage::Store::open(location());
    auto identity = open();
    auto regions = services::import_regions(*layers, *identity, "region", "cli:test");
    EXPECT_EQ(regions.size(), 3u);
    EXPECT_EQ(identity->find_region("340123100201")->parent, "340123100");
    auto log = identity->audit_log();
    ASSERT_EQ(log.size(), 1u);
    EXPECT_NE(log[0].detail.find("layer:region v1"), std::string::npos) << log[0].detail;
  }
  write_region_layer({{"340123", "青岚县"}, {"3401231x0", "坏镇"}});
  auto layers = storage::Store::open(location());
  auto identity = open();
  try {
    services::import_regions(*layers, *identity, "region", "cli:test");
    FAIL() << "a bad code was imported";
  } catch (const UsageError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("feature 2"), std::string::npos) << m;
    EXPECT_NE(m.find("3401231x0"), std::string::npos) << m;
  }
  EXPECT_EQ(identity->regions().size(), 3u);
  EXPECT_EQ(identity->audit_log().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, RegionStoreTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
