#include "services/schemes.h"

#include "services/plan_features.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <strings.h>

#include "common/json_input.h"
#include "common/error.h"
#include "common/json_input.h"
#include "domain/land_use_classes.h"
#include "geo/ellipsoid.h"
#include "geo/geometry.h"
#include "services/compliance_check.h"
#include "services/projects.h"
#include "services/request_text.h"
#include "services/scheme_social.h"
#include "services/scheme_units.h"
#include "services/assessment.h"
#include "storage/attributes_json.h"
#include "storage/sql_identity_store.h"

namespace gz::services {

using storage::ProjectTx;

namespace {

using json = nlohmann::json;

constexpr const char* kTables = R"sql(
CREATE TABLE IF NOT EXISTS schemes(
  id {id}, code text NOT NULL UNIQUE, unit text NOT NULL, region_code text NOT NULL,
  name text NOT NULL, description text NOT NULL DEFAULT '',
  cost_fen bigint NOT NULL CHECK (cost_fen >= 0), plan_json text NOT NULL, plan_hash text NOT NULL,
  area_m2 double precision NOT NULL, changes bigint NOT NULL, assessment_json text NOT NULL,
  created_by text NOT NULL, created_at text NOT NULL,
  scenario_layer text NOT NULL DEFAULT '', scenario_version bigint NOT NULL DEFAULT 0,
  simulated_by text NOT NULL DEFAULT '', simulated_at text NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS schemes_by_unit ON schemes(unit);
)sql";

constexpr const char* kColumns =
    "id, code, unit, region_code, name, description, cost_fen, plan_hash, area_m2, changes, "
    "assessment_json, created_by, created_at, scenario_layer, scenario_version, simulated_by, "
    "simulated_at, ";

std::string num(std::int64_t v) { return std::to_string(v); }
std::int64_t to_int(const std::string& s) { return s.empty() ? 0 : std::stoll(s); }
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

SchemeRecord scheme_of(const storage::SqlSession::Row& r) {
  SchemeRecord s;
  s.id = to_int(r[0]);
  s.code = r[1];
  s.unit = r[2];
  s.region_code = r[3];
  s.name = r[4];
  s.description = r[5];
  s.cost_fen = to_int(r[6]);
  s.plan_hash = r[7];
  s.area_m2 = std::stod(r[8]);
  s.changes = to_int(r[9]);
  s.assessment_json = r[10];
  s.created_by = r[11];
  s.created_at = r[12];
  s.scenario_layer = r[13];
  s.scenario_version = to_int(r[14]);
  s.simulated_by = r[15];
  s.simulated_at = r[16];
  s.plan_json = r[17];
  return s;
}

const std::vector<Role>& writer_roles() {
  static const std::vector<Role> r{Role::admin, Role::lead_department, Role::township, Role::expert};
  return r;
}
const std::vector<Role>& reader_roles() {
  static const std::vector<Role> r{Role::admin,           Role::lead_department,
                                   Role::township,        Role::expert,
                                   Role::leader_group,    Role::co_reviewing_department,
                                   Role::village_collective, Role::auditor};
  return r;
}
bool may_see(const User& u, const std::string& region) {
  for (const auto& g : u.grants)
    if ((g.role == Role::admin || g.role == Role::auditor) && g.region_code.empty()) return true;
  return has_grant_over(u, reader_roles(), region);
}
bool may_write(const User& u, const std::string& region) {
  return has_grant_over(u, writer_roles(), region);
}

bool may_see_unit(const User& u, const ConsolidationUnitRef& unit) {
  for (const auto& g : u.grants)
    if ((g.role == Role::admin || g.role == Role::auditor) && g.region_code.empty()) return true;
  return std::any_of(unit.villages.begin(), unit.villages.end(),
                     [&](const std::string& v) { return has_grant_over(u, reader_roles(), v); });
}

// The unit as the user may know it: unknown and outside the jurisdiction answer alike.
ConsolidationUnitRef visible_unit(storage::Store& layers, const User& user, const std::string& code) {
  auto unit = find_consolidation_unit(layers, code);
  if (!may_see_unit(user, unit)) throw UnknownUnit(code);
  return unit;
}

[[noreturn]] void scheme_not_found(std::int64_t id) {
  throw NotFoundError("scheme " + std::to_string(id) + " does not exist");
}

std::optional<SchemeRecord> scheme_row(ProjectTx& tx, std::int64_t id, bool documents) {
  auto rows = tx.session().query(std::string("SELECT ") + kColumns +
                                     (documents ? "plan_json" : "''") + " FROM schemes WHERE id = $1",
                                 {num(id)});
  if (rows.empty()) return std::nullopt;
  return scheme_of(rows[0]);
}

// The scheme's area and changes as features, the way the compliance check and the balance read
// a project layer.
std::vector<StoredFeature> plan_features(const std::string& code, const json& plan) {
  return services::plan_features(code, "方案", plan, "-C");
}

bool is_ecological(const SchemeCriteria& criteria, const std::string& code) {
  for (const auto& p : criteria.ecological_class_prefixes)
    if (code.rfind(p, 0) == 0) return true;
  return false;
}

json balance_json(const BalanceResult& b) {
  json rows = json::array();
  for (const auto& r : b.rows) {
    rows.push_back({{"code", r.code},
                    {"name_zh", balance_row_name(r.code, true)},
                    {"name_en", balance_row_name(r.code, false)},
                    {"before_m2", r.before_m2},
                    {"after_m2", r.after_m2},
                    {"change_m2", r.after_m2 - r.before_m2}});
  }
  json ind = json::array();
  for (const auto& i : b.indicators)
    ind.push_back({{"id", i.rule->id},
                   {"name_zh", i.rule->name_zh},
                   {"name_en", i.rule->name_en},
                   {"op", i.rule->op},
                   {"threshold", i.rule->threshold},
                   {"value", i.value},
                   {"applicable", i.applicable},
                   {"passed", i.passed},
                   {"basis", i.basis}});
  return {{"area_m2", b.project_area_m2},
          {"rows", rows},
          {"cultivated_before_m2", b.cultivated_before},
          {"cultivated_after_m2", b.cultivated_after},
          {"construction_before_m2", b.construction_before},
          {"construction_after_m2", b.construction_after},
          {"pbf_out_m2", b.pbf_out_m2},
          {"pbf_in_m2", b.pbf_in_m2},
          {"indicators", ind},
          {"all_passed", b.all_passed()}};
}

// Two changes of one scheme may not claim the same ground: the balance would count it twice and
// the scenario could not say which class it becomes.
void refuse_overlapping_changes(const std::vector<StoredFeature>& features) {
  std::vector<geo::Geometry> g;
  for (std::size_t i = 1; i < features.size(); ++i) g.push_back(geo::Geometry::from_wkb(features[i].wkb));
  for (std::size_t i = 0; i < g.size(); ++i)
    for (std::size_t j = i + 1; j < g.size(); ++j) {
      if (!features[i + 1].bbox.intersects(features[j + 1].bbox) || !g[i].interiors_intersect(g[j])) continue;
      double a = geo::ellipsoidal_area_m2(g[i].intersection(g[j]).polygonal_part());
      if (a <= 1.0) continue;
      std::string area = std::to_string(static_cast<long long>(std::lround(a)));
      std::string fi = "plan.changes[" + std::to_string(i) + "]", fj = "plan.changes[" + std::to_string(j) + "]";
      throw InvalidRequest("overlapping_changes", fj + " 与 " + fi + " 重叠 " + area + " 平方米",
                           fj + " overlaps " + fi + " by " + area + " m²");
    }
}

// A scheme's plan as create and update take it: checked as a project plan, with at least one
// change, inside its unit, its changes not overlapping; its features for the assessment.
struct SchemePlan {
  CheckedPlan plan;
  json doc;
  std::vector<StoredFeature> features;
};
SchemePlan scheme_plan(const ConsolidationUnitRef& unit, const std::string& unit_code, const std::string& plan_json) {
  SchemePlan out{check_plan(plan_json), {}, {}};
  out.doc = json::parse(out.plan.json);
  if (out.doc["changes"].empty())
    throw InvalidRequest("no_changes", "方案没有任何规划地类变化（plan.changes 为空），无从比选",
                         "the scheme has no planned land-use changes (plan.changes is empty): nothing to compare");
  out.features = plan_features("scheme", out.doc);
  if (area_in_unit_m2(unit, out.features.front().wkb) < 1.0)
    throw InvalidRequest("scheme_outside_unit", "方案范围（plan.area）不在整治单元“" + unit_code + "”内",
                         "the scheme's area (plan.area) lies outside consolidation unit '" + unit_code + "'");
  refuse_overlapping_changes(out.features);
  return out;
}

json assess(storage::Store& layers, const SchemeCriteria& criteria, const std::string& code,
            const std::vector<StoredFeature>& features, const std::string& land_use_layer,
            std::int64_t cost_fen, std::optional<std::int64_t> declared_relocations) {
  BalanceRequest br;
  br.project_id = code;
  br.project_layer = "scheme:" + code;
  br.land_use_layer = land_use_layer;
  br.features = features;
  auto b = land_use_balance(layers, br);

  CheckRequest cr;
  cr.layer = "scheme:" + code;
  cr.features = features;
  auto c = compliance_check(layers, cr);
  double redline = 0, pbf_overlap = 0;
  for (std::size_t i = 1; i < c.features.size(); ++i)
    for (const auto& o : c.features[i].overlaps) {
      auto kind = c.controls[o.control].kind;
      if (kind == LayerKind::ecological_redline) redline += o.area_m2;
      if (kind == LayerKind::permanent_basic_farmland) pbf_overlap += o.area_m2;
    }
  json findings = json::array();
  for (const auto& f : c.findings)
    findings.push_back({{"rule", f.rule->id},
                        {"severity", f.rule->severity},
                        {"name_zh", f.rule->name_zh},
                        {"name_en", f.rule->name_en},
                        {"feature", f.feature_id},
                        {"area_m2", f.area_m2}});

  double eco_before = 0, eco_after = 0;
  for (const auto& r : b.rows)
    if (is_ecological(criteria, r.code)) {
      eco_before += r.before_m2;
      eco_after += r.after_m2;
    }
  json potential = {{"new_cultivated_m2", b.cultivated_after - b.cultivated_before},
                    {"construction_reduced_m2", b.construction_before - b.construction_after},
                    {"ecological_restored_m2", eco_after - eco_before}};
  json risks = {{"redline_overlap_m2", redline},
                {"pbf_overlap_m2", pbf_overlap},
                {"pbf_loss_m2", b.pbf_out_m2},
                {"findings", findings}};
  auto si = measure_social_impact(layers, b.land_use_layer, features, declared_relocations,
                                  AssessmentMethod::standard().thresholds);
  json social = {{"relocated_households", si.relocated_households},
                 {"relocation_basis", si.relocation_basis},
                 {"homestead_taken_m2", si.homestead_taken_m2},
                 {"affected_households", si.affected_households},
                 {"affected_people", si.affected_people},
                 {"people_estimated", si.people_estimated},
                 {"taken_m2", si.taken_m2},
                 {"taken_m2_per_household", si.taken_m2_per_household},
                 {"parcel_note", si.parcel_note}};
  if (si.parcel_layer)
    social["parcel_layer"] = {{"layer", si.parcel_layer->layer}, {"version", si.parcel_layer->version}};
  json values = {{"new_cultivated_m2", potential["new_cultivated_m2"]},
                 {"construction_reduced_m2", potential["construction_reduced_m2"]},
                 {"ecological_restored_m2", potential["ecological_restored_m2"]},
                 {"cost_fen", cost_fen},
                 {"redline_overlap_m2", redline},
                 {"pbf_loss_m2", b.pbf_out_m2},
                 {"compliance_findings", findings.size()},
                 {"relocated_households", si.relocated_households},
                 {"affected_households", si.affected_households},
                 {"affected_people", si.affected_people},
                 {"taken_m2_per_household", si.taken_m2_per_household}};
  return {{"land_use", {{"layer", b.land_use_layer.layer}, {"version", b.land_use_layer.version}}},
          {"balance", balance_json(b)},
          {"potential", potential},
          {"risks", risks},
          {"social", social},
          {"criteria", values}};
}

double parse_judgement(const json& v, const std::string& where) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    auto slash = s.find('/');
    try {
      std::size_t used = 0;
      if (slash == std::string::npos) {
        double x = std::stod(s, &used);
        if (used == s.size()) return x;
      } else {
        std::size_t u1 = 0, u2 = 0;
        double a = std::stod(s.substr(0, slash), &u1), b = std::stod(s.substr(slash + 1), &u2);
        if (u1 == slash && u2 == s.size() - slash - 1 && b != 0) return a / b;
      }
    } catch (const std::exception&) {
    }
  }
  throw InvalidRequest("ahp_bad_value", where + " 应为数值或分数（如 3 或 \"1/3\"）",
                       where + " must be a number or a fraction such as 3 or \"1/3\"");
}

}  // namespace

