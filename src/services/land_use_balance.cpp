#include "services/land_use_balance.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/error.h"
#include "domain/land_use_classes.h"
#include "domain/planning_classes.h"
#include "domain/survey_fields.h"
#include "geo/ellipsoid.h"
#include "services/overlay.h"

namespace gz::services {

std::string balance_row_name(const std::string& code, bool zh) {
  if (code.rfind("GHDLBM:", 0) == 0) {
    const auto* p = PlanningClassTable::standard().find(code.substr(7));
    if (!p) return "";
    return zh ? p->name_zh + "（用地用海）" : p->name_en + " (用地用海)";
  }
  const auto* c = LandUseClassTable::standard().find(code);
  return c ? (zh ? c->name_zh : c->name_en) : "";
}

bool is_scenario_layer(const LayerVersion& v) { return v.source.rfind("scenario:", 0) == 0; }

bool BalanceResult::all_passed() const {
  return std::all_of(indicators.begin(), indicators.end(), [](const IndicatorValue& i) { return i.passed; });
}

LayerVersion single_layer_of_kind(storage::Store& store, LayerKind kind, const std::string& option) {
  auto list = store.layers_of_kind(kind);
  if (list.empty())
    throw NotFoundError("no layer of kind " + std::string(to_string(kind)) + " in " + store.location());
  // A scheme's simulated land use (services/schemes) is never the default current land use.
  std::erase_if(list, [](const LayerVersion& v) { return is_scenario_layer(v); });
  if (list.empty())
    throw NotFoundError("no layer of kind " + std::string(to_string(kind)) + " in " + store.location() +
                        " other than scheme scenarios");
  if (list.size() > 1) {
    std::string names;
    for (auto& l : list) names += (names.empty() ? "" : ", ") + l.layer;
    throw UsageError("several layers of kind " + std::string(to_string(kind)) + " (" + names +
                     "); choose one with " + option);
  }
  return list.front();
}

BalanceResult land_use_balance(storage::Store& store, const BalanceRequest& request,
                               const IndicatorRules& thresholds) {
  BalanceResult r;
  r.project_id = request.project_id;
  if (request.features) {
    r.project_layer.layer = request.project_layer;
    r.project_layer.kind = LayerKind::project;
  } else {
    r.project_layer = request.project_layer.empty()
                          ? single_layer_of_kind(store, LayerKind::project, "--layer")
                          : store.layer_version(request.project_layer, request.version);
    if (!request.project_layer.empty() || request.version)
      r.project_layer = store.layer_version(r.project_layer.layer, request.version);
  }
  r.land_use_layer = request.land_use_layer.empty()
                         ? single_layer_of_kind(store, LayerKind::land_use, "--land-use")
                         : store.layer_version(request.land_use_layer, std::nullopt);
  if (r.land_use_layer.kind != LayerKind::land_use)
    throw UsageError("layer '" + r.land_use_layer.layer + "' is not a land_use layer");

  std::vector<StoredFeature> areas, patches;
  auto take = [&](StoredFeature&& f) {
    if (project_id(f.attributes) != request.project_id) return;
    if (planned_to_code(f.attributes)) patches.push_back(std::move(f));
    else areas.push_back(std::move(f));
  };
  if (request.features)
    for (auto f : *request.features) take(std::move(f));
  else
    store.scan(r.project_layer, take);
  if (areas.empty() && patches.empty())
    throw NotFoundError("project '" + request.project_id + "' not found in layer '" +
                        r.project_layer.layer + "' v" + std::to_string(r.project_layer.version));
  if (!areas.empty()) {
    r.project_name =
        attribute_text_any(areas.front().attributes, {"XMMC", "project_name", "name"}).value_or("");
    r.project_type = project_type(areas.front().attributes).value_or("");
  }
  r.changes = static_cast<int>(patches.size());

  // The project's area: its area features, or the union of its patches when it has none.
  UnitedArea united = unite_features(areas.empty() ? patches : areas);
  const Envelope& bbox = united.bbox;
  GaussKruger gk(united.gk_epsg);
  Target project(std::move(united.lonlat), gk);
  r.project_area_m2 = project.area_m2();

  const auto& classes = LandUseClassTable::standard();
  LoadedLayer land = load_within(store, r.land_use_layer, bbox);
  ZoneSet land_zones(land, gk);
  std::map<std::string, BalanceRow> rows;
  auto code_of = [&](std::size_t zone) {
    return land_use_code(land_zones.feature(zone).attributes).value_or("");
  };
  for (const auto& o : land_zones.overlaps(project, false)) rows[code_of(o.zone)].before_m2 += o.area_m2;
  for (auto& [code, row] : rows) row.after_m2 = row.before_m2;

  // Each change moves the patch's actual surveyed land (by class) to its planned class.
  std::optional<LoadedLayer> pbf;
  std::unique_ptr<ZoneSet> pbf_zones;
  auto pbf_layers = store.layers_of_kind(LayerKind::permanent_basic_farmland);
  if (!pbf_layers.empty()) {
    r.pbf_layer = pbf_layers.front();
    pbf = load_within(store, *r.pbf_layer, bbox);
    pbf_zones = std::make_unique<ZoneSet>(*pbf, gk);
  }
  std::map<std::string, PlannedTarget> planned_rows;
  auto cultivated = [&](const std::string& code) {
    auto it = planned_rows.find(code);
    return it != planned_rows.end() ? it->second.cultivated : classes.is_cultivated(code);
  };
  auto construction = [&](const std::string& code) {
    auto it = planned_rows.find(code);
    return it != planned_rows.end() ? it->second.group == LandGroup::construction
                                    : classes.is_construction(code);
  };
  for (const auto& p : patches) {
    Target patch(geo::Geometry::from_wkb(p.wkb), gk);
    // A target in 用地用海 (GHDLBM) counts in its 三调 class of the same name when there is one
    // (0703 农村宅基地 as 0702); one without is a row of its own ("GHDLBM:1311"), judged by its
    // own class in data/planning_classes.csv, never folded into a guessed 三调 class.
    auto target = planned_target(p.attributes);
    std::string to = *planned_to_code(p.attributes);
    if (target && target->planning) {
      if (!target->survey_code.empty()) {
        to = target->survey_code;
      } else {
        to = "GHDLBM:" + target->code;
        planned_rows[to] = *target;
      }
    }
    for (const auto& o : land_zones.overlaps(patch, false)) rows[code_of(o.zone)].after_m2 -= o.area_m2;
    rows[to].after_m2 += patch.area_m2();
    std::string adjust = attribute_text(p.attributes, "pbf_adjust").value_or("");
    double in_pbf = pbf_zones ? pbf_zones->overlap_union(patch, false).area_m2 : 0.0;
    if (adjust == "in") r.pbf_in_m2 += patch.area_m2() - in_pbf;
    else if (adjust == "out" || !cultivated(to)) r.pbf_out_m2 += in_pbf;
  }
  for (auto& [code, row] : rows) {
    row.code = code;
    if (std::fabs(row.after_m2) < 1e-6) row.after_m2 = 0;
    if (cultivated(code)) {
      r.cultivated_before += row.before_m2;
      r.cultivated_after += row.after_m2;
    }
    if (construction(code)) {
      r.construction_before += row.before_m2;
      r.construction_after += row.after_m2;
    }
    r.rows.push_back(row);
  }

  char buf[256];
  {
    IndicatorValue v;
    v.rule = &thresholds.get("new_cultivated_ratio");
    double gained = r.cultivated_after - r.cultivated_before;
    v.applicable = r.cultivated_before > 0;
    v.value = v.applicable ? gained / r.cultivated_before : 0;
    v.passed = !v.applicable || v.rule->passes(v.value);
    std::snprintf(buf, sizeof buf, "cultivated %.2f -> %.2f m2 (%+.2f m2)", r.cultivated_before,
                  r.cultivated_after, gained);
    v.basis = buf;
    r.indicators.push_back(v);
  }
  {
    IndicatorValue v;
    v.rule = &thresholds.get("construction_land_change");
    v.value = r.construction_after - r.construction_before;
    v.passed = v.rule->passes(v.value);
    std::snprintf(buf, sizeof buf, "construction %.2f -> %.2f m2", r.construction_before,
                  r.construction_after);
    v.basis = buf;
    r.indicators.push_back(v);
  }
  {
    IndicatorValue v;
    v.rule = &thresholds.get("pbf_added_ratio");
    v.applicable = r.pbf_out_m2 > 0;
    v.value = v.applicable ? (r.pbf_in_m2 - r.pbf_out_m2) / r.pbf_out_m2 : 0;
    v.passed = !v.applicable || v.rule->passes(v.value);
    std::snprintf(buf, sizeof buf, "adjusted out %.2f m2, added %.2f m2", r.pbf_out_m2, r.pbf_in_m2);
    v.basis = buf;
    r.indicators.push_back(v);
  }
  return r;
}

}  // namespace gz::services
