#include "services/import_layer.h"

#include <cstdio>

#include "common/error.h"
#include "domain/survey_fields.h"
#include "geo/geometry.h"

namespace gz::services {

namespace {
std::string coord_text(double x, double y) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "(%.7f %.7f)", x, y);
  return buf;
}

void check_kind_attributes(const ImportRequest& r, const geo::SourceFeature& f) {
  const std::string& file = r.source_path;
  switch (r.kind) {
    case LayerKind::land_use:
      if (auto p = land_use_spot_problem(f.attributes)) throw InputError(file, f.source_id, p->field, p->reason);
      break;
    case LayerKind::village_plan:
      if (auto p = village_plan_zone_problem(f.attributes)) throw InputError(file, f.source_id, p->field, p->reason);
      break;
    case LayerKind::project: {
      if (!project_id(f.attributes))
        throw InputError(file, f.source_id, "XMBH",
                         "a project layer needs the project id (field XMBH, or 'project_id')");
      if (auto p = planned_change_problem(f.attributes)) throw InputError(file, f.source_id, p->field, p->reason);
      break;
    }
    case LayerKind::region:
    case LayerKind::consolidation_unit:
      if (!zone_code(f.attributes))
        throw InputError(file, f.source_id, "code",
                         std::string("a ") + std::string(to_string(r.kind)) +
                             " layer needs a code (field XZQDM/DYBH, or 'code')");
      break;
    default:
      break;
  }
}
}  // namespace

ImportResult import_layer(storage::Store& store, const ImportRequest& r, const Progress& progress) {
  storage::validate_layer_name(r.layer);
  std::unique_ptr<geo::FeatureSource> opened = geo::open_feature_source(r.source_path, r.source);
  geo::FeatureSource& source = *opened;
  std::int64_t total = source.feature_count();

  auto writer = store.begin_layer_version(
      {r.layer, r.kind, r.source_path, source.declared_srs()});
  ImportResult result;
  geo::SourceFeature f;
  std::int64_t done = 0;
  while (source.next(f)) {
    if (f.geometry.is_null())
      throw InputError(r.source_path, f.source_id, "", "the feature has no geometry (null or empty)");
    if (!f.geometry.is_polygonal())
      throw InputError(r.source_path, f.source_id, "",
                       "the geometry is a " + f.geometry.type_name() + "; a " +
                           std::string(to_string(r.kind)) + " layer holds polygons");
    geo::Validity v = f.geometry.validity();
    if (!v.valid) {
      if (!r.repair)
        throw InputError(r.source_path, f.source_id, "",
                         "invalid geometry: " + v.reason +
                             (v.has_location ? " at " + coord_text(v.x, v.y) : std::string()) +
                             "; fix the source or pass --repair (GEOS MakeValid)");
      geo::Geometry fixed = f.geometry.make_valid().polygonal_part();
      if (fixed.is_empty())
        throw InputError(r.source_path, f.source_id, "",
                         "invalid geometry (" + v.reason + ") that has no area once repaired");
      f.geometry = std::move(fixed);
      ++result.repaired;
    }
    Envelope e = f.geometry.envelope();
    if (e.minx < 73 || e.maxx > 136 || e.miny < 3 || e.maxy > 54)
      throw InputError(r.source_path, f.source_id, "",
                       "coordinates " + coord_text(e.minx, e.miny) + " lie outside China once " +
                           "transformed from " + source.declared_srs() +
                           " to EPSG:4490; is the declared CRS (or --srs) right?");
    check_kind_attributes(r, f);
    writer->add(f.source_id, f.geometry.wkb(), e, f.attributes);
    ++done;
    if (progress && (done % 1000 == 0)) progress(done, total);
  }
  if (done == 0) throw InputError(r.source_path, "", "", "the source holds no features");
  result.version = writer->commit();
  result.warnings = source.warnings();
  if (progress) progress(done, done);
  return result;
}

}  // namespace gz::services
