#include "http/routes.h"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <ctime>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/data_dir.h"
#include "common/error.h"
#include "common/json_input.h"
#include "http/api_support.h"
#include "http/audit_routes.h"
#include "http/dashboard_routes.h"
#include "http/progress_routes.h"
#include "http/funds_routes.h"
#include "http/indicator_routes.h"
#include "http/rights_routes.h"
#include "http/participation_routes.h"
#include "http/assessment_routes.h"
#include "http/event_routes.h"
#include "http/fast_reads.h"
#include "http/project_routes.h"
#include "http/order_routes.h"
#include "http/request_origin.h"
#include "http/scheme_routes.h"
#include "http/download_routes.h"
#include "http/tile_routes.h"
#include "http/imagery_routes.h"
#include "http/map_routes.h"
#include "http/village_figure_routes.h"
#include "http/land_use_class_routes.h"
#include "http/stats_table_routes.h"
#include "http/monitoring_routes.h"
#include "http/static_routes.h"
#include "services/regions.h"
#include "services/tiles.h"

namespace gz::http {

namespace {
Response json(int status, const nlohmann::json& j) {
  return {status, "application/json; charset=utf-8", j.dump(), {}};
}

nlohmann::json layer_json(const LayerVersion& v) {
  return {{"layer", v.layer},         {"kind", to_string(v.kind)},     {"version", v.version},
          {"features", v.feature_count}, {"source_srs", v.source_srs}, {"created_at", v.created_at}};
}

// 200 "ok" while the database answers; 503 "degraded" while it does not (a load balancer takes
// the process out of rotation; it comes back by itself once the store has reconnected).
Response health(storage::Store& store) {
  try {
    auto layers = store.layers();
    return json(200, {{"status", "ok"}, {"version", GONGZHI_VERSION}, {"layers", layers.size()}});
  } catch (const StorageError& e) {
    spdlog::warn("health: database unavailable: {}", e.what());
    return json(503, {{"status", "degraded"},
                      {"version", GONGZHI_VERSION},
                      {"database", "unavailable"},
                      {"message_zh", "数据库暂不可用，正在重新连接"},
                      {"message_en", "the database is unavailable; reconnecting"}});
  }
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

// Secure (sent back only over TLS) when the server is told it is behind TLS, or when this
// request came through a trusted proxy over TLS.
std::string session_cookie(const std::string& value, const AuthOptions& auth, bool clear,
                           const Request& req) {
  std::string c = std::string(kSessionCookie) + "=" + value + "; HttpOnly; SameSite=Strict; Path=/";
  if (clear)
    c += "; Max-Age=0";
  else
    c += "; Max-Age=" + std::to_string(auth.policy.absolute_seconds);
  if (auth.secure_cookie || client_used_tls(req, auth)) c += "; Secure";
  return c;
}

struct Credentials {
  std::string username, password;
};

// {"username": "…", "password": "…"} and nothing else; every other shape is a 400.
Credentials parse_credentials(const std::string& body) {
  nlohmann::json j;
  try {
    j = parse_json_input(body);
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
  auto r = services::login(identity, auth.policy, c.username, c.password, client_address(req, auth));
  if (r.outcome == services::LoginOutcome::throttled) {
    const auto wait = std::to_string(r.retry_after);
    auto res = error_response({429, "too_many_attempts", "登录失败次数过多，请在 " + wait + " 秒后再试",
                               "too many failed logins; try again in " + wait + " s"});
    res.headers.emplace_back("Retry-After", wait);
    return res;
  }
  if (r.outcome != services::LoginOutcome::ok) {
    auto res = error_response({401, "invalid_credentials", "用户名或密码错误", "wrong username or password"});
    // This failure started a wait: say how long, as a 429 would.
    if (r.retry_after > 0) res.headers.emplace_back("Retry-After", std::to_string(r.retry_after));
    return res;
  }
  auto j = user_json(r.user);
  j["token"] = r.token;
  j["expires_at"] = iso_time(r.session.expires);
  j["idle_timeout_seconds"] = r.session.idle_seconds;
  auto res = json(200, j);
  res.headers.emplace_back("Set-Cookie", session_cookie(r.token, auth, false, req));
  return res;
}
}  // namespace

std::string client_address(const Request& req, const AuthOptions& auth) {
  auto trusted = [&](const std::string& a) { return is_trusted_proxy(a, auth); };
  if (!trusted(req.remote_address)) return req.remote_address;
  // "client, proxy1, proxy2": walk from the right past our own proxies.
  std::vector<std::string> hops;
  std::string list = req.header("x-forwarded-for");
  std::size_t pos = 0;
  while (pos <= list.size()) {
    auto end = list.find(',', pos);
    if (end == std::string::npos) end = list.size();
    auto hop = list.substr(pos, end - pos);
    hop.erase(0, hop.find_first_not_of(' '));
    while (!hop.empty() && hop.back() == ' ') hop.pop_back();
    if (!hop.empty()) hops.push_back(hop);
    pos = end + 1;
  }
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    if (trusted(*it)) continue;
    boost::system::error_code ec;
    auto address = boost::asio::ip::make_address(*it, ec);
    // A forged or garbled hop is not an address: the proxy's own address counts instead.
    return ec ? req.remote_address : address.to_string();
  }
  return req.remote_address;
}

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
  r.add("GET", "/health", [&store](const Request&, const PathParams&) { return health(store); });
  r.add("GET", "/api/v1/health", [&store](const Request&, const PathParams&) { return health(store); });
  r.add("GET", "/api/v1/openapi.json", [openapi](const Request&, const PathParams&) {
    return Response{200, "application/json; charset=utf-8", *openapi, {}};
  });
  // The layers are the county's map: any signed-in user whose grants meet the county may list
  // them (tiles and features are further limited by jurisdiction where they are served); to
  // anyone else, as to tiles and downloads, there are none.
  r.add("GET", "/api/v1/layers", [&store, &identity](const Request& req, const PathParams&) {
    auto user = signed_in(identity, req);
    nlohmann::json list = nlohmann::json::array();
    if (services::may_see_map_data(user, identity.regions()))
      for (const auto& v : store.layers()) list.push_back(layer_json(v));
    return json(200, {{"layers", list}});
  });
  r.add("GET", "/api/v1/layers/{layer}", [&store, &identity](const Request& req, const PathParams& p) {
    auto user = signed_in(identity, req);
    const std::string& name = p.at("layer");
    try {
      if (!services::may_see_map_data(user, identity.regions())) throw NotFoundError("layer " + name);
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
    if (!services::logout(identity, request_token(req), client_address(req, auth)))
      throw unauthenticated();
    auto res = json(200, {{"status", "signed_out"}});
    res.headers.emplace_back("Set-Cookie", session_cookie("", auth, true, req));
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
  if (ctx.projects) add_project_routes(r, identity, *ctx.projects, ctx.fast_reads);
  add_audit_routes(r, identity, ctx.projects);
  add_tile_routes(r, store, identity);
  add_map_routes(r, store, identity);
  // The villages' people and economy, kept in the projects' database (its tables made here).
  if (ctx.event_store) {
    auto figures = std::make_shared<services::VillageFigureService>(*ctx.event_store, identity);
    add_village_figure_routes(r, identity, figures);
  }
  if (ctx.imagery) add_imagery_routes(r, *ctx.imagery, identity);
  add_download_routes(r, store, identity, {ctx.projects, ctx.funds, ctx.progress});
  if (ctx.progress) add_progress_routes(r, identity, *ctx.progress);
  if (ctx.funds) add_funds_routes(r, identity, *ctx.funds);
  if (ctx.rights) add_rights_routes(r, identity, *ctx.rights);
  if (ctx.indicators && ctx.benefits) add_indicator_routes(r, identity, *ctx.indicators, *ctx.benefits);
  if (ctx.schemes) add_scheme_routes(r, identity, *ctx.schemes);
  if (ctx.projects && ctx.participation)
    add_participation_routes(r, identity, *ctx.projects, *ctx.participation);
  if (ctx.dashboard) add_dashboard_routes(r, identity, *ctx.dashboard, ctx.fast_reads);
  if (ctx.warnings && ctx.orders) add_order_routes(r, identity, *ctx.warnings, *ctx.orders);
  if (ctx.event_store)
    add_event_routes(r, identity,
                     std::make_shared<EventHub>(*ctx.event_store, identity, event_hub_options_from_env(),
                                                ctx.fast_reads ? ctx.fast_reads->signal() : nullptr));
  add_land_use_class_routes(r, identity);
  add_stats_table_routes(r, store, identity);
  add_monitoring_routes(r, store, identity, ctx.event_store);
  if (ctx.units || ctx.village_plans) add_assessment_routes(r, identity, ctx.units, ctx.village_plans);
  // The web app: "/" and its client routes answer index.html, /assets/* the bundles.
  add_static_routes(r, web_dir());
  return r;
}

Handler make_routes(const ApiContext& ctx) {
  auto router = std::make_shared<Router>(make_router(ctx));
  // Before any route: a browser's unsafe request made by a page of another site.
  return [router, auth = ctx.auth, dir = web_dir()](const Request& req) {
    if (auto refusal = cross_origin_refusal(req, auth)) return error_response(*refusal);
    auto res = router->dispatch(req);
    // An unknown address of the web app: the app's own not-found page.
    if (res.status == 404)
      if (auto page = app_not_found_page(req, dir)) return std::move(*page);
    return res;
  };
}

}  // namespace gz::http
