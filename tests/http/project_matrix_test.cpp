// Who may do what to a project, over real HTTP against `gongzhi serve` on both backends, with the
// demo county loaded (1000 map spots, its control lines and regions): users for every role of
// DESIGN.md §1 in county A — the leader group, the lead department (自然资源局), co-reviewing
// departments (生态环境局, 农业农村局, 财政局), township A and B, village collectives of a village
// in each, a villager, an investor, an expert, an auditor, the administrator — and a lead
// department and leader group of county B. One project (the demo project XM2026-005's area, which
// crosses the ecological red line: a warning its applicant confirms on submission and the lead
// department acknowledges before approval) is driven through its whole lifecycle; at every step every
// user tries the step and gets exactly the status its role and jurisdiction give (404 outside
// what it may see, 403 visible but not its to do, 409 the wrong state, 200/201 otherwise), and
// every refused request leaves the project and the audit log exactly as they were.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "../storage/store_backends.h"
#include "geo/geometry.h"
#include "live_support.h"
#include "services/demo_county.h"
#include "services/password.h"
#include "storage/identity_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

namespace bhttp = boost::beast::http;
using json = nlohmann::json;
using Users = std::set<std::string>;

constexpr const char* kPassword = "a long enough password";

struct Req {
  bhttp::verb verb;
  std::string target;
  json body = nullptr;
};

// The users every step is tried by.
const std::vector<std::string> kMatrix = {"root",  "leader", "zrj",   "sthj",   "nync",  "czj",
                                          "zhen_a", "zhen_b", "cun_a", "cun_b", "min_a", "tz_a",
                                          "expert", "shenji", "zrj_x", "leader_x"};
// Co-reviewing departments beyond the three of the matrix, so that every review a project can
// need has someone to give it.
const std::map<std::string, std::string> kExtraReviewers = {
    {"发展和改革局", "fgj"}, {"文化和旅游局", "wlj"}, {"水利局", "slj"}, {"交通运输局", "jtj"}};

class ProjectMatrixTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    {
      auto store = storage::Store::open(location(), {.create = true});
      services::generate_demo_county(*store, {.polygons = 1000});
      for (auto& f : store->read_all(store->layer_version("projects", {}), {.decode_attributes = false})) {
        if (f.source_id != "XM2026-005") continue;
        auto a = json::parse(f.attributes_json);
        area_ = json::parse(geo::Geometry::from_wkb(f.wkb).geojson());
        town_a_ = a["XZQDM"].get<std::string>();
        type_ = a["XMLX"].get<std::string>();
      }
    }
    ASSERT_FALSE(town_a_.empty()) << "the demo county has no project XM2026-005";
    auto r = run({"admin", "import-regions", "--db", location(), "--layer", "region"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    auto hash = services::hash_password(kPassword);
    identity_ = storage::IdentityStore::open(location());
    for (const auto& region : identity_->regions()) {
      if (region.parent == town_a_ && village_a_.empty()) village_a_ = region.code;
      if (region.parent == "340123" && region.code != town_a_ && town_b_.empty()) town_b_ = region.code;
    }
    for (const auto& region : identity_->regions())
      if (region.parent == town_b_ && village_b_.empty()) village_b_ = region.code;
    ASSERT_FALSE(village_a_.empty());
    ASSERT_FALSE(village_b_.empty());
    identity_->create_first_admin("root", hash, "cli:test");
    auto add = [&](const std::string& name, Role role, const std::string& dept, const std::string& region) {
      identity_->add_user({name, hash, {Grant{role, dept, region}}}, "root");
    };
    add("leader", Role::leader_group, "", "340123");
    add("zrj", Role::lead_department, "自然资源局", "340123");
    add("sthj", Role::co_reviewing_department, "生态环境局", "340123");
    add("nync", Role::co_reviewing_department, "农业农村局", "340123");
    add("czj", Role::co_reviewing_department, "财政局", "340123");
    for (const auto& [dept, name] : kExtraReviewers) add(name, Role::co_reviewing_department, dept, "340123");
    add("zhen_a", Role::township, "", town_a_);
    add("zhen_b", Role::township, "", town_b_);
    add("cun_a", Role::village_collective, "", village_a_);
    add("cun_b", Role::village_collective, "", village_b_);
    add("min_a", Role::villager, "", village_a_);
    add("tz_a", Role::investor, "", town_a_);
    add("expert", Role::expert, "", "340123");
    add("shenji", Role::auditor, "", "340123");
    add("zrj_x", Role::lead_department, "自然资源局", "340124");
    add("leader_x", Role::leader_group, "", "340124");
    server_ = std::make_unique<ServeProcess>(location());
    for (const auto& u : kMatrix) tokens_[u] = sign_in(server_->port(), u, kPassword);
    for (const auto& [dept, name] : kExtraReviewers) tokens_[name] = sign_in(server_->port(), name, kPassword);
  }

  HttpReply send(const std::string& user, const Req& r) {
    return api(server_->port(), r.verb, r.target, user.empty() ? "" : tokens_.at(user),
               r.body.is_null() ? "" : r.body.dump());
  }
  std::string path(const std::string& tail = "") const {
    return "/api/v1/projects/" + std::to_string(id_) + tail;
  }
  json detail() {
    auto r = send("root", {bhttp::verb::get, path()});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
  }
  // The project as stored, every project's count and the audit log's length.
  std::string snapshot() {
    auto list = send("root", {bhttp::verb::get, "/api/v1/projects"});
    return send("root", {bhttp::verb::get, path()}).body + "|" +
           std::to_string(list.json()["projects"].size()) + "|" +
           std::to_string(identity_->audit_log().size());
  }
  void expect_refused(const std::string& user, const Req& r, int status, const std::string& code = "") {
    auto before = snapshot();
    auto reply = send(user, r);
    EXPECT_EQ(reply.status, status) << user << " " << r.target << " " << r.body.dump() << ": " << reply.body;
    if (!code.empty() && reply.status == status) EXPECT_EQ(reply.code(), code) << user << " " << reply.body;
    EXPECT_EQ(snapshot(), before) << user << " " << r.target << " " << r.body.dump() << " changed something";
  }
  HttpReply expect_ok(const std::string& user, const Req& r, int status = 200) {
    auto reply = send(user, r);
    EXPECT_EQ(reply.status, status) << user << " " << r.target << " " << r.body.dump() << ": " << reply.body;
    return reply;
  }
  // Every matrix user who may not see the project: 404; who sees it but is not in `allowed`: 403; then
  // `actor` succeeds; then every other allowed user who sees it finds the state moved on (409).
  void step(const Req& r, const std::string& actor, const Users& allowed, const Users& visible,
            const std::string& conflict = "invalid_transition", bool repeat = true, int ok_status = 200) {
    ASSERT_TRUE(allowed.count(actor));
    for (const auto& u : kMatrix)
      if (!visible.count(u))
        expect_refused(u, r, 404, "not_found");
      else if (!allowed.count(u))
        expect_refused(u, r, 403);
    expect_ok(actor, r, ok_status);
    for (const auto& u : allowed)
      if ((u != actor || repeat) && visible.count(u)) expect_refused(u, r, 409, conflict);
  }
  void action(const std::string& name, const std::string& actor, const Users& allowed,
              const Users& visible, json extra = json::object()) {
    extra["action"] = name;
    step({bhttp::verb::post, path("/actions"), extra}, actor, allowed, visible, "invalid_transition",
         name != "check_compliance");
  }
  // Detail and list for every matrix user: visible or 404 / absent.
  void expect_visibility(const Users& visible) {
    for (const auto& u : kMatrix) {
      auto d = send(u, {bhttp::verb::get, path()});
      EXPECT_EQ(d.status, visible.count(u) ? 200 : 404) << u << " " << d.body;
      if (d.status == 404) EXPECT_EQ(d.code(), "not_found");
      auto list = send(u, {bhttp::verb::get, "/api/v1/projects"});
      ASSERT_EQ(list.status, 200) << u << " " << list.body;
      bool listed = false;
      auto body = list.json();
      for (const auto& p : body["projects"]) listed = listed || p["id"].get<std::int64_t>() == id_;
      EXPECT_EQ(listed, visible.count(u) > 0) << u;
    }
  }

  std::unique_ptr<storage::IdentityStore> identity_;
  std::unique_ptr<ServeProcess> server_;
  std::map<std::string, std::string> tokens_;
  json area_;
  std::string town_a_, town_b_, village_a_, village_b_, type_;
  std::int64_t id_ = 0;
};

