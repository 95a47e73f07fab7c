// Vector tiles of the one map: Web Mercator tile maths, Mapbox Vector Tile 2.1 encoding of one
// layer version's features (clipped, simplified, quantised to the tile extent, small features
// aggregated at overview zooms), the in-memory tile cache, and who may see a layer's tiles.
// No HTTP here: http/tile_routes turns this into GET /tiles/{layer}/{z}/{x}/{y}.mvt.
//
// Overview zooms. Below TileOptions::detail_zoom a feature whose bounding box covers less than
// one aggregation cell (cell × cell tile units; 32 × 32 by default, i.e. 2 × 2 px of a 256-px
// tile) is not drawn on its own. It adds its bounding-box area to the cell under its centre,
// under its class (DLBM for land-use layers, one class for other layers). A cell whose small
// features cover at least half of it is drawn filled with its dominant class; each class's
// cells go out as one MultiPolygon feature (row runs of cells merged into rectangles) tagged
// with the class, `aggregated` = true and `count` (small features of that class in the tile),
// without a feature id, and drawn before (under) the individually drawn features. From
// detail_zoom on every feature is drawn on its own. If a tile still encodes to more than
// max_tile_bytes, it is encoded again with cells twice as large (at any zoom), up to 256 units.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <set>
#include <thread>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "domain/identity.h"
#include "domain/layer.h"
#include "storage/store.h"

namespace gz::services {

constexpr int kMaxTileZoom = 22;

struct TileId {
  int z = 0;
  std::uint32_t x = 0, y = 0;
};

// Whether z/x/y names a tile: 0 <= z <= kMaxTileZoom, 0 <= x, y < 2^z.
bool tile_exists(std::int64_t z, std::int64_t x, std::int64_t y);

// Web Mercator (EPSG:3857) from lon/lat degrees (CGCS2000 taken as WGS 84 for display) into the
// coordinates of one tile: 0..extent across the tile, y down. Latitudes beyond ±85.0511° are
// clamped to the Mercator limit.
class TileProjection {
 public:
  TileProjection(const TileId& tile, int extent);
  void operator()(double& x, double& y) const;

 private:
  double scale_, tx_, ty_;
};

// Lon/lat bounds of a tile grown by `buffer` tile units (out of `extent`) on every side.
Envelope tile_lonlat_bounds(const TileId& tile, double buffer = 0, int extent = 4096);

struct TileOptions {
  int extent = 4096;
  int buffer = 64;                  // tile units kept around the tile (clip rectangle)
  double simplify_tolerance = 1.0;  // tile units (topology-preserving)
  int detail_zoom = 14;             // from here on no aggregation (unless a tile is too big)
  int cell = 32;                    // aggregation cell, tile units
  std::size_t max_tile_bytes = 500 * 1024;
};

struct TileStats {
  std::size_t scanned = 0;     // features the bbox scan returned
  std::size_t drawn = 0;       // features encoded on their own
  std::size_t aggregated = 0;  // small features folded into cells
  std::size_t degenerate = 0;  // features with nothing left after clipping and quantising
  int cell = 0;                // aggregation cell used (0: none)
};

struct Tile {
  std::string data;  // MVT protobuf; empty when the tile has no feature
  std::string etag;  // strong entity tag of `data`, quoted ("…")
  TileStats stats;
};

// Entity tag of a tile body: a quoted hex BLAKE2b-128 of the content.
std::string content_etag(const std::string& data);

// The tile of one layer version: features from the store's bbox scan over the tile plus buffer.
// Land-use layers carry DLBM, DLMC, ZLDWDM and TBMJ (rounded to m²) as tags; other layers
// every scalar attribute. The feature id is the storage id. Polygonal geometry only.
Tile make_tile(storage::Store& store, const LayerVersion& version, const TileId& tile,
               const TileOptions& options = {});

// What the overview tiles of one layer version need, read from the store once and kept in
// memory: every feature's id, bbox and class, the geometry and tags of the features big enough to
// be drawn on their own at zoom kBucketZoom, and a grid of kBucketZoom tiles over the features.
// Its tiles (zooms up to kBucketZoom below detail_zoom) are byte for byte those of the store's
// bbox scan (make_tile above), without the scan: a z10 tile of a 1,000,000-spot county reads
// hundreds of thousands of rows and decodes their attributes, the index a few buckets.
class OverviewIndex {
 public:
  static constexpr int kBucketZoom = 12;
  // One scan of the version (on `store`, which should be a connection of its own: the scan
  // takes seconds). Null when `cancelled` said yes during the scan.
  static std::shared_ptr<const OverviewIndex> build(storage::Store& store,
                                                    const LayerVersion& version,
                                                    const TileOptions& options = {},
                                                    const std::function<bool()>& cancelled = {});
  ~OverviewIndex();
  bool answers(const TileId& tile) const {
    return tile.z <= kBucketZoom && tile.z < options_.detail_zoom;
  }
  const LayerVersion& version() const { return version_; }
  std::size_t features() const;
  std::size_t kept_geometries() const;  // features whose geometry is kept

