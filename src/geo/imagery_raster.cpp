#include "geo/imagery_raster.h"

#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <gdal_alg.h>
#include <gdal_utils.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <utility>

#include "common/error.h"
#include "geo/gdal_support.h"

namespace gz::geo {

namespace {

constexpr double kMercatorHalf = 20037508.342789244;  // EPSG:3857 x at 180°
std::atomic<std::uint64_t> g_serial{0};

struct DatasetHandle {
  GDALDatasetH h = nullptr;
  DatasetHandle() = default;
  explicit DatasetHandle(GDALDatasetH d) : h(d) {}
  ~DatasetHandle() {
    if (h) GDALClose(h);
  }
  DatasetHandle(DatasetHandle&& o) noexcept : h(std::exchange(o.h, nullptr)) {}
  DatasetHandle& operator=(DatasetHandle&& o) noexcept {
    if (this != &o) {
      if (h) GDALClose(h);
      h = std::exchange(o.h, nullptr);
    }
    return *this;
  }
};

// argv for GDAL's utility option parsers, freed at the end of the scope.
struct Argv {
  char** list = nullptr;
  ~Argv() { CSLDestroy(list); }
  void add(const std::string& s) { list = CSLAddString(list, s.c_str()); }
};

std::string num(double d) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.10f", d);
  return buf;
}

double lat_of(double y) { return std::atan(std::sinh(y / kMercatorHalf * M_PI)) * 180.0 / M_PI; }

std::string gdal_reason() {
  auto e = take_gdal_errors();
  return e.empty() ? "GDAL reported no reason" : e;
}

// Encodes `nbands` interleaved 8-bit bands (3 or 4) of size×size pixels in `format`.
std::string encode(const std::uint8_t* pixels, int size, int nbands, const std::string& format,
                   int quality) {
  GDALDriverH mem = GDALGetDriverByName("MEM");
  DatasetHandle ds(GDALCreate(mem, "", size, size, nbands, GDT_Byte, nullptr));
  if (!ds.h) throw Error("cannot make an in-memory tile: " + gdal_reason());
  if (GDALDatasetRasterIO(ds.h, GF_Write, 0, 0, size, size, const_cast<std::uint8_t*>(pixels),
                          size, size, GDT_Byte, nbands, nullptr, 4, 4 * size, 1) != CE_None)
    throw Error("cannot fill an in-memory tile: " + gdal_reason());
  if (nbands == 4)
    GDALSetRasterColorInterpretation(GDALGetRasterBand(ds.h, 4), GCI_AlphaBand);
  Argv copts;
  const char* driver_name = "WEBP";
  if (format == "webp") {
    if (quality >= 100) copts.add("LOSSLESS=TRUE");
    else copts.add("QUALITY=" + std::to_string(quality));
  } else if (format == "jpeg") {
    driver_name = "JPEG";
    copts.add("QUALITY=" + std::to_string(quality));
  } else {
    driver_name = "PNG";
    copts.add("ZLEVEL=6");
  }
  std::string name = "/vsimem/gongzhi_tile_" + std::to_string(g_serial++) + "." + format;
  DatasetHandle out(GDALCreateCopy(GDALGetDriverByName(driver_name), name.c_str(), ds.h, FALSE,
                                   copts.list, nullptr, nullptr));
  if (!out.h) {
    VSIUnlink(name.c_str());
    throw Error("cannot encode a " + format + " tile: " + gdal_reason());
  }
  out = DatasetHandle();
  vsi_l_offset length = 0;
  GByte* bytes = VSIGetMemFileBuffer(name.c_str(), &length, TRUE);
  std::string data(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(length));
  CPLFree(bytes);
  VSIUnlink(name.c_str());
  // The PNG driver leaves an .aux.xml beside its output when it has metadata to keep.
  VSIUnlink((name + ".aux.xml").c_str());
  return data;
}

}  // namespace

struct ImageryRaster::Impl {
  DatasetHandle source;  // the file as opened
  DatasetHandle view;    // a VRT over it: the bands shown, the CRS assumed
  std::string temp_dir;  // the VRT and its overviews when they had to be built
  ~Impl() {
    view = DatasetHandle();
    source = DatasetHandle();
    if (!temp_dir.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(temp_dir, ec);
    }
  }
};

namespace {
int overview_progress(double fraction, const char*, void* data) {
  auto* fn = static_cast<const std::function<void(double)>*>(data);
  if (*fn) (*fn)(fraction);
  return TRUE;
}
}  // namespace

