// Villager participation on both backends: comments only while a project's notice runs, the
// two-thirds rule of the representative assembly with its exact edges, one ballot per
// representative (also when two connections race), feedback deadlines, overdue lists and
// escalation, the hold an unanswered complaint puts on start_implementation, surveys, and bad
// input refused with nothing changed.
#include "services/participation.h"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <nlohmann/json.hpp>
#include <thread>

#include "../storage/store_backends.h"
#include "common/error.h"
#include "services/password.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

using services::ParticipationService;
using services::ProjectService;

constexpr const char* kEast = "340123100201";  // 东村
constexpr const char* kWest = "340123100202";  // 西村
constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kStart = 1790000000;  // 2026-09-21

std::string iso(std::int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

template <class E, class F>
std::string code_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    if (auto* x = dynamic_cast<const Explained*>(&e)) return x->code();
    return "thrown";
  }
  return "none";
}

class ParticipationTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    layers_ = storage::Store::open(location(), {.create = true});
    identity_ = storage::IdentityStore::open(location(), {.create = true});
    store_ = storage::ProjectStore::open(location());
    static const std::string hash = services::hash_password("a long enough password");
    identity_->create_first_admin("root", hash, "cli:test");
    auto add = [&](const std::string& name, Role role, const std::string& region) {
      identity_->add_user({name, hash, {Grant{role, role_needs_department(role) ? "自然资源局" : "", region}}},
                          "root");
    };
    add("zhen", Role::township, "340123100");
    add("cun", Role::village_collective, kEast);
    add("xicun", Role::village_collective, kWest);
    add("shenji", Role::auditor, "");
    for (int i = 1; i <= 10; ++i) add("min" + std::to_string(i), Role::villager, kEast);
    add("xi1", Role::villager, kWest);
    clock_ = std::make_shared<std::atomic<std::int64_t>>(kStart);
    auto c = clock_;
    projects_ = std::make_unique<ProjectService>(*layers_, *store_, identity_.get(),
                                                 ReviewRequirements::standard(), [c] { return c->load(); });
    service_ = make_service(*store_, *projects_);
  }

  std::unique_ptr<ParticipationService> make_service(storage::ProjectStore& store, ProjectService& projects) {
    auto c = clock_;
    return std::make_unique<ParticipationService>(
        store, projects, identity_.get(), services::ParticipationOptions{0, [c] { return c->load(); }});
  }

  User user(const std::string& name) { return *identity_->find_user(name); }

  // A project of the east village on public notice from now for `days`.
  storage::ProjectRecord project_on_notice(std::int64_t days) {
    return store_->write([&](storage::ProjectTx& tx) {
      storage::ProjectRecord p;
      p.code = "XM2026-" + std::to_string(100 + ++projects_made_);
      p.name = "东村高标准农田建设";
      p.type = "农用地整理";
      p.region_code = kEast;
      p.state = ProjectState::public_notice;
      p.created_by = "cun";
      p.created_at = p.updated_at = tx.now();
      p.plan_hash = "x";
      p.notice_days = days;
      p.notice_starts = iso(clock_->load());
      p.notice_ends = iso(clock_->load() + days * kDay);
      return tx.insert_project(p);
    });
  }

  std::size_t audit_size() { return identity_->audit_log().size(); }
  std::vector<std::string> audit_actions() {
    std::vector<std::string> out;
    for (const auto& e : identity_->audit_log()) out.push_back(e.action);
    return out;
  }
  std::int64_t count_actions(const std::string& action) {
    auto a = audit_actions();
    return std::count(a.begin(), a.end(), action);
  }

  std::vector<std::string> nine_representatives() {
    std::vector<std::string> reps;
    for (int i = 1; i <= 9; ++i) reps.push_back("min" + std::to_string(i));
    return reps;
  }

  std::unique_ptr<storage::Store> layers_;
  std::unique_ptr<storage::IdentityStore> identity_;
  std::unique_ptr<storage::ProjectStore> store_;
  std::shared_ptr<std::atomic<std::int64_t>> clock_;
  std::unique_ptr<ProjectService> projects_;
  std::unique_ptr<ParticipationService> service_;
  int projects_made_ = 0;
};

