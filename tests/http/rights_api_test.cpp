// Rights adjustment over real HTTP on loopback, against `gongzhi serve` on both backends: the
// village links villager accounts to households, the natural-resources bureau records a
// reallocation plan for a project, each villager sees only their own household's parcels before
// and after (another household's is 404), confirms or objects; the objection runs through
// mediation to a ruling, and the project's approval is refused until every household has
// answered and no dispute is open. The homestead compensation ledger takes whole fen only,
// is decided by the agriculture bureau, never by the recorder, and refuses UPDATE and DELETE in
// the database itself.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "../storage/store_backends.h"
#include "../storage/project_seed.h"
#include "../services/realloc_seed.h"
#include "common/error.h"
#include "http_client.h"
#include "live_support.h"
#include "services/password.h"
#include "services/realloc.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

namespace bhttp = boost::beast::http;
using nlohmann::json;

constexpr const char* kPassword = "a long enough password";

class RightsApiTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    {
      auto store = storage::Store::open(location(), {.create = true});
      // 10 households (H00001 … H00010) holding 30 scattered parcels.
      services::write_demo_parcels(*store, "parcels", 10, 30, 1);
    }
    auto hash = services::hash_password(kPassword);
    auto identity = storage::IdentityStore::open(location(), {.create = true});
    identity->create_first_admin("root", hash, "cli:test");
    const std::vector<std::pair<std::string, Grant>> users{
        {"ziran", {Role::lead_department, "自然资源局", "340123"}},
        {"ziran_b", {Role::lead_department, "自然资源局", "340124"}},
        {"nongye", {Role::co_reviewing_department, "农业农村局", "340123"}},
        {"zhen", {Role::township, "", "340123100"}},
        {"cun", {Role::village_collective, "", "340123100201"}},
        {"cunmin", {Role::villager, "", "340123100201"}},
        {"cun_b", {Role::village_collective, "", "340123100202"}},
        {"cun_c", {Role::village_collective, "", "340123100203"}},
        {"xicunmin", {Role::villager, "", "340123100202"}},
        {"linju", {Role::villager, "", "340123100201"}},
        {"qiye", {Role::investor, "", "340123100"}},
    };
    for (const auto& [name, grant] : users) identity->add_user({name, hash, {grant}}, "root");
    auto projects = storage::ProjectStore::open(location());
    project_ = projects->write([](storage::ProjectTx& tx) {
      return seed_project(tx, {"XM2026-001", "东村高标准农田整治", "340123100201", ProjectState::joint_review});  // no reviews owed: approval waits only for rights
    });
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
  HttpReply post(const std::string& target, const std::string& token, const json& body) {
    return http_request(port_, bhttp::verb::post, target, body.dump(),
                        {{"Authorization", "Bearer " + token}});
  }
  std::string rights(const std::string& rest) {
    return "/api/v1/projects/" + std::to_string(project_) + "/rights" + rest;
  }
  HttpReply approve(const std::string& token) {
    return post("/api/v1/projects/" + std::to_string(project_) + "/actions", token,
                {{"action", "approve"}, {"comment", "同意立项"}});
  }
  void link(const std::string& official, const std::string& user, const std::string& household) {
    auto r = post("/api/v1/rights/members", official,
                  {{"household_code", household}, {"username", user}, {"region_code", "340123100201"}});
    ASSERT_EQ(r.status, 201) << r.body;
  }
  // The job started by POST …/rights/plans (202), followed until it ends.
  json finished_job(const std::string& token, const HttpReply& started) {
    EXPECT_EQ(started.status, 202) << started.body;
    if (started.status != 202) return json::object();
    auto id = started.json()["job"]["id"].get<std::int64_t>();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = get(rights("/plan-jobs/" + std::to_string(id)), token);
      EXPECT_EQ(r.status, 200) << r.body;
      if (r.status != 200) return json::object();
      auto j = r.json();
      if (j["status"] == "succeeded" || j["status"] == "failed") return j;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "plan job " << id << " did not end";
    return json::object();
  }
  // A plan run to its end: the plan recorded (or an empty object, the failure reported).
  json run_plan(const std::string& token, const json& body) {
    auto j = finished_job(token, post(rights("/plans"), token, body));
    EXPECT_EQ(j.value("status", ""), "succeeded") << j.dump();
    return j.value("plan", json::object());
  }
  // The plan over the whole parcels layer, recorded by the natural-resources bureau.
  json plan(const std::string& ziran) {
    return run_plan(ziran, {{"parcels_layer", "parcels"}, {"tolerance", 0.02}});
  }
  std::string error_code(const HttpReply& r) { return r.json()["error"]["code"].get<std::string>(); }

  unsigned short port_ = 0;
  std::unique_ptr<ServeProcess> server_;
  std::int64_t project_ = 0;
};

