#include "services/projects.h"

#include "services/plan_features.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>
#include <set>

#include "common/json_input.h"
#include "common/error.h"
#include "common/sha256.h"
#include "services/request_text.h"
#include "domain/land_use_classes.h"
#include "domain/survey_fields.h"
#include "geo/ellipsoid.h"
#include "geo/geometry.h"
#include "services/compliance_check.h"
#include "services/compliance_gate.h"
#include "services/regions.h"
#include "storage/attributes_json.h"

namespace gz::services {

using storage::ObligationRecord;
using storage::ProjectRecord;
using storage::ProjectTx;
using storage::ReviewRecord;

std::int64_t system_clock_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

using json = nlohmann::json;




std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

bool is_admin_or_auditor(const User& u) {
  for (const auto& g : u.grants)
    if (g.role == Role::admin || g.role == Role::auditor) return true;
  return false;
}

ProjectRecord not_found(std::int64_t id) {
  throw NotFoundError("project " + std::to_string(id) + " does not exist");
}

[[noreturn]] void forbidden_action(ProjectAction a) {
  throw Forbidden("action_not_permitted",
                  "您的角色或辖区不能对该项目执行“" + std::string(chinese_name(a)) + "”",
                  "your roles and jurisdiction do not allow '" + std::string(to_string(a)) +
                      "' on this project");
}


geo::Geometry read_polygonal(const json& g, const std::string& field) {
  if (!g.is_object())
    throw InvalidRequest("invalid_geometry", field + " 应为 GeoJSON 几何对象",
                         field + " must be a GeoJSON geometry object");
  geo::Geometry geom;
  try {
    geom = geo::Geometry::from_geojson(g.dump());
  } catch (const Error& e) {
    throw InvalidRequest("invalid_geometry", field + " 不是有效的 GeoJSON 几何：" + e.what(),
                         field + " is not a GeoJSON geometry: " + e.what());
  }
  if (!geom.is_polygonal() || geom.is_empty())
    throw InvalidRequest("invalid_geometry", field + " 应为面（Polygon 或 MultiPolygon）",
                         field + " must be a Polygon or MultiPolygon, not " + geom.type_name());
  auto env = geom.envelope();
  // CGCS2000 longitude/latitude over China; projected metres or swapped axes fail here.
  if (env.minx < 73 || env.maxx > 136 || env.miny < 3 || env.maxy > 54)
    throw InvalidRequest("outside_extent",
                         field + " 的坐标不在中国范围内的经纬度（CGCS2000，EPSG:4490）",
                         field + " has coordinates outside longitude 73–136, latitude 3–54 "
                                 "(CGCS2000 lon/lat, EPSG:4490)");
  auto v = geom.validity();
  if (!v.valid) {
    std::string where = v.has_location ? " (" + std::to_string(v.x) + " " + std::to_string(v.y) + ")" : "";
    throw InvalidRequest("invalid_geometry", field + " 几何无效：" + v.reason + where,
                         field + " is not valid: " + v.reason + where);
  }
  return geom;
}

const char* kPlanFields[] = {"area", "changes"};
const char* kChangeFields[] = {"geometry", "from_code", "to_code", "to_ghdlbm", "measure"};

}  // namespace

std::string check_class_code(const std::string& where, const std::string& code, bool planning) {
  auto problem = planning ? planning_code_problem(where, code) : survey_code_problem(where, code);
  if (!problem) return code;
  // The reason reads "中文 / English".
  std::string zh = problem->reason, en = problem->reason;
  if (auto cut = problem->reason.find(" / "); cut != std::string::npos) {
    zh = problem->reason.substr(0, cut);
    en = problem->reason.substr(cut + 3);
  }
  throw InvalidRequest("unknown_class", where + "：" + zh, where + ": " + en);
}

std::optional<PlannedTarget> change_target(const json& change) {
  if (!change.is_object()) return std::nullopt;
  if (auto it = change.find("to_code"); it != change.end() && it->is_string())
    return survey_target(it->get<std::string>());
  if (auto it = change.find("to_ghdlbm"); it != change.end() && it->is_string())
    return planning_target(it->get<std::string>());
  return std::nullopt;
}

