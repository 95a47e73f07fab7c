// Issue 14, defect 6: taking access away from the command line while two `gongzhi serve`
// processes run on the database (one SQLite file, or one PostgreSQL schema). A session ended by
// `gongzhi admin kill-session`, a disabled account, a reset password and a revoked grant take
// effect at once on both servers — on the routes answered from memory too — and an open
// live-feed stream of an ended session is closed without waiting for its heartbeat. Each is in
// the audit log.
#include <gtest/gtest.h>

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

class RevocationTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    storage::Store::open(location(), {.create = true});
    auto hash = services::hash_password(kPassword);
    auto identity = storage::IdentityStore::open(location());
    identity->create_first_admin("root", hash, "cli:test");
    identity->add_user({"zhen", hash, {Grant{Role::township, "", "340123100"}}}, "root");
    identity->add_user({"duo", hash, {Grant{Role::township, "", "340123100"},
                                      Grant{Role::township, "", "340124100"}}},
                       "root");
    a_ = std::make_unique<ServeProcess>(location());
    b_ = std::make_unique<ServeProcess>(location());
  }
  RunResult admin(std::vector<std::string> args, const std::string& stdin_text = "") {
    args.insert(args.begin(), "admin");
    args.insert(args.begin() + 2, {"--db", location()});
    if (stdin_text.empty()) return run(args);
    std::vector<std::string> sh{"-c", "printf '%s\\n' \"$0\" | exec \"$@\"", stdin_text,
                                gongzhi_binary()};
    sh.insert(sh.end(), args.begin(), args.end());
    return run_program("sh", sh);
  }
  int status(unsigned short port, const std::string& target, const std::string& token) {
    return api(port, bhttp::verb::get, target, token).status;
  }
  std::vector<std::string> codes(unsigned short port, const std::string& token) {
    std::vector<std::string> out;
    auto r = api(port, bhttp::verb::get, "/api/v1/projects", token);
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return out;
    auto list = r.json();
    for (const auto& p : list["projects"]) out.push_back(p["code"].get<std::string>());
    return out;
  }

  std::unique_ptr<ServeProcess> a_, b_;
};

