// Ellipsoidal areas: parcels that share edges measure the same, bit for bit, whatever was
// measured before them on the same thread (the edge cache must never change a result).
#include <gtest/gtest.h>

#include <GeographicLib/Geodesic.hpp>
#include <GeographicLib/PolygonArea.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <thread>
#include <vector>

#include "geo/ellipsoid.h"
#include "geo/geometry.h"

namespace gz::geo {
namespace {

double area_on_fresh_thread(const Geometry& g) {
  double a = 0;
  std::thread([&] { a = ellipsoidal_area_m2(g); }).join();
  return a;
}

TEST(EllipsoidalArea, neighbours_sharing_edges_measure_exactly_as_when_measured_alone) {
  // A jittered 3x3 block of parcels; every inner edge is walked once in each direction.
  auto vertex = [](int i, int j) {
    return std::pair{117.0 + i * 0.0004 + ((i * 7 + j * 3) % 5) * 1.3e-6,
                     31.3 + j * 0.0003 + ((i * 5 + j * 11) % 7) * 0.9e-6};
  };
  std::vector<Geometry> parcels;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      parcels.push_back(Geometry::polygon(
          {{vertex(i, j), vertex(i + 1, j), vertex(i + 1, j + 1), vertex(i, j + 1), vertex(i, j)}}));
  std::vector<double> alone;
  for (const auto& p : parcels) alone.push_back(area_on_fresh_thread(p));
  std::thread([&] {
    for (int pass = 0; pass < 2; ++pass)
      for (std::size_t k = 0; k < parcels.size(); ++k) {
        double a = ellipsoidal_area_m2(parcels[k]);
        EXPECT_EQ(std::bit_cast<std::uint64_t>(a), std::bit_cast<std::uint64_t>(alone[k]))
            << "parcel " << k << " pass " << pass << ": " << a << " vs " << alone[k];
      }
  }).join();
}

TEST(EllipsoidalArea, agrees_with_geographiclib_polygon_area_on_cgcs2000) {
  Geometry g = Geometry::from_wkt(
      "POLYGON((117 31,117.01 31,117.012 31.008,117.003 31.011,117 31),"
      "(117.004 31.002,117.004 31.004,117.006 31.004,117.004 31.002))");
  GeographicLib::Geodesic cgcs2000(6378137.0, 1.0 / 298.257222101);
  auto ring_area = [&](const std::vector<std::pair<double, double>>& ring) {
    GeographicLib::PolygonArea pa(cgcs2000);
    for (auto [lon, lat] : ring) pa.AddPoint(lat, lon);
    double perimeter, area;
    pa.Compute(false, true, perimeter, area);
    return std::fabs(area);
  };
  double expected = ring_area({{117, 31}, {117.01, 31}, {117.012, 31.008}, {117.003, 31.011}}) -
                    ring_area({{117.004, 31.002}, {117.004, 31.004}, {117.006, 31.004}});
  EXPECT_NEAR(ellipsoidal_area_m2(g), expected, expected * 1e-12);
  EXPECT_GT(expected, 9e5);  // about 1 km², hole excluded
}

}  // namespace
}  // namespace gz::geo
