// Project warnings and supervision orders on both backends: every warning rule with figures
// computed by hand, an order's whole life (issue → answer → closure refused without the required
// evidence → return → answer with a photo → closure), escalation to the level above and then to
// the leader group, who sees which order, and bad input refused with nothing changed (a unit
// outside the issuer's remit, evidence from a user not addressed, a closure without evidence,
// a layer version that does not exist).
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>

#include "../storage/store_backends.h"
#include "common/error.h"
#include "png_fixture.h"
#include "services/funds.h"
#include "services/orders.h"
#include "services/participation.h"
#include "services/password.h"
#include "services/progress.h"
#include "services/projects.h"
#include "services/request_text.h"
#include "services/warnings.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"
#include "storage/sql_identity_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

using nlohmann::json;
using services::NewOrder;
using services::OrderService;
using services::ResponsibleUnit;
using services::WarningService;

constexpr const char* kCounty = "340123";
constexpr const char* kTown = "340123100";
constexpr const char* kEast = "340123100201";
constexpr const char* kWest = "340123100202";
constexpr const char* kOtherTownVillage = "340123101201";
constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kStart = 1790000000;  // 2026-09-21T14:13:20Z

std::string iso(std::int64_t t) { return services::iso_utc(t); }

services::OrderFilter in_box(const std::string& box) {
  services::OrderFilter f;
  f.box = box;
  return f;
}
services::WarningFilter only(const std::string& level, const std::string& rule = "", const std::string& region = "") {
  services::WarningFilter f;
  f.level = level;
  f.rule = rule;
  f.region = region;
  return f;
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

class OrdersTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    layers_ = storage::Store::open(location(), {.create = true});
    identity_ = storage::IdentityStore::open(location(), {.create = true});
    store_ = storage::ProjectStore::open(location());
    static const std::string hash = services::hash_password("a long enough password");
    identity_->create_first_admin("root", hash, "cli:test");
    auto add = [&](const std::string& name, Role role, const std::string& region, const std::string& dept = "") {
      identity_->add_user({name, hash, {Grant{role, dept, region}}}, "root");
    };
    add("lingdao", Role::leader_group, kCounty);
    add("zrzy", Role::lead_department, kCounty, "自然资源局");
    add("czj", Role::co_reviewing_department, kCounty, "财政局");
    add("zhen", Role::township, kTown);
    add("zhen_b", Role::township, "340123101");
    add("cun", Role::village_collective, kEast);
    add("xicun", Role::village_collective, kWest);
    add("cun_b", Role::village_collective, kOtherTownVillage);
    add("min1", Role::villager, kEast);
    add("shenji", Role::auditor, "");
    clock_ = std::make_shared<std::atomic<std::int64_t>>(kStart);
    auto c = clock_;
    services::Clock clock = [c] { return c->load(); };
    projects_ = std::make_unique<services::ProjectService>(*layers_, *store_, identity_.get(),
                                                           ReviewRequirements::standard(), clock);
    progress_ = std::make_unique<services::ProgressService>(*store_, *projects_, services::IndicatorTable::standard(), clock);
    funds_ = std::make_unique<services::FundsService>(*store_, identity_.get());
    participation_ = std::make_unique<services::ParticipationService>(
        *store_, *projects_, identity_.get(), services::ParticipationOptions{0, clock});
    warnings_ = std::make_unique<WarningService>(*store_, services::WarningRules::standard(), clock);
    orders_ = std::make_unique<OrderService>(*layers_, *store_, identity_.get(), warnings_.get(),
                                             services::OrderOptions{clock});
  }

  User user(const std::string& name) { return *identity_->find_user(name); }
  std::size_t audit_size() { return identity_->audit_log().size(); }
  std::string count(const std::string& table) {
    return store_->read([&](storage::ProjectTx& tx) {
      return tx.session().query("SELECT COUNT(*) FROM " + table).at(0).at(0);
    });
  }
  // Everything the orders keep, as text: "nothing changed" is a comparison.
  std::string orders_state() {
    return count("supervision_orders") + "/" + count("supervision_order_steps") + "/" +
           count("supervision_order_evidence") + "/" + std::to_string(audit_size()) + "/" +
           std::to_string(store_->last_event_seq());
  }

  storage::ProjectRecord insert_project(const std::string& code, const std::string& region, ProjectState state) {
    return store_->write([&](storage::ProjectTx& tx) {
      storage::ProjectRecord p;
      p.code = code;
      p.name = "东村高标准农田建设";
      p.type = "农用地整理";
      p.region_code = region;
      p.state = state;
      p.created_by = "cun";
      p.created_at = p.updated_at = tx.now();
      p.plan_hash = "x";
      return tx.insert_project(p);
    });
  }

  NewOrder manual_to(const std::string& kind, const std::string& region, const std::string& dept = "") {
    NewOrder o;
    o.title = "沟渠淤积未清理";
    o.body = "请于期限内清理并报送现场照片";
    o.addressee = {kind, region, dept};
    o.due_date = "2026-10-01";
    return o;
  }

  services::OrderAnswer answer_with(bool photo) {
    services::OrderAnswer a;
    a.text = "已组织清淤，沟渠恢复通畅";
    if (photo) a.photos.push_back({"image/png", make_png(4, 4), 117.2, 31.8});
    return a;
  }

  std::shared_ptr<std::atomic<std::int64_t>> clock_;
  std::unique_ptr<storage::Store> layers_;
  std::unique_ptr<storage::IdentityStore> identity_;
  std::unique_ptr<storage::ProjectStore> store_;
  std::unique_ptr<services::ProjectService> projects_;
  std::unique_ptr<services::ProgressService> progress_;
  std::unique_ptr<services::FundsService> funds_;
  std::unique_ptr<services::ParticipationService> participation_;
  std::unique_ptr<WarningService> warnings_;
  std::unique_ptr<OrderService> orders_;
};

