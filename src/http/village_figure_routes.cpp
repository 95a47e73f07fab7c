#include "http/village_figure_routes.h"

#include <map>

#include "http/api_support.h"
#include "services/regions.h"

namespace gz::http {

namespace {

template <class T>
nlohmann::json opt(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json row_json(const services::VillageFigureRow& f, const std::string& name) {
  return {{"code", f.village_code},
          {"name", name},
          {"year", f.year},
          {"households", opt(f.households)},
          {"people", opt(f.people)},
          {"labourers", opt(f.labourers)},
          {"migrant_workers", opt(f.migrant_workers)},
          {"income_per_capita", opt(f.income_per_capita)},
          {"collective_income", opt(f.collective_income)}};
}

}  // namespace

void add_village_figure_routes(Router& r, storage::IdentityStore& identity,
                               std::shared_ptr<services::VillageFigureService> figures) {
  r.add("GET", "/api/v1/regions/{code}/figures",
        [&identity, figures](const Request& req, const PathParams& p) {
          auto user = signed_in(identity, req);
          const std::string& code = p.at("code");
          const ApiError not_found{404, "not_found", "区域不存在", "region not found"};
          if (!services::may_see_region(user, code)) throw not_found;
          auto region = identity.find_region(code);
          if (!region) throw not_found;
          std::map<std::string, std::string> names;
          for (const auto& x : identity.regions()) names[x.code] = x.name;
          auto f = figures->figures(region->code);
          nlohmann::json villages = nlohmann::json::array();
          for (const auto& v : f.villages) villages.push_back(row_json(v, names[v.village_code]));
          nlohmann::json version = nullptr;
          if (f.version)
            version = {{"version", f.version->version},
                       {"source", f.version->source},
                       {"imported_by", f.version->imported_by},
                       {"imported_at", f.version->imported_at},
                       {"rows", f.version->rows}};
          return json_response(
              200, {{"region", {{"code", region->code},
                                {"name", region->name},
                                {"level", std::string(to_string(region->level))}}},
                    {"version", version},
                    {"total", row_json(f.total, region->name)},
                    {"villages", villages}});
        });
}

}  // namespace gz::http