ImageryRaster::ImageryRaster(const std::string& path, const ImageryOptions& options)
    : impl_(std::make_unique<Impl>()), path_(path), options_(options) {
  ensure_gdal_registered();
  GdalErrorScope errors;
  const std::string what = "imagery " + path + ": ";
  if (options.format != "webp" && options.format != "jpeg" && options.format != "png")
    throw UsageError("tile format must be webp, jpeg or png, not '" + options.format + "'");
  if (options.tile_size != 256 && options.tile_size != 512)
    throw UsageError("tile size must be 256 or 512");
  if (options.quality < 1 || options.quality > 100)
    throw UsageError("quality must be 1 to 100");
  if (options.product != RasterProduct::imagery) options_.format = "png";  // exact values
  impl_->source = DatasetHandle(GDALOpenEx(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY,
                                           nullptr, nullptr, nullptr));
  if (!impl_->source.h)
    throw InputError(what + "GDAL cannot open it as a raster (" + gdal_reason() + ")");
  GDALDatasetH src = impl_->source.h;
  const int count = GDALGetRasterCount(src);
  std::vector<int> bands = options.bands;
  if (options.product != RasterProduct::imagery) {
    // A DEM: one band of elevations, of any numeric type.
    if (bands.empty()) bands = {1};
    if (bands.size() != 1) throw UsageError("a DEM takes one band (--bands N)");
    if (bands[0] < 1 || bands[0] > count)
      throw InputError(what + "has no band " + std::to_string(bands[0]) + " (it has " +
                       std::to_string(count) + ")");
    if (options.product == RasterProduct::slope && options.slope_classes.empty())
      throw UsageError("slope tiles need slope classes");
  } else {
  if (bands.empty()) {
    if (count < 3)
      throw InputError(what + "has " + std::to_string(count) +
                       (count == 1 ? " band" : " bands") +
                       "; imagery needs red, green and blue bands (a single-band elevation "
                       "raster is a DEM, not imagery: import it with --kind dem; choose bands "
                       "with --bands)");
    bands = {1, 2, 3};
    if (count >= 4 &&
        GDALGetRasterColorInterpretation(GDALGetRasterBand(src, 4)) == GCI_AlphaBand)
      bands.push_back(4);
  }
  if (bands.size() != 3 && bands.size() != 4)
    throw UsageError("--bands takes 3 band numbers (R,G,B) or 4 (R,G,B,alpha)");
  for (int b : bands)
    if (b < 1 || b > count)
      throw InputError(what + "has no band " + std::to_string(b) + " (it has " +
                       std::to_string(count) + ")");
  for (int b : bands)
    if (GDALGetRasterDataType(GDALGetRasterBand(src, b)) != GDT_Byte)
      throw InputError(what + "band " + std::to_string(b) + " is " +
                       GDALGetDataTypeName(GDALGetRasterDataType(GDALGetRasterBand(src, b))) +
                       ", not 8-bit; convert it to 8-bit (gdal_translate -ot Byte -scale) first");
  }

  const char* wkt = GDALGetProjectionRef(src);
  bool has_crs = wkt && *wkt;
  if (!has_crs && options.assume_srs.empty())
    throw InputError(what + "declares no coordinate reference system; give it with --srs "
                            "(e.g. --srs EPSG:4527)");
  double gt[6];
  if (GDALGetGeoTransform(src, gt) != CE_None)
    throw InputError(what + "has no georeferencing (no geotransform)");

  Argv targs;
  targs.add("-of");
  targs.add("VRT");
  for (int b : bands) {
    targs.add("-b");
    targs.add(std::to_string(b));
  }
  if (bands.size() == 4 && options.product == RasterProduct::imagery) {
    targs.add("-colorinterp_4");
    targs.add("alpha");
  }
  if (!has_crs) {
    targs.add("-a_srs");
    targs.add(options.assume_srs);
  }
  GDALTranslateOptions* topts = GDALTranslateOptionsNew(targs.list, nullptr);
  int usage_error = 0;
  impl_->view = DatasetHandle(GDALTranslate("", src, topts, &usage_error));
  GDALTranslateOptionsFree(topts);
  if (!impl_->view.h) throw InputError(what + "cannot select its bands: " + gdal_reason());
  // A large source without overviews would have every low zoom warped from full resolution:
  // they are built (averaged) on a VRT of the source in a temporary directory, never in the
  // user's file or beside it, and removed with this raster.
  {
    GDALRasterBandH first = GDALGetRasterBand(src, bands[0]);
    const int largest = std::max(GDALGetRasterXSize(src), GDALGetRasterYSize(src));
    if (options.product != RasterProduct::slope && GDALGetOverviewCount(first) == 0 &&
        largest > options.overview_min_pixels) {
      std::string tmpl = (std::filesystem::temp_directory_path() / "gongzhi-ovr-XXXXXX").string();
      if (!mkdtemp(tmpl.data())) throw Error(what + "cannot make a temporary directory for overviews");
      impl_->temp_dir = tmpl;
      const std::string vrt = tmpl + "/view.vrt";
      {
        DatasetHandle copy(GDALCreateCopy(GDALGetDriverByName("VRT"), vrt.c_str(), impl_->view.h,
                                          FALSE, nullptr, nullptr, nullptr));
        if (!copy.h) throw Error(what + "cannot write a VRT for overviews: " + gdal_reason());
      }
      DatasetHandle onto(GDALOpenEx(vrt.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr,
                                    nullptr, nullptr));
      if (!onto.h) throw Error(what + "cannot open the VRT for overviews: " + gdal_reason());
      std::vector<int> levels;
      for (int f = 2; largest / f >= options.tile_size; f *= 2) levels.push_back(f);
      if (levels.empty()) levels.push_back(2);
      const char* resampling = options.product == RasterProduct::imagery ? "AVERAGE" : "NEAREST";
      CPLErr e = GDALBuildOverviews(onto.h, resampling, static_cast<int>(levels.size()),
                                    levels.data(), 0, nullptr, overview_progress,
                                    const_cast<std::function<void(double)>*>(&options.on_overviews));
      auto failure = take_gdal_errors();
      if (e != CE_None)
        throw InputError(what + "cannot be read to build overviews (truncated or damaged?): " +
                         (failure.empty() ? std::string("GDAL failed") : failure));
      impl_->view = std::move(onto);
      overviews_built_ = true;
    }
  }
  if (options.product == RasterProduct::slope) {
    // Slope in degrees on the source's grid (held in memory, as for assessment's DemSlope);
    // lon/lat DEMs scale their degrees to metres.
    OGRSpatialReferenceH vs = OSRNewSpatialReference(GDALGetProjectionRef(impl_->view.h));
    bool geographic = vs && OSRIsGeographic(vs);
    if (vs) OSRDestroySpatialReference(vs);
    Argv dargs;
    for (const char* a : {"-of", "MEM", "-compute_edges", "-alg", "Horn"}) dargs.add(a);
    if (geographic) {
      dargs.add("-s");
      dargs.add("111120");
    }
    GDALDEMProcessingOptions* dopts = GDALDEMProcessingOptionsNew(dargs.list, nullptr);
    DatasetHandle slope(GDALDEMProcessing("", impl_->view.h, "slope", nullptr, dopts, &usage_error));
    GDALDEMProcessingOptionsFree(dopts);
    auto failure = take_gdal_errors();
    if (!slope.h || !failure.empty())
      throw InputError(what + "cannot be read to compute slope (truncated or damaged?): " +
                       (failure.empty() ? std::string("GDAL failed") : failure));
    impl_->view = std::move(slope);
  }

  OGRSpatialReferenceH srs = OSRNewSpatialReference(GDALGetProjectionRef(impl_->view.h));
  if (!srs) throw InputError(what + "its CRS is not understood: " + gdal_reason());
  const char* auth = OSRGetAuthorityName(srs, nullptr);
  const char* code = OSRGetAuthorityCode(srs, nullptr);
  if (auth && code) srs_name_ = std::string(auth) + ":" + code;
  else if (const char* n = OSRGetName(srs)) srs_name_ = n;
  OSRDestroySpatialReference(srs);

  char** topt = CSLSetNameValue(nullptr, "DST_SRS", "EPSG:3857");
  void* transformer = GDALCreateGenImgProjTransformer2(impl_->view.h, nullptr, topt);
  CSLDestroy(topt);
  if (!transformer)
    throw InputError(what + "cannot be transformed to Web Mercator: " + gdal_reason());
  double ogt[6];
  int w = 0, h = 0;
  double extent[4];
  CPLErr err = GDALSuggestedWarpOutput2(impl_->view.h, GDALGenImgProjTransform, transformer, ogt,
                                        &w, &h, extent, 0);
  GDALDestroyGenImgProjTransformer(transformer);
  if (err != CE_None || w <= 0 || h <= 0)
    throw InputError(what + "its extent cannot be transformed to Web Mercator: " +
                     gdal_reason());
  minx_ = std::max(extent[0], -kMercatorHalf);
  miny_ = std::max(extent[1], -kMercatorHalf);
  maxx_ = std::min(extent[2], kMercatorHalf);
  maxy_ = std::min(extent[3], kMercatorHalf);
  if (minx_ >= maxx_ || miny_ >= maxy_)
    throw InputError(what + "lies outside the Web Mercator world");

  const double world = 2 * kMercatorHalf, res = ogt[1];
  int native = static_cast<int>(std::ceil(std::log2(world / (options.tile_size * res)) - 1e-6));
  native = std::clamp(native, 0, 22);
  double span = std::max(maxx_ - minx_, maxy_ - miny_);
  int whole = std::clamp(static_cast<int>(std::floor(std::log2(world / span))), 0, native);
  max_zoom_ = options.max_zoom.value_or(native);
  min_zoom_ = options.min_zoom.value_or(std::min(whole, max_zoom_));
  if (max_zoom_ < 0 || max_zoom_ > 22 || min_zoom_ < 0 || min_zoom_ > max_zoom_)
    throw UsageError("zooms must satisfy 0 <= min zoom <= max zoom <= 22 (given " +
                     std::to_string(min_zoom_) + " to " + std::to_string(max_zoom_) + ")");
}