TEST_P(OrdersTest, an_order_lives_from_issue_to_closure_and_closure_needs_the_required_evidence) {
  auto in = manual_to("village_collective", kEast);
  in.evidence_required = {"photo"};
  auto o = orders_->issue(user("zhen"), in);
  EXPECT_EQ(o.code, "DB2026-0001");
  EXPECT_EQ(o.status, "issued");
  EXPECT_EQ(o.issuer_unit, (ResponsibleUnit{"township", kTown, ""}));
  EXPECT_EQ(o.due_at, "2026-10-01T15:59:59Z");  // the end of the day in Beijing
  EXPECT_EQ(o.evidence_required, (std::vector<std::string>{"text", "photo"}));

  // The unit addressed has it in its inbox; the issuer among what it issued; others not at all.
  ASSERT_EQ(orders_->orders(user("cun"), in_box("inbox")).size(), 1u);
  EXPECT_EQ(orders_->orders(user("zhen"), in_box("issued")).size(), 1u);
  EXPECT_TRUE(orders_->orders(user("zhen"), in_box("inbox")).empty());
  EXPECT_TRUE(orders_->orders(user("xicun")).empty());
  EXPECT_TRUE(orders_->orders(user("zrzy")).empty());
  EXPECT_TRUE(orders_->orders(user("min1")).empty());
  EXPECT_EQ(orders_->orders(user("shenji")).size(), 1u);
  EXPECT_THROW(orders_->order(user("xicun"), o.id), NotFoundError);

  // Answered with text only: closure is refused, naming the photo, and changes nothing.
  orders_->answer(user("cun"), o.id, answer_with(false));
  auto before = orders_state();
  EXPECT_EQ(code_of<RuleError>([&] { orders_->close(user("zhen"), o.id, "核查通过"); }), "evidence_missing");
  try {
    orders_->close(user("zhen"), o.id, "");
  } catch (const RuleError& e) {
    EXPECT_NE(e.message_zh().find("现场照片"), std::string::npos) << e.message_zh();
  }
  EXPECT_EQ(orders_state(), before);
  EXPECT_EQ(orders_->order(user("zhen"), o.id).status, "answered");

  // Returned with reasons, answered again with a located photo, closed (销号).
  EXPECT_EQ(code_of<InvalidRequest>([&] { orders_->return_order(user("zhen"), o.id, " "); }), "empty_field");
  EXPECT_EQ(orders_->return_order(user("zhen"), o.id, "缺少现场照片").status, "returned");
  EXPECT_EQ(code_of<RuleError>([&] { orders_->close(user("zhen"), o.id, ""); }), "not_answered");
  orders_->answer(user("cun"), o.id, answer_with(true));
  EXPECT_EQ(code_of<Forbidden>([&] { orders_->close(user("cun"), o.id, ""); }), "not_the_issuer");
  EXPECT_EQ(orders_->close(user("zhen"), o.id, "现场核查已整改").status, "closed");

  auto full = orders_->order(user("cun"), o.id);
  std::vector<std::string> steps;
  for (const auto& s : full.steps) steps.push_back(s.action);
  EXPECT_EQ(steps, (std::vector<std::string>{"issue", "answer", "return", "answer", "close"}));
  ASSERT_EQ(full.evidence.size(), 3u);  // two texts, one photo
  EXPECT_EQ(full.evidence[2].kind, "photo");
  EXPECT_DOUBLE_EQ(full.evidence[2].lon, 117.2);
  EXPECT_DOUBLE_EQ(full.evidence[2].lat, 31.8);
  auto photo = orders_->photo(user("zhen"), o.id, full.evidence[2].sha256);
  EXPECT_EQ(photo.bytes, make_png(4, 4));
  EXPECT_THROW(orders_->photo(user("xicun"), o.id, full.evidence[2].sha256), NotFoundError);
  EXPECT_EQ(code_of<RuleError>([&] { orders_->answer(user("cun"), o.id, answer_with(false)); }),
            "not_open_for_answer");

  // Every step in the audit chain (which still verifies) and on the live feed.
  std::vector<std::string> audited, events;
  for (const auto& e : identity_->audit_log())
    if (e.action.rfind("order.", 0) == 0) audited.push_back(e.action);
  EXPECT_EQ(audited, (std::vector<std::string>{"order.issue", "order.answer", "order.return", "order.answer",
                                               "order.close"}));
  EXPECT_TRUE(identity_->verify_audit().intact);
  for (const auto& e : store_->events_after(0))
    if (e.kind.rfind("order.", 0) == 0) {
      events.push_back(e.kind);
      EXPECT_TRUE(services::may_see_order_event(user("cun"), e.payload));
      EXPECT_TRUE(services::may_see_order_event(user("zhen"), e.payload));
      EXPECT_FALSE(services::may_see_order_event(user("xicun"), e.payload));
      EXPECT_FALSE(services::may_see_order_event(user("min1"), e.payload));
      EXPECT_TRUE(services::may_see_order_event(user("shenji"), e.payload));
    }
  EXPECT_EQ(events, (std::vector<std::string>{"order.issued", "order.answered", "order.returned",
                                              "order.answered", "order.closed"}));
  auto s = orders_->summary(user("zhen"), kTown);
  EXPECT_EQ(s.total, 1);
  EXPECT_EQ(s.closed, 1);
  EXPECT_DOUBLE_EQ(s.rectification_rate, 1.0);
}

