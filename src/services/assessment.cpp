#include "services/assessment.h"

#include <algorithm>
#include <atomic>
#include <array>
#include <cmath>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "common/data_dir.h"
#include "common/error.h"
#include "domain/identity.h"
#include "domain/land_use_classes.h"
#include "domain/survey_fields.h"
#include "geo/crs.h"
#include "geo/dem.h"
#include "geo/ellipsoid.h"
#include "services/feature_stream.h"
#include "services/overlay.h"

namespace gz::services {

using nlohmann::json;

namespace {

// The measures the engine computes; indicators of the method file name them.
enum Measure : std::size_t {
  m_area,
  m_cultivated,
  m_fragmented,
  m_low_grade,
  m_ridge,
  m_steep_cultivated,
  m_construction,
  m_homestead,
  m_homestead_outside,
  m_scattered_homestead,
  m_scattered_construction,
  m_idle_homestead,
  m_redline,
  m_degraded_in_redline,
  m_degraded_near_redline,
  m_use_in_redline,
  m_near_redline,
  m_pbf,
  m_dem_steep,
  m_households,
  m_people,
  m_affected_households,
  m_affected_people,
  m_taken,
  m_relocations,
  m_homestead_households,
  m_projects,
  m_count
};

constexpr std::array<const char*, m_count> kMeasureNames{
    "area_m2",
    "cultivated_m2",
    "fragmented_cultivated_m2",
    "low_grade_cultivated_m2",
    "ridge_m2",
    "steep_cultivated_m2",
    "construction_m2",
    "homestead_m2",
    "homestead_outside_zones_m2",
    "scattered_homestead_m2",
    "scattered_construction_m2",
    "idle_homestead_m2",
    "redline_m2",
    "degraded_in_redline_m2",
    "degraded_near_redline_m2",
    "use_in_redline_m2",
    "near_redline_m2",
    "pbf_m2",
    "dem_steep_m2",
    "households",
    "people",
    "affected_households",
    "affected_people",
    "taken_m2",
    "relocations",
    "homestead_households",
    "projects",
};

bool known_measure(const std::string& id) {
  return std::find(kMeasureNames.begin(), kMeasureNames.end(), id) != kMeasureNames.end();
}

template <class T>
T field(const json& j, const char* key, const std::string& where, const T& fallback) {
  if (!j.contains(key)) return fallback;
  try {
    return j.at(key).get<T>();
  } catch (const json::exception&) {
    throw InputError(where + ": field '" + key + "' has the wrong type");
  }
}

// Optional layers by name, or the only one of a kind.
std::optional<LayerVersion> optional_layer(storage::Store& store, const std::string& name,
                                           LayerKind kind, const std::string& option) {
  if (!name.empty()) {
    auto v = store.layer_version(name, std::nullopt);
    if (v.kind != kind)
      throw UsageError(option + ": layer '" + name + "' is of kind " + std::string(to_string(v.kind)) +
                       ", not " + std::string(to_string(kind)));
    return v;
  }
  auto list = store.layers_of_kind(kind);
  if (list.empty()) return std::nullopt;
  if (list.size() > 1) {
    std::string names;
    for (auto& l : list) names += (names.empty() ? "" : ", ") + l.layer;
    throw UsageError("several layers of kind " + std::string(to_string(kind)) + " (" + names +
                     "); name one with " + option);
  }
  return list.front();
}

std::string code_of(const StoredFeature& f) {
  return attribute_text_any(f.attributes, {"DYBH", "XZQDM", "code"}).value_or(f.source_id);
}
std::string name_of(const StoredFeature& f) {
  return attribute_text_any(f.attributes, {"DYMC", "XZQMC", "name"}).value_or("");
}

bool truthy(const AttributeValue* v) {
  if (!v) return false;
  if (auto* i = std::get_if<std::int64_t>(v)) return *i != 0;
  if (auto* d = std::get_if<double>(v)) return *d != 0;
  if (auto* s = std::get_if<std::string>(v))
    return *s == "1" || *s == "是" || *s == "true" || *s == "yes" || *s == "闲置" || *s == "Y";
  return false;
}

std::optional<double> number_any(const Attributes& a, std::initializer_list<std::string_view> names) {
  for (auto n : names)
    if (auto v = attribute_number(a, n)) return v;
  return std::nullopt;
}

struct Accumulator {
  std::array<double, m_count> m{};
  std::map<std::string, double> class_m2;
  void add(const Accumulator& o) {
    for (std::size_t i = 0; i < m_count; ++i) m[i] += o.m[i];
    for (auto& [k, v] : o.class_m2) class_m2[k] += v;
  }
};

// Per-thread overlay state: prepared geometries are not thread-safe.
struct Worker {
  std::unique_ptr<GaussKruger> gk;
  std::unique_ptr<ZoneSet> zones, redline, near, built, pbf, changes;
  std::unique_ptr<geo::CoordinateTransform> to_dem;
  std::vector<Accumulator> acc;
};

LoadedLayer subset(const LoadedLayer& from, const std::function<bool(const StoredFeature&)>& keep) {
  LoadedLayer out;
  out.version = from.version;
  for (const auto& f : from.features)
    if (!keep || keep(f)) out.features.push_back(f);
  return out;
}

}  // namespace

// ---- method ------------------------------------------------------------------------------------

AssessmentMethod AssessmentMethod::parse(const std::string& text, const std::string& source) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw InputError(source + ": not valid JSON (" + e.what() + ")");
  }
  if (!j.is_object()) throw InputError(source + ": expected a JSON object");
  AssessmentMethod m;
  m.version = field<std::string>(j, "version", source, "");
  if (j.contains("thresholds")) {
    const json& t = j.at("thresholds");
    auto& th = m.thresholds;
    std::string w = source + " thresholds";
    th.fragment_max_m2 = field<double>(t, "fragment_max_m2", w, th.fragment_max_m2);
    th.low_grade_min_slope_grade = field<int>(t, "low_grade_min_slope_grade", w, th.low_grade_min_slope_grade);
    th.steep_min_slope_grade = field<int>(t, "steep_min_slope_grade", w, th.steep_min_slope_grade);
    th.low_grade_min_quality_grade =
        field<double>(t, "low_grade_min_quality_grade", w, th.low_grade_min_quality_grade);
    th.scattered_homestead_max_m2 =
        field<double>(t, "scattered_homestead_max_m2", w, th.scattered_homestead_max_m2);
    th.near_redline_m = field<double>(t, "near_redline_m", w, th.near_redline_m);
    th.homestead_m2_per_household =
        field<double>(t, "homestead_m2_per_household", w, th.homestead_m2_per_household);
    th.people_per_household = field<double>(t, "people_per_household", w, th.people_per_household);
    th.dem_steep_slope_deg = field<double>(t, "dem_steep_slope_deg", w, th.dem_steep_slope_deg);
    th.degraded_codes = field<std::vector<std::string>>(t, "degraded_codes", w, {});
    th.idle_fields = field<std::vector<std::string>>(t, "idle_fields", w, {});
    if (th.near_redline_m <= 0 || th.homestead_m2_per_household <= 0 || th.fragment_max_m2 <= 0)
      throw InputError(w + ": near_redline_m, homestead_m2_per_household and fragment_max_m2 must be > 0");
  }
  for (const auto& g : field<json>(j, "grades", source, json::array())) {
    if (!g.is_array() || g.size() != 2 || !g[0].is_number() || !g[1].is_string())
      throw InputError(source + ": each grade is [minimum score, name]");
    m.grades.emplace_back(g[0].get<double>(), g[1].get<std::string>());
  }
  std::sort(m.grades.begin(), m.grades.end(), [](auto& a, auto& b) { return a.first > b.first; });
  for (const auto& d : field<json>(j, "dimensions", source, json::array())) {
    AssessmentDimension dim;
    dim.id = field<std::string>(d, "id", source + " dimension", "");
    dim.name_zh = field<std::string>(d, "name_zh", source + " dimension " + dim.id, "");
    dim.name_en = field<std::string>(d, "name_en", source + " dimension " + dim.id, "");
    if (dim.id.empty()) throw InputError(source + ": a dimension without id");
    m.dimensions.push_back(dim);
  }
  if (m.dimensions.empty()) throw InputError(source + ": no dimensions");
  std::map<std::string, double> weight_sum;
  std::set<std::string> ids;
  for (const auto& i : field<json>(j, "indicators", source, json::array())) {
    AssessmentIndicator ind;
    ind.id = field<std::string>(i, "id", source + " indicator", "");
    std::string w = source + " indicator " + ind.id;
    if (ind.id.empty()) throw InputError(source + ": an indicator without id");
    if (!ids.insert(ind.id).second) throw InputError(w + ": id used twice");
    ind.dimension = field<std::string>(i, "dimension", w, "");
    ind.name_zh = field<std::string>(i, "name_zh", w, "");
    ind.name_en = field<std::string>(i, "name_en", w, "");
    ind.unit = field<std::string>(i, "unit", w, "");
    ind.measure = field<std::string>(i, "measure", w, "");
    ind.per = field<std::string>(i, "per", w, "");
    ind.direction = field<std::string>(i, "direction", w, "benefit");
    ind.normalise = field<std::string>(i, "normalise", w, "linear");
    ind.full = field<double>(i, "full", w, 1.0);
    ind.weight = field<double>(i, "weight", w, 0.0);
    ind.source = field<std::string>(i, "source", w, "");
    if (std::none_of(m.dimensions.begin(), m.dimensions.end(),
                     [&](const AssessmentDimension& d) { return d.id == ind.dimension; }))
      throw InputError(w + ": unknown dimension '" + ind.dimension + "'");
    if (!known_measure(ind.measure)) throw InputError(w + ": unknown measure '" + ind.measure + "'");
    if (!ind.per.empty() && !known_measure(ind.per))
      throw InputError(w + ": unknown measure '" + ind.per + "' in 'per'");
    if (ind.direction != "benefit" && ind.direction != "cost")
      throw InputError(w + ": direction must be 'benefit' or 'cost'");
    if (ind.normalise != "linear" && ind.normalise != "minmax")
      throw InputError(w + ": normalise must be 'linear' or 'minmax'");
    if (ind.normalise == "linear" && !(ind.full > 0)) throw InputError(w + ": 'full' must be > 0");
    if (!(ind.weight > 0) || ind.weight > 1) throw InputError(w + ": weight must be in (0, 1]");
    weight_sum[ind.dimension] += ind.weight;
    m.indicators.push_back(ind);
  }
  for (const auto& d : m.dimensions) {
    double s = weight_sum[d.id];
    if (std::fabs(s - 1) > 1e-6)
      throw InputError(source + " dimension " + d.id + ": indicator weights sum to " +
                       std::to_string(s) + ", not 1");
  }
  return m;
}