ImageryRaster::~ImageryRaster() = default;

Envelope ImageryRaster::lonlat_bounds() const {
  return {minx_ / kMercatorHalf * 180.0, lat_of(miny_), maxx_ / kMercatorHalf * 180.0,
          lat_of(maxy_)};
}

namespace {
struct TileRange {
  std::uint32_t x0, y0, x1, y1;  // inclusive
};
TileRange range_at(int z, double minx, double miny, double maxx, double maxy) {
  const double n = std::ldexp(1.0, z), span = 2 * kMercatorHalf / n;
  auto clampi = [&](double v) {
    return static_cast<std::uint32_t>(std::clamp(std::floor(v), 0.0, n - 1));
  };
  // A hair inside the bounds, so that imagery ending on a tile edge takes no tile beyond it.
  const double eps = span * 1e-6;
  return {clampi((minx + eps + kMercatorHalf) / span), clampi((kMercatorHalf - maxy + eps) / span),
          clampi((maxx - eps + kMercatorHalf) / span), clampi((kMercatorHalf - miny - eps) / span)};
}
}  // namespace

std::int64_t ImageryRaster::windows() const {
  std::int64_t total = 0;
  const int b = options_.window_tiles;
  for (int z = max_zoom_; z >= min_zoom_; --z) {
    auto r = range_at(z, minx_, miny_, maxx_, maxy_);
    total += ((r.x1 - r.x0) / b + 1) * ((r.y1 - r.y0) / b + 1);
  }
  return total;
}

