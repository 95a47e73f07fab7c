#include "services/tiles.h"

#include <protozero/pbf_builder.hpp>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numbers>
#include <optional>
#include <variant>

#include "common/error.h"
#include "domain/survey_fields.h"
#include "geo/tile_geometry.h"
#include "storage/attributes_json.h"

namespace gz::services {

namespace {

// Field numbers of vector_tile.proto (MVT 2.1).
enum class TileTag : protozero::pbf_tag_type { layers = 3 };
enum class LayerTag : protozero::pbf_tag_type {
  name = 1,
  features = 2,
  keys = 3,
  values = 4,
  extent = 5,
  version = 15
};
enum class FeatureTag : protozero::pbf_tag_type { id = 1, tags = 2, type = 3, geometry = 4 };
enum class ValueTag : protozero::pbf_tag_type {
  string_value = 1,
  double_value = 3,
  int_value = 4,
  bool_value = 7
};
constexpr int kPolygonType = 3;
constexpr std::uint32_t kMoveTo = 1, kLineTo = 2, kClosePath = 7;
constexpr double kMaxLatitude = 85.0511287798066;
constexpr int kMaxCell = 256;

std::uint32_t command(std::uint32_t id, std::uint32_t count) { return (id & 0x7) | (count << 3); }
std::uint32_t zigzag(std::int64_t v) {
  return static_cast<std::uint32_t>((v << 1) ^ (v >> 63));
}

using TagValue = std::variant<std::string, std::int64_t, double, bool>;
struct Tag {
  std::string key;
  TagValue value;
};

// The tags a feature carries. Land-use spots: the id, the class and a few survey fields the
// identify panel shows first; TBMJ rounded to whole m² so that equal values share one table entry.
std::vector<Tag> feature_tags(LayerKind kind, const Attributes& attrs) {
  std::vector<Tag> tags;
  if (kind == LayerKind::land_use) {
    // The spot's 标识码: what the map's search finds a spot by, so identify shows it.
    if (auto bsm = attribute_text(attrs, "BSM")) tags.push_back({"BSM", *bsm});
    if (auto code = land_use_code(attrs)) tags.push_back({"DLBM", *code});
    if (auto name = attribute_text_any(attrs, {"DLMC", "class_name", "name"}))
      tags.push_back({"DLMC", *name});
    if (auto village = attribute_text(attrs, "ZLDWDM")) tags.push_back({"ZLDWDM", *village});
    if (auto area = attribute_number(attrs, "TBMJ"))
      tags.push_back({"TBMJ", static_cast<std::int64_t>(std::llround(*area))});
    return tags;
  }
  for (const auto& a : attrs) {
    if (const auto* s = std::get_if<std::string>(&a.value)) {
      if (!s->empty()) tags.push_back({a.name, *s});
    } else if (const auto* i = std::get_if<std::int64_t>(&a.value)) {
      tags.push_back({a.name, *i});
    } else if (const auto* d = std::get_if<double>(&a.value)) {
      tags.push_back({a.name, *d});
    }
  }
  return tags;
}

struct Point {
  std::int64_t x, y;
  bool operator==(const Point&) const = default;
};
using IntRing = std::vector<Point>;

// Twice the signed area by the surveyor's formula in tile coordinates (y down): positive for a
// ring that is clockwise on screen, which MVT requires of exterior rings.
std::int64_t area2(const IntRing& r) {
  std::int64_t a = 0;
  for (std::size_t i = 0, n = r.size(); i < n; ++i) {
    const Point& p = r[i];
    const Point& q = r[(i + 1) % n];
    a += p.x * q.y - q.x * p.y;
  }
  return a;
}

// Integer ring without the closing point and repeated points; empty when degenerate (fewer
// than three points or no area). Oriented exterior-positive or hole-negative.
IntRing clean_ring(const geo::Ring& ring, bool exterior) {
  IntRing r;
  r.reserve(ring.size());
  for (auto [x, y] : ring) {
    Point p{std::llround(x), std::llround(y)};
    if (r.empty() || !(r.back() == p)) r.push_back(p);
  }
  while (r.size() > 1 && r.front() == r.back()) r.pop_back();
  if (r.size() < 3) return {};
  std::int64_t a = area2(r);
  if (a == 0) return {};
  if ((a > 0) != exterior) std::reverse(r.begin(), r.end());
  return r;
}

using IntPolygon = std::vector<IntRing>;  // exterior first

// MVT geometry commands of polygons; the cursor carries over from ring to ring.
std::vector<std::uint32_t> polygon_commands(const std::vector<IntPolygon>& polygons) {
  std::vector<std::uint32_t> out;
  Point cursor{0, 0};
  for (const auto& polygon : polygons)
    for (const auto& ring : polygon) {
      out.push_back(command(kMoveTo, 1));
      out.push_back(zigzag(ring[0].x - cursor.x));
      out.push_back(zigzag(ring[0].y - cursor.y));
      cursor = ring[0];
      out.push_back(command(kLineTo, static_cast<std::uint32_t>(ring.size() - 1)));
      for (std::size_t i = 1; i < ring.size(); ++i) {
        out.push_back(zigzag(ring[i].x - cursor.x));
        out.push_back(zigzag(ring[i].y - cursor.y));
        cursor = ring[i];
      }
      out.push_back(command(kClosePath, 1));
    }
  return out;
}

// One feature of the bbox scan, reduced to what the tile needs.
struct Candidate {
  std::int64_t id = 0;
  double cx = 0, cy = 0, area = 0;  // bounding box centre and area in tile units
  std::uint32_t cls = 0;            // aggregation class
  std::string wkb;                  // empty when the feature can only be aggregated
  std::vector<Tag> tags;
};

struct AggregationClass {
  std::string code, name;
};

// Keys and values tables of one layer, each value stored once.
class LayerTables {
 public:
  std::uint32_t key(const std::string& k) {
    auto [it, fresh] = key_index_.try_emplace(k, static_cast<std::uint32_t>(keys_.size()));
    if (fresh) keys_.push_back(k);
    return it->second;
  }
  std::uint32_t value(const TagValue& v) {
    auto [it, fresh] = value_index_.try_emplace(v, static_cast<std::uint32_t>(values_.size()));
    if (fresh) values_.push_back(v);
    return it->second;
  }
  template <class Builder>
  void write(Builder& layer) const {
    for (const auto& k : keys_) layer.add_string(LayerTag::keys, k);
    for (const auto& v : values_) {
      protozero::pbf_builder<ValueTag> value{layer, LayerTag::values};
      if (const auto* s = std::get_if<std::string>(&v))
        value.add_string(ValueTag::string_value, *s);
      else if (const auto* i = std::get_if<std::int64_t>(&v))
        value.add_int64(ValueTag::int_value, *i);
      else if (const auto* d = std::get_if<double>(&v))
        value.add_double(ValueTag::double_value, *d);
      else
        value.add_bool(ValueTag::bool_value, std::get<bool>(v));
    }
  }

