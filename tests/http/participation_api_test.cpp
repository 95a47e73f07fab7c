// Participation over real HTTP on loopback, against `gongzhi serve` on both backends: a villager
// reads the notices reaching their village, comments on a project's notice and sees the reply;
// feedback goes in, an official answers (a villager may not: 403) and the villager sees it; the
// representative assembly votes once per representative (409 the second time); a survey is
// answered and aggregated. A villager of the neighbouring village gets 404 for all of it;
// malformed JSON and unknown fields are 400s; without a session, 401.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <thread>

#include "../storage/store_backends.h"
#include "http_client.h"
#include "live_support.h"
#include "services/password.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

namespace bhttp = boost::beast::http;
using nlohmann::json;

constexpr const char* kPassword = "a long enough password";
constexpr const char* kEast = "340123100201";
constexpr const char* kWest = "340123100202";

std::string iso_from_now(std::int64_t seconds) {
  std::time_t t = std::time(nullptr) + seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

class ParticipationApiTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    storage::Store::open(location(), {.create = true});
    auto hash = services::hash_password(kPassword);
    auto identity = storage::IdentityStore::open(location(), {.create = true});
    identity->create_first_admin("root", hash, "cli:test");
    auto add = [&](const std::string& name, Role role, const std::string& region) {
      identity->add_user({name, hash, {Grant{role, "", region}}}, "root");
    };
    add("zhen", Role::township, "340123100");
    add("cun", Role::village_collective, kEast);
    add("min1", Role::villager, kEast);
    add("min2", Role::villager, kEast);
    add("min3", Role::villager, kEast);
    add("xi1", Role::villager, kWest);
    // A project of the east village on public notice for a week.
    auto projects = storage::ProjectStore::open(location());
    project_id_ = projects->write([&](storage::ProjectTx& tx) {
      storage::ProjectRecord p;
      p.code = "XM2026-101";
      p.name = "东村高标准农田建设";
      p.type = "农用地整理";
      p.region_code = kEast;
      p.state = ProjectState::public_notice;
      p.created_by = "cun";
      p.created_at = p.updated_at = tx.now();
      p.plan_hash = "x";
      p.notice_days = 7;
      p.notice_starts = iso_from_now(-60);
      p.notice_ends = iso_from_now(7 * 86400);
      return tx.insert_project(p).id;
    });
    start();
    for (const char* u : {"zhen", "cun", "min1", "min2", "min3", "xi1"}) tokens_[u] = token(u);
  }
  void TearDown() override { server_.reset(); }  // before the store is dropped
  void start() {
    server_ = std::make_unique<ServeProcess>(location());
    port_ = server_->port();
  }
  std::string token(const std::string& user) { return sign_in(port_, user, kPassword); }
  HttpReply get(const std::string& who, const std::string& target) {
    return http_request(port_, bhttp::verb::get, target, "", {{"Authorization", "Bearer " + tokens_[who]}});
  }
  HttpReply send(const std::string& who, bhttp::verb verb, const std::string& target, const std::string& body) {
    return http_request(port_, verb, target, body,
                        {{"Authorization", "Bearer " + tokens_[who]}, {"Content-Type", "application/json"}});
  }
  HttpReply post(const std::string& who, const std::string& target, const json& body) {
    return send(who, bhttp::verb::post, target, body.dump());
  }
  std::string project_path(const std::string& rest) {
    return "/api/v1/projects/" + std::to_string(project_id_) + rest;
  }

  std::int64_t project_id_ = 0;
  unsigned short port_ = 0;
  std::unique_ptr<ServeProcess> server_;
  std::map<std::string, std::string> tokens_;
};

