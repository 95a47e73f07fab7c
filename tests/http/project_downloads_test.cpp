// A project's downloads over real HTTP against `gongzhi serve` on the demo platform, on both
// backends: the balance, findings, ledger and evaluation sheets as xlsx, read back through
// GDAL's /vsizip/ and XML parser, whose 合计 rows equal the JSON API's figures (the ledger to the
// fen); the boundary and the new cultivated plots as coordinate TXT (importing back to the same
// area), GeoPackage and zipped GBK Shapefile; 404 for a project the user may not see, the ledger
// exactly as GET …/funds/ledger answers the same user; `gongzhi report` writes the same sheet.
#include <gtest/gtest.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "../storage/store_backends.h"
#include "../xlsx_reader.h"
#include "domain/land_use_classes.h"
#include "geo/ellipsoid.h"
#include "geo/geometry.h"
#include "live_support.h"
#include "services/demo_county.h"
#include "services/demo_platform.h"
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
    auto store = storage::Store::open(location(), {.create = true});
    services::generate_demo_county(*store, {.polygons = 1000, .seed = 7});
    services::seed_demo_platform(*store, location(), kPassword);
    server_ = std::make_unique<ServeProcess>(location());
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
    for (const auto& p : list.json()["projects"]) {
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

std::int64_t feature_count(const std::string& path) {
  GDALAllRegister();
  std::unique_ptr<GDALDataset> ds(static_cast<GDALDataset*>(
      GDALOpenEx(path.c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr)));
  if (!ds || ds->GetLayerCount() != 1) return -1;
  return ds->GetLayer(0)->GetFeatureCount(TRUE);
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
    auto s = read_xlsx_sheet(at("ledger.xlsx"));
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
    auto s = read_xlsx_sheet(at("findings.xlsx"));
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
    auto s = read_xlsx_sheet(at("evaluation.xlsx"));
    int total = row_of(s, "综合得分");
    ASSERT_GT(total, 0);
    EXPECT_EQ(static_cast<std::size_t>(total - 4), evaluation["indicators"].size());
    EXPECT_NEAR(number(s, "G" + std::to_string(total)), evaluation["total_score"].get<double>(), 1e-9);
    EXPECT_EQ(s.at("A4"), evaluation["indicators"][0]["name_zh"].get<std::string>());
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
    auto s = read_xlsx_sheet(at("balance.xlsx"));
    int total = row_of(s, "合计");
    ASSERT_GT(total, 0);
    EXPECT_EQ(static_cast<std::size_t>(total - 4), b.rows.size());
    EXPECT_NEAR(number(s, "C" + std::to_string(total)), before / kSquareMetresPerMu, 1e-6);
    EXPECT_NEAR(number(s, "D" + std::to_string(total)), after / kSquareMetresPerMu, 1e-6);
    EXPECT_NEAR(number(s, "F" + std::to_string(total)), before / 10000, 1e-8);
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

TEST_P(ProjectDownloadsTest, geometry_downloads_import_back_and_permissions_follow_the_json) {
  json p = project_where([](const json& p) {
    const auto& classes = LandUseClassTable::standard();
    if (!p["plan"].is_object()) return false;
    for (const auto& c : p["plan"].value("changes", json::array()))
      if (classes.is_cultivated(c.value("to_code", "")) && !classes.is_cultivated(c.value("from_code", "")))
        return true;
    return false;
  });
  ASSERT_FALSE(p.is_null());
  // Boundary as TXT: imported again it has the project's area.
  auto txt = download(project_path(p, "/download?part=boundary&format=txt"), admin_, "boundary.txt");
  ASSERT_EQ(txt.status, 200) << txt.body.substr(0, 300);
  EXPECT_EQ(txt.header("content-type"), "text/plain; charset=GBK");
  EXPECT_NE(txt.header("content-disposition").find("filename*=UTF-8''"), std::string::npos);
  auto back = run({"import", "--db", at("back.sqlite"), "--layer", "back", "--kind", "project", at("boundary.txt")});
  ASSERT_EQ(back.exit_code, 0) << back.describe();
  {
    auto store = storage::Store::open(at("back.sqlite"));
    double m2 = 0;
    store->scan(store->layer_version("back", std::nullopt),
                [&](StoredFeature&& f) { m2 += geo::ellipsoidal_area_m2(geo::Geometry::from_wkb(f.wkb)); });
    EXPECT_NEAR(m2, p["area_m2"].get<double>(), p["area_m2"].get<double>() * 1e-6);
  }
  auto gpkg = download(project_path(p, "/download?part=boundary&format=gpkg"), admin_, "boundary.gpkg");
  ASSERT_EQ(gpkg.status, 200);
  EXPECT_EQ(gpkg.body.substr(0, 16), std::string("SQLite format 3\0", 16));
  EXPECT_EQ(feature_count(at("boundary.gpkg")), 1);
  // New cultivated plots: one per change to a cultivated class from one that is not.
  std::int64_t plots = 0;
  for (const auto& c : p["plan"]["changes"])
    plots += LandUseClassTable::standard().is_cultivated(c.value("to_code", "")) &&
             !LandUseClassTable::standard().is_cultivated(c.value("from_code", ""));
  auto shp = download(project_path(p, "/download?part=new_cultivated&format=shp"), admin_, "xzgd.shp.zip");
  ASSERT_EQ(shp.status, 200) << shp.body.substr(0, 300);
  EXPECT_EQ(shp.header("content-type"), "application/zip");
  EXPECT_EQ(shp.body.substr(0, 2), "PK");
  EXPECT_EQ(feature_count("/vsizip/" + at("xzgd.shp.zip")), plots);
  auto xzgd_txt = download(project_path(p, "/download?part=new_cultivated&format=txt"), admin_, "xzgd.txt");
  ASSERT_EQ(xzgd_txt.status, 200);
  auto back2 = run({"import", "--db", at("back2.sqlite"), "--layer", "xzgd", "--kind", "project", at("xzgd.txt")});
  ASSERT_EQ(back2.exit_code, 0) << back2.describe();
  EXPECT_NE(back2.out.find("imported " + std::to_string(plots) + " features"), std::string::npos) << back2.out;

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