TEST_P(OrdersTest, bad_orders_and_answers_are_refused_with_nothing_changed) {
  auto before = orders_state();
  // Outside the issuer's remit: a township addressing a county department, or a village of
  // another township.
  EXPECT_EQ(code_of<Forbidden>([&] { orders_->issue(user("zhen"), manual_to("department", kCounty, "自然资源局")); }),
            "outside_remit");
  EXPECT_EQ(code_of<Forbidden>([&] { orders_->issue(user("zhen"), manual_to("village_collective", kOtherTownVillage)); }),
            "outside_remit");
  // Not an issuing role at all.
  EXPECT_EQ(code_of<Forbidden>([&] { orders_->issue(user("cun"), manual_to("village_collective", kWest)); }),
            "not_an_issuer");
  EXPECT_EQ(code_of<Forbidden>([&] { orders_->issue(user("shenji"), manual_to("village_collective", kWest)); }),
            "not_an_issuer");
  // A unit nobody acts for; a deadline past; an unknown kind of evidence; a malformed unit.
  EXPECT_EQ(code_of<InvalidRequest>([&] { orders_->issue(user("zrzy"), manual_to("village_collective", "340123100299")); }),
            "no_such_unit");
  auto past = manual_to("village_collective", kEast);
  past.due_date = "2026-09-20";
  EXPECT_EQ(code_of<InvalidRequest>([&] { orders_->issue(user("zhen"), past); }), "due_in_past");
  auto bad_date = manual_to("village_collective", kEast);
  bad_date.due_date = "2026-02-30";
  EXPECT_EQ(code_of<InvalidRequest>([&] { orders_->issue(user("zhen"), bad_date); }), "invalid_date");
  auto bad_kind = manual_to("village_collective", kEast);
  bad_kind.evidence_required = {"video"};
  EXPECT_EQ(code_of<InvalidRequest>([&] { orders_->issue(user("zhen"), bad_kind); }), "invalid_evidence_kind");
  EXPECT_EQ(code_of<InvalidRequest>([&] { orders_->issue(user("zhen"), manual_to("township", kEast)); }),
            "invalid_region");
  // A change spot of versions that do not exist.
  auto spot = manual_to("village_collective", kEast);
  spot.source_kind = "change_spot";
  spot.layer = "land_use";
  spot.from_version = 1;
  spot.to_version = 2;
  spot.spot_id = "BH-0001";
  spot.region_code = kEast;
  EXPECT_EQ(code_of<InvalidRequest>([&] { orders_->issue(user("zhen"), spot); }), "no_such_version");
  auto complaint = manual_to("village_collective", kEast);
  complaint.source_kind = "complaint";
  complaint.feedback_id = 99;
  EXPECT_EQ(code_of<InvalidRequest>([&] { orders_->issue(user("zhen"), complaint); }), "no_such_feedback");
  auto warning = manual_to("village_collective", kEast);
  warning.source_kind = "warning";
  warning.warning_key = "milestone_overdue:1:1";
  EXPECT_EQ(code_of<InvalidRequest>([&] { orders_->issue(user("zhen"), warning); }), "no_such_warning");
  EXPECT_EQ(orders_state(), before);

  // Evidence from a user not addressed: the issuer (403), other units (404 as for no order).
  auto o = orders_->issue(user("zhen"), manual_to("village_collective", kEast));
  before = orders_state();
  EXPECT_EQ(code_of<Forbidden>([&] { orders_->answer(user("zhen"), o.id, answer_with(false)); }), "not_addressed");
  EXPECT_THROW(orders_->answer(user("xicun"), o.id, answer_with(false)), NotFoundError);
  EXPECT_THROW(orders_->answer(user("min1"), o.id, answer_with(false)), NotFoundError);
  EXPECT_THROW(orders_->answer(user("shenji"), o.id, answer_with(false)), Forbidden);
  // A photo that is no image, a location off the globe, a layer version that does not exist.
  auto a = answer_with(true);
  a.photos[0].bytes = "not a png";
  EXPECT_EQ(code_of<InvalidRequest>([&] { orders_->answer(user("cun"), o.id, a); }), "invalid_photo");
  a = answer_with(true);
  a.photos[0].lat = 91;
  EXPECT_EQ(code_of<InvalidRequest>([&] { orders_->answer(user("cun"), o.id, a); }), "invalid_location");
  a = answer_with(false);
  a.layer = "land_use";
  a.version = 7;
  EXPECT_EQ(code_of<InvalidRequest>([&] { orders_->answer(user("cun"), o.id, a); }), "no_such_version");
  a = answer_with(false);
  a.plan_change = 12345;
  EXPECT_EQ(code_of<InvalidRequest>([&] { orders_->answer(user("cun"), o.id, a); }), "no_such_plan_change");
  // Closing what was never answered.
  EXPECT_EQ(code_of<RuleError>([&] { orders_->close(user("zhen"), o.id, ""); }), "not_answered");
  EXPECT_EQ(orders_state(), before);
  EXPECT_EQ(orders_->order(user("cun"), o.id).status, "issued");
}

