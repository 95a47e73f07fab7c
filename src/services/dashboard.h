// The region dashboard (可视化大屏, DESIGN.md §2.11) of a county, township or village: projects by
// state, investment (money allocated to projects) against money disbursed, new cultivated land
// against its target, the region's land-use structure from the survey with the balance the
// projects make of it, and the compliance findings (rule violations) by village.
//
// Every count and sum is aggregated by the database (GROUP BY over the project, fund ledger,
// disbursement and indicator tables; JSON functions of each dialect over the survey spots'
// attributes), so a county with thousands of projects and a million land-use spots is never
// loaded into the server. The survey aggregate of one layer version never changes, so it is kept
// per version and region after its first computation. Findings are the exception that geometry
// forces: to place each finding in the village it lies in (SQLite has no spatial SQL), the
// findings of one compliance result are intersected with the region layer's villages (GEOS,
// ellipsoidal areas) once, and the result kept until the project is checked again.
//
// Who sees it: the officials of DESIGN.md §1 (leader group, lead and co-reviewing departments,
// township, village collective, experts) with a grant over the region, admins and auditors
// everywhere. A region outside the user's grants, or unknown, is NotFoundError (404); a region
// inside them for a villager or an investor is Forbidden (403) — they see projects one by one.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "domain/identity.h"
#include "services/funds.h"
#include "services/progress.h"
#include "storage/project_store.h"
#include "storage/store.h"

namespace gz::services {

struct DashboardRegion {
  std::string code, name, level, parent;
};

struct StateFigure {
  std::string state;
  std::int64_t projects = 0;
  double area_m2 = 0;
};

// One child region (township of a county, village of a township) or, for projects that lie in
// the dashboard's region itself rather than in one of its children, that region.
struct ChildFigures {
  DashboardRegion region;
  std::int64_t projects = 0;
  double area_m2 = 0;
  std::int64_t allocated_fen = 0, disbursed_fen = 0, pending_fen = 0;
  double new_cultivated_planned_m2 = 0, new_cultivated_achieved_m2 = 0;
  std::int64_t findings = 0;
};

struct FundFigures {
  std::int64_t sources_fen = 0;    // fund sources registered inside the region
  std::int64_t allocated_fen = 0;  // allocated to the region's projects (investment)
  std::int64_t disbursed_fen = 0;  // paid out of them
  std::int64_t pending_fen = 0;    // requested, awaiting finance's decision
};

// Sums of the evaluation indicators (data/evaluation_indicators.json) over the region's projects:
// the planned value is the target, the achieved value what has been recorded.
struct IndicatorFigure {
  std::string key;
  double planned = 0, achieved = 0;
  std::int64_t projects = 0;  // with a planned or achieved value
};

struct LandUseClassFigure {
  std::string code, name_zh, name_en, level1_code, group, color;
  bool cultivated = false;
  std::int64_t spots = 0;
  double gross_m2 = 0, net_m2 = 0;  // TBMJ and TBDLMJ of the survey
};

struct LandUseFigures {
  std::string layer;  // "" when there is no land-use layer
  int version = 0;
  std::vector<LandUseClassFigure> classes;  // by code
  double total_m2 = 0, cultivated_m2 = 0, construction_m2 = 0, agricultural_m2 = 0,
         unused_m2 = 0;
  // The balance the projects make of it: the survey plus the achieved (and the planned) new
  // cultivated land, less the construction land reduced.
  double cultivated_after_achieved_m2 = 0, cultivated_after_planned_m2 = 0;
  double construction_after_achieved_m2 = 0, construction_after_planned_m2 = 0;
};

struct ViolationByRegion {
  DashboardRegion region;  // the project's region: a village, or a township for its own projects
  std::int64_t findings = 0, errors = 0, warnings = 0, projects = 0;
  double area_m2 = 0;
};

struct ViolationByRule {
  std::string rule, severity, name_zh, name_en;
  std::int64_t findings = 0;
  double area_m2 = 0;
};

struct Dashboard {
  DashboardRegion region;
  std::vector<DashboardRegion> path;      // from the user's top visible ancestor down to region
  std::vector<DashboardRegion> children;  // for the drill-down, by code
  std::int64_t projects = 0;
  double projects_area_m2 = 0;
  std::vector<StateFigure> by_state;  // in lifecycle order, states with projects only
  std::vector<ChildFigures> by_child;  // children with something to show, by code
  FundFigures funds;
  std::vector<IndicatorFigure> indicators;  // in the order of the indicator table
  LandUseFigures land_use;
  std::vector<ViolationByRegion> violations_by_region;  // most findings first
  std::vector<ViolationByRule> violations_by_rule;      // most findings first
  std::int64_t findings = 0, errors = 0;
  double findings_area_m2 = 0;
};

class DashboardService {
 public:
  // Reads the tables of `funds` and `progress` (which make them), the projects of `store` and
  // the land-use layer of `layers`.
  DashboardService(storage::Store& layers, storage::ProjectStore& store, FundsService& funds,
                   ProgressService& progress);

  // `region` "": the region of the user's first grant (for admins and auditors, the first root
  // region). InvalidRequest when `region` is no division code.
  Dashboard dashboard(const User& user, const std::string& region);

 private:
  LandUseFigures land_use(storage::SqlSession& s, const std::string& prefix);
  // A project's findings located by village (the region layer), kept per compliance result.
  struct FindingShare {
    std::string village, rule, severity, name_zh, name_en;
    std::int64_t count = 0;  // 1 in the village holding most of the finding, 0 elsewhere
    double area_m2 = 0;      // the finding's area in this village
  };
  std::vector<FindingShare> finding_shares(storage::SqlSession& s, std::int64_t project_id,
                                           const std::string& project_region,
                                           const std::string& checked_at);

  storage::Store& layers_;
  storage::ProjectStore& store_;
  const IndicatorTable& indicators_;
  std::mutex cache_mutex_;
  std::map<std::string, LandUseFigures> land_use_cache_;  // "layer@version_id:prefix"
  std::map<std::int64_t, std::pair<std::string, std::vector<FindingShare>>> finding_cache_;
};

}  // namespace gz::services
