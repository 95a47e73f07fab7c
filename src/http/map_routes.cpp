#include "http/map_routes.h"

#include "common/error.h"
#include "geo/geometry.h"
#include "http/api_support.h"
#include "services/map_search.h"
#include "services/tiles.h"
#include "storage/attributes_json.h"

namespace gz::http {

namespace {

bool may_see_map(storage::IdentityStore& identity, const Request& req) {
  auto user = signed_in(identity, req);
  return services::may_see_map_data(user, identity.regions());
}

nlohmann::json extent_json(const Envelope& e) { return {e.minx, e.miny, e.maxx, e.maxy}; }

}  // namespace

void add_map_routes(Router& r, storage::Store& store, storage::IdentityStore& identity) {
  r.add("GET", "/api/v1/map/places", [&store, &identity](const Request& req, const PathParams&) {
    nlohmann::json list = nlohmann::json::array();
    if (may_see_map(identity, req))
      for (const auto& p : services::map_places(store))
        list.push_back({{"code", p.code},
                        {"name", p.name},
                        {"level", std::string(to_string(p.level))},
                        {"layer", p.layer},
                        {"label", {p.label_lon, p.label_lat}},
                        {"bbox", extent_json(p.extent)}});
    return json_response(200, {{"places", list}});
  });
  r.add("GET", "/api/v1/map/spots", [&store, &identity](const Request& req, const PathParams&) {
    bool may = may_see_map(identity, req);
    auto q = query_params(req);
    auto it = q.find("bsm");
    const std::string bsm = it == q.end() ? "" : it->second;
    nlohmann::json list = nlohmann::json::array();
    if (!may) return json_response(200, {{"spots", list}});
    std::vector<services::SpotMatch> found;
    try {
      found = services::find_spots_by_bsm(store, bsm);
    } catch (const UsageError& e) {
      throw ApiError{400, "invalid_bsm", "标识码应为 1–32 位字母或数字", e.what()};
    }
    for (const auto& m : found)
      list.push_back({{"layer", m.version.layer},
                      {"version", m.version.version},
                      {"bsm", bsm},
                      {"attributes",
                       nlohmann::json::parse(storage::encode_attributes(m.feature.attributes))},
                      {"bbox", extent_json(m.feature.bbox)},
                      {"geometry", nlohmann::json::parse(
                                       geo::Geometry::from_wkb(m.feature.wkb).geojson())}});
    return json_response(200, {{"spots", list}});
  });
  r.add("GET", "/api/v1/map/fields", [&identity](const Request& req, const PathParams&) {
    signed_in(identity, req);
    nlohmann::json fields = nlohmann::json::array(), codes = nlohmann::json::array();
    for (const auto& n : services::map_field_names()) {
      if (n.code.empty())
        fields.push_back({{"field", n.field}, {"name_zh", n.name_zh}, {"name_en", n.name_en}});
      else
        codes.push_back({{"field", n.field},
                         {"code", n.code},
                         {"name_zh", n.name_zh},
                         {"name_en", n.name_en}});
    }
    return json_response(200, {{"fields", fields}, {"codes", codes}});
  });
}

}  // namespace gz::http
