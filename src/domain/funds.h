// Money of a consolidation project (DESIGN.md §2.4): where it comes from (the kinds of fund
// source), how amounts are written (integer fen, shown as yuan strings made from the fen without
// floating point), and the limits every amount obeys. No I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gz {

// The channels money comes through ("多个渠道引水").
enum class FundSourceKind {
  central,                  // 中央资金
  provincial,               // 省级资金
  county,                   // 县级资金
  integrated_agricultural,  // 涉农整合资金
  social_capital,           // 社会资本
  loan,                     // 贷款
  village_self_raised,      // 村集体自筹
  indicator_revenue,        // 指标交易收入: recorded by an indicator transfer (land_indicators)
};
std::string_view to_string(FundSourceKind k);
std::string_view chinese_name(FundSourceKind k);
// Throws UsageError listing the kinds.
FundSourceKind parse_fund_source_kind(std::string_view name);
const std::vector<FundSourceKind>& all_fund_source_kinds();

// Every amount is a whole number of fen, at least 1 and at most 10^15 (ten trillion yuan):
// far above any county budget, far below where int64 sums of many amounts could overflow.
constexpr std::int64_t kMaxAmountFen = 1'000'000'000'000'000;
bool valid_amount_fen(std::int64_t fen);

// "12345.67" from 1234567 fen; "-0.05" from -5; integer arithmetic only.
std::string format_yuan(std::int64_t fen);

}  // namespace gz