TEST(AssemblyRule, two_thirds_of_all_representatives_with_exact_edges) {
  EXPECT_TRUE(assembly_passes(6, 9));
  EXPECT_FALSE(assembly_passes(5, 9));
  EXPECT_TRUE(assembly_passes(2, 3));
  EXPECT_FALSE(assembly_passes(1, 3));
  EXPECT_TRUE(assembly_passes(67, 100));
  EXPECT_FALSE(assembly_passes(66, 100));
  EXPECT_TRUE(assembly_passes(7, 10));
  EXPECT_FALSE(assembly_passes(6, 10));
  EXPECT_FALSE(assembly_passes(0, 0));
  EXPECT_TRUE(assembly_passes(1, 1));
}

TEST_P(ParticipationTest, villagers_comment_only_while_the_notice_runs_and_see_their_replies) {
  auto p = project_on_notice(7);
  auto notice = service_->project_notice(user("min1"), p.id);
  EXPECT_TRUE(notice.open);
  auto c1 = service_->comment(user("min1"), p.id, "排水沟应延到村东头");
  service_->comment(user("min2"), p.id, "同意");
  EXPECT_EQ(c1.author, "min1");
  // A villager of the neighbouring village does not see the project at all.
  EXPECT_THROW(service_->comment(user("xi1"), p.id, "x"), NotFoundError);
  EXPECT_THROW(service_->project_notice(user("xi1"), p.id), NotFoundError);
  EXPECT_THROW(service_->comments(user("xi1"), p.id), NotFoundError);
  EXPECT_EQ(code_of<Forbidden>([&] { service_->comment(user("cun"), p.id, "x"); }), "villagers_only");
  // Officials read every comment, villagers their own.
  EXPECT_EQ(service_->comments(user("cun"), p.id).size(), 2u);
  EXPECT_EQ(service_->comments(user("shenji"), p.id).size(), 2u);
  auto mine = service_->comments(user("min1"), p.id);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].body, "排水沟应延到村东头");
  EXPECT_EQ(code_of<Forbidden>([&] { service_->reply(user("min1"), c1.id, "x"); }), "not_an_official");
  EXPECT_THROW(service_->reply(user("xi1"), c1.id, "x"), NotFoundError);
  service_->reply(user("cun"), c1.id, "已纳入设计");
  EXPECT_EQ(code_of<RuleError>([&] { service_->reply(user("zhen"), c1.id, "again"); }), "already_replied");
  mine = service_->comments(user("min1"), p.id);
  EXPECT_EQ(mine[0].reply, "已纳入设计");
  EXPECT_EQ(mine[0].replied_by, "cun");
  // One second before the end still counts; at the end the period is over.
  clock_->store(kStart + 7 * kDay - 1);
  service_->comment(user("min3"), p.id, "最后一条");
  clock_->store(kStart + 7 * kDay);
  auto before = audit_size();
  EXPECT_EQ(code_of<RuleError>([&] { service_->comment(user("min1"), p.id, "太晚了"); }), "notice_closed");
  EXPECT_FALSE(service_->project_notice(user("min1"), p.id).open);
  EXPECT_EQ(audit_size(), before);
  EXPECT_EQ(service_->comments(user("zhen"), p.id).size(), 3u);
  EXPECT_EQ(count_actions("participation.comment"), 3);
  EXPECT_EQ(count_actions("participation.comment_reply"), 1);
  EXPECT_TRUE(identity_->verify_audit().intact);
}

TEST_P(ParticipationTest, free_standing_notices_reach_the_villages_under_them) {
  auto n = service_->publish_notice(user("zhen"), "340123100", "秋季整治动员", "各村请于十月前报名", 10);
  EXPECT_EQ(n.ends, iso(kStart + 10 * kDay));
  service_->publish_notice(user("cun"), kEast, "东村公告", "东村", 3);
  EXPECT_EQ(service_->notices(user("min1")).size(), 2u);
  EXPECT_EQ(service_->notices(user("xi1")).size(), 1u);  // the township's only
  EXPECT_THROW(service_->notice(user("xi1"), n.id + 1), NotFoundError);
  EXPECT_EQ(service_->notice(user("xi1"), n.id).title, "秋季整治动员");
  EXPECT_EQ(code_of<Forbidden>([&] { service_->publish_notice(user("min1"), kEast, "t", "b", 3); }),
            "not_a_publisher");
  EXPECT_THROW(service_->publish_notice(user("xicun"), kEast, "t", "b", 3), NotFoundError);
  EXPECT_EQ(code_of<InvalidRequest>([&] { service_->publish_notice(user("cun"), kEast, "t", "b", 91); }),
            "invalid_days");
  EXPECT_EQ(count_actions("participation.notice_publish"), 2);
}

