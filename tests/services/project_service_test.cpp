// The project lifecycle on every backend, on the demo county: a project that crosses the
// ecological red line is created from its plan, submitted once its applicant confirms the
// findings, checked (the check finds roads in the red line), reviewed by the departments the
// review table requires because of them, refused approval while the violations stand, returned,
// fixed, checked again, approved once the lead department acknowledged the remaining warning,
// published, started after its notice period, completed, accepted once the review conditions are
// fulfilled, evaluated and handed over. Around it: jurisdiction (404 outside, villagers only
// after the notice), roles (403), guards (409 with their codes), stale edits, bad plans that
// change nothing, and two departments' concurrent decisions; which findings bind is data.
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "../storage/store_backends.h"
#include "common/error.h"
#include "common/data_dir.h"
#include "common/detailed_error.h"
#include "domain/survey_fields.h"
#include "geo/geometry.h"
#include "services/compliance_gate.h"
#include "services/demo_county.h"
#include "services/land_use_balance.h"
#include "services/plan_features.h"
#include "services/projects.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

using nlohmann::json;
using services::ActionInput;
using services::ProjectService;
using services::ReviewInput;

User user(const std::string& name, Role role, const std::string& department,
          const std::string& region) {
  User u;
  u.username = name;
  u.grants.push_back({role, department, region});
  return u;
}

template <class F>
std::string refusal_code(F&& f) {
  try {
    f();
  } catch (const Explained& e) {
    return e.code();
  } catch (const NotFoundError&) {
    return "not_found";
  }
  return "none";
}

// A refusal that names findings: its code, both messages and the findings of its details.
struct Refusal {
  std::string code, zh, en;
  json findings = json::array();
};
template <class F>
Refusal refusal(F&& f) {
  try {
    f();
  } catch (const DetailedRuleError& e) {
    return {e.code(), e.message_zh(), e.what(), json::parse(e.details_json())["findings"]};
  } catch (const RuleError& e) {
    return {e.code(), e.message_zh(), e.what()};
  }
  return {"none", "", ""};
}

const ActionInput kConfirmed{"", 0, true};

class ProjectServiceTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    layers_ = storage::Store::open(location(), {.create = true});
    auto summary = services::generate_demo_county(*layers_, {.polygons = 2000, .seed = 7});
    county_ = summary.county_code;
    projects_ = storage::ProjectStore::open(location());
    identity_ = storage::IdentityStore::open(location());
    service_ = std::make_unique<ProjectService>(*layers_, *projects_, identity_.get(),
                                                ReviewRequirements::standard(),
                                                [this] { return now_.load(); });
    redline_ = services::project_from_layer(*layers_, "projects", "XM2026-005");
    township_ = redline_.region_code;
    other_township_ = township_.substr(0, 6) + (township_.substr(6) == "100" ? "101" : "100");
    applicant_ = user("zhen", Role::township, "", township_);
    lead_ = user("zrzy", Role::lead_department, "自然资源局", county_);
  }

  std::int64_t audit_length() { return static_cast<std::int64_t>(identity_->audit_log().size()); }

  storage::ProjectRecord create_redline_project() {
    return service_->create(applicant_, {redline_.name, redline_.type, township_, redline_.plan_json});
  }

  // Drives a new project to joint review; returns it.
  storage::ProjectRecord in_review() {
    auto p = create_redline_project();
    service_->act(applicant_, p.id, ProjectAction::submit, kConfirmed);
    service_->act(lead_, p.id, ProjectAction::check_compliance);
    return service_->act(lead_, p.id, ProjectAction::start_review);
  }

  // The plan of `checked` without the planned changes its check found blocking: the applicant's
  // fix after a return.
  static std::string without_blocked_changes(const storage::ProjectRecord& checked,
                                             const RuleSet& rules) {
    std::set<std::string> blocked;
    for (const auto& f : services::binding_findings(checked, rules))
      if (f.effect == FindingEffect::block) blocked.insert(f.feature);
    json plan = json::parse(checked.plan_json), kept = json::array();
    for (std::size_t k = 0; k < plan["changes"].size(); ++k)
      if (!blocked.count(checked.code + "-P" + std::to_string(k + 1))) kept.push_back(plan["changes"][k]);
    plan["changes"] = kept;
    return plan.dump();
  }

  // Every review of the current round given (approve), by a user of the department.
  void review_all(std::int64_t id) {
    for (const auto& r : service_->view(lead_, id).reviews)
      if (r.decision.empty())
        service_->review(user("r-" + r.department, r.department == "自然资源局" ? Role::lead_department
                                                                                : Role::co_reviewing_department,
                              r.department, county_),
                         id, {r.department, ReviewDecision::approve, "同意", {}});
  }

  // The standard rules with another "binding" section.
  static RuleSet rules_binding(const json& binding) {
    json j = json::parse(read_file(data_dir() + "/rules.json"));
    j["binding"] = binding;
    return RuleSet::parse(j.dump(), "test rules");
  }

  std::unique_ptr<storage::Store> layers_;
  std::unique_ptr<storage::ProjectStore> projects_;
  std::unique_ptr<storage::IdentityStore> identity_;
  std::unique_ptr<ProjectService> service_;
  std::atomic<std::int64_t> now_{1'790'000'000};
  services::LayerProject redline_;
  std::string county_, township_, other_township_;
  User applicant_, lead_;
};

