// Supervision orders (督办单, DESIGN.md §2.12, issue 15 items 5–7): the loop from a problem the
// platform found to an order that gets closed.
//
// - An order comes from a project warning (services/warnings.h: its key, with the figures as
//   they were when issued), a change spot of the land-use monitoring (a reference: layer, the two
//   versions and the spot id; the versions must exist), a villager complaint (villager_feedback,
//   services/participation.h) or is written by hand.
// - Who issues: the leader group, the lead department, or a township, each within its remit: the
//   unit addressed and the region the matter lies in must lie inside the issuing grant's region.
//   A township therefore reaches its village collectives, never a county department.
// - It is addressed to one responsible unit: a department (by name, over a county), a township, a
//   village collective or an investor (over its region); some user must act for that unit. It
//   carries a deadline and the evidence the issuer requires (text, photo, layer_version,
//   plan_change).
// - Life: issued → answered (by a user acting for the unit addressed, with rectification
//   evidence: text, photos with their location, a new layer version, a village-plan change) →
//   closed (销号, by the issuing unit, once every required kind of evidence is there) or returned
//   with reasons (→ answered again …). An order not answered by its deadline escalates (the sweep
//   of escalate_overdue, run periodically like the feedback escalation): first to the level above
//   the issuer (township → the county's lead department → the leader group), then, still overdue
//   some days later (data/warnings.json), to the county's leader group.
// - Visibility: a unit sees the orders addressed to it, those it issued and those escalated to
//   it; auditors and admins see all. Others: NotFoundError (404, as for no such order).
// - Every step is one transaction with its audit entry and an event "order.*" for the live feed,
//   which goes only to the users of the units concerned (may_see_order_event).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/identity.h"
#include "services/projects.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"
#include "storage/store.h"

namespace gz::services {

class WarningService;

// A unit that issues orders or answers them. kind: leader_group | department | township |
// village_collective | investor; department: the department's name (kind department only).
struct ResponsibleUnit {
  std::string kind, region_code, department;
  bool operator==(const ResponsibleUnit&) const = default;
};

// Whether `user` acts for `unit`: a grant of the unit's role (department: lead or co-reviewing
// department of that name) over exactly the unit's region.
bool acts_for(const User& user, const ResponsibleUnit& unit);
// "乡镇 340123100" style label without names (the web app names regions itself).
std::string unit_label_zh(const ResponsibleUnit& unit);

struct OrderEvidence {
  std::int64_t id = 0, step_id = 0;
  std::string kind;  // text | photo | layer_version | plan_change
  std::string text;
  std::string sha256, content_type;  // photo
  double lon = 0, lat = 0;           // photo: where it was taken (CGCS2000)
  std::string layer;                 // layer_version
  std::int64_t version = 0;          // layer_version
  std::int64_t plan_change = 0;      // plan_change: a village-plan change request
  std::string created_by, created_at;
};

struct OrderStep {
  std::int64_t id = 0;
  std::string action;  // issue | answer | return | close | escalate
  std::string actor, time, comment;
  std::string detail = "{}";  // JSON object
};

struct SupervisionOrder {
  std::int64_t id = 0;
  std::string code;  // DB2026-0001 …
  std::string title, body;
  std::string source_kind;         // warning | change_spot | complaint | manual
  std::string source_json = "{}";  // the reference (and a warning's figures as issued)
  std::int64_t project_id = 0;     // 0: none
  std::string project_code;
  std::string region_code;  // where the matter lies
  std::string issuer;       // username
  ResponsibleUnit issuer_unit, addressee;
  std::string due_at;  // ISO 8601 UTC
  std::vector<std::string> evidence_required;
  std::string status;  // issued | answered | returned | closed
  std::int64_t escalation_level = 0;  // 0 none, 1 the level above the issuer, 2 leader group
  ResponsibleUnit supervisor;         // kind "" at level 0
  std::string escalated_at, created_at, updated_at, closed_at;
  bool overdue = false;  // not answered (issued or returned) and past due_at, when read
  std::vector<OrderStep> steps;        // filled by order() only
  std::vector<OrderEvidence> evidence;  // filled by order() only
};

struct NewOrder {
  std::string source_kind = "manual";
  std::string warning_key;                        // warning
  std::string layer;                              // change_spot
  std::int64_t from_version = 0, to_version = 0;  // change_spot
  std::string spot_id, spot_rule;                 // change_spot
  std::int64_t feedback_id = 0;                   // complaint
  std::int64_t project_id = 0;                    // manual (optional)
  std::string region_code;  // change_spot (required), manual (default: the unit's region)
  std::string title, body;
  ResponsibleUnit addressee;
  std::string due_date;  // YYYY-MM-DD, the end of that day in Beijing time
  std::vector<std::string> evidence_required;  // default: text
};

struct EvidencePhoto {
  std::string content_type, bytes;
  double lon = 0, lat = 0;
};

struct OrderAnswer {
  std::string text;
  std::vector<EvidencePhoto> photos;
  std::string layer;           // with version: the new version of a layer
  std::int64_t version = 0;
  std::int64_t plan_change = 0;  // a village-plan change request's id
};

struct OrderFilter {
  std::string box;  // "" all visible | inbox (addressed to the user's units) | issued | escalated
  std::string status;
  bool overdue_only = false;
  std::string region;  // inside this region
};

struct OrderPhoto {
  std::string content_type, bytes;
};

struct OrderSummary {
  std::int64_t total = 0, open = 0, answered = 0, closed = 0, overdue = 0, escalated = 0;
  double rectification_rate = 0;  // closed / total, 0–1 (0 without orders)
};

struct OrderOptions {
  Clock clock = system_clock_seconds;
};

class OrderService {
 public:
  // Makes its tables. `warnings` (optional) resolves orders issued from a warning; `layers`
  // checks the layer versions a change spot or evidence names.
  OrderService(storage::Store& layers, storage::ProjectStore& store,
               storage::IdentityStore* identity = nullptr, const WarningService* warnings = nullptr,
               OrderOptions options = {});

