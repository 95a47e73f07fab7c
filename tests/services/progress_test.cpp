// Progress, inspections, photos, acceptance and evaluation on both backends: milestone rules,
// `complete` blocked until every milestone is at 100%, GPS points inside / near / far outside the
// project area, photos stored once by content, declared type checked against the bytes, the
// scoring arithmetic and the acceptance guard, bad input changing nothing, the audit trail.
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "../storage/store_backends.h"
#include "common/error.h"
#include "png_fixture.h"
#include "services/progress.h"
#include "services/projects.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"
#include "storage/sql_identity_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

using services::GpsPoint;
using services::NewMilestone;
using services::NewReport;
using services::ProgressUpdate;

constexpr const char* kVillage = "340123100201";

User user_with(const std::string& name, Role role, const std::string& region, const std::string& dept = "") {
  User u;
  u.username = name;
  u.grants.push_back(Grant{role, dept, region});
  return u;
}

// The project area: 0.01° square at 117.00–117.01 E, 30.00–30.01 N (about 960 m × 1110 m).
std::string plan_json() {
  return R"({"area":{"type":"Polygon","coordinates":[[[117.0,30.0],[117.01,30.0],[117.01,30.01],[117.0,30.01],[117.0,30.0]]]}})";
}

services::ProgressUpdate pu(std::int64_t percent, const std::string& date = "",
                            const std::string& comment = "") {
  services::ProgressUpdate u;
  u.percent = percent;
  u.actual_date = date;
  u.comment = comment;
  return u;
}

template <class E, class F>
std::string code_of(F&& fn) {
  try {
    fn();
  } catch (const E& e) {
    if (auto* x = dynamic_cast<const Explained*>(&e)) return x->code();
    return "thrown";
  } catch (const std::exception& e) {
    return std::string("other: ") + e.what();
  }
  return "none";
}

class ProgressTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    layers_ = storage::Store::open(location(), {.create = true});
    identity_ = storage::IdentityStore::open(location(), {.create = true});
    store_ = storage::ProjectStore::open(location());
    projects_ = std::make_unique<services::ProjectService>(*layers_, *store_, nullptr,
                                                           ReviewRequirements::standard(),
                                                           [this] { return now_; });
    progress_ = std::make_unique<services::ProgressService>(
        *store_, *projects_, services::IndicatorTable::standard(), [this] { return now_; });
  }

  // A project put straight into `state` (the lifecycle itself is ProjectService's to test).
  std::int64_t project_in(ProjectState state, const std::string& region = kVillage) {
    auto p = projects_->create(zhen_, {"整治项目", "农用地整理", region, plan_json()});
    store_->write([&](storage::ProjectTx& tx) {
      auto r = *tx.project(p.id);
      r.state = state;
      tx.update_project(r);
    });
    return p.id;
  }
  ProjectState state_of(std::int64_t id) { return projects_->get(admin_, id).state; }
  std::string dump() { return where_->dump(); }
  std::size_t audit_size() { return identity_->audit_log().size(); }
  std::vector<std::string> rows(const std::string& sql) {
    return store_->read([&](storage::ProjectTx& tx) {
      std::vector<std::string> out;
      for (const auto& r : tx.session().query(sql)) {
        std::string line;
        for (const auto& v : r) line += (line.empty() ? "" : "|") + v;
        out.push_back(line);
      }
      return out;
    });
  }

  std::int64_t now_ = 1795000000;  // 2026-11-18
  std::unique_ptr<storage::Store> layers_;
  std::unique_ptr<storage::IdentityStore> identity_;
  std::unique_ptr<storage::ProjectStore> store_;
  std::unique_ptr<services::ProjectService> projects_;
  std::unique_ptr<services::ProgressService> progress_;
  User zhen_ = user_with("zhen", Role::township, "340123100");
  User lead_ = user_with("ziranziyuan", Role::lead_department, "340123", "自然资源局");
  User other_town_ = user_with("hekou", Role::township, "340123101");
  User expert_ = user_with("zhuanjia", Role::expert, "340123");
  User admin_ = user_with("root", Role::admin, "");
};

