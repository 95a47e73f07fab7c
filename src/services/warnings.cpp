#include "services/warnings.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>

#include "common/data_dir.h"
#include "common/error.h"
#include "services/request_text.h"
#include "storage/schema_probe.h"
#include "storage/sql_identity_store.h"

namespace gz::services {

using nlohmann::json;
using storage::ProjectRecord;
using storage::ProjectTx;

namespace {

const std::vector<std::string> kLevels = {"yellow", "orange", "red"};

std::string num(std::int64_t v) { return std::to_string(v); }
std::int64_t i64(const std::string& s) { return s.empty() ? 0 : std::stoll(s); }
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// Whole days from `from` to `to` (Unix seconds), rounded down; negative when `to` is earlier.
std::int64_t days_between(std::int64_t from, std::int64_t to) {
  auto d = to - from;
  return d >= 0 ? d / 86400 : -((-d + 86399) / 86400);
}

// "2026-06-30" → Unix seconds of its start (UTC); 0 when malformed.
std::int64_t date_seconds(const std::string& date) {
  std::tm tm{};
  if (date.size() < 10 || !strptime(date.substr(0, 10).c_str(), "%Y-%m-%d", &tm)) return 0;
  return timegm(&tm);
}

double round1(double v) { return std::round(v * 10) / 10; }

std::string fixed1(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string fen_yuan(std::int64_t fen) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%lld.%02lld", static_cast<long long>(fen / 100),
                static_cast<long long>(std::llabs(fen % 100)));
  return buf;
}

}  // namespace

const WarningRule* WarningRules::find(const std::string& rule) const {
  for (const auto& r : rules)
    if (r.rule == rule) return &r;
  return nullptr;
}

WarningRules WarningRules::parse(const std::string& text, const std::string& origin) {
  WarningRules out;
  try {
    auto j = json::parse(text);
    if (j.contains("departments")) {
      out.lead_department = j["departments"].value("lead", out.lead_department);
      out.finance_department = j["departments"].value("finance", out.finance_department);
    }
    for (const auto& c : j.value("complaint_categories", json::array()))
      out.complaint_categories.push_back(c.get<std::string>());
    if (j.contains("orders")) out.escalate_again_days = j["orders"].value("escalate_again_days", 3);
    if (out.escalate_again_days < 1)
      throw Error(origin + ": orders.escalate_again_days must be at least 1");
    for (const auto& r : j.at("rules")) {
      WarningRule w;
      w.rule = r.at("rule").get<std::string>();
      w.name_zh = r.at("name_zh").get<std::string>();
      w.name_en = r.at("name_en").get<std::string>();
      w.figure = r.at("figure").get<std::string>();
      w.responsible = r.at("responsible").get<std::string>();
      if (w.responsible != "implementer" && w.responsible != "finance" && w.responsible != "lead_department")
        throw Error(origin + ": rule " + w.rule + ": responsible must be implementer, finance or lead_department");
      double last = -1e300;
      for (const auto& level : kLevels) {
        if (!r.at("thresholds").contains(level))
          throw Error(origin + ": rule " + w.rule + ": thresholds." + level + " is missing");
        double t = r["thresholds"][level].get<double>();
        if (t < last) throw Error(origin + ": rule " + w.rule + ": thresholds must rise from yellow to red");
        last = t;
        w.thresholds[level] = t;
      }
      out.rules.push_back(std::move(w));
    }
  } catch (const json::exception& e) {
    throw Error(origin + ": " + e.what());
  }
  return out;
}

const WarningRules& WarningRules::standard() {
  static const WarningRules rules = [] {
    auto path = data_dir() + "/warnings.json";
    return parse(read_file(path), path);
  }();
  return rules;
}

std::string warning_level(const WarningRule& rule, double figure) {
  std::string out;
  for (const auto& level : kLevels)
    if (figure >= rule.thresholds.at(level)) out = level;
  return out;
}

int level_rank(const std::string& level) {
  for (std::size_t i = 0; i < kLevels.size(); ++i)
    if (kLevels[i] == level) return static_cast<int>(i) + 1;
  return 0;
}

bool reads_warnings(const User& user) {
  for (const auto& g : user.grants)
    if (g.role != Role::villager && g.role != Role::expert) return true;
  return false;
}

WarningService::WarningService(storage::ProjectStore& store, const WarningRules& rules, Clock clock)
    : store_(store), rules_(rules), clock_(std::move(clock)) {}

