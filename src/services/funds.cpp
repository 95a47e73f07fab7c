#include "services/funds.h"
#include "storage/schema_probe.h"

#include <sodium.h>

#include <cstring>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/error.h"
#include "common/sha256.h"
#include "services/request_text.h"
#include "services/progress.h"
#include "services/projects.h"
#include "storage/sql_identity_store.h"

namespace gz::services {

using storage::ProjectRecord;
using storage::ProjectTx;

namespace {

using json = nlohmann::json;

// Written once for both dialects ("{id}" is the auto-numbered key). The ledger is only ever
// inserted into; balances are sums over it. CHECKs are the last line behind the service's own.
constexpr const char* kTables = R"sql(
CREATE TABLE IF NOT EXISTS fund_sources(
  id {id}, region_code text NOT NULL, kind text NOT NULL, name text NOT NULL,
  amount_fen bigint NOT NULL CHECK (amount_fen > 0), created_by text NOT NULL,
  created_at text NOT NULL);
CREATE INDEX IF NOT EXISTS fund_sources_by_region ON fund_sources(region_code);
CREATE TABLE IF NOT EXISTS fund_disbursements(
  id {id}, project_id bigint NOT NULL REFERENCES projects(id), source_id bigint NOT NULL,
  milestone text NOT NULL, payee text NOT NULL, purpose text NOT NULL,
  amount_fen bigint NOT NULL CHECK (amount_fen > 0), status text NOT NULL,
  requested_by text NOT NULL, requested_at text NOT NULL, decided_by text NOT NULL DEFAULT '',
  decided_at text NOT NULL DEFAULT '', decision_comment text NOT NULL DEFAULT '',
  milestone_id bigint NOT NULL DEFAULT 0, compensation_id bigint NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS fund_disbursements_by_project ON fund_disbursements(project_id);
CREATE TABLE IF NOT EXISTS fund_ledger(
  id {id}, time text NOT NULL, kind text NOT NULL,
  source_id bigint NOT NULL REFERENCES fund_sources(id),
  project_id bigint NOT NULL REFERENCES projects(id),
  amount_fen bigint NOT NULL CHECK (amount_fen > 0), payee text NOT NULL,
  disbursement_id bigint NOT NULL, note text NOT NULL, actor text NOT NULL);
CREATE INDEX IF NOT EXISTS fund_ledger_by_project ON fund_ledger(project_id);
CREATE INDEX IF NOT EXISTS fund_ledger_by_source ON fund_ledger(source_id);
CREATE TABLE IF NOT EXISTS fund_vouchers(
  disbursement_id bigint PRIMARY KEY REFERENCES fund_disbursements(id),
  project_id bigint NOT NULL, content_type text NOT NULL, size bigint NOT NULL,
  sha256 text NOT NULL, data_base64 text NOT NULL, uploaded_by text NOT NULL,
  uploaded_at text NOT NULL);
)sql";

// The ledger refuses UPDATE and DELETE in the database itself, so not even a program bug or a
// hand-typed statement can rewrite where money went (the audit chain shows who tried nothing
// else). Triggers differ by dialect.
constexpr const char* kSqliteLedgerGuards[] = {
    "CREATE TRIGGER IF NOT EXISTS fund_ledger_no_update BEFORE UPDATE ON fund_ledger "
    "BEGIN SELECT RAISE(ABORT, 'fund ledger entries are immutable'); END",
    "CREATE TRIGGER IF NOT EXISTS fund_ledger_no_delete BEFORE DELETE ON fund_ledger "
    "BEGIN SELECT RAISE(ABORT, 'fund ledger entries are immutable'); END"};
constexpr const char* kPostgresLedgerGuards[] = {
    "CREATE OR REPLACE FUNCTION fund_ledger_immutable() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'fund ledger entries are immutable'; END $$",
    "CREATE OR REPLACE TRIGGER fund_ledger_immutable BEFORE UPDATE OR DELETE ON fund_ledger "
    "FOR EACH ROW EXECUTE FUNCTION fund_ledger_immutable()"};

std::string num(std::int64_t v) { return std::to_string(v); }
std::int64_t to_int(const std::string& s) { return s.empty() ? 0 : std::stoll(s); }
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }
std::string yuan(std::int64_t fen) { return format_yuan(fen) + " 元"; }

bool is_admin_or_auditor(const User& u) {
  for (const auto& g : u.grants)
    if (g.role == Role::admin || g.role == Role::auditor) return true;
  return false;
}


void check_amount(std::int64_t fen) {
  if (!valid_amount_fen(fen))
    throw InvalidRequest("invalid_amount", "金额应为 1 至 10^15 分之间的整数（amount_fen）",
                         "amount_fen must be a whole number of fen from 1 to 10^15");
}

// Money may be allocated to and paid out of a project from its approval (立项) on.
bool funded_state(ProjectState s) {
  switch (s) {
    case ProjectState::approved:
    case ProjectState::public_notice:
    case ProjectState::implementation:
    case ProjectState::completed:
    case ProjectState::accepted:
    case ProjectState::evaluated:
    case ProjectState::maintenance:
      return true;
    default:
      return false;
  }
}

void require_funded(const ProjectRecord& p) {
  if (!funded_state(p.state))
    throw RuleError("project_not_approved",
                    "项目处于“" + std::string(chinese_name(p.state)) + "”状态，立项后才能安排和拨付资金",
                    "funds move only for projects approved or later; this one is " +
                        std::string(to_string(p.state)));
}

[[noreturn]] void project_not_found(std::int64_t id) {
  throw NotFoundError("project " + num(id) + " does not exist");
}

constexpr const char* kSourceColumns =
    "s.id, s.region_code, s.kind, s.name, s.amount_fen, s.created_by, s.created_at, "
    "COALESCE((SELECT SUM(l.amount_fen) FROM fund_ledger l WHERE l.source_id = s.id AND "
    "l.kind = 'allocation'), 0)";

FundSource source_of(const storage::SqlSession::Row& r) {
  FundSource s;
  s.id = to_int(r[0]);
  s.region_code = r[1];
  s.kind = parse_fund_source_kind(r[2]);
  s.name = r[3];
  s.amount_fen = to_int(r[4]);
  s.created_by = r[5];
  s.created_at = r[6];
  s.allocated_fen = to_int(r[7]);
  return s;
}

std::optional<FundSource> load_source(ProjectTx& tx, std::int64_t id) {
  auto rows = tx.session().query(
      std::string("SELECT ") + kSourceColumns + " FROM fund_sources s WHERE s.id = $1", {num(id)});
  if (rows.empty()) return std::nullopt;
  return source_of(rows[0]);
}

// Ledger rows with their disbursement's milestone: FROM kLedgerFrom.
constexpr const char* kLedgerColumns =
    "l.id, l.time, l.kind, l.source_id, l.project_id, l.amount_fen, l.payee, l.disbursement_id, "
    "l.note, l.actor, COALESCE(d.milestone_id, 0), COALESCE(d.milestone, ''), "
    "COALESCE(d.compensation_id, 0)";
constexpr const char* kLedgerFrom =
    " FROM fund_ledger l LEFT JOIN fund_disbursements d ON d.id = l.disbursement_id "
    "AND l.disbursement_id <> 0";

LedgerEntry ledger_of(const storage::SqlSession::Row& r) {
  return {to_int(r[0]), r[1], r[2], to_int(r[3]), to_int(r[4]), to_int(r[5]), r[6],
          to_int(r[7]), r[8], r[9], to_int(r[10]), r[11], to_int(r[12])};
}

LedgerEntry insert_ledger(ProjectTx& tx, LedgerEntry e) {
  auto rows = tx.session().query(
      "INSERT INTO fund_ledger(time, kind, source_id, project_id, amount_fen, payee, "
      "disbursement_id, note, actor) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
      {e.time, e.kind, num(e.source_id), num(e.project_id), num(e.amount_fen), e.payee,
       num(e.disbursement_id), e.note, e.actor});
  e.id = to_int(rows.at(0).at(0));
  return e;
}

constexpr const char* kDisbursementColumns =
    "id, project_id, source_id, milestone, payee, purpose, amount_fen, status, requested_by, "
    "requested_at, decided_by, decided_at, decision_comment, milestone_id, compensation_id, "
    "COALESCE((SELECT v.content_type FROM fund_vouchers v WHERE v.disbursement_id = "
    "fund_disbursements.id), ''), "
    "COALESCE((SELECT v.size FROM fund_vouchers v WHERE v.disbursement_id = fund_disbursements.id), 0)";

Disbursement disbursement_of(const storage::SqlSession::Row& r) {
  Disbursement d;
  d.id = to_int(r[0]);
  d.project_id = to_int(r[1]);
  d.source_id = to_int(r[2]);
  d.milestone = r[3];
  d.payee = r[4];
  d.purpose = r[5];
  d.amount_fen = to_int(r[6]);
  d.status = r[7];
  d.requested_by = r[8];
  d.requested_at = r[9];
  d.decided_by = r[10];
  d.decided_at = r[11];
  d.decision_comment = r[12];
  d.milestone_id = to_int(r[13]);
  d.compensation_id = to_int(r[14]);
  d.voucher_type = r[15];
  d.voucher_size = to_int(r[16]);
  return d;
}

// The voucher's checks that need only its bytes: size, not empty, a JPEG, PNG or PDF. Returns its
// sniffed type.
std::string checked_voucher_type(const VoucherUpload& v) {
  if (v.bytes.size() > kMaxVoucherBytes)
    throw InvalidRequest("voucher_too_large", "凭证文件不能超过 10 MB", "a voucher may be at most 10 MiB");
  if (v.bytes.empty()) throw InvalidRequest("empty_voucher", "凭证文件为空", "the voucher is empty");
  auto type = sniff_voucher_type(v.bytes);
  if (type.empty())
    throw InvalidRequest("unsupported_voucher_type", "凭证须为 JPEG、PNG 图片或 PDF 文件",
                         "a voucher must be a JPEG or PNG image or a PDF document");
  return type;
}

// Stores the voucher of disbursement `d` (in the caller's transaction); its description for the
// audit entry.
json store_voucher(ProjectTx& tx, const Disbursement& d, const std::string& type,
                   const VoucherUpload& v, const std::string& actor) {
  auto sha = sha256_hex(v.bytes);
  tx.session().query(
      "INSERT INTO fund_vouchers(disbursement_id, project_id, content_type, size, sha256, "
      "data_base64, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      {num(d.id), num(d.project_id), type, num(static_cast<std::int64_t>(v.bytes.size())), sha,
       to_base64(v.bytes), actor, tx.now()});
  return {{"content_type", type}, {"size", v.bytes.size()}, {"sha256", sha}};
}