 private:
  std::vector<std::string> keys_;
  std::map<std::string, std::uint32_t> key_index_;
  std::vector<TagValue> values_;
  std::map<TagValue, std::uint32_t> value_index_;
};

class TileEncoder {
 public:
  TileEncoder(std::string& out, const std::string& layer_name, int extent)
      : tile_(out), layer_(tile_, TileTag::layers) {
    layer_.add_uint32(LayerTag::version, 2);
    layer_.add_string(LayerTag::name, layer_name);
    layer_.add_uint32(LayerTag::extent, static_cast<std::uint32_t>(extent));
  }
  void add(std::optional<std::int64_t> id, const std::vector<Tag>& tags,
           const std::vector<IntPolygon>& polygons) {
    auto geometry = polygon_commands(polygons);
    std::vector<std::uint32_t> tag_ids;
    tag_ids.reserve(tags.size() * 2);
    for (const auto& t : tags) {
      tag_ids.push_back(tables_.key(t.key));
      tag_ids.push_back(tables_.value(t.value));
    }
    protozero::pbf_builder<FeatureTag> f{layer_, LayerTag::features};
    if (id) f.add_uint64(FeatureTag::id, static_cast<std::uint64_t>(*id));
    if (!tag_ids.empty()) f.add_packed_uint32(FeatureTag::tags, tag_ids.begin(), tag_ids.end());
    f.add_enum(FeatureTag::type, kPolygonType);
    f.add_packed_uint32(FeatureTag::geometry, geometry.begin(), geometry.end());
    ++features_;
  }
  std::size_t features() const { return features_; }
  void finish() {
    tables_.write(layer_);
    layer_.commit();
  }