CheckedPlan check_plan(const std::string& plan_json) {
  json j;
  try {
    j = parse_json_input(plan_json, "plan", "plan");
  } catch (const json::exception&) {
    throw InvalidRequest("malformed_json", "plan 不是有效的 JSON", "plan is not valid JSON");
  }
  if (!j.is_object())
    throw InvalidRequest("invalid_plan", "plan 应为对象 {area, changes}", "plan must be an object {area, changes}");
  for (auto& [k, v] : j.items())
    if (std::find(std::begin(kPlanFields), std::end(kPlanFields), k) == std::end(kPlanFields))
      throw InvalidRequest("unknown_field", "plan 中的未知字段：" + k, "unknown field in plan: " + k);
  if (!j.contains("area"))
    throw InvalidRequest("missing_field", "plan 缺少项目区范围 area", "plan has no area");
  auto area = read_polygonal(j["area"], "plan.area");
  CheckedPlan out;
  out.area_m2 = geo::ellipsoidal_area_m2(area);
  json norm = {{"area", json::parse(area.geojson())}, {"changes", json::array()}};
  if (j.contains("changes")) {
    if (!j["changes"].is_array())
      throw InvalidRequest("wrong_type", "plan.changes 应为数组", "plan.changes must be an array");
    if (j["changes"].size() > 10000)
      throw InvalidRequest("too_many_changes", "plan.changes 超过 10000 项", "plan.changes has more than 10000 items");
    std::size_t i = 0;
    for (const auto& c : j["changes"]) {
      std::string f = "plan.changes[" + std::to_string(i++) + "]";
      if (!c.is_object())
        throw InvalidRequest("wrong_type", f + " 应为对象", f + " must be an object");
      for (auto& [k, v] : c.items())
        if (std::find(std::begin(kChangeFields), std::end(kChangeFields), k) == std::end(kChangeFields))
          throw InvalidRequest("unknown_field", f + " 中的未知字段：" + k, "unknown field in " + f + ": " + k);
      if (!c.contains("geometry"))
        throw InvalidRequest("missing_field", f + " 缺少 geometry", f + " has no geometry");
      auto g = read_polygonal(c["geometry"], f + ".geometry");
      // A change lies in the project area; a metre of slack for digitising.
      double outside = geo::ellipsoidal_area_m2(g.difference(area).polygonal_part());
      if (outside > 1.0)
        throw InvalidRequest("change_outside_area",
                             f + " 有 " + std::to_string(static_cast<long long>(std::lround(outside))) +
                                 " 平方米在项目区之外",
                             f + " has " + std::to_string(static_cast<long long>(std::lround(outside))) +
                                 " m² outside the project area");
      json nc = {{"geometry", json::parse(g.geojson())}};
      if (!c.contains("from_code") || !c["from_code"].is_string())
        throw InvalidRequest("missing_field", f + " 缺少现状地类编码 from_code（三调）",
                             f + " needs the 三调 class code it is now (from_code)");
      nc["from_code"] = check_class_code(f + ".from_code", c["from_code"].get<std::string>(), false);
      // The target: a 三调 class (to_code) or a 用地用海 class (to_ghdlbm), one of the two. The
      // codes overlap (0101 is in both), so the field says which classification is meant.
      bool sd = c.contains("to_code"), yydh = c.contains("to_ghdlbm");
      if (sd && yydh)
        throw InvalidRequest("ambiguous_target", f + " 同时给出了 to_code（三调）和 to_ghdlbm（用地用海）：规划地类只能选一种分类",
                             f + " has both to_code (三调) and to_ghdlbm (用地用海): give the target in one classification");
      if (!sd && !yydh)
        throw InvalidRequest("missing_field", f + " 缺少规划地类：to_code（三调）或 to_ghdlbm（用地用海）",
                             f + " needs a target class: to_code (三调) or to_ghdlbm (用地用海)");
      const char* to_field = sd ? "to_code" : "to_ghdlbm";
      if (!c[to_field].is_string())
        throw InvalidRequest("wrong_type", f + "." + to_field + " 应为文本地类编码（如 \"0101\"）",
                             f + "." + to_field + " must be a text class code (like \"0101\")");
      nc[to_field] = check_class_code(f + "." + to_field, c[to_field].get<std::string>(), yydh);
      if (c.contains("measure")) {
        if (!c["measure"].is_string())
          throw InvalidRequest("wrong_type", f + ".measure 应为字符串", f + ".measure must be a string");
        nc["measure"] = checked_text(c["measure"].get<std::string>(), "measure", 0, 200);
      }
      norm["changes"].push_back(nc);
    }
  }
  out.json = dump(norm);
  out.hash = sha256_hex(out.json);
  return out;
}

bool has_grant_over(const User& user, const std::vector<Role>& roles, const std::string& region) {
  for (const auto& g : user.grants)
    if (std::find(roles.begin(), roles.end(), g.role) != roles.end() &&
        region_contains(g.region_code, region))
      return true;
  return false;
}

bool may_see_project(const User& user, const ProjectRecord& p) {
  if (is_admin_or_auditor(user)) return true;
  for (const auto& g : user.grants) {
    // A villager is concerned by projects in their village and by the township's or county's
    // projects that their village lies in.
    if (g.role == Role::villager) {
      if ((region_contains(g.region_code, p.region_code) ||
           region_contains(p.region_code, g.region_code)) &&
          visible_to_public(p.state))
        return true;
      continue;
    }
    if (!region_contains(g.region_code, p.region_code)) continue;
    if (g.role == Role::villager) {
      if (visible_to_public(p.state)) return true;
    } else if (g.role == Role::investor) {
      if (visible_to_investor(p.state) || p.created_by == user.username) return true;
    } else {
      return true;
    }
  }
  return false;
}

