// Coordinate reference systems: PROJ transforms between CGCS2000 (EPSG:4490) and the
// Gauss–Krüger 3° zones used for overlay. Longitude/latitude order throughout (x = lon).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace gz::geo {

constexpr int kCgcs2000 = 4490;

// A transform between two CRSs (anything PROJ understands: "EPSG:4490", WKT, PROJ string).
// Not thread-safe: each thread builds its own.
class CoordinateTransform {
 public:
  CoordinateTransform(const std::string& from, const std::string& to);
  ~CoordinateTransform();
  CoordinateTransform(const CoordinateTransform&) = delete;
  CoordinateTransform& operator=(const CoordinateTransform&) = delete;
  // xy holds n interleaved (x, y) pairs, transformed in place. Throws on failure.
  void transform_interleaved(double* xy, std::size_t n) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The CGCS2000 3° Gauss–Krüger zone (central meridian, no zone prefix: EPSG:4534–4554) whose
// central meridian is nearest to `longitude`. Throws outside China's zones 25–45.
int gauss_kruger_3deg_epsg(double longitude);
int gauss_kruger_3deg_central_meridian(double longitude);

// The PROJ string of a CRS PROJ knows ("EPSG:2383" gives "+proj=tmerc … +a=6378140 …"), for
// adding a +towgs84 datum shift to it. Throws Error when PROJ cannot express it.
std::string crs_proj_string(const std::string& crs);

// The CRS a layer's edges are straight in (docs/areas.md "Edges"), from its version's
// source_srs ("EPSG:4526", "EPSG:2383 +towgs84=…", "EPSG:4490", a name GDAL gave): empty when
// the source is geographic or its CRS is unknown (edges straight in longitude/latitude, as
// stored), else a definition of the projected CRS that PROJ can transform EPSG:4490 to.
std::string projected_source_crs(const std::string& source_srs);

// Whether PROJ's best operation from `from` to `to` is a ballpark one: a datum change it does
// not know and would do as a zero shift.
bool transform_is_ballpark(const std::string& from, const std::string& to);

}  // namespace gz::geo
