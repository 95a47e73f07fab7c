// The region dashboard on both backends, over the demo county as `gongzhi serve` shows it: the
// figures the database aggregates equal what the projects, the fund ledger, the indicators, the
// survey spots and the stored compliance results add up to when counted one by one here, and
// the money is the demo's (services/demo_activity.h). A region outside the user's grants is 404,
// a villager's or an investor's own region 403, a malformed code 400.
#include "services/dashboard.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "../storage/store_backends.h"
#include "common/error.h"
#include "services/demo_county.h"
#include "services/demo_platform.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"

namespace gz::test {
namespace {

using nlohmann::json;

class DashboardTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    store_ = storage::Store::open(location(), {.create = true});
    services::generate_demo_county(*store_, {.polygons = 1000, .seed = 2026});
    services::seed_demo_platform(*store_, location(), "demo password 1");
    identity_ = storage::IdentityStore::open(location());
    projects_store_ = storage::ProjectStore::open(location());
    projects_ = std::make_unique<services::ProjectService>(*store_, *projects_store_, identity_.get());
    progress_ = std::make_unique<services::ProgressService>(*projects_store_, *projects_);
    funds_ = std::make_unique<services::FundsService>(*projects_store_, identity_.get());
    dashboard_ = std::make_unique<services::DashboardService>(*store_, *projects_store_, *funds_, *progress_);
    records_ = projects_store_->read([](storage::ProjectTx& tx) { return tx.projects(std::nullopt, true); });
  }

  User user(const std::string& name) { return *identity_->find_user(name); }
  std::string county() { return user("lingdao").grants.at(0).region_code; }
  std::string township() { return user("zhen").grants.at(0).region_code; }

  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<storage::IdentityStore> identity_;
  std::unique_ptr<storage::ProjectStore> projects_store_;
  std::unique_ptr<services::ProjectService> projects_;
  std::unique_ptr<services::ProgressService> progress_;
  std::unique_ptr<services::FundsService> funds_;
  std::unique_ptr<services::DashboardService> dashboard_;
  std::vector<storage::ProjectRecord> records_;
};

// Approved, and every state after it (XM2026-009 is completed, not accepted).
bool past_approval(ProjectState s) { return s == ProjectState::approved || visible_to_public(s); }