std::string actor_of(const User& user) { return user.username; }

LayerProject project_from_layer(storage::Store& store, const std::string& layer,
                                const std::string& code) {
  auto v = store.layer_version(layer, std::nullopt);
  LayerProject out;
  out.code = code;
  json area, changes = json::array();
  for (const auto& f : store.read_all(v, {})) {
    if (attribute_text(f.attributes, "XMBH").value_or("") != code) continue;
    auto g = json::parse(geo::Geometry::from_wkb(f.wkb).geojson());
    auto from = attribute_text(f.attributes, "from_code");
    auto to = attribute_text(f.attributes, "to_code");
    auto to_ghdlbm = attribute_text(f.attributes, "GHDLBM");
    if (from && (to || to_ghdlbm)) {
      json c = {{"geometry", g}, {"from_code", *from}};
      if (to) c["to_code"] = *to;
      else c["to_ghdlbm"] = *to_ghdlbm;
      if (auto m = attribute_text(f.attributes, "measure")) c["measure"] = *m;
      changes.push_back(c);
    } else {
      area = g;
      out.name = attribute_text(f.attributes, "XMMC").value_or(code);
      out.type = attribute_text(f.attributes, "XMLX").value_or("");
      out.region_code = attribute_text(f.attributes, "XZQDM").value_or("");
      out.status = attribute_text(f.attributes, "status").value_or("");
    }
  }
  if (area.is_null()) throw NotFoundError("no project " + code + " in layer " + layer);
  out.plan_json = dump({{"area", area}, {"changes", changes}});
  return out;
}

std::vector<std::string> project_codes_in_layer(storage::Store& store, const std::string& layer) {
  auto v = store.layer_version(layer, std::nullopt);
  std::set<std::string> codes;
  for (const auto& f : store.read_all(v, {}))
    if (!attribute_text(f.attributes, "from_code"))
      if (auto c = attribute_text(f.attributes, "XMBH")) codes.insert(*c);
  return {codes.begin(), codes.end()};
}

ProjectService::ProjectService(storage::Store& layers, storage::ProjectStore& projects,
                               storage::IdentityStore* identity,
                               const ReviewRequirements& requirements, Clock clock,
                               const RuleSet& rules)
    : layers_(layers),
      projects_(projects),
      identity_(identity),
      requirements_(requirements),
      clock_(std::move(clock)),
      rules_(rules) {}

void ProjectService::add_guard(ProjectAction action, Guard guard) {
  guards_.emplace_back(action, std::move(guard));
}

void ProjectService::add_reach(Reach reach) { reaches_.push_back(std::move(reach)); }

bool ProjectService::sees(ProjectTx& tx, const User& user, const ProjectRecord& p) const {
  if (may_see_project(user, p)) return true;
  for (const auto& r : reaches_)
    if (r(tx, user, p)) return true;
  return false;
}

ProjectRecord ProjectService::visible(ProjectTx& tx, const User& user, std::int64_t id) {
  auto p = tx.project(id);
  if (!p || !sees(tx, user, *p)) return not_found(id);
  return *p;
}

std::vector<ProjectRecord> ProjectService::list(const User& user) {
  std::optional<std::vector<std::string>> prefixes;
  if (!is_admin_or_auditor(user)) {
    prefixes.emplace();
    for (const auto& g : user.grants) {
      if (g.region_code.empty()) {
        prefixes.reset();
        break;
      }
      prefixes->push_back(region_prefix(g.region_code));
      // A villager also sees the projects of the township and county their village lies in
      // (may_see_project): read those regions' own projects too, then filter.
      // So may a village collective the projects another part lets it reach (add_reach).
      if (g.role == Role::villager || (g.role == Role::village_collective && !reaches_.empty()))
        for (std::size_t n : {std::size_t{6}, std::size_t{9}})
          if (g.region_code.size() > n) prefixes->push_back(g.region_code.substr(0, n));
    }
  }
  // A list shows no plan: the geometry documents stay in the database.
  return projects_.read([&](ProjectTx& tx) {
    std::vector<ProjectRecord> out;
    for (auto& p : tx.projects(prefixes, false))
      if (sees(tx, user, p)) out.push_back(std::move(p));
    return out;
  });
}

