#include "domain/funds.h"

#include "common/error.h"

namespace gz {

namespace {
struct KindName {
  FundSourceKind kind;
  std::string_view name, zh;
};
constexpr KindName kKinds[] = {
    {FundSourceKind::central, "central", "中央资金"},
    {FundSourceKind::provincial, "provincial", "省级资金"},
    {FundSourceKind::county, "county", "县级资金"},
    {FundSourceKind::integrated_agricultural, "integrated_agricultural", "涉农整合资金"},
    {FundSourceKind::social_capital, "social_capital", "社会资本"},
    {FundSourceKind::loan, "loan", "贷款"},
    {FundSourceKind::village_self_raised, "village_self_raised", "村集体自筹"},
    {FundSourceKind::indicator_revenue, "indicator_revenue", "指标交易收入"},
};
}  // namespace

std::string_view to_string(FundSourceKind k) {
  for (const auto& n : kKinds)
    if (n.kind == k) return n.name;
  return "unknown";
}

std::string_view chinese_name(FundSourceKind k) {
  for (const auto& n : kKinds)
    if (n.kind == k) return n.zh;
  return "未知";
}

FundSourceKind parse_fund_source_kind(std::string_view name) {
  std::string list;
  for (const auto& n : kKinds) {
    if (n.name == name) return n.kind;
    list += (list.empty() ? "" : ", ") + std::string(n.name);
  }
  throw UsageError("unknown fund source kind '" + std::string(name) + "' (kinds: " + list + ")");
}

const std::vector<FundSourceKind>& all_fund_source_kinds() {
  static const std::vector<FundSourceKind> all = [] {
    std::vector<FundSourceKind> v;
    for (const auto& n : kKinds) v.push_back(n.kind);
    return v;
  }();
  return all;
}

bool valid_amount_fen(std::int64_t fen) { return fen >= 1 && fen <= kMaxAmountFen; }

std::string format_yuan(std::int64_t fen) {
  // Magnitude as unsigned so INT64_MIN needs no special case.
  bool negative = fen < 0;
  std::uint64_t m = negative ? std::uint64_t(0) - static_cast<std::uint64_t>(fen)
                             : static_cast<std::uint64_t>(fen);
  std::uint64_t cents = m % 100;
  std::string out = (negative ? "-" : "") + std::to_string(m / 100) + ".";
  out += static_cast<char>('0' + cents / 10);
  out += static_cast<char>('0' + cents % 10);
  return out;
}

}  // namespace gz
