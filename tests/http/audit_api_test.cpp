// The audit trail over real HTTP against `gongzhi serve` on the demo platform, on both backends:
// the auditor's search (by project, user, action and time, newest first, paged backwards) agrees
// with the log read in process and filtered here; the xlsx download holds the same entries; the
// chain's state says how far it is verified; a project's activity is every entry about it, for
// whoever may see the project; the others are refused. Unknown app addresses answer the app.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <nlohmann/json.hpp>

#include "../storage/store_backends.h"
#include "../xlsx_reader.h"
#include "live_support.h"
#include "storage/identity_store.h"

namespace gz::test {
namespace {

namespace bhttp = boost::beast::http;
using nlohmann::json;

constexpr const char* kPassword = "demo password 1";

class AuditApiTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    server_ = serve_demo_platform(location(), kPassword);
  }
  unsigned short port() const { return server_->port(); }
  HttpReply get(const std::string& target, const std::string& token) {
    return api(port(), bhttp::verb::get, target, token);
  }
  // The whole log, newest first, read in process.
  std::vector<storage::AuditEntry> log() {
    auto identity = storage::IdentityStore::open(location());
    auto all = identity->audit_log();
    std::reverse(all.begin(), all.end());
    return all;
  }
  static std::vector<std::int64_t> seqs(const json& entries) {
    std::vector<std::int64_t> out;
    for (const auto& e : entries) out.push_back(e["seq"].get<std::int64_t>());
    return out;
  }
  std::unique_ptr<ServeProcess> server_;
};

// The entries about project `id` / `code`: its own and its villagers' feedback naming it.
bool about_project(const storage::AuditEntry& e, std::int64_t id, const std::string& code) {
  if (e.object == "project:" + code) return true;
  if (e.object.rfind("feedback:", 0) != 0) return false;
  auto d = json::parse(e.detail);
  return d.contains("project") && d["project"].is_number_integer() && d["project"].get<std::int64_t>() == id;
}

TEST_P(AuditApiTest, the_auditor_searches_by_project_user_action_and_time) {
  auto shenji = sign_in(port(), "shenji", kPassword);
  auto zhen = sign_in(port(), "zhen", kPassword);
  auto projects = get("/api/v1/projects", zhen).json()["projects"];
  ASSERT_FALSE(projects.empty());
  const std::int64_t id = projects[0]["id"];
  const std::string code = projects[0]["code"];
  auto all = log();
  ASSERT_GT(all.size(), 20u);

  // By project.
  std::vector<std::int64_t> expected;
  for (const auto& e : all)
    if (e.object.find(code) != std::string::npos) expected.push_back(e.seq);
  ASSERT_FALSE(expected.empty());
  auto r = get("/api/v1/audit/search?object=" + code + "&limit=500", shenji);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(seqs(r.json()["entries"]), expected);

  // By user and action prefix: the demo wrote the projects, "project." actions.
  expected.clear();
  for (const auto& e : all)
    if (e.actor == "zhen" && e.action.rfind("project.", 0) == 0) expected.push_back(e.seq);
  r = get("/api/v1/audit/search?actor=zhen&action=project.&limit=500", shenji);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(seqs(r.json()["entries"]), expected);

  // Paged backwards, five at a time: the pages together are the newest-first log.
  std::vector<std::int64_t> paged;
  std::int64_t before = 0;
  for (int page = 0; page < 3; ++page) {
    auto p = get("/api/v1/audit/search?limit=5" + (before ? "&before=" + std::to_string(before) : ""), shenji).json();
    for (auto s : seqs(p["entries"])) paged.push_back(s);
    before = p["next_before"];
    ASSERT_GT(before, 0);
  }
  ASSERT_EQ(paged.size(), 15u);
  for (std::size_t i = 0; i < paged.size(); ++i) EXPECT_EQ(paged[i], all[i].seq);

  // By time: from the day of the newest entry on is everything of that day; to the day before
  // the oldest is nothing; a time bound falls between two entries.
  const std::string newest_day = all.front().time.substr(0, 10);
  std::size_t that_day = std::count_if(all.begin(), all.end(), [&](auto& e) { return e.time.substr(0, 10) >= newest_day; });
  r = get("/api/v1/audit/search?limit=500&from=" + newest_day, shenji);
  EXPECT_EQ(r.json()["entries"].size(), std::min<std::size_t>(that_day, 500));
  r = get("/api/v1/audit/search?to=2000-01-01", shenji);
  EXPECT_TRUE(r.json()["entries"].empty());
  r = get("/api/v1/audit/search?to=" + newest_day + "&limit=1", shenji);  // the day itself included
  ASSERT_EQ(r.json()["entries"].size(), 1u);
  EXPECT_EQ(r.json()["entries"][0]["seq"], all.front().seq);

  // Bad parameters name themselves; only auditors and administrators search.
  r = get("/api/v1/audit/search?from=yesterday", shenji);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("from"), std::string::npos);
  EXPECT_EQ(get("/api/v1/audit/search?to=2026-02-30", shenji).status, 400);
  EXPECT_EQ(get("/api/v1/audit/search?limit=501", shenji).status, 400);
  EXPECT_EQ(get("/api/v1/audit/search", zhen).status, 403);
  EXPECT_EQ(get("/api/v1/audit/search", "").status, 401);

  // The chain: intact, verified up to the last entry.
  auto v = get("/api/v1/audit/verify", shenji).json();
  EXPECT_TRUE(v["intact"].get<bool>());
  EXPECT_GE(v["verified_through"].get<std::int64_t>(), all.front().seq);
  (void)id;
}

