#include "domain/rules.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/data_dir.h"
#include "common/error.h"
#include "domain/survey_fields.h"

namespace gz {

namespace {
LandGroup parse_group(const std::string& s, const std::string& source, const std::string& rule) {
  if (auto g = parse_land_group(s)) return *g;
  throw InputError(source, "rule " + rule, "when", "unknown land group '" + s + "'");
}
FindingEffect parse_effect(const nlohmann::json& v, const std::string& source,
                           const std::string& where) {
  std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  if (s == "none") return FindingEffect::none;
  if (s == "acknowledge") return FindingEffect::acknowledge;
  if (s == "block") return FindingEffect::block;
  throw InputError(source, "binding", where,
                   "unknown effect '" + s + "' (none, acknowledge or block)");
}

FindingBinding parse_binding(const nlohmann::json& b, const std::vector<Rule>& rules,
                             const std::string& source) {
  FindingBinding out;
  if (!b.is_object()) throw InputError(source, "binding", "", "must be an object");
  for (auto& [key, value] : b.items()) {
    if (key == "about") continue;
    if (key != "by_severity" && key != "by_rule")
      throw InputError(source, "binding", key, "unknown field (by_severity, by_rule)");
    if (!value.is_object()) throw InputError(source, "binding", key, "must be an object");
  }
  // Named copies: items() of a temporary would outlive it.
  const auto by_severity = b.value("by_severity", nlohmann::json::object());
  const auto by_rule = b.value("by_rule", nlohmann::json::object());
  for (auto& [severity, effect] : by_severity.items())
    out.by_severity[severity] = parse_effect(effect, source, "by_severity." + severity);
  for (auto& item : by_rule.items()) {
    // Named, not a structured binding: clang 14 (the fuzzing build) cannot capture one.
    const std::string& id = item.key();
    const auto& effect = item.value();
    if (std::none_of(rules.begin(), rules.end(), [&](const Rule& r) { return r.id == id; }))
      throw InputError(source, "binding", "by_rule." + id, "names no rule of this file");
    out.by_rule[id] = parse_effect(effect, source, "by_rule." + id);
  }
  return out;
}
}  // namespace

std::string_view to_string(FindingEffect e) {
  switch (e) {
    case FindingEffect::acknowledge: return "acknowledge";
    case FindingEffect::block: return "block";
    default: return "none";
  }
}

FindingEffect FindingBinding::effect(const std::string& rule_id, const std::string& severity) const {
  if (auto it = by_rule.find(rule_id); it != by_rule.end()) return it->second;
  if (auto it = by_severity.find(severity); it != by_severity.end()) return it->second;
  return FindingEffect::none;
}

std::string ControlRef::text() const {
  return std::string(to_string(kind)) + (zone_use.empty() ? "" : ":" + zone_use);
}

RuleSet RuleSet::parse(const std::string& json_text, const std::string& source) {
  RuleSet set;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(source, "", "", std::string("not valid JSON: ") + e.what());
  }
  set.min_area_m2 = j.value("min_area_m2", 1.0);
  if (!j.contains("rules") || !j["rules"].is_array()) throw InputError(source, "", "rules", "missing array");
  for (const auto& r : j["rules"]) {
    Rule rule;
    try {
      rule.id = r.at("id").get<std::string>();
      rule.severity = r.value("severity", "error");
      rule.name_zh = r.at("name_zh").get<std::string>();
      rule.name_en = r.at("name_en").get<std::string>();
      std::string type = r.at("type").get<std::string>();
      if (type == "overlap") rule.type = Rule::Type::overlap;
      else if (type == "outside") rule.type = Rule::Type::outside;
      else throw InputError(source, "rule " + rule.id, "type", "unknown rule type '" + type + "'");
      for (const auto& c : r.at("controls")) {
        std::string text = c.get<std::string>();
        ControlRef ref;
        auto colon = text.find(':');
        ref.kind = parse_layer_kind(text.substr(0, colon));
        if (colon != std::string::npos) ref.zone_use = text.substr(colon + 1);
        rule.controls.push_back(ref);
      }
      if (r.contains("when")) {
        const auto& w = r["when"];
        for (const auto& k : w.value("target_kinds", nlohmann::json::array()))
          rule.when.target_kinds.push_back(parse_layer_kind(k.get<std::string>()));
        if (w.contains("planned_change")) rule.when.planned_change = w["planned_change"].get<bool>();
        for (const auto& t : w.value("project_type_not_in", nlohmann::json::array()))
          rule.when.project_type_not_in.push_back(t.get<std::string>());
        if (w.contains("to_cultivated")) rule.when.to_cultivated = w["to_cultivated"].get<bool>();
        if (w.contains("to_group")) rule.when.to_group = parse_group(w["to_group"], source, rule.id);
        if (w.contains("from_group_not"))
          rule.when.from_group_not = parse_group(w["from_group_not"], source, rule.id);
      }
    } catch (const nlohmann::json::exception& e) {
      throw InputError(source, "rule " + (rule.id.empty() ? std::string("?") : rule.id), "",
                       std::string("malformed rule: ") + e.what());
    }
    set.rules.push_back(std::move(rule));
  }
  if (j.contains("binding")) set.binding = parse_binding(j["binding"], set.rules, source);
  return set;
}

const RuleSet& RuleSet::standard() {
  static const RuleSet set = [] {
    std::string path = data_dir() + "/rules.json";
    return parse(read_file(path), path);
  }();
  return set;
}

bool rule_applies(const Rule& rule, LayerKind target_kind, const Attributes& a,
                  const LandUseClassTable& classes) {
  const RuleCondition& w = rule.when;
  if (!w.target_kinds.empty() &&
      std::find(w.target_kinds.begin(), w.target_kinds.end(), target_kind) == w.target_kinds.end())
    return false;
  auto from = planned_from_code(a);
  // The target may be a 三调 code (to_code) or a 用地用海 code (GHDLBM); its group and whether
  // it is cultivated come from its own table.
  auto to = planned_target(a);
  bool change = planned_to_code(a).has_value();
  if (w.planned_change && *w.planned_change != change) return false;
  if (!w.project_type_not_in.empty()) {
    auto type = project_type(a);
    if (type && std::find(w.project_type_not_in.begin(), w.project_type_not_in.end(), *type) !=
                    w.project_type_not_in.end())
      return false;
  }
  if (w.to_cultivated) {
    if (!to || to->cultivated != *w.to_cultivated) return false;
  }
  if (w.to_group) {
    if (!to || to->group != *w.to_group) return false;
  }
  if (w.from_group_not) {
    const auto* c = from ? classes.find(*from) : nullptr;
    if (c && c->group == *w.from_group_not) return false;
  }
  return true;
}

}  // namespace gz
