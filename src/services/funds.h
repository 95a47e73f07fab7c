// Funds supervision (资金监管, DESIGN.md §2.4): many sources pooled per project and paid out from
// one channel ("多个渠道引水、一个龙头放水").
//
// - A fund source (central, provincial, county, integrated agricultural, social capital, loan,
//   village self-raised) belongs to a region and holds an amount in fen. Finance (a
//   co-reviewing department 财政局) or the lead department over the region records it.
// - An allocation moves money from a source into a project's pool: only for a project approved
//   or later, whose region lies inside the source's region (or contains it, for a village's own
//   money going to a township project), and never more than the source has unallocated.
// - A disbursement request names one of the project's progress milestones (by id; requests
//   made before milestones were tracked keep their free-text milestone, milestone_id 0), a
//   payee and an amount; the implementer makes it (township, village collective or
//   investor over the project's region). Finance over the project's region approves or refuses
//   it; nobody decides their own request. Approval debits the pool: from the source the request
//   names, or, when it names none, first-in-first-out over the project's sources in the order
//   they were first allocated to it (one ledger entry per source touched). The pool must hold
//   the amount when the request is made and again when it is approved.
// - Every movement is one immutable ledger entry (source → project allocation, project → payee
//   disbursement from one source), so each fen is traceable from source to payee; the database
//   refuses to update or delete ledger rows (triggers). Per source,
//   allocations never exceed its amount; per project and source, disbursements never exceed
//   allocations. Each check and its write run in one write transaction of the project store,
//   which excludes every other writer (also in other server processes), so two approvals that
//   would together overdraw cannot both pass.
//
// A payment voucher (拨付凭证: the signed form, the invoice) may be attached to an approval: a
// JPEG, PNG or PDF of at most kMaxVoucherBytes, its type sniffed from its bytes (the declared type
// is not trusted), stored with the decision and its audit entry in one transaction. Finance may
// also attach it to an approved payment that has none yet (a second voucher is RuleError
// voucher_exists, 409). Whoever may see the project's funds may download it.
//
// Visibility: a source is seen by admins and auditors, and by the lead department, finance and
// the leader group over its region; a project's funds (balances, ledger, requests) by everyone
// who may see the project. Outside that, NotFoundError (404 as for nothing there); visible but
// not allowed, Forbidden (403); refused by the ledger or the workflow, RuleError (409).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/funds.h"
#include "domain/identity.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"

namespace gz::services {

constexpr std::size_t kMaxVoucherBytes = 10 * 1024 * 1024;

// A voucher as sent: its bytes (the type is sniffed from them).
struct VoucherUpload {
  std::string bytes;
};

struct Voucher {
  std::int64_t disbursement_id = 0;
  std::string content_type;  // image/jpeg, image/png or application/pdf
  std::int64_t size = 0;
  std::string sha256, uploaded_by, uploaded_at;
  std::string bytes;  // only from voucher()
};

// "image/jpeg", "image/png" or "application/pdf" by the bytes' signature; "" for anything else.
std::string sniff_voucher_type(const std::string& bytes);

struct NewFundSource {
  std::string region_code, kind, name;
  std::int64_t amount_fen = 0;
};

struct FundSource {
  std::int64_t id = 0;
  std::string region_code;
  FundSourceKind kind = FundSourceKind::county;
  std::string name;
  std::int64_t amount_fen = 0;
  std::int64_t allocated_fen = 0;  // sum of its allocations (from the ledger)
  std::string created_by, created_at;
  std::int64_t unallocated_fen() const { return amount_fen - allocated_fen; }
};

// One movement of money. kind "allocation": source → project (payee empty); kind
// "disbursement": project → payee, from one source, for one approved request.
struct LedgerEntry {
  std::int64_t id = 0;
  std::string time, kind;
  std::int64_t source_id = 0, project_id = 0, amount_fen = 0;
  std::string payee;
  std::int64_t disbursement_id = 0;  // 0 for allocations
  std::string note, actor;
  // A disbursement's milestone (from its request): id (0 for allocations and for requests made
  // before milestones were tracked) and name.
  std::int64_t milestone_id = 0;
  std::string milestone;
  // The homestead compensation entry a disbursement pays (0: none).
  std::int64_t compensation_id = 0;
};

struct DisbursementInput {
  std::int64_t milestone_id = 0;  // a progress milestone of the project (required)
  std::string payee, purpose;     // payee: the household by default when paying compensation
  std::int64_t amount_fen = 0;
  std::int64_t source_id = 0;  // 0: first-in-first-out over the project's sources on approval
  // An approved homestead compensation entry (宅基地退出补偿) of the project this request pays,
  // wholly or in part; 0: none. Requests never add up to more than the entry.
  std::int64_t compensation_id = 0;
};

struct Disbursement {
  std::int64_t id = 0, project_id = 0, source_id = 0;
  std::string project_code;
  std::int64_t milestone_id = 0;  // 0: a request from before milestones were tracked
  std::string milestone;          // the milestone's name when requested (or the old free text)
  std::string payee, purpose;
  std::int64_t amount_fen = 0;
  std::string status;  // requested | approved | refused
  std::string requested_by, requested_at, decided_by, decided_at, decision_comment;
  std::int64_t compensation_id = 0;  // the homestead compensation entry it pays (0: none)
  std::string voucher_type;          // the voucher's content type, "" when none
  std::int64_t voucher_size = 0;
};

// A project's pool, one line per source that has allocated to it.
struct SourceBalance {
  std::int64_t source_id = 0;
  std::string source_name;
  FundSourceKind kind = FundSourceKind::county;
  std::int64_t allocated_fen = 0, disbursed_fen = 0;
  std::int64_t balance_fen() const { return allocated_fen - disbursed_fen; }
};

struct ProjectFunds {
  std::int64_t project_id = 0;
  std::string project_code;
  std::vector<SourceBalance> sources;  // in the order they were first allocated to the project
  std::int64_t allocated_fen = 0, disbursed_fen = 0;
  std::int64_t pending_fen = 0;  // requested, not yet decided
  std::int64_t balance_fen() const { return allocated_fen - disbursed_fen; }
};

class FundsService {
 public:
  // Makes the funds tables when missing. `identity`, when given, is asked whether a source's
  // region exists (once regions are imported). `finance_department` is the department whose
  // co-reviewing users approve disbursements.
  explicit FundsService(storage::ProjectStore& projects, storage::IdentityStore* identity = nullptr,
                        std::string finance_department = "财政局");

