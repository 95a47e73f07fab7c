#include "services/scheme_units.h"

#include <algorithm>

#include "domain/layer.h"
#include "domain/survey_fields.h"
#include "geo/ellipsoid.h"
#include "geo/geometry.h"

namespace gz::services {

namespace {

std::optional<LayerVersion> only_layer(storage::Store& store, LayerKind kind) {
  auto list = store.layers_of_kind(kind);
  if (list.empty()) return std::nullopt;
  if (list.size() > 1) {
    std::string names;
    for (const auto& l : list) names += (names.empty() ? "" : ", ") + l.layer;
    throw UsageError("several layers of kind " + std::string(to_string(kind)) + " (" + names +
                     "): the consolidation unit of a scheme is ambiguous");
  }
  return list.front();
}

std::string unit_code(const StoredFeature& f) {
  return attribute_text_any(f.attributes, {"DYBH", "code"}).value_or(f.source_id);
}

}  // namespace

UnknownUnit::UnknownUnit(const std::string& code)
    : NotFoundError("consolidation unit '" + code + "' does not exist (no such DYBH in the consolidation_unit layer)"),
      Explained("unknown_unit", "整治单元“" + code + "”不存在（整治单元图层中没有该单元编号 DYBH）") {}

ConsolidationUnitRef find_consolidation_unit(storage::Store& store, const std::string& code) {
  auto units = only_layer(store, LayerKind::consolidation_unit);
  if (!units) throw UnknownUnit(code);
  ConsolidationUnitRef out;
  bool found = false;
  store.scan(*units, [&](StoredFeature&& f) {
    if (found || unit_code(f) != code) return;
    found = true;
    out.code = code;
    out.name = attribute_text_any(f.attributes, {"DYMC", "name"}).value_or("");
    out.layer = *units;
    out.wkb = std::move(f.wkb);
  });
  if (!found) throw UnknownUnit(code);

  auto regions = only_layer(store, LayerKind::region);
  if (!regions) return out;
  auto outline = geo::Geometry::from_wkb(out.wkb);
  Envelope env = outline.envelope();
  // Villages: the finest level (longest code) of the region layer.
  std::vector<StoredFeature> all = store.read_all(*regions, {});
  std::size_t longest = 0;
  for (const auto& f : all)
    if (auto c = zone_code(f.attributes)) longest = std::max(longest, c->size());
  geo::PreparedGeometry prepared(outline);
  for (const auto& f : all) {
    auto c = zone_code(f.attributes);
    if (!c || c->size() != longest || !f.bbox.intersects(env)) continue;
    auto g = geo::Geometry::from_wkb(f.wkb);
    if (!prepared.intersects(g)) continue;
    if (geo::ellipsoidal_area_m2(outline.intersection(g).polygonal_part()) >= 1.0) out.villages.push_back(*c);
  }
  std::sort(out.villages.begin(), out.villages.end());
  return out;
}

double area_in_unit_m2(const ConsolidationUnitRef& unit, const std::string& wkb) {
  auto outline = geo::Geometry::from_wkb(unit.wkb);
  auto g = geo::Geometry::from_wkb(wkb);
  if (!outline.envelope().intersects(g.envelope()) || !outline.intersects(g)) return 0;
  return geo::ellipsoidal_area_m2(outline.intersection(g).polygonal_part());
}

}  // namespace gz::services
