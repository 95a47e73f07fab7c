// The demo county generator. Everything is laid out in the local metres of a 40 × 40 km square in
// the CGCS2000 3° Gauss–Krüger zone with central meridian 117°E (EPSG:4548) and transformed once
// to CGCS2000 lon/lat.
//
// Two kinds of features:
//  - "world" features that do not depend on the number of polygons: terrain, river, county town,
//    hamlets, control lines (red line, permanent basic farmland, urban development boundary);
//  - "grid" features that follow a jittered grid of map spots: land use, regions, units and
//    project areas. Their borders run along cell edges, so every map spot lies in exactly one
//    village, one unit and at most one project, and the regions are unions of map spots with
//    exactly the same vertices (areas add up).
#include "services/demo_county.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <future>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <unordered_map>

#include "common/error.h"
#include "domain/land_use_classes.h"
#include "domain/planning_classes.h"
#include "geo/crs.h"
#include "geo/ellipsoid.h"
#include "geo/geometry.h"

namespace gz::services {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kSide = 40000.0;  // county extent in metres (fixed for every --polygons)
constexpr double kCentreLon = 117.225, kCentreLat = 31.48;
constexpr const char* kLonLatCrs = "EPSG:4490";
// CGCS2000 / 3-degree Gauss-Kruger CM 117E (EPSG:4548), the zone of the county's centre.
std::string gk_crs() { return "EPSG:" + std::to_string(geo::gauss_kruger_3deg_epsg(kCentreLon)); }
constexpr const char* kCountyCode = "340123";
constexpr const char* kCountyName = "青岚县";
constexpr const char* kCityCode = "340100";
constexpr const char* kRiverName = "青岚河";

// ---------------------------------------------------------------------------------------------
// Randomness: std::mt19937_64 for sequential draws, a splitmix hash for values that must be
// looked up by position (noise lattices, per-cell draws). Uniforms come from the top 53 bits so
// the result is the same with every standard library.

std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

double unit_from_bits(std::uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }

double hash_unit(std::uint64_t seed, std::int64_t a, std::int64_t b, std::uint64_t salt = 0) {
  std::uint64_t h = mix64(seed ^ mix64(static_cast<std::uint64_t>(a) * 0x9E3779B97F4A7C15ULL ^
                                       mix64(static_cast<std::uint64_t>(b) ^ (salt << 40))));
  return unit_from_bits(h);
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t bits() { return engine_(); }
  double unit() { return unit_from_bits(engine_()); }
  double uniform(double lo, double hi) { return lo + (hi - lo) * unit(); }
  int below(int n) {
    return static_cast<int>(
        (static_cast<unsigned __int128>(engine_()) * static_cast<unsigned>(n)) >> 64);
  }
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(static_cast<int>(i))]);
  }

 private:
  std::mt19937_64 engine_;
};

// Smooth value noise (fractal sum of octaves), roughly in [-1, 1].
class Noise {
 public:
  Noise() = default;
  Noise(std::uint64_t seed, double wavelength, int octaves, double gain = 0.5)
      : seed_(seed), freq_(1.0 / wavelength), octaves_(octaves), gain_(gain) {}

  double at(double u, double v) const {
    double sum = 0, amp = 1, norm = 0, f = freq_;
    for (int o = 0; o < octaves_; ++o) {
      // Rotate every octave a little so lattice axes do not line up.
      double c = kRot[o % 4][0], s = kRot[o % 4][1];
      double x = (u * c - v * s) * f + 17.31 * o, y = (u * s + v * c) * f - 9.77 * o;
      sum += amp * octave(x, y, seed_ + static_cast<std::uint64_t>(o) * 7919);
      norm += amp;
      amp *= gain_;
      f *= 2.0;
    }
    return sum / norm;
  }

 private:
  static constexpr double kRot[4][2] = {{0.9393727128, 0.3428978075},
                                        {0.6599831459, 0.7512804051},
                                        {0.2190067459, 0.9757233578},
                                        {-0.2755902234, 0.9612744224}};
  static double fade(double t) { return t * t * t * (t * (t * 6 - 15) + 10); }
  static double octave(double x, double y, std::uint64_t s) {
    double fx = std::floor(x), fy = std::floor(y);
    auto ix = static_cast<std::int64_t>(fx), iy = static_cast<std::int64_t>(fy);
    double tx = fade(x - fx), ty = fade(y - fy);
    double a = 2 * hash_unit(s, ix, iy) - 1, b = 2 * hash_unit(s, ix + 1, iy) - 1;
    double c = 2 * hash_unit(s, ix, iy + 1) - 1, d = 2 * hash_unit(s, ix + 1, iy + 1) - 1;
    double lo = a + (b - a) * tx, hi = c + (d - c) * tx;
    return lo + (hi - lo) * ty;
  }
  std::uint64_t seed_ = 0;
  double freq_ = 1;
  int octaves_ = 1;
  double gain_ = 0.5;
};

// Maps a score to its rank in a calibration sample: class shares become fractions of area that
// do not depend on the seed, while the classes still come in smooth patches.
class Uniformizer {
 public:
  template <class Sample>
  static Uniformizer calibrate(int n, Sample sample) {
    Uniformizer u;
    u.sorted_.reserve(static_cast<std::size_t>(n));
    for (int k = 0; k < n; ++k) u.sorted_.push_back(sample(k));
    std::sort(u.sorted_.begin(), u.sorted_.end());
    return u;
  }
  double operator()(double x) const {
    auto it = std::lower_bound(sorted_.begin(), sorted_.end(), x);
    return (static_cast<double>(it - sorted_.begin()) + 0.5) /
           static_cast<double>(sorted_.size() + 1);
  }
  double quantile(double p) const {
    auto k =
        static_cast<std::size_t>(std::clamp(p, 0.0, 1.0) * static_cast<double>(sorted_.size() - 1));
    return sorted_[k];
  }

 private:
  std::vector<double> sorted_;
};

double smoothstep(double t) {
  t = std::clamp(t, 0.0, 1.0);
  return t * t * (3 - 2 * t);
}
double round2(double x) { return std::round(x * 100.0) / 100.0; }

// A smooth irregular closed shape: a circle whose radius varies with harmonics 2..6. Star-shaped
// around its centre, so its polygon is always simple.
struct Blob {
  double cx = 0, cy = 0, r = 0;
  std::array<double, 5> amp{}, phase{};

  static Blob make(Rng& rng, double cx, double cy, double r, double irregularity) {
    Blob b{cx, cy, r, {}, {}};
    double total = 0;
    for (int k = 0; k < 5; ++k) {
      b.amp[k] = rng.uniform(-1, 1) / (k + 2);
      b.phase[k] = rng.uniform(0, 2 * kPi);
      total += std::fabs(b.amp[k]);
    }
    double scale = irregularity * rng.uniform(0.7, 1.0) / std::max(total, 1e-9);
    for (auto& a : b.amp) a *= scale;
    return b;
  }
  double radius_at(double theta) const {
    double f = 1;
    for (int k = 0; k < 5; ++k) f += amp[k] * std::cos((k + 2) * theta + phase[k]);
    return r * f;
  }
  double max_radius() const {
    double s = 0;
    for (double a : amp) s += std::fabs(a);
    return r * (1 + s);
  }
  bool contains(double u, double v) const {
    double dx = u - cx, dy = v - cy, d2 = dx * dx + dy * dy, m = max_radius();
    if (d2 > m * m) return false;
    return std::sqrt(d2) < radius_at(std::atan2(dy, dx));
  }
  // Polygon in Gauss–Krüger metres (origin added), 64–200 vertices.
  geo::Geometry polygon(double x0, double y0) const {
    int n = std::clamp(static_cast<int>(2 * kPi * max_radius() / 110.0), 64, 200);
    geo::Ring ring;
    ring.reserve(static_cast<std::size_t>(n) + 1);
    for (int k = 0; k < n; ++k) {
      double t = 2 * kPi * k / n, rr = radius_at(t);
      ring.emplace_back(x0 + cx + rr * std::cos(t), y0 + cy + rr * std::sin(t));
    }
    ring.push_back(ring.front());
    return geo::Geometry::polygon({ring});
  }
};

geo::Geometry rectangle(double minx, double miny, double maxx, double maxy) {
  return geo::Geometry::polygon(
      {{{minx, miny}, {maxx, miny}, {maxx, maxy}, {minx, maxy}, {minx, miny}}});
}

geo::Geometry point_buffer(double x, double y, double r) {
  char wkt[96];
  std::snprintf(wkt, sizeof wkt, "POINT (%.3f %.3f)", x, y);
  return geo::Geometry::from_wkt(wkt).buffer(r, 8);
}

// ---------------------------------------------------------------------------------------------
// Land-use classes used by the generator. Names come from the class table (data, not code).

enum Cls : std::uint8_t {
  c0101,
  c0102,
  c0103,
  c0201,
  c0202,
  c0301,
  c0305,
  c0307,
  c0404,
  c05H1,
  c0508,
  c0601,
  c0701,
  c0702,
  c08H1,
  c08H2,
  c0810,
  c1003,
  c1004,
  c1006,
  c1101,
  c1103,
  c1104,
  c1107,
  c1201,
  c1202,
  c1206,
  c1207,
  // 可调整地类 (K), A codes and 湿地 members, as a real 三调 layer has them.
  c0201K,
  c0301K,
  c0307K,
  c0402,
  c0602,
  c0810A,
  c09,
  c1104A,
  c1104K,
  c1106,
  c1107A,
  c1108,
  kClsCount
};
constexpr const char* kClsCode[kClsCount] = {
    "0101", "0102", "0103", "0201", "0202", "0301", "0305", "0307", "0404", "05H1",
    "0508", "0601", "0701", "0702", "08H1", "08H2", "0810", "1003", "1004", "1006",
    "1101", "1103", "1104", "1107", "1201", "1202", "1206", "1207", "0201K", "0301K",
    "0307K", "0402", "0602", "0810A", "09",   "1104A", "1104K", "1106",  "1107A", "1108"};

Cls base_class(Cls c) {
  switch (c) {
    case c0201K: return c0201;
    case c0301K: return c0301;
    case c0307K: return c0307;
    case c1104A:
    case c1104K: return c1104;
    case c1107A: return c1107;
    case c0810A: return c0810;
    default: return c;
  }
}

struct ClassInfo {
  std::string code, name;
  bool cultivated = false, construction = false, forest = false, water = false;
};

std::vector<ClassInfo> load_classes() {
  const auto& table = LandUseClassTable::standard();
  std::vector<ClassInfo> out;
  for (const char* code : kClsCode) {
    const LandUseClass* c = table.find(code);
    if (!c)
      throw Error(std::string("the land-use class table lacks code ") + code +
                  ", which the demo county uses (see data/land_use_classes.csv)");
    out.push_back({c->code, c->name_zh, table.is_cultivated(code), table.is_construction(code),
                   c->level1_code == "03", c->level1_code == "11"});
  }
  return out;
}

struct Band {
  Cls cls;
  double weight;
};
Cls pick(double x, std::initializer_list<Band> bands) {
  double total = 0;
  for (const auto& b : bands) total += b.weight;
  double acc = 0;
  for (const auto& b : bands) {
    acc += b.weight / total;
    if (x < acc) return b.cls;
  }
  return (bands.end() - 1)->cls;
}

// Urban-rural attribute of a construction spot (CZCSXM).
enum Czcs : std::uint8_t {
  kNoCzcs = 0, kCity = 1, kTown = 2, kVillage = 3, kCityIndustry = 4, kMining = 5, kSpecial = 6
};
constexpr const char* kCzcsCode[] = {"", "201", "202", "203", "201A", "204", "205"};

// ---------------------------------------------------------------------------------------------
// The world: everything that does not depend on the grid.

// A score for choosing among classes: smooth patches (base), field-sized detail that does not
// depend on the grid, and a little per-cell chance; calibrated so the result is uniform in [0, 1)
// and class shares follow the band weights whatever the seed and the cell size.
struct PatchField {
  Noise base, detail;
  double detail_weight = 0, cell_weight = 0;
  Uniformizer uniform;
  double raw(double u, double v, double r) const {
    return base.at(u, v) + detail_weight * detail.at(u, v) + cell_weight * (r - 0.5);
  }
  double operator()(double u, double v, double r) const { return uniform(raw(u, v, r)); }
};

struct Seed {
  double u = 0, v = 0;
  int parent = -1;  // township of a village
  std::string name;
};

struct Hamlet {
  double u = 0, v = 0, r = 0;
  bool seat = false;  // a township seat (集镇)
};

// Parallel lines (roads, ditches) of some world width, drawn along grid rows or columns.
struct LineFamily {
  double offset = 0, spacing = 1, width = 0;
  std::uint64_t salt = 0;
};

struct World {
  double x0 = 0, y0 = 0;  // Gauss–Krüger coordinates of local (0, 0)
  std::uint64_t cell_seed = 0;

  Noise elev_noise, roll_noise;
  PatchField hill_mix, plain_mix, crop_mix, pond_mix, built_mix;
  Noise warp_t1, warp_t2, warp_v1, warp_v2, warp_u1, warp_u2, hamlet_warp, town_warp;
  double trend_c = 1, trend_s = 0, q_hill = 0, e_lo = 0;

  double river_v0 = 0, ra1 = 0, rl1 = 1, rp1 = 0, ra2 = 0, rl2 = 1, rp2 = 0;
  Noise river_width;

  double town_u = 0, town_v = 0, town_r = 3500, park_u = 0, park_v = 0, park_r = 1500;
  Blob reservoir;
  std::vector<double> highway_rows, highway_cols;
  LineFamily road_rows, road_cols, ditch_rows, ditch_cols, street_rows, street_cols;

  std::vector<Seed> townships, villages, units;
  double unit_r = 9500;
  std::vector<Hamlet> hamlets;
  std::vector<std::vector<int>> hamlet_buckets;  // 1 km buckets, 40 × 40
  std::vector<Blob> redline_blobs;

