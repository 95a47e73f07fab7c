// Land indicators and benefit sharing on both backends (docs/indicators.md): indicators only from
// accepted plots with their areas as the plots measure, uses and transfers never beyond the
// balance, the rules refused with their figures, the transfer's price in the funds ledger, a
// distribution plan whose shares add up to the fen, paid only after the assembly's vote and
// finance's approval, and a villager seeing only their own share. Every refusal writes nothing.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>

#include "../storage/store_backends.h"
#include "common/error.h"
#include "domain/benefit_shares.h"
#include "geo/ellipsoid.h"
#include "geo/geometry.h"
#include "services/benefit_sharing.h"
#include "services/funds.h"
#include "services/land_indicators.h"
#include "services/participation.h"
#include "services/projects.h"
#include "services/request_text.h"
#include "services/rights.h"
#include "storage/project_store.h"
#include "storage/sql_identity_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

using json = nlohmann::json;
using namespace services;

const User kLead{1, "zrzy", "", "", {Grant{Role::lead_department, "自然资源局", "340123"}}};
const User kLeadElsewhere{2, "zrzy_x", "", "", {Grant{Role::lead_department, "自然资源局", "340999"}}};
const User kFinance{3, "czj", "", "", {Grant{Role::co_reviewing_department, "财政局", "340123"}}};
const User kTown{4, "zhen", "", "", {Grant{Role::township, "", "340123100"}}};
const User kVillage{5, "cun", "", "", {Grant{Role::village_collective, "", "340123100201"}}};
const User kAdmin{6, "admin", "", "", {Grant{Role::admin, "", ""}}};
User villager(const std::string& name) {
  return {7, name, "", "", {Grant{Role::villager, "", "340123100201"}}};
}

// A square of `d` degrees with its south-west corner at (lon, lat), EPSG:4490.
json square(double lon, double lat, double d) {
  return {{"type", "Polygon"},
          {"coordinates", {{{lon, lat}, {lon + d, lat}, {lon + d, lat + d}, {lon, lat + d}, {lon, lat}}}}};
}
std::int64_t units_of(const json& g) {
  return area_units_from_m2(geo::ellipsoidal_area_m2(geo::Geometry::from_geojson(g.dump())));
}

// Homesteads 0702 reclaimed to dry land 0103 (拆旧 and new cultivated), grassland 0404 opened to
// dry land (new cultivated), and dry land built on as homestead (建新).
json reclamation_plan() {
  return {{"area", square(117.0, 31.8, 0.02)},
          {"changes",
           {{{"geometry", square(117.001, 31.801, 0.002)}, {"from_code", "0702"}, {"to_code", "0103"}},
            {{"geometry", square(117.005, 31.801, 0.001)}, {"from_code", "0404"}, {"to_code", "0103"}},
            {{"geometry", square(117.010, 31.801, 0.0005)}, {"from_code", "0103"}, {"to_code", "0702"}}}}};
}

IndicatorRegistration registration(std::int64_t grade) {
  IndicatorRegistration r;
  r.quality_grade = grade;
  return r;
}

class LandIndicatorsTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    layers_ = storage::Store::open(location(), {.create = true});
    store_ = storage::ProjectStore::open(location(), {.create = true});
    projects_ = std::make_unique<ProjectService>(*layers_, *store_, nullptr);
    rights_ = std::make_unique<RightsService>(*layers_, *store_, *projects_);
    funds_ = std::make_unique<FundsService>(*store_);
    participation_ = std::make_unique<ParticipationService>(*store_, *projects_, nullptr);
    indicators_ = std::make_unique<LandIndicatorService>(*layers_, *store_, *projects_, *funds_);
    // The survey (三调): dry land inside the standard project area (about 516,000 m²) and a
    // larger field east of it that only the wide area of XM2026-112 takes in.
    {  // an open layer writer holds the store until destroyed
      auto w = layers_->begin_layer_version({"dltb", LayerKind::land_use, "test", "EPSG:4490"});
      int n = 0;
      for (const auto& g : {square(117.012, 31.81, 0.007), square(117.03, 31.8, 0.02)}) {
        auto geom = geo::Geometry::from_geojson(g.dump());
        w->add("TB" + std::to_string(++n), geom.wkb(), geom.envelope(),
               {{"DLBM", std::string("0103")}, {"ZLDWDM", std::string("340123100201")}});
      }
      w->commit();
    }
    benefits_ = std::make_unique<BenefitSharingService>(*store_, *projects_, *funds_, *participation_,
                                                        [this] { return now_; });
  }

  // A project with `plan` in `state`; approved at `approved`, accepted at `accepted` (transitions).
  std::int64_t project(const std::string& code, const json& plan, ProjectState state,
                       const std::string& approved = "2025-03-01T00:00:00Z",
                       const std::string& accepted = "2026-06-01T00:00:00Z") {
    return store_->write([&](storage::ProjectTx& tx) {
      storage::ProjectRecord p;
      p.code = code;
      p.name = code + " 整治";
      p.type = "农村建设用地整理";
      p.region_code = "340123100201";
      p.state = state;
      p.created_by = "zhen";
      p.created_at = p.updated_at = tx.now();
      p.plan_json = plan.dump();
      p.plan_hash = "h";
      auto id = tx.insert_project(p).id;
      tx.insert_transition({0, id, "approve", "joint_review", "approved", "zrzy", approved, ""});
      if (state == ProjectState::accepted)
        tx.insert_transition({0, id, "accept", "completed", "accepted", "zrzy", accepted, ""});
      return id;
    });
  }
  std::string dump_tables() {
    return store_->read([&](storage::ProjectTx& tx) {
      std::string out;
      for (const char* t : {"land_indicators", "land_indicator_movements", "fund_sources", "fund_ledger",
                            "benefit_plans", "benefit_plan_households", "benefit_plan_notices",
                            "benefit_plan_objections", "village_notices", "assembly_votes", "audit_log"}) {
        out += t;
        out += ":" + tx.session().query(std::string("SELECT count(*) FROM ") + t).at(0).at(0) + " ";
      }
      return out;
    });
  }
  template <typename F>
  std::string refusal(F f) {
    try {
      f();
    } catch (const NotFoundError&) {
      return "not_found";
    } catch (const Error& e) {
      if (auto* x = dynamic_cast<const Explained*>(&e)) return x->code();
      return std::string("thrown: ") + e.what();
    }
    return "none";
  }
  std::string message(std::function<void()> f) {
    try {
      f();
    } catch (const Error& e) {
      if (auto* x = dynamic_cast<const Explained*>(&e)) return x->message_zh();
      return e.what();
    }
    return "";
  }

  std::unique_ptr<storage::Store> layers_;
  std::unique_ptr<storage::ProjectStore> store_;
  std::unique_ptr<ProjectService> projects_;
  std::unique_ptr<RightsService> rights_;
  std::unique_ptr<FundsService> funds_;
  std::unique_ptr<ParticipationService> participation_;
  std::unique_ptr<LandIndicatorService> indicators_;
  std::unique_ptr<BenefitSharingService> benefits_;
  std::int64_t now_ = system_clock_seconds();  // the benefit service's clock

  // A plan of 10,000.01 元 of an indicator transfer of project `code` over households H01–H07 of
  // the village (each linked to villager cm1–cm7); H09 lives in another county.
  NewDistributionPlan plan_input(const std::string& code, std::int64_t* origin) {
    *origin = project(code, reclamation_plan(), ProjectState::accepted);
    auto land = indicators_->register_indicators(kLead, *origin, registration(5))[0];
    auto sold = indicators_->transfer(kLead, land.id, {"340124", "邻县", 100, 1'000'001, ""});
    auto link = [&](const std::string& household, const std::string& user, const std::string& village) {
      store_->write([&](storage::ProjectTx& tx) {
        tx.session().query(
            "INSERT INTO household_members(household_code, username, region_code, added_by, added_at) "
            "VALUES($1, $2, $3, 'admin', $4)",
            {household, user, village, tx.now()});
      });
    };
    for (int k = 1; k <= 7; ++k) link("H0" + std::to_string(k), "cm" + std::to_string(k), "340123100201");
    link("H09", "cm9", "340124100201");
    NewDistributionPlan in;
    in.title = "2026 年指标交易收益分配";
    in.village_code = "340123100201";
    in.revenue_kind = "indicator_transfer";
    in.household_basis = "homestead_area";
    in.source_id = sold.fund_source_id;
    in.amount_fen = 1'000'001;
    in.county_bp = 2000;
    in.village_bp = 3000;
    in.households_bp = 5000;
    for (int k = 1; k <= 7; ++k) in.households.push_back({"H0" + std::to_string(k), 100.0 + k * 0.01});
    return in;
  }
  // Puts plan `id` on notice for 5 days and lets them pass.
  void publicise(std::int64_t id) {
    benefits_->publish_notice(kVillage, id, 5);
    now_ += 5 * 86400;
  }
};

