// The planning classification 国土空间调查、规划、用途管制用地用海分类指南 (2023), three levels
// (data/planning_classes.csv), and the base conversion 三调 → 用地用海 (基数转换,
// data/base_conversion.csv) with the classes that need a person's decision flagged. Village
// plans (CZGHTB: GHDLBM, GHDLMC) carry these codes; the zone use the checks need follows from the
// code. See docs/classes.md.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/land_use_classes.h"

namespace gz {

struct PlanningClass {
  std::string code;  // 2, 4 or 6 digits
  std::string name_zh, name_en;
  int level = 1;       // 1, 2 or 3 (from the code's length)
  std::string parent;  // "" for the first level
  LandGroup group = LandGroup::agricultural;
  bool cultivated = false;
  std::string zone_use;  // construction | agricultural | ecological (village-plan checks)
};

class PlanningClassTable {
 public:
  static PlanningClassTable parse(const std::string& csv, const std::string& source_name);
  static const PlanningClassTable& standard();  // data_dir()/planning_classes.csv

  const PlanningClass* find(const std::string& code) const;
  const std::vector<PlanningClass>& classes() const { return classes_; }
  // Up to `n` known codes closest to an unknown one, each "code name".
  std::vector<std::string> nearest(const std::string& code, std::size_t n = 3) const;

 private:
  std::vector<PlanningClass> classes_;
  std::map<std::string, std::size_t> by_code_;
};

// One row of the base conversion: a 三调 code (with a CZCSXM condition, or any) becomes the
// 用地用海 code `yydh_code`, decided down to that code's level. Finer levels, or every level when
// the code is empty, need a person's decision among `candidates`.
struct ConversionRule {
  std::string sd_code;
  std::string czcs;       // "" = any
  std::string yydh_code;  // "" = not even the first level is decided
  std::string decision;   // same_name | renamed | by_czcs | person
  std::vector<std::string> candidates;
  std::string note_zh;
  // The 用地用海 code at `level` (1 or 2), or nullopt when a person must decide it.
  std::optional<std::string> at_level(int level) const;
};

class BaseConversion {
 public:
  // Every 三调 code of `from` must have a rule without a CZCSXM condition and every 用地用海 code
  // named must exist in `to`; throws InputError naming the line otherwise.
  static BaseConversion parse(const std::string& csv, const std::string& source_name,
                              const LandUseClassTable& from, const PlanningClassTable& to);
  static const BaseConversion& standard();  // data_dir()/base_conversion.csv

  // The first rule for the code whose CZCSXM condition holds.
  const ConversionRule& convert(const std::string& sd_code, const std::string& czcs) const;
  const std::vector<ConversionRule>& rules() const { return rules_; }
  // The 三调 class of the same name as the 用地用海 class `yydh_code`: the one class whose rule
  // without a CZCSXM condition is same_name to exactly that code (K codes, counted in their base
  // class, aside), or nullptr when there is none (the code has no 三调 counterpart, or only a
  // renamed or a person's decision leads to it). Never guessed.
  const LandUseClass* same_name_survey_class(const std::string& yydh_code) const;

 private:
  std::vector<ConversionRule> rules_;
  std::multimap<std::string, std::size_t> by_code_;
};

// Coded attributes of a 三调 spot other than the class: CZCSXM, GDPDJB, GDLX
// (data/survey_attribute_codes.csv). `count_as` folds 201A into 201 and T into TT.
struct SurveyCode {
  std::string field, code, name_zh, name_en, count_as;
};
class SurveyCodeTable {
 public:
  static SurveyCodeTable parse(const std::string& csv, const std::string& source_name);
  static const SurveyCodeTable& standard();  // data_dir()/survey_attribute_codes.csv
  const SurveyCode* find(const std::string& field, const std::string& code) const;
  // Codes of a field in file order.
  std::vector<const SurveyCode*> of_field(const std::string& field) const;

 private:
  std::vector<SurveyCode> codes_;
};

}  // namespace gz
