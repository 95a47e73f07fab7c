// GET /api/v1/layers/{layer}/download over real HTTP against `gongzhi serve` on both backends:
// a county user downloads the land-use layer as a GeoPackage GDAL opens with every feature, as a
// zipped GBK Shapefile and as the coordinate TXT that imports again; a user whose grants lie in
// another county gets the same 404 as for a layer that does not exist; 401 without a session,
// 400 for an unknown format.
#include <cpl_vsi.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include "../storage/store_backends.h"
#include "http_client.h"
#include "live_support.h"
#include "services/demo_county.h"
#include "services/password.h"
#include "storage/identity_store.h"
#include "storage/store.h"

namespace gz::test {
namespace {

namespace bhttp = boost::beast::http;

constexpr const char* kPassword = "a long enough password";

class DownloadApiTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    {
      auto store = storage::Store::open(location(), {.create = true});
      services::generate_demo_county(*store, {.polygons = services::kDemoMinPolygons, .seed = 11});
    }
    auto hash = services::hash_password(kPassword);
    auto identity = storage::IdentityStore::open(location(), {.create = true});
    identity->create_first_admin("root", hash, "cli:test");
    identity->add_user({"zhen", hash, {Grant{Role::township, "", "340123100"}}}, "root");
    identity->add_user({"elsewhere", hash, {Grant{Role::township, "", "340124100"}}}, "root");
    auto r = run({"admin", "import-regions", "--db", location(), "--layer", "region"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    server_ = std::make_unique<ServeProcess>(location());
    port_ = server_->port();
  }
  void TearDown() override { server_.reset(); }
  HttpReply get(const std::string& target, const std::string& user) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!user.empty()) headers.emplace_back("Authorization", "Bearer " + sign_in(port_, user, kPassword));
    return http_request(port_, bhttp::verb::get, target, "", headers);
  }
  unsigned short port_ = 0;
  std::unique_ptr<ServeProcess> server_;
};

std::int64_t feature_count(const std::string& path) {
  GDALAllRegister();
  std::unique_ptr<GDALDataset> ds(static_cast<GDALDataset*>(
      GDALOpenEx(path.c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr)));
  if (!ds || ds->GetLayerCount() != 1) return -1;
  return ds->GetLayer(0)->GetFeatureCount(TRUE);
}

TEST_P(DownloadApiTest, a_county_user_downloads_the_layer_as_gpkg_shapefile_zip_and_txt) {
  auto gpkg = get("/api/v1/layers/land_use/download?format=gpkg", "zhen");
  ASSERT_EQ(gpkg.status, 200) << gpkg.body.substr(0, 300);
  EXPECT_EQ(gpkg.header("content-type"), "application/geopackage+sqlite3");
  EXPECT_NE(gpkg.header("content-disposition").find("land_use-v1.gpkg"), std::string::npos);
  write_file(at("dl.gpkg"), gpkg.body);
  EXPECT_EQ(feature_count(at("dl.gpkg")), services::kDemoMinPolygons);

  auto shp = get("/api/v1/layers/land_use/download?format=shp&version=1", "zhen");
  ASSERT_EQ(shp.status, 200);
  EXPECT_EQ(shp.header("content-type"), "application/zip");
  EXPECT_EQ(shp.body.substr(0, 2), "PK");
  write_file(at("dl.shp.zip"), shp.body);
  EXPECT_EQ(feature_count("/vsizip/" + at("dl.shp.zip") + "/land_use.shp"), services::kDemoMinPolygons);
  // The zip carries the .cpg naming GBK, so GIS software reads the Chinese attributes.
  {
    VSILFILE* cpg = VSIFOpenL(("/vsizip/" + at("dl.shp.zip") + "/land_use.cpg").c_str(), "rb");
    ASSERT_NE(cpg, nullptr) << "no land_use.cpg in the zip";
    char buf[16] = {};
    VSIFReadL(buf, 1, sizeof buf - 1, cpg);
    VSIFCloseL(cpg);
    EXPECT_EQ(std::string(buf), "GBK");
  }

  auto txt = get("/api/v1/layers/land_use/download?format=txt", "zhen");
  ASSERT_EQ(txt.status, 200);
  write_file(at("dl.txt"), txt.body);
  auto back = run({"import", "--db", at("back.sqlite"), "--layer", "back", "--kind", "land_use", at("dl.txt")});
  ASSERT_EQ(back.exit_code, 0) << back.describe();
  EXPECT_NE(back.out.find("imported " + std::to_string(services::kDemoMinPolygons) + " features"),
            std::string::npos) << back.out;
}

TEST_P(DownloadApiTest, outside_the_grants_a_layer_is_not_found_and_bad_requests_are_refused) {
  auto other = get("/api/v1/layers/land_use/download", "elsewhere");
  auto missing = get("/api/v1/layers/no_such_layer/download", "zhen");
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(other.code(), "layer_not_found");
  EXPECT_EQ(other.body, missing.body) << "another county's user learns nothing";
  EXPECT_EQ(get("/api/v1/layers/land_use/download?version=99", "zhen").status, 404);
  EXPECT_EQ(get("/api/v1/layers/land_use/download", "").status, 401);
  auto bad = get("/api/v1/layers/land_use/download?format=dwg", "zhen");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.code(), "invalid_format");
}

TEST_P(DownloadApiTest, with_progress_the_export_is_counted_then_the_same_file_follows) {
  auto plain = get("/api/v1/layers/land_use/download?format=txt", "zhen");
  ASSERT_EQ(plain.status, 200);
  auto r = get("/api/v1/layers/land_use/download?format=txt&progress=1", "zhen");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "application/vnd.gongzhi.download-progress");
  std::vector<nlohmann::json> lines;
  std::size_t at = 0;
  while (at < r.body.size()) {
    auto nl = r.body.find('\n', at);
    ASSERT_NE(nl, std::string::npos) << "a header line without its end";
    lines.push_back(nlohmann::json::parse(r.body.substr(at, nl - at)));
    at = nl + 1;
    if (lines.back()["phase"] == "file" || lines.back()["phase"] == "error") break;
  }
  ASSERT_GE(lines.size(), 3u);
  EXPECT_EQ(lines.front()["phase"], "queued");
  const auto& file = lines.back();
  ASSERT_EQ(file["phase"], "file") << file.dump();
  std::int64_t last_done = -1, total = 0;
  for (const auto& l : lines)
    if (l["phase"] == "export" && l["total"].is_number()) {
      EXPECT_GE(l["done"].get<std::int64_t>(), last_done) << "progress never goes back";
      last_done = l["done"].get<std::int64_t>();
      total = l["total"].get<std::int64_t>();
    }
  EXPECT_EQ(total, services::kDemoMinPolygons);
  EXPECT_EQ(last_done, total) << "the last count is the whole layer";
  EXPECT_EQ(file["name"], "land_use-v1.txt");
  EXPECT_EQ(file["size"].get<std::size_t>(), r.body.size() - at);
  EXPECT_EQ(r.body.substr(at), plain.body) << "the same file as the plain download";
  // Authorization and the request are checked before anything streams.
  EXPECT_EQ(get("/api/v1/layers/land_use/download?progress=1", "elsewhere").status, 404);
  EXPECT_EQ(get("/api/v1/layers/land_use/download?format=dwg&progress=1", "zhen").status, 400);
}

INSTANTIATE_TEST_SUITE_P(Backends, DownloadApiTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