void ImageryRaster::tile(const TileSink& sink,
                         const std::function<void(std::int64_t, std::int64_t)>& progress) const {
  GdalErrorScope errors;
  const std::string what = "imagery " + path_ + ": ";
  const int ts = options_.tile_size, b = options_.window_tiles;
  const bool dem = options_.product != RasterProduct::imagery;
  const std::int64_t total = windows();
  std::int64_t done = 0;
  std::vector<std::uint8_t> pixels(static_cast<std::size_t>(ts) * ts * 4);
  std::vector<float> values(dem ? static_cast<std::size_t>(ts) * ts * 2 : 0);
  for (int z = max_zoom_; z >= min_zoom_; --z) {
    const auto r = range_at(z, minx_, miny_, maxx_, maxy_);
    const double span = 2 * kMercatorHalf / std::ldexp(1.0, z);
    for (std::uint32_t wy = r.y0; wy <= r.y1; wy += b) {
      for (std::uint32_t wx = r.x0; wx <= r.x1; wx += b) {
        const std::uint32_t nx = std::min<std::uint32_t>(b, r.x1 - wx + 1);
        const std::uint32_t ny = std::min<std::uint32_t>(b, r.y1 - wy + 1);
        Argv args;
        for (const char* a : {"-of", "MEM", "-t_srs", "EPSG:3857", "-r", "bilinear", "-dstalpha",
                              "-wm", "64", "-te"})
          args.add(a);
        args.add(num(-kMercatorHalf + wx * span));
        args.add(num(kMercatorHalf - (wy + ny) * span));
        args.add(num(-kMercatorHalf + (wx + nx) * span));
        args.add(num(kMercatorHalf - wy * span));
        args.add("-ts");
        args.add(std::to_string(nx * ts));
        args.add(std::to_string(ny * ts));
        if (dem) {
          args.add("-ot");
          args.add("Float32");
        }
        GDALWarpAppOptions* wopts = GDALWarpAppOptionsNew(args.list, nullptr);
        GDALDatasetH src = impl_->view.h;
        int usage_error = 0;
        DatasetHandle window(GDALWarp("", nullptr, 1, &src, wopts, &usage_error));
        GDALWarpAppOptionsFree(wopts);
        auto failure = take_gdal_errors();
        if (!window.h || !failure.empty())
          throw InputError(what + "cannot be read to its end (truncated or damaged?): " +
                           (failure.empty() ? std::string("the warp failed") : failure));
        if (GDALGetRasterCount(window.h) != (dem ? 2 : 4))
          throw Error(what + "the warp gave " + std::to_string(GDALGetRasterCount(window.h)) +
                      " bands");
        // Terrain: the window's heights at once, the no-data pixels given the height of the
        // nearest valid one (a hole or the DEM's edge is no cliff down to 0 m).
        const bool terrain = options_.product == RasterProduct::terrain;
        const int ww = static_cast<int>(nx) * ts, wh = static_cast<int>(ny) * ts;
        std::vector<float> heights;
        std::vector<std::uint8_t> valid;
        if (terrain) {
          std::vector<float> pairs(static_cast<std::size_t>(ww) * wh * 2);
          if (GDALDatasetRasterIO(window.h, GF_Read, 0, 0, ww, wh, pairs.data(), ww, wh,
                                  GDT_Float32, 2, nullptr, 8, 8 * static_cast<GSpacing>(ww),
                                  4) != CE_None)
            throw Error(what + "cannot read a warped window: " + gdal_reason());
          heights.resize(static_cast<std::size_t>(ww) * wh);
          valid.resize(heights.size());
          for (std::size_t i = 0; i < heights.size(); ++i) {
            heights[i] = pairs[2 * i];
            valid[i] = pairs[2 * i + 1] > 0 ? 1 : 0;
          }
          fill_nodata_nearest(heights.data(), valid.data(), ww, wh);
        }
        for (std::uint32_t ty = 0; ty < ny; ++ty) {
          for (std::uint32_t tx = 0; tx < nx; ++tx) {
            if (terrain) {
              bool any = false;
              for (int row = 0; row < ts && !any; ++row) {
                const std::size_t at = (static_cast<std::size_t>(ty) * ts + row) * ww + tx * ts;
                for (int col = 0; col < ts; ++col) any = any || valid[at + col];
              }
              if (!any) continue;
              for (int row = 0; row < ts; ++row) {
                const std::size_t at = (static_cast<std::size_t>(ty) * ts + row) * ww + tx * ts;
                for (int col = 0; col < ts; ++col) {
                  auto rgb = terrarium(heights[at + col]);
                  std::uint8_t* px = &pixels[4 * (static_cast<std::size_t>(row) * ts + col)];
                  px[0] = rgb[0], px[1] = rgb[1], px[2] = rgb[2], px[3] = 255;
                }
              }
              sink(z, wx + tx, wy + ty, encode(pixels.data(), ts, 3, "png", options_.quality));
              continue;
            }
            if (dem) {
              if (GDALDatasetRasterIO(window.h, GF_Read, static_cast<int>(tx) * ts,
                                      static_cast<int>(ty) * ts, ts, ts, values.data(), ts, ts,
                                      GDT_Float32, 2, nullptr, 8, 8 * ts, 4) != CE_None)
                throw Error(what + "cannot read a warped window: " + gdal_reason());
              bool any = false;
              for (std::size_t i = 1; i < values.size(); i += 2) any = any || values[i] > 0;
              if (!any) continue;
              for (std::size_t i = 0, n = static_cast<std::size_t>(ts) * ts; i < n; ++i) {
                const float v = values[2 * i];
                const bool valid = values[2 * i + 1] > 0;
                std::uint8_t* px = &pixels[4 * i];
                px[0] = px[1] = px[2] = px[3] = 0;
                if (!valid) continue;
                for (const auto& c : options_.slope_classes)
                  if (v <= c.max_deg || &c == &options_.slope_classes.back()) {
                    px[0] = c.rgba[0], px[1] = c.rgba[1], px[2] = c.rgba[2], px[3] = c.rgba[3];
                    break;
                  }
              }
              sink(z, wx + tx, wy + ty, encode(pixels.data(), ts, 4, "png", options_.quality));
              continue;
            }
            if (GDALDatasetRasterIO(window.h, GF_Read, static_cast<int>(tx) * ts,
                                    static_cast<int>(ty) * ts, ts, ts, pixels.data(), ts, ts,
                                    GDT_Byte, 4, nullptr, 4, 4 * ts, 1) != CE_None)
              throw Error(what + "cannot read a warped window: " + gdal_reason());
            bool any = false, opaque = true;
            for (std::size_t i = 3; i < pixels.size(); i += 4) {
              any = any || pixels[i] != 0;
              opaque = opaque && pixels[i] == 255;
            }
            if (!any) continue;
            int nbands = (opaque || options_.format == "jpeg") ? 3 : 4;
            std::string data;
            if (nbands == 3) {
              // Keep the 4-byte stride; encode() reads the first three of every four bytes.
              data = encode(pixels.data(), ts, 3, options_.format, options_.quality);
            } else {
              data = encode(pixels.data(), ts, 4, options_.format, options_.quality);
            }
            sink(z, wx + tx, wy + ty, std::move(data));
          }
        }
        if (progress) progress(++done, total);
      }
    }
  }
}

