// Where the facts live in survey and planning attribute tables. 三调 DLTB fields (DLBM, KCXS,
// TBMJ, ZLDWDM) are recognised first; plain English names are accepted for other sources.
#pragma once

#include <optional>
#include <string>

#include "domain/layer.h"

namespace gz {

// Land-use class code of a land-use spot (DLBM, else "code"/"class_code").
std::optional<std::string> land_use_code(const Attributes& a);
// Deduction coefficient for field ridges (KCXS, 0..1); 0 when absent.
double ridge_deduction_coefficient(const Attributes& a);
// Project identifier (XMBH, else "project_id").
std::optional<std::string> project_id(const Attributes& a);
std::optional<std::string> project_type(const Attributes& a);
// Planned change: from and to class codes.
std::optional<std::string> planned_from_code(const Attributes& a);
std::optional<std::string> planned_to_code(const Attributes& a);
// Region / zone code (XZQDM, else "code") and name (XZQMC, else "name").
std::optional<std::string> zone_code(const Attributes& a);
std::optional<std::string> zone_name(const Attributes& a);
// Village-plan zone use: whether the zone allows construction (村庄建设用地 / "construction").
bool village_zone_allows_construction(const Attributes& a);

}  // namespace gz