  // Gauss–Krüger geometries of the control lines and planning zones.
  geo::Geometry county_gk, redline, udb, pbf, zones, eco_source;

  // ---- fields ----
  double elevation_score(double u, double v) const {
    double t = ((u - kSide / 2) * trend_c + (v - kSide / 2) * trend_s) / (kSide / 2);
    return 0.45 * t + elev_noise.at(u, v);
  }
  bool hill(double u, double v) const { return elevation_score(u, v) >= q_hill; }
  double elevation_m(double u, double v) const {
    double e = elevation_score(u, v);
    double h = smoothstep((e - q_hill + 0.03) / 0.5);
    return 20 + 15 * (e - e_lo) + 12 * roll_noise.at(u, v) + 900 * h * h;
  }
  double slope_deg(double u, double v) const {
    const double h = 30;
    double gx = (elevation_m(u + h, v) - elevation_m(u - h, v)) / (2 * h);
    double gy = (elevation_m(u, v + h) - elevation_m(u, v - h)) / (2 * h);
    return std::atan(std::hypot(gx, gy)) * 180 / kPi;
  }

  double river_centre(double u) const {
    return river_v0 + ra1 * std::sin(2 * kPi * u / rl1 + rp1) +
           ra2 * std::sin(2 * kPi * u / rl2 + rp2);
  }
  double river_distance(double u, double v) const {
    double d1 = ra1 * 2 * kPi / rl1 * std::cos(2 * kPi * u / rl1 + rp1) +
                ra2 * 2 * kPi / rl2 * std::cos(2 * kPi * u / rl2 + rp2);
    return std::fabs(v - river_centre(u)) / std::sqrt(1 + d1 * d1);
  }
  double river_half_width(double u) const { return 95 + 35 * river_width.at(u, 0); }
  bool river(double u, double v) const { return river_distance(u, v) < river_half_width(u); }

  bool in_town(double u, double v, double* rel = nullptr) const {
    double d = std::hypot(u - town_u, v - town_v) * (1 + 0.2 * town_warp.at(u, v));
    if (rel) *rel = d / town_r;
    return d < town_r;
  }
  bool in_park(double u, double v) const {
    return std::hypot(u - park_u, v - park_v) * (1 + 0.2 * town_warp.at(v, u)) < park_r;
  }
  // The hamlet a point belongs to, or -1. Hamlet outlines are warped circles.
  int hamlet_at(double u, double v) const {
    int bu = std::clamp(static_cast<int>(u / 1000), 0, 39),
        bv = std::clamp(static_cast<int>(v / 1000), 0, 39);
    const auto& bucket = hamlet_buckets[static_cast<std::size_t>(bv * 40 + bu)];
    if (bucket.empty()) return -1;
    double warp = 1 + 0.22 * hamlet_warp.at(u, v);
    int best = -1;
    double best_rel = 1;
    for (int h : bucket) {
      const Hamlet& hm = hamlets[static_cast<std::size_t>(h)];
      double rel = std::hypot(u - hm.u, v - hm.v) * warp / hm.r;
      if (rel < best_rel) {
        best_rel = rel;
        best = h;
      }
    }
    return best;
  }
  int township_at(double u, double v) const {
    double wu = u + 2000 * warp_t1.at(u, v), wv = v + 2000 * warp_t2.at(u, v);
    int best = 0;
    double bd = 1e300;
    for (std::size_t t = 0; t < townships.size(); ++t) {
      double d = std::hypot(wu - townships[t].u, wv - townships[t].v);
      if (d < bd) {
        bd = d;
        best = static_cast<int>(t);
      }
    }
    return best;
  }
  int village_at(double u, double v, int township) const {
    double wu = u + 900 * warp_v1.at(u, v), wv = v + 900 * warp_v2.at(u, v);
    int best = -1;
    double bd = 1e300;
    for (std::size_t k = 0; k < villages.size(); ++k) {
      if (villages[k].parent != township) continue;
      double d = std::hypot(wu - villages[k].u, wv - villages[k].v);
      if (d < bd) {
        bd = d;
        best = static_cast<int>(k);
      }
    }
    return best;
  }
  int unit_at(double u, double v) const {
    double wu = u + 1500 * warp_u1.at(u, v), wv = v + 1500 * warp_u2.at(u, v);
    int best = -1;
    double bd = unit_r;
    for (std::size_t k = 0; k < units.size(); ++k) {
      double d = std::hypot(wu - units[k].u, wv - units[k].v);
      if (d < bd) {
        bd = d;
        best = static_cast<int>(k);
      }
    }
    return best;
  }
};

// Lattice points over the county (for calibration and candidate sites), row-major.
template <class Fn>
void for_lattice(double step, Fn fn) {
  for (double v = step / 2; v < kSide; v += step)
    for (double u = step / 2; u < kSide; u += step) fn(u, v);
}

const char* const kTownshipNames[] = {"青山镇", "桃溪镇", "双河镇", "白石镇", "长岭镇", "龙潭镇",
                                      "清水镇", "柏林镇", "丰乐镇", "金桥镇", "高店镇", "三岔镇"};
const char* const kVillagePrefix[] = {"青", "桃", "柳", "石", "龙", "凤", "双", "新", "白", "金",
                                      "马", "黄", "杨", "高", "大", "小", "东", "西", "南", "北",
                                      "安", "永", "长", "官", "塘", "桥", "岗", "湾", "柏", "枫"};
const char* const kVillageSuffix[] = {"山", "河", "塘", "岗", "冲", "湾", "桥", "庄",
                                      "店", "圩", "林", "岭", "湖", "集", "墩"};

