// Ellipsoidal (geodesic) areas on the CGCS2000 ellipsoid, as the national land survey reports
// them. GeographicLib does the maths.
#pragma once

#include "geo/geometry.h"

namespace gz::geo {

// Area in m² of the polygonal parts of a lon/lat (EPSG:4490) geometry; holes subtracted, edges
// are geodesics. Non-polygonal parts count zero.
double ellipsoidal_area_m2(const Geometry& lonlat);

}  // namespace gz::geo
