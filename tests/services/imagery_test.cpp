// Imagery import and read-back on both stores: the pixel values of a known tile after a round
// trip, no-data as transparency, a Gauss–Krüger zone GeoTIFF reprojected into the right tiles,
// and refused sources (no CRS, a single band, a truncated file) with clear errors and nothing
// stored. Sources are GeoTIFFs written here with GDAL; expected positions are computed here with
// the textbook Web Mercator formulas, independently of the code under test.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <filesystem>
#include <numbers>

#include "../storage/store_backends.h"
#include "common/error.h"
#include "geo/imagery_raster.h"
#include "services/imagery.h"
#include "storage/imagery_store.h"

namespace gz::test {
namespace {

constexpr double kHalf = 20037508.342789244;  // Web Mercator x of 180°

struct Rgb {
  std::uint8_t r, g, b;
};

// The EPSG:3857 geotransform of tile z/x/y at `size` pixels across it.
void tile_geotransform(int z, int x, int y, int size, double gt[6]) {
  double span = 2 * kHalf / std::ldexp(1.0, z);
  gt[0] = -kHalf + x * span;
  gt[1] = span / size;
  gt[2] = 0;
  gt[3] = kHalf - y * span;
  gt[4] = 0;
  gt[5] = -span / size;
}

// Tile z/x/y and the pixel (px, py) in it holding lon/lat, for 256-pixel tiles.
struct TilePixel {
  int x, y, px, py;
};
TilePixel locate(int z, double lon, double lat) {
  double n = std::ldexp(1.0, z);
  double fx = (lon + 180) / 360 * n;
  double lr = lat * std::numbers::pi / 180;
  double fy = (1 - std::log(std::tan(lr) + 1 / std::cos(lr)) / std::numbers::pi) / 2 * n;
  int x = static_cast<int>(fx), y = static_cast<int>(fy);
  return {x, y, static_cast<int>((fx - x) * 256), static_cast<int>((fy - y) * 256)};
}

std::array<int, 4> pixel(const std::vector<std::uint8_t>& rgba, int width, int px, int py) {
  auto i = (static_cast<std::size_t>(py) * width + px) * 4;
  return {rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]};
}

class ImageryTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    imagery_ = storage::ImageryStore::open(location(), {.create = true});
  }
  void TearDown() override { imagery_.reset(); }

  // A 256×256 RGB GeoTIFF exactly on tile z/x/y, in four coloured quadrants.
  std::string quadrants(const std::string& name, int z, int x, int y, Rgb tl, Rgb tr, Rgb bl,
                        Rgb br, std::optional<double> nodata = std::nullopt) {
    std::vector<std::uint8_t> px(256 * 256 * 3);
    for (int r = 0; r < 256; ++r)
      for (int c = 0; c < 256; ++c) {
        Rgb v = r < 128 ? (c < 128 ? tl : tr) : (c < 128 ? bl : br);
        auto i = (static_cast<std::size_t>(r) * 256 + c) * 3;
        px[i] = v.r, px[i + 1] = v.g, px[i + 2] = v.b;
      }
    double gt[6];
    tile_geotransform(z, x, y, 256, gt);
    auto path = at(name);
    geo::write_geotiff(path, 256, 256, 3, px, gt, "EPSG:3857", nodata);
    return path;
  }

  storage::ImageryVersion import(const std::string& path, const std::string& date, int zoom,
                                 const std::string& format = "png") {
    services::ImageryImport r;
    r.layer = "dom";
    r.date = date;
    r.source_path = path;
    r.options.format = format;
    r.options.min_zoom = zoom;
    r.options.max_zoom = zoom;
    return services::import_imagery(*imagery_, r);
  }

  std::vector<std::uint8_t> tile_rgba(const std::string& date, int z, int x, int y) {
    auto data = imagery_->tile("dom", date, z, x, y);
    EXPECT_TRUE(data) << "no tile " << z << "/" << x << "/" << y;
    if (!data) return {};
    int w = 0, h = 0;
    auto rgba = geo::decode_rgba(*data, w, h);
    EXPECT_EQ(w, 256);
    EXPECT_EQ(h, 256);
    return rgba;
  }

  std::string stored_tiles() {
    auto rows = where_->query("SELECT count(*) FROM imagery_tile");
    return rows.at(0);
  }

  std::unique_ptr<storage::ImageryStore> imagery_;
};

