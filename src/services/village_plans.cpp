#include "services/village_plans.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "common/json_input.h"
#include "common/data_dir.h"
#include "common/error.h"
#include "common/json_input.h"
#include "domain/land_use_classes.h"
#include "domain/survey_fields.h"
#include "geo/geometry.h"
#include "services/compliance_check.h"
#include "services/overlay.h"
#include "services/projects.h"
#include "services/request_text.h"
#include "storage/attributes_json.h"
#include "storage/sql_identity_store.h"

namespace gz::services {

using nlohmann::json;
using storage::ProjectTx;

namespace {

constexpr const char* kTables = R"sql(
CREATE TABLE IF NOT EXISTS village_plan_changes(
  id {id}, region_code text NOT NULL, layer text NOT NULL, base_version bigint NOT NULL,
  status text NOT NULL, reason text NOT NULL, zones text NOT NULL, findings text NOT NULL,
  submitted_by text NOT NULL, submitted_at text NOT NULL,
  decided_by text NOT NULL DEFAULT '', decided_at text NOT NULL DEFAULT '',
  opinion text NOT NULL DEFAULT '', new_version bigint NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS village_plan_changes_by_region ON village_plan_changes(region_code);
)sql";

struct ControlRule {
  std::string id, name_zh, name_en;
  LayerKind control;
  std::vector<std::string> allowed_uses;
};

struct PlanChangeRules {
  std::map<std::string, std::string> zone_uses;  // zone_use → YDYT
  std::string construction_to_code, project_type, approver_department;
  double min_area_m2 = 1.0;
  std::size_t max_zones = 500;
  std::vector<ControlRule> control_rules;
};

const PlanChangeRules& rules() {
  static const PlanChangeRules r = [] {
    std::string path = data_dir() + "/village_plans.json";
    PlanChangeRules out;
    try {
      json j = json::parse(read_file(path));
      out.zone_uses = j.at("zone_uses").get<std::map<std::string, std::string>>();
      out.construction_to_code = j.at("construction_to_code").get<std::string>();
      out.project_type = j.at("project_type").get<std::string>();
      out.approver_department = j.at("approver_department").get<std::string>();
      out.min_area_m2 = j.value("min_area_m2", 1.0);
      out.max_zones = j.value("max_zones", std::size_t{500});
      for (const auto& c : j.at("control_rules"))
        out.control_rules.push_back({c.at("id").get<std::string>(), c.at("name_zh").get<std::string>(),
                                     c.at("name_en").get<std::string>(),
                                     parse_layer_kind(c.at("control").get<std::string>()),
                                     c.at("allowed_uses").get<std::vector<std::string>>()});
    } catch (const json::exception& e) {
      throw InputError(path + ": " + e.what());
    }
    if (!LandUseClassTable::standard().find(out.construction_to_code))
      throw InputError(path + ": construction_to_code is not a class code");
    return out;
  }();
  return r;
}

const std::vector<Role> kSubmitters{Role::village_collective, Role::township, Role::admin};
// Villagers read their village's plan too (DESIGN.md §2.6: plans on a phone).
const std::vector<Role> kReaders{Role::leader_group, Role::lead_department, Role::co_reviewing_department,
                                 Role::township,     Role::village_collective, Role::villager,
                                 Role::expert,       Role::auditor,         Role::admin};

std::string num(std::int64_t v) { return std::to_string(v); }
std::int64_t i64(const std::string& s) { return s.empty() ? 0 : std::stoll(s); }
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json findings_json(const std::vector<PlanChangeFinding>& fs) {
  json a = json::array();
  for (const auto& f : fs)
    a.push_back({{"rule", f.rule}, {"severity", f.severity}, {"name_zh", f.name_zh},
                 {"name_en", f.name_en}, {"zone", f.zone}, {"control", f.control},
                 {"area_m2", f.area_m2}});
  return a;
}

std::vector<PlanChangeFinding> findings_of(const std::string& text) {
  std::vector<PlanChangeFinding> out;
  for (const auto& f : json::parse(text))
    out.push_back({f.at("rule"), f.at("severity"), f.at("name_zh"), f.at("name_en"),
                   f.at("zone").get<int>(), f.at("control"), f.at("area_m2").get<double>()});
  return out;
}

constexpr const char* kColumns =
    "id, region_code, layer, base_version, status, reason, zones, findings, submitted_by, "
    "submitted_at, decided_by, decided_at, opinion, new_version";
PlanChangeRequest request_of(const storage::SqlSession::Row& r) {
  PlanChangeRequest c;
  c.id = i64(r[0]);
  c.region_code = r[1];
  c.layer = r[2];
  c.base_version = static_cast<int>(i64(r[3]));
  c.status = r[4];
  c.reason = r[5];
  c.zones = r[6];
  c.findings = findings_of(r[7]);
  c.submitted_by = r[8];
  c.submitted_at = r[9];
  c.decided_by = r[10];
  c.decided_at = r[11];
  c.opinion = r[12];
  c.new_version = static_cast<int>(i64(r[13]));
  return c;
}

bool refused(const std::vector<PlanChangeFinding>& fs) {
  return std::any_of(fs.begin(), fs.end(), [](const PlanChangeFinding& f) { return f.severity == "error"; });
}

void checked_village(const std::string& code) {
  try {
    validate_region_code(code);
  } catch (const UsageError& e) {
    throw InvalidRequest("invalid_region", "region_code 不是有效的行政区划代码", e.what());
  }
  if (region_level(code) != RegionLevel::village)
    throw InvalidRequest("not_a_village", "村庄规划按村编制：region_code 应为 12 位村级代码",
                         "village plans are per village: region_code must be a 12-digit village code");
}

void require_reader(const User& user, const std::string& region) {
  if (!has_grant_over(user, kReaders, region))
    throw NotFoundError("village " + region + " is outside your grants");
}

[[noreturn]] void invalid_zone(std::size_t i, const std::string& code, const std::string& zh,
                               const std::string& en) {
  throw InvalidRequest(code, "第 " + std::to_string(i + 1) + " 个分区：" + zh,
                       "zone " + std::to_string(i + 1) + ": " + en);
}

// The zones of a request: GeoJSON features with polygonal, valid geometry and a known zone_use.
// Returned as features ready for the compliance check and for the new layer version.
std::vector<StoredFeature> parse_zones(const std::string& text, const std::string& region,
                                       std::string& normalised) {
  const auto& r = rules();
  json j;
  try {
    j = parse_json_input(text, "zones", "zones");
  } catch (const json::exception&) {
    throw InvalidRequest("invalid_zones", "zones 不是有效的 GeoJSON", "zones is not valid JSON");
  }
  json features;
  // "type" and "zone_use" are compared as JSON: one that is no string (found by fuzzing) made
  // value(key, "") throw nlohmann's type_error, a 500 instead of the refusal.
  if (j.is_object() && j.contains("type") && j["type"] == "FeatureCollection" && j.contains("features"))
    features = j["features"];
  else if (j.is_array())
    features = j;
  else
    throw InvalidRequest("invalid_zones", "zones 应为 GeoJSON FeatureCollection",
                         "zones must be a GeoJSON FeatureCollection");
  if (!features.is_array() || features.empty())
    throw InvalidRequest("no_zones", "变更申请没有任何分区", "the change request has no zones");
  if (features.size() > r.max_zones)
    throw InvalidRequest("too_many_zones", "分区过多", "too many zones (at most " +
                                                           std::to_string(r.max_zones) + ")");
  std::vector<StoredFeature> out;
  json kept = json::array();
  for (std::size_t i = 0; i < features.size(); ++i) {
    const json& f = features[i];
    if (!f.is_object() || !f.contains("geometry") || !f["geometry"].is_object())
      invalid_zone(i, "invalid_geometry", "缺少几何", "no geometry");
    json props = f.value("properties", json::object());
    if (!props.is_object()) invalid_zone(i, "invalid_zone", "properties 应为对象", "properties must be an object");
    std::string use;
    if (auto u = props.find("zone_use"); u != props.end() && !u->is_null())
      use = u->is_string() ? u->get<std::string>() : dump(*u);
    if (!r.zone_uses.count(use)) {
      std::string uses;
      for (auto& [u, n] : r.zone_uses) uses += (uses.empty() ? "" : ", ") + u;
      invalid_zone(i, "invalid_zone_use", "zone_use 应为 " + uses + " 之一",
                   "zone_use must be one of " + uses + ", not '" + use + "'");
    }
    geo::Geometry g;
    try {
      g = geo::Geometry::from_geojson(f["geometry"].dump());
    } catch (const Error& e) {
      invalid_zone(i, "invalid_geometry", "几何无法解析", std::string("geometry not readable: ") + e.what());
    }
    if (g.is_null() || g.is_empty() || !g.is_polygonal())
      invalid_zone(i, "invalid_geometry", "几何应为非空的面（Polygon/MultiPolygon）",
                   "geometry must be a non-empty Polygon or MultiPolygon");
    auto v = g.validity();
    if (!v.valid)
      invalid_zone(i, "invalid_geometry", "几何无效（" + v.reason + "）",
                   "invalid geometry (" + v.reason +
                       (v.has_location ? " at " + std::to_string(v.x) + " " + std::to_string(v.y) : "") +
                       ")");
    auto e = g.envelope();
    if (e.minx < -180 || e.maxx > 180 || e.miny < -90 || e.maxy > 90)
      invalid_zone(i, "invalid_geometry", "坐标应为 CGCS2000 经纬度", "coordinates must be CGCS2000 longitude/latitude");
    StoredFeature sf;
    sf.source_id = "zone-" + std::to_string(i + 1);
    sf.wkb = g.wkb();
    sf.bbox = e;
    sf.attributes = {{"XZQDM", region}, {"zone_use", use}, {"YDYT", r.zone_uses.at(use)}};
    if (props.contains("name") && props["name"].is_string())
      sf.attributes.push_back({"name", checked_text(props["name"].get<std::string>(), "name", 0, 100)});
    out.push_back(std::move(sf));
    kept.push_back({{"type", "Feature"},
                    {"properties", {{"zone_use", use}}},
                    {"geometry", json::parse(g.geojson())}});
  }
  normalised = dump({{"type", "FeatureCollection"}, {"features", kept}});
  return out;
}

std::vector<StoredFeature> zones_of(const std::string& zones_json, const std::string& region) {
  std::string ignored;
  return parse_zones(zones_json, region, ignored);
}

}  // namespace

VillagePlanService::VillagePlanService(storage::Store& store, storage::ProjectStore& projects,
                                       std::string layer)
    : store_(store), projects_(projects), layer_(std::move(layer)) {
  projects_.ensure_tables(kTables);
  rules();  // a malformed rule file fails at start, not at the first request
}

LayerVersion VillagePlanService::plan_layer() {
  if (!layer_.empty()) {
    auto v = store_.layer_version(layer_, std::nullopt);
    if (v.kind != LayerKind::village_plan)
      throw UsageError("layer '" + layer_ + "' is not a village plan layer");
    return v;
  }
  auto list = store_.layers_of_kind(LayerKind::village_plan);
  if (list.empty()) throw NotFoundError("no village plan layer in the store");
  if (list.size() > 1)
    throw UsageError("several village plan layers; the server needs one named (--village-plan)");
  return list.front();
}

std::vector<PlanChangeFinding> VillagePlanService::check(const std::string& region,
                                                          const std::vector<StoredFeature>& zones) {
  const auto& r = rules();
  std::vector<PlanChangeFinding> findings;
  // The zones must lie in the village (a village plan plans its own village).
  for (auto& v : store_.layers_of_kind(LayerKind::region)) {
    LoadedLayer villages;
    villages.version = v;
    store_.scan(v, [&](StoredFeature&& f) {
      if (zone_code(f.attributes).value_or("") == region) villages.features.push_back(std::move(f));
    });
    if (villages.features.empty()) continue;
    GaussKruger gk(gk_epsg_for(villages));
    ZoneSet set(villages, gk);
    for (std::size_t i = 0; i < zones.size(); ++i) {
      Target t(geo::Geometry::from_wkb(zones[i].wkb), gk);
      double outside = t.area_m2() - set.overlap_union(t, false).area_m2;
      if (outside >= r.min_area_m2)
        findings.push_back({"zone_outside_village", "error", "分区超出本村范围",
                            "the zone reaches outside the village", static_cast<int>(i),
                            v.layer, outside});
    }
  }
  // The compliance check against the control lines present, construction zones as a planned
  // change to construction land.
  std::vector<std::string> against;
  for (auto& v : store_.layers())
    if (is_control_line(v.kind)) against.push_back(v.layer);
  if (against.empty()) return findings;
  std::vector<StoredFeature> features = zones;
  for (auto& f : features) {
    f.attributes.push_back({"XMBH", std::string("village-plan-change")});
    f.attributes.push_back({"XMLX", r.project_type});
    if (attribute_text(f.attributes, "zone_use").value_or("") == "construction")
      f.attributes.push_back({"to_code", r.construction_to_code});
    // The check decodes the stored text of a project's features, as read from a layer.
    f.attributes_json = storage::encode_attributes(f.attributes);
  }
  CheckRequest req;
  req.layer = "village_plan_change";
  req.against = against;
  req.features = std::move(features);
  CheckResult cr = compliance_check(store_, req);
  auto zone_index = [](const std::string& id) { return std::stoi(id.substr(5)) - 1; };
  // Errors only: a warning (a zone touching the red line) is no reason to refuse.
  for (const auto& f : cr.findings)
    if (f.rule->severity == "error")
      findings.push_back({f.rule->id, f.rule->severity, f.rule->name_zh, f.rule->name_en,
                        zone_index(f.feature_id), f.controls, f.area_m2});
  for (std::size_t i = 0; i < cr.features.size(); ++i) {
    std::string use = attribute_text(zones[i].attributes, "zone_use").value_or("");
    for (const auto& o : cr.features[i].overlaps) {
      const LayerVersion& control = cr.controls[o.control];
      for (const auto& rule : r.control_rules) {
        if (rule.control != control.kind || o.area_m2 < r.min_area_m2) continue;
        if (std::find(rule.allowed_uses.begin(), rule.allowed_uses.end(), use) != rule.allowed_uses.end())
          continue;
        findings.push_back({rule.id, "error", rule.name_zh, rule.name_en, static_cast<int>(i),
                            control.layer, o.area_m2});
      }
    }
  }
  std::stable_sort(findings.begin(), findings.end(),
                   [](const PlanChangeFinding& a, const PlanChangeFinding& b) { return a.zone < b.zone; });
  return findings;
}

void VillagePlanService::authorize_submit(const User& user, const std::string& region_code) {
  checked_village(region_code);
  if (!has_grant_over(user, kSubmitters, region_code)) {
    require_reader(user, region_code);
    throw Forbidden("not_a_submitter", "只有村集体或乡镇可以提出村庄规划变更",
                    "only the village collective or the township may request a plan change");
  }
}

PlanChangeRequest VillagePlanService::submit(const User& user, const NewPlanChange& change) {
  authorize_submit(user, change.region_code);
  PlanChangeRequest c;
  c.region_code = change.region_code;
  c.reason = checked_text(change.reason, "reason", 1, 2000);
  LayerVersion layer = plan_layer();
  c.layer = layer.layer;
  c.base_version = layer.version;
  auto zones = parse_zones(change.zones, c.region_code, c.zones);
  c.findings = check(c.region_code, zones);
  c.status = refused(c.findings) ? "refused" : "in_review";
  c.submitted_by = actor_of(user);
  return projects_.write([&](ProjectTx& tx) {
    c.submitted_at = tx.now();
    auto rows = tx.session().query(
        "INSERT INTO village_plan_changes(region_code, layer, base_version, status, reason, zones, "
        "findings, submitted_by, submitted_at) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        {c.region_code, c.layer, num(c.base_version), c.status, c.reason, c.zones,
         dump(findings_json(c.findings)), c.submitted_by, c.submitted_at});
    c.id = i64(rows.at(0).at(0));
    json rules_hit = json::array();
    for (const auto& f : c.findings)
      if (f.severity == "error") rules_hit.push_back(f.rule);
    tx.audit({actor_of(user), c.status == "refused" ? "village_plan.change_refused" : "village_plan.change_submit",
              "village_plan_change:" + num(c.id),
              dump({{"region", c.region_code}, {"layer", c.layer}, {"base_version", c.base_version},
                    {"zones", zones.size()}, {"refused_by", rules_hit}})});
    tx.insert_event({0, "", "village_plan.change_" + c.status, 0, c.region_code, "",
                     dump({{"change", c.id}, {"status", c.status}})});
    return c;
  });
}