TEST_P(LandIndicatorsTest, indicators_come_only_from_accepted_plots_with_the_plots_areas) {
  auto plan = reclamation_plan();
  auto works = project("XM2026-101", plan, ProjectState::implementation);
  auto done = project("XM2026-102", plan, ProjectState::accepted);
  auto before = dump_tables();
  EXPECT_EQ(refusal([&] { indicators_->register_indicators(kLead, works, registration(5)); }),
            "plots_not_accepted");
  EXPECT_EQ(refusal([&] { indicators_->register_indicators(kTown, done, registration(5)); }),
            "not_lead_department");
  EXPECT_EQ(refusal([&] { indicators_->register_indicators(kLeadElsewhere, done, registration(5)); }),
            "not_found");
  EXPECT_EQ(refusal([&] { indicators_->register_indicators(kLead, done, registration(0)); }),
            "missing_grade");
  EXPECT_EQ(dump_tables(), before);

  // A square of 0.002° near 31.8°N is about 222 m × 189 m ≈ 42,000 m²: checked roughly by hand,
  // exactly against the plots' own ellipsoidal areas.
  auto chaijiu = units_of(plan["changes"][0]["geometry"]);
  auto grass = units_of(plan["changes"][1]["geometry"]);
  auto jianxin = units_of(plan["changes"][2]["geometry"]);
  EXPECT_NEAR(m2_of(chaijiu), 0.002 * 111320 * 0.002 * 111320 * std::cos(31.802 * M_PI / 180), 420);

  auto made = indicators_->register_indicators(kLead, done, registration(5));
  ASSERT_EQ(made.size(), 2u);
  EXPECT_EQ(made[0].kind, "construction_land");
  EXPECT_EQ(made[0].created_units, chaijiu - jianxin);  // the surplus: 拆旧 less the project's 建新
  EXPECT_EQ(made[0].balance_units(), chaijiu - jianxin);
  EXPECT_EQ(made[1].kind, "new_cultivated");
  EXPECT_EQ(made[1].created_units, chaijiu + grass);
  EXPECT_EQ(made[1].quality_grade, 5);
  ASSERT_EQ(made[1].plots.size(), 2u);
  EXPECT_EQ(made[1].plots[1].change_index, 1);
  EXPECT_NEAR(mu_of(made[1].created_units), m2_of(chaijiu + grass) * 15 / 10000, 1e-9);
  EXPECT_EQ(refusal([&] { indicators_->register_indicators(kLead, done, registration(5)); }),
            "already_registered");
  // Tracing from the indicator back to its plots and project.
  auto traced = indicators_->indicator(kTown, made[0].id);
  EXPECT_EQ(traced.project_code, "XM2026-102");
  ASSERT_EQ(traced.movements.size(), 1u);
  EXPECT_EQ(traced.movements[0].kind, "create");
  EXPECT_EQ(refusal([&] { indicators_->indicator(kLeadElsewhere, made[0].id); }), "not_found");
}

TEST_P(LandIndicatorsTest, the_rules_refuse_with_the_rule_and_the_figures) {
  // 建新 larger than 拆旧: construction land would increase.
  json more_built = reclamation_plan();
  more_built["changes"][2]["geometry"] = square(117.010, 31.801, 0.003);
  auto a = project("XM2026-111", more_built, ProjectState::accepted);
  auto msg = message([&] { indicators_->register_indicators(kLead, a, registration(5)); });
  EXPECT_NE(msg.find("增减挂钩"), std::string::npos) << msg;
  EXPECT_NE(msg.find("建新"), std::string::npos) << msg;
  EXPECT_EQ(refusal([&] { indicators_->register_indicators(kLead, a, registration(5)); }),
            "zengjian_balance");
  // New cultivated below 5% of the original cultivated land, which the survey gives: about
  // 53,000 m² new of the 516,000 + 4,200,000 m² of dry land the wide area takes in.
  json wide = reclamation_plan();
  wide["area"] = square(117.0, 31.8, 0.05);  // takes in the survey's field east of it
  auto b = project("XM2026-112", wide, ProjectState::accepted);
  EXPECT_EQ(refusal([&] { indicators_->register_indicators(kLead, b, registration(5)); }),
            "new_cultivated_min_share");
  msg = message([&] { indicators_->register_indicators(kLead, b, registration(5)); });
  EXPECT_NE(msg.find("5.00%"), std::string::npos) << msg;
  // Accepted 40 months after approval: the reclamation period (36 months) is over.
  auto c = project("XM2026-113", reclamation_plan(), ProjectState::accepted, "2022-01-10T00:00:00Z",
                   "2025-05-10T00:00:00Z");
  EXPECT_EQ(refusal([&] { indicators_->register_indicators(kLead, c, registration(5)); }),
            "reclamation_period");
  EXPECT_EQ(store_->read([](storage::ProjectTx& tx) {
              return tx.session().query("SELECT count(*) FROM land_indicators").at(0).at(0);
            }),
            "0");
}