TEST_P(ParticipationApiTest, a_villager_comments_on_a_notice_and_reads_the_reply) {
  auto list = get("min1", "/api/v1/notices");
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.json()["project_notices"].size(), 1u);
  EXPECT_EQ(list.json()["project_notices"][0]["open"], true);
  EXPECT_EQ(list.json()["project_notices"][0]["code"], "XM2026-101");
  EXPECT_TRUE(get("xi1", "/api/v1/notices").json()["project_notices"].empty());

  const std::string text = "<img src=x onerror=alert(1)> 排水沟'); DELETE FROM projects; --";
  auto c = post("min1", project_path("/comments"), {{"body", text}});
  ASSERT_EQ(c.status, 201) << c.body;
  EXPECT_EQ(c.json()["body"], text);
  EXPECT_TRUE(c.json()["reply"].is_null());
  auto comment_id = c.json()["id"].get<std::int64_t>();

  // The neighbouring village: 404 for the notice, its comments and a comment, as for nothing.
  auto missing = get("xi1", "/api/v1/projects/999999/notice");
  EXPECT_EQ(missing.status, 404);
  for (const auto& r : {get("xi1", project_path("/notice")), get("xi1", project_path("/comments")),
                        post("xi1", project_path("/comments"), {{"body", "x"}}),
                        post("xi1", "/api/v1/comments/" + std::to_string(comment_id) + "/reply", {{"reply", "x"}})}) {
    EXPECT_EQ(r.status, 404) << r.body;
    EXPECT_EQ(r.code(), "not_found");
  }
  // Another villager does not see the comment; its author sees it but may not reply.
  EXPECT_EQ(post("min2", "/api/v1/comments/" + std::to_string(comment_id) + "/reply", {{"reply", "x"}}).status, 404);
  auto forbidden = post("min1", "/api/v1/comments/" + std::to_string(comment_id) + "/reply", {{"reply", "x"}});
  EXPECT_EQ(forbidden.status, 403) << forbidden.body;
  EXPECT_EQ(forbidden.code(), "not_an_official");
  auto reply = post("cun", "/api/v1/comments/" + std::to_string(comment_id) + "/reply", {{"reply", "已采纳"}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  auto again = post("zhen", "/api/v1/comments/" + std::to_string(comment_id) + "/reply", {{"reply", "再答"}});
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.code(), "already_replied");

  auto mine = get("min1", project_path("/comments"));
  ASSERT_EQ(mine.status, 200);
  ASSERT_EQ(mine.json()["comments"].size(), 1u);
  EXPECT_EQ(mine.json()["comments"][0]["reply"]["text"], "已采纳");
  EXPECT_TRUE(get("min2", project_path("/comments")).json()["comments"].empty());
  EXPECT_EQ(get("zhen", project_path("/comments")).json()["comments"].size(), 1u);

  auto n = post("zhen", "/api/v1/notices",
                {{"region_code", "340123100"}, {"title", "动员会"}, {"body", "周五开会"}, {"days", 5}});
  ASSERT_EQ(n.status, 201) << n.body;
  EXPECT_EQ(get("xi1", "/api/v1/notices").json()["notices"].size(), 1u);
  EXPECT_EQ(post("min1", "/api/v1/notices", {{"region_code", kEast}, {"title", "t"}, {"body", "b"}, {"days", 5}}).status,
            403);
}