TEST_P(RightsApiTest, households_confirm_or_object_and_approval_waits_for_every_answer_and_dispute) {
  start();
  auto ziran = token("ziran"), zhen = token("zhen"), cun = token("cun"), cunmin = token("cunmin"),
       linju = token("linju");
  link(cun, "cunmin", "H00001");
  link(cun, "linju", "H00002");

  auto p = plan(ziran);
  EXPECT_EQ(p["households"], 10);
  EXPECT_EQ(p["status"], "current");
  EXPECT_EQ(p["answers"]["pending"], 10);
  EXPECT_EQ(p["result_layer"], "parcels-XM2026-001");
  EXPECT_LT(p["fragmentation"]["after"]["parcels_per_household"].get<double>(),
            p["fragmentation"]["before"]["parcels_per_household"].get<double>());

  // The villager finds the plan through its household and sees its parcels as GeoJSON.
  auto mine = get("/api/v1/rights/mine", cunmin);
  ASSERT_EQ(mine.status, 200) << mine.body;
  ASSERT_EQ(mine.json()["plans"].size(), 1u);
  EXPECT_EQ(mine.json()["plans"][0]["project_code"], "XM2026-001");
  EXPECT_EQ(mine.json()["plans"][0]["household"]["status"], "pending");
  auto own = get(rights("/households/H00001"), cunmin);
  ASSERT_EQ(own.status, 200) << own.body;
  auto h = own.json();
  EXPECT_EQ(h["before"]["type"], "FeatureCollection");
  EXPECT_EQ(h["before"]["features"].size(), h["household"]["parcels_before"].get<std::size_t>());
  EXPECT_EQ(h["after"]["features"].size(), h["household"]["parcels_after"].get<std::size_t>());
  EXPECT_GT(h["after"]["features"].size(), 0u);
  EXPECT_EQ(h["after"]["features"][0]["geometry"]["type"], "Polygon");
  EXPECT_EQ(h["after"]["features"][0]["properties"]["CBFBM"], "H00001");
  EXPECT_NEAR(h["household"]["value_after"].get<double>(), h["household"]["value_before"].get<double>(),
              0.02 * h["household"]["value_before"].get<double>());
  // Another household's parcels, the whole list, and unknown households are not there for it.
  EXPECT_EQ(get(rights("/households/H00002"), cunmin).status, 404);
  EXPECT_EQ(get(rights("/households"), cunmin).status, 404);
  EXPECT_EQ(get(rights("/households/H99999"), cunmin).status, 404);
  EXPECT_EQ(get(rights("/households/H99999"), ziran).status, 404);
  EXPECT_EQ(get(rights("/households/H00002"), ziran).status, 200);

  auto refused = approve(ziran);
  ASSERT_EQ(refused.status, 409) << refused.body;
  EXPECT_EQ(error_code(refused), "households_unconfirmed");
  EXPECT_NE(refused.json()["error"]["message_zh"].get<std::string>().find("10 户未确认"), std::string::npos);

  auto ok = post(rights("/households/H00001/confirm"), cunmin, json::object());
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json()["status"], "confirmed");
  auto twice = post(rights("/households/H00001/confirm"), cunmin, json::object());
  EXPECT_EQ(twice.status, 409);
  EXPECT_EQ(error_code(twice), "already_answered");
  EXPECT_EQ(post(rights("/households/H00002/confirm"), cunmin, json::object()).status, 404);

  auto no_reason = post(rights("/households/H00002/objection"), linju, json::object());
  EXPECT_EQ(no_reason.status, 400);
  EXPECT_EQ(post(rights("/households/H00002/objection"), linju, {{"reason", "   "}}).status, 400);
  auto objection = post(rights("/households/H00002/objection"), linju,
                        {{"reason", "新地块离家太远，且灌溉条件不如原来的河边地"}});
  ASSERT_EQ(objection.status, 201) << objection.body;
  EXPECT_EQ(objection.json()["status"], "registered");
  auto dispute = objection.json()["id"].get<std::int64_t>();
  auto d = [&](const std::string& rest) { return rights("/disputes/" + std::to_string(dispute) + rest); };
  EXPECT_EQ(get(d(""), linju).status, 200);
  EXPECT_EQ(get(d(""), cunmin).status, 404);  // another household's dispute
  EXPECT_EQ(get(rights("/disputes"), cunmin).json()["disputes"].size(), 0u);
  EXPECT_EQ(get(rights("/disputes"), linju).json()["disputes"].size(), 1u);

  // The village records the paper answers of the other eight households, saying so.
  auto bare = post(rights("/households/H00003/confirm"), cun, json::object());
  EXPECT_EQ(bare.status, 400);
  EXPECT_EQ(error_code(bare), "note_required");
  for (int i = 3; i <= 10; ++i) {
    char code[8];
    std::snprintf(code, sizeof code, "H%05d", i);
    auto r = post(rights(std::string("/households/") + code + "/confirm"), cun,
                  {{"note", "户主书面签字确认（纸质确认书第 " + std::to_string(i) + " 号）"}});
    ASSERT_EQ(r.status, 200) << r.body;
  }
  refused = approve(ziran);
  ASSERT_EQ(refused.status, 409) << refused.body;
  EXPECT_EQ(error_code(refused), "rights_disputes_open");

  // Mediation: wrong-state steps are 409, wrong people 403, bad dates 400.
  auto early = post(d("/agreement"), zhen, {{"agreement", "同意"}});
  EXPECT_EQ(early.status, 409);
  EXPECT_EQ(error_code(early), "dispute_wrong_state");
  json meeting = {{"held_on", "2026-12-03"}, {"place", "东村村委会议室"}, {"mediator", "镇调解委员会 王主任"},
                  {"minutes", "双方陈述意见，拟以邻近河边地块调换。"}};
  EXPECT_EQ(post(d("/meetings"), linju, meeting).status, 403);
  auto bad_date = meeting;
  bad_date["held_on"] = "2026-02-30";
  EXPECT_EQ(post(d("/meetings"), zhen, bad_date).status, 400);
  auto m = post(d("/meetings"), zhen, meeting);
  ASSERT_EQ(m.status, 201) << m.body;
  EXPECT_EQ(m.json()["status"], "mediation");
  EXPECT_EQ(m.json()["meetings"].size(), 1u);
  EXPECT_EQ(post(d("/ruling"), ziran, {{"ruling", "维持"}}).status, 409);
  auto esc = post(d("/escalation"), cun, {{"reason", "调解未成，农户要求县自然资源局处理"}});
  ASSERT_EQ(esc.status, 200) << esc.body;
  EXPECT_EQ(esc.json()["status"], "escalated");
  EXPECT_EQ(post(d("/ruling"), zhen, {{"ruling", "维持"}}).status, 403);
  auto ruled = post(d("/ruling"), ziran, {{"ruling", "将 H00002 的第二块调至河边同等级地块，价值偏差 0.4%"}});
  ASSERT_EQ(ruled.status, 200) << ruled.body;
  EXPECT_EQ(ruled.json()["status"], "ruled");
  EXPECT_FALSE(ruled.json()["open"].get<bool>());

  auto approved = approve(ziran);
  ASSERT_EQ(approved.status, 200) << approved.body;
  auto late = post(rights("/plans"), ziran, {{"parcels_layer", "parcels"}});
  EXPECT_EQ(late.status, 409);
  EXPECT_EQ(error_code(late), "project_past_approval");

  // Every step is in the audit log.
  auto root = token("root");
  auto audit = get("/api/v1/audit?action=rights.&limit=100", root);
  ASSERT_EQ(audit.status, 200) << audit.body;
  std::map<std::string, int> actions;
  auto entries = audit.json()["entries"];
  for (const auto& e : entries) actions[e["action"].get<std::string>()]++;
  EXPECT_EQ(actions["rights.member_add"], 2);
  EXPECT_EQ(actions["rights.plan_record"], 1);
  EXPECT_EQ(actions["rights.confirm"], 9);
  EXPECT_EQ(actions["rights.object"], 1);
  EXPECT_EQ(actions["rights.dispute_meeting"], 1);
  EXPECT_EQ(actions["rights.dispute_escalate"], 1);
  EXPECT_EQ(actions["rights.dispute_rule"], 1);
  // …and on the live feed of the project.
  auto kinds = where_->query("SELECT kind FROM events WHERE kind LIKE 'rights.%' ORDER BY seq");
  for (const char* k : {"rights.plan_recorded", "rights.household_confirmed", "rights.dispute_registered",
                        "rights.dispute_mediation", "rights.dispute_escalated", "rights.dispute_ruled"})
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), k), kinds.end()) << k;
}

