#include "http/scheme_routes.h"

#include "http/api_support.h"
#include "services/scheme_json.h"

namespace gz::http {

using nlohmann::json;

void add_scheme_routes(Router& r, storage::IdentityStore& identity, services::SchemeService& schemes) {
  r.add("GET", "/api/v1/schemes", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    auto q = query_params(req);
    bool geometry = q.count("geometry") && (q["geometry"] == "1" || q["geometry"] == "true");
    json list = json::array();
    for (const auto& s : schemes.list(user, q.count("unit") ? q["unit"] : "", geometry)) {
      auto j = services::scheme_json(s, false);
      if (geometry) j["plan"] = json::parse(s.plan_json);
      list.push_back(std::move(j));
    }
    return json_response(200, {{"schemes", list}});
  });
  r.add("POST", "/api/v1/schemes", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"unit", "region_code", "name", "description", "cost_fen", "plan", "land_use_layer",
                               "relocated_households"},
                         {"unit", "region_code", "name", "cost_fen", "plan"});
    schemes.authorize_add(user, string_field(b, "region_code"));
    services::NewScheme in{string_field(b, "unit"), string_field(b, "region_code"), string_field(b, "name"),
                           string_field(b, "description"), int_field(b, "cost_fen"), b["plan"].dump(),
                           string_field(b, "land_use_layer"), std::nullopt};
    if (b.contains("relocated_households") && !b["relocated_households"].is_null())
      in.relocated_households = int_field(b, "relocated_households");
    return json_response(201, services::scheme_json(schemes.add(user, in), true));
  });
  r.add("POST", "/api/v1/schemes/compare", [&](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"unit", "weights", "ahp_matrix", "schemes"}, {"unit"});
    schemes.authorize_compare(user, string_field(b, "unit"));
    services::CompareOptions o;
    if (b.contains("schemes") && !b["schemes"].is_null()) {
      if (!b["schemes"].is_array())
        throw InvalidRequest("invalid_field", "schemes 应为方案 id 或编号的数组", "schemes must be an array of scheme ids or codes");
      for (const auto& s : b["schemes"]) {
        if (s.is_number_integer()) o.schemes.push_back(std::to_string(s.get<long long>()));
        else if (s.is_string()) o.schemes.push_back(s.get<std::string>());
        else throw InvalidRequest("invalid_field", "schemes 应为方案 id 或编号的数组", "schemes must be an array of scheme ids or codes");
      }
    }
    o.weights = string_field(b, "weights", "entropy");
    if (b.contains("ahp_matrix") && !b["ahp_matrix"].is_null()) o.ahp_matrix_json = b["ahp_matrix"].dump();
    return json_response(200, services::comparison_json(schemes.compare(user, string_field(b, "unit"), o)));
  });
  r.add("GET", "/api/v1/schemes/{id}", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    return json_response(200, services::scheme_json(schemes.get(user, id_param(pp, "id")), true));
  });
  r.add("PUT", "/api/v1/schemes/{id}", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    auto b = body_object(req, {"name", "description", "cost_fen", "plan", "relocated_households"},
                         {"name", "cost_fen", "plan"});
    services::SchemeEdit in{string_field(b, "name"), string_field(b, "description"), int_field(b, "cost_fen"),
                            b["plan"].dump(), std::nullopt};
    if (b.contains("relocated_households") && !b["relocated_households"].is_null())
      in.relocated_households = int_field(b, "relocated_households");
    return json_response(200, services::scheme_json(schemes.update(user, id_param(pp, "id"), in), true));
  });
  r.add("DELETE", "/api/v1/schemes/{id}", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    schemes.remove(user, id_param(pp, "id"));
    return json_response(200, {{"removed", true}});
  });
  r.add("POST", "/api/v1/schemes/{id}/simulate", [&](const Request& req, const PathParams& pp) {
    auto user = signed_in(identity, req);
    return json_response(201, services::simulation_json(schemes.simulate(user, id_param(pp, "id"))));
  });
}

}  // namespace gz::http