TEST_P(ProjectServiceTest, a_project_goes_from_application_to_maintenance) {
  ASSERT_EQ(redline_.type, "农用地整理");
  auto p = create_redline_project();
  EXPECT_EQ(p.state, ProjectState::draft);
  EXPECT_EQ(p.code.substr(0, 2), "XM");
  EXPECT_GT(p.area_m2, 10000);

  // The plan has findings: submitting needs the applicant's confirmation, and records it.
  auto before_submit = audit_length();
  auto unconfirmed = refusal([&] { service_->act(applicant_, p.id, ProjectAction::submit); });
  EXPECT_EQ(unconfirmed.code, "findings_unconfirmed");
  ASSERT_FALSE(unconfirmed.findings.empty());
  EXPECT_NE(unconfirmed.zh.find("生态保护红线内实施工程建设"), std::string::npos) << unconfirmed.zh;
  EXPECT_NE(unconfirmed.zh.find("亩"), std::string::npos) << unconfirmed.zh;
  EXPECT_EQ(service_->get(lead_, p.id).state, ProjectState::draft);
  EXPECT_EQ(audit_length(), before_submit);
  p = service_->act(applicant_, p.id, ProjectAction::submit, {"已知悉合规预审结果", 0, true});
  EXPECT_EQ(p.state, ProjectState::submitted);
  auto submitted = json::parse(identity_->audit_log().back().detail);
  EXPECT_EQ(identity_->audit_log().back().action, "project.submit");
  EXPECT_EQ(submitted["confirmed_findings"].size(), unconfirmed.findings.size()) << submitted.dump();
  p = service_->act(lead_, p.id, ProjectAction::check_compliance);
  EXPECT_EQ(p.state, ProjectState::compliance_checked);
  auto compliance = json::parse(p.compliance_json);
  std::set<std::string> rules, overlapped;
  for (const auto& f : compliance["findings"]) rules.insert(f["rule"].get<std::string>());
  for (const auto& o : compliance["overlaps"]) overlapped.insert(o["kind"].get<std::string>());
  EXPECT_TRUE(rules.count("redline_engineering")) << compliance.dump();
  EXPECT_TRUE(overlapped.count("ecological_redline")) << compliance.dump();
  for (const auto& f : compliance["findings"]) EXPECT_GT(f["area_m2"].get<double>(), 1.0);

  p = service_->act(lead_, p.id, ProjectAction::start_review);
  EXPECT_EQ(p.state, ProjectState::joint_review);
  auto view = service_->view(lead_, p.id);
  std::map<std::string, std::string> required;
  for (const auto& r : view.reviews) required[r.department] = r.required_because;
  // Type 农用地整理 needs agriculture and finance; the red-line finding adds ecology; the lead
  // department always reviews.
  for (const char* d : {"自然资源局", "农业农村局", "财政局", "生态环境局"})
    EXPECT_TRUE(required.count(d)) << d;
  EXPECT_NE(required["生态环境局"].find("redline"), std::string::npos) << required["生态环境局"];

  // The roads in the red line block approval, reviews or not; the refusal names each one (rule,
  // the planned change with its classes, the area in 亩 and m²), and a violation cannot be
  // acknowledged away.
  review_all(p.id);
  auto blocked = refusal([&] { service_->act(lead_, p.id, ProjectAction::approve); });
  EXPECT_EQ(blocked.code, "compliance_blocking");
  ASSERT_FALSE(blocked.findings.empty());
  std::set<std::string> blocking_rules;
  for (const auto& f : blocked.findings) {
    EXPECT_EQ(f["effect"], "block");
    blocking_rules.insert(f["rule"].get<std::string>());
    EXPECT_NE(f["feature_zh"].get<std::string>().find("处规划变更"), std::string::npos) << f.dump();
    EXPECT_NE(blocked.zh.find(f["text_zh"].get<std::string>()), std::string::npos) << blocked.zh;
    EXPECT_NE(blocked.en.find(f["text_en"].get<std::string>()), std::string::npos) << blocked.en;
  }
  EXPECT_TRUE(blocking_rules.count("redline_engineering")) << blocked.zh;
  EXPECT_NE(blocked.zh.find("生态保护红线内实施工程建设：第 "), std::string::npos) << blocked.zh;
  EXPECT_NE(blocked.zh.find(" 亩（"), std::string::npos) << blocked.zh;
  EXPECT_NE(blocked.zh.find(" 平方米）"), std::string::npos) << blocked.zh;
  EXPECT_EQ(refusal_code([&] {
              service_->acknowledge(lead_, p.id, blocked.findings[0]["key"], "红线内道路已知悉");
            }),
            "finding_blocks");
  EXPECT_EQ(service_->get(lead_, p.id).state, ProjectState::joint_review);

  // The plan must change: returned, the roads dropped, submitted and checked again; a new round.
  p = service_->act(lead_, p.id, ProjectAction::return_for_revision, {"生态保护红线内不得新建道路", 0});
  p = service_->update_plan(applicant_, p.id, p.row_version,
                            without_blocked_changes(service_->get(lead_, p.id), service_->rules()));
  p = service_->act(applicant_, p.id, ProjectAction::submit, kConfirmed);
  p = service_->act(lead_, p.id, ProjectAction::check_compliance);
  p = service_->act(lead_, p.id, ProjectAction::start_review);
  EXPECT_EQ(p.review_round, 2);
  required.clear();
  for (const auto& r : service_->view(lead_, p.id).reviews)
    if (r.round == 2) required[r.department] = r.required_because;
  EXPECT_TRUE(required.count("生态环境局"));

  // What remains is the warning that the area overlaps the red line: approval waits for the lead
  // department's acknowledgement, named in the refusal.
  auto gate = services::compliance_gate_json(service_->get(lead_, p.id), {}, service_->rules());
  EXPECT_TRUE(gate["blocking"].empty()) << gate.dump();
  ASSERT_EQ(gate["warnings"].size(), 1u) << gate.dump();
  EXPECT_EQ(gate["warnings"][0]["rule"], "redline_overlap");
  EXPECT_EQ(gate["warnings"][0]["feature_zh"], "项目区");
  auto unacknowledged = refusal([&] { service_->act(lead_, p.id, ProjectAction::approve); });
  EXPECT_EQ(unacknowledged.code, "warnings_unacknowledged");
  ASSERT_EQ(unacknowledged.findings.size(), 1u);
  EXPECT_EQ(unacknowledged.findings[0]["key"], gate["warnings"][0]["key"]);
  EXPECT_NE(unacknowledged.zh.find("项目区与生态保护红线重叠：项目区，"), std::string::npos) << unacknowledged.zh;
  const std::string key = gate["warnings"][0]["key"];
  EXPECT_EQ(refusal_code([&] { service_->acknowledge(applicant_, p.id, key, "已知悉"); }), "not_lead_department");
  EXPECT_EQ(refusal_code([&] { service_->acknowledge(lead_, p.id, key, "  "); }), "empty_field");
  EXPECT_EQ(refusal_code([&] { service_->acknowledge(lead_, p.id, "no-such-finding", "已知悉"); }),
            "finding_not_current");
  auto ack = service_->acknowledge(lead_, p.id, key, "红线内仅为原有农田，不安排工程，已核实");
  EXPECT_EQ(ack.actor, "zrzy");
  EXPECT_FALSE(ack.time.empty());
  EXPECT_EQ(identity_->audit_log().back().action, "project.acknowledge_finding");
  EXPECT_NE(identity_->audit_log().back().detail.find("不安排工程"), std::string::npos);
  EXPECT_EQ(refusal_code([&] { service_->acknowledge(lead_, p.id, key, "again"); }), "already_acknowledged");
  gate = services::compliance_gate_json(service_->get(lead_, p.id), service_->view(lead_, p.id).acknowledgements,
                                        service_->rules());
  EXPECT_EQ(gate["warnings"][0]["acknowledgement"]["reason"], "红线内仅为原有农田，不安排工程，已核实");

  // Approval waits for every review.
  EXPECT_EQ(refusal_code([&] { service_->act(lead_, p.id, ProjectAction::approve); }), "reviews_pending");
  for (const auto& [dept, _] : required) {
    ReviewInput in{dept, ReviewDecision::approve, "同意", {}};
    if (dept == "生态环境局") {
      in.decision = ReviewDecision::approve_with_conditions;
      in.conditions = {"红线内不得新建道路，改为生态护坡"};
    }
    auto reviewer = user("r-" + std::to_string(required.size()), dept == "自然资源局" ? Role::lead_department : Role::co_reviewing_department, dept, county_);
    auto r = service_->review(reviewer, p.id, in);
    EXPECT_EQ(r.decision, std::string(to_string(in.decision)));
  }
  p = service_->act(lead_, p.id, ProjectAction::approve);
  EXPECT_EQ(p.state, ProjectState::approved);

  EXPECT_EQ(refusal_code([&] { service_->act(lead_, p.id, ProjectAction::publish_notice, {"", 0}); }),
            "invalid_notice_days");
  auto villager = user("cunmin", Role::villager, "", township_ + "201");
  auto villager_elsewhere = user("cunmin2", Role::villager, "", other_township_ + "201");
  EXPECT_EQ(refusal_code([&] { service_->get(villager, p.id); }), "not_found");
  p = service_->act(lead_, p.id, ProjectAction::publish_notice, {"公示七天", 7});
  EXPECT_EQ(p.state, ProjectState::public_notice);
  // From the notice on, the villagers of the township's villages see its project; others do not.
  EXPECT_EQ(service_->get(villager, p.id).code, p.code);
  EXPECT_EQ(refusal_code([&] { service_->get(villager_elsewhere, p.id); }), "not_found");
  EXPECT_EQ(refusal_code([&] { service_->act(applicant_, p.id, ProjectAction::start_implementation); }),
            "notice_period_running");
  now_ += 7 * 86400 + 1;
  p = service_->act(applicant_, p.id, ProjectAction::start_implementation);
  EXPECT_EQ(p.state, ProjectState::implementation);
  p = service_->act(applicant_, p.id, ProjectAction::complete);

  // The ecology condition is an obligation: acceptance waits for it.
  EXPECT_EQ(refusal_code([&] { service_->act(lead_, p.id, ProjectAction::accept); }), "obligations_open");
  auto obligations = service_->view(lead_, p.id).obligations;
  ASSERT_EQ(obligations.size(), 1u);
  EXPECT_EQ(obligations[0].department, "生态环境局");
  service_->fulfil_obligation(applicant_, p.id, obligations[0].id, "已改为生态护坡，附照片");
  EXPECT_EQ(refusal_code([&] { service_->fulfil_obligation(applicant_, p.id, obligations[0].id, "again"); }),
            "already_fulfilled");
  p = service_->act(lead_, p.id, ProjectAction::accept);
  p = service_->act(lead_, p.id, ProjectAction::evaluate);
  p = service_->act(applicant_, p.id, ProjectAction::start_maintenance);
  EXPECT_EQ(p.state, ProjectState::maintenance);

  // The history records every step in order, each with its actor; the audit chain holds.
  auto history = service_->view(lead_, p.id).transitions;
  std::vector<std::string> actions;
  for (const auto& t : history) actions.push_back(t.action);
  EXPECT_EQ(actions, (std::vector<std::string>{"submit", "check_compliance", "start_review", "return",
                                               "submit", "check_compliance", "start_review", "approve",
                                               "publish_notice", "start_implementation", "complete",
                                               "accept", "evaluate", "start_maintenance"}));
  EXPECT_TRUE(identity_->verify_audit().intact);
  auto log = identity_->audit_log();
  int reviews = 0;
  for (const auto& e : log) reviews += e.action == "project.review";
  EXPECT_GE(reviews, static_cast<int>(required.size()));
  EXPECT_GE(projects_->events_after(0).size(), 10u + required.size());
}