TEST_P(RightsApiTest, an_agreement_after_mediation_closes_the_dispute_and_lets_the_project_be_approved) {
  start();
  auto ziran = token("ziran"), zhen = token("zhen"), cun = token("cun"), linju = token("linju");
  link(cun, "linju", "H00002");
  plan(ziran);
  for (int i = 1; i <= 10; ++i) {
    if (i == 2) continue;
    char code[8];
    std::snprintf(code, sizeof code, "H%05d", i);
    ASSERT_EQ(post(rights(std::string("/households/") + code + "/confirm"), zhen,
                   {{"note", "书面确认书已存档"}}).status, 200);
  }
  auto o = post(rights("/households/H00002/objection"), linju, {{"reason", "新地块地势低洼，易积水"}});
  ASSERT_EQ(o.status, 201) << o.body;
  auto d = rights("/disputes/" + std::to_string(o.json()["id"].get<std::int64_t>()));
  EXPECT_EQ(error_code(approve(ziran)), "rights_disputes_open");
  ASSERT_EQ(post(d + "/meetings", cun, {{"held_on", "2026-12-05"}, {"place", "村委会"}, {"mediator", "村调解委员会 李主任"},
                                        {"minutes", "同意在排水沟完工后再行确认"}}).status, 201);
  EXPECT_EQ(post(d + "/agreement", cun, json::object()).status, 400);
  auto agreed = post(d + "/agreement", cun, {{"agreement", "由村集体负责修建排水沟，农户接受新地块"}});
  ASSERT_EQ(agreed.status, 200) << agreed.body;
  EXPECT_EQ(agreed.json()["status"], "agreed");
  EXPECT_EQ(error_code(post(d + "/agreement", cun, {{"agreement", "again"}})), "dispute_wrong_state");
  EXPECT_EQ(error_code(post(d + "/meetings", cun, {{"held_on", "2026-12-06"}, {"place", "x"}, {"mediator", "y"},
                                                    {"minutes", "z"}})), "dispute_wrong_state");
  EXPECT_EQ(error_code(post(d + "/escalation", cun, {{"reason", "late"}})), "dispute_wrong_state");
  auto approved = approve(ziran);
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_EQ(approved.json()["state"], "approved");
}

