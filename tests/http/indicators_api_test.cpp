// Land indicators and benefit sharing over real HTTP on loopback, against `gongzhi serve` on both
// backends (docs/indicators.md): the lead department registers the indicators of an accepted
// project (the original cultivated land is the survey's, not typed in), uses them for a target's
// 建新 plots, and the target's approval (立项) is refused until its 建新 is covered, naming the
// uncovered area; a distribution plan goes on public notice (公示) as a village notice, a villager
// objects, the vote is refused while the notice runs, the township answers. Refusals change
// nothing.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "../storage/store_backends.h"
#include "geo/geometry.h"
#include "http_client.h"
#include "services/password.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"
#include "storage/sql_identity_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

namespace bhttp = boost::beast::http;
using nlohmann::json;

constexpr const char* kPassword = "a long enough password";

json square(double lon, double lat, double d) {
  return {{"type", "Polygon"},
          {"coordinates", {{{lon, lat}, {lon + d, lat}, {lon + d, lat + d}, {lon, lat + d}, {lon, lat}}}}};
}

class IndicatorsApiTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    auto layers = storage::Store::open(location(), {.create = true});
    {
      // The survey: dry land inside the origin project's area.
      auto w = layers->begin_layer_version({"dltb", LayerKind::land_use, "test", "EPSG:4490"});
      auto g = geo::Geometry::from_geojson(square(117.012, 31.81, 0.007).dump());
      w->add("TB1", g.wkb(), g.envelope(), {{"DLBM", std::string("0103")}, {"ZLDWDM", std::string("340123100201")}});
      w->commit();
    }
    auto hash = services::hash_password(kPassword);
    auto identity = storage::IdentityStore::open(location(), {.create = true});
    identity->create_first_admin("root", hash, "cli:test");
    const std::vector<std::pair<std::string, Grant>> users{
        {"ziran", {Role::lead_department, "自然资源局", "340123"}},
        {"caizheng", {Role::co_reviewing_department, "财政局", "340123"}},
        {"zhen", {Role::township, "", "340123100"}},
        {"cun", {Role::village_collective, "", "340123100201"}},
        {"min1", {Role::villager, "", "340123100201"}},
        {"min2", {Role::villager, "", "340123100201"}},
        {"xi1", {Role::villager, "", "340124100201"}},
    };
    for (const auto& [name, grant] : users) identity->add_user({name, hash, {grant}}, "root");
    auto projects = storage::ProjectStore::open(location());
    // Origin: homesteads reclaimed to dry land (拆旧, new cultivated), accepted.
    json origin_plan = {{"area", square(117.0, 31.8, 0.02)},
                        {"changes", {{{"geometry", square(117.001, 31.801, 0.002)}, {"from_code", "0702"}, {"to_code", "0103"}}}}};
    // Target: homesteads built on dry land (0) and on grassland (1), in joint review.
    json target_plan = {{"area", square(117.1, 31.9, 0.01)},
                        {"changes",
                         {{{"geometry", square(117.101, 31.901, 0.0008)}, {"from_code", "0103"}, {"to_code", "0702"}},
                          {{"geometry", square(117.103, 31.901, 0.0006)}, {"from_code", "0404"}, {"to_code", "0702"}}}}};
    origin_ = insert(*projects, "XM2026-201", origin_plan, ProjectState::accepted);
    target_ = insert(*projects, "XM2026-202", target_plan, ProjectState::joint_review);
  }
  std::int64_t insert(storage::ProjectStore& projects, const std::string& code, const json& plan, ProjectState state) {
    return projects.write([&](storage::ProjectTx& tx) {
      storage::ProjectRecord p;
      p.code = code;
      p.name = code + " 整治";
      p.type = "农村建设用地整理";
      p.region_code = "340123100201";
      p.state = state;
      p.created_by = "zhen";
      p.created_at = p.updated_at = tx.now();
      p.plan_json = plan.dump();
      p.plan_hash = "h";
      auto id = tx.insert_project(p).id;
      if (state == ProjectState::accepted) {
        tx.insert_transition({0, id, "approve", "joint_review", "approved", "ziran", "2025-03-01T00:00:00Z", ""});
        tx.insert_transition({0, id, "accept", "completed", "accepted", "ziran", "2026-06-01T00:00:00Z", ""});
      }
      return id;
    });
  }
  void TearDown() override {
    if (server_) {
      server_->signal(SIGTERM);
      server_->wait();
    }
  }
  void start() {
    port_ = free_port();
    server_ = std::make_unique<Process>(
        gongzhi_binary(), std::vector<std::string>{"serve", postgres() ? "--pg" : "--db", location(), "--listen",
                                                   "127.0.0.1:" + std::to_string(port_)});
    for (int i = 0; i < 200; ++i) {
      try {
        http_request(port_, bhttp::verb::get, "/api/v1/health");
        return;
      } catch (const std::exception&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    ADD_FAILURE() << "gongzhi serve did not start listening";
  }
  std::string token(const std::string& user) {
    auto r = http_request(port_, bhttp::verb::post, "/api/v1/session", login_body(user, kPassword));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json()["token"].get<std::string>();
  }
  HttpReply get(const std::string& target, const std::string& token) {
    return http_request(port_, bhttp::verb::get, target, "", {{"Authorization", "Bearer " + token}});
  }
  HttpReply post(const std::string& target, const std::string& token, const json& body) {
    return http_request(port_, bhttp::verb::post, target, body.dump(), {{"Authorization", "Bearer " + token}});
  }
  std::string project(std::int64_t id, const std::string& rest = "") {
    return "/api/v1/projects/" + std::to_string(id) + rest;
  }

  unsigned short port_ = 0;
  std::unique_ptr<Process> server_;
  std::int64_t origin_ = 0, target_ = 0;
};

TEST_P(IndicatorsApiTest, approval_waits_for_indicators_covering_the_plots_each_use_names) {
  start();
  auto lead = token("ziran"), town = token("zhen");
  // The original cultivated land is the survey's: the field is no longer accepted.
  auto typed = post(project(origin_, "/indicators"), lead, {{"original_cultivated_m2", 1000}, {"quality_grade", 5}});
  EXPECT_EQ(typed.status, 400) << typed.body;
  auto made = post(project(origin_, "/indicators"), lead, {{"quality_grade", 5}});
  ASSERT_EQ(made.status, 201) << made.body;
  auto land = made.json()["indicators"][0], cultivated = made.json()["indicators"][1];
  ASSERT_EQ(land["kind"], "construction_land");
  ASSERT_EQ(cultivated["kind"], "new_cultivated");

  auto coverage = get(project(target_, "/indicators"), lead);
  ASSERT_EQ(coverage.status, 200) << coverage.body;
  auto c = coverage.json()["coverage"];
  double on_dry = c["cultivated_jianxin_m2"], both = c["jianxin_m2"];
  EXPECT_EQ(c["construction_uncovered_m2"], both);
  auto approve = [&] { return post(project(target_, "/actions"), lead, {{"action", "approve"}, {"comment", "立项"}}); };
  auto refused = approve();
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_EQ(refused.code(), "zengjian_balance");
  EXPECT_NE(refused.body.find("未落实指标"), std::string::npos) << refused.body;
  EXPECT_NE(refused.body.find("亩"), std::string::npos) << refused.body;

  std::string uses = "/api/v1/indicators/" + land["id"].dump() + "/uses";
  auto no_plots = post(uses, lead, {{"target_project_id", target_}, {"area_m2", 10}});
  EXPECT_EQ(no_plots.status, 400) << no_plots.body;
  auto bad_plots = post(uses, lead, {{"target_project_id", target_}, {"area_m2", 10}, {"plots", {"0"}}});
  EXPECT_EQ(bad_plots.status, 400) << bad_plots.body;
  EXPECT_EQ(post(uses, town, {{"target_project_id", target_}, {"area_m2", 10}, {"plots", {0}}}).status, 403);
  auto used = post(uses, lead, {{"target_project_id", target_}, {"area_m2", both}, {"plots", {0, 1}}});
  ASSERT_EQ(used.status, 201) << used.body;
  ASSERT_EQ(used.json()["plots"].size(), 2u);
  EXPECT_EQ(used.json()["plots"][0]["area_m2"], on_dry);
  // The dry land built on is still to be made up by new cultivated land.
  refused = approve();
  EXPECT_EQ(refused.code(), "zhanbu_balance") << refused.body;
  auto comp = post("/api/v1/indicators/" + cultivated["id"].dump() + "/uses", lead,
                   {{"target_project_id", target_}, {"area_m2", on_dry}, {"replaced_grade", 5}, {"plots", {0}}});
  ASSERT_EQ(comp.status, 201) << comp.body;
  auto ok = approve();
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json()["state"], "approved");
  auto after = get(project(target_, "/indicators"), town).json();
  EXPECT_EQ(after["uses"].size(), 2u);
  EXPECT_EQ(after["coverage"]["construction_uncovered_m2"], 0.0);
  EXPECT_EQ(after["coverage"]["cultivated_uncovered_m2"], 0.0);
  EXPECT_EQ(get(project(target_, "/indicators"), token("xi1")).status, 404);
}

