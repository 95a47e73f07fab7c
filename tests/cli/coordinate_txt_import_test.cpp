// `gongzhi import` of the ministry's coordinate TXT (部标准格式 界址点坐标文件) as agencies send
// it: GBK with CRLF, UTF-16 with BOM, UTF-8; Y with and without the zone prefix; holes and
// multi-part plots by 圈号; the header variants; 1980西安 with its 7 parameters; and every bad
// input refused with its line number while the database stays as it was.
#include <gtest/gtest.h>
#include <iconv.h>
#include <proj.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "../test_support.h"

namespace gz::test {
namespace {

using nlohmann::json;

// Bytes of UTF-8 `text` in `encoding`, converted by glibc's iconv (as a county's tool would
// have written them).
std::string encoded(const std::string& text, const char* encoding) {
  iconv_t cd = iconv_open(encoding, "UTF-8");
  std::string out(text.size() * 4 + 16, '\0');
  char* in = const_cast<char*>(text.data());
  std::size_t in_left = text.size(), out_left = out.size();
  char* dst = out.data();
  std::size_t rc = iconv(cd, &in, &in_left, &dst, &out_left);
  iconv_close(cd);
  EXPECT_NE(rc, static_cast<std::size_t>(-1)) << "cannot encode the fixture in " << encoding;
  out.resize(out.size() - out_left);
  return out;
}

std::string crlf(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

// Rows of a square ring (closed by repeating its first point) with its lower-left corner at
// (northing x, easting e), Y written with `prefix` ("39" or "").
std::string square_rows(int ring, double x, double e, double size, const std::string& prefix,
                        int& point_no) {
  std::string out;
  double pts[5][2] = {{x, e}, {x + size, e}, {x + size, e + size}, {x, e + size}, {x, e}};
  for (auto& p : pts) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "J%d,%d,%.3f,%s%.3f\n", ++point_no, ring, p[0],
                  prefix.c_str(), p[1]);
    out += buf;
  }
  return out;
}

std::string properties(const std::string& datum, const std::string& zone,
                       const std::string& shift = "") {
  return "[属性描述]\n格式版本号=1.0\n数据产生单位=某县自然资源局\n坐标系=" + datum +
         "\n几度分带=3\n投影类型=高斯克吕格\n计量单位=米\n带号=" + zone +
         "\n精度=0.01\n转换参数=" + shift + "\n";
}

// Two plots in CGCS2000 zone 39 (CM 117E): DK001 a 100 m square with a 20 m hole (圈号 2 inside),
// DK002 two 50 m squares (圈号 2 outside the first: a second part).
std::string two_plots(const std::string& prefix, const std::string& zone = "39") {
  int n = 0;
  std::string hole;
  std::string out = "[项目信息]\n项目名称=某村全域土地综合整治\n" + properties("2000国家大地坐标系", zone) +
                    "[地块坐标]\n10,0.9599,DK001,东片水田,面,H50G001001,耕地,0101,@\n";
  out += square_rows(1, 3500000, 440000, 100, prefix, n);
  out += square_rows(2, 3500040, 440040, 20, prefix, n);
  n = 0;
  out += "10,0.5000,DK002,西片旱地,面,H50G001001,耕地,0103,@\n";
  out += square_rows(1, 3500000, 440300, 50, prefix, n);
  out += square_rows(2, 3500000, 440400, 50, prefix, n);
  return out;
}

// lon/lat of a CGCS2000 zone-39 point as PROJ computes it (EPSG:4548, CM 117E).
std::pair<double, double> cgcs2000_lonlat(double northing, double easting) {
  PJ_CONTEXT* ctx = proj_context_create();
  PJ* op = proj_create_crs_to_crs(ctx, "EPSG:4548", "EPSG:4490", nullptr);
  PJ* norm = proj_normalize_for_visualization(ctx, op);
  PJ_COORD c = proj_trans(norm, PJ_FWD, proj_coord(easting, northing, 0, 0));
  proj_destroy(norm);
  proj_destroy(op);
  proj_context_destroy(ctx);
  return {c.xy.x, c.xy.y};
}

class CoordinateTxtImportTest : public TempDirTest {
 protected:
  RunResult import_txt(const std::string& db, const std::string& file,
                       std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"import", "--db", db, "--layer", "dk", "--kind", "land_use", file};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  }