// The pool of a project per source, in the order the sources were first allocated to it.
std::vector<SourceBalance> pool(ProjectTx& tx, std::int64_t project_id) {
  std::vector<SourceBalance> out;
  for (auto& r : tx.session().query(
           "SELECT l.source_id, s.name, s.kind, "
           "SUM(CASE WHEN l.kind = 'allocation' THEN l.amount_fen ELSE 0 END), "
           "SUM(CASE WHEN l.kind = 'disbursement' THEN l.amount_fen ELSE 0 END), "
           "MIN(CASE WHEN l.kind = 'allocation' THEN l.id END) "
           "FROM fund_ledger l JOIN fund_sources s ON s.id = l.source_id "
           "WHERE l.project_id = $1 GROUP BY l.source_id, s.name, s.kind "
           "ORDER BY MIN(CASE WHEN l.kind = 'allocation' THEN l.id END)",
           {num(project_id)})) {
    SourceBalance b;
    b.source_id = to_int(r[0]);
    b.source_name = r[1];
    b.kind = parse_fund_source_kind(r[2]);
    b.allocated_fen = to_int(r[3]);
    b.disbursed_fen = to_int(r[4]);
    out.push_back(b);
  }
  return out;
}

std::int64_t available(const std::vector<SourceBalance>& pool, std::int64_t source_id) {
  std::int64_t total = 0;
  for (const auto& b : pool)
    if (source_id == 0 || b.source_id == source_id) total += b.balance_fen();
  return total;
}

