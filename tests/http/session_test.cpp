// Sign-in over real HTTP on loopback, against `gongzhi serve` on both backends: login with a
// cookie and a bearer token, /api/v1/me, one answer for a wrong password and an unknown user,
// throttling per (account, address) with growing waits (429 without a password check) that never
// keeps the user out from another address, shared by server processes, trusted proxies, logout,
// expiry, 400 for every malformed body (nothing recorded), and an audit log that hears of
// throttling, not of every guess (every attempt goes to the rotating server log).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "../storage/store_backends.h"
#include "http_client.h"
#include "live_support.h"
#include "services/password.h"
#include "storage/identity_store.h"

namespace gz::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;


constexpr const char* kPassword = "a long enough password";

class SessionApiTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    auto identity = storage::IdentityStore::open(location(), {.create = true});
    identity->create_first_admin("root", services::hash_password(kPassword), "cli:test");
    identity->add_user({"zrzy", services::hash_password(kPassword),
                        {Grant{Role::lead_department, "自然资源局", "340123"}}},
                       "root");
  }
  void TearDown() override {
    if (server_) {
      server_->signal(SIGTERM);
      server_->wait();
    }
  }
  void start(const std::vector<std::string>& extra = {}) {
    port_ = free_port();
    std::vector<std::string> args{"serve", "--db", location(), "--listen",
                                  "127.0.0.1:" + std::to_string(port_)};
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = std::make_unique<Process>(gongzhi_binary(), args);
    for (int i = 0; i < 200; ++i) {
      try {
        http_request(port_, bhttp::verb::get, "/api/v1/health");
        return;
      } catch (const std::exception&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    FAIL() << "gongzhi serve did not start listening";
  }
  HttpReply login(const std::string& user, const std::string& password) {
    return http_request(port_, bhttp::verb::post, "/api/v1/session", login_body(user, password));
  }
  HttpReply me_bearer(const std::string& token) {
    return http_request(port_, bhttp::verb::get, "/api/v1/me", "", {{"Authorization", "Bearer " + token}});
  }
  std::vector<storage::AuditEntry> audit() { return storage::IdentityStore::open(location())->audit_log(); }

  unsigned short port_ = 0;
  std::unique_ptr<Process> server_;
};

TEST_P(SessionApiTest, login_sets_a_cookie_and_returns_a_token_that_both_open_me) {
  start();
  auto r = login("zrzy", kPassword);
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = r.json();
  EXPECT_EQ(j["user"]["username"], "zrzy");
  ASSERT_EQ(j["grants"].size(), 1u);
  EXPECT_EQ(j["grants"][0]["role"], "lead_department");
  EXPECT_EQ(j["grants"][0]["department"], "自然资源局");
  EXPECT_EQ(j["grants"][0]["region"], "340123");
  EXPECT_EQ(r.body.find("argon2"), std::string::npos);
  std::string token = j["token"];
  EXPECT_EQ(token.size(), 43u);
  EXPECT_EQ(r.set_cookie.rfind("gongzhi_session=" + token + ";", 0), 0u) << r.set_cookie;
  EXPECT_NE(r.set_cookie.find("; HttpOnly"), std::string::npos);
  EXPECT_NE(r.set_cookie.find("; SameSite=Strict"), std::string::npos);
  EXPECT_NE(r.set_cookie.find("; Path=/"), std::string::npos);
  EXPECT_EQ(r.set_cookie.find("Secure"), std::string::npos) << "off by default on loopback";

  auto by_cookie = http_request(port_, bhttp::verb::get, "/api/v1/me", "",
                           {{"Cookie", "theme=dark; gongzhi_session=" + token + "; lang=zh"}});
  ASSERT_EQ(by_cookie.status, 200) << by_cookie.body;
  EXPECT_EQ(by_cookie.json()["user"]["username"], "zrzy");
  EXPECT_EQ(by_cookie.json()["grants"][0]["department"], "自然资源局");
  auto by_bearer = me_bearer(token);
  ASSERT_EQ(by_bearer.status, 200) << by_bearer.body;
  EXPECT_EQ(by_bearer.json()["user"]["username"], "zrzy");

  for (const auto& bad : std::vector<HttpReply>{
           http_request(port_, bhttp::verb::get, "/api/v1/me"),
           me_bearer(token.substr(1) + "A"),
           me_bearer("' OR 1=1 --"),
           http_request(port_, bhttp::verb::get, "/api/v1/me", "", {{"Cookie", "gongzhi_session=x"}}),
           http_request(port_, bhttp::verb::get, "/api/v1/me", "", {{"Authorization", "Basic " + token}})}) {
    EXPECT_EQ(bad.status, 401) << bad.body;
    EXPECT_EQ(bad.code(), "unauthenticated");
    EXPECT_FALSE(bad.json()["error"]["message_zh"].get<std::string>().empty());
    EXPECT_FALSE(bad.json()["error"]["message_en"].get<std::string>().empty());
  }
}

TEST_P(SessionApiTest, wrong_password_and_unknown_user_get_the_same_401_then_429_only_at_that_address) {
  start();
  auto wrong = login("zrzy", "not the password");
  auto unknown = login("nobody", "not the password");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.code(), "invalid_credentials");
  EXPECT_EQ(wrong.body, unknown.body);
  EXPECT_EQ(unknown.status, 401);
  for (int i = 0; i < 3; ++i) {
    auto r = login("zrzy", "not the password");
    EXPECT_EQ(r.status, 401);
    EXPECT_TRUE(r.retry_after.empty());
  }
  // The 5th failure starts a wait of 2 s at this address …
  auto fifth = login("zrzy", "not the password");
  EXPECT_EQ(fifth.status, 401);
  EXPECT_EQ(fifth.retry_after, "2");
  // … inside which even the right password is refused there, before any password check,
  auto refused = login("zrzy", kPassword);
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_EQ(refused.code(), "too_many_attempts");
  EXPECT_TRUE(refused.retry_after == "1" || refused.retry_after == "2") << refused.retry_after;
  EXPECT_NE(refused.json()["error"]["message_zh"].get<std::string>().find("秒后再试"), std::string::npos);
  EXPECT_TRUE(refused.set_cookie.empty());
  // … while the rightful user at another address signs in at once,
  auto elsewhere = http_request_from("127.0.0.2", port_, bhttp::verb::post, "/api/v1/session",
                                     login_body("zrzy", kPassword));
  EXPECT_EQ(elsewhere.status, 200) << elsewhere.body;
  // and so does another account at the attacker's address (6 failures < 20).
  EXPECT_EQ(login("root", kPassword).status, 200);

  auto log = audit();
  int throttled = 0, ok = 0;
  for (const auto& e : log) {
    if (e.action == "session.login_throttled") {
      ++throttled;
      EXPECT_EQ(e.object, "user:zrzy");
      EXPECT_EQ(e.detail, R"({"address":"127.0.0.1","failures":5,"scope":"account_address","wait_seconds":2})");
    }
    if (e.action == "session.login") ++ok;
    EXPECT_NE(e.action, "session.login_failed") << "single failures are not audited";
    EXPECT_EQ(e.detail.find("not the password"), std::string::npos);
    EXPECT_EQ(e.detail.find(kPassword), std::string::npos);
  }
  EXPECT_EQ(throttled, 1);
  EXPECT_EQ(ok, 2);
  EXPECT_EQ(log[log.size() - 2].detail, R"({"address":"127.0.0.2"})");
  EXPECT_EQ(log.back().object, "user:root");
  auto v = run({"admin", "verify-audit", "--db", location()});
  EXPECT_EQ(v.exit_code, 0) << v.describe();
}

