// Ellipsoidal areas: parcels that share edges measure the same, bit for bit, whatever was
// measured before them on the same thread (the edge caches must never change a result); the fast
// method agrees with GeographicLib's geodesic area within its bound on parcel-shaped rings, long
// edges, holes, multipolygons; polar and antimeridian polygons stay all-geodesic.
#include <gtest/gtest.h>

#include <GeographicLib/Ellipsoid.hpp>
#include <GeographicLib/Geodesic.hpp>
#include <GeographicLib/GeodesicLine.hpp>
#include <GeographicLib/PolygonArea.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <numbers>
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
  // The all-geodesic method is GeographicLib's own sum. The fast method switches this polygon's
  // 1 km edges to geodesics only until its bound holds, so it is held to that bound (with a
  // little room for the rounding of GeographicLib's S12 sums, below 1e-10 here).
  EXPECT_NEAR(geodesic_area_m2(g), expected, expected * 1e-12);
  EXPECT_NEAR(ellipsoidal_area_m2(g), expected, expected * (kFastAreaTolerance + 1e-10));
  EXPECT_GT(expected, 9e5);  // about 1 km², hole excluded
}

// --- The fast method (authalic latitude + trapezoids, geodesics where the bound asks) ---------

const GeographicLib::Geodesic& geod() {
  static const GeographicLib::Geodesic g(6378137.0, 1.0 / 298.257222101);
  return g;
}
const GeographicLib::Ellipsoid& ell() {
  static const GeographicLib::Ellipsoid e(6378137.0, 1.0 / 298.257222101);
  return e;
}
double sin_beta(double lat) { return GeographicLib::Math::sind(ell().AuthalicLatitude(lat)); }
double rq2() { return ell().Area() / (4 * std::numbers::pi); }

// GeographicLib's PolygonArea of one ring (absolute value).
double polygon_area(const Ring& ring) {
  GeographicLib::PolygonArea pa(geod());
  for (std::size_t i = 0; i + 1 < ring.size(); ++i) pa.AddPoint(ring[i].second, ring[i].first);
  double perimeter, area;
  pa.Compute(false, true, perimeter, area);
  return std::fabs(area);
}

// The geodesic ring's area with neither the fast method's lenses nor the rounding of summed
// S12 terms: every edge cut into 64 pieces along its geodesic (GeographicLib GeodesicLine), an
// equal-area trapezoid per piece. The lens of a piece is 64³ times smaller than the edge's, so
// the whole ring's lenses are 64² times smaller than the fast method's.
double densified_area(const Ring& ring) {
  const double ref = sin_beta(ring[0].second);
  double sum = 0;
  for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
    auto a = ring[i], b = ring[i + 1];
    auto line = geod().InverseLine(a.second, a.first, b.second, b.first);
    double plon = a.first, ps = sin_beta(a.second) - ref;
    for (int k = 1; k <= 64; ++k) {
      double lat = b.second, lon = b.first;
      if (k < 64) {
        line.Position(line.Distance() * k / 64, lat, lon);
        lon = plon + GeographicLib::Math::AngDiff(plon, lon);
      }
      double s = sin_beta(lat) - ref;
      sum += 0.5 * (lon - plon) * (std::numbers::pi / 180) * (ps + s) * rq2();
      plon = lon;
      ps = s;
    }
  }
  return std::fabs(sum);
}

// An irregular parcel: `n` vertices at distances `r`·(0.6..1.4) metres around (lon, lat), closed.
Ring parcel(double lon, double lat, int n, double r, unsigned seed) {
  Ring ring;
  unsigned x = seed * 2654435761u + 1;
  auto next = [&] {
    x = x * 1664525u + 1013904223u;
    return (x >> 8) / double(1u << 24);
  };
  double turn = next() * 360;
  for (int i = 0; i < n; ++i) {
    double az = turn + (i + 0.8 * (next() - 0.5)) * 360.0 / n;
    double lat2, lon2;
    geod().Direct(lat, lon, az, r * (0.6 + 0.8 * next()), lat2, lon2);
    ring.push_back({lon2, lat2});
  }
  ring.push_back(ring.front());
  return ring;
}

