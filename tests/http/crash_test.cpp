// Crashes, on both backends: `gongzhi import` and `gongzhi serve` killed with SIGKILL in the
// middle of their work (an import; a burst of project creations and transitions; a burst of fund
// approvals; a reallocation plan job; a burst of village-plan approvals). After a restart: the database is intact (SQLite's
// integrity check), the audit chain verifies (`admin verify-audit`), every write that was
// acknowledged before the kill is there, no layer version is partial, and the interrupted plan
// job is reported failed, not left running, and no longer blocks a new one.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "../services/assessment_fixture.h"
#include "../storage/project_seed.h"
#include "../storage/store_backends.h"
#include "live_support.h"
#include "services/password.h"
#include "services/progress.h"
#include "services/realloc.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"
#include "storage/sql_identity_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

namespace bhttp = boost::beast::http;
using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kPassword = "a long enough password";

class CrashTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    storage::Store::open(location(), {.create = true});
    auto hash = services::hash_password(kPassword);
    auto identity = storage::IdentityStore::open(location(), {.create = true});
    identity->create_first_admin("root", hash, "cli:test");
    const std::vector<std::pair<std::string, Grant>> users{
        {"ziran", {Role::lead_department, "自然资源局", "340123"}},
        {"caizheng", {Role::co_reviewing_department, "财政局", "340123"}},
        {"zhen", {Role::township, "", "340123100"}},
    };
    for (const auto& [name, grant] : users) identity->add_user({name, hash, {grant}}, "root");
  }

  // What must hold after any crash: the database intact, the audit chain whole, and every layer
  // version complete (its feature count is the number of its stored features).
  void expect_consistent() {
    if (!postgres()) EXPECT_TRUE(database_is_intact(location()));
    auto v = run({"admin", "verify-audit", "--db", location()});
    EXPECT_EQ(v.exit_code, 0) << v.describe();
    for (const auto& row : where_->query(
             "SELECT l.name || ' v' || v.version, v.feature_count, (SELECT count(*) FROM feature "
             "f WHERE f.version_id = v.id) FROM layer_version v JOIN layer l ON l.id = "
             "v.layer_id")) {
      auto first = row.find('|'), second = row.rfind('|');
      EXPECT_EQ(row.substr(first + 1, second - first - 1), row.substr(second + 1))
          << "partial layer version " << row;
    }
  }

  std::unique_ptr<ServeProcess> serve(const Env& env = {}) {
    return std::make_unique<ServeProcess>(location(), env);
  }
  static HttpReply post(unsigned short port, const std::string& token, const std::string& target,
                        const json& body) {
    return api(port, bhttp::verb::post, target, token, body.dump());
  }
  static HttpReply get(unsigned short port, const std::string& token, const std::string& target) {
    return api(port, bhttp::verb::get, target, token);
  }
};

TEST_P(CrashTest, an_import_killed_midway_leaves_no_partial_version) {
  std::string src = at("big.geojson");
  write_land_use_grid(src, 60000);
  // Killed sooner and later into the import; whichever point it reached, the layer has either a
  // complete new version or none.
  int completed = 0;
  for (int delay_ms : {150, 500, 1200}) {
    Process import(gongzhi_binary(),
                   {"import", "--db", location(), "--layer", "lu", "--kind", "land_use", src});
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    import.signal(SIGKILL);
    auto r = import.wait();
    if (r.exit_code == 0) ++completed;
    expect_consistent();
  }
  // An import killed after its commit but before it exited left a complete version too (a
  // loaded machine makes that likelier), so the kills left between `completed` and three.
  auto count_versions = [&] {
    auto v = where_->query(
        "SELECT count(*) FROM layer_version v JOIN layer l ON l.id = v.layer_id WHERE l.name = 'lu'");
    return v.size() == 1u ? std::stoi(v[0]) : -1;
  };
  int left = count_versions();
  EXPECT_GE(left, completed);
  EXPECT_LE(left, 3);
  // The store takes the next import as if nothing had happened.
  auto again = run({"import", "--db", location(), "--layer", "lu", "--kind", "land_use", src});
  ASSERT_EQ(again.exit_code, 0) << again.describe();
  EXPECT_EQ(count_versions(), left + 1);
  expect_consistent();
}

