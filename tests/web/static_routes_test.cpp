// The web app's static files: index.html for "/" and the client routes, assets with their
// content type and caching, and no way out of the assets folder (plain, dotted, percent-encoded).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "http/router.h"
#include "http/static_routes.h"

namespace gz::test {
namespace {

namespace fs = std::filesystem;

class StaticRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root = fs::temp_directory_path() / ("gz-static-" + std::to_string(::getpid()));
    fs::remove_all(root);
    fs::create_directories(root / "dist" / "assets");
    write(root / "dist" / "index.html", "<!doctype html><title>共治 app</title>");
    write(root / "dist" / "assets" / "index.B3x-k9_a.js", "console.log(1)");
    write(root / "dist" / "assets" / "index.Dd1x8Fq2.css", "body{}");
    write(root / "dist" / "assets" / "logo.svg", "<svg/>");
    write(root / "secret.txt", "do not serve");
    write(root / "dist" / "assets" / "index.B3x-k9_a.js.gz", "GZIPPED");
    http::add_static_routes(router, (root / "dist").string());
  }
  void TearDown() override { fs::remove_all(root); }
  static void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }
  http::Response get(const std::string& path, const std::string& accept_encoding = "") {
    http::Request req;
    req.method = "GET";
    req.target = path;
    req.path = path.substr(0, path.find('?'));
    if (!accept_encoding.empty()) req.headers["accept-encoding"] = accept_encoding;
    return router.dispatch(req);
  }
  static std::string header(const http::Response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return "";
  }

  fs::path root;
  http::Router router;
};

