// Imagery (数字正射影像 DOM) in storage: tile pyramids in Web Mercator, one per layer and date,
// in two tables beside the layer tables (imagery_version, imagery_tile) of the same SQLite file
// or PostgreSQL schema. A date of a layer is written as one transaction: readers see the whole
// pyramid or none of it, and writing a date again replaces it whole.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "domain/layer.h"
#include "storage/store.h"

namespace gz::storage {

struct ImageryVersion {
  std::string layer;
  std::string date;          // YYYY-MM or YYYY-MM-DD (sorts as time)
  std::string kind = "imagery";  // imagery, terrain (Terrarium elevations) or slope (graded)
  std::string format;        // tile encoding: "webp", "jpeg" or "png"
  int tile_size = 256;       // pixels across a tile
  int min_zoom = 0, max_zoom = 0;
  Envelope bounds;           // lon/lat (WGS 84 / CGCS2000) of the imagery
  std::string source;        // file name imported
  std::string source_srs;    // its CRS as named by the file ("EPSG:4527", or a WKT name)
  std::int64_t tiles = 0;    // tiles stored (fully transparent tiles are not)
  std::int64_t bytes = 0;    // their encoded size
  std::string imported_at;   // UTC, ISO 8601 (set by the store at commit)
};

// Writes one date of an imagery layer: nothing is visible until commit(), and a writer destroyed
// without commit() leaves the store as before. add() takes tiles in any order, each once.
class ImageryWriter {
 public:
  virtual ~ImageryWriter() = default;
  virtual void add(int z, std::uint32_t x, std::uint32_t y, const std::string& data) = 0;
  // Records the version (tiles and bytes counted from add()) and commits.
  virtual ImageryVersion commit() = 0;
};

class ImageryStore {
 public:
  virtual ~ImageryStore() = default;
  // The imagery of the store at `location` (a SQLite file, "pg:…" or "postgresql://…"), with
  // its tables made where missing. options.create makes a SQLite file that does not exist.
  static std::unique_ptr<ImageryStore> open(const std::string& location,
                                            const OpenOptions& options = {});

  // Every date of every layer, by layer then date; of one layer when `layer` is given.
  virtual std::vector<ImageryVersion> versions(const std::optional<std::string>& layer = {}) = 0;
  virtual std::optional<ImageryVersion> version(const std::string& layer,
                                                const std::string& date) = 0;
  // The encoded tile, or nullopt where none is stored (outside the imagery, or transparent).
  virtual std::optional<std::string> tile(const std::string& layer, const std::string& date,
                                          int z, std::uint32_t x, std::uint32_t y) = 0;
  // A writer on a connection of its own; `v` gives everything but tiles, bytes, imported_at.
  virtual std::unique_ptr<ImageryWriter> begin(const ImageryVersion& v) = 0;
  // Removes one date of a layer; false when there was none.
  virtual bool remove(const std::string& layer, const std::string& date) = 0;
};

}  // namespace gz::storage
