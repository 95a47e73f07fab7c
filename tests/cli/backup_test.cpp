// gongzhi admin backup and restore through the binary, on real SQLite files and a real
// `gongzhi serve`: a backup taken while the server acknowledges writes holds every write
// acknowledged before it started and restores into an intact store whose audit chain verifies;
// a damaged, foreign or missing backup is refused naming the file, and the database is left
// exactly as it was; a database a server has open is not replaced.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sqlite3.h>
#include <thread>

#include "../http/live_support.h"
#include "../test_support.h"
#include "services/password.h"
#include "storage/identity_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

namespace bhttp = boost::beast::http;
namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kPassword = "a long enough password";

class BackupCommandTest : public TempDirTest {
 protected:
  void SetUp() override {
    db_ = at("county.sqlite");
    // A land-use layer makes the file a few MiB: the copy takes many steps while the server
    // writes.
    std::string grid = at("grid.geojson");
    write_land_use_grid(grid, 8000);
    auto r = run({"import", "--db", db_, "--layer", "lu", "--kind", "land_use", grid});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    auto identity = storage::IdentityStore::open(db_);
    auto hash = services::hash_password(kPassword);
    identity->create_first_admin("root", hash, "cli:test");
    identity->add_user({"zhen", hash, {Grant{Role::township, "", "340123100"}}}, "root");
  }

  static std::vector<std::string> names_in(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
  static mode_t mode_of(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 0777;
  }
  RunResult verify_audit(const std::string& db) {
    return run({"admin", "verify-audit", "--db", db});
  }
  std::vector<std::string> audit_actions(const std::string& db) {
    return query(db, "SELECT action FROM audit_log ORDER BY seq");
  }

  std::string db_;
};

TEST_F(BackupCommandTest, a_backup_taken_while_serving_writes_restores_every_acknowledged_one) {
  ServeProcess server(db_);
  std::string zhen = sign_in(server.port(), "zhen", kPassword);
  ASSERT_FALSE(zhen.empty());
  std::mutex m;
  std::set<std::int64_t> acknowledged;
  std::atomic<bool> stop{false}, failed{false};
  std::string failure;
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      auto created = api(server.port(), bhttp::verb::post, "/api/v1/projects", zhen,
                         json{{"name", "备份期间的项目 " + std::to_string(i)},
                              {"type", "生态保护修复"},
                              {"region_code", "340123100"},
                              {"plan", square_area(117.1 + 0.001 * (i % 500), 30.1, 0.0005)}}
                             .dump());
      std::lock_guard lock(m);
      if (created.status != 201) {
        failure = std::to_string(created.status) + " " + created.body;
        failed = true;
        return;
      }
      acknowledged.insert(created.json()["id"].get<std::int64_t>());
    }
  });
  for (auto deadline = std::chrono::steady_clock::now() + 20s;;) {
    std::this_thread::sleep_for(20ms);
    std::lock_guard lock(m);
    if (acknowledged.size() >= 10 || failed || std::chrono::steady_clock::now() > deadline) break;
  }
  std::set<std::int64_t> before_backup;
  {
    std::lock_guard lock(m);
    before_backup = acknowledged;
  }
  std::string backup = at("backups/county-backup.sqlite");
  fs::create_directory(at("backups"));
  auto r = run({"admin", "backup", "--db", db_, "--output", backup});
  std::size_t during;
  {
    std::lock_guard lock(m);
    during = acknowledged.size() - before_backup.size();
  }
  stop = true;
  writer.join();
  ASSERT_FALSE(failed) << "a write was refused: " << failure;
  ASSERT_GE(before_backup.size(), 10u);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("backed up " + db_ + " to " + backup), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("100%"), std::string::npos) << "the progress reaches 100%: " << r.err;
  EXPECT_GT(during, 0u) << "the server went on acknowledging writes while the backup ran";
  EXPECT_EQ(mode_of(backup), 0600u);
  EXPECT_GT(fs::file_size(backup), 2u << 20) << "a copy of several steps (1 MiB each)";
  EXPECT_EQ(names_in(at("backups")), std::vector<std::string>{"county-backup.sqlite"})
      << "the backup alone, nothing staged left beside it";
  // The source records that a copy left it, and to where.
  auto backups = storage::IdentityStore::open(db_)->audit_page(0, 10, "admin.backup", "");
  ASSERT_EQ(backups.size(), 1u);
  EXPECT_NE(backups[0].detail.find(backup), std::string::npos) << backups[0].detail;
  EXPECT_EQ(server.stop().exit_code, 0);

  std::string fresh = at("restored/county.sqlite");
  fs::create_directory(at("restored"));
  r = run({"admin", "restore", "--db", fresh, "--input", backup});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(names_in(at("restored")), std::vector<std::string>{"county.sqlite"});
  EXPECT_EQ(names_in(at("backups")), std::vector<std::string>{"county-backup.sqlite"})
      << "reading the backup leaves nothing beside it";
  EXPECT_TRUE(database_is_intact(fresh));
  EXPECT_EQ(mode_of(fresh), 0600u);
  auto v = verify_audit(fresh);
  EXPECT_EQ(v.exit_code, 0) << v.describe();
  auto actions = audit_actions(fresh);
  ASSERT_FALSE(actions.empty());
  EXPECT_EQ(actions.back(), "admin.restore");
  std::set<std::int64_t> restored;
  for (const auto& id : query(fresh, "SELECT id FROM projects")) restored.insert(std::stoll(id));
  for (auto id : before_backup)
    EXPECT_TRUE(restored.count(id)) << "project " << id << " was acknowledged before the backup";
  // One snapshot: the backup holds a prefix of the acknowledged projects, no gaps.
  ASSERT_FALSE(restored.empty());
  EXPECT_EQ(static_cast<std::int64_t>(restored.size()), *restored.rbegin() - *restored.begin() + 1);
  EXPECT_EQ(query(fresh, "SELECT count(*) FROM feature"),
            query(db_, "SELECT count(*) FROM feature"));

  // The restored store serves: the township signs in and sees the projects.
  ServeProcess again(fresh);
  std::string token = sign_in(again.port(), "zhen", kPassword);
  ASSERT_FALSE(token.empty());
  auto list = api(again.port(), bhttp::verb::get, "/api/v1/projects", token);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_NE(list.body.find("备份期间的项目"), std::string::npos);
}

