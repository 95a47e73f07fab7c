// Importing a GIS file or a coordinate TXT as a new version of a layer: read through GDAL, reproject to CGCS2000,
// validate every geometry and the attributes the layer's kind needs, store in one transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "domain/layer.h"
#include "geo/vector_source.h"
#include "storage/store.h"

namespace gz::services {

struct ImportRequest {
  std::string layer;
  LayerKind kind = LayerKind::land_use;
  std::string source_path;
  geo::SourceOptions source;
  bool repair = false;
};

struct ImportResult {
  LayerVersion version;
  std::int64_t repaired = 0;
  // What the source noticed without refusing (a coordinate TXT's declared area that disagrees
  // with its geometry), each naming the feature.
  std::vector<std::string> warnings;
};

// done, total (total < 0 when unknown)
using Progress = std::function<void(std::int64_t, std::int64_t)>;

// All or nothing: on any error (InputError naming file, feature and reason; StorageError) the
// store is left exactly as before.
ImportResult import_layer(storage::Store& store, const ImportRequest& request,
                          const Progress& progress = {});

}  // namespace gz::services
