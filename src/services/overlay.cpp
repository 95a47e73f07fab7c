#include "services/overlay.h"

#include <algorithm>
#include <cstdlib>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include "common/error.h"
#include "geo/ellipsoid.h"

namespace gz::services {

LoadedLayer load_layer(storage::Store& store, const LayerVersion& v,
                       const storage::Store::ScanOptions& options) {
  LoadedLayer l;
  l.version = v;
  l.features = store.read_all(v, options);
  return l;
}

GaussKruger::GaussKruger(int epsg_code)
    : epsg(epsg_code),
      to_gk("EPSG:4490", "EPSG:" + std::to_string(epsg_code)),
      to_lonlat("EPSG:" + std::to_string(epsg_code), "EPSG:4490") {}

SourceEdges::SourceEdges(const std::string& source_srs, int overlay_epsg)
    : lonlat_threshold_(kMaxEdgeDegrees) {
  std::string projected = geo::projected_source_crs(source_srs);
  if (projected.empty()) return;
  if (projected == "EPSG:" + std::to_string(overlay_epsg)) {
    cut_ = false;
    return;
  }
  to_source_ = std::make_unique<geo::CoordinateTransform>("EPSG:4490", projected);
  to_lonlat_ = std::make_unique<geo::CoordinateTransform>(projected, "EPSG:4490");
  lonlat_threshold_ = kMaxEdgeMetres * kDegreesPerMetreAtLeast;
}

geo::Geometry SourceEdges::geometry(const StoredFeature& f) const {
  const Envelope& b = f.bbox;
  double w = b.maxx - b.minx, h = b.maxy - b.miny;
  // The stored box bounds every edge (a box of zero size is one not filled in).
  if (!cut_ || ((w > 0 || h > 0) && w * w + h * h <= lonlat_threshold_ * lonlat_threshold_))
    return geo::Geometry::from_wkb(f.wkb);
  return geometry(geo::Geometry::from_wkb(f.wkb));
}

geo::Geometry SourceEdges::geometry(geo::Geometry lonlat) const {
  if (!cut_ || lonlat.is_null() || !lonlat.has_segment_longer_than(lonlat_threshold_)) return lonlat;
  if (!to_source_) return lonlat.densified(kMaxEdgeDegrees);
  geo::Geometry source = lonlat.transformed(*to_source_);
  if (!source.has_segment_longer_than(kMaxEdgeMetres)) return lonlat;
  return source.densified(kMaxEdgeMetres).transformed(*to_lonlat_);
}

namespace {
// Whether a geometry's box is wider than `length` across (else no edge of it is longer).
bool box_exceeds(const geo::Geometry& g, double length) {
  Envelope e = g.envelope();
  double w = e.maxx - e.minx, h = e.maxy - e.miny;
  return w * w + h * h > length * length;
}
}  // namespace

double GaussKruger::area_m2(const geo::Geometry& projected) const {
  if (box_exceeds(projected, kMaxGaussKrugerEdgeMetres) &&
      projected.has_segment_longer_than(kMaxGaussKrugerEdgeMetres))
    return geo::ellipsoidal_area_m2(projected.densified(kMaxGaussKrugerEdgeMetres).transformed(to_lonlat));
  return geo::ellipsoidal_area_m2(projected.transformed(to_lonlat));
}

double GaussKruger::lonlat_area_m2(const geo::Geometry& lonlat) const {
  const double degrees = kMaxGaussKrugerEdgeMetres * kDegreesPerMetreAtLeast;
  if (box_exceeds(lonlat, degrees) && lonlat.has_segment_longer_than(degrees))
    return area_m2(lonlat.transformed(to_gk));
  return geo::ellipsoidal_area_m2(lonlat);
}

const geo::Geometry& Target::projected() {
  if (!projected_) projected_ = lonlat_.transformed(gk_.to_gk);
  return *projected_;
}

geo::Geometry Target::intersection_projected(const geo::Geometry& other) {
  try {
    return projected().intersection(other).polygonal_part();
  } catch (const Error&) {
    // Same as for zones: repair the projected target once and try again.
    if (repaired_) throw;
    projected_ = projected().make_valid().polygonal_part();
    repaired_ = true;
    return projected_->intersection(other).polygonal_part();
  }
}

double Target::area_m2() {
  if (!area_) area_ = gk_.lonlat_area_m2(lonlat_);
  return *area_;
}

ZoneSet::ZoneSet(const LoadedLayer& layer, GaussKruger& gk,
                 const std::function<bool(const StoredFeature&)>& filter)
    : gk_(gk), edges_(layer.version.source_srs, gk.epsg) {
  std::vector<geo::Geometry> pieces;
  for (const auto& f : layer.features) {
    if (filter && !filter(f)) continue;
    std::size_t zone = features_.size();
    features_.push_back(&f);
    // A polygon valid in lon/lat can turn invalid in the projection where vertices nearly
    // touch; such zones are repaired once, after projecting.
    geo::Geometry projected = edges_.geometry(f).transformed(gk_.to_gk);
    if (!projected.validity().valid) projected = projected.make_valid().polygonal_part();
    // One piece per zone for now; the piece layer lets large zones be cut up later without
    // touching callers (cutting measured no faster on the demo county).
    pieces.clear();
    pieces.push_back(std::move(projected));
    for (auto& p : pieces) {
      std::size_t i = piece_zone_.size();
      piece_zone_.push_back(zone);
      lonlat_.push_back(p.transformed(gk_.to_lonlat));
      projected_.push_back(std::move(p));
      index_.insert(i, lonlat_.back().envelope());
    }
  }
  prepared_.resize(lonlat_.size());
  prepared_projected_.resize(lonlat_.size());
}

bool ZoneSet::zones_disjoint() {
  if (!disjoint_) {
    bool disjoint = true;
    for (std::size_t i = 0; i < lonlat_.size() && disjoint; ++i)
      for (std::size_t j : index_.query(lonlat_[i].envelope()))
        if (j > i && piece_zone_[i] != piece_zone_[j] &&
            projected_[i].interiors_intersect(projected_[j])) {
          disjoint = false;
          break;
        }
    disjoint_ = disjoint;
  }
  return *disjoint_;
}

std::vector<Overlap> ZoneSet::overlaps(Target& t, bool want_geometry) {
  std::vector<Overlap> out;
  std::vector<std::size_t>& candidates = candidates_;
  index_.query(t.envelope(), candidates);  // ascending: pieces of a zone are consecutive
  std::vector<geo::Geometry> zone_pieces;  // GK pieces of the current zone, for its geometry
  for (std::size_t k = 0; k < candidates.size(); ++k) {
    std::size_t p = candidates[k];
    std::size_t zone = piece_zone_[p];
    if (!prepared_[p]) prepared_[p] = std::make_unique<geo::PreparedGeometry>(lonlat_[p]);
    if (prepared_[p]->intersects(t.lonlat())) {
      if (out.empty() || out.back().zone != zone) {
        out.push_back(Overlap{zone, 0.0, geo::Geometry()});
        zone_pieces.clear();
      }
      Overlap& o = out.back();
      // Wholly inside is decided where the overlay runs: a lon/lat edge and the GK edge between
      // the same vertices part by centimetres over kilometres.
      if (!prepared_projected_[p])
        prepared_projected_[p] = std::make_unique<geo::PreparedGeometry>(projected_[p]);
      if (prepared_projected_[p]->contains_properly(t.projected())) {
        o.area_m2 += t.area_m2();
        if (want_geometry) zone_pieces.push_back(t.projected().clone());
      } else {
        geo::Geometry piece = t.intersection_projected(projected_[p]);
        if (!piece.is_empty()) {
          if (want_geometry) zone_pieces.push_back(piece.clone());
          o.area_m2 += gk_.area_m2(piece);
        }
      }
    }
    // Close the zone when its last candidate piece has been seen.
    bool last_of_zone = k + 1 == candidates.size() || piece_zone_[candidates[k + 1]] != zone;
    if (last_of_zone && !out.empty() && out.back().zone == zone) {
      Overlap& o = out.back();
      if (o.area_m2 <= 0) {
        out.pop_back();
      } else if (want_geometry) {
        geo::Geometry merged = zone_pieces.size() == 1
                                   ? std::move(zone_pieces[0])
                                   : geo::Geometry::union_all(std::move(zone_pieces)).polygonal_part();
        o.lonlat = merged.transformed(gk_.to_lonlat);
        zone_pieces.clear();
      }
    }
  }
  return out;
}

Overlap ZoneSet::overlap_union(Target& t, bool want_geometry) {
  auto parts = overlaps(t, want_geometry || !zones_disjoint());
  Overlap total;
  if (parts.empty()) return total;
  if (parts.size() == 1) {
    total = std::move(parts[0]);
    if (!want_geometry) total.lonlat = geo::Geometry();
    return total;
  }
  for (auto& p : parts) {
    if (p.area_m2 >= t.area_m2() * (1 - 1e-12)) {  // one zone covers it all
      total = std::move(p);
      if (!want_geometry) total.lonlat = geo::Geometry();
      return total;
    }
  }
  if (!want_geometry && zones_disjoint()) {
    for (auto& p : parts) total.area_m2 += p.area_m2;
    return total;
  }
  // Several zones: union their pieces in GK (zones of one layer may overlap each other).
  std::vector<geo::Geometry> projected_parts;
  for (auto& p : parts) projected_parts.push_back(p.lonlat.transformed(gk_.to_gk));
  geo::Geometry merged = geo::Geometry::union_all(std::move(projected_parts)).polygonal_part();
  total.area_m2 = gk_.area_m2(merged);
  if (want_geometry) total.lonlat = merged.transformed(gk_.to_lonlat);
  return total;
}

LoadedLayer load_within(storage::Store& store, const LayerVersion& v, const Envelope& bbox) {
  LoadedLayer l;
  l.version = v;
  store.scan_bbox(v, bbox, [&](StoredFeature&& f) { l.features.push_back(std::move(f)); });
  return l;
}

UnitedArea unite_features(const std::vector<StoredFeature>& features) {
  std::vector<geo::Geometry> parts;
  for (const auto& f : features) parts.push_back(geo::Geometry::from_wkb(f.wkb));
  UnitedArea out;
  Envelope& bbox = out.bbox;
  bbox = parts.front().envelope();
  for (const auto& p : parts) {
    Envelope e = p.envelope();
    bbox = {std::min(bbox.minx, e.minx), std::min(bbox.miny, e.miny), std::max(bbox.maxx, e.maxx),
            std::max(bbox.maxy, e.maxy)};
  }
  out.gk_epsg = geo::gauss_kruger_3deg_epsg((bbox.minx + bbox.maxx) / 2);
  GaussKruger gk(out.gk_epsg);
  std::vector<geo::Geometry> projected;
  for (auto& p : parts) projected.push_back(p.transformed(gk.to_gk));
  out.lonlat =
      geo::Geometry::union_all(std::move(projected)).polygonal_part().transformed(gk.to_lonlat);
  return out;
}

int gk_epsg_for(const LoadedLayer& layer) {
  if (layer.features.empty()) throw InputError("layer '" + layer.version.layer + "' has no features");
  Envelope e = layer.features.front().bbox;
  for (const auto& f : layer.features) {
    e.minx = std::min(e.minx, f.bbox.minx);
    e.maxx = std::max(e.maxx, f.bbox.maxx);
    e.miny = std::min(e.miny, f.bbox.miny);
    e.maxy = std::max(e.maxy, f.bbox.maxy);
  }
  return geo::gauss_kruger_3deg_epsg((e.minx + e.maxx) / 2);
}

int worker_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 2 : static_cast<int>(n);
}

void parallel_chunks(std::size_t n, const std::function<void(std::size_t, std::size_t, int)>& fn,
                     const std::function<void(std::size_t)>& progress) {
  int threads = std::max(1, std::min<int>(worker_threads(), static_cast<int>((n + 255) / 256)));
  const std::size_t chunk = 2048;
  std::atomic<std::size_t> next{0}, done{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto work = [&](int thread_index) {
    try {
      for (;;) {
        std::size_t begin = next.fetch_add(chunk);
        if (begin >= n) break;
        std::size_t end = std::min(n, begin + chunk);
        fn(begin, end, thread_index);
        std::size_t d = done.fetch_add(end - begin) + (end - begin);
        if (progress && thread_index == 0) progress(d);
      }
    } catch (...) {
      std::lock_guard lock(failure_mutex);
      if (!failure) failure = std::current_exception();
      next = n;  // stop the others
    }
  };
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back(work, i);
  work(0);
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
  if (progress) progress(n);
}

}  // namespace gz::services