TEST_P(ProjectMatrixTest, every_role_gets_exactly_its_status_at_every_step_of_the_lifecycle) {
  const Users nobody_outside = {"zhen_b", "cun_b", "zrj_x", "leader_x"};
  // Before approval: officials of the county, township A, village A's collective, overseers.
  const Users v0 = {"root", "leader", "zrj", "sthj", "nync", "czj", "zhen_a", "cun_a", "expert", "shenji"};
  Users v1 = v0;  // from approval: the investor of the township
  v1.insert("tz_a");
  Users v2 = v1;  // from the public notice: the villagers
  v2.insert("min_a");

  // Without a session: 401 everywhere.
  for (const Req& r : std::vector<Req>{{bhttp::verb::get, "/api/v1/projects"},
                                       {bhttp::verb::post, "/api/v1/projects", json::object()},
                                       {bhttp::verb::get, "/api/v1/projects/1"}})
    EXPECT_EQ(send("", r).status, 401) << r.target;

  // ---- create: applicants over village A only (403 for everyone else, who learn nothing) ----
  json plan = {{"area", area_}};
  Req create{bhttp::verb::post, "/api/v1/projects",
             {{"name", "生态修复试点"}, {"type", type_}, {"region_code", village_a_}, {"plan", plan}}};
  auto made = expect_ok("zhen_a", create, 201);
  ASSERT_EQ(made.status, 201);
  id_ = made.json()["id"].get<std::int64_t>();
  const Users applicants = {"zhen_a", "cun_a", "tz_a", "zrj"};
  for (const auto& u : kMatrix)
    if (!applicants.count(u)) expect_refused(u, create, 403, "not_an_applicant");
  for (const auto& u : {"cun_a", "tz_a", "zrj"}) expect_ok(u, create, 201);
  expect_visibility(v0);

  // ---- edit the plan while draft: applicants who see it; a stale version is a 409 ----
  auto version = detail()["row_version"].get<std::int64_t>();
  Req edit{bhttp::verb::put, path("/plan"), {{"plan", plan}, {"row_version", version}}};
  step(edit, "cun_a", {"zhen_a", "cun_a", "zrj", "tz_a"}, v0, "stale_version");

  // ---- submit, returned, resubmitted: the plan's finding is named and must be confirmed ----
  const Users submitters = {"zhen_a", "cun_a", "tz_a", "zrj"};
  const json confirmed = {{"confirm_findings", true}};
  expect_refused("zhen_a", {bhttp::verb::post, path("/actions"), {{"action", "submit"}}}, 409,
                 "findings_unconfirmed");
  auto unconfirmed = send("zhen_a", {bhttp::verb::post, path("/actions"), {{"action", "submit"}}});
  auto named = unconfirmed.json()["error"];
  ASSERT_EQ(named["details"]["findings"].size(), 1u) << unconfirmed.body;
  EXPECT_EQ(named["details"]["findings"][0]["rule"], "redline_overlap");
  EXPECT_EQ(named["details"]["findings"][0]["feature_zh"], "项目区");
  EXPECT_GT(named["details"]["findings"][0]["area_m2"].get<double>(), 1.0);
  EXPECT_NE(named["message_zh"].get<std::string>().find("项目区与生态保护红线重叠：项目区，"), std::string::npos)
      << named.dump();
  EXPECT_NE(named["message_en"].get<std::string>().find(" mu ("), std::string::npos) << named.dump();
  expect_refused("zhen_a", {bhttp::verb::post, path("/actions"), {{"action", "submit"}, {"confirm_findings", "yes"}}},
                 400, "wrong_type");
  action("submit", "zhen_a", submitters, v0, confirmed);
  EXPECT_EQ(identity_->audit_log().back().action, "project.submit");
  EXPECT_NE(identity_->audit_log().back().detail.find("confirmed_findings"), std::string::npos);
  version = detail()["row_version"].get<std::int64_t>();
  expect_refused("zhen_a", {bhttp::verb::put, path("/plan"), {{"plan", plan}, {"row_version", version}}},
                 409, "plan_locked");
  expect_refused("zrj", {bhttp::verb::post, path("/actions"), {{"action", "start_review"}}}, 409,
                 "invalid_transition");
  expect_refused("leader", {bhttp::verb::post, path("/actions"), {{"action", "return"}}}, 400, "comment_required");
  action("return", "leader", {"leader", "zrj"}, v0, {{"comment", "项目区范围须核实"}});
  action("submit", "cun_a", submitters, v0, confirmed);

  // ---- compliance against the demo county's layers: the area crosses the red line ----
  action("check_compliance", "zrj", {"zrj"}, v0);
  auto checked = detail();
  bool crosses = false;
  for (const auto& o : checked["compliance"]["overlaps"]) crosses = crosses || o["kind"].get<std::string>() == "ecological_redline";
  EXPECT_TRUE(crosses) << checked["compliance"].dump();
  EXPECT_TRUE(checked["compliance_current"].get<bool>());

  // ---- joint review: 生态环境局 is asked because of the red line ----
  action("start_review", "zrj", {"zrj"}, v0);
  auto reviewing = detail();
  std::set<std::string> departments;
  for (const auto& rv : reviewing["reviews"]) {
    departments.insert(rv["department"].get<std::string>());
    if (rv["department"].get<std::string>() == "生态环境局") {
      EXPECT_NE(rv["required_because"].dump().find("overlap:ecological_redline"), std::string::npos)
          << rv.dump();
    }
  }
  ASSERT_TRUE(departments.count("生态环境局")) << reviewing["reviews"].dump();
  ASSERT_TRUE(departments.count("自然资源局"));

  // ---- the warning: approval waits for the lead department's acknowledgement with a reason ----
  auto gate = reviewing["compliance_gate"];
  EXPECT_TRUE(gate["current"].get<bool>());
  EXPECT_TRUE(gate["blocking"].empty()) << gate.dump();
  ASSERT_EQ(gate["warnings"].size(), 1u) << gate.dump();
  EXPECT_TRUE(gate["warnings"][0]["acknowledgement"].is_null());
  expect_refused("zrj", {bhttp::verb::post, path("/actions"), {{"action", "approve"}}}, 409,
                 "warnings_unacknowledged");
  const std::string key = gate["warnings"][0]["key"];
  expect_refused("zrj", {bhttp::verb::post, path("/acknowledgements"), {{"finding", key}}}, 400, "missing_field");
  expect_refused("zrj", {bhttp::verb::post, path("/acknowledgements"), {{"finding", key}, {"reason", ""}}}, 400,
                 "empty_field");
  expect_refused("zrj", {bhttp::verb::post, path("/acknowledgements"), {{"finding", "stale"}, {"reason", "已知悉"}}},
                 409, "finding_not_current");
  step({bhttp::verb::post, path("/acknowledgements"), {{"finding", key}, {"reason", "红线内为原有林地，不安排工程"}}},
       "zrj", {"zrj"}, v0, "already_acknowledged", true, 201);
  auto acknowledged = detail()["compliance_gate"]["warnings"][0]["acknowledgement"];
  EXPECT_EQ(acknowledged["actor"], "zrj");
  EXPECT_EQ(acknowledged["reason"], "红线内为原有林地，不安排工程");
  EXPECT_FALSE(acknowledged["time"].get<std::string>().empty());
  EXPECT_EQ(identity_->audit_log().back().action, "project.acknowledge_finding");
  expect_refused("zrj", {bhttp::verb::post, path("/actions"), {{"action", "approve"}}}, 409, "reviews_pending");
  Req eco{bhttp::verb::post, path("/reviews"),
          {{"department", "生态环境局"}, {"decision", "approve_with_conditions"},
           {"opinion", "涉及生态保护红线，须补充论证"}, {"conditions", {"补充生态影响论证并避让红线核心区"}}}};
  step(eco, "sthj", {"sthj"}, v0, "review_already_given");
  // A department that is not asked in this round, by its own reviewer.
  if (!departments.count("农业农村局"))
    expect_refused("nync", {bhttp::verb::post, path("/reviews"), {{"department", "农业农村局"}, {"decision", "approve"}}},
                   409, "review_not_required");
  for (const auto& dept : departments) {
    if (dept == "生态环境局") continue;
    std::string reviewer = dept == "自然资源局" ? "zrj" : dept == "农业农村局" ? "nync"
                         : dept == "财政局" ? "czj" : kExtraReviewers.at(dept);
    Req rv{bhttp::verb::post, path("/reviews"), {{"department", dept}, {"decision", "approve"}}};
    if (reviewer == "zrj" || reviewer == "nync" || reviewer == "czj")
      step(rv, reviewer, {reviewer}, v0, "review_already_given");
    else
      expect_ok(reviewer, rv);
  }

  // ---- approval by the leader group; then the investor sees the project ----
  action("approve", "leader", {"leader", "zrj"}, v0);
  expect_visibility(v1);
  auto obligations = detail()["obligations"];
  ASSERT_EQ(obligations.size(), 1u);
  auto obligation = obligations[0]["id"].get<std::int64_t>();

  // ---- public notice (1–90 days); the villagers see it from now on ----
  expect_refused("zrj", {bhttp::verb::post, path("/actions"), {{"action", "publish_notice"}, {"notice_days", 0}}},
                 400, "invalid_notice_days");
  action("publish_notice", "zhen_a", {"zrj", "zhen_a"}, v1, {{"notice_days", 10}});
  expect_visibility(v2);
  expect_refused("zhen_a", {bhttp::verb::post, path("/actions"), {{"action", "start_implementation"}}}, 409,
                 "notice_period_running");
  // Ten days pass.
  where_->exec("UPDATE projects SET notice_ends = '2000-01-01T00:00:00Z' WHERE id = " + std::to_string(id_));
  action("start_implementation", "zhen_a", {"zrj", "zhen_a"}, v2);

  // ---- the works: a milestone reaches 100%, the indicators are planned and achieved ----
  expect_refused("tz_a", {bhttp::verb::post, path("/actions"), {{"action", "complete"}}}, 409, "no_milestones");
  auto milestone = expect_ok("zrj", {bhttp::verb::post, path("/milestones"),
                                     {{"name", "土地平整"}, {"planned_date", "2026-12-31"}}}, 201);
  expect_ok("zhen_a", {bhttp::verb::post,
                       path("/milestones/" + std::to_string(milestone.json()["id"].get<std::int64_t>()) + "/progress"),
                       {{"percent", 100}, {"actual_date", "2026-01-15"}}});
  json values = {{"new_cultivated_land", 60000}, {"construction_land_reduced", 1000},
                 {"ecological_area_restored", 5000}, {"investment_per_mu", 300000},
                 {"households_benefiting", 120}, {"satisfaction", 95}};
  expect_ok("zrj", {bhttp::verb::put, path("/evaluation/planned"), {{"values", values}}});
  expect_ok("zhen_a", {bhttp::verb::put, path("/evaluation/achieved"), {{"values", values}}});

  // ---- completion; acceptance waits for the review's condition ----
  action("complete", "tz_a", {"zhen_a", "tz_a", "zrj"}, v2);
  expect_refused("zrj", {bhttp::verb::post, path("/actions"), {{"action", "accept"}}}, 409, "obligations_open");
  // Fulfilled by those on the ground, the lead department or the department that set it.
  step({bhttp::verb::post, path("/obligations/" + std::to_string(obligation) + "/fulfil"),
        {{"evidence", "补充论证报告已通过专家评审"}}},
       "cun_a", {"zrj", "zhen_a", "cun_a", "tz_a", "sthj"}, v2, "already_fulfilled");
  expect_refused("zrj", {bhttp::verb::post, path("/obligations/999999/fulfil"), {{"evidence", "x"}}}, 404);
  action("accept", "zrj", {"zrj"}, v2);
  action("evaluate", "expert", {"zrj", "expert"}, v2);
  action("start_maintenance", "cun_a", {"zhen_a", "cun_a", "zrj"}, v2);
  expect_visibility(v2);

  auto done = detail();
  EXPECT_EQ(done["state"], "maintenance");
  std::vector<std::string> history;
  for (const auto& h : done["history"]) history.push_back(h["action"].get<std::string>());
  EXPECT_EQ(history, (std::vector<std::string>{"submit", "return", "submit", "check_compliance",
                                               "start_review", "approve", "publish_notice",
                                               "start_implementation", "complete", "accept",
                                               "evaluate", "start_maintenance"}));
  EXPECT_EQ(done["obligations"][0]["status"], "fulfilled");
  EXPECT_EQ(done["obligations"][0]["fulfilled_by"], "cun_a");
  EXPECT_TRUE(identity_->verify_audit().intact);
}

