#include "services/land_indicators.h"

#include <cmath>
#include <cstdio>
#include <algorithm>
#include <map>
#include <set>
#include <nlohmann/json.hpp>

#include "common/data_dir.h"
#include "common/error.h"
#include "domain/funds.h"
#include "domain/land_use_classes.h"
#include "geo/ellipsoid.h"
#include "geo/geometry.h"
#include "services/land_use_balance.h"
#include "services/plan_features.h"
#include "services/request_text.h"
#include "storage/sql_identity_store.h"

namespace gz::services {

using json = nlohmann::json;
using storage::ProjectRecord;
using storage::ProjectTx;

namespace {

constexpr const char* kTables = R"sql(
CREATE TABLE IF NOT EXISTS land_indicators(
  id {id}, project_id bigint NOT NULL REFERENCES projects(id), kind text NOT NULL,
  quality_grade bigint NOT NULL DEFAULT 0, plots_json text NOT NULL,
  created_by text NOT NULL, created_at text NOT NULL);
CREATE INDEX IF NOT EXISTS land_indicators_by_project ON land_indicators(project_id);
CREATE TABLE IF NOT EXISTS land_indicator_movements(
  id {id}, indicator_id bigint NOT NULL REFERENCES land_indicators(id), kind text NOT NULL,
  area_units bigint NOT NULL CHECK (area_units > 0),
  target_project_id bigint NOT NULL DEFAULT 0, buyer_region_code text NOT NULL DEFAULT '',
  buyer_name text NOT NULL DEFAULT '', price_fen bigint NOT NULL DEFAULT 0 CHECK (price_fen >= 0),
  fund_source_id bigint NOT NULL DEFAULT 0, replaced_grade bigint NOT NULL DEFAULT 0,
  note text NOT NULL, actor text NOT NULL, time text NOT NULL);
CREATE INDEX IF NOT EXISTS land_indicator_movements_by_indicator ON
  land_indicator_movements(indicator_id);
CREATE TABLE IF NOT EXISTS land_indicator_use_plots(
  movement_id bigint NOT NULL REFERENCES land_indicator_movements(id), kind text NOT NULL,
  target_project_id bigint NOT NULL, change_index bigint NOT NULL,
  area_units bigint NOT NULL CHECK (area_units > 0), PRIMARY KEY(movement_id, change_index));
CREATE INDEX IF NOT EXISTS land_indicator_use_plots_by_target ON
  land_indicator_use_plots(target_project_id);
)sql";

constexpr const char* kSqliteGuards[] = {
    "CREATE TRIGGER IF NOT EXISTS land_indicator_movements_no_update BEFORE UPDATE ON "
    "land_indicator_movements BEGIN SELECT RAISE(ABORT, 'indicator movements are immutable'); END",
    "CREATE TRIGGER IF NOT EXISTS land_indicator_movements_no_delete BEFORE DELETE ON "
    "land_indicator_movements BEGIN SELECT RAISE(ABORT, 'indicator movements are immutable'); END"};
constexpr const char* kPostgresGuards[] = {
    "CREATE OR REPLACE FUNCTION land_indicator_movements_immutable() RETURNS trigger LANGUAGE "
    "plpgsql AS $$ BEGIN RAISE EXCEPTION 'indicator movements are immutable'; END $$",
    "CREATE OR REPLACE TRIGGER land_indicator_movements_immutable BEFORE UPDATE OR DELETE ON "
    "land_indicator_movements FOR EACH ROW EXECUTE FUNCTION land_indicator_movements_immutable()"};

std::string num(std::int64_t v) { return std::to_string(v); }
std::int64_t to_int(const std::string& s) { return s.empty() ? 0 : std::stoll(s); }
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// "1234.56 m²（1.8518 亩）" from hundredths of a m².
std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}
std::string area_zh(std::int64_t units) {
  return fixed(m2_of(units), 2) + " m²（" + fixed(mu_of(units), 4) + " 亩）";
}
std::string area_en(std::int64_t units) {
  return fixed(m2_of(units), 2) + " m² (" + fixed(mu_of(units), 4) + " mu)";
}

bool accepted_state(ProjectState s) {
  return s == ProjectState::accepted || s == ProjectState::evaluated || s == ProjectState::maintenance;
}

void check_area(double m2, const char* field) {
  if (!std::isfinite(m2) || m2 <= 0 || m2 > 1e10)
    throw InvalidRequest("invalid_area", std::string("面积 ") + field + " 应为大于 0、不超过 10^10 m² 的数",
                         std::string("field ") + field + " must be an area above 0 and at most 10^10 m²");
}

const char* kLead = "自然资源局";

void require_lead(const User& user, const ProjectRecord& p) {
  if (!has_grant_over(user, {Role::lead_department}, p.region_code))
    throw Forbidden("not_lead_department", "只有项目所在区域的牵头部门（" + std::string(kLead) + "）可以登记和处置指标",
                    "only the lead department over the project's region may register, use or "
                    "transfer its land indicators");
}

[[noreturn]] void refuse(const IndicatorRule& r, const std::string& figures_zh,
                         const std::string& figures_en) {
  throw RuleError(r.id, "违反规则“" + r.name_zh + "”：" + figures_zh,
                  "breaks the rule '" + r.name_en + "' (" + r.id + "): " + figures_en);
}