std::vector<std::vector<double>> read_ahp_matrix(const std::string& text,
                                                 const std::vector<SchemeCriterion>& criteria) {
  json j;
  try {
    j = parse_json_input(text, "AHP 判断矩阵", "the AHP matrix");
  } catch (const json::exception&) {
    throw InvalidRequest("malformed_json", "AHP 判断矩阵不是有效的 JSON", "the AHP matrix is not valid JSON");
  }
  const std::size_t n = criteria.size();
  std::vector<std::size_t> order(n);  // row of the file → index of the criterion
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  json m = j;
  if (j.is_object()) {
    for (auto& [k, v] : j.items())
      if (k != "criteria" && k != "matrix" && k != "about")
        throw InvalidRequest("unknown_field", "AHP 文件中的未知字段：" + k, "unknown field in the AHP file: " + k);
    if (!j.contains("matrix"))
      throw InvalidRequest("missing_field", "AHP 文件缺少 matrix", "the AHP file has no matrix");
    m = j["matrix"];
    if (j.contains("criteria")) {
      if (!j["criteria"].is_array() || j["criteria"].size() != n)
        throw InvalidRequest("ahp_criteria",
                             "AHP 文件的 criteria 应列出全部 " + std::to_string(n) + " 个比选指标",
                             "the AHP file's criteria must list all " + std::to_string(n) + " comparison criteria");
      std::vector<bool> used(n, false);
      for (std::size_t i = 0; i < n; ++i) {
        std::string id = j["criteria"][i].is_string() ? j["criteria"][i].get<std::string>() : "";
        std::size_t k = 0;
        while (k < n && criteria[k].id != id) ++k;
        if (k == n || used[k])
          throw InvalidRequest("ahp_criteria", "AHP 文件 criteria[" + std::to_string(i) + "]“" + id + "”不是比选指标或重复",
                               "criteria[" + std::to_string(i) + "] '" + id +
                                   "' of the AHP file is not a comparison criterion or is repeated");
        used[k] = true;
        order[i] = k;
      }
    }
  }
  if (!m.is_array())
    throw InvalidRequest("ahp_not_square", "AHP 判断矩阵应为数组的数组", "the AHP matrix must be an array of arrays");
  std::vector<std::vector<double>> file;
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (!m[i].is_array())
      throw InvalidRequest("ahp_not_square", "matrix[" + std::to_string(i) + "] 应为数组",
                           "matrix[" + std::to_string(i) + "] must be an array");
    std::vector<double> row;
    for (std::size_t k = 0; k < m[i].size(); ++k)
      row.push_back(parse_judgement(m[i][k], "matrix[" + std::to_string(i) + "][" + std::to_string(k) + "]"));
    file.push_back(std::move(row));
  }
  if (file.size() != n) return file;  // ahp_weights names the shape problem
  for (const auto& row : file)
    if (row.size() != n) return file;
  std::vector<std::vector<double>> out(n, std::vector<double>(n));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < n; ++k) out[order[i]][order[k]] = file[i][k];
  return out;
}

