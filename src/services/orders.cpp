#include "services/orders.h"

#include <sodium.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>
#include <set>

#include "common/base64.h"
#include "common/error.h"
#include "common/sha256.h"
#include "services/progress.h"
#include "services/regions.h"
#include "services/request_text.h"
#include "services/warnings.h"
#include "storage/schema_probe.h"
#include "storage/sql_identity_store.h"

namespace gz::services {

using nlohmann::json;
using storage::ProjectTx;
using storage::SqlSession;

namespace {

constexpr const char* kTables = R"sql(
CREATE TABLE IF NOT EXISTS supervision_orders(
  id {id}, code text NOT NULL UNIQUE, title text NOT NULL, body text NOT NULL,
  source_kind text NOT NULL, source_json text NOT NULL, project_id bigint NOT NULL,
  region_code text NOT NULL, issuer text NOT NULL, issuer_kind text NOT NULL,
  issuer_region text NOT NULL, issuer_department text NOT NULL, unit_kind text NOT NULL,
  unit_region text NOT NULL, unit_department text NOT NULL, due_at text NOT NULL,
  evidence_required text NOT NULL, status text NOT NULL,
  escalation_level bigint NOT NULL DEFAULT 0, supervisor_kind text NOT NULL DEFAULT '',
  supervisor_region text NOT NULL DEFAULT '', supervisor_department text NOT NULL DEFAULT '',
  escalated_at text NOT NULL DEFAULT '', created_at text NOT NULL, updated_at text NOT NULL,
  closed_at text NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS supervision_orders_by_region ON supervision_orders(region_code);
CREATE TABLE IF NOT EXISTS supervision_order_steps(
  id {id}, order_id bigint NOT NULL REFERENCES supervision_orders(id), action text NOT NULL,
  actor text NOT NULL, time text NOT NULL, comment text NOT NULL, detail text NOT NULL);
CREATE INDEX IF NOT EXISTS supervision_order_steps_by_order ON supervision_order_steps(order_id);
CREATE TABLE IF NOT EXISTS supervision_order_evidence(
  id {id}, order_id bigint NOT NULL REFERENCES supervision_orders(id),
  step_id bigint NOT NULL REFERENCES supervision_order_steps(id), kind text NOT NULL,
  body text NOT NULL DEFAULT '', sha256 text NOT NULL DEFAULT '',
  content_type text NOT NULL DEFAULT '', data_base64 text NOT NULL DEFAULT '',
  lon double precision NOT NULL DEFAULT 0, lat double precision NOT NULL DEFAULT 0,
  layer text NOT NULL DEFAULT '', version bigint NOT NULL DEFAULT 0,
  plan_change bigint NOT NULL DEFAULT 0, created_by text NOT NULL, created_at text NOT NULL);
CREATE INDEX IF NOT EXISTS supervision_order_evidence_by_order ON supervision_order_evidence(order_id);
)sql";

constexpr std::size_t kMaxPhotos = 6;
const std::vector<std::string> kEvidenceKinds = {"text", "photo", "layer_version", "plan_change"};
const std::vector<std::string> kUnitKinds = {"department", "township", "village_collective", "investor"};
const std::vector<Role> kIssuers = {Role::leader_group, Role::lead_department, Role::township};

std::string num(std::int64_t v) { return std::to_string(v); }
std::int64_t i64(const std::string& s) { return s.empty() ? 0 : std::stoll(s); }
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

bool same_region(const std::string& a, const std::string& b) {
  if (a.empty() || b.empty()) return a == b;
  try {
    return region_prefix(a) == region_prefix(b);
  } catch (const UsageError&) {
    return false;
  }
}

// The county a region lies in (the region itself above county level).
std::string county_of(const std::string& region) {
  try {
    auto p = region_prefix(region);
    return p.size() >= 6 ? p.substr(0, 6) : region;
  } catch (const UsageError&) {
    return region;
  }
}

bool is_overseer(const User& u) {
  for (const auto& g : u.grants)
    if (g.role == Role::admin || g.role == Role::auditor) return true;
  return false;
}

std::string kind_zh(const std::string& kind) {
  if (kind == "leader_group") return "领导小组";
  if (kind == "department") return "部门";
  if (kind == "township") return "乡镇";
  if (kind == "village_collective") return "村集体";
  if (kind == "investor") return "社会资本方";
  return kind;
}

std::string evidence_zh(const std::string& kind) {
  if (kind == "text") return "整改说明";
  if (kind == "photo") return "现场照片";
  if (kind == "layer_version") return "图层新版本";
  if (kind == "plan_change") return "规划变更";
  return kind;
}

json unit_json(const ResponsibleUnit& u) {
  return {{"kind", u.kind}, {"region", u.region_code}, {"department", u.department}};
}

// The unit a grant issues as, when its role issues orders.
std::optional<ResponsibleUnit> issuing_unit(const Grant& g) {
  if (g.role == Role::leader_group) return ResponsibleUnit{"leader_group", g.region_code, ""};
  if (g.role == Role::lead_department) return ResponsibleUnit{"department", g.region_code, g.department};
  if (g.role == Role::township) return ResponsibleUnit{"township", g.region_code, ""};
  return std::nullopt;
}

[[noreturn]] void not_found(std::int64_t id) {
  throw NotFoundError("supervision order " + std::to_string(id) + " does not exist");
}

constexpr const char* kColumns =
    "id, code, title, body, source_kind, source_json, project_id, region_code, issuer, "
    "issuer_kind, issuer_region, issuer_department, unit_kind, unit_region, unit_department, "
    "due_at, evidence_required, status, escalation_level, supervisor_kind, supervisor_region, "
    "supervisor_department, escalated_at, created_at, updated_at, closed_at";

SupervisionOrder order_of(const SqlSession::Row& r, std::int64_t now) {
  SupervisionOrder o;
  o.id = i64(r[0]);
  o.code = r[1];
  o.title = r[2];
  o.body = r[3];
  o.source_kind = r[4];
  o.source_json = r[5];
  o.project_id = i64(r[6]);
  o.region_code = r[7];
  o.issuer = r[8];
  o.issuer_unit = {r[9], r[10], r[11]};
  o.addressee = {r[12], r[13], r[14]};
  o.due_at = r[15];
  for (const auto& k : json::parse(r[16])) o.evidence_required.push_back(k.get<std::string>());
  o.status = r[17];
  o.escalation_level = i64(r[18]);
  o.supervisor = {r[19], r[20], r[21]};
  o.escalated_at = r[22];
  o.created_at = r[23];
  o.updated_at = r[24];
  o.closed_at = r[25];
  o.overdue = (o.status == "issued" || o.status == "returned") && now > parse_iso_utc(o.due_at);
  return o;
}

// Every unit an order concerns: its issuer, the unit addressed and its supervisor once escalated.
std::vector<ResponsibleUnit> units_of(const SupervisionOrder& o) {
  std::vector<ResponsibleUnit> out{o.issuer_unit, o.addressee};
  if (!o.supervisor.kind.empty()) out.push_back(o.supervisor);
  return out;
}

bool may_see(const User& user, const SupervisionOrder& o) {
  if (is_overseer(user) || user.username == o.issuer) return true;
  for (const auto& u : units_of(o))
    if (acts_for(user, u)) return true;
  return false;
}

bool issues_for(const User& user, const SupervisionOrder& o) {
  return user.username == o.issuer || acts_for(user, o.issuer_unit) ||
         (o.escalation_level > 0 && acts_for(user, o.supervisor));
}

json event_payload(const SupervisionOrder& o) {
  json units = json::array();
  for (const auto& u : units_of(o)) units.push_back(unit_json(u));
  return {{"order", o.id},       {"code", o.code},   {"title", o.title}, {"status", o.status},
          {"level", o.escalation_level}, {"issuer", o.issuer}, {"units", units}};
}

// "2026-12-31" → the end of that day in Beijing time (UTC+8), as Unix seconds; 0 when malformed.
std::int64_t end_of_day_beijing(const std::string& date) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return 0;
  std::tm tm{};
  const char* end = strptime(date.c_str(), "%Y-%m-%d", &tm);
  if (!end || *end != '\0') return 0;
  std::tm check = tm;
  auto t = timegm(&tm);
  std::tm back{};
  gmtime_r(&t, &back);
  if (back.tm_mday != check.tm_mday || back.tm_mon != check.tm_mon) return 0;  // 2026-02-30
  return t + 86400 - 8 * 3600 - 1;
}

void check_unit_shape(const ResponsibleUnit& u) {
  if (std::find(kUnitKinds.begin(), kUnitKinds.end(), u.kind) == kUnitKinds.end())
    throw InvalidRequest("invalid_unit_kind",
                         "责任单位类型应为 department、township、village_collective 或 investor",
                         "unit.kind must be department, township, village_collective or investor");
  try {
    validate_region_code(u.region_code);
  } catch (const UsageError& e) {
    throw InvalidRequest("invalid_region", "责任单位的 region 不是有效的行政区划代码",
                         std::string("unit.region: ") + e.what());
  }
  auto level = region_level(u.region_code);
  if (u.kind == "department" && u.department.empty())
    throw InvalidRequest("missing_field", "部门须写明名称 unit.department",
                         "a department unit needs unit.department");
  if (u.kind != "department" && !u.department.empty())
    throw InvalidRequest("unexpected_field", "只有部门才写 unit.department",
                         "unit.department is for department units only");
  if (u.kind == "township" && level != RegionLevel::township)
    throw InvalidRequest("invalid_region", "乡镇的 region 须为 9 位乡镇代码",
                         "a township unit needs a 9-digit township code");
  if (u.kind == "village_collective" && level != RegionLevel::village)
    throw InvalidRequest("invalid_region", "村集体的 region 须为 12 位村级代码",
                         "a village collective needs a 12-digit village code");
}

}  // namespace

