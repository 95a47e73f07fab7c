#include "services/dashboard.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "domain/survey_fields.h"
#include "geo/ellipsoid.h"
#include "geo/geometry.h"
#include "domain/land_use_classes.h"
#include "domain/project.h"
#include "services/projects.h"
#include "services/regions.h"
#include "storage/sql_identity_store.h"

namespace gz::services {

using storage::SqlSession;

namespace {

const std::vector<Role> kDashboardRoles{Role::leader_group,  Role::lead_department,
                                        Role::co_reviewing_department, Role::township,
                                        Role::village_collective, Role::expert,
                                        Role::admin,         Role::auditor};

std::int64_t to_int(const std::string& s) {
  if (s.empty()) return 0;
  // PostgreSQL's SUM over bigint is numeric ("123"); SQLite's may be "123.0" after a CAST.
  return static_cast<std::int64_t>(std::llround(std::stod(s)));
}
double to_double(const std::string& s) { return s.empty() ? 0.0 : std::stod(s); }

bool is_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

DashboardRegion region_of(const SqlSession::Row& r) { return {r[0], r[1], r[2], r[3]}; }

// The length of the significant prefix of the next level down: county (6) → township (9) →
// village (12); province (2) → city (4) → county (6).
std::size_t child_prefix_length(std::size_t prefix_length) {
  switch (prefix_length) {
    case 0: return 2;
    case 2: return 4;
    case 4: return 6;
    case 6: return 9;
    default: return 12;
  }
}

std::string group_name(LandGroup g) { return to_string(g); }

}  // namespace

DashboardService::DashboardService(storage::Store& layers, storage::ProjectStore& store,
                                   FundsService&, ProgressService& progress)
    : layers_(layers), store_(store), indicators_(progress.indicators()) {}

LandUseFigures DashboardService::land_use(SqlSession& s, const std::string& prefix) {
  LandUseFigures out;
  auto layers = layers_.layers_of_kind(LayerKind::land_use);
  if (layers.empty()) return out;
  std::sort(layers.begin(), layers.end(), [](const auto& a, const auto& b) { return a.layer < b.layer; });
  out.layer = layers.front().layer;
  out.version = layers.front().version;
  auto ids = s.query(
      "SELECT lv.id FROM layer_version lv JOIN layer l ON l.id = lv.layer_id "
      "WHERE l.name = $1 AND lv.version = CAST($2 AS integer)",
      {out.layer, std::to_string(out.version)});
  if (ids.empty()) return out;
  const std::string key = out.layer + "@" + ids[0][0] + ":" + prefix;
  {
    std::lock_guard lock(cache_mutex_);
    if (auto it = land_use_cache_.find(key); it != land_use_cache_.end()) return it->second;
  }
  // ZLDWDM, the location unit, is the village code followed by seven digits of group: its prefix
  // places a spot in a region. TBMJ / TBDLMJ are the survey's own gross and net areas.
  const std::string sql =
      s.postgres()
          ? "SELECT attrs->>'DLBM', COUNT(*), SUM(CAST(NULLIF(attrs->>'TBMJ', '') AS double precision)), "
            "SUM(CAST(NULLIF(attrs->>'TBDLMJ', '') AS double precision)) FROM feature "
            "WHERE version_id = CAST($1 AS bigint) AND attrs->>'ZLDWDM' LIKE $2 GROUP BY 1 ORDER BY 1"
          // SQLite: the JSON paths are bound too ("$" in the statement text marks a parameter).
          : "SELECT json_extract(attrs, $3), COUNT(*), "
            "SUM(CAST(json_extract(attrs, $4) AS REAL)), "
            "SUM(CAST(json_extract(attrs, $5) AS REAL)) FROM feature "
            "WHERE version_id = CAST($1 AS integer) AND json_extract(attrs, $6) LIKE $2 "
            "GROUP BY 1 ORDER BY 1";
  const auto& table = LandUseClassTable::standard();
  std::vector<std::string> params{ids[0][0], prefix + "%"};
  if (!s.postgres()) params.insert(params.end(), {"$.DLBM", "$.TBMJ", "$.TBDLMJ", "$.ZLDWDM"});
  for (const auto& r : s.query(sql, params)) {
    LandUseClassFigure c;
    c.code = r[0];
    c.spots = to_int(r[1]);
    c.gross_m2 = to_double(r[2]);
    c.net_m2 = r[3].empty() ? c.gross_m2 : to_double(r[3]);
    if (const auto* k = table.find(c.code)) {
      c.name_zh = k->name_zh;
      c.name_en = k->name_en;
      c.level1_code = k->level1_code;
      c.group = group_name(k->group);
      c.color = k->color;
      c.cultivated = k->cultivated;
    } else {
      c.group = "unknown";
    }
    out.total_m2 += c.gross_m2;
    if (c.cultivated) out.cultivated_m2 += c.gross_m2;
    if (c.group == "construction") out.construction_m2 += c.gross_m2;
    if (c.group == "agricultural") out.agricultural_m2 += c.gross_m2;
    if (c.group == "unused") out.unused_m2 += c.gross_m2;
    out.classes.push_back(std::move(c));
  }
  std::lock_guard lock(cache_mutex_);
  land_use_cache_[key] = out;
  return out;
}

std::vector<DashboardService::FindingShare> DashboardService::finding_shares(
    SqlSession& s, std::int64_t project_id, const std::string& project_region,
    const std::string& checked_at) {
  {
    std::lock_guard lock(cache_mutex_);
    auto it = finding_cache_.find(project_id);
    if (it != finding_cache_.end() && it->second.first == checked_at) return it->second.second;
  }
  std::vector<FindingShare> out;
  auto rows = s.query("SELECT compliance_json FROM projects WHERE id = CAST($1 AS bigint)",
                      {std::to_string(project_id)});
  if (rows.empty() || rows[0][0].empty()) return out;
  auto regions = layers_.layers_of_kind(LayerKind::region);
  std::sort(regions.begin(), regions.end(), [](const auto& a, const auto& b) { return a.layer < b.layer; });
  const auto findings = nlohmann::json::parse(rows[0][0]).value("findings", nlohmann::json::array());
  for (const auto& f : findings) {
    FindingShare base;
    base.rule = f.value("rule", "");
    base.severity = f.value("severity", "");
    base.name_zh = f.value("name_zh", "");
    base.name_en = f.value("name_en", "");
    const double area = f.value("area_m2", 0.0);
    // Village → area of the finding inside it.
    std::map<std::string, double> inside;
    if (f.contains("geometry") && f["geometry"].is_object() && !regions.empty()) {
      auto g = geo::Geometry::from_geojson(f["geometry"].dump());
      layers_.scan_bbox(regions.front(), g.envelope(), [&](StoredFeature&& v) {
        auto village = zone_code(v.attributes);
        if (!village || region_level(*village) != RegionLevel::village) return;
        auto vg = geo::Geometry::from_wkb(v.wkb);
        if (!vg.intersects(g)) return;
        double a = geo::ellipsoidal_area_m2(vg.intersection(g).polygonal_part());
        if (a > 0) inside[*village] += a;
      });
    }
    if (inside.empty()) {
      base.village = project_region;
      base.count = 1;
      base.area_m2 = area;
      out.push_back(base);
      continue;
    }
    auto most = std::max_element(inside.begin(), inside.end(),
                                 [](const auto& a, const auto& b) { return a.second < b.second; });
    double sum = 0;
    for (const auto& [village, a] : inside) sum += a;
    for (const auto& [village, a] : inside) {
      FindingShare share = base;
      share.village = village;
      share.count = village == most->first ? 1 : 0;
      // The stored area stays the total: the pieces are its shares.
      share.area_m2 = sum > 0 ? area * (a / sum) : 0;
      out.push_back(share);
    }
  }
  std::lock_guard lock(cache_mutex_);
  finding_cache_[project_id] = {checked_at, out};
  return out;
}

Dashboard DashboardService::dashboard(const User& user, const std::string& requested) {
  std::string code = requested;
  if (!code.empty() && (!is_digits(code) || (code.size() != 2 && code.size() != 4 &&
                                             code.size() != 6 && code.size() != 9 && code.size() != 12)))
    throw InvalidRequest("invalid_region", "region 应为 2、4、6、9 或 12 位行政区划代码：" + code,
                         "region must be a division code of 2, 4, 6, 9 or 12 digits: " + code);
  return store_.read([&](storage::ProjectTx& tx) {
    auto& s = tx.session();
    if (code.empty()) {
      for (const auto& g : user.grants)
        if (!g.region_code.empty()) {
          code = g.region_code;
          break;
        }
      if (code.empty()) {
        auto roots = s.query("SELECT code FROM regions WHERE parent = '' ORDER BY code LIMIT 1");
        if (roots.empty()) throw NotFoundError("no region has been imported");
        code = roots[0][0];
      }
    }
    if (!may_see_region(user, code)) throw NotFoundError("region " + code + " is not visible");
    auto found = s.query("SELECT code, name, level, parent FROM regions WHERE code = $1", {code});
    if (found.empty()) throw NotFoundError("region " + code + " does not exist");
    if (!has_grant_over(user, kDashboardRoles, code))
      throw Forbidden("dashboard_not_allowed", "区域统计大屏仅对干部、部门、专家和审计开放",
                      "the region dashboard is for officials, departments, experts and auditors");

    Dashboard d;
    d.region = region_of(found[0]);
    // The ancestors the user may see, for the breadcrumbs.
    for (auto parent = d.region.parent; !parent.empty();) {
      if (!may_see_region(user, parent)) break;
      auto r = s.query("SELECT code, name, level, parent FROM regions WHERE code = $1", {parent});
      if (r.empty()) break;
      d.path.insert(d.path.begin(), region_of(r[0]));
      parent = r[0][3];
    }
    d.path.push_back(d.region);
    for (const auto& r : s.query("SELECT code, name, level, parent FROM regions WHERE parent = $1 ORDER BY code", {code}))
      d.children.push_back(region_of(r));

    const std::string prefix = region_prefix(code);
    const std::string like = prefix + "%";
    const std::string child = "substr(p.region_code, 1, " + std::to_string(child_prefix_length(prefix.size())) + ")";

    // Children by their prefix; a project in the region itself gets the region's own row.
    std::map<std::string, ChildFigures> by_child;
    auto child_row = [&](const std::string& key) -> ChildFigures& {
      auto it = by_child.find(key);
      if (it != by_child.end()) return it->second;
      ChildFigures f;
      f.region = d.region;
      for (const auto& c : d.children)
        if (region_prefix(c.code) == key) f.region = c;
      return by_child.emplace(key, f).first->second;
    };

    // ---- projects ----------------------------------------------------------------------------
    std::map<std::string, StateFigure> states;
    for (const auto& r : s.query("SELECT " + child + ", p.state, COUNT(*), SUM(p.area_m2) FROM projects p "
                                 "WHERE p.region_code LIKE $1 GROUP BY 1, 2", {like})) {
      auto& c = child_row(r[0]);
      c.projects += to_int(r[2]);
      c.area_m2 += to_double(r[3]);
      auto& st = states[r[1]];
      st.state = r[1];
      st.projects += to_int(r[2]);
      st.area_m2 += to_double(r[3]);
      d.projects += to_int(r[2]);
      d.projects_area_m2 += to_double(r[3]);
    }
    for (auto st : all_project_states())
      if (auto it = states.find(std::string(to_string(st))); it != states.end())
        d.by_state.push_back(it->second);

    // ---- funds -------------------------------------------------------------------------------
    d.funds.sources_fen =
        to_int(s.query("SELECT COALESCE(SUM(amount_fen), 0) FROM fund_sources WHERE region_code LIKE $1",
                       {like})[0][0]);
    for (const auto& r : s.query("SELECT " + child + ", l.kind, SUM(l.amount_fen) FROM fund_ledger l "
                                 "JOIN projects p ON p.id = l.project_id WHERE p.region_code LIKE $1 "
                                 "GROUP BY 1, 2", {like})) {
      auto& c = child_row(r[0]);
      if (r[1] == "allocation") {
        c.allocated_fen += to_int(r[2]);
        d.funds.allocated_fen += to_int(r[2]);
      } else if (r[1] == "disbursement") {
        c.disbursed_fen += to_int(r[2]);
        d.funds.disbursed_fen += to_int(r[2]);
      }
    }
    for (const auto& r : s.query("SELECT " + child + ", SUM(d.amount_fen) FROM fund_disbursements d "
                                 "JOIN projects p ON p.id = d.project_id WHERE p.region_code LIKE $1 "
                                 "AND d.status = 'requested' GROUP BY 1", {like})) {
      child_row(r[0]).pending_fen += to_int(r[1]);
      d.funds.pending_fen += to_int(r[1]);
    }

    // ---- indicators --------------------------------------------------------------------------
    std::map<std::string, IndicatorFigure> indicators;
    for (const auto& r : s.query(
             "SELECT " + child + ", i.indicator, "
             "SUM(CAST(NULLIF(i.planned, '') AS double precision)), "
             "SUM(CAST(NULLIF(i.achieved, '') AS double precision)), COUNT(*) "
             "FROM progress_indicators i JOIN projects p ON p.id = i.project_id "
             "WHERE p.region_code LIKE $1 GROUP BY 1, 2", {like})) {
      auto& f = indicators[r[1]];
      f.key = r[1];
      f.planned += to_double(r[2]);
      f.achieved += to_double(r[3]);
      f.projects += to_int(r[4]);
      if (r[1] == "new_cultivated_land") {
        auto& c = child_row(r[0]);
        c.new_cultivated_planned_m2 += to_double(r[2]);
        c.new_cultivated_achieved_m2 += to_double(r[3]);
      }
    }
    for (const auto& def : indicators_.indicators()) {
      auto it = indicators.find(def.key);
      d.indicators.push_back(it != indicators.end() ? it->second : IndicatorFigure{def.key, 0, 0, 0});
    }

    // ---- land use ----------------------------------------------------------------------------
    d.land_use = land_use(s, prefix);
    auto indicator = [&](const char* key) {
      auto it = indicators.find(key);
      return it == indicators.end() ? IndicatorFigure{} : it->second;
    };
    const auto ncl = indicator("new_cultivated_land"), reduced = indicator("construction_land_reduced");
    d.land_use.cultivated_after_achieved_m2 = d.land_use.cultivated_m2 + ncl.achieved;
    d.land_use.cultivated_after_planned_m2 = d.land_use.cultivated_m2 + ncl.planned;
    d.land_use.construction_after_achieved_m2 = d.land_use.construction_m2 - reduced.achieved;
    d.land_use.construction_after_planned_m2 = d.land_use.construction_m2 - reduced.planned;

    // ---- compliance findings -----------------------------------------------------------------
    // Each finding counts in the village it lies in (most of it, when it crosses a boundary), its
    // area split by village: so a township's project shows its findings village by village, and
    // a village's dashboard the findings of the township's projects inside it.
    std::map<std::string, ViolationByRegion> by_region;
    std::map<std::string, ViolationByRule> by_rule;
    std::map<std::string, std::set<std::int64_t>> projects_of_region;
    for (const auto& r : s.query("SELECT id, region_code, compliance_at FROM projects "
                                 "WHERE compliance_json <> '' AND (region_code LIKE $1 OR $2 LIKE region_code || '%')",
                                 {like, prefix})) {
      const auto id = std::stoll(r[0]);
      for (const auto& f : finding_shares(s, id, r[1], r[2])) {
        if (!region_contains(code, f.village)) continue;
        auto& v = by_region[f.village];
        v.region.code = f.village;
        v.findings += f.count;
        if (f.count) (f.severity == "error" ? v.errors : v.warnings) += f.count;
        v.area_m2 += f.area_m2;
        projects_of_region[f.village].insert(id);
        auto& u = by_rule[f.rule];
        u.rule = f.rule;
        u.severity = f.severity;
        u.name_zh = f.name_zh;
        u.name_en = f.name_en;
        u.findings += f.count;
        u.area_m2 += f.area_m2;
        d.findings += f.count;
        if (f.severity == "error") d.errors += f.count;
        d.findings_area_m2 += f.area_m2;
      }
    }
    const auto child_length = child_prefix_length(prefix.size());
    for (auto& [region_code, v] : by_region) {
      v.projects = static_cast<std::int64_t>(projects_of_region[region_code].size());
      auto named = s.query("SELECT code, name, level, parent FROM regions WHERE code = $1", {region_code});
      if (!named.empty()) v.region = region_of(named[0]);
      else v.region.name = region_code;
      child_row(region_prefix(region_code).substr(0, std::min(region_prefix(region_code).size(), child_length)))
          .findings += v.findings;
      d.violations_by_region.push_back(v);
    }
    for (auto& [rule, u] : by_rule) d.violations_by_rule.push_back(u);
    std::stable_sort(d.violations_by_region.begin(), d.violations_by_region.end(),
                     [](const auto& a, const auto& b) { return a.findings > b.findings; });
    std::stable_sort(d.violations_by_rule.begin(), d.violations_by_rule.end(),
                     [](const auto& a, const auto& b) { return a.findings > b.findings; });
    for (auto& [key, c] : by_child) d.by_child.push_back(c);
    return d;
  });
}

}  // namespace gz::services