std::vector<ProjectWarning> WarningService::project_warnings(ProjectTx& tx, const ProjectRecord& p) const {
  std::vector<ProjectWarning> out;
  const auto now = clock_();
  auto& s = tx.session();
  const std::string county = p.region_code.size() >= 6 ? p.region_code.substr(0, 6) : p.region_code;
  auto responsible = [&](const WarningRule& rule) {
    if (rule.responsible == "finance") return ResponsibleUnit{"department", county, rules_.finance_department};
    if (rule.responsible == "lead_department") return ResponsibleUnit{"department", county, rules_.lead_department};
    switch (region_level(p.region_code)) {
      case RegionLevel::village: return ResponsibleUnit{"village_collective", p.region_code, ""};
      case RegionLevel::township: return ResponsibleUnit{"township", p.region_code, ""};
      default: return ResponsibleUnit{"department", county, rules_.lead_department};
    }
  };
  auto raise = [&](const std::string& rule_name, const std::string& subject, double figure, json figures,
                   const std::string& zh, const std::string& en) {
    const auto* rule = rules_.find(rule_name);
    if (!rule) return;
    auto level = warning_level(*rule, figure);
    if (level.empty()) return;
    ProjectWarning w;
    w.key = rule_name + ":" + num(p.id) + (subject.empty() ? "" : ":" + subject);
    w.rule = rule_name;
    w.level = level;
    w.project_id = p.id;
    w.project_code = p.code;
    w.project_name = p.name;
    w.region_code = p.region_code;
    w.responsible = responsible(*rule);
    figures[rule->figure] = figure;
    w.figures = dump(figures);
    w.message_zh = zh;
    w.message_en = en;
    out.push_back(std::move(w));
  };
  const bool underway = p.state == ProjectState::approved || p.state == ProjectState::public_notice ||
                        p.state == ProjectState::implementation || p.state == ProjectState::completed;

  // Milestones: overdue ones, and the schedule.
  double weight = 0, planned_weight = 0, done = 0;
  bool has_milestones = false;
  if (storage::has_column(s, "progress_milestones", "weight")) {
    const auto today = days_between(0, now) * 86400;
    for (const auto& r : s.query("SELECT id, name, planned_date, percent, weight FROM progress_milestones "
                                 "WHERE project_id = $1 ORDER BY id",
                                 {num(p.id)})) {
      has_milestones = true;
      const double w = static_cast<double>(i64(r[4])), percent = static_cast<double>(i64(r[3]));
      const auto planned = date_seconds(r[2]);
      weight += w;
      done += w * percent;
      if (planned && planned < today + 86400) planned_weight += w;  // due by the end of today
      if (p.state == ProjectState::implementation && percent < 100 && planned && today > planned) {
        auto days = days_between(planned, today);
        raise("milestone_overdue", r[0], static_cast<double>(days),
              {{"milestone", i64(r[0])}, {"milestone_name", r[1]}, {"planned_date", r[2]}, {"percent", i64(r[3])}},
              "里程碑“" + r[1] + "”计划 " + r[2] + " 完成，已逾期 " + num(days) + " 天（完成 " + r[3] + "%）",
              "milestone \"" + r[1] + "\" was due " + r[2] + ": " + num(days) + " days overdue at " + r[3] + "%");
      }
    }
  }
  const double actual = weight > 0 ? round1(done / weight) : 0;
  const double planned_pct = weight > 0 ? round1(planned_weight / weight * 100) : 0;
  if (p.state == ProjectState::implementation && has_milestones) {
    double behind = round1(planned_pct - actual);
    raise("progress_behind", "", behind, {{"planned_percent", planned_pct}, {"actual_percent", actual}},
          "按计划应完成 " + fixed1(planned_pct) + "%，实际完成 " + fixed1(actual) + "%，滞后 " + fixed1(behind) + " 个百分点",
          "planned " + fixed1(planned_pct) + "%, achieved " + fixed1(actual) + "%: " + fixed1(behind) + " points behind");
  }

  // Funds: disbursed ahead of progress, or lying idle.
  if (underway && storage::has_column(s, "fund_ledger", "kind")) {
    auto rows = s.query(
        "SELECT COALESCE(SUM(CASE WHEN kind = 'allocation' THEN amount_fen ELSE 0 END), 0), "
        "COALESCE(SUM(CASE WHEN kind = 'disbursement' THEN amount_fen ELSE 0 END), 0), "
        "MIN(CASE WHEN kind = 'allocation' THEN time END), MAX(CASE WHEN kind = 'disbursement' THEN time END) "
        "FROM fund_ledger WHERE project_id = $1",
        {num(p.id)});
    const auto allocated = i64(rows.at(0)[0]), disbursed = i64(rows.at(0)[1]);
    if (allocated > 0) {
      const double disbursed_pct = round1(static_cast<double>(disbursed) * 100 / static_cast<double>(allocated));
      if (p.state == ProjectState::implementation || p.state == ProjectState::completed) {
        double ahead = round1(disbursed_pct - actual);
        raise("disbursement_ahead", "", ahead,
              {{"allocated_fen", allocated}, {"disbursed_fen", disbursed}, {"disbursed_percent", disbursed_pct},
               {"actual_percent", actual}},
              "已拨付 " + fixed1(disbursed_pct) + "%（" + fen_yuan(disbursed) + " 元），工程进度 " + fixed1(actual) +
                  "%，超前 " + fixed1(ahead) + " 个百分点",
              "disbursed " + fixed1(disbursed_pct) + "% while progress is " + fixed1(actual) + "%: " + fixed1(ahead) +
                  " points ahead");
      }
      if (allocated > disbursed) {
        const std::string since = rows[0][3].empty() ? rows[0][2] : rows[0][3];
        auto days = days_between(parse_iso_utc(since.substr(0, 19) + "Z"), now);
        raise("funds_idle", "", static_cast<double>(days),
              {{"balance_fen", allocated - disbursed}, {"since", since.substr(0, 10)}},
              fen_yuan(allocated - disbursed) + " 元已下达未拨付，闲置 " + num(days) + " 天（自 " + since.substr(0, 10) + "）",
              fen_yuan(allocated - disbursed) + " yuan allocated and not disbursed for " + num(days) + " days");
      }
    }
  }

  // Acceptance: completed, not accepted. The works finished on the last milestone's actual date;
  // without one, when the completion was recorded.
  if (p.state == ProjectState::completed) {
    std::string finished;
    if (storage::has_column(s, "progress_milestones", "actual_date")) {
      auto rows = s.query("SELECT MAX(actual_date) FROM progress_milestones WHERE project_id = $1", {num(p.id)});
      if (!rows.empty()) finished = rows[0][0].substr(0, std::min<std::size_t>(rows[0][0].size(), 10));
    }
    std::int64_t since = finished.empty() ? 0 : date_seconds(finished);
    if (!since) {
      auto rows = s.query("SELECT MAX(time) FROM project_transitions WHERE project_id = $1 AND to_state = 'completed'",
                          {num(p.id)});
      if (!rows.empty() && !rows[0][0].empty()) {
        finished = rows[0][0].substr(0, 10);
        since = parse_iso_utc(rows[0][0].substr(0, 19) + "Z");
      }
    }
    if (since) {
      auto days = days_between(since, now);
      raise("acceptance_overdue", "", static_cast<double>(days), {{"completed_at", finished}},
            "已于 " + finished + " 竣工，" + num(days) + " 天未验收",
            "completed on " + finished + ", not accepted for " + num(days) + " days");
    }
  }

  // Villagers: unanswered notice comments, overdue complaints.
  if (storage::has_column(s, "notice_comments", "reply")) {
    auto rows = s.query("SELECT COUNT(*), MIN(created_at) FROM notice_comments WHERE project_id = $1 AND reply = ''",
                        {num(p.id)});
    if (i64(rows.at(0)[0]) > 0) {
      auto days = days_between(parse_iso_utc(rows[0][1]), now);
      raise("notice_comments_unanswered", "", static_cast<double>(days),
            {{"comments", i64(rows[0][0])}, {"oldest", rows[0][1].substr(0, 10)}},
            "公示意见 " + rows[0][0] + " 条未答复，最早一条已 " + num(days) + " 天",
            rows[0][0] + " notice comments unanswered, the oldest for " + num(days) + " days");
    }
  }
  if (!rules_.complaint_categories.empty() && storage::has_column(s, "villager_feedback", "due_at")) {
    std::string in;
    std::vector<std::string> params{num(p.id), iso_utc(now)};
    for (const auto& c : rules_.complaint_categories) {
      params.push_back(c);
      in += (in.empty() ? "$" : ", $") + std::to_string(params.size());
    }
    auto rows = s.query("SELECT COUNT(*), MIN(due_at) FROM villager_feedback WHERE project_id = $1 AND status IN "
                        "('open', 'escalated') AND due_at < $2 AND category IN (" + in + ")",
                        params);
    if (i64(rows.at(0)[0]) > 0) {
      auto days = days_between(parse_iso_utc(rows[0][1]), now);
      raise("complaint_overdue", "", static_cast<double>(days),
            {{"complaints", i64(rows[0][0])}, {"earliest_due", rows[0][1].substr(0, 10)}},
            "村民投诉 " + rows[0][0] + " 件超期未答复，最久超期 " + num(days) + " 天",
            rows[0][0] + " complaints unanswered past due, the longest by " + num(days) + " days");
    }
  }
  return out;
}