SchemeService::SchemeService(storage::Store& layers, storage::ProjectStore& store,
                             const SchemeCriteria& criteria)
    : layers_(layers), store_(store), criteria_(criteria) {
  store_.ensure_tables(kTables);
}

void SchemeService::authorize_add(const User& user, const std::string& region_code) const {
  try {
    validate_region_code(region_code);
  } catch (const UsageError& e) {
    throw InvalidRequest("invalid_region", "region_code 不是行政区划代码：" + region_code, e.what());
  }
  if (!may_write(user, region_code))
    throw Forbidden("scheme_not_permitted", "您的角色或辖区不能在该区域编制比选方案",
                    "your roles and jurisdiction do not allow schemes in region " + region_code);
}

void SchemeService::authorize_compare(const User& user, const std::string& unit) const {
  // Without any role that reads schemes no unit is visible: the answer visible_unit gives.
  bool reader = false;
  for (const auto& g : user.grants)
    reader = reader || std::find(reader_roles().begin(), reader_roles().end(), g.role) != reader_roles().end();
  if (!reader) throw UnknownUnit(unit);
}

SchemeRecord SchemeService::add(const User& user, const NewScheme& in) {
  auto unit = checked_text(in.unit, "unit", 1, 64);
  auto name = checked_text(in.name, "name", 1, 100);
  auto description = checked_text(in.description, "description", 0, 2000);
  authorize_add(user, in.region_code);
  if (in.cost_fen < 0)
    throw InvalidRequest("invalid_cost", "cost_fen 不能为负数", "cost_fen must not be negative");
  if (in.relocated_households && *in.relocated_households < 0)
    throw InvalidRequest("invalid_relocations", "relocated_households（搬迁户数）不能为负数",
                         "relocated_households must not be negative");
  auto the_unit = visible_unit(layers_, user, unit);
  // The scheme's jurisdiction must be that of the unit: a township or village it spans.
  if (!the_unit.villages.empty() &&
      std::none_of(the_unit.villages.begin(), the_unit.villages.end(), [&](const std::string& v) {
        return region_contains(in.region_code, v) || region_contains(v, in.region_code);
      }))
    throw InvalidRequest("unit_region_mismatch",
                         "整治单元“" + unit + "”不涉及行政区 " + in.region_code + "（单元涉及的村：" +
                             the_unit.villages.front() + " 等）",
                         "consolidation unit '" + unit + "' spans no village of region " + in.region_code +
                             " (it spans " + the_unit.villages.front() + " …)");
  // Measured outside any transaction (GEOS work); the code is fixed under the write lock, so the
  // measurement uses a provisional one and the stored JSON is independent of it.
  // No structured bindings: the write lambda below captures them (clang 14 refuses that).
  auto checked = scheme_plan(the_unit, unit, in.plan_json);
  const CheckedPlan& plan = checked.plan;
  const json& p = checked.doc;
  const std::vector<StoredFeature>& features = checked.features;
  json assessment = assess(layers_, criteria_, "scheme", features, in.land_use_layer, in.cost_fen,
                           in.relocated_households);

  return store_.write([&](ProjectTx& tx) {
    std::string now = tx.now();
    std::string prefix = "FA" + now.substr(0, 4) + "-";
    auto n = to_int(tx.session().query("SELECT COUNT(*) FROM schemes WHERE code LIKE $1", {prefix + "%"})[0][0]);
    char code[32];
    std::snprintf(code, sizeof code, "%s%03lld", prefix.c_str(), static_cast<long long>(n + 1));
    auto rows = tx.session().query(
        "INSERT INTO schemes(code, unit, region_code, name, description, cost_fen, plan_json, plan_hash, "
        "area_m2, changes, assessment_json, created_by, created_at) "
        "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        {code, unit, in.region_code, name, description, num(in.cost_fen), plan.json, plan.hash,
         std::to_string(plan.area_m2), num(static_cast<std::int64_t>(p["changes"].size())),
         dump(assessment), actor_of(user), now});
    auto id = to_int(rows.at(0).at(0));
    tx.audit({actor_of(user), "scheme.create", "scheme:" + std::string(code),
              dump({{"unit", unit},
                    {"region", in.region_code},
                    {"name", name},
                    {"cost_fen", in.cost_fen},
                    {"plan_hash", plan.hash},
                    {"criteria", assessment["criteria"]}})});
    return *scheme_row(tx, id, true);
  });
}