TEST_P(OrdersTest, an_overdue_order_escalates_to_the_level_above_and_then_to_the_leader_group) {
  auto o = orders_->issue(user("zhen"), manual_to("village_collective", kEast));  // due 2026-10-01
  EXPECT_TRUE(orders_->escalate_overdue(user("zhen")).empty());  // not yet due
  EXPECT_EQ(code_of<Forbidden>([&] { orders_->escalate_overdue(user("cun")); }), "not_permitted");
  clock_->store(services::parse_iso_utc("2026-10-02T00:00:00Z"));
  EXPECT_TRUE(orders_->order(user("cun"), o.id).overdue);
  EXPECT_TRUE(orders_->escalate_overdue(user("zhen_b")).empty());  // not in its township
  auto up = orders_->escalate_overdue(user("zhen"));
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0].escalation_level, 1);
  EXPECT_EQ(up[0].supervisor, (ResponsibleUnit{"department", kCounty, "自然资源局"}));
  // The lead department now sees it among the orders escalated to it; the leader group not yet.
  EXPECT_EQ(orders_->orders(user("zrzy"), in_box("escalated")).size(), 1u);
  EXPECT_THROW(orders_->order(user("lingdao"), o.id), NotFoundError);
  // Swept again the next day: too early for the next level (escalate_again_days = 3).
  clock_->store(services::parse_iso_utc("2026-10-03T00:00:00Z"));
  EXPECT_TRUE(orders_->escalate_overdue(user("zrzy")).empty());
  clock_->store(services::parse_iso_utc("2026-10-05T12:00:00Z"));
  up = orders_->escalate_overdue(user("zrzy"));
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0].escalation_level, 2);
  EXPECT_EQ(up[0].supervisor, (ResponsibleUnit{"leader_group", kCounty, ""}));
  EXPECT_EQ(orders_->order(user("lingdao"), o.id).escalation_level, 2);
  EXPECT_TRUE(orders_->escalate_overdue(user("lingdao")).empty());  // the top
  // Answered at last: no longer overdue; the issuer closes it.
  orders_->answer(user("cun"), o.id, answer_with(false));
  EXPECT_FALSE(orders_->order(user("cun"), o.id).overdue);
  EXPECT_EQ(orders_->close(user("zhen"), o.id, "").status, "closed");
  std::vector<std::string> steps;
  for (const auto& s : orders_->order(user("shenji"), o.id).steps) steps.push_back(s.action);
  EXPECT_EQ(steps, (std::vector<std::string>{"issue", "escalate", "escalate", "answer", "close"}));
}

