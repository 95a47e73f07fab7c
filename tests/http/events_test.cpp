// The live feed over real HTTP (GET /api/v1/events, Server-Sent Events) against `gongzhi serve`
// on both backends: each signed-in user receives exactly the events of the projects it may see,
// an event for one department only its users and the overseers; a client resumes with
// Last-Event-ID; heartbeats keep the stream alive and a logout ends it; SIGTERM ends every open
// stream and the server exits promptly.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>

#include "../storage/store_backends.h"
#include "live_support.h"
#include "services/password.h"
#include "storage/identity_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

namespace bhttp = boost::beast::http;
using namespace std::chrono_literals;

constexpr const char* kPassword = "a long enough password";
constexpr const char* kCounty = "340123";
constexpr const char* kTownA = "340123100";
constexpr const char* kTownB = "340123101";
constexpr const char* kVillageA = "340123100201";
constexpr const char* kVillageB = "340123101201";

class EventsApiTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    storage::Store::open(location(), {.create = true});
    auto hash = services::hash_password(kPassword);
    auto identity = storage::IdentityStore::open(location());
    identity->create_first_admin("root", hash, "cli:test");
    auto add = [&](const std::string& name, Role role, const std::string& dept, const std::string& region) {
      identity->add_user({name, hash, {Grant{role, dept, region}}}, "root");
    };
    add("zhen_a", Role::township, "", kTownA);
    add("zhen_b", Role::township, "", kTownB);
    add("zrj", Role::lead_department, "自然资源局", kCounty);
    add("sthj", Role::co_reviewing_department, "生态环境局", kCounty);
    add("czj", Role::co_reviewing_department, "财政局", kCounty);
    add("shenji", Role::auditor, "", kCounty);
    add("cun", Role::village_collective, "", kVillageA);
    add("min1", Role::villager, "", kVillageA);
    add("min2", Role::villager, "", kVillageA);
    add("xicun", Role::villager, "", kVillageB);
  }
  void start(const Env& env = {}) { server_ = std::make_unique<ServeProcess>(location(), env); }
  unsigned short port() const { return server_->port(); }
  std::string token(const std::string& user) {
    auto& t = tokens_[user];
    if (t.empty()) t = sign_in(port(), user, kPassword);
    return t;
  }
  HttpReply call(const std::string& user, bhttp::verb verb, const std::string& target,
                 const nlohmann::json& body = nullptr) {
    return api(port(), verb, target, token(user), body.is_null() ? "" : body.dump());
  }
  // A 生态保护修复 project in `region`, created by `user`: its id and code.
  std::pair<std::int64_t, std::string> create(const std::string& user, const std::string& region) {
    auto r = call(user, bhttp::verb::post, "/api/v1/projects",
                  {{"name", "湿地修复"}, {"type", "生态保护修复"}, {"region_code", region},
                   {"plan", square_area(117.1, 30.1, 0.01)}});
    EXPECT_EQ(r.status, 201) << r.body;
    return {r.json()["id"].get<std::int64_t>(), r.json()["code"].get<std::string>()};
  }
  void act(const std::string& user, std::int64_t id, const std::string& action) {
    auto r = call(user, bhttp::verb::post, "/api/v1/projects/" + std::to_string(id) + "/actions",
                  {{"action", action}});
    EXPECT_EQ(r.status, 200) << action << ": " << r.body;
  }
  // Township A's project up to the joint review (3 departments asked), then township B's.
  std::int64_t drive() {
    auto [id, code] = create("zhen_a", kTownA);
    act("zhen_a", id, "submit");
    act("zrj", id, "check_compliance");
    act("zrj", id, "start_review");
    create("zhen_b", kTownB);
    return id;
  }
  std::unique_ptr<SseClient> open(const std::string& user, const std::string& last_event_id = "") {
    auto c = std::make_unique<SseClient>(port(), token(user), last_event_id);
    EXPECT_EQ(c->status(), 200) << c->body();
    EXPECT_TRUE(c->wait_comment("connected", 5s)) << user;
    return c;
  }
  // Every event until none came for `quiet`.
  static std::vector<SseEvent> collect(SseClient& c, std::chrono::milliseconds quiet) {
    std::vector<SseEvent> out;
    while (auto e = c.next(quiet)) out.push_back(*e);
    return out;
  }
  // "kind" or "kind/department" for each event, in the order received.
  static std::vector<std::string> describe(const std::vector<SseEvent>& events) {
    std::vector<std::string> out;
    for (const auto& e : events) {
      auto j = e.json();
      EXPECT_EQ(j["kind"], e.kind);
      EXPECT_EQ(std::to_string(j["seq"].get<std::int64_t>()), e.id);
      std::string d = e.kind;
      if (!j["department"].get<std::string>().empty()) d += "/" + j["department"].get<std::string>();
      out.push_back(d);
    }
    return out;
  }
  static void expect_increasing_ids(const std::vector<SseEvent>& events) {
    for (std::size_t i = 1; i < events.size(); ++i)
      EXPECT_LT(std::stoll(events[i - 1].id), std::stoll(events[i].id));
  }
  static std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  }

  std::unique_ptr<ServeProcess> server_;
  std::map<std::string, std::string> tokens_;
};

