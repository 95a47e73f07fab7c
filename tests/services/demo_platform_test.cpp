// The demo's platform on every backend: every role has an account that signs in with the demo
// password, the demo projects stand at the stages their layer names, reached through the real
// lifecycle (history and audit chain), and the project under joint review waits for the
// departments the review table requires.
#include <gtest/gtest.h>

#include <map>

#include "../storage/store_backends.h"
#include "services/auth.h"
#include "services/demo_county.h"
#include "services/demo_platform.h"
#include "services/password.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"

namespace gz::test {
namespace {

class DemoPlatformTest : public StoreBackendTest {};

TEST_P(DemoPlatformTest, every_role_signs_in_and_projects_stand_at_their_stages) {
  auto store = storage::Store::open(location(), {.create = true});
  services::generate_demo_county(*store, {.polygons = 1000, .seed = 2026});
  auto summary = services::seed_demo_platform(*store, location(), "demo password 1");
  EXPECT_EQ(summary.projects, 8);
  std::set<std::string> roles;
  for (const auto& a : summary.accounts) roles.insert(a.role);
  EXPECT_EQ(roles.size(), all_roles().size());

  auto identity = storage::IdentityStore::open(location());
  for (const auto& a : summary.accounts) {
    auto r = services::login(*identity, {}, a.username, "demo password 1", "127.0.0.1");
    EXPECT_EQ(r.outcome, services::LoginOutcome::ok) << a.username;
  }
  EXPECT_NE(services::login(*identity, {}, "zrzy", "wrong password", "127.0.0.1").outcome,
            services::LoginOutcome::ok);

  auto projects = storage::ProjectStore::open(location());
  std::map<std::string, std::string> state;
  std::map<std::string, std::int64_t> ids;
  projects->read([&](storage::ProjectTx& tx) {
    for (const auto& p : tx.projects(std::nullopt)) {
      state[p.code] = std::string(to_string(p.state));
      ids[p.code] = p.id;
    }
  });
  EXPECT_EQ(state["XM2026-001"], "implementation");
  EXPECT_EQ(state["XM2026-002"], "approved");
  EXPECT_EQ(state["XM2026-005"], "submitted");
  EXPECT_EQ(state["XM2026-006"], "joint_review");
  EXPECT_EQ(state["XM2026-008"], "accepted");
  projects->read([&](storage::ProjectTx& tx) {
    auto reviews = tx.reviews(ids["XM2026-006"]);
    ASSERT_FALSE(reviews.empty());
    for (const auto& r : reviews) EXPECT_EQ(r.decision, "") << r.department;
    // submit, check, review, approve, notice, implementation, complete, accept
    EXPECT_EQ(tx.transitions(ids["XM2026-008"]).size(), 8u);
  });
  EXPECT_TRUE(identity->verify_audit().intact);
}

INSTANTIATE_TEST_SUITE_P(Backends, DemoPlatformTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
