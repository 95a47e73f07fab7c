#include "domain/benefit_shares.h"

#include <algorithm>
#include <numeric>

#include "common/error.h"

namespace gz {

ThreeWaySplit split_three_ways(std::int64_t amount_fen, std::int64_t county_bp,
                               std::int64_t village_bp, std::int64_t households_bp) {
  auto bad = [](std::int64_t bp) { return bp < 0 || bp > kWholeBasisPoints; };
  if (bad(county_bp) || bad(village_bp) || bad(households_bp) ||
      county_bp + village_bp + households_bp != kWholeBasisPoints)
    throw InvalidRequest(
        "shares_not_100",
        "县乡、村集体、农户三方分配比例之和应为 100%，现为 " +
            std::to_string(county_bp + village_bp + households_bp) + "/10000（县乡 " +
            std::to_string(county_bp) + "，村集体 " + std::to_string(village_bp) + "，农户 " +
            std::to_string(households_bp) + "，单位：万分之一）",
        "the county, village and household shares must add up to 100% (10000 basis points); they "
        "add up to " + std::to_string(county_bp + village_bp + households_bp));
  // amount ≤ 10^15 and bp ≤ 10^4: the product needs more than 64 bits.
  auto part = [&](std::int64_t bp) {
    return static_cast<std::int64_t>(static_cast<__int128>(amount_fen) * bp / kWholeBasisPoints);
  };
  ThreeWaySplit s;
  s.county_fen = part(county_bp);
  s.households_fen = part(households_bp);
  s.village_fen = amount_fen - s.county_fen - s.households_fen;
  return s;
}

std::vector<WeightedShare> split_by_weight(std::int64_t total_fen, std::vector<WeightedShare> shares) {
  if (shares.empty()) {
    if (total_fen != 0)
      throw InvalidRequest("no_households", "农户分配比例大于零，但方案中没有农户",
                           "the plan gives the households a share but lists none");
    return shares;
  }
  __int128 sum = 0;
  for (const auto& s : shares) {
    if (s.weight <= 0)
      throw InvalidRequest("invalid_weight", "农户 " + s.household_code + " 的分配依据应大于零",
                           "the weight of household " + s.household_code + " must be above zero");
    sum += s.weight;
  }
  std::vector<__int128> dropped(shares.size());
  std::int64_t given = 0;
  for (std::size_t i = 0; i < shares.size(); ++i) {
    __int128 exact = static_cast<__int128>(total_fen) * shares[i].weight;
    shares[i].share_fen = static_cast<std::int64_t>(exact / sum);
    shares[i].got_remainder_fen = false;
    dropped[i] = exact % sum;
    given += shares[i].share_fen;
  }
  std::vector<std::size_t> order(shares.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (dropped[a] != dropped[b]) return dropped[a] > dropped[b];
    return shares[a].household_code < shares[b].household_code;
  });
  // Fewer than shares.size() fen are left: the floors lose less than one fen each.
  for (std::int64_t left = total_fen - given, k = 0; left > 0; --left, ++k) {
    shares[order[k]].share_fen += 1;
    shares[order[k]].got_remainder_fen = true;
  }
  return shares;
}

}  // namespace gz