TEST_P(EventsApiTest, each_user_receives_exactly_the_events_it_may_see) {
  start();
  std::map<std::string, std::unique_ptr<SseClient>> streams;
  for (const char* u : {"zhen_a", "zhen_b", "zrj", "sthj", "czj", "shenji"}) streams[u] = open(u);
  EXPECT_EQ(streams["zhen_a"]->content_type(), "text/event-stream; charset=utf-8");
  EXPECT_EQ(streams["zhen_a"]->body().rfind("retry: 3000\n", 0), 0u) << streams["zhen_a"]->body();
  drive();
  std::map<std::string, std::vector<SseEvent>> got;
  got["shenji"] = collect(*streams["shenji"], 2500ms);
  for (auto& [user, s] : streams)
    if (user != "shenji") got[user] = collect(*s, 300ms);
  for (auto& [user, events] : got) expect_increasing_ids(events);

  const std::vector<std::string> project_a{"project.created", "project.transition",
                                           "project.transition", "project.transition"};
  auto with = [](std::vector<std::string> v, std::initializer_list<std::string> more) {
    v.insert(v.end(), more);
    return sorted(v);
  };
  EXPECT_EQ(sorted(describe(got["zhen_a"])), sorted(project_a));
  EXPECT_EQ(describe(got["zhen_b"]), (std::vector<std::string>{"project.created"}));
  EXPECT_EQ(sorted(describe(got["sthj"])),
            with(project_a, {"review.requested/生态环境局", "project.created"}));
  EXPECT_EQ(sorted(describe(got["czj"])),
            with(project_a, {"review.requested/财政局", "project.created"}));
  auto all = with(project_a, {"review.requested/自然资源局", "review.requested/生态环境局",
                              "review.requested/财政局", "project.created"});
  EXPECT_EQ(sorted(describe(got["zrj"])), all);
  EXPECT_EQ(sorted(describe(got["shenji"])), all);
  // The township B project's event carries its code; nobody in township A saw it.
  EXPECT_EQ(got["zhen_b"][0].json()["region"], kTownB);
  for (const auto& e : got["zhen_a"]) EXPECT_EQ(e.json()["region"], kTownA);
  // The transition events say which action happened.
  std::vector<std::string> actions;
  for (const auto& e : got["zhen_a"])
    if (e.kind == "project.transition") actions.push_back(e.json()["payload"]["action"].get<std::string>());
  EXPECT_EQ(actions, (std::vector<std::string>{"submit", "check_compliance", "start_review"}));
}