[[noreturn]] void insufficient(std::int64_t wanted, std::int64_t have, std::int64_t source_id) {
  std::string what_zh = source_id ? "该资金来源在本项目中的余额" : "项目资金池余额";
  std::string what_en = source_id ? "the project's balance from source " + num(source_id)
                                  : "the project's pool";
  throw RuleError("insufficient_funds",
                  what_zh + "为 " + yuan(have) + "，不足 " + yuan(wanted),
                  what_en + " holds " + format_yuan(have) + " yuan (" + num(have) +
                      " fen), less than " + format_yuan(wanted) + " yuan (" + num(wanted) + " fen)");
}

json money(std::int64_t fen) { return {{"amount_fen", fen}, {"amount_yuan", format_yuan(fen)}}; }

// An approved homestead compensation entry of project `p` (the rights part's ledger) and how much
// of it no request (requested or approved; refused ones free their amount again) pays yet.
struct PayableCompensation {
  std::string household_code;
  std::int64_t unpaid_fen = 0;
};
PayableCompensation payable_compensation(ProjectTx& tx, const ProjectRecord& p, std::int64_t id) {
  auto& s = tx.session();
  if (!storage::has_column(s, "homestead_compensation_decisions", "entry_id"))
    throw NotFoundError("compensation entry " + num(id) + " does not exist (no compensation ledger)");
  auto rows = s.query(
      "SELECT c.household_code, c.amount_fen, COALESCE(d.decision, 'pending') FROM "
      "homestead_compensation c LEFT JOIN homestead_compensation_decisions d ON d.entry_id = c.id "
      "WHERE c.id = $1 AND c.project_id = $2",
      {num(id), num(p.id)});
  if (rows.empty())
    throw NotFoundError("compensation entry " + num(id) + " does not exist in project " + p.code);
  if (rows[0][2] != "approved")
    throw RuleError("compensation_not_approved", "补偿款 " + num(id) + " 尚未批准（" + rows[0][2] + "），不能申请拨付",
                    "compensation entry " + num(id) + " is " + rows[0][2] +
                        ", not approved: it cannot be paid yet");
  auto asked = s.query(
      "SELECT COALESCE(SUM(amount_fen), 0) FROM fund_disbursements WHERE compensation_id = $1 "
      "AND status <> 'refused'",
      {num(id)});
  return {rows[0][0], to_int(rows[0][1]) - to_int(asked.at(0).at(0))};
}

}  // namespace

