#include "geo/tile_geometry.h"

#include <string>

#include "common/error.h"
#include "geo/geos_context.h"

namespace gz::geo {

namespace {
int map_coordinate(double* x, double* y, void* userdata) {
  (*static_cast<const CoordinateMap*>(userdata))(*x, *y);
  return 1;
}

Geometry checked(GEOSGeometry* g, const char* what) {
  if (!g) throw Error(std::string("tile geometry: ") + what + " failed: " + take_geos_error());
  return Geometry(g);
}
}  // namespace

std::vector<std::vector<Ring>> tile_polygons(std::string_view wkb, const CoordinateMap& map,
                                             const TileClip& clip) {
  std::vector<std::vector<Ring>> out;
  Geometry g = Geometry::from_wkb(wkb);
  if (g.is_empty()) return out;
  auto h = geos();
  Geometry projected = checked(
      GEOSGeom_transformXY_r(h, g.raw(), map_coordinate, const_cast<CoordinateMap*>(&map)),
      "transform");
  // Wholly inside the rectangle (the common case at high zoom): no clipping work.
  Envelope e = projected.envelope();
  const Envelope& r = clip.rect;
  Geometry clipped;
  if (e.minx >= r.minx && e.maxx <= r.maxx && e.miny >= r.miny && e.maxy <= r.maxy)
    clipped = std::move(projected);
  else
    clipped = checked(GEOSClipByRect_r(h, projected.raw(), r.minx, r.miny, r.maxx, r.maxy), "clip");
  if (clipped.is_empty()) return out;
  Geometry simplified =
      clip.simplify_tolerance > 0
          ? checked(GEOSTopologyPreserveSimplify_r(h, clipped.raw(), clip.simplify_tolerance),
                    "simplify")
          : std::move(clipped);
  if (simplified.is_empty()) return out;
  // Pointwise rounding (no snap-rounding noding): the full noder costs several times the rest of
  // the pipeline (GEOS 3.11 seeds a random generator per call), and a ring that rounding makes
  // degenerate is dropped by the encoder anyway.
  Geometry snapped =
      clip.grid > 0
          ? checked(GEOSGeom_setPrecision_r(h, simplified.raw(), clip.grid, GEOS_PREC_NO_TOPO),
                    "snap to grid")
          : std::move(simplified);
  snapped.for_each_polygon([&](const std::vector<Ring>& rings) { out.push_back(rings); });
  return out;
}

}  // namespace gz::geo
