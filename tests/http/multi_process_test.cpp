// Two `gongzhi serve` processes on one database (a PostgreSQL schema, or one SQLite file) behave
// as one system: what one writes the other serves, a session signed in on one works on the
// other and a logout on one ends it on both, concurrent decisions through both are taken
// exactly once (one 200, one 409, one audit entry), and a live-feed client on one receives the
// events caused through the other.
#include <gtest/gtest.h>

#include <chrono>
#include <latch>
#include <nlohmann/json.hpp>
#include <thread>

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

class MultiProcessTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    storage::Store::open(location(), {.create = true});
    auto hash = services::hash_password(kPassword);
    auto identity = storage::IdentityStore::open(location());
    identity->create_first_admin("root", hash, "cli:test");
    identity->add_user({"zhen", hash, {Grant{Role::township, "", "340123100"}}}, "root");
    identity->add_user({"zrj", hash, {Grant{Role::lead_department, "自然资源局", "340123"}}}, "root");
    identity->add_user({"sthj", hash, {Grant{Role::co_reviewing_department, "生态环境局", "340123"}}}, "root");
    identity->add_user({"czj", hash, {Grant{Role::co_reviewing_department, "财政局", "340123"}}}, "root");
    a_ = std::make_unique<ServeProcess>(location());
    b_ = std::make_unique<ServeProcess>(location());
  }
  std::int64_t audit_entries() {
    return static_cast<std::int64_t>(storage::IdentityStore::open(location())->audit_log().size());
  }
  static HttpReply post(unsigned short port, const std::string& token, const std::string& target,
                        const nlohmann::json& body) {
    return api(port, bhttp::verb::post, target, token, body.dump());
  }
  // The same request through A and B at the same moment: the two replies (A's first).
  static std::pair<HttpReply, HttpReply> race(unsigned short pa, const std::string& ta,
                                              unsigned short pb, const std::string& tb,
                                              const std::string& target, const nlohmann::json& body) {
    std::latch go(3);
    HttpReply ra, rb;
    std::thread x([&] { go.arrive_and_wait(); ra = post(pa, ta, target, body); });
    std::thread y([&] { go.arrive_and_wait(); rb = post(pb, tb, target, body); });
    go.arrive_and_wait();
    x.join();
    y.join();
    return {ra, rb};
  }
  static void expect_one_winner(const std::pair<HttpReply, HttpReply>& r, const std::string& code) {
    const auto& [ra, rb] = r;
    EXPECT_TRUE((ra.status == 200 && rb.status == 409) || (ra.status == 409 && rb.status == 200))
        << ra.status << " " << ra.body << " / " << rb.status << " " << rb.body;
    const auto& loser = ra.status == 409 ? ra : rb;
    if (loser.status == 409) {
      EXPECT_EQ(loser.code(), code) << loser.body;
    }
  }

  std::unique_ptr<ServeProcess> a_, b_;
};

TEST_P(MultiProcessTest, two_servers_on_one_database_act_as_one) {
  unsigned short pa = a_->port(), pb = b_->port();
  auto zhen_a = sign_in(pa, "zhen", kPassword);
  // A session made on A works on B.
  auto me = api(pb, bhttp::verb::get, "/api/v1/me", zhen_a);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json()["user"]["username"], "zhen");

  // A live-feed client on B, then a project created through A: listed on B, and its event
  // reaches the client on B.
  auto zrj_b = sign_in(pb, "zrj", kPassword);
  SseClient feed(pb, zrj_b);
  ASSERT_EQ(feed.status(), 200);
  ASSERT_TRUE(feed.wait_comment("connected", 5s));
  auto created = post(pa, zhen_a, "/api/v1/projects",
                      {{"name", "湿地修复"}, {"type", "生态保护修复"}, {"region_code", "340123100"},
                       {"plan", square_area(117.1, 30.1, 0.01)}});
  ASSERT_EQ(created.status, 201) << created.body;
  auto id = created.json()["id"].get<std::int64_t>();
  auto code = created.json()["code"].get<std::string>();
  auto list = api(pb, bhttp::verb::get, "/api/v1/projects", zhen_a);
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.json()["projects"].size(), 1u);
  EXPECT_EQ(list.json()["projects"][0]["code"], code);
  auto event = feed.next(10s);
  ASSERT_TRUE(event) << feed.body();
  EXPECT_EQ(event->kind, "project.created");
  EXPECT_EQ(event->json()["payload"]["code"], code);
  EXPECT_EQ(event->json()["project_id"], id);

  // Up to the joint review, alternating servers.
  std::string actions = "/api/v1/projects/" + std::to_string(id) + "/actions";
  auto zrj_a = sign_in(pa, "zrj", kPassword);
  ASSERT_EQ(post(pb, zhen_a, actions, {{"action", "submit"}}).status, 200);
  ASSERT_EQ(post(pa, zrj_a, actions, {{"action", "check_compliance"}}).status, 200);
  ASSERT_EQ(post(pb, zrj_b, actions, {{"action", "start_review"}}).status, 200);

  // The same review through A and B at once: given exactly once.
  std::string reviews = "/api/v1/projects/" + std::to_string(id) + "/reviews";
  auto sthj_a = sign_in(pa, "sthj", kPassword), sthj_b = sign_in(pb, "sthj", kPassword);
  auto before = audit_entries();
  expect_one_winner(race(pa, sthj_a, pb, sthj_b, reviews,
                         {{"department", "生态环境局"}, {"decision", "approve"}, {"opinion", "同意"}}),
                    "review_already_given");
  EXPECT_EQ(audit_entries(), before + 1);
  auto czj = sign_in(pb, "czj", kPassword);
  ASSERT_EQ(post(pa, czj, reviews, {{"department", "财政局"}, {"decision", "approve"}}).status, 200);
  ASSERT_EQ(post(pb, zrj_a, reviews, {{"department", "自然资源局"}, {"decision", "approve"}}).status, 200);

  // Approval through A and B at once: one approves, the other finds the project approved.
  before = audit_entries();
  expect_one_winner(race(pa, zrj_a, pb, zrj_b, actions, {{"action", "approve"}}), "invalid_transition");
  EXPECT_EQ(audit_entries(), before + 1);
  auto detail = api(pa, bhttp::verb::get, "/api/v1/projects/" + std::to_string(id), zhen_a);
  ASSERT_EQ(detail.status, 200);
  EXPECT_EQ(detail.json()["state"], "approved");
  int approvals = 0;
  auto detail_json = detail.json();
  for (const auto& h : detail_json["history"]) approvals += h["action"].get<std::string>() == "approve" ? 1 : 0;
  EXPECT_EQ(approvals, 1) << detail.json()["history"].dump();

  // Logout on A: the session is refused on B too.
  ASSERT_EQ(api(pa, bhttp::verb::delete_, "/api/v1/session", zhen_a).status, 200);
  auto after = api(pb, bhttp::verb::get, "/api/v1/me", zhen_a);
  EXPECT_EQ(after.status, 401) << after.body;
  EXPECT_EQ(api(pb, bhttp::verb::get, "/api/v1/projects", zhen_a).status, 401);
  EXPECT_EQ(api(pb, bhttp::verb::delete_, "/api/v1/session", zhen_a).status, 401);

  // Both still stop cleanly.
  auto ra = a_->stop(), rb = b_->stop();
  EXPECT_EQ(ra.exit_code, 0) << ra.describe();
  EXPECT_EQ(rb.exit_code, 0) << rb.describe();
}

INSTANTIATE_TEST_SUITE_P(Backends, MultiProcessTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