TEST_P(CrashTest, a_server_killed_during_project_transitions_keeps_every_acknowledged_one) {
  auto server = serve();
  unsigned short port = server->port();
  std::string zhen = sign_in(port, "zhen", kPassword);
  ASSERT_FALSE(zhen.empty());
  // id → the state the server acknowledged last.
  std::mutex m;
  std::map<std::int64_t, std::string> acknowledged;
  std::atomic<bool> stop{false};
  auto writer = [&](int lane) {
    for (int i = 0; !stop; ++i) {
      try {
        auto created = post(port, zhen, "/api/v1/projects",
                            {{"name", "压力测试项目 " + std::to_string(lane) + "-" + std::to_string(i)},
                             {"type", "生态保护修复"},
                             {"region_code", "340123100"},
                             {"plan", square_area(117.1 + 0.001 * i, 30.1 + 0.01 * lane, 0.0005)}});
        if (created.status != 201) return;
        auto id = created.json()["id"].get<std::int64_t>();
        {
          std::lock_guard lock(m);
          acknowledged[id] = "draft";
        }
        auto submitted = post(port, zhen, "/api/v1/projects/" + std::to_string(id) + "/actions",
                              {{"action", "submit"}});
        if (submitted.status != 200) return;
        std::lock_guard lock(m);
        acknowledged[id] = "submitted";
      } catch (const std::exception&) {
        return;  // the server is gone
      }
    }
  };
  std::thread a(writer, 0), b(writer, 1);
  std::this_thread::sleep_for(1500ms);
  server->kill();
  stop = true;
  a.join();
  b.join();
  ASSERT_GT(acknowledged.size(), 3u) << "the burst wrote too little before the kill to prove anything";

  expect_consistent();
  auto again = serve();
  port = again->port();
  zhen = sign_in(port, "zhen", kPassword);
  for (const auto& [id, state] : acknowledged) {
    auto p = get(port, zhen, "/api/v1/projects/" + std::to_string(id));
    ASSERT_EQ(p.status, 200) << "acknowledged project " << id << " is gone: " << p.body;
    if (state == "submitted") EXPECT_EQ(p.json()["state"], "submitted") << p.body;
  }
  EXPECT_EQ(again->stop().exit_code, 0);
}

