// Geometry work for vector tiles: a stored lon/lat geometry mapped into one tile's coordinate
// space, clipped to the tile plus its buffer, simplified and snapped to the integer grid of the
// tile extent. Encoding (winding, commands, tags) is services/tiles' business, not this file's.
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "domain/layer.h"
#include "geo/geometry.h"

namespace gz::geo {

struct TileClip {
  Envelope rect;                  // clip rectangle in tile coordinates (tile plus buffer)
  double simplify_tolerance = 1;  // in tile units; 0 keeps every vertex
  double grid = 1;                // snap grid in tile units (1: integer coordinates)
};

// Maps one coordinate in place (lon/lat in, tile x/y out).
using CoordinateMap = std::function<void(double& x, double& y)>;

// The polygons of `wkb` in tile space, each as rings (exterior first, closing point repeated as
// GEOS gives it). Coordinates are multiples of clip.grid, rounded point by point; rings that
// collapse on the grid are gone. Non-polygonal parts are dropped. The simplification preserves
// topology; rounding can, rarely, leave a ring touching itself (renderers draw that fine).
std::vector<std::vector<Ring>> tile_polygons(std::string_view wkb, const CoordinateMap& map,
                                             const TileClip& clip);

}  // namespace gz::geo
