// gongzhi serve over real HTTP on loopback: routes, JSON errors, limits, keep-alive, graceful
// shutdown; and the OpenAPI document against the route table.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "../test_support.h"
#include "http_client.h"
#include "http/api_services.h"
#include "http/routes.h"
#include "services/password.h"
#include "services/progress.h"
#include "services/funds.h"
#include "services/rights.h"
#include "services/projects.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;


struct Reply {
  int status = 0;
  std::string body;
  nlohmann::json json() const { return nlohmann::json::parse(body); }
};

// One connection; several requests may go over it (keep-alive).
class Client {
 public:
  explicit Client(unsigned short port) : stream_(ioc_) {
    stream_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
  Reply request(bhttp::verb verb, const std::string& target, const std::string& body = "") {
    bhttp::request<bhttp::string_body> req{verb, target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    if (!token.empty()) req.set(bhttp::field::authorization, "Bearer " + token);
    req.keep_alive(true);
    req.body() = body;
    req.prepare_payload();
    bhttp::write(stream_, req);
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(stream_, buffer, res);
    return {static_cast<int>(res.result_int()), res.body()};
  }

  std::string token;  // sent as a bearer token when set

 private:
  asio::io_context ioc_;
  beast::tcp_stream stream_;
};

constexpr const char* kPassword = "a long enough password";

class ServerTest : public TempDirTest {
 protected:
  void SetUp() override {
    db = at("county.sqlite");
    std::string file = at("lu.geojson");
    write_file(file, feature_collection(three_land_use_spots()));
    auto r = run({"import", "--db", db, "--layer", "dltb", "--kind", "land_use", file});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    {
      auto identity = storage::IdentityStore::open(db);
      auto hash = services::hash_password(kPassword);
      identity->create_first_admin("root", hash, "cli:test");
      identity->add_user({"cunmin", hash, {Grant{Role::villager, "", "340123100201"}}}, "root");
    }
    start_server({});
  }
  // (Re)starts `gongzhi serve` on the test's database with `extra` options.
  void start_server(const std::vector<std::string>& extra) {
    if (server) {
      server->signal(SIGTERM);
      server->wait();
    }
    port = free_port();
    std::vector<std::string> args{"serve", "--db", db, "--listen", "127.0.0.1:" + std::to_string(port)};
    args.insert(args.end(), extra.begin(), extra.end());
    server = std::make_unique<Process>(gongzhi_binary(), args);
    for (int i = 0; i < 100; ++i) {  // until it accepts connections
      try {
        Client c(port);
        return;
      } catch (const std::exception&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    FAIL() << "gongzhi serve did not start listening";
  }
  void TearDown() override {
    if (server) {
      server->signal(SIGTERM);
      server->wait();
    }
  }
  // A session token of `user`.
  std::string sign_in(const std::string& user) {
    auto r = http_request(port, bhttp::verb::post, "/api/v1/session", login_body(user, kPassword));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json()["token"].get<std::string>();
  }
  std::string db;
  unsigned short port = 0;
  std::unique_ptr<Process> server;
};

TEST_F(ServerTest, health_and_layers_answer_json) {
  Client c(port);
  auto h = c.request(bhttp::verb::get, "/api/v1/health");
  ASSERT_EQ(h.status, 200) << h.body;
  EXPECT_EQ(h.json()["status"], "ok");
  EXPECT_EQ(h.json()["layers"], 1);
  // The layers are for signed-in users only.
  auto anonymous = c.request(bhttp::verb::get, "/api/v1/layers");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(anonymous.json()["error"]["code"], "unauthenticated");
  EXPECT_EQ(c.request(bhttp::verb::get, "/api/v1/layers/dltb").status, 401);
  c.token = sign_in("cunmin");
  auto l = c.request(bhttp::verb::get, "/api/v1/layers");  // same connection: keep-alive
  ASSERT_EQ(l.status, 200);
  ASSERT_EQ(l.json()["layers"].size(), 1u);
  EXPECT_EQ(l.json()["layers"][0]["layer"], "dltb");
  EXPECT_EQ(l.json()["layers"][0]["features"], 3);
  auto v = c.request(bhttp::verb::get, "/api/v1/layers/dltb");
  ASSERT_EQ(v.status, 200);
  EXPECT_EQ(v.json()["versions"][0]["version"], 1);
  auto page = c.request(bhttp::verb::get, "/");  // the web app (or a page saying it is not built)
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("共治"), std::string::npos);
}

TEST_F(ServerTest, errors_are_json_with_a_stable_code_in_two_languages) {
  Client c(port);
  c.token = sign_in("cunmin");
  auto missing = c.request(bhttp::verb::get, "/api/v1/layers/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.json()["error"]["code"], "layer_not_found");
  EXPECT_EQ(missing.json()["error"]["message_zh"], "图层不存在");
  EXPECT_EQ(missing.json()["error"]["message_en"], "layer not found");
  auto unknown = c.request(bhttp::verb::get, "/api/v1/nothing");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.json()["error"]["code"], "not_found");
  auto method = c.request(bhttp::verb::post, "/api/v1/layers", "{}");
  EXPECT_EQ(method.status, 405);
  EXPECT_EQ(method.json()["error"]["code"], "method_not_allowed");
  // SQL and script in a path segment are just a name that does not exist.
  auto sql = c.request(bhttp::verb::get, "/api/v1/layers/dltb'%3B%20DROP%20TABLE%20feature%3B--");
  EXPECT_EQ(sql.status, 404);
  EXPECT_EQ(c.request(bhttp::verb::get, "/api/v1/layers/dltb").status, 200);
}

TEST_F(ServerTest, a_huge_body_is_refused_with_413) {
  Client c(port);
  auto r = c.request(bhttp::verb::post, "/api/v1/layers", std::string(2 << 20, 'x'));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.json()["error"]["code"], "body_too_large");
}

// Seconds until the server ends `socket` (end of stream or reset), reading and dropping whatever
// it sends meanwhile; gives up after 10 s (returns 10).
double seconds_until_closed(tcp::socket& socket) {
  auto start = std::chrono::steady_clock::now();
  socket.non_blocking(true);
  char buf[4096];
  while (std::chrono::steady_clock::now() - start < std::chrono::seconds(10)) {
    beast::error_code ec;
    socket.read_some(asio::buffer(buf), ec);
    if (ec == asio::error::would_block) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    if (ec) break;  // eof or reset: closed
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST_F(ServerTest, a_client_slower_than_the_request_timeout_is_disconnected) {
  start_server({"--request-timeout", "1"});
  asio::io_context ioc;
  tcp::endpoint at(asio::ip::make_address("127.0.0.1"), port);
  // Half a request, never finished (slowloris).
  tcp::socket slow(ioc);
  slow.connect(at);
  asio::write(slow, asio::buffer(std::string("GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")));
  // A finished request, then silence on the kept-alive connection.
  tcp::socket idle(ioc);
  idle.connect(at);
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, "/api/v1/health", 11};
  req.set(bhttp::field::host, "127.0.0.1");
  bhttp::write(idle, req);
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(idle, buffer, res);
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_TRUE(res.keep_alive());

  double slow_closed = seconds_until_closed(slow);
  double idle_closed = seconds_until_closed(idle);
  // A deadline of 1 s, checked once a second: closed after 1 to 2 s (some slack for a busy machine).
  EXPECT_GE(slow_closed, 0.9);
  EXPECT_LT(slow_closed, 4.0);
  EXPECT_LT(idle_closed, 4.0);
  // Meanwhile the server answers everyone else as usual.
  Client c(port);
  EXPECT_EQ(c.request(bhttp::verb::get, "/api/v1/health").status, 200);
}

TEST_F(ServerTest, a_client_within_the_request_timeout_keeps_its_connection) {
  start_server({"--request-timeout", "2"});
  Client c(port);
  // Requests spaced under the timeout: each one re-arms it, the connection stays.
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(c.request(bhttp::verb::get, "/api/v1/health").status, 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
  }
}

TEST_F(ServerTest, sigterm_stops_the_server_cleanly) {
  Client c(port);
  EXPECT_EQ(c.request(bhttp::verb::get, "/api/v1/health").status, 200);
  // The idle keep-alive connection does not hold the shutdown up.
  auto start = std::chrono::steady_clock::now();
  server->signal(SIGTERM);
  auto r = server->wait();
  server.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("gongzhi stopped"), std::string::npos) << r.describe();
}

// Auditors and administrators read the audit log and verify its chain over the API; a villager
// may not.
TEST_F(ServerTest, only_auditors_and_admins_read_the_audit_log) {
  Client c(port);
  EXPECT_EQ(c.request(bhttp::verb::get, "/api/v1/audit").status, 401);
  c.token = sign_in("cunmin");
  auto refused = c.request(bhttp::verb::get, "/api/v1/audit");
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.json()["error"]["code"], "auditors_only");
  c.token = sign_in("root");
  auto log = c.request(bhttp::verb::get, "/api/v1/audit?limit=2");
  ASSERT_EQ(log.status, 200) << log.body;
  auto entries = log.json()["entries"];
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0]["action"], "admin.create");
  EXPECT_EQ(entries[1]["action"], "user.create");
  auto next = c.request(bhttp::verb::get,
                        "/api/v1/audit?action=session.login&after=" +
                            std::to_string(log.json()["next_after"].get<int>()));
  ASSERT_EQ(next.status, 200);
  EXPECT_EQ(next.json()["entries"].size(), 2u);  // cunmin's and root's sign-ins
  EXPECT_EQ(c.request(bhttp::verb::get, "/api/v1/audit?limit=0").status, 400);
  EXPECT_EQ(c.request(bhttp::verb::get, "/api/v1/audit?after=x").status, 400);
  auto verify = c.request(bhttp::verb::get, "/api/v1/audit/verify");
  ASSERT_EQ(verify.status, 200);
  EXPECT_TRUE(verify.json()["intact"].get<bool>());
  EXPECT_GE(verify.json()["entries"].get<int>(), 4);
}

