// Regions over real HTTP on loopback, against `gongzhi serve` on both backends, after
// `gongzhi admin import-regions` from a region layer: a township user sees its township and its
// villages and gets 404 (as for a code that does not exist) for the neighbouring township and the
// county above; an administrator sees everything; without a session, 401.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "../storage/store_backends.h"
#include "http_client.h"
#include "live_support.h"
#include "services/password.h"
#include "storage/identity_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;


constexpr const char* kPassword = "a long enough password";

class RegionApiTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    {
      auto store = storage::Store::open(location(), {.create = true});
      auto w = store->begin_layer_version({"region", LayerKind::region, "test", "EPSG:4490"});
      const std::vector<std::pair<std::string, std::string>> regions{
          {"340123", "青岚县"},         {"340123100", "城关镇"},
          {"340123101", "河口乡"},      {"340123100201", "东村"},
          {"340123100202", "西村"},     {"340123101201", "南村"}};
      int i = 0;
      for (const auto& [code, name] : regions) {
        ++i;
        w->add(std::to_string(i), square_wkb(117 + i * 0.01, 30, 0.01),
               {117 + i * 0.01, 30, 117.01 + i * 0.01, 30.01},
               {{"XZQDM", code}, {"XZQMC", name}});
      }
      w->commit();
    }
    auto hash = services::hash_password(kPassword);
    auto identity = storage::IdentityStore::open(location(), {.create = true});
    identity->create_first_admin("root", hash, "cli:test");
    identity->add_user({"zhen", hash, {Grant{Role::township, "", "340123100"}}}, "root");
    auto r = run({"admin", "import-regions", "--db", location(), "--layer", "region"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_NE(r.out.find("imported 6 regions"), std::string::npos) << r.out;
  }
  void TearDown() override { server_.reset(); }  // before the store is dropped
  void start() {
    server_ = std::make_unique<ServeProcess>(location());
    port_ = server_->port();
  }
  std::string token(const std::string& user) { return sign_in(port_, user, kPassword); }
  HttpReply get(const std::string& target, const std::string& token) {
    return http_request(port_, bhttp::verb::get, target, "", {{"Authorization", "Bearer " + token}});
  }
  static std::vector<std::string> codes(const nlohmann::json& list) {
    std::vector<std::string> out;
    for (const auto& r : list) out.push_back(r["code"].get<std::string>());
    return out;
  }

  unsigned short port_ = 0;
  std::unique_ptr<ServeProcess> server_;
};

TEST_P(RegionApiTest, a_township_user_sees_its_township_and_villages_and_nothing_else) {
  start();
  auto t = token("zhen");
  auto list = get("/api/v1/regions", t);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(codes(list.json()["regions"]),
            (std::vector<std::string>{"340123100", "340123100201", "340123100202"}));
  auto town = get("/api/v1/regions/340123100", t);
  ASSERT_EQ(town.status, 200) << town.body;
  EXPECT_EQ(town.json()["name"], "城关镇");
  EXPECT_EQ(town.json()["level"], "township");
  EXPECT_EQ(town.json()["parent"], "340123");
  EXPECT_EQ(codes(town.json()["children"]),
            (std::vector<std::string>{"340123100201", "340123100202"}));
  auto village = get("/api/v1/regions/340123100202", t);
  ASSERT_EQ(village.status, 200) << village.body;
  EXPECT_EQ(village.json()["level"], "village");
  EXPECT_TRUE(village.json()["children"].empty());
  // The neighbouring township, its village, the county above and a code that exists nowhere
  // all answer alike.
  auto missing = get("/api/v1/regions/340123100299", t);
  ASSERT_EQ(missing.status, 404);
  for (const char* code : {"340123101", "340123101201", "340123", "340123100299", "garbage"}) {
    auto r = get(std::string("/api/v1/regions/") + code, t);
    EXPECT_EQ(r.status, 404) << code << ": " << r.body;
    EXPECT_EQ(r.code(), "not_found") << code;
    EXPECT_EQ(r.body, missing.body) << code;
  }
}

TEST_P(RegionApiTest, an_administrator_sees_every_region) {
  start();
  auto t = token("root");
  auto list = get("/api/v1/regions", t);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.json()["regions"].size(), 6u);
  auto county = get("/api/v1/regions/340123", t);
  ASSERT_EQ(county.status, 200) << county.body;
  EXPECT_EQ(county.json()["level"], "county");
  EXPECT_EQ(codes(county.json()["children"]),
            (std::vector<std::string>{"340123100", "340123101"}));
  auto none = get("/api/v1/regions/340123199", t);
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(none.code(), "not_found");
}

TEST_P(RegionApiTest, without_a_session_regions_answer_401) {
  start();
  for (const char* target : {"/api/v1/regions", "/api/v1/regions/340123100"}) {
    auto r = http_request(port_, bhttp::verb::get, target);
    EXPECT_EQ(r.status, 401) << target;
    EXPECT_EQ(r.code(), "unauthenticated") << target;
    auto bad = get(target, "not-a-token");
    EXPECT_EQ(bad.status, 401) << target;
  }
}

TEST_P(RegionApiTest, import_regions_names_the_feature_with_a_bad_code_and_changes_nothing) {
  {
    auto store = storage::Store::open(location());
    auto w = store->begin_layer_version({"region", LayerKind::region, "test", "EPSG:4490"});
    w->add("1", square_wkb(117, 30, 0.01), {117, 30, 117.01, 30.01},
           {{"XZQDM", std::string("340123")}, {"XZQMC", std::string("青岚县")}});
    w->add("7", square_wkb(117, 30, 0.01), {117, 30, 117.01, 30.01},
           {{"XZQDM", std::string("34012")}, {"XZQMC", std::string("坏")}});
    w->commit();
  }
  auto before = storage::IdentityStore::open(location())->audit_log().size();
  auto r = run({"admin", "import-regions", "--db", location(), "--layer", "region"});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.err.find("feature 7"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("34012"), std::string::npos) << r.err;
  auto identity = storage::IdentityStore::open(location());
  EXPECT_EQ(identity->regions().size(), 6u);
  EXPECT_EQ(identity->audit_log().size(), before);
}

INSTANTIATE_TEST_SUITE_P(Backends, RegionApiTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
