#include "geo/ellipsoid.h"

#include <GeographicLib/Geodesic.hpp>
#include <GeographicLib/PolygonArea.hpp>

#include <cmath>

namespace gz::geo {

namespace {
// CGCS2000: a = 6378137 m, f = 1/298.257222101 (as GRS 80).
const GeographicLib::Geodesic& cgcs2000() {
  static const GeographicLib::Geodesic g(6378137.0, 1.0 / 298.257222101);
  return g;
}

double ring_area(const Ring& ring) {
  GeographicLib::PolygonArea poly(cgcs2000());
  std::size_t n = ring.size();
  if (n > 1 && ring.front() == ring.back()) --n;  // GeographicLib closes rings itself
  if (n < 3) return 0.0;
  for (std::size_t i = 0; i < n; ++i) poly.AddPoint(ring[i].second, ring[i].first);
  double perimeter = 0, area = 0;
  poly.Compute(false, true, perimeter, area);
  return std::fabs(area);
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