PlanChangeRequest VillagePlanService::request(const User& user, std::int64_t id) {
  auto c = projects_.read([&](ProjectTx& tx) -> std::optional<PlanChangeRequest> {
    auto rows = tx.session().query(std::string("SELECT ") + kColumns +
                                       " FROM village_plan_changes WHERE id = CAST($1 AS bigint)",
                                   {num(id)});
    if (rows.empty()) return std::nullopt;
    return request_of(rows[0]);
  });
  if (!c || !has_grant_over(user, kReaders, c->region_code))
    throw NotFoundError("village plan change " + num(id) + " does not exist");
  return *c;
}

std::vector<PlanChangeRequest> VillagePlanService::requests(const User& user, const std::string& region) {
  checked_village(region);
  require_reader(user, region);
  return projects_.read([&](ProjectTx& tx) {
    std::vector<PlanChangeRequest> out;
    for (const auto& r : tx.session().query(std::string("SELECT ") + kColumns +
                                                " FROM village_plan_changes WHERE region_code = $1 ORDER BY id",
                                            {region}))
      out.push_back(request_of(r));
    return out;
  });
}

// The new version: the village's old zones cut by the new ones, then the new ones; other
// villages' zones as they were. The writer is started first: it holds the layer's write lock
// (SQLite: the database's; PostgreSQL: the layer's advisory lock) until the transaction ends, so
// the latest version read next is the one this version follows, and two approvals of different
// villages never build on the same base (the second would drop the first's zones).
LayerVersion VillagePlanService::write_plan_version(storage::ProjectTx& tx, const PlanChangeRequest& c,
                                                    const std::vector<StoredFeature>& zones) {
  auto w = tx.begin_layer_version(
      {c.layer, LayerKind::village_plan, "village plan change " + num(c.id), "EPSG:4490"});
  LayerVersion base = store_.layer_version(c.layer, std::nullopt);
  std::vector<geo::Geometry> parts;
  for (const auto& z : zones) parts.push_back(geo::Geometry::from_wkb(z.wkb));
  geo::Geometry cut = geo::Geometry::union_all(std::move(parts));
  std::string ghmc;
  for (auto& f : store_.read_all(base, {})) {
    if (zone_code(f.attributes).value_or("") != c.region_code) {
      w->add(f.source_id, f.wkb, f.bbox, f.attributes);
      continue;
    }
    if (ghmc.empty()) ghmc = attribute_text(f.attributes, "GHMC").value_or("");
    geo::Geometry g = geo::Geometry::from_wkb(f.wkb);
    if (!g.intersects(cut)) {
      w->add(f.source_id, f.wkb, f.bbox, f.attributes);
      continue;
    }
    geo::Geometry rest = g.difference(cut).polygonal_part();
    if (rest.is_empty()) continue;
    w->add(f.source_id, rest.wkb(), rest.envelope(), f.attributes);
  }
  for (std::size_t i = 0; i < zones.size(); ++i) {
    Attributes a = zones[i].attributes;
    if (!ghmc.empty()) a.push_back({"GHMC", ghmc});
    a.push_back({"change_request", c.id});
    w->add("CR" + num(c.id) + "-" + num(static_cast<std::int64_t>(i + 1)), zones[i].wkb,
           zones[i].bbox, a);
  }
  return w->commit();
}