SchemeRecord SchemeService::update(const User& user, std::int64_t id, const SchemeEdit& in) {
  auto name = checked_text(in.name, "name", 1, 100);
  auto description = checked_text(in.description, "description", 0, 2000);
  auto old = get(user, id);
  authorize_add(user, old.region_code);
  if (in.cost_fen < 0)
    throw InvalidRequest("invalid_cost", "cost_fen 不能为负数", "cost_fen must not be negative");
  if (in.relocated_households && *in.relocated_households < 0)
    throw InvalidRequest("invalid_relocations", "relocated_households（搬迁户数）不能为负数",
                         "relocated_households must not be negative");
  auto the_unit = visible_unit(layers_, user, old.unit);
  // No structured bindings: the write lambda below captures them (clang 14 refuses that).
  auto checked = scheme_plan(the_unit, old.unit, in.plan_json);
  const CheckedPlan& plan = checked.plan;
  const json& p = checked.doc;
  const std::vector<StoredFeature>& features = checked.features;
  auto before = json::parse(old.assessment_json);
  const std::string layer = before.contains("land_use") ? before["land_use"].value("layer", "") : "";
  json assessment = assess(layers_, criteria_, "scheme", features, layer, in.cost_fen, in.relocated_households);
  return store_.write([&](ProjectTx& tx) {
    auto current = scheme_row(tx, id, true);
    if (!current || !may_see(user, current->region_code)) scheme_not_found(id);
    tx.session().query(
        "UPDATE schemes SET name = $2, description = $3, cost_fen = $4, plan_json = $5, plan_hash = $6, "
        "area_m2 = $7, changes = $8, assessment_json = $9 WHERE id = $1",
        {num(id), name, description, num(in.cost_fen), plan.json, plan.hash, std::to_string(plan.area_m2),
         num(static_cast<std::int64_t>(p["changes"].size())), dump(assessment)});
    json from = {{"name", current->name}, {"cost_fen", current->cost_fen}, {"plan_hash", current->plan_hash}},
         to = {{"name", name}, {"cost_fen", in.cost_fen}, {"plan_hash", plan.hash}};
    if (current->description != description) from["description"] = current->description, to["description"] = description;
    tx.audit({actor_of(user), "scheme.update", "scheme:" + current->code,
              dump({{"from", from}, {"to", to}, {"criteria", assessment["criteria"]}})});
    return *scheme_row(tx, id, true);
  });
}

