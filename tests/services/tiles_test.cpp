// Vector tiles as a map client reads them back: coordinates of a known polygon at a known
// z/x/y, exterior rings clockwise and holes anticlockwise on screen, clipping to the tile plus
// buffer, multipolygons, degenerate pieces dropped, tags and ids, aggregation at overview zooms,
// the size limit on a demo county, the cache; and who may see the map data. Run on both stores.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <cmath>
#include <numbers>
#include <tuple>

#include "../storage/store_backends.h"
#include "common/error.h"
#include "geo/geometry.h"
#include "mvt_decode.h"
#include "services/demo_county.h"
#include "services/tiles.h"
#include "storage/store.h"

namespace gz::test {
namespace {

using services::TileId;

// Lon/lat of tile coordinates (u, v) in tile z/x/y: the inverse Web Mercator, written out here
// independently of the code under test.
std::pair<double, double> lonlat(const TileId& t, double u, double v) {
  double n = std::ldexp(1.0, t.z);
  double lon = (t.x + u / 4096) / n * 360 - 180;
  double lat = std::atan(std::sinh(std::numbers::pi * (1 - 2 * (t.y + v / 4096) / n))) * 180 /
               std::numbers::pi;
  return {lon, lat};
}

// A WKB polygon from rings given in tile coordinates of `t`.
using TileRings = std::vector<std::vector<std::pair<double, double>>>;
std::string tile_polygon_wkb(const TileId& t, const TileRings& rings) {
  std::vector<geo::Ring> ll;
  for (const auto& r : rings) {
    geo::Ring ring;
    for (auto [u, v] : r) ring.push_back(lonlat(t, u, v));
    ll.push_back(ring);
  }
  return geo::Geometry::polygon(ll).wkb();
}

// Around (117.2°E, 31.4°N), inside the demo county.
constexpr TileId kTile{12, 3381, 1671};

class TilesTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    store_ = storage::Store::open(location(), {.create = true});
  }
  struct Spot {
    std::string id, wkb, dlbm, dlmc;
    double tbmj = 0;
  };
  LayerVersion write_land_use(const std::vector<Spot>& spots) {
    auto w = store_->begin_layer_version({"dltb", LayerKind::land_use, "test", "EPSG:4490"});
    for (const auto& s : spots) {
      auto g = geo::Geometry::from_wkb(s.wkb);
      w->add(s.id, s.wkb, g.envelope(),
             {{"BSM", s.id},
              {"DLBM", s.dlbm},
              {"DLMC", s.dlmc},
              {"ZLDWDM", std::string("340123100201")},
              {"TBMJ", s.tbmj}, {"QSDWMC", std::string("东村")}});
    }
    return w->commit();
  }
  // The one layer of a tile.
  MvtLayer layer_of(const services::Tile& tile) {
    auto layers = decode_mvt(tile.data);
    EXPECT_EQ(layers.size(), 1u);
    return layers.empty() ? MvtLayer{} : layers[0];
  }
  std::unique_ptr<storage::Store> store_;
};

// The ring rotated to start at its smallest point, for comparison.
MvtRing normalised(MvtRing r) {
  auto it = std::min_element(r.begin(), r.end(), [](const MvtPoint& a, const MvtPoint& b) {
    return std::tie(a.y, a.x) < std::tie(b.y, b.x);
  });
  std::rotate(r.begin(), it, r.end());
  return r;
}

TEST(tile_math, tiles_exist_only_within_zoom_and_index_range) {
  EXPECT_TRUE(services::tile_exists(0, 0, 0));
  EXPECT_FALSE(services::tile_exists(0, 1, 0));
  EXPECT_TRUE(services::tile_exists(22, (1 << 22) - 1, (1 << 22) - 1));
  EXPECT_FALSE(services::tile_exists(22, 1 << 22, 0));
  EXPECT_FALSE(services::tile_exists(23, 0, 0));
  EXPECT_FALSE(services::tile_exists(-1, 0, 0));
  EXPECT_FALSE(services::tile_exists(3, -1, 0));
}

