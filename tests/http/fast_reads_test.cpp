// The project list answered from memory (http/fast_reads, storage/change_signal) stays exactly
// as current as the database, across processes: with two `gongzhi serve` on one database, a
// logout through A is refused by B's very next request, and a project created or changed
// through A is in B's very next list — also when B answered the list from memory just before.
// Repeated, so that a race between a write and the other process's counter would show. The same
// holds for the other reads kept in memory: the project page (GET /api/v1/projects/{id}) and the
// dashboard.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../storage/store_backends.h"
#include "live_support.h"
#include "common/error.h"
#include "services/password.h"
#include "storage/change_signal.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

namespace bhttp = boost::beast::http;
constexpr const char* kPassword = "a long enough password";

class FastReadsTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    storage::Store::open(location(), {.create = true});
    auto hash = services::hash_password(kPassword);
    auto identity = storage::IdentityStore::open(location());
    identity->create_first_admin("root", hash, "cli:test");
    identity->add_user({"zhen", hash, {Grant{Role::township, "", "340123100"}}}, "root");
    identity->add_user({"other", hash, {Grant{Role::township, "", "340123101"}}}, "root");
  }
  static std::size_t listed(unsigned short port, const std::string& token) {
    auto r = api(port, bhttp::verb::get, "/api/v1/projects", token);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? r.json()["projects"].size() : 0;
  }
};

TEST_P(FastReadsTest, a_logout_through_one_server_ends_the_session_on_the_other_at_once) {
  ServeProcess a(location()), b(location());
  for (int round = 0; round < 15; ++round) {
    auto token = sign_in(a.port(), "zhen", kPassword);
    // B checks the session on storage, then answers from memory.
    for (int i = 0; i < 3; ++i) ASSERT_EQ(listed(b.port(), token), 0u) << "round " << round;
    ASSERT_EQ(api(a.port(), bhttp::verb::delete_, "/api/v1/session", token).status, 200);
    auto after = api(b.port(), bhttp::verb::get, "/api/v1/projects", token);
    ASSERT_EQ(after.status, 401) << "round " << round << ": " << after.body;
    EXPECT_EQ(after.code(), "unauthenticated");
    // And on A itself.
    EXPECT_EQ(api(a.port(), bhttp::verb::get, "/api/v1/projects", token).status, 401);
  }
}

TEST_P(FastReadsTest, a_project_change_through_one_server_is_in_the_others_next_list) {
  ServeProcess a(location()), b(location());
  auto zhen_a = sign_in(a.port(), "zhen", kPassword), zhen_b = sign_in(b.port(), "zhen", kPassword);
  auto other_b = sign_in(b.port(), "other", kPassword);
  for (int n = 1; n <= 8; ++n) {
    for (int i = 0; i < 3; ++i) ASSERT_EQ(listed(b.port(), zhen_b), static_cast<std::size_t>(n - 1));
    auto created = api(a.port(), bhttp::verb::post, "/api/v1/projects", zhen_a,
                       nlohmann::json{{"name", "项目" + std::to_string(n)},
                                      {"type", "农用地整理"},
                                      {"region_code", "340123100"},
                                      {"plan", square_area(117.0 + 0.02 * n, 30.0, 0.01)}}
                           .dump());
    ASSERT_EQ(created.status, 201) << created.body;
    ASSERT_EQ(listed(b.port(), zhen_b), static_cast<std::size_t>(n)) << "project " << n;
    // Jurisdiction still holds in what is kept: the other township sees none of them.
    EXPECT_EQ(listed(b.port(), other_b), 0u);
    EXPECT_EQ(listed(b.port(), other_b), 0u);
  }
  // A change of a listed project (its state) through A: B's next list shows the new state.
  auto list = api(b.port(), bhttp::verb::get, "/api/v1/projects", zhen_b);
  auto id = list.json()["projects"][0]["id"].get<std::int64_t>();
  ASSERT_EQ(api(a.port(), bhttp::verb::post, "/api/v1/projects/" + std::to_string(id) + "/actions",
                zhen_a, R"({"action":"submit"})")
                .status,
            200);
  auto again = api(b.port(), bhttp::verb::get, "/api/v1/projects", zhen_b);
  auto again_json = again.json();
  bool submitted = false;
  for (const auto& p : again_json["projects"])
    if (p["id"] == id) submitted = p["state"] == "submitted";
  EXPECT_TRUE(submitted) << again.body;
  // Without a session nothing is answered from memory.
  EXPECT_EQ(api(b.port(), bhttp::verb::get, "/api/v1/projects", "").status, 401);
  EXPECT_EQ(api(b.port(), bhttp::verb::get, "/api/v1/projects", std::string(43, 'A')).status, 401);
}

