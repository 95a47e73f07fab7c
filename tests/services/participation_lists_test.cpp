// The participation lists filtered in SQL, on both backends: who sees which notices, surveys,
// votes and feedback across two townships (regions inside a grant, and for villagers the
// township and county above them, whichever length their code is written in), and the feedback
// filters (status, project, overdue) alone and together.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <ctime>

#include "../storage/store_backends.h"
#include "common/error.h"
#include "services/participation.h"
#include "services/password.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

using services::ParticipationService;
using services::ProjectService;

constexpr const char* kEast = "340123100201";   // 东村, township 1
constexpr const char* kWest = "340123100202";   // 西村, township 1
constexpr const char* kSouth = "340123200301";  // 南村, township 2
constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kStart = 1790000000;

class ParticipationListsTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    layers_ = storage::Store::open(location(), {.create = true});
    identity_ = storage::IdentityStore::open(location(), {.create = true});
    store_ = storage::ProjectStore::open(location());
    static const std::string hash = services::hash_password("a long enough password");
    identity_->create_first_admin("root", hash, "cli:test");
    auto add = [&](const std::string& name, Role role, const std::string& region) {
      identity_->add_user(
          {name, hash, {Grant{role, role_needs_department(role) ? "自然资源局" : "", region}}}, "root");
    };
    add("xian", Role::lead_department, "340123");
    add("zhen", Role::township, "340123100");
    add("zhen2", Role::township, "340123200");
    add("cun", Role::village_collective, kEast);
    add("nancun", Role::village_collective, kSouth);
    add("shenji", Role::auditor, "");
    add("touzi", Role::investor, "340123");
    add("min1", Role::villager, kEast);
    add("min2", Role::villager, kEast);
    add("xi1", Role::villager, kWest);
    add("nan1", Role::villager, kSouth);
    clock_ = std::make_shared<std::atomic<std::int64_t>>(kStart);
    auto c = clock_;
    projects_ = std::make_unique<ProjectService>(*layers_, *store_, identity_.get(),
                                                 ReviewRequirements::standard(), [c] { return c->load(); });
    service_ = std::make_unique<ParticipationService>(
        *store_, *projects_, identity_.get(), services::ParticipationOptions{0, [c] { return c->load(); }});
  }

  User user(const std::string& name) { return *identity_->find_user(name); }

  std::int64_t east_project() {
    return store_->write([&](storage::ProjectTx& tx) {
      storage::ProjectRecord p;
      p.code = "XM2026-201";
      p.name = "东村土地整治";
      p.type = "农用地整理";
      p.region_code = kEast;
      p.state = ProjectState::implementation;
      p.created_by = "cun";
      p.created_at = p.updated_at = tx.now();
      p.plan_hash = "x";
      return tx.insert_project(p);
    }).id;
  }

  template <class T>
  static std::vector<std::int64_t> ids(const std::vector<T>& items) {
    std::vector<std::int64_t> out;
    for (const auto& i : items) out.push_back(i.id);
    std::sort(out.begin(), out.end());
    return out;
  }
  using Ids = std::vector<std::int64_t>;

  std::unique_ptr<storage::Store> layers_;
  std::unique_ptr<storage::IdentityStore> identity_;
  std::unique_ptr<storage::ProjectStore> store_;
  std::shared_ptr<std::atomic<std::int64_t>> clock_;
  std::unique_ptr<ProjectService> projects_;
  std::unique_ptr<ParticipationService> service_;
};

TEST_P(ParticipationListsTest, notices_and_surveys_reach_inside_and_above_each_grant) {
  // The county's notice written with a 9-digit code: it still lies above every village.
  auto county = service_->publish_notice(user("xian"), "340123000", "全县动员", "各乡镇", 10);
  auto town1 = service_->publish_notice(user("zhen"), "340123100", "一镇公告", "一镇", 10);
  auto east = service_->publish_notice(user("cun"), kEast, "东村公告", "东村", 10);
  auto south = service_->publish_notice(user("nancun"), kSouth, "南村公告", "南村", 10);
  EXPECT_EQ(ids(service_->notices(user("min1"))), (Ids{county.id, town1.id, east.id}));
  EXPECT_EQ(ids(service_->notices(user("xi1"))), (Ids{county.id, town1.id}));
  EXPECT_EQ(ids(service_->notices(user("nan1"))), (Ids{county.id, south.id}));
  EXPECT_EQ(ids(service_->notices(user("zhen"))), (Ids{county.id, town1.id, east.id}));
  EXPECT_EQ(ids(service_->notices(user("zhen2"))), (Ids{county.id, south.id}));
  EXPECT_EQ(ids(service_->notices(user("xian"))), (Ids{county.id, town1.id, east.id, south.id}));
  EXPECT_EQ(service_->notices(user("shenji")).size(), 4u);
  EXPECT_TRUE(service_->notices(user("touzi")).empty());  // investors are not reached
  // Newest first.
  EXPECT_EQ(service_->notices(user("min1")).front().id, east.id);

  std::vector<services::SurveyQuestion> qs{{"满意度", {"1", "2", "3"}}};
  auto s1 = service_->create_survey(user("xian"), "340123", 0, "全县满意度", qs);
  auto s2 = service_->create_survey(user("zhen"), "340123100", 0, "一镇满意度", qs);
  auto s3 = service_->create_survey(user("cun"), kEast, 0, "东村满意度", qs);
  auto s4 = service_->create_survey(user("nancun"), kSouth, 0, "南村满意度", qs);
  EXPECT_EQ(ids(service_->surveys(user("min1"))), (Ids{s1.id, s2.id, s3.id}));
  EXPECT_EQ(ids(service_->surveys(user("xi1"))), (Ids{s1.id, s2.id}));
  EXPECT_EQ(ids(service_->surveys(user("nan1"))), (Ids{s1.id, s4.id}));
  EXPECT_EQ(ids(service_->surveys(user("zhen2"))), (Ids{s1.id, s4.id}));
  EXPECT_EQ(ids(service_->surveys(user("cun"))), (Ids{s1.id, s2.id, s3.id}));
  EXPECT_EQ(service_->surveys(user("shenji")).size(), 4u);
  EXPECT_EQ(service_->surveys(user("min1")).front().id, s3.id);
}

