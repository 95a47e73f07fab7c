// How a distribution of revenue (收益分配) is split to the fen (DESIGN.md §2.4, issue 20 item 4):
// shares in basis points (万分之) for the county or township, the village collective and the
// households, and the households' part split by weights (contracted area, homestead area given
// up, persons). Integer arithmetic only, so the parts always add up to the whole exactly.
//
// The remainder rule, as users are told it:
// - the county/township part and the households' part are rounded down to the fen; the village
//   collective receives the whole amount less those two (so the rounding remainder of the
//   three-way split, at most 2 fen, goes to the village collective);
// - within the households' part each household first receives its exact share rounded down;
//   the fen left over (fewer than the number of households) go one each to the households with
//   the largest dropped fractions, ties to the lower household code first (largest remainder).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gz {

constexpr std::int64_t kWholeBasisPoints = 10'000;

struct ThreeWaySplit {
  std::int64_t county_fen = 0, village_fen = 0, households_fen = 0;
};
// Throws InvalidRequest shares_not_100 unless the three shares are each 0–10000 and add to 10000.
ThreeWaySplit split_three_ways(std::int64_t amount_fen, std::int64_t county_bp,
                               std::int64_t village_bp, std::int64_t households_bp);

struct WeightedShare {
  std::string household_code;
  std::int64_t weight = 0;   // in hundredths of the basis' unit (m² × 100, persons × 100)
  std::int64_t share_fen = 0;
  bool got_remainder_fen = false;  // received one of the left-over fen
};
// Splits `total_fen` over `shares` (weights > 0, codes distinct) by the largest-remainder rule
// above; returns them in the given order with share_fen set. The sum is exactly total_fen.
std::vector<WeightedShare> split_by_weight(std::int64_t total_fen, std::vector<WeightedShare> shares);

}  // namespace gz