  // The TXT `content` must be refused with one error line naming `line` and each of `mentions`,
  // and the database must stay exactly as it was.
  void expect_refused(const std::string& content, int line, const std::vector<std::string>& mentions,
                      const std::vector<std::string>& extra = {}) {
    std::string db = at("county.sqlite");
    std::string seed = at("seed.txt");
    write_file(seed, two_plots("39"));
    ASSERT_EQ(import_txt(db, seed).exit_code, 0);
    std::string before = dump_database(db);
    std::string bad = at("bad.txt");
    write_file(bad, content);
    RunResult r = import_txt(db, bad, extra);
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    auto lines = r.error_lines();
    ASSERT_EQ(lines.size(), 1u) << r.describe();
    EXPECT_NE(lines[0].find(bad + ": line " + std::to_string(line) + ":"), std::string::npos)
        << lines[0];
    for (const auto& m : mentions) EXPECT_NE(lines[0].find(m), std::string::npos) << lines[0];
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(dump_database(db), before) << "a refused TXT changed the database";
  }
};

TEST_F(CoordinateTxtImportTest, import_reads_a_gbk_crlf_txt_with_holes_parts_and_attributes) {
  std::string file = at("plots.txt");
  write_file(file, encoded(crlf(two_plots("39")), "GBK"));
  std::string db = at("county.sqlite");
  RunResult r = import_txt(db, file);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("imported 2 features"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("EPSG:4548"), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("warning"), std::string::npos) << r.err;

  auto rows = stored_features(db, "dk", 1);
  ASSERT_EQ(rows.size(), 2u);
  json a = json::parse(rows[0].attrs);
  EXPECT_EQ(a["DKBH"], "DK001");
  EXPECT_EQ(a["DKMC"], "东片水田");
  EXPECT_EQ(a["DLBM"], "0101");
  EXPECT_EQ(a["TFH"], "H50G001001");
  EXPECT_EQ(a["DKYT"], "耕地");
  EXPECT_DOUBLE_EQ(a["DKMJ"].get<double>(), 0.9599);
  EXPECT_EQ(a["JZDS"], 10);

  auto first = parse_wkb_polygons(rows[0].wkb);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].size(), 2u) << "圈号 2 inside 圈号 1 is a hole";
  auto second = parse_wkb_polygons(rows[1].wkb);
  EXPECT_EQ(second.size(), 2u) << "圈号 2 outside 圈号 1 is a second part";

  auto [lon, lat] = cgcs2000_lonlat(3500000, 440000);
  bool found = false;
  for (const auto& p : first[0][0])
    found = found || (std::fabs(p.x - lon) < 1e-9 && std::fabs(p.y - lat) < 1e-9);
  EXPECT_TRUE(found) << "the corner (X 3500000, Y 39440000) is not at PROJ's (" << lon << ", "
                     << lat << ")";
}

TEST_F(CoordinateTxtImportTest, import_reads_utf16_and_utf8_txt_with_y_without_zone_prefix) {
  std::string gbk = at("gbk.txt"), utf16 = at("utf16.txt"), utf8 = at("utf8.txt");
  write_file(gbk, encoded(crlf(two_plots("39")), "GBK"));
  write_file(utf16, "\xFF\xFE" + encoded(two_plots(""), "UTF-16LE"));
  write_file(utf8, "\xEF\xBB\xBF" + two_plots(""));
  std::string db = at("county.sqlite");
  ASSERT_EQ(import_txt(db, gbk).exit_code, 0);
  RunResult r16 = import_txt(db, utf16);
  ASSERT_EQ(r16.exit_code, 0) << r16.describe();
  RunResult r8 = import_txt(db, utf8);
  ASSERT_EQ(r8.exit_code, 0) << r8.describe();
  auto v1 = stored_features(db, "dk", 1), v2 = stored_features(db, "dk", 2),
       v3 = stored_features(db, "dk", 3);
  ASSERT_EQ(v2.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(v1[i].wkb, v2[i].wkb) << "Y without prefix and 带号=39 is the same place";
    EXPECT_EQ(v1[i].wkb, v3[i].wkb);
    EXPECT_EQ(json::parse(v2[i].attrs)["DKMC"], json::parse(v1[i].attrs)["DKMC"]);
  }
}