TEST_P(ParticipationTest, the_assembly_passes_with_two_thirds_of_all_nine_representatives) {
  service_->set_representatives(user("cun"), kEast, nine_representatives());
  auto pass = service_->open_vote(user("cun"), kEast, "是否同意本村土地整治方案");
  auto fail = service_->open_vote(user("zhen"), kEast, "是否同意调整方案");
  EXPECT_EQ(pass.representatives, 9);
  // 6 yes of 9 passes although 3 vote no.
  for (int i = 1; i <= 9; ++i)
    service_->cast_ballot(user("min" + std::to_string(i)), pass.id, i <= 6 ? BallotChoice::yes : BallotChoice::no);
  auto r1 = service_->close_vote(user("cun"), pass.id);
  EXPECT_TRUE(r1.passed);
  EXPECT_EQ(r1.yes, 6);
  EXPECT_EQ(r1.no, 3);
  // 5 yes fails even when no one votes no: 3 abstain and one stays away.
  for (int i = 1; i <= 8; ++i)
    service_->cast_ballot(user("min" + std::to_string(i)), fail.id, i <= 5 ? BallotChoice::yes : BallotChoice::abstain);
  auto r2 = service_->close_vote(user("cun"), fail.id);
  EXPECT_FALSE(r2.passed);
  EXPECT_EQ(r2.yes, 5);
  EXPECT_EQ(r2.abstain, 3);
  EXPECT_EQ(r2.no, 0);
  EXPECT_EQ(r2.representatives, 9);
  // Results are stored and audited.
  auto stored = service_->vote(user("shenji"), fail.id);
  EXPECT_EQ(stored.vote.status, "closed");
  EXPECT_FALSE(stored.vote.passed);
  EXPECT_EQ(stored.ballots.size(), 8u);
  EXPECT_TRUE(service_->vote(user("min1"), pass.id).vote.passed);
  EXPECT_TRUE(service_->vote(user("min1"), pass.id).ballots.empty());  // villagers see the tally
  EXPECT_EQ(service_->vote(user("min1"), pass.id).my_choice, "yes");
  EXPECT_EQ(count_actions("participation.ballot"), 17);
  EXPECT_EQ(count_actions("participation.vote_close"), 2);
  EXPECT_EQ(identity_->audit_log().back().detail,
            R"({"abstain":3,"no":0,"passed":false,"representatives":9,"yes":5})");
  EXPECT_EQ(code_of<RuleError>([&] { service_->cast_ballot(user("min9"), fail.id, BallotChoice::yes); }),
            "vote_closed");
}

TEST_P(ParticipationTest, only_representatives_vote_and_only_once) {
  service_->set_representatives(user("cun"), kEast, {"min1", "min2", "min3"});
  auto v = service_->open_vote(user("cun"), kEast, "是否同意");
  // The list changed after opening does not change who votes.
  service_->set_representatives(user("cun"), kEast, {"min1", "min2", "min4"});
  EXPECT_EQ(code_of<Forbidden>([&] { service_->cast_ballot(user("min4"), v.id, BallotChoice::yes); }),
            "not_a_representative");
  EXPECT_EQ(code_of<Forbidden>([&] { service_->cast_ballot(user("min10"), v.id, BallotChoice::yes); }),
            "not_a_representative");
  EXPECT_EQ(code_of<Forbidden>([&] { service_->cast_ballot(user("cun"), v.id, BallotChoice::yes); }),
            "not_a_representative");
  EXPECT_THROW(service_->cast_ballot(user("xi1"), v.id, BallotChoice::yes), NotFoundError);
  EXPECT_THROW(service_->vote(user("xi1"), v.id), NotFoundError);
  service_->cast_ballot(user("min3"), v.id, BallotChoice::no);
  auto before = audit_size();
  EXPECT_EQ(code_of<RuleError>([&] { service_->cast_ballot(user("min3"), v.id, BallotChoice::yes); }),
            "already_voted");
  EXPECT_EQ(audit_size(), before);
  auto view = service_->vote(user("cun"), v.id);
  ASSERT_EQ(view.ballots.size(), 1u);
  EXPECT_EQ(view.ballots[0].choice, "no");
  EXPECT_EQ(view.members, (std::vector<std::string>{"min1", "min2", "min3"}));
  EXPECT_EQ(code_of<Forbidden>([&] { service_->close_vote(user("min1"), v.id); }), "not_a_convener");
  // Representatives must be villager accounts of the village.
  EXPECT_EQ(code_of<InvalidRequest>([&] { service_->set_representatives(user("cun"), kEast, {"min1", "xi1"}); }),
            "not_a_villager");
  EXPECT_EQ(code_of<InvalidRequest>([&] { service_->set_representatives(user("cun"), kEast, {"min1", "nobody"}); }),
            "not_a_villager");
  EXPECT_EQ(code_of<InvalidRequest>([&] { service_->set_representatives(user("cun"), kEast, {"min1", "min1"}); }),
            "invalid_representatives");
  EXPECT_EQ(code_of<InvalidRequest>([&] { service_->open_vote(user("zhen"), "340123100", "q"); }), "not_a_village");
  EXPECT_EQ(code_of<RuleError>([&] { service_->open_vote(user("xicun"), kWest, "q"); }), "no_representatives");
  EXPECT_EQ(service_->representatives(user("min1"), kEast), (std::vector<std::string>{"min1", "min2", "min4"}));
}