bool acts_for(const User& user, const ResponsibleUnit& unit) {
  if (unit.kind.empty()) return false;
  for (const auto& g : user.grants) {
    if (!same_region(g.region_code, unit.region_code)) continue;
    if (unit.kind == "leader_group" && g.role == Role::leader_group) return true;
    if (unit.kind == "township" && g.role == Role::township) return true;
    if (unit.kind == "village_collective" && g.role == Role::village_collective) return true;
    if (unit.kind == "investor" && g.role == Role::investor) return true;
    if (unit.kind == "department" &&
        (g.role == Role::lead_department || g.role == Role::co_reviewing_department) &&
        g.department == unit.department)
      return true;
  }
  return false;
}

std::string unit_label_zh(const ResponsibleUnit& u) {
  return (u.kind == "department" ? u.department : kind_zh(u.kind)) + " " + u.region_code;
}

bool may_see_order_event(const User& user, const std::string& payload_json) {
  if (is_overseer(user)) return true;
  auto j = json::parse(payload_json, nullptr, false);
  if (!j.is_object()) return false;
  if (j.value("issuer", std::string()) == user.username) return true;
  if (!j.contains("units") || !j["units"].is_array()) return false;
  for (const auto& u : j["units"]) {
    ResponsibleUnit unit{u.value("kind", std::string()), u.value("region", std::string()),
                         u.value("department", std::string())};
    if (acts_for(user, unit)) return true;
  }
  return false;
}