TEST_P(IndicatorsApiTest, a_plan_on_public_notice_takes_objections_and_is_voted_only_after) {
  start();
  auto lead = token("ziran"), town = token("zhen"), cun = token("cun"), min1 = token("min1"), min2 = token("min2");
  auto made = post(project(origin_, "/indicators"), lead, {{"quality_grade", 5}});
  ASSERT_EQ(made.status, 201) << made.body;
  auto sold = post("/api/v1/indicators/" + made.json()["indicators"][0]["id"].dump() + "/transfers", lead,
                   {{"buyer_region_code", "340124"}, {"buyer_name", "邻县"}, {"area_m2", 100}, {"price_fen", 300001}});
  ASSERT_EQ(sold.status, 201) << sold.body;
  {
    auto projects = storage::ProjectStore::open(location());
    projects->write([&](storage::ProjectTx& tx) {
      for (auto [h, u] : {std::pair{"H01", "min1"}, std::pair{"H02", "min2"}})
        tx.session().query(
            "INSERT INTO household_members(household_code, username, region_code, added_by, added_at) "
            "VALUES($1, $2, '340123100201', 'root', $3)",
            {h, u, tx.now()});
    });
  }
  auto plan = post(project(origin_, "/distributions"), cun,
                   {{"title", "指标收益分配"}, {"village_code", "340123100201"}, {"revenue_kind", "indicator_transfer"},
                    {"source_id", sold.json()["fund_source_id"]}, {"amount_fen", 300001}, {"county_bp", 2000},
                    {"village_bp", 3000}, {"households_bp", 5000}, {"household_basis", "person"},
                    {"households", {{{"code", "H01"}, {"weight", 3}}, {{"code", "H02"}, {"weight", 4}}}}});
  ASSERT_EQ(plan.status, 201) << plan.body;
  EXPECT_EQ(plan.json()["notice_state"], "none");
  std::string d = "/api/v1/distributions/" + plan.json()["id"].dump();
  auto early = post(d + "/vote", cun, json::object());
  EXPECT_EQ(early.status, 409);
  EXPECT_EQ(early.code(), "notice_not_published");
  EXPECT_EQ(post(d + "/notice", cun, {{"days", 0}}).status, 400);
  EXPECT_EQ(post(d + "/notice", min1, {{"days", 7}}).status, 403);
  auto notice = post(d + "/notice", cun, {{"days", 7}});
  ASSERT_EQ(notice.status, 201) << notice.body;
  EXPECT_EQ(notice.json()["notice_state"], "running");
  auto notice_id = notice.json()["notice_id"].dump();
  // The village notice (村务公告) the villagers read, with the plan's text and amounts.
  auto n = get("/api/v1/notices/" + notice_id, min1);
  ASSERT_EQ(n.status, 200) << n.body;
  EXPECT_NE(n.json()["body"].get<std::string>().find("3000.01 元"), std::string::npos) << n.body;
  EXPECT_EQ(get("/api/v1/notices/" + notice_id + "/distribution", min1).json()["plan"]["id"], plan.json()["id"]);

  auto objection = post(d + "/objections", min1, {{"reason", "应按承包面积分配"}});
  ASSERT_EQ(objection.status, 201) << objection.body;
  EXPECT_TRUE(objection.json()["answer"].is_null());
  EXPECT_EQ(post(d + "/objections", town, {{"reason", "x"}}).status, 403);
  EXPECT_EQ(post(d + "/objections", min2, {{"reason", ""}}).status, 400);
  // Each villager reads their own objections; the township all.
  EXPECT_EQ(get(d + "/objections", min2).json()["objections"].size(), 0u);
  EXPECT_EQ(get(d + "/objections", town).json()["objections"].size(), 1u);
  auto running = post(d + "/vote", cun, json::object());
  EXPECT_EQ(running.status, 409);
  EXPECT_EQ(running.code(), "notice_running");
  std::string answer = "/api/v1/distribution-objections/" + objection.json()["id"].dump() + "/answer";
  EXPECT_EQ(post(answer, cun, {{"answer", "x"}}).status, 403);
  auto answered = post(answer, town, {{"answer", "按人口分配经村民代表会议讨论确定"}});
  ASSERT_EQ(answered.status, 200) << answered.body;
  EXPECT_EQ(answered.json()["answer"]["by"], "zhen");
  EXPECT_EQ(post(answer, town, {{"answer", "again"}}).status, 409);
  auto seen = get("/api/v1/notices/" + notice_id + "/distribution", min1).json();
  ASSERT_EQ(seen["objections"].size(), 1u);
  EXPECT_EQ(seen["objections"][0]["answer"]["text"], "按人口分配经村民代表会议讨论确定");
  EXPECT_EQ(get(d, town).json()["unanswered_objections"], 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, IndicatorsApiTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
