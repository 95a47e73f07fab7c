#include "http/routes.h"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/data_dir.h"
#include "common/error.h"
#include "http/api_support.h"
#include "http/event_routes.h"
#include "http/project_routes.h"
#include "services/regions.h"

namespace gz::http {

namespace {
Response json(int status, const nlohmann::json& j) {
  return {status, "application/json; charset=utf-8", j.dump(), {}};
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
  return {200, "text/html; charset=utf-8", page, {}};
}
// ---- sign-in ---------------------------------------------------------------------------------

constexpr const char* kSessionCookie = "gongzhi_session";

std::string iso_time(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

nlohmann::json user_json(const User& u) {
  nlohmann::json grants = nlohmann::json::array();
  for (const auto& g : u.grants)
    grants.push_back({{"role", std::string(to_string(g.role))},
                      {"department", g.department},
                      {"region", g.region_code}});
  return {{"user", {{"id", u.id}, {"username", u.username}, {"created_at", u.created_at}}},
          {"grants", grants}};
}

ApiError unauthenticated() {
  return {401, "unauthenticated", "未登录或会话已过期", "not signed in, or the session has expired"};
}

std::string session_cookie(const std::string& value, const AuthOptions& auth, bool clear) {
  std::string c = std::string(kSessionCookie) + "=" + value + "; HttpOnly; SameSite=Strict; Path=/";
  if (clear)
    c += "; Max-Age=0";
  else
    c += "; Max-Age=" + std::to_string(auth.policy.absolute_seconds);
  if (auth.secure_cookie) c += "; Secure";
  return c;
}

struct Credentials {
  std::string username, password;
};

// {"username": "…", "password": "…"} and nothing else; every other shape is a 400.
Credentials parse_credentials(const std::string& body) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception&) {
    throw ApiError{400, "malformed_json", "请求体不是有效的 JSON", "request body is not valid JSON"};
  }
  if (!j.is_object())
    throw ApiError{400, "not_an_object", "请求体必须是 JSON 对象", "request body must be a JSON object"};
  for (auto& [key, value] : j.items())
    if (key != "username" && key != "password")
      throw ApiError{400, "unknown_field", "未知字段：" + key, "unknown field: " + key};
  Credentials c;
  for (const char* field : {"username", "password"}) {
    auto it = j.find(field);
    if (it == j.end())
      throw ApiError{400, "missing_field", std::string("缺少字段：") + field,
                     std::string("missing field: ") + field};
    if (!it->is_string())
      throw ApiError{400, "wrong_type", std::string("字段 ") + field + " 应为字符串",
                     std::string("field ") + field + " must be a string"};
  }
  c.username = j["username"].get<std::string>();
  c.password = j["password"].get<std::string>();
  if (c.username.empty() || c.password.empty())
    throw ApiError{400, "empty_field", "用户名和密码不能为空", "username and password must not be empty"};
  if (c.username.size() > 256 || c.password.size() > 1024)
    throw ApiError{400, "field_too_long", "用户名或密码过长", "username or password too long"};
  return c;
}

nlohmann::json region_json(const Region& r) {
  return {{"code", r.code},
          {"name", r.name},
          {"level", std::string(to_string(r.level))},
          {"parent", r.parent}};
}

// Outside the caller's grants a region answers exactly as one that does not exist.
ApiError region_not_found() {
  return {404, "not_found", "区域不存在", "region not found"};
}

Response sign_in(storage::IdentityStore& identity, const AuthOptions& auth, const Request& req) {
  auto c = parse_credentials(req.body);
  auto r = services::login(identity, auth.policy, c.username, c.password, req.remote_address);
  if (r.outcome == services::LoginOutcome::locked) {
    auto res = error_response({429, "too_many_attempts", "登录失败次数过多，请稍后再试",
                               "too many failed logins; try again later"});
    res.headers.emplace_back("Retry-After", std::to_string(auth.policy.window_seconds));
    return res;
  }
  if (r.outcome != services::LoginOutcome::ok)
    throw ApiError{401, "invalid_credentials", "用户名或密码错误", "wrong username or password"};
  auto j = user_json(r.user);
  j["token"] = r.token;
  j["expires_at"] = iso_time(r.session.expires);
  j["idle_timeout_seconds"] = r.session.idle_seconds;
  auto res = json(200, j);
  res.headers.emplace_back("Set-Cookie", session_cookie(r.token, auth, false));
  return res;
}
}  // namespace

