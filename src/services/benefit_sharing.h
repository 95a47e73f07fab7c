// Benefit sharing (利益共享, issue 20 items 3–4): a project's revenue — indicator transfer income,
// land-transfer (流转) rent, collective operating income — distributed to the county or township,
// the village collective and the households under a plan the village assembly voted.
//
// - A distribution plan names the project, the village whose assembly votes it, the revenue (a
//   fund source allocated to the project: an indicator transfer records one, finance records the
//   others) and its amount in fen, the three shares in basis points (adding to 10000), and the
//   households with their basis (contracted area, homestead area given up — m² with at most two
//   decimals — or persons). Households must belong to the project: linked to a household code
//   inside the project's region (household_members). Shares are computed to the fen when the
//   plan is made, by the remainder rule of domain/benefit_shares.h, and never change.
// - The township or the village collective over the project's region makes the plan and opens
//   its vote (the existing assembly vote, passed by two thirds of the representatives). A plan
//   whose vote has not passed cannot be paid.
// - Payment goes through the funds ledger: the township or village collective requests it;
//   finance (财政局) over the project's region approves (never its own request) or refuses with a
//   reason. Approval writes one ledger entry per recipient with a share (kind disbursement, from
//   the plan's source, payee named), checking the source's balance in the project again.
// - Before its vote the plan goes on public notice (公示) to its village: the planners over the
//   village publish it as a village notice (村务公告, 1–90 days) with its text, amounts and
//   period; a villager of the village may object with a reason while the notice runs; the
//   township over the village answers each objection. The vote is refused (RuleError) before the
//   notice (notice_not_published), while it runs (notice_running) and while an objection is
//   unanswered (objection_unanswered).
// - Officials who may see the project see every share; a villager sees the plan's totals and
//   only the shares of the households linked to them (我的收益 lists those with how they were
//   computed).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "domain/benefit_shares.h"
#include "domain/identity.h"
#include "services/funds.h"
#include "services/participation.h"
#include "services/projects.h"
#include "storage/project_store.h"

namespace gz::services {

struct PlanHouseholdShare {
  std::string household_code;
  std::int64_t weight = 0;  // hundredths of the basis' unit
  std::int64_t share_fen = 0;
  bool got_remainder_fen = false;
  bool paid = false;
};

struct NewDistributionPlan {
  std::string village_code, revenue_kind, household_basis, title;
  std::int64_t source_id = 0, amount_fen = 0;
  std::int64_t county_bp = 0, village_bp = 0, households_bp = 0;
  struct Household {
    std::string code;
    double weight = 0;  // m² or persons, at most two decimals
  };
  std::vector<Household> households;
};

struct DistributionPlan {
  std::int64_t id = 0, project_id = 0;
  std::string project_code, project_name, village_code, title;
  std::string revenue_kind, household_basis;
  std::int64_t source_id = 0, amount_fen = 0;
  std::int64_t county_bp = 0, village_bp = 0, households_bp = 0;
  std::int64_t county_fen = 0, village_fen = 0, households_fen = 0;
  std::int64_t total_weight = 0, household_count = 0;
  std::string status;  // draft | payment_requested | paid
  std::int64_t vote_id = 0;
  std::string vote_status;  // none | open | passed | failed
  std::string created_by, created_at;
  // The public notice (公示): 0 / "" until published; state none | running | over.
  std::int64_t notice_id = 0;
  std::string notice_starts, notice_ends, notice_state = "none";
  std::int64_t objections = 0, unanswered_objections = 0;
  std::string payment_requested_by, payment_requested_at, decided_by, decided_at, decision_comment;
  // Every household for officials; the caller's own for a villager.
  std::vector<PlanHouseholdShare> households;
};

// A villager's objection to a plan on notice, and the township's answer.
struct PlanObjection {
  std::int64_t id = 0, plan_id = 0;
  std::string author, reason, created_at;
  std::string answer, answered_by, answered_at;  // "" until answered
};

// One line of a villager's 我的收益.
struct MyBenefit {
  DistributionPlan plan;  // without its household list
  PlanHouseholdShare share;
};

struct BenefitTotals {
  std::int64_t revenue_fen = 0;  // of the paid plans
  std::int64_t county_fen = 0, village_fen = 0, households_fen = 0;
  std::int64_t plans = 0, paid_plans = 0;
};

class BenefitSharingService {
 public:
  BenefitSharingService(storage::ProjectStore& store, ProjectService& projects, FundsService& funds,
                        ParticipationService& participation, Clock clock = system_clock_seconds);

  DistributionPlan create_plan(const User& user, std::int64_t project_id, const NewDistributionPlan& in);
  std::vector<DistributionPlan> plans(const User& user, std::int64_t project_id = 0);
  DistributionPlan plan(const User& user, std::int64_t id);
  // Publishes the plan as a village notice for `days` (1–90): RuleError notice_exists,
  // vote_exists, already_requested.
  DistributionPlan publish_notice(const User& user, std::int64_t id, std::int64_t days);
  // The plan published as village notice `notice_id` (NotFoundError when none the user sees).
  DistributionPlan plan_of_notice(const User& user, std::int64_t notice_id);
  // A villager of the plan's village while its notice runs: RuleError notice_not_published,
  // notice_over.
  PlanObjection object(const User& user, std::int64_t id, const std::string& reason);
  // Officials: every objection to the plan; villagers: their own. Oldest first.
  std::vector<PlanObjection> objections(const User& user, std::int64_t id);
  // The township over the plan's village: RuleError already_answered.
  PlanObjection answer_objection(const User& user, std::int64_t objection_id, const std::string& answer);
  // Opens the plan's assembly vote (RuleError vote_exists while one is open or passed;
  // notice_not_published, notice_running, objection_unanswered).
  DistributionPlan open_vote(const User& user, std::int64_t id);
  // RuleError vote_not_passed, already_requested, insufficient_funds.
  DistributionPlan request_payment(const User& user, std::int64_t id);
  DistributionPlan decide_payment(const User& user, std::int64_t id, bool approve,
                                  const std::string& comment = "");
  std::vector<MyBenefit> my_benefits(const User& user);
  BenefitTotals totals(const User& user, const std::string& region = "");

 private:
  storage::ProjectStore& store_;
  ProjectService& projects_;
  FundsService& funds_;
  ParticipationService& participation_;
  Clock clock_;
};

}  // namespace gz::services
