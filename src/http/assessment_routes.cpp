#include "http/assessment_routes.h"

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "http/api_support.h"

namespace gz::http {

using nlohmann::json;

namespace {

json change_json(const services::PlanChangeRequest& c, bool with_zones) {
  json findings = json::array();
  for (const auto& f : c.findings)
    findings.push_back({{"rule", f.rule}, {"severity", f.severity}, {"name_zh", f.name_zh},
                        {"name_en", f.name_en}, {"zone", f.zone}, {"control", f.control},
                        {"area_m2", f.area_m2}});
  json j = {{"id", c.id},
            {"region_code", c.region_code},
            {"layer", c.layer},
            {"base_version", c.base_version},
            {"status", c.status},
            {"reason", c.reason},
            {"findings", findings},
            {"submitted_by", c.submitted_by},
            {"submitted_at", c.submitted_at},
            {"decided_by", c.decided_by.empty() ? json(nullptr) : json(c.decided_by)},
            {"decided_at", c.decided_at.empty() ? json(nullptr) : json(c.decided_at)},
            {"opinion", c.opinion},
            {"new_version", c.new_version ? json(c.new_version) : json(nullptr)}};
  if (with_zones) j["zones"] = json::parse(c.zones);
  return j;
}

json assessment_body(const services::AssessmentResult& r) { return json::parse(services::assessment_json(r)); }

// `geometry=1`: each zone gets its simplified outline as "geometry" (GeoJSON, EPSG:4490
// longitude/latitude) for a map; `geometry=0` or absent: none.
bool wants_geometry(std::map<std::string, std::string>& q) {
  if (!q.count("geometry")) return false;
  const auto& v = q["geometry"];
  if (v == "1" || v == "true") return true;
  if (v == "0" || v == "false") return false;
  throw ApiError{400, "invalid_geometry_flag", "geometry 应为 1 或 0", "geometry must be 1 or 0"};
}

void add_outlines(services::UnitService& units, const services::AssessmentResult& r, json& body) {
  auto outlines = units.outlines(r);
  for (std::size_t i = 0; i < r.zones_assessed.size(); ++i) {
    auto it = outlines.find(r.zones_assessed[i].code);
    body["zones"][i]["geometry"] = it == outlines.end() ? json(nullptr) : json::parse(it->second);
  }
}

// The method the scores come from (data/assessment.json): dimensions, and per indicator its
// measure, normalisation, full-score value, direction and weight, for tables of the method.
json method_json(const services::AssessmentMethod& m) {
  json dims = json::array(), inds = json::array(), grades = json::array();
  for (const auto& d : m.dimensions) dims.push_back({{"id", d.id}, {"name_zh", d.name_zh}, {"name_en", d.name_en}});
  for (const auto& i : m.indicators)
    inds.push_back({{"id", i.id}, {"dimension", i.dimension}, {"name_zh", i.name_zh}, {"name_en", i.name_en},
                    {"unit", i.unit}, {"measure", i.measure}, {"per", i.per}, {"direction", i.direction},
                    {"normalise", i.normalise}, {"full", i.full}, {"weight", i.weight}, {"source", i.source}});
  for (const auto& [min, grade] : m.grades) grades.push_back({{"min", min}, {"grade", grade}});
  return {{"version", m.version}, {"dimensions", dims}, {"indicators", inds}, {"grades", grades}};
}

// X-Gongzhi-Cache: hit when the assessment came from the cache, miss when it was computed.
Response assessment_response(json body, bool hit) {
  Response res = json_response(200, body);
  res.headers.emplace_back("X-Gongzhi-Cache", hit ? "hit" : "miss");
  return res;
}

// The zones text of a body: a GeoJSON object given inline.
std::string zones_text(const json& b) {
  if (!b.contains("zones") || !(b["zones"].is_object() || b["zones"].is_array()))
    throw ApiError{400, "invalid_zones", "zones 应为 GeoJSON FeatureCollection",
                   "zones must be a GeoJSON FeatureCollection"};
  return b["zones"].dump();
}

}  // namespace

void add_assessment_routes(Router& r, storage::IdentityStore& identity, services::UnitService* units,
                           services::VillagePlanService* plans) {
  if (units) {
    r.add("GET", "/api/v1/assessment", [&identity, units](const Request& req, const PathParams&) {
      auto user = signed_in(identity, req);
      auto q = query_params(req);
      for (const auto& [k, v] : q)
        if (k != "region" && k != "unit" && k != "layer" && k != "geometry")
          throw ApiError{400, "unknown_parameter", "未知参数 " + k, "unknown parameter " + k};
      const bool geometry = wants_geometry(q);
      auto cached = units->assessment(user, q.count("region") ? q["region"] : "",
                                      q.count("unit") ? q["unit"] : "", q.count("layer") ? q["layer"] : "");
      json body = assessment_body(*cached.result);
      body["method"] = method_json(services::AssessmentMethod::standard());
      if (geometry) add_outlines(*units, *cached.result, body);
      return assessment_response(std::move(body), cached.hit);
    });
    r.add("GET", "/api/v1/assessment/progress", [&identity, units](const Request& req, const PathParams&) {
      auto user = signed_in(identity, req);
      auto q = query_params(req);
      for (const auto& [k, v] : q)
        if (k != "region" && k != "unit" && k != "layer" && k != "units")
          throw ApiError{400, "unknown_parameter", "未知参数 " + k, "unknown parameter " + k};
      const bool all_units = q.count("units") && q["units"] == "all";
      if (q.count("units") && (!all_units || q.count("region") || q.count("unit")))
        throw ApiError{400, "region_or_unit", "请给出 region、unit 或 units=all 之一",
                       "give one of region, unit or units=all"};
      if (!all_units && !q.count("region") && !q.count("unit"))
        throw ApiError{400, "region_or_unit", "请给出 region、unit 或 units=all 之一",
                       "give one of region, unit or units=all"};
      auto p = units->progress(user, q.count("region") ? q["region"] : "", q.count("unit") ? q["unit"] : "",
                               q.count("layer") ? q["layer"] : "");
      return json_response(200, {{"state", p.state}, {"done", p.done}, {"total", p.total}});
    });
    r.add("GET", "/api/v1/units", [&identity, units](const Request& req, const PathParams&) {
      auto user = signed_in(identity, req);
      auto q = query_params(req);
      const bool geometry = wants_geometry(q);
      auto cached = units->units(user, q.count("layer") ? q["layer"] : "");
      const auto& result = *cached.result;
      json body = assessment_body(result);
      for (std::size_t i = 0; i < result.zones_assessed.size(); ++i) {
        auto p = units->projects_of(user, result.zones_assessed[i]);
        body["zones"][i]["platform_projects"] = p.platform_projects;
      }
      body["method"] = method_json(services::AssessmentMethod::standard());
      if (geometry) add_outlines(*units, result, body);
      return assessment_response(std::move(body), cached.hit);
    });
    r.add("GET", "/api/v1/units/{code}", [&identity, units](const Request& req, const PathParams& pp) {
      auto user = signed_in(identity, req);
      auto q = query_params(req);
      const bool geometry = wants_geometry(q);
      auto cached = units->assessment(user, "", pp.at("code"), q.count("layer") ? q["layer"] : "");
      const auto& result = *cached.result;
      json body = assessment_body(result);
      if (geometry) add_outlines(*units, result, body);
      auto p = units->projects_of(user, result.zones_assessed.at(0));
      json unit = body["zones"][0];
      unit["platform_projects"] = p.platform_projects;
      unit["land_use"] = body["land_use"];
      unit["missing"] = body["missing"];
      return assessment_response(std::move(unit), cached.hit);
    });
  }
  if (plans) {
    r.add("GET", "/api/v1/village-plans/{region}", [&identity, plans](const Request& req, const PathParams& pp) {
      auto user = signed_in(identity, req);
      auto q = query_params(req);
      std::optional<int> version;
      if (q.count("version")) {
        try {
          version = std::stoi(q["version"]);
        } catch (const std::exception&) {
          throw ApiError{400, "invalid_version", "version 应为整数", "version must be an integer"};
        }
      }
      Response res = json_response(200, json::parse(plans->zones(user, pp.at("region"), version)));
      res.content_type = "application/geo+json; charset=utf-8";
      return res;
    });
    r.add("GET", "/api/v1/village-plans/{region}/versions",
          [&identity, plans](const Request& req, const PathParams& pp) {
            auto user = signed_in(identity, req);
            json list = json::array();
            for (const auto& v : plans->versions(user, pp.at("region")))
              list.push_back({{"version", v.version.version},
                              {"created_at", v.version.created_at},
                              {"source", v.version.source},
                              {"zones", v.zones},
                              {"change_request", v.change_request ? json(v.change_request) : json(nullptr)}});
            return json_response(200, {{"versions", list}});
          });
    r.add("GET", "/api/v1/village-plans/{region}/changes",
          [&identity, plans](const Request& req, const PathParams& pp) {
            auto user = signed_in(identity, req);
            json list = json::array();
            for (const auto& c : plans->requests(user, pp.at("region"))) list.push_back(change_json(c, false));
            return json_response(200, {{"changes", list}});
          });
    r.add("POST", "/api/v1/village-plans/{region}/changes",
          [&identity, plans](const Request& req, const PathParams& pp) {
            auto user = signed_in(identity, req);
            plans->authorize_submit(user, pp.at("region"));
            auto b = body_object(req, {"zones", "reason"}, {"zones", "reason"});
            auto c = plans->submit(user, {pp.at("region"), zones_text(b), string_field(b, "reason")});
            return json_response(201, change_json(c, true));
          });
    r.add("GET", "/api/v1/village-plan-changes/{id}", [&identity, plans](const Request& req, const PathParams& pp) {
      auto user = signed_in(identity, req);
      return json_response(200, change_json(plans->request(user, id_param(pp, "id")), true));
    });
    r.add("POST", "/api/v1/village-plan-changes/{id}/decision",
          [&identity, plans](const Request& req, const PathParams& pp) {
            auto user = signed_in(identity, req);
            auto b = body_object(req, {"decision", "opinion"}, {"decision"});
            auto c = plans->decide(user, id_param(pp, "id"), string_field(b, "decision"),
                                   string_field(b, "opinion"));
            return json_response(200, change_json(c, false));
          });
  }
}

}  // namespace gz::http