// Each failure after a wait doubles the next wait for the attacker's address; the administrator
// is never locked out: from another address the right password works throughout.
TEST_P(SessionApiTest, an_attackers_waits_grow_and_the_administrator_signs_in_from_elsewhere) {
  start();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(login("root", "guess " + std::to_string(i)).status, 401);
  EXPECT_EQ(login("root", "guess 4").retry_after, "2");
  EXPECT_EQ(login("root", "guess 5").status, 429);
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  auto sixth = login("root", "guess 6");
  EXPECT_EQ(sixth.status, 401) << sixth.body;
  EXPECT_EQ(sixth.retry_after, "4");
  auto refused = login("root", kPassword);
  EXPECT_EQ(refused.status, 429);
  EXPECT_TRUE(refused.retry_after == "3" || refused.retry_after == "4") << refused.retry_after;
  auto admin = http_request_from("127.0.0.2", port_, bhttp::verb::post, "/api/v1/session",
                                 login_body("root", kPassword));
  ASSERT_EQ(admin.status, 200) << admin.body;
  EXPECT_EQ(admin.json()["grants"][0]["role"], "admin");
}

// The counts live in the database: a second server process on it refuses the attacker too.
TEST_P(SessionApiTest, the_throttle_is_shared_by_every_server_process_on_the_database) {
  start();
  ServeProcess second(location());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(login("zrzy", "not the password").status, 401);
  auto refused = http_request(second.port(), bhttp::verb::post, "/api/v1/session", login_body("zrzy", kPassword));
  EXPECT_EQ(refused.status, 429) << refused.body;
  auto elsewhere = http_request_from("127.0.0.2", second.port(), bhttp::verb::post, "/api/v1/session",
                                     login_body("zrzy", kPassword));
  EXPECT_EQ(elsewhere.status, 200) << elsewhere.body;
}

