// Compliance rules, read from data/rules.json: which planned features are judged against which
// control layers, and how (overlap with the control, or the part outside allowed zones).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/land_use_classes.h"
#include "domain/layer.h"

namespace gz {

struct ControlRef {
  LayerKind kind;
  std::string zone_use;  // "construction" for village_plan:construction; empty = whole layer
  std::string text() const;
};

struct RuleCondition {
  std::vector<LayerKind> target_kinds;  // empty = any
  std::optional<bool> planned_change;   // has from_code/to_code
  std::vector<std::string> project_type_not_in;
  std::optional<bool> to_cultivated;
  std::optional<LandGroup> to_group;
  std::optional<LandGroup> from_group_not;
};

struct Rule {
  enum class Type { overlap, outside };
  std::string id, severity, name_zh, name_en;
  Type type = Type::overlap;
  std::vector<ControlRef> controls;
  RuleCondition when;
};

// What a finding does to the project it is found on (data/rules.json "binding"): nothing, an
// acknowledgement with a reason by the lead department before approval, or a block of approval
// and public notice until the plan changes.
enum class FindingEffect { none, acknowledge, block };
std::string_view to_string(FindingEffect e);

struct FindingBinding {
  std::map<std::string, FindingEffect> by_severity;  // "error" -> block …
  std::map<std::string, FindingEffect> by_rule;      // rule id -> effect, over its severity's
  // The rule's own entry, else its severity's, else none.
  FindingEffect effect(const std::string& rule_id, const std::string& severity) const;
};

struct RuleSet {
  double min_area_m2 = 1.0;
  std::vector<Rule> rules;
  FindingBinding binding;  // no "binding" section: no finding binds
  // Throws InputError naming the file and rule on malformed input.
  static RuleSet parse(const std::string& json_text, const std::string& source_name);
  static const RuleSet& standard();  // data_dir()/rules.json
};

// Whether `rule` judges a feature of a layer of `target_kind` with these attributes.
bool rule_applies(const Rule& rule, LayerKind target_kind, const Attributes& attributes,
                  const LandUseClassTable& classes);

}  // namespace gz