TEST(tile_math, bounds_and_projection_agree_with_web_mercator) {
  auto world = services::tile_lonlat_bounds({0, 0, 0});
  EXPECT_NEAR(world.minx, -180, 1e-9);
  EXPECT_NEAR(world.maxx, 180, 1e-9);
  EXPECT_NEAR(world.maxy, 85.0511287798066, 1e-9);
  EXPECT_NEAR(world.miny, -85.0511287798066, 1e-9);
  // (0°, 0°) is the top-left corner of tile 1/1/1.
  services::TileProjection p({1, 1, 1}, 4096);
  double x = 0, y = 0;
  p(x, y);
  EXPECT_NEAR(x, 0, 1e-9);
  EXPECT_NEAR(y, 0, 1e-9);
  // A known point of kTile maps back to its tile coordinates.
  auto [lon, lat] = lonlat(kTile, 1234.25, 3000.5);
  services::TileProjection q(kTile, 4096);
  q(lon, lat);
  EXPECT_NEAR(lon, 1234.25, 1e-6);
  EXPECT_NEAR(lat, 3000.5, 1e-6);
  // The buffer grows the bounds by buffer/extent of a tile on each side.
  auto b0 = services::tile_lonlat_bounds(kTile), b64 = services::tile_lonlat_bounds(kTile, 64);
  EXPECT_NEAR(b0.minx - b64.minx, (b0.maxx - b0.minx) * 64 / 4096, 1e-12);
}

TEST_P(TilesTest, a_polygon_with_a_hole_comes_out_at_its_tile_coordinates_wound_as_mvt_requires) {
  // Exterior anticlockwise on screen and hole clockwise: both the wrong way round for MVT.
  auto wkb = tile_polygon_wkb(kTile, {{{1000, 1000}, {1000, 2000}, {2000, 2000}, {2000, 1000}},
                                      {{1400, 1400}, {1600, 1400}, {1600, 1600}, {1400, 1600}}});
  auto v = write_land_use({{"7", wkb, "0101", "水田", 1733.23}});
  auto tile = services::make_tile(*store_, v, kTile);
  auto layer = layer_of(tile);
  EXPECT_EQ(layer.name, "dltb");
  EXPECT_EQ(layer.version, 2u);
  EXPECT_EQ(layer.extent, 4096u);
  ASSERT_EQ(layer.features.size(), 1u);
  const auto& f = layer.features[0];
  EXPECT_EQ(f.type, 3);
  ASSERT_TRUE(f.id.has_value());
  EXPECT_GT(*f.id, 0u);
  ASSERT_EQ(f.rings.size(), 2u);
  EXPECT_EQ(normalised(f.rings[0]),
            (MvtRing{{1000, 1000}, {2000, 1000}, {2000, 2000}, {1000, 2000}}));
  EXPECT_EQ(normalised(f.rings[1]),
            (MvtRing{{1400, 1400}, {1400, 1600}, {1600, 1600}, {1600, 1400}}));
  EXPECT_GT(ring_area2(f.rings[0]), 0) << "exterior must be clockwise on screen";
  EXPECT_LT(ring_area2(f.rings[1]), 0) << "hole must be anticlockwise on screen";
  EXPECT_EQ(f.tags.at("DLBM"), "0101");
  EXPECT_EQ(f.tags.at("DLMC"), "水田");
  EXPECT_EQ(f.tags.at("ZLDWDM"), "340123100201");
  EXPECT_EQ(f.tags.at("TBMJ"), "1733");
  EXPECT_EQ(f.tags.count("QSDWMC"), 0u) << "only the few fields the map needs";
  EXPECT_EQ(tile.etag, services::content_etag(tile.data));
  EXPECT_EQ(tile.etag.front(), '"');
}

TEST_P(TilesTest, a_polygon_across_the_tile_edge_is_clipped_to_the_tile_and_its_buffer) {
  auto wkb = tile_polygon_wkb(kTile, {{{3000, 1000}, {6000, 1000}, {6000, -500}, {3000, -500}}});
  auto v = write_land_use({{"1", wkb, "0301", "乔木林地", 90000}});
  auto layer = layer_of(services::make_tile(*store_, v, kTile));
  ASSERT_EQ(layer.features.size(), 1u);
  ASSERT_EQ(layer.features[0].rings.size(), 1u);
  EXPECT_EQ(normalised(layer.features[0].rings[0]),
            (MvtRing{{3000, -64}, {4160, -64}, {4160, 1000}, {3000, 1000}}));
  // The neighbour to the east sees the rest of it, from its own buffer edge on.
  TileId east{kTile.z, kTile.x + 1, kTile.y};
  auto e = layer_of(services::make_tile(*store_, v, east));
  ASSERT_EQ(e.features.size(), 1u);
  EXPECT_EQ(normalised(e.features[0].rings[0]),
            (MvtRing{{-64, -64}, {1904, -64}, {1904, 1000}, {-64, 1000}}));
  // Two tiles away to the east: nothing.
  TileId far{kTile.z, kTile.x + 3, kTile.y};
  auto none = services::make_tile(*store_, v, far);
  EXPECT_TRUE(none.data.empty());
}