OrderService::OrderService(storage::Store& layers, storage::ProjectStore& store,
                           storage::IdentityStore* identity, const WarningService* warnings,
                           OrderOptions options)
    : layers_(layers), store_(store), identity_(identity), warnings_(warnings),
      clock_(std::move(options.clock)) {
  const auto& rules = warnings ? warnings->rules() : WarningRules::standard();
  lead_department_ = rules.lead_department;
  escalate_again_days_ = rules.escalate_again_days;
  store_.ensure_tables(kTables);
}

SupervisionOrder OrderService::visible(ProjectTx& tx, const User& user, std::int64_t id) {
  auto rows = tx.session().query(std::string("SELECT ") + kColumns +
                                     " FROM supervision_orders WHERE id = $1",
                                 {num(id)});
  if (rows.empty()) not_found(id);
  auto o = order_of(rows[0], clock_());
  if (!may_see(user, o)) not_found(id);
  return o;
}

void OrderService::record_step(ProjectTx& tx, SupervisionOrder& o, const User& user,
                               const std::string& action, const std::string& comment,
                               const std::string& detail_json, const std::string& event_kind) {
  const std::string now = iso_utc(clock_());
  auto rows = tx.session().query(
      "INSERT INTO supervision_order_steps(order_id, action, actor, time, comment, detail) "
      "VALUES($1, $2, $3, $4, $5, $6) RETURNING id",
      {num(o.id), action, actor_of(user), now, comment, detail_json});
  OrderStep step{i64(rows.at(0).at(0)), action, actor_of(user), now, comment, detail_json};
  o.steps.push_back(step);
  json audit = json::parse(detail_json);
  audit["order"] = o.id;
  audit["status"] = o.status;
  audit["region"] = o.region_code;
  tx.audit({actor_of(user), "order." + action, "order:" + o.code, dump(audit)});
  tx.insert_event({0, "", event_kind, 0, o.region_code, "", dump(event_payload(o))});
}

// ---- issuing ----------------------------------------------------------------------------------