FundsService::FundsService(storage::ProjectStore& projects, storage::IdentityStore* identity,
                           std::string finance_department)
    : projects_(projects), identity_(identity), finance_department_(std::move(finance_department)) {
  projects_.ensure_tables(kTables);
  // A request names a milestone of the progress part's table, whichever service starts first.
  projects_.ensure_tables(kMilestoneTables);
  projects_.write([](ProjectTx& tx) {
    auto& s = tx.session();
    // Databases from before requests named milestones by id get the column; their requests
    // keep the free-text milestone, with milestone_id 0.
    // Databases from before compensation payments get compensation_id 0 (pays no entry).
    for (const char* column : {"milestone_id", "compensation_id"}) {
      if (!storage::has_column(s, "fund_disbursements", column))
        s.query(std::string("ALTER TABLE fund_disbursements ADD COLUMN ") + column +
                " bigint NOT NULL DEFAULT 0");
    }
    s.query("CREATE INDEX IF NOT EXISTS fund_disbursements_by_compensation ON "
            "fund_disbursements(compensation_id)");
    if (tx.session().postgres())
      for (const char* sql : kPostgresLedgerGuards) tx.session().query(sql);
    else
      for (const char* sql : kSqliteLedgerGuards) tx.session().query(sql);
  });
}

namespace {
bool is_finance(const User& u, const std::string& dept, const std::string& region) {
  for (const auto& g : u.grants)
    if (g.role == Role::co_reviewing_department && g.department == dept &&
        region_contains(g.region_code, region))
      return true;
  return false;
}
bool may_manage_funds(const User& u, const std::string& dept, const std::string& region) {
  return is_finance(u, dept, region) || has_grant_over(u, {Role::lead_department}, region);
}
bool may_see_source(const User& u, const std::string& dept, const FundSource& s) {
  return is_admin_or_auditor(u) || may_manage_funds(u, dept, s.region_code) ||
         has_grant_over(u, {Role::leader_group}, s.region_code);
}
const std::vector<Role>& implementer_roles() {
  static const std::vector<Role> roles{Role::township, Role::village_collective, Role::investor};
  return roles;
}
ProjectRecord visible_project(ProjectTx& tx, const User& user, std::int64_t id) {
  auto p = tx.project(id);
  if (!p || !may_see_project(user, *p)) project_not_found(id);
  return *p;
}
}  // namespace

FundSource FundsService::create_source(const User& user, const NewFundSource& in) {
  FundSourceKind kind;
  try {
    kind = parse_fund_source_kind(in.kind);
  } catch (const UsageError& e) {
    throw InvalidRequest("unknown_kind",
                         "未知的资金来源类型：" + in.kind +
                             "（可选：central, provincial, county, integrated_agricultural, "
                             "social_capital, loan, village_self_raised）",
                         e.what());
  }
  if (kind == FundSourceKind::indicator_revenue)
    throw InvalidRequest("reserved_kind", "指标交易收入由指标交易登记时自动记入，不能手工登记",
                         "indicator_revenue sources are recorded by indicator transfers only");
  std::string name = checked_text(in.name, "name", 1, 200);
  try {
    validate_region_code(in.region_code);
  } catch (const UsageError& e) {
    throw InvalidRequest("invalid_region", "region_code 不是有效的行政区划代码", e.what());
  }
  check_amount(in.amount_fen);
  if (!may_manage_funds(user, finance_department_, in.region_code))
    throw Forbidden("not_funds_manager", "只有该区域的财政部门或牵头部门可以登记资金来源",
                    "only finance (" + finance_department_ +
                        ") or the lead department over the region may record a fund source");
  if (identity_ && identity_->has_regions() && !identity_->find_region(in.region_code))
    throw InvalidRequest("unknown_region", "区域不存在：" + in.region_code,
                         "region " + in.region_code + " is not in the region hierarchy");
  return projects_.write([&](ProjectTx& tx) {
    auto now = tx.now();
    auto rows = tx.session().query(
        "INSERT INTO fund_sources(region_code, kind, name, amount_fen, created_by, created_at) "
        "VALUES($1, $2, $3, $4, $5, $6) RETURNING id",
        {in.region_code, std::string(to_string(kind)), name, num(in.amount_fen), actor_of(user), now});
    auto id = to_int(rows.at(0).at(0));
    json d = {{"region", in.region_code}, {"kind", std::string(to_string(kind))}, {"name", name}};
    d.update(money(in.amount_fen));
    tx.audit({actor_of(user), "funds.source_create", "fund_source:" + num(id), dump(d)});
    return *load_source(tx, id);
  });
}

std::vector<FundSource> FundsService::sources(const User& user, const std::string& region) {
  auto all = projects_.read([&](ProjectTx& tx) {
    std::vector<FundSource> out;
    for (auto& r : tx.session().query(std::string("SELECT ") + kSourceColumns +
                                      " FROM fund_sources s ORDER BY s.id"))
      out.push_back(source_of(r));
    return out;
  });
  std::vector<FundSource> out;
  for (auto& s : all)
    if (may_see_source(user, finance_department_, s) &&
        (region.empty() || region_contains(region, s.region_code)))
      out.push_back(std::move(s));
  return out;
}

