#include "services/units.h"

#include <algorithm>

#include "common/error.h"
#include "services/land_use_balance.h"
#include "services/projects.h"
#include "services/scheme_units.h"

namespace gz::services {

namespace {
// Who reads assessments: officials, experts (who make them) and auditors; not villagers or
// investors.
const std::vector<Role> kReaders{Role::leader_group, Role::lead_department,
                                 Role::co_reviewing_department, Role::township,
                                 Role::village_collective, Role::expert, Role::auditor, Role::admin};
}  // namespace

std::optional<std::vector<std::string>> reading_scope(const User& user) {
  std::vector<std::string> scope;
  for (const auto& g : user.grants) {
    if (std::find(kReaders.begin(), kReaders.end(), g.role) == kReaders.end()) continue;
    if (g.region_code.empty()) return std::nullopt;
    scope.push_back(g.region_code);
  }
  if (scope.empty())
    throw Forbidden("assessment_forbidden", "当前角色无权查看评估结果",
                    "your roles do not read assessments");
  return scope;
}

UnitService::UnitService(storage::Store& store, storage::ProjectStore* projects)
    : store_(store), projects_(projects) {}

// Where a kind has several layers and one of them, L, is the base of all others ("L-…": the
// reallocation writes "parcels-<project>" next to "parcels"), the base is the one to read;
// "" otherwise (the engine then takes the only one, or says several are there).
static std::string base_layer_of_kind(const std::vector<LayerVersion>& layers, LayerKind kind) {
  std::vector<LayerVersion> list;
  for (const auto& l : layers)
    if (l.kind == kind) list.push_back(l);
  if (list.size() < 2) return "";
  for (const auto& base : list) {
    bool all_derived = std::all_of(list.begin(), list.end(), [&](const LayerVersion& o) {
      return o.layer == base.layer || o.layer.rfind(base.layer + "-", 0) == 0;
    });
    if (all_derived) return base.layer;
  }
  return "";
}

AssessmentRequest UnitService::request_for(const User& user, const std::string& land_use_layer) {
  AssessmentRequest req;
  req.region_scope = reading_scope(user);
  req.land_use_layer = land_use_layer.empty()
                           ? single_layer_of_kind(store_, LayerKind::land_use, "layer=").layer
                           : land_use_layer;
  const auto layers = store_.layers();
  req.parcel_layer = base_layer_of_kind(layers, LayerKind::parcel);
  req.project_layer = base_layer_of_kind(layers, LayerKind::project);
  req.village_plan_layer = base_layer_of_kind(layers, LayerKind::village_plan);
  return req;
}

AssessmentRequest UnitService::checked_request(const User& user, const std::string& region,
                                               const std::string& unit, const std::string& land_use_layer) {
  if (region.empty() == unit.empty())
    throw InvalidRequest("region_or_unit", "请给出 region（行政区代码）或 unit（整治单元编号）之一",
                         "give exactly one of region (a division code) or unit (a unit code)");
  if (!region.empty()) {
    try {
      validate_region_code(region);
    } catch (const UsageError& e) {
      throw InvalidRequest("invalid_region", "region 不是有效的行政区划代码", e.what());
    }
  }
  // Outside the user's grants the zone is unknown (404, as one that does not exist), whatever the
  // roles: the refusal of a role (403) is for a zone the user may see. And the progress of an
  // assessment is no more visible than the assessment: the zone must meet the reading scope.
  std::vector<std::string> granted;
  for (const auto& g : user.grants) granted.push_back(g.region_code);
  std::vector<std::string> villages;
  if (!unit.empty()) {
    try {
      villages = find_consolidation_unit(store_, unit).villages;
    } catch (const UnknownUnit&) {
    }
  }
  auto meets = [&](const std::vector<std::string>& regions) {
    if (std::find(regions.begin(), regions.end(), "") != regions.end()) return true;  // everywhere
    auto overlap = [&](const std::string& code) {
      return std::any_of(regions.begin(), regions.end(), [&](const std::string& r) {
        return region_contains(r, code) || region_contains(code, r);
      });
    };
    return unit.empty() ? overlap(region) : std::any_of(villages.begin(), villages.end(), overlap);
  };
  const std::string zone = unit.empty() ? "region '" + region + "'" : "consolidation unit '" + unit + "'";
  if (!meets(granted)) throw NotFoundError(zone + " is outside the user's grants");
  auto req = request_for(user, land_use_layer);
  if (req.region_scope && !meets(*req.region_scope)) throw NotFoundError(zone + " is outside the user's reading grants");
  req.by = unit.empty() ? "village" : "consolidation_unit";
  req.zone = unit.empty() ? region : unit;
  return req;
}

CachedAssessment UnitService::assessment(const User& user, const std::string& region,
                                         const std::string& unit, const std::string& land_use_layer) {
  return cache_.get(store_, checked_request(user, region, unit, land_use_layer));
}

AssessmentCache::Progress UnitService::progress(const User& user, const std::string& region,
                                                const std::string& unit, const std::string& land_use_layer) {
  if (region.empty() && unit.empty()) {
    auto req = request_for(user, land_use_layer);
    req.by = "consolidation_unit";
    return cache_.progress(store_, req);
  }
  return cache_.progress(store_, checked_request(user, region, unit, land_use_layer));
}

CachedAssessment UnitService::units(const User& user, const std::string& land_use_layer) {
  auto req = request_for(user, land_use_layer);
  req.by = "consolidation_unit";
  return cache_.get(store_, req);
}

UnitProjects UnitService::projects_of(const User& user, const ZoneAssessment& unit) {
  UnitProjects out;
  out.layer_projects = unit.projects;
  if (!projects_) return out;
  auto records = projects_->read([&](storage::ProjectTx& tx) {
    std::vector<std::string> prefixes;
    for (const auto& v : unit.villages) prefixes.push_back(v);
    return tx.projects(prefixes, false);
  });
  for (const auto& p : records)
    if (may_see_project(user, p)) out.platform_projects.push_back(p.code);
  return out;
}

}  // namespace gz::services
