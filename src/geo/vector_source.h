// Reading GIS files through GDAL/OGR: Shapefile (with .cpg or an explicit encoding), GeoPackage,
// GeoJSON, File Geodatabase. Every feature comes out in CGCS2000 (EPSG:4490) lon/lat.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "domain/layer.h"
#include "geo/geometry.h"

namespace gz::geo {

struct SourceOptions {
  std::string encoding;      // e.g. "GBK" for a Shapefile without .cpg; empty = as declared
  std::string srs_override;  // CRS to assume when the source declares none
  std::string source_layer;  // layer inside a multi-layer dataset (GeoPackage, FileGDB)
};

struct SourceFeature {
  std::string source_id;
  Geometry geometry;  // EPSG:4490; null when the source feature has no geometry
  Attributes attributes;
};

class VectorSource {
 public:
  // Throws InputError naming the file when it cannot be opened or has no usable CRS.
  VectorSource(const std::string& path, const SourceOptions& options);
  ~VectorSource();
  VectorSource(const VectorSource&) = delete;
  VectorSource& operator=(const VectorSource&) = delete;

  const std::string& path() const { return path_; }
  std::string declared_srs() const;  // "EPSG:4326" or the CRS's name
  std::int64_t feature_count() const;  // -1 when unknown without a full scan
  // The next feature, or false at the end. Throws InputError naming the file, the feature and
  // the reason when a feature cannot be read or transformed.
  bool next(SourceFeature& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
};

}  // namespace gz::geo
