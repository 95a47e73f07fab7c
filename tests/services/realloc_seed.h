// A unit whose reallocation provably cannot keep every household's value exactly: the demo's
// parcels plus a lone parcel of household H00001, about 23.6 m × 22.2 m (≈ 524 m², below the
// minimum parcel of 667 m² but wide enough), some 280 m east of the farmland, touching nothing.
// That parcel can become no workable parcel (too small, and no pooled land next to it to join),
// so its land is left to the collective as a remnant and the moving households share its loss:
// the land handed out is worth less than their entitlements, so at least one of them loses at
// least the remnant's share of the pool, far more than a billionth (docs/realloc.md, "Model", 3).
#pragma once

#include <algorithm>
#include <string>

#include "domain/layer.h"
#include "geo/geometry.h"
#include "services/realloc.h"
#include "storage/store.h"

namespace gz::test {

inline LayerVersion write_demo_with_a_lone_small_parcel(storage::Store& store, const std::string& layer,
                                                        int households, int parcels, std::uint64_t seed) {
  const std::string demo = layer + "_demo";
  auto v = services::write_demo_parcels(store, demo, households, parcels, seed);
  auto features = store.read_all(v, {});
  auto w = store.begin_layer_version({layer, LayerKind::parcel, "test", "EPSG:4490"});
  double maxx = -1e9, miny = 1e9;
  Attributes lone;
  for (const auto& f : features) {
    w->add(f.source_id, f.wkb, f.bbox, f.attributes);
    maxx = std::max(maxx, f.bbox.maxx);
    miny = std::min(miny, f.bbox.miny);
    const auto* h = find_attribute(f.attributes, "CBFBM");
    if (lone.empty() && h && *h == AttributeValue(std::string("H00001"))) lone = f.attributes;
  }
  // 0.00025° of longitude × 0.0002° of latitude at 31.8° N: 23.6 m × 22.2 m.
  const double x0 = maxx + 0.003, y0 = miny;
  auto g = geo::Geometry::polygon({{{x0, y0}, {x0 + 0.00025, y0}, {x0 + 0.00025, y0 + 0.0002},
                                    {x0, y0 + 0.0002}, {x0, y0}}});
  w->add("LONE", g.wkb(), g.envelope(), lone);
  return w->commit();
}

}  // namespace gz::test