World build_world(std::uint64_t seed, double x0, double y0) {
  World w;
  w.x0 = x0;
  w.y0 = y0;
  Rng master(seed);
  // A fixed number of draws from the master: every part gets its own stream, so no part's
  // shape depends on how many draws another part (or the grid) made.
  std::uint64_t s_fields = master.bits(), s_layout = master.bits(), s_regions = master.bits(),
                s_control = master.bits(), s_cells = master.bits();
  w.cell_seed = s_cells;

  Rng fr(s_fields);
  w.elev_noise = Noise(fr.bits(), 11000, 5);
  w.roll_noise = Noise(fr.bits(), 3000, 3);
  auto patch_field = [&](double wavelength, double detail_weight, double cell_weight) {
    PatchField f;
    f.base = Noise(fr.bits(), wavelength, 3);
    f.detail = Noise(fr.bits(), 240, 2);
    f.detail_weight = detail_weight;
    f.cell_weight = cell_weight;
    return f;
  };
  w.hill_mix = patch_field(1400, 0.35, 0.06);
  w.plain_mix = patch_field(1100, 0.35, 0.06);
  w.crop_mix = patch_field(2600, 0.2, 0.03);
  w.pond_mix = patch_field(900, 0.1, 0.5);  // ponds are small: mostly one spot each
  w.built_mix = patch_field(350, 0.4, 0.15);
  w.warp_t1 = Noise(fr.bits(), 7000, 3);
  w.warp_t2 = Noise(fr.bits(), 7000, 3);
  w.warp_v1 = Noise(fr.bits(), 3200, 3);
  w.warp_v2 = Noise(fr.bits(), 3200, 3);
  w.warp_u1 = Noise(fr.bits(), 6000, 3);
  w.warp_u2 = Noise(fr.bits(), 6000, 3);
  w.hamlet_warp = Noise(fr.bits(), 450, 2);
  w.town_warp = Noise(fr.bits(), 1800, 3);
  w.river_width = Noise(fr.bits(), 5000, 2);
  double angle = fr.uniform(0, 2 * kPi);
  w.trend_c = std::cos(angle);
  w.trend_s = std::sin(angle);

  // Calibrate on a fixed 128 × 128 lattice: hills are the top 35% of the elevation score.
  constexpr int kCal = 128;
  auto lattice_u = [](int k) { return (k % kCal + 0.5) * kSide / kCal; };
  auto lattice_v = [](int k) { return (k / kCal + 0.5) * kSide / kCal; };
  Uniformizer elev = Uniformizer::calibrate(
      kCal * kCal, [&](int k) { return w.elevation_score(lattice_u(k), lattice_v(k)); });
  w.q_hill = elev.quantile(0.65);
  w.e_lo = elev.quantile(0.0);
  std::uint64_t salt = 0;
  for (PatchField* f : {&w.hill_mix, &w.plain_mix, &w.crop_mix, &w.pond_mix, &w.built_mix}) {
    ++salt;
    f->uniform = Uniformizer::calibrate(kCal * kCal, [&](int k) {
      return f->raw(lattice_u(k), lattice_v(k), hash_unit(s_fields, k, 0, salt));
    });
  }

  Rng lr(s_layout);
  // River: the lowest west–east course among a few candidates.
  w.ra1 = lr.uniform(1500, 3000);
  w.rl1 = lr.uniform(18000, 30000);
  w.rp1 = lr.uniform(0, 2 * kPi);
  w.ra2 = lr.uniform(300, 700);
  w.rl2 = lr.uniform(4000, 7000);
  w.rp2 = lr.uniform(0, 2 * kPi);
  double best_mean = 1e300, best_v0 = kSide / 2;
  for (double v0 = 7000; v0 <= 33000; v0 += 2000) {
    w.river_v0 = v0;
    double sum = 0;
    int n = 0;
    for (double u = 0; u <= kSide; u += 400) {
      double v = w.river_centre(u);
      if (v < 1000 || v > kSide - 1000) sum += 1.0;  // keep the river inside the county
      sum += w.elevation_score(u, std::clamp(v, 0.0, kSide));
      ++n;
    }
    if (sum / n < best_mean) {
      best_mean = sum / n;
      best_v0 = v0;
    }
  }
  w.river_v0 = best_v0;

  // County town: on the plain, next to the river, away from the hills.
  double best_score = 1e300;
  for (double u = 12000; u <= 28000; u += 2000) {
    for (int side : {-1, 1}) {
      double tu = u, tv = w.river_centre(u) + side * 1300;
      if (tv < 8000 || tv > kSide - 8000) continue;
      double worst = w.elevation_score(tu, tv);
      for (int k = 0; k < 16; ++k) {
        double a = 2 * kPi * k / 16;
        worst =
            std::max(worst, w.elevation_score(tu + 4500 * std::cos(a), tv + 4500 * std::sin(a)));
      }
      double score = worst + 0.02 * std::fabs(u - kSide / 2) / 1000;
      if (score < best_score) {
        best_score = score;
        w.town_u = tu;
        w.town_v = tv;
      }
    }
  }
  w.town_r = 3700;
  w.park_r = 1500;
  {
    int side = w.town_v > w.river_centre(w.town_u) ? 1 : -1;
    double best = 1e300;
    for (int k = 0; k < 12; ++k) {
      double a = 2 * kPi * k / 12, pu = w.town_u + 3700 * std::cos(a),
             pv = w.town_v + 3700 * std::sin(a);
      if (pu < 3000 || pu > kSide - 3000 || pv < 3000 || pv > kSide - 3000) continue;
      if ((pv > w.river_centre(pu) ? 1 : -1) != side) continue;
      if (w.river_distance(pu, pv) < w.park_r + 400) continue;
      double e = w.elevation_score(pu, pv);
      if (e < best) {
        best = e;
        w.park_u = pu;
        w.park_v = pv;
      }
    }
    if (best == 1e300) {
      w.park_u = w.town_u;
      w.park_v = w.town_v + side * 3700;
    }
  }

  // Highways through the town, one more across the county; rural roads, ditches and streets.
  w.highway_rows = {w.town_v + 250};
  w.highway_cols = {w.town_u - 300};
  {
    double v2 = w.town_v < kSide / 2 ? lr.uniform(w.town_v + 11000, kSide - 4000)
                                     : lr.uniform(4000, w.town_v - 11000);
    w.highway_rows.push_back(v2);
  }
  w.road_rows = {lr.uniform(0, 2600), 2600, 25, 11};
  w.road_cols = {lr.uniform(0, 2900), 2900, 25, 12};
  w.ditch_rows = {lr.uniform(0, 1800), 1800, 14, 13};
  w.ditch_cols = {lr.uniform(0, 2100), 2100, 14, 14};
  w.street_rows = {lr.uniform(0, 420), 420, 30, 15};
  w.street_cols = {lr.uniform(0, 450), 450, 30, 16};

  // Reservoir in a hill valley.
  {
    std::vector<std::pair<double, double>> sites;
    for_lattice(1000, [&](double u, double v) {
      double e = w.elevation_score(u, v);
      if (e > w.q_hill + 0.03 && e < w.q_hill + 0.15 && u > 3000 && u < kSide - 3000 && v > 3000 &&
          v < kSide - 3000 && std::hypot(u - w.town_u, v - w.town_v) > 9000 &&
          w.river_distance(u, v) > 2500)
        sites.emplace_back(u, v);
    });
    lr.shuffle(sites);
    auto [ru, rv] = sites.empty() ? std::pair{3000.0, 3000.0} : sites.front();
    w.reservoir = Blob::make(lr, ru, rv, lr.uniform(1000, 1400), 0.35);
  }

  // Townships: a jittered 3 × 2 layout; the one nearest the town becomes 城关镇.
  Rng rr(s_regions);
  {
    std::vector<const char*> names(std::begin(kTownshipNames), std::end(kTownshipNames));
    rr.shuffle(names);
    for (int r = 0; r < 2; ++r)
      for (int c = 0; c < 3; ++c)
        w.townships.push_back({(c + 0.5) * kSide / 3 + rr.uniform(-2500, 2500),
                               (r + 0.5) * kSide / 2 + rr.uniform(-3500, 3500), -1, ""});
    std::size_t nearest = 0;
    for (std::size_t t = 1; t < w.townships.size(); ++t)
      if (std::hypot(w.townships[t].u - w.town_u, w.townships[t].v - w.town_v) <
          std::hypot(w.townships[nearest].u - w.town_u, w.townships[nearest].v - w.town_v))
        nearest = t;
    std::swap(w.townships[0], w.townships[nearest]);
    w.townships[0].u = w.town_u;
    w.townships[0].v = w.town_v;
    w.townships[0].name = "城关镇";
    // Codes follow position (north to south, west to east) after the town's township.
    std::sort(w.townships.begin() + 1, w.townships.end(), [](const Seed& a, const Seed& b) {
      return std::make_pair(-std::round(a.v / 8000), a.u) <
             std::make_pair(-std::round(b.v / 8000), b.u);
    });
    for (std::size_t t = 1; t < w.townships.size(); ++t) w.townships[t].name = names[t - 1];
  }
  // Villages: 7–9 per township, spread out inside it.
  {
    std::vector<std::string> names;
    for (const char* p : kVillagePrefix)
      for (const char* s : kVillageSuffix) names.push_back(std::string(p) + s + "村");
    rr.shuffle(names);
    std::size_t next_name = 0;
    for (std::size_t t = 0; t < w.townships.size(); ++t) {
      int want = 7 + rr.below(3);
      int got = 0;
      double separation = 2600;
      for (int attempt = 0; got < want && attempt < 6000; ++attempt) {
        if (attempt % 1500 == 1499) separation *= 0.75;
        double u = rr.uniform(600, kSide - 600), v = rr.uniform(600, kSide - 600);
        if (w.township_at(u, v) != static_cast<int>(t)) continue;
        bool ok = true;
        for (const auto& s : w.villages)
          if (std::hypot(s.u - u, s.v - v) < separation) ok = false;
        if (t == 0 && std::hypot(u - w.town_u, v - w.town_v) < 1500) ok = false;
        if (!ok) continue;
        w.villages.push_back({u, v, static_cast<int>(t), names[next_name++]});
        ++got;
      }
    }
  }
  // Hamlets: a main hamlet near each village seed, 4–6 satellites, and the township seats.
  {
    auto clear_of = [&](double u, double v, double r) {
      for (const auto& h : w.hamlets)
        if (std::hypot(h.u - u, h.v - v) < (h.r + r) * 1.4 + 150) return false;
      return true;
    };
    auto urban = [&](double u, double v, double margin) {
      return std::hypot(u - w.town_u, v - w.town_v) < w.town_r + margin ||
             std::hypot(u - w.park_u, v - w.park_v) < w.park_r + margin;
    };
    for (std::size_t t = 1; t < w.townships.size(); ++t)
      w.hamlets.push_back({w.townships[t].u, w.townships[t].v, rr.uniform(700, 900), true});
    for (const auto& vs : w.villages) {
      double hu = vs.u, hv = vs.v;
      if (w.hill(hu, hv)) {
        double best = w.elevation_score(hu, hv);
        for (int k = 0; k < 12; ++k) {
          double a = rr.uniform(0, 2 * kPi), d = rr.uniform(200, 1500);
          double cu = std::clamp(vs.u + d * std::cos(a), 500.0, kSide - 500),
                 cv = std::clamp(vs.v + d * std::sin(a), 500.0, kSide - 500);
          double e = w.elevation_score(cu, cv);
          if (e < best) {
            best = e;
            hu = cu;
            hv = cv;
          }
        }
      }
      double r = rr.uniform(500, 700);
      if (!urban(hu, hv, 800) && w.river_distance(hu, hv) > r * 1.5 + 200 && clear_of(hu, hv, r))
        w.hamlets.push_back({hu, hv, r, false});
      int satellites = 4 + rr.below(3);
      for (int k = 0, placed = 0; k < 40 && placed < satellites; ++k) {
        double a = rr.uniform(0, 2 * kPi), d = rr.uniform(900, 2200), sr = rr.uniform(230, 380);
        double su = vs.u + d * std::cos(a), sv = vs.v + d * std::sin(a);
        if (su < 400 || su > kSide - 400 || sv < 400 || sv > kSide - 400) continue;
        if (w.hill(su, sv) && rr.unit() > 0.3) continue;
        if (urban(su, sv, 600) || w.river_distance(su, sv) < sr * 1.5 + 200) continue;
        if (w.reservoir.contains(su, sv) || !clear_of(su, sv, sr)) continue;
        w.hamlets.push_back({su, sv, sr, false});
        ++placed;
      }
    }
    w.hamlet_buckets.assign(40 * 40, {});
    for (std::size_t h = 0; h < w.hamlets.size(); ++h) {
      const Hamlet& hm = w.hamlets[h];
      double reach = hm.r / (1 - 0.22) + 1;
      int u0 = std::max(0, static_cast<int>((hm.u - reach) / 1000)),
          u1 = std::min(39, static_cast<int>((hm.u + reach) / 1000));
      int v0 = std::max(0, static_cast<int>((hm.v - reach) / 1000)),
          v1 = std::min(39, static_cast<int>((hm.v + reach) / 1000));
      for (int bv = v0; bv <= v1; ++bv)
        for (int bu = u0; bu <= u1; ++bu)
          w.hamlet_buckets[static_cast<std::size_t>(bv * 40 + bu)].push_back(static_cast<int>(h));
    }
  }
  // Consolidation units: four watershed-like areas that ignore village borders.
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 2; ++c)
      w.units.push_back({(c + 0.5) * kSide / 2 + rr.uniform(-3000, 3000),
                         (r + 0.5) * kSide / 2 + rr.uniform(-3000, 3000), -1, ""});
  w.unit_r = rr.uniform(8500, 10500);

  // ---- control lines (Gauss–Krüger geometries) ----
  Rng cr(s_control);
  const double county_area = kSide * kSide;
  w.county_gk = rectangle(x0, y0, x0 + kSide, y0 + kSide);
  std::vector<geo::Geometry> zone_parts;
  for (const auto& h : w.hamlets)
    zone_parts.push_back(Blob::make(cr, h.u, h.v, h.r * 1.4 + 60, 0.08).polygon(x0, y0));
  geo::Geometry zones_raw = geo::Geometry::union_all(std::move(zone_parts));

  // Ecological red line: blobs over the hill cores until ~12% of the county.
  {
    std::vector<std::pair<double, double>> sites;
    double core = elev.quantile(0.82);
    for_lattice(800, [&](double u, double v) {
      if (w.elevation_score(u, v) >= core) sites.emplace_back(u, v);
    });
    cr.shuffle(sites);
    geo::Geometry acc = geo::Geometry::empty_polygon();
    std::vector<std::pair<double, double>> chosen;
    for (double separation : {4200.0, 2500.0, 1200.0}) {
      for (auto [u, v] : sites) {
        if (acc.difference(zones_raw).planar_area() >= 0.12 * county_area) break;
        bool ok = true;
        for (auto [cu, cv] : chosen)
          if (std::hypot(cu - u, cv - v) < separation) ok = false;
        if (!ok) continue;
        chosen.emplace_back(u, v);
        Blob b = Blob::make(cr, u, v, cr.uniform(2000, 3300), 0.35);
        w.redline_blobs.push_back(b);
        acc = acc.unite(b.polygon(x0, y0).intersection(w.county_gk)).polygonal_part();
      }
    }
    w.redline = acc.difference(zones_raw).polygonal_part();
  }
  // Urban development boundary: around the town and its industrial park, ~4% of the county.
  {
    Blob town = Blob::make(cr, w.town_u, w.town_v, 4200, 0.18);
    Blob park = Blob::make(cr, w.park_u, w.park_v, w.park_r + 500, 0.15);
    auto build = [&](double scale) {
      Blob t = town, p = park;
      t.r *= scale;
      p.r *= scale;
      return t.polygon(x0, y0)
          .unite(p.polygon(x0, y0))
          .intersection(w.county_gk)
          .difference(w.redline)
          .polygonal_part();
    };
    geo::Geometry g = build(1.0);
    double scale = std::sqrt(0.04 * county_area / std::max(g.planar_area(), 1.0));
    w.udb = build(std::clamp(scale, 0.8, 1.25));
  }
  w.zones = zones_raw.difference(w.udb).polygonal_part();

  {
    std::string wkt = "LINESTRING (";
    char buf[64];
    for (double u = -200; u <= kSide + 200; u += 100) {
      std::snprintf(buf, sizeof buf, "%s%.2f %.2f", u > -200 ? ", " : "", x0 + u,
                    y0 + w.river_centre(u));
      wkt += buf;
    }
    wkt += ")";
    geo::Geometry corridor = geo::Geometry::from_wkt(wkt).buffer(170, 4).intersection(w.county_gk);
    std::vector<geo::Geometry> eco_parts;
    eco_parts.push_back(w.redline.clone());
    eco_parts.push_back(std::move(corridor));
    eco_parts.push_back(w.reservoir.polygon(x0, y0).intersection(w.county_gk));
    w.eco_source =
        geo::Geometry::union_all(std::move(eco_parts)).difference(w.zones).polygonal_part();
    // Permanent basic farmland: blobs over the cultivated plain until ~27% of the county, kept
    // off the red line, the development boundary, hamlets, the river and the reservoir.
    std::vector<geo::Geometry> excl_parts;
    excl_parts.push_back(w.redline.clone());
    excl_parts.push_back(w.udb.clone());
    excl_parts.push_back(zones_raw.buffer(20, 4));
    excl_parts.push_back(geo::Geometry::from_wkt(wkt).buffer(160, 4));
    excl_parts.push_back(w.reservoir.polygon(x0, y0).buffer(50, 4));
    geo::Geometry excl = geo::Geometry::union_all(std::move(excl_parts));
    std::vector<std::pair<double, double>> sites;
    for_lattice(700, [&](double u, double v) {
      if (w.elevation_score(u, v) < w.q_hill - 0.04 &&
          std::hypot(u - w.town_u, v - w.town_v) > w.town_r + 1500 && w.river_distance(u, v) > 400)
        sites.emplace_back(u, v);
    });
    cr.shuffle(sites);
    geo::Geometry acc = geo::Geometry::empty_polygon();
    std::vector<std::pair<double, double>> chosen;
    bool done = false;
    for (double separation : {1900.0, 1100.0, 600.0}) {
      for (auto [u, v] : sites) {
        if (acc.planar_area() >= 0.27 * county_area) {
          done = true;
          break;
        }
        bool ok = true;
        for (auto [cu, cv] : chosen)
          if (std::hypot(cu - u, cv - v) < separation) ok = false;
        if (!ok) continue;
        chosen.emplace_back(u, v);
        Blob b = Blob::make(cr, u, v, cr.uniform(900, 2100), 0.4);
        geo::Geometry piece = b.polygon(x0, y0).intersection(w.county_gk).difference(excl);
        acc = acc.unite(piece).polygonal_part();
      }
      if (done) break;
    }
    w.pbf = std::move(acc);
  }
  return w;
}

// ---------------------------------------------------------------------------------------------
// The grid of map spots. Vertices are shared: corners (jittered), plus one jittered midpoint per
// edge, so a cell has 8 vertices and its neighbours use exactly the same coordinates.

struct Grid {
  int nx = 0, ny = 0;
  double cw = 0, ch = 0;
  std::int64_t n_corner = 0, n_hmid = 0;
  std::vector<double> gk, ll;  // interleaved x, y per vertex

  int cell(int i, int j) const { return j * nx + i; }
  std::int64_t corner(int i, int j) const { return static_cast<std::int64_t>(j) * (nx + 1) + i; }
  // Midpoint of the edge from corner(i, j) to corner(i + 1, j).
  std::int64_t hmid(int i, int j) const { return n_corner + static_cast<std::int64_t>(j) * nx + i; }
  // Midpoint of the edge from corner(i, j) to corner(i, j + 1).
  std::int64_t vmid(int i, int j) const {
    return n_corner + n_hmid + static_cast<std::int64_t>(j) * (nx + 1) + i;
  }
  double cu(int i) const { return (i + 0.5) * cw; }
  double cv(int j) const { return (j + 0.5) * ch; }
  // The cell's ring, counter-clockwise (8 vertex ids).
  std::array<std::int64_t, 8> ring(int i, int j) const {
    return {corner(i, j),         hmid(i, j),     corner(i + 1, j), vmid(i + 1, j),
            corner(i + 1, j + 1), hmid(i, j + 1), corner(i, j + 1), vmid(i, j)};
  }
  // A cell merged with its right neighbour: the shared edge disappears.
  std::array<std::int64_t, 12> merged_ring(int i, int j) const {
    return {corner(i, j),         hmid(i, j),     corner(i + 1, j),     hmid(i + 1, j),
            corner(i + 2, j),     vmid(i + 2, j), corner(i + 2, j + 1), hmid(i + 1, j + 1),
            corner(i + 1, j + 1), hmid(i, j + 1), corner(i, j + 1),     vmid(i, j)};
  }
};

