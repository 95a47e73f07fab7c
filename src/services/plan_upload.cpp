#include "services/plan_upload.h"

#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "common/json_input.h"
#include "common/error.h"
#include "geo/geometry.h"

namespace gz::services {

using json = nlohmann::json;

namespace {

const std::set<std::string> kGeometryTypes = {"Point",      "MultiPoint",   "LineString",
                                               "MultiLineString", "Polygon", "MultiPolygon",
                                               "GeometryCollection"};

geo::Geometry polygon_of(const json& g, const std::string& field) {
  if (!g.is_object() || !g.contains("type"))
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
    throw InvalidRequest("invalid_geometry", field + " 应为面（Polygon 或 MultiPolygon），而不是 " + geom.type_name(),
                         field + " must be a Polygon or MultiPolygon, not " + geom.type_name());
  auto v = geom.validity();
  if (!v.valid) {
    std::string where = v.has_location ? " (" + std::to_string(v.x) + " " + std::to_string(v.y) + ")" : "";
    throw InvalidRequest("invalid_geometry", field + " 几何无效：" + v.reason + where,
                         field + " is not valid: " + v.reason + where);
  }
  return geom;
}

}  // namespace

UploadedPlan plan_from_geojson(const std::string& text) {
  json doc;
  try {
    doc = parse_json_input(text, "文件", "the file");
  } catch (const json::exception&) {
    throw InvalidRequest("malformed_json", "文件不是有效的 JSON", "the file is not valid JSON");
  }
  if (!doc.is_object() || !doc.contains("type") || !doc["type"].is_string())
    throw InvalidRequest("not_geojson", "文件不是 GeoJSON（缺少 type）", "the file is not GeoJSON (no type)");
  std::string type = doc["type"].get<std::string>();
  // Each item: (field name for errors, geometry, properties).
  std::vector<std::tuple<std::string, json, json>> items;
  if (type == "FeatureCollection") {
    if (!doc.contains("features") || !doc["features"].is_array())
      throw InvalidRequest("not_geojson", "FeatureCollection 缺少 features 数组",
                           "the FeatureCollection has no features array");
    if (doc["features"].size() > kMaxUploadFeatures)
      throw InvalidRequest("too_many_features", "要素超过 " + std::to_string(kMaxUploadFeatures) + " 个",
                           "more than " + std::to_string(kMaxUploadFeatures) + " features");
    std::size_t i = 0;
    for (const auto& f : doc["features"]) {
      std::string name = "features[" + std::to_string(i++) + "]";
      // Compared as JSON: a "type" that is no string (an object, found by fuzzing) is no Feature
      // either, where value("type", "") threw nlohmann's type_error (500).
      if (!f.is_object() || !f.contains("type") || f["type"] != "Feature")
        throw InvalidRequest("not_geojson", name + " 不是 Feature", name + " is not a Feature");
      items.emplace_back(name, f.value("geometry", json()), f.value("properties", json::object()));
    }
  } else if (type == "Feature") {
    items.emplace_back("feature", doc.value("geometry", json()), doc.value("properties", json::object()));
  } else if (kGeometryTypes.count(type)) {
    items.emplace_back("geometry", doc, json::object());
  } else {
    throw InvalidRequest("not_geojson", "未知的 GeoJSON 类型：" + type, "unknown GeoJSON type: " + type);
  }

  std::vector<geo::Geometry> area_parts;
  json changes = json::array();
  for (auto& [name, geometry, props] : items) {
    if (!props.is_object()) props = json::object();
    // The target is to_code (三调) or GHDLBM (用地用海, as CZGHTB layers carry it), one of them.
    bool has_from = props.contains("from_code"), has_sd = props.contains("to_code"),
         has_yydh = props.contains("GHDLBM");
    if (has_sd && has_yydh)
      throw InvalidRequest("ambiguous_target", name + " 同时带有 to_code（三调）和 GHDLBM（用地用海）：规划地类只能选一种分类",
                           name + " has both to_code (三调) and GHDLBM (用地用海): give the target in one classification");
    bool has_to = has_sd || has_yydh;
    if (has_from != has_to)
      throw InvalidRequest("missing_field",
                           name + " 只有 from_code 或规划地类（to_code / GHDLBM）之一：规划变化须同时给出两者",
                           name + " has only one of from_code and a target (to_code or GHDLBM): a planned change needs both");
    auto g = polygon_of(geometry, name + ".geometry");
    if (!has_from) {
      area_parts.push_back(std::move(g));
      continue;
    }
    json c = {{"geometry", json::parse(g.geojson())}};
    for (const char* k : {"from_code", has_sd ? "to_code" : "GHDLBM"}) {
      // Class codes are text ("0101"); a number would lose its leading zero.
      if (!props[k].is_string())
        throw InvalidRequest("wrong_type", name + ".properties." + k + " 应为文本地类编码（如 \"0101\"）",
                             name + ".properties." + k + " must be a text class code (like \"0101\")");
      bool planning = std::string(k) == "GHDLBM";
      // Checked here too, so that a refusal names the feature of the file.
      c[planning ? "to_ghdlbm" : k] =
          check_class_code(name + ".properties." + k, props[k].get<std::string>(), planning);
    }
    if (props.contains("measure")) c["measure"] = props["measure"];
    changes.push_back(std::move(c));
  }
  if (area_parts.empty())
    throw InvalidRequest("no_area", "文件中没有项目区范围（不带 from_code/to_code/GHDLBM 的面要素）",
                         "the file has no project area (a polygon feature without from_code/to_code/GHDLBM)");
  UploadedPlan out;
  out.area_features = static_cast<int>(area_parts.size());
  out.changes = static_cast<int>(changes.size());
  geo::Geometry area = area_parts.size() == 1 ? std::move(area_parts[0])
                                              : geo::Geometry::union_all(std::move(area_parts)).polygonal_part();
  auto checked = check_plan(json{{"area", json::parse(area.geojson())}, {"changes", changes}}.dump());
  out.plan_json = checked.json;
  out.area_m2 = checked.area_m2;
  return out;
}

}  // namespace gz::services
