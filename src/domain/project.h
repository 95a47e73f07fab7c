// The consolidation project and its lifecycle (DESIGN.md §2.3): the states a project passes
// through, the actions that move it, and who may take each action. The guards that need data
// (compliance on the current plan, reviews in, notice over) are checked by services/projects.
// No I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/identity.h"

namespace gz {

enum class ProjectState {
  draft,               // 草稿
  submitted,           // 已申报
  compliance_checked,  // 已合规审查
  joint_review,        // 会审中
  approved,            // 已立项
  returned,            // 已退回
  rejected,            // 未通过
  public_notice,       // 公示中
  implementation,      // 实施中
  completed,           // 已竣工
  accepted,            // 已验收
  evaluated,           // 已绩效评价
  maintenance,         // 管护中
};
std::string_view to_string(ProjectState s);
std::string_view chinese_name(ProjectState s);
// Throws UsageError listing the states.
ProjectState parse_project_state(std::string_view name);
const std::vector<ProjectState>& all_project_states();

enum class ProjectAction {
  submit,                // draft | returned → submitted
  check_compliance,      // submitted | compliance_checked → compliance_checked (re-run allowed)
  start_review,          // compliance_checked → joint_review
  approve,               // joint_review → approved
  return_for_revision,   // submitted | compliance_checked | joint_review → returned
  reject,                // joint_review → rejected
  publish_notice,        // approved → public_notice
  start_implementation,  // public_notice → implementation (notice period over)
  complete,              // implementation → completed
  accept,                // completed → accepted (acceptance indicators met)
  evaluate,              // accepted → evaluated
  start_maintenance,     // evaluated → maintenance
};
std::string_view to_string(ProjectAction a);
std::string_view chinese_name(ProjectAction a);
// Throws UsageError listing the actions.
ProjectAction parse_project_action(std::string_view name);
const std::vector<ProjectAction>& all_project_actions();

struct ProjectTransition {
  ProjectAction action;
  std::vector<ProjectState> from;
  ProjectState to;
  std::vector<Role> roles;  // who may take it (with a grant over the project's region)
};
const std::vector<ProjectTransition>& project_transitions();
const ProjectTransition& transition_for(ProjectAction a);

// Roles that may create projects and edit their plans (while draft or returned).
const std::vector<Role>& project_applicant_roles();
// Whether the plan of a project in this state may still be edited.
bool plan_editable(ProjectState s);
// Villagers see a project from its public notice on; investors from approval on.
bool visible_to_public(ProjectState s);
bool visible_to_investor(ProjectState s);

// One review a department owes or has given. decision: "" while pending, else one of
// approve, approve_with_conditions, reject.
enum class ReviewDecision { approve, approve_with_conditions, reject };
std::string_view to_string(ReviewDecision d);
ReviewDecision parse_review_decision(std::string_view name);

}  // namespace gz