Grid build_grid(std::int64_t polygons, const World& w, Rng& rng,
                const geo::CoordinateTransform& to_ll, const DemoProgress& progress) {
  Grid g;
  g.nx = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(polygons))));
  g.ny = static_cast<int>((polygons + g.nx - 1) / g.nx);
  g.cw = kSide / g.nx;
  g.ch = kSide / g.ny;
  g.n_corner = static_cast<std::int64_t>(g.nx + 1) * (g.ny + 1);
  g.n_hmid = static_cast<std::int64_t>(g.nx) * (g.ny + 1);
  std::int64_t n_vmid = static_cast<std::int64_t>(g.nx + 1) * g.ny;
  std::int64_t total = g.n_corner + g.n_hmid + n_vmid;
  g.gk.resize(static_cast<std::size_t>(total) * 2);
  // Jitter bounds keep every cell valid: corners move at most 0.15 of a cell per axis, so the
  // corner quadrilateral stays convex with angles above 40°; a midpoint moves at most 0.08 across
  // its edge, bending each edge by under 19°, so neighbouring edges never cross.
  const double m = std::min(g.cw, g.ch);
  auto put = [&](std::int64_t id, double u, double v) {
    g.gk[static_cast<std::size_t>(2 * id)] = w.x0 + u;
    g.gk[static_cast<std::size_t>(2 * id + 1)] = w.y0 + v;
  };
  for (int j = 0; j <= g.ny; ++j)
    for (int i = 0; i <= g.nx; ++i) {
      double ju = rng.uniform(-0.15, 0.15) * m, jv = rng.uniform(-0.15, 0.15) * m;
      if (i == 0 || i == g.nx) ju = 0;  // the county's border stays straight
      if (j == 0 || j == g.ny) jv = 0;
      put(g.corner(i, j), i * g.cw + ju, j * g.ch + jv);
    }
  auto mid = [&](std::int64_t a, std::int64_t b, std::int64_t id, bool border) {
    double ax = g.gk[2 * a], ay = g.gk[2 * a + 1], bx = g.gk[2 * b], by = g.gk[2 * b + 1];
    double dx = bx - ax, dy = by - ay, len = std::hypot(dx, dy);
    double across = rng.uniform(-0.08, 0.08) * m, along = rng.uniform(-0.03, 0.03) * len;
    if (border) across = 0;
    double ux = dx / len, uy = dy / len;
    g.gk[2 * id] = (ax + bx) / 2 + ux * along - uy * across;
    g.gk[2 * id + 1] = (ay + by) / 2 + uy * along + ux * across;
  };
  for (int j = 0; j <= g.ny; ++j)
    for (int i = 0; i < g.nx; ++i)
      mid(g.corner(i, j), g.corner(i + 1, j), g.hmid(i, j), j == 0 || j == g.ny);
  for (int j = 0; j < g.ny; ++j)
    for (int i = 0; i <= g.nx; ++i)
      mid(g.corner(i, j), g.corner(i, j + 1), g.vmid(i, j), i == 0 || i == g.nx);

  g.ll = g.gk;
  constexpr std::int64_t kBatch = 1 << 16;
  for (std::int64_t done = 0; done < total; done += kBatch) {
    std::int64_t n = std::min(kBatch, total - done);
    to_ll.transform_interleaved(g.ll.data() + 2 * done, static_cast<std::size_t>(n));
    if (progress) progress("coordinates", done + n, total);
  }
  return g;
}

// ---------------------------------------------------------------------------------------------
// Partitions of the grid (villages, units, project areas) and tracing their outlines.

// Makes every label's cells one 4-connected piece without "pinches" (two cells of a label that
// touch only at a corner), at the label level and at the level of `group` (label → group, e.g.
// village → township). Pinch-free connected cell sets have simple outlines, so their polygons are
// valid. Labels < 0 mean "none" and are left alone.
void clean_labels(std::vector<int>& lab, int nx, int ny, const std::vector<int>& group) {
  auto key_label = [](int l) { return l; };
  auto key_group = [&](int l) { return l < 0 ? -1 : group[static_cast<std::size_t>(l)]; };
  std::vector<int> comp(lab.size());
  std::vector<int> stack;

  auto fix_pinches = [&](auto key) {
    bool changed = false;
    for (int j = 0; j + 1 < ny; ++j)
      for (int i = 0; i + 1 < nx; ++i) {
        int& a = lab[static_cast<std::size_t>(j * nx + i)];
        int& b = lab[static_cast<std::size_t>(j * nx + i + 1)];
        int& c = lab[static_cast<std::size_t>((j + 1) * nx + i)];
        int& d = lab[static_cast<std::size_t>((j + 1) * nx + i + 1)];
        int ka = key(a), kb = key(b), kc = key(c), kd = key(d);
        if (ka >= 0 && ka == kd && kb != ka && kc != ka) {
          b = a;
          changed = true;
        } else if (kb >= 0 && kb == kc && ka != kb && kd != kb) {
          a = b;
          changed = true;
        }
      }
    return changed;
  };
  // Every piece but the largest of each key goes to the neighbouring label it touches most
  // (preferring one in the same group).
  auto dissolve = [&](auto key, bool same_group) {
    std::fill(comp.begin(), comp.end(), -1);
    std::vector<int> comp_key, comp_size;
    for (int c0 = 0; c0 < nx * ny; ++c0) {
      int k = key(lab[static_cast<std::size_t>(c0)]);
      if (k < 0 || comp[static_cast<std::size_t>(c0)] >= 0) continue;
      int id = static_cast<int>(comp_key.size());
      comp_key.push_back(k);
      comp_size.push_back(0);
      stack.assign(1, c0);
      comp[static_cast<std::size_t>(c0)] = id;
      while (!stack.empty()) {
        int c = stack.back();
        stack.pop_back();
        ++comp_size[static_cast<std::size_t>(id)];
        int i = c % nx, j = c / nx;
        int nb[4] = {i > 0 ? c - 1 : -1, i + 1 < nx ? c + 1 : -1, j > 0 ? c - nx : -1,
                     j + 1 < ny ? c + nx : -1};
        for (int n : nb)
          if (n >= 0 && comp[static_cast<std::size_t>(n)] < 0 &&
              key(lab[static_cast<std::size_t>(n)]) == k) {
            comp[static_cast<std::size_t>(n)] = id;
            stack.push_back(n);
          }
      }
    }
    std::unordered_map<int, int> largest;  // key → component
    for (std::size_t id = 0; id < comp_key.size(); ++id) {
      auto it = largest.find(comp_key[id]);
      if (it == largest.end() || comp_size[id] > comp_size[static_cast<std::size_t>(it->second)])
        largest[comp_key[id]] = static_cast<int>(id);
    }
    if (largest.size() == comp_key.size()) return false;
    std::vector<std::vector<int>> members(comp_key.size());
    for (int c = 0; c < nx * ny; ++c)
      if (comp[static_cast<std::size_t>(c)] >= 0 &&
          largest[comp_key[static_cast<std::size_t>(comp[static_cast<std::size_t>(c)])]] !=
              comp[static_cast<std::size_t>(c)])
        members[static_cast<std::size_t>(comp[static_cast<std::size_t>(c)])].push_back(c);
    for (std::size_t id = 0; id < members.size(); ++id) {
      if (members[id].empty()) continue;
      int own = lab[static_cast<std::size_t>(members[id][0])];
      std::map<int, int> touch;
      for (int c : members[id]) {
        int i = c % nx, j = c / nx;
        int nb[4] = {i > 0 ? c - 1 : -1, i + 1 < nx ? c + 1 : -1, j > 0 ? c - nx : -1,
                     j + 1 < ny ? c + nx : -1};
        for (int n : nb)
          if (n >= 0 && comp[static_cast<std::size_t>(n)] != static_cast<int>(id))
            ++touch[lab[static_cast<std::size_t>(n)]];
      }
      int best = own, best_score = -1;
      for (auto [l, count] : touch) {
        int score =
            count +
            ((same_group && l >= 0 && own >= 0 && key_group(l) == key_group(own)) ? 1 << 24 : 0);
        if (score > best_score) {
          best_score = score;
          best = l;
        }
      }
      for (int c : members[id]) lab[static_cast<std::size_t>(c)] = best;
    }
    return true;
  };

  for (int iter = 0; iter < 500; ++iter) {
    bool changed = false;
    if (!group.empty()) changed |= fix_pinches(key_group);
    changed |= fix_pinches(key_label);
    if (!group.empty()) changed |= dissolve(key_group, false);
    changed |= dissolve(key_label, !group.empty());
    if (!changed) return;
  }
  throw Error("demo county: the region partition did not settle (internal error)");
}

struct Side {
  std::int64_t from, mid, to;
};

// Outlines of the cells for which in(i, j) holds inside the window [i0, i1) × [j0, j1), as rings
// of vertex ids with the region on the left (outer rings counter-clockwise, holes clockwise).
template <class In>
std::vector<std::vector<std::int64_t>> trace_rings(const Grid& g, int i0, int j0, int i1, int j1,
                                                   In in) {
  std::vector<Side> sides;
  auto inside = [&](int i, int j) { return i >= i0 && i < i1 && j >= j0 && j < j1 && in(i, j); };
  for (int j = j0; j < j1; ++j)
    for (int i = i0; i < i1; ++i) {
      if (!in(i, j)) continue;
      if (!inside(i, j - 1)) sides.push_back({g.corner(i, j), g.hmid(i, j), g.corner(i + 1, j)});
      if (!inside(i + 1, j))
        sides.push_back({g.corner(i + 1, j), g.vmid(i + 1, j), g.corner(i + 1, j + 1)});
      if (!inside(i, j + 1))
        sides.push_back({g.corner(i + 1, j + 1), g.hmid(i, j + 1), g.corner(i, j + 1)});
      if (!inside(i - 1, j)) sides.push_back({g.corner(i, j + 1), g.vmid(i, j), g.corner(i, j)});
    }
  std::unordered_map<std::int64_t, std::size_t> by_from;
  by_from.reserve(sides.size() * 2);
  for (std::size_t k = 0; k < sides.size(); ++k)
    if (!by_from.emplace(sides[k].from, k).second)
      throw Error("demo county: a region outline touches itself (internal error)");
  std::vector<char> used(sides.size(), 0);
  std::vector<std::vector<std::int64_t>> rings;
  for (std::size_t s = 0; s < sides.size(); ++s) {
    if (used[s]) continue;
    std::vector<std::int64_t> ring;
    std::size_t cur = s;
    while (!used[cur]) {
      used[cur] = 1;
      ring.push_back(sides[cur].from);
      ring.push_back(sides[cur].mid);
      auto it = by_from.find(sides[cur].to);
      if (it == by_from.end()) throw Error("demo county: an open region outline (internal error)");
      cur = it->second;
    }
    rings.push_back(std::move(ring));
  }
  return rings;
}

double signed_area(const std::vector<std::int64_t>& ring, const std::vector<double>& xy) {
  double a = 0;
  for (std::size_t k = 0; k < ring.size(); ++k) {
    std::size_t n = (k + 1) % ring.size();
    a += xy[2 * ring[k]] * xy[2 * ring[n] + 1] - xy[2 * ring[n]] * xy[2 * ring[k] + 1];
  }
  return a / 2;
}

bool point_in_ring(double x, double y, const std::vector<std::int64_t>& ring,
                   const std::vector<double>& xy) {
  bool in = false;
  for (std::size_t k = 0, p = ring.size() - 1; k < ring.size(); p = k++) {
    double xi = xy[2 * ring[k]], yi = xy[2 * ring[k] + 1], xp = xy[2 * ring[p]],
           yp = xy[2 * ring[p] + 1];
    if (((yi > y) != (yp > y)) && (x < (xp - xi) * (y - yi) / (yp - yi) + xi)) in = !in;
  }
  return in;
}

// Polygons (shells with their holes) from traced rings, in the coordinates `xy`; orientation
// and containment are decided in Gauss–Krüger metres.
geo::Geometry rings_to_geometry(const std::vector<std::vector<std::int64_t>>& rings, const Grid& g,
                                const std::vector<double>& xy) {
  std::vector<std::size_t> shells, holes;
  for (std::size_t k = 0; k < rings.size(); ++k)
    (signed_area(rings[k], g.gk) > 0 ? shells : holes).push_back(k);
  std::vector<std::vector<std::size_t>> holes_of(shells.size());
  for (std::size_t h : holes) {
    const auto& ring = rings[h];
    double x = g.gk[2 * ring[1]], y = g.gk[2 * ring[1] + 1];  // a midpoint never touches a shell
    for (std::size_t s = 0; s < shells.size(); ++s)
      if (shells.size() == 1 || point_in_ring(x, y, rings[shells[s]], g.gk)) {
        holes_of[s].push_back(h);
        break;
      }
  }
  auto to_ring = [&](const std::vector<std::int64_t>& ids) {
    geo::Ring r;
    r.reserve(ids.size() + 1);
    for (auto id : ids) r.emplace_back(xy[2 * id], xy[2 * id + 1]);
    r.push_back(r.front());
    return r;
  };
  std::vector<geo::Geometry> polys;
  for (std::size_t s = 0; s < shells.size(); ++s) {
    std::vector<geo::Ring> rs{to_ring(rings[shells[s]])};
    for (std::size_t h : holes_of[s]) rs.push_back(to_ring(rings[h]));
    polys.push_back(geo::Geometry::polygon(rs));
  }
  if (polys.empty()) return geo::Geometry::empty_polygon();
  if (polys.size() == 1) return std::move(polys[0]);
  return geo::Geometry::multi(std::move(polys));
}

// ---------------------------------------------------------------------------------------------
// Per-cell facts.

enum Merge : std::uint8_t { kSingle = 0, kMergedRight = 1, kAbsorbed = 2 };

struct Cells {
  std::vector<std::uint8_t> cls, czcs, state, grade, kcxs, gdlx, merge;
  std::vector<int> village, unit;  // village index (into World::villages), unit index or -1
  std::vector<char> hill;
};

bool line_hit(const LineFamily& f, double lo, double hi, int along, double cell, std::uint64_t seed,
              int row, double width_factor = 1.0) {
  double first = std::ceil((lo - f.offset) / f.spacing),
         last = std::ceil((hi - f.offset) / f.spacing);
  double lines = last - first;
  if (lines <= 0) return false;
  double p = std::min(1.0, lines * f.width * width_factor / cell);
  if (p >= 1) return true;
  double phase = hash_unit(seed, row, 0, f.salt);
  double x = along * p + phase;
  return x - std::floor(x) < p;  // evenly spaced dashes: area share right at any cell size
}

