#include "http/api_support.h"

#include <cctype>
#include <limits>

#include "common/json_input.h"
#include "services/auth.h"

namespace gz::http {

namespace {
constexpr const char* kSessionCookie = "gongzhi_session";

ApiError bad_field(const std::string& code, const std::string& zh, const std::string& en) {
  return {400, code, zh, en};
}

std::string percent_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}
}  // namespace

Response json_response(int status, const nlohmann::json& body) {
  return {status, "application/json; charset=utf-8",
          body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), {}};
}

std::string request_token(const Request& req) {
  const std::string& auth = req.header("authorization");
  if (auth.size() > 7 && (auth.rfind("Bearer ", 0) == 0 || auth.rfind("bearer ", 0) == 0)) {
    auto token = auth.substr(7);
    while (!token.empty() && token.front() == ' ') token.erase(0, 1);
    while (!token.empty() && token.back() == ' ') token.pop_back();
    return token;
  }
  const std::string& cookies = req.header("cookie");
  std::size_t pos = 0;
  while (pos < cookies.size()) {
    auto end = cookies.find(';', pos);
    if (end == std::string::npos) end = cookies.size();
    auto item = cookies.substr(pos, end - pos);
    auto b = item.find_first_not_of(' ');
    if (b != std::string::npos) item.erase(0, b);
    auto eq = item.find('=');
    if (eq != std::string::npos && item.substr(0, eq) == kSessionCookie) {
      auto value = item.substr(eq + 1);
      while (!value.empty() && value.back() == ' ') value.pop_back();
      return value;
    }
    pos = end + 1;
  }
  return {};
}

User signed_in(storage::IdentityStore& identity, const Request& req) {
  auto user = services::authenticate(identity, request_token(req));
  if (!user)
    throw ApiError{401, "unauthenticated", "未登录或会话已过期", "not signed in, or the session has expired"};
  return *user;
}

nlohmann::json body_object(const Request& req, const std::vector<std::string>& allowed,
                           const std::vector<std::string>& required) {
  nlohmann::json j;
  try {
    j = parse_json_input(req.body);
  } catch (const nlohmann::json::exception&) {
    throw bad_field("malformed_json", "请求体不是有效的 JSON", "request body is not valid JSON");
  }
  if (!j.is_object())
    throw bad_field("not_an_object", "请求体必须是 JSON 对象", "request body must be a JSON object");
  for (auto& [key, value] : j.items())
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      throw bad_field("unknown_field", "未知字段：" + key, "unknown field: " + key);
  for (const auto& field : required)
    if (!j.contains(field) || j[field].is_null())
      throw bad_field("missing_field", "缺少字段：" + field, "missing field: " + field);
  return j;
}

std::string string_field(const nlohmann::json& body, const std::string& field,
                         const std::string& fallback) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_string())
    throw bad_field("wrong_type", "字段 " + field + " 应为字符串", "field " + field + " must be a string");
  return it->get<std::string>();
}

bool approve_decision(const nlohmann::json& body) {
  auto decision = string_field(body, "decision");
  if (decision != "approve" && decision != "refuse")
    throw ApiError{400, "unknown_decision", "未知的审批意见：" + decision + "（可选：approve、refuse）",
                   "decision must be approve or refuse"};
  return decision == "approve";
}

std::int64_t int_field(const nlohmann::json& body, const std::string& field, std::int64_t fallback) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_number_integer())
    throw bad_field("wrong_type", "字段 " + field + " 应为整数", "field " + field + " must be an integer");
  // nlohmann keeps integers above 2^63 - 1 as unsigned: get<int64_t> would wrap them into
  // negatives, so they are refused as out of range.
  if (it->is_number_unsigned() &&
      it->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    throw bad_field("out_of_range", "字段 " + field + " 超出范围", "field " + field + " is out of range");
  return it->get<std::int64_t>();
}

bool bool_field(const nlohmann::json& body, const std::string& field, bool fallback) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_boolean())
    throw bad_field("wrong_type", "字段 " + field + " 应为 true 或 false", "field " + field + " must be true or false");
  return it->get<bool>();
}

std::vector<std::string> string_list_field(const nlohmann::json& body, const std::string& field) {
  std::vector<std::string> out;
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return out;
  if (!it->is_array())
    throw bad_field("wrong_type", "字段 " + field + " 应为字符串数组", "field " + field + " must be a list of strings");
  for (const auto& v : *it) {
    if (!v.is_string())
      throw bad_field("wrong_type", "字段 " + field + " 应为字符串数组", "field " + field + " must be a list of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

std::map<std::string, std::string> query_params(const Request& req) {
  std::map<std::string, std::string> out;
  auto q = req.target.find('?');
  if (q == std::string::npos) return out;
  std::string query = req.target.substr(q + 1);
  std::size_t pos = 0;
  while (pos <= query.size()) {
    auto end = query.find('&', pos);
    if (end == std::string::npos) end = query.size();
    auto item = query.substr(pos, end - pos);
    if (!item.empty()) {
      auto eq = item.find('=');
      if (eq == std::string::npos)
        out[percent_decode(item)] = "";
      else
        out[percent_decode(item.substr(0, eq))] = percent_decode(item.substr(eq + 1));
    }
    pos = end + 1;
  }
  return out;
}

std::int64_t id_param(const PathParams& p, const std::string& name) {
  const std::string& s = p.at(name);
  ApiError nf{404, "not_found", "资源不存在", "not found"};
  if (s.empty() || s.size() > 18) throw nf;
  for (char c : s)
    if (c < '0' || c > '9') throw nf;
  auto v = std::stoll(s);
  if (v <= 0) throw nf;
  return v;
}

}  // namespace gz::http
