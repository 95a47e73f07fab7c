// Pilot-rule indicators and their thresholds (data/indicators.json), and how a measured value is
// judged against them.
#pragma once

#include <string>
#include <vector>

namespace gz {

struct IndicatorRule {
  std::string id, name_zh, name_en, op;  // op: ">=" or "<="
  double threshold = 0;
  bool passes(double value) const;
};

struct IndicatorRules {
  std::vector<IndicatorRule> rules;
  const IndicatorRule& get(const std::string& id) const;  // throws InputError when missing
  static IndicatorRules parse(const std::string& json_text, const std::string& source_name);
  static const IndicatorRules& standard();
};

}  // namespace gz