void SchemeService::remove(const User& user, std::int64_t id) {
  auto old = get(user, id);
  authorize_add(user, old.region_code);
  store_.write([&](ProjectTx& tx) {
    auto current = scheme_row(tx, id, false);
    if (!current || !may_see(user, current->region_code)) scheme_not_found(id);
    tx.session().query("DELETE FROM schemes WHERE id = $1", {num(id)});
    tx.audit({actor_of(user), "scheme.delete", "scheme:" + current->code,
              dump({{"unit", current->unit}, {"region", current->region_code}, {"name", current->name},
                    {"cost_fen", current->cost_fen}, {"plan_hash", current->plan_hash}})});
  });
}

std::vector<SchemeRecord> SchemeService::list(const User& user, const std::string& unit, bool documents) {
  return store_.read([&](ProjectTx& tx) {
    std::vector<SchemeRecord> out;
    std::string sql = std::string("SELECT ") + kColumns + (documents ? "plan_json" : "''") + " FROM schemes";
    std::vector<std::string> params;
    if (!unit.empty()) {
      visible_unit(layers_, user, unit);
      sql += " WHERE unit = $1";
      params.push_back(unit);
    }
    sql += " ORDER BY id";
    for (auto& r : tx.session().query(sql, params)) {
      auto s = scheme_of(r);
      if (may_see(user, s.region_code)) out.push_back(std::move(s));
    }
    return out;
  });
}

