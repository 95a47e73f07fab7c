// Assessment, consolidation units and village plan changes over real HTTP, against `gongzhi
// serve` on both backends: the county's lead department sees every village and unit; a village
// sees its own village and the units spanning it, 404 for the rest; a villager may not read
// assessments (403); bad parameters are 400s naming them. A village's plan change goes through
// review to a new plan version, a change cutting the red line is refused with its finding, and a
// malformed zone is a 400.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../services/assessment_fixture.h"
#include "../storage/store_backends.h"
#include "live_support.h"
#include "services/password.h"
#include "storage/identity_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

namespace bhttp = boost::beast::http;
using nlohmann::json;

constexpr const char* kPassword = "a long enough password";

json zones(const std::string& use, double x0, double y0, double x1, double y1) {
  return {{"type", "FeatureCollection"},
          {"features",
           {{{"type", "Feature"},
             {"properties", {{"zone_use", use}}},
             {"geometry", json::parse(local_rect_geojson(x0, y0, x1, y1))}}}}};
}

class AssessmentApiTest : public StoreBackendTest {
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
    auto add = [&](const std::string& name, Role role, const std::string& dept, const std::string& region) {
      identity->add_user({name, hash, {Grant{role, dept, region}}}, "root");
    };
    add("zrzy", Role::lead_department, "自然资源局", "340123");
    add("cun", Role::village_collective, "", kVillageA);
    add("xicun", Role::village_collective, "", kVillageB);
    add("cunmin", Role::villager, "", kVillageA);
    identity.reset();
    server_ = std::make_unique<ServeProcess>(location());
    for (const char* u : {"zrzy", "cun", "xicun", "cunmin"}) tokens_[u] = sign_in(server_->port(), u, kPassword);
  }
  HttpReply get(const std::string& who, const std::string& target) {
    return api(server_->port(), bhttp::verb::get, target, tokens_[who]);
  }
  HttpReply post(const std::string& who, const std::string& target, const json& body) {
    return api(server_->port(), bhttp::verb::post, target, tokens_[who], body.dump());
  }
  static std::string error_code(const HttpReply& r) { return r.json()["error"]["code"].get<std::string>(); }

  std::unique_ptr<ServeProcess> server_;
  std::map<std::string, std::string> tokens_;
};

TEST_P(AssessmentApiTest, assessments_are_served_inside_the_users_jurisdiction) {
  auto county = get("zrzy", std::string("/api/v1/assessment?region=") + kTownship);
  ASSERT_EQ(county.status, 200) << county.body;
  ASSERT_EQ(county.json()["zones"].size(), 2u);
  EXPECT_EQ(county.json()["zones"][0]["dimensions"].size(), 5u);
  EXPECT_NEAR(county.json()["zones"][0]["measures"]["homestead_outside_zones_m2"].get<double>(), 1600, 5);

  auto own = get("cun", std::string("/api/v1/assessment?region=") + kTownship);
  ASSERT_EQ(own.status, 200) << own.body;
  ASSERT_EQ(own.json()["zones"].size(), 1u);  // only the village in the grant
  EXPECT_EQ(own.json()["zones"][0]["code"], kVillageA);
  EXPECT_EQ(get("cun", std::string("/api/v1/assessment?region=") + kVillageB).status, 404);
  EXPECT_EQ(get("cun", "/api/v1/assessment?unit=U1").status, 200);
  EXPECT_EQ(get("xicun", "/api/v1/assessment?unit=U2").status, 404);  // U2 lies in A only
  EXPECT_EQ(get("zrzy", "/api/v1/assessment?unit=U9").status, 404);
  EXPECT_EQ(get("zrzy", "/api/v1/assessment?region=340123100299").status, 404);
  EXPECT_EQ(get("zrzy", "/api/v1/assessment?region=340123100201&layer=nope").status, 404);

  auto both = get("zrzy", "/api/v1/assessment?region=340123100&unit=U1");
  EXPECT_EQ(both.status, 400);
  EXPECT_EQ(error_code(both), "region_or_unit");
  EXPECT_EQ(error_code(get("zrzy", "/api/v1/assessment")), "region_or_unit");
  EXPECT_EQ(error_code(get("zrzy", "/api/v1/assessment?region=abc")), "invalid_region");
  EXPECT_EQ(error_code(get("zrzy", "/api/v1/assessment?region=340123&colour=red")), "unknown_parameter");
  EXPECT_EQ(get("cunmin", std::string("/api/v1/assessment?region=") + kVillageA).status, 403);
  EXPECT_EQ(api(server_->port(), bhttp::verb::get, "/api/v1/assessment?region=340123", "").status, 401);

  auto units = get("zrzy", "/api/v1/units");
  ASSERT_EQ(units.status, 200) << units.body;
  EXPECT_EQ(units.json()["zones"].size(), 2u);
  auto u1 = get("cun", "/api/v1/units/U1");
  ASSERT_EQ(u1.status, 200) << u1.body;
  EXPECT_EQ(u1.json()["villages"].size(), 2u);
  EXPECT_EQ(u1.json()["projects"], json::array({"P1"}));
  EXPECT_EQ(get("xicun", "/api/v1/units/U2").status, 404);
}

