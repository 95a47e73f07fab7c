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

// The edge model reads a layer's recorded source CRS: geographic or unknown means edges straight
// in lon/lat (empty), projected gives the CRS to densify in.
TEST(ProjectedSourceCrs, tells_projected_sources_from_geographic_and_unknown_ones) {
  EXPECT_EQ(projected_source_crs("EPSG:4490"), "");
  EXPECT_EQ(projected_source_crs("EPSG:4326"), "");
  EXPECT_EQ(projected_source_crs(""), "");
  EXPECT_EQ(projected_source_crs("no such crs"), "");
  EXPECT_EQ(projected_source_crs("EPSG:4547"), "EPSG:4547");
  EXPECT_EQ(projected_source_crs("EPSG:4527"), "EPSG:4527");
  // A coordinate TXT in Xi'an 1980 with its datum shift, as its version records it.
  EXPECT_EQ(projected_source_crs("EPSG:2383 +towgs84=1,2,3,0,0,0,0"), "EPSG:2383");
  std::string with_shift = crs_proj_string("EPSG:2383") + " +towgs84=1,2,3,0,0,0,0";
  EXPECT_EQ(projected_source_crs(with_shift), with_shift);
}

}  // namespace
}  // namespace gz::geo