FundSource FundsService::source(const User& user, std::int64_t id) {
  auto s = projects_.read([&](ProjectTx& tx) { return load_source(tx, id); });
  if (!s || !may_see_source(user, finance_department_, *s))
    throw NotFoundError("fund source " + num(id) + " does not exist");
  return *s;
}

std::vector<LedgerEntry> FundsService::source_allocations(const User& user, std::int64_t id) {
  return projects_.read([&](ProjectTx& tx) {
    auto s = load_source(tx, id);
    if (!s || !may_see_source(user, finance_department_, *s))
      throw NotFoundError("fund source " + num(id) + " does not exist");
    std::vector<LedgerEntry> out;
    for (auto& r : tx.session().query(std::string("SELECT ") + kLedgerColumns + kLedgerFrom +
                                          " WHERE l.source_id = $1 AND "
                                          "l.kind = 'allocation' ORDER BY l.id",
                                      {num(id)}))
      out.push_back(ledger_of(r));
    return out;
  });
}

LedgerEntry FundsService::allocate(const User& user, std::int64_t project_id,
                                   std::int64_t source_id, std::int64_t amount_fen,
                                   const std::string& note_text) {
  check_amount(amount_fen);
  std::string note = checked_text(note_text, "note", 0, 2000);
  return projects_.write([&](ProjectTx& tx) {
    auto p = visible_project(tx, user, project_id);
    if (!may_manage_funds(user, finance_department_, p.region_code))
      throw Forbidden("not_funds_manager", "只有财政部门或牵头部门可以向项目安排资金",
                      "only finance (" + finance_department_ +
                          ") or the lead department may allocate funds to this project");
    auto s = source_id > 0 ? load_source(tx, source_id) : std::nullopt;
    if (!s || !may_see_source(user, finance_department_, *s))
      throw NotFoundError("fund source " + num(source_id) + " does not exist");
    require_funded(p);
    if (!region_contains(s->region_code, p.region_code) &&
        !region_contains(p.region_code, s->region_code))
      throw RuleError("outside_source_region", "项目不在该资金来源的区域内",
                      "project " + p.code + " (" + p.region_code + ") lies outside the region " +
                          s->region_code + " of fund source " + num(s->id));
    if (amount_fen > s->unallocated_fen())
      throw RuleError("insufficient_source_funds",
                      "资金来源“" + s->name + "”尚未安排的余额为 " + yuan(s->unallocated_fen()) +
                          "，不足 " + yuan(amount_fen),
                      "fund source " + num(s->id) + " has " + format_yuan(s->unallocated_fen()) +
                          " yuan (" + num(s->unallocated_fen()) + " fen) unallocated, less than " +
                          format_yuan(amount_fen) + " yuan (" + num(amount_fen) + " fen)");
    auto e = insert_ledger(tx, {0, tx.now(), "allocation", s->id, p.id, amount_fen, "", 0, note,
                                actor_of(user)});
    json d = {{"ledger_entry", e.id}, {"source", s->id}, {"project", p.code}};
    d.update(money(amount_fen));
    if (!note.empty()) d["note"] = note;
    tx.audit({actor_of(user), "funds.allocate", "project:" + p.code, dump(d)});
    json ev = {{"code", p.code}, {"name", p.name}, {"source", s->id}, {"source_name", s->name}};
    ev.update(money(amount_fen));
    tx.insert_event({0, "", "funds.allocated", p.id, p.region_code, "", dump(ev)});
    return e;
  });
}

