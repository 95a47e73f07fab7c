// Shape measures of farm parcels (reallocation, docs/realloc.md): the width of a parcel as the
// diameter of its largest inscribed circle, its minimum rotated rectangle (long axis, length and
// width), and whether it lies within a distance of another geometry. All GEOS.
#pragma once

#include "geo/geometry.h"

namespace gz::geo {

// Diameter of the largest circle inside the polygon (GEOSMaximumInscribedCircle), to
// `tolerance` in the geometry's units; 0 for an empty geometry.
double inscribed_diameter(const Geometry& g, double tolerance = 0.05);

// The minimum rotated rectangle: origin corner, unit vector along its long side, and its
// length (long side) and width (short side).
struct RotatedRectangle {
  double ox = 0, oy = 0;  // a corner
  double ux = 1, uy = 0;  // unit vector along the long side
  double length = 0, width = 0;
};
RotatedRectangle minimum_rotated_rectangle(const Geometry& g);

// Whether the two geometries come within `distance` of each other (GEOSDistanceWithin).
bool within_distance(const Geometry& a, const Geometry& b, double distance);

}  // namespace gz::geo

namespace gz::geo {
// The part of a polygon a disc of diameter `width` can sweep (erosion then dilation, mitred so
// that right-angled corners stay sharp): what is left out is narrower than `width`.
Geometry opening(const Geometry& g, double width);
}  // namespace gz::geo
