// Social impact of a scheme (社会影响, issue 5: households and people affected, relocations, land
// taken per household), measured from the scheme's own planned changes on entry so that schemes
// can be ranked on it (criteria relocated_households, affected_households, affected_people,
// taken_m2_per_household of data/scheme_criteria.json, all "cost": less is better).
//
// Relocations: the households the scheme's resettlement plan declares, else estimated the way the
// assessment does (services/assessment.h, data/assessment.json thresholds): homestead land (三调
// 0702) that a change turns into another class, / homestead_m2_per_household, rounded. Households
// and people affected and land taken: the contracted parcels (承包地块, the one parcel layer, CBFBM)
// that the changes cover by ≥ 1 m²; people from JTCYSL / RKS / people, else people_per_household.
// docs/schemes.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/store.h"

namespace gz::services {

struct AssessmentThresholds;

struct SchemeSocialImpact {
  std::int64_t relocated_households = 0;
  std::string relocation_basis;  // "declared" (the scheme's resettlement plan) or "estimated"
  double homestead_taken_m2 = 0;
  std::int64_t affected_households = 0;
  double affected_people = 0;
  bool people_estimated = false;  // some household's head count came from people_per_household
  double taken_m2 = 0;            // contracted land under the changes
  double taken_m2_per_household = 0;
  std::optional<LayerVersion> parcel_layer;  // none: households and people affected are 0
  std::string parcel_note;                   // why no parcel layer was read
};

// `features`: the scheme's area first, then one feature per change (attributes to_code).
SchemeSocialImpact measure_social_impact(storage::Store& store, const LayerVersion& land_use,
                                         const std::vector<StoredFeature>& features,
                                         std::optional<std::int64_t> declared_relocations,
                                         const AssessmentThresholds& thresholds);

}  // namespace gz::services
