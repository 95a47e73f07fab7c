#include "services/export_layer.h"

#include <xlsxwriter.h>

#include <filesystem>
#include <unordered_map>

#include "common/error.h"
#include "domain/coordinate_txt.h"
#include "geo/coordinate_txt_writer.h"
#include "geo/crs.h"
#include "geo/ellipsoid.h"
#include "geo/geometry.h"
#include "geo/vector_writer.h"
#include "services/staged_output.h"
#include "storage/attributes_json.h"
#include "storage/layer_schema.h"

namespace gz::services {

namespace fs = std::filesystem;

namespace {

constexpr std::pair<ExportFormat, std::string_view> kFormats[] = {
    {ExportFormat::gpkg, "gpkg"}, {ExportFormat::shp, "shp"},   {ExportFormat::gdb, "gdb"},
    {ExportFormat::geojson, "geojson"}, {ExportFormat::csv, "csv"}, {ExportFormat::xlsx, "xlsx"},
    {ExportFormat::txt, "txt"}};

// The schema as the writers take it: the fields as GDAL field specs, found by name.
struct ExportSchema {
  LayerSchema layer;
  std::vector<geo::FieldSpec> fields;
  std::unordered_map<std::string, std::size_t> index;

  explicit ExportSchema(LayerSchema s) : layer(std::move(s)) {
    for (const auto& f : layer.fields) {
      geo::FieldType t = f.type == AttributeType::integer ? geo::FieldType::integer
                         : f.type == AttributeType::real  ? geo::FieldType::real
                                                          : geo::FieldType::text;
      index.emplace(f.name, fields.size());
      fields.push_back({f.name, f.name, t, f.width});
    }
  }
  std::int64_t count() const { return layer.count; }
};

using FeatureVisitor = std::function<void(StoredFeature&&)>;
using FeatureScan = std::function<void(const FeatureVisitor&)>;

double center_longitude(const ExportSchema& s) {
  return (s.layer.extent.minx + s.layer.extent.maxx) / 2;
}

std::string xlsx_error(lxw_error e) { return lxw_strerror(e); }

void write_xlsx(const FeatureScan& scan, const std::string& name, const ExportSchema& schema,
                const std::string& path, const ExportProgress& progress, std::int64_t& done) {
  lxw_workbook_options wo{};
  wo.constant_memory = LXW_TRUE;  // rows go to disk as written
  lxw_workbook* wb = workbook_new_opt(path.c_str(), &wo);
  if (!wb) throw Error("cannot create " + path);
  lxw_worksheet* ws = workbook_add_worksheet(wb, name.substr(0, 31).c_str());
  lxw_format* bold = workbook_add_format(wb);
  format_set_bold(bold);
  lxw_col_t col = 0;
  worksheet_write_string(ws, 0, col++, "要素编号", bold);
  for (const auto& f : schema.fields) worksheet_write_string(ws, 0, col++, f.name.c_str(), bold);
  for (const char* h : {"椭球面积(平方米)", "面积(公顷)", "面积(亩)"}) worksheet_write_string(ws, 0, col++, h, bold);
  lxw_row_t row = 0;
  scan([&](StoredFeature&& f) {
    ++row;
    if (row > 1048575) throw Error("an xlsx sheet holds at most 1,048,575 rows; export the layer as gpkg or csv");
    worksheet_write_string(ws, row, 0, f.source_id.c_str(), nullptr);
    for (const auto& a : f.attributes) {
      auto it = schema.index.find(a.name);
      if (it == schema.index.end()) continue;
      auto c = static_cast<lxw_col_t>(1 + it->second);
      if (const auto* i = std::get_if<std::int64_t>(&a.value))
        worksheet_write_number(ws, row, c, static_cast<double>(*i), nullptr);
      else if (const auto* d = std::get_if<double>(&a.value))
        worksheet_write_number(ws, row, c, *d, nullptr);
      else if (const auto* s = std::get_if<std::string>(&a.value))
        worksheet_write_string(ws, row, c, s->c_str(), nullptr);
    }
    double m2 = geo::ellipsoidal_area_m2(geo::Geometry::from_wkb(f.wkb));
    auto c = static_cast<lxw_col_t>(1 + schema.fields.size());
    worksheet_write_number(ws, row, c, m2, nullptr);
    worksheet_write_number(ws, row, c + 1, m2 / 10000.0, nullptr);
    worksheet_write_number(ws, row, c + 2, m2 / (10000.0 / 15.0), nullptr);
    if (progress && ++done % 1000 == 0) progress(done, schema.count());
  });
  lxw_error e = workbook_close(wb);
  if (e != LXW_NO_ERROR) throw Error("cannot write " + path + ": " + xlsx_error(e));
}

}  // namespace

ExportFormat parse_export_format(std::string_view text) {
  for (auto [f, name] : kFormats)
    if (name == text) return f;
  throw UsageError("unknown export format '" + std::string(text) +
                   "'; use gpkg, shp, gdb, geojson, csv, xlsx or txt");
}

std::string_view to_string(ExportFormat f) {
  for (auto [g, name] : kFormats)
    if (g == f) return name;
  return "?";
}

namespace {

using ProjectInfo = std::vector<std::pair<std::string, std::string>>;

// The [项目信息] of a TXT of one project's plots: each key of the format whose attribute every
// feature gives the same value; nothing unless they share their project code (XMBH).
ProjectInfo common_project_info(const std::vector<StoredFeature>& features) {
  ProjectInfo out;
  if (features.empty()) return out;
  for (const auto& pf : coordinate_txt_project_fields()) {
    auto value = attribute_text(features.front().attributes, pf.field);
    bool common = value && !value->empty();
    for (const auto& f : features)
      if (!common || attribute_text(f.attributes, pf.field) != value) common = false;
    if (common) out.emplace_back(pf.key, *value);
    else if (pf.field == "XMBH") return {};
  }
  return out;
}

// Writes the features `scan` visits (once: the schema is given) as `r` asks, under the layer
// name `name`; the output appears once complete.
void write_features(const std::string& name, ExportSchema& schema, const FeatureScan& scan,
                    const ExportRequest& r, ExportResult& result, const ExportProgress& progress,
                    const ProjectInfo& project_info = {}) {
  StagedOutput staged(r.output, r.force);
  std::string encoding = r.encoding.empty() ? "GBK" : r.encoding;
  fs::path file = staged.file_path();
  std::int64_t done = 0;
  auto tick = [&] {
    if (progress && ++done % 1000 == 0) progress(done, schema.count());
  };

  if (r.format == ExportFormat::txt) {
    int zone = 0;
    if (r.srs.empty() || r.srs == "auto") {
      if (schema.count() == 0) throw InputError("layer " + name + " holds no features to export");
      zone = geo::gauss_kruger_3deg_central_meridian(center_longitude(schema)) / 3;
    } else {
      int epsg = 0;
      if (r.srs.rfind("EPSG:", 0) == 0) epsg = std::atoi(r.srs.c_str() + 5);
      zone = geo::cgcs2000_gk3_zone_of_epsg(epsg);
      if (!zone)
        throw UsageError("a coordinate TXT is written in a CGCS2000 3-degree Gauss-Kruger zone: "
                         "--srs EPSG:4513–4554 or --zone auto, not '" + r.srs + "'");
    }
    result.srs = "EPSG:" + std::to_string(4534 + zone - 25) + " (zone " + std::to_string(zone) + ")";
    geo::CoordinateTxtWriter w(file.string(), zone, encoding, 4, project_info);
    scan([&](StoredFeature&& f) {
      w.add(f.wkb, f.attributes, f.source_id);
      tick();
    });
    w.close();
  } else if (r.format == ExportFormat::xlsx) {
    result.srs = "EPSG:4490";
    write_xlsx(scan, name, schema, file.string(), progress, done);
  } else {
    geo::WriterOptions o;
    o.layer_name = name;
    o.multi_polygon = schema.layer.multi || r.format == ExportFormat::gdb;
    o.srs = r.srs.empty() ? "EPSG:4490"
            : r.srs == "auto"
                ? (schema.count() ? "EPSG:" + std::to_string(geo::gauss_kruger_3deg_epsg(center_longitude(schema)))
                                : "EPSG:4490")
                : r.srs;
    result.srs = o.srs;
    switch (r.format) {
      case ExportFormat::gpkg: o.driver = "GPKG"; break;
      case ExportFormat::shp: {
        o.driver = "ESRI Shapefile";
        o.encoding = encoding;
        std::vector<std::string> names;
        for (const auto& f : schema.fields) names.push_back(f.name);
        auto short_names = geo::shapefile_field_names(names, encoding);
        for (std::size_t i = 0; i < names.size(); ++i) {
          schema.fields[i].output_name = short_names[i];
          if (short_names[i] != names[i]) result.renamed_fields.emplace_back(names[i], short_names[i]);
        }
        break;
      }
      case ExportFormat::gdb: o.driver = "OpenFileGDB"; break;
      case ExportFormat::geojson: o.driver = "GeoJSON"; break;
      default: o.driver = "CSV"; break;
    }
    geo::VectorWriter w(file.string(), o, schema.fields);
    scan([&](StoredFeature&& f) {
      // Features of the store come undecoded (see export_layer); those made in memory decoded.
      if (f.attributes.empty()) w.add_stored(f.wkb, f.bbox, f.attributes_json, f.source_id);
      else w.add(f.wkb, f.attributes, f.source_id);
      tick();
    });
    w.close();
  }
  staged.publish();
  result.features = schema.count();
  if (progress) progress(schema.count(), schema.count());
}

}  // namespace

LayerSchema read_layer_schema(storage::Store& store, const LayerVersion& v) {
  storage::LayerSchemaBuilder schema;
  storage::Store::ScanOptions options;
  options.decode_attributes = false;
  // Features of one layer mostly share their attribute text's shape; decode each text once
  // it differs from the last one (same text, same names and types).
  std::string last;
  options.keep_attributes_json = [&](std::string_view json) {
    if (json != last) {
      schema.inspect(storage::decode_attributes(json));
      last.assign(json);
    }
    return false;
  };
  store.scan(v, [&](StoredFeature&& f) { schema.measure(f.wkb, f.bbox); }, options);
  return schema.finish();
}

ExportResult export_layer(storage::Store& store, const ExportRequest& r,
                          const ExportProgress& progress) {
  storage::validate_layer_name(r.layer);
  ExportResult result;
  result.version = store.layer_version(r.layer, r.version);
  const LayerVersion v = result.version;
  // Refused before the store is read: an existing output without --force.
  if (!r.force && fs::exists(r.output)) StagedOutput check(r.output, false);
  // Recorded when the version was written: the features are read once, by the writer.
  std::optional<LayerSchema> recorded = store.layer_schema(v);
  result.schema_read = !recorded;
  ExportSchema schema(recorded ? std::move(*recorded) : read_layer_schema(store, v));
  // The GIS writers take the stored attribute text as it is (geo::VectorWriter::add_stored);
  // the others read decoded attributes.
  storage::Store::ScanOptions options;
  options.decode_attributes = r.format == ExportFormat::txt || r.format == ExportFormat::xlsx;
  write_features(v.layer, schema, [&](const FeatureVisitor& visit) { store.scan(v, visit, options); }, r,
                 result, progress);
  return result;
}

ExportResult export_features(const std::string& name, std::vector<StoredFeature> features,
                             const ExportRequest& r) {
  ExportResult result;
  result.version.layer = name;
  storage::LayerSchemaBuilder builder;
  for (const auto& f : features) {
    builder.inspect(f.attributes);
    builder.measure(f.wkb, f.bbox);
  }
  ExportSchema schema(builder.finish());
  ProjectInfo info = common_project_info(features);
  write_features(name, schema, [&](const FeatureVisitor& visit) {
    for (auto f : features) visit(std::move(f));
  }, r, result, {}, info);
  return result;
}

}  // namespace gz::services
