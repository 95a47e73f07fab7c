// Disbursement requests tied to the project's progress milestones, on both backends: a request
// names a milestone of its own project by id (another project's, or none, is refused with
// nothing written), the request and the ledger carry its id and name, and a database from
// before milestone ids (free-text milestones) is taken over as it is.
#include <gtest/gtest.h>

#include "../storage/store_backends.h"
#include "../storage/project_seed.h"
#include "common/error.h"
#include "services/funds.h"
#include "services/progress.h"
#include "storage/project_store.h"
#include "storage/sql_identity_store.h"

namespace gz::test {
namespace {

using services::DisbursementInput;
using services::FundsService;

const User kFinance{1, "caizheng", "", "", {Grant{Role::co_reviewing_department, "财政局", "340123"}}};
const User kTown{2, "zhen", "", "", {Grant{Role::township, "", "340123100"}}};

class FundsMilestoneTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    store_ = storage::ProjectStore::open(location(), {.create = true});
  }

  std::int64_t project(const std::string& code, const std::string& region) {
    return store_->write([&](storage::ProjectTx& tx) {
      return seed_project(tx, {code, code, region, ProjectState::implementation});
    });
  }
  std::int64_t milestone(std::int64_t project, const std::string& name) {
    return store_->write(
        [&](storage::ProjectTx& tx) { return seed_milestone(tx, project, name); });
  }
  std::string count(const std::string& table) {
    return store_->read([&](storage::ProjectTx& tx) {
      return tx.session().query("SELECT count(*) FROM " + table).at(0).at(0);
    });
  }

  std::unique_ptr<storage::ProjectStore> store_;
};

TEST_P(FundsMilestoneTest, a_request_names_its_projects_milestone_and_the_ledger_carries_it) {
  FundsService funds(*store_);
  auto east = project("XM2026-001", "340123100201");
  auto west = project("XM2026-002", "340123100202");
  auto m_east = milestone(east, "土地平整完成");
  auto m_west = milestone(west, "沟渠完工");
  auto s = funds.create_source(kFinance, {"340123", "county", "县级资金", 100000});
  funds.allocate(kFinance, east, s.id, 50000);

  auto code = [&](DisbursementInput in) {
    try {
      funds.request_disbursement(kTown, east, in);
    } catch (const Error& e) {
      if (auto* x = dynamic_cast<const Explained*>(&e)) return x->code();
      return std::string("thrown");
    }
    return std::string("none");
  };
  EXPECT_EQ(code({0, "施工队", "", 100, 0}), "missing_milestone");
  EXPECT_EQ(code({m_west, "施工队", "", 100, 0}), "unknown_milestone");  // another project's
  EXPECT_EQ(code({m_west + m_east + 100, "施工队", "", 100, 0}), "unknown_milestone");
  EXPECT_EQ(count("fund_disbursements"), "0");

  auto d = funds.request_disbursement(kTown, east, {m_east, "施工队", "一期", 3000, 0});
  EXPECT_EQ(d.milestone_id, m_east);
  EXPECT_EQ(d.milestone, "土地平整完成");
  funds.decide(kFinance, east, d.id, true, "同意拨付");
  auto listed = funds.disbursements(kFinance, east);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].milestone_id, m_east);
  EXPECT_EQ(listed[0].status, "approved");
  auto ledger = funds.project_ledger(kFinance, east);
  ASSERT_EQ(ledger.size(), 2u);
  EXPECT_EQ(ledger[0].kind, "allocation");
  EXPECT_EQ(ledger[0].milestone_id, 0);
  EXPECT_EQ(ledger[1].kind, "disbursement");
  EXPECT_EQ(ledger[1].milestone_id, m_east);
  EXPECT_EQ(ledger[1].milestone, "土地平整完成");
  EXPECT_EQ(ledger[1].amount_fen, 3000);
}

TEST_P(FundsMilestoneTest, requests_from_before_milestone_ids_are_kept_with_their_text) {
  auto east = project("XM2026-001", "340123100201");
  // The table as it was: a free-text milestone and no milestone_id.
  store_->ensure_tables(R"sql(
CREATE TABLE IF NOT EXISTS fund_disbursements(
  id {id}, project_id bigint NOT NULL REFERENCES projects(id), source_id bigint NOT NULL,
  milestone text NOT NULL, payee text NOT NULL, purpose text NOT NULL,
  amount_fen bigint NOT NULL CHECK (amount_fen > 0), status text NOT NULL,
  requested_by text NOT NULL, requested_at text NOT NULL, decided_by text NOT NULL DEFAULT '',
  decided_at text NOT NULL DEFAULT '', decision_comment text NOT NULL DEFAULT '');
)sql");
  store_->write([&](storage::ProjectTx& tx) {
    tx.session().query(
        "INSERT INTO fund_disbursements(project_id, source_id, milestone, payee, purpose, "
        "amount_fen, status, requested_by, requested_at) VALUES($1, 0, 'M1 土地平整', '旧施工队', '', "
        "500, 'requested', 'zhen', $2)",
        {std::to_string(east), tx.now()});
  });
  for (int opened = 0; opened < 2; ++opened) {  // taken over once, then as it is
    FundsService funds(*store_);
    auto old = funds.disbursements(kFinance, east);
    ASSERT_EQ(old.size(), 1u);
    EXPECT_EQ(old[0].milestone_id, 0);
    EXPECT_EQ(old[0].milestone, "M1 土地平整");
    EXPECT_EQ(old[0].payee, "旧施工队");
  }
  // New requests beside it name milestones by id.
  FundsService funds(*store_);
  auto m = milestone(east, "土地平整完成");
  auto s = funds.create_source(kFinance, {"340123", "county", "县级资金", 100000});
  funds.allocate(kFinance, east, s.id, 50000);
  auto d = funds.request_disbursement(kTown, east, {m, "施工队", "", 700, 0});
  auto all = funds.disbursements(kFinance, east);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].id, d.id);
  EXPECT_EQ(all[1].milestone_id, m);
  // The old request is still decided as before: its ledger entry has its text, no id.
  funds.decide(kFinance, east, all[0].id, true, "同意拨付");
  auto ledger = funds.project_ledger(kFinance, east);
  ASSERT_EQ(ledger.size(), 2u);
  EXPECT_EQ(ledger[1].milestone_id, 0);
  EXPECT_EQ(ledger[1].milestone, "M1 土地平整");
  EXPECT_EQ(ledger[1].note, "M1 土地平整");
}

INSTANTIATE_TEST_SUITE_P(Backends, FundsMilestoneTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
