// The map's look-ups over real HTTP on loopback, against `gongzhi serve` on both backends: the
// places of the region layer with a label point inside each; a land-use spot found by its BSM
// (through the index) with its geometry; a malformed BSM refused; field names in words; and
// nothing for a user whose grants lie in another county.
#include <gtest/gtest.h>

#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "../storage/store_backends.h"
#include "http_client.h"
#include "live_support.h"
#include "services/password.h"
#include "storage/identity_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

namespace bhttp = boost::beast::http;

constexpr const char* kPassword = "a long enough password";

class MapApiTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    {
      auto store = storage::Store::open(location(), {.create = true});
      auto w = store->begin_layer_version({"region", LayerKind::region, "test", "EPSG:4490"});
      const std::vector<std::pair<std::string, std::string>> regions{
          {"340123", "青岚县"}, {"340123100", "城关镇"}, {"340123100201", "东村"}};
      int i = 0;
      for (const auto& [code, name] : regions) {
        ++i;
        w->add(std::to_string(i), square_wkb(117 + i * 0.01, 30, 0.01),
               {117 + i * 0.01, 30, 117.01 + i * 0.01, 30.01},
               {{"XZQDM", code}, {"XZQMC", name}, {"note", std::string("不读")}});
      }
      w->commit();
      w.reset();  // an open writer holds the store until destroyed
      auto lu = store->begin_layer_version({"dltb", LayerKind::land_use, "test", "EPSG:4490"});
      for (int k = 0; k < 20; ++k)
        lu->add(std::to_string(k), square_wkb(117 + k * 0.001, 30, 0.001),
                {117 + k * 0.001, 30, 117.001 + k * 0.001, 30.001},
                {{"BSM", std::int64_t{340123000100 + k}}, {"DLBM", std::string("0103")},
                 {"GDPDJB", std::string("2")}});
      lu->commit();
    }
    auto hash = services::hash_password(kPassword);
    auto identity = storage::IdentityStore::open(location(), {.create = true});
    identity->create_first_admin("root", hash, "cli:test");
    identity->add_user({"zhen", hash, {Grant{Role::township, "", "340123100"}}}, "root");
    identity->add_user({"zrzy_x", hash, {Grant{Role::lead_department, "自然资源局", "340124"}}},
                       "root");
    auto r = run({"admin", "import-regions", "--db", location(), "--layer", "region"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    server_ = std::make_unique<ServeProcess>(location());
    port_ = server_->port();
  }
  void TearDown() override { server_.reset(); }
  HttpReply get(const std::string& target, const std::string& user) {
    return http_request(port_, bhttp::verb::get, target, "",
                        {{"Authorization", "Bearer " + sign_in(port_, user, kPassword)}});
  }

  unsigned short port_ = 0;
  std::unique_ptr<ServeProcess> server_;
};

TEST_P(MapApiTest, places_have_their_names_levels_and_a_label_point_inside) {
  auto r = get("/api/v1/map/places", "zhen");
  ASSERT_EQ(r.status, 200) << r.body;
  auto places = nlohmann::json::parse(r.body)["places"];
  ASSERT_EQ(places.size(), 3u) << r.body;
  EXPECT_EQ(places[1]["code"], "340123100");
  EXPECT_EQ(places[1]["name"], "城关镇");
  EXPECT_EQ(places[1]["level"], "township");
  EXPECT_EQ(places[2]["level"], "village");
  EXPECT_EQ(places[2]["name"], "东村");
  for (const auto& p : places) {
    double x = p["label"][0], y = p["label"][1];
    EXPECT_GT(x, p["bbox"][0].get<double>()) << p;
    EXPECT_LT(x, p["bbox"][2].get<double>()) << p;
    EXPECT_GT(y, p["bbox"][1].get<double>()) << p;
    EXPECT_LT(y, p["bbox"][3].get<double>()) << p;
  }
  auto outside = get("/api/v1/map/places", "zrzy_x");
  ASSERT_EQ(outside.status, 200);
  EXPECT_TRUE(nlohmann::json::parse(outside.body)["places"].empty()) << outside.body;
}

TEST_P(MapApiTest, a_spot_is_found_by_its_bsm_with_its_geometry) {
  auto r = get("/api/v1/map/spots?bsm=340123000107", "zhen");
  ASSERT_EQ(r.status, 200) << r.body;
  auto spots = nlohmann::json::parse(r.body)["spots"];
  ASSERT_EQ(spots.size(), 1u) << r.body;
  EXPECT_EQ(spots[0]["layer"], "dltb");
  EXPECT_EQ(spots[0]["attributes"]["BSM"], 340123000107);
  EXPECT_EQ(spots[0]["attributes"]["DLBM"], "0103");
  EXPECT_EQ(spots[0]["geometry"]["type"], "Polygon");
  EXPECT_NEAR(spots[0]["bbox"][0].get<double>(), 117.007, 1e-9);

  auto none = get("/api/v1/map/spots?bsm=999", "zhen");
  ASSERT_EQ(none.status, 200);
  EXPECT_TRUE(nlohmann::json::parse(none.body)["spots"].empty());
  auto bad = get("/api/v1/map/spots?bsm=1%27%20OR%201%3D1", "zhen");
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(bad.code(), "invalid_bsm");
  auto outside = get("/api/v1/map/spots?bsm=340123000107", "zrzy_x");
  ASSERT_EQ(outside.status, 200);
  EXPECT_TRUE(nlohmann::json::parse(outside.body)["spots"].empty()) << outside.body;
  EXPECT_EQ(http_request(port_, bhttp::verb::get, "/api/v1/map/spots?bsm=1", "").status, 401);
}

TEST_P(MapApiTest, field_names_and_coded_values_come_in_words) {
  auto r = get("/api/v1/map/fields", "zhen");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = nlohmann::json::parse(r.body);
  auto name_of = [&](const std::string& field) {
    for (const auto& f : j["fields"])
      if (f["field"] == field) return f["name_zh"].get<std::string>();
    return std::string();
  };
  EXPECT_EQ(name_of("DLBM"), "地类编码");
  EXPECT_EQ(name_of("ZLDWMC"), "坐落单位名称");
  EXPECT_EQ(name_of("XZQMC"), "行政区名称");
  bool slope = false, village = false;
  for (const auto& c : j["codes"]) {
    slope = slope || (c["field"] == "GDPDJB" && c["code"] == "2" && c["name_zh"] == "2°–6°");
    village = village || (c["field"] == "level" && c["code"] == "village" && c["name_zh"] == "村");
  }
  EXPECT_TRUE(slope) << r.body;
  EXPECT_TRUE(village) << r.body;
}

INSTANTIATE_TEST_SUITE_P(Backends, MapApiTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