Disbursement FundsService::request_disbursement(const User& user, std::int64_t project_id,
                                                const DisbursementInput& in) {
  Disbursement d;
  if (in.milestone_id <= 0)
    throw InvalidRequest("missing_milestone", "须指明本项目的进度节点 milestone_id",
                         "name the project milestone the payment is for (milestone_id)");
  if (in.compensation_id < 0)
    throw InvalidRequest("invalid_compensation", "compensation_id 应为正整数",
                         "compensation_id must be a positive id");
  d.compensation_id = in.compensation_id;
  d.payee = checked_text(in.payee, "payee", d.compensation_id ? 0 : 1, 200);
  d.purpose = checked_text(in.purpose, "purpose", 0, 2000);
  check_amount(in.amount_fen);
  if (in.source_id < 0)
    throw InvalidRequest("invalid_source", "source_id 应为正整数", "source_id must be a positive id");
  d.amount_fen = in.amount_fen;
  d.source_id = in.source_id;
  return projects_.write([&](ProjectTx& tx) {
    auto p = visible_project(tx, user, project_id);
    if (!has_grant_over(user, implementer_roles(), p.region_code))
      throw Forbidden("not_an_implementer", "只有项目的实施主体（乡镇、村集体、社会资本）可以申请拨付",
                      "only the implementer (township, village collective or investor over the "
                      "project's region) may request a disbursement");
    auto milestone = tx.session().query(
        "SELECT name FROM progress_milestones WHERE id = CAST($1 AS bigint) AND "
        "project_id = CAST($2 AS bigint)",
        {num(in.milestone_id), num(p.id)});
    if (milestone.empty())
      throw InvalidRequest("unknown_milestone",
                           "进度节点 " + num(in.milestone_id) + " 不是本项目的进度节点",
                           "milestone " + num(in.milestone_id) + " is not a milestone of project " + p.code);
    d.milestone_id = in.milestone_id;
    d.milestone = milestone[0][0];
    if (d.compensation_id) {
      auto entry = payable_compensation(tx, p, d.compensation_id);
      if (d.amount_fen > entry.unpaid_fen)
        throw RuleError("compensation_overpaid",
                        "补偿款 " + num(d.compensation_id) + " 尚未申请拨付的金额为 " +
                            yuan(entry.unpaid_fen) + "，不足 " + yuan(d.amount_fen),
                        "compensation entry " + num(d.compensation_id) + " has " +
                            format_yuan(entry.unpaid_fen) + " yuan (" + num(entry.unpaid_fen) +
                            " fen) not yet requested, less than " + format_yuan(d.amount_fen) +
                            " yuan");
      if (d.payee.empty()) d.payee = "宅基地退出户 " + entry.household_code;
    }
    require_funded(p);
    auto balances = pool(tx, p.id);
    if (d.source_id &&
        std::none_of(balances.begin(), balances.end(),
                     [&](const SourceBalance& b) { return b.source_id == d.source_id; }))
      throw RuleError("source_not_in_pool", "该资金来源没有向本项目安排资金",
                      "fund source " + num(d.source_id) + " has allocated nothing to this project");
    auto have = available(balances, d.source_id);
    if (d.amount_fen > have) insufficient(d.amount_fen, have, d.source_id);
    d.project_id = p.id;
    d.project_code = p.code;
    d.status = "requested";
    d.requested_by = actor_of(user);
    d.requested_at = tx.now();
    auto rows = tx.session().query(
        "INSERT INTO fund_disbursements(project_id, source_id, milestone, payee, purpose, "
        "amount_fen, status, requested_by, requested_at, milestone_id, compensation_id) "
        "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        {num(d.project_id), num(d.source_id), d.milestone, d.payee, d.purpose, num(d.amount_fen),
         d.status, d.requested_by, d.requested_at, num(d.milestone_id), num(d.compensation_id)});
    d.id = to_int(rows.at(0).at(0));
    json a = {{"disbursement", d.id}, {"milestone", d.milestone}, {"milestone_id", d.milestone_id},
              {"payee", d.payee}, {"source", d.source_id}};
    a.update(money(d.amount_fen));
    if (!d.purpose.empty()) a["purpose"] = d.purpose;
    if (d.compensation_id) a["compensation"] = d.compensation_id;
    tx.audit({actor_of(user), "funds.disbursement_request", "project:" + p.code, dump(a)});
    json ev = {{"code", p.code}, {"name", p.name}, {"disbursement", d.id},
               {"milestone", d.milestone}, {"payee", d.payee}};
    ev.update(money(d.amount_fen));
    tx.insert_event({0, "", "disbursement.requested", p.id, p.region_code, finance_department_,
                     dump(ev)});
    return d;
  });
}

