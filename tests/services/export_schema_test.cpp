// The schema a version records when it is written (fields, types, widths, extent, parts) is the
// one an export used to learn by reading every feature, on both backends and for every kind of
// writer (an import, the demo county, a writer handed odd attributes), and an export that uses
// it writes the same file, field for field and feature for feature, as one that reads the
// features twice (a version written before schemas were recorded, whose schema is NULL).
#include <gtest/gtest.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>
#include <sqlite3.h>

#include <cmath>
#include <limits>

#include "../storage/store_backends.h"
#include "geo/geometry.h"
#include "services/demo_county.h"
#include "services/export_layer.h"
#include "services/import_layer.h"
#include "storage/layer_schema.h"
#include "storage/store.h"

namespace gz::test {
namespace {

using services::ExportFormat;

std::string describe(const LayerSchema& s) {
  std::string out;
  for (const auto& f : s.fields)
    out += f.name + ":" + std::to_string(static_cast<int>(f.type)) + ":" + std::to_string(f.width) + " ";
  char buf[200];
  std::snprintf(buf, sizeof buf, "extent %.17g %.17g %.17g %.17g multi %d count %lld", s.extent.minx,
                s.extent.miny, s.extent.maxx, s.extent.maxy, s.multi ? 1 : 0,
                static_cast<long long>(s.count));
  return out + buf;
}

// Everything a reader of `path` sees: the layer's geometry type, CRS, field definitions (name,
// type, width) and every feature's field values and geometry, as text.
std::string read_back(const std::string& path) {
  GDALAllRegister();
  std::unique_ptr<GDALDataset> ds(static_cast<GDALDataset*>(
      GDALOpenEx(path.c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr)));
  if (!ds) return "cannot open " + path;
  std::string out;
  for (auto* layer : ds->GetLayers()) {
    OGRFeatureDefn* d = layer->GetLayerDefn();
    // Not the layer's name: a Shapefile's is its file's.
    out += std::string("layer ") + OGRGeometryTypeToName(d->GetGeomType());
    if (auto* srs = layer->GetSpatialRef()) {
      char* wkt = nullptr;
      srs->exportToWkt(&wkt);
      out += std::string(" ") + wkt;
      CPLFree(wkt);
    }
    out += "\n";
    for (int i = 0; i < d->GetFieldCount(); ++i) {
      OGRFieldDefn* f = d->GetFieldDefn(i);
      out += std::string("field ") + f->GetNameRef() + " " + OGRFieldDefn::GetFieldTypeName(f->GetType()) +
             " " + std::to_string(f->GetWidth()) + "\n";
    }
    for (auto& f : *layer) {
      out += "feature";
      for (int i = 0; i < d->GetFieldCount(); ++i)
        out += std::string(" ") + (f->IsFieldSetAndNotNull(i) ? f->GetFieldAsString(i) : "NULL");
      if (auto* g = f->GetGeometryRef()) {
        char* wkt = nullptr;
        g->exportToWkt(&wkt, wkbVariantIso);
        out += std::string(" ") + wkt;
        CPLFree(wkt);
      }
      out += "\n";
    }
  }
  return out;
}

class ExportSchemaTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    store_ = storage::Store::open(location(), {.create = true});
  }

  // The recorded schema exists and equals the one learnt by reading the features.
  void expect_recorded_equals_read(const LayerVersion& v) {
    auto recorded = store_->layer_schema(v);
    ASSERT_TRUE(recorded) << v.layer << " has no recorded schema";
    LayerSchema read = services::read_layer_schema(*store_, v);
    EXPECT_EQ(describe(*recorded), describe(read)) << v.layer;
  }

