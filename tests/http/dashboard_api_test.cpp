// GET /api/v1/dashboard over real HTTP against `gongzhi serve` on the demo county, on both
// backends: the county's leader gets the figures (the eight demo projects, money in fen with its
// yuan string, the survey's classes, findings by village), drills down to a township; a township
// officer asking for the county gets 404 (outside the grants), a villager for their own village
// 403, a malformed region or an unknown parameter 400, no session 401. ?format=xlsx gives the
// drill-down table as a workbook with the JSON's figures and the same answers.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "../storage/store_backends.h"
#include "../xlsx_reader.h"
#include "live_support.h"

namespace gz::test {
namespace {

namespace bhttp = boost::beast::http;
using nlohmann::json;

constexpr const char* kPassword = "demo password 1";

class DashboardApiTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    server_ = serve_demo_platform(location(), kPassword);
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
  EXPECT_EQ(d["projects"]["total"], 9);  // the demo's nine projects (XM2026-009 waits for acceptance)
  std::int64_t by_state = 0;
  for (const auto& s : d["projects"]["by_state"]) by_state += s["projects"].get<std::int64_t>();
  EXPECT_EQ(by_state, 9);
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

  // The drill-down table as xlsx (?format=xlsx): the same rows as the JSON's by_child, in 亩 and
  // 元, a 合计 row summed in fen; the same answers outside the grants.
  auto x = api(port(), bhttp::verb::get, "/api/v1/dashboard?format=xlsx", lingdao);
  ASSERT_EQ(x.status, 200) << x.body.substr(0, 300);
  EXPECT_EQ(x.header("content-type"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_NE(x.header("content-disposition").find("filename*=UTF-8''" + d["region"]["code"].get<std::string>() + "-"),
            std::string::npos) << x.header("content-disposition");
  write_file(at("dashboard.xlsx"), x.body);
  EXPECT_EQ(read_xlsx_sheet_names(at("dashboard.xlsx")), std::vector<std::string>{"区域汇总表"});
  {
    auto s = read_xlsx_sheet(at("dashboard.xlsx"));
    EXPECT_EQ(s.at("A1"), d["region"]["name"].get<std::string>() + "全域土地综合整治项目汇总表");
    EXPECT_EQ(s.at("A3"), "区域");
    EXPECT_EQ(s.at("B3"), "项目数");
    EXPECT_EQ(s.at("C3"), "项目面积（亩）");
    EXPECT_EQ(s.at("D3"), "已安排资金（元）");
    EXPECT_EQ(s.at("E3"), "已拨付资金（元）");
    EXPECT_EQ(s.at("I3"), "审查问题数");
    auto yuan_fen = [&](const std::string& ref) { return std::llround(std::stod(s.at(ref)) * 100); };
    int r = 4;
    std::int64_t projects = 0, allocated_sum = 0, disbursed = 0;
    for (const auto& c : d["by_child"]) {
      std::string row = std::to_string(r++);
      SCOPED_TRACE(c["region"]["name"].get<std::string>());
      EXPECT_EQ(s.at("A" + row).rfind(c["region"]["name"].get<std::string>(), 0), 0u) << s.at("A" + row);
      EXPECT_EQ(s.at("B" + row), std::to_string(c["projects"].get<std::int64_t>()));
      EXPECT_NEAR(std::stod(s.at("C" + row)), c["area_m2"].get<double>() / (10000.0 / 15.0), 1e-6);
      EXPECT_EQ(yuan_fen("D" + row), c["allocated_fen"].get<std::int64_t>());
      EXPECT_EQ(yuan_fen("E" + row), c["disbursed_fen"].get<std::int64_t>());
      EXPECT_EQ(s.at("I" + row), std::to_string(c["findings"].get<std::int64_t>()));
      projects += c["projects"].get<std::int64_t>();
      allocated_sum += c["allocated_fen"].get<std::int64_t>();
      disbursed += c["disbursed_fen"].get<std::int64_t>();
    }
    std::string total = std::to_string(r);
    EXPECT_EQ(s.at("A" + total), "合计");
    EXPECT_EQ(s.at("B" + total), std::to_string(projects));
    EXPECT_EQ(projects, 9);
    EXPECT_EQ(yuan_fen("D" + total), allocated_sum);
    EXPECT_EQ(allocated_sum, allocated);
    EXPECT_EQ(yuan_fen("E" + total), disbursed);
  }
  EXPECT_EQ(api(port(), bhttp::verb::get, "/api/v1/dashboard?region=" + county_code + "&format=xlsx", zhen).body,
            outside.body);
  EXPECT_EQ(api(port(), bhttp::verb::get, "/api/v1/dashboard?format=xlsx", cunmin).status, 403);
  EXPECT_EQ(api(port(), bhttp::verb::get, "/api/v1/dashboard?format=pdf", lingdao).status, 400);

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
