#include "http/router.h"

#include "common/error.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace gz::http {

namespace {
std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  std::string cur;
  for (std::size_t i = 1; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += path[i];
    }
  }
  return out;
}

// Percent-decoding of one path segment; a malformed escape makes the path unmatched.
std::optional<std::string> decode_segment(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(s[i + 2])))
      return std::nullopt;
    out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
    i += 2;
  }
  return out;
}
}  // namespace

ApiError api_error_of(const Error& e) {
  int status = 500;
  if (dynamic_cast<const NotFoundError*>(&e)) status = 404;
  else if (dynamic_cast<const PermissionError*>(&e)) status = 403;
  else if (dynamic_cast<const ConflictError*>(&e)) status = 409;
  else if (dynamic_cast<const UsageError*>(&e) || dynamic_cast<const InputError*>(&e)) status = 400;
  if (const auto* x = dynamic_cast<const Explained*>(&e))
    return {status, x->code(), x->message_zh(), e.what()};
  switch (status) {
    case 404: return {404, "not_found", "资源不存在", "not found"};
    case 403: return {403, "forbidden", "无权执行此操作", e.what()};
    case 409: return {409, "conflict", "与现有数据冲突", e.what()};
    case 400: return {400, "invalid_request", "请求内容有误", e.what()};
    // Storage failures say nothing of the database to the client; the server logs them.
    default:
      spdlog::error("request failed: {}", e.what());
      return {503, "storage_unavailable", "数据服务暂不可用，请稍后再试", "storage unavailable; try again later"};
  }
}

Response error_response(const ApiError& e) {
  nlohmann::json j = {
      {"error", {{"code", e.code}, {"message_zh", e.message_zh}, {"message_en", e.message_en}}}};
  return {e.status, "application/json; charset=utf-8", j.dump(), {}};
}

std::optional<PathParams> match_path(const std::string& pattern, const std::string& path) {
  if (path.empty() || path[0] != '/') return std::nullopt;
  auto p = segments(pattern), s = segments(path);
  if (p.size() != s.size()) return std::nullopt;
  PathParams params;
  for (std::size_t i = 0; i < p.size(); ++i) {
    auto close = p[i].find('}');
    if (p[i].size() > 2 && p[i].front() == '{' && close != std::string::npos && close > 1) {
      // "{name}" or "{name}.ext": the segment must end with the literal suffix.
      std::string suffix = p[i].substr(close + 1);
      if (s[i].size() < suffix.size() ||
          s[i].compare(s[i].size() - suffix.size(), suffix.size(), suffix) != 0)
        return std::nullopt;
      auto value = decode_segment(s[i].substr(0, s[i].size() - suffix.size()));
      if (!value || value->empty()) return std::nullopt;
      params[p[i].substr(1, close - 1)] = *value;
    } else if (p[i] != s[i]) {
      return std::nullopt;
    }
  }
  return params;
}

void Router::add(std::string method, std::string pattern, RouteHandler handler) {
  routes_.push_back({std::move(method), std::move(pattern), std::move(handler)});
}

Response Router::dispatch(const Request& request) const {
  bool path_known = false;
  for (const auto& r : routes_) {
    auto params = match_path(r.pattern, request.path);
    if (!params) continue;
    path_known = true;
    bool head_as_get = request.method == "HEAD" && r.method == "GET";
    if (r.method != request.method && !head_as_get) continue;
    try {
      return r.handler(request, *params);
    } catch (const ApiError& e) {
      return error_response(e);
    } catch (const Error& e) {
      return error_response(api_error_of(e));
    }
  }
  if (path_known)
    return error_response({405, "method_not_allowed", "不支持的请求方法", "method not allowed"});
  return error_response({404, "not_found", "资源不存在", "not found"});
}

}  // namespace gz::http