TEST_P(ImageryTest, round_trip_keeps_the_pixel_values_of_a_known_tile) {
  const Rgb tl{200, 30, 30}, tr{30, 200, 30}, bl{30, 30, 200}, br{220, 220, 40};
  auto path = quadrants("dom.tif", 10, 843, 387, tl, tr, bl, br);
  auto v = import(path, "2025-06", 10);
  EXPECT_EQ(v.tiles, 1);
  EXPECT_EQ(v.source_srs, "EPSG:3857");
  // Tile 843/387 at z10 spans lon 843/1024·360−180 to 844/1024·360−180.
  EXPECT_NEAR(v.bounds.minx, 116.3671875, 1e-6);
  EXPECT_NEAR(v.bounds.maxx, 116.71875, 1e-6);
  auto rgba = tile_rgba("2025-06", 10, 843, 387);
  ASSERT_FALSE(rgba.empty());
  EXPECT_EQ(pixel(rgba, 256, 64, 64), (std::array<int, 4>{200, 30, 30, 255}));
  EXPECT_EQ(pixel(rgba, 256, 192, 64), (std::array<int, 4>{30, 200, 30, 255}));
  EXPECT_EQ(pixel(rgba, 256, 64, 192), (std::array<int, 4>{30, 30, 200, 255}));
  EXPECT_EQ(pixel(rgba, 256, 192, 192), (std::array<int, 4>{220, 220, 40, 255}));
  EXPECT_FALSE(imagery_->tile("dom", "2025-06", 10, 844, 387));

  // Lossy WebP of another date: the same colours within a few levels; both dates listed.
  import(path, "2024-06", 10, "webp");
  auto webp = tile_rgba("2024-06", 10, 843, 387);
  ASSERT_FALSE(webp.empty());
  auto p = pixel(webp, 256, 64, 64);
  EXPECT_NEAR(p[0], 200, 6);
  EXPECT_NEAR(p[1], 30, 6);
  EXPECT_NEAR(p[2], 30, 6);
  auto dates = imagery_->versions(std::string("dom"));
  ASSERT_EQ(dates.size(), 2u);
  EXPECT_EQ(dates[0].date, "2024-06");
  EXPECT_EQ(dates[1].date, "2025-06");
  EXPECT_EQ(dates[0].format, "webp");
}

TEST_P(ImageryTest, nodata_becomes_transparent_and_empty_tiles_are_not_stored) {
  // Two tiles wide: the left tile wholly no-data (0), the right half of the right tile too.
  std::vector<std::uint8_t> px(512 * 256 * 3, 0);
  for (int r = 0; r < 256; ++r)
    for (int c = 256; c < 384; ++c) {
      auto i = (static_cast<std::size_t>(r) * 512 + c) * 3;
      px[i] = 90, px[i + 1] = 160, px[i + 2] = 60;
    }
  double gt[6];
  tile_geotransform(12, 3372, 1550, 256, gt);
  auto path = at("nodata.tif");
  geo::write_geotiff(path, 512, 256, 3, px, gt, "EPSG:3857", 0.0);
  auto v = import(path, "2025-06", 12);
  EXPECT_EQ(v.tiles, 1);
  EXPECT_FALSE(imagery_->tile("dom", "2025-06", 12, 3372, 1550));
  auto rgba = tile_rgba("2025-06", 12, 3373, 1550);
  ASSERT_FALSE(rgba.empty());
  EXPECT_EQ(pixel(rgba, 256, 64, 128), (std::array<int, 4>{90, 160, 60, 255}));
  EXPECT_EQ(pixel(rgba, 256, 192, 128)[3], 0);
}