 private:
  protozero::pbf_builder<TileTag> tile_;
  protozero::pbf_builder<LayerTag> layer_;
  LayerTables tables_;
  std::size_t features_ = 0;
};

// Small features into cells of `cell` units; each class's filled cells as rectangles (row runs).
void encode_aggregates(TileEncoder& enc, const std::vector<Candidate>& small,
                       const std::vector<AggregationClass>& classes, bool land_use, int extent,
                       int cell) {
  const int n = extent / cell;
  std::vector<std::vector<std::pair<std::uint32_t, double>>> cells(
      static_cast<std::size_t>(n) * static_cast<std::size_t>(n));
  std::vector<std::size_t> counts(classes.size(), 0);
  for (const auto& c : small) {
    if (c.cx < 0 || c.cy < 0 || c.cx >= extent || c.cy >= extent) continue;
    auto i = static_cast<std::size_t>(c.cy / cell) * static_cast<std::size_t>(n) +
             static_cast<std::size_t>(c.cx / cell);
    auto& acc = cells[i];
    auto it = std::find_if(acc.begin(), acc.end(), [&](const auto& p) { return p.first == c.cls; });
    if (it == acc.end())
      acc.emplace_back(c.cls, c.area);
    else
      it->second += c.area;
    ++counts[c.cls];
  }
  // Dominant class of each cell that its small features cover at least half of.
  constexpr std::uint32_t kNone = ~0u;
  std::vector<std::uint32_t> winner(cells.size(), kNone);
  const double half = 0.5 * cell * cell;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    double total = 0, best = -1;
    for (const auto& [cls, area] : cells[i]) {
      total += area;
      if (area > best) {
        best = area;
        winner[i] = cls;
      }
    }
    if (total < half) winner[i] = kNone;
  }
  std::vector<std::vector<IntPolygon>> rects(classes.size());
  for (int row = 0; row < n; ++row) {
    int col = 0;
    while (col < n) {
      std::uint32_t cls = winner[static_cast<std::size_t>(row * n + col)];
      int end = col + 1;
      while (end < n && winner[static_cast<std::size_t>(row * n + end)] == cls) ++end;
      if (cls != kNone) {
        std::int64_t x0 = col * cell, x1 = end * cell, y0 = row * cell, y1 = (row + 1) * cell;
        // Clockwise on screen (y down): exterior.
        rects[cls].push_back({{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}});
      }
      col = end;
    }
  }
  for (std::size_t cls = 0; cls < classes.size(); ++cls) {
    if (rects[cls].empty()) continue;
    std::vector<Tag> tags;
    if (land_use) {
      if (!classes[cls].code.empty()) tags.push_back({"DLBM", classes[cls].code});
      if (!classes[cls].name.empty()) tags.push_back({"DLMC", classes[cls].name});
    }
    tags.push_back({"aggregated", true});
    tags.push_back({"count", static_cast<std::int64_t>(counts[cls])});
    enc.add(std::nullopt, tags, rects[cls]);
  }
}

}  // namespace

bool tile_exists(std::int64_t z, std::int64_t x, std::int64_t y) {
  if (z < 0 || z > kMaxTileZoom) return false;
  std::int64_t n = std::int64_t{1} << z;
  return x >= 0 && y >= 0 && x < n && y < n;
}

TileProjection::TileProjection(const TileId& tile, int extent)
    : scale_(std::ldexp(1.0, tile.z) * extent), tx_(double(tile.x) * extent),
      ty_(double(tile.y) * extent) {}

void TileProjection::operator()(double& x, double& y) const {
  double lat = std::clamp(y, -kMaxLatitude, kMaxLatitude) * std::numbers::pi / 180;
  x = (x + 180.0) / 360.0 * scale_ - tx_;
  y = (1.0 - std::asinh(std::tan(lat)) / std::numbers::pi) / 2.0 * scale_ - ty_;
}

Envelope tile_lonlat_bounds(const TileId& tile, double buffer, int extent) {
  double n = std::ldexp(1.0, tile.z);
  auto lon = [&](double u) { return (tile.x + u / extent) / n * 360.0 - 180.0; };
  auto lat = [&](double v) {
    double t = std::numbers::pi * (1.0 - 2.0 * (tile.y + v / extent) / n);
    return std::atan(std::sinh(t)) * 180.0 / std::numbers::pi;
  };
  return {lon(-buffer), lat(extent + buffer), lon(extent + buffer), lat(-buffer)};
}

std::string content_etag(const std::string& data) {
  unsigned char hash[16];
  crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size(), nullptr, 0);
  static const char* hex = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char b : hash) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  out += '"';
  return out;
}