std::string openapi_document() {
  namespace fs = std::filesystem;
  auto doc = nlohmann::json::parse(read_file(data_dir() + "/openapi.json"));
  std::vector<fs::path> parts;
  if (fs::is_directory(data_dir() + "/openapi"))
    for (const auto& e : fs::directory_iterator(data_dir() + "/openapi"))
      if (e.path().extension() == ".json") parts.push_back(e.path());
  std::sort(parts.begin(), parts.end());
  for (const auto& path : parts) {
    nlohmann::json part;
    try {
      part = nlohmann::json::parse(read_file(path.string()));
    } catch (const nlohmann::json::exception& e) {
      throw InputError(path.string(), "", "", std::string("not valid JSON: ") + e.what());
    }
    const auto paths = part.value("paths", nlohmann::json::object());
    for (auto& [k, v] : paths.items()) {
      if (doc["paths"].contains(k))
        throw InputError(path.string(), "", "paths", "path " + k + " is documented twice");
      doc["paths"][k] = v;
    }
    if (part.contains("components")) {
      const auto schemas = part["components"].value("schemas", nlohmann::json::object());
      for (auto& [k, v] : schemas.items()) doc["components"]["schemas"][k] = v;
    }
  }
  return doc.dump(1);
}

Router make_router(storage::Store& store, storage::IdentityStore& identity,
                   const AuthOptions& auth) {
  return make_router(ApiContext{store, identity, auth});
}

Router make_router(const ApiContext& ctx) {
  storage::Store& store = ctx.store;
  storage::IdentityStore& identity = ctx.identity;
  const AuthOptions& auth = ctx.auth;
  // The document is data: read once, served as it is.
  auto openapi = std::make_shared<std::string>(openapi_document());
  Router r;
  r.add("GET", "/", [&store](const Request&, const PathParams&) { return home_page(store); });
  r.add("GET", "/health", [&store](const Request&, const PathParams&) { return health(store); });
  r.add("GET", "/api/v1/health", [&store](const Request&, const PathParams&) { return health(store); });
  r.add("GET", "/api/v1/openapi.json", [openapi](const Request&, const PathParams&) {
    return Response{200, "application/json; charset=utf-8", *openapi, {}};
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
  r.add("POST", "/api/v1/session", [&identity, auth](const Request& req, const PathParams&) {
    return sign_in(identity, auth, req);
  });
  r.add("DELETE", "/api/v1/session", [&identity, auth](const Request& req, const PathParams&) {
    if (!services::logout(identity, request_token(req), req.remote_address))
      throw unauthenticated();
    auto res = json(200, {{"status", "signed_out"}});
    res.headers.emplace_back("Set-Cookie", session_cookie("", auth, true));
    return res;
  });
  r.add("GET", "/api/v1/me", [&identity](const Request& req, const PathParams&) {
    auto user = services::authenticate(identity, request_token(req));
    if (!user) throw unauthenticated();
    return json(200, user_json(*user));
  });
  r.add("GET", "/api/v1/regions", [&identity](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    nlohmann::json list = nlohmann::json::array();
    for (const auto& region : identity.regions())
      if (services::may_see_region(user, region.code)) list.push_back(region_json(region));
    return json(200, {{"regions", list}});
  });
  r.add("GET", "/api/v1/regions/{code}", [&identity](const Request& req, const PathParams& p) {
    auto user = signed_in(identity, req);
    const std::string& code = p.at("code");
    if (!services::may_see_region(user, code)) throw region_not_found();
    auto region = identity.find_region(code);
    if (!region) throw region_not_found();
    nlohmann::json children = nlohmann::json::array();
    for (const auto& child : identity.child_regions(region->code))
      children.push_back(region_json(child));
    auto j = region_json(*region);
    j["children"] = children;
    return json(200, j);
  });
  if (ctx.projects) add_project_routes(r, identity, *ctx.projects);
  if (ctx.event_store)
    add_event_routes(r, identity,
                     std::make_shared<EventHub>(*ctx.event_store, identity, event_hub_options_from_env()));
  return r;
}

Handler make_routes(const ApiContext& ctx) {
  auto router = std::make_shared<Router>(make_router(ctx));
  return [router](const Request& req) { return router->dispatch(req); };
}

}  // namespace gz::http
