// The overlay engine shared by stats, check and balance: polygons of one layer ("zones") held
// in memory with an STRtree and prepared geometries, intersected with target features in the
// data's Gauss–Krüger 3° zone, areas measured on the CGCS2000 ellipsoid.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "domain/layer.h"
#include "geo/crs.h"
#include "geo/geometry.h"
#include "geo/spatial_index.h"
#include "storage/store.h"

namespace gz::services {

// Features of a layer version read once; shared read-only between threads.
struct LoadedLayer {
  LayerVersion version;
  std::vector<StoredFeature> features;
};
LoadedLayer load_layer(storage::Store& store, const LayerVersion& v,
                       const storage::Store::ScanOptions& options = {});

// Projection pair for one GK zone; one per thread.
struct GaussKruger {
  int epsg;
  geo::CoordinateTransform to_gk, to_lonlat;
  explicit GaussKruger(int epsg);
  // Ellipsoidal area of a geometry computed in this zone (its edges straight in the zone; GK
  // edges over kMaxGaussKrugerEdgeMetres are cut up first), given in GK or in lon/lat.
  double area_m2(const geo::Geometry& projected) const;
  double lonlat_area_m2(const geo::Geometry& lonlat) const;
};

// The edge model (docs/areas.md "Edges"): an edge runs straight in the CRS its layer came in,
// longitude/latitude for a geographic source, the projection for a projected one (a GK zone).
// Overlays run in one GK zone and areas join lon/lat vertices by geodesics, so an edge long
// enough for those lines to part from it by more than a fraction of a millimetre is cut, straight
// in the source CRS, into pieces short enough that they no longer do:
// * lon/lat sources, before the overlay: edges over kMaxEdgeDegrees;
// * sources in the overlay's own zone: nothing before the overlay (it is exact there); pieces
//   and features are measured with their GK edges over kMaxGaussKrugerEdgeMetres cut up
//   (GaussKruger::area_m2);
// * other projected sources, before the overlay: edges over kMaxEdgeMetres, in the source CRS.
// Only what is computed changes: stored features and exports keep the source's vertices.
// An edge shorter than the limit costs nothing: the feature's stored box rules it out.
inline constexpr double kMaxEdgeDegrees = 0.001;  // ~111 m: a lon/lat line parts from the GK
                                                  // chord by < 0.3 mm (κL²/8, κ ≤ tan φ/N)
inline constexpr double kMaxEdgeMetres = 100.0;   // other projections
inline constexpr double kMaxGaussKrugerEdgeMetres = 500.0;  // a GK line and the geodesic part by
                                                            // < 0.1 mm (κ ≤ x/R², x ≤ 300 km)
// Degrees of lon/lat a segment spans at least per metre in a GK zone (a degree is at most
// 111.7 km, and the zone's scale stays under 1.003 in China).
inline constexpr double kDegreesPerMetreAtLeast = 1.0 / 112000.0;

// One layer's edge model for one thread (holds PROJ transforms).
class SourceEdges {
 public:
  // `source_srs` as a layer version records it (empty or unknown: longitude/latitude);
  // `overlay_epsg` the GK zone the overlay runs in.
  SourceEdges(const std::string& source_srs, int overlay_epsg);
  // The feature's lon/lat geometry with its long edges cut up (unchanged when it has none).
  geo::Geometry geometry(const StoredFeature& f) const;
  geo::Geometry geometry(geo::Geometry lonlat) const;

 private:
  bool cut_ = true;  // false: the source is the overlay's zone
  std::unique_ptr<geo::CoordinateTransform> to_source_, to_lonlat_;
  double lonlat_threshold_;  // degrees: no edge shorter than this in lon/lat needs cutting
};

// A target feature being measured: lon/lat geometry plus its GK copy, made on demand.
class Target {
 public:
  Target(geo::Geometry lonlat, GaussKruger& gk) : lonlat_(std::move(lonlat)), gk_(gk) {}
  const geo::Geometry& lonlat() const { return lonlat_; }
  const geo::Geometry& projected();
  // Intersection with a projected geometry, polygons only; repairs the projected target when
  // projecting made it invalid.
  geo::Geometry intersection_projected(const geo::Geometry& other);
  double area_m2();
  Envelope envelope() const { return lonlat_.envelope(); }

 private:
  geo::Geometry lonlat_;
  std::optional<geo::Geometry> projected_;
  std::optional<double> area_;
  bool repaired_ = false;
  GaussKruger& gk_;
};

struct Overlap {
  std::size_t zone = 0;   // index into the zone set
  double area_m2 = 0;
  geo::Geometry lonlat;   // filled only when asked for
};

// A zone layer indexed for one thread (prepared geometries and STRtree are not thread-safe).
class ZoneSet {
 public:
  // `filter` keeps only some features (e.g. construction zones of a village plan).
  ZoneSet(const LoadedLayer& layer, GaussKruger& gk,
          const std::function<bool(const StoredFeature&)>& filter = {});
  std::size_t size() const { return features_.size(); }
  const StoredFeature& feature(std::size_t i) const { return *features_[i]; }
  // Overlaps of `t` with every zone it intersects, area > 0.
  std::vector<Overlap> overlaps(Target& t, bool want_geometry);
  // Total overlap of `t` with the union of all zones, with the geometry when asked. Zones of one
  // layer may overlap each other; the union counts shared ground once.
  Overlap overlap_union(Target& t, bool want_geometry);

 private:
  std::vector<const StoredFeature*> features_;  // per zone
  // Per piece: its zone, lon/lat shape (predicates, index) and projected shape (overlays).
  std::vector<std::size_t> piece_zone_;
  std::vector<geo::Geometry> lonlat_;
  std::vector<geo::Geometry> projected_;
  std::vector<std::unique_ptr<geo::PreparedGeometry>> prepared_;            // lon/lat
  std::vector<std::unique_ptr<geo::PreparedGeometry>> prepared_projected_;  // GK
  geo::SpatialIndex index_;
  std::vector<std::size_t> candidates_;  // scratch for overlaps()
  GaussKruger& gk_;
  SourceEdges edges_;  // the zone layer's
  // Whether no two zones share interior (then overlap areas add up without a union).
  bool zones_disjoint();
  std::optional<bool> disjoint_;
};

// Features of `v` whose boxes touch `bbox` (the store's spatial index), as a zone layer.
LoadedLayer load_within(storage::Store& store, const LayerVersion& v, const Envelope& bbox);

// The union of features' polygons, united in the Gauss–Krüger zone of their extent: a project's
// area from its area features. `features` must not be empty.
struct UnitedArea {
  geo::Geometry lonlat;
  Envelope bbox;  // of the features
  int gk_epsg = 0;
};
UnitedArea unite_features(const std::vector<StoredFeature>& features);

// GK zone EPSG code for a layer: from the centre of its extent.
int gk_epsg_for(const LoadedLayer& layer);

// Runs fn(begin, end, thread_index) over [0, n) in chunks on all cores.
void parallel_chunks(std::size_t n, const std::function<void(std::size_t, std::size_t, int)>& fn,
                     const std::function<void(std::size_t)>& progress = {});
int worker_threads();

}  // namespace gz::services
