#include "services/compliance_check.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string_view>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>

#include "common/error.h"
#include "domain/land_use_classes.h"
#include "domain/survey_fields.h"
#include "geo/ellipsoid.h"
#include "services/feature_stream.h"
#include "services/overlay.h"
#include "storage/attributes_json.h"

namespace gz::services {

namespace {
// Whether stored attribute text may hold a planned-change field: "to_code" or "GHDLBM" in
// quotes, any case (as strcasestr would find them, up to the first NUL). Every key starts at a
// quote, so only the text after each quote is compared; strcasestr's general search over a
// million spots' text cost a tenth of a check.
bool may_carry_planned_change(std::string_view json) {
  if (auto nul = json.find('\0'); nul != std::string_view::npos) json = json.substr(0, nul);
  auto key_at = [&](std::size_t at, std::string_view lower_key) {
    if (json.size() - at < lower_key.size()) return false;
    for (std::size_t i = 0; i < lower_key.size(); ++i) {
      char c = json[at + i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != lower_key[i]) return false;
    }
    return true;
  };
  for (std::size_t q = json.find('"'); q != std::string_view::npos; q = json.find('"', q + 1)) {
    if (q + 1 == json.size()) break;
    char first = static_cast<char>(json[q + 1] | 0x20);  // ASCII lower case for letters
    if ((first == 't' && key_at(q + 1, "to_code\"")) || (first == 'g' && key_at(q + 1, "ghdlbm\"")))
      return true;
  }
  return false;
}

bool is_checked_against(LayerKind k) {
  return is_control_line(k) || k == LayerKind::village_plan;
}

// Per-thread state: projections and one zone index per control layer (and per zone-use filter).
struct Worker {
  std::unique_ptr<GaussKruger> gk;
  std::unique_ptr<SourceEdges> target_edges;  // the target layer's edge model
  std::vector<std::unique_ptr<ZoneSet>> zones;                   // per control layer
  std::map<std::size_t, std::unique_ptr<ZoneSet>> construction;  // village plans: construction zones
};
}  // namespace

namespace {
// What every feature is checked against: the control layers in memory and the rules that apply.
struct Setup {
  std::vector<LoadedLayer> controls;
  std::vector<const Rule*> active_rules;
};

Setup set_up(storage::Store& store, const CheckRequest& request, const RuleSet& rules, CheckResult& result) {
  Setup s;
  std::vector<bool> used(request.against.size(), false);
  auto chosen = [&](const LayerVersion& v) {
    if (request.against.empty()) return true;
    bool hit = false;
    for (std::size_t k = 0; k < request.against.size(); ++k)
      if (request.against[k] == v.layer || request.against[k] == to_string(v.kind)) used[k] = hit = true;
    return hit;
  };
  const auto all_layers = store.layers();
  for (auto& v : all_layers)
    if (is_checked_against(v.kind) && v.layer != result.target.layer && chosen(v)) {
      result.controls.push_back(v);
      s.controls.push_back(load_layer(store, v));
    }
  for (std::size_t k = 0; k < request.against.size(); ++k)
    if (!used[k])
      throw UsageError("--against: no control-line or village-plan layer named or of kind '" +
                       request.against[k] + "' in " + store.location());
  // Rules reading a kind left out by --against would misjudge (an 'outside' rule would see no
  // allowed zone at all), so they are not applied.
  for (const Rule& rule : rules.rules) {
    bool excluded = false;
    if (!request.against.empty())
      for (const ControlRef& ref : rule.controls) {
        bool kind_present_in_store = false, kind_chosen = false;
        for (auto& v : all_layers) {
          if (v.kind != ref.kind) continue;
          kind_present_in_store = true;
          if (chosen(v)) kind_chosen = true;
        }
        if (kind_present_in_store && !kind_chosen) excluded = true;
      }
    if (!excluded) s.active_rules.push_back(&rule);
  }
  return s;
}

void prepare(Worker& w, const Setup& s, int epsg, const std::string& target_srs) {
  if (w.gk) return;
  w.gk = std::make_unique<GaussKruger>(epsg);
  w.target_edges = std::make_unique<SourceEdges>(target_srs, epsg);
  for (std::size_t c = 0; c < s.controls.size(); ++c) {
    w.zones.push_back(std::make_unique<ZoneSet>(s.controls[c], *w.gk));
    if (s.controls[c].version.kind == LayerKind::village_plan)
      w.construction[c] = std::make_unique<ZoneSet>(
          s.controls[c], *w.gk,
          [](const StoredFeature& f) { return village_zone_allows_construction(f.attributes); });
  }
}

// Checks one feature: its overlaps into `fc`, its findings appended to `out`. `attrs` are the
// feature's attributes with the project type it inherits.
void check_feature(const StoredFeature& f, const Attributes& attrs, const std::string& pid, Worker& w,
                   const Setup& s, const CheckResult& result, const RuleSet& rules, bool geom,
                   FeatureCheck& fc, std::vector<Finding>& out) {
  const auto& classes = LandUseClassTable::standard();
  const auto& controls = s.controls;
  Target t(w.target_edges->geometry(f), *w.gk);
  fc.feature_id = f.source_id;
  fc.project_id = pid;

  std::vector<const Rule*> applicable;
  for (const Rule* rule : s.active_rules)
    if (rule_applies(*rule, result.target.kind, attrs, classes)) applicable.push_back(rule);
  // Geometries are made only when a rule or the output needs them.
  const bool need_geometry = geom || !applicable.empty();
  std::vector<Overlap> per_control(controls.size());
  for (std::size_t c = 0; c < controls.size(); ++c) {
    per_control[c] = w.zones[c]->overlap_union(t, need_geometry);
    if (per_control[c].area_m2 > 0) {
      // The feature's own area is measured only when something overlaps it.
      fc.area_m2 = t.area_m2();
      LayerOverlapArea lo;
      lo.control = c;
      lo.area_m2 = per_control[c].area_m2;
      lo.share = fc.area_m2 > 0 ? lo.area_m2 / fc.area_m2 : 0;
      if (geom) lo.geojson = per_control[c].lonlat.geojson();
      fc.overlaps.push_back(std::move(lo));
    }
  }
  for (const Rule* rule_ptr : applicable) {
    const Rule& rule = *rule_ptr;
    Finding finding;
    finding.feature_id = f.source_id;
    finding.project_id = pid;
    finding.layer = result.target.layer;
    finding.rule = &rule;
    std::vector<geo::Geometry> pieces;  // lon/lat
    for (const ControlRef& ref : rule.controls) {
      for (std::size_t c = 0; c < controls.size(); ++c) {
        if (controls[c].version.kind != ref.kind) continue;
        finding.controls += (finding.controls.empty() ? "" : ",") + controls[c].version.layer +
                            (ref.zone_use.empty() ? "" : ":" + ref.zone_use);
        if (ref.zone_use.empty()) {
          if (per_control[c].area_m2 > 0) pieces.push_back(per_control[c].lonlat.clone());
        } else if (auto it = w.construction.find(c); it != w.construction.end()) {
          Overlap o = it->second->overlap_union(t, true);
          if (o.area_m2 > 0) pieces.push_back(std::move(o.lonlat));
        }
      }
    }
    geo::Geometry measured;  // lon/lat geometry of the finding
    if (rule.type == Rule::Type::overlap) {
      if (pieces.empty()) continue;
      if (pieces.size() == 1) {
        measured = std::move(pieces[0]);
      } else {
        std::vector<geo::Geometry> projected;
        for (auto& p : pieces) projected.push_back(p.transformed(w.gk->to_gk));
        measured = geo::Geometry::union_all(std::move(projected))
                       .polygonal_part()
                       .transformed(w.gk->to_lonlat);
      }
      finding.area_m2 = w.gk->lonlat_area_m2(measured);
    } else {
      if (pieces.empty()) {
        measured = geo::Geometry::from_wkb(f.wkb);  // the source's vertices
        finding.area_m2 = t.area_m2();
      } else {
        std::vector<geo::Geometry> projected;
        for (auto& p : pieces) projected.push_back(p.transformed(w.gk->to_gk));
        geo::Geometry inside = geo::Geometry::union_all(std::move(projected));
        measured = t.projected().difference(inside).polygonal_part().transformed(w.gk->to_lonlat);
        finding.area_m2 = measured.is_empty() ? 0.0 : w.gk->lonlat_area_m2(measured);
      }
    }
    if (finding.area_m2 < rules.min_area_m2) continue;
    fc.area_m2 = t.area_m2();
    finding.share = fc.area_m2 > 0 ? finding.area_m2 / fc.area_m2 : 0;
    if (geom) finding.geojson = measured.geojson();
    out.push_back(std::move(finding));
  }
}

// The feature's attributes with the project type it inherits from its project's area feature.
Attributes with_project_type(const Attributes& a, const std::string& pid,
                             const std::map<std::string, std::string>& type_of_project) {
  Attributes attrs = a;
  if (!pid.empty() && !project_type(attrs))
    if (auto it = type_of_project.find(pid); it != type_of_project.end())
      attrs.push_back({"XMLX", it->second});
  return attrs;
}

void add_findings(CheckResult& result, std::vector<Finding>& findings) {
  for (auto& f : findings) {
    ++result.findings_by_rule[f.rule->id];
    result.area_by_rule[f.rule->id] += f.area_m2;
    result.findings.push_back(std::move(f));
  }
}
}  // namespace

CheckResult compliance_check_in_memory(storage::Store& store, const CheckRequest& request,
                                       const RuleSet& rules,
                                       const std::function<void(std::size_t, std::size_t)>& progress) {
  CheckResult result;
  LoadedLayer target;
  if (request.features) {
    result.target.layer = request.layer;
    result.target.kind = LayerKind::project;
    result.target.feature_count = static_cast<std::int64_t>(request.features->size());
    target.version = result.target;
    target.features = *request.features;
  } else {
    result.target = store.layer_version(request.layer, request.version);
    // Attributes are decoded by the worker threads, not by the single reading thread, and only
    // where a rule may read them (see below); other text is not even copied.
    storage::Store::ScanOptions scan;
    scan.decode_attributes = false;
    if (result.target.kind != LayerKind::project) scan.keep_attributes_json = may_carry_planned_change;
    target = load_layer(store, result.target, scan);
  }
  Setup setup = set_up(store, request, rules, result);
  std::size_t n = target.features.size();
  result.feature_count = n;
  if (n == 0) {
    if (request.feature_sink) request.feature_sink(result.controls, std::move(result.features));
    return result;
  }
  int epsg = gk_epsg_for(target);

  // Decode in parallel, then let patches inherit their project's type from the project-area
  // feature.
  // Only project layers and features carrying planned changes have attributes the rules read;
  // a million survey spots skip the decoding.
  const bool project_layer = result.target.kind == LayerKind::project;
  parallel_chunks(n, [&](std::size_t begin, std::size_t end, int) {
    for (std::size_t i = begin; i < end; ++i) {
      auto& f = target.features[i];
      if (project_layer || may_carry_planned_change(f.attributes_json))
        f.attributes = storage::decode_attributes(f.attributes_json);
      std::string().swap(f.attributes_json);
    }
  });
  std::map<std::string, std::string> type_of_project;
  for (const auto& f : target.features)
    if (auto id = project_id(f.attributes); id && !planned_to_code(f.attributes))
      if (auto t = project_type(f.attributes)) type_of_project[*id] = *t;

  std::vector<Worker> workers(worker_threads());
  std::vector<std::vector<Finding>> findings_per_chunk((n + 2047) / 2048 + 1);
  std::mutex mutex;
  result.features.resize(n);

  parallel_chunks(
      n,
      [&](std::size_t begin, std::size_t end, int thread) {
        Worker& w = workers[thread];
        prepare(w, setup, epsg, target.version.source_srs);
        std::vector<Finding> local;
        for (std::size_t i = begin; i < end; ++i) {
          const StoredFeature& f = target.features[i];
          std::string pid = project_id(f.attributes).value_or("");
          check_feature(f, with_project_type(f.attributes, pid, type_of_project), pid, w, setup, result,
                        rules, request.want_geometry, result.features[i], local);
        }
        std::lock_guard lock(mutex);
        findings_per_chunk[begin / 2048] = std::move(local);
      },
      [&](std::size_t done) {
        if (progress) progress(done, n);
      });

  for (auto& chunk : findings_per_chunk) add_findings(result, chunk);
  if (request.feature_sink) request.feature_sink(result.controls, std::move(result.features));
  return result;
}

CheckResult compliance_check(storage::Store& store, const CheckRequest& request, const RuleSet& rules,
                             const std::function<void(std::size_t, std::size_t)>& progress) {
  // A plan handed in, and project layers (small, and a patch may come before the project area
  // whose type it inherits), are checked in memory.
  if (request.features) return compliance_check_in_memory(store, request, rules, progress);
  CheckResult result;
  result.target = store.layer_version(request.layer, request.version);
  if (result.target.kind == LayerKind::project || result.target.feature_count == 0)
    return compliance_check_in_memory(store, request, rules, progress);
  Setup setup = set_up(store, request, rules, result);
  const int epsg = gk_epsg_for(store, result.target);
  const auto n = static_cast<std::size_t>(result.target.feature_count);

  // Only features that may carry a planned change have attributes a rule reads; the others'
  // text is not even copied. A feature naming a project (XMBH) without its type (XMLX) inherits
  // it from the project's area feature, which may come later in the layer: such features wait
  // until the whole layer has been read (a land-use layer has few, if any).
  storage::Store::ScanOptions scan{.decode_attributes = false, .keep_attributes_json = may_carry_planned_change};
  struct Deferred {
    StoredFeature feature;
    Attributes attributes;
    std::string pid;
    std::size_t index = 0;
  };
  struct Chunk {
    std::vector<FeatureCheck> features;
    std::vector<std::pair<std::size_t, Finding>> findings;  // by feature index in the chunk
    std::size_t waiting = 0;  // deferred features not yet checked
  };
  std::mutex mutex;
  std::map<std::string, std::string> type_of_project;
  std::vector<Deferred> deferred;
  std::map<std::size_t, Chunk> pending;  // by first index; handed on in order
  std::size_t next_first = 0;
  std::vector<FeatureCheck> collected;  // without a sink: result.features
  std::vector<Worker> workers(worker_threads());
  auto deliver = [&](std::vector<FeatureCheck>&& features) {
    if (request.feature_sink) request.feature_sink(result.controls, std::move(features));
    else std::move(features.begin(), features.end(), std::back_inserter(collected));
  };
  // Under the lock: hands on every complete chunk that follows those already handed on.
  auto flush = [&] {
    for (auto it = pending.begin(); it != pending.end() && it->first == next_first && it->second.waiting == 0;
         it = pending.erase(it)) {
      next_first += it->second.features.size();
      auto& found = it->second.findings;
      std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      std::vector<Finding> ordered;
      for (auto& [index, finding] : found) ordered.push_back(std::move(finding));
      add_findings(result, ordered);
      deliver(std::move(it->second.features));
    }
  };

  stream_features(
      store, result.target, scan,
      [&](std::vector<StoredFeature>& features, std::size_t first, int thread) {
        Worker& w = workers[thread];
        prepare(w, setup, epsg, result.target.source_srs);
        Chunk chunk;
        chunk.features.resize(features.size());
        std::vector<Deferred> wait;
        std::vector<std::pair<std::string, std::string>> types;
        for (std::size_t i = 0; i < features.size(); ++i) {
          StoredFeature& f = features[i];
          Attributes attrs;
          if (!f.attributes_json.empty() && may_carry_planned_change(f.attributes_json))
            attrs = storage::decode_attributes(f.attributes_json);
          std::string pid = project_id(attrs).value_or("");
          if (!pid.empty() && !planned_to_code(attrs))
            if (auto t = project_type(attrs)) types.emplace_back(pid, *t);
          if (!pid.empty() && !project_type(attrs)) {
            wait.push_back({std::move(f), std::move(attrs), std::move(pid), i});
            continue;
          }
          std::vector<Finding> found;
          check_feature(f, attrs, pid, w, setup, result, rules, request.want_geometry, chunk.features[i], found);
          for (auto& finding : found) chunk.findings.emplace_back(i, std::move(finding));
        }
        std::lock_guard lock(mutex);
        for (auto& [pid, type] : types) type_of_project[pid] = type;
        chunk.waiting = wait.size();
        for (auto& d : wait) {
          d.index += first;
          deferred.push_back(std::move(d));
        }
        pending.emplace(first, std::move(chunk));
        flush();
      },
      [&](std::size_t done) {
        if (progress) progress(std::min(done, n), n);
      });

  // The features that waited for their project's type, in storage order.
  std::sort(deferred.begin(), deferred.end(), [](const Deferred& a, const Deferred& b) { return a.index < b.index; });
  Worker& w = workers[0];
  prepare(w, setup, epsg, result.target.source_srs);
  for (auto& d : deferred) {
    auto it = std::prev(pending.upper_bound(d.index));
    std::vector<Finding> local;
    check_feature(d.feature, with_project_type(d.attributes, d.pid, type_of_project), d.pid, w, setup,
                  result, rules, request.want_geometry, it->second.features[d.index - it->first], local);
    for (auto& f : local) it->second.findings.emplace_back(d.index - it->first, std::move(f));
    --it->second.waiting;
  }
  flush();
  result.feature_count = next_first;
  if (!request.feature_sink) result.features = std::move(collected);
  return result;
}

}  // namespace gz::services