SupervisionOrder OrderService::issue(const User& user, const NewOrder& in) {
  // Who: a role that issues at all (before anything is looked up).
  if (std::none_of(user.grants.begin(), user.grants.end(),
                   [](const Grant& g) { return issuing_unit(g).has_value(); }))
    throw Forbidden("not_an_issuer", "只有领导小组、牵头部门或乡镇可以下发督办单",
                    "only the leader group, the lead department or a township issues supervision orders");
  SupervisionOrder o;
  o.title = checked_text(in.title, "title", 1, 200);
  o.body = checked_text(in.body, "body", 0, 4000);
  check_unit_shape(in.addressee);
  o.addressee = in.addressee;
  o.source_kind = in.source_kind;
  if (o.source_kind != "warning" && o.source_kind != "change_spot" && o.source_kind != "complaint" &&
      o.source_kind != "manual")
    throw InvalidRequest("invalid_source", "来源应为 warning、change_spot、complaint 或 manual",
                         "source must be warning, change_spot, complaint or manual");
  const auto now = clock_();
  const auto due = end_of_day_beijing(in.due_date);
  if (due == 0)
    throw InvalidRequest("invalid_date", "整改期限 due_date 应为 YYYY-MM-DD 格式的日期",
                         "due_date must be a date YYYY-MM-DD");
  if (due <= now)
    throw InvalidRequest("due_in_past", "整改期限 " + in.due_date + " 已过", "due_date " + in.due_date + " has passed");
  o.due_at = iso_utc(due);
  std::set<std::string> required{"text"};
  for (const auto& k : in.evidence_required) {
    if (std::find(kEvidenceKinds.begin(), kEvidenceKinds.end(), k) == kEvidenceKinds.end())
      throw InvalidRequest("invalid_evidence_kind",
                           "要求的佐证类型应为 text、photo、layer_version 或 plan_change：" + k.substr(0, 32),
                           "evidence_required: unknown kind " + k.substr(0, 32));
    required.insert(k);
  }
  for (const auto& k : kEvidenceKinds)
    if (required.count(k)) o.evidence_required.push_back(k);

  // The source, checked in the same transaction as the order is written.
  return store_.write([&](ProjectTx& tx) {
    json source = {{"kind", o.source_kind}};
    std::optional<storage::ProjectRecord> project;
    if (o.source_kind == "warning") {
      if (!warnings_) throw InvalidRequest("invalid_source", "未启用预警", "warnings are not served");
      // rule:project[:…]
      auto first = in.warning_key.find(':');
      std::int64_t pid = 0;
      if (first != std::string::npos) {
        auto second = in.warning_key.find(':', first + 1);
        auto digits = in.warning_key.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
        if (!digits.empty() && digits.size() < 18 && digits.find_first_not_of("0123456789") == std::string::npos)
          pid = std::stoll(digits);
      }
      auto p = pid ? tx.project(pid) : std::nullopt;
      std::optional<ProjectWarning> found;
      if (p && may_see_project(user, *p))
        for (auto& w : warnings_->project_warnings(tx, *p))
          if (w.key == in.warning_key) found = w;
      if (!found)
        throw InvalidRequest("no_such_warning", "预警不存在或已解除：" + in.warning_key.substr(0, 80),
                             "no current warning " + in.warning_key.substr(0, 80));
      project = p;
      source["warning"] = {{"key", found->key}, {"rule", found->rule}, {"level", found->level},
                           {"figures", json::parse(found->figures)}, {"message_zh", found->message_zh}};
    } else if (o.source_kind == "complaint") {
      if (!storage::has_column(tx.session(), "villager_feedback", "id"))
        throw InvalidRequest("no_such_feedback", "村民意见不存在", "no villager feedback is kept here");
      auto rows = tx.session().query(
          "SELECT region_code, project_id, category, status FROM villager_feedback WHERE id = $1",
          {num(in.feedback_id)});
      if (rows.empty() || !has_grant_over(user, kIssuers, rows[0][0]))
        throw InvalidRequest("no_such_feedback", "村民意见 " + num(in.feedback_id) + " 不存在",
                             "villager feedback " + num(in.feedback_id) + " does not exist");
      o.region_code = rows[0][0];
      if (i64(rows[0][1])) project = tx.project(i64(rows[0][1]));
      source["feedback"] = {{"id", in.feedback_id}, {"category", rows[0][2]}, {"status", rows[0][3]}};
    } else if (o.source_kind == "change_spot") {
      if (in.layer.empty() || in.spot_id.empty() || in.from_version < 1 || in.to_version < 1)
        throw InvalidRequest("missing_field", "变化图斑须写明 layer、from_version、to_version 和 spot_id",
                             "a change spot needs layer, from_version, to_version and spot_id");
      for (auto v : {in.from_version, in.to_version}) {
        try {
          layers_.layer_version(in.layer, static_cast<int>(v));
        } catch (const NotFoundError&) {
          throw InvalidRequest("no_such_version", "图层 " + in.layer.substr(0, 64) + " 没有第 " + num(v) + " 版",
                               "layer " + in.layer.substr(0, 64) + " has no version " + num(v));
        }
      }
      if (in.region_code.empty())
        throw InvalidRequest("missing_field", "变化图斑须写明所在区域 region_code",
                             "a change spot needs region_code");
      o.region_code = in.region_code;
      source["spot"] = {{"layer", in.layer}, {"from_version", in.from_version},
                        {"to_version", in.to_version}, {"id", checked_text(in.spot_id, "spot_id", 1, 64)}};
      if (!in.spot_rule.empty()) source["spot"]["rule"] = checked_text(in.spot_rule, "spot_rule", 1, 64);
    } else if (in.project_id) {
      auto p = tx.project(in.project_id);
      if (!p || !may_see_project(user, *p))
        throw InvalidRequest("no_such_project", "项目 " + num(in.project_id) + " 不存在",
                             "project " + num(in.project_id) + " does not exist");
      project = p;
    }
    if (project) {
      o.project_id = project->id;
      o.project_code = project->code;
      if (o.region_code.empty()) o.region_code = project->region_code;
    }
    if (o.region_code.empty()) o.region_code = in.region_code.empty() ? o.addressee.region_code : in.region_code;
    try {
      validate_region_code(o.region_code);
    } catch (const UsageError& e) {
      throw InvalidRequest("invalid_region", "region_code 不是有效的行政区划代码", e.what());
    }

    // Remit: an issuing grant whose region holds both the unit addressed and the matter.
    std::optional<ResponsibleUnit> issuer;
    for (const auto& g : user.grants) {
      auto u = issuing_unit(g);
      if (u && region_contains(g.region_code, o.addressee.region_code) &&
          region_contains(g.region_code, o.region_code) && !(*u == o.addressee)) {
        issuer = u;
        break;
      }
    }
    if (!issuer)
      throw Forbidden("outside_remit",
                      "受文单位（" + kind_zh(o.addressee.kind) + " " + o.addressee.region_code +
                          "）或督办事项不在您的督办范围内",
                      "the unit addressed (" + o.addressee.kind + " " + o.addressee.region_code +
                          ") or the matter lies outside your remit");
    o.issuer_unit = *issuer;
    // Somebody must act for the unit addressed.
    if (identity_) {
      bool someone = false;
      for (const auto& u : identity_->users())
        if (acts_for(u, o.addressee)) {
          someone = true;
          break;
        }
      if (!someone)
        throw InvalidRequest("no_such_unit", "没有用户代表受文单位 " + unit_label_zh(o.addressee),
                             "no user acts for the unit addressed (" + o.addressee.kind + " " +
                                 o.addressee.region_code + ")");
    }
    o.source_json = dump(source);
    o.issuer = actor_of(user);
    o.status = "issued";
    o.created_at = o.updated_at = iso_utc(now);
    const std::string year = o.created_at.substr(0, 4);
    auto count = tx.session().query("SELECT COUNT(*) FROM supervision_orders WHERE code LIKE $1",
                                    {"DB" + year + "-%"});
    char code[32];
    std::snprintf(code, sizeof code, "DB%s-%04lld", year.c_str(),
                  static_cast<long long>(i64(count.at(0).at(0)) + 1));
    o.code = code;
    json required = o.evidence_required;
    auto rows = tx.session().query(
        "INSERT INTO supervision_orders(code, title, body, source_kind, source_json, project_id, "
        "region_code, issuer, issuer_kind, issuer_region, issuer_department, unit_kind, unit_region, "
        "unit_department, due_at, evidence_required, status, created_at, updated_at) VALUES($1, $2, "
        "$3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id",
        {o.code, o.title, o.body, o.source_kind, o.source_json, num(o.project_id), o.region_code,
         o.issuer, o.issuer_unit.kind, o.issuer_unit.region_code, o.issuer_unit.department,
         o.addressee.kind, o.addressee.region_code, o.addressee.department, o.due_at, dump(required),
         o.status, o.created_at, o.updated_at});
    o.id = i64(rows.at(0).at(0));
    record_step(tx, o, user, "issue", "",
                dump({{"source", source}, {"unit", unit_json(o.addressee)}, {"due_at", o.due_at},
                      {"evidence_required", required}}),
                "order.issued");
    return o;
  });
}