TEST_P(ProgressTest, milestones_open_from_approval_and_follow_the_rules) {
  auto draft = project_in(ProjectState::draft);
  EXPECT_EQ(code_of<RuleError>([&] { progress_->add_milestone(zhen_, draft, {"土地平整", "2026-12-31"}); }),
            "invalid_state");
  auto id = project_in(ProjectState::approved);
  auto m = progress_->add_milestone(zhen_, id, {"土地平整", "2026-12-31", 2});
  EXPECT_EQ(m.percent, 0);
  EXPECT_EQ(m.weight, 2);
  EXPECT_EQ(m.actual_date, "");
  EXPECT_EQ(code_of<RuleError>([&] { progress_->add_milestone(lead_, id, {"土地平整", "2027-01-31"}); }),
            "milestone_exists");
  EXPECT_EQ(code_of<InvalidRequest>([&] { progress_->add_milestone(zhen_, id, {"灌溉", "2026-02-30"}); }),
            "invalid_date");
  EXPECT_EQ(code_of<InvalidRequest>([&] { progress_->add_milestone(zhen_, id, {"灌溉", "2026-12-01", 0}); }),
            "invalid_weight");
  EXPECT_EQ(code_of<InvalidRequest>([&] { progress_->add_milestone(zhen_, id, {"", "2026-12-01"}); }),
            "empty_field");
  // Outside the user's grants: as for a project that does not exist; visible but not an
  // implementer: 403.
  EXPECT_EQ(code_of<NotFoundError>([&] { progress_->add_milestone(other_town_, id, {"灌溉", "2026-12-01"}); }),
            "thrown");
  EXPECT_EQ(code_of<Forbidden>([&] { progress_->add_milestone(expert_, id, {"灌溉", "2026-12-01"}); }),
            "not_permitted");
  // Progress only during implementation.
  EXPECT_EQ(code_of<RuleError>([&] { progress_->report_progress(zhen_, id, m.id, pu(50)); }), "invalid_state");
  store_->write([&](storage::ProjectTx& tx) {
    auto r = *tx.project(id);
    r.state = ProjectState::implementation;
    tx.update_project(r);
  });
  auto half = progress_->report_progress(zhen_, id, m.id, pu(50));
  EXPECT_EQ(half.percent, 50);
  EXPECT_EQ(code_of<InvalidRequest>([&] { progress_->report_progress(zhen_, id, m.id, pu(101)); }), "invalid_percent");
  EXPECT_EQ(code_of<InvalidRequest>([&] { progress_->report_progress(zhen_, id, m.id, pu(-1)); }), "invalid_percent");
  EXPECT_EQ(code_of<InvalidRequest>([&] { progress_->report_progress(zhen_, id, m.id, pu(30)); }), "comment_required");
  EXPECT_EQ(code_of<InvalidRequest>([&] { progress_->report_progress(zhen_, id, m.id, pu(60, "2026-11-01")); }),
            "actual_date_unexpected");
  EXPECT_EQ(code_of<InvalidRequest>([&] { progress_->report_progress(zhen_, id, m.id, pu(100, "2027-01-01")); }),
            "actual_date_in_future");
  EXPECT_EQ(code_of<NotFoundError>([&] { progress_->report_progress(zhen_, id, m.id + 999, pu(60)); }), "thrown");
  auto lower = progress_->report_progress(zhen_, id, m.id, pu(40, "", "返工"));
  EXPECT_EQ(lower.percent, 40);
  auto done = progress_->report_progress(zhen_, id, m.id, pu(100));
  EXPECT_EQ(done.actual_date, "2026-11-18");
  auto ms = progress_->milestones(lead_, id);
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].percent, 100);
  EXPECT_EQ(ms[0].actual_date, "2026-11-18");
  // Each change audited and evented.
  auto log = identity_->audit_log();
  std::vector<std::string> actions;
  for (const auto& e : log)
    if (e.action.rfind("progress.", 0) == 0) actions.push_back(e.action);
  EXPECT_EQ(actions, (std::vector<std::string>{"progress.milestone_add", "progress.report", "progress.report",
                                               "progress.report"}));
  EXPECT_TRUE(identity_->verify_audit().intact);
  int reported = 0;
  for (const auto& e : store_->events_after(0))
    if (e.kind == "progress.reported") ++reported;
  EXPECT_EQ(reported, 3);
}

