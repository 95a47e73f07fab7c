// Coordinate transforms give the same bits for a point however often, and among whatever other
// points, it is transformed (the transform caches recent points).
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <random>
#include <vector>

#include "geo/crs.h"

namespace gz::geo {
namespace {

TEST(CoordinateTransform, a_point_transforms_to_the_same_bits_alone_or_among_repeats) {
  std::mt19937_64 rng(4548);
  std::uniform_real_distribution<double> lon(116.5, 117.5), lat(31, 32);
  std::vector<double> points;
  for (int i = 0; i < 5000; ++i) {
    points.push_back(lon(rng));
    points.push_back(lat(rng));
  }
  // Reference: every point once, on a transform that has seen none of them.
  std::vector<double> once = points;
  CoordinateTransform fresh("EPSG:4490", "EPSG:4548");
  fresh.transform_interleaved(once.data(), once.size() / 2);
  CoordinateTransform shared("EPSG:4490", "EPSG:4548");
  for (int pass = 0; pass < 3; ++pass) {
    // Overlapping batches of 9 points, so that some points are cached and some are not.
    for (std::size_t first = 0; first < points.size() / 2; first += 7) {
      std::size_t n = std::min<std::size_t>(9, points.size() / 2 - first);
      std::vector<double> b(points.begin() + 2 * first, points.begin() + 2 * (first + n));
      shared.transform_interleaved(b.data(), n);
      for (std::size_t k = 0; k < b.size(); ++k)
        ASSERT_EQ(std::bit_cast<std::uint64_t>(b[k]),
                  std::bit_cast<std::uint64_t>(once[2 * first + k]))
            << "pass " << pass << " point " << first + k / 2;
    }
  }
}

}  // namespace
}  // namespace gz::geo
