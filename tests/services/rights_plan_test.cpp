// Recording a reallocation plan is all-or-nothing, on both backends: the new parcels layer
// version is written in the transaction that records the plan, its households, the audit entry
// and the event. A plan outside the tolerance, a project approved while the engine ran, or a
// database rule refusing the plan record leave no layer version, no plan, no audit entry and no
// event behind (docs/rights.md, "Transactions").
#include <gtest/gtest.h>

#include "../storage/store_backends.h"
#include "../storage/project_seed.h"
#include "realloc_seed.h"
#include "common/error.h"
#include "services/projects.h"
#include "services/realloc.h"
#include "services/rights.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

using services::ReallocPlanInput;

template <class E, class F>
std::string code_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    if (auto* x = dynamic_cast<const Explained*>(&e)) return x->code();
    return "thrown";
  }
  return "none";
}

class RightsPlanTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    layers_ = storage::Store::open(location(), {.create = true});
    // 10 households (H00001 … H00010) holding 30 scattered parcels.
    services::write_demo_parcels(*layers_, "parcels", 10, 30, 1);
    identity_ = storage::IdentityStore::open(location(), {.create = true});
    store_ = storage::ProjectStore::open(location());
    projects_ = std::make_unique<services::ProjectService>(*layers_, *store_, identity_.get());
    rights_ = std::make_unique<services::RightsService>(*layers_, *store_, *projects_, identity_.get());
    project_ = store_->write([](storage::ProjectTx& tx) {
      return seed_project(tx, {"XM2026-001", "东村高标准农田整治", "340123100201", ProjectState::joint_review});
    });
    ziran_.username = "ziran";
    ziran_.grants.push_back({Role::lead_department, "自然资源局", "340123"});
  }

  // What a failed plan must leave exactly as it was.
  struct Snapshot {
    std::vector<std::string> layers, features, plans, households;
    std::size_t audit = 0;
    std::int64_t events = 0;
    bool operator==(const Snapshot&) const = default;
  };
  Snapshot snapshot() {
    Snapshot s;
    s.layers = where_->query("SELECT count(*) FROM layer_version");
    s.features = where_->query("SELECT count(*) FROM feature");
    s.plans = where_->query("SELECT count(*) FROM realloc_plans");
    s.households = where_->query("SELECT count(*) FROM realloc_households");
    s.audit = identity_->audit_log().size();
    s.events = store_->last_event_seq();
    return s;
  }
  bool result_layer_exists() {
    try {
      layers_->versions("parcels-XM2026-001");
      return true;
    } catch (const NotFoundError&) {
      return false;
    }
  }

  std::unique_ptr<storage::Store> layers_;
  std::unique_ptr<storage::IdentityStore> identity_;
  std::unique_ptr<storage::ProjectStore> store_;
  std::unique_ptr<services::ProjectService> projects_;
  std::unique_ptr<services::RightsService> rights_;
  std::int64_t project_ = 0;
  User ziran_;
};

TEST_P(RightsPlanTest, a_recorded_plan_references_the_layer_version_written_with_it) {
  ReallocPlanInput in;
  in.parcels_layer = "parcels";
  auto plan = rights_->record_plan(ziran_, project_, in);
  EXPECT_EQ(plan.result_layer, "parcels-XM2026-001");
  EXPECT_EQ(plan.result_version, 1);
  EXPECT_EQ(plan.status, "current");
  auto v = layers_->layer_version("parcels-XM2026-001", std::nullopt);
  EXPECT_EQ(v.version, 1);
  EXPECT_EQ(v.kind, LayerKind::parcel);
  EXPECT_GT(v.feature_count, 0);
  auto log = identity_->audit_log();
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.back().action, "rights.plan_record");
  EXPECT_NE(log.back().detail.find("parcels-XM2026-001@1"), std::string::npos) << log.back().detail;
}