// Rejection in the joint review: the leader group or the lead department only; afterwards
// nothing moves the project any more.
TEST_P(ProjectMatrixTest, rejection_is_for_the_leader_group_and_the_lead_department) {
  const Users v0 = {"root", "leader", "zrj", "sthj", "nync", "czj", "zhen_a", "cun_a", "expert", "shenji"};
  auto made = expect_ok("cun_a",
                        {bhttp::verb::post, "/api/v1/projects",
                         {{"name", "村庄整理"}, {"type", type_}, {"region_code", village_a_},
                          {"plan", {{"area", area_}}}}},
                        201);
  ASSERT_EQ(made.status, 201);
  id_ = made.json()["id"].get<std::int64_t>();
  for (const auto& [user, a] : std::vector<std::pair<std::string, std::string>>{
           {"cun_a", "submit"}, {"zrj", "check_compliance"}, {"zrj", "start_review"}})
    expect_ok(user, {bhttp::verb::post, path("/actions"), {{"action", a}, {"confirm_findings", true}}});
  action("reject", "zrj", {"leader", "zrj"}, v0, {{"comment", "不符合国土空间规划"}});
  EXPECT_EQ(detail()["state"], "rejected");
  for (const char* a : {"submit", "approve", "return", "publish_notice", "start_review"})
    expect_refused("zrj", {bhttp::verb::post, path("/actions"), {{"action", a}, {"comment", "再议"}}}, 409,
                   "invalid_transition");
  expect_refused("zrj", {bhttp::verb::post, path("/actions"), {{"action", "no_such_action"}}}, 400, "unknown_action");
}

INSTANTIATE_TEST_SUITE_P(Backends, ProjectMatrixTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
