#include "domain/survey_fields.h"

namespace gz {

std::optional<std::string> land_use_code(const Attributes& a) {
  return attribute_text_any(a, {"DLBM", "code", "class_code"});
}

double ridge_deduction_coefficient(const Attributes& a) {
  auto k = attribute_number(a, "KCXS");
  if (!k || *k < 0 || *k >= 1) return 0.0;
  return *k;
}

std::optional<std::string> project_id(const Attributes& a) {
  return attribute_text_any(a, {"XMBH", "project_id"});
}
std::optional<std::string> project_type(const Attributes& a) {
  return attribute_text_any(a, {"XMLX", "project_type", "type"});
}
std::optional<std::string> planned_from_code(const Attributes& a) {
  return attribute_text_any(a, {"from_code", "YDLBM"});
}
std::optional<std::string> planned_to_code(const Attributes& a) {
  return attribute_text_any(a, {"to_code", "GHDLBM"});
}
std::optional<std::string> zone_code(const Attributes& a) {
  return attribute_text_any(a, {"XZQDM", "DYBH", "code", "ZLDWDM"});
}
std::optional<std::string> zone_name(const Attributes& a) {
  return attribute_text_any(a, {"XZQMC", "DYMC", "name", "ZLDWMC"});
}

bool village_zone_allows_construction(const Attributes& a) {
  auto use = attribute_text_any(a, {"zone_use", "YDYT", "GNFQ"});
  if (!use) return false;
  return *use == "construction" || use->find("建设") != std::string::npos;
}

}  // namespace gz