Cells classify(const World& w, const Grid& g, const DemoProgress& progress) {
  Cells c;
  std::size_t n = static_cast<std::size_t>(g.nx) * g.ny;
  c.cls.resize(n);
  c.czcs.assign(n, kNoCzcs);
  c.state.assign(n, 0);
  c.grade.assign(n, 0);
  c.kcxs.assign(n, 0);
  c.gdlx.assign(n, 0);
  c.merge.assign(n, kSingle);
  c.hill.assign(n, 0);
  c.village.resize(n);
  c.unit.resize(n);
  const std::uint64_t s = w.cell_seed;
  for (int j = 0; j < g.ny; ++j) {
    double v = g.cv(j), vlo = j * g.ch, vhi = (j + 1) * g.ch;
    for (int i = 0; i < g.nx; ++i) {
      double u = g.cu(i), ulo = i * g.cw, uhi = (i + 1) * g.cw;
      std::size_t k = static_cast<std::size_t>(g.cell(i, j));
      double r = hash_unit(s, i, j, 1);
      int t = w.township_at(u, v);
      c.village[k] = w.village_at(u, v, t);
      c.unit[k] = w.unit_at(u, v);
      bool hill = w.hill(u, v);
      c.hill[k] = hill;
      auto row_or_col = [&](const LineFamily& rows, const LineFamily& cols, double factor) {
        return line_hit(rows, vlo, vhi, i, g.cw, s, j, factor) ||
               line_hit(cols, ulo, uhi, j, g.ch, s, i + 100000, factor);
      };
      bool highway = false;
      for (double hv : w.highway_rows)
        if (line_hit({hv, 1e9, 45, 21}, vlo, vhi, i, g.cw, s, j)) highway = true;
      for (double hu : w.highway_cols)
        if (line_hit({hu, 1e9, 45, 22}, ulo, uhi, j, g.ch, s, i)) highway = true;
      Cls cls;
      std::uint8_t czcs = kNoCzcs, state = 0;
      double rel = 0;
      int hamlet = -1;
      if (w.river(u, v)) {
        cls = c1101;
        state = 1;
      } else if (!hill && w.river_distance(u, v) < w.river_half_width(u) + 90) {
        // The river's banks: 内陆滩涂, here and there 沼泽草地 or 沼泽地 (湿地 00).
        double b = hash_unit(s, i, j, 6);
        cls = b < 0.8 ? c1106 : b < 0.9 ? c0402 : c1108;
        state = 1;
      } else if (w.reservoir.contains(u, v)) {
        cls = c1103;
        state = 1;
      } else if (highway) {
        cls = c1003;
        state = 1;
      } else if (w.in_town(u, v, &rel)) {
        state = 1;
        czcs = kCity;
        double x = w.built_mix(u, v, r);
        if (row_or_col(w.street_rows, w.street_cols, 1.0))
          cls = c1004;
        else if (rel < 0.45)
          cls = pick(
              x,
              {{c05H1, .34}, {c0701, .30}, {c08H1, .07}, {c08H2, .14}, {c0810, .06}, {c1004, .09}});
        else
          cls = pick(x, {{c0701, .52},
                         {c05H1, .10},
                         {c08H2, .10},
                         {c08H1, .03},
                         {c0810, .05},
                         {c0601, .07},
                         {c0508, .04},
                         {c1004, .05},
                         {c1201, .04}});
      } else if (w.in_park(u, v)) {
        state = 1;
        czcs = kCityIndustry;  // 城市独立工业用地: the industrial park outside the town
        double x = w.built_mix(u, v, r);
        cls = row_or_col(w.street_rows, w.street_cols, 1.0)
                  ? c1004
                  : pick(x, {{c0601, .82}, {c0508, .10}, {c1004, .04}, {c1201, .04}});
      } else if ((hamlet = w.hamlet_at(u, v)) >= 0) {
        double x = w.built_mix(u, v, r);
        if (w.hamlets[static_cast<std::size_t>(hamlet)].seat) {
          czcs = kTown;
          cls = pick(
              x,
              {{c0702, .58}, {c0701, .10}, {c05H1, .10}, {c08H2, .07}, {c1004, .09}, {c0601, .06}});
          state = cls != c0702;
        } else {
          czcs = kVillage;
          cls = pick(
              x,
              {{c0702, .87}, {c1201, .04}, {c1004, .04}, {c08H2, .02}, {c0601, .02}, {c1202, .01}});
        }
      } else if (hill) {
        if (row_or_col(w.road_rows, w.road_cols, 0.5)) {
          cls = c1006;
        } else {
          double x = w.hill_mix(u, v, r);
          cls = pick(x, {{c0301, .52},
                         {c0305, .12},
                         {c0307, .07},
                         {c0202, .06},
                         {c0201, .02},
                         {c0103, .05},
                         {c0404, .103},
                         {c0602, .004},
                         {c09, .003},
                         {c1206, .02},
                         {c1207, .01},
                         {c1104, .015}});
        }
      } else if (row_or_col(w.road_rows, w.road_cols, 1.0)) {
        cls = c1006;
      } else if (row_or_col(w.ditch_rows, w.ditch_cols, 1.0)) {
        cls = c1107;
      } else if (w.pond_mix(u, v, hash_unit(s, i, j, 2)) < 0.10) {
        cls = c1104;
      } else {
        double x = w.plain_mix(u, v, r);
        cls = pick(x, {{c0101, .74},
                       {c0201, .06},
                       {c0301, .065},
                       {c0307, .03},
                       {c0404, .045},
                       {c1202, .02},
                       {c1206, .006},
                       {c1201, .01},
                       {c0702, .026},
                       {c0601, .008}});
        if (cls == c0101) {
          double y = w.crop_mix(u, v, hash_unit(s, i, j, 3));
          cls = y < 0.66 ? c0101 : y < 0.78 ? c0102 : c0103;
        }
      }
      if ((cls == c0702 || cls == c0601 || cls == c1201) && czcs == kNoCzcs) czcs = kVillage;
      if (cls == c0602) czcs = kMining;
      if (cls == c09) czcs = kSpecial;
      // K codes where orchards and woods were planted on cultivated land in the plain (about a
      // third of them), aquaculture ponds (1104A) and adjustable ones (1104K), main canals among
      // the ditches, squares among the town's green spaces.
      double kr = hash_unit(s, i, j, 5);
      if (!hill && cls == c0201 && kr < 0.35) cls = c0201K;
      if (!hill && cls == c0301 && kr < 0.30) cls = c0301K;
      if (!hill && cls == c0307 && kr < 0.30) cls = c0307K;
      if (cls == c1104) cls = kr < 0.45 ? c1104A : kr < 0.55 ? c1104K : c1104;
      if (cls == c1107 && kr < 0.2) cls = c1107A;
      if (cls == c0810 && kr < 0.3) cls = c0810A;
      c.cls[k] = cls;
      c.czcs[k] = czcs;
      c.state[k] = state;
      if (cls == c0101 || cls == c0102 || cls == c0103) {
        double slope = w.slope_deg(u, v);
        int grade = slope <= 2 ? 1 : slope <= 6 ? 2 : slope <= 15 ? 3 : slope <= 25 ? 4 : 5;
        c.grade[k] = static_cast<std::uint8_t>(grade);
        double r2 = hash_unit(s, i, j, 4);
        // Ridge coefficient rises with slope grade: 0 on flat land, 0.05–0.20 on slopes.
        if (grade > 1)
          c.kcxs[k] = static_cast<std::uint8_t>(5 + (grade - 2) * 4 + static_cast<int>(r2 * 4));
        if (grade > 1) c.gdlx[k] = (cls == c0101 || r2 < 0.3) ? 1 : 2;  // TT terrace, PD slope
      }
    }
    if (progress && (j % 64 == 0 || j + 1 == g.ny)) progress("classify", j + 1, g.ny);
  }
  return c;
}

// Cells beyond the requested count are absorbed by their right neighbour (same village, unit
// and, when possible, class), spread evenly over the rows, so the layer has exactly N spots.
void merge_surplus(const Grid& g, Cells& c, std::int64_t polygons, std::uint64_t seed) {
  std::int64_t surplus = static_cast<std::int64_t>(g.nx) * g.ny - polygons;
  auto try_row = [&](int j, std::int64_t k, bool same_class) {
    int pairs = g.nx / 2;
    int start = static_cast<int>(hash_unit(seed, k, j, 9) * pairs);
    for (int step = 0; step < pairs; ++step) {
      int i = 2 * ((start + step) % pairs);
      if (i + 1 >= g.nx) continue;
      std::size_t a = static_cast<std::size_t>(g.cell(i, j)), b = a + 1;
      if (c.merge[a] != kSingle || c.merge[b] != kSingle) continue;
      if (c.village[a] != c.village[b] || c.unit[a] != c.unit[b]) continue;
      if (same_class && c.cls[a] != c.cls[b]) continue;
      c.merge[a] = kMergedRight;
      c.merge[b] = kAbsorbed;
      c.cls[b] = c.cls[a];
      c.czcs[b] = c.czcs[a];
      c.state[b] = c.state[a];
      c.grade[b] = c.grade[a];
      c.kcxs[b] = c.kcxs[a];
      c.gdlx[b] = c.gdlx[a];
      return true;
    }
    return false;
  };
  for (std::int64_t k = 0; k < surplus; ++k) {
    int j0 = static_cast<int>((k * g.ny) / std::max<std::int64_t>(surplus, 1));
    bool done = false;
    for (int pass = 0; pass < 2 && !done; ++pass)
      for (int dj = 0; dj < g.ny && !done; ++dj) done = try_row((j0 + dj) % g.ny, k, pass == 0);
    if (!done) throw Error("demo county: cannot merge surplus cells (internal error)");
  }
}

// ---------------------------------------------------------------------------------------------
// Writing helpers.

struct Feature {
  std::string source_id, wkb;
  Envelope bbox;
  Attributes attrs;
};

void put(Attributes& a, const char* name, AttributeValue v) { a.push_back({name, std::move(v)}); }

// The polygons of a (multi)polygon or collection, as separate geometries.
std::vector<geo::Geometry> polygons_of(const geo::Geometry& g) {
  std::vector<geo::Geometry> out;
  if (g.is_null() || g.is_empty()) return out;
  if (g.type_name() == "Polygon") {
    out.push_back(g.clone());
    return out;
  }
  for (int k = 0; k < g.num_parts(); ++k)
    for (auto& p : polygons_of(g.part(k))) out.push_back(std::move(p));
  return out;
}

// Transforms a Gauss–Krüger geometry to lon/lat and splits it into valid polygons (overlay
// results occasionally need repair once transformed). Slivers under 1 m² are dropped.
std::vector<geo::Geometry> lonlat_parts(const geo::Geometry& gk,
                                        const geo::CoordinateTransform& to_ll) {
  std::vector<geo::Geometry> out;
  for (auto& part : polygons_of(gk.polygonal_part())) {
    geo::Geometry ll = part.transformed(to_ll);
    std::vector<geo::Geometry> pieces;
    if (ll.validity().valid)
      pieces.push_back(std::move(ll));
    else
      pieces = polygons_of(ll.make_valid().polygonal_part());
    for (auto& p : pieces)
      if (geo::ellipsoidal_area_m2(p) >= 1.0) out.push_back(std::move(p));
  }
  return out;
}

struct VillageRecord {
  int seed_index = -1;  // into World::villages
  int township = -1;
  std::string code, name;
  int i0 = 0, j0 = 0, i1 = 0, j1 = 0;  // cell bbox
  geo::Geometry gk;                    // outline in Gauss–Krüger metres
};

struct TownshipRecord {
  std::string code, name;
  std::vector<int> villages;  // into the village records
};

}  // namespace

// ---------------------------------------------------------------------------------------------

namespace {

class Generator {
 public:
  Generator(storage::Store& store, const DemoCountyOptions& o, const DemoProgress& progress)
      : store_(store),
        opts_(o),
        progress_(progress),
        to_ll_(gk_crs(), kLonLatCrs),
        classes_(load_classes()) {}

  DemoCountySummary run() {
    // The county's south-west corner in the zone: centred on (117.225°E, 31.48°N).
    double x0, y0;
    {
      geo::CoordinateTransform to_gk(kLonLatCrs, gk_crs());
      double xy[2] = {kCentreLon, kCentreLat};
      to_gk.transform_interleaved(xy, 1);
      x0 = std::round((xy[0] - kSide / 2) / 100) * 100;
      y0 = std::round((xy[1] - kSide / 2) / 100) * 100;
    }
    world_ = build_world(opts_.seed, x0, y0);
    Rng grid_rng(mix64(opts_.seed ^ 0x6772696400000000ULL));
    grid_ = build_grid(opts_.polygons, world_, grid_rng, to_ll_, progress_);
    cells_ = classify(world_, grid_, progress_);
    settle_regions();
    merge_surplus(grid_, cells_, opts_.polygons, world_.cell_seed);

    summary_.county_code = kCountyCode;
    summary_.county_name = kCountyName;
    write_regions();
    write_land_use();
    write_control_line("redline", LayerKind::ecological_redline, world_.redline);
    write_control_line("pbf", LayerKind::permanent_basic_farmland, world_.pbf);
    write_control_line("udb", LayerKind::urban_development_boundary, world_.udb);
    write_village_plans();
    write_units();
    write_projects();
    return summary_;
  }

 private:
  std::string source() const {
    return "gongzhi demo --seed " + std::to_string(opts_.seed) + " --polygons " +
           std::to_string(opts_.polygons);
  }
  std::unique_ptr<storage::LayerWriter> begin(const std::string& layer, LayerKind kind) {
    return store_.begin_layer_version({layer, kind, source(), gk_crs()});
  }
  void commit(storage::LayerWriter& writer) { summary_.layers.push_back(writer.commit()); }
  void add(storage::LayerWriter& writer, Feature&& f) {
    writer.add(f.source_id, f.wkb, f.bbox, f.attrs);
  }
  void add(storage::LayerWriter& writer, const std::string& id, const geo::Geometry& ll,
           Attributes&& a) {
    writer.add(id, ll.wkb(), ll.envelope(), a);
  }