// ---- reading ----------------------------------------------------------------------------------

std::vector<SupervisionOrder> OrderService::orders(const User& user, const OrderFilter& filter) {
  if (!filter.box.empty() && filter.box != "inbox" && filter.box != "issued" && filter.box != "escalated")
    throw InvalidRequest("invalid_box", "box 应为 inbox、issued 或 escalated", "box must be inbox, issued or escalated");
  if (!filter.status.empty() && filter.status != "issued" && filter.status != "answered" &&
      filter.status != "returned" && filter.status != "closed")
    throw InvalidRequest("invalid_status", "status 应为 issued、answered、returned 或 closed",
                         "status must be issued, answered, returned or closed");
  const auto now = clock_();
  std::string sql = std::string("SELECT ") + kColumns + " FROM supervision_orders";
  std::vector<std::string> params;
  if (!filter.status.empty()) {
    params.push_back(filter.status);
    sql += " WHERE status = $1";
  }
  sql += " ORDER BY id DESC";
  auto rows = store_.read([&](ProjectTx& tx) { return tx.session().query(sql, params); });
  std::vector<SupervisionOrder> out;
  for (const auto& r : rows) {
    auto o = order_of(r, now);
    if (!may_see(user, o)) continue;
    if (filter.box == "inbox" && !acts_for(user, o.addressee)) continue;
    if (filter.box == "issued" && !(o.issuer == user.username || acts_for(user, o.issuer_unit))) continue;
    if (filter.box == "escalated" && !(o.escalation_level > 0 && acts_for(user, o.supervisor))) continue;
    if (filter.overdue_only && !o.overdue) continue;
    if (!filter.region.empty() && !region_contains(filter.region, o.region_code)) continue;
    out.push_back(std::move(o));
  }
  return out;
}

