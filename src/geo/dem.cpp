#include "geo/dem.h"

#include <gdal_priv.h>
#include <gdal_utils.h>
#include <ogr_spatialref.h>

#include <atomic>
#include <cmath>
#include <mutex>

#include "common/error.h"
#include "geo/crs.h"

namespace gz::geo {

namespace {
std::once_flag g_register;
std::atomic<int> g_serial{0};

struct DatasetCloser {
  void operator()(GDALDataset* d) const {
    if (d) GDALClose(d);
  }
};
using Dataset = std::unique_ptr<GDALDataset, DatasetCloser>;
}  // namespace

DemSlope::DemSlope(const std::string& path) {
  std::call_once(g_register, [] { GDALAllRegister(); });
  Dataset src(static_cast<GDALDataset*>(GDALOpenEx(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY,
                                                   nullptr, nullptr, nullptr)));
  if (!src) throw InputError("DEM " + path + ": GDAL cannot open it as a raster");
  if (src->GetRasterCount() != 1)
    throw InputError("DEM " + path + ": expected one band of elevation, found " +
                     std::to_string(src->GetRasterCount()));
  const OGRSpatialReference* srs = src->GetSpatialRef();
  if (!srs) throw InputError("DEM " + path + ": the raster declares no CRS");
  char* wkt = nullptr;
  srs->exportToWkt(&wkt);
  wkt_ = wkt ? wkt : "";
  CPLFree(wkt);
  // Slope needs metres horizontally: a geographic DEM is scaled by metres per degree.
  CPLStringList args;
  args.AddString("-compute_edges");
  if (srs->IsGeographic()) {
    args.AddString("-s");
    args.AddString("111120");
  }
  args.AddString("-of");
  args.AddString("GTiff");
  GDALDEMProcessingOptions* options = GDALDEMProcessingOptionsNew(args.List(), nullptr);
  std::string out = "/vsimem/gongzhi_slope_" + std::to_string(++g_serial) + ".tif";
  int usage_error = 0;
  Dataset slope(static_cast<GDALDataset*>(
      GDALDEMProcessing(out.c_str(), GDALDataset::ToHandle(src.get()), "slope", nullptr, options, &usage_error)));
  GDALDEMProcessingOptionsFree(options);
  if (!slope) throw InputError("DEM " + path + ": GDAL could not compute the slope");
  width_ = slope->GetRasterXSize();
  height_ = slope->GetRasterYSize();
  slope->GetGeoTransform(gt_);
  GDALRasterBand* band = slope->GetRasterBand(1);
  int has_nodata = 0;
  double nd = band->GetNoDataValue(&has_nodata);
  if (has_nodata) nodata_ = static_cast<float>(nd);
  slope_ = std::make_unique<float[]>(static_cast<std::size_t>(width_) * height_);
  if (band->RasterIO(GF_Read, 0, 0, width_, height_, slope_.get(), width_, height_, GDT_Float32, 0, 0) != CE_None)
    throw InputError("DEM " + path + ": the slope could not be read");
  slope.reset();
  VSIUnlink(out.c_str());
}

DemSlope::~DemSlope() = default;

double DemSlope::steep_share(const Geometry& lonlat, const CoordinateTransform& to_dem,
                             double threshold_deg) const {
  Geometry g = lonlat.transformed(to_dem);
  Envelope e = g.envelope();
  // Pixel window of the envelope (north-up rasters: gt_[2] == gt_[4] == 0).
  auto col = [&](double x) { return (x - gt_[0]) / gt_[1]; };
  auto row = [&](double y) { return (y - gt_[3]) / gt_[5]; };
  int c0 = std::max(0, static_cast<int>(std::floor(std::min(col(e.minx), col(e.maxx)))));
  int c1 = std::min(width_ - 1, static_cast<int>(std::floor(std::max(col(e.minx), col(e.maxx)))));
  int r0 = std::max(0, static_cast<int>(std::floor(std::min(row(e.miny), row(e.maxy)))));
  int r1 = std::min(height_ - 1, static_cast<int>(std::floor(std::max(row(e.miny), row(e.maxy)))));
  if (c0 > c1 || r0 > r1) return 0;
  PreparedGeometry prepared(g);
  long inside = 0, steep = 0;
  for (int r = r0; r <= r1; ++r)
    for (int c = c0; c <= c1; ++c) {
      double x = gt_[0] + (c + 0.5) * gt_[1], y = gt_[3] + (r + 0.5) * gt_[5];
      Geometry pt = Geometry::from_wkt("POINT(" + std::to_string(x) + " " + std::to_string(y) + ")");
      if (!prepared.contains(pt)) continue;
      float s = slope_[static_cast<std::size_t>(r) * width_ + c];
      if (s == nodata_) continue;
      ++inside;
      if (s >= threshold_deg) ++steep;
    }
  if (inside == 0) {
    auto [x, y] = g.centroid();
    int c = static_cast<int>(std::floor(col(x))), r = static_cast<int>(std::floor(row(y)));
    if (c < 0 || r < 0 || c >= width_ || r >= height_) return 0;
    float s = slope_[static_cast<std::size_t>(r) * width_ + c];
    return s != nodata_ && s >= threshold_deg ? 1.0 : 0.0;
  }
  return static_cast<double>(steep) / static_cast<double>(inside);
}

}  // namespace gz::geo
