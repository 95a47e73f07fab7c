// RAII wrapper around GEOS geometries (reentrant C API, one context per thread). Nothing outside
// geo/ sees a GEOS header: callers hold Geometry values and ask questions of them.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/layer.h"

struct GEOSGeom_t;
struct GEOSPrepGeom_t;

namespace gz::geo {

class CoordinateTransform;

struct Validity {
  bool valid = true;
  std::string reason;  // GEOS's reason, e.g. "Self-intersection"
  bool has_location = false;
  double x = 0, y = 0;
};

using Ring = std::vector<std::pair<double, double>>;

class Geometry {
 public:
  Geometry() = default;
  explicit Geometry(GEOSGeom_t* g) : g_(g) {}
  ~Geometry();
  Geometry(Geometry&& o) noexcept : g_(std::exchange(o.g_, nullptr)) {}
  Geometry& operator=(Geometry&& o) noexcept;
  Geometry(const Geometry&) = delete;
  Geometry& operator=(const Geometry&) = delete;
  Geometry clone() const;

  static Geometry from_wkb(std::string_view wkb);
  static Geometry from_wkt(std::string_view wkt);
  // A GeoJSON geometry object (not a Feature).
  static Geometry from_geojson(std::string_view geojson);
  // A polygon from an exterior ring and holes (rings closed by the caller or not).
  static Geometry polygon(const std::vector<Ring>& rings);
  static Geometry multi(std::vector<Geometry>&& parts);
  static Geometry empty_polygon();

  bool is_null() const { return g_ == nullptr; }
  bool is_empty() const;
  bool is_polygonal() const;
  std::string type_name() const;
  int num_parts() const;
  Geometry part(int i) const;  // clone of the i-th part of a collection
  std::size_t num_points() const;

  std::string wkb() const;
  std::string wkt(int decimals = -1) const;
  std::string geojson() const;

  Envelope envelope() const;
  Validity validity() const;
  Geometry make_valid() const;
  // Keeps only polygons (overlay results may carry lines/points where shapes only touch).
  Geometry polygonal_part() const;

  Geometry intersection(const Geometry& o) const;
  Geometry difference(const Geometry& o) const;
  Geometry unite(const Geometry& o) const;
  static Geometry union_all(std::vector<Geometry>&& parts);
  Geometry buffer(double distance, int quadrant_segments = 8) const;
  Geometry simplify(double tolerance) const;
  // Copy in which every segment longer than `max_segment` (in the coordinates' unit) is cut
  // into equal pieces no longer than it, straight in these coordinates (GEOSDensify); every
  // original vertex stays.
  Geometry densified(double max_segment) const;
  // Whether any segment between consecutive vertices is longer than `length`.
  bool has_segment_longer_than(double length) const;
  bool intersects(const Geometry& o) const;
  bool contains(const Geometry& o) const;
  // Interiors intersect (DE-9IM T********): more than touching.
  bool interiors_intersect(const Geometry& o) const;
  double planar_area() const;
  // Boundary length (perimeter of polygons), in the coordinates' unit.
  double planar_length() const;
  std::pair<double, double> centroid() const;

  // Copy with every coordinate passed through `t` (batched per coordinate sequence).
  Geometry transformed(const CoordinateTransform& t) const;
  // Each polygon of the geometry as rings (exterior first), for area maths.
  void for_each_polygon(const std::function<void(const std::vector<Ring>&)>& fn) const;

  GEOSGeom_t* raw() const { return g_; }

 private:
  GEOSGeom_t* g_ = nullptr;
};

// A geometry prepared for repeated predicates (GEOS PreparedGeometry). Not thread-safe: each
// thread prepares its own.
class PreparedGeometry {
 public:
  explicit PreparedGeometry(const Geometry& g);
  ~PreparedGeometry();
  PreparedGeometry(PreparedGeometry&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  PreparedGeometry(const PreparedGeometry&) = delete;
  PreparedGeometry& operator=(const PreparedGeometry&) = delete;
  bool intersects(const Geometry& g) const;
  bool contains(const Geometry& g) const;
  bool covers(const Geometry& g) const;
  // Interior contains g with no boundary contact: never falls back to a full relate, so it is
  // the cheap test for "wholly inside".
  bool contains_properly(const Geometry& g) const;

 private:
  const GEOSPrepGeom_t* p_ = nullptr;
};

}  // namespace gz::geo
