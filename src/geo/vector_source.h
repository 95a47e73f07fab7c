// Reading GIS files through GDAL/OGR: Shapefile (with .cpg or an explicit encoding), GeoPackage,
// GeoJSON, File Geodatabase. Every feature comes out in CGCS2000 (EPSG:4490) lon/lat.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "domain/layer.h"
#include "geo/geometry.h"

namespace gz::geo {

struct SourceOptions {
  std::string encoding;      // e.g. "GBK" for a Shapefile without .cpg; empty = as declared
  std::string srs_override;  // CRS to assume when the source declares none
  std::string source_layer;  // layer inside a multi-layer dataset (GeoPackage, FileGDB)
  // Coordinate TXT in 1980西安/1954北京 without 转换参数: the 7 Bursa–Wolf parameters to CGCS2000
  // "dx,dy,dz,rx,ry,rz,ppm" (metres, arc-seconds, ppm; PROJ's +towgs84 convention).
  std::string towgs84;
};

struct SourceFeature {
  std::string source_id;
  Geometry geometry;  // EPSG:4490; null when the source feature has no geometry
  Attributes attributes;
};

// Any readable source of features: a GIS file through GDAL, or a coordinate TXT.
class FeatureSource {
 public:
  virtual ~FeatureSource() = default;
  virtual std::string declared_srs() const = 0;  // "EPSG:4326" or the CRS's name
  virtual std::int64_t feature_count() const = 0;  // -1 when unknown without a full scan
  // The next feature, or false at the end. Throws InputError naming the file, the feature and
  // the reason when a feature cannot be read or transformed.
  virtual bool next(SourceFeature& out) = 0;
  // What the reader noticed that does not stop an import (a declared area that disagrees with
  // the geometry), each naming the feature.
  virtual std::vector<std::string> warnings() const { return {}; }
};

// The reader for `path`: a coordinate TXT (.txt) or a GDAL dataset. Throws InputError naming
// the file when it cannot be read.
std::unique_ptr<FeatureSource> open_feature_source(const std::string& path,
                                                   const SourceOptions& options);

class VectorSource : public FeatureSource {
 public:
  // Throws InputError naming the file when it cannot be opened or has no usable CRS.
  VectorSource(const std::string& path, const SourceOptions& options);
  ~VectorSource();
  VectorSource(const VectorSource&) = delete;
  VectorSource& operator=(const VectorSource&) = delete;

  const std::string& path() const { return path_; }
  std::string declared_srs() const override;
  std::int64_t feature_count() const override;
  bool next(SourceFeature& out) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
};

}  // namespace gz::geo