TEST_P(ImageryTest, reprojects_a_gauss_krueger_zone_geotiff) {
  // CGCS2000 3° zone 39 (central meridian 117°E, with zone prefix): 2 km × 2 km of red at 10 m
  // around E 39500000, N 3874593, which is 117°E 35°N (gdaltransform).
  std::vector<std::uint8_t> px(200 * 200 * 3);
  for (std::size_t i = 0; i < px.size(); i += 3) px[i] = 220, px[i + 1] = 20, px[i + 2] = 20;
  double gt[6] = {39500000 - 1000, 10, 0, 3874593 + 1000, 0, -10};
  auto path = at("gk.tif");
  geo::write_geotiff(path, 200, 200, 3, px, gt, "EPSG:4527");
  auto v = import(path, "2023-10", 15);
  EXPECT_EQ(v.source_srs, "EPSG:4527");
  EXPECT_NEAR((v.bounds.minx + v.bounds.maxx) / 2, 117.0, 1e-4);
  EXPECT_NEAR((v.bounds.miny + v.bounds.maxy) / 2, 35.0, 1e-4);
  // 2 km of longitude at 35°: 2000 / (111320 · cos 35°) = 0.02193°.
  EXPECT_NEAR(v.bounds.maxx - v.bounds.minx, 0.02193, 3e-4);
  auto at_centre = locate(15, 117.0, 35.0);
  auto rgba = tile_rgba("2023-10", 15, at_centre.x, at_centre.y);
  ASSERT_FALSE(rgba.empty());
  EXPECT_EQ(pixel(rgba, 256, at_centre.px, at_centre.py), (std::array<int, 4>{220, 20, 20, 255}));
  // 2 km east of the square's edge there is nothing.
  auto outside = locate(15, 117.04, 35.0);
  EXPECT_FALSE(imagery_->tile("dom", "2023-10", 15, outside.x, outside.y));
}

TEST_P(ImageryTest, refused_sources_say_why_and_store_nothing) {
  const Rgb c{100, 100, 100};
  auto good = quadrants("good.tif", 10, 843, 387, c, c, c, c);
  import(good, "2025-06", 10);
  const std::string before = stored_tiles();

  auto expect_refusal = [&](const std::string& path, const std::string& reason) {
    try {
      import(path, "2025-06", 10);
      ADD_FAILURE() << path << " was accepted";
    } catch (const InputError& e) {
      std::string m = e.what();
      EXPECT_NE(m.find(path), std::string::npos) << m;
      EXPECT_NE(m.find(reason), std::string::npos) << m;
    }
    EXPECT_EQ(stored_tiles(), before);
    ASSERT_EQ(imagery_->versions().size(), 1u);
    EXPECT_EQ(imagery_->versions()[0].source, "good.tif");
  };

  // No CRS.
  double gt[6];
  tile_geotransform(10, 843, 387, 256, gt);
  std::vector<std::uint8_t> rgb(256 * 256 * 3, 50);
  auto no_crs = at("no_crs.tif");
  geo::write_geotiff(no_crs, 256, 256, 3, rgb, gt, "");
  expect_refusal(no_crs, "declares no coordinate reference system");

  // A single band that is not imagery.
  std::vector<std::uint8_t> grey(256 * 256, 50);
  auto single = at("single.tif");
  geo::write_geotiff(single, 256, 256, 1, grey, gt, "EPSG:3857");
  expect_refusal(single, "has 1 band");

  // A file cut off in the middle of its pixels (uncompressed noise, so the cut is in pixels).
  std::vector<std::uint8_t> noise(2048 * 2048 * 3);
  std::uint32_t s = 12345;
  for (auto& b : noise) b = static_cast<std::uint8_t>((s = s * 1103515245 + 12345) >> 16);
  double big[6];
  tile_geotransform(10, 843, 387, 2048, big);
  auto truncated = at("truncated.tif");
  geo::write_geotiff(truncated, 2048, 2048, 3, noise, big, "EPSG:3857");
  std::filesystem::resize_file(truncated, std::filesystem::file_size(truncated) / 2);
  expect_refusal(truncated, "imagery " + truncated);
}

