// Village plan maintenance (规划动态维护, DESIGN.md §2.8) as users drive it.
//
// Plan versions: the village_plan layer's versions are the plan's versions; each village reads
// its own zones at any version (the old stays readable). A village (village collective or
// township over it) submits a change request with new zones as GeoJSON; the zones are checked at
// once against the control lines with the compliance check (data/rules.json) and the control
// rules of data/village_plans.json. A change that moves or cuts a control line, or breaks a rule,
// is refused and stored with its findings; otherwise it goes to review, where the lead department
// (自然资源局) approves (the zones are checked again, then a new layer version is written: the
// village's old zones cut by the new ones, plus the new ones) or rejects. Each step is one
// transaction of the project store with its audit entry; an approval writes the new layer
// version inside that same transaction (ProjectTx::begin_layer_version), so no plan version
// exists that no approved request explains.
//
// Jurisdiction as everywhere: a village outside the user's grants, or a request about one, is
// NotFoundError (404); visible but not the user's to do is Forbidden (403); refused by the state
// of the request is RuleError (409); malformed zones are InvalidRequest (400) naming the zone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/identity.h"
#include "storage/project_store.h"
#include "storage/store.h"

namespace gz::services {

struct PlanChangeFinding {
  std::string rule, severity, name_zh, name_en;
  int zone = 0;          // index of the zone in the request
  std::string control;   // control layer(s) measured against
  double area_m2 = 0;
};

struct PlanChangeRequest {
  std::int64_t id = 0;
  std::string region_code, layer;
  int base_version = 0;          // plan version the request was made on
  std::string status;            // refused | in_review | approved | rejected
  std::string reason;
  std::string zones;             // GeoJSON FeatureCollection as submitted (normalised)
  std::vector<PlanChangeFinding> findings;
  std::string submitted_by, submitted_at;
  std::string decided_by, decided_at, opinion;
  int new_version = 0;           // approved: the layer version written
};

struct NewPlanChange {
  std::string region_code;  // a village
  std::string zones;        // GeoJSON FeatureCollection (or an array of Features)
  std::string reason;
};

struct PlanVersion {
  LayerVersion version;
  std::int64_t zones = 0;               // features of the village in this version
  std::int64_t change_request = 0;      // the request that made it; 0 = imported
};

class VillagePlanService {
 public:
  // `layer`: the village plan layer ("" = the only layer of kind village_plan, when asked).
  VillagePlanService(storage::Store& store, storage::ProjectStore& projects, std::string layer = "");

  PlanChangeRequest submit(const User& user, const NewPlanChange& change);
  // The permission check of submit() alone (the same errors), for a route to make before it
  // serialises the zones of a request.
  void authorize_submit(const User& user, const std::string& region_code);
  // decision: "approve" or "reject".
  PlanChangeRequest decide(const User& user, std::int64_t id, const std::string& decision,
                           const std::string& opinion);
  PlanChangeRequest request(const User& user, std::int64_t id);
  std::vector<PlanChangeRequest> requests(const User& user, const std::string& region_code);

  std::vector<PlanVersion> versions(const User& user, const std::string& region_code);
  // The village's zones at `version` (latest when empty), a GeoJSON FeatureCollection.
  std::string zones(const User& user, const std::string& region_code, std::optional<int> version);

 private:
  storage::Store& store_;
  storage::ProjectStore& projects_;
  std::string layer_;
  LayerVersion plan_layer();
  std::vector<PlanChangeFinding> check(const std::string& region_code,
                                       const std::vector<StoredFeature>& zones);
  LayerVersion write_plan_version(storage::ProjectTx& tx, const PlanChangeRequest& c,
                                  const std::vector<StoredFeature>& zones);
};

}  // namespace gz::services