TEST_P(EventsApiTest, a_client_resumes_after_its_last_event_id) {
  start();
  auto first = open("shenji");
  drive();
  auto events = collect(*first, 2500ms);
  ASSERT_EQ(events.size(), 8u);
  first.reset();
  // Resuming after the third event gives the rest, in order, with the same ids.
  auto resumed = open("shenji", events[2].id);
  auto rest = collect(*resumed, 1500ms);
  ASSERT_EQ(rest.size(), events.size() - 3);
  for (std::size_t i = 0; i < rest.size(); ++i) {
    EXPECT_EQ(rest[i].id, events[i + 3].id);
    EXPECT_EQ(rest[i].data, events[i + 3].data);
  }
  // From 0: everything, also for a user who sees less (township B: only its own project).
  auto b = collect(*open("zhen_b", "0"), 1500ms);
  EXPECT_EQ(describe(b), (std::vector<std::string>{"project.created"}));
  // The query parameter does the same for clients that cannot set headers.
  auto q = api(port(), bhttp::verb::get, "/api/v1/events?last_event_id=abc", token("shenji"));
  EXPECT_EQ(q.status, 400);
  EXPECT_EQ(q.code(), "invalid_last_event_id");
  for (const char* bad : {"abc", "-1", "1e3", "99999999999999999999", "1 2"}) {
    SseClient c(port(), token("shenji"), bad);
    EXPECT_EQ(c.status(), 400) << bad;
    EXPECT_NE(c.body().find("invalid_last_event_id"), std::string::npos) << bad << ": " << c.body();
  }
}

TEST_P(EventsApiTest, without_a_session_there_is_no_stream) {
  start();
  SseClient anonymous(port(), "");
  EXPECT_EQ(anonymous.status(), 401);
  EXPECT_NE(anonymous.body().find("unauthenticated"), std::string::npos);
  SseClient forged(port(), std::string(43, 'A'));
  EXPECT_EQ(forged.status(), 401);
}

TEST_P(EventsApiTest, heartbeats_keep_the_stream_and_a_logout_ends_it) {
  start({{"GONGZHI_EVENTS_HEARTBEAT_MS", "300"}});
  auto s = open("zhen_a");
  EXPECT_TRUE(s->wait_comment("heartbeat", 5s));
  auto out = call("zhen_a", bhttp::verb::delete_, "/api/v1/session");
  ASSERT_EQ(out.status, 200) << out.body;
  auto e = s->next(5s);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, "session.ended");
  EXPECT_TRUE(s->wait_closed(5s));
}

TEST_P(EventsApiTest, sigterm_ends_every_open_stream_and_the_server_exits) {
  start();
  auto a = open("zhen_a");
  auto b = open("zrj");
  auto c = open("shenji");
  auto t0 = std::chrono::steady_clock::now();
  auto r = server_->stop();
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("gongzhi stopped"), std::string::npos) << r.describe();
  EXPECT_LT(took, 5s);
  for (auto* s : {a.get(), b.get(), c.get()}) EXPECT_TRUE(s->wait_closed(2s));
}

