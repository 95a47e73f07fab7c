#include "services/scheme_social.h"

#include <cmath>
#include <map>

#include "domain/layer.h"
#include "domain/survey_fields.h"
#include "geo/ellipsoid.h"
#include "geo/geometry.h"
#include "services/assessment.h"

namespace gz::services {

namespace {

constexpr const char* kHomestead = "0702";

// Area (m²) the change has in common with every feature of `layer` the filter keeps, by key.
template <class Key, class Fn>
void overlaps(storage::Store& store, const LayerVersion& layer, const geo::Geometry& change,
              const Envelope& env, Key&& key, Fn&& fn) {
  geo::PreparedGeometry prepared(change);
  store.scan_bbox(layer, env, [&](StoredFeature&& f) {
    auto k = key(f);
    if (!k) return;
    auto g = geo::Geometry::from_wkb(f.wkb);
    if (!prepared.intersects(g)) return;
    double a = geo::ellipsoidal_area_m2(change.intersection(g).polygonal_part());
    if (a > 0) fn(*k, f, a);
  });
}

}  // namespace

SchemeSocialImpact measure_social_impact(storage::Store& store, const LayerVersion& land_use,
                                         const std::vector<StoredFeature>& features,
                                         std::optional<std::int64_t> declared_relocations,
                                         const AssessmentThresholds& th) {
  SchemeSocialImpact out;
  // The contracted parcels as surveyed: a reallocation's output (source "realloc of …") is a
  // proposal, not who holds the land now.
  std::vector<LayerVersion> parcels;
  for (auto& v : store.layers_of_kind(LayerKind::parcel))
    if (v.source.rfind("realloc of ", 0) != 0) parcels.push_back(std::move(v));
  if (parcels.size() == 1) out.parcel_layer = parcels.front();
  else out.parcel_note = parcels.empty() ? "no parcel layer" : "several parcel layers: none read";

  struct Household {
    double taken = 0;
    std::optional<double> people;
  };
  std::map<std::string, Household> households;
  for (std::size_t i = 1; i < features.size(); ++i) {
    const auto& f = features[i];
    auto change = geo::Geometry::from_wkb(f.wkb);
    // A 用地用海 target (GHDLBM 0703 农村宅基地) counts as its 三调 class of the same name.
    auto target = planned_target(f.attributes);
    std::string to = target ? target->survey_code : planned_to_code(f.attributes).value_or("");
    // Homesteads a change turns into something else: their households move.
    if (to.rfind(kHomestead, 0) != 0)
      overlaps(store, land_use, change, f.bbox,
               [](const StoredFeature& s) -> std::optional<int> {
                 auto c = land_use_code(s.attributes);
                 return c && c->rfind(kHomestead, 0) == 0 ? std::optional<int>(0) : std::nullopt;
               },
               [&](int, const StoredFeature&, double a) { out.homestead_taken_m2 += a; });
    if (out.parcel_layer)
      overlaps(store, *out.parcel_layer, change, f.bbox,
               [](const StoredFeature& s) { return attribute_text_any(s.attributes, {"CBFBM", "household"}); },
               [&](const std::string& hh, const StoredFeature& s, double a) {
                 auto& h = households[hh];
                 h.taken += a;
                 for (const char* field : {"JTCYSL", "RKS", "people"})
                   if (auto p = attribute_number(s.attributes, field)) {
                     h.people = std::max(h.people.value_or(0), *p);
                     break;
                   }
               });
  }
  for (const auto& [hh, h] : households) {
    if (h.taken < 1.0) continue;  // a sliver shared along a boundary is no taking
    ++out.affected_households;
    out.taken_m2 += h.taken;
    if (h.people) {
      out.affected_people += *h.people;
    } else {
      out.affected_people += th.people_per_household;
      out.people_estimated = true;
    }
  }
  if (out.affected_households > 0) out.taken_m2_per_household = out.taken_m2 / out.affected_households;
  if (declared_relocations) {
    out.relocated_households = *declared_relocations;
    out.relocation_basis = "declared";
  } else {
    out.relocated_households = th.homestead_m2_per_household > 0
                                   ? std::llround(out.homestead_taken_m2 / th.homestead_m2_per_household)
                                   : 0;
    out.relocation_basis = "estimated";
  }
  return out;
}

}  // namespace gz::services
