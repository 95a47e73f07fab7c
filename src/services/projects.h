// The project library and its lifecycle as users drive it (DESIGN.md §2.3): create a project
// with its plan, run the compliance check on the current plan, the joint review with the
// departments the review table requires, approval, public notice, implementation and the later
// stages. Every call checks the user's role and jurisdiction: a project outside the user's
// grants is NotFoundError (the API answers 404, as for one that does not exist); one the user
// may see but not change is Forbidden (403); a transition the state or a guard does not allow
// is RuleError (409) with a stable code. Each change is one transaction with its audit entry and
// its event for the live feed.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <nlohmann/json.hpp>
#include <vector>

#include "domain/identity.h"
#include "domain/project.h"
#include "domain/review_requirements.h"
#include "domain/rules.h"
#include "domain/survey_fields.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"
#include "storage/store.h"

namespace gz::services {

// Seconds since the epoch; tests move it past a notice period.
using Clock = std::function<std::int64_t()>;
std::int64_t system_clock_seconds();

struct NewProject {
  std::string name, type, region_code;
  std::string plan_json;  // optional at creation: {"area": geometry, "changes": [...]}
};

struct ProjectView {
  storage::ProjectRecord project;
  std::vector<storage::ReviewRecord> reviews;
  std::vector<storage::ObligationRecord> obligations;
  std::vector<storage::TransitionRecord> transitions;
  std::vector<storage::AcknowledgementRecord> acknowledgements;
};

struct ActionInput {
  std::string comment;
  std::int64_t notice_days = 0;  // publish_notice: 1–90
  // submit: the applicant has seen the findings of the plan's check and submits it anyway (the
  // audit entry lists them). Without it a plan with findings is refused (findings_unconfirmed).
  bool confirm_findings = false;
};

struct ReviewInput {
  std::string department;
  ReviewDecision decision = ReviewDecision::approve;
  std::string opinion;
  std::vector<std::string> conditions;  // approve_with_conditions: at least one
};

// Whether `user` holds a grant with one of `roles` whose region subtree contains `region`.
bool has_grant_over(const User& user, const std::vector<Role>& roles, const std::string& region);
// Whether `user` may know the project exists: admins and auditors everywhere; other roles inside
// their grants, investors from approval on, villagers from the public notice on (projects of
// their village, and the township's or county's projects their village lies in).
bool may_see_project(const User& user, const storage::ProjectRecord& project);
// The actor name the audit log records for `user`.
std::string actor_of(const User& user);

// A plan checked and normalised: the canonical JSON, its hash and the area's ellipsoidal area.
struct CheckedPlan {
  std::string json, hash;
  double area_m2 = 0;
};
// Throws InvalidRequest naming the field (area, changes[3].to_code …) and the reason. A change
// is {geometry, from_code, to_code | to_ghdlbm, measure?}: from_code is a 三调 class; the target
// is a 三调 class (to_code) or a 用地用海 class (to_ghdlbm), exactly one of the two.
CheckedPlan check_plan(const std::string& plan_json);
// `code` when it is a known class of the classification (用地用海 when `planning`, else 三调);
// else InvalidRequest unknown_class naming `where`, the code and the nearest known codes, or
// saying that the code belongs to the other classification.
std::string check_class_code(const std::string& where, const std::string& code, bool planning);
// The target class of a plan's change (to_code or to_ghdlbm); nullopt when it names none known.
std::optional<PlannedTarget> change_target(const nlohmann::json& change);

// A plan from a stored layer of kind project: the feature whose XMBH is `code` and that carries
// no planned change is the area; those with from_code/to_code are its changes. Also returns the
// project's name (XMMC), type (XMLX) and region (XZQDM) when present. NotFoundError when no
// area feature has that code.
struct LayerProject {
  std::string code, name, type, region_code, status;
  std::string plan_json;
};
LayerProject project_from_layer(storage::Store& store, const std::string& layer,
                                const std::string& code);
std::vector<std::string> project_codes_in_layer(storage::Store& store, const std::string& layer);

// How compliance binds (services/compliance_gate.h, the "binding" of data/rules.json): submitting
// a plan with findings needs the applicant's confirmation; findings whose effect is block refuse
// approval and the public notice until the plan changes; warnings whose effect is acknowledge
// need the lead department's acknowledgement with a reason before approval. A plan change clears
// the acknowledgements, and so does a re-check for the findings it no longer finds.
class ProjectService {
 public:
  ProjectService(storage::Store& layers, storage::ProjectStore& projects,
                 storage::IdentityStore* identity = nullptr,
                 const ReviewRequirements& requirements = ReviewRequirements::standard(),
                 Clock clock = system_clock_seconds, const RuleSet& rules = RuleSet::standard());