namespace {
// The compliance check of a project's stored plan (GEOS work, outside any transaction): the
// summary stored with the project, or answered by preview_compliance. Each finding carries its
// key (what an acknowledgement applies to) and its effect under the rules' binding.
json compliance_summary(storage::Store& layers, const ProjectRecord& p, const RuleSet& rules) {
  json plan = json::parse(p.plan_json);
  if (!plan.contains("area"))
    throw RuleError("no_plan", "项目尚无项目区范围", "the project has no area yet");
  std::vector<StoredFeature> features = plan_features(p.code, p.type, plan, "-P");
  CheckRequest request;
  request.layer = "project:" + p.code;
  request.features = std::move(features);
  request.want_geometry = true;
  auto result = compliance_check(layers, request, rules);
  json findings = json::array(), overlaps = json::array(), controls = json::array();
  for (const auto& c : result.controls)
    controls.push_back({{"layer", c.layer}, {"kind", std::string(to_string(c.kind))}, {"version", c.version}});
  if (!result.features.empty())
    for (const auto& o : result.features[0].overlaps)
      if (o.area_m2 > 0)
        overlaps.push_back({{"layer", result.controls[o.control].layer},
                            {"kind", std::string(to_string(result.controls[o.control].kind))},
                            {"area_m2", o.area_m2},
                            {"share", o.share},
                            {"geometry", o.geojson.empty() ? json() : json::parse(o.geojson)}});
  for (const auto& f : result.findings) {
    findings.push_back({{"rule", f.rule->id},
                        {"severity", f.rule->severity},
                        {"name_zh", f.rule->name_zh},
                        {"name_en", f.rule->name_en},
                        {"feature", f.feature_id},
                        {"controls", f.controls},
                        {"area_m2", f.area_m2},
                        {"share", f.share},
                        {"geometry", f.geojson.empty() ? json() : json::parse(f.geojson)}});
    findings.back()["key"] = finding_key(p.plan_hash, findings.back());
    findings.back()["effect"] = std::string(to_string(rules.binding.effect(f.rule->id, f.rule->severity)));
  }
  json summary = {{"area_m2", result.features.empty() ? 0.0 : result.features[0].area_m2},
                  {"controls", controls},
                  {"overlaps", overlaps},
                  {"findings", findings}};
  return summary;
}

}  // namespace

ProjectRecord ProjectService::get(const User& user, std::int64_t id) {
  return projects_.read([&](ProjectTx& tx) { return visible(tx, user, id); });
}

ProjectView ProjectService::view(const User& user, std::int64_t id) {
  return projects_.read([&](ProjectTx& tx) {
    ProjectView v;
    v.project = visible(tx, user, id);
    v.reviews = tx.reviews(id);
    v.obligations = tx.obligations(id);
    v.transitions = tx.transitions(id);
    v.acknowledgements = tx.acknowledgements(id);
    return v;
  });
}

void ProjectService::authorize_create(const User& user, const std::string& region_code) const {
  try {
    validate_region_code(region_code);
  } catch (const UsageError& e) {
    throw InvalidRequest("invalid_region", "region_code 不是有效的行政区划代码", e.what());
  }
  if (!has_grant_over(user, project_applicant_roles(), region_code))
    throw Forbidden("not_an_applicant", "您在该区域没有申报项目的角色",
                    "you hold no applicant role (township, village collective, investor, lead "
                    "department) over region " + region_code);
}

ProjectRecord ProjectService::create(const User& user, const NewProject& np) {
  ProjectRecord p;
  p.name = checked_text(np.name, "name", 1, 200);
  auto types = requirements_.project_types();
  if (std::find(types.begin(), types.end(), np.type) == types.end()) {
    std::string list;
    for (const auto& t : types) list += (list.empty() ? "" : "、") + t;
    throw InvalidRequest("unknown_project_type", "未知的项目类型：" + np.type + "（可选：" + list + "）",
                         "unknown project type '" + np.type + "' (types: " + list + ")");
  }
  p.type = np.type;
  authorize_create(user, np.region_code);
  p.region_code = np.region_code;
  if (identity_ && identity_->has_regions() && !identity_->find_region(p.region_code))
    throw InvalidRequest("unknown_region", "区域不存在：" + p.region_code,
                         "region " + p.region_code + " is not in the region hierarchy");
  if (!np.plan_json.empty()) {
    auto plan = check_plan(np.plan_json);
    p.plan_json = plan.json;
    p.plan_hash = plan.hash;
    p.area_m2 = plan.area_m2;
  } else {
    p.plan_json = "{}";
    p.plan_hash = sha256_hex(p.plan_json);
  }
  p.state = ProjectState::draft;
  p.created_by = actor_of(user);
  return projects_.write([&](ProjectTx& tx) {
    p.created_at = p.updated_at = tx.now();
    std::string year = p.created_at.substr(0, 4);
    std::string prefix = "XM" + year + "-";
    char code[48];
    std::snprintf(code, sizeof code, "%s%03lld", prefix.c_str(),
                  static_cast<long long>(tx.next_code_number(prefix)));
    p.code = code;
    auto stored = tx.insert_project(p);
    json d = {{"code", stored.code}, {"name", stored.name}, {"type", stored.type},
              {"region", stored.region_code}, {"plan_hash", stored.plan_hash}};
    tx.audit({actor_of(user), "project.create", "project:" + stored.code, dump(d)});
    tx.insert_event({0, "", "project.created", stored.id, stored.region_code, "",
                     dump({{"code", stored.code}, {"name", stored.name}})});
    return stored;
  });
}