  // ---- regions ----
  void settle_regions() {
    // Village labels, cleaned so every village and township is one simple piece.
    std::vector<int> group(world_.villages.size());
    for (std::size_t k = 0; k < group.size(); ++k) group[k] = world_.villages[k].parent;
    for (auto& l : cells_.village)
      if (l < 0) throw Error("demo county: a township without villages (internal error)");
    clean_labels(cells_.village, grid_.nx, grid_.ny, group);
    clean_labels(cells_.unit, grid_.nx, grid_.ny, {});

    // Records for villages that kept cells; codes follow position within each township.
    std::vector<int> count(world_.villages.size(), 0);
    std::vector<std::array<int, 4>> box(world_.villages.size(), {grid_.nx, grid_.ny, -1, -1});
    for (int j = 0; j < grid_.ny; ++j)
      for (int i = 0; i < grid_.nx; ++i) {
        int v = cells_.village[static_cast<std::size_t>(grid_.cell(i, j))];
        ++count[static_cast<std::size_t>(v)];
        auto& b = box[static_cast<std::size_t>(v)];
        b = {std::min(b[0], i), std::min(b[1], j), std::max(b[2], i + 1), std::max(b[3], j + 1)};
      }
    village_of_seed_.assign(world_.villages.size(), -1);
    for (std::size_t t = 0; t < world_.townships.size(); ++t) {
      std::vector<int> seeds;
      for (std::size_t k = 0; k < world_.villages.size(); ++k)
        if (world_.villages[k].parent == static_cast<int>(t) && count[k] > 0)
          seeds.push_back(static_cast<int>(k));
      if (seeds.empty()) continue;  // a township squeezed out by its neighbours on a coarse grid
      char code[40];
      std::snprintf(code, sizeof code, "%s%03zu", kCountyCode, 100 + townships_.size());
      TownshipRecord tr;
      tr.code = code;
      tr.name = world_.townships[t].name;
      townships_.push_back(std::move(tr));
      std::size_t tt = townships_.size() - 1;
      std::sort(seeds.begin(), seeds.end(), [&](int a, int b) {
        const Seed &sa = world_.villages[static_cast<std::size_t>(a)],
                   &sb = world_.villages[static_cast<std::size_t>(b)];
        return std::make_pair(-std::round(sa.v / 3000), sa.u) <
               std::make_pair(-std::round(sb.v / 3000), sb.u);
      });
      for (std::size_t q = 0; q < seeds.size(); ++q) {
        VillageRecord r;
        r.seed_index = seeds[q];
        r.township = static_cast<int>(tt);
        std::snprintf(code, sizeof code, "%s%03zu", townships_[tt].code.c_str(), 201 + q);
        r.code = code;
        r.name = world_.villages[static_cast<std::size_t>(seeds[q])].name;
        const auto& b = box[static_cast<std::size_t>(seeds[q])];
        r.i0 = b[0];
        r.j0 = b[1];
        r.i1 = b[2];
        r.j1 = b[3];
        village_of_seed_[static_cast<std::size_t>(seeds[q])] = static_cast<int>(villages_.size());
        townships_[tt].villages.push_back(static_cast<int>(villages_.size()));
        villages_.push_back(std::move(r));
      }
    }
    // From here on cells hold village record indices.
    for (auto& l : cells_.village) l = village_of_seed_[static_cast<std::size_t>(l)];
    summary_.townships = static_cast<int>(townships_.size());
    summary_.villages = static_cast<int>(villages_.size());
  }

  void write_regions() {
    auto writer = begin("region", LayerKind::region);
    auto region = [&](const std::string& code, const std::string& name, const char* level,
                      const std::string& parent, const geo::Geometry& ll) {
      Attributes a;
      put(a, "XZQDM", code);
      put(a, "XZQMC", name);
      put(a, "level", std::string(level));
      put(a, "PARENT", parent);
      add(*writer, code, ll, std::move(a));
    };
    const Grid& g = grid_;
    auto all = trace_rings(g, 0, 0, g.nx, g.ny, [](int, int) { return true; });
    geo::Geometry county = rings_to_geometry(all, g, g.ll);
    summary_.county_area_m2 = geo::ellipsoidal_area_m2(county);
    region(kCountyCode, kCountyName, "county", kCityCode, county);
    for (std::size_t t = 0; t < townships_.size(); ++t) {
      const auto& tr = townships_[t];
      int i0 = g.nx, j0 = g.ny, i1 = 0, j1 = 0;
      for (int v : tr.villages) {
        const auto& vr = villages_[static_cast<std::size_t>(v)];
        i0 = std::min(i0, vr.i0);
        j0 = std::min(j0, vr.j0);
        i1 = std::max(i1, vr.i1);
        j1 = std::max(j1, vr.j1);
      }
      auto rings = trace_rings(g, i0, j0, i1, j1, [&](int i, int j) {
        return villages_[static_cast<std::size_t>(
                             cells_.village[static_cast<std::size_t>(g.cell(i, j))])]
                   .township == static_cast<int>(t);
      });
      region(tr.code, tr.name, "township", kCountyCode, rings_to_geometry(rings, g, g.ll));
    }
    for (std::size_t v = 0; v < villages_.size(); ++v) {
      auto& vr = villages_[v];
      auto rings = trace_rings(g, vr.i0, vr.j0, vr.i1, vr.j1, [&](int i, int j) {
        return cells_.village[static_cast<std::size_t>(g.cell(i, j))] == static_cast<int>(v);
      });
      vr.gk = rings_to_geometry(rings, g, g.gk);
      region(vr.code, vr.name, "village", townships_[static_cast<std::size_t>(vr.township)].code,
             rings_to_geometry(rings, g, g.ll));
    }
    commit(*writer);
  }

  // ---- land use ----
  // One block of rows turned into finished features (geometry, area, attributes); runs on a
  // worker thread while the previous block is written.
  struct LandUseBlock {
    std::vector<Feature> features;
    std::array<double, 5> area{};  // all, cultivated, forest, construction, water
  };
  LandUseBlock land_use_block(int j0, int j1, std::int64_t first_bsm) const {
    const Grid& g = grid_;
    LandUseBlock block;
    std::vector<Feature>& out = block.features;
    out.reserve(static_cast<std::size_t>(j1 - j0) * g.nx);
    std::int64_t bsm = first_bsm;
    geo::Ring ring;
    std::string county_state_code = std::string(kCountyCode) + "0000000000000";
    std::string county_state_name = std::string(kCountyName) + "国有土地";
    for (int j = j0; j < j1; ++j)
      for (int i = 0; i < g.nx; ++i) {
        std::size_t k = static_cast<std::size_t>(g.cell(i, j));
        if (cells_.merge[k] == kAbsorbed) continue;
        ring.clear();
        Envelope e{1e300, 1e300, -1e300, -1e300};
        auto push = [&](std::int64_t id) {
          double x = g.ll[2 * id], y = g.ll[2 * id + 1];
          ring.emplace_back(x, y);
          e.minx = std::min(e.minx, x);
          e.miny = std::min(e.miny, y);
          e.maxx = std::max(e.maxx, x);
          e.maxy = std::max(e.maxy, y);
        };
        if (cells_.merge[k] == kMergedRight)
          for (auto id : g.merged_ring(i, j)) push(id);
        else
          for (auto id : g.ring(i, j)) push(id);
        ring.push_back(ring.front());
        geo::Geometry poly = geo::Geometry::polygon({ring});
        double tbmj = round2(geo::ellipsoidal_area_m2(poly));
        const ClassInfo& ci = classes_[cells_.cls[k]];
        block.area[0] += tbmj;
        block.area[1] += ci.cultivated ? tbmj : 0;
        block.area[2] += ci.forest ? tbmj : 0;
        block.area[3] += ci.construction ? tbmj : 0;
        block.area[4] += ci.water ? tbmj : 0;
        const VillageRecord& vr = villages_[static_cast<std::size_t>(cells_.village[k])];
        double kcxs = cells_.kcxs[k] / 100.0;
        double kcmj = round2(tbmj * kcxs);
        Feature f;
        f.source_id = std::to_string(bsm);
        f.wkb = poly.wkb();
        f.bbox = e;
        Attributes& a = f.attrs;
        a.reserve(17);
        put(a, "BSM", bsm);
        put(a, "DLBM", ci.code);
        put(a, "DLMC", ci.name);
        bool state = cells_.state[k] != 0;
        put(a, "QSXZ", std::string(state ? "10" : "30"));
        put(a, "QSDWDM", state ? county_state_code : vr.code + "0000000");
        put(a, "QSDWMC", state ? county_state_name : vr.name);
        put(a, "ZLDWDM", vr.code + "0000000");
        put(a, "ZLDWMC", vr.name);
        put(a, "TBMJ", tbmj);
        put(a, "KCDLBM", std::string(kcxs > 0 ? "1203" : ""));
        put(a, "KCXS", kcxs);
        put(a, "KCMJ", kcmj);
        put(a, "TBDLMJ", round2(tbmj - kcmj));
        put(a, "GDLX", std::string(cells_.gdlx[k] == 1 ? "TT" : cells_.gdlx[k] == 2 ? "PD" : ""));
        put(a, "GDPDJB", cells_.grade[k] ? std::to_string(cells_.grade[k]) : std::string());
        put(a, "CZCSXM", std::string(kCzcsCode[cells_.czcs[k]]));
        out.push_back(std::move(f));
        ++bsm;
      }
    return block;
  }

  void write_land_use() {
    const Grid& g = grid_;
    // Spots per row block, to number BSM before the blocks are built in parallel.
    const int rows_per_block = std::max(1, 16384 / g.nx);
    std::vector<std::int64_t> first_bsm;
    std::int64_t bsm = 1;
    for (int j0 = 0; j0 < g.ny; j0 += rows_per_block) {
      first_bsm.push_back(bsm);
      for (int j = j0; j < std::min(g.ny, j0 + rows_per_block); ++j)
        for (int i = 0; i < g.nx; ++i)
          if (cells_.merge[static_cast<std::size_t>(g.cell(i, j))] != kAbsorbed) ++bsm;
    }
    std::int64_t total = bsm - 1;
    if (total != opts_.polygons)
      throw Error("demo county: wrong number of map spots (internal error)");

    auto writer = begin("land_use", LayerKind::land_use);
    std::array<double, 5> area{};
    std::int64_t written = 0;
    auto block = [this, rows_per_block, &first_bsm](std::size_t b) {
      int j0 = static_cast<int>(b) * rows_per_block;
      return land_use_block(j0, std::min(grid_.ny, j0 + rows_per_block), first_bsm[b]);
    };
    // Blocks are built on a worker thread while the previous block is written.
    std::future<LandUseBlock> next = std::async(std::launch::async, block, 0);
    for (std::size_t b = 0; b < first_bsm.size(); ++b) {
      LandUseBlock current = next.get();
      if (b + 1 < first_bsm.size()) next = std::async(std::launch::async, block, b + 1);
      for (std::size_t q = 0; q < area.size(); ++q) area[q] += current.area[q];
      for (auto& f : current.features) {
        add(*writer, std::move(f));
        ++written;
      }
      if (progress_) progress_("write land_use", written, total);
    }
    commit(*writer);
    summary_.shares = {area[1] / area[0], area[2] / area[0], area[3] / area[0], area[4] / area[0]};
  }

  // ---- control lines: cut into ~2 km tiles so no feature is huge ----
  void write_control_line(const std::string& layer, LayerKind kind, const geo::Geometry& gk) {
    auto writer = begin(layer, kind);
    geo::PreparedGeometry prepared(gk);
    const double tile = 2000;
    std::int64_t bsm = 1;
    Envelope env = gk.envelope();
    std::string name =
        std::string(kCountyName) + (kind == LayerKind::ecological_redline ? "生态保护红线"
                                    : kind == LayerKind::permanent_basic_farmland ? "永久基本农田"
                                                                                  : "城镇开发边界");
    const char* types[] = {"水源涵养", "水土保持", "生物多样性维护"};
    for (double ty = world_.y0; ty < world_.y0 + kSide - 1; ty += tile)
      for (double tx = world_.x0; tx < world_.x0 + kSide - 1; tx += tile) {
        if (tx > env.maxx || tx + tile < env.minx || ty > env.maxy || ty + tile < env.miny)
          continue;
        geo::Geometry rect = rectangle(tx, ty, tx + tile, ty + tile);
        if (!prepared.intersects(rect)) continue;
        for (auto& part : lonlat_parts(gk.intersection(rect), to_ll_)) {
          Attributes a;
          put(a, "BSM", bsm);
          put(a, "YSMC", name);
          put(a, "XZQDM", std::string(kCountyCode));
          if (kind == LayerKind::ecological_redline) {
            // Function type of the blob the piece lies in (nearest blob centre).
            auto [cx, cy] = part.transformed(to_gk()).centroid();
            std::size_t best = 0;
            double bd = 1e300;
            for (std::size_t k = 0; k < world_.redline_blobs.size(); ++k) {
              double d = std::hypot(world_.x0 + world_.redline_blobs[k].cx - cx,
                                    world_.y0 + world_.redline_blobs[k].cy - cy);
              if (d < bd) {
                bd = d;
                best = k;
              }
            }
            put(a, "HXLX", std::string(types[best % 3]));
          }
          if (kind == LayerKind::permanent_basic_farmland)
            put(a, "JBNTLX", std::string("永久基本农田"));
          add(*writer, layer + "-" + std::to_string(bsm), part, std::move(a));
          ++bsm;
        }
      }
    commit(*writer);
  }

  const geo::CoordinateTransform& to_gk() {
    if (!to_gk_) to_gk_ = std::make_unique<geo::CoordinateTransform>(kLonLatCrs, gk_crs());
    return *to_gk_;
  }

