#include "services/demo_platform.h"

#include <atomic>
#include <map>

#include "common/error.h"
#include "services/demo_rights.h"
#include "services/password.h"
#include "services/projects.h"
#include "services/regions.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"

namespace gz::services {

namespace {
User as_user(storage::IdentityStore& identity, const std::string& username) {
  auto u = identity.find_user(username);
  if (!u) throw NotFoundError("demo account " + username + " was not created");
  return *u;
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
  const User lead = as_user(*identity, "zrzy"), zhen = as_user(*identity, "zhen");
  std::map<std::string, User> reviewers;
  for (const auto& s : specs)
    if (s.role == Role::co_reviewing_department || s.role == Role::lead_department)
      reviewers.emplace(s.department, as_user(*identity, s.username));

  const std::vector<std::string> stages = {"application", "review", "approved", "implementation",
                                           "accepted"};
  for (const auto& lp : demo_projects) {
    int target = 0;
    for (std::size_t i = 0; i < stages.size(); ++i)
      if (stages[i] == lp.status) target = static_cast<int>(i);
    const User& applicant = region_contains(township, lp.region_code) ? zhen : lead;
    now = system_clock_seconds() - 21 * 86400;
    auto p = service.create(applicant, {lp.name, lp.type, lp.region_code, lp.plan_json});
    ++summary.projects;
    p = service.act(applicant, p.id, ProjectAction::submit, {"申报", 0});
    if (target < 1) continue;
    service.act(lead, p.id, ProjectAction::check_compliance);
    p = service.act(lead, p.id, ProjectAction::start_review);
    if (target < 2) continue;
    for (const auto& r : service.view(lead, p.id).reviews) {
      auto it = reviewers.find(r.department);
      if (it == reviewers.end()) continue;
      service.review(it->second, p.id, {r.department, ReviewDecision::approve, "同意", {}});
    }
    p = service.act(lead, p.id, ProjectAction::approve, {"领导小组会议审议通过", 0});
    if (target < 3) continue;
    p = service.act(lead, p.id, ProjectAction::publish_notice, {"", 7});
    now = system_clock_seconds();
    p = service.act(lead, p.id, ProjectAction::start_implementation);
    if (target < 4) continue;
    p = service.act(lead, p.id, ProjectAction::complete);
    p = service.act(lead, p.id, ProjectAction::accept, {"验收合格", 0});
  }
  seed_demo_rights(store, location);
  return summary;
}

}  // namespace gz::services
