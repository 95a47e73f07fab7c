#include "services/realloc.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "common/data_dir.h"
#include "common/error.h"
#include "geo/crs.h"
#include "geo/geometry.h"
#include "geo/shape.h"
#include "services/overlay.h"
#include "storage/attributes_json.h"

namespace gz::services {

namespace {

struct Parcel {
  std::string id, household;
  geo::Geometry gk;      // projected (metres)
  double area = 0;       // m², planar in the GK zone
  double value_per_m2 = 0;
  std::pair<double, double> centroid;
};

struct Household {
  std::string id;
  std::vector<std::size_t> parcels;
  double value = 0, area = 0;
  std::pair<double, double> home;  // GK metres
  bool stay = false;
  std::string rule;                // below-minimum rule applied
};

// A frame along a polygon's long axis: s along it, t across it.
struct Frame {
  double ox = 0, oy = 0, ux = 1, uy = 0;
  double smin = 0, smax = 0, tmin = 0, tmax = 0;
  double s_of(double x, double y) const { return (x - ox) * ux + (y - oy) * uy; }
  double t_of(double x, double y) const { return -(x - ox) * uy + (y - oy) * ux; }
  std::pair<double, double> at(double s, double t) const { return {ox + s * ux - t * uy, oy + s * uy + t * ux}; }
  // The band smin ≤ s ≤ s1 across the whole polygon (with a margin).
  geo::Geometry band(double s0, double s1) const {
    double t0 = tmin - 1, t1 = tmax + 1;
    return geo::Geometry::polygon({{at(s0, t0), at(s1, t0), at(s1, t1), at(s0, t1), at(s0, t0)}});
  }
};

Frame frame_of(const geo::Geometry& g, const geo::RotatedRectangle& r) {
  Frame f;
  f.ox = r.ox;
  f.oy = r.oy;
  f.ux = r.ux;
  f.uy = r.uy;
  bool first = true;
  g.for_each_polygon([&](const std::vector<geo::Ring>& rings) {
    for (const auto& ring : rings)
      for (const auto& [x, y] : ring) {
        double s = f.s_of(x, y), t = f.t_of(x, y);
        if (first) {
          f.smin = f.smax = s;
          f.tmin = f.tmax = t;
          first = false;
        }
        f.smin = std::min(f.smin, s);
        f.smax = std::max(f.smax, s);
        f.tmin = std::min(f.tmin, t);
        f.tmax = std::max(f.tmax, t);
      }
  });
  return f;
}

// Cuts `g` across the frame's long axis into pieces whose areas are the shares (summing to 1) of
// its area, in order along the axis (bisection on each cut's position).
std::vector<geo::Geometry> cut_across(const geo::Geometry& g, const Frame& f, const std::vector<double>& shares) {
  std::vector<geo::Geometry> out;
  double area = g.planar_area();
  double prev = f.smin - 1, cumulative = 0;
  for (std::size_t q = 0; q < shares.size(); ++q) {
    cumulative += shares[q];
    double cut = f.smax + 1;
    if (q + 1 < shares.size()) {
      double target = area * cumulative;
      double lo = std::max(f.smin, prev), hi = f.smax;
      for (int it = 0; it < 36; ++it) {
        double mid = (lo + hi) / 2;
        (g.intersection(f.band(f.smin - 1, mid)).planar_area() < target ? lo : hi) = mid;
      }
      cut = (lo + hi) / 2;
    }
    out.push_back(g.intersection(f.band(prev, cut)).polygonal_part());
    prev = cut;
  }
  return out;
}

struct Block {
  geo::Geometry gk;
  Frame frame;
  double area = 0, value_per_m2 = 0, depth = 0, capacity = 0;
  std::pair<double, double> centroid;
  double order = 0;
};

ReallocRules rules_from_json(const nlohmann::json& j, const std::string& file) {
  ReallocRules r;
  auto number = [&](const char* key, double& out, double lo, double hi) {
    if (!j.contains(key)) return;
    if (!j[key].is_number() || j[key].get<double>() < lo || j[key].get<double>() > hi)
      throw InputError(file, "", key, "must be a number from " + std::to_string(lo) + " to " + std::to_string(hi));
    out = j[key].get<double>();
  };
  number("min_width_m", r.min_width_m, 0, 1000);
  number("min_area_m2", r.min_area_m2, 0, 1e7);
  number("max_length_width_ratio", r.max_length_width_ratio, 1, 1000);
  number("block_length_m", r.block_length_m, 10, 1e5);
  number("access_distance_m", r.access_distance_m, 0, 1000);
  if (j.contains("access_codes")) {
    if (!j["access_codes"].is_array()) throw InputError(file, "", "access_codes", "must be a list of DLBM codes");
    r.access_codes.clear();
    for (const auto& c : j["access_codes"]) {
      if (!c.is_string()) throw InputError(file, "", "access_codes", "must be a list of DLBM codes (text)");
      r.access_codes.push_back(c.get<std::string>());
    }
  }
  if (j.contains("below_minimum")) {
    if (!j["below_minimum"].is_string() ||
        (j["below_minimum"] != "keep" && j["below_minimum"] != "cash"))
      throw InputError(file, "", "below_minimum", "must be \"keep\" or \"cash\"");
    r.below_minimum = j["below_minimum"].get<std::string>();
  }
  return r;
}

struct Measured {
  double area = 0, perimeter = 0, width = 0, ratio = 0;
  std::pair<double, double> centroid;
  bool access = true;
};

class Access {
 public:
  Access(std::vector<geo::Geometry> features, double distance) : features_(std::move(features)), d_(distance) {
    for (std::size_t i = 0; i < features_.size(); ++i) index_.insert(i, features_[i].envelope());
  }
  bool checked() const { return !features_.empty(); }
  bool reaches(const geo::Geometry& g) const {
    if (features_.empty()) return true;
    auto e = g.envelope();
    e.minx -= d_;
    e.miny -= d_;
    e.maxx += d_;
    e.maxy += d_;
    for (auto i : index_.query(e))
      if (geo::within_distance(g, features_[i], d_)) return true;
    return false;
  }