TEST_P(ProjectServiceTest, jurisdiction_hides_projects_and_roles_limit_actions) {
  auto p = create_redline_project();
  auto stranger = user("other", Role::township, "", other_township_);
  auto villager = user("cunmin", Role::villager, "", township_);
  auto auditor = user("shenji", Role::auditor, "", "");
  EXPECT_EQ(refusal_code([&] { service_->get(stranger, p.id); }), "not_found");
  EXPECT_EQ(refusal_code([&] { service_->act(stranger, p.id, ProjectAction::submit); }), "not_found");
  EXPECT_TRUE(service_->list(stranger).empty());
  // Villagers do not see applications, only projects from their public notice on.
  EXPECT_EQ(refusal_code([&] { service_->get(villager, p.id); }), "not_found");
  // The auditor reads everything and changes nothing.
  EXPECT_EQ(service_->get(auditor, p.id).code, p.code);
  EXPECT_EQ(refusal_code([&] { service_->act(auditor, p.id, ProjectAction::submit); }), "action_not_permitted");
  // The applicant may not check its own project.
  service_->act(applicant_, p.id, ProjectAction::submit, kConfirmed);
  auto before = audit_length();
  EXPECT_EQ(refusal_code([&] { service_->act(applicant_, p.id, ProjectAction::check_compliance); }),
            "action_not_permitted");
  EXPECT_EQ(refusal_code([&] { service_->act(lead_, p.id, ProjectAction::approve); }), "invalid_transition");
  EXPECT_EQ(audit_length(), before);
  // Creating in someone else's township is refused.
  EXPECT_EQ(refusal_code([&] {
              service_->create(stranger, {"x", "农用地整理", township_, ""});
            }),
            "not_an_applicant");
  ASSERT_EQ(service_->list(lead_).size(), 1u);
}