TEST_P(CrashTest, a_server_killed_during_fund_approvals_keeps_every_acknowledged_payment) {
  std::int64_t project = 0, milestone = 0;
  {
    auto projects = storage::ProjectStore::open(location());
    project = projects->write([](storage::ProjectTx& tx) {
      return seed_project(tx, {"XM2026-001", "东村高标准农田整治", "340123100201", ProjectState::implementation});
    });
    projects->ensure_tables(services::kMilestoneTables);
    milestone = projects->write(
        [&](storage::ProjectTx& tx) { return seed_milestone(tx, project, "M1 土地平整"); });
  }
  auto server = serve();
  unsigned short port = server->port();
  std::string fin = sign_in(port, "caizheng", kPassword), zhen = sign_in(port, "zhen", kPassword);
  const std::string funds = "/api/v1/projects/" + std::to_string(project) + "/funds";
  constexpr std::int64_t kAllocated = 100000000, kEach = 1000000;  // 100万元, 1万元 each
  auto source = post(port, fin, "/api/v1/funds/sources",
                     {{"region_code", "340123"}, {"kind", "central"}, {"name", "中央土地整治资金"},
                      {"amount_fen", kAllocated}});
  ASSERT_EQ(source.status, 201) << source.body;
  ASSERT_EQ(post(port, fin, funds + "/allocations",
                 {{"source_id", source.json()["id"]}, {"amount_fen", kAllocated}})
                .status,
            201);
  std::vector<std::int64_t> requests;
  for (int i = 0; i < 150; ++i) {
    auto r = post(port, zhen, funds + "/disbursements",
                  {{"milestone_id", milestone}, {"payee", "青岚建设有限公司"}, {"amount_fen", kEach}});
    ASSERT_EQ(r.status, 201) << r.body;
    requests.push_back(r.json()["id"].get<std::int64_t>());
  }
  // Finance approves them from two clients at once; the server is killed in the middle.
  std::mutex m;
  std::vector<std::int64_t> approved;
  std::atomic<std::size_t> next{0};
  auto approver = [&] {
    for (std::size_t i; (i = next++) < requests.size();) {
      try {
        auto d = post(port, fin, funds + "/disbursements/" + std::to_string(requests[i]) + "/decision",
                      {{"decision", "approve"}, {"comment", "凭验收单拨付"}});
        if (d.status != 200) return;
        std::lock_guard lock(m);
        approved.push_back(requests[i]);
      } catch (const std::exception&) {
        return;
      }
    }
  };
  std::thread a(approver), b(approver);
  // Killed once a few approvals are through.
  for (int i = 0; i < 400; ++i) {
    {
      std::lock_guard lock(m);
      if (approved.size() >= 5) break;
    }
    std::this_thread::sleep_for(5ms);
  }
  server->kill();
  a.join();
  b.join();
  ASSERT_GE(approved.size(), 5u);
  ASSERT_LT(approved.size(), requests.size()) << "the kill came after the burst";

  expect_consistent();
  auto again = serve();
  port = again->port();
  fin = sign_in(port, "caizheng", kPassword);
  auto list = get(port, fin, funds + "/disbursements");
  ASSERT_EQ(list.status, 200) << list.body;
  std::map<std::int64_t, std::string> status;
  const json listed = list.json();
  for (const auto& d : listed["disbursements"])
    status[d["id"].get<std::int64_t>()] = d["status"].get<std::string>();
  std::int64_t approved_after = 0;
  for (const auto& [id, s] : status) approved_after += s == "approved";
  for (auto id : approved) EXPECT_EQ(status[id], "approved") << "acknowledged approval " << id;
  // At most the one in flight at the kill was committed without its answer.
  EXPECT_LE(approved_after, static_cast<std::int64_t>(approved.size()) + 2);
  auto pool = get(port, fin, funds);
  ASSERT_EQ(pool.status, 200) << pool.body;
  EXPECT_EQ(pool.json()["disbursed_fen"].get<std::int64_t>(), approved_after * kEach) << pool.body;
  EXPECT_EQ(again->stop().exit_code, 0);
}