namespace {

// What make_tile reads for one tile, from the store's bbox scan or from an OverviewIndex: the
// candidates in storage-id order, their classes in order of first appearance.
struct Gathered {
  std::vector<Candidate> candidates;
  std::vector<AggregationClass> classes;
  std::map<std::string, std::uint32_t> class_index;
  std::size_t scanned = 0;
};

// The candidate of one feature: its bbox in tile units, its class (code and name as the first
// feature of that class in the tile names it), and its geometry and tags unless it can only be
// aggregated. `payload` is called for those only.
template <class Payload>
void add_candidate(Gathered& g, const TileProjection& project, bool overview, double small_area,
                   std::int64_t id, const Envelope& bbox, const std::string& code,
                   const std::string& name, Payload&& payload) {
  ++g.scanned;
  Candidate c;
  c.id = id;
  double x0 = bbox.minx, y0 = bbox.maxy, x1 = bbox.maxx, y1 = bbox.miny;
  project(x0, y0);
  project(x1, y1);
  c.cx = (x0 + x1) / 2;
  c.cy = (y0 + y1) / 2;
  c.area = (x1 - x0) * (y1 - y0);
  auto [it, fresh] = g.class_index.try_emplace(code, static_cast<std::uint32_t>(g.classes.size()));
  if (fresh) g.classes.push_back({code, name});
  c.cls = it->second;
  if (!(overview && c.area < small_area)) payload(c);
  g.candidates.push_back(std::move(c));
}

Tile render_tile(const LayerVersion& version, const TileId& id, const TileOptions& options,
                 Gathered&& gathered);

}  // namespace

Tile make_tile(storage::Store& store, const LayerVersion& version, const TileId& id,
               const TileOptions& options) {
  const bool land_use = version.kind == LayerKind::land_use;
  const bool overview = id.z < options.detail_zoom;
  const double small_area = double(options.cell) * options.cell;
  TileProjection project(id, options.extent);
  // The scan holds the store: keep its callback to cheap copying and bbox maths, and do the
  // geometry work after it.
  Gathered g;
  store.scan_bbox(version, tile_lonlat_bounds(id, options.buffer, options.extent),
                  [&](StoredFeature&& f) {
                    std::string code = land_use ? land_use_code(f.attributes).value_or("") : "";
                    std::string name =
                        land_use ? attribute_text(f.attributes, "DLMC").value_or("") : "";
                    add_candidate(g, project, overview, small_area, f.id, f.bbox, code, name,
                                  [&](Candidate& c) {
                                    c.wkb = std::move(f.wkb);
                                    c.tags = feature_tags(version.kind, f.attributes);
                                  });
                  });
  return render_tile(version, id, options, std::move(g));
}

namespace {

Tile render_tile(const LayerVersion& version, const TileId& id, const TileOptions& options,
                 Gathered&& gathered) {
  const int extent = options.extent;
  const bool land_use = version.kind == LayerKind::land_use;
  const bool overview = id.z < options.detail_zoom;
  TileProjection project(id, extent);
  Tile tile;
  tile.stats.scanned = gathered.scanned;
  std::vector<Candidate>& candidates = gathered.candidates;
  const std::vector<AggregationClass>& classes = gathered.classes;

  // Geometry of every feature that may be drawn on its own, once.
  geo::TileClip clip{{-double(options.buffer), -double(options.buffer),
                      double(extent + options.buffer), double(extent + options.buffer)},
                     options.simplify_tolerance, 1.0};
  geo::CoordinateMap map = [&project](double& x, double& y) { project(x, y); };
  std::vector<std::vector<IntPolygon>> shapes(candidates.size());
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (candidates[i].wkb.empty()) continue;
    for (const auto& rings : geo::tile_polygons(candidates[i].wkb, map, clip)) {
      IntPolygon polygon;
      for (std::size_t r = 0; r < rings.size(); ++r) {
        IntRing ring = clean_ring(rings[r], r == 0);
        if (ring.empty()) {
          if (r == 0) break;  // no exterior left: the holes go with it
          continue;
        }
        polygon.push_back(std::move(ring));
      }
      if (!polygon.empty()) shapes[i].push_back(std::move(polygon));
    }
  }

