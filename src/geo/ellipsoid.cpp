#include "geo/ellipsoid.h"

#include <GeographicLib/Geodesic.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <memory>

namespace gz::geo {

namespace {
// CGCS2000: a = 6378137 m, f = 1/298.257222101 (as GRS 80).
const GeographicLib::Geodesic& cgcs2000() {
  static const GeographicLib::Geodesic g(6378137.0, 1.0 / 298.257222101);
  return g;
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

// The area of a ring is the sum of the areas S12 between each geodesic edge and the equator
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
