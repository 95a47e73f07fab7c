// The vector writer prepares features on the caller's thread and writes them on one of its own:
// every feature arrives, in order, with its attributes and geometry, whatever the driver, and a
// feature the caller cannot prepare stops the export with its name, without hanging.
#include "geo/vector_writer.h"

#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <ogrsf_frmts.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "common/error.h"
#include "common/text_encoding.h"
#include "geo/gdal_support.h"

namespace gz::geo {
namespace {

namespace fs = std::filesystem;

// A 0.001° square at the i-th place of a grid near 117°E 31.5°N, as ISO WKB.
std::string square(int i) {
  double x = 117.0 + (i % 100) * 0.002, y = 31.5 + (i / 100) * 0.002;
  OGRLinearRing ring;
  ring.addPoint(x, y);
  ring.addPoint(x + 0.001, y);
  ring.addPoint(x + 0.001, y + 0.001);
  ring.addPoint(x, y + 0.001);
  ring.addPoint(x, y);
  OGRPolygon poly;
  poly.addRing(&ring);
  std::string wkb(poly.WkbSize(), '\0');
  poly.exportToWkb(wkbNDR, reinterpret_cast<unsigned char*>(wkb.data()), wkbVariantIso);
  return wkb;
}

Attributes attributes_of(int i) {
  return {{"DLBM", std::string(i % 2 ? "0101" : "0201K")},
          {"ZLDWMC", std::string("南山村") + std::to_string(i)},
          {"TBMJ", 1000.5 + i},
          {"BSM", static_cast<std::int64_t>(i)}};
}

std::vector<FieldSpec> fields() {
  return {{"DLBM", "DLBM", FieldType::text, 5},
          {"ZLDWMC", "ZLDWMC", FieldType::text, 20},
          {"TBMJ", "TBMJ", FieldType::real, 24},
          {"BSM", "BSM", FieldType::integer, 20}};
}

class VectorWriterTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    ensure_gdal_registered();
    dir_ = fs::temp_directory_path() / ("gz-vector-writer-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  WriterOptions options() const {
    WriterOptions o;
    o.driver = GetParam();
    o.layer_name = "land_use";
    if (o.driver == std::string("ESRI Shapefile")) o.encoding = "GBK";
    return o;
  }
  std::string path() const {
    return (dir_ / (GetParam() == std::string("GPKG") ? "out.gpkg" : "out.shp")).string();
  }
  fs::path dir_;
};

TEST_P(VectorWriterTest, every_feature_arrives_in_order_with_its_attributes_and_geometry) {
  // More features than the writer holds in flight (batches of 256, 8 queued).
  constexpr int n = 5000;
  {
    VectorWriter w(path(), options(), fields());
    for (int i = 0; i < n; ++i) w.add(square(i), attributes_of(i), "feature " + std::to_string(i));
    w.close();
  }
  auto* ds = static_cast<GDALDataset*>(GDALOpenEx(path().c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr));
  ASSERT_NE(ds, nullptr);
  OGRLayer* layer = ds->GetLayer(0);
  EXPECT_EQ(layer->GetFeatureCount(), n);
  int i = 0;
  for (auto& f : *layer) {
    ASSERT_LT(i, n);
    EXPECT_STREQ(f->GetFieldAsString("DLBM"), i % 2 ? "0101" : "0201K");
    EXPECT_EQ(std::string(f->GetFieldAsString("ZLDWMC")), "南山村" + std::to_string(i));
    EXPECT_DOUBLE_EQ(f->GetFieldAsDouble("TBMJ"), 1000.5 + i);
    EXPECT_EQ(f->GetFieldAsInteger64("BSM"), i);
    OGREnvelope e;
    f->GetGeometryRef()->getEnvelope(&e);
    EXPECT_NEAR(e.MinX, 117.0 + (i % 100) * 0.002, 1e-12);
    EXPECT_NEAR(e.MinY, 31.5 + (i / 100) * 0.002, 1e-12);
    ++i;
  }
  EXPECT_EQ(i, n);
  GDALClose(ds);
}

TEST_P(VectorWriterTest, a_feature_that_cannot_be_read_stops_the_export_with_its_name) {
  try {
    VectorWriter w(path(), options(), fields());
    for (int i = 0; i < 3000; ++i) w.add(square(i), attributes_of(i), "feature " + std::to_string(i));
    w.add("\x01\x03\x00\x00", attributes_of(3000), "BSM 3000");
    FAIL() << "a broken geometry was written";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("BSM 3000 has a geometry GDAL cannot read"), std::string::npos) << e.what();
  }
  // The writer's own thread ended with it: a new writer on another file works as before.
  WriterOptions o = options();
  std::string other = (dir_ / (o.driver == std::string("GPKG") ? "again.gpkg" : "again.shp")).string();
  VectorWriter w(other, o, fields());
  w.add(square(0), attributes_of(0), "feature 0");
  w.close();
  EXPECT_TRUE(fs::exists(other));
}

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(ShapefileEncoding, text_and_chinese_field_names_are_gbk_in_the_dbf_and_the_cpg_says_so) {
  ensure_gdal_registered();
  fs::path dir = fs::temp_directory_path() / ("gz-vector-writer-gbk-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  WriterOptions o;
  o.driver = "ESRI Shapefile";
  o.layer_name = "land_use";
  o.encoding = "GBK";
  std::vector<FieldSpec> f = {{"ZLDWMC", "坐落单位", FieldType::text, 30}};
  {
    VectorWriter w((dir / "out.shp").string(), o, f);
    for (int i = 0; i < 600; ++i) w.add(square(i), {{"ZLDWMC", std::string("南山村")}}, "feature " + std::to_string(i));
    w.close();
  }
  EXPECT_EQ(read_bytes(dir / "out.cpg"), "GBK");
  std::string dbf = read_bytes(dir / "out.dbf");
  EXPECT_NE(dbf.find(encode_text("坐落单位", "GBK")), std::string::npos) << "the field name in GBK";
  EXPECT_NE(dbf.find(encode_text("南山村", "GBK")), std::string::npos) << "the value in GBK";
  EXPECT_EQ(dbf.find("南山村"), std::string::npos) << "no UTF-8 text in a GBK file";
  // Read back through GDAL (which follows the .cpg): UTF-8 again.
  auto* ds = static_cast<GDALDataset*>(GDALOpenEx((dir / "out.shp").c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr));
  ASSERT_NE(ds, nullptr);
  OGRLayer* layer = ds->GetLayer(0);
  EXPECT_EQ(layer->GetFeatureCount(), 600);
  EXPECT_STREQ(layer->GetLayerDefn()->GetFieldDefn(0)->GetNameRef(), "坐落单位");
  std::unique_ptr<OGRFeature> first(layer->GetNextFeature());
  ASSERT_TRUE(first);
  EXPECT_STREQ(first->GetFieldAsString(0), "南山村");
  GDALClose(ds);
  fs::remove_all(dir);
}

TEST(ShapefileEncoding, a_character_gbk_cannot_hold_names_the_feature_field_and_character) {
  ensure_gdal_registered();
  fs::path dir = fs::temp_directory_path() / ("gz-vector-writer-gbk-bad-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  WriterOptions o;
  o.driver = "ESRI Shapefile";
  o.layer_name = "land_use";
  o.encoding = "GBK";
  try {
    VectorWriter w((dir / "out.shp").string(), o, {{"QSDWMC", "QSDWMC", FieldType::text, 30}});
    w.add(square(0), {{"QSDWMC", std::string("南山村")}}, "BSM 1");
    w.add(square(1), {{"QSDWMC", std::string("\xF0\xA0\xAE\xB7家村")}}, "BSM 2");  // 𠮷 (U+20BB7)
    FAIL() << "a character outside GBK was written";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("feature BSM 2, field QSDWMC"), std::string::npos) << m;
    EXPECT_NE(m.find("\xF0\xA0\xAE\xB7"), std::string::npos) << m;
    EXPECT_NE(m.find("GB18030"), std::string::npos) << m;
  }
  // In GB18030 the same text is written.
  o.encoding = "GB18030";
  fs::remove_all(dir);
  fs::create_directories(dir);
  VectorWriter w((dir / "out.shp").string(), o, {{"QSDWMC", "QSDWMC", FieldType::text, 30}});
  w.add(square(1), {{"QSDWMC", std::string("\xF0\xA0\xAE\xB7家村")}}, "BSM 2");
  w.close();
  EXPECT_EQ(read_bytes(dir / "out.cpg"), "GB18030");
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Drivers, VectorWriterTest, ::testing::Values("GPKG", "ESRI Shapefile"),
                         [](const auto& info) {
                           return std::string(info.param) == "GPKG" ? std::string("gpkg") : std::string("shp");
                         });

}  // namespace
}  // namespace gz::geo