TEST_P(TilesTest, a_multipolygon_is_one_feature_with_one_exterior_per_part) {
  auto a = geo::Geometry::from_wkb(
      tile_polygon_wkb(kTile, {{{100, 100}, {900, 100}, {900, 900}, {100, 900}}}));
  auto b = geo::Geometry::from_wkb(
      tile_polygon_wkb(kTile, {{{2000, 2000}, {2600, 2000}, {2600, 2600}, {2000, 2600}}}));
  std::vector<geo::Geometry> parts;
  parts.push_back(std::move(a));
  parts.push_back(std::move(b));
  auto multi = geo::Geometry::multi(std::move(parts));
  auto v = write_land_use({{"1", multi.wkb(), "1101", "河流水面", 5}});
  auto layer = layer_of(services::make_tile(*store_, v, kTile));
  ASSERT_EQ(layer.features.size(), 1u);
  const auto& rings = layer.features[0].rings;
  ASSERT_EQ(rings.size(), 2u);
  for (const auto& r : rings) EXPECT_GT(ring_area2(r), 0);
  std::vector<MvtRing> got{normalised(rings[0]), normalised(rings[1])};
  std::sort(got.begin(), got.end(),
            [](const MvtRing& x, const MvtRing& y) { return x[0].x < y[0].x; });
  EXPECT_EQ(got[0], (MvtRing{{100, 100}, {900, 100}, {900, 900}, {100, 900}}));
  EXPECT_EQ(got[1], (MvtRing{{2000, 2000}, {2600, 2000}, {2600, 2600}, {2000, 2600}}));
}

TEST_P(TilesTest, a_sliver_that_quantises_to_nothing_is_dropped_and_an_empty_tile_has_no_body) {
  TileId detail{16, kTile.x * 16, kTile.y * 16};
  auto sliver =
      tile_polygon_wkb(detail, {{{1000, 1000}, {1000.3, 1000}, {1000.3, 3000}, {1000, 3000}}});
  auto v = write_land_use({{"1", sliver, "1006", "农村道路", 1}});
  auto tile = services::make_tile(*store_, v, detail);
  EXPECT_EQ(tile.stats.scanned, 1u);
  EXPECT_EQ(tile.stats.degenerate, 1u);
  EXPECT_TRUE(tile.data.empty());
}

TEST_P(TilesTest, small_spots_at_overview_zoom_become_class_cells_without_ids) {
  // 400 spots of 20 × 20 units: smaller than a 32 × 32 cell, so aggregated at z12.
  std::vector<Spot> spots;
  for (int i = 0; i < 20; ++i)
    for (int j = 0; j < 20; ++j) {
      double u = 1000 + 20 * i, v = 1000 + 20 * j;
      spots.push_back({std::to_string(i * 20 + j + 1),
                       tile_polygon_wkb(kTile,
                                        {{{u, v}, {u + 20, v}, {u + 20, v + 20}, {u, v + 20}}}),
                       j < 10 ? "0101" : "0103", j < 10 ? "水田" : "旱地", 400});
    }
  auto v = write_land_use(spots);
  auto tile = services::make_tile(*store_, v, kTile);
  EXPECT_EQ(tile.stats.aggregated, 400u);
  EXPECT_EQ(tile.stats.drawn, 0u);
  auto layer = layer_of(tile);
  ASSERT_EQ(layer.features.size(), 2u);
  for (const auto& f : layer.features) {
    EXPECT_FALSE(f.id.has_value());
    EXPECT_EQ(f.tags.at("aggregated"), "true");
    EXPECT_EQ(f.tags.at("count"), "200");
    std::int64_t area = 0;
    for (const auto& r : f.rings) {
      EXPECT_GT(ring_area2(r), 0);
      area += ring_area2(r) / 2;
    }
    // Each class covers 400 × 200 units; the cells drawn cover about that much.
    EXPECT_NEAR(static_cast<double>(area), 400.0 * 200, 400.0 * 200 * 0.35) << f.tags.at("DLBM");
  }
  // At detail zoom the same spots are drawn one by one, with their ids.
  TileId detail{14, kTile.x * 4, kTile.y * 4};
  auto d = services::make_tile(*store_, v, detail);
  EXPECT_EQ(d.stats.aggregated, 0u);
  EXPECT_GT(d.stats.drawn, 0u);
  EXPECT_EQ(d.stats.drawn + d.stats.degenerate, d.stats.scanned);
  for (const auto& f : layer_of(d).features) EXPECT_TRUE(f.id.has_value());
}