TEST_P(ParticipationApiTest, feedback_is_answered_by_officials_and_seen_by_its_submitter) {
  auto cats = get("min1", "/api/v1/feedback-categories");
  ASSERT_EQ(cats.status, 200);
  EXPECT_EQ(cats.json()["response_days"], 15);
  auto f = post("min1", "/api/v1/feedback", {{"project_id", project_id_}, {"category", "complaint"}, {"body", "占地"}});
  ASSERT_EQ(f.status, 201) << f.body;
  EXPECT_EQ(f.json()["status"], "open");
  EXPECT_EQ(f.json()["overdue"], false);
  auto id = std::to_string(f.json()["id"].get<std::int64_t>());
  auto v = post("min1", "/api/v1/feedback/" + id + "/answer", {{"reply", "我答我自己"}});
  EXPECT_EQ(v.status, 403) << v.body;
  EXPECT_EQ(v.code(), "not_an_official");
  EXPECT_EQ(get("min2", "/api/v1/feedback/" + id).status, 404);
  EXPECT_EQ(get("xi1", "/api/v1/feedback/" + id).status, 404);
  EXPECT_EQ(post("xi1", "/api/v1/feedback/" + id + "/answer", {{"reply", "x"}}).status, 404);
  auto a = post("cun", "/api/v1/feedback/" + id + "/answer", {{"reply", "已核实"}});
  ASSERT_EQ(a.status, 200) << a.body;
  auto seen = get("min1", "/api/v1/feedback/" + id);
  EXPECT_EQ(seen.json()["status"], "answered");
  EXPECT_EQ(seen.json()["reply"]["text"], "已核实");
  EXPECT_EQ(seen.json()["reply"]["by"], "cun");
  auto closed = send("min1", bhttp::verb::post, "/api/v1/feedback/" + id + "/close", "");
  EXPECT_EQ(closed.status, 200) << closed.body;
  EXPECT_EQ(closed.json()["status"], "closed");
  EXPECT_EQ(get("min1", "/api/v1/feedback").json()["feedback"].size(), 1u);
  EXPECT_TRUE(get("min2", "/api/v1/feedback").json()["feedback"].empty());
  EXPECT_TRUE(get("zhen", "/api/v1/feedback?overdue=true").json()["feedback"].empty());
  EXPECT_EQ(get("zhen", "/api/v1/feedback?status=closed").json()["feedback"].size(), 1u);
  EXPECT_EQ(get("zhen", "/api/v1/feedback?status=bogus").status, 400);
  // Bad bodies: 400 with a code, nothing stored.
  for (const auto& [body, code] : std::vector<std::pair<std::string, std::string>>{
           {"{\"category\": \"complaint\", \"body\": ", "malformed_json"},
           {"[1, 2]", "not_an_object"},
           {R"({"category": "complaint", "body": "x", "region_code": "340123100201", "admin": true})", "unknown_field"},
           {R"({"category": "complaint"})", "missing_field"},
           {R"({"category": 3, "body": "x", "region_code": "340123100201"})", "wrong_type"},
           {R"({"category": "complaint", "body": "a\u0001b", "region_code": "340123100201"})", "invalid_text"},
           {R"({"category": "complaint", "body": ")" + std::string(4001, 'x') + R"(", "region_code": "340123100201"})",
            "field_too_long"},
           {R"({"category": "nonsense", "body": "x", "region_code": "340123100201"})", "unknown_category"}}) {
    auto r = send("min1", bhttp::verb::post, "/api/v1/feedback", body);
    EXPECT_EQ(r.status, 400) << body.substr(0, 80) << " → " << r.body;
    EXPECT_EQ(r.code(), code) << body.substr(0, 80);
  }
  EXPECT_EQ(get("zhen", "/api/v1/feedback").json()["feedback"].size(), 1u);
  EXPECT_EQ(http_request(port_, bhttp::verb::get, "/api/v1/feedback").status, 401);
}

TEST_P(ParticipationApiTest, representatives_vote_once_and_two_thirds_of_all_decide) {
  auto reps = send("cun", bhttp::verb::put, std::string("/api/v1/villages/") + kEast + "/representatives",
                   json{{"usernames", {"min1", "min2", "min3"}}}.dump());
  ASSERT_EQ(reps.status, 200) << reps.body;
  EXPECT_EQ(send("min1", bhttp::verb::put, std::string("/api/v1/villages/") + kEast + "/representatives",
                 json{{"usernames", {"min1"}}}.dump()).status, 403);
  EXPECT_EQ(get("xi1", std::string("/api/v1/villages/") + kEast + "/representatives").status, 404);
  auto v = post("cun", "/api/v1/votes", {{"region_code", kEast}, {"question", "是否同意整治方案"}, {"project_id", project_id_}});
  ASSERT_EQ(v.status, 201) << v.body;
  EXPECT_EQ(v.json()["representatives"], 3);
  EXPECT_TRUE(v.json()["passed"].is_null());
  auto path = "/api/v1/votes/" + std::to_string(v.json()["id"].get<std::int64_t>());
  EXPECT_EQ(post("min1", path + "/ballots", {{"choice", "yes"}}).status, 201);
  auto twice = post("min1", path + "/ballots", {{"choice", "no"}});
  EXPECT_EQ(twice.status, 409);
  EXPECT_EQ(twice.code(), "already_voted");
  EXPECT_EQ(post("cun", path + "/ballots", {{"choice", "yes"}}).status, 403);
  EXPECT_EQ(post("xi1", path + "/ballots", {{"choice", "yes"}}).status, 404);
  EXPECT_EQ(post("min2", path + "/ballots", {{"choice", "maybe"}}).status, 400);
  EXPECT_EQ(post("min2", path + "/ballots", {{"choice", "yes"}}).status, 201);
  EXPECT_EQ(post("min3", path + "/ballots", {{"choice", "abstain"}}).status, 201);
  auto mine = get("min1", path);
  EXPECT_EQ(mine.json()["my_choice"], "yes");
  EXPECT_EQ(mine.json()["is_representative"], true);
  EXPECT_FALSE(mine.json().contains("ballots"));
  EXPECT_EQ(get("zhen", path).json()["ballots"].size(), 3u);
  EXPECT_EQ(send("min1", bhttp::verb::post, path + "/close", "").status, 403);
  auto closed = send("cun", bhttp::verb::post, path + "/close", "{}");
  ASSERT_EQ(closed.status, 200) << closed.body;
  EXPECT_EQ(closed.json()["yes"], 2);
  EXPECT_EQ(closed.json()["passed"], true);  // 2 of 3 is two thirds
  EXPECT_EQ(get("min3", "/api/v1/votes").json()["votes"].size(), 1u);
  EXPECT_TRUE(get("xi1", "/api/v1/votes").json()["votes"].empty());
}