TEST_P(FastReadsTest, writes_move_the_shared_counters_of_every_store_on_the_database) {
  auto signal = storage::ChangeSignal::for_location(location());
  ASSERT_TRUE(signal);
  using Kind = storage::ChangeSignal::Kind;
  auto projects = storage::ProjectStore::open(location());
  auto identity = storage::IdentityStore::open(location());
  auto p0 = signal->epoch(Kind::projects), i0 = signal->epoch(Kind::identity);
  projects->write([](storage::ProjectTx& tx) { tx.now(); });
  EXPECT_GT(signal->epoch(Kind::projects), p0);
  auto p1 = signal->epoch(Kind::projects);
  identity->add_user({"third", services::hash_password(kPassword), {Grant{Role::township, "", "340123102"}}},
                     "root");
  EXPECT_GT(signal->epoch(Kind::identity), i0);
  // A failed write moves nothing (on PostgreSQL the listener moves the counters on its own as
  // notifications arrive, so this is seen on SQLite only).
  EXPECT_THROW(projects->write([](storage::ProjectTx&) { throw ConflictError("no"); }), ConflictError);
  if (!postgres()) {
    EXPECT_EQ(signal->epoch(Kind::projects), p1);
  }
}

class FastReadsDemoTest : public StoreBackendTest {};

TEST_P(FastReadsDemoTest, the_project_page_and_the_dashboard_kept_by_one_server_follow_writes_through_the_other) {
  constexpr const char* kDemoPassword = "demo password 1";
  auto a = serve_demo_platform(location(), kDemoPassword);
  ServeProcess b(location());
  auto zhen_a = sign_in(a->port(), "zhen", kDemoPassword), zhen_b = sign_in(b.port(), "zhen", kDemoPassword);
  auto board = [&](const std::string& token) {
    auto r = api(b.port(), bhttp::verb::get, "/api/v1/dashboard", token);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? r.json() : nlohmann::json::object();
  };
  auto before = board(zhen_b);
  const std::string township = before["region"]["code"];
  const auto total = before["projects"]["total"].get<std::int64_t>();
  EXPECT_EQ(board(zhen_b)["projects"]["total"], total);  // now answered from memory
  // A project created through A: in B's very next dashboard and project page.
  auto list = api(b.port(), bhttp::verb::get, "/api/v1/projects", zhen_b).json();
  ASSERT_FALSE(list["projects"].empty());
  auto first = list["projects"][0]["id"].get<std::int64_t>();
  auto model = api(b.port(), bhttp::verb::get, "/api/v1/projects/" + std::to_string(first), zhen_b).json();
  for (int round = 0; round < 3; ++round) {
    auto created = api(a->port(), bhttp::verb::post, "/api/v1/projects", zhen_a,
                       nlohmann::json{{"name", "新项目" + std::to_string(round)},
                                      {"type", model["type"]},
                                      {"region_code", model["region_code"]},
                                      {"plan", model["plan"]}}
                           .dump());
    ASSERT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(board(zhen_b)["projects"]["total"], total + round + 1) << "round " << round;
    const std::string path = "/api/v1/projects/" + created.json()["id"].dump();
    for (int i = 0; i < 3; ++i) {
      auto page = api(b.port(), bhttp::verb::get, path, zhen_b);
      ASSERT_EQ(page.status, 200) << page.body;
      EXPECT_EQ(page.json()["state"], "draft");
    }
    ASSERT_EQ(api(a->port(), bhttp::verb::post, path + "/actions", zhen_a, R"({"action":"submit"})").status,
              200);
    auto page = api(b.port(), bhttp::verb::get, path, zhen_b);
    EXPECT_EQ(page.json()["state"], "submitted") << "round " << round << ": " << page.body;
    EXPECT_FALSE(page.json()["history"].empty());
  }
  // What B keeps for zhen is zhen's: a villager asking for the same target gets the answer of
  // their own grants (the township is outside them: 404).
  for (int i = 0; i < 2; ++i)
    ASSERT_EQ(api(b.port(), bhttp::verb::get, "/api/v1/dashboard?region=" + township, zhen_b).status, 200);
  auto cunmin = sign_in(b.port(), "cunmin", kDemoPassword);
  EXPECT_EQ(api(b.port(), bhttp::verb::get, "/api/v1/dashboard?region=" + township, cunmin).status, 404);
  // A logout through A ends both at once on B.
  auto path = "/api/v1/projects/" + std::to_string(first);
  ASSERT_EQ(api(b.port(), bhttp::verb::get, path, zhen_b).status, 200);
  ASSERT_EQ(api(a->port(), bhttp::verb::delete_, "/api/v1/session", zhen_b).status, 200);
  EXPECT_EQ(api(b.port(), bhttp::verb::get, path, zhen_b).status, 401);
  EXPECT_EQ(api(b.port(), bhttp::verb::get, "/api/v1/dashboard", zhen_b).status, 401);
}

INSTANTIATE_TEST_SUITE_P(Backends, FastReadsTest, GZ_ALL_BACKENDS, backend_name);
INSTANTIATE_TEST_SUITE_P(Backends, FastReadsDemoTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