ProjectRecord ProjectService::update_plan(const User& user, std::int64_t id,
                                          std::int64_t expected_row_version,
                                          const std::string& plan_json) {
  authorize_plan_edit(user, id);
  auto plan = check_plan(plan_json);
  return projects_.write([&](ProjectTx& tx) {
    auto p = plan_editor_check(tx, user, id);
    if (!plan_editable(p.state))
      throw RuleError("plan_locked", "项目处于“" + std::string(chinese_name(p.state)) + "”状态，方案不可修改",
                      "the plan of a project in state " + std::string(to_string(p.state)) +
                          " cannot be edited (only draft or returned)");
    if (p.row_version != expected_row_version)
      throw RuleError("stale_version", "项目已被他人修改，请刷新后重试",
                      "the project changed since you read it (version " +
                          std::to_string(p.row_version) + ", you sent " +
                          std::to_string(expected_row_version) + "); reload and retry");
    std::string old_hash = p.plan_hash;
    p.plan_json = plan.json;
    p.plan_hash = plan.hash;
    p.area_m2 = plan.area_m2;
    auto stored = tx.update_project(p);
    // An acknowledgement applies to a finding of the plan as it was checked.
    json cleared = json::array();
    for (const auto& a : tx.clear_acknowledgements(id, {}, "plan_changed")) cleared.push_back(a.finding_key);
    json d = {{"from_hash", old_hash}, {"to_hash", plan.hash}, {"area_m2", plan.area_m2}};
    if (!cleared.empty()) d["cleared_acknowledgements"] = cleared;
    tx.audit({actor_of(user), "project.plan", "project:" + p.code, dump(d)});
    return stored;
  });
}

ProjectRecord ProjectService::plan_editor_check(ProjectTx& tx, const User& user, std::int64_t id) {
  auto p = visible(tx, user, id);
  if (!has_grant_over(user, project_applicant_roles(), p.region_code))
    throw Forbidden("not_an_applicant", "您不能修改该项目的方案", "you may not edit this project's plan");
  return p;
}

void ProjectService::authorize_plan_edit(const User& user, std::int64_t id) {
  projects_.read([&](ProjectTx& tx) { return plan_editor_check(tx, user, id); });
}

std::string ProjectService::preview_compliance(const User& user, std::int64_t id) {
  auto p = get(user, id);
  std::vector<Role> roles = project_applicant_roles();
  for (Role r : transition_for(ProjectAction::check_compliance).roles) roles.push_back(r);
  if (!has_grant_over(user, roles, p.region_code))
    throw Forbidden("preview_not_permitted", "只有申报单位和牵头部门可以预审该项目",
                    "only applicants and the lead department may run a preview check of this project");
  return dump(compliance_summary(layers_, p, rules_));
}

std::vector<std::string> ProjectService::project_types() const { return requirements_.project_types(); }

ProjectRecord ProjectService::run_compliance(const User& user, std::int64_t id,
                                             const ActionInput& input) {
  // Read the plan, check it outside any transaction (GEOS work), then store the result only if
  // the plan is still the one checked.
  auto p = get(user, id);
  const auto& t = transition_for(ProjectAction::check_compliance);
  if (!has_grant_over(user, t.roles, p.region_code)) forbidden_action(t.action);
  if (std::find(t.from.begin(), t.from.end(), p.state) == t.from.end())
    throw RuleError("invalid_transition",
                    "项目处于“" + std::string(chinese_name(p.state)) + "”状态，不能进行合规审查",
                    "a project in state " + std::string(to_string(p.state)) +
                        " cannot be compliance checked");
  json summary = compliance_summary(layers_, p, rules_);
  std::vector<std::string> keys;
  for (const auto& f : summary["findings"]) keys.push_back(f["key"].get<std::string>());
  return projects_.write([&](ProjectTx& tx) {
    auto before = visible(tx, user, id);
    if (before.plan_hash != p.plan_hash || before.state != p.state)
      throw RuleError("plan_changed", "审查期间项目已被修改，请重新审查",
                      "the project changed while it was being checked; run the check again");
    auto after = before;
    after.compliance_json = dump(summary);
    after.compliance_plan_hash = before.plan_hash;
    after.compliance_at = tx.now();
    after.state = ProjectState::compliance_checked;
    // Acknowledgements of findings this check no longer finds as they were do not carry over.
    json extra = json::object();
    for (const auto& a : tx.clear_acknowledgements(id, keys, "findings_changed"))
      extra["cleared_acknowledgements"].push_back(a.finding_key);
    record(tx, user, before, after, ProjectAction::check_compliance, input.comment,
           extra.empty() ? "" : dump(extra));
    return *tx.project(id);
  });
}