 private:
  OverviewIndex();
  friend Tile make_tile(const OverviewIndex& index, const TileId& tile);
  struct Data;
  LayerVersion version_;
  TileOptions options_;
  std::unique_ptr<Data> d_;
};

// The tile of the index's version, as make_tile(store, …) makes it. Throws Error when the index
// does not answer this zoom.
Tile make_tile(const OverviewIndex& index, const TileId& tile);

// Least-recently-used tiles by key, bounded by the bytes of their bodies. Thread-safe.
class TileCache {
 public:
  explicit TileCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}
  std::shared_ptr<const Tile> find(const std::string& key);
  void insert(const std::string& key, std::shared_ptr<const Tile> tile);
  struct Stats {
    std::size_t hits = 0, misses = 0, entries = 0, bytes = 0;
  };
  Stats stats() const;

 private:
  using Entry = std::pair<std::string, std::shared_ptr<const Tile>>;
  mutable std::mutex mutex_;
  std::size_t max_bytes_, bytes_ = 0;
  std::size_t hits_ = 0, misses_ = 0;
  std::list<Entry> order_;  // most recent first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

// Tiles through the cache, keyed by (layer, version, z, x, y). A stored version never changes,
// so an entry never goes stale; a new version is a new key.
//
// Overview tiles of a large version (kOverviewMinFeatures or more) come from its OverviewIndex,
// built by one background thread on a store connection of its own (SQLite; on PostgreSQL through
// the service's store, whose location cannot be opened again): for the latest version of
// every large layer when the service starts, and for any other large version when one of its
// tiles is first asked for (a new import, within a second). Until the index is ready the tiles
// are made from the store's scan, as for small layers. One index is kept per layer.
class TileService {
 public:
  static constexpr std::int64_t kOverviewMinFeatures = 20000;
  // `warm`: start building the indexes of the store's large layers at once.
  explicit TileService(storage::Store& store, TileOptions options = {},
                       std::size_t cache_bytes = std::size_t{256} << 20, bool warm = false);
  ~TileService();
  std::shared_ptr<const Tile> tile(const LayerVersion& version, const TileId& tile);
  TileCache::Stats cache_stats() const { return cache_.stats(); }
  // Waits until the index of `version` is ready (true) or cannot be built or `timeout` passed.
  bool wait_for_overview(const LayerVersion& version, std::chrono::milliseconds timeout);

  // A version of a layer (the latest when `version` is empty), as Store::layer_version, but
  // from a list read at most once a second per layer: a cached tile then needs no store access,
  // and does not wait behind a long scan for another tile. A new import shows within a second.
  // Throws NotFoundError for an unknown layer or version.
  LayerVersion layer_version(const std::string& layer, std::optional<int> version);

 private:
  storage::Store& store_;
  TileOptions options_;
  TileCache cache_;
  struct KnownVersions {
    std::chrono::steady_clock::time_point read;
    std::vector<LayerVersion> versions;  // oldest first
  };
  std::mutex versions_mutex_;
  std::unordered_map<std::string, KnownVersions> versions_;

  // The index of `version` when built; otherwise null, and its build is queued.
  std::shared_ptr<const OverviewIndex> overview(const LayerVersion& version);
  void schedule(const LayerVersion& version);  // with index_mutex_ held
  void build_indexes();                        // the builder thread
  std::mutex index_mutex_;
  std::condition_variable index_cv_;
  std::unordered_map<std::string, std::shared_ptr<const OverviewIndex>> indexes_;  // by layer
  std::deque<LayerVersion> queue_;
  std::set<std::int64_t> scheduled_;  // version ids queued, built or failed
  std::set<std::int64_t> failed_;
  bool stopping_ = false;
  std::thread builder_;
};

// Whether `user` may see the tiles of the map data. The data lie in the counties of the
// imported region hierarchy (its county-level regions; its roots when it has no county). With no
// hierarchy imported every signed-in user may. Otherwise a grant must reach one of them: an
// admin or auditor, a grant over the county or above, or a grant inside it (a township or
// village officer sees the county map).
bool may_see_map_data(const User& user, const std::vector<Region>& hierarchy);

}  // namespace gz::services
