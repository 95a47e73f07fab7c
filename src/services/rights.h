// Rights adjustment as people take part in it (权属调整, DESIGN.md §2.5): a project's
// reallocation plan (权属调整方案) run with the realloc engine and stored per household, the
// households' confirmation of or objection to their new parcels, the disputes objections open
// with their mediation (registered → mediation meeting → agreement | escalation → ruling), and
// the compensation ledger for reclaimed homesteads (宅基地退出补偿).
//
// - Households are known by their household code (承包方编码 CBFBM). A villager account is linked
//   to a household code (household_members, kept by admins and by the village collective or the
//   township over the household's village); a villager sees only the households it is linked to.
// - A plan is recorded by the lead department (自然资源局) or the township over the project's
//   region while the project is not yet approved; recording a new one supersedes the last.
// - Project approval (立项) is refused while a dispute of the project is open or a household of
//   the current plan has neither confirmed nor objected (guard on the approve transition).
// - Compensation entries and their decisions are append-only (database triggers refuse UPDATE and
//   DELETE); the township or village collective records, the agriculture department (农业农村局,
//   which manages homesteads) or the lead department over the region decides, never the recorder.
//
// Errors as everywhere: outside the user's grants (or another household's) NotFoundError (404);
// visible but not allowed Forbidden (403); refused by the workflow RuleError (409); bad input
// InvalidRequest (400). Every change is one transaction with its audit entry and an event.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "domain/identity.h"
#include "services/projects.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"
#include "storage/store.h"

namespace gz::services {

struct HouseholdMember {
  std::int64_t id = 0;
  std::string household_code, username, region_code, added_by, added_at;
};

struct ReallocPlanInput {
  std::string parcels_layer;
  std::optional<int> version;
  std::string units_layer = "units";
  std::string unit;  // "" = every parcel of the layer
  double tolerance = 0.02;
  std::vector<std::string> stay;
};

struct ReallocPlan {
  std::int64_t id = 0, project_id = 0;
  std::string parcels_layer;
  int parcels_version = 0;
  std::string result_layer;
  int result_version = 0;
  std::string unit;
  double tolerance = 0;
  std::string status;  // current | superseded
  int households = 0, moving_households = 0, parcels = 0, blocks = 0;
  double max_abs_deviation = 0;
  std::string fragmentation_json;  // {"before": {...}, "after": {...}}
  double seconds = 0;
  std::string created_by, created_at;
  // Answers of the households (current counts).
  int pending = 0, confirmed = 0, objected = 0, unchanged = 0;
};

struct PlanHousehold {
  std::int64_t id = 0, plan_id = 0, project_id = 0;
  std::string household_code;
  int parcels_before = 0, parcels_after = 0;
  double value_before = 0, value_after = 0, deviation = 0;
  bool stayed = false;
  std::string status;  // pending | confirmed | objected | unchanged (stayed)
  std::string answered_by, answered_at, note;
};

// A reallocation plan computed in the background (start_plan_job).
struct PlanJob {
  std::int64_t id = 0, project_id = 0;
  std::string status;  // queued | running | succeeded | failed
  std::string stage;   // the engine's stage while running ("check parcels", "assign", "cut" …)
  std::int64_t done = 0, total = 0;
  std::int64_t plan_id = 0;  // succeeded: the plan recorded
  // failed: what the synchronous call would have answered (HTTP status, code, messages).
  int error_status = 0;
  std::string error_code, error_zh, error_en;
  std::string created_by, created_at, updated_at, finished_at;
};

struct MediationMeeting {
  std::int64_t id = 0, dispute_id = 0;
  std::string held_on, place, mediator, minutes, recorded_by, recorded_at;
};

struct RightsDispute {
  std::int64_t id = 0, project_id = 0, plan_id = 0;
  std::string household_code, reason;
  std::string status;  // registered | mediation | agreed | escalated | ruled
  std::string opened_by, opened_at;
  std::string outcome, closed_by, closed_at;  // agreement / escalation reason / ruling
  std::vector<MediationMeeting> meetings;
  bool open() const { return status == "registered" || status == "mediation" || status == "escalated"; }
};

// A household's parcels before and after as GeoJSON FeatureCollections (EPSG:4490 lon/lat).
struct HouseholdParcels {
  PlanHousehold household;
  ReallocPlan plan;
  std::string before_geojson, after_geojson;
  std::vector<RightsDispute> disputes;
};

struct MyHouseholdPlan {
  std::string household_code, region_code;
  std::int64_t project_id = 0;
  std::string project_code, project_name;
  std::optional<PlanHousehold> household;  // in the project's current plan
};

struct CompensationInput {
  std::string household_code, basis;
  std::int64_t amount_fen = 0;
  double area_m2 = 0;  // homestead area reclaimed; 0 = not given
};

struct CompensationEntry {
  std::int64_t id = 0, project_id = 0;
  std::string household_code, basis;
  std::int64_t amount_fen = 0;
  double area_m2 = 0;
  std::string recorded_by, recorded_at;
  std::string status;  // pending | approved | refused
  std::string decided_by, decided_at, decision_comment;
  // Paid through the funds ledger (disbursement requests naming the entry): approved by finance,
  // and still awaiting finance's decision.
  std::int64_t paid_fen = 0, payment_requested_fen = 0;
};

struct CompensationTotals {
  struct PerHousehold {
    std::string household_code;
    std::int64_t approved_fen = 0, pending_fen = 0, paid_fen = 0;
  };
  std::int64_t project_id = 0;
  std::int64_t approved_fen = 0, pending_fen = 0, refused_fen = 0;
  std::int64_t paid_fen = 0;  // of the approved, paid out through the funds ledger
  std::vector<PerHousehold> households;
};

class RightsService {
 public:
  // Makes the tables (and the ledger's immutability triggers) when missing and adds the approval
  // guard to `projects`. `homestead_department` decides compensation with the lead department.
  RightsService(storage::Store& layers, storage::ProjectStore& store, ProjectService& projects,
                storage::IdentityStore* identity = nullptr,
                std::string homestead_department = "农业农村局");
  // Waits for the plan jobs running on its pool.
  ~RightsService();
  RightsService(const RightsService&) = delete;
  RightsService& operator=(const RightsService&) = delete;

