#include "geo/ellipsoid.h"

#include <GeographicLib/Ellipsoid.hpp>
#include <GeographicLib/Geodesic.hpp>
#include <GeographicLib/Math.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <numbers>
#include <vector>

namespace gz::geo {

namespace {
// CGCS2000: a = 6378137 m, f = 1/298.257222101 (as GRS 80).
constexpr double kA = 6378137.0;
constexpr double kF = 1.0 / 298.257222101;

const GeographicLib::Geodesic& cgcs2000() {
  static const GeographicLib::Geodesic g(kA, kF);
  return g;
}

// The ellipsoid's authalic latitude β and radius R_q: (x, y) = (R_q·λ, R_q·sin β) maps it onto a
// plane keeping every area (Lambert's cylindrical equal-area mapping of the authalic sphere), and
// the strip between the equator and latitude φ, from λ1 to λ2, has area R_q²·(λ2 − λ1)·sin β.
struct Authalic {
  GeographicLib::Ellipsoid ellipsoid{kA, kF};
  double rq2 = ellipsoid.Area() / (4 * std::numbers::pi);  // R_q²
};
const Authalic& authalic() {
  static const Authalic a;
  return a;
}

double edge_area(const std::pair<double, double>& a, const std::pair<double, double>& b) {
  double s12, azi1, azi2, m12, M12, M21, S12;
  cgcs2000().GenInverse(a.second, a.first, b.second, b.first,
                        GeographicLib::Geodesic::AREA | GeographicLib::Geodesic::LONG_UNROLL, s12,
                        azi1, azi2, m12, M12, M21, S12);
  return S12;
}

// Neighbouring parcels of a survey layer share their common edges, walked in opposite
// directions, so measuring a tiled layer solves every inverse problem twice. GeographicLib
// brings both directions of an edge to the same canonical problem and only flips the sign of the
// result, so S12(b→a) is exactly -S12(a→b): a small per-thread cache of recent edges halves that
// work and leaves every sum bit-for-bit as it was. Keys compare bit patterns, not values.
class EdgeAreaCache {
 public:
  double area(const std::pair<double, double>& a, const std::pair<double, double>& b) {
    Key ka{std::bit_cast<std::uint64_t>(a.first), std::bit_cast<std::uint64_t>(a.second)};
    Key kb{std::bit_cast<std::uint64_t>(b.first), std::bit_cast<std::uint64_t>(b.second)};
    bool reversed = kb < ka;
    const Key& lo = reversed ? kb : ka;
    const Key& hi = reversed ? ka : kb;
    Slot& s = slots_[slot_of(lo, hi)];
    if (!(s.used && s.lo == lo && s.hi == hi)) {
      s.s12 = reversed ? edge_area(b, a) : edge_area(a, b);  // S12 of lo→hi
      s.lo = lo;
      s.hi = hi;
      s.used = true;
    }
    // 0 - x rather than -x: GeographicLib returns +0, never -0.
    return reversed ? 0.0 - s.s12 : s.s12;
  }

 private:
  struct Key {
    std::uint64_t x, y;
    bool operator==(const Key&) const = default;
    bool operator<(const Key& o) const { return x != o.x ? x < o.x : y < o.y; }
  };
  struct Slot {
    Key lo{}, hi{};
    double s12 = 0;
    bool used = false;
  };
  static constexpr std::size_t kSlots = std::size_t{1} << 15;

  static std::size_t slot_of(const Key& lo, const Key& hi) {
    std::uint64_t h = lo.x * 0x9E3779B97F4A7C15ull;
    h ^= (lo.y + 0x632BE59BD9B4E019ull) * 0xC2B2AE3D27D4EB4Full;
    h ^= (hi.x + 0x94D049BB133111EBull) * 0xBF58476D1CE4E5B9ull;
    h ^= (hi.y + 0x2545F4914F6CDD1Dull) * 0x9E3779B97F4A7C15ull;
    return static_cast<std::size_t>(h ^ (h >> 29)) & (kSlots - 1);
  }

