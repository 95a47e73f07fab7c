#include "services/realloc.h"

#include <lemon/list_graph.h>
#include <lemon/network_simplex.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "common/error.h"
#include "geo/crs.h"
#include "geo/geometry.h"
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
  double value = 0;
  std::pair<double, double> home;  // GK metres
  bool stay = false;
};

struct Block {
  geo::Geometry gk;
  double area = 0, value_per_m2 = 0;
  std::pair<double, double> centroid;
};

double value_per_m2_of(const Attributes& a, const std::string& parcel, const std::string& file) {
  if (auto v = attribute_number(a, "value"); v && *v > 0) return *v;
  if (auto g = attribute_number(a, "DLDJ"); g && *g >= 1 && *g <= 10) return 1.0 + 0.1 * (10 - std::round(*g));
  throw InputError(file, parcel, "DLDJ",
                   "the parcel has neither a value per m² (value > 0) nor a land grade DLDJ 1–10");
}

double distance(std::pair<double, double> a, std::pair<double, double> b) {
  return std::hypot(a.first - b.first, a.second - b.second);
}

Fragmentation measure(const std::vector<std::vector<const geo::Geometry*>>& holdings,
                      const std::vector<std::pair<double, double>>& homes) {
  Fragmentation f;
  double pieces = 0, area = 0, shape = 0, dist = 0, weight = 0;
  for (std::size_t h = 0; h < holdings.size(); ++h)
    for (const auto* g : holdings[h]) {
      double a = g->planar_area();
      if (a <= 0) continue;
      ++pieces;
      area += a;
      shape += g->planar_length() / (4 * std::sqrt(a));
      dist += a * distance(homes[h], g->centroid());
      weight += a;
    }
  if (!holdings.empty()) f.parcels_per_household = pieces / static_cast<double>(holdings.size());
  if (pieces > 0) {
    f.mean_parcel_area_m2 = area / pieces;
    f.mean_shape_index = shape / pieces;
  }
  if (weight > 0) f.mean_distance_m = dist / weight;
  return f;
}

geo::Geometry rectangle(double x0, double y0, double x1, double y1) {
  return geo::Geometry::polygon({{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}});
}

}  // namespace

