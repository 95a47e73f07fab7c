#include "services/demo_indicators.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "common/error.h"
#include "domain/participation.h"
#include "services/benefit_sharing.h"
#include "services/funds.h"
#include "services/land_indicators.h"
#include "services/participation.h"
#include "services/projects.h"
#include "services/rights.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"

namespace gz::services {

std::string seed_demo_indicators(storage::Store& store, const std::string& location) {
  auto identity = storage::IdentityStore::open(location);
  auto lead = identity->find_user("zrzy"), cun = identity->find_user("cun"), zhen = identity->find_user("zhen"),
       cunmin = identity->find_user("cunmin"), finance = identity->find_user("czj");
  if (!lead || !cun || !zhen || !cunmin || !finance) return "";
  std::string village, township;
  for (const auto& g : cun->grants) village = g.region_code;
  for (const auto& g : zhen->grants) township = g.region_code;
  auto projects = storage::ProjectStore::open(location);
  ProjectService service(store, *projects, identity.get());
  FundsService funds(*projects, identity.get());
  RightsService rights(store, *projects, service, identity.get());
  ParticipationService participation(*projects, service, identity.get());
  LandIndicatorService indicators(store, *projects, service, funds);
  // The plans' public notices (公示) ran in the past: the benefit service's clock is set back while
  // they are published and objected to, then brought to now for the votes.
  std::int64_t days_back = 0;
  BenefitSharingService benefits(*projects, service, funds, participation,
                                 [&days_back] { return system_clock_seconds() - days_back * 86400; });

  // The first accepted demo project whose plots make indicators (the original cultivated land is
  // the survey's within its area).
  std::vector<LandIndicator> made;
  storage::ProjectRecord project;
  for (const auto& p : service.list(*lead)) {
    if (p.state != ProjectState::accepted) continue;
    try {
      made = indicators.register_indicators(*lead, p.id, {6, "验收时登记"});
      project = p;
      break;
    } catch (const RuleError&) {
    }
  }
  if (made.empty()) return "";
  // Half of the first indicator to a neighbouring county at 300,000 元 per mu.
  const auto& first = made.front();
  const std::string county = project.region_code.substr(0, 6);
  const std::string buyer = county.substr(0, 4) + (county.substr(4) == "01" ? "02" : "01");
  const auto half = first.balance_units() / 2;
  const auto price = static_cast<std::int64_t>(std::llround(mu_of(half) * 30'000'000.0));
  auto sold = indicators.transfer(*lead, first.id,
                                  {buyer, "邻县自然资源和规划局", m2_of(half), price, "省级平台挂牌成交"});

  // Five households of the village, each with its villager account.
  std::vector<NewDistributionPlan::Household> households{{"H00001", 180.5}};
  // H00001 is cunmin's already when services/demo_rights.cpp found a project to seed (not with
  // every seed).
  try {
    rights.add_member(*cun, {0, "H00001", "cunmin", village, "", ""});
  } catch (const RuleError&) {  // already_member
  }
  for (int k = 2; k <= 5; ++k) {
    std::string name = "hu0000" + std::to_string(k), code = "H0000" + std::to_string(k);
    if (!identity->find_user(name))
      identity->add_user({name, cunmin->password_hash, {Grant{Role::villager, "", village}}}, "demo");
    rights.add_member(*cun, {0, code, name, village, "", ""});
    households.push_back({code, 120.0 + 17.25 * k});
  }
  // The distribution: of the transfer's revenue when the indicator's project is the township's
  // or the village's; else of land-transfer rent (流转租金) paid into the pool of the first funded
  // project of the township, so that the village's assembly and households have one.
  NewDistributionPlan plan;
  plan.village_code = village;
  plan.household_basis = "homestead_area";
  plan.county_bp = 3000;
  plan.village_bp = 3000;
  plan.households_bp = 4000;
  plan.households = households;
  storage::ProjectRecord target = project;
  if (region_contains(township, project.region_code) && region_contains(project.region_code, village)) {
    plan.title = "增减挂钩节余指标交易收益分配";
    plan.revenue_kind = "indicator_transfer";
    plan.source_id = sold.fund_source_id;
    plan.amount_fen = price;
  } else {
    std::optional<storage::ProjectRecord> local;
    std::int64_t source = 0, balance = 0;
    for (const auto& p : service.list(*lead)) {
      if (local || !region_contains(township, p.region_code) || !region_contains(p.region_code, village)) continue;
      try {
        for (const auto& b : funds.project_funds(*finance, p.id).sources)
          if (b.balance_fen() > balance) source = b.source_id, balance = b.balance_fen();
      } catch (const Error&) {
      }
      if (source) local = p;
    }
    if (!local) return project.code;
    target = *local;
    plan.title = "土地流转租金收益分配";
    plan.revenue_kind = "land_rent";
    plan.source_id = source;
    plan.amount_fen = std::min<std::int64_t>(8'888'888, balance / 10);
  }
  // The village collective plans for a project of its village, the township for one of its own.
  const User& planner = region_contains(village, target.region_code) ? *cun : *zhen;
  auto d = benefits.create_plan(planner, target.id, plan);
  // On notice for 7 days from 12 days ago; a household objected and the township answered.
  days_back = 12;
  benefits.publish_notice(planner, d.id, 7);
  days_back = 10;
  auto objection = benefits.object(*identity->find_user("hu00002"), d.id, "我家退出的宅基地面积应按确权登记的 154.5 平方米计算。");
  benefits.answer_objection(*zhen, objection.id, "经核对不动产登记簿，退出面积以实测 154.25 平方米为准，方案不变。");
  days_back = 0;
  participation.set_representatives(*cun, village, {"cunmin", "hu00002", "hu00003", "hu00004", "hu00005"});
  d = benefits.open_vote(planner, d.id);
  for (const char* name : {"cunmin", "hu00002", "hu00003", "hu00004"})
    participation.cast_ballot(*identity->find_user(name), d.vote_id, BallotChoice::yes);
  participation.cast_ballot(*identity->find_user("hu00005"), d.vote_id, BallotChoice::abstain);
  participation.close_vote(planner, d.vote_id);
  benefits.request_payment(planner, d.id);
  benefits.decide_payment(*finance, d.id, true);

  // A second plan of the same revenue whose notice is over with no objection: ready for its vote.
  std::int64_t left = 0;
  try {
    for (const auto& b : funds.project_funds(*finance, target.id).sources)
      if (b.source_id == plan.source_id) left = b.balance_fen();
  } catch (const Error&) {
  }
  if (left > 0) {
    plan.title += "（第二期）";
    plan.amount_fen = std::min<std::int64_t>(1'234'567, left);
    auto second = benefits.create_plan(planner, target.id, plan);
    days_back = 9;
    benefits.publish_notice(planner, second.id, 7);
    days_back = 0;
  }
  return project.code;
}

}  // namespace gz::services
