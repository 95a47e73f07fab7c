// The land indicator ledger (指标台账, issue 20 items 1–2): the value a consolidation creates as
// land indicators, where they came from and where they went.
//
// - Kinds: construction_land, the surplus construction-land indicator of linked increase and
//   decrease (城乡建设用地增减挂钩节余指标: the 拆旧 plots reclaimed less the project's own 建新), and
//   new_cultivated, new cultivated land (新增耕地 / 占补平衡指标) with its quality grade (耕地质量
//   等别, 1 best … 15).
// - An indicator is registered only from the plots of an accepted project (验收 or later): the
//   plan's changes from a construction class to a non-construction one (拆旧), from a
//   non-construction class to a construction one (建新), and to a cultivated class from a
//   non-cultivated one (新增耕地). The lead department (自然资源局) over the project's region
//   registers them; each keeps its origin plots (index, classes, area, geometry) and project.
// - Areas are whole hundredths of a square metre (1 dm²); mu = m² × 0.0015. The balance (created
//   less used less transferred) is never negative.
// - Movements: create; use for a 建新 area of the same or another project; transfer to another
//   county or city at a price in fen, which is recorded in the funds ledger as a fund source of
//   kind indicator_revenue allocated to the origin project (so the revenue is traceable to its
//   distribution). A use names the target plan's 建新 plots it covers (new cultivated land: 建新
//   plots on cultivated land), filled plot by plot and never beyond a plot's area. Each movement
//   is one transaction with its audit entry and live event; the
//   movement table refuses UPDATE and DELETE in the database.
// - Rules (data/land_indicators.json), refused with RuleError whose code is the rule's id and
//   whose message names the rule and the figures: zengjian_balance, new_cultivated_min_share,
//   quality_not_lower, zhanbu_balance, reclamation_period.
// - The guard it adds to ProjectService: approval (立项) is refused while the project's 建新
//   beyond its own 拆旧 is not covered by construction-land indicators (zengjian_balance), or its
//   建新 on cultivated land by new cultivated land indicators (zhanbu_balance), naming the
//   uncovered area in m² and 亩.
//
// Visibility as for the project: NotFoundError outside it; Forbidden for a visible project the
// user may not change; RuleError for refusals of the ledger or the rules; InvalidRequest for bad
// input. Nothing is written when any of them is thrown.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/identity.h"
#include "services/funds.h"
#include "services/projects.h"
#include "storage/project_store.h"
#include "storage/store.h"

