#include "http/land_use_class_routes.h"

#include "domain/land_use_classes.h"
#include "domain/planning_classes.h"
#include "http/api_support.h"

namespace gz::http {

namespace {
const char* group_name(LandGroup g) { return to_string(g); }
const char* kind_name(ClassKind k) {
  switch (k) {
    case ClassKind::standard: return "standard";
    case ClassKind::adjustable: return "adjustable";
    case ClassKind::sub: return "sub";
    case ClassKind::change_survey: return "change_survey";
  }
  return "standard";
}
}  // namespace

void add_land_use_class_routes(Router& r, storage::IdentityStore& identity) {
  r.add("GET", "/api/v1/land-use-classes", [&identity](const Request& req, const PathParams&) {
    signed_in(identity, req);
    nlohmann::json list = nlohmann::json::array();
    for (const auto& c : LandUseClassTable::standard().classes())
      list.push_back({{"code", c.code},
                      {"name_zh", c.name_zh},
                      {"name_en", c.name_en},
                      {"level1_code", c.level1_code},
                      {"level1_name_zh", c.level1_name_zh},
                      {"level1_name_en", c.level1_name_en},
                      {"count_as", c.count_as},
                      {"kind", kind_name(c.kind)},
                      {"group", group_name(c.group)},
                      {"cultivated", c.cultivated},
                      {"color", c.color}});
    // The planning classification (用地用海), all three levels: a plan's change may name its target
    // there (to_ghdlbm); survey_code is the 三调 class of the same name, "" when none.
    nlohmann::json planning = nlohmann::json::array();
    const auto& conversion = BaseConversion::standard();
    for (const auto& c : PlanningClassTable::standard().classes()) {
      const LandUseClass* same = conversion.same_name_survey_class(c.code);
      planning.push_back({{"code", c.code},
                          {"name_zh", c.name_zh},
                          {"name_en", c.name_en},
                          {"level", c.level},
                          {"parent", c.parent},
                          {"group", group_name(c.group)},
                          {"cultivated", c.cultivated},
                          {"zone_use", c.zone_use},
                          {"survey_code", same ? same->code : ""}});
    }
    auto res = json_response(200, {{"classes", list}, {"planning_classes", planning}});
    res.headers.emplace_back("Cache-Control", "private, max-age=3600");
    return res;
  });
}

}  // namespace gz::http
