#include "services/rights.h"
#include "storage/schema_probe.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "domain/funds.h"
#include "geo/geometry.h"
#include "services/realloc.h"
#include "services/request_text.h"
#include "services/rights_plan_jobs.h"
#include "storage/sql_identity_store.h"

namespace gz::services {

using storage::ProjectRecord;
using storage::ProjectTx;
using json = nlohmann::json;

namespace {

// Written once for both dialects ("{id}" is the auto-numbered key).
constexpr const char* kTables = R"sql(
CREATE TABLE IF NOT EXISTS household_members(
  id {id}, household_code text NOT NULL, username text NOT NULL, region_code text NOT NULL,
  added_by text NOT NULL, added_at text NOT NULL, UNIQUE(household_code, username));
CREATE INDEX IF NOT EXISTS household_members_by_user ON household_members(username);
CREATE TABLE IF NOT EXISTS realloc_plans(
  id {id}, project_id bigint NOT NULL REFERENCES projects(id), parcels_layer text NOT NULL,
  parcels_version bigint NOT NULL, result_layer text NOT NULL, result_version bigint NOT NULL,
  unit text NOT NULL, tolerance double precision NOT NULL, status text NOT NULL,
  households bigint NOT NULL, moving_households bigint NOT NULL, parcels bigint NOT NULL,
  blocks bigint NOT NULL, max_abs_deviation double precision NOT NULL,
  fragmentation text NOT NULL, seconds double precision NOT NULL, created_by text NOT NULL,
  created_at text NOT NULL);
CREATE INDEX IF NOT EXISTS realloc_plans_by_project ON realloc_plans(project_id);
CREATE TABLE IF NOT EXISTS realloc_households(
  id {id}, plan_id bigint NOT NULL REFERENCES realloc_plans(id), project_id bigint NOT NULL,
  household_code text NOT NULL, parcels_before bigint NOT NULL, parcels_after bigint NOT NULL,
  value_before double precision NOT NULL, value_after double precision NOT NULL,
  deviation double precision NOT NULL, stayed bigint NOT NULL, status text NOT NULL,
  answered_by text NOT NULL DEFAULT '', answered_at text NOT NULL DEFAULT '',
  note text NOT NULL DEFAULT '', UNIQUE(plan_id, household_code));
CREATE TABLE IF NOT EXISTS rights_disputes(
  id {id}, project_id bigint NOT NULL REFERENCES projects(id), plan_id bigint NOT NULL,
  household_code text NOT NULL, reason text NOT NULL, status text NOT NULL,
  opened_by text NOT NULL, opened_at text NOT NULL, outcome text NOT NULL DEFAULT '',
  closed_by text NOT NULL DEFAULT '', closed_at text NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS rights_disputes_by_project ON rights_disputes(project_id);
CREATE TABLE IF NOT EXISTS rights_mediation_meetings(
  id {id}, dispute_id bigint NOT NULL REFERENCES rights_disputes(id), held_on text NOT NULL,
  place text NOT NULL, mediator text NOT NULL, minutes text NOT NULL, recorded_by text NOT NULL,
  recorded_at text NOT NULL);
CREATE TABLE IF NOT EXISTS homestead_compensation(
  id {id}, project_id bigint NOT NULL REFERENCES projects(id), household_code text NOT NULL,
  amount_fen bigint NOT NULL CHECK (amount_fen > 0), area_m2 double precision NOT NULL,
  basis text NOT NULL, recorded_by text NOT NULL, recorded_at text NOT NULL);
CREATE INDEX IF NOT EXISTS homestead_compensation_by_project ON homestead_compensation(project_id);
CREATE TABLE IF NOT EXISTS homestead_compensation_decisions(
  id {id}, entry_id bigint NOT NULL UNIQUE REFERENCES homestead_compensation(id),
  decision text NOT NULL, comment text NOT NULL, decided_by text NOT NULL,
  decided_at text NOT NULL);
)sql";

// The compensation ledger and its decisions are only ever inserted into (as the funds ledger).
constexpr const char* kLedgerTables[] = {"homestead_compensation",
                                         "homestead_compensation_decisions"};

std::string num(std::int64_t v) { return std::to_string(v); }
std::string real(double v) {
  char b[40];
  std::snprintf(b, sizeof b, "%.17g", v);
  return b;
}
std::int64_t to_int(const std::string& s) { return s.empty() ? 0 : std::stoll(s); }
double to_real(const std::string& s) { return s.empty() ? 0 : std::stod(s); }
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

bool has_role(const User& u, Role r) {
  for (const auto& g : u.grants)
    if (g.role == r) return true;
  return false;
}
bool is_admin(const User& u) { return has_role(u, Role::admin); }

// Whether the user reads every household of a project in `region`: through a grant of an
// official role (officials, the collective, auditors, administrators) whose region holds the
// project, or a collective's grant on a village inside it (village_reach narrows that to its own
// villages). Villagers see their own household only; investors and experts none. The region
// matters: an official grant elsewhere opens nothing here, even when another grant shows the
// project.
bool reads_all_households(const User& u, const std::string& region) {
  for (const auto& g : u.grants) {
    if (g.role == Role::villager || g.role == Role::investor || g.role == Role::expert) continue;
    if (region_contains(g.region_code, region)) return true;
    if (g.role == Role::village_collective && region_contains(region, g.region_code)) return true;
  }
  return false;
}

// Household codes: 承包方编码 (18 digits) in real data; letters, digits, '-' and '_' allowed so
// that test and demo codes (H00001) work too.
std::string checked_household(const std::string& code) {
  bool ok = !code.empty() && code.size() <= 32;
  for (char c : code)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') ok = false;
  if (!ok)
    throw InvalidRequest("invalid_household_code",
                         "承包方编码（household_code）应为 1–32 位字母、数字、- 或 _",
                         "household_code must be 1-32 letters, digits, '-' or '_'");
  return code;
}

[[noreturn]] void project_not_found(std::int64_t id) {
  throw NotFoundError("project " + num(id) + " does not exist");
}
[[noreturn]] void household_not_found(const std::string& code) {
  throw NotFoundError("household " + code + " is not in this project's reallocation plan");
}

// Plan states in which the plan may still change: before approval (立项).
bool before_approval(ProjectState s) {
  switch (s) {
    case ProjectState::draft:
    case ProjectState::submitted:
    case ProjectState::compliance_checked:
    case ProjectState::joint_review:
    case ProjectState::returned:
      return true;
    default:
      return false;
  }
}

constexpr const char* kPlanColumns =
    "p.id, p.project_id, p.parcels_layer, p.parcels_version, p.result_layer, p.result_version, "
    "p.unit, p.tolerance, p.status, p.households, p.moving_households, p.parcels, p.blocks, "
    "p.max_abs_deviation, p.fragmentation, p.seconds, p.created_by, p.created_at, "
    "(SELECT COUNT(*) FROM realloc_households h WHERE h.plan_id = p.id AND h.status = 'pending'), "
    "(SELECT COUNT(*) FROM realloc_households h WHERE h.plan_id = p.id AND h.status = 'confirmed'), "
    "(SELECT COUNT(*) FROM realloc_households h WHERE h.plan_id = p.id AND h.status = 'objected'), "
    "(SELECT COUNT(*) FROM realloc_households h WHERE h.plan_id = p.id AND h.status = 'unchanged')";

ReallocPlan plan_of(const storage::SqlSession::Row& r) {
  ReallocPlan p;
  p.id = to_int(r[0]);
  p.project_id = to_int(r[1]);
  p.parcels_layer = r[2];
  p.parcels_version = static_cast<int>(to_int(r[3]));
  p.result_layer = r[4];
  p.result_version = static_cast<int>(to_int(r[5]));
  p.unit = r[6];
  p.tolerance = to_real(r[7]);
  p.status = r[8];
  p.households = static_cast<int>(to_int(r[9]));
  p.moving_households = static_cast<int>(to_int(r[10]));
  p.parcels = static_cast<int>(to_int(r[11]));
  p.blocks = static_cast<int>(to_int(r[12]));
  p.max_abs_deviation = to_real(r[13]);
  p.fragmentation_json = r[14];
  p.seconds = to_real(r[15]);
  p.created_by = r[16];
  p.created_at = r[17];
  p.pending = static_cast<int>(to_int(r[18]));
  p.confirmed = static_cast<int>(to_int(r[19]));
  p.objected = static_cast<int>(to_int(r[20]));
  p.unchanged = static_cast<int>(to_int(r[21]));
  return p;
}

std::optional<ReallocPlan> current_plan(ProjectTx& tx, std::int64_t project_id) {
  auto rows = tx.session().query(std::string("SELECT ") + kPlanColumns +
                                     " FROM realloc_plans p WHERE p.project_id = $1 AND "
                                     "p.status = 'current' ORDER BY p.id DESC",
                                 {num(project_id)});
  if (rows.empty()) return std::nullopt;
  return plan_of(rows[0]);
}

constexpr const char* kHouseholdColumns =
    "h.id, h.plan_id, h.project_id, h.household_code, h.parcels_before, h.parcels_after, "
    "h.value_before, h.value_after, h.deviation, h.stayed, h.status, h.answered_by, "
    "h.answered_at, h.note";

PlanHousehold household_of(const storage::SqlSession::Row& r) {
  PlanHousehold h;
  h.id = to_int(r[0]);
  h.plan_id = to_int(r[1]);
  h.project_id = to_int(r[2]);
  h.household_code = r[3];
  h.parcels_before = static_cast<int>(to_int(r[4]));
  h.parcels_after = static_cast<int>(to_int(r[5]));
  h.value_before = to_real(r[6]);
  h.value_after = to_real(r[7]);
  h.deviation = to_real(r[8]);
  h.stayed = to_int(r[9]) != 0;
  h.status = r[10];
  h.answered_by = r[11];
  h.answered_at = r[12];
  h.note = r[13];
  return h;
}

std::optional<PlanHousehold> plan_household(ProjectTx& tx, std::int64_t plan_id,
                                            const std::string& code) {
  auto rows = tx.session().query(std::string("SELECT ") + kHouseholdColumns +
                                     " FROM realloc_households h WHERE h.plan_id = $1 AND "
                                     "h.household_code = $2",
                                 {num(plan_id), code});
  if (rows.empty()) return std::nullopt;
  return household_of(rows[0]);
}

// Whether `user` is linked to a household named in any plan of the project.
bool household_in_project(ProjectTx& tx, const User& user, std::int64_t project_id) {
  return !tx.session()
              .query("SELECT 1 FROM realloc_households h JOIN household_members m ON "
                     "m.household_code = h.household_code WHERE h.project_id = $1 AND "
                     "m.username = $2",
                     {num(project_id), user.username})
              .empty();
}

// The villages of the user's village-collective grants that lie strictly under `region` (a
// township or county project's region): where a collective may reach a higher-level project.
std::vector<std::string> collective_villages_under(const User& u, const std::string& region) {
  std::vector<std::string> out;
  for (const auto& g : u.grants)
    if (g.role == Role::village_collective && !g.region_code.empty() && g.region_code != region &&
        region_contains(region, g.region_code))
      out.push_back(g.region_code);
  return out;
}

// Whether household `code` is of one of `villages`: a member of it is registered (by the village
// collective, the township or an admin) with a region under the village.
bool household_of_villages(ProjectTx& tx, const std::string& code, const std::vector<std::string>& villages) {
  for (const auto& v : villages)
    if (!tx.session()
             .query("SELECT 1 FROM household_members WHERE household_code = $1 AND region_code LIKE $2",
                    {code, v + "%"})
             .empty())
      return true;
  return false;
}

// A village collective reaches a township or county project that covers its village: the
// project's current reallocation plan has a household of the village. Read-only: actions stay
// with the roles over the project's region, except the collective's own (answers it records for
// households of its village).
bool village_reach(ProjectTx& tx, const User& u, const ProjectRecord& p) {
  for (const auto& v : collective_villages_under(u, p.region_code))
    if (!tx.session()
             .query("SELECT 1 FROM realloc_households h JOIN realloc_plans pl ON pl.id = h.plan_id "
                    "AND pl.status = 'current' JOIN household_members m ON m.household_code = "
                    "h.household_code WHERE h.project_id = $1 AND m.region_code LIKE $2",
                    {num(p.id), v + "%"})
             .empty())
      return true;
  return false;
}

bool is_member(ProjectTx& tx, const User& user, const std::string& code) {
  return !tx.session()
              .query("SELECT 1 FROM household_members WHERE household_code = $1 AND username = $2",
                     {code, user.username})
              .empty();
}

constexpr const char* kDisputeColumns =
    "id, project_id, plan_id, household_code, reason, status, opened_by, opened_at, outcome, "
    "closed_by, closed_at";

RightsDispute dispute_of(ProjectTx& tx, const storage::SqlSession::Row& r) {
  RightsDispute d;
  d.id = to_int(r[0]);
  d.project_id = to_int(r[1]);
  d.plan_id = to_int(r[2]);
  d.household_code = r[3];
  d.reason = r[4];
  d.status = r[5];
  d.opened_by = r[6];
  d.opened_at = r[7];
  d.outcome = r[8];
  d.closed_by = r[9];
  d.closed_at = r[10];
  for (auto& m : tx.session().query(
           "SELECT id, dispute_id, held_on, place, mediator, minutes, recorded_by, recorded_at "
           "FROM rights_mediation_meetings WHERE dispute_id = $1 ORDER BY id",
           {num(d.id)}))
    d.meetings.push_back({to_int(m[0]), to_int(m[1]), m[2], m[3], m[4], m[5], m[6], m[7]});
  return d;
}

std::vector<RightsDispute> disputes_where(ProjectTx& tx, const std::string& where,
                                          const std::vector<std::string>& params) {
  std::vector<RightsDispute> out;
  for (auto& r : tx.session().query(std::string("SELECT ") + kDisputeColumns +
                                        " FROM rights_disputes WHERE " + where + " ORDER BY id",
                                    params))
    out.push_back(dispute_of(tx, r));
  return out;
}

constexpr const char* kCompensationColumns =
    "c.id, c.project_id, c.household_code, c.amount_fen, c.area_m2, c.basis, c.recorded_by, "
    "c.recorded_at, COALESCE(d.decision, 'pending'), COALESCE(d.decided_by, ''), "
    "COALESCE(d.decided_at, ''), COALESCE(d.comment, '')";
constexpr const char* kCompensationFrom =
    " FROM homestead_compensation c LEFT JOIN homestead_compensation_decisions d ON "
    "d.entry_id = c.id";

// What the funds ledger has paid, or been asked to pay, for each entry (disbursement requests
// that name it; the funds part owns that table and may not be served).
void add_payments(ProjectTx& tx, std::vector<CompensationEntry>& entries) {
  if (entries.empty()) return;
  auto& s = tx.session();
  if (!storage::has_column(s, "fund_disbursements", "compensation_id")) return;
  std::map<std::int64_t, CompensationEntry*> by_id;
  for (auto& e : entries) by_id[e.id] = &e;
  for (auto& r : s.query("SELECT compensation_id, status, SUM(amount_fen) FROM fund_disbursements "
                         "WHERE project_id = $1 AND compensation_id <> 0 AND status <> 'refused' "
                         "GROUP BY compensation_id, status",
                         {num(entries.front().project_id)})) {
    auto it = by_id.find(to_int(r[0]));
    if (it == by_id.end()) continue;
    (r[1] == "approved" ? it->second->paid_fen : it->second->payment_requested_fen) += to_int(r[2]);
  }
}

CompensationEntry compensation_of(const storage::SqlSession::Row& r) {
  CompensationEntry e;
  e.id = to_int(r[0]);
  e.project_id = to_int(r[1]);
  e.household_code = r[2];
  e.amount_fen = to_int(r[3]);
  e.area_m2 = to_real(r[4]);
  e.basis = r[5];
  e.recorded_by = r[6];
  e.recorded_at = r[7];
  e.status = r[8];
  e.decided_by = r[9];
  e.decided_at = r[10];
  e.decision_comment = r[11];
  return e;
}

// A FeatureCollection of the features of `v` whose CBFBM is `code`.
std::string household_features(storage::Store& layers, const std::string& layer, int version,
                               const std::string& code) {
  json features = json::array();
  auto v = layers.layer_version(layer, version);
  layers.scan(v, [&](StoredFeature&& f) {
    if (attribute_text_any(f.attributes, {"CBFBM", "household"}).value_or("") != code) return;
    auto g = geo::Geometry::from_wkb(f.wkb);
    json props = {{"id", f.source_id}};
    for (const auto& a : f.attributes) {
      if (const auto* i = std::get_if<std::int64_t>(&a.value)) props[a.name] = *i;
      else if (const auto* d = std::get_if<double>(&a.value)) props[a.name] = *d;
      else if (const auto* s = std::get_if<std::string>(&a.value)) props[a.name] = *s;
    }
    features.push_back(
        {{"type", "Feature"}, {"geometry", json::parse(g.geojson())}, {"properties", props}});
  });
  return dump({{"type", "FeatureCollection"}, {"features", features}});
}

void event(ProjectTx& tx, const ProjectRecord& p, const std::string& kind, json payload) {
  payload["code"] = p.code;
  tx.insert_event({0, "", kind, p.id, p.region_code, "", dump(payload)});
}

}  // namespace

RightsService::RightsService(storage::Store& layers, storage::ProjectStore& store,
                             ProjectService& projects, storage::IdentityStore* identity,
                             std::string homestead_department)
    : layers_(layers), store_(store), projects_(projects), identity_(identity),
      homestead_department_(std::move(homestead_department)) {
  store_.ensure_tables(kTables);
  init_plan_jobs();
  projects_.add_reach(village_reach);
  store_.write([](ProjectTx& tx) {
    auto& s = tx.session();
    if (s.postgres()) {
      s.query("CREATE OR REPLACE FUNCTION homestead_compensation_immutable() RETURNS trigger "
              "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'homestead compensation entries are "
              "immutable'; END $$");
      for (const char* t : kLedgerTables)
        s.query(std::string("CREATE OR REPLACE TRIGGER ") + t + "_immutable BEFORE UPDATE OR DELETE ON " +
                t + " FOR EACH ROW EXECUTE FUNCTION homestead_compensation_immutable()");
    } else {
      for (const char* t : kLedgerTables)
        for (const char* op : {"update", "delete"})
          s.query(std::string("CREATE TRIGGER IF NOT EXISTS ") + t + "_no_" + op + " BEFORE " +
                  (op[0] == 'u' ? "UPDATE" : "DELETE") + " ON " + t +
                  " BEGIN SELECT RAISE(ABORT, 'homestead compensation entries are immutable'); END");
    }
  });
  // Approval waits for every household of the current plan to answer and for every dispute to
  // be closed: approving the project approves its rights adjustment (立项 with 权属调整方案).
  projects_.add_guard(ProjectAction::approve, [](ProjectTx& tx, const ProjectRecord& p) {
    auto open = tx.session().query(
        "SELECT id, household_code FROM rights_disputes WHERE project_id = $1 AND status IN "
        "('registered', 'mediation', 'escalated') ORDER BY id",
        {num(p.id)});
    if (!open.empty())
      throw RuleError("rights_disputes_open",
                      "权属调整争议尚未解决（" + std::to_string(open.size()) + " 件，首件为承包方 " +
                          open[0][1] + "），不能立项",
                      std::to_string(open.size()) + " rights dispute(s) still open (first: household " +
                          open[0][1] + ", dispute " + open[0][0] + "); resolve them before approval");
    auto plan = current_plan(tx, p.id);
    if (plan && plan->pending > 0)
      throw RuleError("households_unconfirmed",
                      "权属调整方案尚有 " + std::to_string(plan->pending) + " 户未确认，不能立项",
                      std::to_string(plan->pending) +
                          " household(s) have not yet confirmed or objected to the reallocation plan");
  });
}

// ---- household membership ----------------------------------------------------------------------

namespace {
bool manages_members(const User& u, const std::string& region) {
  return is_admin(u) || has_grant_over(u, {Role::village_collective, Role::township}, region);
}
}  // namespace

HouseholdMember RightsService::add_member(const User& user, const HouseholdMember& in) {
  auto code = checked_household(in.household_code);
  try {
    validate_region_code(in.region_code);
  } catch (const UsageError& e) {
    throw InvalidRequest("invalid_region", "region_code 不是有效的行政区划代码", e.what());
  }
  if (!manages_members(user, in.region_code))
    throw Forbidden("not_member_manager", "只有该村的村集体、乡镇或系统管理员可以登记农户成员",
                    "only the village collective or township over the region, or an admin, may "
                    "link accounts to households");
  std::optional<User> target;
  if (identity_) target = identity_->find_user(in.username);
  if (!target)
    throw InvalidRequest("unknown_user", "用户不存在：" + in.username, "no user " + in.username);
  bool villager_there = false;
  for (const auto& g : target->grants)
    if (g.role == Role::villager && region_contains(g.region_code, in.region_code)) villager_there = true;
  if (!villager_there)
    throw InvalidRequest("not_a_villager_there",
                         "用户 " + in.username + " 不是该村的村民账号",
                         "user " + in.username + " holds no villager grant over " + in.region_code);
  return store_.write([&](ProjectTx& tx) {
    if (is_member(tx, *target, code))
      throw RuleError("already_member", "该账号已是承包方 " + code + " 的成员",
                      in.username + " is already linked to household " + code);
    auto now = tx.now();
    auto rows = tx.session().query(
        "INSERT INTO household_members(household_code, username, region_code, added_by, added_at) "
        "VALUES($1, $2, $3, $4, $5) RETURNING id",
        {code, in.username, in.region_code, actor_of(user), now});
    HouseholdMember m{to_int(rows.at(0).at(0)), code, in.username, in.region_code, actor_of(user), now};
    tx.audit({actor_of(user), "rights.member_add", "household:" + code,
              dump({{"username", in.username}, {"region", in.region_code}})});
    return m;
  });
}

std::vector<HouseholdMember> RightsService::members(const User& user, const std::string& region) {
  auto rows = store_.read([&](ProjectTx& tx) {
    return tx.session().query(
        "SELECT id, household_code, username, region_code, added_by, added_at FROM "
        "household_members ORDER BY id");
  });
  std::vector<HouseholdMember> out;
  for (auto& r : rows) {
    HouseholdMember m{to_int(r[0]), r[1], r[2], r[3], r[4], r[5]};
    bool sees = has_role(user, Role::auditor) || manages_members(user, m.region_code);
    if (sees && (region.empty() || region_contains(region, m.region_code))) out.push_back(m);
  }
  return out;
}

void RightsService::remove_member(const User& user, std::int64_t id) {
  store_.write([&](ProjectTx& tx) {
    auto rows = tx.session().query(
        "SELECT household_code, username, region_code FROM household_members WHERE id = $1", {num(id)});
    if (rows.empty() || !(has_role(user, Role::auditor) || manages_members(user, rows[0][2])))
      throw NotFoundError("household member " + num(id) + " does not exist");
    if (!manages_members(user, rows[0][2]))
      throw Forbidden("not_member_manager", "无权解除农户成员关系", "auditors change nothing");
    tx.session().query("DELETE FROM household_members WHERE id = $1", {num(id)});
    tx.audit({actor_of(user), "rights.member_remove", "household:" + rows[0][0],
              dump({{"username", rows[0][1]}})});
  });
}

std::vector<HouseholdMember> RightsService::my_households(const User& user) {
  return store_.read([&](ProjectTx& tx) {
    std::vector<HouseholdMember> out;
    for (auto& r : tx.session().query(
             "SELECT id, household_code, username, region_code, added_by, added_at FROM "
             "household_members WHERE username = $1 ORDER BY id",
             {user.username}))
      out.push_back({to_int(r[0]), r[1], r[2], r[3], r[4], r[5]});
    return out;
  });
}

std::vector<MyHouseholdPlan> RightsService::my_plans(const User& user) {
  return store_.read([&](ProjectTx& tx) {
    std::vector<MyHouseholdPlan> out;
    for (auto& r : tx.session().query(
             std::string("SELECT m.household_code, m.region_code, h.project_id, ") + kHouseholdColumns +
                 " FROM household_members m JOIN realloc_households h ON h.household_code = "
                 "m.household_code JOIN realloc_plans p ON p.id = h.plan_id AND p.status = "
                 "'current' WHERE m.username = $1 ORDER BY h.project_id, m.household_code",
             {user.username})) {
      auto p = tx.project(to_int(r[2]));
      if (!p) continue;
      MyHouseholdPlan m;
      m.household_code = r[0];
      m.region_code = r[1];
      m.project_id = p->id;
      m.project_code = p->code;
      m.project_name = p->name;
      storage::SqlSession::Row rest(r.begin() + 3, r.end());
      m.household = household_of(rest);
      out.push_back(std::move(m));
    }
    return out;
  });
}

// ---- plans -------------------------------------------------------------------------------------

namespace {
// `villages_only` (when given) is set to the collective's villages when the user reaches the
// project only through them (village_reach): then it sees only those villages' households.
ProjectRecord project_for_officials(ProjectTx& tx, const User& user, std::int64_t id,
                                    std::vector<std::string>* villages_only = nullptr) {
  auto p = tx.project(id);
  if (!p) project_not_found(id);
  if (!may_see_project(user, *p)) {
    if (!village_reach(tx, user, *p)) project_not_found(id);
    if (villages_only) *villages_only = collective_villages_under(user, p->region_code);
  }
  if (!reads_all_households(user, p->region_code))
    throw Forbidden("not_rights_official",
                    "只有政府部门、乡镇、村集体和审计人员可以查看全部农户的权属调整",
                    "only officials, the village collective and auditors see every household's "
                    "rights adjustment");
  return *p;
}
bool manages_plan(const User& u, const std::string& region) {
  return has_grant_over(u, {Role::lead_department, Role::township}, region);
}
bool mediates(const User& u, const std::string& region) {
  return has_grant_over(u, {Role::lead_department, Role::township, Role::village_collective}, region);
}
}  // namespace

void RightsService::check_plan_request(const User& user, std::int64_t project_id,
                                       const ReallocPlanInput& in) {
  auto project = store_.read([&](ProjectTx& tx) { return project_for_officials(tx, user, project_id); });
  if (!manages_plan(user, project.region_code))
    throw Forbidden("not_plan_manager", "只有该区域的自然资源部门或乡镇可以编制权属调整方案",
                    "only the lead department (natural resources) or the township over the "
                    "project's region may record a reallocation plan");
  if (!before_approval(project.state))
    throw RuleError("project_past_approval",
                    "项目处于“" + std::string(chinese_name(project.state)) + "”状态，立项后不能再改权属调整方案",
                    "the reallocation plan can change only before approval; the project is " +
                        std::string(to_string(project.state)));
  if (!(in.tolerance > 0 && in.tolerance <= 0.5))
    throw InvalidRequest("invalid_tolerance", "tolerance 应在 (0, 0.5] 之间", "tolerance must be in (0, 0.5]");
  LayerVersion source;
  try {
    storage::validate_layer_name(in.parcels_layer);
    source = layers_.layer_version(in.parcels_layer, in.version);
  } catch (const Error& e) {
    throw InvalidRequest("unknown_layer", "承包地块图层不存在：" + in.parcels_layer, e.what());
  }
  if (source.kind != LayerKind::parcel)
    throw InvalidRequest("not_a_parcel_layer", "图层 " + in.parcels_layer + " 不是承包地块图层",
                         "layer " + in.parcels_layer + " is not of kind parcel");
}

ReallocPlan RightsService::record_plan(
    const User& user, std::int64_t project_id, const ReallocPlanInput& in,
    const PlanProgress& progress,
    const std::function<void(storage::ProjectTx&, const ReallocPlan&)>& recorded) {
  check_plan_request(user, project_id, in);
  auto project = store_.read([&](ProjectTx& tx) { return project_for_officials(tx, user, project_id); });
  LayerVersion source = layers_.layer_version(in.parcels_layer, in.version);
  ReallocRequest req;
  req.layer = in.parcels_layer;
  req.version = source.version;
  req.units_layer = in.units_layer;
  req.unit = in.unit;
  req.tolerance = in.tolerance;
  req.stay = in.stay;
  req.actor = actor_of(user);
  // The engine only computes: the new parcels are written below, in the transaction that records
  // the plan, so a plan refused (outside the tolerance, the project approved meanwhile) leaves no
  // layer version behind (docs/rights.md, "Transactions").
  req.keep_output = true;
  std::string output_layer = in.parcels_layer + "-" + project.code;
  if (output_layer.size() > 64) output_layer = "realloc-" + project.code;
  ReallocResult result;
  try {
    result = reallocate(layers_, req, progress);
  } catch (const InputError& e) {
    throw InvalidRequest("realloc_input", std::string("地块数据有误：") + e.what(), e.what());
  } catch (const NotFoundError& e) {
    throw InvalidRequest("realloc_input", std::string("调整单元或图层不存在：") + e.what(), e.what());
  } catch (const InvalidRequest&) {
    throw;
  } catch (const UsageError& e) {
    throw InvalidRequest("realloc_input", std::string("参数有误：") + e.what(), e.what());
  }
  if (!result.within_tolerance)
    throw RuleError("tolerance_exceeded",
                    "有农户调整前后价值偏差超过允许范围（最大 " + real(result.max_abs_deviation * 100) + "%）",
                    "a household's value changes by " + real(result.max_abs_deviation) +
                        ", more than the tolerance " + real(in.tolerance));
  json below = json::array();
  for (const auto& b : result.below_minimum)
    below.push_back({{"household", b.household}, {"area_m2", b.area_m2}, {"rule", b.rule}});
  std::string fragmentation =
      dump({{"before", fragmentation_json(result.before)}, {"after", fragmentation_json(result.after)},
            {"rules", {{"min_width_m", result.rules.min_width_m}, {"min_area_m2", result.rules.min_area_m2},
                       {"max_length_width_ratio", result.rules.max_length_width_ratio}}},
            {"below_minimum", below}, {"remnant_share", result.remnant_share},
            {"shape_no_worse_share", result.shape_no_worse_share}});
  return store_.write([&](ProjectTx& tx) {
    // Re-read under the writers' lock: the project may have moved on while the engine ran.
    auto p = tx.project(project_id);
    if (!p || !before_approval(p->state))
      throw RuleError("project_past_approval", "项目已立项，不能再改权属调整方案",
                      "the project was approved while the plan was computed");
    auto w = tx.begin_layer_version(
        {output_layer, LayerKind::parcel, "realloc of " + in.parcels_layer, "EPSG:4490"});
    for (const auto& f : result.output) w->add(f.source_id, f.wkb, f.bbox, f.attributes);
    result.written = w->commit();
    w.reset();
    tx.session().query(
        "UPDATE realloc_plans SET status = 'superseded' WHERE project_id = $1 AND status = 'current'",
        {num(project_id)});
    auto now = tx.now();
    auto rows = tx.session().query(
        "INSERT INTO realloc_plans(project_id, parcels_layer, parcels_version, result_layer, "
        "result_version, unit, tolerance, status, households, moving_households, parcels, blocks, "
        "max_abs_deviation, fragmentation, seconds, created_by, created_at) VALUES($1, $2, $3, $4, "
        "$5, $6, $7, 'current', $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
        {num(project_id), in.parcels_layer, num(source.version), result.written->layer,
         num(result.written->version), in.unit, real(in.tolerance), num(result.households),
         num(result.moving_households), num(result.parcels), num(result.blocks),
         real(result.max_abs_deviation), fragmentation, real(result.seconds), actor_of(user), now});
    auto plan_id = to_int(rows.at(0).at(0));
    for (const auto& h : result.households_detail)
      tx.session().query(
          "INSERT INTO realloc_households(plan_id, project_id, household_code, parcels_before, "
          "parcels_after, value_before, value_after, deviation, stayed, status) VALUES($1, $2, $3, "
          "$4, $5, $6, $7, $8, $9, $10)",
          {num(plan_id), num(project_id), h.household, num(h.parcels_before), num(h.parcels_after),
           real(h.value_before), real(h.value_after), real(h.deviation), num(h.stayed ? 1 : 0),
           h.stayed ? "unchanged" : "pending"});
    tx.audit({actor_of(user), "rights.plan_record", "project:" + p->code,
              dump({{"plan", plan_id},
                    {"parcels", in.parcels_layer + "@" + num(source.version)},
                    {"result", result.written->layer + "@" + num(result.written->version)},
                    {"households", result.households},
                    {"max_abs_deviation", result.max_abs_deviation}})});
    event(tx, *p, "rights.plan_recorded", {{"plan", plan_id}, {"households", result.households}});
    auto rows2 = tx.session().query(
        std::string("SELECT ") + kPlanColumns + " FROM realloc_plans p WHERE p.id = $1", {num(plan_id)});
    auto plan = plan_of(rows2.at(0));
    if (recorded) recorded(tx, plan);
    return plan;
  });
}

std::vector<ReallocPlan> RightsService::plans(const User& user, std::int64_t project_id) {
  return store_.read([&](ProjectTx& tx) {
    project_for_officials(tx, user, project_id);
    std::vector<ReallocPlan> out;
    for (auto& r : tx.session().query(std::string("SELECT ") + kPlanColumns +
                                          " FROM realloc_plans p WHERE p.project_id = $1 ORDER BY p.id",
                                      {num(project_id)}))
      out.push_back(plan_of(r));
    return out;
  });
}

std::vector<PlanHousehold> RightsService::households(const User& user, std::int64_t project_id) {
  return store_.read([&](ProjectTx& tx) {
    std::vector<std::string> villages;
    project_for_officials(tx, user, project_id, &villages);
    std::vector<PlanHousehold> out;
    auto plan = current_plan(tx, project_id);
    if (!plan) return out;
    for (auto& r : tx.session().query(std::string("SELECT ") + kHouseholdColumns +
                                          " FROM realloc_households h WHERE h.plan_id = $1 "
                                          "ORDER BY h.household_code",
                                      {num(plan->id)}))
      if (villages.empty() || household_of_villages(tx, r[3], villages)) out.push_back(household_of(r));
    return out;
  });
}

namespace {
// The project, current plan and household `code` as `user` may reach them: a member of the
// household, or an official who may see the project. Anything else is 404.
struct Reach {
  ProjectRecord project;
  ReallocPlan plan;
  PlanHousehold household;
  bool member = false;
  std::string village;  // reached as the collective of this village (village_reach)
};
Reach reach_household(ProjectTx& tx, const User& user, std::int64_t project_id,
                      const std::string& code) {
  auto p = tx.project(project_id);
  if (!p) project_not_found(project_id);
  bool member = is_member(tx, user, code);
  bool official = may_see_project(user, *p) && reads_all_households(user, p->region_code);
  std::string village;
  if (!member && !official) {
    if (may_see_project(user, *p)) household_not_found(code);
    if (!village_reach(tx, user, *p)) project_not_found(project_id);
    // The collective of a village the project covers: its own village's households only.
    for (const auto& v : collective_villages_under(user, p->region_code))
      if (village.empty() && household_of_villages(tx, code, {v})) village = v;
    if (village.empty()) household_not_found(code);
  }
  auto plan = current_plan(tx, project_id);
  if (!plan) household_not_found(code);
  auto h = plan_household(tx, plan->id, code);
  if (!h) household_not_found(code);
  return {*p, *plan, *h, member, village};
}
}  // namespace

HouseholdParcels RightsService::household(const User& user, std::int64_t project_id,
                                          const std::string& code) {
  checked_household(code);
  auto out = store_.read([&](ProjectTx& tx) {
    auto r = reach_household(tx, user, project_id, code);
    HouseholdParcels hp;
    hp.household = r.household;
    hp.plan = r.plan;
    hp.disputes = disputes_where(tx, "project_id = $1 AND household_code = $2", {num(project_id), code});
    return hp;
  });
  out.before_geojson = household_features(layers_, out.plan.parcels_layer, out.plan.parcels_version, code);
  out.after_geojson = household_features(layers_, out.plan.result_layer, out.plan.result_version, code);
  return out;
}

namespace {
// Who answers for a household: its member, or the village collective / township over the
// project's region recording a written answer (then `note` must say so).
void check_answerer(const User& user, const Reach& r, const std::string& note) {
  if (r.member) return;
  if (r.village.empty() &&
      !has_grant_over(user, {Role::village_collective, Role::township}, r.project.region_code))
    throw Forbidden("not_household", "只有该户成员，或代为录入书面意见的村集体、乡镇可以确认或提出异议",
                    "only a member of the household, or the village collective or township "
                    "recording its written answer, may confirm or object");
  if (note.empty())
    throw InvalidRequest("note_required", "代农户录入时须在 note 中说明书面确认或异议的依据",
                         "recording a household's answer on its behalf needs a note naming the "
                         "written answer");
}
void check_pending(const Reach& r) {
  if (!before_approval(r.project.state))
    throw RuleError("project_past_approval", "项目已立项，权属调整方案不再接受确认或异议",
                    "the project is past approval; the plan takes no more answers");
  if (r.household.status != "pending")
    throw RuleError("already_answered",
                    "承包方 " + r.household.household_code + " 已" +
                        (r.household.status == "confirmed" ? "确认"
                         : r.household.status == "objected" ? "提出异议"
                                                            : "保留原地块，无需确认"),
                    "household " + r.household.household_code + " has already answered (" +
                        r.household.status + ")");
}
}  // namespace

PlanHousehold RightsService::confirm(const User& user, std::int64_t project_id,
                                     const std::string& code, const std::string& note_in) {
  checked_household(code);
  std::string note = note_in.empty() ? "" : checked_text(note_in, "note", 1, 2000);
  return store_.write([&](ProjectTx& tx) {
    auto r = reach_household(tx, user, project_id, code);
    check_answerer(user, r, note);
    check_pending(r);
    auto now = tx.now();
    tx.session().query(
        "UPDATE realloc_households SET status = 'confirmed', answered_by = $1, answered_at = $2, "
        "note = $3 WHERE id = $4",
        {actor_of(user), now, note, num(r.household.id)});
    tx.audit({actor_of(user), "rights.confirm", "project:" + r.project.code,
              dump({{"household", code}, {"plan", r.plan.id}, {"on_behalf", !r.member},
                    {"recorded_by", actor_of(user)}, {"for_village", r.village}})});
    event(tx, r.project, "rights.household_confirmed", {{"household", code}, {"plan", r.plan.id}});
    return *plan_household(tx, r.plan.id, code);
  });
}

RightsDispute RightsService::object(const User& user, std::int64_t project_id,
                                    const std::string& code, const std::string& reason_in) {
  checked_household(code);
  std::string reason = checked_text(reason_in, "reason", 1, 2000);
  return store_.write([&](ProjectTx& tx) {
    auto r = reach_household(tx, user, project_id, code);
    check_answerer(user, r, reason);
    check_pending(r);
    auto now = tx.now();
    tx.session().query(
        "UPDATE realloc_households SET status = 'objected', answered_by = $1, answered_at = $2, "
        "note = $3 WHERE id = $4",
        {actor_of(user), now, reason, num(r.household.id)});
    auto rows = tx.session().query(
        "INSERT INTO rights_disputes(project_id, plan_id, household_code, reason, status, "
        "opened_by, opened_at) VALUES($1, $2, $3, $4, 'registered', $5, $6) RETURNING id",
        {num(project_id), num(r.plan.id), code, reason, actor_of(user), now});
    auto id = to_int(rows.at(0).at(0));
    tx.audit({actor_of(user), "rights.object", "project:" + r.project.code,
              dump({{"household", code}, {"plan", r.plan.id}, {"dispute", id}, {"on_behalf", !r.member},
                    {"recorded_by", actor_of(user)}, {"for_village", r.village}})});
    event(tx, r.project, "rights.dispute_registered", {{"household", code}, {"dispute", id}});
    return disputes_where(tx, "id = $1", {num(id)}).at(0);
  });
}

// ---- disputes ----------------------------------------------------------------------------------

std::vector<RightsDispute> RightsService::disputes(const User& user, std::int64_t project_id) {
  return store_.read([&](ProjectTx& tx) {
    auto p = tx.project(project_id);
    if (!p) project_not_found(project_id);
    if (may_see_project(user, *p) && reads_all_households(user, p->region_code))
      return disputes_where(tx, "project_id = $1", {num(project_id)});
    // A village collective reaching the project: the disputes of its village's households.
    if (village_reach(tx, user, *p)) {
      std::vector<RightsDispute> out;
      for (auto& d : disputes_where(tx, "project_id = $1", {num(project_id)}))
        if (household_of_villages(tx, d.household_code, collective_villages_under(user, p->region_code)))
          out.push_back(std::move(d));
      return out;
    }
    // A villager: the disputes of the households it belongs to.
    auto mine = disputes_where(
        tx, "project_id = $1 AND household_code IN (SELECT household_code FROM household_members "
            "WHERE username = $2)",
        {num(project_id), user.username});
    if (mine.empty() && !may_see_project(user, *p) && !household_in_project(tx, user, project_id))
      project_not_found(project_id);
    return mine;
  });
}

namespace {
RightsDispute reach_dispute(ProjectTx& tx, const User& user, std::int64_t project_id,
                            std::int64_t id, ProjectRecord& project) {
  auto p = tx.project(project_id);
  if (!p) project_not_found(project_id);
  auto found = disputes_where(tx, "id = $1 AND project_id = $2", {num(id), num(project_id)});
  bool official = may_see_project(user, *p) && reads_all_households(user, p->region_code);
  if (!found.empty() && !official && village_reach(tx, user, *p))
    official = household_of_villages(tx, found[0].household_code, collective_villages_under(user, p->region_code));
  if (found.empty() || !(official || is_member(tx, user, found[0].household_code)))
    throw NotFoundError("dispute " + num(id) + " does not exist");
  project = *p;
  return found[0];
}
[[noreturn]] void wrong_state(const RightsDispute& d, const std::string& action) {
  static const std::map<std::string, std::string> zh{{"registered", "已登记"}, {"mediation", "调解中"},
                                                     {"agreed", "已达成调解协议"}, {"escalated", "已上报"},
                                                     {"ruled", "已裁决"}};
  throw RuleError("dispute_wrong_state",
                  "争议处于“" + zh.at(d.status) + "”状态，不能执行此操作",
                  "dispute " + num(d.id) + " is " + d.status + "; " + action + " is not open from there");
}
// "YYYY-MM-DD", a real calendar day.
std::string checked_date(const std::string& s) {
  int y = 0, m = 0, d = 0;
  char tail = 0;
  if (s.size() != 10 || std::sscanf(s.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
      !std::chrono::year_month_day(std::chrono::year(y), std::chrono::month(static_cast<unsigned>(m)),
                                   std::chrono::day(static_cast<unsigned>(d)))
           .ok() ||
      y < 2000 || y > 2100)
    throw InvalidRequest("invalid_date", "held_on 应为有效日期（YYYY-MM-DD）",
                         "held_on must be a calendar date YYYY-MM-DD");
  return s;
}
}  // namespace

RightsDispute RightsService::dispute(const User& user, std::int64_t project_id, std::int64_t id) {
  return store_.read([&](ProjectTx& tx) {
    ProjectRecord p;
    return reach_dispute(tx, user, project_id, id, p);
  });
}

RightsDispute RightsService::record_meeting(const User& user, std::int64_t project_id,
                                            std::int64_t id, const MediationMeeting& in) {
  MediationMeeting m = in;
  m.held_on = checked_date(in.held_on);
  m.place = checked_text(in.place, "place", 1, 200);
  m.mediator = checked_text(in.mediator, "mediator", 1, 200);
  m.minutes = checked_text(in.minutes, "minutes", 1, 20000);
  return store_.write([&](ProjectTx& tx) {
    ProjectRecord p;
    auto d = reach_dispute(tx, user, project_id, id, p);
    if (!mediates(user, p.region_code))
      throw Forbidden("not_mediator", "只有乡镇、村集体调解员或自然资源部门可以记录调解会议",
                      "only township or village mediators or the lead department record mediation");
    if (d.status != "registered" && d.status != "mediation") wrong_state(d, "a mediation meeting");
    auto now = tx.now();
    tx.session().query(
        "INSERT INTO rights_mediation_meetings(dispute_id, held_on, place, mediator, minutes, "
        "recorded_by, recorded_at) VALUES($1, $2, $3, $4, $5, $6, $7)",
        {num(id), m.held_on, m.place, m.mediator, m.minutes, actor_of(user), now});
    tx.session().query("UPDATE rights_disputes SET status = 'mediation' WHERE id = $1", {num(id)});
    tx.audit({actor_of(user), "rights.dispute_meeting", "dispute:" + num(id),
              dump({{"project", p.code}, {"held_on", m.held_on}, {"mediator", m.mediator}})});
    event(tx, p, "rights.dispute_mediation", {{"dispute", id}, {"household", d.household_code}});
    return disputes_where(tx, "id = $1", {num(id)}).at(0);
  });
}

RightsDispute RightsService::close_step(const User& user, std::int64_t project_id, std::int64_t id,
                                        const std::string& action, const std::string& text_in) {
  if (action != "agree" && action != "escalate" && action != "rule")
    throw InvalidRequest("unknown_action", "未知的争议处理：" + action + "（可选：agree、escalate、rule）",
                         "action must be agree, escalate or rule");
  std::string text = checked_text(text_in, action == "agree" ? "agreement"
                                           : action == "escalate" ? "reason"
                                                                  : "ruling",
                                  1, 20000);
  return store_.write([&](ProjectTx& tx) {
    ProjectRecord p;
    auto d = reach_dispute(tx, user, project_id, id, p);
    std::string to;
    if (action == "rule") {
      // The county's natural-resources bureau decides what mediation could not settle.
      if (!has_grant_over(user, {Role::lead_department}, p.region_code))
        throw Forbidden("not_ruling_authority", "只有自然资源部门可以对上报的争议作出处理决定",
                        "only the lead department (natural resources) rules on escalated disputes");
      if (d.status != "escalated") wrong_state(d, "a ruling");
      to = "ruled";
    } else {
      if (!mediates(user, p.region_code))
        throw Forbidden("not_mediator", "只有乡镇、村集体调解员或自然资源部门可以处理调解结果",
                        "only township or village mediators or the lead department close mediation");
      // Agreement and escalation both follow at least one mediation meeting.
      if (d.status != "mediation") wrong_state(d, action == "agree" ? "an agreement" : "an escalation");
      to = action == "agree" ? "agreed" : "escalated";
    }
    auto now = tx.now();
    tx.session().query(
        "UPDATE rights_disputes SET status = $1, outcome = $2, closed_by = $3, closed_at = $4 "
        "WHERE id = $5",
        {to, text, actor_of(user), now, num(id)});
    tx.audit({actor_of(user), "rights.dispute_" + action, "dispute:" + num(id),
              dump({{"project", p.code}, {"from", d.status}, {"to", to}})});
    event(tx, p, "rights.dispute_" + to, {{"dispute", id}, {"household", d.household_code}});
    return disputes_where(tx, "id = $1", {num(id)}).at(0);
  });
}

// ---- compensation ledger -----------------------------------------------------------------------

namespace {
bool records_compensation(const User& u, const std::string& region) {
  return has_grant_over(u, {Role::township, Role::village_collective}, region);
}
bool decides_compensation(const User& u, const std::string& dept, const std::string& region) {
  for (const auto& g : u.grants)
    if (g.role == Role::co_reviewing_department && g.department == dept &&
        region_contains(g.region_code, region))
      return true;
  return has_grant_over(u, {Role::lead_department}, region);
}
// The household is known to the project: in one of its plans, or linked to an account in a
// village inside the project's region.
bool known_household(ProjectTx& tx, const ProjectRecord& p, const std::string& code) {
  if (!tx.session()
           .query("SELECT 1 FROM realloc_households WHERE project_id = $1 AND household_code = $2",
                  {num(p.id), code})
           .empty())
    return true;
  for (auto& r : tx.session().query("SELECT region_code FROM household_members WHERE household_code = $1", {code}))
    if (region_contains(p.region_code, r[0])) return true;
  return false;
}
ProjectRecord compensation_project(ProjectTx& tx, const User& user, std::int64_t id) {
  auto p = tx.project(id);
  if (!p || !may_see_project(user, *p)) project_not_found(id);
  return *p;
}
}  // namespace

CompensationEntry RightsService::record_compensation(const User& user, std::int64_t project_id,
                                                     const CompensationInput& in) {
  auto code = checked_household(in.household_code);
  if (!valid_amount_fen(in.amount_fen))
    throw InvalidRequest("invalid_amount", "金额应为 1 至 10^15 分之间的整数（amount_fen）",
                         "amount_fen must be a whole number of fen from 1 to 10^15");
  if (!(std::isfinite(in.area_m2) && in.area_m2 >= 0 && in.area_m2 < 1e6))
    throw InvalidRequest("invalid_area", "area_m2 应为 0 至 1,000,000 之间的数", "area_m2 must be 0 to 10^6");
  std::string basis = checked_text(in.basis, "basis", 1, 2000);
  return store_.write([&](ProjectTx& tx) {
    auto p = compensation_project(tx, user, project_id);
    if (!records_compensation(user, p.region_code))
      throw Forbidden("not_compensation_recorder", "只有该区域的乡镇或村集体可以登记宅基地退出补偿",
                      "only the township or village collective over the region records compensation");
    if (p.state == ProjectState::rejected)
      throw RuleError("project_rejected", "项目未通过，不能登记补偿", "the project was rejected");
    if (!known_household(tx, p, code))
      throw InvalidRequest("unknown_household", "承包方 " + code + " 不属于本项目",
                           "household " + code + " is in no plan of this project and linked to no "
                           "account inside its region");
    auto now = tx.now();
    auto rows = tx.session().query(
        "INSERT INTO homestead_compensation(project_id, household_code, amount_fen, area_m2, "
        "basis, recorded_by, recorded_at) VALUES($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        {num(project_id), code, num(in.amount_fen), real(in.area_m2), basis, actor_of(user), now});
    auto id = to_int(rows.at(0).at(0));
    tx.audit({actor_of(user), "rights.compensation_record", "project:" + p.code,
              dump({{"entry", id}, {"household", code}, {"amount_fen", in.amount_fen}})});
    event(tx, p, "rights.compensation_recorded", {{"entry", id}, {"household", code}});
    auto r = tx.session().query(std::string("SELECT ") + kCompensationColumns + kCompensationFrom +
                                    " WHERE c.id = $1",
                                {num(id)});
    return compensation_of(r.at(0));
  });
}

CompensationEntry RightsService::decide_compensation(const User& user, std::int64_t project_id,
                                                     std::int64_t entry_id, bool approve,
                                                     const std::string& comment_in) {
  std::string comment = comment_in.empty() ? "" : checked_text(comment_in, "comment", 1, 2000);
  if (!approve && comment.empty())
    throw InvalidRequest("comment_required", "驳回补偿须说明理由（comment）", "refusing needs a comment");
  return store_.write([&](ProjectTx& tx) {
    auto p = compensation_project(tx, user, project_id);
    auto rows = tx.session().query(std::string("SELECT ") + kCompensationColumns + kCompensationFrom +
                                       " WHERE c.id = $1 AND c.project_id = $2",
                                   {num(entry_id), num(project_id)});
    if (rows.empty()) throw NotFoundError("compensation entry " + num(entry_id) + " does not exist");
    auto e = compensation_of(rows[0]);
    if (!decides_compensation(user, homestead_department_, p.region_code))
      throw Forbidden("not_compensation_approver",
                      "只有该区域的" + homestead_department_ + "或自然资源部门可以审批宅基地退出补偿",
                      "only " + homestead_department_ + " or the lead department over the region "
                      "decides compensation");
    if (e.recorded_by == actor_of(user))
      throw Forbidden("own_entry", "不能审批自己登记的补偿", "nobody decides an entry they recorded");
    if (e.status != "pending")
      throw RuleError("already_decided", "该补偿已审批", "entry " + num(entry_id) + " is already " + e.status);
    auto now = tx.now();
    tx.session().query(
        "INSERT INTO homestead_compensation_decisions(entry_id, decision, comment, decided_by, "
        "decided_at) VALUES($1, $2, $3, $4, $5)",
        {num(entry_id), approve ? "approved" : "refused", comment, actor_of(user), now});
    tx.audit({actor_of(user), "rights.compensation_decide", "project:" + p.code,
              dump({{"entry", entry_id}, {"decision", approve ? "approved" : "refused"},
                    {"amount_fen", e.amount_fen}})});
    event(tx, p, "rights.compensation_decided", {{"entry", entry_id}, {"approved", approve}});
    auto r = tx.session().query(std::string("SELECT ") + kCompensationColumns + kCompensationFrom +
                                    " WHERE c.id = $1",
                                {num(entry_id)});
    return compensation_of(r.at(0));
  });
}

std::vector<CompensationEntry> RightsService::compensation(const User& user, std::int64_t project_id,
                                                           const std::string& household) {
  return store_.read([&](ProjectTx& tx) {
    auto p = tx.project(project_id);
    if (!p) project_not_found(project_id);
    bool official = may_see_project(user, *p) && reads_all_households(user, p->region_code);
    std::vector<CompensationEntry> out;
    for (auto& r : tx.session().query(std::string("SELECT ") + kCompensationColumns +
                                          kCompensationFrom + " WHERE c.project_id = $1 ORDER BY c.id",
                                      {num(project_id)})) {
      auto e = compensation_of(r);
      if (!household.empty() && e.household_code != household) continue;
      if (official || is_member(tx, user, e.household_code)) out.push_back(std::move(e));
    }
    add_payments(tx, out);
    if (!official && out.empty() && !may_see_project(user, *p) &&
        !household_in_project(tx, user, project_id))
      project_not_found(project_id);
    return out;
  });
}

CompensationTotals RightsService::compensation_totals(const User& user, std::int64_t project_id) {
  store_.read([&](ProjectTx& tx) { project_for_officials(tx, user, project_id); });
  CompensationTotals t;
  t.project_id = project_id;
  std::map<std::string, CompensationTotals::PerHousehold> per;
  for (const auto& e : compensation(user, project_id)) {
    auto& h = per[e.household_code];
    h.household_code = e.household_code;
    if (e.status == "approved") {
      t.approved_fen += e.amount_fen;
      h.approved_fen += e.amount_fen;
      t.paid_fen += e.paid_fen;
      h.paid_fen += e.paid_fen;
    } else if (e.status == "pending") {
      t.pending_fen += e.amount_fen;
      h.pending_fen += e.amount_fen;
    } else {
      t.refused_fen += e.amount_fen;
    }
  }
  for (auto& [code, h] : per) t.households.push_back(h);
  return t;
}

}  // namespace gz::services
