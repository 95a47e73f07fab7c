// Imagery over real HTTP on loopback, on both backends: `gongzhi import --kind imagery` stores a
// GeoTIFF's tiles, GET /api/v1/imagery lists the date, GET /tiles/imagery/… answers the stored
// tile (the pixels the source had), a 304 for its ETag, 204 outside the imagery, and the same 404
// for an unknown date as for a user whose grants lie in another county; 401 without a session.
#include <gtest/gtest.h>

#include <array>
#include <cmath>

#include "../storage/store_backends.h"
#include "geo/imagery_raster.h"
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
constexpr double kHalf = 20037508.342789244;

class ImageryApiTest : public StoreBackendTest {
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
    // Tile 10/845/417 (the demo county's) as a GeoTIFF in EPSG:3857: the left half olive, the
    // right half no-data (0).
    std::vector<std::uint8_t> px(256 * 256 * 3, 0);
    for (int row = 0; row < 256; ++row)
      for (int c = 0; c < 128; ++c) {
        auto i = (static_cast<std::size_t>(row) * 256 + c) * 3;
        px[i] = 120, px[i + 1] = 140, px[i + 2] = 50;
      }
    const double span = 2 * kHalf / 1024;
    double gt[6] = {-kHalf + 845 * span, span / 256, 0, kHalf - 417 * span, 0, -span / 256};
    geo::write_geotiff(at("dom.tif"), 256, 256, 3, px, gt, "EPSG:3857", 0.0);
    auto imp = run({"import", "--db", location(), "--kind", "imagery", "--layer", "dom",
                    "--date", "2025-06", "--format", "png", "--min-zoom", "9", "--max-zoom", "10",
                    at("dom.tif")});
    ASSERT_EQ(imp.exit_code, 0) << imp.describe();
    EXPECT_NE(imp.out.find("imported imagery 'dom' 2025-06: 2 tiles"), std::string::npos)
        << imp.out;
    server_ = std::make_unique<ServeProcess>(location());
    port_ = server_->port();
  }
  void TearDown() override { server_.reset(); }
  std::string token(const std::string& user) { return sign_in(port_, user, kPassword); }
  HttpReply get(const std::string& target, const std::string& token,
                std::vector<std::pair<std::string, std::string>> headers = {}) {
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
    return http_request(port_, bhttp::verb::get, target, "", headers);
  }
  unsigned short port_ = 0;
  std::unique_ptr<ServeProcess> server_;
};

TEST_P(ImageryApiTest, a_county_user_gets_the_stored_pixels_and_a_304_for_the_etag) {
  auto t = token("zhen");
  auto list = get("/api/v1/imagery", t);
  ASSERT_EQ(list.status, 200) << list.body;
  auto j = list.json();
  ASSERT_EQ(j["imagery"].size(), 1u);
  EXPECT_EQ(j["imagery"][0]["date"], "2025-06");
  EXPECT_EQ(j["imagery"][0]["min_zoom"], 9);
  EXPECT_EQ(j["imagery"][0]["max_zoom"], 10);
  // West edge of tile 845 at z10: 845/1024·360−180.
  EXPECT_NEAR(j["imagery"][0]["bounds"][0].get<double>(), 117.0703125, 1e-6);

  auto r = get("/tiles/imagery/dom/2025-06/10/845/417", t);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type"), "image/png");
  EXPECT_EQ(r.header("cache-control"), "private, max-age=86400");
  int w = 0, h = 0;
  auto rgba = geo::decode_rgba(r.body, w, h);
  ASSERT_EQ(w, 256);
  auto px = [&](int x, int y) {
    auto i = (static_cast<std::size_t>(y) * 256 + x) * 4;
    return std::array<int, 4>{rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]};
  };
  EXPECT_EQ(px(60, 100), (std::array<int, 4>{120, 140, 50, 255}));
  EXPECT_EQ(px(200, 100)[3], 0);  // no-data: transparent
  auto etag = r.header("etag");
  auto cached = get("/tiles/imagery/dom/2025-06/10/845/417", t, {{"If-None-Match", etag}});
  EXPECT_EQ(cached.status, 304);
  EXPECT_TRUE(cached.body.empty());
  // The overview tile holds the same imagery at half the size.
  EXPECT_EQ(get("/tiles/imagery/dom/2025-06/9/422/208", t).status, 200);
  // Beside the imagery: nothing to draw.
  EXPECT_EQ(get("/tiles/imagery/dom/2025-06/10/846/417", t).status, 204);
}

TEST_P(ImageryApiTest, unknown_dates_and_other_counties_answer_404_alike_and_401_without_session) {
  auto unknown = get("/tiles/imagery/dom/2019-01/10/845/417", token("zhen"));
  ASSERT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.code(), "imagery_not_found");
  auto outside = get("/tiles/imagery/dom/2025-06/10/845/417", token("elsewhere"));
  EXPECT_EQ(outside.status, 404);
  EXPECT_EQ(outside.body, unknown.body);
  EXPECT_TRUE(get("/api/v1/imagery", token("elsewhere")).json()["imagery"].empty());
  EXPECT_EQ(get("/tiles/imagery/dom/2025-06/10/845/417", "").status, 401);
  EXPECT_EQ(get("/tiles/imagery/dom/2025-06/10/2000/417", token("zhen")).status, 404);
}

INSTANTIATE_TEST_SUITE_P(Backends, ImageryApiTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