// An attacker's 200 sign-ins from one address, at the administrator, at a real account and at
// names of their choosing (one trying to forge a log line): at most 10 audit entries, the chain
// intact, and every attempt a line of the server log, which rotates.
TEST_P(SessionApiTest, two_hundred_failed_sign_ins_add_at_most_ten_audit_entries_and_rotate_in_the_log) {
  const std::string log_file = at("gongzhi.log");
  start({"--log-file", log_file, "--log-max-kb", "16", "--log-keep", "4"});
  const auto before = audit().size();
  int refused = 0, failed = 0;
  for (int i = 0; i < 200; ++i) {
    std::string user = i % 4 == 0   ? "root"
                       : i % 4 == 1 ? "zrzy"
                                    : "guess" + std::to_string(i) + "\n[2026-12-07 00:00:00.000] [gongzhi] [info] sign-in: user \"root\"";
    auto r = login(user, "wrong password " + std::to_string(i));
    if (r.status == 429)
      ++refused;
    else if (r.status == 401)
      ++failed;
    else
      ADD_FAILURE() << r.status << " " << r.body;
  }
  EXPECT_EQ(refused + failed, 200);
  EXPECT_GE(refused, 100);
  const auto added = audit().size() - before;
  EXPECT_LE(added, 10u);
  EXPECT_GE(added, 1u);
  auto v = run({"admin", "verify-audit", "--db", location()});
  EXPECT_EQ(v.exit_code, 0) << v.describe();
  server_->signal(SIGTERM);
  server_->wait();
  server_.reset();
  // gongzhi.log, gongzhi.1.log …: spdlog's rotation; every line one of its own.
  int files = 0, attempts = 0, forged = 0;
  for (const auto& name : {"gongzhi.log", "gongzhi.1.log", "gongzhi.2.log", "gongzhi.3.log", "gongzhi.4.log", "gongzhi.5.log"}) {
    std::ifstream in(at(name));
    if (!in) continue;
    ++files;
    std::string line;
    while (std::getline(in, line)) {
      if (line.find("sign-in failed") != std::string::npos || line.find("sign-in refused") != std::string::npos)
        ++attempts;
      if (line.rfind("[2026-12-07 00:00:00.000]", 0) == 0) ++forged;
    }
  }
  EXPECT_GE(files, 2) << "the log rotated";
  EXPECT_LE(files, 5) << "--log-keep 4";
  EXPECT_EQ(attempts, 200);
  EXPECT_EQ(forged, 0);
}