void ProjectService::record(ProjectTx& tx, const User& user, const ProjectRecord& before,
                            const ProjectRecord& after, ProjectAction action,
                            const std::string& comment, const std::string& audit_extra) {
  tx.update_project(after);
  tx.insert_transition({0, after.id, std::string(to_string(action)),
                        std::string(to_string(before.state)), std::string(to_string(after.state)),
                        actor_of(user), tx.now(), comment});
  json d = {{"action", std::string(to_string(action))},
            {"from", std::string(to_string(before.state))},
            {"to", std::string(to_string(after.state))}};
  if (!comment.empty()) d["comment"] = comment;
  if (!audit_extra.empty()) d.update(json::parse(audit_extra));
  tx.audit({actor_of(user), "project." + std::string(to_string(action)), "project:" + after.code, dump(d)});
  d["code"] = after.code;
  d["name"] = after.name;
  tx.insert_event({0, "", "project.transition", after.id, after.region_code, "", dump(d)});
}

ProjectRecord ProjectService::act(const User& user, std::int64_t id, ProjectAction action,
                                  const ActionInput& input) {
  std::string comment = checked_text(input.comment, "comment", 0, 2000);
  if ((action == ProjectAction::return_for_revision || action == ProjectAction::reject) &&
      comment.empty())
    throw InvalidRequest("comment_required", "退回或不予立项须说明理由",
                         "returning or rejecting a project needs a comment giving the reasons");
  if (action == ProjectAction::check_compliance) return run_compliance(user, id, input);
  const auto& t = transition_for(action);
  // Submitting: the plan's findings, checked before the transaction (GEOS work) for the
  // applicant to confirm; the transaction then makes sure the plan is still the one checked.
  std::optional<std::string> checked_hash;
  std::vector<BindingFinding> submit_findings;
  if (action == ProjectAction::submit) {
    auto p = get(user, id);
    if (has_grant_over(user, t.roles, p.region_code) &&
        std::find(t.from.begin(), t.from.end(), p.state) != t.from.end() &&
        json::parse(p.plan_json).contains("area")) {
      submit_findings = binding_findings(compliance_summary(layers_, p, rules_), p.code,
                                         p.plan_json, p.plan_hash, rules_);
      checked_hash = p.plan_hash;
    }
  }
  return projects_.write([&](ProjectTx& tx) {
    auto before = visible(tx, user, id);
    if (!has_grant_over(user, t.roles, before.region_code)) forbidden_action(action);
    if (std::find(t.from.begin(), t.from.end(), before.state) == t.from.end())
      throw RuleError("invalid_transition",
                      "项目处于“" + std::string(chinese_name(before.state)) + "”状态，不能" +
                          std::string(chinese_name(action)),
                      "action " + std::string(to_string(action)) + " is not open to a project in state " +
                          std::string(to_string(before.state)));
    auto after = before;
    after.state = t.to;
    std::int64_t now = clock_();
    std::vector<std::pair<std::string, json>> requested;  // department → reasons
    json audit_extra = json::object();
    switch (action) {
      case ProjectAction::submit: {
        json plan = json::parse(before.plan_json);
        if (!plan.contains("area"))
          throw RuleError("no_plan", "申报前须先给出项目区范围", "a project needs an area before it is submitted");
        if (checked_hash != before.plan_hash)
          throw RuleError("plan_changed", "申报期间方案已被修改，请重新申报",
                          "the plan changed while it was being checked; submit again");
        if (!submit_findings.empty() && !input.confirm_findings)
          refuse_naming("findings_unconfirmed",
                        "合规预审发现 " + std::to_string(submit_findings.size()) +
                            " 项问题，请确认后再申报",
                        "the compliance check of the plan found " +
                            std::to_string(submit_findings.size()) +
                            " finding(s); confirm them to submit (confirm_findings)",
                        submit_findings);
        for (const auto& f : submit_findings)
          audit_extra["confirmed_findings"].push_back(
              {{"key", f.key}, {"rule", f.rule}, {"feature", f.feature}, {"area_m2", f.area_m2}});
        break;
      }
      case ProjectAction::start_review: {
        if (before.compliance_plan_hash != before.plan_hash || before.compliance_json.empty())
          throw RuleError("compliance_not_current", "须先对当前方案进行合规审查",
                          "run the compliance check on the current plan first");
        json c = json::parse(before.compliance_json);
        std::vector<std::string> findings, level1;
        for (const auto& f : c["findings"]) findings.push_back("rule:" + f["rule"].get<std::string>());
        for (const auto& o : c["overlaps"]) findings.push_back("overlap:" + o["kind"].get<std::string>());
        json plan = json::parse(before.plan_json);
        const auto& classes = LandUseClassTable::standard();
        // A 用地用海 target counts by its 三调 class of the same name, when it has one.
        for (const auto& ch : plan.value("changes", json::array())) {
          if (auto* cls = classes.find(ch.value("from_code", ""))) level1.push_back(cls->level1_code);
          if (auto to = change_target(ch))
            if (auto* cls = classes.find(to->survey_code)) level1.push_back(cls->level1_code);
        }
        after.review_round = before.review_round + 1;
        for (auto& [dept, reasons] : requirements_.required(before.type, findings, level1))
          requested.emplace_back(dept, json(reasons));
        break;
      }
      case ProjectAction::approve: {
        require_compliance_clear(before, tx.acknowledgements(id), rules_, action);
        auto reviews = tx.reviews(id);
        for (const auto& r : reviews) {
          if (r.round != before.review_round) continue;
          if (r.decision.empty())
            throw RuleError("reviews_pending", r.department + " 尚未给出会审意见",
                            "the review of " + r.department + " is not in yet");
          if (r.decision == "reject")
            throw RuleError("review_rejected", r.department + " 不同意立项，只能退回或不予立项",
                            r.department + " rejected the project; it can only be returned or rejected");
        }
        break;
      }
      case ProjectAction::publish_notice: {
        require_compliance_clear(before, tx.acknowledgements(id), rules_, action);
        if (input.notice_days < 1 || input.notice_days > 90)
          throw InvalidRequest("invalid_notice_days", "公示期应为 1 至 90 天",
                               "notice_days must be between 1 and 90");
        after.notice_days = input.notice_days;
        after.notice_starts = iso_utc(now);
        after.notice_ends = iso_utc(now + input.notice_days * 86400);
        break;
      }
      case ProjectAction::start_implementation: {
        if (now < parse_iso_utc(before.notice_ends))
          throw RuleError("notice_period_running", "公示期至 " + before.notice_ends + " 结束，尚不能开工",
                          "the public notice runs until " + before.notice_ends);
        break;
      }
      case ProjectAction::accept: {
        for (const auto& o : tx.obligations(id))
          if (o.status != "fulfilled")
            throw RuleError("obligations_open", o.department + " 的会审条件尚未落实：" + o.text,
                            "a review condition of " + o.department + " is still open: " + o.text);
        break;
      }
      default:
        break;
    }
    for (const auto& [a, guard] : guards_)
      if (a == action) guard(tx, before);
    record(tx, user, before, after, action, comment, audit_extra.empty() ? "" : dump(audit_extra));
    for (const auto& [dept, reasons] : requested) {
      tx.insert_review({0, id, after.review_round, dept, dump(reasons), "", "", "", ""});
      tx.insert_event({0, "", "review.requested", id, after.region_code, dept,
                       dump({{"code", after.code}, {"name", after.name}, {"department", dept},
                             {"reasons", reasons}})});
    }
    return *tx.project(id);
  });
}

