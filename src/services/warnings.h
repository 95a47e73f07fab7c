// Project early warnings (预警, DESIGN.md §2.12, issue 15 item 4), computed from the project data
// when read, with their thresholds in data/warnings.json:
// - milestone_overdue: a milestone below 100% past its planned date (days overdue);
// - progress_behind: the weighted progress behind the planned schedule (the weight share of the
//   milestones planned by today, in percentage points);
// - disbursement_ahead: the share of the pool disbursed ahead of the weighted progress
//   (percentage points);
// - funds_idle: money allocated and not disbursed for N days (since the last disbursement, or
//   the first allocation when none);
// - acceptance_overdue: completed and not accepted for N days (since the works finished: the last
//   milestone's actual date, or the recorded completion when no milestone has one);
// - notice_comments_unanswered: comments on the public notice without a reply for N days;
// - complaint_overdue: complaints (blocking categories of data/participation.json) unanswered
//   past their due date.
// Each warning names the project, the unit responsible, the rule, its level (yellow / orange /
// red: the highest threshold the figure reaches) and the figures. A warning's key
// (rule:project[:milestone]) names it while it holds, so an order can be issued from it.
// Who sees them: officials, investors, auditors and admins who may see the project; villagers and
// experts see none.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "domain/identity.h"
#include "services/orders.h"
#include "services/projects.h"
#include "storage/project_store.h"

namespace gz::services {

struct WarningRule {
  std::string rule, name_zh, name_en;
  std::string figure;  // the figure compared with the thresholds (days, points)
  std::map<std::string, double> thresholds;  // yellow / orange / red
  std::string responsible;                   // implementer | finance | lead_department
};

struct WarningRules {
  std::vector<WarningRule> rules;
  std::string lead_department = "自然资源局", finance_department = "财政局";
  std::vector<std::string> complaint_categories;
  std::int64_t escalate_again_days = 3;
  const WarningRule* find(const std::string& rule) const;
  // data/warnings.json, read once.
  static const WarningRules& standard();
  // Throws Error naming `origin` and the rule when malformed.
  static WarningRules parse(const std::string& json_text, const std::string& origin);
};

// yellow < orange < red; "" below every threshold.
std::string warning_level(const WarningRule& rule, double figure);
int level_rank(const std::string& level);

struct ProjectWarning {
  std::string key, rule, level;
  std::int64_t project_id = 0;
  std::string project_code, project_name, region_code;
  ResponsibleUnit responsible;
  std::string figures = "{}";  // JSON object: the figures the rule compared, and what it names
  std::string message_zh, message_en;
};

struct WarningFilter {
  std::string level, rule, region;
};

class WarningService {
 public:
  WarningService(storage::ProjectStore& store, const WarningRules& rules = WarningRules::standard(),
                 Clock clock = system_clock_seconds);
  // The warnings of the projects the user may see, most severe first.
  std::vector<ProjectWarning> warnings(const User& user, const WarningFilter& filter = {}) const;
  // The warnings of one project as they are now (inside a transaction of the caller).
  std::vector<ProjectWarning> project_warnings(storage::ProjectTx& tx,
                                               const storage::ProjectRecord& project) const;
  const WarningRules& rules() const { return rules_; }
  std::int64_t now() const { return clock_(); }

 private:
  storage::ProjectStore& store_;
  const WarningRules& rules_;
  Clock clock_;
};

// Whether the user is one warnings are shown to (not a villager or expert only).
bool reads_warnings(const User& user);

}  // namespace gz::services
