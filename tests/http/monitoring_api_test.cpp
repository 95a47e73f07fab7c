// GET /api/v1/monitoring/changes over real HTTP against `gongzhi serve` on the demo county with
// its change survey (land_use v2), on both backends: the lead department gets every spot the
// service finds, a township officer the spots of its township only, the auditor all; villagers and
// investors 403, a region outside the grants 404, no session 401, bad parameters 400, a missing
// version 404; xlsx downloads; the comparison is cached. The demo's change survey breaks every rule.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "../storage/store_backends.h"
#include "../xlsx_reader.h"
#include "domain/identity.h"
#include "live_support.h"
#include "services/demo_change_survey.h"
#include "services/demo_county.h"
#include "services/demo_platform.h"
#include "services/land_use_monitor.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"

namespace gz::test {
namespace {

namespace bhttp = boost::beast::http;
using nlohmann::json;

constexpr const char* kPassword = "demo password 1";

class MonitoringApiTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    {
      auto store = storage::Store::open(location(), {.create = true});
      services::generate_demo_county(*store, {.polygons = 1000, .seed = 7});
      services::seed_demo_platform(*store, location(), kPassword);
      auto projects = storage::ProjectStore::open(location());
      services::write_demo_change_survey(location(), projects.get(), {0.1, 7});
      // What the service finds, in process, for every region.
      expected_ = services::monitor_land_use(*store, {"land_use", "", 1, 2, std::nullopt}, projects.get());
    }
    server_ = std::make_unique<ServeProcess>(location());
  }
  unsigned short port() const { return server_->port(); }
  HttpReply get(const std::string& target, const std::string& token) {
    return api(port(), bhttp::verb::get, target, token);
  }
  std::unique_ptr<ServeProcess> server_;
  services::MonitorResult expected_;
};

TEST_P(MonitoringApiTest, officials_see_the_spots_of_their_regions) {
  ASSERT_FALSE(expected_.spots.empty());
  EXPECT_EQ(get("/api/v1/monitoring/changes", "").status, 401);

  auto zrzy = sign_in(port(), "zrzy", kPassword);
  auto all = get("/api/v1/monitoring/changes", zrzy);
  ASSERT_EQ(all.status, 200) << all.body;
  auto j = all.json();
  EXPECT_EQ(j["from"]["version"], 1);
  EXPECT_EQ(j["to"]["version"], 2);
  ASSERT_EQ(j["spots"].size(), expected_.spots.size());
  for (std::size_t i = 0; i < expected_.spots.size(); ++i) {
    EXPECT_EQ(j["spots"][i]["id"], expected_.spots[i].id);
    EXPECT_NEAR(j["spots"][i]["area_m2"].get<double>(), expected_.spots[i].area_m2, 1e-6);
    EXPECT_EQ(j["spots"][i]["hits"].size(), expected_.spots[i].hits.size());
    EXPECT_TRUE(j["spots"][i]["geometry"].is_object());
  }
  EXPECT_EQ(all.header("x-gongzhi-cache"), "miss");
  EXPECT_EQ(get("/api/v1/monitoring/changes?from=1&to=2", zrzy).header("x-gongzhi-cache"), "hit");

  // The township officer: only the township's spots, the same ones.
  auto zhen = sign_in(port(), "zhen", kPassword);
  auto own = get("/api/v1/monitoring/changes", zhen);
  ASSERT_EQ(own.status, 200) << own.body;
  auto me = get("/api/v1/me", zhen).json();
  const std::string township = me["grants"][0]["region"];
  std::set<std::string> mine;
  for (const auto& s : expected_.spots)
    if (s.region_code.rfind(region_prefix(township), 0) == 0) mine.insert(s.id);
  ASSERT_FALSE(mine.empty());
  EXPECT_LT(mine.size(), expected_.spots.size());
  std::set<std::string> got;
  const auto own_json = own.json();
  for (const auto& s : own_json["spots"]) got.insert(s["id"].get<std::string>());
  EXPECT_EQ(got, mine);

  // The auditor sees all; the county asked by the township officer is outside: 404.
  auto shenji = sign_in(port(), "shenji", kPassword);
  EXPECT_EQ(get("/api/v1/monitoring/changes", shenji).json()["spots"].size(), expected_.spots.size());
  const std::string county = township.substr(0, 6);
  EXPECT_EQ(get("/api/v1/monitoring/changes?region=" + county, zhen).status, 404);
  EXPECT_EQ(get("/api/v1/monitoring/changes?region=" + township, zrzy).json()["spots"].size(), mine.size());

  // Villagers and investors get no warnings.
  auto cunmin = sign_in(port(), "cunmin", kPassword);
  auto v = get("/api/v1/monitoring/changes", cunmin);
  EXPECT_EQ(v.status, 403) << v.body;
  EXPECT_EQ(v.json()["error"]["code"], "monitoring_forbidden");
  EXPECT_EQ(get("/api/v1/monitoring/changes", sign_in(port(), "touzi", kPassword)).status, 403);
}

