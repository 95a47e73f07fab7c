// A project's downloads over real HTTP against `gongzhi serve` on the demo platform, on both
// backends: the balance, findings, ledger and evaluation sheets as xlsx, read back through
// GDAL's /vsizip/ and XML parser, whose 合计 rows equal the JSON API's figures (the ledger to the
// fen); the boundary and the new cultivated plots as coordinate TXT, GeoPackage and zipped GBK
// Shapefile, read back by the importer's readers with the plan's feature count, area and CRS;
// 404 for a project the user may not see, each sheet answering a user as the JSON it mirrors;
// `gongzhi report` writes the same sheet.
#include <gtest/gtest.h>

#include <cmath>
#include <cpl_vsi.h>
#include <cpl_string.h>
#include <filesystem>
#include <set>
#include <nlohmann/json.hpp>

#include "../storage/store_backends.h"
#include "../xlsx_reader.h"
#include "domain/land_use_classes.h"
#include "geo/ellipsoid.h"
#include "geo/geometry.h"
#include "geo/vector_source.h"
#include "live_support.h"
#include "services/land_use_balance.h"
#include "services/plan_features.h"
#include "storage/store.h"

namespace gz::test {
namespace {

namespace bhttp = boost::beast::http;
using nlohmann::json;

constexpr const char* kPassword = "demo password 1";

class ProjectDownloadsTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    server_ = serve_demo_platform(location(), kPassword);
    admin_ = sign_in(port(), "admin", kPassword);
  }
  unsigned short port() const { return server_->port(); }
  HttpReply get(const std::string& target, const std::string& token) {
    return api(port(), bhttp::verb::get, target, token);
  }
  std::string project_path(const json& p, const std::string& rest) {
    return "/api/v1/projects/" + std::to_string(p["id"].get<std::int64_t>()) + rest;
  }
  // The first project (as the admin sees them, in full) for which `pick` holds.
  json project_where(const std::function<bool(const json&)>& pick) {
    auto list = get("/api/v1/projects", admin_);
    EXPECT_EQ(list.status, 200) << list.body;
    const json projects = list.json()["projects"];  // kept: a temporary's member would dangle
    for (const auto& p : projects) {
      auto full = get(project_path(p, ""), admin_).json();
      if (pick(full)) return full;
    }
    ADD_FAILURE() << "no demo project fits";
    return json();
  }
  // Downloads `target` as `user` into the test directory; returns the reply.
  HttpReply download(const std::string& target, const std::string& token, const std::string& file) {
    auto r = get(target, token);
    if (r.status == 200) write_file(at(file), r.body);
    return r;
  }
  std::unique_ptr<ServeProcess> server_;
  std::string admin_;
};

// The 1-based row whose column A reads `text`, or 0.
int row_of(const XlsxSheet& s, const std::string& text, int from = 1) {
  for (int r = from; r < 5000; ++r)
    if (s.at("A" + std::to_string(r)) == text) return r;
  return 0;
}
double number(const XlsxSheet& s, const std::string& ref) {
  std::string v = s.at(ref);
  EXPECT_FALSE(v.empty()) << ref << " is empty";
  return v.empty() ? NAN : std::stod(v);
}
std::int64_t fen(const XlsxSheet& s, const std::string& ref) { return std::llround(number(s, ref) * 100); }

// The entries of a zip (GDAL's /vsizip/) copied into `dir`; their names.
std::vector<std::string> unzip(const std::string& zip, const std::string& dir) {
  std::vector<std::string> names;
  std::filesystem::create_directories(dir);
  char** list = VSIReadDir(("/vsizip/" + zip).c_str());
  for (char** e = list; e && *e; ++e) {
    names.push_back(*e);
    VSILFILE* in = VSIFOpenL(("/vsizip/" + zip + "/" + *e).c_str(), "rb");
    if (!in) continue;
    std::string bytes;
    char buf[65536];
    for (std::size_t n; (n = VSIFReadL(buf, 1, sizeof buf, in)) > 0;) bytes.append(buf, n);
    VSIFCloseL(in);
    write_file(dir + "/" + *e, bytes);
  }
  CSLDestroy(list);
  return names;
}

constexpr const char* kXlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

