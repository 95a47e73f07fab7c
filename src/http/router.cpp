#include "http/router.h"

#include "common/detailed_error.h"

#include <nlohmann/json.hpp>
#include <string_view>
#include <spdlog/spdlog.h>

namespace gz::http {

namespace {
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

// Matched segment by segment on views of the two strings: a request is tried against every
// route, so a path that does not fit a pattern costs no allocation.
std::optional<PathParams> match_path(const std::string& pattern, const std::string& path) {
  if (path.empty() || path[0] != '/' || pattern.empty() || pattern[0] != '/') return std::nullopt;
  std::string_view p(pattern), s(path);
  std::size_t pi = 1, si = 1;
  // Literal segments first: a route whose literal segments differ is left before any decoding.
  struct Param {
    std::string_view name, value;
  };
  std::vector<Param> found;
  for (;;) {
    std::size_t pe = p.find('/', pi), se = s.find('/', si);
    if (pe == std::string_view::npos) pe = p.size();
    if (se == std::string_view::npos) se = s.size();
    std::string_view ps = p.substr(pi, pe - pi), ss = s.substr(si, se - si);
    auto close = ps.find('}');
    if (ps.size() > 2 && ps.front() == '{' && close != std::string_view::npos && close > 1) {
      // "{name}" or "{name}.ext": the segment must end with the literal suffix.
      std::string_view suffix = ps.substr(close + 1);
      if (ss.size() < suffix.size() || ss.substr(ss.size() - suffix.size()) != suffix)
        return std::nullopt;
      found.push_back({ps.substr(1, close - 1), ss.substr(0, ss.size() - suffix.size())});
    } else if (ps != ss) {
      return std::nullopt;
    }
    bool p_end = pe == p.size(), s_end = se == s.size();
    if (p_end || s_end) {
      if (p_end != s_end) return std::nullopt;  // different numbers of segments
      break;
    }
    pi = pe + 1;
    si = se + 1;
  }
  PathParams params;
  for (const auto& f : found) {
    auto value = decode_segment(std::string(f.value));
    if (!value || value->empty()) return std::nullopt;
    params[std::string(f.name)] = *value;
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
    } catch (const DetailedRuleError& e) {
      // The error body with what the refusal names as "details".
      auto res = error_response(api_error_of(e));
      auto j = nlohmann::json::parse(res.body);
      j["error"]["details"] = nlohmann::json::parse(e.details_json(), nullptr, false);
      res.body = j.dump();
      return res;
    } catch (const Error& e) {
      return error_response(api_error_of(e));
    }
  }
  if (path_known)
    return error_response({405, "method_not_allowed", "不支持的请求方法", "method not allowed"});
  return error_response({404, "not_found", "资源不存在", "not found"});
}

}  // namespace gz::http
