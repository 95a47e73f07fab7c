// libFuzzer harness: request bodies through the API router, as signed-in users send them. The
// first byte of an input picks a user of the demo county (administrator, departments, leader
// group, township, village collective, villager, investor), the second a route of the OpenAPI
// document that takes a body (POST, PUT, PATCH, DELETE), the third how its path parameters are
// filled (ids 1, 2 or one that does not exist; the user's own region or the county's); the rest is
// the body. Every answer must be an HTTP answer below 500: an exception that escapes the router
// or a 5xx is a finding (the server would answer 500), and a crash ends the run, as it would end
// the server.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fuzz/fuzz_world.h"
#include "http/routes.h"

namespace {

using namespace gz;

struct Route {
  std::string method, pattern;
};

std::vector<Route>& routes() {
  static std::vector<Route> r = [] {
    std::vector<Route> out;
    auto doc = nlohmann::json::parse(http::openapi_document());
    for (auto& [path, item] : doc["paths"].items())
      for (const char* method : {"post", "put", "patch", "delete"}) {
        if (!item.contains(method)) continue;
        std::string m = method;
        for (auto& c : m) c = static_cast<char>(c - 'a' + 'A');
        // Signing out would end the harness's sessions, and every later input would get 401.
        if (m == "DELETE" && path == "/api/v1/session") continue;
        out.push_back({m, path});
      }
    return out;
  }();
  return r;
}

// "{id}" → "1" …, "{region}"/"{code}" → a region code, "{layer}" → the land-use layer.
std::string fill(std::string path, std::uint8_t variant, const fuzz::DemoAccount& user) {
  static const char* ids[] = {"1", "2", "3", "999999"};
  for (;;) {
    auto open = path.find('{');
    if (open == std::string::npos) return path;
    auto close = path.find('}', open);
    std::string name = path.substr(open + 1, close - open - 1);
    std::string value;
    if (name == "region" || name == "code")
      value = (variant & 4) || user.region.empty() ? "340123" : user.region;
    else if (name == "layer")
      value = (variant & 8) ? "no_such_layer" : "land_use";
    else
      value = ids[variant % 4];
    path.replace(open, close - open + 1, value);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  auto& w = fuzz::demo_world();
  std::fprintf(stderr, "fuzz setup: %zu routes with a body, %zu users, database %s\n", routes().size(),
               w.accounts.size(), w.location.c_str());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  auto& w = fuzz::demo_world();
  const auto& user = w.accounts[data[0] % w.accounts.size()];
  const Route& route = routes()[data[1] % routes().size()];
  http::Request req;
  req.method = route.method;
  req.target = req.path = fill(route.pattern, data[2], user);
  req.body = fuzz::text_of(data + 3, size - 3);
  req.headers["authorization"] = "Bearer " + user.token;
  req.headers["content-type"] = "application/json";
  req.remote_address = "127.0.0.1";
  http::Response res;
  try {
    res = w.router->dispatch(req);
  } catch (const std::exception& e) {
    // The server would answer 500 (http/server.cpp): a finding, named with its request.
    std::fprintf(stderr, "%s %s as %s threw: %s\n", req.method.c_str(), req.target.c_str(),
                 user.username.c_str(), e.what());
    std::abort();
  }
  if (res.status >= 500) {
    std::fprintf(stderr, "%s %s as %s answered %d: %s\n", req.method.c_str(), req.target.c_str(),
                 user.username.c_str(), res.status, res.body.c_str());
    std::abort();
  }
  return 0;
}
