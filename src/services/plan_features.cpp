#include "services/plan_features.h"

#include "geo/geometry.h"
#include "storage/attributes_json.h"

namespace gz::services {

using nlohmann::json;

std::vector<StoredFeature> plan_features(const std::string& code, const std::string& type,
                                         const json& plan, const std::string& change_prefix) {
  std::vector<StoredFeature> out;
  auto feature = [&](const std::string& id, const json& geometry, const json& attrs) {
    StoredFeature f;
    f.source_id = id;
    auto g = geo::Geometry::from_geojson(geometry.dump());
    f.wkb = g.wkb();
    f.bbox = g.envelope();
    f.attributes_json = attrs.dump(-1, ' ', false, json::error_handler_t::replace);
    f.attributes = storage::decode_attributes(f.attributes_json);
    out.push_back(std::move(f));
  };
  feature(code, plan["area"], {{"XMBH", code}, {"XMLX", type}});
  int k = 0;
  for (const auto& c : plan.value("changes", json::array())) {
    // A 用地用海 target is the feature's GHDLBM, the field CZGHTB layers carry it in.
    json a = {{"XMBH", code}, {"from_code", c["from_code"]}};
    if (c.contains("to_ghdlbm")) a["GHDLBM"] = c["to_ghdlbm"];
    else a["to_code"] = c["to_code"];
    if (c.contains("measure")) a["measure"] = c["measure"];
    feature(code + change_prefix + std::to_string(++k), c["geometry"], a);
  }
  return out;
}

}  // namespace gz::services
