// Imagery (数字正射影像 DOM) by date: importing a GeoTIFF as a tile pyramid of one layer and
// date (geo/imagery_raster.h cuts it, storage/imagery_store.h keeps it, all or nothing), and
// reading tiles back for the map. Dates are YYYY-MM or YYYY-MM-DD: a layer's dates sort as time.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "geo/imagery_raster.h"
#include "storage/imagery_store.h"

namespace gz::services {

// YYYY-MM or YYYY-MM-DD with a real month and day; throws UsageError saying what is wrong.
void validate_imagery_date(const std::string& date);

struct ImageryImport {
  std::string layer;   // e.g. "dom"
  std::string date;    // e.g. "2025-06"
  std::string source_path;
  std::string source_name;  // what the version records as its source; default the file's name
  geo::ImageryOptions options;
};

// Cuts the source into tiles and stores them as the layer's `date` (replacing an earlier import
// of that date) in one transaction: on any error (a refused source, a truncated file, a storage
// failure) nothing is stored. `progress` gets (warp windows done, windows).
storage::ImageryVersion import_imagery(
    storage::ImageryStore& store, const ImageryImport& request,
    const std::function<void(std::int64_t, std::int64_t)>& progress = {});

// A DEM (elevation raster, metres, any CRS GDAL knows) as two pyramids of `layer`'s date:
// terrain tiles (Terrarium PNG: MapLibre's 3D terrain and hillshade) in `layer`, and its slope
// coloured by the GDPDJB grades of data/slope_grades.csv in `layer`_slope. Each is one
// transaction; the terrain is written first. Returns both versions.
std::vector<storage::ImageryVersion> import_dem(
    storage::ImageryStore& store, const ImageryImport& request,
    const std::function<void(std::int64_t, std::int64_t)>& progress = {});

// The GDPDJB slope grades of data/slope_grades.csv, steepest last.
std::vector<geo::SlopeClass> slope_grades();

// The MIME type of a tile format ("webp" → "image/webp").
std::string imagery_content_type(const std::string& format);

}  // namespace gz::services