TEST_P(ImageryTest, terrain_tiles_encode_known_elevations_and_slope_tiles_the_grades) {
  // Terrarium by hand: 12.5 m → 32780.5 = 128·256 + 12, and .5 → 128.
  EXPECT_EQ(geo::terrarium(12.5), (std::array<std::uint8_t, 3>{128, 12, 128}));
  EXPECT_EQ(geo::terrarium(0), (std::array<std::uint8_t, 3>{128, 0, 0}));
  EXPECT_EQ(geo::terrarium(-5), (std::array<std::uint8_t, 3>{127, 251, 0}));

  // Tile 10/843/387 of elevations in quadrants; below it, a plane for slope.
  const float q[4] = {12.5f, 250.0f, -5.0f, 1000.25f};
  std::vector<float> dem(256 * 256);
  for (int r = 0; r < 256; ++r)
    for (int c = 0; c < 256; ++c) dem[r * 256 + c] = q[(r < 128 ? 0 : 2) + (c < 128 ? 0 : 1)];
  double gt[6];
  tile_geotransform(10, 843, 387, 256, gt);
  auto path = at("dem.tif");
  geo::write_elevation_geotiff(path, 256, 256, dem, gt, "EPSG:3857");
  services::ImageryImport r;
  r.layer = "dem";
  r.date = "2024-06";
  r.source_path = path;
  r.options.min_zoom = r.options.max_zoom = 10;
  auto versions = services::import_dem(*imagery_, r);
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0].kind, "terrain");
  EXPECT_EQ(versions[0].format, "png");
  EXPECT_EQ(versions[1].layer, "dem_slope");
  EXPECT_EQ(versions[1].kind, "slope");
  auto read = imagery_->tile("dem", "2024-06", 10, 843, 387);
  ASSERT_TRUE(read);
  int w = 0, h = 0;
  auto rgba = geo::decode_rgba(*read, w, h);
  auto height = [&](int x, int y) {
    auto p = pixel(rgba, w, x, y);
    return p[0] * 256.0 + p[1] + p[2] / 256.0 - 32768;
  };
  EXPECT_DOUBLE_EQ(height(64, 64), 12.5);
  EXPECT_DOUBLE_EQ(height(192, 64), 250.0);
  EXPECT_DOUBLE_EQ(height(64, 192), -5.0);
  EXPECT_DOUBLE_EQ(height(192, 192), 1000.25);
  // Inside a quadrant the ground is flat: slope grade 1 (≤2°), data/slope_grades.csv's colour.
  auto slope = imagery_->tile("dem_slope", "2024-06", 10, 843, 387);
  ASSERT_TRUE(slope);
  auto graded = geo::decode_rgba(*slope, w, h);
  EXPECT_EQ(pixel(graded, w, 64, 64), (std::array<int, 4>{26, 150, 65, 150}));

  // A plane rising 0.2 m a metre eastwards: atan(0.2) = 11.3°, grade 3 (6°–15°).
  for (int row = 0; row < 256; ++row)
    for (int c = 0; c < 256; ++c) dem[row * 256 + c] = static_cast<float>(0.2 * c * gt[1]);
  geo::write_elevation_geotiff(at("plane.tif"), 256, 256, dem, gt, "EPSG:3857");
  r.source_path = at("plane.tif");
  r.date = "2025-06";
  services::import_dem(*imagery_, r);
  auto plane = imagery_->tile("dem_slope", "2025-06", 10, 843, 387);
  ASSERT_TRUE(plane);
  auto steep = geo::decode_rgba(*plane, w, h);
  EXPECT_EQ(pixel(steep, w, 128, 128), (std::array<int, 4>{254, 224, 139, 170}));
}