  // Encode; too big a tile is encoded again with coarser aggregation.
  for (int cell = overview ? options.cell : 0;; cell = cell ? cell * 2 : options.cell) {
    const double cell_area = double(cell) * cell;
    std::string data;
    TileStats stats{tile.stats.scanned, 0, 0, 0, cell};
    std::vector<Candidate> small;
    std::vector<std::size_t> drawn;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (cell > 0 && (candidates[i].wkb.empty() || candidates[i].area < cell_area)) {
        small.push_back({0, candidates[i].cx, candidates[i].cy, candidates[i].area,
                         candidates[i].cls, {}, {}});
      } else if (shapes[i].empty()) {
        ++stats.degenerate;
      } else {
        drawn.push_back(i);
      }
    }
    std::size_t encoded = 0;
    {
      TileEncoder enc(data, version.layer, extent);
      if (!small.empty()) encode_aggregates(enc, small, classes, land_use, extent, cell);
      for (std::size_t i : drawn) enc.add(candidates[i].id, candidates[i].tags, shapes[i]);
      encoded = enc.features();
      enc.finish();
    }
    // A tile without features is no tile at all: an empty body (answered 204).
    if (encoded == 0) data.clear();
    stats.drawn = drawn.size();
    stats.aggregated = small.size();
    tile.stats = stats;
    tile.data = std::move(data);
    if (tile.data.size() <= options.max_tile_bytes || cell >= kMaxCell) break;
  }
  tile.etag = content_etag(tile.data);
  return tile;
}

}  // namespace

// ---- Overview index ----------------------------------------------------------------------

namespace {

constexpr std::uint32_t kNoPayload = ~0u;
constexpr int kBucketsPerAxis = 1 << OverviewIndex::kBucketZoom;
// A feature over more buckets than this is kept apart and looked at for every tile.
constexpr std::int64_t kMaxBucketsPerFeature = 64;

// The coordinate SQLite's R*Tree and PostGIS's index boxes keep: the nearest float rounded
// outward, so that the index answers exactly the features the store's bbox scan returns.
double float_down(double v) {
  float f = static_cast<float>(v);
  if (double(f) > v) f = std::nextafter(f, -std::numeric_limits<float>::infinity());
  return f;
}
double float_up(double v) {
  float f = static_cast<float>(v);
  if (double(f) < v) f = std::nextafter(f, std::numeric_limits<float>::infinity());
  return f;
}

struct BucketRange {
  int x0, y0, x1, y1;
};

int bucket_x(double lon) {
  double u = (lon + 180.0) / 360.0 * kBucketsPerAxis;
  return std::clamp(static_cast<int>(std::floor(u)), 0, kBucketsPerAxis - 1);
}
int bucket_y(double lat) {
  double l = std::clamp(lat, -kMaxLatitude, kMaxLatitude) * std::numbers::pi / 180;
  double v = (1.0 - std::asinh(std::tan(l)) / std::numbers::pi) / 2.0 * kBucketsPerAxis;
  return std::clamp(static_cast<int>(std::floor(v)), 0, kBucketsPerAxis - 1);
}
BucketRange buckets_of(const Envelope& e) {
  return {bucket_x(e.minx), bucket_y(e.maxy), bucket_x(e.maxx), bucket_y(e.miny)};
}
std::uint64_t bucket_key(int x, int y) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(x)) << 32) |
         static_cast<std::uint32_t>(y);
}

}  // namespace

struct OverviewIndex::Data {
  struct Payload {
    std::string wkb;
    std::vector<Tag> tags;
  };
  std::vector<std::int64_t> ids;    // storage order (= id order)
  std::vector<Envelope> boxes;      // as the store's index keeps them (float, rounded outward)
  std::vector<Envelope> exact;      // the stored bbox
  std::vector<std::uint32_t> cls;   // into classes
  std::vector<std::uint32_t> payload;
  std::vector<std::pair<std::string, std::string>> classes;  // (code, DLMC)
  std::vector<Payload> payloads;
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> buckets;
  std::vector<std::uint32_t> spanning;
};

OverviewIndex::OverviewIndex() : d_(std::make_unique<Data>()) {}
OverviewIndex::~OverviewIndex() = default;

std::size_t OverviewIndex::features() const { return d_->ids.size(); }
std::size_t OverviewIndex::kept_geometries() const { return d_->payloads.size(); }

