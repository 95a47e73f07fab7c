#include "services/demo_imagery.h"

#include <unistd.h>

#include <array>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>

#include "common/csv_table.h"
#include "common/data_dir.h"
#include "common/error.h"
#include "geo/imagery_raster.h"
#include "services/imagery.h"
#include "storage/store.h"

namespace gz::services {

namespace {

struct ClassLook {
  std::string prefix;
  std::array<std::uint8_t, 3> rgb;
  geo::Texture texture;
};

std::vector<ClassLook> load_looks() {
  const std::string path = data_dir() + "/demo_imagery_colors.csv";
  std::vector<ClassLook> looks;
  std::istringstream in(read_file(path));
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (n == 1 || line.empty()) continue;
    auto f = split_csv_line(line);
    if (f.size() < 5) throw InputError(path + " line " + std::to_string(n) + ": expected 5 fields");
    ClassLook l;
    l.prefix = f[0];
    for (int c = 0; c < 3; ++c) l.rgb[c] = static_cast<std::uint8_t>(std::stoi(f[1 + c]));
    const std::string& t = f[4];
    l.texture = t == "furrows" ? geo::Texture::furrows
                : t == "canopy" ? geo::Texture::canopy
                : t == "roofs"  ? geo::Texture::roofs
                : t == "water"  ? geo::Texture::water
                                : geo::Texture::plain;
    looks.push_back(l);
  }
  return looks;
}

// The look of the longest prefix of `code`.
const ClassLook* look_of(const std::vector<ClassLook>& looks, const std::string& code) {
  const ClassLook* best = nullptr;
  for (const auto& l : looks)
    if (code.rfind(l.prefix, 0) == 0 && (!best || l.prefix.size() > best->prefix.size())) best = &l;
  return best;
}

std::atomic<int> g_serial{0};

}  // namespace

std::vector<storage::ImageryVersion> write_demo_imagery(
    const std::string& location, const DemoImageryOptions& options,
    const std::function<void(const std::string&, std::int64_t, std::int64_t)>& progress) {
  const auto looks = load_looks();
  auto store = storage::Store::open(location);
  auto versions = store->versions("land_use");
  // The extent of the first version frames both dates.
  Envelope bounds{std::numeric_limits<double>::max(), std::numeric_limits<double>::max(),
                  std::numeric_limits<double>::lowest(), std::numeric_limits<double>::lowest()};
  store->scan(versions.front(), [&](StoredFeature&& f) {
    bounds.minx = std::min(bounds.minx, f.bbox.minx);
    bounds.miny = std::min(bounds.miny, f.bbox.miny);
    bounds.maxx = std::max(bounds.maxx, f.bbox.maxx);
    bounds.maxy = std::max(bounds.maxy, f.bbox.maxy);
  });
  std::vector<std::pair<LayerVersion, std::string>> dates = {{versions.front(), options.before_date}};
  if (versions.size() > 1) dates.emplace_back(versions.back(), options.after_date);

  auto imagery = storage::ImageryStore::open(location);
  std::vector<storage::ImageryVersion> out;
  // Pixels of the highest zoom: the tiles are cut 1:1.
  const double pixel_m = 2 * 20037508.342789244 / (256.0 * std::ldexp(1.0, options.max_zoom));
  for (const auto& version_date : dates) {
    // Named, not a structured binding: the scan's lambda captures it (clang before 16 refuses).
    const auto& version = version_date.first;
    const auto& date = version_date.second;
    geo::ImageryCanvas canvas(bounds, pixel_m, {170, 165, 140});
    std::int64_t done = 0;
    const std::string phase = "imagery " + date;
    store->scan(version, [&](StoredFeature&& f) {
      auto code = attribute_text(f.attributes, "DLBM").value_or("");
      if (const ClassLook* l = look_of(looks, code)) canvas.paint(f.wkb, l->rgb, l->texture);
      if (progress && ++done % 1000 == 0) progress(phase, done, version.feature_count);
    });
    auto path = (std::filesystem::temp_directory_path() /
                 ("gongzhi-demo-imagery-" + std::to_string(::getpid()) + "-" +
                  std::to_string(g_serial++) + ".tif"))
                    .string();
    struct Remove {
      std::string p;
      ~Remove() {
        std::error_code ec;
        std::filesystem::remove(p, ec);
      }
    } remove{path};
    canvas.write(path);
    ImageryImport r;
    r.layer = options.layer;
    r.date = date;
    r.source_path = path;
    r.source_name = "demo: land_use v" + std::to_string(version.version);
    r.options.format = "webp";
    r.options.quality = 80;
    r.options.min_zoom = options.min_zoom;
    // A canvas made coarser than asked (a very large county) has no detail for the top zooms.
    r.options.max_zoom = std::min(
        options.max_zoom,
        static_cast<int>(std::ceil(std::log2(2 * 20037508.342789244 / (256 * canvas.pixel_m())) -
                                   1e-6)));
    r.options.min_zoom = std::min(*r.options.min_zoom, *r.options.max_zoom);
    auto v = import_imagery(*imagery, r, [&](std::int64_t d, std::int64_t t) {
      if (progress) progress(phase + " tiles", d, t);
    });
    out.push_back(v);
  }
  if (!options.dem_layer.empty()) {
    // Rolling land, 20–60 m, with a range of hills in the west rising to about 260 m.
    const double cell = 0.0003;  // degrees, about 30 m
    const double margin = 0.01;
    const double west = bounds.minx - margin, north = bounds.maxy + margin;
    const int w = static_cast<int>(std::ceil((bounds.maxx - bounds.minx + 2 * margin) / cell));
    const int h = static_cast<int>(std::ceil((bounds.maxy - bounds.miny + 2 * margin) / cell));
    const double hill_lon = bounds.minx + 0.2 * (bounds.maxx - bounds.minx);
    const double hill_lat = bounds.miny + 0.35 * (bounds.maxy - bounds.miny);
    std::vector<float> metres(static_cast<std::size_t>(w) * h);
    for (int r = 0; r < h; ++r)
      for (int c = 0; c < w; ++c) {
        double lon = west + (c + 0.5) * cell, lat = north - (r + 0.5) * cell;
        double dx = (lon - hill_lon) / 0.05, dy = (lat - hill_lat) / 0.09;
        double hills = 200 * std::exp(-(dx * dx + dy * dy) / 2) *
                       (0.75 + 0.25 * std::sin(lon * 300) * std::cos(lat * 260));
        metres[static_cast<std::size_t>(r) * w + c] = static_cast<float>(
            40 + 20 * std::sin(lon * 90) * std::cos(lat * 70) + hills);
      }
    double gt[6] = {west, cell, 0, north, 0, -cell};
    auto path = (std::filesystem::temp_directory_path() /
                 ("gongzhi-demo-dem-" + std::to_string(::getpid()) + "-" +
                  std::to_string(g_serial++) + ".tif"))
                    .string();
    struct Remove {
      std::string p;
      ~Remove() {
        std::error_code ec;
        std::filesystem::remove(p, ec);
      }
    } remove{path};
    geo::write_elevation_geotiff(path, w, h, metres, gt, "EPSG:4490");
    ImageryImport r;
    r.layer = options.dem_layer;
    r.date = options.dem_date;
    r.source_path = path;
    r.source_name = "demo: synthetic DEM";
    r.options.min_zoom = 8;
    r.options.max_zoom = 12;
    for (auto& v : import_dem(*imagery, r, [&](std::int64_t d, std::int64_t t) {
           if (progress) progress("terrain", d, t);
         }))
      out.push_back(v);
  }
  return out;
}

}  // namespace gz::services