  const std::string& finance_department() const { return finance_department_; }

  FundSource create_source(const User& user, const NewFundSource& source);
  // The sources the user may see, by id; `region` (optional) keeps those inside it.
  std::vector<FundSource> sources(const User& user, const std::string& region = "");
  FundSource source(const User& user, std::int64_t id);
  // The allocations of a source, oldest first.
  std::vector<LedgerEntry> source_allocations(const User& user, std::int64_t id);

  LedgerEntry allocate(const User& user, std::int64_t project_id, std::int64_t source_id,
                       std::int64_t amount_fen, const std::string& note = "");

  Disbursement request_disbursement(const User& user, std::int64_t project_id,
                                    const DisbursementInput& input);
  // approve: debits the pool (ledger entries) or RuleError insufficient_funds; refuse needs a
  // comment. A request already decided is RuleError already_decided.
  // `voucher` (optional, approvals only) is stored in the same transaction.
  Disbursement decide(const User& user, std::int64_t project_id, std::int64_t disbursement_id,
                      bool approve, const std::string& comment = "",
                      const VoucherUpload* voucher = nullptr);
  // What a voucher upload (or a decision carrying one) needs before its bytes are read: the
  // disbursement visible, the user finance over its region. Throws as the upload would.
  void check_voucher_upload(const User& user, std::int64_t project_id, std::int64_t disbursement_id);
  // Attaches a voucher to an approved payment that has none: 409 voucher_exists when it has one,
  // 409 not_approved before approval (a voucher then comes with the decision).
  Disbursement attach_voucher(const User& user, std::int64_t project_id,
                              std::int64_t disbursement_id, const VoucherUpload& voucher);
  // The voucher with its bytes; NotFoundError when the payment has none.
  Voucher voucher(const User& user, std::int64_t project_id, std::int64_t disbursement_id);
  std::vector<Disbursement> disbursements(const User& user, std::int64_t project_id);
  // Requests across every project the user may see, by id; `status` (requested, approved,
  // refused; empty for all) keeps those in it — finance's queue of what awaits a decision.
  std::vector<Disbursement> all_disbursements(const User& user, const std::string& status = "");
  ProjectFunds project_funds(const User& user, std::int64_t project_id);
  std::vector<LedgerEntry> project_ledger(const User& user, std::int64_t project_id);

 private:
  storage::ProjectStore& projects_;
  storage::IdentityStore* identity_;
  std::string finance_department_;
};

}  // namespace gz::services