PlanChangeRequest VillagePlanService::decide(const User& user, std::int64_t id, const std::string& decision,
                                             const std::string& opinion_text) {
  PlanChangeRequest c = request(user, id);
  bool approver = false;
  for (const auto& g : user.grants)
    if (g.role == Role::lead_department && g.department == rules().approver_department &&
        region_contains(g.region_code, c.region_code))
      approver = true;
  if (!approver)
    throw Forbidden("not_the_approver", "村庄规划变更由" + rules().approver_department + "审批",
                    "village plan changes are approved by the lead department (" +
                        rules().approver_department + ")");
  if (decision != "approve" && decision != "reject")
    throw InvalidRequest("invalid_decision", "decision 应为 approve 或 reject",
                         "decision must be approve or reject");
  std::string opinion = checked_text(opinion_text, "opinion", decision == "reject" ? 1 : 0, 2000);
  if (c.status != "in_review")
    throw RuleError("change_not_in_review", "该变更申请不在审查中（" + c.status + "）",
                    "the change request is not in review (" + c.status + ")");

  std::vector<PlanChangeFinding> findings = c.findings;
  std::vector<StoredFeature> zones;
  std::string status = "rejected";
  if (decision == "approve") {
    // Control lines may have changed since the request: check again before the plan changes.
    zones = zones_of(c.zones, c.region_code);
    findings = check(c.region_code, zones);
    status = refused(findings) ? "refused" : "approved";
  }
  // One transaction: the new plan version, the request's decision, its audit entry and event
  // appear together or not at all (docs/village_plans.md, "Transactions").
  return projects_.write([&](ProjectTx& tx) {
    auto rows = tx.session().query("SELECT status FROM village_plan_changes WHERE id = CAST($1 AS bigint)",
                                   {num(c.id)});
    if (rows.empty() || rows[0][0] != "in_review")
      throw RuleError("change_not_in_review", "该变更申请已被处理", "the change request was decided meanwhile");
    std::optional<LayerVersion> written;
    if (status == "approved") written = write_plan_version(tx, c, zones);
    c.status = status;
    c.findings = findings;
    c.decided_by = actor_of(user);
    c.decided_at = tx.now();
    c.opinion = opinion;
    c.new_version = written ? written->version : 0;
    tx.session().query(
        "UPDATE village_plan_changes SET status = $2, findings = $3, decided_by = $4, decided_at = $5, "
        "opinion = $6, new_version = CAST($7 AS bigint) WHERE id = CAST($1 AS bigint)",
        {num(c.id), c.status, dump(findings_json(c.findings)), c.decided_by, c.decided_at, c.opinion,
         num(c.new_version)});
    tx.audit({actor_of(user), "village_plan.change_" + std::string(status == "approved" ? "approve" : status == "rejected" ? "reject" : "refused"),
              "village_plan_change:" + num(c.id),
              dump({{"region", c.region_code}, {"layer", c.layer}, {"new_version", c.new_version},
                    {"opinion", c.opinion}})});
    tx.insert_event({0, "", "village_plan.change_" + c.status, 0, c.region_code, "",
                     dump({{"change", c.id}, {"status", c.status}, {"version", c.new_version}})});
    return c;
  });
}