TEST_P(ProjectServiceTest, a_department_decides_once_and_a_rejection_blocks_approval) {
  auto p = in_review();
  auto agri = user("nongye", Role::co_reviewing_department, "农业农村局", county_);
  auto agri2 = user("nongye2", Role::co_reviewing_department, "农业农村局", county_);
  auto water = user("shuili", Role::co_reviewing_department, "水利局", county_);
  // Two officials of one department decide at the same moment: one decision is recorded.
  std::atomic<int> ok{0}, refused{0};
  std::thread a([&] {
    try { service_->review(agri, p.id, {"农业农村局", ReviewDecision::reject, "占用永久基本农田", {}}); ++ok; }
    catch (const RuleError&) { ++refused; }
  });
  std::thread b([&] {
    try { service_->review(agri2, p.id, {"农业农村局", ReviewDecision::reject, "占用耕地", {}}); ++ok; }
    catch (const RuleError&) { ++refused; }
  });
  a.join();
  b.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(refused.load(), 1);
  // A department not required is refused; one reviewing for another department is forbidden.
  EXPECT_EQ(refusal_code([&] { service_->review(water, p.id, {"水利局", ReviewDecision::approve, "", {}}); }),
            "review_not_required");
  EXPECT_EQ(refusal_code([&] { service_->review(water, p.id, {"财政局", ReviewDecision::approve, "", {}}); }),
            "not_your_department");
  EXPECT_EQ(refusal_code([&] { service_->review(agri, p.id, {"农业农村局", ReviewDecision::approve_with_conditions, "", {}}); }),
            "conditions_required");
  for (const auto& r : service_->view(lead_, p.id).reviews)
    if (r.decision.empty())
      service_->review(user("x", r.department == "自然资源局" ? Role::lead_department : Role::co_reviewing_department,
                            r.department, county_),
                       p.id, {r.department, ReviewDecision::approve, "", {}});
  // The roads in the red line refuse approval first; where nothing binds, the rejection does.
  EXPECT_EQ(refusal_code([&] { service_->act(lead_, p.id, ProjectAction::approve); }), "compliance_blocking");
  ProjectService lax(*layers_, *projects_, identity_.get(), ReviewRequirements::standard(),
                     [this] { return now_.load(); }, rules_binding({{"by_severity", json::object()}}));
  EXPECT_EQ(refusal_code([&] { lax.act(lead_, p.id, ProjectAction::approve); }), "review_rejected");
  EXPECT_EQ(refusal_code([&] { service_->act(lead_, p.id, ProjectAction::return_for_revision); }),
            "comment_required");
  p = service_->act(lead_, p.id, ProjectAction::return_for_revision, {"请避让永久基本农田", 0});
  EXPECT_EQ(p.state, ProjectState::returned);
  // Returned: the plan may be edited again, then the whole procedure repeats in a new round.
  p = service_->update_plan(applicant_, p.id, p.row_version, redline_.plan_json);
  p = service_->act(applicant_, p.id, ProjectAction::submit, kConfirmed);
  EXPECT_EQ(refusal_code([&] { service_->act(lead_, p.id, ProjectAction::start_review); }), "invalid_transition");
  service_->act(lead_, p.id, ProjectAction::check_compliance);
  p = service_->act(lead_, p.id, ProjectAction::start_review);
  EXPECT_EQ(p.review_round, 2);
}