TEST_P(ParticipationTest, a_double_vote_racing_on_two_connections_leaves_one_ballot) {
  service_->set_representatives(user("cun"), kEast, nine_representatives());
  auto v = service_->open_vote(user("cun"), kEast, "是否同意");
  auto store2 = storage::ProjectStore::open(location());
  auto c = clock_;
  ProjectService projects2(*layers_, *store2, identity_.get(), ReviewRequirements::standard(),
                           [c] { return c->load(); });
  auto service2 = make_service(*store2, projects2);
  auto voter = user("min5");
  for (int round = 0; round < 3; ++round) {
    std::atomic<int> ok{0}, refused{0};
    std::latch go(2);
    auto cast = [&](ParticipationService& s, BallotChoice choice) {
      go.arrive_and_wait();
      try {
        s.cast_ballot(voter, v.id, choice);
        ++ok;
      } catch (const RuleError& e) {
        EXPECT_EQ(e.code(), "already_voted");
        ++refused;
      }
    };
    std::thread a(cast, std::ref(*service_), BallotChoice::yes);
    std::thread b(cast, std::ref(*service2), BallotChoice::no);
    a.join();
    b.join();
    EXPECT_EQ(ok.load(), round == 0 ? 1 : 0);
    EXPECT_EQ(refused.load(), round == 0 ? 1 : 2);
  }
  EXPECT_EQ(service_->vote(user("cun"), v.id).ballots.size(), 1u);
  EXPECT_EQ(count_actions("participation.ballot"), 1);
}

