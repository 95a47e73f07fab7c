#include "geo/geometry.h"

#include <cstdlib>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "common/error.h"
#include "common/json_input.h"
#include "geo/crs.h"
#include "geo/geos_context.h"

namespace gz::geo {

namespace {
thread_local std::string g_last_error;

void on_geos_error(const char* message, void*) { g_last_error = message ? message : ""; }
void on_geos_notice(const char*, void*) {}

struct ContextHolder {
  GEOSContextHandle_t h;
  ContextHolder() : h(GEOS_init_r()) {
    GEOSContext_setErrorMessageHandler_r(h, on_geos_error, nullptr);
    GEOSContext_setNoticeMessageHandler_r(h, on_geos_notice, nullptr);
  }
  ~ContextHolder() { GEOS_finish_r(h); }
};

GEOSGeometry* check(GEOSGeometry* g, const char* what) {
  if (!g) throw Error(std::string("geometry operation failed (") + what + "): " + take_geos_error());
  return g;
}

struct GeosFree {
  void operator()(void* p) const { GEOSFree_r(geos(), p); }
};
}  // namespace

GEOSContextHandle_t geos() {
  thread_local ContextHolder holder;
  return holder.h;
}

std::string take_geos_error() { return std::exchange(g_last_error, std::string()); }

Geometry::~Geometry() {
  if (g_) GEOSGeom_destroy_r(geos(), g_);
}

Geometry& Geometry::operator=(Geometry&& o) noexcept {
  if (this != &o) {
    if (g_) GEOSGeom_destroy_r(geos(), g_);
    g_ = std::exchange(o.g_, nullptr);
  }
  return *this;
}

Geometry Geometry::clone() const {
  if (!g_) return Geometry();
  return Geometry(check(GEOSGeom_clone_r(geos(), g_), "clone"));
}

Geometry Geometry::from_wkb(std::string_view wkb) {
  // One reader per thread (and so per GEOS context): a million features are read per check.
  struct Reader {
    GEOSWKBReader* r = GEOSWKBReader_create_r(geos());
    ~Reader() { GEOSWKBReader_destroy_r(geos(), r); }
  };
  thread_local Reader reader;
  GEOSGeometry* g = GEOSWKBReader_read_r(
      geos(), reader.r, reinterpret_cast<const unsigned char*>(wkb.data()), wkb.size());
  if (!g) throw Error("cannot read WKB geometry: " + take_geos_error());
  return Geometry(g);
}

Geometry Geometry::from_wkt(std::string_view wkt) {
  GEOSWKTReader* r = GEOSWKTReader_create_r(geos());
  std::string text(wkt);
  GEOSGeometry* g = GEOSWKTReader_read_r(geos(), r, text.c_str());
  GEOSWKTReader_destroy_r(geos(), r);
  if (!g) throw Error("cannot read WKT geometry: " + take_geos_error());
  return Geometry(g);
}

namespace {

// GEOS 3.11's GeoJSON reader takes the first two numbers of every position inside a LineString,
// MultiPoint, Polygon, MultiLineString or MultiPolygon without looking whether there are any: an
// empty position ([]) reads through a null pointer and ends the process (found by
// fuzz/plan_upload_fuzz). Each such position must hold two numbers at least before GEOS reads it.
// `levels`: the arrays between the coordinates and a position.
void check_positions(const nlohmann::json& coordinates, int levels, const std::string& type) {
  if (!coordinates.is_array()) return;  // GEOS refuses it with its own message
  if (levels == 0) {
    if (coordinates.size() < 2)
      throw Error("cannot read GeoJSON geometry: a position of the " + type +
                  " has fewer than two coordinates");
    return;
  }
  for (const auto& c : coordinates) check_positions(c, levels - 1, type);
}

// The geometries of a GeoJSON object as GEOS reads them (a geometry, a collection of them, a
// Feature or a FeatureCollection), their positions checked. The JSON is at most kMaxJsonDepth
// deep, which bounds the recursion.
void check_geojson_positions(const nlohmann::json& j) {
  static const std::map<std::string, int> kLevels = {
      {"MultiPoint", 1}, {"LineString", 1}, {"MultiLineString", 2}, {"Polygon", 2}, {"MultiPolygon", 3}};
  if (!j.is_object()) return;
  auto type = j.find("type");
  if (type == j.end() || !type->is_string()) return;
  const auto& name = type->get_ref<const std::string&>();
  auto member = [&](const char* key) { return j.find(key); };
  if (auto levels = kLevels.find(name); levels != kLevels.end()) {
    if (auto c = member("coordinates"); c != j.end()) check_positions(*c, levels->second, name);
  } else if (name == "GeometryCollection" || name == "FeatureCollection") {
    auto parts = member(name == "GeometryCollection" ? "geometries" : "features");
    if (parts != j.end() && parts->is_array())
      for (const auto& part : *parts) check_geojson_positions(part);
  } else if (name == "Feature") {
    if (auto g = member("geometry"); g != j.end()) check_geojson_positions(*g);
  }
}

}  // namespace

Geometry Geometry::from_geojson(std::string_view geojson) {
  std::string text(geojson);
  {
    nlohmann::json parsed;
    try {
      // Nested at most kMaxJsonDepth levels: GEOS recurses into geometry collections and frees
      // its JSON recursively.
      parsed = parse_json_input(text, "GeoJSON 几何", "the GeoJSON geometry");
    } catch (const nlohmann::json::exception&) {
      throw Error("cannot read GeoJSON geometry: not JSON");
    }
    check_geojson_positions(parsed);
  }
  GEOSGeoJSONReader* r = GEOSGeoJSONReader_create_r(geos());
  GEOSGeometry* g = GEOSGeoJSONReader_readGeometry_r(geos(), r, text.c_str());
  GEOSGeoJSONReader_destroy_r(geos(), r);
  if (!g) throw Error("cannot read GeoJSON geometry: " + take_geos_error());
  return Geometry(g);
}

static GEOSGeometry* make_ring(const Ring& ring) {
  std::vector<double> buf;
  buf.reserve(ring.size() * 2 + 2);
  for (auto [x, y] : ring) {
    buf.push_back(x);
    buf.push_back(y);
  }
  if (!ring.empty() && ring.front() != ring.back()) {
    buf.push_back(ring.front().first);
    buf.push_back(ring.front().second);
  }
  GEOSCoordSequence* seq =
      GEOSCoordSeq_copyFromBuffer_r(geos(), buf.data(), static_cast<unsigned>(buf.size() / 2), 0, 0);
  return check(GEOSGeom_createLinearRing_r(geos(), seq), "ring");
}

Geometry Geometry::polygon(const std::vector<Ring>& rings) {
  if (rings.empty()) return empty_polygon();
  GEOSGeometry* shell = make_ring(rings[0]);
  std::vector<GEOSGeometry*> holes;
  for (std::size_t i = 1; i < rings.size(); ++i) holes.push_back(make_ring(rings[i]));
  return Geometry(check(GEOSGeom_createPolygon_r(geos(), shell, holes.data(),
                                                 static_cast<unsigned>(holes.size())),
                        "polygon"));
}

Geometry Geometry::multi(std::vector<Geometry>&& parts) {
  std::vector<GEOSGeometry*> raw;
  bool all_polygons = true;
  for (auto& p : parts) {
    if (GEOSGeomTypeId_r(geos(), p.g_) != GEOS_POLYGON) all_polygons = false;
  }
  for (auto& p : parts) raw.push_back(std::exchange(p.g_, nullptr));
  int type = all_polygons ? GEOS_MULTIPOLYGON : GEOS_GEOMETRYCOLLECTION;
  return Geometry(check(GEOSGeom_createCollection_r(geos(), type, raw.data(),
                                                    static_cast<unsigned>(raw.size())),
                        "collection"));
}

Geometry Geometry::empty_polygon() {
  return Geometry(check(GEOSGeom_createEmptyPolygon_r(geos()), "empty"));
}

bool Geometry::is_empty() const { return !g_ || GEOSisEmpty_r(geos(), g_) == 1; }

bool Geometry::is_polygonal() const {
  if (!g_) return false;
  int t = GEOSGeomTypeId_r(geos(), g_);
  return t == GEOS_POLYGON || t == GEOS_MULTIPOLYGON;
}

std::string Geometry::type_name() const {
  if (!g_) return "null";
  std::unique_ptr<char, GeosFree> t(GEOSGeomType_r(geos(), g_));
  return t ? std::string(t.get()) : std::string();
}

int Geometry::num_parts() const { return g_ ? GEOSGetNumGeometries_r(geos(), g_) : 0; }

Geometry Geometry::part(int i) const {
  return Geometry(check(GEOSGeom_clone_r(geos(), GEOSGetGeometryN_r(geos(), g_, i)), "part"));
}

std::size_t Geometry::num_points() const {
  int n = g_ ? GEOSGetNumCoordinates_r(geos(), g_) : 0;
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

std::string Geometry::wkb() const {
  GEOSWKBWriter* w = GEOSWKBWriter_create_r(geos());
  GEOSWKBWriter_setByteOrder_r(geos(), w, GEOS_WKB_NDR);
  std::size_t size = 0;
  unsigned char* buf = GEOSWKBWriter_write_r(geos(), w, g_, &size);
  GEOSWKBWriter_destroy_r(geos(), w);
  if (!buf) throw Error("cannot write WKB: " + take_geos_error());
  std::string out(reinterpret_cast<char*>(buf), size);
  GEOSFree_r(geos(), buf);
  return out;
}

std::string Geometry::wkt(int decimals) const {
  GEOSWKTWriter* w = GEOSWKTWriter_create_r(geos());
  if (decimals >= 0) {
    GEOSWKTWriter_setRoundingPrecision_r(geos(), w, decimals);
    GEOSWKTWriter_setTrim_r(geos(), w, 1);
  }
  char* s = GEOSWKTWriter_write_r(geos(), w, g_);
  GEOSWKTWriter_destroy_r(geos(), w);
  std::string out = s ? s : "";
  if (s) GEOSFree_r(geos(), s);
  return out;
}

std::string Geometry::geojson() const {
  GEOSGeoJSONWriter* w = GEOSGeoJSONWriter_create_r(geos());
  char* s = GEOSGeoJSONWriter_writeGeometry_r(geos(), w, g_, -1);
  GEOSGeoJSONWriter_destroy_r(geos(), w);
  std::string out = s ? s : "null";
  if (s) GEOSFree_r(geos(), s);
  return out;
}

Envelope Geometry::envelope() const {
  Envelope e;
  if (!g_ || is_empty()) return e;
  GEOSGeom_getXMin_r(geos(), g_, &e.minx);
  GEOSGeom_getYMin_r(geos(), g_, &e.miny);
  GEOSGeom_getXMax_r(geos(), g_, &e.maxx);
  GEOSGeom_getYMax_r(geos(), g_, &e.maxy);
  return e;
}

Validity Geometry::validity() const {
  Validity v;
  char* reason = nullptr;
  GEOSGeometry* location = nullptr;
  char r = GEOSisValidDetail_r(geos(), g_, 0, &reason, &location);
  if (r == 2) throw Error("validity check failed: " + take_geos_error());
  v.valid = r == 1;
  if (reason) {
    v.reason = reason;
    GEOSFree_r(geos(), reason);
  }
  if (location) {
    if (!GEOSisEmpty_r(geos(), location)) {
      GEOSGeomGetX_r(geos(), location, &v.x);
      GEOSGeomGetY_r(geos(), location, &v.y);
      v.has_location = true;
    }
    GEOSGeom_destroy_r(geos(), location);
  }
  return v;
}

Geometry Geometry::make_valid() const {
  GEOSMakeValidParams* p = GEOSMakeValidParams_create_r(geos());
  GEOSMakeValidParams_setMethod_r(geos(), p, GEOS_MAKE_VALID_STRUCTURE);
  GEOSMakeValidParams_setKeepCollapsed_r(geos(), p, 0);
  GEOSGeometry* g = GEOSMakeValidWithParams_r(geos(), g_, p);
  GEOSMakeValidParams_destroy_r(geos(), p);
  return Geometry(check(g, "make valid"));
}

Geometry Geometry::polygonal_part() const {
  if (!g_) return Geometry();
  int t = GEOSGeomTypeId_r(geos(), g_);
  if (t == GEOS_POLYGON || t == GEOS_MULTIPOLYGON) return clone();
  if (t != GEOS_GEOMETRYCOLLECTION) return empty_polygon();
  std::vector<Geometry> polys;
  int n = GEOSGetNumGeometries_r(geos(), g_);
  for (int i = 0; i < n; ++i) {
    Geometry p = part(i).polygonal_part();
    if (p.is_empty()) continue;
    int pn = p.num_parts();
    if (GEOSGeomTypeId_r(geos(), p.g_) == GEOS_POLYGON) {
      polys.push_back(std::move(p));
    } else {
      for (int j = 0; j < pn; ++j) polys.push_back(p.part(j));
    }
  }
  if (polys.empty()) return empty_polygon();
  if (polys.size() == 1) return std::move(polys[0]);
  return multi(std::move(polys));
}

Geometry Geometry::intersection(const Geometry& o) const {
  return Geometry(check(GEOSIntersection_r(geos(), g_, o.g_), "intersection"));
}
Geometry Geometry::difference(const Geometry& o) const {
  return Geometry(check(GEOSDifference_r(geos(), g_, o.g_), "difference"));
}
Geometry Geometry::unite(const Geometry& o) const {
  return Geometry(check(GEOSUnion_r(geos(), g_, o.g_), "union"));
}

Geometry Geometry::union_all(std::vector<Geometry>&& parts) {
  if (parts.empty()) return empty_polygon();
  if (parts.size() == 1) return std::move(parts[0]);
  Geometry coll = multi(std::move(parts));
  return Geometry(check(GEOSUnaryUnion_r(geos(), coll.g_), "union"));
}

Geometry Geometry::buffer(double distance, int quadrant_segments) const {
  return Geometry(check(GEOSBuffer_r(geos(), g_, distance, quadrant_segments), "buffer"));
}

Geometry Geometry::simplify(double tolerance) const {
  return Geometry(check(GEOSTopologyPreserveSimplify_r(geos(), g_, tolerance), "simplify"));
}

Geometry Geometry::densified(double max_segment) const {
  return Geometry(check(GEOSDensify_r(geos(), g_, max_segment), "densify"));
}

namespace {
bool seq_has_segment_longer_than(const GEOSCoordSequence* seq, double length2) {
  unsigned int n = 0;
  GEOSCoordSeq_getSize_r(geos(), seq, &n);
  double px = 0, py = 0;
  for (unsigned int i = 0; i < n; ++i) {
    double x = 0, y = 0;
    GEOSCoordSeq_getXY_r(geos(), seq, i, &x, &y);
    if (i > 0 && (x - px) * (x - px) + (y - py) * (y - py) > length2) return true;
    px = x;
    py = y;
  }
  return false;
}

bool geom_has_segment_longer_than(const GEOSGeometry* g, double length2) {
  switch (GEOSGeomTypeId_r(geos(), g)) {
    case GEOS_POINT:
      return false;
    case GEOS_LINESTRING:
    case GEOS_LINEARRING:
      return seq_has_segment_longer_than(GEOSGeom_getCoordSeq_r(geos(), g), length2);
    case GEOS_POLYGON: {
      if (GEOSisEmpty_r(geos(), g)) return false;
      if (geom_has_segment_longer_than(GEOSGetExteriorRing_r(geos(), g), length2)) return true;
      int nh = GEOSGetNumInteriorRings_r(geos(), g);
      for (int i = 0; i < nh; ++i)
        if (geom_has_segment_longer_than(GEOSGetInteriorRingN_r(geos(), g, i), length2)) return true;
      return false;
    }
    default: {
      int n = GEOSGetNumGeometries_r(geos(), g);
      for (int i = 0; i < n; ++i)
        if (geom_has_segment_longer_than(GEOSGetGeometryN_r(geos(), g, i), length2)) return true;
      return false;
    }
  }
}
}  // namespace

bool Geometry::has_segment_longer_than(double length) const {
  return g_ && geom_has_segment_longer_than(g_, length * length);
}

bool Geometry::intersects(const Geometry& o) const {
  char r = GEOSIntersects_r(geos(), g_, o.g_);
  if (r == 2) throw Error("intersects failed: " + take_geos_error());
  return r == 1;
}

bool Geometry::contains(const Geometry& o) const {
  char r = GEOSContains_r(geos(), g_, o.g_);
  if (r == 2) throw Error("contains failed: " + take_geos_error());
  return r == 1;
}

double Geometry::planar_length() const {
  double len = 0;
  if (!g_ || GEOSLength_r(geos(), g_, &len) != 1) throw Error("cannot measure length: " + take_geos_error());
  return len;
}

double Geometry::planar_area() const {
  double a = 0;
  if (g_) GEOSArea_r(geos(), g_, &a);
  return a;
}

std::pair<double, double> Geometry::centroid() const {
  Geometry c(check(GEOSGetCentroid_r(geos(), g_), "centroid"));
  double x = 0, y = 0;
  if (!c.is_empty()) {
    GEOSGeomGetX_r(geos(), c.g_, &x);
    GEOSGeomGetY_r(geos(), c.g_, &y);
  }
  return {x, y};
}

namespace {
GEOSCoordSequence* transform_seq(const GEOSCoordSequence* seq, const CoordinateTransform& t) {
  unsigned int n = 0;
  GEOSCoordSeq_getSize_r(geos(), seq, &n);
  std::vector<double> buf(static_cast<std::size_t>(n) * 2);
  if (n > 0) GEOSCoordSeq_copyToBuffer_r(geos(), seq, buf.data(), 0, 0);
  t.transform_interleaved(buf.data(), n);
  return GEOSCoordSeq_copyFromBuffer_r(geos(), buf.data(), n, 0, 0);
}

GEOSGeometry* transform_geom(const GEOSGeometry* g, const CoordinateTransform& t) {
  int type = GEOSGeomTypeId_r(geos(), g);
  if (GEOSisEmpty_r(geos(), g)) return GEOSGeom_clone_r(geos(), g);
  switch (type) {
    case GEOS_POINT:
      return GEOSGeom_createPoint_r(geos(), transform_seq(GEOSGeom_getCoordSeq_r(geos(), g), t));
    case GEOS_LINESTRING:
      return GEOSGeom_createLineString_r(geos(),
                                         transform_seq(GEOSGeom_getCoordSeq_r(geos(), g), t));
    case GEOS_LINEARRING:
      return GEOSGeom_createLinearRing_r(geos(),
                                         transform_seq(GEOSGeom_getCoordSeq_r(geos(), g), t));
    case GEOS_POLYGON: {
      GEOSGeometry* shell = transform_geom(GEOSGetExteriorRing_r(geos(), g), t);
      int nh = GEOSGetNumInteriorRings_r(geos(), g);
      std::vector<GEOSGeometry*> holes;
      for (int i = 0; i < nh; ++i) holes.push_back(transform_geom(GEOSGetInteriorRingN_r(geos(), g, i), t));
      return GEOSGeom_createPolygon_r(geos(), shell, holes.data(), static_cast<unsigned>(nh));
    }
    default: {
      int n = GEOSGetNumGeometries_r(geos(), g);
      std::vector<GEOSGeometry*> parts;
      for (int i = 0; i < n; ++i) parts.push_back(transform_geom(GEOSGetGeometryN_r(geos(), g, i), t));
      return GEOSGeom_createCollection_r(geos(), type, parts.data(), static_cast<unsigned>(n));
    }
  }
}

void ring_coords(const GEOSGeometry* ring, Ring& out) {
  const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(geos(), ring);
  unsigned int n = 0;
  GEOSCoordSeq_getSize_r(geos(), seq, &n);
  std::vector<double> buf(static_cast<std::size_t>(n) * 2);
  if (n > 0) GEOSCoordSeq_copyToBuffer_r(geos(), seq, buf.data(), 0, 0);
  out.clear();
  out.reserve(n);
  for (unsigned i = 0; i < n; ++i) out.emplace_back(buf[2 * i], buf[2 * i + 1]);
}

void visit_polygons(const GEOSGeometry* g, const std::function<void(const std::vector<Ring>&)>& fn,
                    std::vector<Ring>& scratch) {
  int type = GEOSGeomTypeId_r(geos(), g);
  if (type == GEOS_POLYGON) {
    if (GEOSisEmpty_r(geos(), g)) return;
    int nh = GEOSGetNumInteriorRings_r(geos(), g);
    scratch.resize(static_cast<std::size_t>(nh) + 1);
    ring_coords(GEOSGetExteriorRing_r(geos(), g), scratch[0]);
    for (int i = 0; i < nh; ++i) ring_coords(GEOSGetInteriorRingN_r(geos(), g, i), scratch[i + 1]);
    fn(scratch);
  } else if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
    int n = GEOSGetNumGeometries_r(geos(), g);
    for (int i = 0; i < n; ++i) visit_polygons(GEOSGetGeometryN_r(geos(), g, i), fn, scratch);
  }
}
}  // namespace

Geometry Geometry::transformed(const CoordinateTransform& t) const {
  if (!g_) return Geometry();
  return Geometry(check(transform_geom(g_, t), "transform"));
}

void Geometry::for_each_polygon(const std::function<void(const std::vector<Ring>&)>& fn) const {
  if (!g_) return;
  std::vector<Ring> scratch;
  visit_polygons(g_, fn, scratch);
}

PreparedGeometry::PreparedGeometry(const Geometry& g) : p_(GEOSPrepare_r(geos(), g.raw())) {
  if (!p_) throw Error("cannot prepare geometry: " + take_geos_error());
}
PreparedGeometry::~PreparedGeometry() {
  if (p_) GEOSPreparedGeom_destroy_r(geos(), p_);
}
bool PreparedGeometry::intersects(const Geometry& g) const {
  char r = GEOSPreparedIntersects_r(geos(), p_, g.raw());
  if (r == 2) throw Error("prepared intersects failed: " + take_geos_error());
  return r == 1;
}
bool PreparedGeometry::contains(const Geometry& g) const {
  char r = GEOSPreparedContains_r(geos(), p_, g.raw());
  if (r == 2) throw Error("prepared contains failed: " + take_geos_error());
  return r == 1;
}
bool PreparedGeometry::covers(const Geometry& g) const {
  char r = GEOSPreparedCovers_r(geos(), p_, g.raw());
  if (r == 2) throw Error("prepared covers failed: " + take_geos_error());
  return r == 1;
}

bool PreparedGeometry::contains_properly(const Geometry& g) const {
  char r = GEOSPreparedContainsProperly_r(geos(), p_, g.raw());
  if (r == 2) throw Error("prepared containsProperly failed: " + take_geos_error());
  return r == 1;
}

bool Geometry::interiors_intersect(const Geometry& o) const {
  char r = GEOSRelatePattern_r(geos(), g_, o.g_, "T********");
  if (r == 2) throw Error("relate failed: " + take_geos_error());
  return r == 1;
}

}  // namespace gz::geo