TEST_P(RightsApiTest, plans_and_memberships_refuse_bad_input_and_the_wrong_people) {
  start();
  auto ziran = token("ziran"), ziran_b = token("ziran_b"), cun = token("cun"), cunmin = token("cunmin"),
       qiye = token("qiye"), zhen = token("zhen");
  auto unknown = post(rights("/plans"), ziran, {{"parcels_layer", "nothing"}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(error_code(unknown), "unknown_layer");
  EXPECT_EQ(error_code(post(rights("/plans"), ziran, {{"parcels_layer", "parcels"}, {"tolerance", 0}})),
            "invalid_tolerance");
  EXPECT_EQ(post(rights("/plans"), ziran, {{"parcels_layer", "parcels"}, {"tolerance", "2%"}}).status, 400);
  EXPECT_EQ(post(rights("/plans"), ziran, {{"parcels_layer", "parcels"}, {"colour", 1}}).status, 400);
  // The engine's findings come at the end of the job, as the error a synchronous call gave.
  auto no_unit = finished_job(ziran, post(rights("/plans"), ziran, {{"parcels_layer", "parcels"}, {"unit", "DY-9"}}));
  EXPECT_EQ(no_unit["status"], "failed");
  EXPECT_EQ(no_unit["error"]["status"], 400);
  EXPECT_EQ(no_unit["error"]["code"], "realloc_input");
  EXPECT_FALSE(no_unit["error"]["message_zh"].get<std::string>().empty());
  EXPECT_EQ(post(rights("/plans"), cunmin, {{"parcels_layer", "parcels"}}).status, 404);
  EXPECT_EQ(post(rights("/plans"), qiye, {{"parcels_layer", "parcels"}}).status, 404);
  EXPECT_EQ(post(rights("/plans"), ziran_b, {{"parcels_layer", "parcels"}}).status, 404);
  auto collective = post(rights("/plans"), cun, {{"parcels_layer", "parcels"}});
  EXPECT_EQ(collective.status, 403);
  EXPECT_EQ(error_code(collective), "not_plan_manager");
  EXPECT_EQ(get(rights("/plans"), ziran).json()["plans"].size(), 0u);

  // A second plan supersedes the first; its households start again.
  plan(ziran);
  // H00002 stays (a stayer whose parcels split the small pool so that no workable plan exists,
  // H00004 e.g., is refused: docs/realloc.md, "Limitations").
  auto second = run_plan(zhen, {{"parcels_layer", "parcels"}, {"stay", {"H00002"}}});
  EXPECT_EQ(second["answers"]["unchanged"], 1);
  EXPECT_EQ(second["answers"]["pending"], 9);
  auto plans = get(rights("/plans"), ziran).json()["plans"];
  ASSERT_EQ(plans.size(), 2u);
  EXPECT_EQ(plans[0]["status"], "superseded");
  EXPECT_EQ(plans[1]["status"], "current");
  auto stayed = post(rights("/households/H00002/confirm"), cun, {{"note", "书面确认"}});
  EXPECT_EQ(stayed.status, 409);

  // Memberships: only the village's own officials link villager accounts of that village.
  json m = {{"household_code", "H00001"}, {"username", "cunmin"}, {"region_code", "340123100201"}};
  EXPECT_EQ(post("/api/v1/rights/members", cunmin, m).status, 403);
  EXPECT_EQ(post("/api/v1/rights/members", ziran, m).status, 403);
  auto nobody = m;
  nobody["username"] = "nobody";
  EXPECT_EQ(error_code(post("/api/v1/rights/members", cun, nobody)), "unknown_user");
  auto official = m;
  official["username"] = "zhen";
  EXPECT_EQ(error_code(post("/api/v1/rights/members", cun, official)), "not_a_villager_there");
  auto bad_code = m;
  bad_code["household_code"] = "H 1; DROP TABLE";
  EXPECT_EQ(error_code(post("/api/v1/rights/members", cun, bad_code)), "invalid_household_code");
  ASSERT_EQ(post("/api/v1/rights/members", cun, m).status, 201);
  EXPECT_EQ(error_code(post("/api/v1/rights/members", cun, m)), "already_member");
  auto list = get("/api/v1/rights/members", cun);
  ASSERT_EQ(list.json()["members"].size(), 1u);
  auto id = list.json()["members"][0]["id"].get<std::int64_t>();
  EXPECT_EQ(get("/api/v1/rights/members", ziran_b).json()["members"].size(), 0u);
  auto del = http_request(port_, bhttp::verb::delete_, "/api/v1/rights/members/" + std::to_string(id), "",
                          {{"Authorization", "Bearer " + cunmin}});
  EXPECT_EQ(del.status, 404);
  del = http_request(port_, bhttp::verb::delete_, "/api/v1/rights/members/" + std::to_string(id), "",
                     {{"Authorization", "Bearer " + cun}});
  EXPECT_EQ(del.status, 200) << del.body;
  EXPECT_EQ(get(rights("/households/H00001"), cunmin).status, 404);
}

TEST_P(RightsApiTest, the_compensation_ledger_takes_whole_fen_is_decided_by_agriculture_and_never_rewritten) {
  start();
  auto ziran = token("ziran"), zhen = token("zhen"), cun = token("cun"), cunmin = token("cunmin"),
       nongye = token("nongye");
  link(cun, "cunmin", "H00001");
  plan(ziran);
  json entry = {{"household_code", "H00003"}, {"amount_fen", 12345678}, {"area_m2", 180.5},
                {"basis", "宅基地 180.5 m²，按县补偿标准 684 元/m²"}};
  for (const json& amount : {json(-100), json(0), json(12.5), json("1000"), json(1e16),
                             json(std::uint64_t{18446744073709551615ull})}) {
    auto bad = entry;
    bad["amount_fen"] = amount;
    auto r = post(rights("/compensation"), zhen, bad);
    EXPECT_EQ(r.status, 400) << amount.dump() << " " << r.body;
    EXPECT_EQ(error_code(r), "invalid_amount");
  }
  auto null_amount = entry;
  null_amount["amount_fen"] = nullptr;
  EXPECT_EQ(post(rights("/compensation"), zhen, null_amount).status, 400);
  auto stranger = entry;
  stranger["household_code"] = "H77777";
  EXPECT_EQ(error_code(post(rights("/compensation"), zhen, stranger)), "unknown_household");
  auto no_basis = entry;
  no_basis.erase("basis");
  EXPECT_EQ(post(rights("/compensation"), zhen, no_basis).status, 400);
  EXPECT_EQ(post(rights("/compensation"), nongye, entry).status, 403);
  EXPECT_EQ(get(rights("/compensation"), ziran).json()["entries"].size(), 0u);

  auto e = post(rights("/compensation"), zhen, entry);
  ASSERT_EQ(e.status, 201) << e.body;
  EXPECT_EQ(e.json()["status"], "pending");
  EXPECT_EQ(e.json()["amount_yuan"], "123456.78");
  auto id = e.json()["id"].get<std::int64_t>();
  auto own = entry;
  own["household_code"] = "H00001";
  own["amount_fen"] = 500000;
  ASSERT_EQ(post(rights("/compensation"), cun, own).status, 201);

  auto decision = rights("/compensation/" + std::to_string(id) + "/decision");
  EXPECT_EQ(post(decision, zhen, {{"decision", "approve"}}).status, 403);
  EXPECT_EQ(post(decision, nongye, {{"decision", "maybe"}}).status, 400);
  EXPECT_EQ(error_code(post(decision, nongye, {{"decision", "refuse"}})), "comment_required");
  auto ok = post(decision, nongye, {{"decision", "approve"}, {"comment", "核对面积无误"}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json()["status"], "approved");
  EXPECT_EQ(error_code(post(decision, nongye, {{"decision", "approve"}})), "already_decided");

  auto totals = get(rights("/compensation/totals"), ziran);
  ASSERT_EQ(totals.status, 200) << totals.body;
  EXPECT_EQ(totals.json()["approved_fen"], 12345678);
  EXPECT_EQ(totals.json()["pending_fen"], 500000);
  EXPECT_EQ(totals.json()["households"].size(), 2u);
  // The villager sees its own household's entry only.
  auto mine = get(rights("/compensation"), cunmin);
  ASSERT_EQ(mine.status, 200) << mine.body;
  ASSERT_EQ(mine.json()["entries"].size(), 1u);
  EXPECT_EQ(mine.json()["entries"][0]["household_code"], "H00001");
  EXPECT_EQ(get(rights("/compensation/totals"), cunmin).status, 404);

  // The database itself refuses to rewrite or delete the ledger and its decisions.
  EXPECT_ANY_THROW(where_->exec("UPDATE homestead_compensation SET amount_fen = 1"));
  EXPECT_ANY_THROW(where_->exec("DELETE FROM homestead_compensation"));
  EXPECT_ANY_THROW(where_->exec("UPDATE homestead_compensation_decisions SET decision = 'refused'"));
  EXPECT_EQ(get(rights("/compensation/totals"), ziran).json()["approved_fen"], 12345678);
}

TEST_P(RightsApiTest, a_plan_runs_as_a_job_with_progress_on_the_live_feed_one_at_a_time_per_project) {
  {
    // 400 households holding 2,000 parcels: a plan of a second or more.
    auto store = storage::Store::open(location());
    services::write_demo_parcels(*store, "big", 400, 2000, 3);
    // The demo plus a lone parcel too small to be farmed: no plan keeps every value to a billionth.
    write_demo_with_a_lone_small_parcel(*store, "strict", 10, 30, 1);
  }
  start();
  auto ziran = token("ziran"), zhen = token("zhen"), cunmin = token("cunmin"), ziran_b = token("ziran_b");
  SseClient feed(port_, ziran);
  ASSERT_EQ(feed.status(), 200);
  ASSERT_TRUE(feed.wait_comment("connected", std::chrono::seconds(5)));

  auto started = post(rights("/plans"), ziran, {{"parcels_layer", "big"}});
  ASSERT_EQ(started.status, 202) << started.body;
  auto job = started.json()["job"];
  EXPECT_EQ(job["status"], "queued");
  EXPECT_TRUE(job["error"].is_null());
  // One plan job per project at a time.
  auto again = post(rights("/plans"), zhen, {{"parcels_layer", "parcels"}});
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(error_code(again), "plan_job_running");
  // The job is the project's: others get what they get for its plans.
  auto id = std::to_string(job["id"].get<std::int64_t>());
  EXPECT_EQ(get(rights("/plan-jobs/" + id), ziran_b).status, 404);
  EXPECT_EQ(get(rights("/plan-jobs/" + id), cunmin).status, 404);  // not public yet
  EXPECT_EQ(get(rights("/plan-jobs/999999"), ziran).status, 404);

  auto done = finished_job(ziran, started);
  ASSERT_EQ(done["status"], "succeeded") << done.dump();
  EXPECT_EQ(done["plan"]["households"], 400);
  EXPECT_EQ(done["plan"]["result_layer"], "big-XM2026-001");
  EXPECT_NE(done["finished_at"], "");

  // The live feed told the official how it went: queued, running through the engine's stages,
  // succeeded with the plan.
  std::vector<std::string> statuses, stages;
  std::string seen;  // for the failure message
  for (int i = 0; i < 200; ++i) {
    auto e = feed.next(std::chrono::seconds(10));
    if (!e) break;
    seen += e->kind + " " + e->data + "\n";
    if (e->kind != "rights.plan_job") continue;
    auto d = e->json()["payload"];
    if (d["job"] != job["id"]) continue;
    statuses.push_back(d["status"]);
    if (!d["stage"].get<std::string>().empty()) stages.push_back(d["stage"]);
    if (d["status"] == "succeeded") {
      EXPECT_EQ(d["plan"], done["plan_id"]);
      break;
    }
  }
  ASSERT_FALSE(statuses.empty()) << seen;
  EXPECT_EQ(statuses.front(), "queued");
  EXPECT_EQ(statuses.back(), "succeeded");
  EXPECT_NE(std::find(statuses.begin(), statuses.end(), "running"), statuses.end());
  EXPECT_NE(std::find(stages.begin(), stages.end(), "assign"), stages.end());

  // Then the next one may start; the list has both, newest first.
  auto next = finished_job(zhen, post(rights("/plans"), zhen, {{"parcels_layer", "parcels"}}));
  EXPECT_EQ(next["status"], "succeeded");
  auto jobs = get(rights("/plan-jobs"), ziran);
  ASSERT_EQ(jobs.status, 200) << jobs.body;
  ASSERT_EQ(jobs.json()["jobs"].size(), 2u);
  EXPECT_EQ(jobs.json()["jobs"][0]["id"], next["id"]);

  // A failed plan (outside the tolerance) ends with the error and leaves no layer version.
  auto strict = finished_job(ziran, post(rights("/plans"), ziran, {{"parcels_layer", "strict"}, {"tolerance", 1e-9}}));
  EXPECT_EQ(strict["status"], "failed");
  EXPECT_EQ(strict["error"]["status"], 409);
  EXPECT_EQ(strict["error"]["code"], "tolerance_exceeded");
  auto store = storage::Store::open(location());
  EXPECT_EQ(store->versions("parcels-XM2026-001").size(), 1u);
  EXPECT_THROW(store->versions("strict-XM2026-001"), NotFoundError);

  auto audit = get("/api/v1/audit?action=rights.&limit=100", token("root"));
  ASSERT_EQ(audit.status, 200) << audit.body;
  std::map<std::string, int> actions;
  auto entries = audit.json()["entries"];
  for (const auto& e : entries) actions[e["action"].get<std::string>()]++;
  EXPECT_EQ(actions["rights.plan_job_start"], 3);
  EXPECT_EQ(actions["rights.plan_record"], 2);
  EXPECT_EQ(actions["rights.plan_job_failed"], 1);
}

// Issue 14, suspicion 8a (confirmed): reads_all_households looked at the roles of a user's
// grants but not at their regions, so a user who sees the project as an expert and is a township
// official elsewhere read every household of it.
TEST_P(RightsApiTest, an_official_grant_elsewhere_does_not_open_every_household_of_a_project_seen_through_another_grant) {
  {
    auto identity = storage::IdentityStore::open(location());
    identity->add_user({"duo", services::hash_password(kPassword),
                        {{Role::expert, "", "340123"}, {Role::township, "", "340124100"}}},
                       "root");
  }
  start();
  auto ziran = token("ziran"), duo = token("duo");
  plan(ziran);
  ASSERT_EQ(get("/api/v1/projects/" + std::to_string(project_), duo).status, 200);  // sees it
  auto all = get(rights("/households"), duo);
  EXPECT_EQ(all.status, 403) << all.body;
  EXPECT_EQ(get(rights("/households/H00002"), duo).status, 404);
  // The same official grant over the project's region does open them.
  auto zhen = get(rights("/households"), token("zhen"));
  EXPECT_EQ(zhen.status, 200) << zhen.body;
}

TEST_P(RightsApiTest, a_village_collective_reaches_a_township_project_for_its_own_households_only) {
  // A township project (乡镇级项目) whose plan covers households of two villages.
  auto township_project = storage::ProjectStore::open(location())->write([](storage::ProjectTx& tx) {
    return seed_project(tx, {"XM2026-002", "镇域土地整治", "340123100", ProjectState::joint_review});
  });
  start();
  auto ziran = token("ziran"), zhen = token("zhen"), cun = token("cun"), cun_b = token("cun_b"),
       cun_c = token("cun_c");
  std::string base = "/api/v1/projects/" + std::to_string(township_project);
  auto tr = [&](const std::string& rest) { return base + "/rights" + rest; };
  auto listed = [&](const std::string& t) {
    auto all = get("/api/v1/projects", t).json();
    for (const auto& p : all["projects"])
      if (p["code"] == "XM2026-002") return true;
    return false;
  };
  // Before any plan names its households the collective does not see the township's project.
  EXPECT_EQ(get(base, cun).status, 404);
  EXPECT_FALSE(listed(cun));
  {
    // The plan runs as a job (202); followed on the township project's job route until it ends.
    auto started = post(tr("/plans"), ziran, {{"parcels_layer", "parcels"}, {"tolerance", 0.02}});
    ASSERT_EQ(started.status, 202) << started.body;
    auto job = tr("/plan-jobs/" + std::to_string(started.json()["job"]["id"].get<std::int64_t>()));
    std::string status;
    for (int i = 0; i < 2400 && status != "succeeded" && status != "failed"; ++i) {
      if (i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      auto r = get(job, ziran);
      ASSERT_EQ(r.status, 200) << r.body;
      status = r.json()["status"].get<std::string>();
    }
    ASSERT_EQ(status, "succeeded");
  }
  EXPECT_EQ(get(base, cun).status, 404);  // no household is registered in its village yet

  link(cun, "cunmin", "H00001");  // household H00001 of village …201
  auto b = post("/api/v1/rights/members", zhen,
                {{"household_code", "H00002"}, {"username", "xicunmin"}, {"region_code", "340123100202"}});
  ASSERT_EQ(b.status, 201) << b.body;

  // Now it reads the project (and lists it), and the plan's households of its village only.
  EXPECT_EQ(get(base, cun).status, 200);
  EXPECT_TRUE(listed(cun)) << get("/api/v1/projects", cun).body;
  auto hh = get(tr("/households"), cun);
  ASSERT_EQ(hh.status, 200) << hh.body;
  ASSERT_EQ(hh.json()["households"].size(), 1u) << hh.body;
  EXPECT_EQ(hh.json()["households"][0]["household_code"], "H00001");
  EXPECT_EQ(get(tr("/households/H00001"), cun).status, 200);
  // Another village's household, an unregistered one, an unknown one: not there for it.
  EXPECT_EQ(get(tr("/households/H00002"), cun).status, 404);
  EXPECT_EQ(get(tr("/households/H00003"), cun).status, 404);
  EXPECT_EQ(post(tr("/households/H00002/confirm"), cun, {{"note", "书面确认"}}).status, 404);
  EXPECT_EQ(post(tr("/households/H00003/objection"), cun, {{"reason", "代录"}}).status, 404);

  // It records its household's written answer, saying so; audited with who recorded it.
  EXPECT_EQ(error_code(post(tr("/households/H00001/confirm"), cun, json::object())), "note_required");
  auto ok = post(tr("/households/H00001/confirm"), cun, {{"note", "农户书面确认书（2026-12-01）"}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json()["status"], "confirmed");
  EXPECT_EQ(ok.json()["answered_by"], "cun");

  // The other village's collective answers for its own household, not for H00001.
  auto objection = post(tr("/households/H00002/objection"), cun_b, {{"reason", "农户书面异议：新地块灌溉不便"}});
  ASSERT_EQ(objection.status, 201) << objection.body;
  EXPECT_EQ(get(tr("/households/H00001"), cun_b).status, 404);
  auto dispute = objection.json()["id"].get<std::int64_t>();
  EXPECT_EQ(get(tr("/disputes/" + std::to_string(dispute)), cun_b).status, 200);
  EXPECT_EQ(get(tr("/disputes/" + std::to_string(dispute)), cun).status, 404);
  EXPECT_EQ(get(tr("/disputes"), cun).json()["disputes"].size(), 0u);
  EXPECT_EQ(get(tr("/disputes"), cun_b).json()["disputes"].size(), 1u);
  // Mediating a township project's dispute stays with the township: visible, not allowed.
  EXPECT_EQ(post(tr("/disputes/" + std::to_string(dispute) + "/meetings"), cun_b,
                 {{"held_on", "2026-12-05"}, {"place", "村委会"}, {"mediator", "x"}, {"minutes", "y"}})
                .status,
            403);

  // A collective whose village has no household in the plan still sees nothing.
  EXPECT_EQ(get(base, cun_c).status, 404);
  EXPECT_EQ(get(tr("/households"), cun_c).status, 404);
  EXPECT_EQ(post(tr("/households/H00001/confirm"), cun_c, {{"note", "x"}}).status, 404);
  // The project it reads is one its village's assembly may vote on; a collective that does not
  // reach the project may not link a vote to it (404, as for any project it does not see).
  auto reps = http_request(port_, bhttp::verb::put, "/api/v1/villages/340123100201/representatives",
                           json{{"usernames", {"cunmin"}}}.dump(), {{"Authorization", "Bearer " + cun}});
  ASSERT_EQ(reps.status, 200) << reps.body;
  auto vote = post("/api/v1/votes", cun,
                   {{"region_code", "340123100201"}, {"question", "同意镇域土地整治的权属调整方案"},
                    {"project_id", township_project}});
  ASSERT_EQ(vote.status, 201) << vote.body;
  EXPECT_EQ(vote.json()["project_id"], township_project);
  EXPECT_EQ(post("/api/v1/votes", cun_c,
                 {{"region_code", "340123100203"}, {"question", "x"}, {"project_id", township_project}})
                .status,
            404);

  // Project state changes and plans stay forbidden to the collective (403: it sees the project).
  EXPECT_EQ(post(base + "/actions", cun, {{"action", "approve"}, {"comment", "同意"}}).status, 403);
  EXPECT_EQ(post(tr("/plans"), cun, {{"parcels_layer", "parcels"}}).status, 403);
  EXPECT_EQ(get(base, cun).json()["state"], "joint_review");

  auto root = token("root");
  auto audit = get("/api/v1/audit?action=rights.&limit=100", root);
  ASSERT_EQ(audit.status, 200) << audit.body;
  int by_collective = 0;
  auto entries = audit.json()["entries"];
  for (const auto& e : entries) {
    if (e["actor"] != "cun" && e["actor"] != "cun_b") continue;
    if (e["action"] != "rights.confirm" && e["action"] != "rights.object") continue;
    ++by_collective;
    EXPECT_NE(e.dump().find("for_village"), std::string::npos) << e.dump();
    EXPECT_NE(e.dump().find(e["actor"] == "cun" ? "340123100201" : "340123100202"), std::string::npos) << e.dump();
  }
  EXPECT_EQ(by_collective, 2) << audit.body;
}

INSTANTIATE_TEST_SUITE_P(Backends, RightsApiTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