SchemeRecord SchemeService::get(const User& user, std::int64_t id) {
  return store_.read([&](ProjectTx& tx) {
    auto s = scheme_row(tx, id, true);
    if (!s || !may_see(user, s->region_code)) scheme_not_found(id);
    return *s;
  });
}

SchemeComparison SchemeService::compare(const User& user, const std::string& unit,
                                        const CompareOptions& options) {
  if (options.weights != "entropy" && options.weights != "ahp")
    throw InvalidRequest("unknown_weights", "权重方法应为 entropy（熵权）或 ahp（层次分析）：" + options.weights,
                         "weights must be entropy or ahp, not '" + options.weights + "'");
  authorize_compare(user, unit);
  if (options.weights == "ahp" && options.ahp_matrix_json.empty())
    throw InvalidRequest("missing_field", "AHP 权重需要判断矩阵", "AHP weights need a pairwise comparison matrix");
  SchemeComparison out;
  out.unit = checked_text(unit, "unit", 1, 64);
  out.weights_method = options.weights;
  out.criteria = criteria_.criteria;
  std::vector<std::string> labels;
  std::vector<CriterionDirection> dirs;
  for (const auto& c : out.criteria) {
    labels.push_back(c.id);
    dirs.push_back(c.direction);
  }
  // Weights first: a bad matrix is the caller's error whatever the schemes.
  if (options.weights == "ahp") {
    out.ahp = ahp_weights(read_ahp_matrix(options.ahp_matrix_json, out.criteria), labels);
    out.weights = out.ahp->weights;
  }
  visible_unit(layers_, user, out.unit);
  if (options.schemes.empty()) {
    for (auto& s : list(user))
      if (s.unit == out.unit) out.schemes.push_back(std::move(s));
  } else {
    // The schemes named: each must exist for the user (404 otherwise) and belong to the unit.
    for (const auto& ref : options.schemes) {
      auto s = store_.read([&](ProjectTx& tx) -> std::optional<SchemeRecord> {
        auto rows = tx.session().query(std::string("SELECT ") + kColumns + "'' FROM schemes WHERE code = $1 OR CAST(id AS text) = $1", {ref});
        if (rows.empty()) return std::nullopt;
        return scheme_of(rows[0]);
      });
      if (!s || !may_see(user, s->region_code)) throw NotFoundError("scheme '" + ref + "' does not exist");
      if (s->unit != out.unit)
        throw InvalidRequest("scheme_unit_mismatch",
                             "方案 " + s->code + " 属于整治单元“" + s->unit + "”，不属于“" + out.unit +
                                 "”：同一次比选的方案须属于同一单元",
                             "scheme " + s->code + " belongs to unit '" + s->unit + "', not '" + out.unit +
                                 "': the schemes of one comparison must share the unit");
      if (std::none_of(out.schemes.begin(), out.schemes.end(), [&](const SchemeRecord& x) { return x.id == s->id; }))
        out.schemes.push_back(std::move(*s));
    }
    std::sort(out.schemes.begin(), out.schemes.end(),
              [](const SchemeRecord& a, const SchemeRecord& b) { return a.id < b.id; });
  }
  if (out.schemes.empty())
    throw NotFoundError("no scheme of unit '" + out.unit + "' that you may see");
  if (out.schemes.size() < 2)
    throw RuleError("too_few_schemes",
                    "单元“" + out.unit + "”只有 1 个方案（" + out.schemes[0].code + "），比选至少需要 2 个方案",
                    "unit '" + out.unit + "' has one scheme (" + out.schemes[0].code +
                        "); a comparison needs at least two");
  for (const auto& s : out.schemes) {
    auto values = json::parse(s.assessment_json)["criteria"];
    std::vector<double> row;
    for (const auto& c : out.criteria) row.push_back(values.value(c.id, 0.0));
    out.values.push_back(std::move(row));
  }
  if (options.weights == "entropy") {
    out.entropy = entropy_weights(out.values, dirs);
    out.weights = out.entropy->weights;
    if (out.entropy->uniform_fallback) {
      out.notes_zh.push_back("各方案在所有指标上取值相同，熵权无从区分，采用等权重");
      out.notes_en.push_back("the schemes are equal on every criterion, so entropy weights cannot "
                             "tell the criteria apart: equal weights are used");
    }
    for (std::size_t j = 0; j < out.criteria.size(); ++j)
      if (!out.entropy->uniform_fallback && out.entropy->divergence[j] <= 0) {
        out.notes_zh.push_back("指标“" + out.criteria[j].name_zh + "”各方案相同，熵权为 0");
        out.notes_en.push_back("criterion " + out.criteria[j].id + " is equal in every scheme: entropy weight 0");
      }
  }
  out.topsis = topsis(out.values, dirs, out.weights);
  if (out.topsis.all_equal) {
    out.notes_zh.push_back("各方案在加权指标上无差别，贴近度均为 0.5，并列第一");
    out.notes_en.push_back("no weighted criterion separates the schemes: every closeness is 0.5 and all rank first");
  }
  return out;
}