TEST_P(AuditApiTest, the_download_holds_the_searched_entries) {
  auto shenji = sign_in(port(), "shenji", kPassword);
  auto all = log();
  std::vector<std::int64_t> expected;
  for (const auto& e : all)
    if (e.action.rfind("project.", 0) == 0) expected.push_back(e.seq);
  auto r = get("/api/v1/audit/export.xlsx?action=project.", shenji);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.header("content-type").find("spreadsheetml"), std::string::npos);
  EXPECT_NE(r.header("content-disposition").find("filename=\"download.xlsx\""), std::string::npos);
  auto path = std::filesystem::temp_directory_path() / ("gz-audit-" + std::to_string(::getpid()) + ".xlsx");
  std::ofstream(path, std::ios::binary) << r.body;
  auto sheet = read_xlsx_sheet(path.string());
  std::filesystem::remove(path);
  // The title, the caption, the header row, then one row per entry from row 4.
  EXPECT_EQ(sheet.at("A3"), "序号");
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(sheet.at("A" + std::to_string(4 + i)), std::to_string(expected[i])) << i;
    EXPECT_EQ(sheet.at("D" + std::to_string(4 + i)).rfind("project.", 0), 0u) << i;
  }
  // No entry rows beyond them (the notes follow).
  EXPECT_EQ(sheet.at("B" + std::to_string(4 + expected.size())), "");
  EXPECT_EQ(get("/api/v1/audit/export.xlsx", sign_in(port(), "cunmin", kPassword)).status, 403);
}

TEST_P(AuditApiTest, a_project_activity_is_every_entry_about_it_for_those_who_may_see_it) {
  auto zhen = sign_in(port(), "zhen", kPassword);
  auto projects = get("/api/v1/projects", zhen).json()["projects"];
  ASSERT_FALSE(projects.empty());
  auto all = log();
  for (const auto& p : projects) {
    const std::int64_t id = p["id"];
    const std::string code = p["code"];
    std::vector<std::int64_t> expected;
    for (const auto& e : all)
      if (about_project(e, id, code)) expected.push_back(e.seq);
    auto r = get("/api/v1/projects/" + std::to_string(id) + "/activity?limit=1000", zhen);
    ASSERT_EQ(r.status, 200) << r.body;
    auto j = r.json();
    EXPECT_EQ(seqs(j["entries"]), expected) << code;
    for (const auto& e : j["entries"]) EXPECT_FALSE(e.contains("hash"));
  }
  // A plan save, a review and a transition of the demo's first projects are all there.
  std::set<std::string> kinds;
  for (const auto& e : all)
    if (e.object.rfind("project:", 0) == 0) kinds.insert(e.action);
  EXPECT_TRUE(kinds.count("project.create"));
  EXPECT_TRUE(kinds.count("project.review"));
  const std::int64_t first = projects[0]["id"];
  EXPECT_EQ(get("/api/v1/projects/" + std::to_string(first) + "/activity", "").status, 401);
  EXPECT_EQ(get("/api/v1/projects/999999/activity", zhen).status, 404);
}

TEST_P(AuditApiTest, unknown_app_addresses_answer_the_app_and_unknown_api_paths_json) {
  auto page = get("/no/such/page", "");
  EXPECT_EQ(page.status, 404);
  EXPECT_NE(page.header("content-type").find("text/html"), std::string::npos);
  auto audit = get("/audit", "");
  EXPECT_EQ(audit.status, 200);
  EXPECT_NE(audit.header("content-type").find("text/html"), std::string::npos);
  auto api404 = get("/api/v1/no-such-thing", "");
  EXPECT_EQ(api404.status, 404);
  EXPECT_EQ(api404.code(), "not_found");
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditApiTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
