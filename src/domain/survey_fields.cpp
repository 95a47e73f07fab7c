#include "domain/survey_fields.h"

#include <algorithm>

#include "domain/planning_classes.h"

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

std::optional<PlannedTarget> survey_target(const std::string& code) {
  const LandUseClass* c = LandUseClassTable::standard().find(code);
  if (!c) return std::nullopt;
  return PlannedTarget{code, false, c->group, c->cultivated, c->name_zh, c->name_en, code};
}

std::optional<PlannedTarget> planning_target(const std::string& code) {
  const PlanningClass* c = PlanningClassTable::standard().find(code);
  if (!c) return std::nullopt;
  const LandUseClass* same = BaseConversion::standard().same_name_survey_class(code);
  return PlannedTarget{code, true, c->group, c->cultivated, c->name_zh, c->name_en,
                       same ? same->code : std::string()};
}

std::string PlannedTarget::words(bool zh) const {
  std::string out = code + " " + (zh ? name_zh : name_en);
  if (planning) out += zh ? "（用地用海）" : " (用地用海 planning class)";
  return out;
}

std::optional<PlannedTarget> planned_target(const Attributes& a) {
  if (auto to = attribute_text(a, "to_code")) return survey_target(*to);
  if (auto gh = attribute_text(a, "GHDLBM")) return planning_target(*gh);
  return std::nullopt;
}

std::optional<std::string> zone_code(const Attributes& a) {
  return attribute_text_any(a, {"XZQDM", "DYBH", "code", "ZLDWDM"});
}
std::optional<std::string> zone_name(const Attributes& a) {
  return attribute_text_any(a, {"XZQMC", "DYMC", "name", "ZLDWMC"});
}

std::optional<std::string> village_zone_use(const Attributes& a) {
  if (auto use = attribute_text_any(a, {"zone_use", "YDYT", "GNFQ"}); use && !use->empty()) {
    if (*use == "construction" || use->find("建设") != std::string::npos) return "construction";
    if (*use == "ecological" || use->find("生态") != std::string::npos) return "ecological";
    return "agricultural";
  }
  if (auto gh = attribute_text(a, "GHDLBM"))
    if (const PlanningClass* c = PlanningClassTable::standard().find(*gh)) return c->zone_use;
  return std::nullopt;
}

bool village_zone_allows_construction(const Attributes& a) {
  return village_zone_use(a).value_or("") == "construction";
}

namespace {
std::string joined(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

// The 三调 codes whose base conversion leads to a 用地用海 code, "code name" each.
std::vector<std::string> survey_codes_for(const std::string& yydh) {
  std::vector<std::string> out;
  const auto& table = LandUseClassTable::standard();
  for (const auto& r : BaseConversion::standard().rules()) {
    bool hit = r.yydh_code == yydh;
    for (const auto& c : r.candidates) hit = hit || c == yydh;
    std::string item = r.sd_code + " " + table.find(r.sd_code)->name_zh;
    if (hit && std::find(out.begin(), out.end(), item) == out.end()) out.push_back(item);
  }
  return out;
}

}  // namespace

std::optional<AttributeProblem> survey_code_problem(const std::string& field, const std::string& code) {
  const auto& sd = LandUseClassTable::standard();
  if (sd.find(code)) return std::nullopt;
  if (const PlanningClass* p = PlanningClassTable::standard().find(code)) {
    auto sd_for = survey_codes_for(code);
    std::string hint = sd_for.empty() ? "" : "（对应的三调地类：" + joined(sd_for, "、") + "）";
    return AttributeProblem{
        field, "'" + code + "' 是用地用海分类（国土空间规划）的编码「" + p->name_zh +
                   "」，不是三调工作分类的地类编码；" + field + " 须用三调编码" + hint +
                   " / '" + code + "' is a 用地用海 planning code (" + p->name_en +
                   "), not a 三调 working-classification code; " + field + " takes 三调 codes"};
  }
  auto near = sd.nearest(code);
  return AttributeProblem{field, "未知的三调地类编码 '" + code + "'，最接近的已知编码：" +
                                     joined(near, "、") + " / unknown land-use class code '" +
                                     code + "'; nearest known codes: " + joined(near, ", ")};
}

std::optional<AttributeProblem> planning_code_problem(const std::string& field, const std::string& code) {
  const auto& yydh = PlanningClassTable::standard();
  if (yydh.find(code)) return std::nullopt;
  if (const LandUseClass* s = LandUseClassTable::standard().find(code)) {
    const ConversionRule& r = BaseConversion::standard().convert(code, "");
    std::vector<std::string> to;
    if (!r.yydh_code.empty()) to.push_back(r.yydh_code + " " + yydh.find(r.yydh_code)->name_zh);
    for (const auto& c : r.candidates) to.push_back(c + " " + yydh.find(c)->name_zh);
    std::string hint = to.empty() ? "" : "（基数转换对应：" + joined(to, "、") + "）";
    return AttributeProblem{
        field, "'" + code + "' 是三调工作分类的地类编码「" + s->name_zh +
                   "」，不是用地用海分类的编码；" + field + " 须用用地用海编码" + hint +
                   " / '" + code + "' is a 三调 survey code (" + s->name_en +
                   "), not a 用地用海 planning code; " + field + " takes 用地用海 codes"};
  }
  auto near = yydh.nearest(code);
  return AttributeProblem{field, "未知的用地用海编码 '" + code + "'，最接近的已知编码：" +
                                     joined(near, "、") + " / unknown 用地用海 code '" + code +
                                     "'; nearest known codes: " + joined(near, ", ")};
}

namespace {
std::optional<AttributeProblem> coded_field_problem(const Attributes& a, const std::string& field,
                                                    const char* name_zh) {
  auto v = attribute_text(a, field);
  if (!v || v->empty()) return std::nullopt;
  const auto& codes = SurveyCodeTable::standard();
  if (codes.find(field, *v)) return std::nullopt;
  std::vector<std::string> known;
  for (const auto* c : codes.of_field(field)) known.push_back(c->code);
  return AttributeProblem{field, std::string("未知的") + name_zh + " '" + *v + "'，应为 " +
                                     joined(known, "、") + " 之一 / unknown " + field + " '" + *v +
                                     "', expected one of " + joined(known, ", ")};
}
}  // namespace

std::optional<AttributeProblem> land_use_spot_problem(const Attributes& a) {
  auto code = land_use_code(a);
  if (!code)
    return AttributeProblem{"DLBM", "缺少地类编码 / a land-use layer needs the class code (field DLBM, or 'code')"};
  if (auto p = survey_code_problem("DLBM", *code)) return p;
  if (auto p = coded_field_problem(a, "CZCSXM", "城镇村属性码")) return p;
  if (auto p = coded_field_problem(a, "GDPDJB", "耕地坡度级别")) return p;
  if (auto p = coded_field_problem(a, "GDLX", "耕地类型")) return p;
  return std::nullopt;
}

std::optional<AttributeProblem> village_plan_zone_problem(const Attributes& a) {
  auto gh = attribute_text(a, "GHDLBM");
  if (!gh) return std::nullopt;
  return planning_code_problem("GHDLBM", *gh);
}

std::optional<AttributeProblem> planned_change_problem(const Attributes& a) {
  for (const char* field : {"from_code", "YDLBM", "to_code"})
    if (auto v = attribute_text(a, field))
      if (auto p = survey_code_problem(field, *v)) return p;
  return village_plan_zone_problem(a);
}

}  // namespace gz
