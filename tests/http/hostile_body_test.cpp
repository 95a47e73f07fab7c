// Request bodies nested too deeply, over real HTTP against `gongzhi serve` on both backends:
// 100,000 nested arrays (200 KB) in a villager's project plan once overflowed a worker thread's
// stack in nlohmann's recursive dump() and ended the process. Every route that reads JSON from
// a request now refuses such a body with 400 too_deep, stores nothing, and the server goes on
// serving; a GeoJSON plan upload, parsed apart from the request bodies, likewise.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../storage/store_backends.h"
#include "live_support.h"
#include "services/password.h"
#include "storage/identity_store.h"

namespace gz::test {
namespace {

namespace bhttp = boost::beast::http;
using json = nlohmann::json;

constexpr const char* kPassword = "a long enough password";
constexpr const char* kTown = "340123100";
constexpr const char* kVillage = "340123100001";

// `levels` nested arrays around nothing: "[[[…]]]".
std::string nested_arrays(int levels) { return std::string(levels, '[') + std::string(levels, ']'); }

class HostileBodyTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    auto identity = storage::IdentityStore::open(location(), {.create = true});
    auto hash = services::hash_password(kPassword);
    identity->create_first_admin("root", hash, "cli:test");
    identity->add_user({"zhen", hash, {Grant{Role::township, "", kTown}}}, "root");
    identity->add_user({"min", hash, {Grant{Role::villager, "", kVillage}}}, "root");
    server_ = std::make_unique<ServeProcess>(location());
    zhen_ = sign_in(server_->port(), "zhen", kPassword);
    min_ = sign_in(server_->port(), "min", kPassword);
  }
  HttpReply call(const std::string& token, bhttp::verb verb, const std::string& target,
                 const std::string& body) {
    return api(server_->port(), verb, target, token, body);
  }
  // The server is still there and answers a signed-in request.
  void expect_alive(const std::string& after) {
    auto r = call(zhen_, bhttp::verb::get, "/api/v1/projects", "");
    EXPECT_EQ(r.status, 200) << "after " << after << ": " << r.body;
  }
  void expect_too_deep(const HttpReply& r, const std::string& what) {
    EXPECT_EQ(r.status, 400) << what << ": " << r.body;
    if (r.status != 400) return;
    EXPECT_EQ(r.code(), "too_deep") << what;
    EXPECT_NE(r.json()["error"]["message_zh"].get<std::string>().find("64"), std::string::npos);
    EXPECT_NE(r.json()["error"]["message_en"].get<std::string>().find("64"), std::string::npos);
  }
  std::size_t audit_size() { return storage::IdentityStore::open(location())->audit_log().size(); }

  std::unique_ptr<ServeProcess> server_;
  std::string zhen_, min_;
};

TEST_P(HostileBodyTest, a_villagers_deeply_nested_plan_gets_400_and_the_server_keeps_serving) {
  const std::string deep = nested_arrays(100000);
  ASSERT_EQ(deep.size(), 200000u);
  auto before = audit_size();
  auto r = call(min_, bhttp::verb::post, "/api/v1/projects",
                R"({"name": "x", "type": "农用地整理", "region_code": ")" + std::string(kTown) +
                    R"(", "plan": )" + deep + "}");
  expect_too_deep(r, "POST /api/v1/projects");
  expect_alive("POST /api/v1/projects");
  // The township, who may apply, is refused the same body the same way.
  expect_too_deep(call(zhen_, bhttp::verb::post, "/api/v1/projects",
                       R"({"name": "x", "type": "农用地整理", "region_code": ")" +
                           std::string(kTown) + R"(", "plan": )" + deep + "}"),
                  "POST /api/v1/projects by the township");
  expect_alive("the township's POST");
  EXPECT_EQ(audit_size(), before) << "nothing stored";
}

TEST_P(HostileBodyTest, every_route_reading_json_refuses_deep_nesting) {
  const std::string deep = nested_arrays(100000);
  // A draft of the township's to aim the plan edits at.
  auto created = call(zhen_, bhttp::verb::post, "/api/v1/projects",
                      R"({"name": "整治项目", "type": "农用地整理", "region_code": ")" +
                          std::string(kTown) + R"("})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string plan_target = "/api/v1/projects/" + std::to_string(created.json()["id"].get<int>()) + "/plan";
  struct Case {
    std::string token;
    bhttp::verb verb;
    std::string target, body;
  };
  for (const auto& c : std::vector<Case>{
           {zhen_, bhttp::verb::put, plan_target, R"({"row_version": 1, "plan": )" + deep + "}"},
           {zhen_, bhttp::verb::post, "/api/v1/schemes",
            R"({"unit": "DY-01", "region_code": ")" + std::string(kTown) +
                R"(", "name": "方案", "cost_fen": 1, "plan": )" + deep + "}"},
           {zhen_, bhttp::verb::post, "/api/v1/schemes/compare",
            R"({"unit": "DY-01", "weights": "ahp", "ahp_matrix": )" + deep + "}"},
           {zhen_, bhttp::verb::post, "/api/v1/village-plans/" + std::string(kVillage) + "/changes",
            R"({"reason": "调整", "zones": {"type": "FeatureCollection", "features": )" + deep + "}}"},
           {"", bhttp::verb::post, "/api/v1/session",
            R"({"username": "zhen", "password": )" + deep + "}"},
           // The body as a whole, not a field of it.
           {zhen_, bhttp::verb::post, "/api/v1/projects", deep}}) {
    auto r = call(c.token, c.verb, c.target, c.body);
    expect_too_deep(r, c.target);
    expect_alive(c.target);
  }
  // Someone who may not edit the plan learns nothing more than before: the plan is not read.
  auto villager = call(min_, bhttp::verb::put, plan_target, R"({"row_version": 1, "plan": )" + deep + "}");
  EXPECT_EQ(villager.status, 404) << villager.body;
  expect_alive("the villager's PUT");
  // 64 levels are still a body; the 65th is one too many.
  auto at_limit = call(zhen_, bhttp::verb::put, plan_target, R"({"row_version": 1, "plan": )" + nested_arrays(63) + "}");
  EXPECT_EQ(at_limit.status, 400) << at_limit.body;
  EXPECT_EQ(at_limit.code(), "invalid_plan") << at_limit.body;
  expect_too_deep(call(zhen_, bhttp::verb::put, plan_target, R"({"row_version": 1, "plan": )" + nested_arrays(64) + "}"),
                  "65 levels");
}

TEST_P(HostileBodyTest, a_deeply_nested_geojson_upload_gets_400_and_the_server_keeps_serving) {
  for (const auto& file : std::vector<std::string>{
           nested_arrays(100000),
           R"({"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": )" +
               nested_arrays(100000) + "}}",
           R"({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": )" +
               nested_arrays(100000) + R"(, "geometry": null}]})"}) {
    auto r = call(zhen_, bhttp::verb::post, "/api/v1/plans/from-geojson", file);
    expect_too_deep(r, "POST /api/v1/plans/from-geojson");
    if (r.status == 400) {
      EXPECT_NE(r.json()["error"]["message_en"].get<std::string>().find("the file"), std::string::npos);
    }
    expect_alive("the upload");
  }
  auto stopped = server_->stop();
  EXPECT_EQ(stopped.exit_code, 0) << stopped.describe();
}

INSTANTIATE_TEST_SUITE_P(Backends, HostileBodyTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
