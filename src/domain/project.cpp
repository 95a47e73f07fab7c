#include "domain/project.h"

#include <algorithm>
#include <stdexcept>

#include "common/error.h"

namespace gz {

namespace {
struct StateName {
  ProjectState state;
  const char* en;
  const char* zh;
};
constexpr StateName kStates[] = {
    {ProjectState::draft, "draft", "草稿"},
    {ProjectState::submitted, "submitted", "已申报"},
    {ProjectState::compliance_checked, "compliance_checked", "已合规审查"},
    {ProjectState::joint_review, "joint_review", "会审中"},
    {ProjectState::approved, "approved", "已立项"},
    {ProjectState::returned, "returned", "已退回"},
    {ProjectState::rejected, "rejected", "未通过"},
    {ProjectState::public_notice, "public_notice", "公示中"},
    {ProjectState::implementation, "implementation", "实施中"},
    {ProjectState::completed, "completed", "已竣工"},
    {ProjectState::accepted, "accepted", "已验收"},
    {ProjectState::evaluated, "evaluated", "已绩效评价"},
    {ProjectState::maintenance, "maintenance", "管护中"},
};

struct ActionName {
  ProjectAction action;
  const char* en;
  const char* zh;
};
constexpr ActionName kActions[] = {
    {ProjectAction::submit, "submit", "申报"},
    {ProjectAction::check_compliance, "check_compliance", "合规审查"},
    {ProjectAction::start_review, "start_review", "发起会审"},
    {ProjectAction::approve, "approve", "立项"},
    {ProjectAction::return_for_revision, "return", "退回修改"},
    {ProjectAction::reject, "reject", "不予立项"},
    {ProjectAction::publish_notice, "publish_notice", "发布公示"},
    {ProjectAction::start_implementation, "start_implementation", "开工实施"},
    {ProjectAction::complete, "complete", "竣工"},
    {ProjectAction::accept, "accept", "验收"},
    {ProjectAction::evaluate, "evaluate", "绩效评价"},
    {ProjectAction::start_maintenance, "start_maintenance", "移交管护"},
};

template <class Table, class T>
std::string names_of(const Table& table) {
  std::string out;
  for (const auto& e : table) out += (out.empty() ? "" : ", ") + std::string(e.en);
  return out;
}
}  // namespace

std::string_view to_string(ProjectState s) {
  for (const auto& e : kStates)
    if (e.state == s) return e.en;
  return "unknown";
}
std::string_view chinese_name(ProjectState s) {
  for (const auto& e : kStates)
    if (e.state == s) return e.zh;
  return "未知";
}
ProjectState parse_project_state(std::string_view name) {
  for (const auto& e : kStates)
    if (name == e.en) return e.state;
  throw UsageError("unknown project state '" + std::string(name) +
                   "'; states: " + names_of<decltype(kStates), ProjectState>(kStates));
}
const std::vector<ProjectState>& all_project_states() {
  static const std::vector<ProjectState> all = [] {
    std::vector<ProjectState> v;
    for (const auto& e : kStates) v.push_back(e.state);
    return v;
  }();
  return all;
}

std::string_view to_string(ProjectAction a) {
  for (const auto& e : kActions)
    if (e.action == a) return e.en;
  return "unknown";
}
std::string_view chinese_name(ProjectAction a) {
  for (const auto& e : kActions)
    if (e.action == a) return e.zh;
  return "未知";
}
ProjectAction parse_project_action(std::string_view name) {
  for (const auto& e : kActions)
    if (name == e.en) return e.action;
  throw UsageError("unknown project action '" + std::string(name) +
                   "'; actions: " + names_of<decltype(kActions), ProjectAction>(kActions));
}
const std::vector<ProjectAction>& all_project_actions() {
  static const std::vector<ProjectAction> all = [] {
    std::vector<ProjectAction> v;
    for (const auto& e : kActions) v.push_back(e.action);
    return v;
  }();
  return all;
}

const std::vector<ProjectTransition>& project_transitions() {
  using S = ProjectState;
  using A = ProjectAction;
  using R = Role;
  // The lead department (natural resources) runs the procedure; the leader group decides;
  // townships and village collectives apply and carry out the works.
  static const std::vector<ProjectTransition> table = {
      {A::submit, {S::draft, S::returned}, S::submitted,
       {R::township, R::village_collective, R::investor, R::lead_department}},
      {A::check_compliance, {S::submitted, S::compliance_checked}, S::compliance_checked,
       {R::lead_department}},
      {A::start_review, {S::compliance_checked}, S::joint_review, {R::lead_department}},
      {A::approve, {S::joint_review}, S::approved, {R::leader_group, R::lead_department}},
      {A::return_for_revision, {S::submitted, S::compliance_checked, S::joint_review}, S::returned,
       {R::leader_group, R::lead_department}},
      {A::reject, {S::joint_review}, S::rejected, {R::leader_group, R::lead_department}},
      {A::publish_notice, {S::approved}, S::public_notice, {R::lead_department, R::township}},
      {A::start_implementation, {S::public_notice}, S::implementation,
       {R::lead_department, R::township}},
      {A::complete, {S::implementation}, S::completed,
       {R::township, R::investor, R::lead_department}},
      {A::accept, {S::completed}, S::accepted, {R::lead_department}},
      {A::evaluate, {S::accepted}, S::evaluated, {R::lead_department, R::expert}},
      {A::start_maintenance, {S::evaluated}, S::maintenance,
       {R::township, R::village_collective, R::lead_department}},
  };
  return table;
}

const ProjectTransition& transition_for(ProjectAction a) {
  for (const auto& t : project_transitions())
    if (t.action == a) return t;
  throw std::logic_error("no transition for action " + std::string(to_string(a)));
}

const std::vector<Role>& project_applicant_roles() {
  static const std::vector<Role> roles = {Role::township, Role::village_collective,
                                          Role::investor, Role::lead_department};
  return roles;
}

bool plan_editable(ProjectState s) { return s == ProjectState::draft || s == ProjectState::returned; }

bool visible_to_public(ProjectState s) {
  switch (s) {
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
bool visible_to_investor(ProjectState s) {
  return s == ProjectState::approved || visible_to_public(s);
}

std::string_view to_string(ReviewDecision d) {
  switch (d) {
    case ReviewDecision::approve: return "approve";
    case ReviewDecision::approve_with_conditions: return "approve_with_conditions";
    case ReviewDecision::reject: return "reject";
  }
  return "unknown";
}
ReviewDecision parse_review_decision(std::string_view name) {
  if (name == "approve") return ReviewDecision::approve;
  if (name == "approve_with_conditions") return ReviewDecision::approve_with_conditions;
  if (name == "reject") return ReviewDecision::reject;
  throw UsageError("unknown review decision '" + std::string(name) +
                   "'; decisions: approve, approve_with_conditions, reject");
}

}  // namespace gz