TEST_P(CrashTest, a_plan_job_killed_with_its_server_is_reported_failed_and_blocks_nothing) {
  std::int64_t project = 0;
  {
    auto store = storage::Store::open(location());
    // Big enough that the plan takes a few seconds.
    services::write_demo_parcels(*store, "parcels", 1500, 7500, 1);
    auto projects = storage::ProjectStore::open(location());
    project = projects->write([](storage::ProjectTx& tx) {
      return seed_project(tx, {"XM2026-001", "东村高标准农田整治", "340123100201", ProjectState::joint_review});
    });
  }
  // A beat of one second: abandoned after six.
  const Env env{{"GONGZHI_JOB_HEARTBEAT_SECONDS", "1"}};
  auto server = serve(env);
  unsigned short port = server->port();
  std::string ziran = sign_in(port, "ziran", kPassword);
  const std::string rights = "/api/v1/projects/" + std::to_string(project) + "/rights";
  auto started = post(port, ziran, rights + "/plans", {{"parcels_layer", "parcels"}, {"tolerance", 0.02}});
  ASSERT_EQ(started.status, 202) << started.body;
  const std::string job = rights + "/plan-jobs/" + std::to_string(started.json()["job"]["id"].get<std::int64_t>());
  std::string seen;
  for (int i = 0; i < 400 && seen != "running"; ++i) {
    seen = get(port, ziran, job).json().value("status", "");
    if (seen == "succeeded" || seen == "failed") break;
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(seen, "running") << "the plan ended before the kill";
  // Stamped by the heartbeat while it runs: still running a beat later.
  std::this_thread::sleep_for(1200ms);
  ASSERT_EQ(get(port, ziran, job).json().value("status", ""), "running");
  server->kill();

  expect_consistent();
  auto again = serve(env);
  port = again->port();
  ziran = sign_in(port, "ziran", kPassword);
  // Reported failed once its beat has been missing for six seconds, never running for ever.
  auto killed_at = std::chrono::steady_clock::now();
  json j;
  while (std::chrono::steady_clock::now() - killed_at < 20s) {
    j = get(port, ziran, job).json();
    if (j.value("status", "") != "running") break;
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_EQ(j.value("status", ""), "failed") << j.dump();
  EXPECT_EQ(j["error"].value("code", ""), "job_abandoned") << j.dump();
  // A new plan may be asked for (the abandoned job no longer blocks the project).
  auto retry = post(port, ziran, rights + "/plans", {{"parcels_layer", "parcels"}, {"tolerance", 0.02}});
  ASSERT_EQ(retry.status, 202) << retry.body;
  EXPECT_NE(retry.json()["job"]["id"], started.json()["job"]["id"]);
  again->kill();
  expect_consistent();
}

TEST_P(CrashTest, a_server_killed_during_village_plan_approvals_leaves_no_unexplained_version) {
  {
    auto store = storage::Store::open(location());
    write_two_village_county(*store);
    auto identity = storage::IdentityStore::open(location());
    identity->add_user({"cun", services::hash_password(kPassword),
                        {Grant{Role::village_collective, "", kVillageA}}},
                       "root");
  }
  auto server = serve();
  unsigned short port = server->port();
  std::string cun = sign_in(port, "cun", kPassword), ziran = sign_in(port, "ziran", kPassword);
  const std::string base = std::string("/api/v1/village-plans/") + kVillageA;
  std::vector<std::int64_t> changes;
  for (int i = 0; i < 60; ++i) {
    json zones = {{"type", "FeatureCollection"},
                  {"features",
                   {{{"type", "Feature"},
                     {"properties", {{"zone_use", "construction"}}},
                     {"geometry", json::parse(local_rect_geojson(100 + 5 * i, 850, 104 + 5 * i, 950))}}}}};
    auto r = post(port, cun, base + "/changes", {{"zones", zones}, {"reason", "村民集中安置点"}});
    ASSERT_EQ(r.status, 201) << r.body;
    ASSERT_EQ(r.json()["status"], "in_review") << r.body;
    changes.push_back(r.json()["id"].get<std::int64_t>());
  }
  std::mutex m;
  std::vector<std::int64_t> approved;
  std::thread approver([&] {
    for (auto id : changes) {
      try {
        auto d = post(port, ziran, "/api/v1/village-plan-changes/" + std::to_string(id) + "/decision",
                      {{"decision", "approve"}, {"opinion", "同意"}});
        if (d.status != 200) return;
        std::lock_guard lock(m);
        approved.push_back(id);
      } catch (const std::exception&) {
        return;
      }
    }
  });
  for (int i = 0; i < 1000; ++i) {
    {
      std::lock_guard lock(m);
      if (approved.size() >= 3) break;
    }
    std::this_thread::sleep_for(2ms);
  }
  server->kill();
  approver.join();
  ASSERT_GE(approved.size(), 3u);
  ASSERT_LT(approved.size(), changes.size()) << "the kill came after the burst";

  expect_consistent();
  auto again = serve();
  port = again->port();
  ziran = sign_in(port, "ziran", kPassword);
  for (auto id : approved) {
    auto c = get(port, ziran, "/api/v1/village-plan-changes/" + std::to_string(id));
    ASSERT_EQ(c.status, 200) << c.body;
    EXPECT_EQ(c.json()["status"], "approved") << "acknowledged approval " << id;
  }
  // Every plan version after the first is explained by exactly one approved request.
  const json listed = get(port, ziran, base + "/changes").json();
  std::size_t approved_after = 0;
  for (const auto& c : listed["changes"]) approved_after += c["status"] == "approved";
  auto versions = get(port, ziran, base + "/versions");
  ASSERT_EQ(versions.status, 200) << versions.body;
  EXPECT_EQ(versions.json()["versions"].size(), approved_after + 1);
  EXPECT_GE(approved_after, approved.size());
  EXPECT_LE(approved_after, approved.size() + 1);
  EXPECT_EQ(again->stop().exit_code, 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, CrashTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