std::vector<ProjectWarning> WarningService::warnings(const User& user, const WarningFilter& filter) const {
  if (!filter.level.empty() && level_rank(filter.level) == 0)
    throw InvalidRequest("invalid_level", "level 应为 yellow、orange 或 red", "level must be yellow, orange or red");
  if (!filter.rule.empty() && !rules_.find(filter.rule))
    throw InvalidRequest("invalid_rule", "未知的预警规则：" + filter.rule.substr(0, 64), "unknown rule " + filter.rule.substr(0, 64));
  std::vector<ProjectWarning> out;
  if (!reads_warnings(user)) return out;
  store_.read([&](ProjectTx& tx) {
    for (const auto& p : tx.projects(std::nullopt, false)) {
      if (!may_see_project(user, p)) continue;
      if (!filter.region.empty() && !region_contains(filter.region, p.region_code)) continue;
      for (auto& w : project_warnings(tx, p)) {
        if (!filter.level.empty() && w.level != filter.level) continue;
        if (!filter.rule.empty() && w.rule != filter.rule) continue;
        out.push_back(std::move(w));
      }
    }
  });
  std::stable_sort(out.begin(), out.end(), [](const ProjectWarning& a, const ProjectWarning& b) {
    return level_rank(a.level) > level_rank(b.level);
  });
  return out;
}

}  // namespace gz::services
