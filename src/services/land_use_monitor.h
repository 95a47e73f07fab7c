// Land-use change monitoring (监测预警, DESIGN.md §2.12): the change spots (变化图斑) between two
// versions of a land-use layer (the survey and the year's change survey) and the warnings the
// rules of data/monitoring.json raise on them.
// - Spots are matched by BSM where both versions carry it: same BSM, same geometry, other class
//   is one spot, the whole map spot. Features whose BSM is missing in the other version, whose
//   geometry changed or which carry no BSM are matched by geometry: the changed areas of both
//   versions are overlaid and every piece whose class differs is a spot. Land only one version
//   holds (added or removed: no changed feature of the other version covers it; each version
//   is taken to tile its land) is a spot with the class kNoLand ("none", 无) on the other side.
// - Areas are ellipsoidal on CGCS2000 (docs/areas.md), in m², mu and ha.
// - Rules (domain/monitoring_rules.h): 耕地 lost, 非农化 / 非粮化 inside permanent basic
//   farmland, new construction outside the urban development boundary and the village
//   construction zones, changes inside a project area that its approved plan does not make,
//   and claimed vs surveyed new cultivated land per completed project (新增耕地核定).
// - Versions are read as a stream (BSM, class code and a hash of the geometry per feature);
//   only changed features are kept.
// Bad input (versions of different layers, a version that does not exist, a layer that is not a
// land-use layer) is a UsageError / NotFoundError naming it, before any work.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "domain/layer.h"
#include "domain/monitoring_rules.h"
#include "storage/project_store.h"
#include "storage/store.h"

namespace gz::services {

// One rule a change spot breaks.
struct RuleHit {
  std::string rule;  // id in data/monitoring.json
  std::string name_zh, name_en;
  Severity severity = Severity::yellow;
  double area_m2 = 0;  // the part of the spot the rule concerns (e.g. inside the farmland)
  std::string project;       // plan_deviation: the project code (XM…)
  std::string project_name;  // plan_deviation: its name
};

// One change spot (变化图斑).
struct ChangeSpot {
  std::string id;  // "BH000001"…: position in the result, stable for the same two versions
  std::string bsm_before, bsm_after;  // "" where the version has none (new or removed land)
  // 三调 codes and names; kNoLand ("none", 无) for the side that does not hold the land.
  std::string code_before, name_before, code_after, name_after;
  std::string region_code;  // ZLDWDM (village, 12 digits) after, else before; "" when unknown
  std::string region_name;  // ZLDWMC
  bool matched_by_bsm = false;  // false: by geometry (overlay of the changed areas)
  double area_m2 = 0, area_mu = 0, area_ha = 0;  // ellipsoidal
  std::string wkb;  // polygon(s), CGCS2000 lon/lat (EPSG:4490)
  Envelope bbox;
  std::vector<RuleHit> hits;  // highest severity first
  // Highest severity of the hits; nullopt when no rule is broken.
  std::optional<Severity> severity() const;
};

// 新增耕地核定 for one project: what it claims against what the survey shows.
struct NewCultivatedCheck {
  std::string project, project_name, region_code, state;
  double claimed_m2 = 0;   // achieved indicator new_cultivated_land, else the plan's new plots
  double surveyed_m2 = 0;  // of the plan's new cultivated plots, cultivated in the to-version
  double shortfall_m2 = 0; // claimed − surveyed, ≥ 0
  std::optional<RuleHit> hit;  // set when the shortfall exceeds the rule's tolerance
};

struct MonitorRequest {
  std::string layer;
  std::string to_layer;  // "" = layer; another layer is refused (versions of different layers)
  int from_version = 0, to_version = 0;
  // Only spots (and projects) in regions under one of these codes; nullopt = all.
  std::optional<std::vector<std::string>> region_prefixes;
};

struct MonitorResult {
  LayerVersion from, to;
  std::vector<LayerVersion> controls;  // control layers the rules were measured against
  std::vector<ChangeSpot> spots;       // by id
  std::vector<NewCultivatedCheck> projects;
  std::int64_t features_before = 0, features_after = 0;
  std::int64_t matched_by_bsm = 0;  // features of the to-version matched by BSM
};

// Progress: (phase, done, total), phases "read", "compare", "rules".
using MonitorProgress =
    std::function<void(const std::string& phase, std::int64_t done, std::int64_t total)>;

// `projects` gives the platform projects for the plan_deviation and new_cultivated_shortfall
// rules; without it those rules are not applied.
MonitorResult monitor_land_use(storage::Store& store, const MonitorRequest& request,
                               storage::ProjectStore* projects,
                               const MonitoringRules& rules = MonitoringRules::standard(),
                               const MonitorProgress& progress = {});

}  // namespace gz::services