// The months after `iso` ("2026-01-15T…"), keeping the rest of the text: compared as strings.
std::string add_months(const std::string& iso, std::int64_t months) {
  if (iso.size() < 7) return iso;
  int y = std::stoi(iso.substr(0, 4)), m = std::stoi(iso.substr(5, 2));
  std::int64_t total = y * 12LL + (m - 1) + months;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld", static_cast<long long>(total / 12),
                static_cast<long long>(total % 12 + 1));
  return buf + iso.substr(7);
}

struct PlanPlots {
  std::vector<IndicatorPlot> chaijiu, jianxin, new_cultivated;
  std::int64_t sum(const std::vector<IndicatorPlot>& v) const {
    std::int64_t s = 0;
    for (const auto& p : v) s += p.area_units;
    return s;
  }
};

PlanPlots plan_plots(const ProjectRecord& p) {
  PlanPlots out;
  json plan = json::parse(p.plan_json.empty() ? "{}" : p.plan_json, nullptr, false);
  if (!plan.is_object()) return out;
  const auto& classes = LandUseClassTable::standard();
  auto changes = plan.value("changes", json::array());
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const auto& c = changes[i];
    if (!c.is_object() || !c.contains("geometry")) continue;
    std::string from = c.value("from_code", std::string());
    auto to = change_target(c);
    if (!to) continue;
    bool from_construction = !from.empty() && classes.is_construction(from);
    bool to_construction = to->group == LandGroup::construction;
    bool new_cultivated = to->cultivated && !(!from.empty() && classes.is_cultivated(from));
    if (!from_construction && !to_construction && !new_cultivated) continue;
    IndicatorPlot plot;
    plot.change_index = static_cast<int>(i);
    plot.from_code = from;
    plot.to_code = to->code;
    plot.geometry_json = c["geometry"].dump();
    plot.area_units = area_units_from_m2(
        geo::ellipsoidal_area_m2(geo::Geometry::from_geojson(plot.geometry_json)));
    if (from_construction && !to_construction) {
      plot.role = "chaijiu";
      out.chaijiu.push_back(plot);
    }
    if (!from_construction && to_construction) {
      plot.role = "jianxin";
      out.jianxin.push_back(plot);
    }
    if (new_cultivated) {
      plot.role = "new_cultivated";
      out.new_cultivated.push_back(plot);
    }
  }
  return out;
}

json plots_json(const std::vector<IndicatorPlot>& plots) {
  json a = json::array();
  for (const auto& p : plots)
    a.push_back({{"change_index", p.change_index}, {"role", p.role}, {"from_code", p.from_code},
                 {"to_code", p.to_code}, {"area_units", p.area_units},
                 {"geometry", json::parse(p.geometry_json)}});
  return a;
}

std::vector<IndicatorPlot> plots_of(const std::string& text) {
  std::vector<IndicatorPlot> out;
  for (const auto& j : json::parse(text)) {
    IndicatorPlot p;
    p.change_index = j.value("change_index", 0);
    p.role = j.value("role", "");
    p.from_code = j.value("from_code", "");
    p.to_code = j.value("to_code", "");
    p.area_units = j.value("area_units", std::int64_t{0});
    p.geometry_json = j.contains("geometry") ? j["geometry"].dump() : "null";
    out.push_back(std::move(p));
  }
  return out;
}

constexpr const char* kIndicatorColumns =
    "i.id, i.project_id, p.code, p.name, p.region_code, i.kind, i.quality_grade, i.created_by, "
    "i.created_at, "
    "COALESCE((SELECT SUM(m.area_units) FROM land_indicator_movements m WHERE m.indicator_id = "
    "i.id AND m.kind = 'create'), 0), "
    "COALESCE((SELECT SUM(m.area_units) FROM land_indicator_movements m WHERE m.indicator_id = "
    "i.id AND m.kind = 'use'), 0), "
    "COALESCE((SELECT SUM(m.area_units) FROM land_indicator_movements m WHERE m.indicator_id = "
    "i.id AND m.kind = 'transfer'), 0), "
    "COALESCE((SELECT SUM(m.price_fen) FROM land_indicator_movements m WHERE m.indicator_id = "
    "i.id AND m.kind = 'transfer'), 0), i.plots_json";
constexpr const char* kIndicatorFrom = " FROM land_indicators i JOIN projects p ON p.id = i.project_id";

LandIndicator indicator_of(const storage::SqlSession::Row& r) {
  LandIndicator i;
  i.id = to_int(r[0]);
  i.project_id = to_int(r[1]);
  i.project_code = r[2];
  i.project_name = r[3];
  i.region_code = r[4];
  i.kind = r[5];
  i.quality_grade = to_int(r[6]);
  i.created_by = r[7];
  i.created_at = r[8];
  i.created_units = to_int(r[9]);
  i.used_units = to_int(r[10]);
  i.transferred_units = to_int(r[11]);
  i.revenue_fen = to_int(r[12]);
  return i;
}

constexpr const char* kMovementColumns =
    "m.id, m.indicator_id, m.kind, m.area_units, m.target_project_id, COALESCE(t.code, ''), "
    "m.buyer_region_code, m.buyer_name, m.price_fen, m.fund_source_id, m.replaced_grade, m.note, "
    "m.actor, m.time";
constexpr const char* kMovementFrom =
    " FROM land_indicator_movements m LEFT JOIN projects t ON t.id = m.target_project_id";