TEST_P(ParticipationListsTest, votes_are_listed_inside_the_grants_only) {
  service_->set_representatives(user("cun"), kEast, {"min1", "min2"});
  service_->set_representatives(user("nancun"), kSouth, {"nan1"});
  auto e = service_->open_vote(user("cun"), kEast, "东村方案");
  auto s = service_->open_vote(user("nancun"), kSouth, "南村方案");
  EXPECT_EQ(ids(service_->votes(user("min2"))), (Ids{e.id}));
  EXPECT_EQ(ids(service_->votes(user("nan1"))), (Ids{s.id}));
  EXPECT_TRUE(service_->votes(user("xi1")).empty());
  EXPECT_EQ(ids(service_->votes(user("zhen"))), (Ids{e.id}));
  EXPECT_EQ(ids(service_->votes(user("zhen2"))), (Ids{s.id}));
  EXPECT_EQ(ids(service_->votes(user("xian"))), (Ids{e.id, s.id}));
  EXPECT_EQ(ids(service_->votes(user("shenji"))), (Ids{e.id, s.id}));
  EXPECT_TRUE(service_->votes(user("touzi")).empty());
}

TEST_P(ParticipationListsTest, feedback_filters_run_together_in_the_database) {
  auto pid = east_project();
  auto a = service_->submit_feedback(user("min1"), {pid, "", "suggestion", "保留大树"});
  auto b = service_->submit_feedback(user("min2"), {0, kEast, "question", "补偿标准？"});
  auto c = service_->submit_feedback(user("xi1"), {0, kWest, "question", "何时开工？"});
  auto d = service_->submit_feedback(user("nan1"), {0, kSouth, "question", "南村何时？"});
  clock_->store(kStart + kDay);
  auto e = service_->submit_feedback(user("min1"), {pid, "", "question", "进度如何？"});

  EXPECT_EQ(ids(service_->feedback(user("min1"))), (Ids{a.id, e.id}));  // their own
  EXPECT_EQ(ids(service_->feedback(user("cun"))), (Ids{a.id, b.id, e.id}));
  EXPECT_EQ(ids(service_->feedback(user("zhen"))), (Ids{a.id, b.id, c.id, e.id}));
  EXPECT_EQ(ids(service_->feedback(user("zhen2"))), (Ids{d.id}));
  EXPECT_EQ(ids(service_->feedback(user("xian"))), (Ids{a.id, b.id, c.id, d.id, e.id}));
  EXPECT_EQ(ids(service_->feedback(user("shenji"))), (Ids{a.id, b.id, c.id, d.id, e.id}));
  EXPECT_TRUE(service_->feedback(user("touzi")).empty());

  // By project, by status, and both.
  EXPECT_EQ(ids(service_->feedback(user("zhen"), {"", false, pid})), (Ids{a.id, e.id}));
  service_->answer_feedback(user("cun"), a.id, "已避让");
  service_->answer_feedback(user("zhen"), c.id, "十月");
  EXPECT_EQ(ids(service_->feedback(user("zhen"), {"answered", false, 0})), (Ids{a.id, c.id}));
  EXPECT_EQ(ids(service_->feedback(user("zhen"), {"answered", false, pid})), (Ids{a.id}));
  EXPECT_EQ(ids(service_->feedback(user("zhen"), {"open", false, pid})), (Ids{e.id}));
  EXPECT_TRUE(service_->feedback(user("zhen"), {"closed", false, 0}).empty());
  EXPECT_EQ(ids(service_->feedback(user("min1"), {"answered", false, 0})), (Ids{a.id}));

  // Overdue: open or escalated past the due time, to the second.
  std::int64_t due_b = kStart + 15 * kDay;
  clock_->store(due_b);
  EXPECT_TRUE(service_->feedback(user("xian"), {"", true, 0}).empty());
  clock_->store(due_b + 1);
  EXPECT_EQ(ids(service_->feedback(user("xian"), {"", true, 0})), (Ids{b.id, d.id}));
  EXPECT_EQ(ids(service_->feedback(user("zhen"), {"", true, 0})), (Ids{b.id}));
  service_->escalate_overdue(user("zhen"));
  EXPECT_EQ(ids(service_->feedback(user("zhen"), {"escalated", true, 0})), (Ids{b.id}));
  EXPECT_TRUE(service_->feedback(user("zhen"), {"open", true, 0}).empty());
  clock_->store(kStart + kDay + 15 * kDay + 1);
  EXPECT_EQ(ids(service_->feedback(user("zhen"), {"", true, pid})), (Ids{e.id}));
  auto item = service_->feedback(user("zhen"), {"", true, pid});
  ASSERT_EQ(item.size(), 1u);
  EXPECT_TRUE(item[0].overdue);
  EXPECT_EQ(item[0].status, "open");
}

INSTANTIATE_TEST_SUITE_P(Backends, ParticipationListsTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
