// The assessment cache over real HTTP, against `gongzhi serve` on both backends
// (services/assessment_cache.h, docs/assessment.md "Cache"): a repeat request is answered from
// the cache with the same body; a new version of the land-use layer, or a layer of a kind that
// was missing, is assessed afresh; users of different jurisdictions never share an entry. Also
// the zone outlines (geometry=1) and the base parcel layer read when a reallocation has written
// parcels-<project> next to it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../services/assessment_fixture.h"
#include "../storage/store_backends.h"
#include "geo/geometry.h"
#include "live_support.h"
#include "services/password.h"
#include "storage/identity_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

namespace bhttp = boost::beast::http;
using nlohmann::json;

constexpr const char* kPassword = "a long enough password";

struct Spot {
  double x0, y0, x1, y1;
  std::string code, village;
};

// A new version of a layer made of local rectangles (metres from the fixture's origin).
void write_rects(storage::Store& store, const std::string& name, LayerKind kind,
                 const std::vector<std::pair<std::array<double, 4>, Attributes>>& rects) {
  auto w = store.begin_layer_version({name, kind, "assessment cache test", "EPSG:4490"});
  int n = 0;
  for (const auto& [r, a] : rects) {
    auto wkb = local_rect_wkb(r[0], r[1], r[2], r[3]);
    w->add(name + "-" + std::to_string(++n), wkb, geo::Geometry::from_wkb(wkb).envelope(), a);
  }
  w->commit();
}

Attributes spot(const std::string& code, const std::string& village) {
  return {{"DLBM", code}, {"GDPDJB", std::string()}, {"KCXS", 0.0},
          {"ZLDWDM", village + std::string("0000000")}, {"CZCSXM", std::string()}};
}

class AssessmentCacheApiTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    {
      auto store = storage::Store::open(location(), {.create = true});
      write_two_village_county(*store);
    }
    auto hash = services::hash_password(kPassword);
    auto identity = storage::IdentityStore::open(location(), {.create = true});
    identity->create_first_admin("root", hash, "cli:test");
    identity->add_user({"zrzy", hash, {Grant{Role::lead_department, "自然资源局", "340123"}}}, "root");
    identity->add_user({"cun", hash, {Grant{Role::village_collective, "", kVillageA}}}, "root");
    identity.reset();
    server_ = std::make_unique<ServeProcess>(location());
    for (const char* u : {"zrzy", "cun"}) tokens_[u] = sign_in(server_->port(), u, kPassword);
  }
  HttpReply get(const std::string& who, const std::string& target) {
    return api(server_->port(), bhttp::verb::get, target, tokens_[who]);
  }
  static double measure(const json& body, const std::string& zone, const std::string& id) {
    for (const auto& z : body["zones"])
      if (z["code"] == zone) return z["measures"].value(id, -1.0);
    ADD_FAILURE() << "no zone " << zone;
    return -1;
  }

  std::unique_ptr<ServeProcess> server_;
  std::map<std::string, std::string> tokens_;
};

const std::string kTownshipQuery = std::string("/api/v1/assessment?region=") + kTownship;

TEST_P(AssessmentCacheApiTest, a_repeat_request_is_answered_from_the_cache_with_the_same_body) {
  const std::string progress = std::string("/api/v1/assessment/progress?region=") + kTownship;
  auto none = get("zrzy", progress);
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_EQ(none.json()["state"], "none");
  auto first = get("zrzy", kTownshipQuery);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.header("x-gongzhi-cache"), "miss");
  auto second = get("zrzy", kTownshipQuery);
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(second.header("x-gongzhi-cache"), "hit");
  EXPECT_EQ(second.body, first.body);
  EXPECT_NEAR(measure(second.json(), kVillageA, "homestead_outside_zones_m2"), 1600, 5);
  // The progress of what is cached: ready, every land-use spot done.
  auto ready = get("zrzy", progress);
  ASSERT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(ready.json()["state"], "ready");
  EXPECT_EQ(ready.json()["total"], 12);  // 9 land-use spots and 3 parcels
  EXPECT_EQ(ready.json()["done"], 12);
  EXPECT_EQ(get("zrzy", "/api/v1/assessment/progress?units=all").json()["state"], "none");
  EXPECT_EQ(get("zrzy", "/api/v1/assessment/progress").status, 400);
  EXPECT_EQ(get("zrzy", "/api/v1/assessment/progress?units=all&region=340123").status, 400);
  EXPECT_EQ(get("zrzy", "/api/v1/assessment/progress?region=abc").status, 400);

  // Another jurisdiction is another entry: the village sees only its own village.
  auto own = get("cun", kTownshipQuery);
  ASSERT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(own.header("x-gongzhi-cache"), "miss");
  ASSERT_EQ(own.json()["zones"].size(), 1u);
  EXPECT_EQ(own.json()["zones"][0]["code"], kVillageA);
  EXPECT_EQ(get("zrzy", kTownshipQuery).json()["zones"].size(), 2u);

  // Units are cached alike; the method comes along for the page's table.
  EXPECT_EQ(get("zrzy", "/api/v1/units").header("x-gongzhi-cache"), "miss");
  EXPECT_EQ(get("zrzy", "/api/v1/assessment/progress?units=all").json()["state"], "ready");
  auto units = get("zrzy", "/api/v1/units");
  EXPECT_EQ(units.header("x-gongzhi-cache"), "hit");
  EXPECT_EQ(units.json()["zones"].size(), 2u);
  EXPECT_EQ(units.json()["method"]["indicators"].size(), 18u);
  EXPECT_EQ(get("zrzy", "/api/v1/units/U1").header("x-gongzhi-cache"), "miss");
  EXPECT_EQ(get("zrzy", "/api/v1/units/U1").header("x-gongzhi-cache"), "hit");
  // An error is not kept: an unknown region stays a 404 each time.
  EXPECT_EQ(get("zrzy", "/api/v1/assessment?region=340123100299").status, 404);
  EXPECT_EQ(get("zrzy", "/api/v1/assessment?region=340123100299").status, 404);
}