IndicatorMovement movement_of(const storage::SqlSession::Row& r) {
  IndicatorMovement m;
  m.id = to_int(r[0]);
  m.indicator_id = to_int(r[1]);
  m.kind = r[2];
  m.area_units = to_int(r[3]);
  m.target_project_id = to_int(r[4]);
  m.target_project_code = r[5];
  m.buyer_region_code = r[6];
  m.buyer_name = r[7];
  m.price_fen = to_int(r[8]);
  m.fund_source_id = to_int(r[9]);
  m.replaced_grade = to_int(r[10]);
  m.note = r[11];
  m.actor = r[12];
  m.time = r[13];
  return m;
}

IndicatorMovement insert_movement(ProjectTx& tx, IndicatorMovement m) {
  auto rows = tx.session().query(
      "INSERT INTO land_indicator_movements(indicator_id, kind, area_units, target_project_id, "
      "buyer_region_code, buyer_name, price_fen, fund_source_id, replaced_grade, note, actor, time) "
      "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
      {num(m.indicator_id), m.kind, num(m.area_units), num(m.target_project_id),
       m.buyer_region_code, m.buyer_name, num(m.price_fen), num(m.fund_source_id),
       num(m.replaced_grade), m.note, m.actor, m.time});
  m.id = to_int(rows.at(0).at(0));
  return m;
}

std::optional<LandIndicator> load(ProjectTx& tx, std::int64_t id) {
  auto rows = tx.session().query(std::string("SELECT ") + kIndicatorColumns + kIndicatorFrom +
                                     " WHERE i.id = $1",
                                 {num(id)});
  if (rows.empty()) return std::nullopt;
  auto i = indicator_of(rows[0]);
  i.plots = plots_of(rows[0][13]);
  return i;
}

json movement_audit(const IndicatorMovement& m) {
  json j = {{"indicator", m.indicator_id}, {"movement", m.id}, {"kind", m.kind},
            {"area_m2", m2_of(m.area_units)}, {"area_mu", mu_of(m.area_units)}};
  if (m.target_project_id) j["target_project"] = m.target_project_code;
  if (!m.buyer_region_code.empty()) {
    j["buyer_region_code"] = m.buyer_region_code;
    j["buyer_name"] = m.buyer_name;
    j["price_fen"] = m.price_fen;
    j["fund_source"] = m.fund_source_id;
  }
  if (m.replaced_grade) j["replaced_grade"] = m.replaced_grade;
  if (!m.note.empty()) j["note"] = m.note;
  return j;
}

const char* kind_zh(const std::string& kind) {
  return kind == "construction_land" ? "增减挂钩节余指标" : "新增耕地指标";
}

// The area of project `target`'s 建新 plots already covered by uses of `kind`, by change index.
std::map<int, std::int64_t> covered_plots(ProjectTx& tx, std::int64_t target, const std::string& kind) {
  std::map<int, std::int64_t> out;
  for (auto& r : tx.session().query(
           "SELECT change_index, SUM(area_units) FROM land_indicator_use_plots WHERE "
           "target_project_id = $1 AND kind = $2 GROUP BY change_index",
           {num(target), kind}))
    out[static_cast<int>(to_int(r[0]))] = to_int(r[1]);
  return out;
}

bool on_cultivated(const IndicatorPlot& p) {
  return !p.from_code.empty() && LandUseClassTable::standard().is_cultivated(p.from_code);
}

JianxinCoverage coverage_of(ProjectTx& tx, const ProjectRecord& p) {
  JianxinCoverage c;
  auto plots = plan_plots(p);
  c.jianxin_units = plots.sum(plots.jianxin);
  c.chaijiu_units = plots.sum(plots.chaijiu);
  for (const auto& pl : plots.jianxin)
    if (on_cultivated(pl)) c.cultivated_jianxin_units += pl.area_units;
  for (const auto& [index, units] : covered_plots(tx, p.id, "construction_land")) c.construction_covered_units += units;
  for (const auto& [index, units] : covered_plots(tx, p.id, "new_cultivated")) c.cultivated_covered_units += units;
  return c;
}

// The survey's cultivated land within the project area (the balance sheet's cultivated_before).
double surveyed_cultivated_m2(storage::Store& layers, const ProjectRecord& p) {
  json plan = json::parse(p.plan_json.empty() ? "{}" : p.plan_json, nullptr, false);
  BalanceRequest br;
  br.project_id = p.code;
  br.project_layer = "project:" + p.code;
  br.features = plan_features(p.code, p.type, plan, "-P");
  try {
    return land_use_balance(layers, br).cultivated_before;
  } catch (const UsageError& e) {  // no land-use layer, or several
    throw RuleError("no_land_use_survey",
                    "没有唯一的现状地类（三调）图层，无法计算项目 " + p.code + " 的原有耕地面积",
                    std::string("the original cultivated land of project ") + p.code +
                        " is measured on the land-use survey, and there is no single one: " + e.what());
  }
}

}  // namespace

// ---- rules ------------------------------------------------------------------------------------

const IndicatorRule& LandIndicatorRules::rule(const std::string& id) const {
  for (const auto& r : rules)
    if (r.id == id) return r;
  throw Error("land indicator rule " + id + " is not defined");
}

