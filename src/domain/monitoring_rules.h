// Land-use monitoring rules (监测预警规则), read from data/monitoring.json: which change spots
// (变化图斑) between two versions of the land-use layer are warnings, at which severity (黄 / 橙 /
// 红), and the new cultivated land check of completed projects (新增耕地核定). The classes a rule
// speaks of are selected through the class table (data/land_use_classes.csv), never by literals.
// See docs/monitoring.md.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/land_use_classes.h"
#include "domain/layer.h"

namespace gz {

// Warning levels, lowest first: 黄 (yellow), 橙 (orange), 红 (red).
enum class Severity { yellow = 1, orange = 2, red = 3 };
std::string_view to_string(Severity s);     // "yellow" | "orange" | "red"
std::string_view chinese_name(Severity s);  // "黄" | "橙" | "红"
// Accepts 黄/橙/红 and yellow/orange/red; nullopt for anything else.
std::optional<Severity> parse_severity(std::string_view text);

// A set of land-use classes. `level1`, `code_prefix` and `adjustable` are alternatives (a class
// in any of them is selected; none given = every class); `cultivated`, `group` and `group_not`
// must all hold as well.
struct ClassSelector {
  std::vector<std::string> level1;       // first-level classes, e.g. "02", "03"
  std::vector<std::string> code_prefix;  // codes starting so, e.g. "1104" (1104, 1104A, 1104K)
  bool adjustable = false;               // every K code (可调整地类)
  std::optional<bool> cultivated;
  std::optional<LandGroup> group;
  std::optional<LandGroup> group_not;
  // `code` kNoLand (land present in only one of the two versions) is selected by a selector that
  // lists no classes and asks neither for cultivated land nor for a group: it is not cultivated
  // and of no group (so "cultivated → none" is cultivated land lost, "none → construction" is new
  // construction).
  bool matches(const std::string& code, const LandUseClassTable& classes) const;
};

// The class of land a version does not hold (a change spot's before class for added land, after
// class for removed land).
inline constexpr const char* kNoLand = "none";

// Severity raised by size: the highest step whose threshold the measure reaches applies.
struct SeverityStep {
  double min = 0;  // mu for change rules, the shortfall share for new_cultivated_shortfall
  Severity severity = Severity::yellow;
};

struct MonitoringRule {
  enum class Type {
    change,                    // a class change, optionally inside / outside control layers
    plan_deviation,            // a change inside a project area that its approved plan does not make
    new_cultivated_shortfall,  // claimed new cultivated land of a project vs the survey
  };
  std::string id, name_zh, name_en;
  Type type = Type::change;
  Severity severity = Severity::yellow;
  std::vector<SeverityStep> escalate;  // ascending min
  // change
  ClassSelector from, to;
  std::vector<LayerKind> inside;            // the part of the spot inside all these kinds
  std::vector<std::string> outside;         // the part outside all of: kinds, "village_plan:construction"
  // plan_deviation and new_cultivated_shortfall: the project states the rule looks at
  std::vector<std::string> project_states;
  double tolerance_share = 0;  // new_cultivated_shortfall: a shortfall up to this share is none
  Severity severity_for(double measure) const;
};

struct MonitoringRules {
  double min_area_m2 = 1.0;  // smaller change spots and rule hits are slivers, not changes
  std::vector<MonitoringRule> rules;
  const MonitoringRule* find(const std::string& id) const;
  // Throws InputError naming `origin`, the rule and the field on malformed input.
  static MonitoringRules parse(const std::string& json_text, const std::string& origin);
  static const MonitoringRules& standard();  // data_dir()/monitoring.json, read once
};

}  // namespace gz