TEST_P(ProjectServiceTest, plan_edits_are_checked_and_stale_edits_refused) {
  auto p = create_redline_project();
  auto dump = where_->dump();
  auto edit = [&](const std::string& plan) {
    return refusal_code([&] { service_->update_plan(applicant_, p.id, p.row_version, plan); });
  };
  // A bow-tie polygon, metres instead of degrees, an unknown class, a change outside the area,
  // a point where an area belongs, unknown fields, not JSON.
  EXPECT_EQ(edit(R"({"area":{"type":"Polygon","coordinates":[[[117,30],[117.01,30.01],[117.01,30],[117,30.01],[117,30]]]}})"),
            "invalid_geometry");
  EXPECT_EQ(edit(R"({"area":{"type":"Polygon","coordinates":[[[500000,3300000],[501000,3300000],[501000,3301000],[500000,3300000]]]}})"),
            "outside_extent");
  json plan = json::parse(redline_.plan_json);
  ASSERT_FALSE(plan["changes"].empty());
  auto bad_class = plan;
  bad_class["changes"][0]["to_code"] = "9999";
  EXPECT_EQ(edit(bad_class.dump()), "unknown_class");
  auto outside = plan;
  outside["changes"][0]["geometry"] = json::parse(R"({"type":"Polygon","coordinates":[[[100,30],[100.01,30],[100.01,30.01],[100,30]]]})");
  EXPECT_EQ(edit(outside.dump()), "change_outside_area");
  EXPECT_EQ(edit(R"({"area":{"type":"Point","coordinates":[117,30]}})"), "invalid_geometry");
  EXPECT_EQ(edit(R"({"area":null,"drop table projects":1})"), "unknown_field");
  EXPECT_EQ(edit("{not json"), "malformed_json");
  EXPECT_EQ(where_->dump(), dump) << "a refused edit changed the store";
  // A good edit bumps the version; the same version sent again is stale.
  auto edited = service_->update_plan(applicant_, p.id, p.row_version, plan.dump());
  EXPECT_EQ(edited.row_version, p.row_version + 1);
  EXPECT_EQ(refusal_code([&] { service_->update_plan(applicant_, p.id, p.row_version, plan.dump()); }),
            "stale_version");
  service_->act(applicant_, p.id, ProjectAction::submit, kConfirmed);
  EXPECT_EQ(refusal_code([&] { service_->update_plan(applicant_, p.id, edited.row_version + 1, plan.dump()); }),
            "plan_locked");
  // Text is data: script and SQL in a name are stored as given.
  auto odd = service_->create(applicant_, {"<script>alert(1)</script>'; DROP TABLE projects;--",
                                           "生态保护修复", township_, ""});
  EXPECT_EQ(service_->get(lead_, odd.id).name, "<script>alert(1)</script>'; DROP TABLE projects;--");
  EXPECT_EQ(refusal_code([&] { service_->create(applicant_, {"x", "不存在的类型", township_, ""}); }),
            "unknown_project_type");
  EXPECT_EQ(refusal_code([&] { service_->create(applicant_, {std::string(300, 'x'), "生态保护修复", township_, ""}); }),
            "field_too_long");
  EXPECT_EQ(refusal_code([&] { service_->act(applicant_, odd.id, ProjectAction::submit); }), "no_plan");
}

