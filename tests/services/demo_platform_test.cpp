// The demo's platform on every backend: every role has an account that signs in with the demo
// password, the demo projects stand at the stages their layer names, reached through the real
// lifecycle (history and audit chain), and the project under joint review waits for the
// departments the review table requires. The projects past approval carry no finding that blocks
// it, and their warnings are acknowledged; the rule-breaking examples were submitted with their
// findings confirmed.
#include <gtest/gtest.h>

#include <algorithm>

#include <set>

#include <map>
#include <nlohmann/json.hpp>

#include "../storage/store_backends.h"
#include "services/auth.h"
#include "services/compliance_gate.h"
#include "services/demo_county.h"
#include "services/demo_platform.h"
#include "services/funds.h"
#include "services/orders.h"
#include "services/participation.h"
#include "services/warnings.h"
#include "services/progress.h"
#include "services/projects.h"
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
  EXPECT_EQ(summary.projects, 9);
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
  EXPECT_EQ(state["XM2026-009"], "completed");
  projects->read([&](storage::ProjectTx& tx) {
    auto reviews = tx.reviews(ids["XM2026-006"]);
    ASSERT_FALSE(reviews.empty());
    for (const auto& r : reviews) EXPECT_EQ(r.decision, "") << r.department;
    // submit, check, review, approve, notice, implementation, complete, accept
    EXPECT_EQ(tx.transitions(ids["XM2026-008"]).size(), 8u);
    for (const auto& p : tx.projects(std::nullopt)) {
      if (p.state == ProjectState::submitted || p.state == ProjectState::joint_review) continue;
      auto acks = tx.acknowledgements(p.id);
      for (const auto& f : services::binding_findings(p, RuleSet::standard())) {
        EXPECT_NE(f.effect, FindingEffect::block) << p.code << " " << services::describe_en(f);
        if (f.effect == FindingEffect::acknowledge)
          EXPECT_TRUE(services::acknowledgement_of(f, acks)) << p.code << " " << services::describe_en(f);
      }
    }
  });
  // The rule-breaking examples' submissions list the findings confirmed.
  int confirmed = 0;
  for (const auto& e : identity->audit_log())
    if (e.action == "project.submit" && e.detail.find("confirmed_findings") != std::string::npos) ++confirmed;
  EXPECT_GE(confirmed, 2);
  EXPECT_TRUE(identity->verify_audit().intact);
}

// The demo shows the later stages with their content: works and payments in the implementation
// projects, planned and achieved indicators of the accepted one, the village's questions.
TEST_P(DemoPlatformTest, later_stages_carry_milestones_funds_indicators_and_feedback) {
  auto store = storage::Store::open(location(), {.create = true});
  services::generate_demo_county(*store, {.polygons = 1000, .seed = 2026});
  services::seed_demo_platform(*store, location(), "demo password 1");
  auto identity = storage::IdentityStore::open(location());
  auto projects = storage::ProjectStore::open(location());
  services::ProjectService service(*store, *projects, identity.get());
  services::ProgressService progress(*projects, service);
  services::FundsService funds(*projects, identity.get());
  services::ParticipationService participation(*projects, service, identity.get());
  const User lead = *identity->find_user("zrzy");
  std::map<std::string, std::int64_t> ids;
  for (const auto& p : service.list(lead)) ids[p.code] = p.id;

  // Three works milestones and the late one of the supervision demo (services/demo_supervision.h).
  auto works = progress.milestones(lead, ids.at("XM2026-001"));
  ASSERT_EQ(works.size(), 4u);
  double overall = services::ProgressService::overall_percent(works);
  EXPECT_GT(overall, 0);
  EXPECT_LT(overall, 100);
  for (const auto& m : progress.milestones(lead, ids.at("XM2026-008"))) EXPECT_EQ(m.percent, 100);

  auto accepted = progress.evaluation(lead, ids.at("XM2026-008"));
  EXPECT_TRUE(accepted.evaluation.acceptance_met);
  ASSERT_TRUE(accepted.evaluation.total_score.has_value());
  EXPECT_GT(*accepted.evaluation.total_score, 90);

  auto pool = funds.project_funds(lead, ids.at("XM2026-001"));
  EXPECT_GT(pool.allocated_fen, 0);
  EXPECT_GT(pool.disbursed_fen, 0);
  EXPECT_GT(pool.balance_fen(), 0);
  EXPECT_EQ(funds.project_funds(lead, ids.at("XM2026-002")).disbursed_fen, 0);

  const User villager = *identity->find_user("cunmin");
  auto mine = participation.feedback(villager);
  ASSERT_EQ(mine.size(), 3u);  // the complaint about XM2026-001's works, a question, a complaint
  EXPECT_EQ(mine[0].project_id, ids.at("XM2026-001"));
  EXPECT_EQ(mine[0].status, "open");
  EXPECT_EQ(mine[1].status, "answered");
  EXPECT_EQ(mine[2].status, "open");
  // The village's notice, and the public notices (公示) of the demo's two distribution plans
  // (services/demo_indicators.cpp).
  auto notices = participation.notices(villager);
  ASSERT_EQ(notices.size(), 3u);
  EXPECT_EQ(std::count_if(notices.begin(), notices.end(),
                          [](const auto& n) { return n.title.rfind("收益分配方案公示", 0) == 0; }),
            2);

  // Every project warning rule of data/warnings.json shows (XM2026-009 completed its works 50
  // days ago and waits for its acceptance: yellow, 30 ≤ 50 < 60), and orders stand open, escalated and closed.
  services::WarningService warnings(*projects);
  std::set<std::string> rules;
  for (const auto& w : warnings.warnings(lead)) {
    rules.insert(w.rule);
    if (w.rule == "acceptance_overdue") {
      EXPECT_EQ(w.project_code, "XM2026-009");
      EXPECT_EQ(nlohmann::json::parse(w.figures).at("days_since_completion"), 50) << w.figures;
      EXPECT_EQ(w.level, "yellow");
    }
  }
  const auto& all = services::WarningRules::standard().rules;
  EXPECT_EQ(all.size(), 7u);  // data/warnings.json
  for (const auto& r : all) EXPECT_TRUE(rules.count(r.rule)) << r.rule;
  services::OrderService orders(*store, *projects, identity.get(), &warnings);
  std::map<std::string, int> states;
  int escalated = 0;
  for (const auto& o : orders.orders(*identity->find_user("shenji"))) {
    ++states[o.status];
    escalated += o.escalation_level == 2;
  }
  EXPECT_EQ(states["issued"], 2);
  EXPECT_EQ(states["closed"], 1);
  EXPECT_EQ(escalated, 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, DemoPlatformTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