bool fill_nodata_nearest(float* heights, const std::uint8_t* valid, int width, int height) {
  // Breadth-first from every valid pixel at once over the 8 neighbours: each no-data pixel
  // takes the height of the first valid pixel to reach it, its nearest in chessboard distance.
  const std::size_t n = static_cast<std::size_t>(width) * height;
  std::vector<std::uint8_t> done(valid, valid + n);
  std::vector<std::uint32_t> queue;
  queue.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    if (done[i]) queue.push_back(static_cast<std::uint32_t>(i));
  if (queue.empty()) return false;
  for (std::size_t head = 0; head < queue.size(); ++head) {
    const std::uint32_t i = queue[head];
    const int x = static_cast<int>(i % width), y = static_cast<int>(i / width);
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        const int nx = x + dx, ny = y + dy;
        if ((dx == 0 && dy == 0) || nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
        const std::size_t j = static_cast<std::size_t>(ny) * width + nx;
        if (done[j]) continue;
        done[j] = 1;
        heights[j] = heights[i];
        queue.push_back(static_cast<std::uint32_t>(j));
      }
  }
  return true;
}

std::array<std::uint8_t, 3> terrarium(double metres) {
  double v = std::clamp(metres + 32768.0, 0.0, 65535.996);
  auto whole = static_cast<std::uint32_t>(std::floor(v));
  auto frac = static_cast<std::uint32_t>(std::floor((v - whole) * 256));
  return {static_cast<std::uint8_t>(whole >> 8), static_cast<std::uint8_t>(whole & 0xff),
          static_cast<std::uint8_t>(std::min<std::uint32_t>(frac, 255))};
}