std::shared_ptr<const OverviewIndex> OverviewIndex::build(storage::Store& store,
                                                          const LayerVersion& version,
                                                          const TileOptions& options,
                                                          const std::function<bool()>& cancelled) {
  auto index = std::shared_ptr<OverviewIndex>(new OverviewIndex());
  index->version_ = version;
  index->options_ = options;
  Data& d = *index->d_;
  const bool land_use = version.kind == LayerKind::land_use;
  const double keep_area = 0.99 * double(options.cell) * options.cell;
  std::map<std::pair<std::string, std::string>, std::uint32_t> class_ids;
  struct Cancelled {};
  storage::Store::ScanOptions scan_options;
  scan_options.decode_attributes = false;
  try {
    store.scan(
        version,
        [&](StoredFeature&& f) {
          if (cancelled && (d.ids.size() & 4095) == 0 && cancelled()) throw Cancelled{};
          Attributes attrs = storage::decode_attributes(f.attributes_json);
          std::pair<std::string, std::string> cls;
          if (land_use)
            cls = {land_use_code(attrs).value_or(""), attribute_text(attrs, "DLMC").value_or("")};
          auto [it, fresh] = class_ids.try_emplace(cls, static_cast<std::uint32_t>(d.classes.size()));
          if (fresh) d.classes.push_back(cls);
          auto i = static_cast<std::uint32_t>(d.ids.size());
          d.ids.push_back(f.id);
          d.exact.push_back(f.bbox);
          d.boxes.push_back({float_down(f.bbox.minx), float_down(f.bbox.miny),
                             float_up(f.bbox.maxx), float_up(f.bbox.maxy)});
          d.cls.push_back(it->second);
          // Geometry and tags of a feature that may be drawn on its own at the index's deepest
          // zoom (its bbox covers about a cell there or more; each tile then decides exactly).
          int bx = bucket_x((f.bbox.minx + f.bbox.maxx) / 2),
              by = bucket_y((f.bbox.miny + f.bbox.maxy) / 2);
          TileProjection project({kBucketZoom, static_cast<std::uint32_t>(bx),
                                  static_cast<std::uint32_t>(by)},
                                 options.extent);
          double x0 = f.bbox.minx, y0 = f.bbox.maxy, x1 = f.bbox.maxx, y1 = f.bbox.miny;
          project(x0, y0);
          project(x1, y1);
          if ((x1 - x0) * (y1 - y0) >= keep_area) {
            d.payload.push_back(static_cast<std::uint32_t>(d.payloads.size()));
            d.payloads.push_back({std::move(f.wkb), feature_tags(version.kind, attrs)});
          } else {
            d.payload.push_back(kNoPayload);
          }
          BucketRange r = buckets_of(d.boxes.back());
          if (std::int64_t(r.x1 - r.x0 + 1) * (r.y1 - r.y0 + 1) > kMaxBucketsPerFeature) {
            d.spanning.push_back(i);
          } else {
            for (int y = r.y0; y <= r.y1; ++y)
              for (int x = r.x0; x <= r.x1; ++x) d.buckets[bucket_key(x, y)].push_back(i);
          }
        },
        scan_options);
  } catch (const Cancelled&) {
    return nullptr;
  }
  return index;
}