const AssessmentMethod& AssessmentMethod::standard() {
  static const AssessmentMethod m = [] {
    std::string path = data_dir() + "/assessment.json";
    return parse(read_file(path), path);
  }();
  return m;
}

// ---- the engine --------------------------------------------------------------------------------

AssessmentResult assess(storage::Store& store, const AssessmentRequest& req,
                        const AssessmentMethod& method,
                        const std::function<void(std::size_t, std::size_t)>& progress) {
  if (req.by != "village" && req.by != "consolidation_unit")
    throw UsageError("--by must be village or consolidation_unit, not '" + req.by + "'");
  if (req.land_use_layer.empty()) throw UsageError("no land-use layer named (--layer)");
  AssessmentResult result;
  result.land_use = store.layer_version(req.land_use_layer, req.version);
  if (result.land_use.kind != LayerKind::land_use)
    throw UsageError("layer '" + req.land_use_layer + "' is of kind " +
                     std::string(to_string(result.land_use.kind)) + ", not land_use");
  const bool by_unit = req.by == "consolidation_unit";

  auto region_v = optional_layer(store, by_unit ? "" : req.zones_layer, LayerKind::region,
                                 "--zones (a region layer)");
  auto unit_v = by_unit ? optional_layer(store, req.zones_layer, LayerKind::consolidation_unit,
                                         "--zones (a consolidation_unit layer)")
                        : std::nullopt;
  if (!region_v && !by_unit)
    throw NotFoundError("no layer of kind region in " + store.location() +
                        " (import the villages first)");
  if (by_unit && !unit_v)
    throw NotFoundError("no layer of kind consolidation_unit in " + store.location() +
                        " (import the consolidation units first)");

  // Villages: the finest level of the region layer.
  LoadedLayer villages;
  if (region_v) {
    LoadedLayer regions = load_layer(store, *region_v);
    std::size_t longest = 0;
    for (const auto& f : regions.features)
      if (auto c = zone_code(f.attributes)) longest = std::max(longest, c->size());
    villages = subset(regions, [&](const StoredFeature& f) {
      auto c = zone_code(f.attributes);
      return c && c->size() == longest;
    });
  }
  auto in_scope = [&](const std::string& village) {
    if (!req.region_scope) return true;
    for (const auto& s : *req.region_scope)
      if (region_contains(s, village)) return true;
    return false;
  };

  // The land-use layer is read as a stream below; only its extent is needed here.
  if (result.land_use.feature_count == 0)
    throw InputError("layer '" + req.land_use_layer + "' has no features: nothing to assess");
  int epsg = gk_epsg_for(store, result.land_use);
  GaussKruger main_gk(epsg);

  // The zones to assess, with the villages each spans.
  LoadedLayer zones;
  std::vector<std::vector<std::string>> zone_villages;
  bool any_matched = false;
  if (!by_unit) {
    result.zones = *region_v;
    for (const auto& f : villages.features) {
      std::string code = code_of(f);
      if (!req.zone.empty() && !region_contains(req.zone, code)) continue;
      any_matched = true;
      if (!in_scope(code)) continue;
      zones.features.push_back(f);
      zone_villages.push_back({code});
    }
    zones.version = *region_v;
  } else {
    result.zones = *unit_v;
    LoadedLayer units = load_layer(store, *unit_v);
    std::unique_ptr<ZoneSet> village_set;
    if (region_v) village_set = std::make_unique<ZoneSet>(villages, main_gk);
    for (const auto& f : units.features) {
      std::string code = code_of(f);
      if (!req.zone.empty() && code != req.zone) continue;
      any_matched = true;
      std::vector<std::string> spans;
      if (village_set) {
        Target t(geo::Geometry::from_wkb(f.wkb), main_gk);
        for (auto& o : village_set->overlaps(t, false))
          if (o.area_m2 >= 1.0) spans.push_back(code_of(village_set->feature(o.zone)));
      }
      std::sort(spans.begin(), spans.end());
      if (req.region_scope && std::none_of(spans.begin(), spans.end(), in_scope)) continue;
      zones.features.push_back(f);
      zone_villages.push_back(spans);
    }
    zones.version = *unit_v;
  }
  if (!req.zone.empty() && (!any_matched || zones.features.empty()))
    throw NotFoundError(std::string(by_unit ? "consolidation unit" : "region") + " '" + req.zone +
                        "' is not in layer '" + result.zones.layer + "'");

  // Other layers.
  const auto& th = method.thresholds;
  auto redline_v = optional_layer(store, req.redline_layer, LayerKind::ecological_redline, "--redline");
  auto pbf_v = optional_layer(store, req.pbf_layer, LayerKind::permanent_basic_farmland, "--pbf");
  auto udb_v = optional_layer(store, req.udb_layer, LayerKind::urban_development_boundary, "--udb");
  auto plan_v = optional_layer(store, req.village_plan_layer, LayerKind::village_plan, "--village-plan");
  auto parcel_v = optional_layer(store, req.parcel_layer, LayerKind::parcel, "--parcels");
  auto project_v = optional_layer(store, req.project_layer, LayerKind::project, "--projects");
  for (auto* v : {&region_v, &unit_v, &redline_v, &pbf_v, &udb_v, &plan_v, &parcel_v, &project_v})
    if (*v && (*v)->layer != result.zones.layer) result.inputs.push_back(**v);
  auto note_missing = [&](const std::optional<LayerVersion>& v, const char* what) {
    if (!v) result.missing.push_back(what);
  };
  note_missing(redline_v, "ecological_redline");
  note_missing(pbf_v, "permanent_basic_farmland");
  note_missing(plan_v, "village_plan");
  note_missing(udb_v, "urban_development_boundary");
  note_missing(parcel_v, "parcel");
  note_missing(project_v, "project");
  if (req.dem_path.empty()) result.missing.push_back("dem");

  LoadedLayer redline, near, built, pbf, changes, parcels, project_areas;
  if (redline_v) {
    redline = load_layer(store, *redline_v);
    // The ring within near_redline_m: each red-line polygon buffered in the GK zone (metres).
    near.version = redline.version;
    for (const auto& f : redline.features) {
      geo::Geometry g = geo::Geometry::from_wkb(f.wkb).transformed(main_gk.to_gk);
      if (!g.validity().valid) g = g.make_valid().polygonal_part();
      geo::Geometry b = g.buffer(th.near_redline_m).transformed(main_gk.to_lonlat);
      StoredFeature nf;
      nf.id = f.id;
      nf.source_id = f.source_id;
      nf.wkb = b.wkb();
      nf.bbox = b.envelope();
      near.features.push_back(std::move(nf));
    }
  }
  if (plan_v)
    built = subset(load_layer(store, *plan_v), [](const StoredFeature& f) {
      return village_zone_allows_construction(f.attributes);
    });
  if (udb_v) {
    LoadedLayer u = load_layer(store, *udb_v);
    for (auto& f : u.features) built.features.push_back(std::move(f));
  }
  const bool have_built_zones = plan_v || udb_v;
  if (pbf_v) pbf = load_layer(store, *pbf_v);
  if (project_v) {
    LoadedLayer p = load_layer(store, *project_v);
    changes = subset(p, [](const StoredFeature& f) { return planned_to_code(f.attributes).has_value(); });
    project_areas = subset(p, [](const StoredFeature& f) { return !planned_to_code(f.attributes); });
  }
  if (parcel_v) parcels = load_layer(store, *parcel_v);

  std::unique_ptr<geo::DemSlope> dem;
  if (!req.dem_path.empty()) dem = std::make_unique<geo::DemSlope>(req.dem_path);

  const auto& classes = LandUseClassTable::standard();
  std::set<std::string> degraded(th.degraded_codes.begin(), th.degraded_codes.end());
  // Codes are checked and idle-homestead fields looked for as the layer streams past.
  std::atomic<bool> idle_found{false};
  // The fields the measures read, and nothing else of each spot.
  std::vector<std::string_view> fields{"DLBM", "code", "class_code", "KCXS", "GDPDJB", "slope_grade",
                                       "GDZLDJ", "ZLDJ", "quality_grade", "CZCSXM"};
  for (const auto& name : th.idle_fields) fields.push_back(name);

  const std::size_t nz = zones.features.size();
  const std::size_t n_lu = static_cast<std::size_t>(result.land_use.feature_count),
                    n_total = n_lu + parcels.features.size();
  std::vector<Worker> workers(static_cast<std::size_t>(worker_threads()));
  auto worker = [&](int thread) -> Worker& {
    Worker& w = workers[static_cast<std::size_t>(thread)];
    if (!w.gk) {
      w.gk = std::make_unique<GaussKruger>(epsg);
      w.zones = std::make_unique<ZoneSet>(zones, *w.gk);
      if (redline_v) {
        w.redline = std::make_unique<ZoneSet>(redline, *w.gk);
        w.near = std::make_unique<ZoneSet>(near, *w.gk);
      }
      if (have_built_zones) w.built = std::make_unique<ZoneSet>(built, *w.gk);
      if (pbf_v) w.pbf = std::make_unique<ZoneSet>(pbf, *w.gk);
      if (project_v) w.changes = std::make_unique<ZoneSet>(changes, *w.gk);
      if (dem) w.to_dem = std::make_unique<geo::CoordinateTransform>("EPSG:4490", dem->crs_wkt());
      w.acc.resize(nz);
    }
    return w;
  };
  std::mutex progress_mutex;
  std::size_t reported = 0;
  auto report = [&](std::size_t done_here) {
    if (!progress) return;
    std::lock_guard lock(progress_mutex);
    reported = std::max(reported, done_here);
    progress(reported, n_total);
  };

  // Land use, piece by piece (a spot cut by zone borders counts in each zone with its share).
  stream_features(
      store, result.land_use, {.decode_attributes = false, .keep_attributes_json = {}},
      [&](std::vector<StoredFeature>& chunk, std::size_t, int thread) {
        Worker& w = worker(thread);
        for (const StoredFeature& f : chunk) {
          const Attributes a = decode_selected_attributes(f.attributes_json, fields);
          auto found = land_use_code(a);
          if (!found)
            throw InputError("layer " + req.land_use_layer, f.source_id, "DLBM", "feature has no land-use class code");
          const LandUseClass* cls = classes.find(*found);
          if (!cls)
            throw InputError("layer " + req.land_use_layer, f.source_id, "DLBM",
                             "unknown land-use class code '" + *found + "'");
          if (!idle_found.load(std::memory_order_relaxed))
            for (const auto& name : th.idle_fields)
              if (find_attribute(a, name)) idle_found = true;
          const std::string& code = *found;
          Target t(geo::Geometry::from_wkb(f.wkb), *w.gk);
          auto pieces = w.zones->overlaps(t, true);
          if (pieces.empty()) continue;
          double spot_area = t.area_m2();
          double k = ridge_deduction_coefficient(a);
          int slope_grade = static_cast<int>(number_any(a, {"GDPDJB", "slope_grade"}).value_or(0));
          auto quality = number_any(a, {"GDZLDJ", "ZLDJ", "quality_grade"});
          auto czcs = attribute_text(a, "CZCSXM").value_or("");
          bool idle = false;
          for (const auto& name : th.idle_fields) idle = idle || truthy(find_attribute(a, name));
          bool is_degraded = degraded.count(code) > 0;
          for (auto& o : pieces) {
            Accumulator& acc = w.acc[o.zone];
            std::optional<Target> own;
            Target* p = &t;
            if (o.area_m2 < spot_area * (1 - 1e-9)) p = &own.emplace(std::move(o.lonlat), *w.gk);
            double area = o.area_m2;
            acc.m[m_area] += area;
            acc.class_m2[code] += area;
            if (cls->cultivated) {
              acc.m[m_cultivated] += area;
              if (spot_area < th.fragment_max_m2) acc.m[m_fragmented] += area;
              if ((slope_grade >= th.low_grade_min_slope_grade) ||
                  (quality && *quality >= th.low_grade_min_quality_grade))
                acc.m[m_low_grade] += area;
              if (slope_grade >= th.steep_min_slope_grade) acc.m[m_steep_cultivated] += area;
              acc.m[m_ridge] += area * k;
            }
            if (cls->group == LandGroup::construction) {
              acc.m[m_construction] += area;
              double outside = 0;
              if (w.built) outside = std::max(0.0, area - w.built->overlap_union(*p, false).area_m2);
              if (code == "0702") {
                acc.m[m_homestead] += area;
                acc.m[m_homestead_outside] += outside;
                if (spot_area < th.scattered_homestead_max_m2) acc.m[m_scattered_homestead] += outside;
                if (idle) acc.m[m_idle_homestead] += area;
              } else if (czcs != "201" && czcs != "202") {
                acc.m[m_scattered_construction] += outside;
              }
            }
            if (w.redline) {
              double in = w.redline->overlap_union(*p, false).area_m2;
              double near_area = std::max(0.0, w.near->overlap_union(*p, false).area_m2 - in);
              acc.m[m_redline] += in;
              acc.m[m_near_redline] += near_area;
              if (is_degraded) {
                acc.m[m_degraded_in_redline] += in;
                acc.m[m_degraded_near_redline] += near_area;
              }
              if (cls->cultivated || cls->group == LandGroup::construction) acc.m[m_use_in_redline] += in;
            }
            if (w.pbf) acc.m[m_pbf] += w.pbf->overlap_union(*p, false).area_m2;
            if (dem) acc.m[m_dem_steep] += area * dem->steep_share(p->lonlat(), *w.to_dem, th.dem_steep_slope_deg);
          }
        }
      },
      [&](std::size_t done) { report(std::min(done, n_lu)); });
  const bool idle_seen = idle_found;
  if (!idle_seen) result.missing.push_back("idle_homestead_survey");

  // Households from the contracted parcels: where they hold land, and what planned changes take.
  struct HouseholdFacts {
    double people = 0;
    std::set<std::size_t> zones, affected_zones;
  };
  std::map<std::string, HouseholdFacts> households;
  std::vector<std::map<std::string, double>> taken_by_zone(nz);
  bool head_counts = false;
  if (parcel_v) {
    std::mutex merge;
    parallel_chunks(
        parcels.features.size(),
        [&](std::size_t begin, std::size_t end, int thread) {
          Worker& w = worker(thread);
          std::map<std::string, HouseholdFacts> local;
          std::vector<std::map<std::string, double>> taken(nz);
          bool counts = false;
          for (std::size_t i = begin; i < end; ++i) {
            const StoredFeature& f = parcels.features[i];
            auto hh = attribute_text_any(f.attributes, {"CBFBM", "household"});
            if (!hh) throw InputError("layer " + parcel_v->layer, f.source_id, "CBFBM",
                                      "the parcel names no household (承包方编码 CBFBM)");
            auto& facts = local[*hh];
            if (auto people = number_any(f.attributes, {"JTCYSL", "RKS", "people"})) {
              facts.people = std::max(facts.people, *people);
              counts = true;
            }
            Target t(geo::Geometry::from_wkb(f.wkb), *w.gk);
            for (auto& o : w.zones->overlaps(t, w.changes != nullptr)) {
              if (o.area_m2 < 1.0) continue;
              facts.zones.insert(o.zone);
              if (!w.changes) continue;
              Target piece(std::move(o.lonlat), *w.gk);
              double changed = w.changes->overlap_union(piece, false).area_m2;
              if (changed >= 1.0) {
                facts.affected_zones.insert(o.zone);
                taken[o.zone][*hh] += changed;
              }
            }
          }
          std::lock_guard lock(merge);
          head_counts = head_counts || counts;
          for (auto& [h, f] : local) {
            auto& g = households[h];
            g.people = std::max(g.people, f.people);
            g.zones.insert(f.zones.begin(), f.zones.end());
            g.affected_zones.insert(f.affected_zones.begin(), f.affected_zones.end());
          }
          for (std::size_t z = 0; z < nz; ++z)
            for (auto& [h, v] : taken[z]) taken_by_zone[z][h] += v;
        },
        [&](std::size_t done) { report(n_lu + done); });
  }

  // Merge, and what the measures are in each zone.
  std::vector<Accumulator> total(nz);
  for (auto& w : workers)
    for (std::size_t z = 0; z < w.acc.size(); ++z) total[z].add(w.acc[z]);
  if (parcel_v) {
    for (auto& [h, f] : households) {
      double people = head_counts ? f.people : th.people_per_household;
      for (auto z : f.zones) {
        total[z].m[m_households] += 1;
        total[z].m[m_people] += people;
      }
      for (auto z : f.affected_zones) {
        total[z].m[m_affected_households] += 1;
        total[z].m[m_affected_people] += people;
      }
    }
    for (std::size_t z = 0; z < nz; ++z)
      for (auto& [h, v] : taken_by_zone[z]) total[z].m[m_taken] += v;
    if (!head_counts) result.missing.push_back("household_head_counts");
  }
  std::vector<std::set<std::string>> zone_projects(nz);
  if (project_v) {
    Worker& w = worker(0);
    for (const auto& f : project_areas.features) {
      Target t(geo::Geometry::from_wkb(f.wkb), *w.gk);
      auto id = project_id(f.attributes).value_or(f.source_id);
      for (auto& o : w.zones->overlaps(t, false))
        if (o.area_m2 >= 1.0) zone_projects[o.zone].insert(id);
    }
  }

  auto measure_present = [&](std::size_t m) {
    switch (m) {
      case m_homestead_outside:
      case m_scattered_homestead:
      case m_scattered_construction:
      case m_relocations:
        return have_built_zones;
      case m_idle_homestead:
        return idle_seen;
      case m_redline:
      case m_degraded_in_redline:
      case m_degraded_near_redline:
      case m_use_in_redline:
      case m_near_redline:
        return redline_v.has_value();
      case m_pbf:
        return pbf_v.has_value();
      case m_dem_steep:
        return dem != nullptr;
      case m_households:
      case m_people:
        return parcel_v.has_value();
      case m_affected_households:
      case m_affected_people:
      case m_taken:
        return parcel_v.has_value() && project_v.has_value();
      case m_projects:
        return project_v.has_value();
      default:
        return true;
    }
  };

  for (std::size_t z = 0; z < nz; ++z) {
    ZoneAssessment za;
    const StoredFeature& f = zones.features[z];
    za.code = code_of(f);
    za.name = name_of(f);
    za.kind = req.by;
    za.villages = zone_villages[z];
    za.projects.assign(zone_projects[z].begin(), zone_projects[z].end());
    Accumulator& acc = total[z];
    acc.m[m_relocations] = std::round(acc.m[m_homestead_outside] / th.homestead_m2_per_household);
    acc.m[m_homestead_households] = std::round(acc.m[m_homestead] / th.homestead_m2_per_household);
    acc.m[m_projects] = static_cast<double>(za.projects.size());
    for (std::size_t m = 0; m < m_count; ++m)
      if (measure_present(m)) za.measures[kMeasureNames[m]] = acc.m[m];
    za.class_m2 = std::move(acc.class_m2);
    result.zones_assessed.push_back(std::move(za));
  }

  // Indicators: values, then normalisation (min–max needs every zone's value first).
  std::map<std::string, std::pair<double, double>> range;
  auto value_of = [](const ZoneAssessment& za, const AssessmentIndicator& ind) -> std::optional<double> {
    auto m = za.measures.find(ind.measure);
    if (m == za.measures.end()) return std::nullopt;
    if (ind.per.empty()) return m->second;
    auto p = za.measures.find(ind.per);
    if (p == za.measures.end()) return std::nullopt;
    return p->second > 0 ? m->second / p->second : 0.0;
  };
  for (const auto& za : result.zones_assessed)
    for (const auto& ind : method.indicators)
      if (auto v = value_of(za, ind)) {
        auto [it, fresh] = range.try_emplace(ind.id, *v, *v);
        it->second.first = std::min(it->second.first, *v);
        it->second.second = std::max(it->second.second, *v);
      }
  for (auto& za : result.zones_assessed) {
    for (const auto& dim : method.dimensions) {
      AssessedDimension ds;
      ds.dimension = &dim;
      double weighted = 0, weights = 0;
      for (const auto& ind : method.indicators) {
        if (ind.dimension != dim.id) continue;
        AssessedIndicator is;
        is.indicator = &ind;
        is.value = value_of(za, ind);
        if (is.value) {
          double s;
          if (ind.normalise == "minmax") {
            auto [lo, hi] = range[ind.id];
            s = hi > lo ? (*is.value - lo) / (hi - lo) : 0.0;
          } else {
            s = *is.value / ind.full;
          }
          s = std::clamp(s, 0.0, 1.0);
          if (ind.direction == "cost") s = 1 - s;
          is.score = s;
          weighted += ind.weight * s;
          weights += ind.weight;
        }
        ds.indicators.push_back(is);
      }
      if (weights > 0) {
        ds.score = 100 * weighted / weights;
        for (const auto& [min, name] : method.grades)
          if (ds.score >= min) {
            ds.grade = name;
            break;
          }
      }
      za.dimensions.push_back(std::move(ds));
    }
  }
  std::sort(result.zones_assessed.begin(), result.zones_assessed.end(),
            [](const ZoneAssessment& a, const ZoneAssessment& b) { return a.code < b.code; });
  return result;
}