TEST_P(RevocationTest, a_session_ended_by_the_cli_is_refused_by_every_server_and_its_stream_closes) {
  unsigned short pa = a_->port(), pb = b_->port();
  auto zhen = sign_in(pa, "zhen", kPassword), other = sign_in(pb, "zhen", kPassword);
  // Kept in memory on both servers (the project list is answered from the I/O thread).
  ASSERT_EQ(status(pa, "/api/v1/projects", zhen), 200);
  ASSERT_EQ(status(pb, "/api/v1/projects", zhen), 200);
  ASSERT_EQ(status(pb, "/api/v1/projects", zhen), 200);
  SseClient feed(pb, zhen);
  ASSERT_EQ(feed.status(), 200);
  ASSERT_TRUE(feed.wait_comment("connected", 5s));

  auto listed = admin({"sessions", "--username", "zhen", "--format", "json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.describe();
  auto sessions = nlohmann::json::parse(listed.out);
  ASSERT_EQ(sessions.size(), 2u) << listed.out;
  // Which of the two is `zhen`'s: the one that ends is refused, the other works on.
  std::string id;
  for (const auto& s : sessions) {
    auto r = admin({"kill-session", "--id", s["id"].get<std::string>()});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    if (status(pa, "/api/v1/me", zhen) == 401) {
      id = s["id"].get<std::string>();
      break;
    }
    // The other session was ended: sign it in again for what follows.
    other = sign_in(pb, "zhen", kPassword);
  }
  ASSERT_FALSE(id.empty()) << "no listed session was zhen's";
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(status(pa, "/api/v1/projects", zhen), 401);
  EXPECT_EQ(status(pb, "/api/v1/projects", zhen), 401);
  EXPECT_EQ(status(pb, "/api/v1/me", zhen), 401);
  EXPECT_EQ(status(pb, "/api/v1/me", other), 200);
  // The heartbeat is 15 s: the stream ends well before it.
  EXPECT_TRUE(feed.wait_closed(3s)) << feed.body();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  EXPECT_NE(feed.body().find("session.ended"), std::string::npos) << feed.body();
  EXPECT_NE(admin({"kill-session", "--id", id}).exit_code, 0) << "already ended";
  EXPECT_NE(admin({"kill-session", "--id", "abc"}).exit_code, 0) << "not an id";

  auto audit = storage::IdentityStore::open(location())->audit_page(0, 1000, "session.kill", "");
  ASSERT_FALSE(audit.empty());
  EXPECT_EQ(audit.back().object, "user:zhen");
}

TEST_P(RevocationTest, disable_reset_and_revoke_take_effect_at_once_on_every_server) {
  unsigned short pa = a_->port(), pb = b_->port();
  // duo's project in one of its two townships, listed from memory on both servers.
  auto zhen = sign_in(pa, "zhen", kPassword);
  auto duo = sign_in(pb, "duo", kPassword);
  auto created = api(pa, bhttp::verb::post, "/api/v1/projects", duo,
                     nlohmann::json{{"name", "湿地修复"}, {"type", "生态保护修复"},
                                    {"region_code", "340123100"},
                                    {"plan", square_area(117.1, 30.1, 0.01)}}
                         .dump());
  ASSERT_EQ(created.status, 201) << created.body;
  auto code = created.json()["code"].get<std::string>();
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(codes(pa, duo), std::vector<std::string>{code});
    EXPECT_EQ(codes(pb, duo), std::vector<std::string>{code});
  }
  SseClient feed(pa, duo);
  ASSERT_TRUE(feed.wait_comment("connected", 5s));

  // Revoking the grant over the project's township: gone from both lists at once, the session
  // goes on with the other grant.
  auto r = admin({"revoke-grant", "--username", "duo", "--role", "township", "--region", "340123100"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(codes(pa, duo).empty());
  EXPECT_TRUE(codes(pb, duo).empty());
  auto me = api(pb, bhttp::verb::get, "/api/v1/me", duo);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json()["grants"].size(), 1u) << me.body;
  EXPECT_NE(admin({"revoke-grant", "--username", "duo", "--role", "township", "--region", "340123100"})
                .exit_code,
            0)
      << "no such grant any more";

  // Disabling: every session ends, the stream closes, sign-in is refused until enabled again.
  r = admin({"disable-user", "--username", "duo"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("1 session(s) ended"), std::string::npos) << r.out;
  EXPECT_EQ(status(pa, "/api/v1/projects", duo), 401);
  EXPECT_EQ(status(pb, "/api/v1/me", duo), 401);
  EXPECT_TRUE(feed.wait_closed(3s)) << feed.body();
  auto refused = http_request(pa, bhttp::verb::post, "/api/v1/session", login_body("duo", kPassword));
  EXPECT_EQ(refused.status, 401) << refused.body;
  auto users = admin({"users", "--format", "json"});
  EXPECT_NE(users.out.find("\"disabled\": true"), std::string::npos) << users.out;
  ASSERT_EQ(admin({"enable-user", "--username", "duo"}).exit_code, 0);
  duo = sign_in(pb, "duo", kPassword);
  EXPECT_EQ(status(pa, "/api/v1/me", duo), 200);

  // A new password: the old sessions end, the old password no longer signs in.
  r = admin({"reset-password", "--username", "zhen", "--password-stdin"}, "another long password");
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(status(pa, "/api/v1/projects", zhen), 401);
  EXPECT_EQ(http_request(pb, bhttp::verb::post, "/api/v1/session", login_body("zhen", kPassword)).status, 401);
  EXPECT_FALSE(sign_in(pb, "zhen", "another long password").empty());
  EXPECT_NE(admin({"disable-user", "--username", "nobody"}).exit_code, 0);

  std::map<std::string, int> actions;
  for (const auto& e : storage::IdentityStore::open(location())->audit_log()) ++actions[e.action];
  EXPECT_EQ(actions["grant.revoke"], 1);
  EXPECT_EQ(actions["user.disable"], 1);
  EXPECT_EQ(actions["user.enable"], 1);
  EXPECT_EQ(actions["user.password_reset"], 1);
  EXPECT_EQ(admin({"verify-audit"}).exit_code, 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, RevocationTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