  std::unique_ptr<Slot[]> slots_ = std::make_unique<Slot[]>(kSlots);
};

EdgeAreaCache& edge_cache() {
  thread_local EdgeAreaCache cache;
  return cache;
}

// sin β per latitude, cached by the latitude's bit pattern: neighbouring parcels share their
// vertices, and β (GeographicLib's AuthalicLatitude) costs several transcendental functions.
class AuthalicCache {
 public:
  double sin_beta(double lat) {
    std::uint64_t key = std::bit_cast<std::uint64_t>(lat);
    std::size_t slot = static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> (64 - kBits));
    if (keys_[slot] != key) {
      keys_[slot] = key;
      values_[slot] = GeographicLib::Math::sind(authalic().ellipsoid.AuthalicLatitude(lat));
    }
    return values_[slot];
  }

 private:
  static constexpr int kBits = 13;
  // No latitude has this bit pattern (a NaN with a payload GeographicLib never makes), and a NaN
  // latitude would give a NaN area anyway.
  static constexpr std::uint64_t kNone = 0x7ff4'dead'beef'0001ull;
  std::unique_ptr<std::uint64_t[]> keys_ = [] {
    auto k = std::make_unique<std::uint64_t[]>(std::size_t{1} << kBits);
    std::fill_n(k.get(), std::size_t{1} << kBits, kNone);
    return k;
  }();
  std::unique_ptr<double[]> values_ = std::make_unique<double[]>(std::size_t{1} << kBits);
};

AuthalicCache& authalic_cache() {
  thread_local AuthalicCache cache;
  return cache;
}

thread_local AreaEdgeCounts counts;

// The fast method, per polygon (exterior ring and holes).
//
// An edge's contribution to a ring's area is the area between the edge and the equator, from
// the meridian of its start to that of its end. For a geodesic edge that is GeographicLib's S12.
// For the edge that is a straight line on the equal-area mapping above it is a trapezoid,
//   T = R_q²·Δλ·(sin β1 + sin β2)/2,
// exact on the ellipsoid because the mapping keeps areas. The two edges part by a thin lens whose
// area, to leading order in the edge length, is
//   S12 − T ≈ g·tan φ/(12·N),  g = e·(e² + 3n²),
// e = N·cos φ·Δλ and n = M·Δφ the edge's east and north extent in metres (N, M the radii of
// curvature in the prime vertical and the meridian): the geodesic bows poleward of the curve
// that maps to a straight line. (Derived on the sphere from the geodesic equation in the
// mapping's coordinates; against GeographicLib's S12 on CGCS2000 the formula holds to 0.11 %
// between 4° and 65° latitude for edges of 300 m to 1 km: see tests/geo/ellipsoid_test.cpp.)
// These lenses cancel between opposite edges of a parcel but not in general, so the polygon's
// total is bounded:
//   |Σ lens| ≤ |k0·Σ ±g| + (kMargin·|k0| + span·(sec²φmax/(12·N0) + 3·|k0|·tan φmax))·Σ|g|
// with k0 = tan φ0/(12·N0) at the first vertex, span the polygon's latitude range in radians
// (k and cos φ vary over it) and kMargin covering the formula's ellipsoidal and higher-order
// terms. While that bound exceeds both kFastAreaTolerance of the polygon's area and the rounding
// of one S12 (kS12RoundingM2), the edge with the largest |g| is measured as a geodesic instead
// (S12 from the edge cache), which removes its lens from both sides. The formula only estimates the lens to choose edges; every area summed
// comes from GeographicLib (S12 or β).
constexpr double kMargin = 0.005;         // 4.5 × the formula's largest measured deviation
// GeographicLib's S12 of a short edge is the difference of terms of the size of R²·angle and
// carries a rounding error of typically ~4e-6 m² (median; up to ~4e-5 m²) at any edge length,
// measured against densified edges (docs/areas.md). A polygon whose lens bound is below that
// typical rounding is left alone: a geodesic would bring in as much error as it removes.
constexpr double kS12RoundingM2 = 4e-6;
// And never more than 1e-4 m² in all, a hundredth of the 0.01 m² areas are reported to (large
// polygons: 1e-7 of 0.1 km² would be 0.01 m²).
constexpr double kMaxLensM2 = 1e-4;
constexpr double kMaxFastEdgeDeg = 0.01;  // ~1.1 km: longer edges are always geodesics
constexpr double kMaxFastLatDeg = 70.0;   // the lens formula's tan φ grows fast beyond

struct FastEdge {
  double g;       // e·(e² + 3n²), signed as the ring enters the polygon's area
  double term;    // the trapezoid as summed (relative to the ring's reference latitude)
  std::uint32_t ring, index;
};

struct FastScratch {
  std::vector<FastEdge> edges;
  std::vector<double> ring_sum;
  std::vector<double> ring_ref;  // R_q²·sin β of each ring's first vertex
};

FastScratch& fast_scratch() {
  thread_local FastScratch s;
  return s;
}

std::size_t ring_vertex_count(const Ring& ring) {
  std::size_t n = ring.size();
  if (n > 1 && ring.front() == ring.back()) --n;
  return n;
}

double geodesic_polygon_area(const std::vector<Ring>& rings);

double fast_polygon_area(const std::vector<Ring>& rings) {
  ++counts.polygons;
  const Ring& outer = rings[0];
  if (outer.empty()) return 0.0;
  // Eligibility: not near a pole, no edge crossing the antimeridian.
  double min_lat = outer[0].second, max_lat = outer[0].second;
  for (const Ring& ring : rings) {
    std::size_t n = ring_vertex_count(ring);
    for (std::size_t i = 0; i < n; ++i) {
      min_lat = std::min(min_lat, ring[i].second);
      max_lat = std::max(max_lat, ring[i].second);
      if (std::fabs(ring[(i + 1) % n].first - ring[i].first) > 180.0) {
        ++counts.geodesic_polygons;
        return geodesic_polygon_area(rings);
      }
    }
  }
  if (!(std::max(std::fabs(min_lat), std::fabs(max_lat)) <= kMaxFastLatDeg)) {
    ++counts.geodesic_polygons;
    return geodesic_polygon_area(rings);
  }

  const Authalic& au = authalic();
  AuthalicCache& beta = authalic_cache();
  EdgeAreaCache& geodesics = edge_cache();
  FastScratch& s = fast_scratch();
  s.edges.clear();
  s.ring_sum.assign(rings.size(), 0.0);
  s.ring_ref.assign(rings.size(), 0.0);

  constexpr double deg = std::numbers::pi / 180;
  constexpr double e2 = kF * (2 - kF);
  const double lat0 = outer[0].second * deg;
  const double sin0 = std::sin(lat0), cos0 = std::cos(lat0);
  const double w2 = 1 - e2 * sin0 * sin0;
  const double n0 = kA / std::sqrt(w2);            // prime vertical radius
  const double m0 = kA * (1 - e2) / (w2 * std::sqrt(w2));  // meridian radius
  const double k0 = sin0 / cos0 / (12 * n0);

  for (std::size_t r = 0; r < rings.size(); ++r) {
    const Ring& ring = rings[r];
    std::size_t n = ring_vertex_count(ring);
    if (n < 3) continue;
    const double ref = au.rq2 * beta.sin_beta(ring[0].second);
    s.ring_ref[r] = ref;
    const std::size_t first_edge = s.edges.size();
    double sum = 0;
    double sb_a = beta.sin_beta(ring[0].second);
    for (std::size_t i = 0; i < n; ++i) {
      const auto& a = ring[i];
      const auto& b = ring[(i + 1) % n];
      double dlon = b.first - a.first, dlat = b.second - a.second;
      double sb_b = beta.sin_beta(b.second);
      if (std::fabs(dlon) > kMaxFastEdgeDeg || std::fabs(dlat) > kMaxFastEdgeDeg) {
        sum += geodesics.area(a, b) - ref * (dlon * deg);
        ++counts.geodesic_edges;
      } else {
        // Both halves relative to the ring's first vertex: small numbers, no cancellation.
        double term = 0.5 * (dlon * deg) * ((au.rq2 * sb_a - ref) + (au.rq2 * sb_b - ref));
        sum += term;
        double east = n0 * cos0 * (dlon * deg), north = m0 * (dlat * deg);
        s.edges.push_back(FastEdge{east * (east * east + 3 * north * north), term,
                                   static_cast<std::uint32_t>(r), static_cast<std::uint32_t>(i)});
        ++counts.equal_area_edges;
      }
      sb_a = sb_b;
    }
    s.ring_sum[r] = sum;
    // The ring enters the polygon's area as +|sum| (exterior) or −|sum| (hole).
    double sign = (sum < 0 ? -1.0 : 1.0) * (r == 0 ? 1.0 : -1.0);
    for (std::size_t k = first_edge; k < s.edges.size(); ++k) s.edges[k].g *= sign;
  }

  auto total_area = [&] {
    double total = 0;
    for (std::size_t r = 0; r < rings.size(); ++r)
      total += (r == 0 ? 1.0 : -1.0) * std::fabs(s.ring_sum[r]);
    return total;
  };
  double signed_g = 0, abs_g = 0;
  for (const FastEdge& e : s.edges) {
    signed_g += e.g;
    abs_g += std::fabs(e.g);
  }
  const double span = (max_lat - min_lat) * deg;
  const double lat_max = std::max(std::fabs(min_lat), std::fabs(max_lat)) * deg;
  const double cos_max = std::cos(lat_max);
  const double spread = kMargin * std::fabs(k0) +
                        span * (1 / (cos_max * cos_max * 12 * n0) +
                                3 * std::fabs(k0) * std::tan(lat_max));
  auto within_bound = [&](double total) {
    double bound = std::fabs(k0 * signed_g) + spread * abs_g;
    double allowed = std::min(kFastAreaTolerance * std::fabs(total), kMaxLensM2);
    return bound <= allowed || bound <= kS12RoundingM2;
  };
  double total = total_area();
  if (within_bound(total)) return total;

  // Switch the edges with the largest lenses to geodesics until the bound holds.
  std::sort(s.edges.begin(), s.edges.end(),
            [](const FastEdge& x, const FastEdge& y) { return std::fabs(x.g) > std::fabs(y.g); });
  for (const FastEdge& e : s.edges) {
    const Ring& ring = rings[e.ring];
    std::size_t n = ring_vertex_count(ring);
    const auto& a = ring[e.index];
    const auto& b = ring[(e.index + 1) % n];
    double dlon = b.first - a.first;
    s.ring_sum[e.ring] += (geodesics.area(a, b) - s.ring_ref[e.ring] * (dlon * deg)) - e.term;
    signed_g -= e.g;
    abs_g -= std::fabs(e.g);
    ++counts.switched_edges;
    ++counts.geodesic_edges;
    --counts.equal_area_edges;
    total = total_area();
    if (within_bound(total)) break;
  }
  return total;
}

// The geodesic method. The area of a ring is the sum of the areas S12 between each geodesic edge and the equator
// (GeographicLib's PolygonArea does the same, and also sums the perimeter, which we skip). Valid
// for rings that neither encircle a pole nor cross the antimeridian: all of China.
double ring_area(const Ring& ring) {
  std::size_t n = ring.size();
  if (n > 1 && ring.front() == ring.back()) --n;
  if (n < 3) return 0.0;
  EdgeAreaCache& cache = edge_cache();
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += cache.area(ring[i], ring[(i + 1) % n]);
  return std::fabs(sum);
}

double geodesic_polygon_area(const std::vector<Ring>& rings) {
  double total = ring_area(rings[0]);
  for (std::size_t i = 1; i < rings.size(); ++i) total -= ring_area(rings[i]);
  return total;
}
}  // namespace

double ellipsoidal_area_m2(const Geometry& lonlat) {
  double total = 0;
  lonlat.for_each_polygon([&](const std::vector<Ring>& rings) { total += fast_polygon_area(rings); });
  return total;
}

double geodesic_area_m2(const Geometry& lonlat) {
  double total = 0;
  lonlat.for_each_polygon([&](const std::vector<Ring>& rings) { total += geodesic_polygon_area(rings); });
  return total;
}

AreaEdgeCounts& area_edge_counts() { return counts; }

}  // namespace gz::geo