ReviewRecord ProjectService::review(const User& user, std::int64_t id, const ReviewInput& in) {
  std::string opinion = checked_text(in.opinion, "opinion", 0, 4000);
  if (in.decision == ReviewDecision::reject && opinion.empty())
    throw InvalidRequest("opinion_required", "不同意须说明理由", "a rejection needs an opinion giving the reasons");
  if (in.decision == ReviewDecision::approve_with_conditions && in.conditions.empty())
    throw InvalidRequest("conditions_required", "附条件同意须列出条件",
                         "approve_with_conditions needs at least one condition");
  if (in.decision != ReviewDecision::approve_with_conditions && !in.conditions.empty())
    throw InvalidRequest("conditions_not_expected", "只有附条件同意可以列出条件",
                         "conditions are given only with approve_with_conditions");
  if (in.conditions.size() > 50)
    throw InvalidRequest("too_many_conditions", "条件最多 50 条", "at most 50 conditions");
  std::vector<std::string> conditions;
  for (const auto& c : in.conditions) conditions.push_back(checked_text(c, "conditions", 1, 1000));
  return projects_.write([&](ProjectTx& tx) {
    auto p = visible(tx, user, id);
    bool may = false;
    for (const auto& g : user.grants)
      if ((g.role == Role::co_reviewing_department || g.role == Role::lead_department) &&
          g.department == in.department && region_contains(g.region_code, p.region_code))
        may = true;
    if (!may)
      throw Forbidden("not_your_department", "您不能代表 " + in.department + " 给出会审意见",
                      "you may not review for department " + in.department);
    if (p.state != ProjectState::joint_review)
      throw RuleError("not_in_review", "项目不在会审阶段", "the project is not under joint review");
    std::optional<ReviewRecord> mine;
    for (auto& r : tx.reviews(id))
      if (r.round == p.review_round && r.department == in.department) mine = r;
    if (!mine)
      throw RuleError("review_not_required", in.department + " 不在本轮会审部门之列",
                      in.department + " is not a reviewing department of this round");
    if (!mine->decision.empty())
      throw RuleError("review_already_given", in.department + " 已给出会审意见",
                      in.department + " has already given its review");
    mine->decision = std::string(to_string(in.decision));
    mine->opinion = opinion;
    mine->reviewer = actor_of(user);
    mine->decided_at = tx.now();
    tx.update_review(*mine);
    for (const auto& c : conditions)
      tx.insert_obligation({0, id, mine->id, in.department, c, "open", mine->decided_at, "", "", ""});
    tx.audit({actor_of(user), "project.review", "project:" + p.code,
              dump({{"department", in.department}, {"decision", mine->decision},
                    {"opinion", opinion}, {"conditions", conditions}, {"round", p.review_round}})});
    tx.insert_event({0, "", "review.given", id, p.region_code, in.department,
                     dump({{"code", p.code}, {"name", p.name}, {"department", in.department},
                           {"decision", mine->decision}})});
    return *mine;
  });
}

