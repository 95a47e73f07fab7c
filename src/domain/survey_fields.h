// Where the facts live in survey and planning attribute tables. 三调 DLTB fields (DLBM, KCXS,
// TBMJ, ZLDWDM, CZCSXM, GDPDJB, GDLX) and 村庄规划 CZGHTB fields (GHDLBM, GHDLMC) are recognised
// first; plain English names are accepted for other sources.
#pragma once

#include <optional>
#include <string>

#include "domain/land_use_classes.h"
#include "domain/layer.h"

namespace gz {

// Land-use class code of a land-use spot (DLBM, else "code"/"class_code").
std::optional<std::string> land_use_code(const Attributes& a);
// Deduction coefficient for field ridges (KCXS, 0..1); 0 when absent.
double ridge_deduction_coefficient(const Attributes& a);
// Project identifier (XMBH, else "project_id").
std::optional<std::string> project_id(const Attributes& a);
std::optional<std::string> project_type(const Attributes& a);
// Planned change: from class code (三调), and the target: to_code (三调) or GHDLBM (用地用海).
std::optional<std::string> planned_from_code(const Attributes& a);
std::optional<std::string> planned_to_code(const Attributes& a);
// The class a planned change leads to, in whichever classification names it; nullopt when the
// feature names none or an unknown code.
struct PlannedTarget {
  std::string code;
  bool planning = false;  // a 用地用海 code (GHDLBM)
  LandGroup group = LandGroup::none;
  bool cultivated = false;
  std::string name_zh, name_en;
  // The 三调 class the target counts as: `code` itself for a 三调 target; for a 用地用海 target
  // the 三调 class of the same name (BaseConversion::same_name_survey_class), "" when none.
  std::string survey_code;
  // "0703 农村宅基地（用地用海）" / "0702 农村宅基地": the target as users read it.
  std::string words(bool zh) const;
};
std::optional<PlannedTarget> planned_target(const Attributes& a);
// Region / zone code (XZQDM, else "code") and name (XZQMC, else "name").
std::optional<std::string> zone_code(const Attributes& a);
std::optional<std::string> zone_name(const Attributes& a);
// Village-plan zone use (construction | agricultural | ecological): zone_use / YDYT / GNFQ as
// given, else from the 用地用海 code GHDLBM through data/planning_classes.csv.
std::optional<std::string> village_zone_use(const Attributes& a);
// Whether the zone allows construction (村庄建设用地 / "construction").
bool village_zone_allows_construction(const Attributes& a);

// A coded attribute that is wrong: the field and the reason (Chinese, then English), naming the
// code and the nearest known codes, or saying that a code of the other classification was used.
struct AttributeProblem {
  std::string field, reason;
};
// A code given as a 三调 class (field `field`): nullopt when it is one; else the reason, naming
// the nearest known codes, or saying it is a 用地用海 code (and which 三调 classes lead to it).
std::optional<AttributeProblem> survey_code_problem(const std::string& field, const std::string& code);
// The same for a code given as a 用地用海 class.
std::optional<AttributeProblem> planning_code_problem(const std::string& field, const std::string& code);
// The target class a plan's change names: `to_code` (三调) or `to_ghdlbm` (用地用海).
std::optional<PlannedTarget> survey_target(const std::string& code);
std::optional<PlannedTarget> planning_target(const std::string& code);

// DLBM (三调), CZCSXM, GDPDJB and GDLX of a land-use spot.
std::optional<AttributeProblem> land_use_spot_problem(const Attributes& a);
// GHDLBM (用地用海) of a village-plan zone, when it has one.
std::optional<AttributeProblem> village_plan_zone_problem(const Attributes& a);
// from_code / to_code (三调) and GHDLBM (用地用海) of a planned change.
std::optional<AttributeProblem> planned_change_problem(const Attributes& a);

}  // namespace gz