 private:
  std::vector<geo::Geometry> features_;
  geo::SpatialIndex index_;
  double d_;
};

Measured measure_one(const geo::Geometry& g, const Access& access, double min_width) {
  Measured m;
  m.area = g.planar_area();
  m.perimeter = g.planar_length();
  // The inscribed circle to 0.25 m (the diameter to 0.5 m), and to 1 cm near the minimum width,
  // where it decides: the fine search is what costs.
  m.width = geo::inscribed_diameter(g, 0.25);
  if (m.width < min_width + 1.0) m.width = geo::inscribed_diameter(g, 0.01);
  auto r = geo::minimum_rotated_rectangle(g);
  m.ratio = r.width > 0 ? r.length / r.width : 0;
  m.centroid = g.centroid();
  m.access = access.reaches(g);
  return m;
}

double distance(std::pair<double, double> a, std::pair<double, double> b) {
  return std::hypot(a.first - b.first, a.second - b.second);
}

Fragmentation criteria(const std::vector<std::vector<const Measured*>>& holdings,
                       const std::vector<std::pair<double, double>>& homes, const ReallocRules& rules,
                       bool access_checked) {
  Fragmentation f;
  double area = 0, shape = 0, ratio = 0, dist = 0, weight = 0;
  int below = 0, owners = 0;
  std::vector<double> widths;
  f.without_access = access_checked ? 0 : -1;
  for (std::size_t h = 0; h < holdings.size(); ++h) {
    double held = 0;
    for (const auto* m : holdings[h]) {
      if (m->area <= 0) continue;
      ++f.parcels;
      area += m->area;
      held += m->area;
      shape += m->perimeter / (4 * std::sqrt(m->area));
      ratio += m->ratio;
      dist += m->area * distance(homes[h], m->centroid);
      weight += m->area;
      widths.push_back(m->width);
      if (m->width < rules.min_width_m - 0.05) ++f.narrower_than_minimum;
      if (m->area < rules.min_area_m2 - 0.5) ++f.smaller_than_minimum;
      if (m->ratio > rules.max_length_width_ratio + 1e-6) ++f.over_ratio;
      if (access_checked && !m->access) ++f.without_access;
    }
    if (held > 0) {
      ++owners;
      if (held < rules.min_area_m2) ++below;
    }
  }
  if (owners > 0) {
    f.parcels_per_household = f.parcels / static_cast<double>(owners);
    f.holdings_below_minimum_share = below / static_cast<double>(owners);
  }
  if (f.parcels > 0) {
    f.mean_parcel_area_m2 = area / f.parcels;
    f.mean_shape_index = shape / f.parcels;
    f.mean_length_width_ratio = ratio / f.parcels;
    std::sort(widths.begin(), widths.end());
    f.narrowest_m = widths.front();
    f.median_width_m = widths.size() % 2 ? widths[widths.size() / 2]
                                         : (widths[widths.size() / 2 - 1] + widths[widths.size() / 2]) / 2;
  }
  if (weight > 0) f.mean_distance_m = dist / weight;
  return f;
}

geo::Geometry rectangle(double x0, double y0, double x1, double y1) {
  return geo::Geometry::polygon({{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}});
}

double value_per_m2_of(const Attributes& a, const std::string& parcel, const std::string& file) {
  if (auto v = attribute_number(a, "value"); v && *v > 0) return *v;
  if (auto g = attribute_number(a, "DLDJ"); g && *g >= 1 && *g <= 10) return 1.0 + 0.1 * (10 - std::round(*g));
  throw InputError(file, parcel, "DLDJ",
                   "the parcel has neither a value per m² (value > 0) nor a land grade DLDJ 1–10");
}

// The order blocks are filled in and households take their turn: columns of `column` metres
// west to east, south to north in even columns and north to south in odd ones.
double serpentine(std::pair<double, double> p, double x0, double y0, double column) {
  double c = std::floor((p.first - x0) / column);
  double y = p.second - y0;
  return c * 1e7 + (static_cast<long long>(c) % 2 == 0 ? y : 1e6 - y);
}

}  // namespace

nlohmann::json fragmentation_json(const Fragmentation& f) {
  return {{"parcels", f.parcels},
          {"parcels_per_household", f.parcels_per_household},
          {"mean_parcel_area_m2", f.mean_parcel_area_m2},
          {"holdings_below_minimum_share", f.holdings_below_minimum_share},
          {"mean_shape_index", f.mean_shape_index},
          {"mean_length_width_ratio", f.mean_length_width_ratio},
          {"mean_distance_m", f.mean_distance_m},
          {"narrowest_m", f.narrowest_m},
          {"median_width_m", f.median_width_m},
          {"narrower_than_minimum", f.narrower_than_minimum},
          {"smaller_than_minimum", f.smaller_than_minimum},
          {"over_ratio", f.over_ratio},
          {"without_access", f.without_access < 0 ? nlohmann::json(nullptr) : nlohmann::json(f.without_access)}};
}

ReallocRules load_realloc_rules() {
  std::string path = data_dir() + "/realloc.json";
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path, "", "", std::string("not valid JSON: ") + e.what());
  }
  return rules_from_json(j, path);
}

