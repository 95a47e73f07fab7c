#include "services/benefit_sharing.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "domain/funds.h"
#include "services/request_text.h"
#include "storage/schema_probe.h"

namespace gz::services {

using json = nlohmann::json;
using storage::ProjectRecord;
using storage::ProjectTx;

namespace {

constexpr const char* kTables = R"sql(
CREATE TABLE IF NOT EXISTS benefit_plans(
  id {id}, project_id bigint NOT NULL REFERENCES projects(id), village_code text NOT NULL,
  title text NOT NULL, revenue_kind text NOT NULL, household_basis text NOT NULL,
  source_id bigint NOT NULL, amount_fen bigint NOT NULL CHECK (amount_fen > 0),
  county_bp bigint NOT NULL, village_bp bigint NOT NULL, households_bp bigint NOT NULL,
  county_fen bigint NOT NULL CHECK (county_fen >= 0),
  village_fen bigint NOT NULL CHECK (village_fen >= 0),
  households_fen bigint NOT NULL CHECK (households_fen >= 0),
  status text NOT NULL, vote_id bigint NOT NULL DEFAULT 0,
  created_by text NOT NULL, created_at text NOT NULL,
  payment_requested_by text NOT NULL DEFAULT '', payment_requested_at text NOT NULL DEFAULT '',
  decided_by text NOT NULL DEFAULT '', decided_at text NOT NULL DEFAULT '',
  decision_comment text NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS benefit_plans_by_project ON benefit_plans(project_id);
CREATE TABLE IF NOT EXISTS benefit_plan_households(
  plan_id bigint NOT NULL REFERENCES benefit_plans(id), household_code text NOT NULL,
  weight bigint NOT NULL CHECK (weight > 0), share_fen bigint NOT NULL CHECK (share_fen >= 0),
  got_remainder bigint NOT NULL, PRIMARY KEY(plan_id, household_code));
CREATE TABLE IF NOT EXISTS benefit_plan_notices(
  plan_id bigint PRIMARY KEY REFERENCES benefit_plans(id), notice_id bigint NOT NULL,
  starts text NOT NULL, ends text NOT NULL, published_by text NOT NULL);
CREATE TABLE IF NOT EXISTS benefit_plan_objections(
  id {id}, plan_id bigint NOT NULL REFERENCES benefit_plans(id), author text NOT NULL,
  reason text NOT NULL, created_at text NOT NULL, answer text NOT NULL DEFAULT '',
  answered_by text NOT NULL DEFAULT '', answered_at text NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS benefit_plan_objections_by_plan ON benefit_plan_objections(plan_id);
)sql";

std::string num(std::int64_t v) { return std::to_string(v); }
std::int64_t to_int(const std::string& s) { return s.empty() ? 0 : std::stoll(s); }
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }
std::string yuan(std::int64_t fen) { return format_yuan(fen) + " 元"; }

const std::vector<Role>& planners() {
  static const std::vector<Role> r{Role::township, Role::village_collective};
  return r;
}

bool is_official_reader(const User& u, const std::string& region) {
  for (const auto& g : u.grants)
    if (g.role == Role::admin || g.role == Role::auditor) return true;
  return has_grant_over(u, {Role::leader_group, Role::lead_department, Role::co_reviewing_department,
                            Role::township, Role::village_collective},
                        region);
}

constexpr const char* kPlanColumns =
    "b.id, b.project_id, p.code, p.name, b.village_code, b.title, b.revenue_kind, "
    "b.household_basis, b.source_id, b.amount_fen, b.county_bp, b.village_bp, b.households_bp, "
    "b.county_fen, b.village_fen, b.households_fen, b.status, b.vote_id, b.created_by, "
    "b.created_at, b.payment_requested_by, b.payment_requested_at, b.decided_by, b.decided_at, "
    "b.decision_comment, COALESCE(v.status, ''), COALESCE(v.passed, 0), "
    "(SELECT COALESCE(SUM(h.weight), 0) FROM benefit_plan_households h WHERE h.plan_id = b.id), "
    "(SELECT COUNT(*) FROM benefit_plan_households h WHERE h.plan_id = b.id), "
    "COALESCE(n.notice_id, 0), COALESCE(n.starts, ''), COALESCE(n.ends, ''), "
    "(SELECT COUNT(*) FROM benefit_plan_objections o WHERE o.plan_id = b.id), "
    "(SELECT COUNT(*) FROM benefit_plan_objections o WHERE o.plan_id = b.id AND o.answered_at = '')";
constexpr int kPlanColumnCount = 34;
constexpr const char* kPlanFrom =
    " FROM benefit_plans b JOIN projects p ON p.id = b.project_id LEFT JOIN assembly_votes v ON "
    "v.id = b.vote_id AND b.vote_id <> 0 LEFT JOIN benefit_plan_notices n ON n.plan_id = b.id";

// `now`: ISO 8601 UTC as iso_utc writes it (so that the strings order as the times).
DistributionPlan plan_of(const storage::SqlSession::Row& r, const std::string& now) {
  DistributionPlan d;
  d.id = to_int(r[0]);
  d.project_id = to_int(r[1]);
  d.project_code = r[2];
  d.project_name = r[3];
  d.village_code = r[4];
  d.title = r[5];
  d.revenue_kind = r[6];
  d.household_basis = r[7];
  d.source_id = to_int(r[8]);
  d.amount_fen = to_int(r[9]);
  d.county_bp = to_int(r[10]);
  d.village_bp = to_int(r[11]);
  d.households_bp = to_int(r[12]);
  d.county_fen = to_int(r[13]);
  d.village_fen = to_int(r[14]);
  d.households_fen = to_int(r[15]);
  d.status = r[16];
  d.vote_id = to_int(r[17]);
  d.created_by = r[18];
  d.created_at = r[19];
  d.payment_requested_by = r[20];
  d.payment_requested_at = r[21];
  d.decided_by = r[22];
  d.decided_at = r[23];
  d.decision_comment = r[24];
  if (d.vote_id == 0)
    d.vote_status = "none";
  else if (r[25] == "open")
    d.vote_status = "open";
  else
    d.vote_status = to_int(r[26]) ? "passed" : "failed";
  d.total_weight = to_int(r[27]);
  d.household_count = to_int(r[28]);
  d.notice_id = to_int(r[29]);
  d.notice_starts = r[30];
  d.notice_ends = r[31];
  d.notice_state = d.notice_id == 0 ? "none" : now < d.notice_ends ? "running" : "over";
  d.objections = to_int(r[32]);
  d.unanswered_objections = to_int(r[33]);
  return d;
}

std::set<std::string> own_households(ProjectTx& tx, const User& user) {
  std::set<std::string> out;
  for (auto& r : tx.session().query("SELECT household_code FROM household_members WHERE username = $1",
                                    {user.username}))
    out.insert(r[0]);
  return out;
}

void fill_households(ProjectTx& tx, const User& user, const ProjectRecord& p, DistributionPlan& d) {
  bool all = is_official_reader(user, p.region_code);
  auto mine = all ? std::set<std::string>{} : own_households(tx, user);
  for (auto& r : tx.session().query(
           "SELECT household_code, weight, share_fen, got_remainder FROM benefit_plan_households "
           "WHERE plan_id = $1 ORDER BY household_code",
           {num(d.id)})) {
    if (!all && !mine.count(r[0])) continue;
    d.households.push_back({r[0], to_int(r[1]), to_int(r[2]), to_int(r[3]) != 0, d.status == "paid"});
  }
}

// The balance of `source_id` in project `project_id`'s pool (the funds ledger).
std::int64_t source_balance(ProjectTx& tx, std::int64_t project_id, std::int64_t source_id) {
  auto rows = tx.session().query(
      "SELECT COALESCE(SUM(CASE WHEN kind = 'allocation' THEN amount_fen ELSE 0 END), 0) - "
      "COALESCE(SUM(CASE WHEN kind = 'disbursement' THEN amount_fen ELSE 0 END), 0), COUNT(*) "
      "FROM fund_ledger WHERE project_id = $1 AND source_id = $2",
      {num(project_id), num(source_id)});
  if (rows.empty() || to_int(rows[0][1]) == 0)
    throw RuleError("source_not_in_pool", "资金来源 " + num(source_id) + " 没有向本项目安排资金",
                    "fund source " + num(source_id) + " has allocated nothing to this project");
  return to_int(rows[0][0]);
}

std::int64_t weight_units(const std::string& code, double w) {
  double scaled = w * 100.0;
  if (!std::isfinite(w) || w <= 0 || w > 1e10 || std::fabs(scaled - std::llround(scaled)) > 1e-6)
    throw InvalidRequest("invalid_weight",
                         "农户 " + code + " 的分配依据应为大于 0、至多两位小数、不超过 10^10 的数",
                         "the weight of household " + code +
                             " must be above 0, at most 10^10, with at most two decimals");
  return std::llround(scaled);
}

}  // namespace

BenefitSharingService::BenefitSharingService(storage::ProjectStore& store, ProjectService& projects,
                                             FundsService& funds, ParticipationService& participation,
                                             Clock clock)
    : store_(store), projects_(projects), funds_(funds), participation_(participation),
      clock_(std::move(clock)) {
  store_.ensure_tables(kTables);
  // The household links of the rights part, whichever service starts first.
  store_.ensure_tables(
      "CREATE TABLE IF NOT EXISTS household_members(id {id}, household_code text NOT NULL, "
      "username text NOT NULL, region_code text NOT NULL, added_by text NOT NULL, added_at text "
      "NOT NULL, UNIQUE(household_code, username));");
}

DistributionPlan BenefitSharingService::create_plan(const User& user, std::int64_t project_id,
                                                    const NewDistributionPlan& in) {
  static const std::set<std::string> kinds{"indicator_transfer", "land_rent", "collective_operating"};
  static const std::set<std::string> bases{"contracted_area", "homestead_area", "person"};
  if (!kinds.count(in.revenue_kind))
    throw InvalidRequest("unknown_revenue_kind",
                         "未知的收益类型：" + in.revenue_kind + "（可选：indicator_transfer、land_rent、collective_operating）",
                         "revenue_kind must be indicator_transfer, land_rent or collective_operating");
  if (!bases.count(in.household_basis))
    throw InvalidRequest("unknown_basis",
                         "未知的农户分配依据：" + in.household_basis + "（可选：contracted_area、homestead_area、person）",
                         "household_basis must be contracted_area, homestead_area or person");
  std::string title = checked_text(in.title, "title", 1, 200);
  if (!valid_amount_fen(in.amount_fen))
    throw InvalidRequest("invalid_amount", "金额 amount_fen 应为 1 至 10^15 分之间的整数",
                         "amount_fen must be a whole number of fen from 1 to 10^15");
  try {
    validate_region_code(in.village_code);
  } catch (const UsageError& e) {
    throw InvalidRequest("invalid_region", "village_code 不是有效的行政区划代码", e.what());
  }
  if (in.village_code.size() != 12)
    throw InvalidRequest("not_a_village", "village_code 应为 12 位村级代码", "village_code must be a 12-digit village code");
  auto split = split_three_ways(in.amount_fen, in.county_bp, in.village_bp, in.households_bp);
  if (in.households.size() > 20000)
    throw InvalidRequest("too_many_households", "一个方案至多 20000 户", "at most 20000 households per plan");
  std::vector<WeightedShare> weighted;
  std::set<std::string> codes;
  for (const auto& h : in.households) {
    auto code = checked_text(h.code, "households.code", 1, 64);
    if (!codes.insert(code).second)
      throw InvalidRequest("duplicate_household", "农户 " + code + " 重复出现", "household " + code + " is listed twice");
    weighted.push_back({code, weight_units(code, h.weight), 0, false});
  }
  if (split.households_fen > 0 && weighted.empty())
    throw InvalidRequest("no_households", "农户分配比例大于零，但方案中没有农户",
                         "the plan gives the households a share but lists none");
  auto shares = split_by_weight(split.households_fen, weighted);
  return store_.write([&](ProjectTx& tx) {
    auto p = tx.project(project_id);
    if (!p || !projects_.may_read(tx, user, *p))
      throw NotFoundError("project " + num(project_id) + " does not exist");
    if (!has_grant_over(user, planners(), p->region_code))
      throw Forbidden("not_a_planner", "只有项目所在区域的乡镇或村集体可以制定收益分配方案",
                      "only the township or the village collective over the project's region makes a "
                      "distribution plan");
    if (!region_contains(p->region_code, in.village_code) && !region_contains(in.village_code, p->region_code))
      throw InvalidRequest("village_outside_project", "村 " + in.village_code + " 不在项目 " + p->code + " 的范围内",
                           "village " + in.village_code + " is not in project " + p->code);
    // A household of the project: in its rights plan (权属调整), in its compensation ledger, or
    // linked to a villager account inside its region.
    std::set<std::string> known;
    auto& session = tx.session();
    if (storage::has_column(session, "realloc_households", "household_code"))
      for (auto& r : session.query("SELECT DISTINCT household_code FROM realloc_households WHERE project_id = $1",
                                   {num(p->id)}))
        known.insert(r[0]);
    if (storage::has_column(session, "homestead_compensation", "household_code"))
      for (auto& r : session.query("SELECT DISTINCT household_code FROM homestead_compensation WHERE project_id = $1",
                                   {num(p->id)}))
        known.insert(r[0]);
    for (auto& r : session.query("SELECT household_code, region_code FROM household_members"))
      if (region_contains(p->region_code, r[1])) known.insert(r[0]);
    for (const auto& s : shares) {
      if (!known.count(s.household_code))
        throw InvalidRequest("household_outside_project",
                             "农户 " + s.household_code + " 不属于项目 " + p->code + " 所在区域",
                             "household " + s.household_code + " does not belong to project " + p->code);
    }
    auto have = source_balance(tx, p->id, in.source_id);
    if (in.amount_fen > have)
      throw RuleError("insufficient_funds",
                      "资金来源 " + num(in.source_id) + " 在本项目中的余额为 " + yuan(have) + "，不足分配 " + yuan(in.amount_fen),
                      "fund source " + num(in.source_id) + " holds " + format_yuan(have) +
                          " yuan in this project, less than the " + format_yuan(in.amount_fen) + " yuan to distribute");
    auto now = tx.now();
    auto rows = tx.session().query(
        "INSERT INTO benefit_plans(project_id, village_code, title, revenue_kind, household_basis, "
        "source_id, amount_fen, county_bp, village_bp, households_bp, county_fen, village_fen, "
        "households_fen, status, created_by, created_at) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, "
        "$10, $11, $12, $13, 'draft', $14, $15) RETURNING id",
        {num(p->id), in.village_code, title, in.revenue_kind, in.household_basis, num(in.source_id),
         num(in.amount_fen), num(in.county_bp), num(in.village_bp), num(in.households_bp),
         num(split.county_fen), num(split.village_fen), num(split.households_fen), actor_of(user), now});
    auto id = to_int(rows.at(0).at(0));
    for (const auto& s : shares)
      tx.session().query(
          "INSERT INTO benefit_plan_households(plan_id, household_code, weight, share_fen, "
          "got_remainder) VALUES($1, $2, $3, $4, $5)",
          {num(id), s.household_code, num(s.weight), num(s.share_fen), s.got_remainder_fen ? "1" : "0"});
    tx.audit({actor_of(user), "benefit.plan_create", "benefit_plan:" + num(id),
              dump({{"project", p->code}, {"village", in.village_code}, {"title", title},
                    {"revenue_kind", in.revenue_kind}, {"source", in.source_id},
                    {"amount_fen", in.amount_fen}, {"county_bp", in.county_bp},
                    {"village_bp", in.village_bp}, {"households_bp", in.households_bp},
                    {"county_fen", split.county_fen}, {"village_fen", split.village_fen},
                    {"households_fen", split.households_fen}, {"households", shares.size()},
                    {"basis", in.household_basis}})});
    tx.insert_event({0, "", "benefit.plan_created", p->id, p->region_code, "",
                     dump({{"code", p->code}, {"plan", id}, {"title", title}})});
    auto plan_rows = tx.session().query(std::string("SELECT ") + kPlanColumns + kPlanFrom + " WHERE b.id = $1", {num(id)});
    auto d = plan_of(plan_rows.at(0), iso_utc(clock_()));
    fill_households(tx, user, *p, d);
    return d;
  });
}

std::vector<DistributionPlan> BenefitSharingService::plans(const User& user, std::int64_t project_id) {
  return store_.read([&](ProjectTx& tx) {
    std::vector<DistributionPlan> out;
    std::string sql = std::string("SELECT ") + kPlanColumns + kPlanFrom;
    std::vector<std::string> params;
    if (project_id) {
      auto p = tx.project(project_id);
      if (!p || !projects_.may_read(tx, user, *p))
        throw NotFoundError("project " + num(project_id) + " does not exist");
      sql += " WHERE b.project_id = $1";
      params.push_back(num(project_id));
    }
    std::map<std::int64_t, std::optional<ProjectRecord>> seen;
    const auto now = iso_utc(clock_());
    for (auto& r : tx.session().query(sql + " ORDER BY b.id", params)) {
      auto d = plan_of(r, now);
      auto it = seen.find(d.project_id);
      if (it == seen.end()) {
        auto p = tx.project(d.project_id);
        if (p && !projects_.may_read(tx, user, *p)) p.reset();
        it = seen.emplace(d.project_id, p).first;
      }
      if (!it->second) continue;
      fill_households(tx, user, *it->second, d);
      out.push_back(std::move(d));
    }
    return out;
  });
}

DistributionPlan BenefitSharingService::plan(const User& user, std::int64_t id) {
  return store_.read([&](ProjectTx& tx) {
    auto rows = tx.session().query(std::string("SELECT ") + kPlanColumns + kPlanFrom + " WHERE b.id = $1", {num(id)});
    auto p = rows.empty() ? std::nullopt : tx.project(to_int(rows[0][1]));
    if (!p || !projects_.may_read(tx, user, *p))
      throw NotFoundError("distribution plan " + num(id) + " does not exist");
    auto d = plan_of(rows[0], iso_utc(clock_()));
    fill_households(tx, user, *p, d);
    return d;
  });
}

DistributionPlan BenefitSharingService::open_vote(const User& user, std::int64_t id) {
  auto d = plan(user, id);
  if (!has_grant_over(user, planners(), d.village_code))
    throw Forbidden("not_a_convener", "只有该村的村集体或乡镇可以提交村民代表会议表决",
                    "only the village collective or the township over the plan's village puts it to the vote");
  if (d.vote_status == "open" || d.vote_status == "passed")
    throw RuleError("vote_exists", "该方案已有表决（" + num(d.vote_id) + "）",
                    "the plan already has a vote (" + num(d.vote_id) + ") that is open or passed");
  if (d.status != "draft")
    throw RuleError("already_requested", "该方案已申请拨付", "payment of the plan is already requested");
  if (d.notice_state == "none")
    throw RuleError("notice_not_published", "方案须先向村民公示，公示期满后方可提交表决",
                    "the plan must first go on public notice to the village; it is voted after the notice period");
  if (d.notice_state == "running")
    throw RuleError("notice_running", "方案公示期至 " + d.notice_ends + " 结束，公示期内不能提交表决",
                    "the plan's public notice runs until " + d.notice_ends + ": it cannot be voted before then");
  if (d.unanswered_objections > 0)
    throw RuleError("objection_unanswered",
                    "方案有 " + num(d.unanswered_objections) + " 条异议尚未答复，答复后方可提交表决",
                    num(d.unanswered_objections) + " objection(s) to the plan are unanswered: answer them before the vote");
  auto vote = participation_.open_vote(
      user, d.village_code,
      "收益分配方案：" + d.title + "（" + d.project_code + "，" + yuan(d.amount_fen) + "：县乡 " +
          yuan(d.county_fen) + "，村集体 " + yuan(d.village_fen) + "，农户 " + yuan(d.households_fen) + "）",
      d.project_id);
  return store_.write([&](ProjectTx& tx) {
    auto updated = tx.session().query(
        "UPDATE benefit_plans SET vote_id = $2 WHERE id = $1 AND status = 'draft' RETURNING id",
        {num(id), num(vote.id)});
    if (updated.empty())
      throw RuleError("already_requested", "该方案已申请拨付", "payment of the plan is already requested");
    tx.audit({actor_of(user), "benefit.plan_vote", "benefit_plan:" + num(id), dump({{"vote", vote.id}})});
    auto rows = tx.session().query(std::string("SELECT ") + kPlanColumns + kPlanFrom + " WHERE b.id = $1", {num(id)});
    auto out = plan_of(rows.at(0), iso_utc(clock_()));
    fill_households(tx, user, *tx.project(out.project_id), out);
    return out;
  });
}

namespace {

const char* basis_zh(const std::string& b) {
  return b == "contracted_area" ? "承包地面积" : b == "homestead_area" ? "退出宅基地面积" : "人口";
}
const char* revenue_zh(const std::string& k) {
  return k == "indicator_transfer" ? "指标交易收入" : k == "land_rent" ? "土地流转租金" : "集体经营收入";
}
std::string percent(std::int64_t bp) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%02lld%%", static_cast<long long>(bp / 100), static_cast<long long>(bp % 100));
  return buf;
}
std::string weight_text(std::int64_t w) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%lld.%02lld", static_cast<long long>(w / 100), static_cast<long long>(w % 100));
  return buf;
}