TEST_P(MonitoringApiTest, filters_downloads_and_bad_requests) {
  auto zrzy = sign_in(port(), "zrzy", kPassword);
  std::size_t red = 0;
  for (const auto& s : expected_.spots) red += s.severity() == Severity::red;
  auto r = get("/api/v1/monitoring/changes?severity=red", zrzy);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto red_json = r.json();
  EXPECT_EQ(red_json["spots"].size(), red);
  for (const auto& s : red_json["spots"]) EXPECT_EQ(s["severity"], "red");

  auto x = get("/api/v1/monitoring/changes?format=xlsx", zrzy);
  ASSERT_EQ(x.status, 200);
  EXPECT_EQ(x.body.substr(0, 2), "PK");
  EXPECT_NE(x.header("content-disposition").find(".xlsx"), std::string::npos);
  TempDir dir;
  write_file(dir.file("m.xlsx"), x.body);
  auto sheet = read_xlsx_sheet(dir.file("m.xlsx"));
  bool found_first = false;
  for (const auto& [cell, value] : sheet.cells) found_first |= value == expected_.spots.front().id;
  EXPECT_TRUE(found_first);

  auto gj = get("/api/v1/monitoring/changes?format=geojson", zrzy);
  ASSERT_EQ(gj.status, 200);
  EXPECT_EQ(gj.json()["features"].size(), expected_.spots.size());

  for (const char* bad : {"?severity=purple", "?from=x", "?format=pdf", "?rule=nope", "?region=12345", "?colour=red",
                          "?from=2&to=2"})
    EXPECT_EQ(get(std::string("/api/v1/monitoring/changes") + bad, zrzy).status, 400) << bad;
  EXPECT_EQ(get("/api/v1/monitoring/changes?from=1&to=9", zrzy).status, 404);
  EXPECT_EQ(get("/api/v1/monitoring/changes?layer=nope", zrzy).status, 404);
  auto not_land_use = get("/api/v1/monitoring/changes?layer=region&from=1&to=1", zrzy);
  EXPECT_EQ(not_land_use.status, 400) << not_land_use.body;
}

TEST_P(MonitoringApiTest, the_demo_change_survey_breaks_every_rule) {
  std::set<std::string> broken;
  for (const auto& s : expected_.spots)
    for (const auto& h : s.hits) broken.insert(h.rule);
  for (const auto& p : expected_.projects)
    if (p.hit) broken.insert(p.hit->rule);
  for (const auto& rule : MonitoringRules::standard().rules) EXPECT_TRUE(broken.count(rule.id)) << rule.id;
  std::set<bool> matched;
  for (const auto& s : expected_.spots) matched.insert(s.matched_by_bsm);
  EXPECT_EQ(matched.size(), 2u) << "spots matched by BSM and by geometry";
}

INSTANTIATE_TEST_SUITE_P(Backends, MonitoringApiTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