ReallocResult reallocate(storage::Store& store, const ReallocRequest& req,
                         const std::function<void(const std::string&, std::int64_t, std::int64_t)>& progress) {
  auto started = std::chrono::steady_clock::now();
  if (!(req.tolerance > 0 && req.tolerance <= 0.5))
    throw UsageError("--tolerance must be greater than 0 and at most 0.5 (a share: 0.02 = 2%)");
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
    if (added) households.push_back({p.household, {}, 0, {0, 0}, stay.count(p.household) > 0});
    Household& h = households[it->second];
    h.parcels.push_back(parcels.size());
    h.value += p.area * p.value_per_m2;
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

  ReallocResult result;
  result.households = static_cast<int>(households.size());
  result.parcels = static_cast<int>(parcels.size());
  std::vector<std::vector<const geo::Geometry*>> before(households.size());
  std::vector<std::pair<double, double>> homes;
  for (std::size_t h = 0; h < households.size(); ++h) {
    homes.push_back(households[h].home);
    for (auto i : households[h].parcels) before[h].push_back(&parcels[i].gk);
  }
  result.before = measure(before, homes);

  // ---- the pool and its blocks ------------------------------------------------------------------
  std::vector<std::size_t> moving;
  std::vector<geo::Geometry> pool_parts;
  double pool_area = 0;
  for (std::size_t h = 0; h < households.size(); ++h) {
    if (households[h].stay) continue;
    moving.push_back(h);
    for (auto i : households[h].parcels) {
      pool_parts.push_back(parcels[i].gk.clone());
      pool_area += parcels[i].area;
    }
  }
  result.moving_households = static_cast<int>(moving.size());
  std::vector<Block> blocks;
  std::vector<std::vector<geo::Geometry>> pieces_of(households.size());
  std::vector<std::vector<std::size_t>> piece_block(households.size());
  if (!moving.empty()) {
    report("pool", 0, 1);
    geo::Geometry pool = geo::Geometry::union_all(std::move(pool_parts));
    Envelope e = pool.envelope();
    // About one block per two moving households, twice as long (east–west) as wide: a basic
    // flow then gives at most 1.5 pieces per household on average.
    double cell = std::sqrt(pool_area / (static_cast<double>(moving.size()) / 2.0) / 2.0);
    int nx = std::max(1, static_cast<int>(std::ceil((e.maxx - e.minx) / (2 * cell))));
    int ny = std::max(1, static_cast<int>(std::ceil((e.maxy - e.miny) / cell)));
    geo::PreparedGeometry prepared(pool);
    for (int j = 0; j < ny; ++j) {
      for (int i = 0; i < nx; ++i) {
        auto r = rectangle(e.minx + i * 2 * cell, e.miny + j * cell, e.minx + (i + 1) * 2 * cell,
                           e.miny + (j + 1) * cell);
        if (!prepared.intersects(r)) continue;
        auto piece = pool.intersection(r).polygonal_part();
        double a = piece.planar_area();
        if (a < 1.0) continue;
        Block b;
        b.area = a;
        b.centroid = piece.centroid();
        b.gk = std::move(piece);
        blocks.push_back(std::move(b));
      }
      report("blocks", j + 1, ny);
    }
    // Re-valued at the mean value of the land each block was made of.
    for (auto& b : blocks) {
      double value = 0;
      for (auto i : index.query(b.gk.envelope())) {
        if (households[household_index[parcels[i].household]].stay) continue;
        if (!b.gk.intersects(parcels[i].gk)) continue;
        value += b.gk.intersection(parcels[i].gk).planar_area() * parcels[i].value_per_m2;
      }
      b.value_per_m2 = value / b.area;
    }
    result.blocks = static_cast<int>(blocks.size());

    // ---- min-cost flow ------------------------------------------------------------------------
    report("assign", 0, 1);
    std::vector<std::int64_t> block_cap(blocks.size());
    std::int64_t total_supply = 0, total_capacity = 0;
    for (std::size_t b = 0; b < blocks.size(); ++b) {
      block_cap[b] = static_cast<std::int64_t>(std::floor(blocks[b].area * blocks[b].value_per_m2));
      total_capacity += block_cap[b];
    }
    std::vector<std::int64_t> want(moving.size());
    for (std::size_t k = 0; k < moving.size(); ++k) {
      want[k] = static_cast<std::int64_t>(std::llround(households[moving[k]].value));
      total_supply += want[k];
    }
    // The pool holds exactly the households' value; rounding each block down loses under a unit
    // per block, given back one unit each to the blocks that lost most (largest remainders), so
    // that no block is over-filled by more than a unit.
    if (total_capacity < total_supply) {
      std::vector<std::pair<double, std::size_t>> remainder;
      for (std::size_t b = 0; b < blocks.size(); ++b)
        remainder.push_back({blocks[b].area * blocks[b].value_per_m2 - static_cast<double>(block_cap[b]), b});
      std::sort(remainder.rbegin(), remainder.rend());
      for (std::int64_t k = 0; total_capacity < total_supply; ++k, ++total_capacity)
        ++block_cap[remainder[static_cast<std::size_t>(k) % remainder.size()].second];
    }
    // Flows into each block: (household, value units).
    using Flows = std::vector<std::vector<std::pair<std::size_t, std::int64_t>>>;
    // Each household may take from its `nearest` blocks only, which keeps the network small.
    auto solve = [&](std::size_t nearest) -> std::optional<Flows> {
      using Graph = lemon::ListDigraph;
      Graph g;
      std::vector<Graph::Node> hn, bn;
      for (std::size_t k = 0; k < moving.size(); ++k) hn.push_back(g.addNode());
      for (std::size_t b = 0; b < blocks.size(); ++b) bn.push_back(g.addNode());
      Graph::Node sink = g.addNode();
      Graph::ArcMap<std::int64_t> cap(g), cost(g);
      Graph::NodeMap<std::int64_t> supply(g, 0);
      std::vector<std::pair<Graph::Arc, std::pair<std::size_t, std::size_t>>> arcs;
      for (std::size_t k = 0; k < moving.size(); ++k) {
        supply[hn[k]] = want[k];
        std::vector<std::pair<double, std::size_t>> by_distance;
        for (std::size_t b = 0; b < blocks.size(); ++b)
          by_distance.push_back({distance(households[moving[k]].home, blocks[b].centroid), b});
        std::size_t n = std::min(nearest, by_distance.size());
        std::partial_sort(by_distance.begin(), by_distance.begin() + static_cast<std::ptrdiff_t>(n),
                          by_distance.end());
        for (std::size_t q = 0; q < n; ++q) {
          auto a = g.addArc(hn[k], bn[by_distance[q].second]);
          cap[a] = want[k];
          cost[a] = static_cast<std::int64_t>(std::llround(by_distance[q].first));
          arcs.push_back({a, {moving[k], by_distance[q].second}});
        }
      }
      for (std::size_t b = 0; b < blocks.size(); ++b) {
        auto a = g.addArc(bn[b], sink);
        cap[a] = block_cap[b];
        cost[a] = 0;
      }
      supply[sink] = -total_supply;
      lemon::NetworkSimplex<Graph, std::int64_t, std::int64_t> ns(g);
      if (ns.upperMap(cap).costMap(cost).supplyMap(supply).run() != decltype(ns)::OPTIMAL)
        return std::nullopt;
      Flows into(blocks.size());
      for (const auto& [a, hb] : arcs)
        if (ns.flow(a) > 0) into[hb.second].push_back({hb.first, ns.flow(a)});
      return into;
    };
    report("assign", 0, 1);
    auto solved = solve(std::min<std::size_t>(blocks.size(), 80));
    if (!solved) solved = solve(blocks.size());
    if (!solved)
      throw InputError(file, req.unit, "", "no reallocation keeps every household's value: the pool is too small");
    Flows& into = *solved;
    report("cut", 0, static_cast<std::int64_t>(blocks.size()));
    for (std::size_t b = 0; b < blocks.size(); ++b) {
      auto& flows = into[b];
      if (flows.empty()) continue;
      Envelope be = blocks[b].gk.envelope();
      bool along_x = (be.maxx - be.minx) >= (be.maxy - be.miny);
      std::sort(flows.begin(), flows.end(), [&](auto& l, auto& r) {
        return along_x ? households[l.first].home.first < households[r.first].home.first
                       : households[l.first].home.second < households[r.first].home.second;
      });
      std::int64_t total = 0;
      for (auto& [h, f] : flows) total += f;
      // Strip k ends where the block's part below the cut holds the cumulative share.
      double lo_edge = along_x ? be.minx : be.miny, hi_edge = along_x ? be.maxx : be.maxy;
      auto below = [&](double c) {
        return along_x ? blocks[b].gk.intersection(rectangle(be.minx - 1, be.miny - 1, c, be.maxy + 1))
                       : blocks[b].gk.intersection(rectangle(be.minx - 1, be.miny - 1, be.maxx + 1, c));
      };
      double prev_cut = lo_edge - 1;
      std::int64_t cumulative = 0;
      for (std::size_t q = 0; q < flows.size(); ++q) {
        cumulative += flows[q].second;
        double cut = hi_edge + 1;
        if (q + 1 < flows.size()) {
          double target = blocks[b].area * static_cast<double>(cumulative) / static_cast<double>(total);
          double lo = lo_edge, hi = hi_edge;
          for (int it = 0; it < 40; ++it) {
            double mid = (lo + hi) / 2;
            (below(mid).planar_area() < target ? lo : hi) = mid;
          }
          cut = (lo + hi) / 2;
        }
        auto strip = along_x ? rectangle(prev_cut, be.miny - 1, cut, be.maxy + 1)
                             : rectangle(be.minx - 1, prev_cut, be.maxx + 1, cut);
        auto piece = blocks[b].gk.intersection(strip).polygonal_part();
        if (piece.planar_area() > 0) {
          pieces_of[flows[q].first].push_back(std::move(piece));
          piece_block[flows[q].first].push_back(b);
        }
        prev_cut = cut;
      }
      if (b % 100 == 0) report("cut", static_cast<std::int64_t>(b), static_cast<std::int64_t>(blocks.size()));
    }
  }

  // ---- results ----------------------------------------------------------------------------------
  std::vector<std::vector<const geo::Geometry*>> after(households.size());
  std::vector<std::vector<double>> piece_value(households.size());
  for (std::size_t h = 0; h < households.size(); ++h) {
    HouseholdResult r;
    r.household = households[h].id;
    r.stayed = households[h].stay;
    r.parcels_before = static_cast<int>(households[h].parcels.size());
    r.value_before = households[h].value;
    if (households[h].stay) {
      for (auto i : households[h].parcels) after[h].push_back(&parcels[i].gk);
      r.value_after = r.value_before;
    } else {
      for (std::size_t q = 0; q < pieces_of[h].size(); ++q) {
        const auto& piece = pieces_of[h][q];
        after[h].push_back(&piece);
        r.value_after += piece.planar_area() * blocks[piece_block[h][q]].value_per_m2;
      }
    }
    r.parcels_after = static_cast<int>(after[h].size());
    r.deviation = r.value_before > 0 ? (r.value_after - r.value_before) / r.value_before : 0;
    result.max_abs_deviation = std::max(result.max_abs_deviation, std::fabs(r.deviation));
    result.households_detail.push_back(std::move(r));
  }
  result.after = measure(after, homes);
  result.within_tolerance = result.max_abs_deviation <= req.tolerance;

  if (!req.output_layer.empty() || req.keep_output) {
    int n = 0;
    for (std::size_t h = 0; h < households.size(); ++h)
      for (const auto* g : after[h]) {
        auto lonlat = g->transformed(gk.to_lonlat);
        StoredFeature f;
        f.source_id = households[h].id + "-" + std::to_string(++n);
        f.wkb = lonlat.wkb();
        f.bbox = lonlat.envelope();
        f.attributes.push_back({"CBFBM", households[h].id});
        f.attributes.push_back({"stayed", static_cast<std::int64_t>(households[h].stay ? 1 : 0)});
        f.attributes.push_back({"area_m2", g->planar_area()});
        result.output.push_back(std::move(f));
      }
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
  if (households < 1 || parcels < households)
    throw UsageError("need at least one household and at least one parcel per household");
  std::mt19937_64 rng(seed);
  // A square of farmland cut into rows of strips (about 0.8 mu to 3 mu each, the 承包地 way),
  // dealt out to households at random so that each holds scattered plots.
  const double strip_w = 20, mean_len = 60;  // metres
  double side = std::sqrt(parcels * strip_w * mean_len);
  int rows = std::max(1, static_cast<int>(side / mean_len));
  int per_row = (parcels + rows - 1) / rows;
  double row_len = per_row * strip_w;
  GaussKruger gk(geo::gauss_kruger_3deg_epsg(lon));
  double origin[2] = {lon, lat};
  gk.to_gk.transform_interleaved(origin, 1);
  std::vector<int> owner(static_cast<std::size_t>(parcels));
  for (int i = 0; i < parcels; ++i) owner[static_cast<std::size_t>(i)] = i % households;
  std::shuffle(owner.begin(), owner.end(), rng);
  std::uniform_real_distribution<double> jitter(0.7, 0.98);
  std::uniform_int_distribution<int> grade(2, 9);
  std::vector<std::pair<double, double>> homes;
  for (int h = 0; h < households; ++h) {
    // Homesteads in a village along the south edge.
    double xy[2] = {origin[0] + row_len * (h + 0.5) / households, origin[1] - 150};
    gk.to_lonlat.transform_interleaved(xy, 1);
    homes.push_back({xy[0], xy[1]});
  }
  auto w = store.begin_layer_version({layer, LayerKind::parcel, "synthetic parcels", "EPSG:4490"});
  int made = 0;
  for (int r = 0; r < rows && made < parcels; ++r) {
    double y0 = origin[1] + r * mean_len, y1 = y0 + mean_len * jitter(rng);
    for (int c = 0; c < per_row && made < parcels; ++c, ++made) {
      double x0 = origin[0] + c * strip_w, x1 = x0 + strip_w;
      auto g = rectangle(x0, y0, x1, y1).transformed(gk.to_lonlat);
      int h = owner[static_cast<std::size_t>(made)];
      char code[32];
      std::snprintf(code, sizeof code, "H%05d", h + 1);
      Attributes a;
      a.push_back({"CBFBM", std::string(code)});
      a.push_back({"DLDJ", static_cast<std::int64_t>(grade(rng))});
      a.push_back({"HOME_X", homes[static_cast<std::size_t>(h)].first});
      a.push_back({"HOME_Y", homes[static_cast<std::size_t>(h)].second});
      w->add("P" + std::to_string(made + 1), g.wkb(), g.envelope(), a);
    }
  }
  return w->commit();
}

}  // namespace gz::services