std::vector<PlanVersion> VillagePlanService::versions(const User& user, const std::string& region) {
  checked_village(region);
  require_reader(user, region);
  LayerVersion layer = plan_layer();
  // Versions first, then the requests: an approval commits both at once, so every version read
  // here has its request in the later read (the other order could show a version just approved
  // as imported).
  auto stored = store_.versions(layer.layer);
  std::map<int, std::int64_t> made_by;
  projects_.read([&](ProjectTx& tx) {
    for (const auto& r : tx.session().query(
             "SELECT new_version, id FROM village_plan_changes WHERE layer = $1 AND status = 'approved'",
             {layer.layer}))
      made_by[static_cast<int>(i64(r[0]))] = i64(r[1]);
  });
  std::vector<PlanVersion> out;
  for (const auto& v : stored) {
    PlanVersion pv;
    pv.version = v;
    store_.scan(v, [&](StoredFeature&& f) {
      if (zone_code(f.attributes).value_or("") == region) ++pv.zones;
    });
    if (auto it = made_by.find(v.version); it != made_by.end()) pv.change_request = it->second;
    out.push_back(pv);
  }
  return out;
}

std::string VillagePlanService::zones(const User& user, const std::string& region,
                                      std::optional<int> version) {
  checked_village(region);
  require_reader(user, region);
  LayerVersion v = store_.layer_version(plan_layer().layer, version);
  json features = json::array();
  store_.scan(v, [&](StoredFeature&& f) {
    if (zone_code(f.attributes).value_or("") != region) return;
    features.push_back({{"type", "Feature"},
                        {"id", f.source_id},
                        {"properties", json::parse(storage::encode_attributes(f.attributes))},
                        {"geometry", json::parse(geo::Geometry::from_wkb(f.wkb).geojson())}});
  });
  return dump({{"type", "FeatureCollection"},
               {"layer", v.layer},
               {"version", v.version},
               {"region_code", region},
               {"features", features}});
}

}  // namespace gz::services
