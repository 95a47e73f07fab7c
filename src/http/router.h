// Routes of the HTTP API: method + path pattern ("/api/v1/layers/{layer}") to a handler. The
// table is also what the OpenAPI document is checked against.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "http/server.h"

namespace gz::http {

using PathParams = std::map<std::string, std::string>;
using RouteHandler = std::function<Response(const Request&, const PathParams&)>;

// An error an endpoint answers with: HTTP status, stable code, messages in zh-CN and en.
struct ApiError {
  int status;
  std::string code, message_zh, message_en;
};
Response error_response(const ApiError& e);
// The JSON error for an error of the program's family: status by type (NotFoundError 404,
// PermissionError 403, ConflictError 409, UsageError/InputError 400), code and Chinese message
// from Explained when the error carries them. Storage errors become a 503 that names nothing.
ApiError api_error_of(const gz::Error& e);

class Router {
 public:
  struct Route {
    std::string method, pattern;
    RouteHandler handler;
  };
  void add(std::string method, std::string pattern, RouteHandler handler);
  // 404 for an unknown path, 405 for a known path with another method; an ApiError thrown by a
  // handler becomes its JSON error.
  Response dispatch(const Request& request) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// Splits "/a/b" and matches "{name}" segments; nullopt when the path does not fit the pattern.
std::optional<PathParams> match_path(const std::string& pattern, const std::string& path);

}  // namespace gz::http