Tile make_tile(const OverviewIndex& index, const TileId& id) {
  const LayerVersion& version = index.version_;
  const TileOptions& options = index.options_;
  const OverviewIndex::Data& d = *index.d_;
  if (!index.answers(id)) throw Error("the overview index does not answer zoom " + std::to_string(id.z));
  const Envelope q = tile_lonlat_bounds(id, options.buffer, options.extent);
  // The features the store's scan would return: index boxes meeting the query box.
  auto meets = [&](std::uint32_t i) {
    const Envelope& b = d.boxes[i];
    return b.minx <= q.maxx && b.maxx >= q.minx && b.miny <= q.maxy && b.maxy >= q.miny;
  };
  std::vector<std::uint32_t> hits;
  BucketRange r = buckets_of(q);
  for (int y = r.y0; y <= r.y1; ++y)
    for (int x = r.x0; x <= r.x1; ++x) {
      auto it = d.buckets.find(bucket_key(x, y));
      if (it == d.buckets.end()) continue;
      for (std::uint32_t i : it->second) {
        // A feature in several buckets of the range is taken in the first of them only.
        BucketRange f = buckets_of(d.boxes[i]);
        if (std::max(f.x0, r.x0) != x || std::max(f.y0, r.y0) != y) continue;
        if (meets(i)) hits.push_back(i);
      }
    }
  for (std::uint32_t i : d.spanning)
    if (meets(i)) hits.push_back(i);
  std::sort(hits.begin(), hits.end());  // storage order, as the scan answers

  const bool overview = id.z < options.detail_zoom;
  const double small_area = double(options.cell) * options.cell;
  TileProjection project(id, options.extent);
  Gathered g;
  g.candidates.reserve(hits.size());
  bool complete = true;
  // The tile's class of each index class, found by code on its first appearance (as the scan
  // path finds it), so that the string map is not searched once per feature.
  constexpr std::uint32_t kUnseen = ~0u;
  std::vector<std::uint32_t> tile_class(d.classes.size(), kUnseen);
  for (std::uint32_t i : hits) {
    std::uint32_t& known = tile_class[d.cls[i]];
    if (known != kUnseen && d.payload[i] == kNoPayload) {
      // The common case at overview zooms: a feature that can only be aggregated.
      const Envelope& bbox = d.exact[i];
      ++g.scanned;
      Candidate& c = g.candidates.emplace_back();
      c.id = d.ids[i];
      double x0 = bbox.minx, y0 = bbox.maxy, x1 = bbox.maxx, y1 = bbox.miny;
      project(x0, y0);
      project(x1, y1);
      c.cx = (x0 + x1) / 2;
      c.cy = (y0 + y1) / 2;
      c.area = (x1 - x0) * (y1 - y0);
      c.cls = known;
      if (!(overview && c.area < small_area)) complete = false;
      continue;
    }
    const auto& [code, name] = d.classes[d.cls[i]];
    add_candidate(g, project, overview, small_area, d.ids[i], d.exact[i], code, name,
                  [&](Candidate& c) {
                    if (d.payload[i] == kNoPayload) {
                      complete = false;
                      return;
                    }
                    c.wkb = d.payloads[d.payload[i]].wkb;
                    c.tags = d.payloads[d.payload[i]].tags;
                  });
    known = g.candidates.back().cls;
  }
  if (!complete) throw Error("the overview index lacks a feature's geometry");
  return render_tile(version, id, options, std::move(g));
}