TEST_P(OrdersTest, orders_come_from_a_complaint_a_change_spot_and_by_hand_to_each_kind_of_unit) {
  auto f = participation_->submit_feedback(user("min1"), {0, kEast, "complaint", "排水沟堵塞，农田积水"});
  auto in = manual_to("village_collective", kEast);
  in.source_kind = "complaint";
  in.feedback_id = f.id;
  auto o = orders_->issue(user("zhen"), in);
  EXPECT_EQ(o.region_code, kEast);
  EXPECT_EQ(json::parse(o.source_json)["feedback"]["id"], f.id);

  // A change spot: the two versions of the layer must exist.
  for (int v = 1; v <= 2; ++v) {
    auto w = layers_->begin_layer_version({"land_use", LayerKind::land_use, "test", "EPSG:4490"});
    w->commit();
  }
  in = manual_to("township", kTown);
  in.source_kind = "change_spot";
  in.layer = "land_use";
  in.from_version = 1;
  in.to_version = 2;
  in.spot_id = "BH-0007";
  in.spot_rule = "farmland_loss";
  in.region_code = kEast;
  in.evidence_required = {"layer_version"};
  o = orders_->issue(user("zrzy"), in);
  EXPECT_EQ(o.issuer_unit, (ResponsibleUnit{"department", kCounty, "自然资源局"}));
  EXPECT_EQ(json::parse(o.source_json)["spot"]["id"], "BH-0007");
  auto a = answer_with(false);
  a.layer = "land_use";
  a.version = 2;
  orders_->answer(user("zhen"), o.id, a);
  EXPECT_EQ(orders_->close(user("zrzy"), o.id, "图斑已恢复耕地").status, "closed");

  // The leader group addresses a department; the department answers.
  o = orders_->issue(user("lingdao"), manual_to("department", kCounty, "财政局"));
  EXPECT_EQ(orders_->orders(user("czj"), in_box("inbox")).size(), 1u);
  EXPECT_EQ(orders_->answer(user("czj"), o.id, answer_with(false)).status, "answered");
  // What the issuer may address: inside the remit, never itself.
  auto units = orders_->addressable_units(user("zhen"));
  for (const auto& u : units) EXPECT_TRUE(region_contains(kTown, u.region_code)) << u.region_code;
  EXPECT_EQ(std::count(units.begin(), units.end(), ResponsibleUnit{"village_collective", kEast, ""}), 1);
  EXPECT_EQ(std::count(units.begin(), units.end(), ResponsibleUnit{"township", kTown, ""}), 0);
  EXPECT_TRUE(orders_->addressable_units(user("cun")).empty());
}