TEST_F(CoordinateTxtImportTest, import_reads_the_13_column_and_supplementary_cultivated_headers) {
  int n = 0;
  std::string body = properties("CGCS2000", "39") + "[地块坐标]\n";
  body += "5,1.0000,BC01,补充耕地一,面,H50G001001,耕地,0103,XM2026-001,某项目,0.9800,9,@\n";
  body += square_rows(1, 3500000, 440000, 100, "39", n);
  n = 0;
  body += "5,1.0000,DK13,十三列,面,H50G001001,耕地,0101,XM2026-001,某项目,341122,某县,备注,@\n";
  body += square_rows(1, 3500000, 440200, 100, "39", n);
  std::string file = at("variants.txt");
  write_file(file, body);
  std::string db = at("county.sqlite");
  RunResult r = import_txt(db, file);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto rows = stored_features(db, "dk", 1);
  ASSERT_EQ(rows.size(), 2u);
  json a = json::parse(rows[0].attrs), b = json::parse(rows[1].attrs);
  EXPECT_EQ(a["XMBH"], "XM2026-001");
  EXPECT_DOUBLE_EQ(a["XZGDMJ"].get<double>(), 0.98);
  EXPECT_EQ(a["GDDB"], "9");
  EXPECT_EQ(b["XZQDM"], "341122");
  EXPECT_EQ(b["BZ"], "备注");
}

TEST_F(CoordinateTxtImportTest, import_warns_naming_the_plot_whose_declared_area_disagrees) {
  std::string text = two_plots("39");
  text.replace(text.find("0.9599"), 6, "1.2000");
  std::string file = at("plots.txt");
  write_file(file, text);
  RunResult r = import_txt(at("county.sqlite"), file);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.err.find("warning: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("DK001"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1.2000 ha"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("DK002"), std::string::npos) << "DK002's area agrees: " << r.err;
}

TEST_F(CoordinateTxtImportTest, import_of_xian1980_needs_its_seven_parameters_and_never_a_zero_shift) {
  auto plot = [](const std::string& shift) {
    int n = 0;
    return properties("1980西安坐标系", "39", shift) + "[地块坐标]\n5,1.0000,X1,西安,面,,,0101,@\n" +
           square_rows(1, 3500000, 440000, 100, "39", n);
  };
  // Refused without parameters, and with all-zero ones: the line of 坐标系 (line 4) and what to do.
  expect_refused(plot(""), 4, {"1980西安坐标系", "转换参数", "--towgs84"});
  expect_refused(plot("0,0,0,0,0,0,0"), 4, {"zero shift"});

  std::string db = at("xian.sqlite");
  std::string with = at("with.txt"), without = at("without.txt");
  write_file(with, plot("-100,-50,80,0.1,0.2,0.3,1.5"));
  write_file(without, plot(""));
  RunResult r1 = import_txt(db, with);
  ASSERT_EQ(r1.exit_code, 0) << r1.describe();
  RunResult r2 = import_txt(db, without, {"--towgs84", "-100,-50,80,0.1,0.2,0.3,1.5"});
  ASSERT_EQ(r2.exit_code, 0) << r2.describe();
  auto a = parse_wkb_polygons(stored_features(db, "dk", 1)[0].wkb);
  auto b = parse_wkb_polygons(stored_features(db, "dk", 2)[0].wkb);
  EXPECT_NEAR(a[0][0][0].x, b[0][0][0].x, 1e-12);
  EXPECT_NEAR(a[0][0][0].y, b[0][0][0].y, 1e-12);
  // The shift moved the plot: a zero shift would have put it where CGCS2000 coordinates lie
  // (to within the ellipsoids' difference), here it is over 100 m away.
  auto [lon, lat] = cgcs2000_lonlat(3500000, 440000);
  double moved = std::hypot((a[0][0][0].x - lon) * 95000, (a[0][0][0].y - lat) * 111000);
  EXPECT_GT(moved, 100.0) << "the 7 parameters were not applied";

  // A --srs without a datum shift PROJ knows is refused too.
  RunResult r3 = import_txt(db, without, {"--srs", "EPSG:2385"});
  EXPECT_EQ(r3.exit_code, 2) << r3.describe();
  EXPECT_NE(r3.err.find("zero shift is never assumed"), std::string::npos) << r3.err;
}