// No-data in a DEM (a hole, or beyond its edge within a tile) takes the height of the nearest
// valid pixel, not 0 m: the terrain shows no pit and no cliff there.
TEST_P(ImageryTest, terrain_fills_no_data_from_the_nearest_valid_height) {
  // The function itself: a row 5 · · · 9 fills from each end.
  float row[5] = {5, 0, 0, 0, 9};
  const std::uint8_t valid[5] = {1, 0, 0, 0, 1};
  ASSERT_TRUE(geo::fill_nodata_nearest(row, valid, 5, 1));
  EXPECT_EQ(row[1], 5);
  EXPECT_EQ(row[3], 9);
  float none[2] = {7, 7};
  const std::uint8_t invalid[2] = {0, 0};
  EXPECT_FALSE(geo::fill_nodata_nearest(none, invalid, 2, 1));

  // Tile 10/843/387 at 120 m, with a no-data hole (-9999) in its middle and its right-hand
  // quarter no-data too.
  std::vector<float> dem(256 * 256, 120.0f);
  for (int r = 0; r < 256; ++r)
    for (int c = 0; c < 256; ++c)
      if ((r >= 100 && r < 156 && c >= 100 && c < 156) || c >= 192) dem[r * 256 + c] = -9999.0f;
  double gt[6];
  tile_geotransform(10, 843, 387, 256, gt);
  geo::write_elevation_geotiff(at("holes.tif"), 256, 256, dem, gt, "EPSG:3857", -9999.0);
  services::ImageryImport r;
  r.layer = "dem";
  r.date = "2024-06";
  r.source_path = at("holes.tif");
  r.options.min_zoom = r.options.max_zoom = 10;
  services::import_dem(*imagery_, r);
  auto read = imagery_->tile("dem", "2024-06", 10, 843, 387);
  ASSERT_TRUE(read);
  int w = 0, h = 0;
  auto rgba = geo::decode_rgba(*read, w, h);
  auto height = [&](int x, int y) {
    auto p = pixel(rgba, w, x, y);
    return p[0] * 256.0 + p[1] + p[2] / 256.0 - 32768;
  };
  EXPECT_DOUBLE_EQ(height(20, 20), 120.0);
  EXPECT_DOUBLE_EQ(height(128, 128), 120.0) << "the hole";
  EXPECT_DOUBLE_EQ(height(240, 30), 120.0) << "beyond the valid edge";
}

// A source larger than the threshold and without overviews gets them built, with progress, on
// a temporary copy: the user's file is not touched and nothing is left beside it.
TEST_P(ImageryTest, overviews_are_built_aside_for_a_large_source_without_them) {
  std::vector<std::uint8_t> px(1024 * 1024 * 3);
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<std::uint8_t>(i % 3 == 0 ? 200 : 40);
  double gt[6];
  tile_geotransform(10, 843, 387, 1024, gt);
  const std::string path = at("large.tif");
  geo::write_geotiff(path, 1024, 1024, 3, px, gt, "EPSG:3857");
  const auto before = std::filesystem::last_write_time(path);
  const auto size = std::filesystem::file_size(path);
  services::ImageryImport r;
  r.layer = "dom";
  r.date = "2025-06";
  r.source_path = path;
  r.options.format = "png";
  r.options.min_zoom = 8;
  r.options.max_zoom = 12;
  r.options.overview_min_pixels = 512;
  std::vector<double> heard;
  r.options.on_overviews = [&](double f) { heard.push_back(f); };
  auto v = services::import_imagery(*imagery_, r);
  ASSERT_FALSE(heard.empty()) << "no overviews were built";
  EXPECT_DOUBLE_EQ(heard.back(), 1.0);
  EXPECT_EQ(std::filesystem::last_write_time(path), before);
  EXPECT_EQ(std::filesystem::file_size(path), size);
  EXPECT_FALSE(std::filesystem::exists(path + ".ovr"));
  EXPECT_FALSE(std::filesystem::exists(path + ".aux.xml"));
  // The low zoom, read through the overviews, has the source's colour.
  auto rgba = tile_rgba("2025-06", 10, 843, 387);
  ASSERT_FALSE(rgba.empty());
  auto c = pixel(rgba, 256, 128, 128);
  EXPECT_NEAR(c[0], 200, 2);
  EXPECT_NEAR(c[1], 40, 2);
  EXPECT_GT(v.tiles, 1);
  // A source with its own overviews, or under the threshold, is read as it is.
  heard.clear();
  r.options.overview_min_pixels = 4096;
  r.date = "2025-07";
  services::import_imagery(*imagery_, r);
  EXPECT_TRUE(heard.empty());
}

TEST_P(ImageryTest, dates_must_be_months_or_days) {
  EXPECT_NO_THROW(services::validate_imagery_date("2025-06"));
  EXPECT_NO_THROW(services::validate_imagery_date("2024-02-29"));
  EXPECT_THROW(services::validate_imagery_date("2023-02-29"), UsageError);
  EXPECT_THROW(services::validate_imagery_date("2025-13"), UsageError);
  EXPECT_THROW(services::validate_imagery_date("2025/06"), UsageError);
  EXPECT_THROW(services::validate_imagery_date("../x"), UsageError);
}

INSTANTIATE_TEST_SUITE_P(Backends, ImageryTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