TEST_P(LandIndicatorsTest, uses_and_transfers_never_exceed_the_balance_and_the_price_enters_the_funds_ledger) {
  auto origin = project("XM2026-121", reclamation_plan(), ProjectState::accepted);
  json build = {{"area", square(117.1, 31.9, 0.01)},
                {"changes", {{{"geometry", square(117.101, 31.901, 0.0008)}, {"from_code", "0103"}, {"to_code", "0702"}}}}};
  auto target = project("XM2026-122", build, ProjectState::approved);
  auto made = indicators_->register_indicators(kLead, origin, registration(5));
  auto land = made[0], cultivated = made[1];
  auto needed = units_of(build["changes"][0]["geometry"]);

  auto before = dump_tables();
  IndicatorUse too_much{target, m2_of(land.balance_units()) + 0.01, 0, "", {0}};
  EXPECT_EQ(refusal([&] { indicators_->use(kLead, land.id, too_much); }), "insufficient_indicator");
  IndicatorUse beyond_need{target, m2_of(needed) + 1, 0, "", {0}};
  EXPECT_EQ(refusal([&] { indicators_->use(kLead, land.id, beyond_need); }), "zengjian_balance");
  IndicatorUse negative{target, -5, 0, "", {0}};
  EXPECT_EQ(refusal([&] { indicators_->use(kLead, land.id, negative); }), "invalid_area");
  IndicatorUse worse{target, 100, 3, "", {0}};  // grade 5 may not replace grade 3
  EXPECT_EQ(refusal([&] { indicators_->use(kLead, cultivated.id, worse); }), "quality_not_lower");
  EXPECT_EQ(refusal([&] { indicators_->use(kTown, land.id, IndicatorUse{target, 10, 0, "", {0}}); }),
            "not_lead_department");
  EXPECT_EQ(dump_tables(), before);

  auto used = indicators_->use(kLead, land.id, IndicatorUse{target, m2_of(needed), 0, "安置区", {0}});
  EXPECT_EQ(used.area_units, needed);
  indicators_->use(kLead, cultivated.id, IndicatorUse{target, 1000.5, 6, "", {0}});

  IndicatorTransfer same_county{"340123", "本县", 10, 100, ""};
  EXPECT_EQ(refusal([&] { indicators_->transfer(kLead, land.id, same_county); }), "buyer_in_same_county");
  auto left = land.balance_units() - needed;
  IndicatorTransfer beyond{"340124", "邻县自然资源局", m2_of(left) + 0.01, 100, ""};
  EXPECT_EQ(refusal([&] { indicators_->transfer(kLead, land.id, beyond); }), "insufficient_indicator");
  IndicatorTransfer free{"340124", "邻县自然资源局", 10, 0, ""};
  EXPECT_EQ(refusal([&] { indicators_->transfer(kLead, land.id, free); }), "invalid_amount");
  IndicatorTransfer overflowing{"340124", "邻县自然资源局", 10, kMaxAmountFen + 1, ""};
  EXPECT_EQ(refusal([&] { indicators_->transfer(kLead, land.id, overflowing); }), "invalid_amount");

  // The whole rest for 1,234,567.89 元.
  auto sold = indicators_->transfer(kLead, land.id, {"340124", "邻县自然资源局", m2_of(left), 123'456'789, ""});
  auto after = indicators_->indicator(kAdmin, land.id);
  EXPECT_EQ(after.balance_units(), 0);
  EXPECT_EQ(after.state(), "exhausted");
  EXPECT_EQ(after.revenue_fen, 123'456'789);
  ASSERT_EQ(after.movements.size(), 3u);  // create, use, transfer
  auto source = funds_->source(kFinance, sold.fund_source_id);
  EXPECT_EQ(source.kind, FundSourceKind::indicator_revenue);
  EXPECT_EQ(source.amount_fen, 123'456'789);
  EXPECT_EQ(funds_->project_funds(kFinance, origin).balance_fen(), 123'456'789);
  EXPECT_EQ(refusal([&] { indicators_->transfer(kLead, land.id, {"340124", "邻县", 0.01, 1, ""}); }),
            "insufficient_indicator");
  // Nobody records indicator revenue by hand.
  EXPECT_EQ(refusal([&] { funds_->create_source(kFinance, {"340123", "indicator_revenue", "假收入", 100}); }),
            "reserved_kind");
  // The movement table refuses rewriting.
  EXPECT_THROW(store_->write([](storage::ProjectTx& tx) {
                 tx.session().query("UPDATE land_indicator_movements SET area_units = 1");
               }),
               std::exception);
  auto totals = indicators_->totals(kLead);
  EXPECT_EQ(totals.created_units, land.created_units + cultivated.created_units);
  EXPECT_EQ(totals.used_units, needed + 100050);
  EXPECT_EQ(totals.transferred_units, left);
}

// "1234.56 m²（1.8518 亩）", as the refusals name an area.
std::string area_text(std::int64_t units) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.2f m²（%.4f 亩）", m2_of(units), mu_of(units));
  return buf;
}

TEST_P(LandIndicatorsTest, the_original_cultivated_land_is_the_surveys_and_without_one_survey_nothing_is_registered) {
  auto done = project("XM2026-161", reclamation_plan(), ProjectState::accepted);
  // A second land-use layer: which survey is meant is no longer clear.
  {
    auto w = layers_->begin_layer_version({"dltb_2", LayerKind::land_use, "test", "EPSG:4490"});
    auto g = geo::Geometry::from_geojson(square(117.0, 31.8, 0.02).dump());
    w->add("TB1", g.wkb(), g.envelope(), {{"DLBM", std::string("0103")}});
    w->commit();
  }
  auto before = dump_tables();
  EXPECT_EQ(refusal([&] { indicators_->register_indicators(kLead, done, registration(5)); }), "no_land_use_survey");
  EXPECT_EQ(dump_tables(), before);
}

