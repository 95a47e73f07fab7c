#include "services/project_parts.h"

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "domain/land_use_classes.h"
#include "services/plan_features.h"
#include "storage/attributes_json.h"

namespace gz::services {

using nlohmann::json;

ProjectPart parse_project_part(std::string_view name) {
  if (name == "boundary") return ProjectPart::boundary;
  if (name == "new_cultivated") return ProjectPart::new_cultivated;
  throw UsageError("unknown part '" + std::string(name) + "'; use boundary or new_cultivated");
}

std::string_view to_string(ProjectPart p) {
  return p == ProjectPart::boundary ? "boundary" : "new_cultivated";
}

std::string part_name_zh(ProjectPart p) {
  return p == ProjectPart::boundary ? "项目区范围" : "新增耕地地块";
}

ProjectPartFeatures project_part(ProjectService& projects, const User& user, std::int64_t id,
                                 ProjectPart part) {
  ProjectPartFeatures out;
  out.project = projects.get(user, id);
  const auto& p = out.project;
  json plan = json::parse(p.plan_json.empty() ? "{}" : p.plan_json, nullptr, false);
  if (!plan.is_object() || !plan.contains("area"))
    throw RuleError("no_plan", "项目尚无项目区范围", "the project has no area yet");
  auto features = plan_features(p.code, p.type, plan, "-P");
  const auto& classes = LandUseClassTable::standard();
  const auto changes = plan.value("changes", json::array());
  auto text = [](const json& j) { return j.is_string() ? j.get<std::string>() : std::string(); };
  auto named = [&](StoredFeature f, const json& attrs) {
    f.attributes_json = attrs.dump(-1, ' ', false, json::error_handler_t::replace);
    f.attributes = storage::decode_attributes(f.attributes_json);
    out.features.push_back(std::move(f));
  };
  if (part == ProjectPart::boundary) {
    named(std::move(features[0]), {{"DKBH", p.code}, {"DKMC", p.name}, {"DKYT", "项目区范围"},
                                   {"XMBH", p.code}, {"XMMC", p.name}, {"XMLX", p.type},
                                   {"XZQDM", p.region_code}});
    return out;
  }
  int n = 0;
  for (std::size_t i = 0; i < changes.size() && i + 1 < features.size(); ++i) {
    std::string from = text(changes[i].value("from_code", json()));
    auto to = change_target(changes[i]);
    if (!to || !to->cultivated || (!from.empty() && classes.is_cultivated(from))) continue;
    const auto* fc = classes.find(from);
    // DLBM is a 三调 field: a 用地用海 target gives its class of the same name there (every
    // cultivated 用地用海 class has one), and GHDLBM keeps the code as planned.
    json attrs = {{"DKBH", p.code + "-" + std::to_string(++n)}, {"DKMC", "新增耕地" + std::to_string(n)},
                  {"DKYT", "新增耕地"}, {"DLBM", to->survey_code},
                  {"DLMC", classes.find(to->survey_code) ? classes.find(to->survey_code)->name_zh : ""},
                  {"XZGDLYDLBM", from}, {"XZGDLYDLMC", fc ? fc->name_zh : ""},
                  {"XMBH", p.code}, {"XMMC", p.name}, {"XZQDM", p.region_code}};
    if (to->planning) {
      attrs["GHDLBM"] = to->code;
      attrs["GHDLMC"] = to->name_zh;
    }
    named(std::move(features[i + 1]), attrs);
  }
  if (out.features.empty())
    throw RuleError("no_new_cultivated", "项目方案中没有新增耕地的规划变更",
                    "the project's plan has no change that adds cultivated land");
  return out;
}

}  // namespace gz::services