TEST_F(CoordinateTxtImportTest, import_refuses_a_ring_that_is_not_closed) {
  std::string text = two_plots("39");
  // DK002's first ring: its closing row (line 30) moved off the first point.
  auto pos = text.find("J5,1,3500000.000,39440300.000");
  ASSERT_NE(pos, std::string::npos);
  text.replace(pos, 29, "J5,1,3500001.000,39440300.000");
  expect_refused(text, 30, {"DK002", "ring 1", "not closed"});
}

TEST_F(CoordinateTxtImportTest, import_refuses_a_malformed_point_row) {
  std::string text = two_plots("39");
  auto pos = text.find("J3,1,3500100.000,39440100.000");
  ASSERT_NE(pos, std::string::npos);
  text.replace(pos, 29, "J3,1,3500100.000;39440100.000");
  expect_refused(text, 17, {"DK001", "4 values"});
  text = two_plots("39");
  text.replace(text.find("J3,1,3500100.000,39440100.000"), 29, "J3,1,35001OO.000,39440100.000");
  expect_refused(text, 17, {"X '35001OO.000' is not a number"});
}

TEST_F(CoordinateTxtImportTest, import_refuses_a_point_count_that_disagrees_with_the_rows) {
  std::string text = two_plots("39");
  text.replace(text.find("10,0.5000,DK002"), 2, "12");
  expect_refused(text, 25, {"DK002", "界址点数 says 12", "10 point rows"});
}

// Found by fuzz/coordinate_txt_fuzz (UBSan): a 界址点数 or a Y beyond int was converted to int,
// which is undefined; the refusal then named -2147483648 points or a zone of that number. The
// fuzzer's input is kept as fuzz/corpus/coordinate_txt/crash_point_count_beyond_int.txt.
TEST_F(CoordinateTxtImportTest, import_refuses_numbers_beyond_int_naming_them_as_written) {
  std::string text = two_plots("39");
  text.replace(text.find("10,0.5000,DK002"), 2, "109999999999");
  expect_refused(text, 25, {"DK002", "界址点数 says 109999999999", "10 point rows"});
  text = two_plots("39");
  text.replace(text.find("39440100.000"), 12, "9e99");
  expect_refused(text, 17, {"DK001", "Y 9e99 is not an easting"});
  text = two_plots("39");
  text.replace(text.find("J3,1,"), 5, "J3,4294967297,");
  expect_refused(text, 17, {"DK001", "圈号 '4294967297' is not a ring number"});
}

TEST_F(CoordinateTxtImportTest, import_refuses_y_without_zone_prefix_when_no_zone_is_given) {
  std::string text = two_plots("", "");
  expect_refused(text, 15, {"no zone prefix", "带号"});
}

TEST_F(CoordinateTxtImportTest, import_refuses_an_unknown_coordinate_system) {
  std::string text = two_plots("39");
  text.replace(text.find("2000国家大地坐标系"), std::string("2000国家大地坐标系").size(), "地方独立坐标系");
  expect_refused(text, 6, {"unknown 坐标系 '地方独立坐标系'"});
}

}  // namespace
}  // namespace gz::test