LandIndicatorRules LandIndicatorRules::parse(const std::string& text, const std::string& source) {
  json doc = json::parse(text, nullptr, false);
  if (!doc.is_object() || !doc.contains("rules") || !doc["rules"].is_object())
    throw InputError(source, "", "rules", "expected a JSON object with an object \"rules\"");
  LandIndicatorRules out;
  auto need = [&](const char* id, const char* field) -> double {
    const auto& r = doc["rules"];
    if (!r.contains(id) || !r[id].is_object())
      throw InputError(source, "", std::string("rules.") + id, "missing");
    IndicatorRule rule{id, r[id].value("name_zh", ""), r[id].value("name_en", ""), 0};
    if (rule.name_zh.empty() || rule.name_en.empty())
      throw InputError(source, "", std::string("rules.") + id, "name_zh and name_en are required");
    if (field) {
      if (!r[id].contains(field) || !r[id][field].is_number() || r[id][field].get<double>() < 0)
        throw InputError(source, "", std::string("rules.") + id + "." + field,
                         "expected a number of at least 0");
      rule.value = r[id][field].get<double>();
    }
    out.rules.push_back(rule);
    return rule.value;
  };
  out.max_jianxin_to_chaijiu = need("zengjian_balance", "max_jianxin_to_chaijiu");
  out.new_cultivated_min_share = need("new_cultivated_min_share", "min_share");
  need("quality_not_lower", nullptr);
  need("zhanbu_balance", nullptr);
  out.reclamation_months = static_cast<std::int64_t>(need("reclamation_period", "months"));
  return out;
}

const LandIndicatorRules& LandIndicatorRules::standard() {
  static const LandIndicatorRules rules = [] {
    auto path = data_dir() + "/land_indicators.json";
    return parse(read_file(path), path);
  }();
  return rules;
}

std::int64_t area_units_from_m2(double m2) { return static_cast<std::int64_t>(std::llround(m2 * 100.0)); }
double m2_of(std::int64_t units) { return static_cast<double>(units) / 100.0; }
double mu_of(std::int64_t units) { return static_cast<double>(units) * 0.0015 / 100.0; }

std::string LandIndicator::state() const {
  if (balance_units() == 0) return "exhausted";
  if (balance_units() < created_units) return "partly_used";
  return "available";
}

// ---- service ----------------------------------------------------------------------------------

LandIndicatorService::LandIndicatorService(storage::Store& layers, storage::ProjectStore& store,
                                           ProjectService& projects,
                                           FundsService& /*funds: its tables exist*/,
                                           const LandIndicatorRules& rules)
    : layers_(layers), store_(store), projects_(projects), rules_(rules) {
  store_.ensure_tables(kTables);
  store_.write([](ProjectTx& tx) {
    if (tx.session().postgres())
      for (const char* sql : kPostgresGuards) tx.session().query(sql);
    else
      for (const char* sql : kSqliteGuards) tx.session().query(sql);
  });
  // 立项 only when the project's 建新 is covered: beyond its own 拆旧 by construction-land
  // indicators, on cultivated land by new cultivated land (占补平衡).
  projects_.add_guard(ProjectAction::approve, [&rules = rules_](ProjectTx& tx, const ProjectRecord& p) {
    auto c = coverage_of(tx, p);
    if (auto gap = c.construction_uncovered())
      refuse(rules.rule("zengjian_balance"),
             "项目 " + p.code + " 建新 " + area_zh(c.jianxin_units) + "，本项目拆旧 " + area_zh(c.chaijiu_units) +
                 "，已落实增减挂钩指标 " + area_zh(c.construction_covered_units) + "，尚有 " + area_zh(gap) +
                 " 未落实指标，不能立项",
             "project " + p.code + " builds " + area_en(c.jianxin_units) + " new, reclaims " +
                 area_en(c.chaijiu_units) + " itself and has " + area_en(c.construction_covered_units) +
                 " of indicators: " + area_en(gap) + " is not covered, so it cannot be approved");
    if (auto gap = c.cultivated_uncovered())
      refuse(rules.rule("zhanbu_balance"),
             "项目 " + p.code + " 建新占用耕地 " + area_zh(c.cultivated_jianxin_units) + "，已落实新增耕地指标 " +
                 area_zh(c.cultivated_covered_units) + "，尚有 " + area_zh(gap) + " 未补足，不能立项",
             "project " + p.code + " builds on " + area_en(c.cultivated_jianxin_units) +
                 " of cultivated land and has " + area_en(c.cultivated_covered_units) +
                 " of new cultivated land indicators: " + area_en(gap) + " is not made up, so it cannot be approved");
  });
}

std::vector<IndicatorMovement> LandIndicatorService::uses_for(const User& user, std::int64_t project_id) {
  return store_.read([&](ProjectTx& tx) {
    auto p = tx.project(project_id);
    if (!p || !projects_.may_read(tx, user, *p))
      throw NotFoundError("project " + num(project_id) + " does not exist");
    std::vector<IndicatorMovement> out;
    for (auto& r : tx.session().query(std::string("SELECT ") + kMovementColumns + kMovementFrom +
                                          " WHERE m.kind = 'use' AND m.target_project_id = $1 ORDER BY m.id",
                                      {num(project_id)}))
      out.push_back(movement_of(r));
    for (auto& r : tx.session().query(
             "SELECT movement_id, change_index, area_units FROM land_indicator_use_plots WHERE "
             "target_project_id = $1 ORDER BY movement_id, change_index",
             {num(project_id)}))
      for (auto& m : out)
        if (m.id == to_int(r[0])) m.plots.push_back({static_cast<int>(to_int(r[1])), to_int(r[2])});
    return out;
  });
}

JianxinCoverage LandIndicatorService::coverage(const User& user, std::int64_t project_id) {
  return store_.read([&](ProjectTx& tx) {
    auto p = tx.project(project_id);
    if (!p || !projects_.may_read(tx, user, *p))
      throw NotFoundError("project " + num(project_id) + " does not exist");
    return coverage_of(tx, *p);
  });
}

