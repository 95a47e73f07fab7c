#include "geo/shape.h"

#include <cmath>

#include "common/error.h"
#include "geo/geos_context.h"

namespace gz::geo {

double inscribed_diameter(const Geometry& g, double tolerance) {
  if (g.is_null() || g.is_empty()) return 0;
  GEOSGeometry* line = GEOSMaximumInscribedCircle_r(geos(), g.raw(), tolerance);
  if (!line) throw Error("GEOS could not find the largest inscribed circle: " + take_geos_error());
  double radius = 0;
  GEOSLength_r(geos(), line, &radius);
  GEOSGeom_destroy_r(geos(), line);
  return 2 * radius;
}

RotatedRectangle minimum_rotated_rectangle(const Geometry& g) {
  RotatedRectangle r;
  if (g.is_null() || g.is_empty()) return r;
  Geometry rect(GEOSMinimumRotatedRectangle_r(geos(), g.raw()));
  if (rect.is_null()) throw Error("GEOS could not find the minimum rotated rectangle: " + take_geos_error());
  std::vector<std::pair<double, double>> pts;
  rect.for_each_polygon([&](const std::vector<Ring>& rings) {
    if (pts.empty() && !rings.empty())
      for (const auto& p : rings.front()) pts.push_back(p);
  });
  if (pts.size() < 4) {  // degenerate (a line): its envelope
    auto e = g.envelope();
    r.ox = e.minx;
    r.oy = e.miny;
    bool x_long = e.maxx - e.minx >= e.maxy - e.miny;
    r.ux = x_long ? 1 : 0;
    r.uy = x_long ? 0 : 1;
    r.length = std::max(e.maxx - e.minx, e.maxy - e.miny);
    r.width = std::min(e.maxx - e.minx, e.maxy - e.miny);
    return r;
  }
  double ax = pts[1].first - pts[0].first, ay = pts[1].second - pts[0].second;
  double bx = pts[2].first - pts[1].first, by = pts[2].second - pts[1].second;
  double la = std::hypot(ax, ay), lb = std::hypot(bx, by);
  r.ox = pts[0].first;
  r.oy = pts[0].second;
  if (la >= lb) {
    r.ux = la > 0 ? ax / la : 1;
    r.uy = la > 0 ? ay / la : 0;
    r.length = la;
    r.width = lb;
  } else {
    r.ux = lb > 0 ? bx / lb : 1;
    r.uy = lb > 0 ? by / lb : 0;
    r.length = lb;
    r.width = la;
  }
  return r;
}

bool within_distance(const Geometry& a, const Geometry& b, double distance) {
  char c = GEOSDistanceWithin_r(geos(), a.raw(), b.raw(), distance);
  if (c == 2) throw Error("GEOS could not measure a distance: " + take_geos_error());
  return c == 1;
}

}  // namespace gz::geo

namespace gz::geo {
Geometry opening(const Geometry& g, double width) {
  auto buffered = [](GEOSGeometry* in, double d) {
    GEOSGeometry* out = GEOSBufferWithStyle_r(geos(), in, d, 8, GEOSBUF_CAP_FLAT, GEOSBUF_JOIN_MITRE, 2.0);
    if (!out) throw Error("GEOS could not buffer a parcel: " + take_geos_error());
    return Geometry(out);
  };
  Geometry eroded = buffered(g.raw(), -width / 2);
  if (eroded.is_empty()) return Geometry::empty_polygon();
  return buffered(eroded.raw(), width / 2).intersection(g).polygonal_part();
}
}  // namespace gz::geo