  // Household membership.
  HouseholdMember add_member(const User& user, const HouseholdMember& member);
  std::vector<HouseholdMember> members(const User& user, const std::string& region = "");
  void remove_member(const User& user, std::int64_t id);
  // The signed-in user's households and, per project with a plan naming one, their part in it.
  std::vector<HouseholdMember> my_households(const User& user);
  std::vector<MyHouseholdPlan> my_plans(const User& user);

  // Stage, done, total of the reallocation engine while it runs (services/realloc.h).
  using PlanProgress = std::function<void(const std::string&, std::int64_t, std::int64_t)>;
  // Computes the plan, then records it in one transaction: the new parcels layer version, the
  // plan and its households, the audit entry and the event, or nothing (a plan outside the
  // tolerance, or a project approved while the engine ran, leaves no layer version).
  // `recorded` runs inside the recording transaction (a job's end is written with its plan).
  ReallocPlan record_plan(const User& user, std::int64_t project_id, const ReallocPlanInput& in,
                          const PlanProgress& progress = {},
                          const std::function<void(storage::ProjectTx&, const ReallocPlan&)>&
                              recorded = {});
  // What record_plan refuses before computing anything (who, project, state, tolerance, layer).
  void check_plan_request(const User& user, std::int64_t project_id, const ReallocPlanInput& in);
  // The plan as a background job on the service's worker pool: checked at once (the same errors
  // as record_plan), then queued; progress and the end go to the job and to the live feed
  // (events "rights.plan_job"). One job per project queued or running at a time (RuleError
  // plan_job_running). docs/rights.md.
  PlanJob start_plan_job(const User& user, std::int64_t project_id, const ReallocPlanInput& in);
  PlanJob plan_job(const User& user, std::int64_t project_id, std::int64_t id);
  std::vector<PlanJob> plan_jobs(const User& user, std::int64_t project_id);
  // Until no job of this service is queued or running (tests, shutdown).
  void wait_for_plan_jobs();
  std::vector<ReallocPlan> plans(const User& user, std::int64_t project_id);
  std::vector<PlanHousehold> households(const User& user, std::int64_t project_id);
  HouseholdParcels household(const User& user, std::int64_t project_id, const std::string& code);
  // The household's own member, or the village collective / township recording a paper answer
  // (`note` then says so, required). Objecting needs a reason and opens a dispute.
  PlanHousehold confirm(const User& user, std::int64_t project_id, const std::string& code,
                        const std::string& note);
  RightsDispute object(const User& user, std::int64_t project_id, const std::string& code,
                       const std::string& reason);

  std::vector<RightsDispute> disputes(const User& user, std::int64_t project_id);
  RightsDispute dispute(const User& user, std::int64_t project_id, std::int64_t id);
  RightsDispute record_meeting(const User& user, std::int64_t project_id, std::int64_t id,
                               const MediationMeeting& meeting);
  // action: agree | escalate | rule; `text` is the agreement, the reason, or the ruling.
  RightsDispute close_step(const User& user, std::int64_t project_id, std::int64_t id,
                           const std::string& action, const std::string& text);

  CompensationEntry record_compensation(const User& user, std::int64_t project_id,
                                        const CompensationInput& in);
  CompensationEntry decide_compensation(const User& user, std::int64_t project_id,
                                        std::int64_t entry_id, bool approve,
                                        const std::string& comment);
  std::vector<CompensationEntry> compensation(const User& user, std::int64_t project_id,
                                              const std::string& household = "");
  CompensationTotals compensation_totals(const User& user, std::int64_t project_id);

  const std::string& homestead_department() const { return homestead_department_; }

 private:
  storage::Store& layers_;
  storage::ProjectStore& store_;
  ProjectService& projects_;
  storage::IdentityStore* identity_;
  std::string homestead_department_;

  struct PlanJobs;
  void init_plan_jobs();
  void run_plan_job(const User& user, std::int64_t project_id, const ReallocPlanInput& in,
                    std::int64_t id);
  std::unique_ptr<PlanJobs> jobs_;  // last: its pool stops before the rest goes
};

}  // namespace gz::services
