#include "geo/label_point.h"

#include "common/error.h"
#include "geo/geometry.h"
#include "geo/geos_context.h"

namespace gz::geo {

std::pair<double, double> label_point(std::string_view wkb) {
  Geometry g = Geometry::from_wkb(wkb);
  GEOSGeometry* p = GEOSPointOnSurface_r(geos(), g.raw());
  if (!p) throw InputError("cannot find a point inside a geometry: " + take_geos_error());
  double x = 0, y = 0;
  if (!GEOSisEmpty_r(geos(), p)) {
    GEOSGeomGetX_r(geos(), p, &x);
    GEOSGeomGetY_r(geos(), p, &y);
  }
  GEOSGeom_destroy_r(geos(), p);
  return {x, y};
}

}  // namespace gz::geo
