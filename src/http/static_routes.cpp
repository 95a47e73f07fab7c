#include "http/static_routes.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace gz::http {

namespace {
std::optional<std::string> read_regular_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// "gzip" among the codings of an Accept-Encoding header, not refused with q=0.
bool accepts_gzip(const std::string& header) {
  std::size_t start = 0;
  while (start <= header.size()) {
    auto end = header.find(',', start);
    if (end == std::string::npos) end = header.size();
    std::string item = header.substr(start, end - start);
    auto semi = item.find(';');
    std::string coding = item.substr(0, semi);
    coding.erase(0, coding.find_first_not_of(" \t"));
    coding.erase(coding.find_last_not_of(" \t") + 1);
    if (coding == "gzip") {
      if (semi == std::string::npos) return true;
      std::string params = item.substr(semi + 1);
      params.erase(std::remove(params.begin(), params.end(), ' '), params.end());
      return !(params == "q=0" || params == "q=0.0" || params == "q=0.00" || params == "q=0.000");
    }
    start = end + 1;
  }
  return false;
}

// The headers every page and asset of the app carries. The policy allows the app's own scripts
// only (no inline script, no eval); MapLibre starts its tile workers from a blob: URL and
// decodes images through blob:/data: URLs; styles may be inline (MapLibre and ECharts set
// style attributes). Nothing is framed, nothing is sent to another origin. (The server adds
// X-Content-Type-Options: nosniff to every response itself: src/http/server.cpp.)
void add_security_headers(Response& r) {
  r.headers.emplace_back("Content-Security-Policy", content_security_policy());
  r.headers.emplace_back("Referrer-Policy", "same-origin");
}

ApiError not_found() { return {404, "not_found", "资源不存在", "not found"}; }

// When web/dist has not been built: a plain page that says so, never an error.
Response not_built_page(const std::string& dir) {
  std::string page = R"(<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>共治 Gongzhi</title></head><body style="font-family:sans-serif;margin:2rem">
<h1>共治 Gongzhi</h1><p>服务运行正常，但网页应用尚未构建。service healthy; the web app is not built
(<code>scripts/setup.sh</code> builds it into <code>web/dist</code>).</p>
<p><a href="/api/v1/health">/api/v1/health</a> · <a href="/api/v1/openapi.json">OpenAPI</a></p>
</body></html>)";
  Response r{200, "text/html; charset=utf-8", page, {{"Cache-Control", "no-cache"}}};
  add_security_headers(r);
  return r;
}

Response index_page(const std::string& dir) {
  auto body = read_regular_file(dir + "/index.html");
  if (!body) return not_built_page(dir);
  // index.html names the hashed bundles of the current build: always revalidated.
  Response r{200, "text/html; charset=utf-8", *body, {{"Cache-Control", "no-cache"}}};
  add_security_headers(r);
  return r;
}
}  // namespace

const std::string& content_security_policy() {
  static const std::string policy =
      "default-src 'self'; script-src 'self'; worker-src 'self' blob:; child-src 'self' blob:; "
      "img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; font-src 'self' data:; "
      "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
      "frame-ancestors 'none'";
  return policy;
}

std::string web_dir() {
  if (const char* d = std::getenv("GONGZHI_WEB_DIR"); d && *d) return d;
  return GONGZHI_WEB_DIR;
}

std::string content_type_of(const std::string& name) {
  auto dot = name.rfind('.');
  std::string ext = dot == std::string::npos ? "" : name.substr(dot + 1);
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "json" || ext == "map") return "application/json; charset=utf-8";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "jpg" || ext == "jpeg") return "image/jpeg";
  if (ext == "webp") return "image/webp";
  if (ext == "ico") return "image/x-icon";
  if (ext == "woff2") return "font/woff2";
  if (ext == "woff") return "font/woff";
  if (ext == "wasm") return "application/wasm";
  if (ext == "txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

bool safe_asset_name(const std::string& name) {
  if (name.empty() || name.size() > 200 || name.front() == '.') return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return name.find("..") == std::string::npos;
}

bool hashed_asset_name(const std::string& name) {
  // web/vite.config.ts names bundles "NAME.HASH.EXT" ("index.B3x-k9_a.js"): the part between the
  // last two dots is the content hash (8+ characters).
  auto last = name.rfind('.');
  if (last == std::string::npos || last == 0) return false;
  auto before = name.rfind('.', last - 1);
  return before != std::string::npos && last - before - 1 >= 8;
}

std::optional<Response> app_not_found_page(const Request& req, const std::string& dir) {
  if (req.method != "GET" && req.method != "HEAD") return std::nullopt;
  const std::string& path = req.path;
  auto under = [&](const char* prefix) {
    std::string p = prefix;
    return path == p || path.rfind(p + "/", 0) == 0;
  };
  if (under("/api") || under("/assets") || under("/tiles") || under("/health")) return std::nullopt;
  auto res = index_page(dir);
  res.status = 404;
  return res;
}

void add_static_routes(Router& r, const std::string& dir) {
  auto index = [dir](const Request&, const PathParams&) { return index_page(dir); };
  for (const char* route : {"/", "/signin", "/home", "/map", "/inbox", "/village", "/schemes", "/projects/{code}"})
    r.add("GET", route, index);
  // The region dashboard and the villager's pages (notices, projects, votes, parcels).
  for (const char* route : {"/dashboard", "/assessment", "/village/{section}", "/village/{section}/{id}"})
    r.add("GET", route, index);
  // The organisers' participation page (web/src/pages/participation.ts), a household's parcels
  // (parcels.ts) and the evaluation scores across projects (evaluations.ts).
  for (const char* route : {"/participation", "/parcels", "/evaluations"}) r.add("GET", route, index);
  // Project warnings, the supervision orders inbox and one order (web/src/pages/orders.ts), and
  // the land-use change monitoring (web/src/pages/warnings.ts).
  for (const char* route : {"/warnings", "/orders", "/orders/{id}", "/monitoring"}) r.add("GET", route, index);
  // Land indicators and benefit sharing (indicators.ts) and the villager's 我的收益 (my_benefits.ts).
  for (const char* route : {"/indicators", "/benefits"}) r.add("GET", route, index);
  // The auditor's audit page (web/src/pages/audit.ts) and the printable A4 sheets
  // (web/src/pages/print.ts: /print/approval/{id}, /print/notice/{id}, /print/payment/{id}/{d}).
  for (const char* route : {"/audit", "/print/{kind}/{id}", "/print/{kind}/{id}/{item}"}) r.add("GET", route, index);

  r.add("GET", "/assets/{file}", [dir](const Request& req, const PathParams& p) -> Response {
    const std::string& name = p.at("file");  // percent-decoded: "%2e%2e%2f" is "../" here
    if (!safe_asset_name(name)) throw not_found();
    const std::string path = dir + "/assets/" + name;
    std::string cache = hashed_asset_name(name) ? "public, max-age=31536000, immutable" : "no-cache";
    Response res{200, content_type_of(name), "",
                 {{"Cache-Control", cache}, {"Vary", "Accept-Encoding"}}};
    add_security_headers(res);
    // The build's gzip copy (web/scripts/compress.mjs) to a browser that accepts it.
    if (accepts_gzip(req.header("accept-encoding")) && std::filesystem::is_regular_file(path)) {
      if (auto gz = read_regular_file(path + ".gz")) {
        res.body = std::move(*gz);
        res.headers.emplace_back("Content-Encoding", "gzip");
        return res;
      }
    }
    auto body = read_regular_file(path);
    if (!body) throw not_found();
    res.body = std::move(*body);
    return res;
  });
}

}  // namespace gz::http