TEST(FastEllipsoidalArea, parcels_agree_with_the_geodesic_area_within_the_bound) {
  // Parcel-shaped rings (triangles to 14-gons, 5 m to 150 m across) from 4° to 53.5° north.
  double worst_vs_reference = 0, worst_vs_polygon_area = 0;
  int n_parcels = 0;
  for (double lat : {4.0, 18.3, 23.1, 31.3, 40.0, 45.7, 53.5})
    for (int n : {3, 4, 5, 8, 14})
      for (double r : {5.0, 20.0, 60.0, 150.0})
        for (unsigned seed = 1; seed <= 6; ++seed) {
          Ring ring = parcel(117.2 + seed * 0.013, lat, n, r, seed * 131 + n);
          area_edge_counts() = {};
          double fast = ellipsoidal_area_m2(Geometry::polygon({ring}));
          double reference = densified_area(ring), pa = polygon_area(ring);
          ASSERT_GT(reference, 0);
          // The bound (relative, or one S12's rounding, 4e-5 m², whichever is larger), plus the
          // reference's own lenses (1/4096 of a fast edge's) and rounding, plus the rounding of
          // GeographicLib's S12 (up to 4e-5 m²) for each edge switched to a geodesic.
          double switched = static_cast<double>(area_edge_counts().switched_edges);
          EXPECT_NEAR(fast, reference,
                      std::max(reference * kFastAreaTolerance, 4e-5) + 1e-7 + 4e-5 * switched)
              << "lat " << lat << " n " << n << " r " << r << " seed " << seed;
          // PolygonArea sums S12 terms of ~1e8 m² each: its rounding is up to 4e-5 m² per edge.
          EXPECT_NEAR(fast, pa, std::max(reference * kFastAreaTolerance, 4e-5) + 4e-5 * (n + switched));
          worst_vs_reference = std::max(worst_vs_reference, std::fabs(fast - reference) / reference);
          worst_vs_polygon_area = std::max(worst_vs_polygon_area, std::fabs(fast - pa) / reference);
          ++n_parcels;
        }
  std::printf("%d parcels: fast vs densified reference %.3g, vs PolygonArea %.3g (relative)\n", n_parcels,
              worst_vs_reference, worst_vs_polygon_area);
}

TEST(FastEllipsoidalArea, long_edges_are_geodesics) {
  // A 5 km × 40 m strip: its two long edges bow 10 m² and more from the equal-area line, so they
  // are solved as geodesics whatever the bound says.
  double lat = 31.3, lon = 117.2, lat1, lon1, lat2, lon2, lat3, lon3;
  geod().Direct(lat, lon, 80, 5000, lat1, lon1);
  geod().Direct(lat1, lon1, 170, 40, lat2, lon2);
  geod().Direct(lat, lon, 170, 40, lat3, lon3);
  Ring ring{{lon, lat}, {lon1, lat1}, {lon2, lat2}, {lon3, lat3}, {lon, lat}};
  area_edge_counts() = {};
  double fast = ellipsoidal_area_m2(Geometry::polygon({ring}));
  EXPECT_EQ(area_edge_counts().geodesic_edges, 2u);  // the long ones
  EXPECT_EQ(area_edge_counts().switched_edges, 0u);  // the short ones cancel
  EXPECT_NEAR(fast, polygon_area(ring), polygon_area(ring) * kFastAreaTolerance + 4e-5 * 4);
  // The two long edges carry S12's rounding; the densified reference's own lenses on them
  // (1/4096 of ~10 m² each) are a few thousandths of a m².
  EXPECT_NEAR(fast, densified_area(ring), densified_area(ring) * kFastAreaTolerance + 1e-2);
  EXPECT_NEAR(fast, 200000, 200);
}

TEST(FastEllipsoidalArea, edges_whose_lenses_do_not_cancel_are_switched_to_geodesics) {
  // A triangle of 300–600 m edges: the lenses of its edges add up to far more than the bound.
  Ring ring = parcel(117.25, 31.3, 3, 400, 7);
  area_edge_counts() = {};
  double fast = ellipsoidal_area_m2(Geometry::polygon({ring}));
  EXPECT_GT(area_edge_counts().switched_edges, 0u);
  double reference = densified_area(ring);
  EXPECT_NEAR(fast, reference, reference * kFastAreaTolerance + 4e-5 * 3);
}

