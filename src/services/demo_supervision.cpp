#include "services/demo_supervision.h"

#include <atomic>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "services/funds.h"
#include "services/orders.h"
#include "services/participation.h"
#include "services/progress.h"
#include "services/request_text.h"
#include "services/warnings.h"
#include "storage/sql_identity_store.h"

namespace gz::services {

namespace {

constexpr std::int64_t kDay = 86400;

User account(storage::IdentityStore& identity, const std::string& name) {
  auto u = identity.find_user(name);
  if (!u) throw NotFoundError("demo account " + name + " was not created");
  return *u;
}

std::string date(std::int64_t t) { return iso_utc(t).substr(0, 10); }

}  // namespace

DemoSupervisionSummary seed_demo_supervision(storage::Store& store, storage::IdentityStore& identity,
                                             storage::ProjectStore& projects) {
  DemoSupervisionSummary out;
  const auto today = system_clock_seconds();
  std::atomic<std::int64_t> now{today};
  Clock clock = [&now] { return now.load(); };
  ProjectService service(store, projects, &identity, ReviewRequirements::standard(), clock);
  ProgressService progress(projects, service, IndicatorTable::standard(), clock);
  ParticipationService participation(projects, service, &identity, ParticipationOptions{0, clock});
  FundsService funds(projects, &identity);
  WarningService warnings(projects, WarningRules::standard(), clock);
  OrderService orders(store, projects, &identity, &warnings, OrderOptions{clock});
  const User admin = account(identity, "admin"), lead = account(identity, "zrzy"), zhen = account(identity, "zhen"),
             finance = account(identity, "czj"), leaders = account(identity, "lingdao"),
             cunmin = account(identity, "cunmin");
  const std::string township = zhen.grants.at(0).region_code, village = cunmin.grants.at(0).region_code;
  auto concerns_village = [&](const storage::ProjectRecord& p) {
    return region_contains(p.region_code, village) || region_contains(village, p.region_code);
  };

  // A: works in the township, behind; C: approved, money idle. No project changes its stage: the
  // other demo steps (and the e2e) rely on the projects at theirs. The project waiting for its
  // acceptance (acceptance_overdue) completed its works 50 days ago (services/demo_platform.cpp).
  std::optional<storage::ProjectRecord> a, c;
  for (const auto& p : service.list(admin)) {
    if (p.state == ProjectState::implementation && region_contains(township, p.region_code) && !a) a = p;
    else if (p.state == ProjectState::approved && !c) c = p;
  }

  if (a) {
    // A milestone that should have been done 20 days ago: overdue, and the schedule behind.
    now = today - 60 * kDay;
    const User& implementer = zhen;
    auto ms = progress.add_milestone(implementer, a->id, {"排水沟清淤补充工程", date(today - 20 * kDay), 6});
    // Paid ahead of the works: 60% of the pool out against about a third of the works done.
    now = today - 15 * kDay;
    auto pool = funds.project_funds(admin, a->id);
    const auto target = pool.allocated_fen * 6 / 10;
    if (target > pool.disbursed_fen + pool.pending_fen) {
      auto first = progress.milestones(admin, a->id).front();
      auto d = funds.request_disbursement(implementer, a->id,
                                          {first.id, "县农村建设工程有限公司", "灌排工程预付款",
                                           target - pool.disbursed_fen - pool.pending_fen, 0});
      funds.decide(finance, a->id, d.id, true, "按合同预付");
    }
    // A villager's comment on its public notice three weeks ago, never answered: written as
    // the participation service recorded it then (its state is past the notice now).
    if (concerns_village(*a) && !a->notice_starts.empty()) {
      projects.write([&](storage::ProjectTx& tx) {
        const auto at = std::max(parse_iso_utc(a->notice_starts) + 3600, today - 20 * kDay);
        auto rows = tx.session().query(
            "INSERT INTO notice_comments(project_id, region_code, author, body, created_at) VALUES($1, $2, $3, $4, "
            "$5) RETURNING id",
            {std::to_string(a->id), village, "cunmin", "新修的田间道路占了我家承包地，怎么补偿？", iso_utc(at)});
        tx.audit({"demo", "participation.comment", "project:" + a->code,
                  nlohmann::json{{"comment", std::stoll(rows.at(0).at(0))}, {"recorded_for", "cunmin"}}.dump()});
      });
    }
    // A villager's complaint about the works, unanswered past its deadline.
    if (concerns_village(*a)) {
      now = today - 20 * kDay;
      participation.submit_feedback(cunmin, {a->id, "", "complaint", "施工车辆压坏村道，至今未修复。"});
    }
    (void)ms;
  }

  if (c) {
    // Last year's money carried over to C on its approval, 120 days ago, still not paid out: the
    // demo's history is written as the ledger would have recorded it then (funds entries carry
    // the database's time, so no service call can date one in the past).
    projects.write([&](storage::ProjectTx& tx) {
      auto src = tx.session().query("SELECT id FROM fund_sources ORDER BY id");
      if (src.empty()) return;
      tx.session().query(
          "INSERT INTO fund_ledger(time, kind, source_id, project_id, amount_fen, payee, disbursement_id, note, "
          "actor) VALUES($1, 'allocation', $2, $3, 50000000, '', 0, '上年度结转资金', 'czj')",
          {iso_utc(today - 120 * kDay), src[0][0], std::to_string(c->id)});
      tx.audit({"demo", "funds.allocate", "project:" + c->code,
                nlohmann::json{{"amount_fen", 50000000}, {"note", "上年度结转资金（演示数据补记）"}}.dump()});
    });
  }

  // Orders: one from a warning, open; one overdue and escalated; one answered and closed.
  now = today;
  auto current = warnings.warnings(admin);
  auto find = [&](const std::string& rule) -> const ProjectWarning* {
    for (const auto& w : current)
      if (w.rule == rule) return &w;
    return nullptr;
  };
  if (const auto* w = find("milestone_overdue")) {
    NewOrder o;
    o.source_kind = "warning";
    o.warning_key = w->key;
    o.title = "里程碑逾期：" + w->project_name;
    o.body = "请说明逾期原因，制定赶工计划并报送现场照片。";
    o.addressee = w->responsible;
    if (o.addressee.kind == "department") o.addressee = {"township", township, ""};
    o.due_date = date(today + 10 * kDay);
    o.evidence_required = {"photo"};
    orders.issue(lead, o);
    ++out.orders;
  }
  if (const auto* w = find("disbursement_ahead")) {
    now = today - 20 * kDay;
    NewOrder o;
    o.source_kind = "manual";
    o.project_id = w->project_id;
    o.title = "资金拨付超前于工程进度：" + w->project_name;
    o.body = "请核查预付款依据，暂停后续拨付直至进度追上。";
    o.addressee = w->responsible;
    o.due_date = date(today - 5 * kDay);
    orders.issue(lead, o);
    now = today;
    orders.escalate_overdue(admin);
    ++out.orders;
  }
  if (const auto* w = find("complaint_overdue")) {
    NewOrder o;
    o.source_kind = "warning";
    o.warning_key = w->key;
    o.title = "村民投诉超期未办结：" + w->project_name;
    o.body = "请答复投诉人并修复村道。";
    o.addressee = {"township", township, ""};
    o.due_date = date(today + 4 * kDay);
    auto issued = orders.issue(leaders, o);
    orders.answer(zhen, issued.id, {"已约谈施工单位，村道已修复，并当面答复投诉人。", {}, "", 0, 0});
    orders.close(leaders, issued.id, "经回访，投诉人满意");
    ++out.orders;
  }
  out.warnings = static_cast<int>(warnings.warnings(admin).size());
  return out;
}

}  // namespace gz::services