std::vector<std::uint8_t> decode_rgba(const std::string& data, int& width, int& height) {
  ensure_gdal_registered();
  GdalErrorScope errors;
  std::string name = "/vsimem/gongzhi_decode_" + std::to_string(g_serial++);
  VSILFILE* f = VSIFileFromMemBuffer(name.c_str(),
                                     reinterpret_cast<GByte*>(const_cast<char*>(data.data())),
                                     data.size(), FALSE);
  if (!f) throw InputError("cannot decode an image: no memory file");
  VSIFCloseL(f);
  std::vector<std::uint8_t> out;
  {
    DatasetHandle ds(GDALOpenEx(name.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr,
                                nullptr, nullptr));
    if (!ds.h) {
      VSIUnlink(name.c_str());
      throw InputError("cannot decode an image: " + gdal_reason());
    }
    width = GDALGetRasterXSize(ds.h);
    height = GDALGetRasterYSize(ds.h);
    int n = GDALGetRasterCount(ds.h);
    out.assign(static_cast<std::size_t>(width) * height * 4, 255);
    if (GDALDatasetRasterIO(ds.h, GF_Read, 0, 0, width, height, out.data(), width, height,
                            GDT_Byte, std::min(n, 4), nullptr, 4, 4 * width, 1) != CE_None) {
      VSIUnlink(name.c_str());
      throw InputError("cannot decode an image: " + gdal_reason());
    }
  }
  VSIUnlink(name.c_str());
  return out;
}

void write_geotiff(const std::string& path, int width, int height, int bands,
                   const std::vector<std::uint8_t>& pixels, const double geotransform[6],
                   const std::string& srs, std::optional<double> nodata) {
  ensure_gdal_registered();
  GdalErrorScope errors;
  Argv copts;
  copts.add("TILED=YES");
  copts.add("COMPRESS=DEFLATE");
  if (bands >= 3) copts.add("PHOTOMETRIC=RGB");
  if (bands == 4) copts.add("ALPHA=YES");
  DatasetHandle ds(GDALCreate(GDALGetDriverByName("GTiff"), path.c_str(), width, height, bands,
                              GDT_Byte, copts.list));
  if (!ds.h) throw Error("cannot create " + path + ": " + gdal_reason());
  GDALSetGeoTransform(ds.h, const_cast<double*>(geotransform));
  if (!srs.empty()) {
    OGRSpatialReferenceH s = OSRNewSpatialReference(nullptr);
    if (OSRSetFromUserInput(s, srs.c_str()) != OGRERR_NONE) {
      OSRDestroySpatialReference(s);
      throw UsageError("unknown CRS " + srs);
    }
    GDALSetSpatialRef(ds.h, s);
    OSRDestroySpatialReference(s);
  }
  if (nodata)
    for (int b = 1; b <= bands; ++b) GDALSetRasterNoDataValue(GDALGetRasterBand(ds.h, b), *nodata);
  if (GDALDatasetRasterIO(ds.h, GF_Write, 0, 0, width, height,
                          const_cast<std::uint8_t*>(pixels.data()), width, height, GDT_Byte,
                          bands, nullptr, bands, static_cast<GSpacing>(bands) * width,
                          1) != CE_None)
    throw Error("cannot write " + path + ": " + gdal_reason());
}

