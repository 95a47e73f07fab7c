// Exporting a version of a layer as agencies and designers take it: GeoPackage, Shapefile
// (GBK .cpg, ≤10-byte DBF names, .prj), File Geodatabase (OpenFileGDB), GeoJSON, CSV (WKT),
// xlsx (attributes and areas) or the ministry's coordinate TXT. Features stream from the
// store into the writer in one read: the fields, their types and widths and the extent were
// recorded when the version was written (a version written before that is read once more to
// learn them first); the output appears under its name only once complete.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/layer.h"
#include "storage/store.h"

namespace gz::services {

enum class ExportFormat { gpkg, shp, gdb, geojson, csv, xlsx, txt };
// Throws UsageError naming the formats when `text` is none of them.
ExportFormat parse_export_format(std::string_view text);
std::string_view to_string(ExportFormat f);

struct ExportRequest {
  std::string layer;
  std::optional<int> version;
  ExportFormat format = ExportFormat::gpkg;
  std::string output;
  // "" = the data's CRS (EPSG:4490; for TXT the data's Gauss–Krüger zone), "auto" = the 3°
  // Gauss–Krüger zone of the data (EPSG:4534–4554), or any CRS PROJ knows ("EPSG:4549").
  std::string srs;
  std::string encoding;  // Shapefile DBF and TXT; default GBK
  bool force = false;    // replace an existing output
};

struct ExportResult {
  LayerVersion version;
  std::int64_t features = 0;
  std::string srs;  // the CRS written
  // Shapefile fields whose names had to change: (attribute name, DBF field name).
  std::vector<std::pair<std::string, std::string>> renamed_fields;
  // The version had no recorded schema, so its features were read twice.
  bool schema_read = false;
};

using ExportProgress = std::function<void(std::int64_t done, std::int64_t total)>;

// Throws UsageError for an existing output without `force` or a bad option, NotFoundError for
// a missing layer/version, Error when writing fails; a failed export leaves no output behind
// (and an existing one untouched).
ExportResult export_layer(storage::Store& store, const ExportRequest& request,
                          const ExportProgress& progress = {});

// The schema of a version learnt by reading its features (what a version written before
// schemas were recorded needs; the same as the recorded one otherwise).
LayerSchema read_layer_schema(storage::Store& store, const LayerVersion& v);

// The same writers for features made in memory (a project's boundary or planned plots), written
// as a layer named `name`; `request.layer` and `request.version` are not used.
ExportResult export_features(const std::string& name, std::vector<StoredFeature> features,
                             const ExportRequest& request);

}  // namespace gz::services
