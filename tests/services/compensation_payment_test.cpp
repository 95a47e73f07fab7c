// Homestead compensation paid through the funds ledger, on both backends: a disbursement request
// may name an approved compensation entry of its own project; requests for one entry never add up
// to more than it (a refused request frees its amount again); the ledger and the compensation
// entry both show what was paid; a refused request changes nothing.
#include <gtest/gtest.h>

#include "../storage/store_backends.h"
#include "../storage/project_seed.h"
#include "common/error.h"
#include "services/funds.h"
#include "services/projects.h"
#include "services/rights.h"
#include "storage/project_store.h"
#include "storage/sql_identity_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

using services::DisbursementInput;
using services::FundsService;

const User kFinance{1, "caizheng", "", "", {Grant{Role::co_reviewing_department, "财政局", "340123"}}};
const User kTown{2, "zhen", "", "", {Grant{Role::township, "", "340123100"}}};

class CompensationPaymentTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    layers_ = storage::Store::open(location(), {.create = true});
    store_ = storage::ProjectStore::open(location(), {.create = true});
    projects_ = std::make_unique<services::ProjectService>(*layers_, *store_, nullptr);
    rights_ = std::make_unique<services::RightsService>(*layers_, *store_, *projects_);
    funds_ = std::make_unique<FundsService>(*store_);
  }

  std::int64_t project(const std::string& code) {
    return store_->write([&](storage::ProjectTx& tx) {
      return seed_project(tx, {code, code, "340123100201", ProjectState::implementation, "农村建设用地整理"});
    });
  }
  std::int64_t insert(const std::string& sql, std::vector<std::string> params) {
    return store_->write([&](storage::ProjectTx& tx) {
      params.push_back(tx.now());
      return std::stoll(tx.session().query(sql, params).at(0).at(0));
    });
  }
  std::int64_t milestone(std::int64_t project) {
    return insert(
        "INSERT INTO progress_milestones(project_id, name, planned_date, created_by, created_at, "
        "updated_at) VALUES($1, '宅基地复垦', '2026-12-31', 'zhen', $2, $2) RETURNING id",
        {std::to_string(project)});
  }
  // An entry of the compensation ledger, decided when `decision` is given.
  std::int64_t entry(std::int64_t project, const std::string& household, std::int64_t fen,
                     const std::string& decision) {
    auto id = insert(
        "INSERT INTO homestead_compensation(project_id, household_code, amount_fen, area_m2, basis, "
        "recorded_by, recorded_at) VALUES($1, $2, $3, 150, '宅基地 150 m²', 'zhen', $4) RETURNING id",
        {std::to_string(project), household, std::to_string(fen)});
    if (!decision.empty())
      insert(
          "INSERT INTO homestead_compensation_decisions(entry_id, decision, comment, decided_by, "
          "decided_at) VALUES($1, $2, '', 'nongye', $3) RETURNING id",
          {std::to_string(id), decision});
    return id;
  }
  std::string count(const std::string& table) {
    return store_->read([&](storage::ProjectTx& tx) {
      return tx.session().query("SELECT count(*) FROM " + table).at(0).at(0);
    });
  }
  std::string refusal(std::int64_t project, const DisbursementInput& in) {
    try {
      funds_->request_disbursement(kTown, project, in);
    } catch (const NotFoundError&) {
      return "not_found";
    } catch (const Error& e) {
      if (auto* x = dynamic_cast<const Explained*>(&e)) return x->code();
      return "thrown";
    }
    return "none";
  }

  std::unique_ptr<storage::Store> layers_;
  std::unique_ptr<storage::ProjectStore> store_;
  std::unique_ptr<services::ProjectService> projects_;
  std::unique_ptr<services::RightsService> rights_;
  std::unique_ptr<FundsService> funds_;
};

DisbursementInput pay(std::int64_t milestone, std::int64_t entry, std::int64_t fen) {
  DisbursementInput in;
  in.milestone_id = milestone;
  in.amount_fen = fen;
  in.compensation_id = entry;
  in.purpose = "宅基地退出补偿";
  return in;
}

