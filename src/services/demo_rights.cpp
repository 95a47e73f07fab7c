#include "services/demo_rights.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "geo/geometry.h"
#include "services/projects.h"
#include "services/realloc.h"
#include "services/rights.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"

namespace gz::services {

std::string seed_demo_rights(storage::Store& store, const std::string& location) {
  auto identity = storage::IdentityStore::open(location);
  auto lead = identity->find_user("zrzy"), zhen = identity->find_user("zhen"),
       cun = identity->find_user("cun"), cunmin = identity->find_user("cunmin");
  if (!lead || !zhen || !cun || !cunmin) return "";
  std::string township, village;
  for (const auto& g : zhen->grants) township = g.region_code;
  for (const auto& g : cun->grants) village = g.region_code;
  auto projects = storage::ProjectStore::open(location);
  ProjectService service(store, *projects, identity.get());
  RightsService rights(store, *projects, service, identity.get());
  // The first project still in application in the township: its plan can still change.
  std::optional<storage::ProjectRecord> target;
  for (const auto& p : service.list(*lead))
    if (!target && p.state == ProjectState::submitted && region_contains(township, p.region_code))
      target = service.get(*lead, p.id);
  if (!target) return "";
  auto area = nlohmann::json::parse(target->plan_json).value("area", nlohmann::json());
  if (area.is_null()) return "";
  auto env = geo::Geometry::from_geojson(area.dump()).envelope();
  // 16 households with 64 scattered strips (about 320 m × 240 m) around the area's centre.
  double lon = (env.minx + env.maxx) / 2 - 0.0017, lat = (env.miny + env.maxy) / 2 - 0.0011;
  write_demo_parcels(store, "parcels", 16, 64, 2026, lon, lat);

  rights.add_member(*cun, {0, "H00001", "cunmin", village, "", ""});
  rights.record_plan(*lead, target->id, {"parcels", std::nullopt, "units", "", 0.02, {}});
  // Most households signed their confirmation on paper, entered by the township (the project is
  // the township's); H00001 (cunmin) and three more have not answered yet, so approval waits.
  for (int h = 5; h <= 16; ++h) {
    char code[8];
    std::snprintf(code, sizeof code, "H%05d", h);
    rights.confirm(*zhen, target->id, code, "户主在村委会书面签字确认");
  }
  rights.record_compensation(*zhen, target->id,
                             {"H00003", "宅基地退出 160 m²，按县补偿标准 600 元/m²", 9600000, 160});
  return target->code;
}

}  // namespace gz::services