TEST_P(ProjectServiceTest, a_plan_change_clears_acknowledgements_and_a_recheck_keeps_them) {
  // The red-line project without its roads: one warning left, the area in the red line.
  auto p = create_redline_project();
  service_->act(applicant_, p.id, ProjectAction::submit, kConfirmed);
  p = service_->act(lead_, p.id, ProjectAction::check_compliance);
  auto fixed = without_blocked_changes(p, service_->rules());
  p = service_->act(lead_, p.id, ProjectAction::return_for_revision, {"去掉红线内道路", 0});
  p = service_->update_plan(applicant_, p.id, p.row_version, fixed);
  service_->act(applicant_, p.id, ProjectAction::submit, kConfirmed);
  p = service_->act(lead_, p.id, ProjectAction::check_compliance);
  auto warnings = services::compliance_gate_json(p, {}, service_->rules())["warnings"];
  ASSERT_EQ(warnings.size(), 1u);
  const std::string key = warnings[0]["key"];
  // Acknowledged while compliance checked; the same plan checked again finds the same warning,
  // and the acknowledgement still holds.
  service_->acknowledge(lead_, p.id, key, "原有农田，已核实");
  p = service_->act(lead_, p.id, ProjectAction::check_compliance);
  auto acks = service_->view(lead_, p.id).acknowledgements;
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_TRUE(acks[0].cleared_at.empty());
  p = service_->act(lead_, p.id, ProjectAction::start_review);
  review_all(p.id);

  // Returned and a change added to the plan: the acknowledgement is cleared (and says why), the
  // new check's warning has a new key, and approval waits for a new acknowledgement.
  p = service_->act(lead_, p.id, ProjectAction::return_for_revision, {"补充旱改水", 0});
  json plan = json::parse(fixed);
  ASSERT_FALSE(plan["changes"].empty());
  plan["changes"].erase(plan["changes"].size() - 1);
  p = service_->update_plan(applicant_, p.id, p.row_version, plan.dump());
  acks = service_->view(lead_, p.id).acknowledgements;
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_FALSE(acks[0].cleared_at.empty());
  EXPECT_EQ(acks[0].cleared_because, "plan_changed");
  EXPECT_EQ(identity_->audit_log().back().action, "project.plan");
  EXPECT_NE(identity_->audit_log().back().detail.find(key), std::string::npos);
  service_->act(applicant_, p.id, ProjectAction::submit, kConfirmed);
  p = service_->act(lead_, p.id, ProjectAction::check_compliance);
  p = service_->act(lead_, p.id, ProjectAction::start_review);
  review_all(p.id);
  auto open = refusal([&] { service_->act(lead_, p.id, ProjectAction::approve); });
  EXPECT_EQ(open.code, "warnings_unacknowledged");
  ASSERT_EQ(open.findings.size(), 1u);
  EXPECT_NE(open.findings[0]["key"], key);
  service_->acknowledge(lead_, p.id, open.findings[0]["key"], "原有农田，已再次核实");
  EXPECT_EQ(service_->act(lead_, p.id, ProjectAction::approve).state, ProjectState::approved);
  // Outside the review, nothing to acknowledge.
  EXPECT_EQ(refusal_code([&] { service_->acknowledge(lead_, p.id, open.findings[0]["key"], "x"); }),
            "acknowledgement_not_open");
}

TEST_P(ProjectServiceTest, which_findings_bind_is_data) {
  // Rules under which nothing binds: the red-line project with its roads is approved.
  auto lax = rules_binding({{"by_severity", json::object()}});
  ProjectService lax_service(*layers_, *projects_, identity_.get(), ReviewRequirements::standard(),
                             [this] { return now_.load(); }, lax);
  auto p = create_redline_project();
  p = lax_service.act(applicant_, p.id, ProjectAction::submit, kConfirmed);
  lax_service.act(lead_, p.id, ProjectAction::check_compliance);
  p = lax_service.act(lead_, p.id, ProjectAction::start_review);
  review_all(p.id);
  p = lax_service.act(lead_, p.id, ProjectAction::approve);
  EXPECT_EQ(p.state, ProjectState::approved);
  // Under the standard rules the same approved project may not go on public notice: the plan
  // breaks the red line.
  auto notice = refusal([&] { service_->act(lead_, p.id, ProjectAction::publish_notice, {"", 7}); });
  EXPECT_EQ(notice.code, "compliance_blocking");
  EXPECT_NE(notice.zh.find("不能发布公示"), std::string::npos) << notice.zh;
  EXPECT_EQ(service_->get(lead_, p.id).state, ProjectState::approved);

  // A rule's own entry overrides its severity's: the warning that the area overlaps the red line
  // blocks too, and the errors need only an acknowledgement.
  auto strict = rules_binding({{"by_severity", {{"error", "acknowledge"}}},
                               {"by_rule", {{"redline_overlap", "block"}}}});
  ProjectService strict_service(*layers_, *projects_, identity_.get(), ReviewRequirements::standard(),
                                [this] { return now_.load(); }, strict);
  auto q = create_redline_project();
  strict_service.act(applicant_, q.id, ProjectAction::submit, kConfirmed);
  strict_service.act(lead_, q.id, ProjectAction::check_compliance);
  q = strict_service.act(lead_, q.id, ProjectAction::start_review);
  review_all(q.id);
  auto blocked = refusal([&] { strict_service.act(lead_, q.id, ProjectAction::approve); });
  EXPECT_EQ(blocked.code, "compliance_blocking");
  ASSERT_EQ(blocked.findings.size(), 1u);
  EXPECT_EQ(blocked.findings[0]["rule"], "redline_overlap");

  // A binding naming an unknown effect or rule is refused when the rules are read, naming it.
  EXPECT_THROW(rules_binding({{"by_severity", {{"error", "forbid"}}}}), InputError);
  try {
    rules_binding({{"by_rule", {{"no_such_rule", "block"}}}});
    ADD_FAILURE() << "an unknown rule was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_rule"), std::string::npos) << e.what();
  }
}