TEST_P(ProgressTest, complete_is_blocked_until_every_milestone_is_at_100_percent) {
  auto id = project_in(ProjectState::implementation);
  EXPECT_EQ(code_of<RuleError>([&] { projects_->act(zhen_, id, ProjectAction::complete); }), "no_milestones");
  auto a = progress_->add_milestone(zhen_, id, {"土地平整", "2026-12-01", 3});
  auto b = progress_->add_milestone(zhen_, id, {"农田水利", "2026-12-20", 1});
  progress_->report_progress(zhen_, id, a.id, pu(100));
  progress_->report_progress(zhen_, id, b.id, pu(60));
  EXPECT_DOUBLE_EQ(services::ProgressService::overall_percent(progress_->milestones(zhen_, id)), 90.0);
  EXPECT_EQ(code_of<RuleError>([&] { projects_->act(zhen_, id, ProjectAction::complete); }), "milestones_open");
  EXPECT_EQ(state_of(id), ProjectState::implementation);
  progress_->report_progress(zhen_, id, b.id, pu(100));
  projects_->act(zhen_, id, ProjectAction::complete);
  EXPECT_EQ(state_of(id), ProjectState::completed);
  // No more progress changes once completed.
  EXPECT_EQ(code_of<RuleError>([&] { progress_->report_progress(zhen_, id, b.id, pu(90, "", "x")); }), "invalid_state");
}

