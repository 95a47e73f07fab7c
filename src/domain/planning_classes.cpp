#include "domain/planning_classes.h"

#include <sstream>

#include "common/csv_table.h"
#include "common/data_dir.h"
#include "common/error.h"

namespace gz {

PlanningClassTable PlanningClassTable::parse(const std::string& csv, const std::string& source_name) {
  PlanningClassTable t;
  CsvTable in = CsvTable::parse(csv, source_name);
  std::size_t c_code = in.column("code"), c_zh = in.column("name_zh"), c_en = in.column("name_en"),
              c_group = in.column("group"), c_cult = in.column("cultivated"),
              c_use = in.column("zone_use");
  for (std::size_t r = 0; r < in.rows().size(); ++r) {
    const auto& f = in.rows()[r];
    std::string where = "line " + std::to_string(in.line_of(r));
    PlanningClass c;
    c.code = f[c_code];
    if (c.code.size() != 2 && c.code.size() != 4 && c.code.size() != 6)
      throw InputError(source_name, where, "code", "a code has 2, 4 or 6 digits: '" + c.code + "'");
    c.level = static_cast<int>(c.code.size() / 2);
    c.parent = c.level == 1 ? "" : c.code.substr(0, c.code.size() - 2);
    if (!c.parent.empty() && !t.by_code_.count(c.parent))
      throw InputError(source_name, where, "code", "parent " + c.parent + " of " + c.code + " comes first");
    c.name_zh = f[c_zh];
    c.name_en = f[c_en];
    auto g = parse_land_group(f[c_group]);
    if (!g) throw InputError(source_name, where, "group", "unknown group '" + f[c_group] + "'");
    c.group = *g;
    c.cultivated = f[c_cult] == "1";
    c.zone_use = f[c_use];
    if (c.zone_use != "construction" && c.zone_use != "agricultural" && c.zone_use != "ecological")
      throw InputError(source_name, where, "zone_use", "unknown zone use '" + c.zone_use + "'");
    if (t.by_code_.count(c.code)) throw InputError(source_name, where, "code", "duplicate code " + c.code);
    t.by_code_[c.code] = t.classes_.size();
    t.classes_.push_back(std::move(c));
  }
  if (t.classes_.empty()) throw InputError(source_name, "", "", "no planning classes");
  return t;
}

const PlanningClassTable& PlanningClassTable::standard() {
  static const PlanningClassTable table = [] {
    std::string path = data_dir() + "/planning_classes.csv";
    return parse(read_file(path), path);
  }();
  return table;
}

const PlanningClass* PlanningClassTable::find(const std::string& code) const {
  auto it = by_code_.find(code);
  return it == by_code_.end() ? nullptr : &classes_[it->second];
}

std::vector<std::string> PlanningClassTable::nearest(const std::string& code, std::size_t n) const {
  return nearest_classes(*this, code, n);
}

std::optional<std::string> ConversionRule::at_level(int level) const {
  std::size_t digits = static_cast<std::size_t>(2 * level);
  if (yydh_code.size() < digits) return std::nullopt;
  return yydh_code.substr(0, digits);
}

BaseConversion BaseConversion::parse(const std::string& csv, const std::string& source_name,
                                     const LandUseClassTable& from, const PlanningClassTable& to) {
  BaseConversion b;
  CsvTable in = CsvTable::parse(csv, source_name);
  std::size_t c_sd = in.column("sd_code"), c_czcs = in.column("czcs"), c_to = in.column("yydh_code"),
              c_dec = in.column("decision"), c_cand = in.column("candidates"), c_note = in.column("note_zh");
  for (std::size_t r = 0; r < in.rows().size(); ++r) {
    const auto& f = in.rows()[r];
    std::string where = "line " + std::to_string(in.line_of(r));
    ConversionRule rule{f[c_sd], f[c_czcs], f[c_to], f[c_dec], {}, f[c_note]};
    std::istringstream cand(f[c_cand]);
    for (std::string c; cand >> c;) rule.candidates.push_back(c);
    if (!from.find(rule.sd_code))
      throw InputError(source_name, where, "sd_code", "'" + rule.sd_code + "' is no 三调 code");
    for (const auto& c : rule.candidates)
      if (!to.find(c)) throw InputError(source_name, where, "candidates", "'" + c + "' is no 用地用海 code");
    if (!rule.yydh_code.empty() && !to.find(rule.yydh_code))
      throw InputError(source_name, where, "yydh_code", "'" + rule.yydh_code + "' is no 用地用海 code");
    if (rule.decision != "same_name" && rule.decision != "renamed" && rule.decision != "by_czcs" &&
        rule.decision != "person")
      throw InputError(source_name, where, "decision", "unknown decision '" + rule.decision + "'");
    if ((rule.decision == "person") != (rule.yydh_code.size() < 4))
      throw InputError(source_name, where, "decision",
                       "a rule needs a person's decision exactly when it stops above the second level");
    b.by_code_.emplace(rule.sd_code, b.rules_.size());
    b.rules_.push_back(std::move(rule));
  }
  for (const auto& c : from.classes()) {
    bool catch_all = false;
    for (auto [it, end] = b.by_code_.equal_range(c.code); it != end; ++it)
      catch_all = catch_all || b.rules_[it->second].czcs.empty();
    if (!catch_all)
      throw InputError(source_name, c.code, "sd_code", "no rule converts 三调 code " + c.code);
  }
  return b;
}

const BaseConversion& BaseConversion::standard() {
  static const BaseConversion conversion = [] {
    std::string path = data_dir() + "/base_conversion.csv";
    return parse(read_file(path), path, LandUseClassTable::standard(), PlanningClassTable::standard());
  }();
  return conversion;
}

const ConversionRule& BaseConversion::convert(const std::string& sd_code, const std::string& czcs) const {
  const ConversionRule* any = nullptr;
  for (auto [it, end] = by_code_.equal_range(sd_code); it != end; ++it) {
    const ConversionRule& r = rules_[it->second];
    if (r.czcs == czcs && !czcs.empty()) return r;
    if (r.czcs.empty() && !any) any = &r;
  }
  if (!any) throw InputError("base conversion", sd_code, "DLBM", "no rule converts 三调 code " + sd_code);
  return *any;
}

const LandUseClass* BaseConversion::same_name_survey_class(const std::string& yydh_code) const {
  const auto& table = LandUseClassTable::standard();
  const LandUseClass* found = nullptr;
  for (const auto& r : rules_) {
    if (r.decision != "same_name" || !r.czcs.empty() || r.yydh_code != yydh_code) continue;
    const LandUseClass* c = table.find(r.sd_code);
    if (!c || c->kind == ClassKind::adjustable) continue;
    if (found && found != c) return nullptr;  // two 三调 classes: not one counterpart
    found = c;
  }
  return found;
}

SurveyCodeTable SurveyCodeTable::parse(const std::string& csv, const std::string& source_name) {
  SurveyCodeTable t;
  CsvTable in = CsvTable::parse(csv, source_name);
  std::size_t c_field = in.column("field"), c_code = in.column("code"), c_zh = in.column("name_zh"),
              c_en = in.column("name_en"), c_as = in.column("count_as");
  for (const auto& f : in.rows())
    t.codes_.push_back({f[c_field], f[c_code], f[c_zh], f[c_en], f[c_as].empty() ? f[c_code] : f[c_as]});
  return t;
}

const SurveyCodeTable& SurveyCodeTable::standard() {
  static const SurveyCodeTable table = [] {
    std::string path = data_dir() + "/survey_attribute_codes.csv";
    return parse(read_file(path), path);
  }();
  return table;
}

const SurveyCode* SurveyCodeTable::find(const std::string& field, const std::string& code) const {
  for (const auto& c : codes_)
    if (c.field == field && c.code == code) return &c;
  return nullptr;
}

std::vector<const SurveyCode*> SurveyCodeTable::of_field(const std::string& field) const {
  std::vector<const SurveyCode*> out;
  for (const auto& c : codes_)
    if (c.field == field) out.push_back(&c);
  return out;
}

}  // namespace gz
