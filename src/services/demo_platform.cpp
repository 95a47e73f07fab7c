#include "services/demo_platform.h"

#include <atomic>
#include <cmath>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "services/compliance_gate.h"
#include "services/funds.h"
#include "services/participation.h"
#include "services/demo_rights.h"
#include "services/demo_supervision.h"
#include "services/password.h"
#include "services/progress.h"
#include "services/request_text.h"
#include "services/projects.h"
#include "services/regions.h"
#include "services/demo_indicators.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"

namespace gz::services {

namespace {
User as_user(storage::IdentityStore& identity, const std::string& username) {
  auto u = identity.find_user(username);
  if (!u) throw NotFoundError("demo account " + username + " was not created");
  return *u;
}
// A project the demo takes past approval may carry no finding that blocks it: as a county would,
// the lead department returns it, the applicant drops the planned changes the check named and
// submits again, and the lead department acknowledges the warnings with its reason.
storage::ProjectRecord clear_for_approval(ProjectService& service, const User& applicant,
                                          const User& lead, storage::ProjectRecord p) {
  using nlohmann::json;
  for (int round = 0;; ++round) {
    std::set<std::string> blocked;
    for (const auto& f : binding_findings(p, service.rules()))
      if (f.effect == FindingEffect::block) blocked.insert(f.feature);
    if (blocked.empty()) break;
    if (round > 0 || blocked.count(p.code))
      throw Error("demo project " + p.code + " cannot be made compliant by dropping changes");
    p = service.act(lead, p.id, ProjectAction::return_for_revision,
                    {"合规审查发现违规，请调整规划变更后重新申报", 0});
    json plan = json::parse(service.get(lead, p.id).plan_json), kept = json::array();
    for (std::size_t k = 0; k < plan["changes"].size(); ++k)
      if (!blocked.count(p.code + "-P" + std::to_string(k + 1))) kept.push_back(plan["changes"][k]);
    plan["changes"] = kept;
    p = service.update_plan(applicant, p.id, p.row_version, plan.dump());
    service.act(applicant, p.id, ProjectAction::submit, {"调整后重新申报", 0, true});
    p = service.act(lead, p.id, ProjectAction::check_compliance);
  }
  for (const auto& f : binding_findings(p, service.rules()))
    if (f.effect == FindingEffect::acknowledge)
      service.acknowledge(lead, p.id, f.key, "经现场核实，项目区内不安排工程建设，已知悉");
  return p;
}
}  // namespace

DemoPlatformSummary seed_demo_platform(storage::Store& store, const std::string& location,
                                       const std::string& password) {
  validate_password(password);
  DemoPlatformSummary summary;
  auto identity = storage::IdentityStore::open(location);
  auto regions = import_regions(store, *identity, "region", "demo");
  summary.regions = static_cast<int>(regions.size());
  std::string county, township, village;
  for (const auto& r : regions)
    if (r.level == RegionLevel::county && county.empty()) county = r.code;

  auto layer_codes = project_codes_in_layer(store, "projects");
  std::vector<LayerProject> demo_projects;
  for (const auto& code : layer_codes) demo_projects.push_back(project_from_layer(store, "projects", code));
  // The township and village of the first project: where the township and village accounts act.
  if (!demo_projects.empty()) township = demo_projects.front().region_code;
  for (const auto& r : regions)
    if (r.level == RegionLevel::village && r.parent == township && village.empty()) village = r.code;

  struct Spec {
    const char* username;
    Role role;
    const char* department;
    std::string region;
  };
  std::vector<Spec> specs = {
      {"admin", Role::admin, "", ""},
      {"lingdao", Role::leader_group, "", county},
      {"zrzy", Role::lead_department, "自然资源局", county},
      {"nyncj", Role::co_reviewing_department, "农业农村局", county},
      {"sthjj", Role::co_reviewing_department, "生态环境局", county},
      {"slj", Role::co_reviewing_department, "水利局", county},
      {"jtysj", Role::co_reviewing_department, "交通运输局", county},
      {"wlj", Role::co_reviewing_department, "文化和旅游局", county},
      {"czj", Role::co_reviewing_department, "财政局", county},
      {"fgj", Role::co_reviewing_department, "发展和改革局", county},
      {"zhen", Role::township, "", township},
      {"cun", Role::village_collective, "", village},
      {"cunmin", Role::villager, "", village},
      {"touzi", Role::investor, "", county},
      {"zhuanjia", Role::expert, "", county},
      {"shenji", Role::auditor, "", ""},
  };
  // One hash for all: the password is published with the demo, and Argon2id is slow on purpose.
  const auto hash = hash_password(password);
  for (const auto& s : specs) {
    if (s.role == Role::admin)
      identity->create_first_admin(s.username, hash, "demo");
    else
      identity->add_user({s.username, hash, {Grant{s.role, s.department, s.region}}}, "demo");
    summary.accounts.push_back({s.username, std::string(to_string(s.role)), s.department, s.region});
  }

  auto projects = storage::ProjectStore::open(location);
  // Notices of the projects already past them were published three weeks ago.
  std::atomic<std::int64_t> now{system_clock_seconds() - 21 * 86400};
  ProjectService service(store, *projects, identity.get(), ReviewRequirements::standard(),
                         [&now] { return now.load(); });
  // The other parts' guards hold for the demo as for everyone: milestones at 100% before
  // completion, indicators met before acceptance, no unanswered complaint before implementation.
  ProgressService progress(*projects, service, IndicatorTable::standard(),
                           [&now] { return now.load(); });
  ParticipationService participation(*projects, service, identity.get(),
                                     ParticipationOptions{0, [&now] { return now.load(); }});
  FundsService funds(*projects, identity.get());
  const User lead = as_user(*identity, "zrzy"), zhen = as_user(*identity, "zhen"),
             finance = as_user(*identity, "czj");
  // The county's fund sources (integer fen): the pools the demo projects draw on.
  std::vector<std::int64_t> sources;
  if (!county.empty()) {
    const std::vector<NewFundSource> specs_fen = {
        {county, "central", "中央财政土地整治补助资金", 20'000'000'000},
        {county, "provincial", "省级全域土地综合整治试点资金", 10'000'000'000},
        {county, "integrated_agricultural", "涉农统筹整合资金", 8'000'000'000},
        {county, "social_capital", "社会资本投入", 6'000'000'000}};
    for (const auto& s : specs_fen) sources.push_back(funds.create_source(finance, s).id);
  }
  std::map<std::string, User> reviewers;
  for (const auto& s : specs)
    if (s.role == Role::co_reviewing_department || s.role == Role::lead_department)
      reviewers.emplace(s.department, as_user(*identity, s.username));

  const std::vector<std::string> stages = {"application", "review", "approved", "implementation",
                                           "completed", "accepted"};
  for (const auto& lp : demo_projects) {
    int target = 0;
    for (std::size_t i = 0; i < stages.size(); ++i)
      if (stages[i] == lp.status) target = static_cast<int>(i);
    const User& applicant = region_contains(township, lp.region_code) ? zhen : lead;
    // A project completed and not accepted finished its works 50 days ago (acceptance_overdue
    // of data/warnings.json): its whole history lies that much earlier.
    const bool waits_for_acceptance = lp.status == "completed";
    const std::int64_t shift = waits_for_acceptance ? 150 * 86400 : 0;
    now = system_clock_seconds() - shift - 21 * 86400;
    auto p = service.create(applicant, {lp.name, lp.type, lp.region_code, lp.plan_json});
    ++summary.projects;
    // The applicants confirm the findings of their plans: the rule-breaking examples are submitted.
    p = service.act(applicant, p.id, ProjectAction::submit, {"申报", 0, true});
    if (target < 1) continue;
    p = service.act(lead, p.id, ProjectAction::check_compliance);
    if (target >= 2) p = clear_for_approval(service, applicant, lead, p);
    p = service.act(lead, p.id, ProjectAction::start_review);
    if (target < 2) continue;
    for (const auto& r : service.view(lead, p.id).reviews) {
      auto it = reviewers.find(r.department);
      if (it == reviewers.end()) continue;
      service.review(it->second, p.id, {r.department, ReviewDecision::approve, "同意", {}});
    }
    p = service.act(lead, p.id, ProjectAction::approve, {"领导小组会议审议通过", 0});
    // The plan's indicators, in proportion to the project area (m², fen per mu, households, %).
    const double area = p.area_m2;
    const std::map<std::string, double> planned = {
        {"new_cultivated_land", std::round(area * 0.06)},
        {"construction_land_reduced", std::round(area * 0.02)},
        {"ecological_area_restored", std::round(area * 0.03)},
        {"investment_per_mu", 200'000},
        {"households_benefiting", std::round(area / 20000) + 40},
        {"satisfaction", 90}};
    progress.set_indicators(lead, p.id, false, planned);
    // Money into the project's pool: a share of each source, by the project's size.
    const auto budget = static_cast<std::int64_t>(area / 666.6667 * 200'000);  // 2,000 元/亩
    for (std::size_t i = 0; i < sources.size(); ++i)
      funds.allocate(finance, p.id, sources[i], budget / static_cast<std::int64_t>(4 + 2 * i),
                     "年度资金安排");
    if (target < 3) continue;
    p = service.act(lead, p.id, ProjectAction::publish_notice, {"", 7});
    now = system_clock_seconds() - shift - 10 * 86400;
    p = service.act(lead, p.id, ProjectAction::start_implementation);
    // Works in three milestones; the implementation projects are part-way.
    const bool done = target >= 4;  // completed or accepted
    const std::vector<std::pair<std::string, std::int64_t>> works = {
        {"土地平整工程", 3}, {"灌溉与排水工程", 2}, {"田间道路工程", 1}};
    const std::vector<std::int64_t> percent_now = {100, 60, 0};
    const bool in_township = region_contains(township, p.region_code);
    const User& implementer = in_township ? zhen : lead;
    std::vector<std::int64_t> milestone_ids;
    for (std::size_t i = 0; i < works.size(); ++i) {
      const std::int64_t due = system_clock_seconds() - (waits_for_acceptance ? 70 * 86400 : 0) +
                               (30 + 60 * static_cast<std::int64_t>(i)) * 86400;
      milestone_ids.push_back(
          progress.add_milestone(implementer, p.id, {works[i].first, iso_utc(due).substr(0, 10), works[i].second}).id);
    }
    now = system_clock_seconds() - (waits_for_acceptance ? 50 * 86400 : 0);
    for (std::size_t i = 0; i < milestone_ids.size(); ++i) {
      std::int64_t pct = done ? 100 : percent_now[i];
      if (pct > 0) progress.report_progress(implementer, p.id, milestone_ids[i], {pct, "", ""});
    }
    // The first milestone's payment, requested by the implementer and approved by finance.
    if (!sources.empty() && in_township) {
      auto d = funds.request_disbursement(
          implementer, p.id, {milestone_ids[0], "县农村建设工程有限公司", "土地平整工程进度款", budget / 10, 0});
      funds.decide(finance, p.id, d.id, true, "凭验收单据拨付");
    }
    if (!done) continue;
    std::map<std::string, double> achieved = planned;
    achieved["new_cultivated_land"] = std::round(planned.at("new_cultivated_land") * 1.04);
    achieved["satisfaction"] = 94;
    progress.set_indicators(implementer, p.id, true, achieved);
    p = service.act(lead, p.id, ProjectAction::complete);
    now = system_clock_seconds();
    if (target < 5) continue;
    p = service.act(lead, p.id, ProjectAction::accept, {"验收合格", 0});
  }

  // Projects behind schedule, money idle or paid ahead, villagers unanswered: every project
  // warning, and supervision orders open, escalated and closed (services/demo_supervision.h).
  summary.supervision = seed_demo_supervision(store, *identity, *projects);

  // The village's own business: a notice, a villager's question answered and one still open.
  if (!village.empty()) {
    const User cun = as_user(*identity, "cun"), cunmin = as_user(*identity, "cunmin");
    participation.publish_notice(cun, village, "土地整治权属调整方案公示",
                                 "本村土地整治项目权属调整方案已编制完成，请各农户到村委会查阅，"
                                 "有意见请在公示期内提出。",
                                 10);
    auto asked = participation.submit_feedback(
        cunmin, {0, village, "question", "田间道路修到我家承包地旁边吗？"});
    participation.answer_feedback(cun, asked.id, "道路规划已公示，经过你家地块东侧，欢迎到村委会查看图纸。");
    participation.submit_feedback(cunmin, {0, village, "complaint", "排水沟施工后我家地块积水，请尽快处理。"});
  }
  seed_demo_rights(store, location);
  seed_demo_indicators(store, location);
  return summary;
}

}  // namespace gz::services
