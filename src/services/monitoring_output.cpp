#include "services/monitoring_output.h"

#include <map>

#include "domain/land_use_classes.h"
#include "geo/geometry.h"

namespace gz::services {

using nlohmann::ordered_json;

namespace {
ordered_json hit_json(const RuleHit& h) {
  ordered_json j{{"rule", h.rule},
                 {"name_zh", h.name_zh},
                 {"name_en", h.name_en},
                 {"severity", to_string(h.severity)},
                 {"severity_zh", chinese_name(h.severity)},
                 {"area_m2", h.area_m2},
                 {"area_mu", h.area_m2 / kSquareMetresPerMu}};
  if (!h.project.empty()) {
    j["project"] = h.project;
    j["project_name"] = h.project_name;
  }
  return j;
}

ordered_json version_json(const LayerVersion& v) {
  return {{"layer", v.layer}, {"version", v.version}, {"features", v.feature_count}, {"created_at", v.created_at}};
}
}  // namespace

ordered_json spot_json(const ChangeSpot& s, bool geometry) {
  ordered_json hits = ordered_json::array();
  for (const auto& h : s.hits) hits.push_back(hit_json(h));
  auto sev = s.severity();
  ordered_json j{{"id", s.id},
                 {"bsm_before", s.bsm_before},
                 {"bsm_after", s.bsm_after},
                 {"code_before", s.code_before},
                 {"name_before", s.name_before},
                 {"code_after", s.code_after},
                 {"name_after", s.name_after},
                 {"region_code", s.region_code},
                 {"region_name", s.region_name},
                 {"matched_by", s.matched_by_bsm ? "bsm" : "geometry"},
                 {"area_m2", s.area_m2},
                 {"area_mu", s.area_mu},
                 {"area_ha", s.area_ha},
                 {"severity", sev ? ordered_json(to_string(*sev)) : ordered_json(nullptr)},
                 {"hits", hits}};
  if (geometry) j["geometry"] = ordered_json::parse(geo::Geometry::from_wkb(s.wkb).geojson());
  return j;
}

ordered_json monitor_json(const MonitorResult& r, bool geometry) {
  ordered_json controls = ordered_json::array();
  for (const auto& c : r.controls)
    controls.push_back({{"layer", c.layer}, {"kind", to_string(c.kind)}, {"version", c.version}});
  ordered_json spots = ordered_json::array();
  std::map<std::string, int> by_rule, by_severity;
  std::map<std::string, double> area_by_rule;
  double changed_m2 = 0;
  for (const auto& s : r.spots) {
    spots.push_back(spot_json(s, geometry));
    changed_m2 += s.area_m2;
    if (auto sev = s.severity()) ++by_severity[std::string(to_string(*sev))];
    for (const auto& h : s.hits) {
      ++by_rule[h.rule];
      area_by_rule[h.rule] += h.area_m2;
    }
  }
  ordered_json projects = ordered_json::array();
  for (const auto& p : r.projects) {
    ordered_json j{{"project", p.project},       {"project_name", p.project_name},
                   {"region_code", p.region_code}, {"state", p.state},
                   {"claimed_m2", p.claimed_m2},   {"surveyed_m2", p.surveyed_m2},
                   {"shortfall_m2", p.shortfall_m2}, {"shortfall_mu", p.shortfall_m2 / kSquareMetresPerMu},
                   {"hit", p.hit ? hit_json(*p.hit) : ordered_json(nullptr)}};
    if (p.hit) {
      ++by_rule[p.hit->rule];
      area_by_rule[p.hit->rule] += p.hit->area_m2;
      ++by_severity[std::string(to_string(p.hit->severity))];
    }
    projects.push_back(std::move(j));
  }
  ordered_json rule_counts = ordered_json::object(), rule_areas = ordered_json::object(),
               severity_counts = ordered_json::object();
  for (const auto& [k, v] : by_rule) rule_counts[k] = v;
  for (const auto& [k, v] : area_by_rule) rule_areas[k] = v;
  for (const char* s : {"red", "orange", "yellow"}) severity_counts[s] = by_severity[s];
  return {{"schema", "gongzhi.monitor/1"},
          {"from", version_json(r.from)},
          {"to", version_json(r.to)},
          {"controls", controls},
          {"spots", spots},
          {"projects", projects},
          {"summary",
           {{"features_before", r.features_before},
            {"features_after", r.features_after},
            {"matched_by_bsm", r.matched_by_bsm},
            {"spots", r.spots.size()},
            {"changed_m2", changed_m2},
            {"changed_mu", changed_m2 / kSquareMetresPerMu},
            {"by_severity", severity_counts},
            {"by_rule", rule_counts},
            {"area_m2_by_rule", rule_areas}}}};
}

std::string monitor_geojson(const MonitorResult& r) {
  std::string out = "{\"type\":\"FeatureCollection\",\"features\":[";
  bool first = true;
  for (const auto& s : r.spots) {
    ordered_json props = spot_json(s, false);
    out += first ? "\n" : ",\n";
    out += "{\"type\":\"Feature\",\"id\":" + ordered_json(s.id).dump() + ",\"properties\":" + props.dump() +
           ",\"geometry\":" + geo::Geometry::from_wkb(s.wkb).geojson() + "}";
    first = false;
  }
  out += "]}\n";
  return out;
}

ReportSheet monitor_sheet(const MonitorResult& r) {
  ReportSheet sheet;
  sheet.name = "变化图斑";
  sheet.file_stem = r.from.layer + "-v" + std::to_string(r.from.version) + "-v" + std::to_string(r.to.version) +
                    "-变化图斑监测预警表";
  sheet.title_zh = "变化图斑监测预警表";
  sheet.caption_zh = "图层：" + r.from.layer + "　比较版本：v" + std::to_string(r.from.version) + " → v" +
                     std::to_string(r.to.version) + "　面积：椭球面积（CGCS2000）";
  sheet.columns = {{"图斑编号", 0, 11},       {"坐落单位代码", 0, 15}, {"坐落单位名称", 0, 14},
                   {"变化前标识码", 0, 12},   {"变化前地类编码", 0, 10}, {"变化前地类名称", 0, 12},
                   {"变化后标识码", 0, 12},   {"变化后地类编码", 0, 10}, {"变化后地类名称", 0, 12},
                   {"匹配方式", 0, 10},       {"面积（平方米）", 2, 14}, {"面积（亩）", 2, 11},
                   {"面积（公顷）", 4, 11},   {"预警等级", 0, 9},       {"触发规则", 0, 40},
                   {"涉及项目", 0, 14}};
  double total = 0;
  for (const auto& s : r.spots) {
    std::string rules, projects;
    for (const auto& h : s.hits) {
      char area[64];
      std::snprintf(area, sizeof area, "%.2f", h.area_m2 / kSquareMetresPerMu);
      rules += (rules.empty() ? "" : "；") + h.name_zh + "（" + std::string(chinese_name(h.severity)) + "，" +
               area + "亩）";
      if (!h.project.empty()) projects += (projects.empty() ? "" : "、") + h.project;
    }
    auto sev = s.severity();
    sheet.rows.push_back({{s.id, s.region_code, s.region_name, s.bsm_before, s.code_before, s.name_before,
                           s.bsm_after, s.code_after, s.name_after,
                           std::string(s.matched_by_bsm ? "标识码" : "空间叠加"), s.area_m2, s.area_mu,
                           s.area_ha, std::string(sev ? std::string(chinese_name(*sev)) : "无"), rules,
                           projects}});
    total += s.area_m2;
  }
  sheet.rows.push_back({{std::string("合计"), {}, {}, {}, {}, {}, {}, {}, {}, {}, total,
                         total / kSquareMetresPerMu, total / kSquareMetresPerHectare, {}, {}, {}},
                        true});
  for (const auto& p : r.projects) {
    char line[512];
    std::snprintf(line, sizeof line, "新增耕地核定：%s %s，申报 %.2f 亩，调查确认 %.2f 亩，差额 %.2f 亩%s",
                  p.project.c_str(), p.project_name.c_str(), p.claimed_m2 / kSquareMetresPerMu,
                  p.surveyed_m2 / kSquareMetresPerMu, p.shortfall_m2 / kSquareMetresPerMu,
                  p.hit ? ("（" + std::string(chinese_name(p.hit->severity)) + "色预警）").c_str() : "");
    sheet.notes_zh.push_back(line);
  }
  sheet.notes_zh.push_back("预警等级：红、橙、黄；规则见 data/monitoring.json。");
  sheet.generated_at = beijing_time_now();
  return sheet;
}

}  // namespace gz::services