// Behind a trusted reverse proxy the client's address comes from X-Forwarded-For (throttling and
// the audit log count it); from anyone else the header is ignored, so a client can neither pick
// the address its failures are counted against nor make others wait.
TEST_P(SessionApiTest, x_forwarded_for_is_believed_only_from_a_trusted_proxy) {
  start({"--trusted-proxy", "127.0.0.1"});
  auto forwarded = [&](const std::string& xff, const std::string& password, const std::string& from = "127.0.0.1") {
    return http_request_from(from, port_, bhttp::verb::post, "/api/v1/session", login_body("zrzy", password),
                             {{"X-Forwarded-For", xff}});
  };
  EXPECT_EQ(forwarded("203.0.113.7", kPassword).status, 200);
  EXPECT_NE(audit().back().detail.find("\"203.0.113.7\""), std::string::npos) << audit().back().detail;
  // A spoofed first hop added by the client is skipped: the proxy appended the real one.
  EXPECT_EQ(forwarded("198.51.100.1, 203.0.113.9", kPassword).status, 200);
  EXPECT_NE(audit().back().detail.find("\"203.0.113.9\""), std::string::npos) << audit().back().detail;
  // Garbage is not an address: the proxy's own counts.
  EXPECT_EQ(forwarded("<script>", kPassword).status, 200);
  EXPECT_NE(audit().back().detail.find("\"127.0.0.1\""), std::string::npos) << audit().back().detail;
  // An attacker behind the proxy waits; the user behind the same proxy does not.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(forwarded("203.0.113.66", "wrong password").status, 401);
  EXPECT_EQ(forwarded("203.0.113.66", kPassword).status, 429);
  EXPECT_EQ(forwarded("203.0.113.7", kPassword).status, 200);
  // Straight from an untrusted peer the header means nothing: failures claiming the user's
  // address count against the peer's own.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(forwarded("203.0.113.7", "wrong password", "127.0.0.2").status, 401);
  EXPECT_EQ(forwarded("203.0.113.7", kPassword, "127.0.0.2").status, 429);
  EXPECT_EQ(forwarded("203.0.113.7", kPassword).status, 200);
  EXPECT_NE(audit().back().detail.find("\"203.0.113.7\""), std::string::npos) << audit().back().detail;
  server_->signal(SIGTERM);
  server_->wait();
  start();  // no trusted proxy: the header means nothing
  EXPECT_EQ(forwarded("203.0.113.7", kPassword).status, 200);
  EXPECT_NE(audit().back().detail.find("\"127.0.0.1\""), std::string::npos) << audit().back().detail;
}

