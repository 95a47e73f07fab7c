// Measures the fast ellipsoidal area (geo::ellipsoidal_area_m2) against the all-geodesic one
// (geo::geodesic_area_m2) and against a densified reference over every feature of a layer:
//   area_accuracy DB.sqlite LAYER [--reference] [--worst K]
// --reference also computes, per feature, the geodesic polygon's area by cutting every edge into
// 64 pieces along its geodesic (GeographicLib GeodesicLine) and summing equal-area trapezoids on
// the authalic latitude: the lens between each piece and its geodesic shrinks 64³-fold, so this
// is free of both the fast method's lenses and the rounding noise of the per-edge S12 sums.
// Prints the largest relative differences, the edge counts and the time each method took.
#include <GeographicLib/Ellipsoid.hpp>
#include <GeographicLib/Geodesic.hpp>
#include <GeographicLib/GeodesicLine.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numbers>
#include <string>
#include <vector>

#include "geo/ellipsoid.h"
#include "geo/geometry.h"

using gz::geo::Geometry;
using gz::geo::Ring;

namespace {
const GeographicLib::Geodesic geod(6378137.0, 1.0 / 298.257222101);
const GeographicLib::Ellipsoid ell(6378137.0, 1.0 / 298.257222101);
const double rq2 = ell.Area() / (4 * std::numbers::pi);

double densified_ring(const Ring& ring, int m) {
  std::size_t n = ring.size();
  if (n > 1 && ring.front() == ring.back()) --n;
  if (n < 3) return 0;
  double ref = GeographicLib::Math::sind(ell.AuthalicLatitude(ring[0].second));
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    auto a = ring[i], b = ring[(i + 1) % n];
    GeographicLib::GeodesicLine line = geod.InverseLine(a.second, a.first, b.second, b.first);
    double plon = a.first, plat = a.second;
    double ps = GeographicLib::Math::sind(ell.AuthalicLatitude(plat)) - ref;
    for (int k = 1; k <= m; ++k) {
      double lat, lon;
      if (k == m) {
        lat = b.second;
        lon = b.first;
      } else {
        line.Position(line.Distance() * k / m, lat, lon);
        lon = plon + GeographicLib::Math::AngDiff(plon, lon);
      }
      double s = GeographicLib::Math::sind(ell.AuthalicLatitude(lat)) - ref;
      sum += 0.5 * (lon - plon) * (std::numbers::pi / 180) * (ps + s) * rq2;
      plon = lon;
      plat = lat;
      ps = s;
    }
  }
  return std::fabs(sum);
}
}  // namespace

double densified_area_m2(const Geometry& g, int m) {
  double total = 0;
  g.for_each_polygon([&](const std::vector<Ring>& rings) {
    total += densified_ring(rings[0], m);
    for (std::size_t i = 1; i < rings.size(); ++i) total -= densified_ring(rings[i], m);
  });
  return total;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: area_accuracy DB.sqlite LAYER [--reference] [--worst K]\n");
    return 2;
  }
  bool reference = false;
  int worst_k = 5;
  for (int i = 3; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--reference")) reference = true;
    else if (!std::strcmp(argv[i], "--worst") && i + 1 < argc) worst_k = std::atoi(argv[++i]);
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return 1;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT f.source_id, f.geom FROM feature f JOIN layer_version v ON v.id = f.version_id "
                     "JOIN layer l ON l.id = v.layer_id WHERE l.name = ?1 AND v.version = "
                     "(SELECT max(version) FROM layer_version WHERE layer_id = l.id)",
                     -1, &st, nullptr);
  sqlite3_bind_text(st, 1, argv[2], -1, SQLITE_TRANSIENT);
  std::vector<std::string> ids;
  std::vector<Geometry> geoms;
  while (sqlite3_step(st) == SQLITE_ROW) {
    ids.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    geoms.push_back(Geometry::from_wkb(std::string_view(
        static_cast<const char*>(sqlite3_column_blob(st, 1)), sqlite3_column_bytes(st, 1))));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  std::size_t n = geoms.size();
  std::vector<double> fast(n), geo(n), ref(n);
  using clock = std::chrono::steady_clock;
  auto t0 = clock::now();
  for (std::size_t i = 0; i < n; ++i) fast[i] = gz::geo::ellipsoidal_area_m2(geoms[i]);
  auto t1 = clock::now();
  for (std::size_t i = 0; i < n; ++i) geo[i] = gz::geo::geodesic_area_m2(geoms[i]);
  auto t2 = clock::now();
  if (reference)
    for (std::size_t i = 0; i < n; ++i) ref[i] = densified_area_m2(geoms[i], 64);
  auto secs = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  const auto& c = gz::geo::area_edge_counts();
  std::printf("%s: %zu features; fast %.3f s, geodesic %.3f s (one thread, edge caches warm as in a check)\n",
              argv[2], n, secs(t0, t1), secs(t1, t2));
  std::printf("edges: %llu equal-area, %llu geodesic (%llu switched by the bound); polygons %llu, "
              "%llu not eligible\n",
              (unsigned long long)c.equal_area_edges, (unsigned long long)c.geodesic_edges,
              (unsigned long long)c.switched_edges, (unsigned long long)c.polygons,
              (unsigned long long)c.geodesic_polygons);
  auto report = [&](const char* name, const std::vector<double>& x, const std::vector<double>& y) {
    std::vector<std::pair<double, std::size_t>> rel;
    double sum_x = 0, sum_y = 0;
    for (std::size_t i = 0; i < n; ++i) {
      double m = std::max(std::fabs(x[i]), std::fabs(y[i]));
      rel.push_back({m > 0 ? std::fabs(x[i] - y[i]) / m : 0.0, i});
      sum_x += x[i];
      sum_y += y[i];
    }
    std::sort(rel.begin(), rel.end(), std::greater<>());
    std::vector<double> r;
    for (auto& p : rel) r.push_back(p.first);
    std::printf("%s: max %.3g, p99.9 %.3g, p99 %.3g, median %.3g; totals differ by %.3g relative\n", name,
                r[0], r[n / 1000], r[n / 100], r[n / 2], std::fabs(sum_x - sum_y) / std::max(sum_x, sum_y));
    for (int k = 0; k < worst_k && k < (int)n; ++k) {
      std::size_t i = rel[k].second;
      std::printf("  %s: %.9f vs %.9f (%.3g)%s\n", ids[i].c_str(), x[i], y[i], rel[k].first,
                  reference ? (" reference " + std::to_string(ref[i])).c_str() : "");
    }
  };
  report("fast vs geodesic", fast, geo);
  if (reference) {
    report("fast vs reference", fast, ref);
    report("geodesic vs reference", geo, ref);
  }
  return 0;
}
