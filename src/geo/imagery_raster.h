// Orthoimagery (DOM) rasters cut into a Web Mercator tile pyramid through GDAL: the source is
// checked (a CRS, 8-bit bands to show as RGB, readable to its end), warped to EPSG:3857 one
// window of tiles at a time (bounded memory whatever the file's size; GDAL picks the source's
// overviews for the lower zooms), and every tile that is not wholly transparent is encoded as
// WebP, JPEG or PNG. No-data pixels become transparent (alpha 0). GDAL stays behind this header.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "domain/layer.h"

namespace gz::geo {

// What a pyramid holds. `terrain`: elevations of a DEM (its first band, or bands[0], metres) as
// Terrarium-encoded PNG (height = R·256 + G + B/256 − 32768; MapLibre's raster-dem "terrarium"),
// no-data filled from the nearest valid height (fill_nodata_nearest) within each warp window. `slope`: the DEM's slope (GDAL's Horn method) coloured by `slope_classes`.
enum class RasterProduct { imagery, terrain, slope };

// A slope class up to `max_deg` (the GDPDJB grades: 2, 6, 15, 25, 90) and its colour.
struct SlopeClass {
  double max_deg = 90;
  std::array<std::uint8_t, 4> rgba{};
};

struct ImageryOptions {
  RasterProduct product = RasterProduct::imagery;
  std::vector<SlopeClass> slope_classes;  // ascending max_deg; product slope only
  std::vector<int> bands;     // source bands shown as R, G, B (and A); empty: 1,2,3 (+4 if alpha)
  std::string assume_srs;     // CRS of a source that declares none ("EPSG:4527")
  std::string format = "webp";  // webp, jpeg or png
  int tile_size = 256;        // 256 or 512
  int quality = 85;           // webp / jpeg quality, 1–100
  std::optional<int> min_zoom, max_zoom;  // default: from the source's extent and resolution
  int window_tiles = 8;       // tiles across one warp window (memory: (8·256)² · 4 bytes)
  // A source wider or taller than this, with no overviews, gets them built on a temporary VRT
  // (never in or beside the source file); `on_overviews` hears the fraction done.
  int overview_min_pixels = 8192;
  std::function<void(double)> on_overviews;
};

class ImageryRaster {
 public:
  // Opens and checks `path`; throws InputError naming the file and the reason (cannot be read,
  // no CRS, a single band, not 8-bit, a band number out of range).
  ImageryRaster(const std::string& path, const ImageryOptions& options);
  ~ImageryRaster();
  ImageryRaster(const ImageryRaster&) = delete;
  ImageryRaster& operator=(const ImageryRaster&) = delete;

  const std::string& srs_name() const { return srs_name_; }
  Envelope lonlat_bounds() const;  // of the imagery, clamped to the Mercator limit
  int min_zoom() const { return min_zoom_; }
  int max_zoom() const { return max_zoom_; }
  // Whether overviews were built for this import (the source had none and is large).
  bool overviews_built() const { return overviews_built_; }
  // Windows (warp calls) tile() will make: for a progress bar.
  std::int64_t windows() const;

  // Every tile of the pyramid with any visible pixel, highest zoom first, encoded. `progress`
  // gets (windows done, windows). Throws InputError when the source cannot be read to its end
  // (a truncated file) or the warp fails.
  using TileSink = std::function<void(int z, std::uint32_t x, std::uint32_t y, std::string data)>;
  void tile(const TileSink& sink,
            const std::function<void(std::int64_t, std::int64_t)>& progress = {}) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_, srs_name_;
  ImageryOptions options_;
  double minx_ = 0, miny_ = 0, maxx_ = 0, maxy_ = 0;  // EPSG:3857 metres
  int min_zoom_ = 0, max_zoom_ = 0;
  bool overviews_built_ = false;
};

// Gives every pixel whose `valid` is 0 the height of its nearest valid pixel (chessboard
// distance; ties by scan order). False, changing nothing, when no pixel is valid.
bool fill_nodata_nearest(float* heights, const std::uint8_t* valid, int width, int height);

// The Terrarium encoding of an elevation in metres (clamped to −32768 … 32767.996).
std::array<std::uint8_t, 3> terrarium(double metres);

// Decodes an encoded image (a tile) into 8-bit RGBA pixels, row by row; width and height set.
// Throws InputError when GDAL cannot read it. For tests and the demo's checks.
std::vector<std::uint8_t> decode_rgba(const std::string& data, int& width, int& height);

// Writes 8-bit RGB(A) pixels (`bands` interleaved per pixel) as a GeoTIFF georeferenced by
// `geotransform` in `srs` ("EPSG:3857"; empty: no CRS), with `nodata` on every band if given.
// The demo's synthetic imagery and the tests' sources.
void write_geotiff(const std::string& path, int width, int height, int bands,
                   const std::vector<std::uint8_t>& pixels, const double geotransform[6],
                   const std::string& srs, std::optional<double> nodata = std::nullopt);

// Writes one band of elevations (metres) as a Float32 GeoTIFF, as write_geotiff does for bytes.
void write_elevation_geotiff(const std::string& path, int width, int height,
                             const std::vector<float>& metres, const double geotransform[6],
                             const std::string& srs, std::optional<double> nodata = std::nullopt);

// A synthetic orthoimage painted from polygons (the demo's imagery): an RGB raster in EPSG:3857
// held in memory, polygons (lon/lat WKB) burnt in by GDAL's rasterizer with a colour and a
// texture each, then written as a GeoTIFF with the texture applied (per-pixel grain, furrows on
// fields, canopy on woods, roofs on buildings). The grain depends only on the pixel, so what did
// not change between two dates looks the same in both.
enum class Texture : std::uint8_t { plain = 0, furrows = 1, canopy = 2, roofs = 3, water = 4 };

class ImageryCanvas {
 public:
  // Covers `lonlat` at `pixel_m` Web Mercator metres per pixel (coarser when it would exceed
  // `max_pixels` across), filled with `background`.
  ImageryCanvas(const Envelope& lonlat, double pixel_m, std::array<std::uint8_t, 3> background,
                int max_pixels = 5000);
  ~ImageryCanvas();
  ImageryCanvas(const ImageryCanvas&) = delete;
  ImageryCanvas& operator=(const ImageryCanvas&) = delete;

  double pixel_m() const { return pixel_m_; }
  // Burns one polygon in; painted in batches, later ones over earlier ones.
  void paint(const std::string& wkb_lonlat, std::array<std::uint8_t, 3> rgb, Texture texture);
  // Paints what is pending and writes the GeoTIFF.
  void write(const std::string& path);

 private:
  void flush();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  double pixel_m_ = 0;
};

}  // namespace gz::geo
