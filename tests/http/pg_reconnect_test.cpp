// `gongzhi serve --pg` outlives its database connections: when PostgreSQL drops them (what a
// restart or a failover does; here pg_terminate_backend, and a real stop and start of a cluster
// of the test's own), the server answers 503 at once while the database is away, /health says
// "degraded", and it serves again by itself within seconds of the database coming back, with
// the sessions it had.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <unistd.h>

#include "../storage/store_backends.h"
#include "live_support.h"
#include "services/password.h"
#include "storage/identity_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

namespace bhttp = boost::beast::http;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kPassword = "a long enough password";

void add_users(const std::string& location) {
  storage::Store::open(location, {.create = true});
  auto hash = services::hash_password(kPassword);
  auto identity = storage::IdentityStore::open(location);
  identity->create_first_admin("root", hash, "cli:test");
  identity->add_user({"zhen", hash, {Grant{Role::township, "", "340123100"}}}, "root");
}

// Polls `target` until it answers 200; how long that took (fails the test after `limit`).
Clock::duration until_ok(unsigned short port, const std::string& target, const std::string& token,
                         Clock::duration limit) {
  auto start = Clock::now();
  for (;;) {
    auto r = api(port, bhttp::verb::get, target, token);
    if (r.status == 200) return Clock::now() - start;
    EXPECT_EQ(r.status, 503) << target << ": " << r.body;
    if (Clock::now() - start > limit) {
      ADD_FAILURE() << target << " still answers " << r.status << " after "
                    << std::chrono::duration_cast<std::chrono::milliseconds>(limit).count()
                    << " ms: " << r.body;
      return Clock::now() - start;
    }
    std::this_thread::sleep_for(100ms);
  }
}

TEST(PgReconnectTest, terminated_connections_cost_no_request) {
  PgSchema schema;
  // Our own application name, so that only this test's connections are terminated (other tests
  // share the server).
  const std::string app = "gz_reconnect_" + schema.name();
  const std::string location = schema.location() + " application_name=" + app;
  add_users(location);
  ServeProcess server(location);
  unsigned short port = server.port();
  std::string token = sign_in(port, "zhen", kPassword);
  ASSERT_FALSE(token.empty());
  ASSERT_EQ(api(port, bhttp::verb::get, "/api/v1/projects", token).status, 200);

  for (int round = 0; round < 3; ++round) {
    auto killed = schema.query("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                               "WHERE application_name = '" + app + "'");
    ASSERT_EQ(killed.size(), 1u);
    // The store, the identity store, the project store and the change listener.
    EXPECT_GE(std::stoi(killed[0]), 3) << "round " << round;
    // Idle connections were dropped: the next reads and a write go through without a 503
    // (BEGIN and plain reads are sent again on a new connection).
    auto health = api(port, bhttp::verb::get, "/api/v1/health", "");
    EXPECT_EQ(health.status, 200) << health.body;
    auto me = api(port, bhttp::verb::get, "/api/v1/me", token);
    EXPECT_EQ(me.status, 200) << me.body;
    auto list = api(port, bhttp::verb::get, "/api/v1/projects", token);
    EXPECT_EQ(list.status, 200) << list.body;
    nlohmann::json body = {{"name", "重连后新建 " + std::to_string(round)},
                           {"type", "生态保护修复"},
                           {"region_code", "340123100"},
                           {"plan", square_area(117.1 + 0.01 * round, 30.1, 0.002)}};
    auto created = api(port, bhttp::verb::post, "/api/v1/projects", token, body.dump());
    EXPECT_EQ(created.status, 201) << created.body;
  }
  auto list = api(port, bhttp::verb::get, "/api/v1/projects", token);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.json()["projects"].size(), 3u) << list.body;
  EXPECT_EQ(server.stop().exit_code, 0);
}

// A PostgreSQL cluster of this test's own (scripts/pg.sh), so that stopping it disturbs no
// other test.
class OwnCluster {
 public:
  explicit OwnCluster(const std::string& dir) : dir_(dir), port_(free_port()) { start(); }
  ~OwnCluster() {
    run_program(script(), {"stop", dir_});
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void start() {
    auto r = run_program(script(), {"start", dir_, std::to_string(port_)});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    conninfo_ = r.out.substr(r.out.rfind("host="));
    while (!conninfo_.empty() && (conninfo_.back() == '\n' || conninfo_.back() == '\r'))
      conninfo_.pop_back();
  }
  void stop() {
    auto r = run_program(script(), {"stop", dir_});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
  }
  const std::string& conninfo() const { return conninfo_; }

 private:
  static std::string script() { return source_dir() + "/scripts/pg.sh"; }
  std::string dir_;
  unsigned short port_;
  std::string conninfo_;
};

TEST(PgReconnectTest, serves_again_after_the_database_restarts) {
  // Under /tmp: the postgres user must reach the directory.
  OwnCluster cluster("/tmp/gz-reconnect-" + std::to_string(::getpid()));
  const std::string location = "pg:" + cluster.conninfo();
  add_users(location);
  ServeProcess server(location);
  unsigned short port = server.port();
  std::string token = sign_in(port, "zhen", kPassword);
  ASSERT_FALSE(token.empty());

  cluster.stop();
  // While the database is away every request fails at once with 503, and /health says why.
  for (int i = 0; i < 5; ++i) {
    auto start = Clock::now();
    auto health = api(port, bhttp::verb::get, "/api/v1/health", "");
    // (The layer list is read from the database; a session may be answered from memory.)
    auto layers = api(port, bhttp::verb::get, "/api/v1/layers", token);
    auto took = Clock::now() - start;
    EXPECT_EQ(health.status, 503) << health.body;
    EXPECT_EQ(health.json().value("status", ""), "degraded") << health.body;
    EXPECT_EQ(layers.status, 503) << layers.body;
    EXPECT_LT(took, 2s) << "a request waited for the absent database";
    std::this_thread::sleep_for(200ms);
  }

  cluster.start();
  // Back by itself: the health check, then the session signed in before the restart.
  auto health_back = until_ok(port, "/api/v1/health", "", 15s);
  EXPECT_LT(health_back, 10s);
  EXPECT_EQ(api(port, bhttp::verb::get, "/api/v1/me", token).status, 200);
  nlohmann::json body = {{"name", "重启后新建"},
                         {"type", "生态保护修复"},
                         {"region_code", "340123100"},
                         {"plan", square_area(117.1, 30.1, 0.002)}};
  auto created = api(port, bhttp::verb::post, "/api/v1/projects", token, body.dump());
  EXPECT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(server.stop().exit_code, 0);
}

}  // namespace
}  // namespace gz::test
