// Where a place's name belongs on the map: a point inside its polygon (GEOS point on surface),
// which a concave or multi-part polygon's centroid may miss.
#pragma once

#include <string_view>
#include <utility>

namespace gz::geo {

// The point (x, y) of the geometry given as WKB; throws GeometryError when it cannot be read.
std::pair<double, double> label_point(std::string_view wkb);

}  // namespace gz::geo