std::vector<LandIndicator> LandIndicatorService::register_indicators(const User& user,
                                                                     std::int64_t project_id,
                                                                     const IndicatorRegistration& in) {
  std::string note = checked_text(in.note, "note", 0, 2000);
  if (in.quality_grade < 0 || in.quality_grade > 15)
    throw InvalidRequest("invalid_grade", "耕地质量等别 quality_grade 应为 1 至 15 的整数",
                         "quality_grade must be a whole number from 1 to 15");
  return store_.write([&](ProjectTx& tx) {
    auto p = tx.project(project_id);
    if (!p || !projects_.may_read(tx, user, *p))
      throw NotFoundError("project " + num(project_id) + " does not exist");
    require_lead(user, *p);
    if (!accepted_state(p->state))
      throw RuleError("plots_not_accepted",
                      "项目处于“" + std::string(chinese_name(p->state)) + "”状态：只有验收后的地块才能登记指标",
                      "indicators come only from accepted plots; project " + p->code + " is " +
                          std::string(to_string(p->state)));
    if (!tx.session().query("SELECT 1 FROM land_indicators WHERE project_id = $1", {num(p->id)}).empty())
      throw RuleError("already_registered", "项目 " + p->code + " 的指标已登记",
                      "the indicators of project " + p->code + " are already registered");
    // Reclamation accepted within the period after approval (立项).
    std::string approved_at, accepted_at;
    for (const auto& t : tx.transitions(p->id)) {
      if (t.action == "approve") approved_at = t.time;
      if (t.action == "accept") accepted_at = t.time;
    }
    auto plots = plan_plots(*p);
    std::int64_t chaijiu = plots.sum(plots.chaijiu), jianxin = plots.sum(plots.jianxin),
                 added = plots.sum(plots.new_cultivated);
    if (chaijiu == 0 && added == 0)
      throw RuleError("no_indicator_plots", "项目方案中没有拆旧或新增耕地地块",
                      "the project's plan has no reclaimed (拆旧) or new cultivated plots");
    if (chaijiu > 0 && !approved_at.empty() && !accepted_at.empty()) {
      auto deadline = add_months(approved_at, rules_.reclamation_months);
      if (accepted_at > deadline)
        refuse(rules_.rule("reclamation_period"),
               "立项于 " + approved_at.substr(0, 10) + "，验收于 " + accepted_at.substr(0, 10) +
                   "，超过 " + num(rules_.reclamation_months) + " 个月的期限（" + deadline.substr(0, 10) + "）",
               "approved " + approved_at.substr(0, 10) + ", accepted " + accepted_at.substr(0, 10) +
                   ", later than " + num(rules_.reclamation_months) + " months (" +
                   deadline.substr(0, 10) + ")");
    }
    std::vector<std::pair<std::string, std::vector<IndicatorPlot>>> made;
    std::int64_t surplus = 0;
    double original_cultivated_m2 = 0;
    if (chaijiu > 0) {
      if (static_cast<double>(jianxin) > static_cast<double>(chaijiu) * rules_.max_jianxin_to_chaijiu)
        refuse(rules_.rule("zengjian_balance"),
               "建新 " + area_zh(jianxin) + " 大于拆旧 " + area_zh(chaijiu) + "，建设用地将增加",
               "new construction " + area_en(jianxin) + " exceeds the reclaimed " + area_en(chaijiu) +
                   ": construction land would increase");
      surplus = chaijiu - jianxin;
      if (surplus > 0) {
        auto v = plots.chaijiu;
        v.insert(v.end(), plots.jianxin.begin(), plots.jianxin.end());
        made.push_back({"construction_land", v});
      }
    }
    if (added > 0) {
      if (in.quality_grade < 1)
        throw InvalidRequest("missing_grade", "新增耕地须给出耕地质量等别 quality_grade（1–15）",
                             "new cultivated land needs its quality grade (quality_grade, 1–15)");
      original_cultivated_m2 = surveyed_cultivated_m2(layers_, *p);
      auto original = area_units_from_m2(original_cultivated_m2);
      // No cultivated land in the survey: any new cultivated land is more than 5% of it.
      if (original > 0 && static_cast<double>(added) < static_cast<double>(original) * rules_.new_cultivated_min_share)
        refuse(rules_.rule("new_cultivated_min_share"),
               "新增耕地 " + area_zh(added) + "，原有耕地 " + area_zh(original) + "，占 " +
                   fixed(100.0 * added / original, 2) + "%，低于 " +
                   fixed(100.0 * rules_.new_cultivated_min_share, 2) + "%",
               "new cultivated " + area_en(added) + " is " + fixed(100.0 * added / original, 2) +
                   "% of the original " + area_en(original) + ", below " +
                   fixed(100.0 * rules_.new_cultivated_min_share, 2) + "%");
      made.push_back({"new_cultivated", plots.new_cultivated});
    }
    std::vector<LandIndicator> out;
    for (const auto& [kind, origin] : made) {
      std::int64_t grade = kind == "new_cultivated" ? in.quality_grade : 0;
      auto rows = tx.session().query(
          "INSERT INTO land_indicators(project_id, kind, quality_grade, plots_json, created_by, "
          "created_at) VALUES($1, $2, $3, $4, $5, $6) RETURNING id",
          {num(p->id), kind, num(grade), dump(plots_json(origin)), actor_of(user), tx.now()});
      auto id = to_int(rows.at(0).at(0));
      IndicatorMovement m;
      m.indicator_id = id;
      m.kind = "create";
      m.area_units = kind == "construction_land" ? surplus : added;
      m.note = note;
      m.actor = actor_of(user);
      m.time = tx.now();
      m = insert_movement(tx, m);
      json a = movement_audit(m);
      a["indicator_kind"] = kind;
      a["project"] = p->code;
      a["plots"] = json::array();
      for (const auto& pl : origin) a["plots"].push_back({{"change_index", pl.change_index}, {"role", pl.role}});
      if (grade) a["quality_grade"] = grade;
      if (kind == "construction_land") {
        a["chaijiu_m2"] = m2_of(chaijiu);
        a["jianxin_m2"] = m2_of(jianxin);
      } else {
        a["original_cultivated_m2"] = original_cultivated_m2;
        a["original_cultivated_from"] = "land_use_survey";
      }
      tx.audit({actor_of(user), "indicator.create", "indicator:" + num(id), dump(a)});
      tx.insert_event({0, "", "indicator.created", p->id, p->region_code, "",
                       dump({{"code", p->code}, {"name", p->name}, {"indicator", id}, {"kind", kind},
                             {"area_m2", m2_of(m.area_units)}})});
      out.push_back(*load(tx, id));
    }
    return out;
  });
}