TEST_P(ParticipationTest, feedback_has_a_deadline_overdue_items_are_listed_and_escalated) {
  auto p = project_on_notice(7);
  auto f = service_->submit_feedback(user("min1"), {p.id, "", "suggestion", "希望保留村口大树"});
  auto g = service_->submit_feedback(user("min2"), {0, kEast, "question", "补偿标准是多少？"});
  EXPECT_EQ(f.status, "open");
  EXPECT_EQ(f.region_code, kEast);
  EXPECT_EQ(f.due_at, iso(kStart + 15 * kDay));
  EXPECT_FALSE(f.overdue);
  // Villagers see their own; officials all of their region; others nothing.
  EXPECT_EQ(service_->feedback(user("min1")).size(), 1u);
  EXPECT_EQ(service_->feedback(user("cun")).size(), 2u);
  EXPECT_EQ(service_->feedback(user("xicun")).size(), 0u);
  EXPECT_THROW(service_->feedback_item(user("min2"), f.id), NotFoundError);
  EXPECT_THROW(service_->feedback_item(user("xi1"), f.id), NotFoundError);
  EXPECT_THROW(service_->submit_feedback(user("xi1"), {0, kEast, "question", "x"}), NotFoundError);
  EXPECT_EQ(code_of<Forbidden>([&] { service_->submit_feedback(user("cun"), {0, kEast, "question", "x"}); }),
            "villagers_only");
  // Answered within the deadline: not overdue.
  EXPECT_EQ(code_of<Forbidden>([&] { service_->answer_feedback(user("min1"), f.id, "我自己答"); }),
            "not_an_official");
  // Auditors read everything and change nothing.
  EXPECT_EQ(service_->feedback(user("shenji")).size(), 2u);
  EXPECT_EQ(code_of<Forbidden>([&] { service_->answer_feedback(user("shenji"), f.id, "x"); }),
            "not_an_official");
  auto answered = service_->answer_feedback(user("cun"), f.id, "设计已避让");
  EXPECT_EQ(answered.status, "answered");
  EXPECT_EQ(service_->feedback_item(user("min1"), f.id).reply, "设计已避让");
  EXPECT_EQ(code_of<RuleError>([&] { service_->answer_feedback(user("zhen"), f.id, "x"); }), "already_answered");
  // Day 15 exactly is still in time; after it, the unanswered one is overdue.
  clock_->store(kStart + 15 * kDay);
  EXPECT_TRUE(service_->feedback(user("zhen"), {"", true, 0}).empty());
  clock_->store(kStart + 15 * kDay + 1);
  auto overdue = service_->feedback(user("zhen"), {"", true, 0});
  ASSERT_EQ(overdue.size(), 1u);
  EXPECT_EQ(overdue[0].id, g.id);
  EXPECT_EQ(code_of<Forbidden>([&] { service_->escalate_overdue(user("cun")); }), "not_permitted");
  auto escalated = service_->escalate_overdue(user("zhen"));
  ASSERT_EQ(escalated.size(), 1u);
  EXPECT_EQ(service_->feedback_item(user("min2"), g.id).status, "escalated");
  EXPECT_TRUE(service_->escalate_overdue(user("zhen")).empty());
  service_->answer_feedback(user("zhen"), g.id, "按县标准执行");
  EXPECT_FALSE(service_->feedback_item(user("min2"), g.id).overdue);
  // The submitter closes; closing twice or before an answer is refused.
  EXPECT_EQ(service_->close_feedback(user("min1"), f.id).status, "closed");
  EXPECT_EQ(code_of<RuleError>([&] { service_->close_feedback(user("min1"), f.id); }), "already_closed");
  EXPECT_EQ(service_->feedback(user("zhen"), {"closed", false, 0}).size(), 1u);
  // Events: submitted to the region, answered to the submitter.
  std::vector<std::string> kinds;
  for (const auto& e : store_->events_after(0)) {
    kinds.push_back(e.kind);
    if (e.kind == "feedback.answered") {
      EXPECT_NE(e.payload.find("\"to\""), std::string::npos);
    }
    if (e.kind == "feedback.submitted") {
      EXPECT_EQ(e.region_code, kEast);
    }
  }
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "feedback.submitted"), 2);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "feedback.answered"), 2);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "feedback.escalated"), 1);
  EXPECT_EQ(count_actions("participation.feedback_submit"), 2);
  EXPECT_EQ(count_actions("participation.feedback_answer"), 2);
  EXPECT_EQ(count_actions("participation.feedback_escalate"), 1);
  EXPECT_EQ(count_actions("participation.feedback_close"), 1);
}

TEST_P(ParticipationTest, an_unanswered_complaint_holds_up_the_start_of_implementation) {
  auto p = project_on_notice(7);
  service_->submit_feedback(user("min1"), {p.id, "", "suggestion", "建议"});
  auto complaint = service_->submit_feedback(user("min2"), {p.id, "", "complaint", "占了我家承包地"});
  clock_->store(kStart + 8 * kDay);
  auto before = audit_size();
  EXPECT_EQ(code_of<RuleError>([&] { projects_->act(user("zhen"), p.id, ProjectAction::start_implementation); }),
            "complaint_unanswered");
  EXPECT_EQ(projects_->get(user("zhen"), p.id).state, ProjectState::public_notice);
  EXPECT_EQ(audit_size(), before);
  service_->answer_feedback(user("zhen"), complaint.id, "已核实，调整边界");
  auto started = projects_->act(user("zhen"), p.id, ProjectAction::start_implementation);
  EXPECT_EQ(started.state, ProjectState::implementation);
}