TEST(FastEllipsoidalArea, holes_are_subtracted_within_the_bound_of_the_polygon) {
  // A 200 m parcel with a pond in it, and a multipolygon of it and a second parcel.
  Ring outer = parcel(117.3, 31.31, 12, 110, 3);
  Ring hole = parcel(117.3, 31.31, 7, 40, 5);
  std::reverse(hole.begin(), hole.end());  // either orientation must do
  Ring other = parcel(117.31, 31.31, 6, 50, 9);
  double expected_polygon = densified_area(outer) - densified_area(hole);
  double polygon_area_expected = polygon_area(outer) - polygon_area(hole);
  Geometry with_hole = Geometry::polygon({outer, hole});
  EXPECT_NEAR(ellipsoidal_area_m2(with_hole), expected_polygon,
              expected_polygon * kFastAreaTolerance + 4e-5 * 19);
  EXPECT_NEAR(ellipsoidal_area_m2(with_hole), polygon_area_expected,
              expected_polygon * kFastAreaTolerance + 4e-5 * 19);
  // PolygonArea adds its S12 terms exactly (Accumulator); ours adds them in double: 1e-11.
  EXPECT_NEAR(geodesic_area_m2(with_hole), polygon_area_expected, polygon_area_expected * 1e-11);
  std::vector<Geometry> parts;
  parts.push_back(with_hole.clone());
  parts.push_back(Geometry::polygon({other}));
  Geometry multi = Geometry::multi(std::move(parts));
  double expected_multi = expected_polygon + densified_area(other);
  EXPECT_NEAR(ellipsoidal_area_m2(multi), expected_multi, expected_multi * kFastAreaTolerance + 4e-5 * 25);
}

TEST(FastEllipsoidalArea, far_north_and_antimeridian_polygons_are_all_geodesic) {
  Ring north = parcel(100.0, 75.0, 6, 50, 1);
  Ring dateline{{179.9999, 10.0}, {-179.9999, 10.0}, {-179.9999, 10.0002}, {179.9999, 10.0002},
                {179.9999, 10.0}};
  for (const Ring& ring : {north, dateline}) {
    area_edge_counts() = {};
    Geometry g = Geometry::polygon({ring});
    EXPECT_EQ(std::bit_cast<std::uint64_t>(ellipsoidal_area_m2(g)),
              std::bit_cast<std::uint64_t>(geodesic_area_m2(g)));
    EXPECT_EQ(area_edge_counts().geodesic_polygons, 1u);
    EXPECT_EQ(area_edge_counts().equal_area_edges, 0u);
  }
}

TEST(FastEllipsoidalArea, lens_formula_behind_the_bound_matches_geographiclib) {
  // ellipsoid.cpp estimates the area between an edge's geodesic and its equal-area line as
  // e·(e² + 3n²)·tan φ/(12·N) (e, n its east and north extent in metres) and allows kMargin =
  // 0.5 % for what that leaves out. Here against S12 − T from GeographicLib on CGCS2000.
  constexpr double a = 6378137.0, f = 1.0 / 298.257222101, e2 = f * (2 - f);
  double worst = 0;
  for (double lat : {4.0, 18.0, 31.3, 45.0, 53.5, 65.0})
    for (double len : {300.0, 1000.0})
      for (double az = 5; az < 360; az += 10) {
        if (std::fabs(GeographicLib::Math::sind(az)) < 0.2) continue;  // lens ≈ 0 north–south
        double lat2, lon2, s12, azi1, azi2, m12, M12, M21, S12;
        geod().Direct(lat, 117.2, az, len, lat2, lon2);
        geod().GenInverse(lat, 117.2, lat2, lon2,
                          GeographicLib::Geodesic::AREA | GeographicLib::Geodesic::LONG_UNROLL, s12, azi1,
                          azi2, m12, M12, M21, S12);
        double dlon = (lon2 - 117.2) * std::numbers::pi / 180;
        double t = rq2() * dlon * (sin_beta(lat) + sin_beta(lat2)) / 2;
        double phi = lat * std::numbers::pi / 180, sp = std::sin(phi), w2 = 1 - e2 * sp * sp;
        double nr = a / std::sqrt(w2), mr = a * (1 - e2) / (w2 * std::sqrt(w2));
        double east = nr * std::cos(phi) * dlon, north = mr * (lat2 - lat) * std::numbers::pi / 180;
        double lens = east * (east * east + 3 * north * north) * std::tan(phi) / (12 * nr);
        worst = std::max(worst, std::fabs((S12 - t) / lens - 1));
      }
  EXPECT_LT(worst, 0.0025);  // half the margin the bound allows
  std::printf("lens formula: largest relative deviation %.3g\n", worst);
}

}  // namespace
}  // namespace gz::geo