  // ---- village plans: construction zones around the hamlets, ecological zones over the red
  // line, river and reservoir, the rest agricultural; nothing inside the development boundary.
  void write_village_plans() {
    auto writer = begin("village_plan", LayerKind::village_plan);
    geo::PreparedGeometry udb(world_.udb), zones(world_.zones), eco(world_.eco_source);
    std::int64_t bsm = 1;
    for (const auto& vr : villages_) {
      geo::Geometry v =
          udb.intersects(vr.gk) ? vr.gk.difference(world_.udb).polygonal_part() : vr.gk.clone();
      if (v.is_empty()) continue;
      geo::Geometry c = zones.intersects(v) ? v.intersection(world_.zones).polygonal_part()
                                            : geo::Geometry::empty_polygon();
      geo::Geometry e = eco.intersects(v) ? v.intersection(world_.eco_source).polygonal_part()
                                          : geo::Geometry::empty_polygon();
      if (!c.is_empty() && !e.is_empty()) e = e.difference(c).polygonal_part();
      geo::Geometry ag = v.clone();
      if (!c.is_empty()) ag = ag.difference(c).polygonal_part();
      if (!e.is_empty()) ag = ag.difference(e).polygonal_part();
      struct Zone {
        const geo::Geometry* g;
        const char* use;
        const char* ydyt;
        const char* ghdlbm;  // the village plan in 用地用海 codes (CZGHTB)
      } zones_of_village[] = {{&c, "construction", "村庄建设用地", "0703"},
                              {&e, "ecological", "生态用地", "0301"},
                              {&ag, "agricultural", "农业用地", "0101"}};
      // The first village's plan comes as a real 村庄规划 database holds it: 用地用海 codes
      // (GHDLBM, GHDLMC, GHDLMJ), from which the checks take the zone use.
      bool planning_codes = &vr == &villages_.front();
      for (const auto& z : zones_of_village) {
        if (z.g->is_empty()) continue;
        for (auto& part : lonlat_parts(*z.g, to_ll_)) {
          Attributes a;
          put(a, "BSM", bsm);
          put(a, "XZQDM", vr.code);
          put(a, "XZQMC", vr.name);
          if (planning_codes) {
            put(a, "GHDLBM", std::string(z.ghdlbm));
            put(a, "GHDLMC", PlanningClassTable::standard().find(z.ghdlbm)->name_zh);
            put(a, "GHDLMJ", round2(geo::ellipsoidal_area_m2(part)));
          } else {
            put(a, "zone_use", std::string(z.use));
            put(a, "YDYT", std::string(z.ydyt));
          }
          put(a, "GHMC", vr.name + "村庄规划（2021—2035年）");
          add(*writer, "VP-" + std::to_string(bsm), part, std::move(a));
          ++bsm;
        }
      }
    }
    commit(*writer);
  }

  // ---- consolidation units ----
  void write_units() {
    const Grid& g = grid_;
    std::size_t n = world_.units.size();
    std::vector<std::array<double, 4>> stat(n, {0, 0, 0, 0});  // cells, town, hill, river
    std::vector<std::array<int, 4>> box(n, {g.nx, g.ny, -1, -1});
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) {
        std::size_t k = static_cast<std::size_t>(g.cell(i, j));
        int u = cells_.unit[k];
        if (u < 0) continue;
        auto& s = stat[static_cast<std::size_t>(u)];
        s[0] += 1;
        s[1] += cells_.czcs[k] == kCity || cells_.czcs[k] == kCityIndustry;
        s[2] += cells_.hill[k];
        s[3] += cells_.cls[k] == c1101 || base_class(static_cast<Cls>(cells_.cls[k])) == c1104;
        auto& b = box[static_cast<std::size_t>(u)];
        b = {std::min(b[0], i), std::min(b[1], j), std::max(b[2], i + 1), std::max(b[3], j + 1)};
      }
    // Names say what each unit is for: the town's fringe, the hills, the river basin, farmland.
    std::vector<std::string> name(n), type(n);
    std::vector<char> named(n, 0);
    const char* kinds[][2] = {{"城郊融合发展单元", "城郊融合"},
                              {"丘陵山区生态修复单元", "生态修复"},
                              {"流域综合整治单元", "流域综合整治"}};
    for (int which = 0; which < 3; ++which) {
      int best = -1;
      double bv = -1;
      for (std::size_t u = 0; u < n; ++u) {
        if (named[u] || stat[u][0] == 0) continue;
        double f = stat[u][static_cast<std::size_t>(which) + 1] / stat[u][0];
        if (f > bv) {
          bv = f;
          best = static_cast<int>(u);
        }
      }
      if (best < 0) continue;
      named[static_cast<std::size_t>(best)] = 1;
      name[static_cast<std::size_t>(best)] =
          (which == 2 ? std::string(kRiverName) : std::string()) + kinds[which][0];
      type[static_cast<std::size_t>(best)] = kinds[which][1];
    }
    int farm = 0;
    for (std::size_t u = 0; u < n; ++u)
      if (!named[u]) {
        name[u] = farm++ == 0 ? "平原高标准农田建设单元"
                              : "平原高标准农田建设" + std::to_string(farm) + "单元";
        type[u] = "农田整治";
      }
    auto writer = begin("units", LayerKind::consolidation_unit);
    int number = 0;
    for (std::size_t u = 0; u < n; ++u) {
      if (stat[u][0] == 0) continue;
      auto rings = trace_rings(g, box[u][0], box[u][1], box[u][2], box[u][3], [&](int i, int j) {
        return cells_.unit[static_cast<std::size_t>(g.cell(i, j))] == static_cast<int>(u);
      });
      char code[32];
      std::snprintf(code, sizeof code, "%sDY%02d", kCountyCode, ++number);
      Attributes a;
      put(a, "BSM", static_cast<std::int64_t>(number));
      put(a, "DYBH", std::string(code));
      put(a, "DYMC", std::string(kCountyName) + name[u]);
      put(a, "DYLX", type[u]);
      add(*writer, code, rings_to_geometry(rings, g, g.ll), std::move(a));
    }
    commit(*writer);
  }

  // ---- projects ----
  struct Patch {
    int cell = -1;
    Cls to = c0103;
    std::string measure, pbf_adjust, note;
    // The target as planned in 用地用海 (GHDLBM) instead of 三调, "" for a 三调 target; `to` is
    // its 三调 class of the same name.
    std::string ghdlbm;
  };
  struct Project {
    std::string type, name, status, note;
    std::vector<int> cells;
    std::vector<Patch> patches;
    int centre_cell = -1;
  };
  enum Role { kFarm, kBuilt, kEco, kShort, kRedline, kPbfLoss, kStray, kVillage };

  geo::Geometry cell_polygon(int cell, const std::vector<double>& xy) const {
    const Grid& g = grid_;
    int i = cell % g.nx, j = cell / g.nx;
    geo::Ring ring;
    if (cells_.merge[static_cast<std::size_t>(cell)] == kMergedRight)
      for (auto id : g.merged_ring(i, j)) ring.emplace_back(xy[2 * id], xy[2 * id + 1]);
    else
      for (auto id : g.ring(i, j)) ring.emplace_back(xy[2 * id], xy[2 * id + 1]);
    ring.push_back(ring.front());
    return geo::Geometry::polygon({ring});
  }
  double cell_area(int cell) {
    auto it = area_cache_.find(cell);
    if (it != area_cache_.end()) return it->second;
    double a = geo::ellipsoidal_area_m2(cell_polygon(cell, grid_.ll));
    area_cache_[cell] = a;
    return a;
  }

  // Cells of a project area: a warped disc of map spots, one simple piece without holes.
  std::vector<int> project_cells(double cu, double cv, double radius) {
    const Grid& g = grid_;
    int i0 = std::max(0, static_cast<int>((cu - radius * 1.3) / g.cw) - 2);
    int i1 = std::min(g.nx, static_cast<int>((cu + radius * 1.3) / g.cw) + 3);
    int j0 = std::max(0, static_cast<int>((cv - radius * 1.3) / g.ch) - 2);
    int j1 = std::min(g.ny, static_cast<int>((cv + radius * 1.3) / g.ch) + 3);
    // Merged spots are pairs (even i, i + 1): an even window never cuts one.
    i0 &= ~1;
    if (i1 < g.nx && (i1 & 1)) ++i1;
    int wn = i1 - i0, hn = j1 - j0;
    if (wn <= 0 || hn <= 0) return {};
    std::vector<int> lab(static_cast<std::size_t>(wn) * hn, -1);
    for (int j = j0; j < j1; ++j)
      for (int i = i0; i < i1; ++i) {
        double u = g.cu(i), v = g.cv(j);
        double d =
            std::hypot(u - cu, v - cv) * (1 + 0.18 * world_.town_warp.at(v + 7000, u - 3000));
        if (d < radius) lab[static_cast<std::size_t>((j - j0) * wn + (i - i0))] = 0;
      }
    // Merged spots come whole; then pinches, stray pieces and holes go.
    for (int round = 0; round < 50; ++round) {
      bool changed = false;
      for (int j = 0; j < hn; ++j)
        for (int i = 0; i + 1 < wn; ++i) {
          std::size_t a = static_cast<std::size_t>(j * wn + i);
          std::size_t ga = static_cast<std::size_t>(g.cell(i + i0, j + j0));
          if (cells_.merge[ga] == kMergedRight && (lab[a] == 0) != (lab[a + 1] == 0)) {
            lab[a] = lab[a + 1] = 0;
            changed = true;
          }
        }
      std::vector<int> before = lab;
      clean_labels(lab, wn, hn, {});
      if (before != lab) changed = true;
      if (!changed) break;
    }
    // Fill holes: outside cells not connected to the window border.
    std::vector<char> outside(lab.size(), 0);
    std::vector<int> stack;
    for (int j = 0; j < hn; ++j)
      for (int i = 0; i < wn; ++i)
        if ((i == 0 || j == 0 || i == wn - 1 || j == hn - 1) &&
            lab[static_cast<std::size_t>(j * wn + i)] < 0) {
          outside[static_cast<std::size_t>(j * wn + i)] = 1;
          stack.push_back(j * wn + i);
        }
    while (!stack.empty()) {
      int c = stack.back();
      stack.pop_back();
      int i = c % wn, j = c / wn;
      int nb[4] = {i > 0 ? c - 1 : -1, i + 1 < wn ? c + 1 : -1, j > 0 ? c - wn : -1,
                   j + 1 < hn ? c + wn : -1};
      for (int n : nb)
        if (n >= 0 && !outside[static_cast<std::size_t>(n)] &&
            lab[static_cast<std::size_t>(n)] < 0) {
          outside[static_cast<std::size_t>(n)] = 1;
          stack.push_back(n);
        }
    }
    std::vector<int> out;
    for (int j = 0; j < hn; ++j)
      for (int i = 0; i < wn; ++i)
        if (!outside[static_cast<std::size_t>(j * wn + i)]) out.push_back(g.cell(i + i0, j + j0));
    return out;
  }