TEST_P(SessionApiTest, logout_ends_the_session) {
  start();
  auto r = login("zrzy", kPassword);
  ASSERT_EQ(r.status, 200) << r.body;
  std::string token = r.json()["token"];
  auto other = login("zrzy", kPassword).json()["token"].get<std::string>();
  ASSERT_EQ(me_bearer(token).status, 200);
  auto out = http_request(port_, bhttp::verb::delete_, "/api/v1/session", "",
                     {{"Cookie", "gongzhi_session=" + token}});
  ASSERT_EQ(out.status, 200) << out.body;
  EXPECT_NE(out.set_cookie.find("Max-Age=0"), std::string::npos) << out.set_cookie;
  EXPECT_EQ(me_bearer(token).status, 401);
  auto again = http_request(port_, bhttp::verb::delete_, "/api/v1/session", "",
                       {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(again.status, 401);
  EXPECT_EQ(again.code(), "unauthenticated");
  EXPECT_EQ(me_bearer(other).status, 200) << "only that session ends";
  EXPECT_EQ(audit().back().action, "session.logout");
}

TEST_P(SessionApiTest, an_expired_session_is_refused_and_secure_cookies_are_an_option) {
  start({"--session-idle-seconds", "2", "--secure-cookie"});
  auto r = login("zrzy", kPassword);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.set_cookie.find("; Secure"), std::string::npos) << r.set_cookie;
  std::string token = r.json()["token"];
  EXPECT_EQ(me_bearer(token).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(3200));
  auto late = me_bearer(token);
  EXPECT_EQ(late.status, 401);
  EXPECT_EQ(late.code(), "unauthenticated");
}

TEST_P(SessionApiTest, malformed_bodies_get_400_with_a_stable_code_and_record_nothing) {
  start();
  auto before = audit().size();
  struct Case {
    std::string body, code;
  };
  for (const auto& c : std::vector<Case>{
           {"", "malformed_json"},
           {"{\"username\": \"zrzy\", ", "malformed_json"},
           {"{\"username\": \"zrzy\", \"password\": \"\xff\xfe\"}", "malformed_json"},
           {"[\"zrzy\", \"pw\"]", "not_an_object"},
           {"\"zrzy\"", "not_an_object"},
           {R"({"username": "zrzy", "password": "x", "remember": true})", "unknown_field"},
           {R"({"username": "zrzy"})", "missing_field"},
           {R"({"password": "x"})", "missing_field"},
           {R"({"username": 7, "password": "x"})", "wrong_type"},
           {R"({"username": "zrzy", "password": null})", "wrong_type"},
           {R"({"username": "zrzy", "password": ["a"]})", "wrong_type"},
           {R"({"username": "", "password": "x"})", "empty_field"},
           {login_body(std::string(300, 'a'), "x"), "field_too_long"}}) {
    auto r = http_request(port_, bhttp::verb::post, "/api/v1/session", c.body);
    EXPECT_EQ(r.status, 400) << c.body << " → " << r.body;
    if (r.status == 400) {
      EXPECT_EQ(r.code(), c.code) << c.body;
      EXPECT_FALSE(r.json()["error"]["message_zh"].get<std::string>().empty());
      EXPECT_FALSE(r.json()["error"]["message_en"].get<std::string>().empty());
    }
    EXPECT_TRUE(r.set_cookie.empty());
  }
  EXPECT_EQ(audit().size(), before);
  auto f = storage::IdentityStore::open(location())->failed_logins("zrzy", "127.0.0.1", 0, 0);
  EXPECT_EQ(f.pair, 0);
  EXPECT_EQ(f.address, 0);
  // Script and SQL in the username are just a name that does not exist.
  auto sql = login("zrzy'; DELETE FROM users; --<script>", "x");
  EXPECT_EQ(sql.status, 401);
  EXPECT_EQ(storage::IdentityStore::open(location())->users().size(), 2u);
}

// Issue 14, defect 7: SameSite=Strict does not stop a sibling subdomain. An unsafe request that
// a page of another origin makes the browser send with the session cookie is refused before
// any route runs; the same request from the platform's own pages, or with a bearer token, works.
TEST_P(SessionApiTest, cookie_requests_from_another_origin_are_refused_with_403_cross_origin) {
  start();
  std::string token = login("zrzy", kPassword).json()["token"];
  std::string cookie = "gongzhi_session=" + token;
  auto logout = [&](std::vector<std::pair<std::string, std::string>> headers) {
    headers.emplace_back("Cookie", cookie);
    headers.emplace_back("Host", "gongzhi.example.gov.cn");
    return http_request(port_, bhttp::verb::delete_, "/api/v1/session", "", headers);
  };
  for (const auto& headers : std::vector<std::vector<std::pair<std::string, std::string>>>{
           {{"Origin", "https://evil.example.gov.cn"}},
           {{"Origin", "null"}},
           {{"Referer", "https://evil.example.gov.cn/page"}},
           {{"Sec-Fetch-Site", "same-site"}, {"Origin", "https://gongzhi.example.gov.cn"}},
           {{"Sec-Fetch-Site", "cross-site"}}}) {
    auto r = logout(headers);
    EXPECT_EQ(r.status, 403) << headers.front().first << ": " << headers.front().second << " " << r.body;
    EXPECT_EQ(r.code(), "cross_origin") << r.body;
    EXPECT_NE(r.json()["error"]["message_zh"].get<std::string>().find("其他网站"), std::string::npos);
  }
  EXPECT_EQ(me_bearer(token).status, 200) << "nothing was done";
  // A cross-origin sign-in is refused as well (login CSRF).
  auto foreign_login = http_request(port_, bhttp::verb::post, "/api/v1/session", login_body("zrzy", kPassword),
                                    {{"Origin", "https://evil.example.gov.cn"}});
  EXPECT_EQ(foreign_login.status, 403) << foreign_login.body;
  // A bearer token is never sent by a browser on its own: no origin check.
  auto bearer = http_request(port_, bhttp::verb::post, "/api/v1/session", login_body("zrzy", kPassword),
                             {{"Origin", "https://evil.example.gov.cn"}, {"Authorization", "Bearer " + token}});
  EXPECT_EQ(bearer.status, 200) << bearer.body;
  // GET is safe; the platform's own page (same origin, default port dropped) signs out.
  auto read = http_request(port_, bhttp::verb::get, "/api/v1/me", "",
                           {{"Cookie", cookie}, {"Origin", "https://evil.example.gov.cn"}});
  EXPECT_EQ(read.status, 200) << read.body;
  auto own = logout({{"Sec-Fetch-Site", "same-origin"}, {"Origin", "https://gongzhi.example.gov.cn:443"}});
  EXPECT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(me_bearer(token).status, 401);
}

TEST_P(SessionApiTest, the_cookie_is_secure_when_a_trusted_proxy_says_the_client_used_tls) {
  start({"--trusted-proxy", "127.0.0.1"});
  auto body = login_body("zrzy", kPassword);
  auto tls = http_request(port_, bhttp::verb::post, "/api/v1/session", body, {{"X-Forwarded-Proto", "https"}});
  ASSERT_EQ(tls.status, 200) << tls.body;
  EXPECT_NE(tls.set_cookie.find("; Secure"), std::string::npos) << tls.set_cookie;
  auto plain = http_request(port_, bhttp::verb::post, "/api/v1/session", body, {{"X-Forwarded-Proto", "http"}});
  EXPECT_EQ(plain.set_cookie.find("Secure"), std::string::npos) << plain.set_cookie;
  server_->signal(SIGTERM);
  server_->wait();
  server_.reset();
  // From anyone but a trusted proxy the header is not believed.
  start();
  auto forged = http_request(port_, bhttp::verb::post, "/api/v1/session", body, {{"X-Forwarded-Proto", "https"}});
  ASSERT_EQ(forged.status, 200) << forged.body;
  EXPECT_EQ(forged.set_cookie.find("Secure"), std::string::npos) << forged.set_cookie;
}

TEST_P(SessionApiTest, a_new_database_file_is_readable_by_its_owner_only) {
  if (postgres()) GTEST_SKIP() << "PostgreSQL keeps its own files";
  start();  // the server has written to it (WAL)
  ASSERT_EQ(login("zrzy", kPassword).status, 200);
  for (const std::string suffix : {"", "-wal", "-shm", "-gzsig"}) {
    struct stat st {};
    ASSERT_EQ(::stat((location() + suffix).c_str(), &st), 0) << location() + suffix;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << location() + suffix;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, SessionApiTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