Disbursement FundsService::decide(const User& user, std::int64_t project_id,
                                  std::int64_t disbursement_id, bool approve,
                                  const std::string& comment_text, const VoucherUpload* voucher) {
  std::string comment = checked_text(comment_text, "comment", 0, 2000);
  return projects_.write([&](ProjectTx& tx) {
    auto p = visible_project(tx, user, project_id);
    auto rows = tx.session().query(std::string("SELECT ") + kDisbursementColumns +
                                       " FROM fund_disbursements WHERE id = $1 AND project_id = $2",
                                   {num(disbursement_id), num(p.id)});
    if (rows.empty())
      throw NotFoundError("disbursement " + num(disbursement_id) + " does not exist");
    auto d = disbursement_of(rows[0]);
    d.project_code = p.code;
    if (!is_finance(user, finance_department_, p.region_code))
      throw Forbidden("not_finance", "只有项目所在区域的财政部门可以审批拨付",
                      "only finance (" + finance_department_ +
                          ") over the project's region may decide a disbursement");
    if (d.requested_by == actor_of(user))
      throw Forbidden("own_request", "不能审批自己提出的拨付申请",
                      "you may not decide a disbursement you requested yourself");
    // Money moves, or is refused, with a written opinion; asked only of whoever may decide.
    if (comment.find_first_not_of(" \t\n") == std::string::npos) {
      if (approve)
        throw InvalidRequest("opinion_required", "批准拨付须填写审核意见", "approving a payment needs an opinion");
      throw InvalidRequest("comment_required", "不予拨付须说明理由",
                           "refusing a disbursement needs a comment giving the reasons");
    }
    std::string voucher_type;
    if (voucher) {
      if (!approve)
        throw InvalidRequest("voucher_on_refusal", "凭证只随批准拨付上传", "a voucher comes with an approval only");
      voucher_type = checked_voucher_type(*voucher);
    }
    if (d.status != "requested")
      throw RuleError("already_decided",
                      "该拨付申请已" + std::string(d.status == "approved" ? "批准" : "不予拨付"),
                      "the disbursement request has already been " + d.status);
    std::vector<LedgerEntry> entries;
    if (approve) {
      auto balances = pool(tx, p.id);
      auto have = available(balances, d.source_id);
      if (d.amount_fen > have) insufficient(d.amount_fen, have, d.source_id);
      std::int64_t left = d.amount_fen;
      for (const auto& b : balances) {
        if (left == 0) break;
        if (d.source_id && b.source_id != d.source_id) continue;
        std::int64_t take = std::min(left, b.balance_fen());
        if (take <= 0) continue;
        entries.push_back(insert_ledger(tx, {0, tx.now(), "disbursement", b.source_id, p.id, take,
                                             d.payee, d.id, d.milestone, actor_of(user)}));
        left -= take;
      }
      if (left != 0)  // cannot happen after the check above; never half-apply a payment
        throw StorageError("disbursement " + num(d.id) + " could not be covered by the pool");
    }
    d.status = approve ? "approved" : "refused";
    d.decided_by = actor_of(user);
    d.decided_at = tx.now();
    d.decision_comment = comment;
    auto updated = tx.session().query(
        "UPDATE fund_disbursements SET status = $2, decided_by = $3, decided_at = $4, "
        "decision_comment = $5 WHERE id = $1 AND status = 'requested' RETURNING id",
        {num(d.id), d.status, d.decided_by, d.decided_at, d.decision_comment});
    if (updated.empty())
      throw RuleError("already_decided", "该拨付申请已被处理", "the disbursement request was already decided");
    json a = {{"disbursement", d.id}, {"decision", d.status}, {"payee", d.payee},
              {"milestone", d.milestone}};
    a.update(money(d.amount_fen));
    if (!comment.empty()) a["comment"] = comment;
    if (voucher) {
      a["voucher"] = store_voucher(tx, d, voucher_type, *voucher, actor_of(user));
      d.voucher_type = voucher_type;
      d.voucher_size = static_cast<std::int64_t>(voucher->bytes.size());
    }
    json parts = json::array();
    for (const auto& e : entries)
      parts.push_back({{"ledger_entry", e.id}, {"source", e.source_id}, {"amount_fen", e.amount_fen}});
    if (approve) a["ledger"] = parts;
    tx.audit({actor_of(user), approve ? "funds.disbursement_approve" : "funds.disbursement_refuse",
              "project:" + p.code, dump(a)});
    json ev = {{"code", p.code}, {"name", p.name}, {"disbursement", d.id},
               {"milestone", d.milestone}, {"payee", d.payee}};
    ev.update(money(d.amount_fen));
    tx.insert_event({0, "", approve ? "disbursement.approved" : "disbursement.refused", p.id,
                     p.region_code, "", dump(ev)});
    return d;
  });
}

namespace {
// The disbursement `id` of project `p` (NotFoundError when it is not one of its).
Disbursement load_disbursement(ProjectTx& tx, const ProjectRecord& p, std::int64_t id) {
  auto rows = tx.session().query(std::string("SELECT ") + kDisbursementColumns +
                                     " FROM fund_disbursements WHERE id = $1 AND project_id = $2",
                                 {num(id), num(p.id)});
  if (rows.empty()) throw NotFoundError("disbursement " + num(id) + " does not exist");
  auto d = disbursement_of(rows[0]);
  d.project_code = p.code;
  return d;
}
}  // namespace

std::string sniff_voucher_type(const std::string& b) {
  auto at = [&](std::size_t i) { return static_cast<unsigned char>(b[i]); };
  if (b.size() >= 3 && at(0) == 0xFF && at(1) == 0xD8 && at(2) == 0xFF) return "image/jpeg";
  static const unsigned char png[] = {0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A};
  if (b.size() >= 8 && std::equal(png, png + 8, reinterpret_cast<const unsigned char*>(b.data())))
    return "image/png";
  if (b.rfind("%PDF-", 0) == 0) return "application/pdf";
  return "";
}

void FundsService::check_voucher_upload(const User& user, std::int64_t project_id,
                                        std::int64_t disbursement_id) {
  projects_.read([&](ProjectTx& tx) {
    auto p = visible_project(tx, user, project_id);
    load_disbursement(tx, p, disbursement_id);
    if (!is_finance(user, finance_department_, p.region_code))
      throw Forbidden("not_finance", "只有项目所在区域的财政部门可以审批拨付或上传凭证",
                      "only finance (" + finance_department_ +
                          ") over the project's region may decide a disbursement or attach its voucher");
  });
}