TEST_P(DashboardTest, county_figures_equal_the_projects_money_indicators_survey_and_findings) {
  auto d = dashboard_->dashboard(user("lingdao"), "");
  EXPECT_EQ(d.region.code, county());
  EXPECT_EQ(d.region.level, "county");
  EXPECT_FALSE(d.children.empty());

  // Projects by state: the demo's nine at their stages (XM2026-009 completed, not accepted).
  ASSERT_EQ(records_.size(), 9u);
  EXPECT_EQ(d.projects, 9);
  std::map<std::string, std::int64_t> states;
  for (const auto& s : d.by_state) states[s.state] = s.projects;
  EXPECT_EQ(states["implementation"], 2);
  EXPECT_EQ(states["approved"], 1);
  EXPECT_EQ(states["joint_review"], 1);
  EXPECT_EQ(states["accepted"], 1);
  EXPECT_EQ(states["completed"], 1);
  EXPECT_EQ(states["submitted"], 3);
  double area = 0;
  for (const auto& p : records_) area += p.area_m2;
  EXPECT_NEAR(d.projects_area_m2, area, 1e-3);
  std::int64_t by_child = 0;
  for (const auto& c : d.by_child) by_child += c.projects;
  EXPECT_EQ(by_child, 9);

  // Money: the sources registered in the county, and each project's pool as the funds service
  // reports it.
  const auto admin = user("admin");
  std::int64_t sources = 0, allocated = 0, disbursed = 0, pending = 0;
  for (const auto& s : funds_->sources(admin))
    if (s.region_code.rfind(county(), 0) == 0) sources += s.amount_fen;
  for (const auto& p : records_) {
    auto f = funds_->project_funds(admin, p.id);
    allocated += f.allocated_fen;
    disbursed += f.disbursed_fen;
    pending += f.pending_fen;
  }
  EXPECT_GT(sources, 0);
  EXPECT_GT(allocated, 0);
  EXPECT_GT(disbursed, 0);
  EXPECT_EQ(d.funds.sources_fen, sources);
  EXPECT_EQ(d.funds.allocated_fen, allocated);
  EXPECT_EQ(d.funds.disbursed_fen, disbursed);
  EXPECT_EQ(d.funds.pending_fen, pending);
  std::int64_t child_allocated = 0;
  for (const auto& c : d.by_child) child_allocated += c.allocated_fen;
  EXPECT_EQ(child_allocated, allocated);

  // Indicators: planned and achieved per project from the evaluation, summed.
  std::map<std::string, double> planned, achieved;
  std::map<std::string, std::int64_t> with_value;
  for (const auto& p : records_)
    for (const auto& i : progress_->evaluation(admin, p.id).evaluation.indicators) {
      if (i.planned) planned[i.def.key] += *i.planned;
      if (i.achieved) achieved[i.def.key] += *i.achieved;
      if (i.planned || i.achieved) with_value[i.def.key]++;
    }
  ASSERT_FALSE(d.indicators.empty());
  EXPECT_EQ(d.indicators[0].key, "new_cultivated_land");
  EXPECT_GT(planned["new_cultivated_land"], 0);
  EXPECT_GT(achieved["new_cultivated_land"], 0);
  for (const auto& i : d.indicators) {
    EXPECT_NEAR(i.planned, planned[i.key], 1e-6) << i.key;
    EXPECT_NEAR(i.achieved, achieved[i.key], 1e-6) << i.key;
    EXPECT_EQ(i.projects, with_value[i.key]) << i.key;
  }
  // Approved and later: each has its plan's new cultivated land, 6 % of its area.
  double ncl_planned = 0;
  for (const auto& p : records_)
    if (past_approval(p.state)) ncl_planned += std::round(p.area_m2 * 0.06);
  EXPECT_DOUBLE_EQ(d.indicators[0].planned, ncl_planned);
  const double ncl_achieved = achieved["new_cultivated_land"];

  // The survey: every spot of the county, summed here from the stored attributes.
  auto layer = store_->layers_of_kind(LayerKind::land_use).at(0);
  std::map<std::string, double> gross;
  double total = 0;
  std::int64_t spots = 0;
  store_->scan(layer, [&](StoredFeature&& f) {
    auto a = json::parse(f.attributes_json);
    if (a.value("ZLDWDM", "").rfind(county(), 0) != 0) return;
    double m2 = a["TBMJ"].is_number() ? a["TBMJ"].get<double>() : std::stod(a["TBMJ"].get<std::string>());
    gross[a["DLBM"].get<std::string>()] += m2;
    total += m2;
    ++spots;
  }, {.decode_attributes = false});
  EXPECT_EQ(d.land_use.layer, layer.layer);
  EXPECT_NEAR(d.land_use.total_m2, total, 1e-3);
  std::int64_t counted = 0;
  for (const auto& c : d.land_use.classes) {
    EXPECT_NEAR(c.gross_m2, gross[c.code], 1e-3) << c.code;
    counted += c.spots;
  }
  EXPECT_EQ(counted, spots);
  EXPECT_EQ(spots, 1000);
  EXPECT_GT(d.land_use.cultivated_m2, 0);
  EXPECT_NEAR(d.land_use.cultivated_after_achieved_m2, d.land_use.cultivated_m2 + ncl_achieved, 1e-3);

  // Findings: those of every stored compliance result, each counted once, in the village that
  // holds it, its area split among the villages it crosses.
  std::int64_t findings = 0, errors = 0;
  double findings_area = 0;
  for (const auto& p : records_) {
    if (p.compliance_json.empty()) continue;
    const auto result = json::parse(p.compliance_json);
    for (const auto& f : result["findings"]) {
      ++findings;
      if (f["severity"] == "error") ++errors;
      findings_area += f["area_m2"].get<double>();
    }
  }
  EXPECT_GT(findings, 0);
  EXPECT_EQ(d.findings, findings);
  EXPECT_EQ(d.errors, errors);
  EXPECT_NEAR(d.findings_area_m2, findings_area, 1e-6 * findings_area + 1e-3);
  std::int64_t listed = 0;
  for (const auto& v : d.violations_by_region) {
    EXPECT_EQ(v.region.level, "village") << v.region.code;
    EXPECT_FALSE(v.region.name.empty());
    EXPECT_GT(v.projects, 0);
    listed += v.findings;
  }
  EXPECT_EQ(listed, findings);
  std::int64_t by_rule = 0;
  for (const auto& r : d.violations_by_rule) {
    EXPECT_FALSE(r.name_zh.empty());
    by_rule += r.findings;
  }
  EXPECT_EQ(by_rule, findings);
}