TEST_P(AssessmentCacheApiTest, a_new_layer_version_is_assessed_afresh) {
  auto before = get("zrzy", kTownshipQuery);
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_EQ(before.json()["land_use"]["version"], 1);
  ASSERT_EQ(get("zrzy", kTownshipQuery).header("x-gongzhi-cache"), "hit");

  // Version 2 of the land use: the small homestead outside the construction zone (L3) is gone.
  {
    auto store = storage::Store::open(location());
    write_rects(*store, "land_use", LayerKind::land_use,
                {{{0, 0, 1000, 400}, spot("0101", kVillageA)},
                 {{500, 600, 700, 800}, spot("0702", kVillageA)},
                 {{800, 800, 1000, 1000}, spot("1206", kVillageA)},
                 {{1000, 0, 2000, 400}, spot("0101", kVillageB)}});
  }
  auto after = get("zrzy", kTownshipQuery);
  ASSERT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(after.header("x-gongzhi-cache"), "miss");
  EXPECT_EQ(after.json()["land_use"]["version"], 2);
  EXPECT_NEAR(measure(after.json(), kVillageA, "homestead_outside_zones_m2"), 0, 1e-6);
  EXPECT_NEAR(measure(after.json(), kVillageA, "homestead_m2"), 40000, 50);
  EXPECT_EQ(get("zrzy", kTownshipQuery).header("x-gongzhi-cache"), "hit");

  // A layer of a kind that was missing (the urban development boundary): assessed afresh, the
  // source no longer listed as missing.
  auto missing = [](const json& b) {
    return std::find(b["missing"].begin(), b["missing"].end(), "urban_development_boundary") != b["missing"].end();
  };
  EXPECT_TRUE(missing(after.json()));
  {
    auto store = storage::Store::open(location());
    write_rects(*store, "udb", LayerKind::urban_development_boundary, {{{1800, 800, 2000, 1000}, {}}});
  }
  auto with_udb = get("zrzy", kTownshipQuery);
  ASSERT_EQ(with_udb.status, 200) << with_udb.body;
  EXPECT_EQ(with_udb.header("x-gongzhi-cache"), "miss");
  EXPECT_FALSE(missing(with_udb.json()));
}

TEST_P(AssessmentCacheApiTest, zone_outlines_and_the_base_parcel_layer) {
  auto g = get("zrzy", kTownshipQuery + "&geometry=1");
  ASSERT_EQ(g.status, 200) << g.body;
  const json body = g.json();
  for (const auto& z : body["zones"]) {
    ASSERT_TRUE(z["geometry"].is_object()) << z.dump();
    EXPECT_EQ(z["geometry"]["type"], "Polygon");
    // A 1 km square: four corners and the closing point, longitude/latitude near the fixture.
    EXPECT_EQ(z["geometry"]["coordinates"][0].size(), 5u);
  }
  EXPECT_FALSE(get("zrzy", kTownshipQuery).json()["zones"][0].contains("geometry"));
  auto units = get("zrzy", "/api/v1/units?geometry=1");
  ASSERT_EQ(units.status, 200) << units.body;
  EXPECT_EQ(units.json()["zones"][0]["geometry"]["type"], "Polygon");
  auto bad = get("zrzy", kTownshipQuery + "&geometry=yes");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.json()["error"]["code"], "invalid_geometry_flag");

  // A reallocation writes parcels-<project> beside the parcels: the base layer is still read.
  const double households = measure(g.json(), kVillageA, "households");
  {
    auto store = storage::Store::open(location());
    write_rects(*store, "parcels-XM1", LayerKind::parcel,
                {{{0, 0, 50, 50}, {{"CBFBM", std::string("H9")}}}});
  }
  auto after = get("zrzy", kTownshipQuery);
  ASSERT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(after.header("x-gongzhi-cache"), "miss");
  EXPECT_EQ(measure(after.json(), kVillageA, "households"), households);
}

INSTANTIATE_TEST_SUITE_P(Backends, AssessmentCacheApiTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