constexpr const char* kObjectionColumns =
    "id, plan_id, author, reason, created_at, answer, answered_by, answered_at";
PlanObjection objection_of(const storage::SqlSession::Row& r) {
  return {to_int(r[0]), to_int(r[1]), r[2], r[3], r[4], r[5], r[6], r[7]};
}

}  // namespace

DistributionPlan BenefitSharingService::publish_notice(const User& user, std::int64_t id, std::int64_t days) {
  if (days < 1 || days > 90)
    throw InvalidRequest("invalid_days", "公示期应为 1 至 90 天", "days must be between 1 and 90");
  return store_.write([&](ProjectTx& tx) {
    const auto now_s = clock_();
    const auto now = iso_utc(now_s);
    auto rows = tx.session().query(std::string("SELECT ") + kPlanColumns + kPlanFrom + " WHERE b.id = $1", {num(id)});
    auto p = rows.empty() ? std::nullopt : tx.project(to_int(rows[0][1]));
    if (!p || !projects_.may_read(tx, user, *p))
      throw NotFoundError("distribution plan " + num(id) + " does not exist");
    auto d = plan_of(rows[0], now);
    if (!has_grant_over(user, planners(), d.village_code))
      throw Forbidden("not_a_publisher", "只有该村的村集体或乡镇可以公示收益分配方案",
                      "only the village collective or the township over the plan's village publishes it");
    if (d.notice_id)
      throw RuleError("notice_exists", "该方案已于 " + d.notice_starts + " 公示（村务公告 " + num(d.notice_id) + "）",
                      "the plan was put on notice at " + d.notice_starts + " (village notice " + num(d.notice_id) + ")");
    if (d.vote_status == "open" || d.vote_status == "passed")
      throw RuleError("vote_exists", "该方案已有表决（" + num(d.vote_id) + "）",
                      "the plan already has a vote (" + num(d.vote_id) + ") that is open or passed");
    if (d.status != "draft")
      throw RuleError("already_requested", "该方案已申请拨付", "payment of the plan is already requested");
    const auto ends = iso_utc(now_s + days * 86400);
    std::string title = "收益分配方案公示：" + d.title;
    std::string body = "项目 " + d.project_code + " " + d.project_name + "，收入类型：" + revenue_zh(d.revenue_kind) +
                       "，分配总额 " + yuan(d.amount_fen) + "。\n";
    body += "县乡（成本与基础设施）" + percent(d.county_bp) + "：" + yuan(d.county_fen) + "；村集体 " +
            percent(d.village_bp) + "：" + yuan(d.village_fen) + "；农户 " + percent(d.households_bp) + "：" +
            yuan(d.households_fen) + "。\n";
    body += "农户按" + std::string(basis_zh(d.household_basis)) + "分配，共 " + num(d.household_count) + " 户：\n";
    for (auto& r : tx.session().query(
             "SELECT household_code, weight, share_fen FROM benefit_plan_households WHERE plan_id = $1 "
             "ORDER BY household_code",
             {num(id)}))
      body += "农户 " + r[0] + "：依据 " + weight_text(to_int(r[1])) + "，应得 " + yuan(to_int(r[2])) + "\n";
    body += "余数规则：县乡与农户部分各向下取整到分，余数归村集体；农户之间先各取向下取整的份额，剩余的分按舍去部分从大到小每户一分，相同时户号小者优先。\n";
    body += "公示期自 " + now + " 至 " + ends + "。本村村民在公示期内可提出异议并说明理由，乡镇将逐条答复；公示期满且异议均已答复后，方案方可提交村民代表会议表决。";
    auto n = tx.session().query(
        "INSERT INTO village_notices(region_code, title, body, starts, ends, published_by, published_at) "
        "VALUES($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        {d.village_code, title, body, now, ends, actor_of(user), now});
    auto notice_id = to_int(n.at(0).at(0));
    tx.session().query(
        "INSERT INTO benefit_plan_notices(plan_id, notice_id, starts, ends, published_by) VALUES($1, $2, $3, $4, $5)",
        {num(id), num(notice_id), now, ends, actor_of(user)});
    tx.audit({actor_of(user), "participation.notice_publish", "notice:" + num(notice_id),
              dump({{"region", d.village_code}, {"title", title}, {"ends", ends}})});
    tx.audit({actor_of(user), "benefit.plan_notice", "benefit_plan:" + num(id),
              dump({{"notice", notice_id}, {"village", d.village_code}, {"starts", now}, {"ends", ends},
                    {"amount_fen", d.amount_fen}})});
    tx.insert_event({0, "", "notice.published", 0, d.village_code, "", dump({{"notice", notice_id}, {"title", title}})});
    auto out = plan_of(tx.session().query(std::string("SELECT ") + kPlanColumns + kPlanFrom + " WHERE b.id = $1",
                                          {num(id)}).at(0), now);
    fill_households(tx, user, *p, out);
    return out;
  });
}

DistributionPlan BenefitSharingService::plan_of_notice(const User& user, std::int64_t notice_id) {
  auto rows = store_.read([&](ProjectTx& tx) {
    return tx.session().query("SELECT plan_id FROM benefit_plan_notices WHERE notice_id = $1", {num(notice_id)});
  });
  if (rows.empty()) throw NotFoundError("notice " + num(notice_id) + " is not a distribution plan's");
  return plan(user, to_int(rows[0][0]));
}

PlanObjection BenefitSharingService::object(const User& user, std::int64_t id, const std::string& reason_text) {
  auto reason = checked_text(reason_text, "reason", 1, 2000);
  return store_.write([&](ProjectTx& tx) {
    const auto now = iso_utc(clock_());
    auto rows = tx.session().query(std::string("SELECT ") + kPlanColumns + kPlanFrom + " WHERE b.id = $1", {num(id)});
    auto p = rows.empty() ? std::nullopt : tx.project(to_int(rows[0][1]));
    if (!p || !projects_.may_read(tx, user, *p))
      throw NotFoundError("distribution plan " + num(id) + " does not exist");
    auto d = plan_of(rows[0], now);
    bool villager = false;
    for (const auto& g : user.grants)
      if (g.role == Role::villager && region_contains(d.village_code, g.region_code)) villager = true;
    if (!villager)
      throw Forbidden("not_a_villager", "只有本村村民可以对收益分配方案提出异议",
                      "only a villager of the plan's village objects to it");
    if (d.notice_state == "none")
      throw RuleError("notice_not_published", "该方案尚未公示", "the plan is not on public notice");
    if (d.notice_state == "over")
      throw RuleError("notice_over", "公示期已于 " + d.notice_ends + " 结束，不再受理异议",
                      "the public notice ended at " + d.notice_ends + ": objections are no longer taken");
    auto r = tx.session().query(
        "INSERT INTO benefit_plan_objections(plan_id, author, reason, created_at) VALUES($1, $2, $3, $4) RETURNING id",
        {num(id), actor_of(user), reason, now});
    PlanObjection o{to_int(r.at(0).at(0)), id, actor_of(user), reason, now, "", "", ""};
    tx.audit({actor_of(user), "benefit.objection", "benefit_plan:" + num(id),
              dump({{"objection", o.id}, {"reason", reason}})});
    tx.insert_event({0, "", "benefit.objection", p->id, d.village_code, "",
                     dump({{"code", p->code}, {"plan", id}, {"objection", o.id}})});
    return o;
  });
}

std::vector<PlanObjection> BenefitSharingService::objections(const User& user, std::int64_t id) {
  auto d = plan(user, id);  // NotFoundError outside the project
  return store_.read([&](ProjectTx& tx) {
    bool all = is_official_reader(user, d.village_code);
    std::vector<PlanObjection> out;
    for (auto& r : tx.session().query(std::string("SELECT ") + kObjectionColumns +
                                          " FROM benefit_plan_objections WHERE plan_id = $1 ORDER BY id",
                                      {num(id)}))
      if (all || r[2] == actor_of(user)) out.push_back(objection_of(r));
    return out;
  });
}

PlanObjection BenefitSharingService::answer_objection(const User& user, std::int64_t objection_id,
                                                      const std::string& answer_text) {
  auto answer = checked_text(answer_text, "answer", 1, 2000);
  return store_.write([&](ProjectTx& tx) {
    auto rows = tx.session().query(std::string("SELECT ") + kObjectionColumns +
                                       " FROM benefit_plan_objections WHERE id = $1",
                                   {num(objection_id)});
    if (rows.empty()) throw NotFoundError("objection " + num(objection_id) + " does not exist");
    auto o = objection_of(rows[0]);
    auto plan_rows = tx.session().query(std::string("SELECT ") + kPlanColumns + kPlanFrom + " WHERE b.id = $1",
                                        {num(o.plan_id)});
    auto p = plan_rows.empty() ? std::nullopt : tx.project(to_int(plan_rows[0][1]));
    if (!p || !projects_.may_read(tx, user, *p))
      throw NotFoundError("objection " + num(objection_id) + " does not exist");
    if (!has_grant_over(user, {Role::township}, plan_rows[0][4]))
      throw Forbidden("not_township", "只有该村所在乡镇可以答复收益分配方案的异议",
                      "only the township over the plan's village answers objections to it");
    if (!o.answered_at.empty())
      throw RuleError("already_answered", "该异议已于 " + o.answered_at + " 答复", "the objection was answered at " + o.answered_at);
    o.answer = answer;
    o.answered_by = actor_of(user);
    o.answered_at = iso_utc(clock_());
    tx.session().query(
        "UPDATE benefit_plan_objections SET answer = $2, answered_by = $3, answered_at = $4 WHERE id = $1",
        {num(o.id), o.answer, o.answered_by, o.answered_at});
    tx.audit({actor_of(user), "benefit.objection_answer", "benefit_plan:" + num(o.plan_id),
              dump({{"objection", o.id}, {"answer", answer}})});
    tx.insert_event({0, "", "benefit.objection_answered", p->id, plan_rows[0][4], "",
                     dump({{"code", p->code}, {"plan", o.plan_id}, {"objection", o.id}})});
    return o;
  });
}

DistributionPlan BenefitSharingService::request_payment(const User& user, std::int64_t id) {
  return store_.write([&](ProjectTx& tx) {
    auto rows = tx.session().query(std::string("SELECT ") + kPlanColumns + kPlanFrom + " WHERE b.id = $1", {num(id)});
    auto p = rows.empty() ? std::nullopt : tx.project(to_int(rows[0][1]));
    if (!p || !projects_.may_read(tx, user, *p))
      throw NotFoundError("distribution plan " + num(id) + " does not exist");
    auto d = plan_of(rows[0], iso_utc(clock_()));
    if (!has_grant_over(user, planners(), p->region_code))
      throw Forbidden("not_a_planner", "只有项目所在区域的乡镇或村集体可以申请拨付分配款",
                      "only the township or the village collective over the project's region requests payment");
    if (d.vote_status != "passed")
      throw RuleError("vote_not_passed",
                      "方案尚未经村民代表会议表决通过（" +
                          std::string(d.vote_status == "none" ? "未表决" : d.vote_status == "open" ? "表决中" : "未通过") +
                          "），不能拨付",
                      "the plan's assembly vote has not passed (" + d.vote_status + "): it cannot be paid");
    if (d.status != "draft")
      throw RuleError("already_requested", "该方案已申请拨付", "payment of the plan is already requested or made");
    auto have = source_balance(tx, p->id, d.source_id);
    if (d.amount_fen > have)
      throw RuleError("insufficient_funds",
                      "资金来源在本项目中的余额为 " + yuan(have) + "，不足分配 " + yuan(d.amount_fen),
                      "the source holds " + format_yuan(have) + " yuan in this project, less than " +
                          format_yuan(d.amount_fen) + " yuan");
    auto now = tx.now();
    tx.session().query(
        "UPDATE benefit_plans SET status = 'payment_requested', payment_requested_by = $2, "
        "payment_requested_at = $3, decided_by = '', decided_at = '', decision_comment = '' WHERE id = $1",
        {num(id), actor_of(user), now});
    tx.audit({actor_of(user), "benefit.payment_request", "benefit_plan:" + num(id),
              dump({{"project", p->code}, {"amount_fen", d.amount_fen}})});
    tx.insert_event({0, "", "benefit.payment_requested", p->id, p->region_code, funds_.finance_department(),
                     dump({{"code", p->code}, {"plan", id}, {"amount_fen", d.amount_fen},
                           {"amount_yuan", format_yuan(d.amount_fen)}})});
    d.status = "payment_requested";
    d.payment_requested_by = actor_of(user);
    d.payment_requested_at = now;
    fill_households(tx, user, *p, d);
    return d;
  });
}

DistributionPlan BenefitSharingService::decide_payment(const User& user, std::int64_t id, bool approve,
                                                       const std::string& comment_text) {
  std::string comment = checked_text(comment_text, "comment", 0, 2000);
  if (!approve && comment.empty())
    throw InvalidRequest("comment_required", "不予拨付须说明理由", "refusing a payment needs a comment giving the reasons");
  return store_.write([&](ProjectTx& tx) {
    auto rows = tx.session().query(std::string("SELECT ") + kPlanColumns + kPlanFrom + " WHERE b.id = $1", {num(id)});
    auto p = rows.empty() ? std::nullopt : tx.project(to_int(rows[0][1]));
    if (!p || !projects_.may_read(tx, user, *p))
      throw NotFoundError("distribution plan " + num(id) + " does not exist");
    auto d = plan_of(rows[0], iso_utc(clock_()));
    bool finance = false;
    for (const auto& g : user.grants)
      if (g.role == Role::co_reviewing_department && g.department == funds_.finance_department() &&
          region_contains(g.region_code, p->region_code))
        finance = true;
    if (!finance)
      throw Forbidden("not_finance", "只有项目所在区域的财政部门可以审批分配款拨付",
                      "only finance over the project's region decides a distribution payment");
    if (d.payment_requested_by == actor_of(user))
      throw Forbidden("own_request", "不能审批自己提出的拨付申请", "you may not decide a payment you requested yourself");
    if (d.status != "payment_requested")
      throw RuleError("not_requested", "该方案没有待审批的拨付申请", "the plan has no payment awaiting a decision");
    json parts = json::array();
    if (approve) {
      auto have = source_balance(tx, p->id, d.source_id);
      if (d.amount_fen > have)
        throw RuleError("insufficient_funds",
                        "资金来源在本项目中的余额为 " + yuan(have) + "，不足分配 " + yuan(d.amount_fen),
                        "the source holds " + format_yuan(have) + " yuan in this project, less than " +
                            format_yuan(d.amount_fen) + " yuan");
      std::vector<std::pair<std::string, std::int64_t>> payees;
      payees.push_back({"县乡（成本与基础设施）" + p->region_code.substr(0, 9), d.county_fen});
      payees.push_back({"村集体 " + d.village_code, d.village_fen});
      for (auto& r : tx.session().query(
               "SELECT household_code, share_fen FROM benefit_plan_households WHERE plan_id = $1 "
               "ORDER BY household_code",
               {num(id)}))
        payees.push_back({"农户 " + r[0], to_int(r[1])});
      std::int64_t total = 0;
      auto now = tx.now();
      for (const auto& [payee, fen] : payees) {
        total += fen;
        if (fen == 0) continue;
        auto e = tx.session().query(
            "INSERT INTO fund_ledger(time, kind, source_id, project_id, amount_fen, payee, "
            "disbursement_id, note, actor) VALUES($1, 'disbursement', $2, $3, $4, $5, 0, $6, $7) RETURNING id",
            {now, num(d.source_id), num(p->id), num(fen), payee, "收益分配方案 " + num(id) + "：" + d.title,
             actor_of(user)});
        parts.push_back({{"ledger_entry", to_int(e.at(0).at(0))}, {"payee", payee}, {"amount_fen", fen}});
      }
      if (total != d.amount_fen)  // the shares were made to add up; never pay a broken plan
        throw StorageError("distribution plan " + num(id) + " shares add up to " + num(total) + " fen, not " +
                           num(d.amount_fen));
    }
    d.status = approve ? "paid" : "draft";
    d.decided_by = actor_of(user);
    d.decided_at = tx.now();
    d.decision_comment = comment;
    tx.session().query(
        "UPDATE benefit_plans SET status = $2, decided_by = $3, decided_at = $4, decision_comment = $5 "
        "WHERE id = $1",
        {num(id), d.status, d.decided_by, d.decided_at, comment});
    json a = {{"project", p->code}, {"decision", approve ? "approved" : "refused"}, {"amount_fen", d.amount_fen}};
    if (approve) a["ledger"] = parts;
    if (!comment.empty()) a["comment"] = comment;
    tx.audit({actor_of(user), approve ? "benefit.payment_approve" : "benefit.payment_refuse",
              "benefit_plan:" + num(id), dump(a)});
    tx.insert_event({0, "", approve ? "benefit.paid" : "benefit.payment_refused", p->id, p->region_code, "",
                     dump({{"code", p->code}, {"plan", id}, {"amount_fen", d.amount_fen},
                           {"amount_yuan", format_yuan(d.amount_fen)}})});
    fill_households(tx, user, *p, d);
    return d;
  });
}

std::vector<MyBenefit> BenefitSharingService::my_benefits(const User& user) {
  return store_.read([&](ProjectTx& tx) {
    std::vector<MyBenefit> out;
    auto mine = own_households(tx, user);
    if (mine.empty()) return out;
    const auto now = iso_utc(clock_());
    constexpr int h = kPlanColumnCount;
    for (auto& r : tx.session().query(std::string("SELECT ") + kPlanColumns +
                                      ", h.household_code, h.weight, h.share_fen, h.got_remainder" +
                                      kPlanFrom +
                                      " JOIN benefit_plan_households h ON h.plan_id = b.id ORDER BY b.id, h.household_code")) {
      if (!mine.count(r[h])) continue;
      MyBenefit m;
      m.plan = plan_of(r, now);
      m.share = {r[h], to_int(r[h + 1]), to_int(r[h + 2]), to_int(r[h + 3]) != 0, m.plan.status == "paid"};
      out.push_back(std::move(m));
    }
    return out;
  });
}

BenefitTotals BenefitSharingService::totals(const User& user, const std::string& region) {
  BenefitTotals t;
  for (const auto& d : plans(user)) {
    if (!region.empty() && !region_contains(region, d.village_code)) continue;
    ++t.plans;
    if (d.status != "paid") continue;
    ++t.paid_plans;
    t.revenue_fen += d.amount_fen;
    t.county_fen += d.county_fen;
    t.village_fen += d.village_fen;
    t.households_fen += d.households_fen;
  }
  return t;
}

}  // namespace gz::services
