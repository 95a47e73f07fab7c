#include "services/participation.h"

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "common/data_dir.h"
#include "common/error.h"
#include "services/request_text.h"
#include "storage/sql_identity_store.h"

namespace gz::services {

using nlohmann::json;
using storage::ProjectRecord;
using storage::ProjectTx;
using storage::SqlSession;

namespace {

constexpr const char* kTables = R"sql(
CREATE TABLE IF NOT EXISTS village_notices(
  id {id}, region_code text NOT NULL, title text NOT NULL, body text NOT NULL,
  starts text NOT NULL, ends text NOT NULL, published_by text NOT NULL,
  published_at text NOT NULL);
CREATE TABLE IF NOT EXISTS notice_comments(
  id {id}, project_id bigint NOT NULL REFERENCES projects(id), region_code text NOT NULL,
  author text NOT NULL, body text NOT NULL, created_at text NOT NULL,
  reply text NOT NULL DEFAULT '', replied_by text NOT NULL DEFAULT '',
  replied_at text NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS notice_comments_by_project ON notice_comments(project_id);
CREATE TABLE IF NOT EXISTS villager_feedback(
  id {id}, region_code text NOT NULL, project_id bigint NOT NULL, author text NOT NULL,
  category text NOT NULL, body text NOT NULL, status text NOT NULL, created_at text NOT NULL,
  due_at text NOT NULL, reply text NOT NULL DEFAULT '', answered_by text NOT NULL DEFAULT '',
  answered_at text NOT NULL DEFAULT '', closed_at text NOT NULL DEFAULT '',
  escalated_at text NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS villager_feedback_by_project ON villager_feedback(project_id);
CREATE INDEX IF NOT EXISTS villager_feedback_by_region ON villager_feedback(region_code);
CREATE INDEX IF NOT EXISTS village_notices_by_region ON village_notices(region_code);
CREATE TABLE IF NOT EXISTS assembly_representatives(
  region_code text NOT NULL, username text NOT NULL, PRIMARY KEY(region_code, username));
CREATE TABLE IF NOT EXISTS assembly_votes(
  id {id}, region_code text NOT NULL, project_id bigint NOT NULL, question text NOT NULL,
  status text NOT NULL, opened_by text NOT NULL, opened_at text NOT NULL,
  closed_by text NOT NULL DEFAULT '', closed_at text NOT NULL DEFAULT '',
  representatives bigint NOT NULL, yes_count bigint NOT NULL DEFAULT 0,
  no_count bigint NOT NULL DEFAULT 0, abstain_count bigint NOT NULL DEFAULT 0,
  passed bigint NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS assembly_members(
  vote_id bigint NOT NULL REFERENCES assembly_votes(id), username text NOT NULL,
  PRIMARY KEY(vote_id, username));
CREATE TABLE IF NOT EXISTS assembly_ballots(
  id {id}, vote_id bigint NOT NULL REFERENCES assembly_votes(id), username text NOT NULL,
  choice text NOT NULL, cast_at text NOT NULL, UNIQUE(vote_id, username));
CREATE TABLE IF NOT EXISTS villager_surveys(
  id {id}, region_code text NOT NULL, project_id bigint NOT NULL, title text NOT NULL,
  questions text NOT NULL, status text NOT NULL, created_by text NOT NULL,
  created_at text NOT NULL, closed_at text NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS villager_survey_responses(
  id {id}, survey_id bigint NOT NULL REFERENCES villager_surveys(id), username text NOT NULL,
  answers text NOT NULL, created_at text NOT NULL, UNIQUE(survey_id, username));
CREATE INDEX IF NOT EXISTS assembly_votes_by_region ON assembly_votes(region_code);
CREATE INDEX IF NOT EXISTS villager_surveys_by_region ON villager_surveys(region_code);
)sql";

const std::vector<Role> kOfficials{Role::leader_group, Role::lead_department, Role::township,
                                   Role::village_collective, Role::admin};
const std::vector<Role> kReaders{Role::leader_group, Role::lead_department, Role::township,
                                 Role::village_collective, Role::admin, Role::auditor};
const std::vector<Role> kPublishers{Role::lead_department, Role::township, Role::village_collective,
                                    Role::admin};
const std::vector<Role> kAssemblyConveners{Role::township, Role::village_collective, Role::admin};



std::string num(std::int64_t v) { return std::to_string(v); }
std::int64_t i64(const std::string& s) { return s.empty() ? 0 : std::stoll(s); }
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }


void checked_region(const std::string& code) {
  try {
    validate_region_code(code);
  } catch (const UsageError& e) {
    throw InvalidRequest("invalid_region", "region_code 不是有效的行政区划代码", e.what());
  }
}

bool is_villager(const User& u) {
  for (const auto& g : u.grants)
    if (g.role == Role::villager) return true;
  return false;
}

// The region a villager speaks for about a project: their village when it lies inside the
// project's region (a township's or county's project), else the project's own region (a project
// of their village, or inside it). Their grant covers it either way when they are concerned.
std::string speaking_region(const User& u, const std::string& project_region) {
  for (const auto& g : u.grants)
    if (g.role == Role::villager && !region_contains(g.region_code, project_region) &&
        region_contains(project_region, g.region_code))
      return g.region_code;
  return project_region;
}

// A villager reaches notices and surveys over their village and over the township and county
// around it; officials those inside their grants and above them, so a township notice reaches
// every village of the township.
bool reaches(const User& u, const std::string& region) {
  for (const auto& g : u.grants) {
    if (g.role == Role::investor || g.role == Role::expert || g.role == Role::co_reviewing_department)
      continue;
    if (region_contains(g.region_code, region) || region_contains(region, g.region_code)) return true;
  }
  return false;
}

bool reader_over(const User& u, const std::string& region) {
  return has_grant_over(u, kReaders, region);
}

// ---- jurisdiction in SQL ------------------------------------------------------------------
// Lists narrow their rows in SQL to the regions a user's grants can reach, so that a list reads
// what it shows and not the whole table. The SQL condition is never narrower than the checks in
// C++ (reaches, reader_over …), which still run on each row read: they stay the rule, SQL only
// saves reading rows they would drop.

// A WHERE clause with its $n parameters.
struct SqlWhere {
  std::vector<std::string> terms;  // ANDed
  std::vector<std::string> params;
  std::string param(std::string value) {
    params.push_back(std::move(value));
    return "$" + std::to_string(params.size());
  }
  std::string sql() const {
    std::string out;
    for (const auto& t : terms) out += (out.empty() ? " WHERE " : " AND ") + t;
    return out;
  }
};

// Regions a grant's subtree holds: region_code LIKE '<prefix>%' ("" when the grant has no
// region: everything; nullopt when the code is no division code, so nothing).
std::optional<std::string> under(SqlWhere& w, const std::string& grant_region) {
  if (grant_region.empty()) return std::string("1 = 1");
  std::string prefix;
  try {
    prefix = region_prefix(grant_region);
  } catch (const UsageError&) {
    return std::nullopt;
  }
  return "region_code LIKE " + w.param(prefix + "%");
}

// The codes of the regions above a grant's region (its township, county, city, province), in
// every length a division code may have ("340123" is also written "340123000"): region_code IN.
std::optional<std::string> above(SqlWhere& w, const std::string& grant_region) {
  if (grant_region.empty()) return std::nullopt;
  std::string prefix;
  try {
    prefix = region_prefix(grant_region);
  } catch (const UsageError&) {
    return std::nullopt;
  }
  static constexpr std::size_t kEnds[] = {2, 4, 6, 9, 12};
  std::string list;
  for (auto e : kEnds) {
    if (e >= prefix.size()) break;
    for (auto length : kEnds) {
      if (length < e) continue;
      list += (list.empty() ? "" : ", ") + w.param(prefix.substr(0, e) + std::string(length - e, '0'));
    }
  }
  if (list.empty()) return std::nullopt;
  return "region_code IN (" + list + ")";
}

// OR of the terms, "1 = 0" when there are none.
std::string any_of(const std::vector<std::string>& terms) {
  if (terms.empty()) return "1 = 0";
  std::string out;
  for (const auto& t : terms) out += (out.empty() ? "(" : " OR ") + t;
  return out + ")";
}

bool role_in(Role r, const std::vector<Role>& roles) {
  return std::find(roles.begin(), roles.end(), r) != roles.end();
}

// The SQL side of reaches(): regions inside or above the user's grants.
std::string reaches_sql(SqlWhere& w, const User& u) {
  std::vector<std::string> terms;
  for (const auto& g : u.grants) {
    if (g.role == Role::investor || g.role == Role::expert || g.role == Role::co_reviewing_department)
      continue;
    if (auto t = under(w, g.region_code)) terms.push_back(*t);
    if (auto t = above(w, g.region_code)) terms.push_back(*t);
  }
  return any_of(terms);
}

// The SQL side of has_grant_over(u, roles, region_code): regions inside a grant of those roles.
std::string inside_grants_sql(SqlWhere& w, const User& u, const std::vector<Role>& roles) {
  std::vector<std::string> terms;
  for (const auto& g : u.grants)
    if (role_in(g.role, roles))
      if (auto t = under(w, g.region_code)) terms.push_back(*t);
  return any_of(terms);
}

[[noreturn]] void not_found(const char* what, std::int64_t id) {
  throw NotFoundError(std::string(what) + " " + std::to_string(id) + " does not exist");
}

[[noreturn]] void forbidden(const std::string& code, const std::string& zh, const std::string& en) {
  throw Forbidden(code, zh, en);
}

// ---- rows ----------------------------------------------------------------------------------

constexpr const char* kNoticeColumns =
    "id, region_code, title, body, starts, ends, published_by, published_at";
VillageNotice notice_of(const SqlSession::Row& r) {
  return {i64(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], r[7]};
}

constexpr const char* kCommentColumns =
    "id, project_id, region_code, author, body, created_at, reply, replied_by, replied_at";
NoticeComment comment_of(const SqlSession::Row& r) {
  return {i64(r[0]), i64(r[1]), r[2], r[3], r[4], r[5], r[6], r[7], r[8]};
}

constexpr const char* kFeedbackColumns =
    "id, region_code, project_id, author, category, body, status, created_at, due_at, reply, "
    "answered_by, answered_at, closed_at, escalated_at";
Feedback feedback_of(const SqlSession::Row& r, std::int64_t now) {
  Feedback f{i64(r[0]), r[1], i64(r[2]), r[3], r[4], r[5], r[6], r[7], r[8],
             r[9],      r[10], r[11],     r[12], r[13], false};
  f.overdue = (f.status == "open" || f.status == "escalated") && now > parse_iso_utc(f.due_at);
  return f;
}

constexpr const char* kVoteColumns =
    "id, region_code, project_id, question, status, opened_by, opened_at, closed_by, closed_at, "
    "representatives, yes_count, no_count, abstain_count, passed";
AssemblyVote vote_of(const SqlSession::Row& r) {
  return {i64(r[0]), r[1], i64(r[2]), r[3], r[4], r[5], r[6], r[7], r[8],
          i64(r[9]), i64(r[10]), i64(r[11]), i64(r[12]), i64(r[13]) != 0};
}

constexpr const char* kSurveyColumns =
    "id, region_code, project_id, title, questions, status, created_by, created_at, closed_at";
Survey survey_of(const SqlSession::Row& r) {
  Survey s;
  s.id = i64(r[0]);
  s.region_code = r[1];
  s.project_id = i64(r[2]);
  s.title = r[3];
  for (const auto& q : json::parse(r[4])) {
    SurveyQuestion sq;
    sq.text = q.at("text").get<std::string>();
    for (const auto& c : q.at("choices")) sq.choices.push_back(c.get<std::string>());
    s.questions.push_back(std::move(sq));
  }
  s.status = r[5];
  s.created_by = r[6];
  s.created_at = r[7];
  s.closed_at = r[8];
  return s;
}

json feedback_audit(const Feedback& f) {
  return {{"id", f.id}, {"region", f.region_code}, {"project", f.project_id},
          {"category", f.category}, {"status", f.status}};
}

ParticipationRules load_rules() {
  std::string path = data_dir() + "/participation.json";
  return ParticipationRules::parse(read_file(path), path);
}

}  // namespace

namespace {

// The vote's tally (yes, no, abstain) counted from its ballots.
void count_ballots(ProjectTx& tx, AssemblyVote& v) {
  v.yes = v.no = v.abstain = 0;
  for (const auto& r : tx.session().query(
           "SELECT choice, COUNT(*) FROM assembly_ballots WHERE vote_id = $1 GROUP BY choice", {num(v.id)})) {
    if (r[0] == "yes") v.yes = i64(r[1]);
    if (r[0] == "no") v.no = i64(r[1]);
    if (r[0] == "abstain") v.abstain = i64(r[1]);
  }
}

}  // namespace

bool may_read_votes(const User& user, const std::string& village) {
  return reader_over(user, village) || has_grant_over(user, {Role::villager}, village);
}

ParticipationService::ParticipationService(storage::ProjectStore& store, ProjectService& projects,
                                           storage::IdentityStore* identity,
                                           ParticipationOptions options)
    : store_(store), projects_(projects), identity_(identity), rules_(load_rules()),
      clock_(std::move(options.clock)) {
  if (options.response_days > 0) rules_.response_days = options.response_days;
  store_.ensure_tables(kTables);
  projects_.add_guard(ProjectAction::start_implementation,
                      [this](ProjectTx& tx, const ProjectRecord& p) { check_blocking_feedback(tx, p); });
}

void ParticipationService::check_blocking_feedback(ProjectTx& tx, const ProjectRecord& p) {
  auto rows = tx.session().query(
      "SELECT id, category FROM villager_feedback WHERE project_id = $1 AND status IN ('open', "
      "'escalated') ORDER BY id",
      {num(p.id)});
  for (const auto& r : rows)
    if (rules_.blocks_implementation(r[1])) {
      const auto* c = rules_.category(r[1]);
      throw RuleError("complaint_unanswered",
                      "村民" + (c ? c->name : r[1]) + "（第 " + r[0] + " 号）尚未答复，不能开工",
                      "villager feedback " + r[0] + " (" + r[1] +
                          ") about the project is unanswered; answer it before implementation starts");
    }
}

ProjectRecord ParticipationService::visible_project(ProjectTx& tx, const User& user, std::int64_t id) {
  auto p = tx.project(id);
  // The same visibility as the project itself (a village collective reaching a township
  // project for its households may link a vote or survey of its village to it).
  if (!p || !projects_.may_read(tx, user, *p)) not_found("project", id);
  return *p;
}

// ---- notices -------------------------------------------------------------------------------

VillageNotice ParticipationService::publish_notice(const User& user, const std::string& region_code,
                                                   const std::string& title_text,
                                                   const std::string& body_text, std::int64_t days) {
  checked_region(region_code);
  VillageNotice n;
  n.region_code = region_code;
  n.title = checked_text(title_text, "title", 1, 200);
  n.body = checked_text(body_text, "body", 1, 20000);
  if (days < 1 || days > 90)
    throw InvalidRequest("invalid_days", "公示期应为 1 至 90 天", "days must be between 1 and 90");
  if (!has_grant_over(user, kPublishers, region_code)) {
    if (reaches(user, region_code) || reader_over(user, region_code))
      forbidden("not_a_publisher", "您不能在该区域发布公示", "you may not publish notices for this region");
    throw NotFoundError("region " + region_code + " is outside your grants");
  }
  auto now = clock_();
  n.starts = n.published_at = iso_utc(now);
  n.ends = iso_utc(now + days * 86400);
  n.published_by = actor_of(user);
  return store_.write([&](ProjectTx& tx) {
    auto rows = tx.session().query(
        "INSERT INTO village_notices(region_code, title, body, starts, ends, published_by, "
        "published_at) VALUES($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        {n.region_code, n.title, n.body, n.starts, n.ends, n.published_by, n.published_at});
    n.id = i64(rows.at(0).at(0));
    tx.audit({actor_of(user), "participation.notice_publish", "notice:" + num(n.id),
              dump({{"region", n.region_code}, {"title", n.title}, {"ends", n.ends}})});
    tx.insert_event({0, "", "notice.published", 0, n.region_code, "",
                     dump({{"notice", n.id}, {"title", n.title}})});
    return n;
  });
}

std::vector<VillageNotice> ParticipationService::notices(const User& user) {
  SqlWhere w;
  w.terms.push_back(reaches_sql(w, user));
  auto rows = store_.read([&](ProjectTx& tx) {
    return tx.session().query(std::string("SELECT ") + kNoticeColumns + " FROM village_notices" +
                                  w.sql() + " ORDER BY id DESC",
                              w.params);
  });
  std::vector<VillageNotice> out;
  for (const auto& r : rows) {
    auto n = notice_of(r);
    if (reaches(user, n.region_code)) out.push_back(std::move(n));
  }
  return out;
}

VillageNotice ParticipationService::notice(const User& user, std::int64_t id) {
  auto rows = store_.read([&](ProjectTx& tx) {
    return tx.session().query(
        std::string("SELECT ") + kNoticeColumns + " FROM village_notices WHERE id = $1", {num(id)});
  });
  if (rows.empty()) not_found("notice", id);
  auto n = notice_of(rows[0]);
  if (!reaches(user, n.region_code)) not_found("notice", id);
  return n;
}

ProjectNotice ParticipationService::project_notice(const User& user, std::int64_t project_id) {
  auto p = store_.read([&](ProjectTx& tx) { return visible_project(tx, user, project_id); });
  if (p.notice_starts.empty()) not_found("project notice", project_id);
  auto now = clock_();
  bool open = p.state == ProjectState::public_notice && now >= parse_iso_utc(p.notice_starts) &&
              now < parse_iso_utc(p.notice_ends);
  return {p, open};
}

NoticeComment ParticipationService::comment(const User& user, std::int64_t project_id,
                                            const std::string& body_text) {
  std::string body = checked_text(body_text, "body", 1, 2000);
  return store_.write([&](ProjectTx& tx) {
    auto p = visible_project(tx, user, project_id);
    const auto region = speaking_region(user, p.region_code);
    if (!has_grant_over(user, {Role::villager}, region))
      forbidden("villagers_only", "只有本村村民可以对公示提出意见",
                "only villagers of the project's village comment on its public notice");
    auto now = clock_();
    if (p.state != ProjectState::public_notice || p.notice_ends.empty() ||
        now >= parse_iso_utc(p.notice_ends))
      throw RuleError("notice_closed",
                      "公示期已结束" + (p.notice_ends.empty() ? "" : "（" + p.notice_ends + "）") +
                          "，不再接受意见",
                      "the public notice is not open for comments (it ended " + p.notice_ends + ")");
    if (now < parse_iso_utc(p.notice_starts))
      throw RuleError("notice_not_started", "公示期尚未开始", "the public notice has not started");
    NoticeComment c{0, p.id, region, actor_of(user), body, iso_utc(now), "", "", ""};
    auto rows = tx.session().query(
        "INSERT INTO notice_comments(project_id, region_code, author, body, created_at) "
        "VALUES($1, $2, $3, $4, $5) RETURNING id",
        {num(c.project_id), c.region_code, c.author, c.body, c.created_at});
    c.id = i64(rows.at(0).at(0));
    tx.audit({actor_of(user), "participation.comment", "project:" + p.code,
              dump({{"comment", c.id}, {"chars", c.body.size()}})});
    tx.insert_event({0, "", "notice.commented", p.id, p.region_code, "",
                     dump({{"code", p.code}, {"comment", c.id}})});
    return c;
  });
}

std::vector<NoticeComment> ParticipationService::comments(const User& user, std::int64_t project_id) {
  return store_.read([&](ProjectTx& tx) {
    auto p = visible_project(tx, user, project_id);
    bool all = reader_over(user, p.region_code);
    std::vector<NoticeComment> out;
    for (const auto& r : tx.session().query(std::string("SELECT ") + kCommentColumns +
                                                " FROM notice_comments WHERE project_id = $1 ORDER BY id",
                                            {num(p.id)})) {
      auto c = comment_of(r);
      if (all || c.author == actor_of(user)) out.push_back(std::move(c));
    }
    return out;
  });
}

NoticeComment ParticipationService::reply(const User& user, std::int64_t comment_id,
                                          const std::string& text) {
  std::string reply_text = checked_text(text, "reply", 1, 4000);
  return store_.write([&](ProjectTx& tx) {
    auto rows = tx.session().query(
        std::string("SELECT ") + kCommentColumns + " FROM notice_comments WHERE id = $1",
        {num(comment_id)});
    if (rows.empty()) not_found("comment", comment_id);
    auto c = comment_of(rows[0]);
    auto p = tx.project(c.project_id);
    bool own = c.author == actor_of(user);
    if (!p || !may_see_project(user, *p) || (!own && !reader_over(user, c.region_code)))
      not_found("comment", comment_id);
    if (!has_grant_over(user, kPublishers, c.region_code))
      forbidden("not_an_official", "只有乡镇、村集体或牵头部门可以答复", "only officials reply to comments");
    if (!c.reply.empty())
      throw RuleError("already_replied", "该意见已答复", "the comment has already been replied to");
    c.reply = reply_text;
    c.replied_by = actor_of(user);
    c.replied_at = iso_utc(clock_());
    tx.session().query("UPDATE notice_comments SET reply = $2, replied_by = $3, replied_at = $4 WHERE id = $1",
                       {num(c.id), c.reply, c.replied_by, c.replied_at});
    tx.audit({actor_of(user), "participation.comment_reply", "project:" + p->code,
              dump({{"comment", c.id}})});
    tx.insert_event({0, "", "notice.replied", p->id, c.region_code, "",
                     dump({{"code", p->code}, {"comment", c.id}, {"to", c.author}})});
    return c;
  });
}

// ---- feedback ------------------------------------------------------------------------------

Feedback ParticipationService::submit_feedback(const User& user, const NewFeedback& in) {
  Feedback f;
  f.body = checked_text(in.body, "body", 1, 4000);
  if (!rules_.category(in.category)) {
    std::string list;
    for (const auto& c : rules_.feedback_categories) list += (list.empty() ? "" : ", ") + c.code;
    throw InvalidRequest("unknown_category", "未知的意见类别：" + in.category.substr(0, 64) + "（可选：" + list + "）",
                         "unknown category (categories: " + list + ")");
  }
  f.category = in.category;
  if (in.project_id == 0) {
    if (in.region_code.empty())
      throw InvalidRequest("missing_field", "须指明项目 project_id 或村 region_code",
                           "give project_id or region_code");
    checked_region(in.region_code);
  } else if (in.project_id < 0) {
    not_found("project", in.project_id);
  }
  if (!is_villager(user))
    forbidden("villagers_only", "意见和投诉由村民提出", "feedback is submitted by villagers");
  return store_.write([&](ProjectTx& tx) {
    std::string code;
    if (in.project_id > 0) {
      auto p = visible_project(tx, user, in.project_id);
      if (!in.region_code.empty() && in.region_code != p.region_code)
        throw InvalidRequest("region_mismatch", "region_code 与项目所在区域不符",
                             "region_code is not the project's region");
      f.project_id = p.id;
      f.region_code = speaking_region(user, p.region_code);
      code = p.code;
    } else {
      f.region_code = in.region_code;
    }
    if (!has_grant_over(user, {Role::villager}, f.region_code)) {
      if (f.project_id > 0)
        forbidden("villagers_only", "只有本村村民可以对该项目提出意见",
                  "only villagers of the project's village give feedback on it");
      throw NotFoundError("region " + f.region_code + " is outside your grants");
    }
    auto now = clock_();
    f.author = actor_of(user);
    f.status = "open";
    f.created_at = iso_utc(now);
    f.due_at = iso_utc(now + rules_.response_days * 86400);
    auto rows = tx.session().query(
        "INSERT INTO villager_feedback(region_code, project_id, author, category, body, status, "
        "created_at, due_at) VALUES($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        {f.region_code, num(f.project_id), f.author, f.category, f.body, f.status, f.created_at,
         f.due_at});
    f.id = i64(rows.at(0).at(0));
    auto d = feedback_audit(f);
    d["due_at"] = f.due_at;
    tx.audit({actor_of(user), "participation.feedback_submit", "feedback:" + num(f.id), dump(d)});
    tx.insert_event({0, "", "feedback.submitted", f.project_id, f.region_code, "",
                     dump({{"feedback", f.id}, {"category", f.category}, {"project", code},
                           {"due_at", f.due_at}})});
    return f;
  });
}

std::vector<Feedback> ParticipationService::feedback(const User& user, const FeedbackFilter& filter) {
  auto now = clock_();
  // Everything the filter asks for is decided in SQL: the author's own and what their reader
  // grants cover, the status, the project, and overdue (open or escalated, due before now: the
  // due times are all written by iso_utc, so they compare as text).
  SqlWhere w;
  w.terms.push_back("(author = " + w.param(actor_of(user)) + " OR " +
                    inside_grants_sql(w, user, kReaders) + ")");
  if (!filter.status.empty()) w.terms.push_back("status = " + w.param(filter.status));
  if (filter.project_id)
    w.terms.push_back("project_id = CAST(" + w.param(num(filter.project_id)) + " AS bigint)");
  if (filter.overdue_only)
    w.terms.push_back("status IN ('open', 'escalated') AND due_at < " + w.param(iso_utc(now)));
  auto rows = store_.read([&](ProjectTx& tx) {
    return tx.session().query(std::string("SELECT ") + kFeedbackColumns + " FROM villager_feedback" +
                                  w.sql() + " ORDER BY id",
                              w.params);
  });
  std::vector<Feedback> out;
  for (const auto& r : rows) {
    auto f = feedback_of(r, now);
    if (f.author != actor_of(user) && !reader_over(user, f.region_code)) continue;
    out.push_back(std::move(f));
  }
  return out;
}

namespace {
Feedback load_feedback(ProjectTx& tx, const User& user, std::int64_t id, std::int64_t now) {
  auto rows = tx.session().query(
      std::string("SELECT ") + kFeedbackColumns + " FROM villager_feedback WHERE id = $1", {num(id)});
  if (rows.empty()) not_found("feedback", id);
  auto f = feedback_of(rows[0], now);
  if (f.author != actor_of(user) && !reader_over(user, f.region_code)) not_found("feedback", id);
  return f;
}
}  // namespace

Feedback ParticipationService::feedback_item(const User& user, std::int64_t id) {
  auto now = clock_();
  return store_.read([&](ProjectTx& tx) { return load_feedback(tx, user, id, now); });
}

Feedback ParticipationService::answer_feedback(const User& user, std::int64_t id,
                                               const std::string& text) {
  std::string reply_text = checked_text(text, "reply", 1, 4000);
  auto now = clock_();
  return store_.write([&](ProjectTx& tx) {
    auto f = load_feedback(tx, user, id, now);
    if (!has_grant_over(user, kPublishers, f.region_code))
      forbidden("not_an_official", "只有乡镇、村集体或牵头部门可以答复意见",
                "only township, village collective or lead department officials answer feedback");
    if (f.status != "open" && f.status != "escalated")
      throw RuleError("already_answered", "该意见已答复", "the feedback has already been answered");
    f.status = "answered";
    f.reply = reply_text;
    f.answered_by = actor_of(user);
    f.answered_at = iso_utc(now);
    f.overdue = false;
    tx.session().query(
        "UPDATE villager_feedback SET status = $2, reply = $3, answered_by = $4, answered_at = $5 "
        "WHERE id = $1",
        {num(f.id), f.status, f.reply, f.answered_by, f.answered_at});
    auto d = feedback_audit(f);
    d["late"] = now > parse_iso_utc(f.due_at);
    tx.audit({actor_of(user), "participation.feedback_answer", "feedback:" + num(f.id), dump(d)});
    tx.insert_event({0, "", "feedback.answered", f.project_id, f.region_code, "",
                     dump({{"feedback", f.id}, {"to", f.author}})});
    return f;
  });
}

Feedback ParticipationService::close_feedback(const User& user, std::int64_t id) {
  auto now = clock_();
  return store_.write([&](ProjectTx& tx) {
    auto f = load_feedback(tx, user, id, now);
    if (f.author != actor_of(user) && !has_grant_over(user, kPublishers, f.region_code))
      forbidden("not_permitted", "您不能办结该意见", "you may not close this feedback");
    if (f.status != "answered")
      throw RuleError(f.status == "closed" ? "already_closed" : "not_answered",
                      f.status == "closed" ? "该意见已办结" : "意见尚未答复，不能办结",
                      f.status == "closed" ? "the feedback is already closed"
                                           : "feedback is closed only after it has been answered");
    f.status = "closed";
    f.closed_at = iso_utc(now);
    tx.session().query("UPDATE villager_feedback SET status = $2, closed_at = $3 WHERE id = $1",
                       {num(f.id), f.status, f.closed_at});
    tx.audit({actor_of(user), "participation.feedback_close", "feedback:" + num(f.id),
              dump(feedback_audit(f))});
    return f;
  });
}

std::vector<Feedback> ParticipationService::escalate_overdue(const User& user) {
  if (std::none_of(user.grants.begin(), user.grants.end(), [](const Grant& g) {
        return g.role == Role::township || g.role == Role::lead_department ||
               g.role == Role::leader_group || g.role == Role::admin;
      }))
    forbidden("not_permitted", "只有乡镇、牵头部门或领导小组可以督办超期意见",
              "only township, lead department or leader group escalate overdue feedback");
  auto now = clock_();
  return store_.write([&](ProjectTx& tx) {
    std::vector<Feedback> out;
    for (const auto& r : tx.session().query(std::string("SELECT ") + kFeedbackColumns +
                                            " FROM villager_feedback WHERE status = 'open' ORDER BY id")) {
      auto f = feedback_of(r, now);
      if (!f.overdue ||
          !has_grant_over(user, {Role::township, Role::lead_department, Role::leader_group, Role::admin},
                          f.region_code))
        continue;
      f.status = "escalated";
      f.escalated_at = iso_utc(now);
      tx.session().query("UPDATE villager_feedback SET status = $2, escalated_at = $3 WHERE id = $1",
                         {num(f.id), f.status, f.escalated_at});
      tx.audit({actor_of(user), "participation.feedback_escalate", "feedback:" + num(f.id),
                dump(feedback_audit(f))});
      tx.insert_event({0, "", "feedback.escalated", f.project_id, f.region_code, "",
                       dump({{"feedback", f.id}, {"due_at", f.due_at}})});
      out.push_back(std::move(f));
    }
    return out;
  });
}

// ---- assembly votes ------------------------------------------------------------------------

namespace {
void checked_village(const std::string& code) {
  checked_region(code);
  if (region_level(code) != RegionLevel::village)
    throw InvalidRequest("not_a_village", "村民代表会议按村组织：须为 12 位村级代码",
                         "an assembly belongs to a village: give a 12-digit village code");
}

std::vector<std::string> stored_representatives(ProjectTx& tx, const std::string& village) {
  std::vector<std::string> out;
  for (const auto& r : tx.session().query(
           "SELECT username FROM assembly_representatives WHERE region_code = $1 ORDER BY username",
           {village}))
    out.push_back(r[0]);
  return out;
}

// Officials of the village, or its villagers; others get 404 as for a village that is not there.
void check_sees_village(const User& user, const std::string& village) {
  if (!reader_over(user, village) && !has_grant_over(user, {Role::villager}, village))
    throw NotFoundError("village " + village + " is outside your grants");
}
}  // namespace

std::vector<std::string> ParticipationService::set_representatives(
    const User& user, const std::string& village, const std::vector<std::string>& usernames) {
  checked_village(village);
  check_sees_village(user, village);
  if (!has_grant_over(user, kAssemblyConveners, village))
    forbidden("not_a_convener", "只有村集体或乡镇可以确定村民代表",
              "only the village collective or the township names the representatives");
  if (usernames.empty() || usernames.size() > 300)
    throw InvalidRequest("invalid_representatives", "村民代表应为 1 至 300 人",
                         "give 1 to 300 representatives");
  std::set<std::string> seen;
  for (const auto& name : usernames) {
    if (name.size() > 64 || !seen.insert(name).second)
      throw InvalidRequest("invalid_representatives", "村民代表名单有重复或无效的用户名",
                           "the list repeats a username or holds an invalid one");
    std::optional<User> u;
    try {
      validate_username(name);
      if (identity_) u = identity_->find_user(name);
    } catch (const UsageError&) {
    }
    if (identity_ && (!u || !has_grant_over(*u, {Role::villager}, village)))
      throw InvalidRequest("not_a_villager", "用户 " + name + " 不是本村村民账户",
                           "user " + name + " is not a villager account of village " + village);
  }
  std::vector<std::string> sorted(seen.begin(), seen.end());
  return store_.write([&](ProjectTx& tx) {
    auto before = stored_representatives(tx, village);
    tx.session().query("DELETE FROM assembly_representatives WHERE region_code = $1", {village});
    for (const auto& name : sorted)
      tx.session().query("INSERT INTO assembly_representatives(region_code, username) VALUES($1, $2)",
                         {village, name});
    tx.audit({actor_of(user), "participation.representatives", "village:" + village,
              dump({{"before", before}, {"after", sorted}})});
    return sorted;
  });
}

std::vector<std::string> ParticipationService::representatives(const User& user,
                                                               const std::string& village) {
  checked_village(village);
  check_sees_village(user, village);
  return store_.read([&](ProjectTx& tx) { return stored_representatives(tx, village); });
}

AssemblyVote ParticipationService::open_vote(const User& user, const std::string& village,
                                             const std::string& question_text,
                                             std::int64_t project_id) {
  checked_village(village);
  AssemblyVote v;
  v.question = checked_text(question_text, "question", 1, 1000);
  check_sees_village(user, village);
  if (!has_grant_over(user, kAssemblyConveners, village))
    forbidden("not_a_convener", "只有村集体或乡镇可以发起表决",
              "only the village collective or the township opens an assembly vote");
  if (project_id < 0) not_found("project", project_id);
  return store_.write([&](ProjectTx& tx) {
    std::string code;
    if (project_id > 0) {
      auto p = visible_project(tx, user, project_id);
      if (!region_contains(p.region_code, village) && !region_contains(village, p.region_code))
        throw InvalidRequest("project_elsewhere", "该项目不涉及此村", "the project does not concern this village");
      code = p.code;
    }
    auto members = stored_representatives(tx, village);
    if (members.empty())
      throw RuleError("no_representatives", "该村尚未确定村民代表", "the village has no representatives yet");
    v.region_code = village;
    v.project_id = project_id;
    v.status = "open";
    v.opened_by = actor_of(user);
    v.opened_at = iso_utc(clock_());
    v.representatives = static_cast<std::int64_t>(members.size());
    auto rows = tx.session().query(
        "INSERT INTO assembly_votes(region_code, project_id, question, status, opened_by, opened_at, "
        "representatives) VALUES($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        {v.region_code, num(v.project_id), v.question, v.status, v.opened_by, v.opened_at,
         num(v.representatives)});
    v.id = i64(rows.at(0).at(0));
    for (const auto& m : members)
      tx.session().query("INSERT INTO assembly_members(vote_id, username) VALUES($1, $2)", {num(v.id), m});
    tx.audit({actor_of(user), "participation.vote_open", "vote:" + num(v.id),
              dump({{"village", village}, {"question", v.question}, {"project", code},
                    {"representatives", members}})});
    tx.insert_event({0, "", "vote.opened", v.project_id, village, "",
                     dump({{"vote", v.id}, {"question", v.question}})});
    return v;
  });
}

std::vector<AssemblyVote> ParticipationService::votes(const User& user) {
  std::vector<Role> roles = kReaders;
  roles.push_back(Role::villager);
  SqlWhere w;
  w.terms.push_back(inside_grants_sql(w, user, roles));
  auto rows = store_.read([&](ProjectTx& tx) {
    return tx.session().query(std::string("SELECT ") + kVoteColumns + " FROM assembly_votes" +
                                  w.sql() + " ORDER BY id DESC",
                              w.params);
  });
  std::vector<AssemblyVote> out;
  for (const auto& r : rows) {
    auto v = vote_of(r);
    if (reader_over(user, v.region_code) || has_grant_over(user, {Role::villager}, v.region_code))
      out.push_back(std::move(v));
  }
  return out;
}

namespace {
AssemblyVote load_vote(ProjectTx& tx, const User& user, std::int64_t id) {
  auto rows = tx.session().query(
      std::string("SELECT ") + kVoteColumns + " FROM assembly_votes WHERE id = $1", {num(id)});
  if (rows.empty()) not_found("vote", id);
  auto v = vote_of(rows[0]);
  if (!reader_over(user, v.region_code) && !has_grant_over(user, {Role::villager}, v.region_code))
    not_found("vote", id);
  return v;
}
}  // namespace

VoteView ParticipationService::vote(const User& user, std::int64_t id) {
  return store_.read([&](ProjectTx& tx) {
    VoteView view;
    view.vote = load_vote(tx, user, id);
    for (const auto& r : tx.session().query(
             "SELECT username FROM assembly_members WHERE vote_id = $1 ORDER BY username", {num(id)})) {
      view.members.push_back(r[0]);
      if (r[0] == actor_of(user)) view.is_representative = true;
    }
    bool official = reader_over(user, view.vote.region_code);
    view.official = official;
    for (const auto& r : tx.session().query(
             "SELECT vote_id, username, choice, cast_at FROM assembly_ballots WHERE vote_id = $1 "
             "ORDER BY username",
             {num(id)})) {
      Ballot b{i64(r[0]), r[1], r[2], r[3]};
      if (b.username == actor_of(user)) view.my_choice = b.choice;
      if (official) view.ballots.push_back(std::move(b));
    }
    // The running tally while open, from the ballots themselves.
    if (view.vote.status == "open") {
      count_ballots(tx, view.vote);
    }
    return view;
  });
}

Ballot ParticipationService::cast_ballot(const User& user, std::int64_t id, BallotChoice choice) {
  return store_.write([&](ProjectTx& tx) {
    auto v = load_vote(tx, user, id);
    auto member = tx.session().query(
        "SELECT username FROM assembly_members WHERE vote_id = $1 AND username = $2",
        {num(id), actor_of(user)});
    if (member.empty() || !has_grant_over(user, {Role::villager}, v.region_code))
      forbidden("not_a_representative", "您不是本次表决的村民代表",
                "you are not one of the representatives entitled to this vote");
    if (v.status != "open")
      throw RuleError("vote_closed", "表决已结束", "the vote is closed");
    auto existing = tx.session().query(
        "SELECT choice FROM assembly_ballots WHERE vote_id = $1 AND username = $2",
        {num(id), actor_of(user)});
    if (!existing.empty())
      throw RuleError("already_voted", "您已投票，不能重复投票", "you have already voted");
    Ballot b{id, actor_of(user), std::string(to_string(choice)), iso_utc(clock_())};
    tx.session().query(
        "INSERT INTO assembly_ballots(vote_id, username, choice, cast_at) VALUES($1, $2, $3, $4)",
        {num(id), b.username, b.choice, b.cast_at});
    tx.audit({actor_of(user), "participation.ballot", "vote:" + num(id), dump({{"choice", b.choice}})});
    // The running tally as GET /votes/{id} shows it to every reader of the vote; not who voted
    // (only officials see the ballots per representative) nor this ballot's choice on its own.
    count_ballots(tx, v);
    json d = {{"vote", id}, {"representatives", v.representatives}, {"yes", v.yes},
              {"no", v.no},  {"abstain", v.abstain},               {"cast", v.yes + v.no + v.abstain}};
    tx.insert_event({0, "", "vote.ballot_cast", v.project_id, v.region_code, "", dump(d)});
    return b;
  });
}

AssemblyVote ParticipationService::close_vote(const User& user, std::int64_t id) {
  return store_.write([&](ProjectTx& tx) {
    auto v = load_vote(tx, user, id);
    if (!has_grant_over(user, kAssemblyConveners, v.region_code))
      forbidden("not_a_convener", "只有村集体或乡镇可以结束表决",
                "only the village collective or the township closes an assembly vote");
    if (v.status != "open") throw RuleError("vote_closed", "表决已结束", "the vote is already closed");
    count_ballots(tx, v);
    v.passed = assembly_passes(v.yes, v.representatives);
    v.status = "closed";
    v.closed_by = actor_of(user);
    v.closed_at = iso_utc(clock_());
    tx.session().query(
        "UPDATE assembly_votes SET status = $2, closed_by = $3, closed_at = $4, yes_count = $5, "
        "no_count = $6, abstain_count = $7, passed = $8 WHERE id = $1",
        {num(id), v.status, v.closed_by, v.closed_at, num(v.yes), num(v.no), num(v.abstain),
         num(v.passed ? 1 : 0)});
    json d = {{"representatives", v.representatives}, {"yes", v.yes}, {"no", v.no},
              {"abstain", v.abstain}, {"passed", v.passed}};
    tx.audit({actor_of(user), "participation.vote_close", "vote:" + num(id), dump(d)});
    d["vote"] = v.id;
    tx.insert_event({0, "", "vote.closed", v.project_id, v.region_code, "", dump(d)});
    return v;
  });
}

// ---- surveys -------------------------------------------------------------------------------

Survey ParticipationService::create_survey(const User& user, const std::string& region_code,
                                           std::int64_t project_id, const std::string& title,
                                           const std::vector<SurveyQuestion>& questions) {
  checked_region(region_code);
  Survey s;
  s.region_code = region_code;
  s.title = checked_text(title, "title", 1, 200);
  if (questions.empty() || questions.size() > 30)
    throw InvalidRequest("invalid_questions", "问卷应有 1 至 30 个问题", "a survey has 1 to 30 questions");
  json qs = json::array();
  for (const auto& q : questions) {
    SurveyQuestion c{checked_text(q.text, "questions.text", 1, 500), {}};
    if (q.choices.size() < 2 || q.choices.size() > 10)
      throw InvalidRequest("invalid_choices", "每个问题应有 2 至 10 个选项",
                           "each question has 2 to 10 choices");
    for (const auto& ch : q.choices) c.choices.push_back(checked_text(ch, "questions.choices", 1, 100));
    qs.push_back({{"text", c.text}, {"choices", c.choices}});
    s.questions.push_back(std::move(c));
  }
  if (!has_grant_over(user, kPublishers, region_code)) {
    if (reaches(user, region_code))
      forbidden("not_a_publisher", "您不能在该区域发起调查", "you may not create surveys for this region");
    throw NotFoundError("region " + region_code + " is outside your grants");
  }
  if (project_id < 0) not_found("project", project_id);
  return store_.write([&](ProjectTx& tx) {
    std::string code;
    if (project_id > 0) {
      auto p = visible_project(tx, user, project_id);
      if (!region_contains(p.region_code, region_code) && !region_contains(region_code, p.region_code))
        throw InvalidRequest("project_elsewhere", "该项目不在此区域", "the project is not in this region");
      code = p.code;
    }
    s.project_id = project_id;
    s.status = "open";
    s.created_by = actor_of(user);
    s.created_at = iso_utc(clock_());
    auto rows = tx.session().query(
        "INSERT INTO villager_surveys(region_code, project_id, title, questions, status, created_by, "
        "created_at) VALUES($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        {s.region_code, num(s.project_id), s.title, dump(qs), s.status, s.created_by, s.created_at});
    s.id = i64(rows.at(0).at(0));
    tx.audit({actor_of(user), "participation.survey_create", "survey:" + num(s.id),
              dump({{"region", s.region_code}, {"project", code}, {"title", s.title},
                    {"questions", qs.size()}})});
    tx.insert_event({0, "", "survey.opened", s.project_id, s.region_code, "",
                     dump({{"survey", s.id}, {"title", s.title}})});
    return s;
  });
}

std::vector<Survey> ParticipationService::surveys(const User& user) {
  SqlWhere w;
  w.terms.push_back(reaches_sql(w, user));
  auto rows = store_.read([&](ProjectTx& tx) {
    return tx.session().query(std::string("SELECT ") + kSurveyColumns + " FROM villager_surveys" +
                                  w.sql() + " ORDER BY id DESC",
                              w.params);
  });
  std::vector<Survey> out;
  for (const auto& r : rows) {
    auto s = survey_of(r);
    if (reaches(user, s.region_code)) out.push_back(std::move(s));
  }
  return out;
}

namespace {
Survey load_survey(ProjectTx& tx, const User& user, std::int64_t id) {
  auto rows = tx.session().query(
      std::string("SELECT ") + kSurveyColumns + " FROM villager_surveys WHERE id = $1", {num(id)});
  if (rows.empty()) not_found("survey", id);
  auto s = survey_of(rows[0]);
  if (!reaches(user, s.region_code)) not_found("survey", id);
  return s;
}
}  // namespace

SurveyView ParticipationService::survey(const User& user, std::int64_t id) {
  return store_.read([&](ProjectTx& tx) {
    SurveyView view;
    view.survey = load_survey(tx, user, id);
    for (const auto& q : view.survey.questions)
      view.results.push_back({std::vector<std::int64_t>(q.choices.size(), 0), 0, 0});
    for (const auto& r : tx.session().query(
             "SELECT username, answers FROM villager_survey_responses WHERE survey_id = $1 ORDER BY id",
             {num(id)})) {
      auto answers = json::parse(r[1]);
      ++view.responses;
      for (std::size_t i = 0; i < answers.size() && i < view.results.size(); ++i) {
        auto a = answers[i].get<std::int64_t>();
        if (a < 0 || a >= static_cast<std::int64_t>(view.results[i].counts.size())) continue;
        ++view.results[i].counts[a];
        view.results[i].score_sum += a + 1;
      }
      if (r[0] == actor_of(user))
        for (const auto& a : answers) view.my_answers.push_back(a.get<std::int64_t>());
    }
    for (auto& q : view.results)
      q.average = view.responses ? static_cast<double>(q.score_sum) / static_cast<double>(view.responses) : 0;
    return view;
  });
}

void ParticipationService::respond(const User& user, std::int64_t id,
                                   const std::vector<std::int64_t>& answers) {
  store_.write([&](ProjectTx& tx) {
    auto s = load_survey(tx, user, id);
    bool villager = false;
    for (const auto& g : user.grants)
      if (g.role == Role::villager &&
          (region_contains(s.region_code, g.region_code) || region_contains(g.region_code, s.region_code)))
        villager = true;
    if (!villager) forbidden("villagers_only", "调查由村民作答", "surveys are answered by villagers");
    if (answers.size() != s.questions.size())
      throw InvalidRequest("invalid_answers",
                           "应回答全部 " + std::to_string(s.questions.size()) + " 个问题",
                           "answer all " + std::to_string(s.questions.size()) + " questions");
    for (std::size_t i = 0; i < answers.size(); ++i)
      if (answers[i] < 0 || answers[i] >= static_cast<std::int64_t>(s.questions[i].choices.size()))
        throw InvalidRequest("invalid_answers", "第 " + std::to_string(i + 1) + " 题的选项无效",
                             "answer " + std::to_string(i + 1) + " is not one of its choices");
    if (s.status != "open") throw RuleError("survey_closed", "调查已结束", "the survey is closed");
    if (!tx.session()
             .query("SELECT id FROM villager_survey_responses WHERE survey_id = $1 AND username = $2",
                    {num(id), actor_of(user)})
             .empty())
      throw RuleError("already_responded", "您已参加过本次调查", "you have already answered this survey");
    tx.session().query(
        "INSERT INTO villager_survey_responses(survey_id, username, answers, created_at) "
        "VALUES($1, $2, $3, $4)",
        {num(id), actor_of(user), dump(json(answers)), iso_utc(clock_())});
    // Who answered is audited, not what: the answers are the villager's own.
    tx.audit({actor_of(user), "participation.survey_response", "survey:" + num(id), "{}"});
  });
}

Survey ParticipationService::close_survey(const User& user, std::int64_t id) {
  return store_.write([&](ProjectTx& tx) {
    auto s = load_survey(tx, user, id);
    if (!has_grant_over(user, kPublishers, s.region_code))
      forbidden("not_a_publisher", "您不能结束该调查", "you may not close this survey");
    if (s.status != "open") throw RuleError("survey_closed", "调查已结束", "the survey is already closed");
    s.status = "closed";
    s.closed_at = iso_utc(clock_());
    tx.session().query("UPDATE villager_surveys SET status = $2, closed_at = $3 WHERE id = $1",
                       {num(id), s.status, s.closed_at});
    tx.audit({actor_of(user), "participation.survey_close", "survey:" + num(id), "{}"});
    return s;
  });
}

}  // namespace gz::services
