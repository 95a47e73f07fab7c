// A villager and the township's projects, on both backends, over the demo county: the list holds
// the projects of the township their village lies in, from the public notice on (the same
// projects view() lets them open); feedback on such a project is accepted and recorded for the
// villager's village, where the village collective and the township see and answer it.
#include <gtest/gtest.h>

#include "../storage/store_backends.h"
#include "services/demo_county.h"
#include "services/demo_platform.h"
#include "services/participation.h"
#include "services/projects.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"

namespace gz::test {
namespace {

class VillagerProjectsTest : public StoreBackendTest {};

TEST_P(VillagerProjectsTest, a_villager_lists_the_public_projects_of_their_township) {
  auto store = storage::Store::open(location(), {.create = true});
  services::generate_demo_county(*store, {.polygons = 1000, .seed = 2026});
  services::seed_demo_platform(*store, location(), "demo password 1");
  auto identity = storage::IdentityStore::open(location());
  auto projects = storage::ProjectStore::open(location());
  services::ProjectService service(*store, *projects, identity.get());
  const User villager = *identity->find_user("cunmin");
  const std::string village = villager.grants.at(0).region_code;

  std::set<std::string> expected, listed;
  for (const auto& p : service.list(*identity->find_user("admin")))
    if (services::may_see_project(villager, p)) expected.insert(p.code);
  for (const auto& p : service.list(villager)) {
    listed.insert(p.code);
    EXPECT_TRUE(region_contains(p.region_code, village) || region_contains(village, p.region_code)) << p.code;
    EXPECT_NO_THROW(service.view(villager, p.id)) << p.code;
  }
  EXPECT_FALSE(listed.empty()) << "the township's project in works is the villager's concern";
  EXPECT_EQ(listed, expected);

  // A complaint about the township's project in works, from the village.
  services::ParticipationService participation(*projects, service, identity.get());
  std::int64_t works = 0;
  for (const auto& p : service.list(villager))
    if (p.state == ProjectState::implementation && p.region_code != village) works = p.id;
  ASSERT_NE(works, 0);
  auto f = participation.submit_feedback(villager, {works, "", "complaint", "施工车辆压坏了水渠"});
  EXPECT_EQ(f.region_code, village);
  EXPECT_EQ(f.project_id, works);
  const User cun = *identity->find_user("cun");
  bool seen = false;
  for (const auto& x : participation.feedback(cun, {"open", false, works})) seen = seen || x.id == f.id;
  EXPECT_TRUE(seen);
  auto answered = participation.answer_feedback(*identity->find_user("zhen"), f.id, "三日内修复");
  EXPECT_EQ(answered.status, "answered");
  EXPECT_EQ(participation.feedback_item(villager, f.id).reply, "三日内修复");
}

INSTANTIATE_TEST_SUITE_P(Backends, VillagerProjectsTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