TEST_P(DashboardTest, township_dashboard_holds_its_own_projects_and_drills_down_to_villages) {
  auto d = dashboard_->dashboard(user("zhen"), "");
  EXPECT_EQ(d.region.code, township());
  EXPECT_EQ(d.region.level, "township");
  ASSERT_FALSE(d.children.empty());
  for (const auto& c : d.children) EXPECT_EQ(c.level, "village");
  std::int64_t mine = 0;
  for (const auto& p : records_)
    if (p.region_code.rfind(township(), 0) == 0) ++mine;
  EXPECT_GT(mine, 0);
  EXPECT_EQ(d.projects, mine);
  // The township officer's path starts at the township: the county is not theirs.
  ASSERT_EQ(d.path.size(), 1u);
  // The county's leader sees the same township with the county above it.
  auto from_county = dashboard_->dashboard(user("lingdao"), township());
  EXPECT_EQ(from_county.projects, mine);
  ASSERT_EQ(from_county.path.size(), 2u);
  EXPECT_EQ(from_county.path[0].code, county());
  // A village of the township: its survey spots only.
  auto village = dashboard_->dashboard(user("zhen"), d.children[0].code);
  EXPECT_EQ(village.region.level, "village");
  EXPECT_LT(village.land_use.total_m2, d.land_use.total_m2);
  // The township's findings village by village: each village's dashboard holds its own share.
  std::int64_t sum = 0;
  for (const auto& v : d.violations_by_region) {
    auto one = dashboard_->dashboard(user("zhen"), v.region.code);
    EXPECT_EQ(one.findings, v.findings) << v.region.code;
    sum += one.findings;
  }
  EXPECT_EQ(sum, d.findings);
}

TEST_P(DashboardTest, outside_the_grants_is_not_found_and_villagers_are_refused) {
  const auto other_township = [&] {
    for (const auto& c : dashboard_->dashboard(user("lingdao"), "").children)
      if (c.code != township()) return c.code;
    return std::string();
  }();
  ASSERT_FALSE(other_township.empty());
  EXPECT_THROW(dashboard_->dashboard(user("zhen"), county()), NotFoundError);
  EXPECT_THROW(dashboard_->dashboard(user("zhen"), other_township), NotFoundError);
  EXPECT_THROW(dashboard_->dashboard(user("cun"), township()), NotFoundError);
  const auto village = user("cunmin").grants.at(0).region_code;
  EXPECT_THROW(dashboard_->dashboard(user("cunmin"), village), Forbidden);
  EXPECT_THROW(dashboard_->dashboard(user("touzi"), county()), Forbidden);
  EXPECT_NO_THROW(dashboard_->dashboard(user("cun"), village));
  EXPECT_THROW(dashboard_->dashboard(user("admin"), county() + "999999"), NotFoundError);
  EXPECT_THROW(dashboard_->dashboard(user("admin"), "34x123"), InvalidRequest);
  EXPECT_THROW(dashboard_->dashboard(user("admin"), "3401234"), InvalidRequest);
  EXPECT_THROW(dashboard_->dashboard(user("admin"), "' OR 1=1 --"), InvalidRequest);
  // Auditors and admins everywhere; without a region, the root.
  EXPECT_EQ(dashboard_->dashboard(user("shenji"), "").region.code, county());
  EXPECT_EQ(dashboard_->dashboard(user("shenji"), other_township).region.code, other_township);
}

INSTANTIATE_TEST_SUITE_P(Backends, DashboardTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