void write_elevation_geotiff(const std::string& path, int width, int height,
                             const std::vector<float>& metres, const double geotransform[6],
                             const std::string& srs, std::optional<double> nodata) {
  ensure_gdal_registered();
  GdalErrorScope errors;
  Argv copts;
  copts.add("TILED=YES");
  DatasetHandle ds(GDALCreate(GDALGetDriverByName("GTiff"), path.c_str(), width, height, 1,
                              GDT_Float32, copts.list));
  if (!ds.h) throw Error("cannot create " + path + ": " + gdal_reason());
  GDALSetGeoTransform(ds.h, const_cast<double*>(geotransform));
  if (!srs.empty()) {
    OGRSpatialReferenceH s = OSRNewSpatialReference(nullptr);
    if (OSRSetFromUserInput(s, srs.c_str()) != OGRERR_NONE) {
      OSRDestroySpatialReference(s);
      throw UsageError("unknown CRS " + srs);
    }
    GDALSetSpatialRef(ds.h, s);
    OSRDestroySpatialReference(s);
  }
  GDALRasterBandH band = GDALGetRasterBand(ds.h, 1);
  if (nodata) GDALSetRasterNoDataValue(band, *nodata);
  if (GDALRasterIO(band, GF_Write, 0, 0, width, height, const_cast<float*>(metres.data()), width,
                   height, GDT_Float32, 0, 0) != CE_None)
    throw Error("cannot write " + path + ": " + gdal_reason());
}

}  // namespace gz::geo

