#include "domain/monitoring_rules.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/data_dir.h"
#include "common/error.h"
#include "domain/project.h"

namespace gz {

std::string_view to_string(Severity s) {
  switch (s) {
    case Severity::red: return "red";
    case Severity::orange: return "orange";
    default: return "yellow";
  }
}

std::string_view chinese_name(Severity s) {
  switch (s) {
    case Severity::red: return "红";
    case Severity::orange: return "橙";
    default: return "黄";
  }
}

std::optional<Severity> parse_severity(std::string_view t) {
  if (t == "黄" || t == "yellow") return Severity::yellow;
  if (t == "橙" || t == "orange") return Severity::orange;
  if (t == "红" || t == "red") return Severity::red;
  return std::nullopt;
}

bool ClassSelector::matches(const std::string& code, const LandUseClassTable& classes) const {
  if (code == kNoLand)
    return level1.empty() && code_prefix.empty() && !adjustable && cultivated != true && !group;
  const LandUseClass* c = classes.find(code);
  if (!c) return false;
  bool listed = level1.empty() && code_prefix.empty() && !adjustable;
  if (!listed && std::find(level1.begin(), level1.end(), c->level1_code) != level1.end()) listed = true;
  if (!listed)
    for (const auto& p : code_prefix)
      if (code.compare(0, p.size(), p) == 0) listed = true;
  if (!listed && adjustable && c->kind == ClassKind::adjustable) listed = true;
  if (!listed) return false;
  if (cultivated && c->cultivated != *cultivated) return false;
  if (group && c->group != *group) return false;
  if (group_not && c->group == *group_not) return false;
  return true;
}

Severity MonitoringRule::severity_for(double measure) const {
  Severity s = severity;
  for (const auto& step : escalate)
    if (measure >= step.min) s = std::max(s, step.severity);
  return s;
}

const MonitoringRule* MonitoringRules::find(const std::string& id) const {
  for (const auto& r : rules)
    if (r.id == id) return &r;
  return nullptr;
}

namespace {
using nlohmann::json;

struct Reader {
  const std::string& origin;
  std::string rule;
  [[noreturn]] void fail(const std::string& field, const std::string& reason) const {
    throw InputError(origin, rule.empty() ? "" : "rule " + rule, field, reason);
  }
  std::string text(const json& j, const char* key, bool required = true) const {
    if (!j.contains(key)) {
      if (required) fail(key, "missing");
      return {};
    }
    if (!j[key].is_string() || j[key].get<std::string>().empty()) fail(key, "must be a non-empty string");
    return j[key].get<std::string>();
  }
  std::vector<std::string> texts(const json& j, const char* key, const std::string& where) const {
    std::vector<std::string> out;
    if (!j.contains(key)) return out;
    if (!j[key].is_array()) fail(where + "." + key, "must be an array of strings");
    for (const auto& v : j[key]) {
      if (!v.is_string()) fail(where + "." + key, "must be an array of strings");
      out.push_back(v.get<std::string>());
    }
    return out;
  }
  Severity severity(const json& v, const std::string& field) const {
    if (v.is_string())
      if (auto s = parse_severity(v.get<std::string>())) return *s;
    fail(field, "unknown severity " + v.dump() + " (黄, 橙 or 红)");
  }
  LandGroup group(const json& v, const std::string& field) const {
    if (v.is_string())
      if (auto g = parse_land_group(v.get<std::string>())) return *g;
    fail(field, "unknown land group " + v.dump() + " (agricultural, construction, unused)");
  }
  ClassSelector selector(const json& j, const char* key) const {
    ClassSelector s;
    if (!j.contains(key)) return s;
    const json& o = j[key];
    if (!o.is_object()) fail(key, "must be an object");
    const auto& classes = LandUseClassTable::standard();
    for (auto& [k, v] : o.items()) {
      std::string field = std::string(key) + "." + k;
      if (k == "level1" || k == "code_prefix") continue;
      if (k == "adjustable") {
        if (!v.is_boolean()) fail(field, "must be true or false");
        s.adjustable = v.get<bool>();
      } else if (k == "cultivated") {
        if (!v.is_boolean()) fail(field, "must be true or false");
        s.cultivated = v.get<bool>();
      } else if (k == "group") {
        s.group = group(v, field);
      } else if (k == "group_not") {
        s.group_not = group(v, field);
      } else {
        fail(field, "unknown field (level1, code_prefix, adjustable, cultivated, group, group_not)");
      }
    }
    s.level1 = texts(o, "level1", key);
    s.code_prefix = texts(o, "code_prefix", key);
    for (const auto& l : s.level1)
      if (std::none_of(classes.classes().begin(), classes.classes().end(),
                       [&](const LandUseClass& c) { return c.level1_code == l; }))
        fail(std::string(key) + ".level1", "no first-level class '" + l + "' in land_use_classes.csv");
    for (const auto& p : s.code_prefix)
      if (std::none_of(classes.classes().begin(), classes.classes().end(),
                       [&](const LandUseClass& c) { return c.code.compare(0, p.size(), p) == 0; }))
        fail(std::string(key) + ".code_prefix", "no class code starts with '" + p + "'");
    return s;
  }
};
}  // namespace

MonitoringRules MonitoringRules::parse(const std::string& json_text, const std::string& origin) {
  json j;
  try {
    j = json::parse(json_text);
  } catch (const json::parse_error& e) {
    throw InputError(origin, "", "", std::string("not valid JSON: ") + e.what());
  }
  Reader rd{origin, ""};
  if (!j.is_object()) rd.fail("", "must be a JSON object");
  MonitoringRules out;
  if (j.contains("min_area_m2")) {
    if (!j["min_area_m2"].is_number() || j["min_area_m2"].get<double>() < 0)
      rd.fail("min_area_m2", "must be a number ≥ 0");
    out.min_area_m2 = j["min_area_m2"].get<double>();
  }
  if (!j.contains("rules") || !j["rules"].is_array()) rd.fail("rules", "must be an array");
  for (const auto& r : j["rules"]) {
    rd.rule = "";
    if (!r.is_object()) rd.fail("rules", "every rule must be an object");
    MonitoringRule m;
    m.id = rd.text(r, "id");
    rd.rule = m.id;
    if (out.find(m.id)) rd.fail("id", "appears twice");
    m.name_zh = rd.text(r, "name_zh");
    m.name_en = rd.text(r, "name_en");
    std::string type = rd.text(r, "type");
    if (type == "change") m.type = MonitoringRule::Type::change;
    else if (type == "plan_deviation") m.type = MonitoringRule::Type::plan_deviation;
    else if (type == "new_cultivated_shortfall") m.type = MonitoringRule::Type::new_cultivated_shortfall;
    else rd.fail("type", "unknown type '" + type + "' (change, plan_deviation, new_cultivated_shortfall)");
    if (!r.contains("severity")) rd.fail("severity", "missing");
    m.severity = rd.severity(r["severity"], "severity");
    const char* step_key = m.type == MonitoringRule::Type::new_cultivated_shortfall ? "min_share" : "min_mu";
    if (r.contains("escalate")) {
      if (!r["escalate"].is_array()) rd.fail("escalate", "must be an array");
      for (const auto& s : r["escalate"]) {
        if (!s.is_object() || !s.contains(step_key) || !s[step_key].is_number() || !s.contains("severity"))
          rd.fail("escalate", std::string("every step needs a number ") + step_key + " and a severity");
        m.escalate.push_back({s[step_key].get<double>(), rd.severity(s["severity"], "escalate.severity")});
      }
      std::sort(m.escalate.begin(), m.escalate.end(),
                [](const SeverityStep& a, const SeverityStep& b) { return a.min < b.min; });
    }
    if (m.type == MonitoringRule::Type::change) {
      m.from = rd.selector(r, "from");
      m.to = rd.selector(r, "to");
      for (const auto& k : rd.texts(r, "inside", "")) {
        try {
          m.inside.push_back(parse_layer_kind(k));
        } catch (const UsageError& e) {
          rd.fail("inside", e.what());
        }
      }
      for (const auto& k : rd.texts(r, "outside", "")) {
        std::string kind = k.substr(0, k.find(':'));
        try {
          parse_layer_kind(kind);
        } catch (const UsageError& e) {
          rd.fail("outside", e.what());
        }
        if (k.find(':') != std::string::npos && k != "village_plan:construction")
          rd.fail("outside", "'" + k + "': only village_plan:construction names zones of a layer");
        m.outside.push_back(k);
      }
      if (!m.inside.empty() && !m.outside.empty()) rd.fail("inside", "a rule measures inside or outside, not both");
    } else {
      m.project_states = rd.texts(r, "project_states", "");
      if (m.project_states.empty()) rd.fail("project_states", "must list at least one project state");
      for (const auto& st : m.project_states) {
        try {
          parse_project_state(st);
        } catch (const UsageError& e) {
          rd.fail("project_states", e.what());
        }
      }
      if (r.contains("tolerance_share")) {
        if (!r["tolerance_share"].is_number() || r["tolerance_share"].get<double>() < 0)
          rd.fail("tolerance_share", "must be a number ≥ 0");
        m.tolerance_share = r["tolerance_share"].get<double>();
      }
    }
    out.rules.push_back(std::move(m));
  }
  return out;
}

const MonitoringRules& MonitoringRules::standard() {
  static const MonitoringRules rules = [] {
    std::string path = data_dir() + "/monitoring.json";
    return parse(read_file(path), path);
  }();
  return rules;
}

}  // namespace gz