SupervisionOrder OrderService::order(const User& user, std::int64_t id) {
  return store_.read([&](ProjectTx& tx) {
    auto o = visible(tx, user, id);
    for (const auto& r : tx.session().query(
             "SELECT id, action, actor, time, comment, detail FROM supervision_order_steps WHERE "
             "order_id = $1 ORDER BY id",
             {num(id)}))
      o.steps.push_back({i64(r[0]), r[1], r[2], r[3], r[4], r[5]});
    for (const auto& r : tx.session().query(
             "SELECT id, step_id, kind, body, sha256, content_type, lon, lat, layer, version, "
             "plan_change, created_by, created_at FROM supervision_order_evidence WHERE order_id = $1 "
             "ORDER BY id",
             {num(id)})) {
      OrderEvidence e;
      e.id = i64(r[0]);
      e.step_id = i64(r[1]);
      e.kind = r[2];
      e.text = r[3];
      e.sha256 = r[4];
      e.content_type = r[5];
      e.lon = std::stod(r[6]);
      e.lat = std::stod(r[7]);
      e.layer = r[8];
      e.version = i64(r[9]);
      e.plan_change = i64(r[10]);
      e.created_by = r[11];
      e.created_at = r[12];
      o.evidence.push_back(std::move(e));
    }
    if (o.project_id)
      if (auto p = tx.project(o.project_id)) o.project_code = p->code;
    return o;
  });
}

OrderPhoto OrderService::photo(const User& user, std::int64_t id, const std::string& sha256) {
  return store_.read([&](ProjectTx& tx) {
    visible(tx, user, id);
    auto rows = tx.session().query(
        "SELECT content_type, data_base64 FROM supervision_order_evidence WHERE order_id = $1 AND "
        "kind = 'photo' AND sha256 = $2",
        {num(id), sha256});
    if (rows.empty()) throw NotFoundError("photo " + sha256.substr(0, 64) + " of order " + num(id));
    return OrderPhoto{rows[0][0], from_base64(rows[0][1], "photo")};
  });
}

// ---- the unit's answer ------------------------------------------------------------------------

