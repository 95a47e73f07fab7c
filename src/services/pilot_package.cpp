#include "services/pilot_package.h"

#include <cmath>
#include <filesystem>

#include "common/error.h"
#include "domain/land_use_classes.h"
#include "domain/survey_fields.h"
#include "geo/ellipsoid.h"
#include "geo/vector_writer.h"
#include "services/land_use_balance.h"
#include "services/overlay.h"
#include "services/staged_output.h"

namespace gz::services {

namespace {

using geo::FieldType;

// A feature of a package layer before it is written.
struct PackageFeature {
  geo::Geometry lonlat;
  Attributes attributes;
};

struct PackageLayer {
  std::string name;
  std::vector<geo::FieldSpec> fields;
  std::vector<PackageFeature> features;
};

geo::FieldSpec field(const char* name, FieldType type, int width = 0) {
  return {name, name, type, width};
}

void put(Attributes& a, const char* name, AttributeValue v) { a.push_back({name, std::move(v)}); }

double round2(double v) { return std::round(v * 100.0) / 100.0; }

std::string class_name(const std::string& code) {
  const auto* c = LandUseClassTable::standard().find(code);
  return c ? c->name_zh : std::string();
}

std::optional<LayerVersion> first_of_kind(storage::Store& store, LayerKind kind) {
  auto list = store.layers_of_kind(kind);
  std::erase_if(list, [](const LayerVersion& v) { return is_scenario_layer(v); });
  if (list.empty()) return std::nullopt;
  return list.front();
}

}  // namespace

PilotPackageResult export_pilot_package(storage::Store& store, const PilotPackageRequest& r) {
  StagedOutput staged(r.output, r.force);
  PilotPackageResult result;
  result.project_id = r.project_id;
  LayerVersion project_layer = r.project_layer.empty()
                                   ? single_layer_of_kind(store, LayerKind::project, "--layer")
                                   : store.layer_version(r.project_layer, std::nullopt);
  LayerVersion land_layer = r.land_use_layer.empty()
                                ? single_layer_of_kind(store, LayerKind::land_use, "--land-use")
                                : store.layer_version(r.land_use_layer, std::nullopt);

  // The project's own features only: its area and its planned changes.
  std::vector<StoredFeature> areas, patches;
  store.scan(project_layer, [&](StoredFeature&& f) {
    if (project_id(f.attributes) != r.project_id) return;
    (planned_to_code(f.attributes) ? patches : areas).push_back(std::move(f));
  });
  if (areas.empty() && patches.empty())
    throw NotFoundError("project '" + r.project_id + "' not found in layer '" + project_layer.layer + "'");
  const Attributes& head = (areas.empty() ? patches : areas).front().attributes;
  result.project_name = attribute_text_any(head, {"XMMC", "project_name", "name"}).value_or("");
  std::string region = attribute_text_any(head, {"XZQDM"}).value_or("");

  UnitedArea united = unite_features(areas.empty() ? patches : areas);
  const Envelope bbox = united.bbox;
  GaussKruger gk(united.gk_epsg);
  Target area(std::move(united.lonlat), gk);

  std::vector<PackageLayer> layers;
  const auto& classes = LandUseClassTable::standard();

  // ZZQY: the consolidation area.
  {
    PackageLayer l{"ZZQY",
                   {field("BSM", FieldType::integer), field("YSDM", FieldType::text, 10),
                    field("ZZQYBH", FieldType::text, 32), field("ZZQYMC", FieldType::text, 200),
                    field("XZQDM", FieldType::text, 12), field("ZZQYMJ", FieldType::real),
                    field("BZ", FieldType::text, 254)},
                   {}};
    Attributes a;
    put(a, "BSM", std::int64_t{1});
    put(a, "ZZQYBH", r.project_id);
    put(a, "ZZQYMC", result.project_name);
    if (!region.empty()) put(a, "XZQDM", region);
    put(a, "ZZQYMJ", round2(area.area_m2()));
    l.features.push_back({area.lonlat().clone(), std::move(a)});
    layers.push_back(std::move(l));
  }

  // SDQYZZHDLTB: the survey's spots inside the area, the changed ground cut out and replaced by
  // the planned classes, piece by surveyed spot so that each piece knows the land it came from.
  LoadedLayer land = load_within(store, land_layer, bbox);
  ZoneSet land_zones(land, gk);
  {
    PackageLayer l{"SDQYZZHDLTB",
                   {field("BSM", FieldType::integer), field("YSDM", FieldType::text, 10),
                    field("ZZQYBH", FieldType::text, 32), field("DLBM", FieldType::text, 5),
                    field("DLMC", FieldType::text, 60), field("ZLDWDM", FieldType::text, 19),
                    field("ZLDWMC", FieldType::text, 60), field("TBMJ", FieldType::real),
                    field("XZGDMJ", FieldType::real), field("XZGDLYDLBM", FieldType::text, 5),
                    field("XZGDLYDLMC", FieldType::text, 60), field("XZGDDB", FieldType::text, 2),
                    field("GHDLBM", FieldType::text, 8), field("GHDLMC", FieldType::text, 60)},
                   {}};
    std::vector<geo::Geometry> changed;
    for (const auto& p : patches) changed.push_back(geo::Geometry::from_wkb(p.wkb));
    geo::Geometry changed_union = changed.empty() ? geo::Geometry::empty_polygon()
                                                  : geo::Geometry::union_all(std::move(changed));
    std::int64_t bsm = 0;
    // `target`: the planned class of a changed piece (nullptr for surveyed ground kept as it is).
    // A 用地用海 target keeps its code and name in GHDLBM / GHDLMC; DLBM holds its 三调 class of
    // the same name, or stays empty when there is none (never guessed).
    auto add = [&](geo::Geometry g, const StoredFeature& spot, const std::string& code,
                   const std::string& source_code, const PlannedTarget* target = nullptr) {
      double m2 = geo::ellipsoidal_area_m2(g);
      if (m2 < 0.01) return;
      Attributes a;
      put(a, "BSM", ++bsm);
      put(a, "ZZQYBH", r.project_id);
      if (!code.empty()) {
        put(a, "DLBM", code);
        put(a, "DLMC", class_name(code));
      }
      if (target && target->planning) {
        put(a, "GHDLBM", target->code);
        put(a, "GHDLMC", target->name_zh);
      }
      if (auto z = attribute_text(spot.attributes, "ZLDWDM")) put(a, "ZLDWDM", *z);
      if (auto z = attribute_text(spot.attributes, "ZLDWMC")) put(a, "ZLDWMC", *z);
      put(a, "TBMJ", round2(m2));
      bool cultivated = target ? target->cultivated : classes.is_cultivated(code);
      bool gained = !source_code.empty() && cultivated && !classes.is_cultivated(source_code);
      put(a, "XZGDMJ", gained ? round2(m2) : 0.0);
      if (gained) {
        put(a, "XZGDLYDLBM", source_code);
        put(a, "XZGDLYDLMC", class_name(source_code));
      }
      l.features.push_back({std::move(g), std::move(a)});
    };
    for (auto& o : land_zones.overlaps(area, true)) {
      const StoredFeature& spot = land_zones.feature(o.zone);
      geo::Geometry kept = changed_union.is_empty() ? std::move(o.lonlat)
                                                    : o.lonlat.difference(changed_union).polygonal_part();
      add(std::move(kept), spot, land_use_code(spot.attributes).value_or(""), "");
    }
    for (const auto& p : patches) {
      Target patch(geo::Geometry::from_wkb(p.wkb), gk);
      auto target = planned_target(p.attributes);
      std::string to = target ? target->survey_code : *planned_to_code(p.attributes);
      for (auto& o : land_zones.overlaps(patch, true)) {
        const StoredFeature& spot = land_zones.feature(o.zone);
        add(std::move(o.lonlat), spot, to, land_use_code(spot.attributes).value_or(""),
            target ? &*target : nullptr);
      }
    }
    layers.push_back(std::move(l));
  }

  // YJJBNTTZTB: permanent basic farmland adjusted by the changes (as the balance sheet counts it).
  {
    PackageLayer l{"YJJBNTTZTB",
                   {field("BSM", FieldType::integer), field("YSDM", FieldType::text, 10),
                    field("ZZQYBH", FieldType::text, 32), field("TZYNDKBH", FieldType::text, 32),
                    field("TZLX", FieldType::text, 4), field("TZQDLBM", FieldType::text, 5),
                    field("TZHDLBM", FieldType::text, 8), field("TZYNDKMJ", FieldType::real),
                    field("BZ", FieldType::text, 254)},
                   {}};
    std::optional<LoadedLayer> pbf;
    std::unique_ptr<ZoneSet> pbf_zones;
    if (auto v = first_of_kind(store, LayerKind::permanent_basic_farmland)) {
      pbf = load_within(store, *v, bbox);
      pbf_zones = std::make_unique<ZoneSet>(*pbf, gk);
    }
    std::int64_t bsm = 0;
    for (const auto& p : patches) {
      Target patch(geo::Geometry::from_wkb(p.wkb), gk);
      auto target = planned_target(p.attributes);
      std::string to = *planned_to_code(p.attributes);
      bool to_cultivated = target ? target->cultivated : classes.is_cultivated(to);
      std::string adjust = attribute_text(p.attributes, "pbf_adjust").value_or("");
      Overlap in_pbf = pbf_zones ? pbf_zones->overlap_union(patch, true) : Overlap{};
      geo::Geometry g;
      std::string type;
      if (adjust == "in") {
        g = in_pbf.lonlat.is_null() || in_pbf.lonlat.is_empty()
                ? patch.lonlat().clone()
                : patch.lonlat().difference(in_pbf.lonlat).polygonal_part();
        type = "调入";
      } else if ((adjust == "out" || !to_cultivated) && in_pbf.area_m2 > 0) {
        g = std::move(in_pbf.lonlat);
        type = "调出";
      } else {
        continue;
      }
      double m2 = geo::ellipsoidal_area_m2(g);
      if (m2 < 0.01) continue;
      Attributes a;
      put(a, "BSM", ++bsm);
      put(a, "ZZQYBH", r.project_id);
      put(a, "TZYNDKBH", p.source_id);
      put(a, "TZLX", type);
      put(a, "TZQDLBM", planned_from_code(p.attributes).value_or(""));
      put(a, "TZHDLBM", to);
      put(a, "TZYNDKMJ", round2(m2));
      if (target && target->planning) put(a, "BZ", "调整后地类为用地用海 " + target->code + " " + target->name_zh);
      l.features.push_back({std::move(g), std::move(a)});
    }
    layers.push_back(std::move(l));
  }

  // CZGHTB: the village plan's zones inside the area.
  {
    PackageLayer l{"CZGHTB",
                   {field("BSM", FieldType::integer), field("YSDM", FieldType::text, 10),
                    field("ZZQYBH", FieldType::text, 32), field("XZQDM", FieldType::text, 12),
                    field("XZQMC", FieldType::text, 60), field("GHDLBM", FieldType::text, 8),
                    field("GHDLMC", FieldType::text, 60), field("GHDLMJ", FieldType::real)},
                   {}};
    // The planned changes whose target is a 用地用海 class are planning spots of their own
    // (GHDLBM, GHDLMC by the classification's Chinese name); the village plan's zones keep the
    // rest of the area, cut where such a change lies.
    std::vector<geo::Geometry> planned;
    std::int64_t bsm = 0;
    for (const auto& p : patches) {
      auto target = planned_target(p.attributes);
      if (!target || !target->planning) continue;
      geo::Geometry g = geo::Geometry::from_wkb(p.wkb).intersection(area.lonlat()).polygonal_part();
      double m2 = geo::ellipsoidal_area_m2(g);
      if (m2 < 0.01) continue;
      planned.push_back(g.clone());
      Attributes a;
      put(a, "BSM", ++bsm);
      put(a, "ZZQYBH", r.project_id);
      if (!region.empty()) put(a, "XZQDM", region);
      put(a, "GHDLBM", target->code);
      put(a, "GHDLMC", target->name_zh);
      put(a, "GHDLMJ", round2(m2));
      l.features.push_back({std::move(g), std::move(a)});
    }
    geo::Geometry planned_union = planned.empty() ? geo::Geometry::empty_polygon()
                                                  : geo::Geometry::union_all(std::move(planned));
    if (auto v = first_of_kind(store, LayerKind::village_plan)) {
      LoadedLayer plan = load_within(store, *v, bbox);
      ZoneSet plan_zones(plan, gk);
      for (auto& o : plan_zones.overlaps(area, true)) {
        const Attributes& z = plan_zones.feature(o.zone).attributes;
        geo::Geometry g = planned_union.is_empty() ? std::move(o.lonlat)
                                                   : o.lonlat.difference(planned_union).polygonal_part();
        double m2 = planned_union.is_empty() ? o.area_m2 : geo::ellipsoidal_area_m2(g);
        if (m2 < 0.01) continue;
        Attributes a;
        put(a, "BSM", ++bsm);
        put(a, "ZZQYBH", r.project_id);
        if (auto s = attribute_text(z, "XZQDM")) put(a, "XZQDM", *s);
        if (auto s = attribute_text(z, "XZQMC")) put(a, "XZQMC", *s);
        if (auto s = attribute_text(z, "GHDLBM")) put(a, "GHDLBM", *s);
        if (auto s = attribute_text_any(z, {"GHDLMC", "YDYT"})) put(a, "GHDLMC", *s);
        put(a, "GHDLMJ", round2(m2));
        l.features.push_back({std::move(g), std::move(a)});
      }
    }
    layers.push_back(std::move(l));
  }

  // Written: one File Geodatabase with the four layers, or four Shapefiles in a directory.
  std::filesystem::path out = staged.file_path();
  bool gdb = out.extension() == ".gdb";
  if (!gdb) std::filesystem::create_directories(out);
  bool first = true;
  for (auto& l : layers) {
    geo::WriterOptions o;
    o.layer_name = l.name;
    o.multi_polygon = true;
    o.driver = gdb ? "OpenFileGDB" : "ESRI Shapefile";
    o.encoding = gdb ? "" : r.encoding;
    o.add_layer = gdb && !first;
    std::string path = gdb ? out.string() : (out / (l.name + ".shp")).string();
    geo::VectorWriter w(path, o, l.fields);
    for (auto& f : l.features) w.add(f.lonlat.wkb(), f.attributes, l.name);
    w.close();
    result.features[l.name] = static_cast<std::int64_t>(l.features.size());
    first = false;
  }
  staged.publish();
  return result;
}

}  // namespace gz::services