std::vector<LandIndicator> LandIndicatorService::indicators(const User& user, const IndicatorFilter& f) {
  if (!f.kind.empty() && f.kind != "construction_land" && f.kind != "new_cultivated")
    throw InvalidRequest("unknown_kind", "未知的指标类型：" + f.kind + "（可选：construction_land、new_cultivated）",
                         "kind must be construction_land or new_cultivated");
  if (!f.state.empty() && f.state != "available" && f.state != "partly_used" && f.state != "exhausted")
    throw InvalidRequest("unknown_state", "未知的指标状态：" + f.state + "（可选：available、partly_used、exhausted）",
                         "state must be available, partly_used or exhausted");
  return store_.read([&](ProjectTx& tx) {
    std::map<std::int64_t, bool> seen;
    std::vector<LandIndicator> out;
    std::string sql = std::string("SELECT ") + kIndicatorColumns + kIndicatorFrom;
    std::vector<std::string> params;
    if (f.project_id) {
      sql += " WHERE i.project_id = $1";
      params.push_back(num(f.project_id));
    }
    for (auto& r : tx.session().query(sql + " ORDER BY i.id", params)) {
      auto i = indicator_of(r);
      auto it = seen.find(i.project_id);
      if (it == seen.end()) {
        auto p = tx.project(i.project_id);
        it = seen.emplace(i.project_id, p && projects_.may_read(tx, user, *p)).first;
      }
      if (!it->second) continue;
      if (!f.kind.empty() && i.kind != f.kind) continue;
      if (!f.state.empty() && i.state() != f.state) continue;
      i.plots = plots_of(r[13]);
      out.push_back(std::move(i));
    }
    return out;
  });
}

LandIndicator LandIndicatorService::indicator(const User& user, std::int64_t id) {
  return store_.read([&](ProjectTx& tx) {
    auto i = load(tx, id);
    auto p = i ? tx.project(i->project_id) : std::nullopt;
    if (!p || !projects_.may_read(tx, user, *p))
      throw NotFoundError("land indicator " + num(id) + " does not exist");
    for (auto& r : tx.session().query(std::string("SELECT ") + kMovementColumns + kMovementFrom +
                                          " WHERE m.indicator_id = $1 ORDER BY m.id",
                                      {num(id)}))
      i->movements.push_back(movement_of(r));
    for (auto& r : tx.session().query(
             "SELECT u.movement_id, u.change_index, u.area_units FROM land_indicator_use_plots u JOIN "
             "land_indicator_movements m ON m.id = u.movement_id WHERE m.indicator_id = $1 "
             "ORDER BY u.movement_id, u.change_index",
             {num(id)}))
      for (auto& m : i->movements)
        if (m.id == to_int(r[0])) m.plots.push_back({static_cast<int>(to_int(r[1])), to_int(r[2])});
    return *i;
  });
}