// The organisers' participation page (web/src/pages/participation.ts) with its query.
TEST_F(StaticRoutesTest, the_participation_page_answers_the_app) {
  for (const char* path : {"/participation", "/participation?village=340123104201&tab=surveys"}) {
    auto r = get(path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_NE(r.body.find("共治 app"), std::string::npos) << path;
  }
  EXPECT_EQ(get("/participation/x").status, 404);
}

// Every page web/src/main.ts routes to answers the app when opened or reloaded directly.
TEST_F(StaticRoutesTest, every_client_page_answers_the_app_when_reloaded) {
  for (const char* path : {"/", "/signin", "/home", "/map", "/inbox", "/village", "/village/votes",
                           "/village/surveys/3", "/dashboard", "/parcels", "/schemes", "/evaluations",
                           "/assessment", "/participation", "/audit", "/print/approval/3", "/print/payment/3/7",
                           "/projects/XM2026-001"}) {
    auto r = get(path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_NE(r.body.find("共治 app"), std::string::npos) << path;
  }
}

TEST_F(StaticRoutesTest, index_and_client_routes_answer_the_app) {
  for (const char* path : {"/", "/signin", "/map", "/inbox", "/village", "/home", "/projects/XM2026-005",
                           "/map?project=3", "/dashboard", "/dashboard?region=340123100",
                           "/village/projects/3", "/village/notices/1", "/village/votes/2",
                           "/village/parcels"}) {
    auto r = get(path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8") << path;
    EXPECT_NE(r.body.find("共治 app"), std::string::npos) << path;
    EXPECT_EQ(header(r, "Cache-Control"), "no-cache") << path;
  }
  EXPECT_EQ(get("/no/such/page").status, 404);
}

// An address the app has no page for answers the app itself with 404 (it shows 页面不存在), but
// the API, the assets, the tiles and the health check keep their JSON 404 and other methods too.
TEST_F(StaticRoutesTest, unknown_app_paths_answer_the_app_with_404_and_api_paths_do_not) {
  auto req = [](const std::string& method, const std::string& path) {
    http::Request r;
    r.method = method;
    r.target = path;
    r.path = path;
    return r;
  };
  const std::string dir = (root / "dist").string();
  for (const char* path : {"/no/such/page", "/audit/x", "/projectsx", "/apix"}) {
    for (const char* method : {"GET", "HEAD"}) {
      auto page = http::app_not_found_page(req(method, path), dir);
      ASSERT_TRUE(page.has_value()) << method << " " << path;
      EXPECT_EQ(page->status, 404) << path;
      EXPECT_EQ(page->content_type, "text/html; charset=utf-8") << path;
      EXPECT_NE(page->body.find("共治 app"), std::string::npos) << path;
      EXPECT_EQ(header(*page, "Content-Security-Policy"), http::content_security_policy()) << path;
    }
  }
  for (const char* path : {"/api", "/api/v1/nothing", "/assets/missing.js", "/tiles/x/0/0/0.mvt", "/health"})
    EXPECT_FALSE(http::app_not_found_page(req("GET", path), dir).has_value()) << path;
  for (const char* method : {"POST", "PUT", "DELETE"})
    EXPECT_FALSE(http::app_not_found_page(req(method, "/no/such/page"), dir).has_value()) << method;
}

TEST_F(StaticRoutesTest, assets_have_their_content_type_and_hashed_ones_are_immutable) {
  auto js = get("/assets/index.B3x-k9_a.js");
  ASSERT_EQ(js.status, 200);
  EXPECT_EQ(js.body, "console.log(1)");
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(header(js, "Cache-Control"), "public, max-age=31536000, immutable");
  auto css = get("/assets/index.Dd1x8Fq2.css");
  EXPECT_EQ(css.content_type, "text/css; charset=utf-8");
  auto svg = get("/assets/logo.svg");
  ASSERT_EQ(svg.status, 200);
  EXPECT_EQ(svg.content_type, "image/svg+xml");
  EXPECT_EQ(header(svg, "Cache-Control"), "no-cache");  // not content-hashed
  EXPECT_EQ(get("/assets/missing.js").status, 404);
}

TEST_F(StaticRoutesTest, a_browser_that_accepts_gzip_gets_the_gzip_copy) {
  auto gz = get("/assets/index.B3x-k9_a.js", "gzip, deflate, br");
  ASSERT_EQ(gz.status, 200);
  EXPECT_EQ(gz.body, "GZIPPED");
  EXPECT_EQ(header(gz, "Content-Encoding"), "gzip");
  EXPECT_EQ(gz.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(header(gz, "Vary"), "Accept-Encoding");
  for (const char* refused : {"", "identity", "gzip;q=0", "br, gzip; q=0"}) {
    auto plain = get("/assets/index.B3x-k9_a.js", refused);
    EXPECT_EQ(plain.body, "console.log(1)") << refused;
    EXPECT_EQ(header(plain, "Content-Encoding"), "") << refused;
  }
  // No gzip copy: the file itself.
  EXPECT_EQ(get("/assets/index.Dd1x8Fq2.css", "gzip").body, "body{}");
  // A .gz copy is not a way around a missing file or an unsafe name.
  EXPECT_EQ(get("/assets/..%2fsecret.txt", "gzip").status, 404);
}

TEST_F(StaticRoutesTest, no_path_leaves_the_assets_folder) {
  for (const char* path :
       {"/assets/../../etc/passwd", "/assets/..%2F..%2Fetc%2Fpasswd", "/assets/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/assets/..%2fsecret.txt", "/assets/%2E%2E/secret.txt", "/assets/..", "/assets/%2e%2e",
        "/assets/.%2e%2fsecret.txt", "/assets/..%5csecret.txt", "/assets/%2fetc%2fpasswd",
        "/assets/..%252fsecret.txt", "/assets/index.html%00.js", "/assets/.hidden", "/assets/",
        "/../secret.txt", "/assets/%", "/assets/%zz"}) {
    auto r = get(path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.body.find("do not serve"), std::string::npos) << path;
    EXPECT_EQ(r.body.find("root:"), std::string::npos) << path;
  }
}

TEST_F(StaticRoutesTest, pages_and_assets_carry_the_security_headers) {
  for (const char* path : {"/", "/home", "/projects/new", "/assets/index.B3x-k9_a.js", "/assets/logo.svg"}) {
    for (const char* enc : {"", "gzip"}) {
      auto r = get(path, enc);
      ASSERT_EQ(r.status, 200) << path;
      std::string csp = header(r, "Content-Security-Policy");
      EXPECT_EQ(csp, http::content_security_policy()) << path;
      EXPECT_EQ(header(r, "Referrer-Policy"), "same-origin") << path;
      // The server sets nosniff on every response; a second copy from the route would make it
      // "nosniff, nosniff", which browsers ignore.
      EXPECT_EQ(header(r, "X-Content-Type-Options"), "") << path;
    }
  }
  // The policy: scripts from the app only (no inline script, no eval), MapLibre's blob: workers,
  // nothing framed, no plug-ins.
  const std::string& csp = http::content_security_policy();
  auto directive = [&](const std::string& name) {
    auto at = csp.find(name + " ");
    if (at == std::string::npos) return std::string();
    auto end = csp.find(';', at);
    return csp.substr(at, end == std::string::npos ? std::string::npos : end - at);
  };
  EXPECT_EQ(directive("script-src"), "script-src 'self'");
  EXPECT_EQ(directive("default-src"), "default-src 'self'");
  EXPECT_NE(directive("worker-src").find("blob:"), std::string::npos);
  EXPECT_EQ(directive("object-src"), "object-src 'none'");
  EXPECT_EQ(directive("frame-ancestors"), "frame-ancestors 'none'");
  EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos);
  EXPECT_EQ(directive("script-src").find("unsafe-inline"), std::string::npos);
  // The page shown before the app is built carries them too.
  http::Router bare;
  http::add_static_routes(bare, (root / "nowhere").string());
  http::Request req;
  req.method = "GET";
  req.target = req.path = "/";
  auto r = bare.dispatch(req);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(header(r, "Content-Security-Policy"), csp);
}

TEST(StaticNames, safe_and_hashed_names) {
  EXPECT_TRUE(http::safe_asset_name("index.B3x-k9_a.js"));
  EXPECT_FALSE(http::safe_asset_name("../x"));
  EXPECT_FALSE(http::safe_asset_name("a..b"));
  EXPECT_FALSE(http::safe_asset_name(".env"));
  EXPECT_FALSE(http::safe_asset_name("a/b"));
  EXPECT_FALSE(http::safe_asset_name("a\\b"));
  EXPECT_FALSE(http::safe_asset_name(std::string("a\0b", 3)));
  EXPECT_TRUE(http::hashed_asset_name("maplibre.Cq8_-xYz.js"));
  EXPECT_FALSE(http::hashed_asset_name("logo.svg"));
  EXPECT_FALSE(http::hashed_asset_name("jquery.min.js"));
}

}  // namespace
}  // namespace gz::test