  SupervisionOrder issue(const User& user, const NewOrder& input);
  std::vector<SupervisionOrder> orders(const User& user, const OrderFilter& filter = {});
  SupervisionOrder order(const User& user, std::int64_t id);
  SupervisionOrder answer(const User& user, std::int64_t id, const OrderAnswer& answer);
  SupervisionOrder close(const User& user, std::int64_t id, const std::string& comment);
  SupervisionOrder return_order(const User& user, std::int64_t id, const std::string& reason);
  // Escalates every overdue order inside the caller's grants (leader group, lead department,
  // township; admins everywhere) one level; returns them.
  std::vector<SupervisionOrder> escalate_overdue(const User& user);
  OrderPhoto photo(const User& user, std::int64_t id, const std::string& sha256);
  // The units the user may address an order to (users exist for them, inside the remit).
  std::vector<ResponsibleUnit> addressable_units(const User& user);
  OrderSummary summary(const User& user, const std::string& region);

  std::int64_t escalate_again_days() const { return escalate_again_days_; }

 private:
  SupervisionOrder visible(storage::ProjectTx& tx, const User& user, std::int64_t id);
  void record_step(storage::ProjectTx& tx, SupervisionOrder& o, const User& user,
                   const std::string& action, const std::string& comment,
                   const std::string& detail_json, const std::string& event_kind);

  storage::Store& layers_;
  storage::ProjectStore& store_;
  storage::IdentityStore* identity_;
  const WarningService* warnings_;
  Clock clock_;
  std::string lead_department_;
  std::int64_t escalate_again_days_ = 3;
};

// Whether `user` may see an "order.*" event: its payload names the units concerned
// ({"units": [{"kind","region","department"}…], "issuer": username}); admins and auditors see all.
bool may_see_order_event(const User& user, const std::string& payload_json);

}  // namespace gz::services
