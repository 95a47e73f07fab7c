// `gongzhi demo --out` on both backends (issue 18, item 8): a second run refuses to touch the
// database it made and leaves it exactly as it was; --force replaces it whole (the same layer
// versions as the first run, each account once, an intact audit log), on PostgreSQL as on
// SQLite; the help names the pg: target.
#include <gtest/gtest.h>

#include "../storage/store_backends.h"
#include "../test_support.h"

namespace gz::test {
namespace {

class DemoCommandTest : public StoreBackendTest {
 protected:
  RunResult demo(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"demo", "--out", location(), "--polygons", "1000", "--seed", "5",
                                  "--password", "demo password 1"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  }
  // Layer versions and accounts: what a repeated demo used to duplicate (versions 1, 2, 3).
  std::string summary() const {
    std::string s;
    for (const auto& r : where_->query("SELECT l.name, v.version FROM layer_version v JOIN layer l "
                                       "ON l.id = v.layer_id ORDER BY 1, 2"))
      s += r + ";";
    for (const auto& r : where_->query("SELECT username FROM users ORDER BY username")) s += r + ",";
    return s;
  }
};

TEST_P(DemoCommandTest, a_second_run_refuses_and_force_replaces_the_whole_database) {
  auto first = demo();
  ASSERT_EQ(first.exit_code, 0) << first.describe();
  auto made = summary();
  ASSERT_NE(made.find("admin"), std::string::npos) << made;
  // Two imagery dates painted from land_use versions 1 and 2, and the DEM's terrain and slope;
  // the dates differ where the change survey changed the land.
  EXPECT_EQ(where_->query("SELECT layer, date, kind FROM imagery_version ORDER BY 1, 2"),
            (std::vector<std::string>{"dem|2024-06|terrain", "dem_slope|2024-06|slope",
                                      "dom|2024-06|imagery", "dom|2025-06|imagery"}));
  auto changed = where_->query(
      "SELECT count(*) FROM imagery_tile a JOIN imagery_tile b ON a.z = b.z AND a.x = b.x AND "
      "a.y = b.y WHERE a.layer = 'dom' AND b.layer = 'dom' AND a.date = '2024-06' AND "
      "b.date = '2025-06' AND a.data <> b.data");
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_GT(std::stoi(changed[0]), 0);
  auto dump = where_->dump();

  auto again = demo();
  EXPECT_EQ(again.exit_code, 2) << again.describe();
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
  EXPECT_EQ(where_->dump(), dump) << "a refused demo changes nothing";

  auto forced = demo({"--force"});
  ASSERT_EQ(forced.exit_code, 0) << forced.describe();
  EXPECT_EQ(summary(), made) << "replaced whole: the same layer versions again, each account once";
  auto v = run({"admin", "verify-audit", "--db", location()});
  EXPECT_EQ(v.exit_code, 0) << v.describe();
  if (postgres()) {
    // Nothing of the staging schema is left behind.
    auto staging = where_->query(
        "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'gz\\_staging\\_%'");
    EXPECT_EQ(staging, std::vector<std::string>{"0"});
  }
}

TEST(DemoCommandHelpTest, the_help_names_the_postgresql_target) {
  auto r = run({"demo", "--help"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("pg:"), std::string::npos) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Backends, DemoCommandTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