TEST_P(AssessmentApiTest, a_plan_change_goes_through_review_to_a_new_version) {
  std::string base = std::string("/api/v1/village-plans/") + kVillageA;
  auto refused = post("cun", base + "/changes",
                      {{"zones", zones("construction", 750, 750, 850, 850)}, {"reason", "建设旅游服务点"}});
  ASSERT_EQ(refused.status, 201) << refused.body;
  EXPECT_EQ(refused.json()["status"], "refused");
  bool cuts = false;
  const json refusal = refused.json();
  for (const auto& f : refusal["findings"]) cuts = cuts || f["rule"] == "plan_cuts_redline";
  EXPECT_TRUE(cuts) << refused.body;

  json bad = zones("construction", 100, 850, 400, 950);
  bad["features"][0]["geometry"] = {{"type", "Polygon"},
                                    {"coordinates", {{{117.30, 31.80}, {117.31, 31.81}, {117.31, 31.80}, {117.30, 31.81}, {117.30, 31.80}}}}};
  auto invalid = post("cun", base + "/changes", {{"zones", bad}, {"reason", "x"}});
  EXPECT_EQ(invalid.status, 400);
  EXPECT_EQ(error_code(invalid), "invalid_geometry");
  EXPECT_EQ(post("cun", base + "/changes", {{"zones", zones("construction", 100, 850, 400, 950)}}).status, 400);
  EXPECT_EQ(post("xicun", base + "/changes",
                 {{"zones", zones("construction", 100, 850, 400, 950)}, {"reason", "x"}}).status, 404);

  auto ok = post("cun", base + "/changes",
                 {{"zones", zones("construction", 100, 850, 400, 950)}, {"reason", "村民集中安置点"}});
  ASSERT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(ok.json()["status"], "in_review");
  std::string change = "/api/v1/village-plan-changes/" + std::to_string(ok.json()["id"].get<int>());
  EXPECT_EQ(post("cun", change + "/decision", {{"decision", "approve"}}).status, 403);
  auto approved = post("zrzy", change + "/decision", {{"decision", "approve"}, {"opinion", "同意"}});
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_EQ(approved.json()["status"], "approved");
  EXPECT_EQ(approved.json()["new_version"], 2);
  EXPECT_EQ(post("zrzy", change + "/decision", {{"decision", "approve"}}).status, 409);

  auto versions = get("cunmin", base + "/versions");
  ASSERT_EQ(versions.status, 200) << versions.body;
  EXPECT_EQ(versions.json()["versions"].size(), 2u);
  EXPECT_EQ(get("cun", base + "?version=1").json()["features"].size(), 2u);
  EXPECT_EQ(get("cun", base).json()["features"].size(), 3u);
  EXPECT_EQ(get("cun", base + "?version=x").status, 400);
  EXPECT_EQ(get("xicun", base + "/changes").status, 404);
  EXPECT_EQ(get("zrzy", base + "/changes").json()["changes"].size(), 2u);
  EXPECT_EQ(get("cun", change).json()["zones"]["features"].size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, AssessmentApiTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