TEST_P(LandIndicatorsTest, approval_waits_until_indicators_cover_jianxin_beyond_its_own_chaijiu_and_on_cultivated_land) {
  auto origin = project("XM2026-151", reclamation_plan(), ProjectState::accepted);
  auto made = indicators_->register_indicators(kLead, origin, registration(5));
  auto land = made[0], cultivated = made[1];
  // The target builds homesteads on dry land (0, 建新 on cultivated land) and on grassland (1),
  // and reclaims a smaller homestead itself (2, its own 拆旧).
  json build = {{"area", square(117.1, 31.9, 0.01)},
                {"changes",
                 {{{"geometry", square(117.101, 31.901, 0.0008)}, {"from_code", "0103"}, {"to_code", "0702"}},
                  {{"geometry", square(117.103, 31.901, 0.0006)}, {"from_code", "0404"}, {"to_code", "0702"}},
                  {{"geometry", square(117.105, 31.901, 0.0004)}, {"from_code", "0702"}, {"to_code", "0103"}}}}};
  auto target = project("XM2026-152", build, ProjectState::joint_review);
  auto on_dry = units_of(build["changes"][0]["geometry"]), on_grass = units_of(build["changes"][1]["geometry"]),
       own = units_of(build["changes"][2]["geometry"]);
  auto approve = [&] { projects_->act(kLead, target, ProjectAction::approve, {"立项", 0}); };
  auto state = [&] { return projects_->get(kLead, target).state; };

  // Nothing covered: the 建新 beyond its own 拆旧 is named in m² and 亩.
  auto before = dump_tables();
  EXPECT_EQ(refusal(approve), "zengjian_balance");
  auto msg = message(approve);
  EXPECT_NE(msg.find("尚有 " + area_text(on_dry + on_grass - own) + " 未落实指标"), std::string::npos) << msg;
  EXPECT_EQ(state(), ProjectState::joint_review);

  // A use names the plots it covers: 建新 plots of the target, each named once, never beyond one.
  EXPECT_EQ(refusal([&] { indicators_->use(kLead, land.id, {target, 100, 0, "", {}}); }), "missing_plots");
  EXPECT_EQ(refusal([&] { indicators_->use(kLead, land.id, {target, 100, 0, "", {2}}); }), "not_a_jianxin_plot");
  EXPECT_EQ(refusal([&] { indicators_->use(kLead, land.id, {target, 100, 0, "", {7}}); }), "not_a_jianxin_plot");
  EXPECT_EQ(refusal([&] { indicators_->use(kLead, land.id, {target, 100, 0, "", {0, 0}}); }), "duplicate_plot");
  EXPECT_EQ(refusal([&] { indicators_->use(kLead, land.id, {target, m2_of(on_dry) + 0.01, 0, "", {0}}); }),
            "zengjian_balance");
  // New cultivated land covers only 建新 on cultivated land.
  EXPECT_EQ(refusal([&] { indicators_->use(kLead, cultivated.id, {target, 100, 6, "", {1}}); }), "not_a_jianxin_plot");
  EXPECT_EQ(dump_tables(), before);

  // Plot 0 wholly; plot 1 for what the own 拆旧 does not cover: the balance is met.
  auto first = indicators_->use(kLead, land.id, {target, m2_of(on_dry), 0, "", {0, 1}});
  ASSERT_EQ(first.plots.size(), 1u);
  EXPECT_EQ(first.plots[0].change_index, 0);
  EXPECT_EQ(first.plots[0].area_units, on_dry);
  EXPECT_EQ(refusal(approve), "zengjian_balance");
  auto second = indicators_->use(kLead, land.id, {target, m2_of(on_grass - own), 0, "", {0, 1}});
  ASSERT_EQ(second.plots.size(), 1u);  // plot 0 is full: all of it on plot 1
  EXPECT_EQ(second.plots[0].change_index, 1);
  EXPECT_EQ(indicators_->coverage(kLead, target).construction_uncovered(), 0);

  // Still the dry land built on is not made up by new cultivated land (占补平衡).
  EXPECT_EQ(refusal(approve), "zhanbu_balance");
  msg = message(approve);
  EXPECT_NE(msg.find("尚有 " + area_text(on_dry) + " 未补足"), std::string::npos) << msg;
  EXPECT_EQ(refusal([&] { indicators_->use(kLead, cultivated.id, {target, 100, 3, "", {0}}); }), "quality_not_lower");
  indicators_->use(kLead, cultivated.id, {target, m2_of(on_dry) - 100, 6, "", {0}});
  msg = message(approve);
  EXPECT_NE(msg.find("尚有 " + area_text(10000) + " 未补足"), std::string::npos) << msg;
  EXPECT_EQ(refusal([&] { indicators_->use(kLead, cultivated.id, {target, 100.01, 5, "", {0}}); }), "zhanbu_balance");
  indicators_->use(kLead, cultivated.id, {target, 100, 5, "", {0}});
  auto c = indicators_->coverage(kLead, target);
  EXPECT_EQ(c.jianxin_units, on_dry + on_grass);
  EXPECT_EQ(c.chaijiu_units, own);
  EXPECT_EQ(c.cultivated_jianxin_units, on_dry);
  EXPECT_EQ(c.cultivated_covered_units, on_dry);
  EXPECT_EQ(refusal(approve), "none");
  EXPECT_EQ(state(), ProjectState::approved);
  // Tracing: the indicator's use lists the plots it covers, and the target its uses.
  auto traced = indicators_->indicator(kLead, land.id);
  ASSERT_EQ(traced.movements.back().plots.size(), 1u);
  EXPECT_EQ(traced.movements.back().plots[0].change_index, 1);
  EXPECT_EQ(indicators_->uses_for(kLead, target).size(), 4u);
  EXPECT_EQ(refusal([&] { indicators_->coverage(kLeadElsewhere, target); }), "not_found");
}