// A change may name its target in the planning classification 用地用海 (to_ghdlbm) instead of 三调
// (to_code): stored as given; an unknown code, a code of the other classification or both
// targets at once are refused naming the change, the code and the nearest known codes, and
// nothing is stored.
TEST_P(ProjectServiceTest, a_change_may_name_its_target_in_the_planning_classification) {
  auto p = create_redline_project();
  json plan = json::parse(redline_.plan_json);
  ASSERT_FALSE(plan["changes"].empty());
  auto dump = where_->dump();
  auto audit = audit_length();
  auto refused = [&](const json& change0) {
    json bad = plan;
    bad["changes"][0] = change0;
    try {
      service_->update_plan(applicant_, p.id, p.row_version, bad.dump());
    } catch (const InvalidRequest& e) {
      return std::make_tuple(std::string(e.code()), std::string(e.message_zh()), std::string(e.what()));
    }
    return std::make_tuple(std::string("none"), std::string(), std::string());
  };
  json change = plan["changes"][0];
  change.erase("to_code");
  // Unknown: the change, the field, the code and the nearest known codes.
  json unknown = change;
  unknown["to_ghdlbm"] = "0799";
  auto [code, zh, en] = refused(unknown);
  EXPECT_EQ(code, "unknown_class");
  EXPECT_NE(en.find("plan.changes[0].to_ghdlbm"), std::string::npos) << en;
  EXPECT_NE(en.find("'0799'"), std::string::npos) << en;
  EXPECT_NE(en.find("nearest known codes: 07"), std::string::npos) << en;
  EXPECT_NE(zh.find("最接近的已知编码"), std::string::npos) << zh;
  // A 三调 code as a 用地用海 target: what it is in 三调 and what the base conversion makes of it.
  json survey = change;
  survey["to_ghdlbm"] = "1006";
  std::tie(code, zh, en) = refused(survey);
  EXPECT_EQ(code, "unknown_class");
  EXPECT_NE(en.find("plan.changes[0].to_ghdlbm"), std::string::npos) << en;
  EXPECT_NE(en.find("三调 survey code"), std::string::npos) << en;
  EXPECT_NE(zh.find("农村道路"), std::string::npos) << zh;
  EXPECT_NE(zh.find("0601 农村道路"), std::string::npos) << "the base conversion's 用地用海 class: " << zh;
  // The reverse: a 用地用海 code as a 三调 target.
  json planning = change;
  planning["to_code"] = "0703";
  std::tie(code, zh, en) = refused(planning);
  EXPECT_EQ(code, "unknown_class");
  EXPECT_NE(en.find("plan.changes[0].to_code"), std::string::npos) << en;
  EXPECT_NE(zh.find("0702 农村宅基地"), std::string::npos) << zh;
  // Both targets, or none.
  json both = change;
  both["to_ghdlbm"] = "0703";
  both["to_code"] = "0702";
  EXPECT_EQ(std::get<0>(refused(both)), "ambiguous_target");
  EXPECT_EQ(std::get<0>(refused(change)), "missing_field");
  json number = change;
  number["to_ghdlbm"] = 703;
  EXPECT_EQ(std::get<0>(refused(number)), "wrong_type");
  EXPECT_EQ(where_->dump(), dump) << "a refused plan changed the store";
  EXPECT_EQ(audit_length(), audit);

  // Stored as given: a first-, second- and third-level 用地用海 target.
  plan["changes"][0] = change;
  plan["changes"][0]["to_ghdlbm"] = "1202";
  if (plan["changes"].size() > 1) {
    plan["changes"][1].erase("to_code");
    plan["changes"][1]["to_ghdlbm"] = "070301";
  }
  auto edited = service_->update_plan(applicant_, p.id, p.row_version, plan.dump());
  json stored = json::parse(service_->get(lead_, p.id).plan_json);
  EXPECT_EQ(stored["changes"][0]["to_ghdlbm"], "1202");
  EXPECT_FALSE(stored["changes"][0].contains("to_code"));
  EXPECT_EQ(stored["changes"][0]["from_code"], plan["changes"][0]["from_code"]);
  if (plan["changes"].size() > 1) EXPECT_EQ(stored["changes"][1]["to_ghdlbm"], "070301");
  EXPECT_EQ(edited.row_version, p.row_version + 1);
  EXPECT_EQ(audit_length(), audit + 1);
}