storage::AcknowledgementRecord ProjectService::acknowledge(const User& user, std::int64_t id,
                                                          const std::string& key,
                                                          const std::string& reason_text) {
  std::string reason = checked_text(reason_text, "reason", 1, 2000);
  return projects_.write([&](ProjectTx& tx) {
    auto p = visible(tx, user, id);
    if (!has_grant_over(user, {Role::lead_department}, p.region_code))
      throw Forbidden("not_lead_department", "只有牵头部门可以确认合规提示",
                      "only the lead department may acknowledge a compliance warning");
    if (p.state != ProjectState::compliance_checked && p.state != ProjectState::joint_review)
      throw RuleError("acknowledgement_not_open",
                      "项目处于“" + std::string(chinese_name(p.state)) + "”状态，不能确认合规提示",
                      "warnings are acknowledged while a project is compliance checked or under "
                      "joint review, not in state " + std::string(to_string(p.state)));
    if (p.compliance_json.empty() || p.compliance_plan_hash != p.plan_hash)
      throw RuleError("compliance_not_current", "须先对当前方案进行合规审查",
                      "run the compliance check on the current plan first");
    auto findings = binding_findings(p, rules_);
    auto f = std::find_if(findings.begin(), findings.end(), [&](const auto& x) { return x.key == key; });
    if (f == findings.end())
      throw RuleError("finding_not_current", "该合规问题不在当前审查结果中，请刷新后重试",
                      "no finding " + key + " in the current compliance check; reload and retry");
    if (f->effect == FindingEffect::block)
      throw RuleError("finding_blocks", "违规不能以确认知悉代替，须修改方案：" + describe_zh(*f),
                      "a violation cannot be acknowledged away; the plan must change: " + describe_en(*f));
    if (f->effect != FindingEffect::acknowledge)
      throw RuleError("no_acknowledgement_needed", "该合规提示无须确认：" + describe_zh(*f),
                      "this finding needs no acknowledgement: " + describe_en(*f));
    auto acks = tx.acknowledgements(id);
    if (const auto* a = acknowledgement_of(*f, acks))
      throw RuleError("already_acknowledged", a->actor + " 已于 " + a->time + " 确认该合规提示",
                      a->actor + " acknowledged this warning at " + a->time);
    auto stored = tx.insert_acknowledgement({0, id, f->key, f->rule, f->feature, f->area_m2,
                                             p.compliance_plan_hash, reason, actor_of(user), tx.now(),
                                             "", ""});
    tx.audit({actor_of(user), "project.acknowledge_finding", "project:" + p.code,
              dump({{"finding", f->key}, {"rule", f->rule}, {"feature", f->feature},
                    {"area_m2", f->area_m2}, {"reason", reason}, {"finding_zh", describe_zh(*f)}})});
    tx.insert_event({0, "", "finding.acknowledged", id, p.region_code, "",
                     dump({{"code", p.code}, {"name", p.name}, {"finding", f->key}, {"rule", f->rule}})});
    return stored;
  });
}

ObligationRecord ProjectService::fulfil_obligation(const User& user, std::int64_t id,
                                                   std::int64_t obligation_id,
                                                   const std::string& evidence_text) {
  std::string evidence = checked_text(evidence_text, "evidence", 1, 4000);
  return projects_.write([&](ProjectTx& tx) {
    auto p = visible(tx, user, id);
    std::optional<ObligationRecord> o;
    for (auto& x : tx.obligations(id))
      if (x.id == obligation_id) o = x;
    if (!o) throw NotFoundError("obligation " + std::to_string(obligation_id) + " does not exist");
    bool may = has_grant_over(user, {Role::lead_department, Role::township, Role::village_collective,
                                     Role::investor},
                              p.region_code);
    for (const auto& g : user.grants)
      if (g.role == Role::co_reviewing_department && g.department == o->department &&
          region_contains(g.region_code, p.region_code))
        may = true;
    if (!may)
      throw Forbidden("not_permitted", "您不能办结该条件", "you may not mark this condition fulfilled");
    if (o->status == "fulfilled")
      throw RuleError("already_fulfilled", "该条件已办结", "the condition is already fulfilled");
    o->status = "fulfilled";
    o->fulfilled_by = actor_of(user);
    o->fulfilled_at = tx.now();
    o->evidence = evidence;
    tx.update_obligation(*o);
    tx.audit({actor_of(user), "project.obligation_fulfilled", "project:" + p.code,
              dump({{"obligation", o->id}, {"department", o->department}, {"evidence", evidence}})});
    tx.insert_event({0, "", "obligation.fulfilled", id, p.region_code, o->department,
                     dump({{"code", p.code}, {"obligation", o->id}})});
    return *o;
  });
}

}  // namespace gz::services
