// Funds supervision on both backends: allocations never exceed a source, approvals debit the
// project's pool (the named source, or first in first out), nothing ever goes negative — also
// when two approvals race on threads and on two sessions — every fen is traceable from source to
// payee, each change is audited, and bad input changes nothing.
#include "services/funds.h"

#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>
#include <tuple>

#include "../storage/store_backends.h"
#include "../storage/project_seed.h"
#include "png_fixture.h"
#include "common/error.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"
#include "storage/sql_identity_store.h"

namespace gz::test {
namespace {

using services::DisbursementInput;
using services::FundsService;
using services::NewFundSource;

User user(const std::string& name, Role role, const std::string& dept, const std::string& region) {
  static std::int64_t next = 1;
  return {next++, name, "", "", {Grant{role, dept, region}}};
}

const User kFinance = user("caizheng", Role::co_reviewing_department, "财政局", "340123");
const User kFinance2 = user("caizheng2", Role::co_reviewing_department, "财政局", "340123");
const User kOtherFinance = user("caizheng_b", Role::co_reviewing_department, "财政局", "340124");
const User kProvinceFinance = user("shengcaizheng", Role::co_reviewing_department, "财政局", "340000");
const User kAgri = user("nongye", Role::co_reviewing_department, "农业农村局", "340123");
const User kLead = user("ziran", Role::lead_department, "自然资源局", "340123");
const User kTown = user("zhen", Role::township, "", "340123100");
const User kVillage = user("dongcun", Role::village_collective, "", "340123100201");
const User kVillager = user("cunmin", Role::villager, "", "340123100201");
const User kInvestor = user("qiye", Role::investor, "", "340123100");
const User kAuditor = user("shenji", Role::auditor, "", "");
const User kDual = {99, "shuangzhi", "", "",
                    {Grant{Role::township, "", "340123100"},
                     Grant{Role::co_reviewing_department, "财政局", "340123"}}};

class FundsServiceTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    store_ = storage::ProjectStore::open(location(), {.create = true});
    funds_ = std::make_unique<FundsService>(*store_);
    p1_ = project("东村整治", "340123100201", ProjectState::implementation);
    p2_ = project("西村整治", "340123100202", ProjectState::approved);
    draft_ = project("草稿项目", "340123100", ProjectState::draft);
  }

  std::int64_t project(const std::string& name, const std::string& region, ProjectState state) {
    return store_->write([&](storage::ProjectTx& tx) {
      return seed_project(tx, {"XM2026-" + std::to_string(100 + ++projects_made_), name, region, state, "农用地整理", "ziran"});
    });
  }

  services::FundSource source(std::int64_t fen, const std::string& kind = "county",
                              const std::string& region = "340123", const User& by = kFinance) {
    return funds_->create_source(by, {region, kind, kind + " 资金", fen});
  }
  // The project's milestone "土地平整完成" (made on first use), as the progress part keeps it.
  std::int64_t milestone(std::int64_t project, const std::string& name = "土地平整完成") {
    return store_->write([&](storage::ProjectTx& tx) {
      auto& s = tx.session();
      auto rows = s.query("SELECT id FROM progress_milestones WHERE project_id = CAST($1 AS bigint) AND name = $2",
                          {std::to_string(project), name});
      if (!rows.empty()) return std::stoll(rows[0][0]);
      return std::stoll(s.query("INSERT INTO progress_milestones(project_id, name, planned_date, created_by, "
                                "created_at, updated_at) VALUES($1, $2, '2026-12-31', 'zhen', $3, $3) RETURNING id",
                                {std::to_string(project), name, tx.now()})
                            .at(0)
                            .at(0));
    });
  }
  services::Disbursement request(std::int64_t project, std::int64_t fen, std::int64_t source = 0,
                                 const std::string& payee = "某某建设公司") {
    DisbursementInput in;
    in.milestone_id = milestone(project);
    in.payee = payee;
    in.amount_fen = fen;
    in.source_id = source;
    return funds_->request_disbursement(kTown, project, in);
  }

  // Everything funds-related that a change could touch: row counts and sums of the fund tables,
  // the events and the audit log.
  std::string snapshot() {
    std::string out = store_->read([](storage::ProjectTx& tx) {
      std::string s;
      for (const char* sql :
           {"SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) FROM fund_sources",
            "SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) FROM fund_ledger",
            "SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) FROM fund_disbursements",
            "SELECT status, COUNT(*) FROM fund_disbursements GROUP BY status ORDER BY status",
            "SELECT COUNT(*) FROM events"})
        for (const auto& row : tx.session().query(sql)) {
          for (const auto& v : row) s += v + "|";
          s += "\n";
        }
      return s;
    });
    return out + "audit " + std::to_string(audit_log().size());
  }