// Every /api/v1 and /tiles route is in the OpenAPI document with its method, and the document names no
// route the server does not have.
TEST_F(ServerTest, openapi_document_matches_the_route_table) {
  Client c(port);
  auto doc = c.request(bhttp::verb::get, "/api/v1/openapi.json");
  ASSERT_EQ(doc.status, 200);
  auto j = doc.json();
  EXPECT_EQ(j["openapi"].get<std::string>().substr(0, 2), "3.");
  std::set<std::pair<std::string, std::string>> documented, served;
  for (auto& [path, ops] : j["paths"].items())
    for (auto& [method, op] : ops.items()) {
      std::string m = method;
      for (auto& ch : m) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      documented.insert({m, path});
    }
  auto store = storage::Store::open(db);
  auto identity = storage::IdentityStore::open(db);
  auto projects = storage::ProjectStore::open(db);
  http::ApiServices api(*store, *identity, *projects, db);
  http::ApiContext ctx = api.context();
  auto router = http::make_router(ctx);
  for (const auto& r : router.routes())
    if (r.pattern.rfind("/api/v1/", 0) == 0 || r.pattern.rfind("/tiles/", 0) == 0)
      served.insert({r.method, r.pattern});
  EXPECT_EQ(documented, served);
}

}  // namespace
}  // namespace gz::test