SimulationResult SchemeService::simulate(const User& user, std::int64_t id) {
  auto s = get(user, id);
  if (!may_write(user, s.region_code))
    throw Forbidden("scheme_not_permitted", "您的角色或辖区不能模拟该方案",
                    "your roles and jurisdiction do not allow simulating this scheme");
  json plan = json::parse(s.plan_json);
  auto assessment = json::parse(s.assessment_json);
  SimulationResult out;
  out.original = layers_.layer_version(assessment["land_use"]["layer"].get<std::string>(), std::nullopt);
  if (is_scenario_layer(out.original))
    throw RuleError("scenario_base", "方案的现状地类图层本身是情景图层", "the scheme's land-use layer is itself a scenario");
  auto features = plan_features(s.code, plan);
  // The scenario is a 三调 layer: a 用地用海 target becomes its 三调 class of the same name; one
  // without such a class cannot be simulated (never guessed).
  std::vector<std::string> scenario_codes;
  for (std::size_t i = 0; i < plan["changes"].size(); ++i) {
    auto to = change_target(plan["changes"][i]);
    if (!to || to->survey_code.empty())
      throw RuleError("no_survey_class",
                      "plan.changes[" + std::to_string(i) + "] 的规划地类 " + (to ? to->words(true) : std::string("?")) +
                          " 没有同名的三调地类，无法模拟为三调现状图层",
                      "plan.changes[" + std::to_string(i) + "] targets " + (to ? to->words(false) : std::string("?")) +
                          ", which has no 三调 class of the same name: it cannot be simulated as a 三调 layer");
    scenario_codes.push_back(to->survey_code);
  }

  BalanceRequest br;
  br.project_id = s.code;
  br.project_layer = "scheme:" + s.code;
  br.land_use_layer = out.original.layer;
  br.features = features;
  out.balance = land_use_balance(layers_, br);

  // The scenario: the original's features with the changed ground cut out (area fields scaled to
  // what is left), plus each change as a spot of its planned class.
  std::vector<geo::Geometry> changes;
  for (std::size_t i = 1; i < features.size(); ++i) changes.push_back(geo::Geometry::from_wkb(features[i].wkb));
  std::vector<geo::Geometry> copies;
  for (const auto& g : changes) copies.push_back(g.clone());
  geo::Geometry cut = geo::Geometry::union_all(std::move(copies));
  Envelope cut_env = cut.envelope();
  geo::PreparedGeometry prepared(cut);
  const auto& classes = LandUseClassTable::standard();
  // Read before the transaction: the original is not written by it.
  auto original_features = layers_.read_all(out.original, {});
  std::string scenario_name = "scenario-" + s.code;
  storage::validate_layer_name(scenario_name);
  // One transaction: the scenario version, the scheme's record of it and the audit entry appear
  // together or not at all (docs/schemes.md, "Transactions").
  out.scheme = store_.write([&](ProjectTx& tx) {
    auto cur = scheme_row(tx, id, false);
    if (!cur) scheme_not_found(id);
    auto writer = tx.begin_layer_version(
        {scenario_name, LayerKind::land_use,
         "scenario:" + s.code + " on " + out.original.layer + " v" + std::to_string(out.original.version),
         // The original's features are copied: their edges stay straight where they were.
         out.original.source_srs});
    for (auto& f : original_features) {
      if (!f.bbox.intersects(cut_env)) {
        writer->add(f.source_id, f.wkb, f.bbox, f.attributes);
        continue;
      }
      auto g = geo::Geometry::from_wkb(f.wkb);
      if (!prepared.intersects(g)) {
        writer->add(f.source_id, f.wkb, f.bbox, f.attributes);
        continue;
      }
      auto rest = g.difference(cut).polygonal_part();
      if (rest.is_empty()) continue;
      double before = geo::ellipsoidal_area_m2(g), after = geo::ellipsoidal_area_m2(rest);
      if (after < 0.01) continue;
      double k = before > 0 ? after / before : 1.0;
      Attributes a = f.attributes;
      for (auto& attr : a)
        for (const char* field : {"TBMJ", "KCMJ", "TBDLMJ"})
          if (strcasecmp(attr.name.c_str(), field) == 0)
            if (auto v = attribute_number(f.attributes, field))
              attr.value = std::round(*v * k * 100) / 100;
      writer->add(f.source_id, rest.wkb(), rest.envelope(), a);
    }
    for (std::size_t i = 0; i < changes.size(); ++i) {
      const auto& c = plan["changes"][i];
      const std::string& to = scenario_codes[i];
      const auto* cls = classes.find(to);
      double area = std::round(geo::ellipsoidal_area_m2(changes[i]) * 100) / 100;
      Attributes a{{"DLBM", to},
                   {"DLMC", cls ? cls->name_zh : std::string()},
                   {"TBMJ", area},
                   {"KCMJ", 0.0},
                   {"TBDLMJ", area},
                   {"FABH", s.code},
                   {"from_code", c["from_code"].get<std::string>()}};
      if (c.contains("measure")) a.push_back({"measure", c["measure"].get<std::string>()});
      writer->add(s.code + "-C" + std::to_string(i + 1), changes[i].wkb(), changes[i].envelope(), a);
    }
    out.scenario = writer->commit();
    std::string now = tx.now();
    tx.session().query(
        "UPDATE schemes SET scenario_layer = $1, scenario_version = $2, simulated_by = $3, simulated_at = $4 "
        "WHERE id = $5",
        {out.scenario.layer, num(out.scenario.version), actor_of(user), now, num(id)});
    tx.audit({actor_of(user), "scheme.simulate", "scheme:" + s.code,
              dump({{"original", {{"layer", out.original.layer}, {"version", out.original.version}}},
                    {"scenario", {{"layer", out.scenario.layer}, {"version", out.scenario.version}}},
                    {"features", out.scenario.feature_count},
                    {"changes", changes.size()}})});
    return *scheme_row(tx, id, true);
  });
  std::vector<StoredFeature>().swap(original_features);

  // The scenario measured over the scheme's area must show the after column (read once it is
  // committed; the result reports it, the audit entry records what was written).
  BalanceRequest mr;
  mr.project_id = s.code;
  mr.project_layer = "scheme:" + s.code;
  mr.land_use_layer = out.scenario.layer;
  mr.features = std::vector<StoredFeature>{features.front()};
  auto measured = land_use_balance(layers_, mr);
  std::map<std::string, double> after, seen;
  for (const auto& r : out.balance.rows) after[r.code] = r.after_m2;
  for (const auto& r : measured.rows) {
    BalanceRow row{r.code, r.before_m2, r.before_m2};
    out.measured.push_back(row);
    seen[r.code] = r.before_m2;
  }
  for (const auto& [code, v] : after) out.max_deviation_m2 = std::max(out.max_deviation_m2, std::fabs(v - seen[code]));
  for (const auto& [code, v] : seen) out.max_deviation_m2 = std::max(out.max_deviation_m2, std::fabs(v - after[code]));

  return out;
}

}  // namespace gz::services