IndicatorMovement LandIndicatorService::use(const User& user, std::int64_t indicator_id,
                                            const IndicatorUse& in) {
  check_area(in.area_m2, "area_m2");
  std::string note = checked_text(in.note, "note", 0, 2000);
  if (in.replaced_grade < 0 || in.replaced_grade > 15)
    throw InvalidRequest("invalid_grade", "被占用耕地质量等别 replaced_grade 应为 1 至 15 的整数",
                         "replaced_grade must be a whole number from 1 to 15");
  auto units = area_units_from_m2(in.area_m2);
  return store_.write([&](ProjectTx& tx) {
    auto i = load(tx, indicator_id);
    auto p = i ? tx.project(i->project_id) : std::nullopt;
    if (!p || !projects_.may_read(tx, user, *p))
      throw NotFoundError("land indicator " + num(indicator_id) + " does not exist");
    require_lead(user, *p);
    auto target = in.target_project_id > 0 ? tx.project(in.target_project_id) : std::nullopt;
    if (!target || !projects_.may_read(tx, user, *target))
      throw NotFoundError("project " + num(in.target_project_id) + " does not exist");
    require_lead(user, *target);
    if (units > i->balance_units())
      throw RuleError("insufficient_indicator",
                      "指标 " + num(i->id) + " 余额 " + area_zh(i->balance_units()) + "，不足使用 " + area_zh(units),
                      "indicator " + num(i->id) + " holds " + area_en(i->balance_units()) +
                          ", less than the " + area_en(units) + " asked for");
    // The target's 建新 plots the use names, each filled up to what is left of it.
    auto target_plots = plan_plots(*target);
    if (in.plots.empty())
      throw InvalidRequest("missing_plots", "须指明使用指标的建新地块（plots：项目方案中的变化序号）",
                           "name the 建新 plots the use covers (plots: indexes of the target plan's changes)");
    std::vector<CoveredPlot> covered;
    {
      auto before = covered_plots(tx, target->id, i->kind);
      std::int64_t left = units, room = 0;
      std::set<int> named;
      for (int index : in.plots) {
        const IndicatorPlot* plot = nullptr;
        for (const auto& pl : target_plots.jianxin)
          if (pl.change_index == index) plot = &pl;
        bool fits = plot && (i->kind == "construction_land" || on_cultivated(*plot));
        if (!fits)
          throw InvalidRequest(
              "not_a_jianxin_plot",
              "项目 " + target->code + " 方案的第 " + num(index + 1) + " 个变化不是" +
                  (i->kind == "construction_land" ? "建新地块" : "占用耕地的建新地块"),
              "change " + num(index) + " of project " + target->code + "'s plan is not a 建新 plot" +
                  (i->kind == "construction_land" ? "" : " on cultivated land"));
        if (!named.insert(index).second)
          throw InvalidRequest("duplicate_plot", "建新地块 " + num(index + 1) + " 重复", "plot " + num(index) + " is named twice");
        auto free = plot->area_units - (before.count(index) ? before[index] : 0);
        if (free <= 0) continue;
        room += free;
        auto take = std::min(free, left);
        if (take > 0) covered.push_back({index, take});
        left -= take;
      }
      if (left > 0) {
        const auto& rule = rules_.rule(i->kind == "construction_land" ? "zengjian_balance" : "zhanbu_balance");
        refuse(rule,
               "所指建新地块尚未落实指标的面积为 " + area_zh(room) + "，少于本次使用的 " + area_zh(units),
               "the named 建新 plots have " + area_en(room) + " not yet covered, less than the " + area_en(units) + " used");
      }
    }
    if (i->kind == "construction_land") {
      // A 建新 area never exceeds the 拆旧 area it draws on: the target's 建新 plots must be
      // covered, and no more is drawn than they need.
      auto jianxin = target_plots.sum(target_plots.jianxin);
      std::int64_t drawn = 0;
      for (auto& r : tx.session().query(
               "SELECT COALESCE(SUM(m.area_units), 0) FROM land_indicator_movements m JOIN "
               "land_indicators i ON i.id = m.indicator_id WHERE m.kind = 'use' AND "
               "m.target_project_id = $1 AND i.kind = 'construction_land'",
               {num(target->id)}))
        drawn = to_int(r[0]);
      if (drawn + units > jianxin)
        refuse(rules_.rule("zengjian_balance"),
               "项目 " + target->code + " 的建新面积为 " + area_zh(jianxin) + "，已使用拆旧指标 " +
                   area_zh(drawn) + "，再用 " + area_zh(units) + " 将超过建新所需",
               "project " + target->code + " has " + area_en(jianxin) + " of new construction and has drawn " +
                   area_en(drawn) + "; " + area_en(units) + " more exceeds what it needs");
    } else {
      if (in.replaced_grade < 1)
        throw InvalidRequest("missing_grade", "占补平衡须给出被占用耕地的质量等别 replaced_grade（1–15）",
                             "a use of new cultivated land needs the quality grade of the land it "
                             "replaces (replaced_grade, 1–15)");
      // Grades count 1 (best) to 15: the new land's number may not be larger.
      if (i->quality_grade > in.replaced_grade)
        refuse(rules_.rule("quality_not_lower"),
               "补充耕地质量为 " + num(i->quality_grade) + " 等，低于被占用耕地的 " + num(in.replaced_grade) + " 等",
               "the new land is grade " + num(i->quality_grade) + ", lower than the replaced land's grade " +
                   num(in.replaced_grade));
    }
    IndicatorMovement m;
    m.indicator_id = i->id;
    m.kind = "use";
    m.area_units = units;
    m.target_project_id = target->id;
    m.target_project_code = target->code;
    m.replaced_grade = i->kind == "new_cultivated" ? in.replaced_grade : 0;
    m.note = note;
    m.actor = actor_of(user);
    m.time = tx.now();
    m = insert_movement(tx, m);
    m.plots = covered;
    json a = movement_audit(m);
    a["plots"] = json::array();
    for (const auto& c : covered) {
      tx.session().query(
          "INSERT INTO land_indicator_use_plots(movement_id, kind, target_project_id, change_index, "
          "area_units) VALUES($1, $2, $3, $4, $5)",
          {num(m.id), i->kind, num(target->id), num(c.change_index), num(c.area_units)});
      a["plots"].push_back({{"change_index", c.change_index}, {"area_m2", m2_of(c.area_units)}});
    }
    tx.audit({actor_of(user), "indicator.use", "indicator:" + num(i->id), dump(a)});
    tx.insert_event({0, "", "indicator.used", p->id, p->region_code, "",
                     dump({{"code", p->code}, {"indicator", i->id}, {"target", target->code},
                           {"area_m2", m2_of(units)}})});
    return m;
  });
}