namespace gz::services {

struct IndicatorRule {
  std::string id, name_zh, name_en;
  double value = 0;  // the rule's threshold (ratio, share, months); 0 for quality_not_lower
};

struct LandIndicatorRules {
  double max_jianxin_to_chaijiu = 1.0;
  double new_cultivated_min_share = 0.05;
  std::int64_t reclamation_months = 36;
  std::vector<IndicatorRule> rules;
  const IndicatorRule& rule(const std::string& id) const;
  // data/land_indicators.json, loaded once; InputError naming the file and field when malformed.
  static const LandIndicatorRules& standard();
  static LandIndicatorRules parse(const std::string& json_text, const std::string& source);
};

// Area as stored: whole hundredths of a m².
std::int64_t area_units_from_m2(double m2);
double m2_of(std::int64_t units);
double mu_of(std::int64_t units);

struct IndicatorPlot {
  int change_index = 0;  // index in the plan's changes
  std::string role;      // chaijiu | jianxin | new_cultivated
  std::string from_code, to_code;
  std::int64_t area_units = 0;
  std::string geometry_json;
};

// The part of a use on one 建新 plot of its target.
struct CoveredPlot {
  int change_index = 0;
  std::int64_t area_units = 0;
};

struct IndicatorMovement {
  std::int64_t id = 0, indicator_id = 0;
  std::string kind;  // create | use | transfer
  std::int64_t area_units = 0;
  std::int64_t target_project_id = 0;  // use
  std::string target_project_code;
  std::string buyer_region_code, buyer_name;  // transfer
  std::int64_t price_fen = 0, fund_source_id = 0;
  std::int64_t replaced_grade = 0;  // use of new_cultivated for 占补平衡
  std::string note, actor, time;
  std::vector<CoveredPlot> plots;  // use: the target's 建新 plots it covers
};

struct LandIndicator {
  std::int64_t id = 0, project_id = 0;
  std::string project_code, project_name, region_code;
  std::string kind;            // construction_land | new_cultivated
  std::int64_t quality_grade = 0;  // new_cultivated: 1–15
  std::int64_t created_units = 0, used_units = 0, transferred_units = 0;
  std::int64_t revenue_fen = 0;  // the prices of its transfers
  std::string created_by, created_at;
  std::vector<IndicatorPlot> plots;  // filled by indicator()
  std::vector<IndicatorMovement> movements;
  std::int64_t balance_units() const { return created_units - used_units - transferred_units; }
  std::string state() const;  // available | partly_used | exhausted
};

// The original cultivated land of the "at least 5%" rule is not typed in: it is the survey's
// (the land-use layer's) cultivated land within the project area, as the balance sheet computes
// it (services/land_use_balance.h, cultivated_before).
struct IndicatorRegistration {
  std::int64_t quality_grade = 0;  // of the new cultivated land, 1–15
  std::string note;
};

struct IndicatorUse {
  std::int64_t target_project_id = 0;
  double area_m2 = 0;
  std::int64_t replaced_grade = 0;  // new_cultivated: the grade of the cultivated land replaced
  std::string note;
  // The target plan's 建新 plots (indexes in its changes) the use covers, filled in this order;
  // for new_cultivated, 建新 plots on cultivated land.
  std::vector<int> plots;
};

// How far a project's 建新 is covered (the approval guard's figures).
struct JianxinCoverage {
  std::int64_t jianxin_units = 0, chaijiu_units = 0;  // the plan's 建新 and own 拆旧
  std::int64_t construction_covered_units = 0;        // by construction_land uses
  std::int64_t cultivated_jianxin_units = 0;          // 建新 on cultivated land
  std::int64_t cultivated_covered_units = 0;          // by new_cultivated uses (占补平衡)
  std::int64_t construction_uncovered() const {
    auto need = jianxin_units - chaijiu_units - construction_covered_units;
    return need > 0 ? need : 0;
  }
  std::int64_t cultivated_uncovered() const {
    auto need = cultivated_jianxin_units - cultivated_covered_units;
    return need > 0 ? need : 0;
  }
};

struct IndicatorTransfer {
  std::string buyer_region_code, buyer_name;
  double area_m2 = 0;
  std::int64_t price_fen = 0;
  std::string note;
};

struct IndicatorFilter {
  std::int64_t project_id = 0;  // 0: any
  std::string kind, state;      // "": any
};

struct IndicatorTotals {
  std::int64_t created_units = 0, used_units = 0, transferred_units = 0, revenue_fen = 0;
  std::int64_t indicators = 0;
};

class LandIndicatorService {
 public:
  // Makes the tables (and the movement table's immutability triggers) when missing. `funds`
  // makes the funds tables a transfer writes to.
  // `layers` holds the survey the original cultivated land is measured on.
  LandIndicatorService(storage::Store& layers, storage::ProjectStore& store, ProjectService& projects,
                       FundsService& funds,
                       const LandIndicatorRules& rules = LandIndicatorRules::standard());

  // The indicators of an accepted project's plots (one per kind that has area); RuleError
  // plots_not_accepted, already_registered, no_indicator_plots, no_land_use_survey or a rule.
  std::vector<LandIndicator> register_indicators(const User& user, std::int64_t project_id,
                                                 const IndicatorRegistration& in);
  std::vector<LandIndicator> indicators(const User& user, const IndicatorFilter& filter = {});
  // One indicator with its plots and every movement (tracing).
  LandIndicator indicator(const User& user, std::int64_t id);
  IndicatorMovement use(const User& user, std::int64_t indicator_id, const IndicatorUse& in);
  IndicatorMovement transfer(const User& user, std::int64_t indicator_id, const IndicatorTransfer& in);
  // Every transfer the user may see (through its indicator's project), newest last.
  std::vector<IndicatorMovement> transfers(const User& user);
  // The uses drawing indicators for project `project_id`'s 建新, with the plots each covers.
  std::vector<IndicatorMovement> uses_for(const User& user, std::int64_t project_id);
  // Project `project_id`'s 建新 and the indicators covering it (NotFoundError outside it).
  JianxinCoverage coverage(const User& user, std::int64_t project_id);
  // Sums over the indicators the user may see (dashboard).
  IndicatorTotals totals(const User& user, const std::string& region = "");
  const LandIndicatorRules& rules() const { return rules_; }

 private:
  storage::Store& layers_;
  storage::ProjectStore& store_;
  ProjectService& projects_;
  const LandIndicatorRules& rules_;
};

}  // namespace gz::services