namespace gz::geo {

struct ImageryCanvas::Impl {
  DatasetHandle mem;  // bands R, G, B, texture
  int width = 0, height = 0;
  double gt[6] = {};
  OGRCoordinateTransformationH to_mercator = nullptr;
  std::vector<OGRGeometryH> pending;
  std::vector<double> burn;  // 4 values per pending geometry
  ~Impl() {
    for (auto g : pending) OGR_G_DestroyGeometry(g);
    if (to_mercator) OCTDestroyCoordinateTransformation(to_mercator);
  }
};

ImageryCanvas::ImageryCanvas(const Envelope& lonlat, double pixel_m,
                             std::array<std::uint8_t, 3> background, int max_pixels)
    : impl_(std::make_unique<Impl>()) {
  ensure_gdal_registered();
  GdalErrorScope errors;
  auto merc_y = [](double lat) {
    return std::log(std::tan(M_PI / 4 + lat * M_PI / 360)) * kMercatorHalf / M_PI;
  };
  const double minx = lonlat.minx * kMercatorHalf / 180, maxx = lonlat.maxx * kMercatorHalf / 180;
  const double miny = merc_y(lonlat.miny), maxy = merc_y(lonlat.maxy);
  pixel_m_ = std::max(pixel_m, std::max(maxx - minx, maxy - miny) / max_pixels);
  impl_->width = std::max(1, static_cast<int>(std::ceil((maxx - minx) / pixel_m_)));
  impl_->height = std::max(1, static_cast<int>(std::ceil((maxy - miny) / pixel_m_)));
  impl_->mem = DatasetHandle(GDALCreate(GDALGetDriverByName("MEM"), "", impl_->width,
                                        impl_->height, 4, GDT_Byte, nullptr));
  if (!impl_->mem.h) throw Error("cannot make the imagery canvas: " + gdal_reason());
  double gt[6] = {minx, pixel_m_, 0, maxy, 0, -pixel_m_};
  std::copy(gt, gt + 6, impl_->gt);
  GDALSetGeoTransform(impl_->mem.h, gt);
  for (int b = 0; b < 3; ++b)
    GDALFillRaster(GDALGetRasterBand(impl_->mem.h, b + 1), background[b], 0);
  GDALFillRaster(GDALGetRasterBand(impl_->mem.h, 4), 0, 0);
  OGRSpatialReferenceH ll = OSRNewSpatialReference(nullptr), merc = OSRNewSpatialReference(nullptr);
  OSRImportFromEPSG(ll, 4490);
  OSRImportFromEPSG(merc, 3857);
  OSRSetAxisMappingStrategy(ll, OAMS_TRADITIONAL_GIS_ORDER);
  OSRSetAxisMappingStrategy(merc, OAMS_TRADITIONAL_GIS_ORDER);
  impl_->to_mercator = OCTNewCoordinateTransformation(ll, merc);
  OSRDestroySpatialReference(ll);
  OSRDestroySpatialReference(merc);
  if (!impl_->to_mercator) throw Error("cannot transform to Web Mercator: " + gdal_reason());
}

ImageryCanvas::~ImageryCanvas() = default;

void ImageryCanvas::paint(const std::string& wkb, std::array<std::uint8_t, 3> rgb,
                          Texture texture) {
  OGRGeometryH g = nullptr;
  if (OGR_G_CreateFromWkb(wkb.data(), nullptr, &g, static_cast<int>(wkb.size())) !=
          OGRERR_NONE ||
      !g)
    throw Error("imagery canvas: a polygon's WKB cannot be read");
  if (OGR_G_Transform(g, impl_->to_mercator) != OGRERR_NONE) {
    OGR_G_DestroyGeometry(g);
    throw Error("imagery canvas: a polygon cannot be transformed to Web Mercator");
  }
  impl_->pending.push_back(g);
  for (double v : {double(rgb[0]), double(rgb[1]), double(rgb[2]),
                   double(static_cast<std::uint8_t>(texture))})
    impl_->burn.push_back(v);
  if (impl_->pending.size() >= 4096) flush();
}

void ImageryCanvas::flush() {
  if (impl_->pending.empty()) return;
  GdalErrorScope errors;
  int bands[4] = {1, 2, 3, 4};
  CPLErr err = GDALRasterizeGeometries(impl_->mem.h, 4, bands,
                                       static_cast<int>(impl_->pending.size()),
                                       impl_->pending.data(), nullptr, nullptr,
                                       impl_->burn.data(), nullptr, nullptr, nullptr);
  for (auto g : impl_->pending) OGR_G_DestroyGeometry(g);
  impl_->pending.clear();
  impl_->burn.clear();
  if (err != CE_None) throw Error("imagery canvas: cannot rasterize: " + gdal_reason());
}

void ImageryCanvas::write(const std::string& path) {
  flush();
  GdalErrorScope errors;
  const int w = impl_->width, h = impl_->height;
  Argv copts;
  copts.add("TILED=YES");
  copts.add("PHOTOMETRIC=RGB");
  DatasetHandle out(GDALCreate(GDALGetDriverByName("GTiff"), path.c_str(), w, h, 3, GDT_Byte,
                               copts.list));
  if (!out.h) throw Error("cannot create " + path + ": " + gdal_reason());
  GDALSetGeoTransform(out.h, impl_->gt);
  OGRSpatialReferenceH merc = OSRNewSpatialReference(nullptr);
  OSRImportFromEPSG(merc, 3857);
  GDALSetSpatialRef(out.h, merc);
  OSRDestroySpatialReference(merc);
  std::vector<std::uint8_t> row(static_cast<std::size_t>(w) * 4), rgb(static_cast<std::size_t>(w) * 3);
  auto grain = [](std::uint32_t x, std::uint32_t y) {
    std::uint32_t v = x * 374761393u + y * 668265263u;
    v = (v ^ (v >> 13)) * 1274126177u;
    return static_cast<int>((v ^ (v >> 16)) & 0xff) - 128;  // -128..127
  };
  for (int y = 0; y < h; ++y) {
    if (GDALDatasetRasterIO(impl_->mem.h, GF_Read, 0, y, w, 1, row.data(), w, 1, GDT_Byte, 4,
                            nullptr, 4, 4 * w, 1) != CE_None)
      throw Error("imagery canvas: " + gdal_reason());
    for (int x = 0; x < w; ++x) {
      const std::uint8_t* p = &row[static_cast<std::size_t>(x) * 4];
      int d = grain(x, y) / 16;  // fine grain, ±8
      switch (static_cast<Texture>(p[3])) {
        case Texture::furrows: d += ((x + y / 2) % 6 < 2) ? -14 : 4; break;
        case Texture::canopy: d += grain(x / 3, y / 3) / 5; break;
        case Texture::roofs: d += (x % 5 == 0 || y % 5 == 0) ? -30 : grain(x / 5, y / 5) / 6; break;
        case Texture::water: d = grain(x / 4, y) / 40; break;
        default: break;
      }
      for (int c = 0; c < 3; ++c)
        rgb[static_cast<std::size_t>(x) * 3 + c] =
            static_cast<std::uint8_t>(std::clamp(static_cast<int>(p[c]) + d, 0, 255));
    }
    if (GDALDatasetRasterIO(out.h, GF_Write, 0, y, w, 1, rgb.data(), w, 1, GDT_Byte, 3, nullptr,
                            3, 3 * w, 1) != CE_None)
      throw Error("cannot write " + path + ": " + gdal_reason());
  }
}

}  // namespace gz::geo