std::string assessment_json(const AssessmentResult& r) {
  auto layer = [](const LayerVersion& v) {
    return json{{"layer", v.layer}, {"kind", std::string(to_string(v.kind))}, {"version", v.version}};
  };
  json j;
  j["land_use"] = layer(r.land_use);
  j["zones_layer"] = layer(r.zones);
  j["inputs"] = json::array();
  for (const auto& v : r.inputs) j["inputs"].push_back(layer(v));
  j["missing"] = r.missing;
  j["zones"] = json::array();
  for (const auto& z : r.zones_assessed) {
    json zj{{"code", z.code}, {"name", z.name}, {"kind", z.kind}, {"villages", z.villages},
            {"projects", z.projects}};
    json measures = json::object();
    for (const auto& [id, v] : z.measures) measures[id] = v;
    zj["measures"] = measures;
    json classes = json::object();
    for (const auto& [code, v] : z.class_m2) classes[code] = v;
    zj["class_m2"] = classes;
    zj["dimensions"] = json::array();
    for (const auto& d : z.dimensions) {
      json dj{{"id", d.dimension->id},
              {"name_zh", d.dimension->name_zh},
              {"name_en", d.dimension->name_en},
              {"score", d.score},
              {"grade", d.grade}};
      dj["indicators"] = json::array();
      for (const auto& i : d.indicators) {
        dj["indicators"].push_back({{"id", i.indicator->id},
                                    {"name_zh", i.indicator->name_zh},
                                    {"name_en", i.indicator->name_en},
                                    {"unit", i.indicator->unit},
                                    {"value", i.value ? json(*i.value) : json(nullptr)},
                                    {"score", i.score},
                                    {"weight", i.indicator->weight},
                                    {"source", i.indicator->source}});
      }
      zj["dimensions"].push_back(dj);
    }
    j["zones"].push_back(zj);
  }
  return j.dump(2, ' ', false, json::error_handler_t::replace);
}

}  // namespace gz::services