// A copy of `path` whose pages in the middle are overwritten: SQLite still opens it, its
// integrity check does not pass.
void damage_middle_pages(const std::string& path, const std::string& damaged) {
  std::string bytes = read_file(path);
  const std::size_t page = 4096;
  std::size_t pages = bytes.size() / page;
  ASSERT_GT(pages, 10u);
  for (std::size_t p = pages / 2; p < pages / 2 + 3; ++p)
    for (std::size_t i = 0; i < page; ++i) bytes[p * page + i] = static_cast<char>(0xA5 ^ i);
  write_file(damaged, bytes);
}

TEST_F(BackupCommandTest, a_damaged_foreign_or_missing_backup_is_refused_and_changes_nothing) {
  std::string backup = at("good.sqlite");
  auto r = run({"admin", "backup", "--db", db_, "--output", backup});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  std::string damaged = at("damaged.sqlite");
  damage_middle_pages(backup, damaged);
  std::string text = at("notes.txt");
  write_file(text, "这不是数据库 — not a database at all\n" + std::string(8192, 'x'));
  std::string foreign = at("other.gpkg");
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(foreign.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE gpkg_contents(table_name TEXT); INSERT INTO "
                               "gpkg_contents VALUES('parcels')",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  std::string before = dump_database(db_);
  auto entries = dir_.entries();
  const std::vector<std::pair<std::string, std::string>> cases{
      {damaged, "is damaged"},
      {text, "not a SQLite database"},
      {foreign, "is not a Gongzhi database"},
      {at("missing.sqlite"), "does not exist"},
  };
  for (const auto& [input, reason] : cases) {
    r = run({"admin", "restore", "--db", db_, "--input", input});
    EXPECT_NE(r.exit_code, 0) << input << "\n" << r.describe();
    ASSERT_EQ(r.error_lines().size(), 1u) << r.describe();
    EXPECT_NE(r.error_lines()[0].find(input), std::string::npos) << r.error_lines()[0];
    EXPECT_NE(r.error_lines()[0].find(reason), std::string::npos) << r.error_lines()[0];
    EXPECT_EQ(dump_database(db_), before) << "restore of " << input << " changed the database";
    EXPECT_EQ(dir_.entries(), entries) << "restore of " << input << " left files behind";
  }
  EXPECT_TRUE(database_is_intact(db_));
  auto v = verify_audit(db_);
  EXPECT_EQ(v.exit_code, 0) << v.describe();

  // A backup never overwrites: not an earlier backup, not the database itself.
  std::string good_before = read_file(backup);
  for (const auto& output : {backup, db_}) {
    r = run({"admin", "backup", "--db", db_, "--output", output});
    EXPECT_EQ(r.exit_code, 2) << r.describe();
    EXPECT_NE(r.err.find("exists"), std::string::npos) << r.err;
  }
  EXPECT_EQ(read_file(backup), good_before);
  EXPECT_EQ(dump_database(db_), before);
  // PostgreSQL has its own tools.
  r = run({"admin", "backup", "--db", "pg:host=127.0.0.1 dbname=gongzhi", "--output",
           at("pg.bak")});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_NE(r.err.find("pg_dump"), std::string::npos) << r.err;
}

TEST_F(BackupCommandTest, a_database_a_server_has_open_is_not_replaced) {
  std::string backup = at("before-changes.sqlite");
  auto r = run({"admin", "backup", "--db", db_, "--output", backup});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto identity = storage::IdentityStore::open(db_);
  identity->add_user({"cun", services::hash_password(kPassword),
                      {Grant{Role::village_collective, "", "340123100201"}}},
                     "root");
  identity.reset();
  {
    ServeProcess server(db_);
    std::string before = dump_database(db_);
    r = run({"admin", "restore", "--db", db_, "--input", backup});
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_NE(r.err.find("database " + db_ + " is in use"), std::string::npos) << r.err;
    EXPECT_EQ(dump_database(db_), before);
    // The server goes on serving the database it had.
    EXPECT_FALSE(sign_in(server.port(), "cun", kPassword).empty());
  }
  // Stopped, the database is put back as it was at the backup: the user added since is gone,
  // and the restore is the last entry of an intact audit chain.
  r = run({"admin", "restore", "--db", db_, "--input", backup});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(query(db_, "SELECT username FROM users WHERE username = 'cun'").empty());
  EXPECT_EQ(audit_actions(db_).back(), "admin.restore");
  auto v = verify_audit(db_);
  EXPECT_EQ(v.exit_code, 0) << v.describe();
  EXPECT_EQ(mode_of(db_), 0600u);
}

TEST_F(BackupCommandTest, a_database_damaged_beyond_opening_is_replaced_only_with_force) {
  std::string backup = at("nightly.sqlite");
  auto r = run({"admin", "backup", "--db", db_, "--output", backup});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  std::string expected_users = query(backup, "SELECT group_concat(username) FROM users")[0];
  // The disk garbled the database's first pages: SQLite cannot even lock it as a database.
  std::string damaged(64 * 1024, '\x5a');
  write_file(db_, damaged);
  r = run({"admin", "restore", "--db", db_, "--input", backup});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("give --force"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(db_), damaged);
  r = run({"admin", "restore", "--db", db_, "--input", backup, "--force"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(database_is_intact(db_));
  EXPECT_EQ(query(db_, "SELECT group_concat(username) FROM users")[0], expected_users);
  auto v = verify_audit(db_);
  EXPECT_EQ(v.exit_code, 0) << v.describe();
  EXPECT_NE(audit_actions(db_).back().find("admin.restore"), std::string::npos);
}

TEST_F(BackupCommandTest, serve_takes_the_synchronous_setting_full_or_normal_only) {
  auto r = run({"serve", "--db", db_, "--sqlite-synchronous", "off"});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  ServeProcess normal(db_, {}, {"--sqlite-synchronous", "normal"});
  EXPECT_FALSE(sign_in(normal.port(), "zhen", kPassword).empty());
}

}  // namespace
}  // namespace gz::test
