// A digital elevation model (DEM raster, any format GDAL reads) turned into slope in degrees by
// GDAL's DEM processing (Horn's method), held in memory, and asked how much of a polygon is
// steep. GDAL stays behind this header.
#pragma once

#include <memory>
#include <string>

#include "geo/geometry.h"

namespace gz::geo {

class CoordinateTransform;

class DemSlope {
 public:
  // Opens the raster at `path`; throws InputError naming the file when it cannot be read, has no
  // CRS, or its band is not elevation-like (one band).
  explicit DemSlope(const std::string& path);
  ~DemSlope();
  DemSlope(const DemSlope&) = delete;
  DemSlope& operator=(const DemSlope&) = delete;

  // The raster's CRS (WKT), for a CoordinateTransform from EPSG:4490 made per thread.
  const std::string& crs_wkt() const { return wkt_; }
  int width() const { return width_; }
  int height() const { return height_; }

  // Share (0..1) of `lonlat`'s DEM cells (cell centres inside the polygon, in the raster CRS)
  // whose slope is at least `threshold_deg`; a polygon smaller than a cell is judged by the cell
  // under its centroid; 0 outside the raster or on no-data cells. `to_dem` transforms EPSG:4490
  // to crs_wkt() (not thread-safe: one per thread). Reads only memory: thread-safe otherwise.
  double steep_share(const Geometry& lonlat, const CoordinateTransform& to_dem,
                     double threshold_deg) const;

 private:
  std::string wkt_;
  int width_ = 0, height_ = 0;
  double gt_[6] = {0, 1, 0, 0, 0, 1};
  std::unique_ptr<float[]> slope_;
  float nodata_ = -9999.0f;
};

}  // namespace gz::geo