// The compliance check treats a 用地用海 target exactly as the 三调 class it implies: 0703
// 农村宅基地 on permanent basic farmland is the same blocking finding as 三调 0702, on the same
// change with the same area, and the finding names the target by its Chinese name.
TEST_P(ProjectServiceTest, a_planning_class_target_binds_as_its_survey_class_does) {
  // The demo's project that turns permanent basic farmland into forest (0301, 违规示例).
  std::string code;
  std::string geometry;
  layers_->scan(layers_->layer_version("projects", std::nullopt), [&](StoredFeature&& f) {
    if (code.empty() && attribute_text(f.attributes, "to_code").value_or("") == "0301" &&
        attribute_text(f.attributes, "pbf_adjust").value_or("") == "out") {
      code = *attribute_text(f.attributes, "XMBH");
      geometry = geo::Geometry::from_wkb(f.wkb).geojson();
    }
  });
  ASSERT_FALSE(code.empty()) << "the demo has no project taking permanent basic farmland";
  auto lp = services::project_from_layer(*layers_, "projects", code);
  json plan = json::parse(lp.plan_json);
  std::size_t at = plan["changes"].size();
  for (std::size_t k = 0; k < plan["changes"].size(); ++k)
    if (plan["changes"][k]["to_code"] == "0301" && plan["changes"][k]["geometry"] == json::parse(geometry))
      at = k;
  ASSERT_LT(at, plan["changes"].size());
  User applicant = user("town", Role::township, "", lp.region_code);
  std::string feature = "-P" + std::to_string(at + 1);

  // The pbf findings of the plan with change `at` turned into homesteads, by rule and feature.
  auto findings_with = [&](const char* field, const char* target) {
    json edited = plan;
    edited["changes"][at].erase("to_code");
    edited["changes"][at][field] = target;
    auto p = service_->create(applicant, {lp.name + field, lp.type, lp.region_code, edited.dump()});
    auto c = json::parse(service_->preview_compliance(applicant, p.id));
    auto record = service_->get(applicant, p.id);
    std::map<std::string, services::BindingFinding> out;
    for (auto& f : services::binding_findings(c, record.code, record.plan_json, record.plan_hash,
                                              RuleSet::standard()))
      if (f.feature == record.code + feature) out[f.rule] = f;
    return out;
  };
  auto survey = findings_with("to_code", "0702");
  auto planning = findings_with("to_ghdlbm", "0703");
  ASSERT_TRUE(survey.count("pbf_conversion")) << "0702 on permanent basic farmland";
  ASSERT_TRUE(planning.count("pbf_conversion")) << "0703 on permanent basic farmland";
  ASSERT_EQ(planning.size(), survey.size());
  for (const auto& [rule, f] : survey) {
    ASSERT_TRUE(planning.count(rule)) << rule;
    const auto& g = planning.at(rule);
    EXPECT_EQ(g.effect, f.effect) << rule;
    EXPECT_EQ(g.severity, f.severity) << rule;
    EXPECT_NEAR(g.area_m2, f.area_m2, 1e-6) << rule;
  }
  EXPECT_EQ(planning.at("pbf_conversion").effect, FindingEffect::block);
  EXPECT_NE(planning.at("pbf_conversion").feature_zh.find("0703 农村宅基地（用地用海）"), std::string::npos)
      << planning.at("pbf_conversion").feature_zh;
  EXPECT_NE(survey.at("pbf_conversion").feature_zh.find("0702 农村宅基地"), std::string::npos);

  // The balance sheet counts 0703 in 三调 0702 农村宅基地, row for row as the 三调 target; a target
  // without a same-name 三调 class (0902, a class a person decides from 05H1) is a row of its own.
  auto balance_with = [&](const char* field, const char* target) {
    json edited = plan;
    edited["changes"][at].erase("to_code");
    edited["changes"][at][field] = target;
    services::BalanceRequest br;
    br.project_id = code;
    br.project_layer = "project:" + code;
    br.features = services::plan_features(code, lp.type, edited, "-P");
    return services::land_use_balance(*layers_, br);
  };
  auto b_survey = balance_with("to_code", "0702"), b_planning = balance_with("to_ghdlbm", "0703");
  ASSERT_EQ(b_planning.rows.size(), b_survey.rows.size());
  for (std::size_t k = 0; k < b_survey.rows.size(); ++k) {
    EXPECT_EQ(b_planning.rows[k].code, b_survey.rows[k].code);
    EXPECT_NEAR(b_planning.rows[k].after_m2, b_survey.rows[k].after_m2, 1e-6) << b_survey.rows[k].code;
  }
  EXPECT_NEAR(b_planning.construction_after, b_survey.construction_after, 1e-6);
  EXPECT_NEAR(b_planning.pbf_out_m2, b_survey.pbf_out_m2, 1e-6);
  auto apart = balance_with("to_ghdlbm", "0902");
  bool row_of_its_own = false;
  for (const auto& r : apart.rows)
    if (r.code == "GHDLBM:0902") {
      row_of_its_own = r.after_m2 > 0;
      EXPECT_EQ(services::balance_row_name(r.code, true), "商务金融用地（用地用海）");
    }
  EXPECT_TRUE(row_of_its_own);
  EXPECT_NEAR(apart.construction_after, b_survey.construction_after, 1e-6)
      << "0902 is construction land as 0702 is";
}

INSTANTIATE_TEST_SUITE_P(Backends, ProjectServiceTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