std::shared_ptr<const Tile> TileCache::find(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = index_.find(key);
  if (it == index_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  order_.splice(order_.begin(), order_, it->second);
  return it->second->second;
}

void TileCache::insert(const std::string& key, std::shared_ptr<const Tile> tile) {
  std::lock_guard lock(mutex_);
  auto size = [](const Entry& e) { return e.first.size() + e.second->data.size() + 128; };
  if (auto it = index_.find(key); it != index_.end()) {
    bytes_ -= size(*it->second);
    order_.erase(it->second);
    index_.erase(it);
  }
  order_.emplace_front(key, std::move(tile));
  index_[key] = order_.begin();
  bytes_ += size(order_.front());
  while (bytes_ > max_bytes_ && order_.size() > 1) {
    bytes_ -= size(order_.back());
    index_.erase(order_.back().first);
    order_.pop_back();
  }
}

TileCache::Stats TileCache::stats() const {
  std::lock_guard lock(mutex_);
  return {hits_, misses_, order_.size(), bytes_};
}

TileService::TileService(storage::Store& store, TileOptions options, std::size_t cache_bytes,
                         bool warm)
    : store_(store), options_(options), cache_(cache_bytes) {
  if (!warm) return;
  std::vector<LayerVersion> layers;
  try {
    layers = store_.layers();
  } catch (const std::exception& e) {  // tiles are then made from scans until asked for
    spdlog::warn("tiles: layers not read for the overview indexes: {}", e.what());
  }
  std::lock_guard lock(index_mutex_);
  for (const auto& v : layers)
    if (v.feature_count >= kOverviewMinFeatures) schedule(v);
}

TileService::~TileService() {
  {
    std::lock_guard lock(index_mutex_);
    stopping_ = true;
  }
  index_cv_.notify_all();
  if (builder_.joinable()) builder_.join();
}

void TileService::schedule(const LayerVersion& version) {
  if (stopping_ || !scheduled_.insert(version.id).second) return;
  queue_.push_back(version);
  if (!builder_.joinable()) builder_ = std::thread([this] { build_indexes(); });
  index_cv_.notify_all();
}

std::shared_ptr<const OverviewIndex> TileService::overview(const LayerVersion& version) {
  std::lock_guard lock(index_mutex_);
  auto it = indexes_.find(version.layer);
  if (it != indexes_.end() && it->second->version().id == version.id) return it->second;
  schedule(version);
  return nullptr;
}

void TileService::build_indexes() {
  std::unique_ptr<storage::Store> own;
  bool shared = false;  // no connection of its own: scans through the server's store
  for (;;) {
    LayerVersion v;
    {
      std::unique_lock lock(index_mutex_);
      index_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      v = queue_.front();
      queue_.pop_front();
    }
    std::shared_ptr<const OverviewIndex> index;
    auto started = std::chrono::steady_clock::now();
    try {
      // A connection of its own: the scan takes seconds and must not hold the server's. Where
      // the location names no store to open again (PostgreSQL gives a description), the
      // server's store scans.
      if (!own && !shared) {
        try {
          own = storage::Store::open(store_.location());
        } catch (const std::exception& e) {
          spdlog::info("tiles: overview indexes read through the server's store ({})", e.what());
          shared = true;
        }
      }
      index = OverviewIndex::build(own ? *own : store_, v, options_, [this] {
        std::lock_guard lock(index_mutex_);
        return stopping_;
      });
    } catch (const std::exception& e) {
      spdlog::warn("tiles: no overview index for layer {} version {}: {}", v.layer, v.version,
                   e.what());
    }
    std::lock_guard lock(index_mutex_);
    if (!index) {
      failed_.insert(v.id);
    } else {
      spdlog::info("tiles: overview index of layer {} version {}: {} features ({} with geometry) "
                   "in {:.1f} s",
                   v.layer, v.version, index->features(), index->kept_geometries(),
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      auto& slot = indexes_[v.layer];
      if (!slot || slot->version().version < v.version) slot = index;
    }
    index_cv_.notify_all();
  }
}

bool TileService::wait_for_overview(const LayerVersion& version,
                                     std::chrono::milliseconds timeout) {
  std::unique_lock lock(index_mutex_);
  schedule(version);
  return index_cv_.wait_for(lock, timeout, [&] {
    auto it = indexes_.find(version.layer);
    return failed_.count(version.id) > 0 ||
           (it != indexes_.end() && it->second->version().id == version.id);
  }) && !failed_.count(version.id);
}

std::shared_ptr<const Tile> TileService::tile(const LayerVersion& version, const TileId& id) {
  std::string key = version.layer + '\n' + std::to_string(version.version) + '/' +
                    std::to_string(id.z) + '/' + std::to_string(id.x) + '/' + std::to_string(id.y);
  if (auto hit = cache_.find(key)) return hit;
  std::shared_ptr<const Tile> made;
  if (version.feature_count >= kOverviewMinFeatures && id.z <= OverviewIndex::kBucketZoom &&
      id.z < options_.detail_zoom)
    if (auto index = overview(version)) {
      try {
        made = std::make_shared<const Tile>(make_tile(*index, id));
      } catch (const Error& e) {  // never expected: the scan below answers instead
        spdlog::warn("tiles: {} {}/{}/{}: {}", version.layer, id.z, id.x, id.y, e.what());
      }
    }
  if (!made) made = std::make_shared<const Tile>(make_tile(store_, version, id, options_));
  cache_.insert(key, made);
  return made;
}

LayerVersion TileService::layer_version(const std::string& layer, std::optional<int> version) {
  auto now = std::chrono::steady_clock::now();
  std::vector<LayerVersion> versions;
  {
    std::lock_guard lock(versions_mutex_);
    auto it = versions_.find(layer);
    if (it != versions_.end() && now - it->second.read < std::chrono::seconds(1))
      versions = it->second.versions;
  }
  if (versions.empty()) {
    versions = store_.versions(layer);  // NotFoundError for an unknown layer: not remembered
    std::lock_guard lock(versions_mutex_);
    versions_[layer] = {now, versions};
  }
  if (!version) return versions.back();
  for (const auto& v : versions)
    if (v.version == *version) return v;
  throw NotFoundError("layer '" + layer + "' has no version " + std::to_string(*version));
}

bool may_see_map_data(const User& user, const std::vector<Region>& hierarchy) {
  if (hierarchy.empty()) return true;
  std::vector<std::string> data_regions;
  for (const auto& r : hierarchy)
    if (r.level == RegionLevel::county) data_regions.push_back(r.code);
  if (data_regions.empty())
    for (const auto& r : hierarchy)
      if (r.parent.empty()) data_regions.push_back(r.code);
  for (const auto& g : user.grants) {
    if (g.role == Role::admin || g.role == Role::auditor) return true;
    for (const auto& region : data_regions)
      if (region_contains(g.region_code, region) || region_contains(region, g.region_code))
        return true;
  }
  return false;
}

}  // namespace gz::services
