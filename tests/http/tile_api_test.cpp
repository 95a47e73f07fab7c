// GET /tiles/{layer}/{z}/{x}/{y}.mvt over real HTTP on loopback, against `gongzhi serve` on both
// backends with the demo county and its imported regions: decodable features for a user of the
// county, 304 for a known ETag, 204 where there is no data, 404 for an unknown layer or version,
// for coordinates that name no tile and (indistinguishably from an unknown layer) for a user
// whose grants lie in another county; 401 without a session.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "../services/mvt_decode.h"
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

// The z/x/y path of the tile holding (lon, lat).
std::string tile_at(int z, double lon, double lat) {
  double n = std::ldexp(1.0, z);
  auto x = static_cast<long>((lon + 180) / 360 * n);
  auto y = static_cast<long>((1 - std::asinh(std::tan(lat * M_PI / 180)) / M_PI) / 2 * n);
  return std::to_string(z) + "/" + std::to_string(x) + "/" + std::to_string(y);
}

class TileApiTest : public StoreBackendTest {
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
    start();
  }
  void TearDown() override { server_.reset(); }  // before the store is dropped
  void start() {
    server_ = std::make_unique<ServeProcess>(location());
    port_ = server_->port();
  }
  std::string token(const std::string& user) { return sign_in(port_, user, kPassword); }
  HttpReply get(const std::string& target, const std::string& token,
                std::vector<std::pair<std::string, std::string>> headers = {}) {
    headers.emplace_back("Authorization", "Bearer " + token);
    return http_request(port_, bhttp::verb::get, target, "", headers);
  }

  // The middle of the demo county.
  const std::string centre14_ = "/tiles/land_use/" + tile_at(14, 117.225, 31.48) + ".mvt";
  unsigned short port_ = 0;
  std::unique_ptr<ServeProcess> server_;
};

TEST_P(TileApiTest, a_county_user_gets_decodable_land_use_features_and_a_304_for_its_etag) {
  auto t = token("zhen");
  auto r = get(centre14_, t);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/vnd.mapbox-vector-tile");
  EXPECT_EQ(r.header("cache-control"), "private, max-age=60");
  const std::string etag = r.header("etag");
  ASSERT_GE(etag.size(), 3u);
  EXPECT_EQ(etag.front(), '"');
  auto layers = decode_mvt(r.body);
  ASSERT_EQ(layers.size(), 1u);
  EXPECT_EQ(layers[0].name, "land_use");
  ASSERT_FALSE(layers[0].features.empty());
  for (const auto& f : layers[0].features) {
    EXPECT_TRUE(f.id.has_value());
    // A 三调 code: four digits, or four and a K (可调整) or A suffix, as the demo now has.
    const std::string& dlbm = f.tags.at("DLBM");
    EXPECT_TRUE(dlbm.size() == 4 || (dlbm.size() == 5 && (dlbm[4] == 'K' || dlbm[4] == 'A')))
        << dlbm;
    ASSERT_FALSE(f.rings.empty());
    EXPECT_GT(ring_area2(f.rings[0]), 0);
  }
  // The same tile again: same tag; with If-None-Match, 304 without a body.
  auto again = get(centre14_, t);
  EXPECT_EQ(again.header("etag"), etag);
  EXPECT_EQ(again.body, r.body);
  auto not_modified = get(centre14_, t, {{"If-None-Match", "\"other\", " + etag}});
  EXPECT_EQ(not_modified.status, 304);
  EXPECT_TRUE(not_modified.body.empty());
  EXPECT_EQ(not_modified.header("etag"), etag);
  auto changed = get(centre14_, t, {{"If-None-Match", "\"other\""}});
  EXPECT_EQ(changed.status, 200);
  // A pinned version is the same tile, cacheable for long.
  auto pinned = get(centre14_ + "?version=1", t);
  ASSERT_EQ(pinned.status, 200) << pinned.body;
  EXPECT_EQ(pinned.header("etag"), etag);
  EXPECT_NE(pinned.header("cache-control").find("immutable"), std::string::npos);
  // Other layers of the county are served too; an overview tile is small and decodes.
  auto overview = get("/tiles/land_use/" + tile_at(10, 117.225, 31.48) + ".mvt", t);
  ASSERT_EQ(overview.status, 200);
  EXPECT_LT(overview.body.size(), 500u * 1024);
  EXPECT_FALSE(decode_mvt(overview.body).at(0).features.empty());
}

TEST_P(TileApiTest, a_tile_without_data_answers_204) {
  auto r = get("/tiles/land_use/" + tile_at(14, 100.0, 20.0) + ".mvt", token("root"));
  EXPECT_EQ(r.status, 204);
  EXPECT_TRUE(r.body.empty());
  EXPECT_FALSE(r.header("etag").empty());
}

TEST_P(TileApiTest, unknown_layers_and_versions_and_other_counties_answer_404_alike) {
  auto t = token("zhen");
  auto unknown = get("/tiles/no_such_layer/" + tile_at(14, 117.225, 31.48) + ".mvt", t);
  ASSERT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.code(), "layer_not_found");
  auto version = get(centre14_ + "?version=99", t);
  EXPECT_EQ(version.status, 404);
  EXPECT_EQ(version.body, unknown.body);
  // A user of another county learns nothing, not even that the layer exists.
  auto outside = get(centre14_, token("elsewhere"));
  EXPECT_EQ(outside.status, 404);
  EXPECT_EQ(outside.body, unknown.body);
  auto bad_version = get(centre14_ + "?version=abc", t);
  EXPECT_EQ(bad_version.status, 400);
  EXPECT_EQ(bad_version.code(), "invalid_version");
}

TEST_P(TileApiTest, coordinates_that_name_no_tile_answer_404) {
  auto t = token("zhen");
  for (const char* path : {"23/0/0", "-1/0/0", "0/1/0", "0/0/1", "14/16384/0", "14/0/16384",
                           "a/0/0", "1.5/0/0", "1/0/x", "01x/0/0", "99999999999/0/0"}) {
    auto r = get(std::string("/tiles/land_use/") + path + ".mvt", t);
    EXPECT_EQ(r.status, 404) << path << ": " << r.body;
    EXPECT_EQ(r.code(), "tile_not_found") << path;
  }
  // Without the .mvt suffix the path is not a tile route at all.
  auto plain = get("/tiles/land_use/0/0/0", t);
  EXPECT_EQ(plain.status, 404);
}

TEST_P(TileApiTest, without_a_session_tiles_answer_401) {
  auto r = http_request(port_, bhttp::verb::get, centre14_);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.code(), "unauthenticated");
  auto bad = get(centre14_, "not-a-token");
  EXPECT_EQ(bad.status, 401);
}

INSTANTIATE_TEST_SUITE_P(Backends, TileApiTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