  // The projects `user` may see, by id, without their plan and compliance documents (see
  // ProjectTx::projects); view() and get() give the whole record.
  std::vector<storage::ProjectRecord> list(const User& user);
  ProjectView view(const User& user, std::int64_t id);
  // The record alone, after the same visibility check (NotFoundError outside).
  storage::ProjectRecord get(const User& user, std::int64_t id);

  storage::ProjectRecord create(const User& user, const NewProject& project);
  // The permission checks of create() and update_plan() alone (the same errors), for a route
  // to make before it serialises the plan of a request: authorization before work.
  void authorize_create(const User& user, const std::string& region_code) const;
  void authorize_plan_edit(const User& user, std::int64_t id);
  // While draft or returned; `expected_row_version` must be the stored one (a stale edit is
  // RuleError "stale_version").
  storage::ProjectRecord update_plan(const User& user, std::int64_t id,
                                     std::int64_t expected_row_version,
                                     const std::string& plan_json);
  storage::ProjectRecord act(const User& user, std::int64_t id, ProjectAction action,
                             const ActionInput& input = {});
  // The compliance check of the project's current plan, in any state, without storing anything
  // or changing the state: the same JSON the check_compliance action stores. For applicants
  // (township, village collective, investor, lead department) and the roles that run the check,
  // over the project's region; others who may see the project get Forbidden.
  std::string preview_compliance(const User& user, std::int64_t id);
  // The project types the review requirements know (data/review_requirements.json).
  std::vector<std::string> project_types() const;
  storage::ReviewRecord review(const User& user, std::int64_t id, const ReviewInput& input);
  // The lead department acknowledges a warning of the current check (by its key) with a reason,
  // while the project is compliance checked or under joint review. A finding that blocks cannot
  // be acknowledged away (finding_blocks): the plan must change.
  storage::AcknowledgementRecord acknowledge(const User& user, std::int64_t id,
                                             const std::string& finding_key,
                                             const std::string& reason);
  // The rules the checks run and the findings bind by.
  const RuleSet& rules() const { return rules_; }
  storage::ObligationRecord fulfil_obligation(const User& user, std::int64_t id,
                                              std::int64_t obligation_id,
                                              const std::string& evidence);

  // Guards other parts of the platform add to a transition (progress: all milestones done
  // before `complete`; participation: no open objection before `start_implementation` …). Each
  // runs inside the transition's transaction and throws RuleError to refuse.
  using Guard = std::function<void(storage::ProjectTx&, const storage::ProjectRecord&)>;
  void add_guard(ProjectAction action, Guard guard);
  // Visibility other parts add to may_see_project, evaluated inside a read transaction (rights: a
  // village collective reaches a township or county project whose current reallocation plan has
  // households of its village). A reach lets the user read the project; it grants no action.
  using Reach = std::function<bool(storage::ProjectTx&, const User&, const storage::ProjectRecord&)>;
  void add_reach(Reach reach);
  // may_see_project or one of the reaches: what every part that reads a project for a user asks
  // (inside the caller's transaction).
  bool may_read(storage::ProjectTx& tx, const User& user, const storage::ProjectRecord& p) const {
    return sees(tx, user, p);
  }

 private:
  storage::ProjectRecord visible(storage::ProjectTx& tx, const User& user, std::int64_t id);
  // The project when `user` may see it and edit its plan (NotFoundError, Forbidden).
  storage::ProjectRecord plan_editor_check(storage::ProjectTx& tx, const User& user, std::int64_t id);
  storage::ProjectRecord run_compliance(const User& user, std::int64_t id, const ActionInput& input);
  // `audit_extra`: a JSON object whose members join the audit entry's detail ("" for none).
  void record(storage::ProjectTx& tx, const User& user, const storage::ProjectRecord& before,
              const storage::ProjectRecord& after, ProjectAction action, const std::string& comment,
              const std::string& audit_extra = "");

  storage::Store& layers_;
  storage::ProjectStore& projects_;
  storage::IdentityStore* identity_;
  const ReviewRequirements& requirements_;
  Clock clock_;
  const RuleSet& rules_;
  std::vector<std::pair<ProjectAction, Guard>> guards_;
  std::vector<Reach> reaches_;
  bool sees(storage::ProjectTx& tx, const User& user, const storage::ProjectRecord& p) const;
};

}  // namespace gz::services