SupervisionOrder OrderService::answer(const User& user, std::int64_t id, const OrderAnswer& in) {
  const std::string text = checked_text(in.text, "text", 1, 4000);
  if (in.photos.size() > kMaxPhotos)
    throw InvalidRequest("too_many_photos", "每次最多附 6 张照片", "at most 6 photos per answer");
  std::vector<std::string> photo_sha;
  for (std::size_t i = 0; i < in.photos.size(); ++i) {
    const auto& p = in.photos[i];
    const std::string field = "photos[" + std::to_string(i) + "]";
    if (p.bytes.empty() || sniff_image_type(p.bytes).empty() || sniff_image_type(p.bytes) != p.content_type)
      throw InvalidRequest("invalid_photo", field + " 不是声明类型的 JPEG 或 PNG 图片",
                           field + " is not a JPEG or PNG image of the declared content_type");
    if (!std::isfinite(p.lon) || !std::isfinite(p.lat) || p.lon < -180 || p.lon > 180 || p.lat < -90 || p.lat > 90)
      throw InvalidRequest("invalid_location", field + " 的经纬度无效",
                           field + ": lon must be -180..180 and lat -90..90");
    photo_sha.push_back(sha256_hex(p.bytes));
  }
  if (in.plan_change < 0) throw InvalidRequest("invalid_plan_change", "plan_change 应为规划变更编号", "plan_change must be an id");
  return store_.write([&](ProjectTx& tx) {
    auto o = visible(tx, user, id);
    if (!acts_for(user, o.addressee))
      throw Forbidden("not_addressed", "只有受文单位可以报送整改佐证",
                      "only the unit the order is addressed to answers it with evidence");
    if (o.status != "issued" && o.status != "returned")
      throw RuleError("not_open_for_answer",
                      o.status == "closed" ? "督办单已销号" : "督办单已报送整改，等待核查",
                      "the order is " + o.status + ", not open for an answer");
    // What the evidence names must exist (checked before anything is written).
    if (!in.layer.empty() || in.version) {
      if (in.layer.empty() || in.version < 1)
        throw InvalidRequest("invalid_layer_version", "图层新版本须写明 layer 和 version",
                             "a layer version needs layer and version");
      try {
        layers_.layer_version(in.layer, static_cast<int>(in.version));
      } catch (const NotFoundError&) {
        throw InvalidRequest("no_such_version", "图层 " + in.layer.substr(0, 64) + " 没有第 " + num(in.version) + " 版",
                             "layer " + in.layer.substr(0, 64) + " has no version " + num(in.version));
      }
    }
    if (in.plan_change) {
      bool exists = storage::has_column(tx.session(), "village_plan_changes", "id") &&
                    !tx.session().query("SELECT id FROM village_plan_changes WHERE id = $1",
                                        {num(in.plan_change)}).empty();
      if (!exists)
        throw InvalidRequest("no_such_plan_change", "规划变更 " + num(in.plan_change) + " 不存在",
                             "village-plan change " + num(in.plan_change) + " does not exist");
    }
    o.status = "answered";
    o.updated_at = iso_utc(clock_());
    tx.session().query("UPDATE supervision_orders SET status = $2, updated_at = $3 WHERE id = $1",
                       {num(o.id), o.status, o.updated_at});
    json kinds = json::array({"text"});
    if (!in.photos.empty()) kinds.push_back("photo");
    if (!in.layer.empty()) kinds.push_back("layer_version");
    if (in.plan_change) kinds.push_back("plan_change");
    record_step(tx, o, user, "answer", text,
                dump({{"evidence", kinds}, {"photos", photo_sha}}), "order.answered");
    const auto step = o.steps.back().id;
    const std::string who = actor_of(user), at = o.updated_at;
    auto add = [&](const std::vector<std::string>& cols, std::vector<std::string> values) {
      std::string names = "order_id, step_id, created_by, created_at", marks = "$1, $2, $3, $4";
      std::vector<std::string> params{num(o.id), num(step), who, at};
      for (std::size_t i = 0; i < cols.size(); ++i) {
        names += ", " + cols[i];
        params.push_back(values[i]);
        marks += ", $" + std::to_string(params.size());
      }
      tx.session().query("INSERT INTO supervision_order_evidence(" + names + ") VALUES(" + marks + ")", params);
    };
    add({"kind", "body"}, {"text", text});
    for (std::size_t i = 0; i < in.photos.size(); ++i) {
      char lon[32], lat[32];
      std::snprintf(lon, sizeof lon, "%.7f", in.photos[i].lon);
      std::snprintf(lat, sizeof lat, "%.7f", in.photos[i].lat);
      add({"kind", "sha256", "content_type", "data_base64", "lon", "lat"},
          {"photo", photo_sha[i], in.photos[i].content_type, to_base64(in.photos[i].bytes), lon, lat});
    }
    if (!in.layer.empty()) add({"kind", "layer", "version"}, {"layer_version", in.layer, num(in.version)});
    if (in.plan_change) add({"kind", "plan_change"}, {"plan_change", num(in.plan_change)});
    return o;
  });
}

// ---- the issuer's verification --------------------------------------------------------------

SupervisionOrder OrderService::close(const User& user, std::int64_t id, const std::string& comment_text) {
  const std::string comment = checked_text(comment_text, "comment", 0, 2000);
  return store_.write([&](ProjectTx& tx) {
    auto o = visible(tx, user, id);
    if (!issues_for(user, o))
      throw Forbidden("not_the_issuer", "只有下发单位可以核查销号", "only the issuing unit verifies and closes the order");
    if (o.status != "answered")
      throw RuleError("not_answered", o.status == "closed" ? "督办单已销号" : "受文单位尚未报送整改佐证",
                      "the order is " + o.status + "; it closes once answered");
    std::set<std::string> have;
    for (const auto& r : tx.session().query(
             "SELECT DISTINCT kind FROM supervision_order_evidence WHERE order_id = $1", {num(o.id)}))
      have.insert(r[0]);
    std::string missing_zh, missing_en;
    for (const auto& k : o.evidence_required)
      if (!have.count(k)) {
        missing_zh += (missing_zh.empty() ? "" : "、") + evidence_zh(k);
        missing_en += (missing_en.empty() ? "" : ", ") + k;
      }
    if (!missing_zh.empty())
      throw RuleError("evidence_missing", "缺少要求的整改佐证：" + missing_zh + "，不能销号",
                      "the required evidence is missing (" + missing_en + "); the order cannot be closed");
    o.status = "closed";
    o.closed_at = o.updated_at = iso_utc(clock_());
    tx.session().query("UPDATE supervision_orders SET status = $2, updated_at = $3, closed_at = $3 WHERE id = $1",
                       {num(o.id), o.status, o.updated_at});
    record_step(tx, o, user, "close", comment, "{}", "order.closed");
    return o;
  });
}