TEST_P(TilesTest, demo_county_tiles_at_z10_stay_under_the_size_limit) {
  services::generate_demo_county(*store_, {.polygons = 20000, .seed = 7});
  auto v = store_->layer_version("land_use", std::nullopt);
  // The county around 117.2°E 31.5°N lies in z10 tiles x 844–846, y 416–418.
  std::size_t features = 0;
  for (std::uint32_t x = 844; x <= 846; ++x)
    for (std::uint32_t y = 416; y <= 418; ++y) {
      auto tile = services::make_tile(*store_, v, {10, x, y});
      EXPECT_LE(tile.data.size(), 500u * 1024) << x << "/" << y;
      if (!tile.data.empty()) features += layer_of(tile).features.size();
    }
  EXPECT_GT(features, 0u);
  // A tighter limit makes the encoder coarsen its cells until the tile fits.
  services::TileOptions tight;
  tight.max_tile_bytes = 8 * 1024;
  auto loose = services::make_tile(*store_, v, {10, 845, 417});
  auto small = services::make_tile(*store_, v, {10, 845, 417}, tight);
  ASSERT_GT(loose.data.size(), tight.max_tile_bytes);
  EXPECT_LE(small.data.size(), tight.max_tile_bytes);
  EXPECT_GT(small.stats.cell, loose.stats.cell);
  EXPECT_FALSE(decode_mvt(small.data).at(0).features.empty());
}

TEST_P(TilesTest, overview_index_tiles_are_the_scans_tiles_byte_for_byte) {
  services::generate_demo_county(*store_, {.polygons = 20000, .seed = 7});
  auto v = store_->layer_version("land_use", std::nullopt);
  auto own = storage::Store::open(location());
  auto index = services::OverviewIndex::build(*own, v);
  ASSERT_TRUE(index);
  EXPECT_EQ(index->features(), static_cast<std::size_t>(v.feature_count));
  EXPECT_LE(index->kept_geometries(), index->features());
  EXPECT_FALSE(index->answers({13, 0, 0}));
  EXPECT_TRUE(index->answers({12, 0, 0}));
  // Every tile of the county at z8–z12 (the county: z10 x 844–846, y 416–418), its edges
  // included, and a tight size limit that coarsens the cells: the same bytes as the scan's.
  std::size_t compared = 0, with_features = 0;
  for (int z = 8; z <= 12; ++z) {
    std::uint32_t x0 = (844u << z) >> 10, x1 = ((847u << z) >> 10), y0 = (416u << z) >> 10,
                  y1 = ((419u << z) >> 10);
    for (std::uint32_t x = x0; x <= x1; ++x)
      for (std::uint32_t y = y0; y <= y1; ++y) {
        TileId t{z, x, y};
        auto scanned = services::make_tile(*store_, v, t);
        auto indexed = services::make_tile(*index, t);
        ASSERT_EQ(indexed.data, scanned.data) << z << "/" << x << "/" << y;
        EXPECT_EQ(indexed.stats.drawn, scanned.stats.drawn);
        EXPECT_EQ(indexed.stats.aggregated, scanned.stats.aggregated);
        ++compared;
        if (!scanned.data.empty()) ++with_features;
      }
  }
  EXPECT_GT(with_features, 20u) << compared;
  // Through the service: the index is built in the background and then answers.
  services::TileService service(*store_, {}, std::size_t{64} << 20, true);
  ASSERT_TRUE(service.wait_for_overview(v, std::chrono::seconds(60)));
  auto t = service.tile(v, {10, 845, 417});
  EXPECT_EQ(t->data, services::make_tile(*store_, v, {10, 845, 417}).data);
}

