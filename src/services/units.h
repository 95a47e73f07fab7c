// Assessment and consolidation units (单元化, DESIGN.md §2.7, §2.9) as users reach them: the
// assessment of a region's villages or of one unit, and units across villages with their
// statistics, potential and projects. Jurisdiction: villages inside the user's reading grants;
// a unit is visible when it spans at least one such village. Anything else is NotFoundError
// (404), as for what does not exist.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/identity.h"
#include "services/assessment.h"
#include "services/assessment_cache.h"
#include "storage/project_store.h"
#include "storage/store.h"

namespace gz::services {

struct UnitProjects {
  std::vector<std::string> layer_projects;     // XMBH of the project layer meeting the unit
  std::vector<std::string> platform_projects;  // codes of platform projects in its villages
};

class UnitService {
 public:
  // `projects` (may be null): the platform's project library, for projects per unit.
  UnitService(storage::Store& store, storage::ProjectStore* projects);

  // Assessment of the villages of `region` (any level) or of `unit` (exactly one of them),
  // on `land_use_layer` ("" = the only land_use layer), by village or unit. Served from the
  // cache while the store's layers are unchanged (services/assessment_cache.h).
  CachedAssessment assessment(const User& user, const std::string& region, const std::string& unit,
                              const std::string& land_use_layer);
  // How far the assessment the same arguments ask for has come (region, unit, or both empty for
  // every unit as units() assesses), for a progress bar while a large county is assessed.
  AssessmentCache::Progress progress(const User& user, const std::string& region, const std::string& unit,
                                     const std::string& land_use_layer);
  // Every unit the user may see, assessed (statistics and potential) with its projects.
  CachedAssessment units(const User& user, const std::string& land_use_layer);
  UnitProjects projects_of(const User& user, const ZoneAssessment& unit);
  // Simplified outlines (GeoJSON geometry text by zone code) of a result's zones, for maps.
  std::map<std::string, std::string> outlines(const AssessmentResult& result) {
    return cache_.outlines(store_, result);
  }
  AssessmentCache& cache() { return cache_; }

 private:
  storage::Store& store_;
  storage::ProjectStore* projects_;
  AssessmentCache cache_;
  AssessmentRequest request_for(const User& user, const std::string& land_use_layer);
  AssessmentRequest checked_request(const User& user, const std::string& region, const std::string& unit,
                                    const std::string& land_use_layer);
};

// The regions a user's reading grants cover; nullopt = everywhere (admins, auditors).
std::optional<std::vector<std::string>> reading_scope(const User& user);

}  // namespace gz::services