Disbursement FundsService::attach_voucher(const User& user, std::int64_t project_id,
                                          std::int64_t disbursement_id, const VoucherUpload& voucher) {
  return projects_.write([&](ProjectTx& tx) {
    auto p = visible_project(tx, user, project_id);
    auto d = load_disbursement(tx, p, disbursement_id);
    if (!is_finance(user, finance_department_, p.region_code))
      throw Forbidden("not_finance", "只有项目所在区域的财政部门可以上传拨付凭证",
                      "only finance (" + finance_department_ +
                          ") over the project's region may attach a payment's voucher");
    auto type = checked_voucher_type(voucher);
    if (!d.voucher_type.empty())
      throw RuleError("voucher_exists", "该笔拨付已有凭证，不能重复上传",
                      "the payment already has a voucher");
    if (d.status != "approved")
      throw RuleError("not_approved", "凭证随批准上传；该拨付申请尚未批准",
                      "a voucher is attached to an approved payment; this one is " + d.status);
    json a = {{"disbursement", d.id}, {"voucher", store_voucher(tx, d, type, voucher, actor_of(user))}};
    tx.audit({actor_of(user), "funds.voucher_attach", "project:" + p.code, dump(a)});
    d.voucher_type = type;
    d.voucher_size = static_cast<std::int64_t>(voucher.bytes.size());
    return d;
  });
}

Voucher FundsService::voucher(const User& user, std::int64_t project_id, std::int64_t disbursement_id) {
  return projects_.read([&](ProjectTx& tx) {
    auto p = visible_project(tx, user, project_id);
    load_disbursement(tx, p, disbursement_id);
    auto rows = tx.session().query(
        "SELECT content_type, size, sha256, uploaded_by, uploaded_at, data_base64 FROM fund_vouchers "
        "WHERE disbursement_id = $1",
        {num(disbursement_id)});
    if (rows.empty()) throw NotFoundError("disbursement " + num(disbursement_id) + " has no voucher");
    Voucher v;
    v.disbursement_id = disbursement_id;
    v.content_type = rows[0][0];
    v.size = to_int(rows[0][1]);
    v.sha256 = rows[0][2];
    v.uploaded_by = rows[0][3];
    v.uploaded_at = rows[0][4];
    v.bytes = from_base64(rows[0][5], "voucher");
    return v;
  });
}

std::vector<Disbursement> FundsService::disbursements(const User& user, std::int64_t project_id) {
  return projects_.read([&](ProjectTx& tx) {
    auto p = visible_project(tx, user, project_id);
    std::vector<Disbursement> out;
    for (auto& r : tx.session().query(std::string("SELECT ") + kDisbursementColumns +
                                          " FROM fund_disbursements WHERE project_id = $1 ORDER BY id",
                                      {num(p.id)})) {
      out.push_back(disbursement_of(r));
      out.back().project_code = p.code;
    }
    return out;
  });
}

std::vector<Disbursement> FundsService::all_disbursements(const User& user,
                                                          const std::string& status) {
  if (!status.empty() && status != "requested" && status != "approved" && status != "refused")
    throw InvalidRequest("unknown_status", "未知的拨付状态：" + status + "（可选：requested、approved、refused）",
                         "status must be requested, approved or refused");
  return projects_.read([&](ProjectTx& tx) {
    std::map<std::int64_t, ProjectRecord> visible;
    for (auto& p : tx.projects(std::nullopt))
      if (may_see_project(user, p)) visible.emplace(p.id, std::move(p));
    std::vector<Disbursement> out;
    std::string sql = std::string("SELECT ") + kDisbursementColumns + " FROM fund_disbursements";
    std::vector<std::string> params;
    if (!status.empty()) {
      sql += " WHERE status = $1";
      params.push_back(status);
    }
    for (auto& r : tx.session().query(sql + " ORDER BY id", params)) {
      auto d = disbursement_of(r);
      auto it = visible.find(d.project_id);
      if (it == visible.end()) continue;
      d.project_code = it->second.code;
      out.push_back(std::move(d));
    }
    return out;
  });
}

ProjectFunds FundsService::project_funds(const User& user, std::int64_t project_id) {
  return projects_.read([&](ProjectTx& tx) {
    auto p = visible_project(tx, user, project_id);
    ProjectFunds f;
    f.project_id = p.id;
    f.project_code = p.code;
    f.sources = pool(tx, p.id);
    for (const auto& b : f.sources) {
      f.allocated_fen += b.allocated_fen;
      f.disbursed_fen += b.disbursed_fen;
    }
    auto rows = tx.session().query(
        "SELECT COALESCE(SUM(amount_fen), 0) FROM fund_disbursements WHERE project_id = $1 AND "
        "status = 'requested'",
        {num(p.id)});
    f.pending_fen = rows.empty() ? 0 : to_int(rows[0][0]);
    return f;
  });
}

std::vector<LedgerEntry> FundsService::project_ledger(const User& user, std::int64_t project_id) {
  return projects_.read([&](ProjectTx& tx) {
    auto p = visible_project(tx, user, project_id);
    std::vector<LedgerEntry> out;
    for (auto& r : tx.session().query(std::string("SELECT ") + kLedgerColumns + kLedgerFrom +
                                          " WHERE l.project_id = $1 ORDER BY l.id",
                                      {num(p.id)}))
      out.push_back(ledger_of(r));
    return out;
  });
}

}  // namespace gz::services