TEST_P(RightsPlanTest, a_plan_outside_the_tolerance_leaves_no_layer_version) {
  // The demo plus a lone parcel of H00001 too small to be farmed: its land goes to the collective
  // and the households share the loss, so no plan keeps every value to a billionth.
  write_demo_with_a_lone_small_parcel(*layers_, "strict", 10, 30, 1);
  ReallocPlanInput in;
  in.parcels_layer = "strict";
  in.tolerance = 1e-9;
  {
    // Why: the lone parcel (23.6 m × 22.2 m ≈ 524 m²) is a remnant, and some household loses at
    // least the remnant's share of the pool.
    services::ReallocRequest q;
    q.layer = "strict";
    q.tolerance = 1e-9;
    auto r = services::reallocate(*layers_, q);
    EXPECT_NEAR(r.remnant_area_m2, 524, 5);
    EXPECT_GT(r.remnant_share, 1e-4);
    EXPECT_GE(r.max_abs_deviation, r.remnant_share * (1 - 1e-9));
    EXPECT_FALSE(r.within_tolerance);
  }
  auto before = snapshot();
  EXPECT_EQ(code_of<RuleError>([&] { rights_->record_plan(ziran_, project_, in); }),
            "tolerance_exceeded");
  EXPECT_EQ(snapshot(), before);
  EXPECT_FALSE(result_layer_exists());
  EXPECT_THROW(layers_->versions("strict-XM2026-001"), NotFoundError);
  // The same layout within an ordinary tolerance is a plan.
  in.tolerance = 0.02;
  EXPECT_EQ(rights_->record_plan(ziran_, project_, in).result_layer, "strict-XM2026-001");
}

TEST_P(RightsPlanTest, a_project_approved_while_the_engine_ran_leaves_no_layer_version) {
  ReallocPlanInput in;
  in.parcels_layer = "parcels";
  auto before = snapshot();
  bool approved = false;
  // The lead department approves the project on another connection while the plan is computed.
  auto other = storage::ProjectStore::open(location());
  auto progress = [&](const std::string& stage, std::int64_t, std::int64_t) {
    if (stage != "assign" || approved) return;
    other->write([&](storage::ProjectTx& tx) {
      auto p = *tx.project(project_);
      p.state = ProjectState::approved;
      tx.update_project(p);
    });
    approved = true;
  };
  EXPECT_EQ(code_of<RuleError>([&] { rights_->record_plan(ziran_, project_, in, progress); }),
            "project_past_approval");
  EXPECT_TRUE(approved);
  EXPECT_EQ(snapshot(), before);
  EXPECT_FALSE(result_layer_exists());
}

TEST_P(RightsPlanTest, a_plan_record_refused_by_the_database_leaves_no_layer_version) {
  if (postgres())
    where_->exec(
        "CREATE FUNCTION freeze_plans() RETURNS trigger LANGUAGE plpgsql AS "
        "$f$ BEGIN RAISE EXCEPTION 'plans are frozen'; END $f$; "
        "CREATE TRIGGER freeze_plans BEFORE INSERT ON realloc_households FOR EACH ROW "
        "EXECUTE FUNCTION freeze_plans()");
  else
    where_->exec("CREATE TRIGGER freeze_plans BEFORE INSERT ON realloc_households "
                 "BEGIN SELECT RAISE(ABORT, 'plans are frozen'); END");
  ReallocPlanInput in;
  in.parcels_layer = "parcels";
  auto before = snapshot();
  EXPECT_THROW(rights_->record_plan(ziran_, project_, in), StorageError);
  EXPECT_EQ(snapshot(), before);
  EXPECT_FALSE(result_layer_exists());

  where_->exec(postgres() ? "DROP TRIGGER freeze_plans ON realloc_households"
                          : "DROP TRIGGER freeze_plans");
  EXPECT_EQ(rights_->record_plan(ziran_, project_, in).result_version, 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, RightsPlanTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