TEST_P(TilesTest, the_cache_answers_one_tile_per_version_and_a_new_tile_for_a_new_version) {
  auto wkb = tile_polygon_wkb(kTile, {{{1000, 1000}, {2000, 1000}, {2000, 2000}, {1000, 2000}}});
  auto v1 = write_land_use({{"1", wkb, "0101", "水田", 1}});
  services::TileService service(*store_);
  auto a = service.tile(v1, kTile);
  auto b = service.tile(v1, kTile);
  EXPECT_EQ(a.get(), b.get());
  EXPECT_EQ(service.cache_stats().hits, 1u);
  auto v2 = write_land_use({{"1", wkb, "0103", "旱地", 1}});
  auto c = service.tile(v2, kTile);
  EXPECT_NE(c->etag, a->etag);
  EXPECT_EQ(layer_of(*c).features.at(0).tags.at("DLBM"), "0103");
}

TEST_P(TilesTest, layer_versions_are_looked_up_once_a_second_and_unknown_ones_are_not_found) {
  auto wkb = tile_polygon_wkb(kTile, {{{1000, 1000}, {2000, 1000}, {2000, 2000}, {1000, 2000}}});
  write_land_use({{"1", wkb, "0101", "水田", 1}});
  services::TileService service(*store_);
  EXPECT_EQ(service.layer_version("dltb", std::nullopt).version, 1);
  EXPECT_EQ(service.layer_version("dltb", 1).version, 1);
  EXPECT_THROW(service.layer_version("dltb", 2), NotFoundError);
  EXPECT_THROW(service.layer_version("no_such_layer", std::nullopt), NotFoundError);
  write_land_use({{"1", wkb, "0103", "旱地", 1}});
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(service.layer_version("dltb", std::nullopt).version, 2);
  EXPECT_EQ(service.layer_version("dltb", 2).version, 2);
}

TEST(tile_cache, evicts_the_least_recently_used_tiles_beyond_its_byte_budget) {
  services::TileCache cache(3 * (1000 + 128 + 1));
  auto tile = [] {
    auto t = std::make_shared<services::Tile>();
    t->data.assign(1000, 'x');
    return std::shared_ptr<const services::Tile>(t);
  };
  cache.insert("a", tile());
  cache.insert("b", tile());
  cache.insert("c", tile());
  EXPECT_NE(cache.find("a"), nullptr);  // a is now the most recent
  cache.insert("d", tile());
  EXPECT_EQ(cache.find("b"), nullptr);
  EXPECT_NE(cache.find("a"), nullptr);
  EXPECT_NE(cache.find("d"), nullptr);
  EXPECT_EQ(cache.stats().entries, 3u);
}

TEST(map_data_access, grants_must_reach_the_county_of_the_imported_hierarchy) {
  auto user = [](Role role, const std::string& region) {
    User u;
    u.username = "u";
    u.grants.push_back({role, "", region});
    return u;
  };
  auto hierarchy = build_region_hierarchy({{"340123", "青岚县", RegionLevel::county, ""},
                                           {"340123100", "城关镇", RegionLevel::township, ""},
                                           {"340123100201", "东村", RegionLevel::village, ""}});
  EXPECT_TRUE(services::may_see_map_data(user(Role::villager, "340123100201"), hierarchy));
  EXPECT_TRUE(services::may_see_map_data(user(Role::township, "340123100"), hierarchy));
  EXPECT_TRUE(services::may_see_map_data(user(Role::leader_group, "340123"), hierarchy));
  EXPECT_TRUE(services::may_see_map_data(user(Role::leader_group, "340100"), hierarchy));
  EXPECT_TRUE(services::may_see_map_data(user(Role::auditor, ""), hierarchy));
  EXPECT_FALSE(services::may_see_map_data(user(Role::township, "340124100"), hierarchy));
  EXPECT_FALSE(services::may_see_map_data(user(Role::leader_group, "350100"), hierarchy));
  EXPECT_FALSE(services::may_see_map_data(User{}, hierarchy));
  // No hierarchy imported: every signed-in user.
  EXPECT_TRUE(services::may_see_map_data(user(Role::villager, "350100"), {}));
}

INSTANTIATE_TEST_SUITE_P(Backends, TilesTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
