#include "services/scheme_json.h"

#include "domain/land_use_classes.h"

namespace gz::services {

using nlohmann::json;

namespace {
std::string yuan(std::int64_t fen) {
  std::string sign = fen < 0 ? "-" : "";
  std::int64_t a = fen < 0 ? -fen : fen;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s%lld.%02lld", sign.c_str(), static_cast<long long>(a / 100),
                static_cast<long long>(a % 100));
  return buf;
}
}  // namespace

json scheme_json(const SchemeRecord& s, bool documents) {
  json a = s.assessment_json.empty() ? json::object() : json::parse(s.assessment_json);
  json j = {{"id", s.id},
            {"code", s.code},
            {"unit", s.unit},
            {"region_code", s.region_code},
            {"name", s.name},
            {"description", s.description},
            {"cost_fen", s.cost_fen},
            {"cost_yuan", yuan(s.cost_fen)},
            {"area_m2", s.area_m2},
            {"changes", s.changes},
            {"plan_hash", s.plan_hash},
            {"criteria", a.value("criteria", json::object())},
            {"potential", a.value("potential", json::object())},
            {"social", a.value("social", json::object())},
            {"created_by", s.created_by},
            {"created_at", s.created_at},
            {"scenario", s.scenario_layer.empty()
                             ? json(nullptr)
                             : json{{"layer", s.scenario_layer},
                                    {"version", s.scenario_version},
                                    {"simulated_by", s.simulated_by},
                                    {"simulated_at", s.simulated_at}}}};
  json risks = a.value("risks", json::object());
  if (!documents && risks.contains("findings")) {
    risks["findings_count"] = risks["findings"].size();
    risks.erase("findings");
  }
  j["risks"] = risks;
  if (documents) {
    j["plan"] = s.plan_json.empty() ? json(nullptr) : json::parse(s.plan_json);
    j["balance"] = a.value("balance", json::object());
    j["land_use"] = a.value("land_use", json::object());
  }
  return j;
}

json comparison_json(const SchemeComparison& c) {
  json criteria = json::array();
  for (std::size_t k = 0; k < c.criteria.size(); ++k) {
    const auto& x = c.criteria[k];
    json e = {{"id", x.id},
              {"name_zh", x.name_zh},
              {"name_en", x.name_en},
              {"unit", x.unit},
              {"direction", x.direction == CriterionDirection::benefit ? "benefit" : "cost"},
              {"weight", c.weights[k]}};
    if (c.entropy) {
      e["entropy"] = c.entropy->entropy[k];
      e["divergence"] = c.entropy->divergence[k];
    }
    criteria.push_back(e);
  }
  json schemes = json::array();
  for (std::size_t i = 0; i < c.schemes.size(); ++i) {
    const auto& s = c.schemes[i];
    const auto& row = c.topsis.rows[i];
    json cells = json::array();
    for (std::size_t k = 0; k < row.cells.size(); ++k) {
      const auto& cell = row.cells[k];
      cells.push_back({{"criterion", c.criteria[k].id},
                       {"value", cell.value},
                       {"normalised", cell.normalised},
                       {"weight", c.weights[k]},
                       {"weighted", cell.weighted},
                       {"ideal", cell.ideal},
                       {"anti_ideal", cell.anti_ideal},
                       {"to_ideal_sq", cell.to_ideal_sq},
                       {"to_anti_ideal_sq", cell.to_anti_sq},
                       {"contribution", cell.contribution}});
    }
    schemes.push_back({{"id", s.id},
                       {"code", s.code},
                       {"name", s.name},
                       {"rank", row.rank},
                       {"closeness", row.closeness},
                       {"d_plus", row.d_plus},
                       {"d_minus", row.d_minus},
                       {"social", s.assessment_json.empty()
                                      ? json::object()
                                      : json::parse(s.assessment_json).value("social", json::object())},
                       {"explanation", cells}});
  }
  json ranking = json::array();
  std::vector<std::size_t> order(c.schemes.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return c.topsis.rows[a].rank < c.topsis.rows[b].rank; });
  for (auto i : order) ranking.push_back(c.schemes[i].code);
  json j = {{"unit", c.unit},
            {"method", "topsis"},
            {"weights_method", c.weights_method},
            {"criteria", criteria},
            {"schemes", schemes},
            {"ranking", ranking},
            {"all_equal", c.topsis.all_equal},
            {"notes_zh", c.notes_zh},
            {"notes_en", c.notes_en}};
  if (c.entropy) j["entropy_uniform_fallback"] = c.entropy->uniform_fallback;
  if (c.ahp) {
    json worst = json::array();
    for (const auto& p : c.ahp->most_inconsistent)
      worst.push_back({{"row", p.row}, {"col", p.col}, {"value", p.value}, {"weights_ratio", p.expected}});
    j["ahp"] = {{"lambda_max", c.ahp->lambda_max}, {"ci", c.ahp->ci},         {"ri", c.ahp->ri},
                {"cr", c.ahp->cr},                 {"iterations", c.ahp->iterations},
                {"most_inconsistent", worst}};
  }
  return j;
}

json simulation_json(const SimulationResult& r) {
  json rows = json::array();
  std::map<std::string, double> measured;
  for (const auto& m : r.measured) measured[m.code] = m.before_m2;
  for (const auto& row : r.balance.rows) {
    rows.push_back({{"code", row.code},
                    {"name_zh", balance_row_name(row.code, true)},
                    {"name_en", balance_row_name(row.code, false)},
                    {"before_m2", row.before_m2},
                    {"after_m2", row.after_m2},
                    {"change_m2", row.after_m2 - row.before_m2},
                    {"scenario_m2", measured.count(row.code) ? measured[row.code] : 0.0}});
  }
  json ind = json::array();
  for (const auto& i : r.balance.indicators)
    ind.push_back({{"id", i.rule->id},
                   {"name_zh", i.rule->name_zh},
                   {"name_en", i.rule->name_en},
                   {"op", i.rule->op},
                   {"threshold", i.rule->threshold},
                   {"value", i.value},
                   {"applicable", i.applicable},
                   {"passed", i.passed},
                   {"basis", i.basis}});
  return {{"scheme", scheme_json(r.scheme, false)},
          {"original", {{"layer", r.original.layer}, {"version", r.original.version}}},
          {"scenario",
           {{"layer", r.scenario.layer},
            {"version", r.scenario.version},
            {"features", r.scenario.feature_count},
            {"source", r.scenario.source}}},
          {"area_m2", r.balance.project_area_m2},
          {"rows", rows},
          {"cultivated", {{"before_m2", r.balance.cultivated_before}, {"after_m2", r.balance.cultivated_after}}},
          {"construction",
           {{"before_m2", r.balance.construction_before}, {"after_m2", r.balance.construction_after}}},
          {"indicators", ind},
          {"all_passed", r.balance.all_passed()},
          {"max_deviation_m2", r.max_deviation_m2}};
}

}  // namespace gz::services
