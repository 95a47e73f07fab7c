// Three `gongzhi serve` processes on one PostgreSQL database behind haproxy, configured by the
// repository's deploy/haproxy.cfg (docs/deploy.md): sign-in, the live feed and a write go
// through the balancer and land on different processes; a process that dies is taken out by the
// /health checks and the platform goes on answering through the other two.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
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

TEST(LoadBalancerTest, three_servers_behind_haproxy_serve_sign_in_live_feed_and_writes) {
  PgSchema schema;
  const std::string location = schema.location();
  storage::Store::open(location, {.create = true});
  auto hash = services::hash_password(kPassword);
  {
    auto identity = storage::IdentityStore::open(location);
    identity->create_first_admin("root", hash, "cli:test");
    identity->add_user({"zhen", hash, {Grant{Role::township, "", "340123100"}}}, "root");
    identity->add_user({"zrj", hash, {Grant{Role::lead_department, "自然资源局", "340123"}}}, "root");
  }
  // Each believes the balancer's X-Forwarded-For (the sign-in throttle counts clients).
  std::vector<std::unique_ptr<ServeProcess>> servers;
  for (int i = 0; i < 3; ++i)
    servers.push_back(std::make_unique<ServeProcess>(
        location, Env{}, std::vector<std::string>{"--trusted-proxy", "127.0.0.1"}));
  unsigned short lb = free_port();
  Env env{{"GONGZHI_LB_BIND", "127.0.0.1:" + std::to_string(lb)}};
  for (int i = 0; i < 3; ++i)
    env.emplace_back("GONGZHI_SERVER_" + std::to_string(i + 1),
                     "127.0.0.1:" + std::to_string(servers[i]->port()));
  Process haproxy("haproxy", {"-db", "-f", source_dir() + "/deploy/haproxy.cfg"}, env);
  // Up when it answers, every server checked healthy (rise 2 × inter 2 s at most).
  bool up = false;
  for (int i = 0; i < 100 && !up; ++i) {
    try {
      up = http_request(lb, bhttp::verb::get, "/health").status == 200;
    } catch (const std::exception&) {
    }
    if (!up) std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(up) << "haproxy did not answer on " << lb;

  // Sign-in through the balancer; the session is good on every process behind it.
  std::string zhen = sign_in(lb, "zhen", kPassword), zrj = sign_in(lb, "zrj", kPassword);
  ASSERT_FALSE(zhen.empty());
  for (const auto& s : servers) EXPECT_EQ(api(s->port(), bhttp::verb::get, "/api/v1/me", zhen).status, 200);

  // The live feed through the balancer (one long response), then a write through it: the event
  // comes, whichever process took the write.
  SseClient feed(lb, zrj);
  ASSERT_EQ(feed.status(), 200) << feed.body();
  ASSERT_TRUE(feed.wait_comment("connected", 10s)) << feed.body();
  auto created = api(lb, bhttp::verb::post, "/api/v1/projects", zhen,
                     nlohmann::json{{"name", "负载均衡后的项目"},
                                    {"type", "生态保护修复"},
                                    {"region_code", "340123100"},
                                    {"plan", square_area(117.1, 30.1, 0.01)}}
                         .dump());
  ASSERT_EQ(created.status, 201) << created.body;
  auto code = created.json()["code"].get<std::string>();
  auto event = feed.next(10s);
  ASSERT_TRUE(event) << feed.body();
  EXPECT_EQ(event->kind, "project.created");
  EXPECT_EQ(event->json()["payload"]["code"], code);
  // Every list through the balancer has it (requests go to different processes).
  for (int i = 0; i < 6; ++i) {
    auto list = api(lb, bhttp::verb::get, "/api/v1/projects", zhen);
    ASSERT_EQ(list.status, 200) << list.body;
    auto j = list.json();
    ASSERT_EQ(j["projects"].size(), 1u) << list.body;
    EXPECT_EQ(j["projects"][0]["code"], code);
  }
  // The audit entry names the client, not the balancer... both are 127.0.0.1 here; what is
  // checked is that the sign-in throttle and the audit log work through it at all.
  auto v = run({"admin", "verify-audit", "--db", location});
  EXPECT_EQ(v.exit_code, 0) << v.describe();

  // One process dies: within the health checks' fall time the balancer sends nothing there, and
  // reads and writes go on through the other two.
  servers[0]->kill();
  std::this_thread::sleep_for(5s);
  int ok = 0;
  for (int i = 0; i < 10; ++i) {
    ok += api(lb, bhttp::verb::get, "/api/v1/projects", zhen).status == 200 ? 1 : 0;
  }
  EXPECT_EQ(ok, 10);
  auto second = api(lb, bhttp::verb::post, "/api/v1/projects", zhen,
                    nlohmann::json{{"name", "又一个项目"},
                                   {"type", "生态保护修复"},
                                   {"region_code", "340123100"},
                                   {"plan", square_area(117.2, 30.1, 0.01)}}
                        .dump());
  EXPECT_EQ(second.status, 201) << second.body;

  haproxy.signal(SIGTERM);
  haproxy.wait();
  for (std::size_t i = 1; i < servers.size(); ++i) {
    auto r = servers[i]->stop();
    EXPECT_EQ(r.exit_code, 0) << r.describe();
  }
}

}  // namespace
}  // namespace gz::test
