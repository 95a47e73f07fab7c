#include "geo/ellipsoid.h"

#include <GeographicLib/Geodesic.hpp>

#include <cmath>

namespace gz::geo {

namespace {
// CGCS2000: a = 6378137 m, f = 1/298.257222101 (as GRS 80).
const GeographicLib::Geodesic& cgcs2000() {
  static const GeographicLib::Geodesic g(6378137.0, 1.0 / 298.257222101);
  return g;
}

// The area of a ring is the sum of the areas S12 between each geodesic edge and the equator
// (GeographicLib's PolygonArea does the same, and also sums the perimeter, which we skip). Valid
// for rings that neither encircle a pole nor cross the antimeridian: all of China.
double ring_area(const Ring& ring) {
  std::size_t n = ring.size();
  if (n > 1 && ring.front() == ring.back()) --n;
  if (n < 3) return 0.0;
  const auto& g = cgcs2000();
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& a = ring[i];
    const auto& b = ring[(i + 1) % n];
    double s12, azi1, azi2, m12, M12, M21, S12;
    g.GenInverse(a.second, a.first, b.second, b.first,
                 GeographicLib::Geodesic::AREA | GeographicLib::Geodesic::LONG_UNROLL, s12, azi1,
                 azi2, m12, M12, M21, S12);
    sum += S12;
  }
  return std::fabs(sum);
}
}  // namespace

double ellipsoidal_area_m2(const Geometry& lonlat) {
  double total = 0;
  lonlat.for_each_polygon([&](const std::vector<Ring>& rings) {
    total += ring_area(rings[0]);
    for (std::size_t i = 1; i < rings.size(); ++i) total -= ring_area(rings[i]);
  });
  return total;
}

}  // namespace gz::geo