TEST_P(CompensationPaymentTest, an_approved_entry_is_paid_through_the_ledger_never_beyond_its_amount) {
  auto east = project("XM2026-011");
  auto west = project("XM2026-012");
  auto m = milestone(east);
  auto s = funds_->create_source(kFinance, {"340123", "county", "县级资金", 10'000'000});
  funds_->allocate(kFinance, east, s.id, 5'000'000);
  auto approved = entry(east, "H00003", 1'234'500, "approved");
  auto pending = entry(east, "H00004", 500'000, "");
  auto refused = entry(east, "H00005", 300'000, "refused");
  auto elsewhere = entry(west, "H00009", 100'000, "approved");

  // Refused with nothing written: not approved, refused, another project's, unknown, too much.
  EXPECT_EQ(refusal(east, pay(m, pending, 1000)), "compensation_not_approved");
  EXPECT_EQ(refusal(east, pay(m, refused, 1000)), "compensation_not_approved");
  EXPECT_EQ(refusal(east, pay(m, elsewhere, 1000)), "not_found");
  EXPECT_EQ(refusal(east, pay(m, elsewhere + 100, 1000)), "not_found");
  EXPECT_EQ(refusal(east, pay(m, approved, 1'234'501)), "compensation_overpaid");
  EXPECT_EQ(refusal(east, pay(m, -1, 1000)), "invalid_compensation");
  EXPECT_EQ(count("fund_disbursements"), "0");

  // Paid in two parts; the payee defaults to the household.
  auto first = funds_->request_disbursement(kTown, east, pay(m, approved, 1'000'000));
  EXPECT_EQ(first.compensation_id, approved);
  EXPECT_EQ(first.payee, "宅基地退出户 H00003");
  EXPECT_EQ(refusal(east, pay(m, approved, 234'501)), "compensation_overpaid");
  auto second = funds_->request_disbursement(kTown, east, pay(m, approved, 234'500));
  // A refused request frees its amount again.
  funds_->decide(kFinance, east, second.id, false, "发票不全");
  auto again = pay(m, approved, 234'500);
  again.payee = "张三（H00003 户主）";
  auto third = funds_->request_disbursement(kTown, east, again);
  EXPECT_EQ(third.payee, "张三（H00003 户主）");
  EXPECT_EQ(refusal(east, pay(m, approved, 1)), "compensation_overpaid");
  funds_->decide(kFinance, east, first.id, true, "同意拨付");

  auto entries = rights_->compensation(kTown, east);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].id, approved);
  EXPECT_EQ(entries[0].paid_fen, 1'000'000);
  EXPECT_EQ(entries[0].payment_requested_fen, 234'500);
  EXPECT_EQ(entries[1].paid_fen, 0);
  funds_->decide(kFinance, east, third.id, true, "同意拨付");
  auto totals = rights_->compensation_totals(kTown, east);
  EXPECT_EQ(totals.approved_fen, 1'234'500);
  EXPECT_EQ(totals.paid_fen, 1'234'500);

  // Every fen from the source to the household: the ledger rows name the entry.
  std::int64_t paid = 0;
  for (const auto& e : funds_->project_ledger(kFinance, east)) {
    if (e.kind != "disbursement") continue;
    EXPECT_EQ(e.compensation_id, approved);
    EXPECT_EQ(e.source_id, s.id);
    paid += e.amount_fen;
  }
  EXPECT_EQ(paid, 1'234'500);
  EXPECT_EQ(funds_->project_funds(kFinance, east).balance_fen(), 5'000'000 - 1'234'500);
}

TEST_P(CompensationPaymentTest, other_payments_still_need_a_payee) {
  auto east = project("XM2026-011");
  auto m = milestone(east);
  auto s = funds_->create_source(kFinance, {"340123", "county", "县级资金", 1'000'000});
  funds_->allocate(kFinance, east, s.id, 500'000);
  DisbursementInput in;
  in.milestone_id = m;
  in.amount_fen = 100;
  EXPECT_EQ(refusal(east, in), "empty_field");
  EXPECT_EQ(count("fund_disbursements"), "0");
}

INSTANTIATE_TEST_SUITE_P(Backends, CompensationPaymentTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
