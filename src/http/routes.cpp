#include "http/routes.h"

#include <nlohmann/json.hpp>

#include "domain/land_use_classes.h"

namespace gz::http {

namespace {
Response json(int status, const nlohmann::json& j) { return {status, "application/json; charset=utf-8", j.dump()}; }

Response error(int status, const std::string& code, const std::string& zh, const std::string& en) {
  return json(status, {{"error", {{"code", code}, {"message_zh", zh}, {"message_en", en}}}});
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
  return {{"layer", v.layer},       {"kind", to_string(v.kind)},     {"version", v.version},
          {"features", v.feature_count}, {"source_srs", v.source_srs}, {"created_at", v.created_at}};
}
}  // namespace

Handler make_routes(storage::Store& store) {
  return [&store](const Request& req) -> Response {
    if (req.method != "GET" && req.method != "HEAD")
      return error(405, "method_not_allowed", "不支持的请求方法", "method not allowed");
    if (req.path == "/health" || req.path == "/api/v1/health") {
      auto layers = store.layers();
      return json(200, {{"status", "ok"}, {"version", GONGZHI_VERSION}, {"layers", layers.size()}});
    }
    if (req.path == "/api/v1/layers") {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& v : store.layers()) list.push_back(layer_json(v));
      return json(200, {{"layers", list}});
    }
    if (req.path.rfind("/api/v1/layers/", 0) == 0) {
      std::string name = req.path.substr(std::string("/api/v1/layers/").size());
      try {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& v : store.versions(name)) list.push_back(layer_json(v));
        return json(200, {{"layer", name}, {"versions", list}});
      } catch (const std::exception&) {
        return error(404, "layer_not_found", "图层不存在", "layer not found");
      }
    }
    if (req.path == "/" || req.path == "/index.html") {
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
<p class="ok">服务运行正常 · service healthy · <a href="/api/v1/layers">/api/v1/layers</a></p>
<h2>图层 Layers</h2><table><tr><th>图层 layer</th><th>类型 kind</th><th>版本 version</th><th>要素 features</th><th>导入时间 imported</th></tr>)" +
                         rows + "</table></body></html>";
      return {200, "text/html; charset=utf-8", page};
    }
    return error(404, "not_found", "资源不存在", "not found");
  };
}

}  // namespace gz::http