SupervisionOrder OrderService::return_order(const User& user, std::int64_t id, const std::string& reason_text) {
  const std::string reason = checked_text(reason_text, "reason", 1, 2000);
  return store_.write([&](ProjectTx& tx) {
    auto o = visible(tx, user, id);
    if (!issues_for(user, o))
      throw Forbidden("not_the_issuer", "只有下发单位可以退回整改", "only the issuing unit returns the order");
    if (o.status != "answered")
      throw RuleError("not_answered", "只有已报送整改的督办单可以退回", "only an answered order can be returned");
    o.status = "returned";
    o.updated_at = iso_utc(clock_());
    tx.session().query("UPDATE supervision_orders SET status = $2, updated_at = $3 WHERE id = $1",
                       {num(o.id), o.status, o.updated_at});
    record_step(tx, o, user, "return", reason, "{}", "order.returned");
    return o;
  });
}

// ---- escalation -------------------------------------------------------------------------------

std::vector<SupervisionOrder> OrderService::escalate_overdue(const User& user) {
  const bool admin = std::any_of(user.grants.begin(), user.grants.end(),
                                 [](const Grant& g) { return g.role == Role::admin; });
  if (!admin && !std::any_of(user.grants.begin(), user.grants.end(),
                             [](const Grant& g) { return issuing_unit(g).has_value(); }))
    throw Forbidden("not_permitted", "只有领导小组、牵头部门或乡镇可以升级超期督办单",
                    "only the leader group, the lead department or a township escalates overdue orders");
  const auto now = clock_();
  return store_.write([&](ProjectTx& tx) {
    std::vector<SupervisionOrder> out;
    for (const auto& r : tx.session().query(std::string("SELECT ") + kColumns +
                                            " FROM supervision_orders WHERE status IN ('issued', "
                                            "'returned') ORDER BY id")) {
      auto o = order_of(r, now);
      if (!o.overdue || o.escalation_level >= 2) continue;
      if (!admin && !has_grant_over(user, kIssuers, o.region_code)) continue;
      if (o.escalation_level == 1 && now < parse_iso_utc(o.escalated_at) + escalate_again_days_ * 86400)
        continue;
      const std::string county = county_of(o.issuer_unit.region_code);
      ResponsibleUnit leaders{"leader_group", county, ""};
      ResponsibleUnit next = leaders;
      if (o.escalation_level == 0 && o.issuer_unit.kind == "township")
        next = {"department", county, lead_department_};
      o.escalation_level = next == leaders ? 2 : 1;
      o.supervisor = next;
      o.escalated_at = o.updated_at = iso_utc(now);
      tx.session().query(
          "UPDATE supervision_orders SET escalation_level = $2, supervisor_kind = $3, "
          "supervisor_region = $4, supervisor_department = $5, escalated_at = $6, updated_at = $6 "
          "WHERE id = $1",
          {num(o.id), num(o.escalation_level), next.kind, next.region_code, next.department, o.escalated_at});
      record_step(tx, o, user, "escalate", "",
                  dump({{"level", o.escalation_level}, {"to", unit_json(next)}, {"due_at", o.due_at}}),
                  "order.escalated");
      out.push_back(std::move(o));
    }
    return out;
  });
}

// ---- for the forms and the dashboard --------------------------------------------------------

std::vector<ResponsibleUnit> OrderService::addressable_units(const User& user) {
  std::vector<ResponsibleUnit> out;
  if (!identity_) return out;
  std::vector<Grant> issuing;
  for (const auto& g : user.grants)
    if (issuing_unit(g)) issuing.push_back(g);
  if (issuing.empty()) return out;
  auto add = [&](const ResponsibleUnit& u) {
    for (const auto& g : issuing)
      if (region_contains(g.region_code, u.region_code) && !(*issuing_unit(g) == u)) {
        if (std::find(out.begin(), out.end(), u) == out.end()) out.push_back(u);
        return;
      }
  };
  for (const auto& other : identity_->users())
    for (const auto& g : other.grants) {
      if (g.region_code.empty()) continue;
      if (g.role == Role::lead_department || g.role == Role::co_reviewing_department)
        add({"department", g.region_code, g.department});
      if (g.role == Role::township) add({"township", g.region_code, ""});
      if (g.role == Role::village_collective) add({"village_collective", g.region_code, ""});
      if (g.role == Role::investor) add({"investor", g.region_code, ""});
    }
  std::sort(out.begin(), out.end(), [](const ResponsibleUnit& a, const ResponsibleUnit& b) {
    return std::tie(a.region_code, a.kind, a.department) < std::tie(b.region_code, b.kind, b.department);
  });
  return out;
}

OrderSummary OrderService::summary(const User& user, const std::string& region) {
  OrderSummary s;
  for (const auto& o : orders(user, {"", "", false, region})) {
    ++s.total;
    if (o.status == "closed") ++s.closed;
    else if (o.status == "answered") ++s.answered;
    else ++s.open;
    if (o.overdue) ++s.overdue;
    if (o.escalation_level > 0 && o.status != "closed") ++s.escalated;
  }
  s.rectification_rate = s.total ? static_cast<double>(s.closed) / static_cast<double>(s.total) : 0;
  return s;
}

}  // namespace gz::services