  // Exports `v` as `format` with its recorded schema and again after forgetting it; both files
  // read back the same. Returns the first file's content.
  std::string expect_same_export(const LayerVersion& v, ExportFormat format, const std::string& ext) {
    services::ExportRequest r;
    r.layer = v.layer;
    r.version = v.version;
    r.format = format;
    r.output = at(v.layer + "-recorded." + ext);
    auto with = services::export_layer(*store_, r);
    EXPECT_FALSE(with.schema_read) << "the recorded schema is used";
    where_->exec("UPDATE layer_version SET feature_schema = NULL WHERE id = " + std::to_string(v.id));
    EXPECT_FALSE(store_->layer_schema(v)) << "a version without a schema";
    r.output = at(v.layer + "-read." + ext);
    auto without = services::export_layer(*store_, r);
    EXPECT_TRUE(without.schema_read) << "a version without a schema is read first";
    EXPECT_EQ(with.features, without.features);
    EXPECT_EQ(with.srs, without.srs);
    EXPECT_EQ(with.renamed_fields, without.renamed_fields);
    std::string a = read_back(at(v.layer + "-recorded." + ext)), b = read_back(at(v.layer + "-read." + ext));
    EXPECT_EQ(a, b) << ext;
    if (ext == "gpkg") {
      // The packed spatial index is a valid R*Tree holding every feature.
      for (const char* kind : {"-recorded.", "-read."}) {
        sqlite3* db = nullptr;
        if (sqlite3_open_v2(at(v.layer + kind + ext).c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
          ADD_FAILURE() << "cannot open " << v.layer << kind << ext;
          sqlite3_close(db);
          continue;
        }
        auto one = [&](const std::string& sql) {
          sqlite3_stmt* st = nullptr;
          std::string out;
          if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
            out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
          sqlite3_finalize(st);
          return out;
        };
        const std::string rtree = "rtree_" + v.layer + "_geom";
        EXPECT_EQ(one("SELECT rtreecheck('" + rtree + "')"), "ok") << kind;
        EXPECT_EQ(one("SELECT count(*) FROM \"" + rtree + "\""), std::to_string(with.features)) << kind;
        EXPECT_EQ(one("SELECT feature_count FROM gpkg_ogr_contents"), std::to_string(with.features)) << kind;
        sqlite3_close(db);
      }
    }
    return a;
  }

  std::unique_ptr<storage::Store> store_;
};

// Attributes a writer may be handed that the stored text shows otherwise: a name twice (the
// last value is kept), a NaN (null), bytes that are not UTF-8 (replaced); a field only ever
// null, integers widened to real, text widths in bytes; one feature of two parts.
TEST_P(ExportSchemaTest, a_writer_records_the_schema_reading_would_find) {
  // A writer holds the store until it is gone: written in a scope of its own.
  auto w = store_->begin_layer_version({"odd", LayerKind::land_use, "test", "EPSG:4490"});
  std::string two_parts = square_wkb(117.02, 31.0, 0.001);
  {
    // A MultiPolygon of two squares, little-endian WKB.
    std::string a = square_wkb(117.02, 31.0, 0.001), b = square_wkb(117.03, 31.0, 0.001);
    std::string multi("\x01\x06\x00\x00\x00\x02\x00\x00\x00", 9);
    two_parts = multi + a + b;
  }
  double nan = std::numeric_limits<double>::quiet_NaN();
  // The bounding box a writer is handed is the geometry's envelope.
  auto add = [&](const std::string& id, const std::string& wkb, const Attributes& a) {
    w->add(id, wkb, geo::Geometry::from_wkb(wkb).envelope(), a);
  };
  add("1", square_wkb(117.0, 31.0, 0.001),
      {{"BSM", std::int64_t{1}}, {"DLMC", std::string("水田")}, {"EMPTY", std::monostate{}},
       {"TBMJ", std::int64_t{12}}});
  add("2", two_parts,
      {{"BSM", std::int64_t{2}}, {"DLMC", std::string("乔木林地")}, {"EMPTY", std::monostate{}},
       {"TBMJ", 99.25}, {"BAD", std::string("a\xff\xfe")}});
  std::string last = square_wkb(117.05, 31.0, 0.001);
  add("3", last,
      {{"BSM", std::int64_t{3}}, {"DUP", std::string("a much longer first value")},
       {"DUP", std::int64_t{7}}, {"NAN", nan}, {"名\xff", std::string("x")}});
  LayerVersion v = w->commit();
  w.reset();
  expect_recorded_equals_read(v);
  auto recorded = *store_->layer_schema(v);
  EXPECT_TRUE(recorded.multi);
  EXPECT_EQ(recorded.count, 3);
  EXPECT_EQ(recorded.extent.maxx, geo::Geometry::from_wkb(last).envelope().maxx);
  std::map<std::string, AttributeField> by_name;
  for (const auto& f : recorded.fields) by_name[f.name] = f;
  EXPECT_EQ(by_name["EMPTY"].type, AttributeType::text) << "never a value";
  EXPECT_EQ(by_name["TBMJ"].type, AttributeType::real) << "integers widened by a double";
  EXPECT_EQ(by_name["DLMC"].width, 12) << "乔木林地 in UTF-8 bytes";
  EXPECT_EQ(by_name["DUP"].type, AttributeType::integer) << "the stored object keeps the last value";
  EXPECT_NE(by_name["BAD"].width, 3) << "the stored text (bytes not UTF-8 replaced), not the bytes given";
  expect_same_export(v, ExportFormat::gpkg, "gpkg");
}

TEST_P(ExportSchemaTest, an_import_records_the_schema_and_exports_the_same_files_from_it) {
  std::string src = at("dltb.geojson");
  write_file(src, feature_collection({
      {R"({"BSM":1,"DLBM":"0101","DLMC":"水田","TBMJ":1234,"QSDWMC":"东村村民委员会","NOTE":null})",
       square(117.0, 31.0, 0.002)},
      {R"({"BSM":2,"DLBM":"0103","DLMC":"旱地","TBMJ":99.25,"QSDWMC":null,"NOTE":null})",
       R"({"type":"MultiPolygon","coordinates":[[[[117.01,31.0],[117.011,31.0],[117.011,31.001],[117.01,31.001],[117.01,31.0]]],[[[117.02,31.0],[117.021,31.0],[117.021,31.001],[117.02,31.001],[117.02,31.0]]]]})"},
      {R"({"BSM":3,"DLBM":"0301","DLMC":"乔木林地","TBMJ":0.125,"QSDWMC":"西村","NOTE":null,"权属单位代码甲":"3413"})",
       square(117.03, 31.0, 0.001)},
  }));
  services::ImportRequest req;
  req.layer = "dltb";
  req.kind = LayerKind::land_use;
  req.source_path = src;
  LayerVersion v = services::import_layer(*store_, req).version;
  expect_recorded_equals_read(v);
  std::string gpkg = expect_same_export(v, ExportFormat::gpkg, "gpkg");
  EXPECT_NE(gpkg.find("layer Multi Polygon"), std::string::npos) << gpkg;
  EXPECT_NE(gpkg.find("field TBMJ Real"), std::string::npos) << gpkg;
  EXPECT_NE(gpkg.find("field NOTE String"), std::string::npos) << gpkg;
  // The Shapefile's DBF widths come from the text widths; its names are cut to 10 bytes.
  LayerVersion v2 = services::import_layer(*store_, req).version;
  std::string shp = expect_same_export(v2, ExportFormat::shp, "shp");
  EXPECT_NE(shp.find("field 权属单位代"), std::string::npos) << "a DBF name of 10 bytes: " << shp;
}

TEST_P(ExportSchemaTest, the_demo_county_records_the_schema_of_every_layer) {
  services::generate_demo_county(*store_, {.polygons = 1000, .seed = 3});
  for (const auto& v : store_->layers()) expect_recorded_equals_read(v);
  auto land_use = store_->layer_version("land_use", std::nullopt);
  expect_same_export(land_use, ExportFormat::shp, "shp");
}

TEST_P(ExportSchemaTest, an_empty_version_records_an_empty_schema) {
  LayerVersion v = store_->begin_layer_version({"empty", LayerKind::land_use, "test", "EPSG:4490"})->commit();
  expect_recorded_equals_read(v);
  EXPECT_EQ(store_->layer_schema(v)->count, 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, ExportSchemaTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
