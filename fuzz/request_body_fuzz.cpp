// libFuzzer harness: request bodies through the API router, as signed-in users send them. The
// first byte of an input picks a user of the demo county (township, village collective, villager,
// lead department, finance) and the second a route of the OpenAPI document that takes a body
// (POST, PUT, PATCH, DELETE; path parameters filled with the demo's ids and codes); the rest is
// the body. Every answer must be an HTTP answer below 500: an exception that escapes the router
// or a 5xx is a finding (the server would answer 500), and a crash ends the run, as it would end
// the server.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "http/api_services.h"
#include "http/routes.h"
#include "services/auth.h"
#include "services/demo_county.h"
#include "services/demo_platform.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"
#include "storage/store.h"

namespace {

using namespace gz;

struct Route {
  std::string method, target;
};

// The demo county in a database of its own, its services and router, and a session per user.
struct World {
  std::string location;
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<storage::IdentityStore> identity;
  std::unique_ptr<storage::ProjectStore> projects;
  std::unique_ptr<http::ApiServices> api;
  std::unique_ptr<http::Router> router;
  std::vector<std::string> tokens;
  std::vector<Route> routes;
};

// "{id}" → "1", "{region}" → a village of the demo …: enough for the route to be reached.
std::string fill(std::string path) {
  for (;;) {
    auto open = path.find('{');
    if (open == std::string::npos) return path;
    auto close = path.find('}', open);
    std::string name = path.substr(open + 1, close - open - 1);
    std::string value = name == "region" || name == "code" ? "340123100001" : name == "layer" ? "land_use" : "1";
    path.replace(open, close - open + 1, value);
  }
}

World& world() {
  static World* w = [] {
    auto* w = new World;
    auto dir = std::filesystem::temp_directory_path() / ("gongzhi-fuzz-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    w->location = (dir / "county.sqlite").string();
    const std::string password = "fuzzing the county";
    {
      auto store = storage::Store::open(w->location, {.create = true});
      services::generate_demo_county(*store, {.polygons = 300, .seed = 7});
      services::seed_demo_platform(*store, w->location, password);
    }
    w->store = storage::Store::open(w->location);
    w->identity = storage::IdentityStore::open(w->location);
    w->projects = storage::ProjectStore::open(w->location);
    w->api = std::make_unique<http::ApiServices>(*w->store, *w->identity, *w->projects);
    w->router = std::make_unique<http::Router>(http::make_router(w->api->context()));
    for (const char* user : {"zhen", "cun", "cunmin", "zrzy", "czj"}) {
      auto r = services::login(*w->identity, {}, user, password, "127.0.0.1");
      if (r.outcome != services::LoginOutcome::ok) {
        std::fprintf(stderr, "fuzz setup: %s cannot sign in\n", user);
        std::abort();
      }
      w->tokens.push_back(r.token);
    }
    auto doc = nlohmann::json::parse(http::openapi_document());
    for (auto& [path, item] : doc["paths"].items())
      for (const char* method : {"post", "put", "patch", "delete"})
        if (item.contains(method)) {
          std::string m = method;
          for (auto& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
          w->routes.push_back({m, fill(path)});
        }
    std::fprintf(stderr, "fuzz setup: %zu routes with a body, %zu users, database %s\n", w->routes.size(),
                 w->tokens.size(), w->location.c_str());
    return w;
  }();
  return *w;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  world();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  World& w = world();
  const Route& route = w.routes[data[1] % w.routes.size()];
  http::Request req;
  req.method = route.method;
  req.target = req.path = route.target;
  req.body.assign(reinterpret_cast<const char*>(data) + 2, size - 2);
  req.headers["authorization"] = "Bearer " + w.tokens[data[0] % w.tokens.size()];
  req.headers["content-type"] = "application/json";
  req.remote_address = "127.0.0.1";
  auto res = w.router->dispatch(req);
  if (res.status >= 500) {
    std::fprintf(stderr, "%s %s answered %d: %s\n", req.method.c_str(), req.target.c_str(), res.status,
                 res.body.c_str());
    std::abort();
  }
  return 0;
}