// ---- warnings --------------------------------------------------------------------------------

TEST_P(OrdersTest, each_warning_rule_fires_with_its_hand_computed_figures_and_level) {
  // Project A in works in the east village (today is 2026-09-21).
  auto a = insert_project("XM2026-201", kEast, ProjectState::implementation);
  store_->write([&](storage::ProjectTx& tx) {
    auto& s = tx.session();
    auto ms = [&](const std::string& name, const std::string& date, int percent, int weight) {
      s.query("INSERT INTO progress_milestones(project_id, name, planned_date, percent, weight, created_by, "
              "created_at, updated_at) VALUES($1, $2, $3, $4, $5, 'cun', 'x', 'x')",
              {std::to_string(a.id), name, date, std::to_string(percent), std::to_string(weight)});
    };
    ms("土地平整", "2026-09-01", 100, 1);   // done
    ms("沟渠修建", "2026-09-10", 20, 3);    // 11 days overdue
    ms("田间道路", "2026-12-31", 0, 1);     // not yet due
    // 1,000,000 fen allocated on 2026-03-01, 600,000 disbursed on 2026-05-01 (143 days ago).
    s.query("INSERT INTO fund_sources(region_code, kind, name, amount_fen, created_by, created_at) "
            "VALUES('340123', 'county', '县级资金', 5000000, 'czj', 'x')");
    auto src = s.query("SELECT MAX(id) FROM fund_sources").at(0).at(0);
    s.query("INSERT INTO fund_ledger(time, kind, source_id, project_id, amount_fen, payee, disbursement_id, note, "
            "actor) VALUES('2026-03-01T08:00:00.000000Z', 'allocation', $1, $2, 1000000, '', 0, '', 'zrzy')",
            {src, std::to_string(a.id)});
    s.query("INSERT INTO fund_ledger(time, kind, source_id, project_id, amount_fen, payee, disbursement_id, note, "
            "actor) VALUES('2026-05-01T08:00:00.000000Z', 'disbursement', $1, $2, 600000, '施工单位', 1, '', 'czj')",
            {src, std::to_string(a.id)});
    // A notice comment unanswered for 8 days; a complaint 16 days past due.
    s.query("INSERT INTO notice_comments(project_id, region_code, author, body, created_at) VALUES($1, $2, "
            "'min1', '道路走向？', $3)",
            {std::to_string(a.id), kEast, iso(kStart - 8 * kDay)});
    s.query("INSERT INTO villager_feedback(region_code, project_id, author, category, body, status, created_at, "
            "due_at) VALUES($1, $2, 'min1', 'complaint', '施工噪音', 'open', $3, $4)",
            {kEast, std::to_string(a.id), iso(kStart - 31 * kDay), iso(kStart - 16 * kDay)});
  });
  // Project B completed 45 days ago, not accepted.
  auto b = insert_project("XM2026-202", kTown, ProjectState::completed);
  store_->write([&](storage::ProjectTx& tx) {
    tx.insert_transition({0, b.id, "complete", "implementation", "completed", "zhen",
                          iso(kStart - 45 * kDay), ""});
  });

  std::map<std::string, services::ProjectWarning> by_rule;
  for (const auto& w : warnings_->warnings(user("shenji"))) by_rule[w.rule] = w;
  ASSERT_EQ(by_rule.size(), 7u);
  auto figure = [&](const std::string& rule, const std::string& name) {
    return json::parse(by_rule.at(rule).figures).at(name).get<double>();
  };
  // Milestone 沟渠修建: 2026-09-10 → 2026-09-21 = 11 days: yellow (1 ≤ 11 < 15).
  EXPECT_EQ(figure("milestone_overdue", "days_overdue"), 11);
  EXPECT_EQ(by_rule["milestone_overdue"].level, "yellow");
  EXPECT_EQ(by_rule["milestone_overdue"].responsible, (ResponsibleUnit{"village_collective", kEast, ""}));
  // Planned: weights 1 + 3 of 5 due = 80%; achieved (100·1 + 20·3 + 0·1) / 5 = 32%; 48 points: red.
  EXPECT_EQ(figure("progress_behind", "planned_percent"), 80);
  EXPECT_EQ(figure("progress_behind", "actual_percent"), 32);
  EXPECT_EQ(figure("progress_behind", "points_behind"), 48);
  EXPECT_EQ(by_rule["progress_behind"].level, "red");
  // 600,000 / 1,000,000 = 60% disbursed against 32%: 28 points ahead, orange, finance responsible.
  EXPECT_EQ(figure("disbursement_ahead", "points_ahead"), 28);
  EXPECT_EQ(by_rule["disbursement_ahead"].level, "orange");
  EXPECT_EQ(by_rule["disbursement_ahead"].responsible, (ResponsibleUnit{"department", kCounty, "财政局"}));
  // 400,000 fen idle since the disbursement of 2026-05-01 08:00: 143 days (to 09-21 14:13): yellow.
  EXPECT_EQ(figure("funds_idle", "days_idle"), 143);
  EXPECT_EQ(figure("funds_idle", "balance_fen"), 400000);
  EXPECT_EQ(by_rule["funds_idle"].level, "yellow");
  // Completed 45 days ago: yellow (30 ≤ 45 < 60 orange), the lead department responsible.
  EXPECT_EQ(figure("acceptance_overdue", "days_since_completion"), 45);
  EXPECT_EQ(by_rule["acceptance_overdue"].level, "yellow");
  EXPECT_EQ(by_rule["acceptance_overdue"].project_code, "XM2026-202");
  EXPECT_EQ(by_rule["acceptance_overdue"].responsible, (ResponsibleUnit{"department", kCounty, "自然资源局"}));
  // A comment unanswered 8 days: orange (7 ≤ 8 < 15). A complaint 16 days past due: red.
  EXPECT_EQ(figure("notice_comments_unanswered", "days_unanswered"), 8);
  EXPECT_EQ(by_rule["notice_comments_unanswered"].level, "orange");
  EXPECT_EQ(figure("complaint_overdue", "days_overdue"), 16);
  EXPECT_EQ(by_rule["complaint_overdue"].level, "red");

  // Filters, and who sees them.
  EXPECT_EQ(warnings_->warnings(user("shenji"), only("red")).size(), 2u);
  EXPECT_EQ(warnings_->warnings(user("shenji"), only("", "funds_idle")).size(), 1u);
  EXPECT_EQ(warnings_->warnings(user("shenji"), only("", "", kWest)).size(), 0u);
  EXPECT_EQ(warnings_->warnings(user("cun")).size(), 6u);  // its own project; not the township's
  EXPECT_TRUE(warnings_->warnings(user("xicun")).empty());
  EXPECT_TRUE(warnings_->warnings(user("min1")).empty());
  EXPECT_EQ(code_of<InvalidRequest>([&] { warnings_->warnings(user("zhen"), only("purple")); }), "invalid_level");

  // An order from a warning keeps its figures as they were.
  auto in = manual_to("village_collective", kEast);
  in.source_kind = "warning";
  in.warning_key = by_rule["milestone_overdue"].key;
  auto o = orders_->issue(user("zhen"), in);
  auto source = json::parse(o.source_json);
  EXPECT_EQ(source["warning"]["figures"]["days_overdue"], 11);
  EXPECT_EQ(o.project_id, a.id);
  EXPECT_EQ(o.region_code, kEast);
  // Progress made: the warning clears.
  store_->write([&](storage::ProjectTx& tx) {
    tx.session().query("UPDATE progress_milestones SET percent = 100 WHERE project_id = $1", {std::to_string(a.id)});
  });
  for (const auto& w : warnings_->warnings(user("shenji"))) EXPECT_NE(w.rule, "milestone_overdue");
}

INSTANTIATE_TEST_SUITE_P(Backends, OrdersTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
