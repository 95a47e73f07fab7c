#include "services/land_use_stats.h"

#include <mutex>

#include "common/error.h"
#include "domain/land_use_classes.h"
#include "domain/survey_fields.h"
#include "services/feature_stream.h"
#include "services/overlay.h"
#include "storage/attributes_json.h"

namespace gz::services {

namespace {
LayerVersion zone_layer_for(storage::Store& store, const std::string& by) {
  if (by == "region" || by == "consolidation_unit") {
    auto kind = parse_layer_kind(by);
    auto list = store.layers_of_kind(kind);
    if (list.empty()) throw NotFoundError("no layer of kind " + by + " in " + store.location() + " (import one first)");
    if (list.size() > 1) {
      std::string names;
      for (auto& l : list) names += (names.empty() ? "" : ", ") + l.layer;
      throw UsageError("several layers of kind " + by + " (" + names + "); name one with --by LAYER");
    }
    return list.front();
  }
  return store.layer_version(by, std::nullopt);
}

// For regions, count at the finest level present (villages) so zones do not nest.
std::function<bool(const StoredFeature&)> zone_filter(const LoadedLayer& zones) {
  if (zones.version.kind != LayerKind::region) return {};
  std::size_t longest = 0;
  for (const auto& f : zones.features)
    if (auto c = zone_code(f.attributes)) longest = std::max(longest, c->size());
  return [longest](const StoredFeature& f) {
    auto c = zone_code(f.attributes);
    return c && c->size() == longest;
  };
}

struct Key {
  std::size_t zone;
  std::string code;
  bool operator<(const Key& o) const { return std::tie(zone, code) < std::tie(o.zone, o.code); }
};
}  // namespace

StatsResult land_use_stats(storage::Store& store, const StatsRequest& request,
                           const std::function<void(std::size_t, std::size_t)>& progress) {
  StatsResult result;
  result.layer = store.layer_version(request.layer, request.version);
  if (result.layer.feature_count == 0) return result;
  const LayerVersion& target = result.layer;

  // Zones are small: in memory, indexed and prepared once per thread.
  std::optional<LoadedLayer> zones;
  std::function<bool(const StoredFeature&)> filter;
  std::vector<std::string> zone_keys, zone_names;  // per zone, in ZoneSet order
  if (!request.by.empty()) {
    result.zones = zone_layer_for(store, request.by);
    zones = load_layer(store, *result.zones);
    filter = zone_filter(*zones);
    for (const auto& zf : zones->features) {
      if (filter && !filter(zf)) continue;
      zone_keys.push_back(zone_code(zf.attributes).value_or(zf.source_id));
      zone_names.push_back(zone_name(zf.attributes).value_or(""));
    }
  }
  const int epsg = gk_epsg_for(store, target);
  const auto& classes = LandUseClassTable::standard();

  struct Worker {
    std::unique_ptr<GaussKruger> gk;
    std::unique_ptr<SourceEdges> edges;  // the target's edge model
    std::unique_ptr<ZoneSet> zones;
    std::map<Key, ClassArea> totals;
  };
  std::vector<Worker> workers(worker_threads());
  const auto n = static_cast<std::size_t>(target.feature_count);
  stream_features(
      store, target, {.decode_attributes = false, .keep_attributes_json = {}},
      [&](std::vector<StoredFeature>& chunk, std::size_t, int thread) {
        Worker& w = workers[thread];
        if (!w.gk) {
          w.gk = std::make_unique<GaussKruger>(epsg);
          w.edges = std::make_unique<SourceEdges>(target.source_srs, epsg);
          if (zones) w.zones = std::make_unique<ZoneSet>(*zones, *w.gk, filter);
        }
        std::string code;
        for (const StoredFeature& f : chunk) {
          // Only the fields read: the class code and the ridge coefficient.
          Attributes attrs = decode_selected_attributes(f.attributes_json, {"DLBM", "code", "class_code", "KCXS"});
          auto c = land_use_code(attrs);
          if (!c)
            throw InputError("layer " + request.layer, f.source_id, "DLBM", "feature has no land-use class code");
          if (!classes.find(*c))
            throw InputError("layer " + request.layer, f.source_id, "DLBM",
                             "unknown land-use class code '" + *c + "'");
          double k = ridge_deduction_coefficient(attrs);
          Target t(w.edges->geometry(f), *w.gk);
          if (!w.zones) {
            auto& row = w.totals[{0, *c}];
            row.gross_m2 += t.area_m2();
            row.net_m2 += t.area_m2() * (1 - k);
            ++row.spots;
            continue;
          }
          for (auto& o : w.zones->overlaps(t, false)) {
            auto& row = w.totals[{o.zone, *c}];
            row.gross_m2 += o.area_m2;
            row.net_m2 += o.area_m2 * (1 - k);
            ++row.spots;
          }
        }
      },
      [&](std::size_t done) {
        if (progress) progress(std::min(done, n), n);
      });

  std::map<Key, ClassArea> totals;
  for (auto& w : workers)
    for (auto& [key, row] : w.totals) {
      auto& t = totals[key];
      t.gross_m2 += row.gross_m2;
      t.net_m2 += row.net_m2;
      t.spots += row.spots;
    }
  for (auto& [key, row] : totals) {
    row.code = key.code;
    if (zones) {
      row.zone = zone_keys[key.zone];
      row.zone_name = zone_names[key.zone];
    }
    result.total_gross_m2 += row.gross_m2;
    result.rows.push_back(row);
  }
  std::stable_sort(result.rows.begin(), result.rows.end(), [](const ClassArea& a, const ClassArea& b) {
    return std::tie(a.zone, a.code) < std::tie(b.zone, b.code);
  });
  return result;
}

}  // namespace gz::services
