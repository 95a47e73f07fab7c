// Compliance rules, read from data/rules.json: which planned features are judged against which
// control layers, and how (overlap with the control, or the part outside allowed zones).
#pragma once

#include <optional>
#include <string>
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

struct RuleSet {
  double min_area_m2 = 1.0;
  std::vector<Rule> rules;
  // Throws InputError naming the file and rule on malformed input.
  static RuleSet parse(const std::string& json_text, const std::string& source_name);
  static const RuleSet& standard();  // data_dir()/rules.json
};

// Whether `rule` judges a feature of a layer of `target_kind` with these attributes.
bool rule_applies(const Rule& rule, LayerKind target_kind, const Attributes& attributes,
                  const LandUseClassTable& classes);

}  // namespace gz