  std::vector<storage::AuditEntry> audit_log() {
    return storage::IdentityStore::open(location())->audit_log();
  }

  std::unique_ptr<storage::ProjectStore> store_;
  std::unique_ptr<FundsService> funds_;
  std::int64_t p1_ = 0, p2_ = 0, draft_ = 0;
  int projects_made_ = 0;
};

template <class E, class F>
std::string code_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    if (auto* x = dynamic_cast<const Explained*>(&e)) return x->code();
    return "(no code)";
  }
  return "(nothing thrown)";
}

TEST_P(FundsServiceTest, allocations_never_exceed_what_the_source_has_unallocated) {
  auto s = source(1'000'000);
  EXPECT_EQ(s.amount_fen, 1'000'000);
  EXPECT_EQ(s.unallocated_fen(), 1'000'000);
  funds_->allocate(kFinance, p1_, s.id, 600'000, "首批");
  funds_->allocate(kLead, p2_, s.id, 400'000);
  EXPECT_EQ(code_of<RuleError>([&] { funds_->allocate(kFinance, p1_, s.id, 1); }),
            "insufficient_source_funds");
  auto after = funds_->source(kFinance, s.id);
  EXPECT_EQ(after.allocated_fen, 1'000'000);
  EXPECT_EQ(after.unallocated_fen(), 0);
  auto s2 = source(500);
  EXPECT_EQ(code_of<RuleError>([&] { funds_->allocate(kFinance, p1_, s2.id, 501); }),
            "insufficient_source_funds");
  funds_->allocate(kFinance, p1_, s2.id, 500);
  EXPECT_EQ(funds_->project_funds(kFinance, p1_).allocated_fen, 600'500);
}

TEST_P(FundsServiceTest, allocations_go_only_to_approved_projects_inside_the_source_region) {
  auto s = source(1'000'000);
  EXPECT_EQ(code_of<RuleError>([&] { funds_->allocate(kFinance, draft_, s.id, 100); }),
            "project_not_approved");
  // A neighbouring county's money cannot fund this county's project, even for a user who sees
  // both.
  auto other = source(1'000'000, "provincial", "340124", kProvinceFinance);
  EXPECT_EQ(code_of<RuleError>([&] { funds_->allocate(kProvinceFinance, p1_, other.id, 100); }),
            "outside_source_region");
  // A village's own money may go to a project of the township around it.
  auto village = source(50'000, "village_self_raised", "340123100201", kFinance);
  auto town_project = project("镇级项目", "340123100", ProjectState::approved);
  funds_->allocate(kFinance, town_project, village.id, 50'000);
  EXPECT_EQ(funds_->project_funds(kFinance, town_project).balance_fen(), 50'000);
}

TEST_P(FundsServiceTest, roles_and_jurisdiction_decide_who_may_do_what) {
  EXPECT_THROW(source(100, "county", "340123", kVillager), Forbidden);
  EXPECT_THROW(source(100, "county", "340123", kTown), Forbidden);
  EXPECT_THROW(source(100, "county", "340123", kAgri), Forbidden);
  EXPECT_THROW(source(100, "county", "340123", kOtherFinance), Forbidden);
  auto s = source(1'000'000);
  // Sources: another county's finance and people without a funds role do not see it.
  EXPECT_THROW(funds_->source(kOtherFinance, s.id), NotFoundError);
  EXPECT_THROW(funds_->source(kTown, s.id), NotFoundError);
  EXPECT_THROW(funds_->source_allocations(kVillager, s.id), NotFoundError);
  EXPECT_EQ(funds_->source(kAuditor, s.id).id, s.id);
  EXPECT_EQ(funds_->sources(kLead).size(), 1u);
  EXPECT_TRUE(funds_->sources(kOtherFinance).empty());
  EXPECT_EQ(funds_->sources(kFinance, "340124").size(), 0u);
  // Allocation: finance or lead only; outside the county, the project does not exist.
  EXPECT_THROW(funds_->allocate(kTown, p1_, s.id, 100), Forbidden);
  EXPECT_THROW(funds_->allocate(kAgri, p1_, s.id, 100), Forbidden);
  EXPECT_THROW(funds_->allocate(kOtherFinance, p1_, s.id, 100), NotFoundError);
  funds_->allocate(kFinance, p1_, s.id, 300'000);
  // Requests: the implementer only.
  DisbursementInput in{milestone(p1_, "土方完成"), "施工队", "", 1000, 0};
  EXPECT_THROW(funds_->request_disbursement(kFinance, p1_, in), Forbidden);
  EXPECT_THROW(funds_->request_disbursement(kVillager, p1_, in), Forbidden);
  EXPECT_THROW(funds_->request_disbursement(kOtherFinance, p1_, in), NotFoundError);
  auto d = funds_->request_disbursement(kVillage, p1_, in);
  auto by_investor = funds_->request_disbursement(kInvestor, p1_, in);
  // Decisions: finance over the region only; the villager sees the project (403), the other
  // county's finance does not (404).
  EXPECT_THROW(funds_->decide(kVillager, p1_, d.id, true, "同意拨付"), Forbidden);
  EXPECT_THROW(funds_->decide(kInvestor, p1_, d.id, true, "同意拨付"), Forbidden);
  EXPECT_THROW(funds_->decide(kAgri, p1_, d.id, true, "同意拨付"), Forbidden);
  EXPECT_THROW(funds_->decide(kLead, p1_, d.id, true, "同意拨付"), Forbidden);
  EXPECT_THROW(funds_->decide(kOtherFinance, p1_, d.id, true, "同意拨付"), NotFoundError);
  EXPECT_THROW(funds_->project_funds(kOtherFinance, p1_), NotFoundError);
  EXPECT_THROW(funds_->project_ledger(kOtherFinance, p1_), NotFoundError);
  // A request of another project, named under this one, does not exist here.
  EXPECT_THROW(funds_->decide(kFinance, p2_, d.id, true, "同意拨付"), NotFoundError);
  // Nobody decides their own request.
  auto own = funds_->request_disbursement(kDual, p1_, in);
  EXPECT_EQ(code_of<Forbidden>([&] { funds_->decide(kDual, p1_, own.id, true, "同意拨付"); }), "own_request");
  EXPECT_EQ(funds_->decide(kFinance, p1_, d.id, true, "同意拨付").status, "approved");
  EXPECT_EQ(funds_->decide(kFinance, p1_, by_investor.id, false, "发票不全").status, "refused");
  // Who may see the project may read its funds.
  EXPECT_EQ(funds_->project_funds(kVillager, p1_).disbursed_fen, 1000);
  EXPECT_EQ(funds_->project_ledger(kVillager, p1_).size(), 2u);
  EXPECT_EQ(funds_->disbursements(kInvestor, p1_).size(), 3u);
}

TEST_P(FundsServiceTest, finance_sees_the_requests_awaiting_a_decision_in_its_county) {
  auto s = source(1'000'000);
  funds_->allocate(kFinance, p1_, s.id, 100'000);
  funds_->allocate(kFinance, p2_, s.id, 100'000);
  auto a = request(p1_, 1'000);
  auto b = request(p2_, 2'000);
  funds_->decide(kFinance, p1_, a.id, true, "同意拨付");
  auto queue = funds_->all_disbursements(kFinance, "requested");
  ASSERT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue[0].id, b.id);
  EXPECT_EQ(queue[0].project_id, p2_);
  EXPECT_FALSE(queue[0].project_code.empty());
  EXPECT_EQ(funds_->all_disbursements(kFinance).size(), 2u);
  EXPECT_EQ(funds_->all_disbursements(kFinance, "approved").size(), 1u);
  EXPECT_TRUE(funds_->all_disbursements(kOtherFinance).empty());
  // The villager of 东村 sees 东村's project (in implementation), not 西村's.
  auto mine = funds_->all_disbursements(kVillager);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].project_id, p1_);
  EXPECT_EQ(code_of<InvalidRequest>([&] { funds_->all_disbursements(kFinance, "paid"); }),
            "unknown_status");
}

TEST_P(FundsServiceTest, approval_debits_the_named_source_or_the_oldest_sources_first) {
  auto a = source(500'000, "county");
  auto b = source(300'000, "central");
  funds_->allocate(kFinance, p1_, a.id, 200'000);
  funds_->allocate(kFinance, p1_, b.id, 300'000);
  funds_->allocate(kFinance, p1_, a.id, 100'000);
  // No source named: first in, first out — A was allocated first.
  auto d1 = request(p1_, 250'000);
  funds_->decide(kFinance, p1_, d1.id, true, "同意拨付");
  auto d2 = request(p1_, 100'000, 0, "村集体经济合作社");
  funds_->decide(kFinance, p1_, d2.id, true, "同意拨付");
  auto d3 = request(p1_, 100'000, b.id);
  funds_->decide(kFinance, p1_, d3.id, true, "同意拨付");
  auto f = funds_->project_funds(kFinance, p1_);
  ASSERT_EQ(f.sources.size(), 2u);
  EXPECT_EQ(f.sources[0].source_id, a.id);
  EXPECT_EQ(f.sources[0].allocated_fen, 300'000);
  EXPECT_EQ(f.sources[0].disbursed_fen, 300'000);
  EXPECT_EQ(f.sources[0].balance_fen(), 0);
  EXPECT_EQ(f.sources[1].source_id, b.id);
  EXPECT_EQ(f.sources[1].disbursed_fen, 150'000);
  EXPECT_EQ(f.sources[1].balance_fen(), 150'000);
  EXPECT_EQ(f.allocated_fen, 600'000);
  EXPECT_EQ(f.disbursed_fen, 450'000);
  EXPECT_EQ(f.balance_fen(), 150'000);
  EXPECT_EQ(f.pending_fen, 0);
  // The split payment is two ledger entries, one per source, to the same payee.
  std::map<std::int64_t, std::vector<services::LedgerEntry>> by_request;
  for (const auto& e : funds_->project_ledger(kFinance, p1_))
    if (e.kind == "disbursement") by_request[e.disbursement_id].push_back(e);
  ASSERT_EQ(by_request[d1.id].size(), 1u);
  EXPECT_EQ(by_request[d1.id][0].source_id, a.id);
  ASSERT_EQ(by_request[d2.id].size(), 2u);
  EXPECT_EQ(by_request[d2.id][0].source_id, a.id);
  EXPECT_EQ(by_request[d2.id][0].amount_fen, 50'000);
  EXPECT_EQ(by_request[d2.id][1].source_id, b.id);
  EXPECT_EQ(by_request[d2.id][1].amount_fen, 50'000);
  EXPECT_EQ(by_request[d2.id][1].payee, "村集体经济合作社");
  ASSERT_EQ(by_request[d3.id].size(), 1u);
  EXPECT_EQ(by_request[d3.id][0].source_id, b.id);
  // The named source alone must cover a request that names it.
  EXPECT_EQ(code_of<RuleError>([&] { request(p1_, 150'001, b.id); }), "insufficient_funds");
  EXPECT_EQ(code_of<RuleError>([&] { request(p1_, 1, a.id); }), "insufficient_funds");
  auto unused = source(1000, "loan");
  EXPECT_EQ(code_of<RuleError>([&] { request(p1_, 1, unused.id); }), "source_not_in_pool");
}

TEST_P(FundsServiceTest, the_pool_never_goes_negative) {
  auto s = source(1'000'000);
  funds_->allocate(kFinance, p1_, s.id, 100'000);
  EXPECT_EQ(code_of<RuleError>([&] { request(p1_, 100'001); }), "insufficient_funds");
  auto x = request(p1_, 60'000);
  auto y = request(p1_, 60'000);
  EXPECT_EQ(funds_->project_funds(kFinance, p1_).pending_fen, 120'000);
  funds_->decide(kFinance, p1_, x.id, true, "同意拨付");
  auto before = snapshot();
  EXPECT_EQ(code_of<RuleError>([&] { funds_->decide(kFinance, p1_, y.id, true, "同意拨付"); }),
            "insufficient_funds");
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(funds_->disbursements(kFinance, p1_)[1].status, "requested");
  EXPECT_EQ(code_of<RuleError>([&] { funds_->decide(kFinance, p1_, x.id, true, "同意拨付"); }),
            "already_decided");
  funds_->decide(kFinance, p1_, y.id, false, "余额不足，待下批资金");
  EXPECT_EQ(code_of<RuleError>([&] { funds_->decide(kFinance, p1_, y.id, true, "同意拨付"); }),
            "already_decided");
  // More money lets a new request through.
  funds_->allocate(kFinance, p1_, s.id, 20'000);
  auto z = request(p1_, 60'000);
  funds_->decide(kFinance, p1_, z.id, true, "同意拨付");
  auto f = funds_->project_funds(kFinance, p1_);
  EXPECT_EQ(f.balance_fen(), 0);
  EXPECT_EQ(f.disbursed_fen, 120'000);
  EXPECT_EQ(code_of<RuleError>([&] { request(p1_, 1); }), "insufficient_funds");
}

// Two approvals that would together overdraw the pool, at the same moment: exactly one passes.
// Once on threads sharing one store, once on two stores (two database sessions, as two server
// processes would have).
TEST_P(FundsServiceTest, concurrent_approvals_that_would_overdraw_leave_exactly_one_approved) {
  auto s = source(10'000'000);
  auto second_store = storage::ProjectStore::open(location());
  FundsService second(*second_store);
  for (int round = 0; round < 6; ++round) {
    auto project_id = project("并发项目", "340123100201", ProjectState::implementation);
    funds_->allocate(kFinance, project_id, s.id, 100'000);
    auto a = request(project_id, 60'000);
    auto b = request(project_id, 60'000);
    FundsService* services[2] = {funds_.get(), round % 2 ? &second : funds_.get()};
    std::int64_t ids[2] = {a.id, b.id};
    const User* approvers[2] = {&kFinance, &kFinance2};
    std::atomic<int> approved{0}, refused{0}, other{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; ++i)
      threads.emplace_back([&, i] {
        while (!go) std::this_thread::yield();
        try {
          services[i]->decide(*approvers[i], project_id, ids[i], true, "同意拨付");
          ++approved;
        } catch (const RuleError& e) {
          if (e.code() == "insufficient_funds") ++refused; else ++other;
        } catch (...) {
          ++other;
        }
      });
    go = true;
    for (auto& t : threads) t.join();
    EXPECT_EQ(approved.load(), 1) << "round " << round;
    EXPECT_EQ(refused.load(), 1) << "round " << round;
    EXPECT_EQ(other.load(), 0) << "round " << round;
    auto f = funds_->project_funds(kFinance, project_id);
    EXPECT_EQ(f.disbursed_fen, 60'000);
    EXPECT_EQ(f.balance_fen(), 40'000);
    int approved_rows = 0;
    for (const auto& d : funds_->disbursements(kFinance, project_id))
      approved_rows += d.status == "approved";
    EXPECT_EQ(approved_rows, 1);
  }
  // The same request approved twice at once: one approval, one already_decided.
  auto project_id = project("双重审批", "340123100201", ProjectState::implementation);
  funds_->allocate(kFinance, project_id, s.id, 100'000);
  auto d = request(project_id, 10'000);
  std::atomic<int> ok{0}, decided{0};
  std::thread t1([&] {
    try { funds_->decide(kFinance, project_id, d.id, true, "同意拨付"); ++ok; } catch (const RuleError& e) { decided += e.code() == "already_decided"; }
  });
  std::thread t2([&] {
    try { second.decide(kFinance2, project_id, d.id, true, "同意拨付"); ++ok; } catch (const RuleError& e) { decided += e.code() == "already_decided"; }
  });
  t1.join();
  t2.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(decided.load(), 1);
  EXPECT_EQ(funds_->project_funds(kFinance, project_id).disbursed_fen, 10'000);
}

TEST_P(FundsServiceTest, every_fen_is_traceable_from_source_to_payee) {
  auto a = source(900'000, "integrated_agricultural");
  auto b = source(400'000, "social_capital");
  auto c = source(70'000, "village_self_raised", "340123100202");
  funds_->allocate(kFinance, p1_, a.id, 300'000);
  funds_->allocate(kFinance, p2_, a.id, 250'000);
  funds_->allocate(kLead, p1_, b.id, 400'000);
  funds_->allocate(kFinance, p2_, c.id, 70'000);
  for (auto [project, fen, src] : std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t>>{
           {p1_, 320'000, 0}, {p1_, 80'000, b.id}, {p2_, 100'000, 0}, {p2_, 70'000, c.id}}) {
    auto d = request(project, fen, src, "收款人" + std::to_string(fen));
    funds_->decide(kFinance, project, d.id, true, "同意拨付");
  }
  auto refused = request(p1_, 5'000);
  funds_->decide(kFinance, p1_, refused.id, false, "不符合拨付条件");
  // Per source: what it says it allocated is the sum of its allocations, and never above it.
  for (const auto& s : funds_->sources(kFinance)) {
    std::int64_t sum = 0;
    for (const auto& e : funds_->source_allocations(kFinance, s.id)) {
      EXPECT_EQ(e.kind, "allocation");
      EXPECT_EQ(e.source_id, s.id);
      sum += e.amount_fen;
    }
    EXPECT_EQ(s.allocated_fen, sum) << s.name;
    EXPECT_LE(s.allocated_fen, s.amount_fen) << s.name;
  }
  // Per project: pool = allocations − disbursements, from the ledger and from the balances; per
  // source within a project never negative; each approved request paid exactly, to its payee.
  for (auto project : {p1_, p2_}) {
    auto ledger = funds_->project_ledger(kFinance, project);
    std::int64_t in = 0, out = 0;
    std::map<std::int64_t, std::int64_t> per_source, per_request;
    for (const auto& e : ledger) {
      EXPECT_EQ(e.project_id, project);
      if (e.kind == "allocation") {
        in += e.amount_fen;
        per_source[e.source_id] += e.amount_fen;
      } else {
        out += e.amount_fen;
        per_source[e.source_id] -= e.amount_fen;
        per_request[e.disbursement_id] += e.amount_fen;
        EXPECT_FALSE(e.payee.empty());
      }
    }
    auto f = funds_->project_funds(kFinance, project);
    EXPECT_EQ(f.allocated_fen, in);
    EXPECT_EQ(f.disbursed_fen, out);
    EXPECT_EQ(f.balance_fen(), in - out);
    for (const auto& b : f.sources) {
      EXPECT_EQ(b.balance_fen(), per_source[b.source_id]);
      EXPECT_GE(b.balance_fen(), 0);
    }
    for (const auto& d : funds_->disbursements(kFinance, project)) {
      if (d.status == "approved")
        EXPECT_EQ(per_request[d.id], d.amount_fen) << d.id;
      else
        EXPECT_EQ(per_request.count(d.id), 0u) << d.id;
    }
  }
  EXPECT_EQ(funds_->project_funds(kFinance, p1_).balance_fen(), 300'000);
  EXPECT_EQ(funds_->project_funds(kFinance, p2_).balance_fen(), 150'000);
}

TEST_P(FundsServiceTest, the_database_refuses_to_rewrite_or_delete_ledger_entries) {
  auto s = source(1'000'000);
  funds_->allocate(kFinance, p1_, s.id, 100'000);
  auto d = request(p1_, 40'000);
  funds_->decide(kFinance, p1_, d.id, true, "同意拨付");
  auto before = snapshot();
  for (const char* sql : {"UPDATE fund_ledger SET amount_fen = 1",
                          "UPDATE fund_ledger SET payee = 'someone else' WHERE kind = 'disbursement'",
                          "DELETE FROM fund_ledger WHERE kind = 'disbursement'",
                          "DELETE FROM fund_ledger"}) {
    EXPECT_ANY_THROW(store_->write([&](storage::ProjectTx& tx) { tx.session().query(sql); })) << sql;
  }
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(funds_->project_funds(kFinance, p1_).balance_fen(), 60'000);
  // A second service on the same database (a restart) sets the guards up again without harm.
  FundsService again(*store_);
  EXPECT_EQ(again.project_ledger(kFinance, p1_).size(), 2u);
}

TEST_P(FundsServiceTest, changes_are_audited_and_announced) {
  auto s = source(1'000'000);
  funds_->allocate(kFinance, p1_, s.id, 100'000);
  auto d = request(p1_, 30'000);
  funds_->decide(kFinance, p1_, d.id, true, "同意");
  auto r = request(p1_, 10'000);
  funds_->decide(kFinance, p1_, r.id, false, "重复申请");
  std::map<std::string, int> actions;
  for (const auto& e : audit_log()) ++actions[e.action];
  EXPECT_EQ(actions["funds.source_create"], 1);
  EXPECT_EQ(actions["funds.allocate"], 1);
  EXPECT_EQ(actions["funds.disbursement_request"], 2);
  EXPECT_EQ(actions["funds.disbursement_approve"], 1);
  EXPECT_EQ(actions["funds.disbursement_refuse"], 1);
  EXPECT_TRUE(storage::IdentityStore::open(location())->verify_audit().intact);
  std::map<std::string, std::vector<storage::EventRecord>> events;
  for (const auto& e : store_->events_after(0)) events[e.kind].push_back(e);
  ASSERT_EQ(events["disbursement.requested"].size(), 2u);
  EXPECT_EQ(events["disbursement.requested"][0].department, "财政局");
  EXPECT_EQ(events["disbursement.requested"][0].project_id, p1_);
  EXPECT_EQ(events["disbursement.requested"][0].region_code, "340123100201");
  ASSERT_EQ(events["disbursement.approved"].size(), 1u);
  auto payload = nlohmann::json::parse(events["disbursement.approved"][0].payload);
  EXPECT_EQ(payload["amount_fen"], 30'000);
  EXPECT_EQ(payload["amount_yuan"], "300.00");
  EXPECT_EQ(events["disbursement.refused"].size(), 1u);
  EXPECT_EQ(events["funds.allocated"].size(), 1u);
}

TEST_P(FundsServiceTest, a_voucher_comes_with_the_approval_in_its_transaction_and_once_only) {
  auto s = source(1'000'000);
  funds_->allocate(kFinance, p1_, s.id, 100'000);
  const std::string png = make_png(3, 3), pdf = "%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n";
  // Refused before anything changes: not finance, a refusal with a voucher, not an image or PDF,
  // empty, too large.
  auto d = request(p1_, 30'000);
  const auto before = snapshot();
  services::VoucherUpload text{"just some text"}, empty{""}, huge{std::string(services::kMaxVoucherBytes + 1, '%')};
  services::VoucherUpload good{png};
  EXPECT_EQ(code_of<Forbidden>([&] { funds_->decide(kAgri, p1_, d.id, true, "同意", &good); }), "not_finance");
  EXPECT_EQ(code_of<Forbidden>([&] { funds_->check_voucher_upload(kLead, p1_, d.id); }), "not_finance");
  EXPECT_THROW(funds_->check_voucher_upload(kFinance, p2_, d.id), NotFoundError);
  funds_->check_voucher_upload(kFinance, p1_, d.id);
  EXPECT_EQ(code_of<InvalidRequest>([&] { funds_->decide(kFinance, p1_, d.id, false, "不同意", &good); }), "voucher_on_refusal");
  EXPECT_EQ(code_of<InvalidRequest>([&] { funds_->decide(kFinance, p1_, d.id, true, "同意", &text); }), "unsupported_voucher_type");
  EXPECT_EQ(code_of<InvalidRequest>([&] { funds_->decide(kFinance, p1_, d.id, true, "同意", &empty); }), "empty_voucher");
  EXPECT_EQ(code_of<InvalidRequest>([&] { funds_->decide(kFinance, p1_, d.id, true, "同意", &huge); }), "voucher_too_large");
  EXPECT_EQ(snapshot(), before);
  EXPECT_THROW(funds_->voucher(kLead, p1_, d.id), NotFoundError);  // none yet

  // Approved with its voucher: the type is the bytes', the audit entry names it.
  auto approved = funds_->decide(kFinance, p1_, d.id, true, "凭发票拨付", &good);
  EXPECT_EQ(approved.status, "approved");
  EXPECT_EQ(approved.voucher_type, "image/png");
  EXPECT_EQ(approved.voucher_size, static_cast<std::int64_t>(png.size()));
  auto v = funds_->voucher(kVillager, p1_, d.id);  // whoever sees the project's funds
  EXPECT_EQ(v.content_type, "image/png");
  EXPECT_TRUE(v.bytes == png);
  EXPECT_EQ(v.uploaded_by, "caizheng");
  EXPECT_EQ(funds_->disbursements(kLead, p1_).at(0).voucher_type, "image/png");
  auto log = audit_log();
  ASSERT_EQ(log.back().action, "funds.disbursement_approve");
  auto detail = nlohmann::json::parse(log.back().detail);
  EXPECT_EQ(detail["voucher"]["content_type"], "image/png");
  EXPECT_EQ(detail["voucher"]["size"], png.size());
  // A second voucher is refused (409) and changes nothing.
  const auto after = snapshot();
  services::VoucherUpload second{pdf};
  EXPECT_EQ(code_of<RuleError>([&] { funds_->attach_voucher(kFinance, p1_, d.id, second); }), "voucher_exists");
  EXPECT_EQ(snapshot(), after);
  EXPECT_THROW(funds_->voucher(kFinance, p2_, d.id), NotFoundError);

  // Attached later to an approved payment without one; not to a request awaiting its decision.
  auto e = request(p1_, 10'000);
  EXPECT_EQ(code_of<RuleError>([&] { funds_->attach_voucher(kFinance, p1_, e.id, second); }), "not_approved");
  funds_->decide(kFinance2, p1_, e.id, true, "同意");
  EXPECT_EQ(code_of<Forbidden>([&] { funds_->attach_voucher(kTown, p1_, e.id, second); }), "not_finance");
  auto later = funds_->attach_voucher(kFinance, p1_, e.id, second);
  EXPECT_EQ(later.voucher_type, "application/pdf");
  EXPECT_EQ(audit_log().back().action, "funds.voucher_attach");
  EXPECT_TRUE(funds_->voucher(kAuditor, p1_, e.id).bytes == pdf);
  EXPECT_TRUE(storage::IdentityStore::open(location())->verify_audit().intact);
  EXPECT_EQ(services::sniff_voucher_type("\xFF\xD8\xFF\xE0rest"), "image/jpeg");
}

TEST_P(FundsServiceTest, bad_input_is_refused_and_changes_nothing) {
  auto s = source(1'000'000);
  funds_->allocate(kFinance, p1_, s.id, 100'000);
  auto pending = request(p1_, 1'000);
  auto before = snapshot();
  auto bad = [&](const char* code, auto&& f) {
    std::string got;
    try {
      f();
      got = "(nothing thrown)";
    } catch (const Error& e) {
      auto* x = dynamic_cast<const Explained*>(&e);
      got = x ? x->code() : std::string("(") + e.what() + ")";
    }
    EXPECT_EQ(got, code);
  };
  for (std::int64_t fen : {std::int64_t{0}, std::int64_t{-1}, kMaxAmountFen + 1,
                           std::numeric_limits<std::int64_t>::min()}) {
    bad("invalid_amount", [&] { source(fen); });
    bad("invalid_amount", [&] { funds_->allocate(kFinance, p1_, s.id, fen); });
    bad("invalid_amount", [&] { request(p1_, fen); });
  }
  bad("unknown_kind", [&] { source(100, "lottery"); });
  bad("invalid_region", [&] { source(100, "county", "34012"); });
  bad("invalid_region", [&] { source(100, "county", "'; DROP TABLE fund_sources; --"); });
  bad("empty_field", [&] { funds_->create_source(kFinance, {"340123", "county", "", 100}); });
  bad("invalid_text", [&] { funds_->create_source(kFinance, {"340123", "county", "a\x01", 100}); });
  bad("field_too_long",
      [&] { funds_->create_source(kFinance, {"340123", "county", std::string(201, 'x'), 100}); });
  EXPECT_THROW(funds_->allocate(kFinance, 9999, s.id, 100), NotFoundError);
  EXPECT_THROW(funds_->allocate(kFinance, p1_, 9999, 100), NotFoundError);
  EXPECT_THROW(funds_->allocate(kFinance, p1_, 0, 100), NotFoundError);
  auto m1 = milestone(p1_);
  bad("missing_milestone", [&] { funds_->request_disbursement(kTown, p1_, {0, "收款人", "", 100, 0}); });
  bad("missing_milestone", [&] { funds_->request_disbursement(kTown, p1_, {-4, "收款人", "", 100, 0}); });
  bad("unknown_milestone", [&] { funds_->request_disbursement(kTown, p1_, {99999, "收款人", "", 100, 0}); });
  bad("empty_field", [&] { funds_->request_disbursement(kTown, p1_, {m1, "", "", 100, 0}); });
  bad("field_too_long",
      [&] { funds_->request_disbursement(kTown, p1_, {m1, std::string(201, 'p'), "", 100, 0}); });
  bad("invalid_source", [&] { funds_->request_disbursement(kTown, p1_, {m1, "收款人", "", 100, -3}); });
  bad("comment_required", [&] { funds_->decide(kFinance, p1_, pending.id, false, ""); });
  EXPECT_THROW(funds_->decide(kFinance, p1_, 9999, true, "同意拨付"), NotFoundError);
  bad("project_not_approved", [&] { request(draft_, 100); });
  EXPECT_EQ(snapshot(), before);
  // SQL and script are text like any other: stored as given, nothing else happens.
  std::string odd = "'); DELETE FROM fund_ledger; -- <script>alert(1)</script>";
  auto weird = funds_->create_source(kFinance, {"340123", "loan", odd, 100});
  EXPECT_EQ(funds_->source(kFinance, weird.id).name, odd);
  EXPECT_EQ(funds_->project_ledger(kFinance, p1_).size(), 1u);
}

TEST(FundsMoney, yuan_strings_are_made_from_fen_without_floating_point) {
  EXPECT_EQ(format_yuan(0), "0.00");
  EXPECT_EQ(format_yuan(5), "0.05");
  EXPECT_EQ(format_yuan(100), "1.00");
  EXPECT_EQ(format_yuan(123456789), "1234567.89");
  EXPECT_EQ(format_yuan(-5), "-0.05");
  EXPECT_EQ(format_yuan(kMaxAmountFen), "10000000000000.00");
  EXPECT_EQ(format_yuan(999'999'999'999'999'999), "9999999999999999.99");
  EXPECT_EQ(format_yuan(std::numeric_limits<std::int64_t>::min()), "-92233720368547758.08");
  EXPECT_TRUE(valid_amount_fen(1));
  EXPECT_TRUE(valid_amount_fen(kMaxAmountFen));
  EXPECT_FALSE(valid_amount_fen(0));
  EXPECT_FALSE(valid_amount_fen(kMaxAmountFen + 1));
  EXPECT_EQ(parse_fund_source_kind("integrated_agricultural"), FundSourceKind::integrated_agricultural);
  EXPECT_EQ(chinese_name(FundSourceKind::integrated_agricultural), "涉农整合资金");
  EXPECT_THROW(parse_fund_source_kind("gold"), UsageError);
}

INSTANTIATE_TEST_SUITE_P(Backends, FundsServiceTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