ReallocResult reallocate(storage::Store& store, const ReallocRequest& req,
                         const std::function<void(const std::string&, std::int64_t, std::int64_t)>& progress,
                         const std::optional<ReallocRules>& given_rules) {
  auto started = std::chrono::steady_clock::now();
  if (!(req.tolerance > 0 && req.tolerance <= 0.5))
    throw UsageError("--tolerance must be greater than 0 and at most 0.5 (a share: 0.02 = 2%)");
  const ReallocRules rules = given_rules ? *given_rules : load_realloc_rules();
  auto report = [&](const char* phase, std::int64_t done, std::int64_t total) {
    if (progress) progress(phase, done, total);
  };
  auto v = store.layer_version(req.layer, req.version);
  if (v.kind != LayerKind::parcel)
    throw UsageError("layer '" + req.layer + "' is of kind " + std::string(to_string(v.kind)) +
                     ", not parcel");
  auto features = store.read_all(v, {});
  if (features.empty()) throw InputError(req.layer, "", "", "the layer has no parcels");
  const std::string file = "layer " + req.layer;

  std::optional<geo::Geometry> unit;
  if (!req.unit.empty()) {
    auto uv = store.layer_version(req.units_layer, std::nullopt);
    for (const auto& f : store.read_all(uv, {}))
      if (attribute_text_any(f.attributes, {"DYBH", "code", "id"}).value_or("") == req.unit)
        unit = geo::Geometry::from_wkb(f.wkb);
    if (!unit)
      throw InputError("layer " + req.units_layer, req.unit, "DYBH", "no consolidation unit with this code");
  }

  Envelope all = features.front().bbox;
  for (const auto& f : features) {
    all.minx = std::min(all.minx, f.bbox.minx);
    all.maxx = std::max(all.maxx, f.bbox.maxx);
  }
  GaussKruger gk(geo::gauss_kruger_3deg_epsg((all.minx + all.maxx) / 2));

  std::vector<Parcel> parcels;
  std::map<std::string, std::size_t> household_index;
  std::vector<Household> households;
  std::set<std::string> stay(req.stay.begin(), req.stay.end());
  for (const auto& f : features) {
    auto lonlat = geo::Geometry::from_wkb(f.wkb);
    if (unit) {
      // A parcel belongs to the unit its centre lies in.
      auto c = lonlat.centroid();
      if (!unit->intersects(rectangle(c.first, c.second, c.first + 1e-9, c.second + 1e-9))) continue;
    }
    Parcel p;
    p.id = f.source_id;
    p.household = attribute_text_any(f.attributes, {"CBFBM", "household"}).value_or("");
    if (p.household.empty())
      throw InputError(file, p.id, "CBFBM", "the parcel names no household (承包方编码 CBFBM)");
    p.value_per_m2 = value_per_m2_of(f.attributes, p.id, file);
    p.gk = lonlat.transformed(gk.to_gk);
    p.area = p.gk.planar_area();
    p.centroid = p.gk.centroid();
    auto [it, added] = household_index.emplace(p.household, households.size());
    if (added) households.push_back({p.household, {}, 0, 0, {0, 0}, stay.count(p.household) > 0, ""});
    Household& h = households[it->second];
    h.parcels.push_back(parcels.size());
    h.value += p.area * p.value_per_m2;
    h.area += p.area;
    if (auto s = attribute_number(f.attributes, "stay"); s && *s == 1) h.stay = true;
    auto hx = attribute_number(f.attributes, "HOME_X"), hy = attribute_number(f.attributes, "HOME_Y");
    if (hx && hy) {
      double xy[2] = {*hx, *hy};
      gk.to_gk.transform_interleaved(xy, 1);
      h.home = {xy[0], xy[1]};
    }
    parcels.push_back(std::move(p));
  }
  if (parcels.empty()) throw InputError(file, req.unit, "", "no parcels lie in the unit");
  for (const auto& s : stay)
    if (!household_index.count(s))
      throw InputError(file, s, "CBFBM", "a household asked to stay, but it has no parcel in the unit");
  // Homes default to the centroid of the household's largest parcel.
  for (auto& h : households)
    if (h.home == std::pair<double, double>{0, 0}) {
      std::size_t best = h.parcels.front();
      for (auto i : h.parcels)
        if (parcels[i].area > parcels[best].area) best = i;
      h.home = parcels[best].centroid;
    }

  ReallocResult result;
  result.rules = rules;

  // Roads and ditches: the features of the access layers with an access DLBM (or none).
  std::vector<geo::Geometry> access_features;
  for (const auto& name : req.access_layers) {
    std::optional<LayerVersion> av;
    try {
      av = store.layer_version(name, std::nullopt);
    } catch (const NotFoundError&) {
      continue;
    }
    result.access_layers_used.push_back(name);
    for (const auto& f : store.read_all(*av, {})) {
      auto code = attribute_text_any(f.attributes, {"DLBM", "dlbm"});
      if (code && std::find(rules.access_codes.begin(), rules.access_codes.end(), *code) == rules.access_codes.end())
        continue;
      access_features.push_back(geo::Geometry::from_wkb(f.wkb).transformed(gk.to_gk));
    }
  }
  const Access access(std::move(access_features), rules.access_distance_m);

  // Overlapping parcels would be counted twice: refused, naming both.
  report("check parcels", 0, static_cast<std::int64_t>(parcels.size()));
  geo::SpatialIndex index;
  for (std::size_t i = 0; i < parcels.size(); ++i) index.insert(i, parcels[i].gk.envelope());
  for (std::size_t i = 0; i < parcels.size(); ++i) {
    for (auto j : index.query(parcels[i].gk.envelope())) {
      if (j <= i || !parcels[i].gk.interiors_intersect(parcels[j].gk)) continue;
      double overlap = parcels[i].gk.intersection(parcels[j].gk).planar_area();
      if (overlap > 1.0)
        throw InputError(file, parcels[i].id, "geometry",
                         "overlaps parcel " + parcels[j].id + " by " +
                             std::to_string(static_cast<long long>(std::lround(overlap))) + " m²");
    }
    if (i % 1000 == 0) report("check parcels", static_cast<std::int64_t>(i), static_cast<std::int64_t>(parcels.size()));
  }

  // Households whose whole entitlement is below the minimum parcel: the stated rule, reported.
  for (auto& h : households)
    if (!h.stay && h.area < rules.min_area_m2) {
      h.rule = rules.below_minimum;
      if (h.rule == "keep") h.stay = true;
      result.below_minimum.push_back({h.id, h.area, h.value, h.rule});
    }

  result.households = static_cast<int>(households.size());
  result.parcels = static_cast<int>(parcels.size());
  report("measure", 0, static_cast<std::int64_t>(parcels.size()));
  std::vector<Measured> measured_before;
  measured_before.reserve(parcels.size());
  for (const auto& p : parcels) measured_before.push_back(measure_one(p.gk, access, rules.min_width_m));
  std::vector<std::vector<const Measured*>> before(households.size());
  std::vector<std::pair<double, double>> homes;
  for (std::size_t h = 0; h < households.size(); ++h) {
    homes.push_back(households[h].home);
    for (auto i : households[h].parcels) before[h].push_back(&measured_before[i]);
  }
  result.before = criteria(before, homes, rules, access.checked());

  // ---- the pool and its blocks ------------------------------------------------------------------
  std::vector<std::size_t> moving;
  std::vector<geo::Geometry> pool_parts;
  for (std::size_t h = 0; h < households.size(); ++h) {
    if (households[h].stay) continue;
    moving.push_back(h);
    for (auto i : households[h].parcels) pool_parts.push_back(parcels[i].gk.clone());
  }
  result.moving_households = static_cast<int>(moving.size());
  constexpr std::size_t kCollective = static_cast<std::size_t>(-1);
  // New parcels: (claimant household or kCollective, geometry).
  std::vector<std::pair<std::size_t, geo::Geometry>> pieces;
  std::vector<double> piece_value;
  double remnant_value = 0, pool_value = 0;
  // ---- every new parcel workable, or no plan --------------------------------------------------
  std::vector<Measured> measured_after;
  std::map<std::string, std::vector<std::string>> problems;
  auto metres = [](double x) {
    char t[32];
    std::snprintf(t, sizeof t, "%.1f", x);
    return std::string(t);
  };
  auto check_all = [&] {
    report("check", 0, static_cast<std::int64_t>(pieces.size()));
    measured_after.clear();
    measured_after.reserve(pieces.size());
    problems.clear();
    for (std::size_t q = 0; q < pieces.size(); ++q) {
      measured_after.push_back(measure_one(pieces[q].second, access, rules.min_width_m));
      if (pieces[q].first == kCollective && piece_value[q] == 0) continue;  // a remnant
      const auto& m = measured_after.back();
      std::string who = pieces[q].first == kCollective ? "collective" : households[pieces[q].first].id;
      if (m.width < rules.min_width_m - 0.05)
        problems[who].push_back("a parcel " + metres(m.width) + " m wide (minimum " + metres(rules.min_width_m) + " m)");
      // The collective's land (of households paid in cash) may be below the minimum area: it is
      // reserve land (机动地) the village leases out, not a household's holding.
      if (m.area < rules.min_area_m2 - 0.5 && pieces[q].first != kCollective)
        problems[who].push_back("a parcel of " + metres(m.area) + " m² (minimum " + metres(rules.min_area_m2) + " m²)");
      if (m.ratio > rules.max_length_width_ratio + 1e-6)
        problems[who].push_back("a parcel " + metres(m.ratio) + " times as long as wide (at most " +
                                metres(rules.max_length_width_ratio) + ")");
      if (!m.access)
        problems[who].push_back("a parcel with no side on a road or ditch (within " + metres(rules.access_distance_m) + " m)");
      int n = pieces[q].second.num_parts();
      for (int k = 1; k < n; ++k)
        if (pieces[q].second.part(k).planar_area() > 1.0) {
          problems[who].push_back("a parcel in " + std::to_string(n) + " separate pieces");
          break;
        }
    }
  };

  if (!moving.empty()) {
    report("pool", 0, 1);
    geo::Geometry pool = geo::Geometry::union_all(std::move(pool_parts));
    std::vector<Block> blocks;
    std::vector<geo::Geometry> remnants;  // land no strip of which could be farmed
    int parts = pool.num_parts();
    auto add_block = [&](geo::Geometry g) {
      Block b;
      b.area = g.planar_area();
      if (b.area < 1.0) return;
      auto r = geo::minimum_rotated_rectangle(g);
      b.frame = frame_of(g, r);
      b.depth = r.width;
      b.centroid = g.centroid();
      b.gk = std::move(g);
      blocks.push_back(std::move(b));
    };
    for (int k = 0; k < parts; ++k) {
      geo::Geometry component = pool.type_name() == "Polygon" ? pool.clone() : pool.part(k);
      if (component.planar_area() < 1.0) continue;
      // What no machine of the minimum width can reach (thin tails, wedges) is left out of the
      // blocks: a remnant for the collective (field margins), never a household's strip.
      geo::Geometry core = geo::opening(component, rules.min_width_m);
      geo::Geometry rest = component.difference(core).polygonal_part();
      for (int q = 0; q < rest.num_parts(); ++q) {
        auto bit = rest.type_name() == "Polygon" ? rest.clone() : rest.part(q);
        if (bit.planar_area() > 1.0) remnants.push_back(std::move(bit));
      }
      for (int q = 0; q < core.num_parts(); ++q) {
        auto piece = core.type_name() == "Polygon" ? core.clone() : core.part(q);
        if (piece.planar_area() < rules.min_area_m2) {
          if (piece.planar_area() > 1.0) remnants.push_back(std::move(piece));
          continue;
        }
        auto r = geo::minimum_rotated_rectangle(piece);
        int n = std::max(1, static_cast<int>(std::ceil(r.length / rules.block_length_m - 1e-9)));
        if (n == 1) {
          add_block(std::move(piece));
          continue;
        }
        for (auto& sub : cut_across(piece, frame_of(piece, r), std::vector<double>(static_cast<std::size_t>(n), 1.0 / n)))
          add_block(std::move(sub));
      }
      if (k % 20 == 0) report("blocks", k + 1, parts);
    }
    // Re-valued at the mean value of the land each block was made of.
    auto value_of = [&](const geo::Geometry& g) {
      double value = 0;
      for (auto i : index.query(g.envelope())) {
        if (households[household_index[parcels[i].household]].stay) continue;
        if (!g.intersects(parcels[i].gk)) continue;
        value += g.intersection(parcels[i].gk).planar_area() * parcels[i].value_per_m2;
      }
      return value;
    };
    for (auto& b : blocks) {
      b.capacity = value_of(b.gk);
      b.value_per_m2 = b.capacity / b.area;
      pool_value += b.capacity;
    }
    for (auto& g : remnants) {
      remnant_value += value_of(g);
      pieces.push_back({kCollective, std::move(g)});
      piece_value.push_back(0);
    }
    pool_value += remnant_value;
    result.remnant_pieces = static_cast<int>(remnants.size());
    for (const auto& [who, g] : pieces)
      if (who == kCollective) result.remnant_area_m2 += g.planar_area();
    result.remnant_share = pool_value > 0 ? remnant_value / pool_value : 0;
    result.blocks = static_cast<int>(blocks.size());
    if (blocks.empty())
      throw InputError(file, req.unit, "",
                       "no workable plan: the pooled land has no piece at least " +
                           std::to_string(static_cast<int>(rules.min_width_m)) + " m wide and " +
                           std::to_string(static_cast<int>(rules.min_area_m2)) + " m²; nothing written");

    // ---- the order of blocks and households -----------------------------------------------------
    Envelope e = pool.envelope();
    for (auto& b : blocks) b.order = serpentine(b.centroid, e.minx, e.miny, rules.block_length_m);
    std::sort(blocks.begin(), blocks.end(), [](const Block& l, const Block& r) { return l.order < r.order; });
    // Claimants: the moving households (entitlements scaled by the share of remnant land) and the
    // collective for the land of households compensated in cash.
    const double scale = pool_value > 0 ? (pool_value - remnant_value) / pool_value : 1;
    struct Claimant {
      std::size_t household;  // kCollective for the collective
      double need, order;
    };
    std::vector<Claimant> claimants;
    double cash_value = 0;
    for (auto h : moving) {
      if (households[h].rule == "cash") {
        cash_value += households[h].value;
        continue;
      }
      claimants.push_back({h, households[h].value * scale,
                           serpentine(households[h].home, e.minx, e.miny, rules.block_length_m)});
    }
    std::stable_sort(claimants.begin(), claimants.end(),
                     [](const Claimant& l, const Claimant& r) { return l.order < r.order; });
    if (cash_value > 0) claimants.push_back({kCollective, cash_value * scale, 0});

    // ---- households fill the blocks in order ----------------------------------------------------
    // When a fill leaves an unworkable parcel, it is tried again with neighbours in line swapped
    // at random (a few times) before the plan is refused.
    const std::size_t base = pieces.size();
    const auto claimants_in_order = claimants;
    std::mt19937_64 swaps(7);
    for (int attempt = 0;; ++attempt) {
    pieces.erase(pieces.begin() + static_cast<std::ptrdiff_t>(base), pieces.end());
    piece_value.resize(base);
    if (attempt > 0) {
      claimants = claimants_in_order;
      for (std::size_t c = 0; c + 1 < claimants.size(); ++c)
        if (swaps() % 3 == 0) std::swap(claimants[c], claimants[c + 1]);
    }
    report("assign", 0, static_cast<std::int64_t>(blocks.size()));
    // What a household may gain or lose to fit: 40% of the tolerance (of 1% at least: a tolerance
    // tighter than that is met by no workable plan, and the plan is reported outside it).
    const double slack = 0.4 * std::max(req.tolerance, 0.01);
    auto min_piece = [&](const Block& b) {
      return 1.05 * b.value_per_m2 *
             std::max({rules.min_area_m2, rules.min_width_m * b.depth, b.depth * b.depth / rules.max_length_width_ratio});
    };
    std::vector<std::vector<std::pair<std::size_t, double>>> shares(blocks.size());  // (claimant, value)
    std::vector<bool> placed(claimants.size(), false);
    std::size_t head = 0;
    std::optional<std::pair<std::size_t, double>> carry;
    double drift = 0;  // value given out beyond the entitlements so far
    const std::size_t window = 40;
    // Whether the rest `c` of a household carried into block nb gives workable pieces there.
    auto carry_ok = [&](double c, std::size_t nb, double V) {
      if (nb >= blocks.size()) return false;
      double C = blocks[nb].capacity, mm = min_piece(blocks[nb]);
      if (c < mm && c < C - 1e-6) return false;
      if (c <= C - mm || std::fabs(c - C) <= slack * V) return true;
      if (c > C) {
        double left = c - C;
        return left <= slack * V || (nb + 1 < blocks.size() && left >= min_piece(blocks[nb + 1]));
      }
      return false;
    };
    for (std::size_t b = 0; b < blocks.size(); ++b) {
      double R = blocks[b].capacity;
      const double m = min_piece(blocks[b]);
      auto& in = shares[b];
      if (carry) {
        double V = claimants[carry->first].need;
        if (carry->second >= R - 1e-6 && b + 1 < blocks.size()) {
          // The rest of a household fills this block: all of it is the household's, and what is
          // left goes on to the next block (or is given up, when within the household's slack).
          in.push_back({carry->first, R});
          double left = carry->second - R;
          carry.reset();
          if (left > slack * V) carry = {in.back().first, left};
          else drift -= left;
          continue;
        }
        if (std::fabs(carry->second - R) <= slack * V && b + 1 < blocks.size()) {
          in.push_back({carry->first, R});  // the block is the rest of the household, give or take
          drift += R - carry->second;
          carry.reset();
          continue;
        }
        in.push_back(*carry);
        R -= carry->second;
        carry.reset();
      }
      if (b + 1 == blocks.size()) {
        // The last block takes everyone left, scaled to fill it exactly.
        for (std::size_t c = head; c < claimants.size(); ++c)
          if (!placed[c]) in.push_back({c, claimants[c].need}), placed[c] = true;
        double sum = 0;
        for (auto& [c, val] : in) sum += val;
        if (sum > 0)
          for (auto& [c, val] : in) val *= blocks[b].capacity / sum;
        break;
      }
      while (R > 1e-6) {
        while (head < claimants.size() && placed[head]) ++head;
        if (head == claimants.size()) break;
        bool done = false;
        std::size_t seen = 0;
        for (std::size_t c = head; c < claimants.size() && seen < window && !done; ++c) {
          if (placed[c]) continue;
          ++seen;
          double V = claimants[c].need;
          if (V <= R - m) {  // whole, leaving a workable rest
            in.push_back({c, V});
            R -= V;
            placed[c] = done = true;
          } else if (std::fabs(R - V) <= slack * V && std::fabs(drift + R - V) <= 2 * slack * V) {
            in.push_back({c, R});  // whole, taking the rest
            drift += R - V;
            R = 0;
            placed[c] = done = true;
          } else if ((R >= m || in.empty()) && carry_ok(V - R, b + 1, V)) {  // split over this block and the next
            in.push_back({c, R});
            carry = {c, V - R};
            R = 0;
            placed[c] = done = true;
          }
        }
        if (done) continue;
        // Nobody fits: the block's households stretch to take the rest, or give way so that the
        // first in line fits whole, whichever keeps each within the slack.
        double sum = 0;
        for (auto& [c, val] : in) sum += val;
        double V = claimants[head].need;
        if (sum > 0 && R <= slack * sum && (drift <= 0 || V - R > slack * sum)) {
          for (auto& [c, val] : in) val *= (sum + R) / sum;
          drift += R;
          R = 0;
        } else if (sum > 0 && V > R && V - R <= slack * sum) {
          for (auto& [c, val] : in) val *= (sum - (V - R)) / sum;
          drift -= V - R;
          in.push_back({head, V});
          placed[head] = true;
          R = 0;
        } else if (V <= R) {  // no way round a small rest: checked below, and refused if unworkable
          in.push_back({head, V});
          R -= V;
          placed[head] = true;
        } else {
          in.push_back({head, R});
          carry = {head, V - R};
          R = 0;
          placed[head] = true;
        }
      }
      if (b % 50 == 0) report("assign", static_cast<std::int64_t>(b), static_cast<std::int64_t>(blocks.size()));
    }
    for (std::size_t c = 0; c < claimants.size(); ++c)
      if (!placed[c])
        throw InputError(file, claimants[c].household == kCollective ? "collective" : households[claimants[c].household].id,
                         "", "no workable plan: the pool has no room left for this household; nothing written");

    // ---- strips across each block's long axis ---------------------------------------------------
    report("cut", 0, static_cast<std::int64_t>(blocks.size()));
    for (std::size_t b = 0; b < blocks.size(); ++b) {
      // A strip longer across than max ratio × the block's depth is cut into equal strips.
      std::vector<std::pair<std::size_t, double>> strips;
      for (auto [c, val] : shares[b]) {
        double width = val / blocks[b].value_per_m2 / std::max(blocks[b].depth, 1e-9);
        int k = std::max(1, static_cast<int>(std::ceil(width / (rules.max_length_width_ratio * 0.9 * blocks[b].depth))));
        for (int q = 0; q < k; ++q) strips.push_back({c, val / k});
      }
      double total = 0;
      for (auto& s : strips) total += s.second;
      if (total <= 0) continue;
      std::vector<double> fractions;
      for (auto& s : strips) fractions.push_back(s.second / total);
      auto cut = cut_across(blocks[b].gk, blocks[b].frame, fractions);
      for (std::size_t q = 0; q < cut.size(); ++q) {
        if (cut[q].planar_area() <= 0) continue;
        double val = cut[q].planar_area() * blocks[b].value_per_m2;
        pieces.push_back({claimants[strips[q].first].household, std::move(cut[q])});
        piece_value.push_back(val);
      }
      if (b % 50 == 0) report("cut", static_cast<std::int64_t>(b), static_cast<std::int64_t>(blocks.size()));
    }
    check_all();
    if (problems.empty() || attempt == 11) break;
    }
  }

  if (moving.empty()) check_all();
  if (!problems.empty()) {
    std::string message = "no workable plan: " + std::to_string(problems.size()) + " household(s) would get ";
    int listed = 0;
    for (const auto& [who, what] : problems) {
      if (listed++ == 8) {
        message += "; and " + std::to_string(problems.size() - 8) + " more";
        break;
      }
      message += (listed > 1 ? "; " : "") + who + ": " + what.front();
      if (what.size() > 1) message += " (and " + std::to_string(what.size() - 1) + " more)";
    }
    message += "; nothing written";
    throw InputError(file, problems.begin()->first, "", message);
  }

  // ---- results ----------------------------------------------------------------------------------
  std::vector<std::vector<const Measured*>> after(households.size());
  std::vector<double> value_after(households.size(), 0);
  std::vector<std::vector<const geo::Geometry*>> geometry_after(households.size());
  for (std::size_t q = 0; q < pieces.size(); ++q) {
    if (pieces[q].first == kCollective) continue;
    after[pieces[q].first].push_back(&measured_after[q]);
    geometry_after[pieces[q].first].push_back(&pieces[q].second);
    value_after[pieces[q].first] += piece_value[q];
  }
  auto weighted = [](const std::vector<const Measured*>& ms, bool shape) {
    double sum = 0, area = 0;
    for (const auto* m : ms) {
      if (m->area <= 0) continue;
      sum += m->area * (shape ? m->perimeter / (4 * std::sqrt(m->area)) : m->ratio);
      area += m->area;
    }
    return area > 0 ? sum / area : 0;
  };
  int compared = 0, no_worse = 0;
  for (std::size_t h = 0; h < households.size(); ++h) {
    HouseholdResult r;
    r.household = households[h].id;
    r.stayed = households[h].stay;
    r.rule = households[h].rule;
    r.parcels_before = static_cast<int>(households[h].parcels.size());
    r.value_before = households[h].value;
    if (households[h].stay) {
      for (auto i : households[h].parcels) {
        after[h].push_back(&measured_before[i]);
        geometry_after[h].push_back(&parcels[i].gk);
      }
      r.value_after = r.value_before;
    } else {
      r.value_after = value_after[h];
    }
    r.parcels_after = static_cast<int>(after[h].size());
    r.deviation = r.value_before > 0 ? (r.value_after - r.value_before) / r.value_before : 0;
    r.shape_index_before = weighted(before[h], true);
    r.shape_index_after = weighted(after[h], true);
    r.ratio_before = weighted(before[h], false);
    r.ratio_after = weighted(after[h], false);
    if (!households[h].stay && r.rule != "cash") {
      ++compared;
      if (r.shape_index_after <= r.shape_index_before + 1e-9 && r.ratio_after <= r.ratio_before + 1e-9) ++no_worse;
      result.max_abs_deviation = std::max(result.max_abs_deviation, std::fabs(r.deviation));
    }
    result.households_detail.push_back(std::move(r));
  }
  if (compared > 0) result.shape_no_worse_share = no_worse / static_cast<double>(compared);
  result.after = criteria(after, homes, rules, access.checked());
  result.within_tolerance = result.max_abs_deviation <= req.tolerance;

  if (!req.output_layer.empty() || req.keep_output) {
    int n = 0;
    auto emit = [&](const std::string& owner, bool stayed, const geo::Geometry& g, const Measured& m) {
      auto lonlat = g.transformed(gk.to_lonlat);
      StoredFeature f;
      f.source_id = owner + "-" + std::to_string(++n);
      f.wkb = lonlat.wkb();
      f.bbox = lonlat.envelope();
      f.attributes.push_back({"CBFBM", owner});
      f.attributes.push_back({"stayed", static_cast<std::int64_t>(stayed ? 1 : 0)});
      f.attributes.push_back({"area_m2", m.area});
      f.attributes.push_back({"width_m", m.width});
      f.attributes.push_back({"ratio", m.ratio});
      f.attributes.push_back({"access", static_cast<std::int64_t>(m.access ? 1 : 0)});
      result.output.push_back(std::move(f));
    };
    for (std::size_t h = 0; h < households.size(); ++h)
      for (std::size_t q = 0; q < geometry_after[h].size(); ++q)
        emit(households[h].id, households[h].stay, *geometry_after[h][q], *after[h][q]);
    for (std::size_t q = 0; q < pieces.size(); ++q)
      if (pieces[q].first == kCollective) emit("COLLECTIVE", false, pieces[q].second, measured_after[q]);
  }
  // A plan that leaves a household outside the tolerance is reported, never written.
  if (!req.output_layer.empty() && result.within_tolerance) {
    auto w = store.begin_layer_version({req.output_layer, LayerKind::parcel, "realloc of " + req.layer, "EPSG:4490"});
    for (const auto& f : result.output) w->add(f.source_id, f.wkb, f.bbox, f.attributes);
    result.written = w->commit();
    if (!req.keep_output) std::vector<StoredFeature>().swap(result.output);
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

LayerVersion write_demo_parcels(storage::Store& store, const std::string& layer, int households,
                                int parcels, std::uint64_t seed, double lon, double lat) {
  DemoLayout d;
  d.layer = layer;
  d.roads_layer = "";
  d.households = households;
  d.parcels = parcels;
  d.seed = seed;
  d.lon = lon;
  d.lat = lat;
  return write_demo_layout(store, d).parcels;
}

DemoWritten write_demo_layout(storage::Store& store, const DemoLayout& d) {
  const int households = d.households, parcels = d.parcels;
  if (households < 1 || parcels < households)
    throw UsageError("need at least one household and at least one parcel per household");
  std::mt19937_64 rng(d.seed);
  // A square of farmland cut into rows of strips (about 0.8 mu to 3 mu each, the 承包地 way),
  // dealt out to households at random so that each holds scattered plots.
  const double strip_w = 20, mean_len = 60;  // metres
  double side = std::sqrt(parcels * strip_w * mean_len / (d.irregular ? 0.8 : 1.0));
  int rows = std::max(1, static_cast<int>(side / mean_len));
  int per_row = (static_cast<int>(parcels / (d.irregular ? 0.8 : 1.0)) + rows - 1) / rows;
  double row_len = per_row * strip_w;
  GaussKruger gk(geo::gauss_kruger_3deg_epsg(d.lon));
  double origin[2] = {d.lon, d.lat};
  gk.to_gk.transform_interleaved(origin, 1);
  const double ox = origin[0], oy = origin[1];
  std::vector<int> owner(static_cast<std::size_t>(parcels));
  for (int i = 0; i < parcels; ++i) owner[static_cast<std::size_t>(i)] = i % households;
  std::shuffle(owner.begin(), owner.end(), rng);
  std::uniform_real_distribution<double> jitter(0.7, 0.98);
  std::uniform_int_distribution<int> grade(2, 9);
  std::vector<std::pair<double, double>> homes;
  for (int h = 0; h < households; ++h) {
    // Homesteads in a village along the south edge.
    double xy[2] = {ox + row_len * (h + 0.5) / households, oy - 150};
    gk.to_lonlat.transform_interleaved(xy, 1);
    homes.push_back({xy[0], xy[1]});
  }
  // Parcels and roads/ditches in GK metres.
  std::vector<geo::Geometry> shapes;
  std::vector<int> grades;  // drawn as the shapes are made in the regular layout (as it always was)
  std::vector<std::pair<geo::Geometry, std::string>> roads;
  if (!d.irregular) {
    double prev_top = oy;
    for (int r = 0; r < rows && static_cast<int>(shapes.size()) < parcels; ++r) {
      double y0 = oy + r * mean_len, y1 = y0 + mean_len * jitter(rng);
      // The field road (or ditch) along the gap below the row.
      if (r == 0)
        roads.push_back({rectangle(ox, y0 - 4, ox + row_len, y0), "1006"});
      else
        roads.push_back({rectangle(ox, prev_top, ox + row_len, y0), r % 2 ? "1107" : "1006"});
      prev_top = y1;
      for (int c = 0; c < per_row && static_cast<int>(shapes.size()) < parcels; ++c) {
        double x0 = ox + c * strip_w, x1 = x0 + strip_w;
        shapes.push_back(rectangle(x0, y0, x1, y1));
        grades.push_back(grade(rng));
      }
    }
    roads.push_back({rectangle(ox, prev_top, ox + row_len, prev_top + 4), "1006"});
  } else {
    // Bands between curved roads 4 m wide; the farmland's outline slanted; a ditch across it.
    const double W = row_len, H = rows * mean_len, road = 4, amp = 8, wave = 700;
    std::vector<double> phase;
    for (int r = 0; r <= rows; ++r) phase.push_back(0.7 * r + std::uniform_real_distribution<double>(0, 1)(rng));
    auto curve = [&](int r, double x) {
      return oy + r * mean_len + amp * std::sin(2 * M_PI * (x - ox) / wave + phase[static_cast<std::size_t>(r)]);
    };
    auto between = [&](int r, double x0, double x1, double below, double above) {
      // The area between curve r (+below) and curve r+1 (−above) from x0 to x1.
      geo::Ring ring;
      int n = std::max(2, static_cast<int>((x1 - x0) / 5));
      for (int i = 0; i <= n; ++i) {
        double x = x0 + (x1 - x0) * i / n;
        ring.push_back({x, curve(r, x) + below});
      }
      for (int i = n; i >= 0; --i) {
        double x = x0 + (x1 - x0) * i / n;
        ring.push_back({x, curve(r + 1, x) - above});
      }
      ring.push_back(ring.front());
      return geo::Geometry::polygon({ring});
    };
    geo::Geometry outline = geo::Geometry::polygon({{{ox, oy + 0.1 * H}, {ox + 0.15 * W, oy},
                                                     {ox + W, oy + 0.05 * H}, {ox + 0.93 * W, oy + H},
                                                     {ox + 0.35 * W, oy + 1.04 * H}, {ox, oy + 0.8 * H},
                                                     {ox, oy + 0.1 * H}}});
    geo::Geometry ditch = geo::Geometry::polygon({{{ox + 0.1 * W, oy - 10}, {ox + 0.1 * W + 5, oy - 10},
                                                   {ox + 0.85 * W + 5, oy + H + 10}, {ox + 0.85 * W, oy + H + 10},
                                                   {ox + 0.1 * W, oy - 10}}});
    geo::Geometry area = outline.buffer(6);
    for (int r = 0; r <= rows; ++r) {
      // Road r is the band from curve r − road/2 to curve r + road/2.
      geo::Ring ring;
      int n = static_cast<int>(W / 10);
      for (int i = 0; i <= n; ++i) ring.push_back({ox + W * i / n, curve(r, ox + W * i / n) - road / 2});
      for (int i = n; i >= 0; --i) ring.push_back({ox + W * i / n, curve(r, ox + W * i / n) + road / 2});
      ring.push_back(ring.front());
      auto g = geo::Geometry::polygon({ring}).intersection(area).polygonal_part();
      if (!g.is_empty()) roads.push_back({g.difference(ditch).polygonal_part(), "1006"});
    }
    roads.push_back({ditch.intersection(area).polygonal_part(), "1107"});
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < per_row && static_cast<int>(shapes.size()) < parcels; ++c) {
        double x0 = ox + c * strip_w, x1 = x0 + strip_w;
        auto g = between(r, x0, x1, road / 2, road / 2).intersection(outline).difference(ditch).polygonal_part();
        int n = g.num_parts();
        for (int q = 0; q < n && static_cast<int>(shapes.size()) < parcels; ++q) {
          auto part = g.type_name() == "Polygon" ? g.clone() : g.part(q);
          if (part.planar_area() >= 150) shapes.push_back(std::move(part));
        }
      }
    if (static_cast<int>(shapes.size()) < households)
      throw UsageError("the irregular layout made fewer parcels than households: ask for more parcels");
    owner.resize(shapes.size());
    for (std::size_t i = 0; i < shapes.size(); ++i) owner[i] = static_cast<int>(i % static_cast<std::size_t>(households));
    std::shuffle(owner.begin(), owner.end(), rng);
    for (std::size_t i = 0; i < shapes.size(); ++i) grades.push_back(grade(rng));
  }
  const int made = static_cast<int>(shapes.size());
  DemoWritten out;
  auto w = store.begin_layer_version({d.layer, LayerKind::parcel, d.irregular ? "synthetic parcels (irregular)" : "synthetic parcels", "EPSG:4490"});
  for (int i = 0; i < made; ++i) {
    auto g = shapes[static_cast<std::size_t>(i)].transformed(gk.to_lonlat);
    int h = owner[static_cast<std::size_t>(i)];
    char code[32];
    std::snprintf(code, sizeof code, "H%05d", h + 1);
    Attributes a;
    a.push_back({"CBFBM", std::string(code)});
    a.push_back({"DLDJ", static_cast<std::int64_t>(grades[static_cast<std::size_t>(i)])});
    a.push_back({"HOME_X", homes[static_cast<std::size_t>(h)].first});
    a.push_back({"HOME_Y", homes[static_cast<std::size_t>(h)].second});
    w->add("P" + std::to_string(i + 1), g.wkb(), g.envelope(), a);
  }
  out.parcels = w->commit();
  w.reset();
  if (!d.roads_layer.empty()) {
    auto rw = store.begin_layer_version({d.roads_layer, LayerKind::land_use, "synthetic roads and ditches", "EPSG:4490"});
    int n = 0;
    for (const auto& [g, code] : roads) {
      if (g.is_empty()) continue;
      auto ll = g.transformed(gk.to_lonlat);
      Attributes a;
      a.push_back({"DLBM", code});
      rw->add("R" + std::to_string(++n), ll.wkb(), ll.envelope(), a);
    }
    out.roads = rw->commit();
  }
  return out;
}

}  // namespace gz::services