IndicatorMovement LandIndicatorService::transfer(const User& user, std::int64_t indicator_id,
                                                 const IndicatorTransfer& in) {
  check_area(in.area_m2, "area_m2");
  std::string buyer = checked_text(in.buyer_name, "buyer_name", 1, 200);
  std::string note = checked_text(in.note, "note", 0, 2000);
  try {
    validate_region_code(in.buyer_region_code);
  } catch (const UsageError& e) {
    throw InvalidRequest("invalid_region", "buyer_region_code 不是有效的行政区划代码", e.what());
  }
  if (!valid_amount_fen(in.price_fen))
    throw InvalidRequest("invalid_amount", "成交价 price_fen 应为 1 至 10^15 分之间的整数",
                         "price_fen must be a whole number of fen from 1 to 10^15");
  auto units = area_units_from_m2(in.area_m2);
  return store_.write([&](ProjectTx& tx) {
    auto i = load(tx, indicator_id);
    auto p = i ? tx.project(i->project_id) : std::nullopt;
    if (!p || !projects_.may_read(tx, user, *p))
      throw NotFoundError("land indicator " + num(indicator_id) + " does not exist");
    require_lead(user, *p);
    std::string county = p->region_code.substr(0, 6);
    if (region_contains(in.buyer_region_code, county) || region_contains(county, in.buyer_region_code))
      throw InvalidRequest("buyer_in_same_county", "指标交易的受让方应为其他县（市），" + in.buyer_region_code + " 与项目同属 " + county,
                           "a transfer goes to another county or city; " + in.buyer_region_code +
                               " is the project's own county " + county + " or contains it");
    if (units > i->balance_units())
      throw RuleError("insufficient_indicator",
                      "指标 " + num(i->id) + " 余额 " + area_zh(i->balance_units()) + "，不足交易 " + area_zh(units),
                      "indicator " + num(i->id) + " holds " + area_en(i->balance_units()) +
                          ", less than the " + area_en(units) + " to transfer");
    // The revenue enters the funds ledger: a source of the project's region, allocated to it.
    auto now = tx.now();
    std::string source_name = std::string(kind_zh(i->kind)) + "交易收入（" + buyer + "）";
    auto src = tx.session().query(
        "INSERT INTO fund_sources(region_code, kind, name, amount_fen, created_by, created_at) "
        "VALUES($1, 'indicator_revenue', $2, $3, $4, $5) RETURNING id",
        {p->region_code, source_name, num(in.price_fen), actor_of(user), now});
    auto source_id = to_int(src.at(0).at(0));
    IndicatorMovement m;
    m.indicator_id = i->id;
    m.kind = "transfer";
    m.area_units = units;
    m.buyer_region_code = in.buyer_region_code;
    m.buyer_name = buyer;
    m.price_fen = in.price_fen;
    m.fund_source_id = source_id;
    m.note = note;
    m.actor = actor_of(user);
    m.time = now;
    m = insert_movement(tx, m);
    auto ledger = tx.session().query(
        "INSERT INTO fund_ledger(time, kind, source_id, project_id, amount_fen, payee, "
        "disbursement_id, note, actor) VALUES($1, 'allocation', $2, $3, $4, '', 0, $5, $6) RETURNING id",
        {now, num(source_id), num(p->id), num(in.price_fen),
         "指标交易 " + num(m.id) + "（指标 " + num(i->id) + "）", actor_of(user)});
    json a = movement_audit(m);
    a["ledger_entry"] = to_int(ledger.at(0).at(0));
    a["price_yuan"] = format_yuan(in.price_fen);
    tx.audit({actor_of(user), "indicator.transfer", "indicator:" + num(i->id), dump(a)});
    tx.insert_event({0, "", "indicator.transferred", p->id, p->region_code, "",
                     dump({{"code", p->code}, {"indicator", i->id}, {"buyer", buyer},
                           {"area_m2", m2_of(units)}, {"amount_fen", in.price_fen},
                           {"amount_yuan", format_yuan(in.price_fen)}})});
    return m;
  });
}

std::vector<IndicatorMovement> LandIndicatorService::transfers(const User& user) {
  return store_.read([&](ProjectTx& tx) {
    std::vector<IndicatorMovement> out;
    std::map<std::int64_t, bool> seen;
    for (auto& r : tx.session().query(std::string("SELECT ") + kMovementColumns +
                                      ", i.project_id" + kMovementFrom +
                                      " JOIN land_indicators i ON i.id = m.indicator_id WHERE "
                                      "m.kind = 'transfer' ORDER BY m.id")) {
      auto pid = to_int(r[14]);
      auto it = seen.find(pid);
      if (it == seen.end()) {
        auto p = tx.project(pid);
        it = seen.emplace(pid, p && projects_.may_read(tx, user, *p)).first;
      }
      if (it->second) out.push_back(movement_of(r));
    }
    return out;
  });
}

IndicatorTotals LandIndicatorService::totals(const User& user, const std::string& region) {
  IndicatorTotals t;
  for (const auto& i : indicators(user)) {
    if (!region.empty() && !region_contains(region, i.region_code)) continue;
    ++t.indicators;
    t.created_units += i.created_units;
    t.used_units += i.used_units;
    t.transferred_units += i.transferred_units;
    t.revenue_fen += i.revenue_fen;
  }
  return t;
}

}  // namespace gz::services
