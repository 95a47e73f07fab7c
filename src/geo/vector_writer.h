// Writing features to GIS files through GDAL/OGR drivers (GeoPackage, Shapefile, OpenFileGDB,
// GeoJSON, CSV), one feature at a time: the caller streams from the store, nothing is held but
// a few thousand features in flight. The caller's thread prepares each feature while a thread
// of the writer's own runs the driver, so an export uses two cores.
// A GeoPackage in the data's CRS (EPSG:4490, no transformation) is laid out by GDAL (tables,
// CRS, fields, spatial index, metadata) and its rows are then inserted straight through SQLite:
// the stored WKB goes into the GeoPackage geometry blob as it is (a Polygon wrapped as a
// one-part MultiPolygon where the layer asks), the attributes go from the stored JSON text into
// the columns, and the spatial index gets each row's stored envelope. The file reads back the
// same, feature for feature, as one GDAL writes feature by feature.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "domain/layer.h"

namespace gz::geo {

enum class FieldType { integer, real, text };

struct FieldSpec {
  std::string name;         // attribute name in the store
  std::string output_name;  // field name in the file (Shapefile: ≤ 10 bytes)
  FieldType type = FieldType::text;
  int width = 0;  // text: the longest value in bytes (Shapefile DBF width, at most 254)
};

struct WriterOptions {
  std::string driver;      // GDAL short name: GPKG, ESRI Shapefile, OpenFileGDB, GeoJSON, CSV
  std::string layer_name;
  std::string srs = "EPSG:4490";  // CRS of the file; features are transformed from EPSG:4490
  std::string encoding;    // Shapefile DBF encoding (written to the .cpg), e.g. GBK
  bool multi_polygon = false;  // layer type MultiPolygon (every feature promoted) or Polygon
  bool add_layer = false;      // add a layer to the existing dataset at the path (a .gdb)
};

class VectorWriter {
 public:
  // Creates the dataset at `path` (which must not exist), or opens it to add a layer. Throws
  // Error naming the file.
  VectorWriter(const std::string& path, const WriterOptions& options,
               const std::vector<FieldSpec>& fields);
  ~VectorWriter();
  VectorWriter(const VectorWriter&) = delete;
  VectorWriter& operator=(const VectorWriter&) = delete;

  // One feature: its stored WKB (EPSG:4490) and attributes (matched to the fields by name).
  void add(std::string_view wkb, const Attributes& attributes, const std::string& feature_label);
  // The same from the store's own form: the envelope of the geometry and the attributes as the
  // stored JSON object text (decoded here, straight into the fields).
  void add_stored(std::string_view wkb, const Envelope& bbox, std::string_view attributes_json,
                  const std::string& feature_label);
  // Commits and closes the dataset; throws Error when GDAL reports a failure.
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// DBF field names for `names` (in order): each at most 10 bytes once written in `encoding`, cut
// on a character boundary, unique ignoring case (a clash ends in _1, _2 …). docs/exchange.md.
std::vector<std::string> shapefile_field_names(const std::vector<std::string>& names,
                                               const std::string& encoding);

}  // namespace gz::geo