TEST_P(ParticipationTest, surveys_take_one_response_per_villager_and_aggregate) {
  auto p = project_on_notice(7);
  std::vector<services::SurveyQuestion> qs{
      {"总体满意度", {"1", "2", "3", "4", "5"}}, {"是否愿意参与管护", {"愿意", "不愿意"}}};
  auto s = service_->create_survey(user("cun"), kEast, p.id, "东村整治满意度", qs);
  service_->respond(user("min1"), s.id, {4, 0});
  service_->respond(user("min2"), s.id, {2, 0});
  service_->respond(user("min3"), s.id, {3, 1});
  EXPECT_EQ(code_of<RuleError>([&] { service_->respond(user("min1"), s.id, {0, 0}); }), "already_responded");
  EXPECT_EQ(code_of<InvalidRequest>([&] { service_->respond(user("min4"), s.id, {5, 0}); }), "invalid_answers");
  EXPECT_EQ(code_of<InvalidRequest>([&] { service_->respond(user("min4"), s.id, {1}); }), "invalid_answers");
  EXPECT_EQ(code_of<Forbidden>([&] { service_->respond(user("cun"), s.id, {1, 1}); }), "villagers_only");
  EXPECT_THROW(service_->respond(user("xi1"), s.id, {1, 1}), NotFoundError);
  auto view = service_->survey(user("zhen"), s.id);
  EXPECT_EQ(view.responses, 3);
  EXPECT_EQ(view.results[0].counts, (std::vector<std::int64_t>{0, 0, 1, 1, 1}));
  EXPECT_EQ(view.results[0].score_sum, 12);
  EXPECT_DOUBLE_EQ(view.results[0].average, 4.0);
  EXPECT_EQ(view.results[1].counts, (std::vector<std::int64_t>{2, 1}));
  EXPECT_EQ(service_->survey(user("min2"), s.id).my_answers, (std::vector<std::int64_t>{2, 0}));
  EXPECT_TRUE(service_->survey(user("min4"), s.id).my_answers.empty());
  service_->close_survey(user("cun"), s.id);
  EXPECT_EQ(code_of<RuleError>([&] { service_->respond(user("min4"), s.id, {1, 1}); }), "survey_closed");
  EXPECT_EQ(count_actions("participation.survey_response"), 3);
  EXPECT_EQ(code_of<InvalidRequest>([&] { service_->create_survey(user("cun"), kEast, 0, "t", {{"q", {"only"}}}); }),
            "invalid_choices");
}

TEST_P(ParticipationTest, bad_input_is_refused_and_script_text_is_kept_as_data) {
  auto p = project_on_notice(7);
  const std::string script = "<script>alert(1)</script>'; DROP TABLE villager_feedback; --";
  auto f = service_->submit_feedback(user("min1"), {p.id, "", "complaint", script});
  EXPECT_EQ(service_->feedback_item(user("zhen"), f.id).body, script);
  auto c = service_->comment(user("min1"), p.id, script);
  EXPECT_EQ(service_->comments(user("cun"), p.id).at(0).body, script);
  auto before = audit_size();
  auto feedback_before = service_->feedback(user("zhen")).size();
  EXPECT_EQ(code_of<InvalidRequest>([&] { service_->comment(user("min1"), p.id, std::string(2001, 'a')); }),
            "field_too_long");
  EXPECT_EQ(code_of<InvalidRequest>([&] { service_->comment(user("min1"), p.id, "bell\x07"); }), "invalid_text");
  EXPECT_EQ(code_of<InvalidRequest>([&] { service_->comment(user("min1"), p.id, "  \n "); }), "empty_field");
  EXPECT_EQ(code_of<InvalidRequest>([&] {
              service_->submit_feedback(user("min1"), {p.id, "", "complaint", std::string("a\0b", 3)});
            }),
            "invalid_text");
  EXPECT_EQ(code_of<InvalidRequest>([&] { service_->submit_feedback(user("min1"), {p.id, "", "'; --", "x"}); }),
            "unknown_category");
  EXPECT_EQ(code_of<InvalidRequest>([&] { service_->submit_feedback(user("min1"), {0, "34'--", "question", "x"}); }),
            "invalid_region");
  EXPECT_EQ(code_of<InvalidRequest>([&] { service_->submit_feedback(user("min1"), {0, "", "question", "x"}); }),
            "missing_field");
  EXPECT_THROW(service_->submit_feedback(user("min1"), {p.id + 100, "", "question", "x"}), NotFoundError);
  EXPECT_EQ(code_of<InvalidRequest>([&] { service_->answer_feedback(user("zhen"), f.id, std::string(4001, 'x')); }),
            "field_too_long");
  EXPECT_EQ(code_of<InvalidRequest>([&] { service_->set_representatives(user("cun"), kEast, {"min1'; --"}); }),
            "not_a_villager");
  EXPECT_EQ(audit_size(), before);
  EXPECT_EQ(service_->feedback(user("zhen")).size(), feedback_before);
  EXPECT_EQ(service_->feedback_item(user("zhen"), f.id).status, "open");
  EXPECT_EQ(service_->comments(user("cun"), p.id).size(), 1u);
  EXPECT_EQ(service_->comments(user("cun"), p.id)[0].id, c.id);
}

INSTANTIATE_TEST_SUITE_P(Backends, ParticipationTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