TEST_P(ProgressTest, gps_points_inside_pass_near_ones_are_flagged_far_ones_refused) {
  auto id = project_in(ProjectState::implementation);
  NewReport in{"inspection", "巡查：田块平整到位", {{117.005, 30.005}}, {}, 0};
  auto r = progress_->file_report(lead_, id, in);
  ASSERT_EQ(r.points.size(), 1u);
  EXPECT_TRUE(r.points[0].inside);
  EXPECT_FALSE(r.outside_area);
  // 0.0005° east of the east edge at 30° N: about 48 m outside, within the GPS tolerance.
  NewReport near{"inspection", "边界处", {{117.005, 30.005}, {117.0105, 30.005}}, {}, 0};
  auto n = progress_->file_report(lead_, id, near);
  EXPECT_TRUE(n.outside_area);
  EXPECT_FALSE(n.points[1].inside);
  EXPECT_NEAR(n.points[1].distance_m, 48.3, 1.0);
  // 0.01° east: about 960 m out; the whole report is refused, naming the point.
  auto before = dump();
  NewReport far{"inspection", "远处", {{117.005, 30.005}, {117.02, 30.005}}, {}, 0};
  try {
    progress_->file_report(lead_, id, far);
    FAIL() << "a point 960 m outside was accepted";
  } catch (const InvalidRequest& e) {
    EXPECT_EQ(e.code(), "point_outside_area");
    EXPECT_NE(std::string(e.what()).find("points[1]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("117.020000"), std::string::npos) << e.what();
  }
  EXPECT_EQ(code_of<InvalidRequest>([&] { progress_->file_report(lead_, id, {"inspection", "x", {{9000, 30}}, {}, 0}); }),
            "invalid_point");
  EXPECT_EQ(code_of<InvalidRequest>([&] { progress_->file_report(lead_, id, {"inspection", "x", {}, {}, 0}); }),
            "points_required");
  EXPECT_EQ(code_of<InvalidRequest>([&] { progress_->file_report(lead_, id, {"gossip", "x", {}, {}, 0}); }),
            "unknown_kind");
  EXPECT_EQ(code_of<InvalidRequest>([&] {
              progress_->file_report(zhen_, id, {"report", "x", {}, {std::string(64, 'a')}, 0});
            }),
            "unknown_photo");
  EXPECT_EQ(dump(), before);
  auto all = progress_->reports(zhen_, id);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_TRUE(all[1].outside_area);
  EXPECT_EQ(all[1].points.size(), 2u);
}

TEST_P(ProgressTest, photos_are_stored_once_by_content_and_their_type_is_checked) {
  auto a = project_in(ProjectState::implementation);
  auto b = project_in(ProjectState::implementation);
  auto png = make_png(40, 30, 7);
  auto first = progress_->upload_photo(zhen_, a, "image/png", png);
  EXPECT_TRUE(first.created);
  EXPECT_EQ(first.content_type, "image/png");
  EXPECT_EQ(first.sha256.size(), 64u);
  auto again = progress_->upload_photo(zhen_, a, "image/png", png);
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.sha256, first.sha256);
  auto elsewhere = progress_->upload_photo(zhen_, b, "image/png", png);
  EXPECT_TRUE(elsewhere.created);
  EXPECT_EQ(rows("SELECT count(*) FROM progress_blobs"), std::vector<std::string>{"1"});
  EXPECT_EQ(rows("SELECT count(*) FROM progress_photos"), std::vector<std::string>{"2"});
  auto back = progress_->photo(lead_, a, first.sha256);
  EXPECT_EQ(back.bytes, png);
  EXPECT_EQ(back.content_type, "image/png");
  std::string jpeg = std::string("\xFF\xD8\xFF\xE0", 4) + std::string(100, 'j');
  EXPECT_EQ(progress_->upload_photo(zhen_, a, "image/jpeg", jpeg).content_type, "image/jpeg");
  // A photo of project a is not one of a third project, and not for a user outside the region.
  auto c = project_in(ProjectState::implementation);
  EXPECT_EQ(code_of<NotFoundError>([&] { progress_->photo(zhen_, c, first.sha256); }), "thrown");
  EXPECT_EQ(code_of<NotFoundError>([&] { progress_->photo(other_town_, a, first.sha256); }), "thrown");
  auto before = dump();
  auto audit_before = audit_size();
  EXPECT_EQ(code_of<InvalidRequest>([&] { progress_->upload_photo(zhen_, a, "image/jpeg", png); }), "type_mismatch");
  EXPECT_EQ(code_of<InvalidRequest>([&] { progress_->upload_photo(zhen_, a, "image/png", "just some text"); }),
            "type_mismatch");
  EXPECT_EQ(code_of<InvalidRequest>([&] { progress_->upload_photo(zhen_, a, "text/plain", "hello"); }),
            "unsupported_type");
  EXPECT_EQ(code_of<InvalidRequest>([&] { progress_->upload_photo(zhen_, a, "image/png", ""); }), "empty_photo");
  std::string huge = png + std::string(services::kMaxPhotoBytes, '\0');
  EXPECT_EQ(code_of<InvalidRequest>([&] { progress_->upload_photo(zhen_, a, "image/png", huge); }),
            "photo_too_large");
  EXPECT_EQ(code_of<NotFoundError>([&] { progress_->upload_photo(other_town_, a, "image/png", png); }), "thrown");
  EXPECT_EQ(dump(), before);
  EXPECT_EQ(audit_size(), audit_before);
  // A report may cite the project's photos.
  auto r = progress_->file_report(zhen_, a, {"report", "完成土方", {}, {first.sha256}, 0});
  EXPECT_EQ(r.photos, std::vector<std::string>{first.sha256});
}

TEST_P(ProgressTest, two_simultaneous_identical_milestones_make_one) {
  auto id = project_in(ProjectState::implementation);
  // A second service on its own connection, as a second server process would have.
  auto store2 = storage::ProjectStore::open(location());
  services::ProjectService projects2(*layers_, *store2, nullptr);
  services::ProgressService progress2(*store2, projects2);
  std::atomic<int> made{0}, refused{0};
  auto add = [&](services::ProgressService& p) {
    try {
      p.add_milestone(zhen_, id, {"同名节点", "2026-12-31"});
      ++made;
    } catch (const RuleError& e) {
      if (e.code() == "milestone_exists") ++refused;
    }
  };
  std::thread a([&] { add(*progress_); });
  std::thread b([&] { add(progress2); });
  a.join();
  b.join();
  EXPECT_EQ(made.load(), 1);
  EXPECT_EQ(refused.load(), 1);
  EXPECT_EQ(progress_->milestones(zhen_, id).size(), 1u);
}

TEST(ProgressScoring, achieved_over_planned_capped_weighted_into_a_total) {
  auto table = services::IndicatorTable::parse(R"({"indicators":[
    {"key":"a","name_zh":"甲","name_en":"a","unit":"m2","better":"higher","weight":3,"acceptance_min_score":1.0},
    {"key":"b","name_zh":"乙","name_en":"b","unit":"fen_per_mu","better":"lower","weight":1},
    {"key":"c","name_zh":"丙","name_en":"c","unit":"percent","better":"higher","weight":1,"acceptance_min_score":0.9}]})",
                                               "test");
  // a: 80/100 = 0.8; b: lower is better, 300000/400000 = 0.75; c: 95/90 → capped at 1.
  auto e = services::score_indicators(table, {{"a", 100}, {"b", 300000}, {"c", 90}},
                                      {{"a", 80}, {"b", 400000}, {"c", 95}});
  ASSERT_EQ(e.indicators.size(), 3u);
  EXPECT_DOUBLE_EQ(*e.indicators[0].score, 0.8);
  EXPECT_DOUBLE_EQ(*e.indicators[1].score, 0.75);
  EXPECT_DOUBLE_EQ(*e.indicators[2].score, 1.0);
  // (3×0.8 + 0.75 + 1) / 5 × 100 = 83.
  EXPECT_DOUBLE_EQ(*e.total_score, 83.0);
  EXPECT_FALSE(e.acceptance_met);
  ASSERT_EQ(e.acceptance_failures_en.size(), 1u);
  EXPECT_NE(e.acceptance_failures_en[0].find("80.0%"), std::string::npos) << e.acceptance_failures_en[0];
  // Met in full; an indicator planned at 0 carries no score; a missing achieved value fails
  // acceptance only for acceptance indicators.
  auto met = services::score_indicators(table, {{"a", 100}, {"b", 0}, {"c", 90}}, {{"a", 120}, {"c", 81}});
  EXPECT_DOUBLE_EQ(*met.total_score, 100.0 * (3 * 1.0 + 0.9) / 4);
  EXPECT_FALSE(met.indicators[1].score.has_value());
  EXPECT_TRUE(met.acceptance_met);
  auto none = services::score_indicators(table, {}, {});
  EXPECT_FALSE(none.total_score.has_value());
  EXPECT_FALSE(none.acceptance_met);
  EXPECT_THROW(services::IndicatorTable::parse(R"({"indicators":[{"key":"x"}]})", "t"), Error);
  // The shipped table: six indicators, weights positive.
  EXPECT_EQ(services::IndicatorTable::standard().indicators().size(), 6u);
}

