// Ellipsoidal areas on the CGCS2000 ellipsoid, as the national land survey reports them: the area
// of the polygon whose edges are geodesics between its lon/lat vertices. GeographicLib does the
// maths. See docs/areas.md for the method and its error bound.
#pragma once

#include <cstdint>

#include "geo/geometry.h"

namespace gz::geo {

// Area in m² of the polygonal parts of a lon/lat (EPSG:4490) geometry; holes subtracted, edges
// are geodesics. Non-polygonal parts count zero.
//
// Short edges are measured on GeographicLib's authalic latitude (an exact equal-area mapping of
// the ellipsoid) instead of by solving a geodesic inverse problem per edge; the estimated
// difference from the geodesic edges is held below kFastAreaTolerance of each polygon's area,
// edges being switched to geodesics (largest first) until it is.
double ellipsoidal_area_m2(const Geometry& lonlat);

// The same area with every edge solved as a geodesic (one GeographicLib inverse problem per
// edge): the reference the fast method is held to.
double geodesic_area_m2(const Geometry& lonlat);

// Bound on |fast - geodesic| / polygon area that ellipsoidal_area_m2 keeps to (leading order;
// never more than 1e-4 m² in all, never less than 4e-6 m², S12's typical rounding).
inline constexpr double kFastAreaTolerance = 1e-7;

// How ellipsoidal_area_m2 measured on the calling thread since the last reset (for measuring).
struct AreaEdgeCounts {
  std::uint64_t polygons = 0;
  std::uint64_t equal_area_edges = 0;  // measured on the authalic latitude
  std::uint64_t geodesic_edges = 0;    // long edges and edges switched by the bound
  std::uint64_t switched_edges = 0;    // of geodesic_edges: switched to meet the bound
  std::uint64_t geodesic_polygons = 0; // polygons not eligible at all (polar, antimeridian)
};
AreaEdgeCounts& area_edge_counts();

}  // namespace gz::geo