  void write_projects() {
    const Grid& g = grid_;
    const World& w = world_;
    Rng rng(mix64(opts_.seed ^ 0x70726f6a65637473ULL));
    // Compliant patches keep 5 m off the lines they must avoid, so no rounding in the transform
    // can make them touch; prepared geometries do not own theirs, so the buffers live here.
    geo::Geometry redline_margin = w.redline.buffer(5, 4), udb_margin = w.udb.buffer(5, 4),
                  pbf_margin_g = w.pbf.buffer(5, 4), zones_margin_g = w.zones.buffer(5, 4);
    geo::PreparedGeometry redline(redline_margin), redline_exact(w.redline), udb(udb_margin),
        pbf(w.pbf), pbf_margin(pbf_margin_g), zones(w.zones), zones_margin(zones_margin_g);
    used_.assign(static_cast<std::size_t>(g.nx) * g.ny, 0);
    // Projects pick land by its base class: a K or A code is the class it is counted under
    // (a 0201K orchard is an orchard to reclaim), while the patch keeps the spot's own code.
    auto cls_of = [&](int c) { return base_class(static_cast<Cls>(cells_.cls[static_cast<std::size_t>(c)])); };
    auto cultivated = [&](int c) {
      return classes_[cells_.cls[static_cast<std::size_t>(c)]].cultivated;
    };
    auto merged = [&](int c) { return cells_.merge[static_cast<std::size_t>(c)] != kSingle; };

    // Candidate sites, in a seeded order.
    std::vector<std::pair<double, double>> hamlet_sites, seat_sites, hill_sites, edge_sites,
        pbf_sites;
    for (const auto& h : w.hamlets) {
      if (w.hill(h.u, h.v)) continue;
      (h.seat ? seat_sites : hamlet_sites).emplace_back(h.u, h.v);
    }
    for_lattice(1000, [&](double u, double v) {
      if (w.elevation_score(u, v) > w.q_hill + 0.05) hill_sites.emplace_back(u, v);
    });
    for (const auto& b : w.redline_blobs)
      for (int k = 0; k < 12; ++k) {
        double t = 2 * kPi * k / 12, r = b.radius_at(t);
        double u = b.cx + r * std::cos(t), v = b.cy + r * std::sin(t);
        if (u > 1500 && u < kSide - 1500 && v > 1500 && v < kSide - 1500)
          edge_sites.emplace_back(u, v);
      }
    for_lattice(700, [&](double u, double v) {
      if (pbf.contains(point_buffer(w.x0 + u, w.y0 + v, 1))) pbf_sites.emplace_back(u, v);
    });
    for (auto* s : {&hamlet_sites, &seat_sites, &hill_sites, &edge_sites, &pbf_sites})
      rng.shuffle(*s);

    auto choose = [&](const std::vector<int>& area, std::set<int>& taken, std::vector<Cls> from,
                      auto accept, int limit) {
      std::vector<int> out;
      for (Cls want : from) {
        std::vector<int> cand;
        for (int c : area)
          if (cls_of(c) == want && !merged(c) && !taken.count(c) && accept(c)) cand.push_back(c);
        std::sort(cand.begin(), cand.end(), [&](int a, int b) {
          return hash_unit(w.cell_seed, a, 0, 77) < hash_unit(w.cell_seed, b, 0, 77);
        });
        for (int c : cand) {
          if (static_cast<int>(out.size()) >= limit) return out;
          out.push_back(c);
          taken.insert(c);
        }
      }
      return out;
    };
    // New cultivated land (non-cultivated → cultivated) until `target` of the original
    // cultivated area; returns the area added.
    auto add_new_cultivated = [&](Project& p, std::set<int>& taken, std::vector<Cls> from,
                                  double target, bool pbf_in) {
      double added = 0;
      std::vector<int> cand;
      for (Cls want : from) {
        std::vector<int> some;
        for (int c : p.cells)
          if (cls_of(c) == want && !merged(c) && !taken.count(c) &&
              !redline.intersects(cell_polygon(c, g.gk)))
            some.push_back(c);
        std::sort(some.begin(), some.end(), [&](int a, int b) {
          return hash_unit(w.cell_seed, a, 0, 78) < hash_unit(w.cell_seed, b, 0, 78);
        });
        cand.insert(cand.end(), some.begin(), some.end());
      }
      for (int c : cand) {
        if (added >= target) break;
        Patch patch;
        patch.cell = c;
        Cls from_cls = cls_of(c);
        patch.to = from_cls == c1104 ? c0101 : c0103;
        patch.measure = from_cls == c0702   ? "宅基地复垦"
                        : from_cls == c1201 ? "空闲地复垦"
                        : from_cls == c1104 ? "废弃坑塘复垦"
                                            : "宜耕未利用地开发";
        if (pbf_in && p.patches.size() % 2 == 0) patch.pbf_adjust = "in";
        p.patches.push_back(patch);
        taken.insert(c);
        added += cell_area(c);
      }
      return added;
    };
    auto original_cultivated = [&](const Project& p) {
      double a = 0;
      for (int c : p.cells)
        if (cultivated(c)) a += cell_area(c);
      return a;
    };
    auto touches = [&](const std::vector<int>& area, const geo::PreparedGeometry& prep) {
      for (int c : area)
        if (prep.intersects(cell_polygon(c, g.gk))) return true;
      return false;
    };

    auto build = [&](Role role, double cu, double cv, double radius, Project& p) -> bool {
      p.cells = project_cells(cu, cv, radius);
      if (p.cells.size() < 4) return false;
      for (int c : p.cells)
        if (used_[static_cast<std::size_t>(c)]) return false;
      if (touches(p.cells, udb)) return false;
      if (role != kRedline && touches(p.cells, redline)) return false;
      p.centre_cell = g.cell(std::clamp(static_cast<int>(cu / g.cw), 0, g.nx - 1),
                             std::clamp(static_cast<int>(cv / g.ch), 0, g.ny - 1));
      p.patches.clear();
      std::set<int> taken;
      double c0 = original_cultivated(p);
      auto any = [](int) { return true; };
      // Works that leave a spot non-cultivated stay off permanent basic farmland, so that only
      // the deliberate breaches read as farmland lost.
      auto off_pbf = [&](int c) { return !pbf_margin.intersects(cell_polygon(c, g.gk)); };
      auto extras = [&](int dry_to_paddy, int ponds) {
        for (int c : choose(p.cells, taken, {c0103}, any, dry_to_paddy))
          p.patches.push_back({c, c0101, "旱改水", "", ""});
        for (int c : choose(p.cells, taken, {c1104}, off_pbf, ponds))
          p.patches.push_back({c, c1104, "坑塘整治", "", ""});
      };
      const std::vector<Cls> farm_sources = {c1206, c0404, c1201, c1104,
                                             c0702, c0201, c0307, c1202};
      const std::vector<Cls> built_sources = {c0702, c1201, c1206, c0404, c1104, c0201};
      switch (role) {
        case kFarm: {
          if (c0 <= 0) return false;
          double added = add_new_cultivated(p, taken, farm_sources, 0.075 * c0, true);
          if (added < 0.06 * c0) return false;
          extras(3, 2);
          return true;
        }
        case kBuilt:
        case kVillage: {
          if (c0 <= 0) return false;
          double added = add_new_cultivated(p, taken, built_sources, 0.075 * c0, false);
          if (added < 0.06 * c0) return false;
          if (role == kVillage) {
            // Resettlement inside the village construction zone: allowed new construction,
            // smaller than the homesteads given back.
            double reclaimed = 0;
            for (const auto& pt : p.patches)
              if (cls_of(pt.cell) == c0702) reclaimed += cell_area(pt.cell);
            auto fits = [&](int c) {
              geo::Geometry cell = cell_polygon(c, g.gk);
              return zones.covers(cell.buffer(3, 2)) && !pbf_margin.intersects(cell) &&
                     cell_area(c) < reclaimed;
            };
            for (int c :
                 choose(p.cells, taken, {c0404, c1206, c0201, c0307, c1202, c0103, c0102}, fits, 1))
              p.patches.push_back({c, c0702, "农民集中安置", "", ""});
          }
          extras(1, 1);
          return true;
        }
        case kEco: {
          auto restore = choose(p.cells, taken, {c1206, c1207, c0404, c0307}, off_pbf, 6);
          if (restore.size() < 2) return false;
          for (int c : restore)
            p.patches.push_back({c, cls_of(c) == c0307 || cls_of(c) == c1206 ? c0301 : c0305,
                                 cls_of(c) == c0307 ? "低效林改造" : "植被恢复", "", ""});
          if (c0 <= 0) return false;
          double added = add_new_cultivated(p, taken, farm_sources, 0.075 * c0, false);
          return added >= 0.06 * c0;
        }
        case kShort: {
          // Only upgrades of existing farmland: no new cultivated land at all.
          if (c0 <= 0) return false;
          extras(4, 2);
          if (p.patches.empty()) return false;
          p.note = "违规示例：新增耕地面积低于项目区原有耕地的5%";
          return true;
        }
        case kRedline: {
          auto inside = [&](int c) { return redline_exact.contains(cell_polygon(c, g.gk)); };
          // A highway (construction land) and a forest road through the red line.
          auto road = choose(p.cells, taken, {c0301, c0305, c0307, c0404, c0202}, inside, 2);
          if (road.empty()) return false;
          p.patches.push_back(
              {road[0], c1003, "新建公路", "", "违规示例：生态保护红线内实施工程建设（新建公路）"});
          if (road.size() > 1)
            p.patches.push_back({road[1], c1006, "新建林区道路", "",
                                 "违规示例：生态保护红线内实施工程建设（新建林区道路）"});
          if (c0 > 0) add_new_cultivated(p, taken, farm_sources, 0.075 * c0, false);
          p.note = "违规示例：项目在生态保护红线内安排工程建设";
          return true;
        }
        case kPbfLoss: {
          auto inside = [&](int c) { return pbf.contains(cell_polygon(c, g.gk)); };
          auto loss = choose(p.cells, taken, {c0101, c0103, c0102}, inside, 1);
          if (loss.empty()) return false;
          p.patches.push_back(
              {loss[0], c0301, "农田防护林建设", "out", "违规示例：永久基本农田改为乔木林地"});
          if (c0 > 0) add_new_cultivated(p, taken, farm_sources, 0.075 * c0, false);
          p.note = "违规示例：占用永久基本农田造林";
          return true;
        }
        case kStray: {
          if (c0 <= 0) return false;
          auto outside = [&](int c) {
            geo::Geometry cell = cell_polygon(c, g.gk);
            return !zones_margin.intersects(cell) && !pbf_margin.intersects(cell);
          };
          auto site =
              choose(p.cells, taken, {c0404, c1206, c0201, c0307, c1202, c0103, c0102}, outside, 1);
          if (site.empty()) return false;
          double added =
              add_new_cultivated(p, taken, {c0702, c1201, c1206, c0404}, 0.075 * c0, false);
          double reclaimed = 0;
          for (const auto& pt : p.patches)
            if (classes_[cells_.cls[static_cast<std::size_t>(pt.cell)]].construction)
              reclaimed += cell_area(pt.cell);
          if (added < 0.06 * c0 || reclaimed < cell_area(site[0])) return false;
          // Planned as the village plan would name it: 用地用海 1001 工业用地 (0601 in 三调).
          p.patches.push_back({site[0], c0601, "新建农产品加工厂房", "",
                               "违规示例：城镇开发边界和村庄建设用地区外新增建设用地", "1001"});
          p.note = "违规示例：在城镇开发边界和村庄建设用地区外新增工业用地";
          return true;
        }
      }
      return false;
    };

    struct Spec {
      Role role;
      const char* type;
      const char* title;
      const char* status;
      std::vector<std::pair<double, double>>* sites;
    };
    std::vector<Spec> specs = {
        {kFarm, "农用地整理", "高标准农田建设与农用地整理项目", "implementation", &hamlet_sites},
        {kBuilt, "建设用地整理", "农村建设用地整理项目", "approved", &seat_sites},
        {kEco, "生态保护修复", "废弃地生态保护修复项目", "implementation", &hill_sites},
        {kShort, "农用地整理", "旱改水农用地整理项目", "application", &hamlet_sites},
        {kRedline, "农用地整理", "农田道路建设与农用地整理项目", "application", &edge_sites},
        {kPbfLoss, "农用地整理", "农田林网改造项目", "review", &pbf_sites},
        {kStray, "建设用地整理", "产业融合建设用地整理项目", "application", &hamlet_sites},
        {kVillage, "建设用地整理", "村庄整治与宅基地整理项目", "accepted", &hamlet_sites},
        // Works finished 50 days ago and not accepted: the acceptance_overdue warning.
        {kFarm, "农用地整理", "耕地提质改造项目", "completed", &hamlet_sites},
    };
    const double cell_size = std::max(g.cw, g.ch);
    std::vector<Project> projects;
    for (const auto& spec : specs) {
      Project p;
      bool ok = false;
      std::vector<std::pair<double, double>> sites = *spec.sites;
      if (spec.role == kBuilt) sites.insert(sites.end(), hamlet_sites.begin(), hamlet_sites.end());
      for (double factor : {1.0, 1.5, 2.2}) {
        double radius = std::max(1400.0, 2.3 * cell_size) * factor;
        for (auto [u, v] : sites)
          if ((ok = build(spec.role, u, v, radius, p))) break;
        if (ok) break;
      }
      if (!ok) continue;
      for (int c : p.cells) {
        int i = c % g.nx, j = c / g.nx;
        for (int dj = -1; dj <= 1; ++dj)
          for (int di = -1; di <= 1; ++di)
            if (i + di >= 0 && i + di < g.nx && j + dj >= 0 && j + dj < g.ny)
              used_[static_cast<std::size_t>(g.cell(i + di, j + dj))] = 1;
      }
      const auto& vr = villages_[static_cast<std::size_t>(
          cells_.village[static_cast<std::size_t>(p.centre_cell)])];
      p.type = spec.type;
      p.name = vr.name + spec.title;
      p.status = spec.status;
      projects.push_back(std::move(p));
      project_township_.push_back(townships_[static_cast<std::size_t>(vr.township)].code);
    }

    auto writer = begin("projects", LayerKind::project);
    for (std::size_t k = 0; k < projects.size(); ++k) {
      const Project& p = projects[k];
      char xmbh[32];
      std::snprintf(xmbh, sizeof xmbh, "XM2026-%03zu", k + 1);
      std::set<int> in(p.cells.begin(), p.cells.end());
      int i0 = g.nx, j0 = g.ny, i1 = 0, j1 = 0;
      for (int c : p.cells) {
        i0 = std::min(i0, c % g.nx);
        j0 = std::min(j0, c / g.nx);
        i1 = std::max(i1, c % g.nx + 1);
        j1 = std::max(j1, c / g.nx + 1);
      }
      auto rings =
          trace_rings(g, i0, j0, i1, j1, [&](int i, int j) { return in.count(g.cell(i, j)) > 0; });
      Attributes a;
      put(a, "XMBH", std::string(xmbh));
      put(a, "XMMC", p.name);
      put(a, "XMLX", p.type);
      put(a, "status", p.status);
      put(a, "XZQDM", project_township_[k]);
      if (!p.note.empty()) put(a, "demo_note", p.note);
      add(*writer, xmbh, rings_to_geometry(rings, g, g.ll), std::move(a));
      int number = 0;
      for (const auto& patch : p.patches) {
        char id[48];
        std::snprintf(id, sizeof id, "%s-P%03d", xmbh, ++number);
        Attributes pa;
        put(pa, "XMBH", std::string(xmbh));
        put(pa, "from_code", classes_[cells_.cls[static_cast<std::size_t>(patch.cell)]].code);
        if (patch.ghdlbm.empty()) put(pa, "to_code", classes_[patch.to].code);
        else put(pa, "GHDLBM", patch.ghdlbm);
        put(pa, "measure", patch.measure);
        if (!patch.pbf_adjust.empty()) put(pa, "pbf_adjust", patch.pbf_adjust);
        if (!patch.note.empty()) put(pa, "demo_note", patch.note);
        add(*writer, id, cell_polygon(patch.cell, g.ll), std::move(pa));
      }
    }
    commit(*writer);
  }

  storage::Store& store_;
  DemoCountyOptions opts_;
  DemoProgress progress_;
  geo::CoordinateTransform to_ll_;
  std::unique_ptr<geo::CoordinateTransform> to_gk_;
  std::vector<ClassInfo> classes_;
  World world_;
  Grid grid_;
  Cells cells_;
  std::vector<VillageRecord> villages_;
  std::vector<TownshipRecord> townships_;
  std::vector<int> village_of_seed_;
  std::vector<char> used_;
  std::vector<std::string> project_township_;
  std::unordered_map<int, double> area_cache_;
  DemoCountySummary summary_;
};

}  // namespace

DemoCountySummary generate_demo_county(storage::Store& store, const DemoCountyOptions& options,
                                       const DemoProgress& progress) {
  if (options.polygons < kDemoMinPolygons || options.polygons > kDemoMaxPolygons)
    throw UsageError("--polygons " + std::to_string(options.polygons) + " is out of range: use " +
                     std::to_string(kDemoMinPolygons) + " to " + std::to_string(kDemoMaxPolygons));
  Generator generator(store, options, progress);
  return generator.run();
}

}  // namespace gz::services
