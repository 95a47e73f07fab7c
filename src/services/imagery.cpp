#include "services/imagery.h"

#include <filesystem>
#include <sstream>

#include "common/csv_table.h"
#include "common/data_dir.h"
#include "common/error.h"
#include "storage/store.h"

namespace gz::services {

void validate_imagery_date(const std::string& date) {
  auto digits = [&](std::size_t from, std::size_t n) {
    for (std::size_t i = from; i < from + n; ++i)
      if (date[i] < '0' || date[i] > '9') return false;
    return true;
  };
  bool shape = (date.size() == 7 || date.size() == 10) && digits(0, 4) && date[4] == '-' &&
               digits(5, 2) && (date.size() == 7 || (date[7] == '-' && digits(8, 2)));
  if (!shape)
    throw UsageError("imagery date '" + date + "' must be YYYY-MM or YYYY-MM-DD, e.g. 2025-06");
  int year = std::stoi(date.substr(0, 4)), month = std::stoi(date.substr(5, 2));
  if (year < 1900 || month < 1 || month > 12)
    throw UsageError("imagery date '" + date + "' has no such month");
  if (date.size() == 10) {
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int day = std::stoi(date.substr(8, 2));
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    int last = month == 2 && !leap ? 28 : days[month - 1];
    if (day < 1 || day > last) throw UsageError("imagery date '" + date + "' has no such day");
  }
}

storage::ImageryVersion import_imagery(
    storage::ImageryStore& store, const ImageryImport& request,
    const std::function<void(std::int64_t, std::int64_t)>& progress) {
  storage::validate_layer_name(request.layer);
  validate_imagery_date(request.date);
  // Everything about the source is checked before the store is touched.
  geo::ImageryRaster raster(request.source_path, request.options);
  storage::ImageryVersion v;
  v.layer = request.layer;
  v.date = request.date;
  const auto product = request.options.product;
  v.kind = product == geo::RasterProduct::terrain ? "terrain"
           : product == geo::RasterProduct::slope ? "slope"
                                                  : "imagery";
  v.format = product == geo::RasterProduct::imagery ? request.options.format : "png";
  v.tile_size = request.options.tile_size;
  v.min_zoom = raster.min_zoom();
  v.max_zoom = raster.max_zoom();
  v.bounds = raster.lonlat_bounds();
  v.source = request.source_name.empty()
                 ? std::filesystem::path(request.source_path).filename().string()
                 : request.source_name;
  v.source_srs = raster.srs_name();
  auto writer = store.begin(v);
  std::int64_t tiles = 0;
  raster.tile(
      [&](int z, std::uint32_t x, std::uint32_t y, std::string data) {
        writer->add(z, x, y, data);
        ++tiles;
      },
      progress);
  if (tiles == 0)
    throw InputError("imagery " + request.source_path +
                     ": has no visible pixel (every pixel is no-data or transparent)");
  return writer->commit();
}

std::vector<geo::SlopeClass> slope_grades() {
  const std::string path = data_dir() + "/slope_grades.csv";
  std::istringstream in(read_file(path));
  std::string line;
  std::vector<geo::SlopeClass> grades;
  for (int n = 1; std::getline(in, line); ++n) {
    if (n == 1 || line.empty()) continue;
    auto f = split_csv_line(line);
    if (f.size() < 6) throw InputError(path + " line " + std::to_string(n) + ": expected 6 fields");
    geo::SlopeClass c;
    c.max_deg = std::stod(f[1]);
    for (int i = 0; i < 4; ++i) c.rgba[i] = static_cast<std::uint8_t>(std::stoi(f[2 + i]));
    grades.push_back(c);
  }
  if (grades.empty()) throw InputError(path + ": no grades");
  return grades;
}

std::vector<storage::ImageryVersion> import_dem(
    storage::ImageryStore& store, const ImageryImport& request,
    const std::function<void(std::int64_t, std::int64_t)>& progress) {
  std::vector<storage::ImageryVersion> out;
  ImageryImport terrain = request;
  terrain.options.product = geo::RasterProduct::terrain;
  ImageryImport slope = request;
  slope.layer = request.layer + "_slope";
  slope.options.product = geo::RasterProduct::slope;
  slope.options.slope_classes = slope_grades();
  storage::validate_layer_name(slope.layer);
  out.push_back(import_imagery(store, terrain, progress));
  out.push_back(import_imagery(store, slope, progress));
  return out;
}

std::string imagery_content_type(const std::string& format) {
  if (format == "jpeg") return "image/jpeg";
  if (format == "png") return "image/png";
  return "image/webp";
}

}  // namespace gz::services