TEST_P(ProgressTest, acceptance_needs_the_indicators_met_and_scores_compare_across_projects) {
  auto id = project_in(ProjectState::approved);
  // Planned values: lead department only, from approval.
  EXPECT_EQ(code_of<Forbidden>([&] { progress_->set_indicators(zhen_, id, false, {{"new_cultivated_land", 1}}); }),
            "not_permitted");
  auto before = dump();
  EXPECT_EQ(code_of<InvalidRequest>([&] { progress_->set_indicators(lead_, id, false, {{"nonsense", 1}}); }),
            "unknown_indicator");
  EXPECT_EQ(code_of<InvalidRequest>([&] { progress_->set_indicators(lead_, id, false, {{"satisfaction", 101}}); }),
            "invalid_value");
  EXPECT_EQ(code_of<InvalidRequest>([&] { progress_->set_indicators(lead_, id, false, {{"households_benefiting", 2.5}}); }),
            "invalid_value");
  EXPECT_EQ(code_of<InvalidRequest>([&] { progress_->set_indicators(lead_, id, false, {{"new_cultivated_land", -1}}); }),
            "invalid_value");
  EXPECT_EQ(code_of<RuleError>([&] { progress_->set_indicators(lead_, id, true, {{"new_cultivated_land", 1}}); }),
            "invalid_state");
  EXPECT_EQ(dump(), before);
  progress_->set_indicators(lead_, id, false,
                            {{"new_cultivated_land", 60000}, {"construction_land_reduced", 20000},
                             {"ecological_area_restored", 10000}, {"investment_per_mu", 300000},
                             {"households_benefiting", 120}, {"satisfaction", 90}});
  store_->write([&](storage::ProjectTx& tx) {
    auto r = *tx.project(id);
    r.state = ProjectState::implementation;
    tx.update_project(r);
  });
  auto m = progress_->add_milestone(zhen_, id, {"全部工程", "2026-11-01"});
  progress_->report_progress(zhen_, id, m.id, pu(100, "2026-11-10"));
  // Achieved short of the plan on new cultivated land.
  progress_->set_indicators(zhen_, id, true,
                            {{"new_cultivated_land", 54000}, {"construction_land_reduced", 20000},
                             {"ecological_area_restored", 9500}, {"investment_per_mu", 400000},
                             {"households_benefiting", 150}, {"satisfaction", 95}});
  projects_->act(zhen_, id, ProjectAction::complete);
  EXPECT_EQ(code_of<RuleError>([&] { projects_->act(lead_, id, ProjectAction::accept); }),
            "acceptance_indicators_not_met");
  EXPECT_EQ(state_of(id), ProjectState::completed);
  auto e = progress_->set_indicators(lead_, id, true, {{"new_cultivated_land", 61000}});
  EXPECT_TRUE(e.evaluation.acceptance_met);
  // 25×1 + 20×1 + 20×0.95 + 10×0.75 + 10×1 + 15×1 = 96.5 of 100.
  EXPECT_DOUBLE_EQ(*e.evaluation.total_score, 96.5);
  projects_->act(lead_, id, ProjectAction::accept);
  EXPECT_EQ(state_of(id), ProjectState::accepted);
  projects_->act(lead_, id, ProjectAction::evaluate);
  EXPECT_EQ(state_of(id), ProjectState::evaluated);
  // Achieved values are locked after completion.
  EXPECT_EQ(code_of<RuleError>([&] { progress_->set_indicators(lead_, id, true, {{"satisfaction", 99}}); }),
            "invalid_state");
  // A second project with a lower score; the comparison lists both for the county, the better
  // first, and nothing for a township outside.
  auto other = project_in(ProjectState::approved);
  progress_->set_indicators(lead_, other, false, {{"new_cultivated_land", 10000}});
  store_->write([&](storage::ProjectTx& tx) {
    auto r = *tx.project(other);
    r.state = ProjectState::implementation;
    tx.update_project(r);
  });
  progress_->set_indicators(zhen_, other, true, {{"new_cultivated_land", 5000}});
  auto list = progress_->evaluations(lead_);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].project.id, id);
  EXPECT_DOUBLE_EQ(*list[1].evaluation.total_score, 50.0);
  EXPECT_TRUE(progress_->evaluations(other_town_).empty());
  std::vector<std::string> actions;
  for (const auto& x : identity_->audit_log())
    if (x.action.rfind("evaluation.", 0) == 0) actions.push_back(x.action);
  EXPECT_EQ(actions, (std::vector<std::string>{"evaluation.planned", "evaluation.achieved", "evaluation.achieved",
                                               "evaluation.planned", "evaluation.achieved"}));
}

INSTANTIATE_TEST_SUITE_P(Backends, ProgressTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
