// GET /api/v1/dashboard over real HTTP against `gongzhi serve` on the demo county, on both
// backends: the county's leader gets the figures (the eight demo projects, money in fen with its
// yuan string, the survey's classes, findings by village), drills down to a township; a township
// officer asking for the county gets 404 (outside the grants), a villager for their own village
// 403, a malformed region or an unknown parameter 400, no session 401.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../storage/store_backends.h"
#include "live_support.h"
#include "services/demo_county.h"
#include "services/demo_platform.h"
#include "storage/store.h"

namespace gz::test {
namespace {

namespace bhttp = boost::beast::http;
using nlohmann::json;

constexpr const char* kPassword = "demo password 1";

class DashboardApiTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    auto store = storage::Store::open(location(), {.create = true});
    services::generate_demo_county(*store, {.polygons = 1000, .seed = 7});
    services::seed_demo_platform(*store, location(), kPassword);
    server_ = std::make_unique<ServeProcess>(location());
  }
  unsigned short port() const { return server_->port(); }
  std::unique_ptr<ServeProcess> server_;
};

TEST_P(DashboardApiTest, officials_get_their_region_and_nobody_else_does) {
  EXPECT_EQ(api(port(), bhttp::verb::get, "/api/v1/dashboard", "").status, 401);

  auto lingdao = sign_in(port(), "lingdao", kPassword);
  auto county = api(port(), bhttp::verb::get, "/api/v1/dashboard", lingdao);
  ASSERT_EQ(county.status, 200) << county.body;
  auto d = county.json();
  EXPECT_EQ(d["region"]["level"], "county");
  EXPECT_EQ(d["projects"]["total"], 8);
  std::int64_t by_state = 0;
  for (const auto& s : d["projects"]["by_state"]) by_state += s["projects"].get<std::int64_t>();
  EXPECT_EQ(by_state, 8);
  const auto allocated = d["funds"]["allocated"]["fen"].get<std::int64_t>();
  EXPECT_GT(allocated, 0);
  // The yuan string is the fen's, without floating point.
  EXPECT_EQ(d["funds"]["allocated"]["yuan"], std::to_string(allocated / 100) + "." +
                                                  (allocated % 100 < 10 ? "0" : "") + std::to_string(allocated % 100));
  EXPECT_FALSE(d["land_use"]["classes"].empty());
  EXPECT_GT(d["land_use"]["total_m2"].get<double>(), 0);
  EXPECT_GT(d["violations"]["findings"].get<std::int64_t>(), 0);
  for (const auto& v : d["violations"]["by_region"]) EXPECT_EQ(v["region"]["level"], "village");
  ASSERT_FALSE(d["children"].empty());

  // Drill down to the demo township (zhen's) and back up through the path.
  auto zhen = sign_in(port(), "zhen", kPassword);
  auto own = api(port(), bhttp::verb::get, "/api/v1/dashboard", zhen);
  ASSERT_EQ(own.status, 200) << own.body;
  const std::string township = own.json()["region"]["code"];
  auto drilled = api(port(), bhttp::verb::get, "/api/v1/dashboard?region=" + township, lingdao);
  ASSERT_EQ(drilled.status, 200);
  EXPECT_EQ(drilled.json()["path"].size(), 2u);
  EXPECT_EQ(drilled.json()["projects"]["total"], own.json()["projects"]["total"]);

  // Outside the grants: 404 as for nothing there; the villager's own village: 403.
  const std::string county_code = d["region"]["code"];
  auto outside = api(port(), bhttp::verb::get, "/api/v1/dashboard?region=" + county_code, zhen);
  EXPECT_EQ(outside.status, 404) << outside.body;
  auto cunmin = sign_in(port(), "cunmin", kPassword);
  auto villager = api(port(), bhttp::verb::get, "/api/v1/dashboard", cunmin);
  EXPECT_EQ(villager.status, 403) << villager.body;
  EXPECT_EQ(villager.json()["error"]["code"], "dashboard_not_allowed");
  EXPECT_FALSE(villager.json()["error"]["message_zh"].get<std::string>().empty());

  // Bad input.
  auto bad = api(port(), bhttp::verb::get, "/api/v1/dashboard?region=34%27%20OR%201%3D1", lingdao);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.json()["error"]["code"], "invalid_region");
  EXPECT_EQ(api(port(), bhttp::verb::get, "/api/v1/dashboard?regoin=340123", lingdao).status, 400);
  EXPECT_EQ(api(port(), bhttp::verb::get, "/api/v1/dashboard?region=340123999999", lingdao).status, 404);
}

INSTANTIATE_TEST_SUITE_P(Backends, DashboardApiTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