TEST(BenefitShares, many_households_with_awkward_weights_add_up_to_the_fen) {
  // 1,000,000.01 元 at 33.33% / 33.34% / 33.33%: county floor(100000001 × 3333 / 10000)
  // = 33,330,000 (.3333 dropped); households floor(… × 3333 / 10000) = 33,330,000; the village
  // the rest, 33,340,001.
  auto s = split_three_ways(100'000'001, 3333, 3334, 3333);
  EXPECT_EQ(s.county_fen, 33'330'000);
  EXPECT_EQ(s.households_fen, 33'330'000);
  EXPECT_EQ(s.village_fen, 33'340'001);
  EXPECT_THROW(split_three_ways(100, 3333, 3333, 3333), InvalidRequest);

  // Three equal households share 100 fen: 33 each, the one left over to the lowest code.
  auto three = split_by_weight(100, {{"H3", 1, 0, false}, {"H1", 1, 0, false}, {"H2", 1, 0, false}});
  EXPECT_EQ(three[0].share_fen, 33);
  EXPECT_EQ(three[1].share_fen, 34);
  EXPECT_TRUE(three[1].got_remainder_fen);
  EXPECT_EQ(three[2].share_fen, 33);
  // Weights 1, 2 and 4 of 10 fen: exact 1.428…, 2.857…, 5.714…: floors 1, 2, 5 (8), the two
  // fen left to the largest dropped fractions .857 (H2) and .714 (H4).
  auto sevenths = split_by_weight(10, {{"H1", 1, 0, false}, {"H2", 2, 0, false}, {"H4", 4, 0, false}});
  EXPECT_EQ(sevenths[0].share_fen, 1);
  EXPECT_EQ(sevenths[1].share_fen, 3);
  EXPECT_EQ(sevenths[2].share_fen, 6);

  // 997 households with weights 1.01, 2.02 … m² (in hundredths 101, 202, …) over a prime
  // amount: every share within one fen of its exact value and the sum exact.
  std::vector<WeightedShare> many;
  __int128 total_weight = 0;
  for (int k = 1; k <= 997; ++k) {
    char code[16];
    std::snprintf(code, sizeof code, "H%05d", k);
    many.push_back({code, 101LL * k + (k % 7), 0, false});
    total_weight += many.back().weight;
  }
  const std::int64_t amount = 999'999'999'989;  // a prime number of fen
  auto shares = split_by_weight(amount, many);
  std::int64_t sum = 0, extra = 0;
  for (const auto& sh : shares) {
    sum += sh.share_fen;
    __int128 exact_floor = static_cast<__int128>(amount) * sh.weight / total_weight;
    EXPECT_TRUE(sh.share_fen == exact_floor || sh.share_fen == exact_floor + 1) << sh.household_code;
    extra += sh.got_remainder_fen;
  }
  EXPECT_EQ(sum, amount);
  EXPECT_LT(extra, 997);
  // The largest amount over the largest weights does not overflow.
  auto big = split_by_weight(kMaxAmountFen, {{"A", 1'000'000'000'000, 0, false}, {"B", 999'999'999'999, 0, false}});
  EXPECT_EQ(big[0].share_fen + big[1].share_fen, kMaxAmountFen);
}

TEST_P(LandIndicatorsTest, a_distribution_is_paid_only_after_the_vote_and_villagers_see_only_their_own_share) {
  std::int64_t origin = 0;
  auto in = plan_input("XM2026-131", &origin);

  auto before = dump_tables();
  auto bad = in;
  bad.village_bp = 3001;
  EXPECT_EQ(refusal([&] { benefits_->create_plan(kVillage, origin, bad); }), "shares_not_100");
  bad = in;
  bad.households.push_back({"H09", 50});
  EXPECT_EQ(refusal([&] { benefits_->create_plan(kVillage, origin, bad); }), "household_outside_project");
  bad = in;
  bad.amount_fen = 1'000'002;
  EXPECT_EQ(refusal([&] { benefits_->create_plan(kVillage, origin, bad); }), "insufficient_funds");
  bad = in;
  bad.amount_fen = -1;
  EXPECT_EQ(refusal([&] { benefits_->create_plan(kVillage, origin, bad); }), "invalid_amount");
  bad = in;
  bad.households[0].weight = 1.005;
  EXPECT_EQ(refusal([&] { benefits_->create_plan(kVillage, origin, bad); }), "invalid_weight");
  EXPECT_EQ(refusal([&] { benefits_->create_plan(kLead, origin, in); }), "not_a_planner");
  EXPECT_EQ(dump_tables(), before);

  auto plan = benefits_->create_plan(kVillage, origin, in);
  // 10,000.01 元: county 20% = 200,000 fen (.2 dropped), households 50% = 500,000 (.5 dropped),
  // the village the rest 300,001.
  EXPECT_EQ(plan.county_fen, 200'000);
  EXPECT_EQ(plan.households_fen, 500'000);
  EXPECT_EQ(plan.village_fen, 300'001);
  std::int64_t sum = 0;
  for (const auto& h : plan.households) sum += h.share_fen;
  EXPECT_EQ(sum, 500'000);
  ASSERT_EQ(plan.households.size(), 7u);
  // Weights 100.01 … 100.07 m² (sum 700.28): H0k's exact share is 500000 × (10000 + k) / 70028:
  // 71407.15, 71414.29, 71421.43, 71428.57, 71435.71, 71442.85, 71449.99; the floors leave 4 fen,
  // given to the largest fractions: H07, H06, H05, H04.
  const std::int64_t expected[] = {71407, 71414, 71421, 71429, 71436, 71443, 71450};
  for (int k = 0; k < 7; ++k) {
    EXPECT_EQ(plan.households[k].share_fen, expected[k]) << k;
    EXPECT_EQ(plan.households[k].got_remainder_fen, k >= 3) << k;
  }

  EXPECT_EQ(refusal([&] { benefits_->request_payment(kVillage, plan.id); }), "vote_not_passed");
  participation_->set_representatives(kVillage, "340123100201", {"cm1", "cm2", "cm3"});
  publicise(plan.id);
  auto voting = benefits_->open_vote(kVillage, plan.id);
  EXPECT_EQ(voting.vote_status, "open");
  EXPECT_EQ(refusal([&] { benefits_->request_payment(kVillage, plan.id); }), "vote_not_passed");
  participation_->cast_ballot(villager("cm1"), voting.vote_id, BallotChoice::yes);
  participation_->cast_ballot(villager("cm2"), voting.vote_id, BallotChoice::yes);
  participation_->close_vote(kVillage, voting.vote_id);
  EXPECT_EQ(benefits_->plan(kTown, plan.id).vote_status, "passed");

  auto requested = benefits_->request_payment(kVillage, plan.id);
  EXPECT_EQ(requested.status, "payment_requested");
  EXPECT_EQ(refusal([&] { benefits_->decide_payment(kTown, plan.id, true); }), "not_finance");
  auto paid = benefits_->decide_payment(kFinance, plan.id, true);
  EXPECT_EQ(paid.status, "paid");
  // The pool of the revenue source is now 0: every fen paid out, one ledger row per recipient.
  EXPECT_EQ(funds_->project_funds(kFinance, origin).balance_fen(), 0);
  auto ledger = funds_->project_ledger(kFinance, origin);
  EXPECT_EQ(ledger.size(), 1u + 2u + 7u);

  // A villager sees the totals and only their own household's share.
  auto mine = benefits_->plan(villager("cm3"), plan.id);
  ASSERT_EQ(mine.households.size(), 1u);
  EXPECT_EQ(mine.households[0].household_code, "H03");
  EXPECT_EQ(mine.households_fen, 500'000);
  auto my = benefits_->my_benefits(villager("cm3"));
  ASSERT_EQ(my.size(), 1u);
  EXPECT_EQ(my[0].share.share_fen, plan.households[2].share_fen);
  EXPECT_TRUE(my[0].share.paid);
  EXPECT_TRUE(benefits_->my_benefits(villager("nobody")).empty());
  auto totals = benefits_->totals(kLead);
  EXPECT_EQ(totals.village_fen, 300'001);
  EXPECT_EQ(totals.households_fen, 500'000);
}

TEST_P(LandIndicatorsTest, a_plan_is_voted_only_after_its_public_notice_and_every_objection_answered) {
  std::int64_t origin = 0;
  auto in = plan_input("XM2026-141", &origin);
  auto plan = benefits_->create_plan(kVillage, origin, in);
  participation_->set_representatives(kVillage, "340123100201", {"cm1", "cm2", "cm3"});
  const User kOtherTown{8, "zhen_b", "", "", {Grant{Role::township, "", "340123101"}}};
  const User kOutsider{9, "cm9", "", "", {Grant{Role::villager, "", "340124100201"}}};

  auto before = dump_tables();
  EXPECT_EQ(refusal([&] { benefits_->open_vote(kVillage, plan.id); }), "notice_not_published");
  EXPECT_EQ(refusal([&] { benefits_->object(villager("cm1"), plan.id, "不同意"); }), "notice_not_published");
  EXPECT_EQ(refusal([&] { benefits_->publish_notice(kVillage, plan.id, 0); }), "invalid_days");
  EXPECT_EQ(refusal([&] { benefits_->publish_notice(kVillage, plan.id, 91); }), "invalid_days");
  EXPECT_EQ(refusal([&] { benefits_->publish_notice(kLead, plan.id, 7); }), "not_a_publisher");
  EXPECT_EQ(refusal([&] { benefits_->publish_notice(kOtherTown, plan.id, 7); }), "not_found");
  EXPECT_EQ(dump_tables(), before);

  // Published for 7 days: a village notice (村务公告) with the plan's text, amounts and period.
  auto published = benefits_->publish_notice(kVillage, plan.id, 7);
  EXPECT_EQ(published.notice_state, "running");
  EXPECT_EQ(published.notice_ends, iso_utc(now_ + 7 * 86400));
  auto notice = participation_->notice(villager("cm1"), published.notice_id);
  EXPECT_EQ(notice.region_code, "340123100201");
  EXPECT_EQ(notice.ends, published.notice_ends);
  EXPECT_NE(notice.title.find(in.title), std::string::npos) << notice.title;
  for (const char* part : {"10000.01 元", "县乡（成本与基础设施）20.00%：2000.00 元", "村集体 30.00%：3000.01 元",
                           "农户 50.00%：5000.00 元", "农户 H01：依据 100.01，应得 714.07 元", "公示期自"})
    EXPECT_NE(notice.body.find(part), std::string::npos) << part << "\n" << notice.body;
  EXPECT_EQ(benefits_->plan_of_notice(villager("cm2"), published.notice_id).id, plan.id);
  EXPECT_EQ(refusal([&] { benefits_->publish_notice(kVillage, plan.id, 7); }), "notice_exists");

  // While the notice runs: no vote; villagers of the village object, others may not.
  before = dump_tables();
  auto running = message([&] { benefits_->open_vote(kVillage, plan.id); });
  EXPECT_NE(running.find(published.notice_ends), std::string::npos) << running;
  EXPECT_EQ(refusal([&] { benefits_->open_vote(kVillage, plan.id); }), "notice_running");
  EXPECT_EQ(refusal([&] { benefits_->object(kOutsider, plan.id, "不同意"); }), "not_found");
  EXPECT_EQ(refusal([&] { benefits_->object(kVillage, plan.id, "不同意"); }), "not_a_villager");
  EXPECT_EQ(refusal([&] { benefits_->object(villager("cm1"), plan.id, "  "); }), "empty_field");
  EXPECT_EQ(dump_tables(), before);
  auto first = benefits_->object(villager("cm1"), plan.id, "H01 的退出面积应为 100.5 平方米");
  auto second = benefits_->object(villager("cm2"), plan.id, "村集体比例过高");
  EXPECT_EQ(benefits_->objections(kTown, plan.id).size(), 2u);
  auto own = benefits_->objections(villager("cm2"), plan.id);
  ASSERT_EQ(own.size(), 1u);
  EXPECT_EQ(own[0].reason, "村集体比例过高");

  // The notice is over; one objection is unanswered: still no vote.
  now_ += 7 * 86400;
  EXPECT_EQ(refusal([&] { benefits_->object(villager("cm3"), plan.id, "迟到的异议"); }), "notice_over");
  EXPECT_EQ(benefits_->plan(kTown, plan.id).notice_state, "over");
  EXPECT_EQ(refusal([&] { benefits_->answer_objection(kVillage, first.id, "已核对"); }), "not_township");
  EXPECT_EQ(refusal([&] { benefits_->answer_objection(kTown, first.id, ""); }), "empty_field");
  benefits_->answer_objection(kTown, first.id, "经核对，登记面积为 100.01 平方米，方案不变。");
  EXPECT_EQ(refusal([&] { benefits_->answer_objection(kTown, first.id, "再答"); }), "already_answered");
  auto waiting = message([&] { benefits_->open_vote(kVillage, plan.id); });
  EXPECT_NE(waiting.find("1 条异议"), std::string::npos) << waiting;
  EXPECT_EQ(refusal([&] { benefits_->open_vote(kVillage, plan.id); }), "objection_unanswered");
  auto answered = benefits_->answer_objection(kTown, second.id, "比例由村民代表会议表决决定。");
  EXPECT_EQ(answered.answered_by, "zhen");
  EXPECT_EQ(benefits_->objections(villager("cm2"), plan.id)[0].answer, "比例由村民代表会议表决决定。");

  auto voting = benefits_->open_vote(kVillage, plan.id);
  EXPECT_EQ(voting.vote_status, "open");
  EXPECT_EQ(voting.objections, 2);
  EXPECT_EQ(voting.unanswered_objections, 0);
  // Every step is audited.
  auto actions = store_->read([&](storage::ProjectTx& tx) {
    std::string out;
    for (auto& r : tx.session().query(
             "SELECT action FROM audit_log WHERE object = $1 ORDER BY seq", {"benefit_plan:" + std::to_string(plan.id)}))
      out += r[0] + " ";
    return out;
  });
  EXPECT_EQ(actions, "benefit.plan_create benefit.plan_notice benefit.objection benefit.objection "
                     "benefit.objection_answer benefit.objection_answer benefit.plan_vote ");
}

INSTANTIATE_TEST_SUITE_P(Backends, LandIndicatorsTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
