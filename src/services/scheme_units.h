// The consolidation unit (整治单元) a scheme is an alternative for, looked up in the
// consolidation_unit layer of the one map (DYBH, else code): its outline and the villages it
// spans (finest level of the region layer, ≥ 1 m² in common). Scheme entry and comparison check
// a unit against it; jurisdiction over a unit is jurisdiction over one of its villages, as for
// the unit assessment (services/units.h). docs/schemes.md.
#pragma once

#include <string>
#include <vector>

#include "common/error.h"
#include "storage/store.h"

namespace gz::services {

// An unknown unit and a unit outside the user's jurisdiction answer alike (404), naming the code
// the caller gave and nothing else.
class UnknownUnit : public NotFoundError, public Explained {
 public:
  explicit UnknownUnit(const std::string& code);
};

struct ConsolidationUnitRef {
  std::string code, name;
  LayerVersion layer;
  std::string wkb;                    // outline, CGCS2000 longitude/latitude
  std::vector<std::string> villages;  // sorted village codes; empty when there is no region layer
};

// Throws UnknownUnit when there is no consolidation_unit layer or no unit of that code;
// UsageError when several consolidation_unit (or region) layers make the choice ambiguous.
ConsolidationUnitRef find_consolidation_unit(storage::Store& store, const std::string& code);

// Ellipsoidal area (m²) the polygon `wkb` has in common with the unit.
double area_in_unit_m2(const ConsolidationUnitRef& unit, const std::string& wkb);

}  // namespace gz::services