TEST_P(ProjectDownloadsTest, each_sheet_reads_back_with_the_sums_of_the_json_api) {
  // Ledger: every entry, per source 小计, and a 合计 equal to the JSON ledger's sums in fen.
  json funded = project_where([&](const json& p) {
    auto l = get(project_path(p, "/funds/ledger"), admin_);
    return l.status == 200 && l.json()["entries"].size() >= 2;
  });
  ASSERT_FALSE(funded.is_null());
  auto ledger = get(project_path(funded, "/funds/ledger"), admin_).json();
  std::int64_t in = 0, out = 0;
  for (const auto& e : ledger["entries"])
    (e["kind"] == "allocation" ? in : out) += e["amount_fen"].get<std::int64_t>();
  auto x = download(project_path(funded, "/sheets/ledger?format=xlsx"), admin_, "ledger.xlsx");
  ASSERT_EQ(x.status, 200) << x.body.substr(0, 300);
  EXPECT_EQ(x.header("content-type"), kXlsx);
  EXPECT_EQ(x.body.substr(0, 2), "PK");
  // RFC 6266 filename*: the project code and the Chinese title, percent-encoded UTF-8.
  EXPECT_NE(x.header("content-disposition").find("filename*=UTF-8''" + funded["code"].get<std::string>() +
                                                  "-%E8%B5%84%E9%87%91%E5%8F%B0%E8%B4%A6.xlsx"),
            std::string::npos) << x.header("content-disposition");
  {
    EXPECT_EQ(read_xlsx_sheet_names(at("ledger.xlsx")), std::vector<std::string>{"资金台账"});
    auto s = read_xlsx_sheet(at("ledger.xlsx"));
    EXPECT_EQ(s.at("A3"), "日期时间");
    EXPECT_EQ(s.at("B3"), "资金来源");
    EXPECT_EQ(s.at("F3"), "支付金额（元）");
    EXPECT_EQ(s.at("A1"), funded["name"].get<std::string>() + "资金台账");
    EXPECT_EQ(s.at("E3"), "拨入金额（元）");
    int total = row_of(s, "合计");
    ASSERT_GT(total, 0);
    EXPECT_EQ(fen(s, "E" + std::to_string(total)), in);
    EXPECT_EQ(fen(s, "F" + std::to_string(total)), out);
    std::size_t rows = 0;
    std::int64_t subtotal_in = 0;
    for (int r = 4; r < total; ++r) {
      std::string kind = s.at("C" + std::to_string(r));
      if (kind == "拨入项目" || kind == "支付") ++rows;
      if (s.at("A" + std::to_string(r)) == "小计") subtotal_in += fen(s, "E" + std::to_string(r));
    }
    EXPECT_EQ(rows, ledger["entries"].size());
    // Every movement's amount, to the fen, as the JSON ledger has it.
    std::multiset<std::int64_t> sheet_amounts, json_amounts;
    for (int r = 4; r < total; ++r) {
      std::string kind = s.at("C" + std::to_string(r));
      if (kind == "拨入项目") sheet_amounts.insert(fen(s, "E" + std::to_string(r)));
      if (kind == "支付") sheet_amounts.insert(-fen(s, "F" + std::to_string(r)));
    }
    for (const auto& e : ledger["entries"])
      json_amounts.insert((e["kind"] == "allocation" ? 1 : -1) * e["amount_fen"].get<std::int64_t>());
    EXPECT_EQ(sheet_amounts, json_amounts);
    EXPECT_EQ(subtotal_in, in);
    EXPECT_NE(s.at("A" + std::to_string(total + 2)).find("万元"), std::string::npos);
    bool generated = false;
    for (const auto& [ref, text] : s.cells) generated |= text.rfind("生成时间：", 0) == 0;
    EXPECT_TRUE(generated);
  }

  // Findings: one row per finding of the check on record, the 合计 area in 亩.
  json checked = project_where([](const json& p) {
    return p["compliance"].is_object() && !p["compliance"]["findings"].empty();
  });
  ASSERT_FALSE(checked.is_null());
  double area = 0;
  for (const auto& f : checked["compliance"]["findings"]) area += f["area_m2"].get<double>();
  x = download(project_path(checked, "/sheets/findings"), admin_, "findings.xlsx");
  ASSERT_EQ(x.status, 200) << x.body.substr(0, 300);
  {
    EXPECT_EQ(read_xlsx_sheet_names(at("findings.xlsx")), std::vector<std::string>{"合规性审查问题清单"});
    auto s = read_xlsx_sheet(at("findings.xlsx"));
    EXPECT_EQ(s.at("B3"), "审查规则");
    EXPECT_EQ(s.at("E3"), "面积（亩）");
    int total = row_of(s, "合计");
    ASSERT_GT(total, 0);
    EXPECT_EQ(static_cast<std::size_t>(total - 4), checked["compliance"]["findings"].size());
    EXPECT_EQ(s.at("B" + std::to_string(total)), std::to_string(checked["compliance"]["findings"].size()) + " 项");
    EXPECT_NEAR(number(s, "E" + std::to_string(total)), area / kSquareMetresPerMu, 1e-6);
    EXPECT_FALSE(s.at("C4").empty());
    EXPECT_EQ(s.at("C4").find("error"), std::string::npos) << "severity in words";
  }

  // Evaluation: one row per indicator and the total score of the JSON.
  json scored = project_where([&](const json& p) {
    auto e = get(project_path(p, "/evaluation"), admin_);
    return e.status == 200 && e.json()["total_score"].is_number();
  });
  ASSERT_FALSE(scored.is_null());
  auto evaluation = get(project_path(scored, "/evaluation"), admin_).json();
  x = download(project_path(scored, "/sheets/evaluation"), admin_, "evaluation.xlsx");
  ASSERT_EQ(x.status, 200) << x.body.substr(0, 300);
  {
    EXPECT_EQ(read_xlsx_sheet_names(at("evaluation.xlsx")), std::vector<std::string>{"绩效评价表"});
    auto s = read_xlsx_sheet(at("evaluation.xlsx"));
    EXPECT_EQ(s.at("A3"), "评价指标");
    EXPECT_EQ(s.at("G3"), "得分（0–100）");
    int total = row_of(s, "综合得分");
    ASSERT_GT(total, 0);
    EXPECT_EQ(static_cast<std::size_t>(total - 4), evaluation["indicators"].size());
    EXPECT_NEAR(number(s, "G" + std::to_string(total)), evaluation["total_score"].get<double>(), 1e-9);
    // Each indicator as the JSON gives it: name, weight, planned and achieved (亩 for areas), score.
    int r = 4;
    for (const auto& i : evaluation["indicators"]) {
      std::string row = std::to_string(r++);
      SCOPED_TRACE(i["key"].get<std::string>());
      EXPECT_EQ(s.at("A" + row), i["name_zh"].get<std::string>());
      EXPECT_NEAR(number(s, "D" + row), i["weight"].get<double>(), 1e-9);
      if (i["unit"] == "m2" && i["planned"].is_object())
        EXPECT_NEAR(number(s, "E" + row), i["planned"]["value"].get<double>() / kSquareMetresPerMu, 1e-6);
      if (i["unit"] == "m2" && i["achieved"].is_object())
        EXPECT_NEAR(number(s, "F" + row), i["achieved"]["value"].get<double>() / kSquareMetresPerMu, 1e-6);
      if (i["score"].is_number()) EXPECT_NEAR(number(s, "G" + row), i["score"].get<double>() * 100, 0.005);
    }
  }

  // Balance: the 合计 before and after as the balance of the project's plan computes them.
  x = download(project_path(funded, "/sheets/balance"), admin_, "balance.xlsx");
  ASSERT_EQ(x.status, 200) << x.body.substr(0, 300);
  {
    auto store = storage::Store::open(location());
    services::BalanceRequest br;
    br.project_id = funded["code"];
    br.project_layer = "project:" + br.project_id;
    br.features = services::plan_features(br.project_id, funded["type"], funded["plan"], "-P");
    auto b = services::land_use_balance(*store, br);
    double before = 0, after = 0;
    for (const auto& r : b.rows) {
      before += r.before_m2;
      after += r.after_m2;
    }
    EXPECT_EQ(read_xlsx_sheet_names(at("balance.xlsx")), std::vector<std::string>{"土地利用结构调整表"});
    auto s = read_xlsx_sheet(at("balance.xlsx"));
    EXPECT_EQ(s.at("A3"), "地类编码");
    int total = row_of(s, "合计");
    ASSERT_GT(total, 0);
    EXPECT_EQ(static_cast<std::size_t>(total - 4), b.rows.size());
    EXPECT_NEAR(number(s, "C" + std::to_string(total)), before / kSquareMetresPerMu, 1e-6);
    EXPECT_NEAR(number(s, "D" + std::to_string(total)), after / kSquareMetresPerMu, 1e-6);
    EXPECT_NEAR(number(s, "F" + std::to_string(total)), before / 10000, 1e-8);
    // The changes replace land inside the area: the total does not change, and reads 0, not a
    // rounding remainder Excel would show as -0.00.
    EXPECT_EQ(s.at("E" + std::to_string(total)), "0");
    EXPECT_EQ(s.at("C3"), "整治前面积（亩）");
  }

  // The CLI writes the same sheet for officials without a browser, atomically, --force to replace.
  auto cli = run({"report", "--db", location(), "--project", funded["code"], "--sheet", "ledger",
                  "--output", at("cli-ledger.xlsx")});
  ASSERT_EQ(cli.exit_code, 0) << cli.describe();
  {
    auto s = read_xlsx_sheet(at("cli-ledger.xlsx"));
    int total = row_of(s, "合计");
    ASSERT_GT(total, 0);
    EXPECT_EQ(fen(s, "E" + std::to_string(total)), in);
  }
  auto again = run({"report", "--db", location(), "--project", funded["code"], "--sheet", "ledger",
                    "--output", at("cli-ledger.xlsx")});
  EXPECT_EQ(again.exit_code, 2) << again.describe();
}