TEST_P(ParticipationApiTest, a_survey_is_answered_once_and_aggregated) {
  auto s = post("cun", "/api/v1/surveys",
                {{"region_code", kEast},
                 {"title", "满意度"},
                 {"questions", {{{"text", "总体满意度"}, {"choices", {"1", "2", "3", "4", "5"}}}}}});
  ASSERT_EQ(s.status, 201) << s.body;
  auto path = "/api/v1/surveys/" + std::to_string(s.json()["id"].get<std::int64_t>());
  EXPECT_EQ(post("min1", path + "/responses", {{"answers", {4}}}).status, 201);
  EXPECT_EQ(post("min2", path + "/responses", {{"answers", {3}}}).status, 201);
  EXPECT_EQ(post("min1", path + "/responses", {{"answers", {0}}}).status, 409);
  EXPECT_EQ(post("min3", path + "/responses", {{"answers", {"5"}}}).status, 400);
  EXPECT_EQ(post("min3", path + "/responses", {{"answers", {7}}}).status, 400);
  EXPECT_EQ(post("xi1", path + "/responses", {{"answers", {1}}}).status, 404);
  auto r = get("zhen", path);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["responses"], 2);
  EXPECT_EQ(r.json()["results"][0]["counts"], json({0, 0, 0, 1, 1}));
  EXPECT_DOUBLE_EQ(r.json()["results"][0]["average"].get<double>(), 4.5);
  EXPECT_EQ(get("min1", path).json()["my_answers"], json({4}));
  EXPECT_EQ(get("xi1", path).status, 404);
}

TEST_P(ParticipationApiTest, every_participation_route_needs_a_session) {
  const std::vector<std::pair<bhttp::verb, std::string>> routes{
      {bhttp::verb::get, "/api/v1/notices"},
      {bhttp::verb::post, "/api/v1/notices"},
      {bhttp::verb::get, "/api/v1/notices/1"},
      {bhttp::verb::get, project_path("/notice")},
      {bhttp::verb::get, project_path("/comments")},
      {bhttp::verb::post, project_path("/comments")},
      {bhttp::verb::post, "/api/v1/comments/1/reply"},
      {bhttp::verb::get, "/api/v1/feedback-categories"},
      {bhttp::verb::get, "/api/v1/feedback"},
      {bhttp::verb::post, "/api/v1/feedback"},
      {bhttp::verb::get, "/api/v1/feedback/1"},
      {bhttp::verb::post, "/api/v1/feedback/1/answer"},
      {bhttp::verb::post, "/api/v1/feedback/1/close"},
      {bhttp::verb::post, "/api/v1/feedback-escalations"},
      {bhttp::verb::get, std::string("/api/v1/villages/") + kEast + "/representatives"},
      {bhttp::verb::put, std::string("/api/v1/villages/") + kEast + "/representatives"},
      {bhttp::verb::get, "/api/v1/votes"},
      {bhttp::verb::post, "/api/v1/votes"},
      {bhttp::verb::get, "/api/v1/votes/1"},
      {bhttp::verb::post, "/api/v1/votes/1/ballots"},
      {bhttp::verb::post, "/api/v1/votes/1/close"},
      {bhttp::verb::get, "/api/v1/surveys"},
      {bhttp::verb::post, "/api/v1/surveys"},
      {bhttp::verb::get, "/api/v1/surveys/1"},
      {bhttp::verb::post, "/api/v1/surveys/1/responses"},
      {bhttp::verb::post, "/api/v1/surveys/1/close"}};
  for (const auto& [verb, target] : routes) {
    auto r = http_request(port_, verb, target, "{}", {{"Content-Type", "application/json"}});
    EXPECT_EQ(r.status, 401) << target;
    EXPECT_EQ(r.code(), "unauthenticated") << target;
  }
  // Nothing was stored on the way.
  EXPECT_TRUE(get("zhen", "/api/v1/feedback").json()["feedback"].empty());
  EXPECT_TRUE(get("zhen", "/api/v1/notices").json()["notices"].empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, ParticipationApiTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
