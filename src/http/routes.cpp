#include "http/routes.h"

#include <memory>
#include <nlohmann/json.hpp>

#include "common/data_dir.h"
#include "common/error.h"

namespace gz::http {

namespace {
Response json(int status, const nlohmann::json& j) {
  return {status, "application/json; charset=utf-8", j.dump()};
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

nlohmann::json layer_json(const LayerVersion& v) {
  return {{"layer", v.layer},         {"kind", to_string(v.kind)},     {"version", v.version},
          {"features", v.feature_count}, {"source_srs", v.source_srs}, {"created_at", v.created_at}};
}

Response health(storage::Store& store) {
  auto layers = store.layers();
  return json(200, {{"status", "ok"}, {"version", GONGZHI_VERSION}, {"layers", layers.size()}});
}

Response home_page(storage::Store& store) {
  std::string rows;
  for (const auto& v : store.layers())
    rows += "<tr><td>" + html_escape(v.layer) + "</td><td>" + std::string(to_string(v.kind)) +
            "</td><td>" + std::to_string(v.version) + "</td><td>" + std::to_string(v.feature_count) +
            "</td><td>" + html_escape(v.created_at) + "</td></tr>";
  std::string page = R"(<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>共治 Gongzhi — 一张图</title>
<style>body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}
.ok{color:#2a7a2a}</style></head><body>
<h1>共治 Gongzhi <small>全域土地综合整治协同治理平台</small></h1>
<p class="ok">服务运行正常 · service healthy · <a href="/api/v1/layers">/api/v1/layers</a> ·
<a href="/api/v1/openapi.json">OpenAPI</a></p>
<h2>图层 Layers</h2><table><tr><th>图层 layer</th><th>类型 kind</th><th>版本 version</th><th>要素 features</th><th>导入时间 imported</th></tr>)" +
                     rows + "</table></body></html>";
  return {200, "text/html; charset=utf-8", page};
}
}  // namespace

Router make_router(storage::Store& store) {
  // The document is data: read once, served as it is.
  auto openapi = std::make_shared<std::string>(read_file(data_dir() + "/openapi.json"));
  Router r;
  r.add("GET", "/", [&store](const Request&, const PathParams&) { return home_page(store); });
  r.add("GET", "/health", [&store](const Request&, const PathParams&) { return health(store); });
  r.add("GET", "/api/v1/health", [&store](const Request&, const PathParams&) { return health(store); });
  r.add("GET", "/api/v1/openapi.json", [openapi](const Request&, const PathParams&) {
    return Response{200, "application/json; charset=utf-8", *openapi};
  });
  r.add("GET", "/api/v1/layers", [&store](const Request&, const PathParams&) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& v : store.layers()) list.push_back(layer_json(v));
    return json(200, {{"layers", list}});
  });
  r.add("GET", "/api/v1/layers/{layer}", [&store](const Request&, const PathParams& p) {
    const std::string& name = p.at("layer");
    try {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& v : store.versions(name)) list.push_back(layer_json(v));
      return json(200, {{"layer", name}, {"versions", list}});
    } catch (const NotFoundError&) {
      throw ApiError{404, "layer_not_found", "图层不存在", "layer not found"};
    }
  });
  return r;
}

Handler make_routes(storage::Store& store) {
  auto router = std::make_shared<Router>(make_router(store));
  return [router](const Request& req) { return router->dispatch(req); };
}

}  // namespace gz::http