TEST_P(ProjectDownloadsTest, geometry_downloads_read_back_and_permissions_follow_the_json) {
  const auto& classes = LandUseClassTable::standard();
  auto gains = [&](const json& c) {
    return classes.is_cultivated(c.value("to_code", "")) && !classes.is_cultivated(c.value("from_code", ""));
  };
  json p = project_where([&](const json& p) {
    if (!p["plan"].is_object()) return false;
    for (const auto& c : p["plan"].value("changes", json::array()))
      if (gains(c)) return true;
    return false;
  });
  ASSERT_FALSE(p.is_null());
  const std::string code = p["code"];
  // What the JSON says: the boundary's area, and the new cultivated plots (changes from land that
  // is not cultivated to a cultivated class) with their ellipsoidal areas.
  const double boundary_m2 = p["area_m2"].get<double>();
  std::int64_t plots = 0;
  double plots_m2 = 0;
  for (const auto& c : p["plan"]["changes"])
    if (gains(c)) {
      ++plots;
      plots_m2 += geo::ellipsoidal_area_m2(geo::Geometry::from_geojson(c["geometry"].dump()));
    }
  ASSERT_GT(plots, 0);
  auto extent = geo::Geometry::from_geojson(p["plan"]["area"].dump()).envelope();
  const int zone = static_cast<int>(std::lround((extent.minx + extent.maxx) / 2 / 3));

  // Each format, downloaded and read back by the importer's own readers (GDAL for GeoPackage and
  // the zipped Shapefile, the coordinate TXT reader): feature count, area, CRS and attributes.
  struct Case {
    const char* part;
    const char* format;
    const char* file;
    const char* type;
  };
  for (const Case& c : {Case{"boundary", "txt", "boundary.txt", "text/plain; charset=GBK"},
                        Case{"boundary", "gpkg", "boundary.gpkg", "application/geopackage+sqlite3"},
                        Case{"boundary", "shp", "boundary.shp.zip", "application/zip"},
                        Case{"new_cultivated", "txt", "xzgd.txt", "text/plain; charset=GBK"},
                        Case{"new_cultivated", "gpkg", "xzgd.gpkg", "application/geopackage+sqlite3"},
                        Case{"new_cultivated", "shp", "xzgd.shp.zip", "application/zip"}}) {
    SCOPED_TRACE(std::string(c.part) + " as " + c.format);
    bool boundary = std::string(c.part) == "boundary";
    auto r = download(project_path(p, std::string("/download?part=") + c.part + "&format=" + c.format), admin_, c.file);
    ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
    EXPECT_EQ(r.header("content-type"), c.type);
    // RFC 6266 filename*: the code and the Chinese name of the part, percent-encoded UTF-8.
    std::string stem = code + (boundary ? "-%E9%A1%B9%E7%9B%AE%E5%8C%BA%E8%8C%83%E5%9B%B4"        // 项目区范围
                                        : "-%E6%96%B0%E5%A2%9E%E8%80%95%E5%9C%B0%E5%9C%B0%E5%9D%97");  // 新增耕地地块
    EXPECT_NE(r.header("content-disposition").find("filename*=UTF-8''" + stem), std::string::npos)
        << r.header("content-disposition");
    std::string path = at(c.file);
    if (std::string(c.format) == "shp") {
      // The zip holds one Shapefile with its GBK .cpg and .prj.
      std::string dir = at(std::string(c.part) + "-shp");
      auto names = unzip(at(c.file), dir);
      std::string shp;
      std::set<std::string> extensions;
      for (const auto& n : names) {
        extensions.insert(std::filesystem::path(n).extension().string());
        if (std::filesystem::path(n).extension() == ".shp") shp = dir + "/" + n;
      }
      EXPECT_EQ(extensions, (std::set<std::string>{".cpg", ".dbf", ".prj", ".shp", ".shx"}));
      ASSERT_FALSE(shp.empty());
      EXPECT_NE(read_file(std::filesystem::path(shp).replace_extension(".cpg").string()).find("GBK"), std::string::npos);
      path = shp;
    }
    auto source = geo::open_feature_source(path, {});
    std::string srs = source->declared_srs();
    if (std::string(c.format) == "txt")
      // The 3-degree Gauss-Kruger zone of CGCS2000 the project lies in (EPSG:4534 is zone 25).
      EXPECT_EQ(srs, "EPSG:" + std::to_string(4534 + zone - 25));
    else
      EXPECT_EQ(srs, "EPSG:4490");
    std::int64_t n = 0;
    double m2 = 0;
    std::set<std::string> dkbh;
    geo::SourceFeature f;
    while (source->next(f)) {
      ++n;
      m2 += geo::ellipsoidal_area_m2(f.geometry);
      dkbh.insert(attribute_text(f.attributes, "DKBH").value_or(""));
      if (!boundary && std::string(c.format) != "txt") {
        EXPECT_EQ(attribute_text(f.attributes, "DKYT").value_or(""), "新增耕地");
        EXPECT_TRUE(classes.is_cultivated(attribute_text(f.attributes, "DLBM").value_or("")));
        EXPECT_EQ(attribute_text(f.attributes, "XMBH").value_or(""), code);
      }
    }
    EXPECT_EQ(n, boundary ? 1 : plots);
    EXPECT_EQ(static_cast<std::int64_t>(dkbh.size()), n) << "each plot numbered";
    // The TXT holds metres to 4 decimals in the plane: the area is the same to about 1e-7.
    double want = boundary ? boundary_m2 : plots_m2;
    EXPECT_NEAR(m2, want, want * 1e-6);
    if (boundary) EXPECT_EQ(*dkbh.begin(), code);
    EXPECT_TRUE(source->warnings().empty()) << source->warnings().front();
  }
  // The new cultivated TXT imports as a land-use layer (its plots carry 地类编码).
  auto back = run({"import", "--db", at("back.sqlite"), "--layer", "xzgd", "--kind", "land_use", at("xzgd.txt")});
  ASSERT_EQ(back.exit_code, 0) << back.describe();
  EXPECT_NE(back.out.find("imported " + std::to_string(plots) + " features"), std::string::npos) << back.out;

  // A plan without a change that gains cultivated land has no new cultivated plots to hand on.
  json none = project_where([&](const json& q) {
    if (!q["plan"].is_object()) return false;
    for (const auto& c : q["plan"].value("changes", json::array()))
      if (gains(c)) return false;
    return true;
  });
  ASSERT_FALSE(none.is_null());
  auto refused = get(project_path(none, "/download?part=new_cultivated&format=txt"), admin_);
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_EQ(refused.code(), "no_new_cultivated");

  // Bad requests.
  EXPECT_EQ(get(project_path(p, "/download?part=roads&format=txt"), admin_).status, 400);
  EXPECT_EQ(get(project_path(p, "/download?part=boundary&format=dwg"), admin_).status, 400);
  EXPECT_EQ(get(project_path(p, "/sheets/nonsense"), admin_).status, 404);
  EXPECT_EQ(get(project_path(p, "/sheets/ledger?format=pdf"), admin_).status, 400);
  EXPECT_EQ(get(project_path(p, "/sheets/ledger"), "").status, 401);
  EXPECT_EQ(get("/api/v1/projects/999999/sheets/balance", admin_).status, 404);
  EXPECT_EQ(get("/api/v1/projects/999999/download?part=boundary&format=txt", admin_).status, 404);

  // Per user: every sheet and download answers as the JSON it mirrors does for that user.
  for (const char* user : {"zhen", "cunmin", "touzi", "czj", "zrzy"}) {
    auto token = sign_in(port(), user, kPassword);
    int seen = get(project_path(p, ""), token).status;
    int ledger = get(project_path(p, "/funds/ledger"), token).status;
    int evaluation = get(project_path(p, "/evaluation"), token).status;
    EXPECT_EQ(get(project_path(p, "/sheets/ledger"), token).status, ledger) << user;
    EXPECT_EQ(get(project_path(p, "/sheets/evaluation"), token).status, evaluation) << user;
    EXPECT_EQ(get(project_path(p, "/sheets/findings"), token).status, seen) << user;
    EXPECT_EQ(get(project_path(p, "/download?part=boundary&format=gpkg"), token).status, seen) << user;
    EXPECT_EQ(get(project_path(p, "/sheets/balance"), token).status, seen) << user;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, ProjectDownloadsTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