// A ballot cast is a vote.ballot_cast event carrying the running tally (what GET /votes/{id}
// tells every reader of the vote), never who voted. The vote.* events go only to those who may
// read the vote: officials over the village and its villagers; not a village elsewhere, another
// township, nor a department that sees the project the vote is about but not its votes.
TEST_P(EventsApiTest, a_ballot_reaches_the_readers_of_the_vote_and_nobody_else) {
  start();
  auto [project, code] = create("zhen_a", kTownA);
  auto reps = call("cun", bhttp::verb::put, std::string("/api/v1/villages/") + kVillageA + "/representatives",
                   {{"usernames", {"min1", "min2"}}});
  ASSERT_EQ(reps.status, 200) << reps.body;
  std::map<std::string, std::unique_ptr<SseClient>> streams;
  for (const char* u : {"zhen_a", "zhen_b", "zrj", "czj", "cun", "min2", "xicun"}) streams[u] = open(u);

  // A vote of the village, and one about township A's project.
  auto v1 = call("cun", bhttp::verb::post, "/api/v1/votes", {{"region_code", kVillageA}, {"question", "是否同意调整方案"}});
  ASSERT_EQ(v1.status, 201) << v1.body;
  auto v2 = call("zhen_a", bhttp::verb::post, "/api/v1/votes",
                 {{"region_code", kVillageA}, {"question", "是否同意项目实施"}, {"project_id", project}});
  ASSERT_EQ(v2.status, 201) << v2.body;
  auto id1 = v1.json()["id"].get<std::int64_t>(), id2 = v2.json()["id"].get<std::int64_t>();
  ASSERT_EQ(call("min1", bhttp::verb::post, "/api/v1/votes/" + std::to_string(id1) + "/ballots", {{"choice", "yes"}}).status, 201);
  ASSERT_EQ(call("min2", bhttp::verb::post, "/api/v1/votes/" + std::to_string(id2) + "/ballots", {{"choice", "no"}}).status, 201);
  // Refused ballots write no event.
  EXPECT_EQ(call("min1", bhttp::verb::post, "/api/v1/votes/" + std::to_string(id1) + "/ballots", {{"choice", "no"}}).status, 409);
  EXPECT_EQ(call("xicun", bhttp::verb::post, "/api/v1/votes/" + std::to_string(id1) + "/ballots", {{"choice", "no"}}).status, 404);

  std::map<std::string, std::vector<SseEvent>> got;
  got["zrj"] = collect(*streams["zrj"], 2500ms);
  for (auto& [user, s] : streams)
    if (user != "zrj") got[user] = collect(*s, 300ms);
  auto votes_of = [](const std::vector<SseEvent>& events) {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.kind + "#" + std::to_string(e.json()["payload"]["vote"].get<std::int64_t>()));
    return out;
  };
  const std::string o1 = "vote.opened#" + std::to_string(id1), o2 = "vote.opened#" + std::to_string(id2);
  const std::string b1 = "vote.ballot_cast#" + std::to_string(id1), b2 = "vote.ballot_cast#" + std::to_string(id2);
  // The organisers (the village collective of vote 1, the township of both) and the lead
  // department over the county see both ballots; the village collective not the vote about a
  // township project it may not see; a representative of the village the village's vote.
  EXPECT_EQ(votes_of(got["zhen_a"]), (std::vector<std::string>{o1, o2, b1, b2}));
  EXPECT_EQ(votes_of(got["zrj"]), (std::vector<std::string>{o1, o2, b1, b2}));
  EXPECT_EQ(votes_of(got["cun"]), (std::vector<std::string>{o1, b1}));
  EXPECT_EQ(votes_of(got["min2"]), (std::vector<std::string>{o1, b1}));
  // Outside the village: another village, another township, finance (which sees the project).
  EXPECT_TRUE(got["xicun"].empty()) << got["xicun"].size();
  EXPECT_TRUE(got["zhen_b"].empty()) << got["zhen_b"].size();
  EXPECT_TRUE(got["czj"].empty()) << got["czj"].size();

  // The tally, as GET /votes/{id} gives it to the reader; no username anywhere in the event.
  for (const auto& e : got["zhen_a"]) {
    if (e.kind != "vote.ballot_cast") continue;
    auto j = e.json();
    EXPECT_EQ(j["region"], kVillageA);
    auto pl = j["payload"];
    auto id = pl["vote"].get<std::int64_t>();
    EXPECT_EQ(j["project_id"].get<std::int64_t>(), id == id2 ? project : 0);
    EXPECT_EQ(pl["representatives"], 2);
    EXPECT_EQ(pl["cast"], 1);
    EXPECT_EQ(pl["yes"], id == id1 ? 1 : 0);
    EXPECT_EQ(pl["no"], id == id2 ? 1 : 0);
    EXPECT_EQ(pl["abstain"], 0);
    EXPECT_EQ(e.data.find("min1"), std::string::npos) << e.data;
    EXPECT_EQ(e.data.find("min2"), std::string::npos) << e.data;
    auto view = call("zhen_a", bhttp::verb::get, "/api/v1/votes/" + std::to_string(id));
    EXPECT_EQ(view.json()["yes"], pl["yes"]);
    EXPECT_EQ(view.json()["no"], pl["no"]);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, EventsApiTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
