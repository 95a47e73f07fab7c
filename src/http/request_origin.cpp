#include "http/request_origin.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace gz::http {

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trimmed(const std::string& s) {
  auto b = s.find_first_not_of(' ');
  if (b == std::string::npos) return {};
  auto e = s.find_last_not_of(' ');
  return s.substr(b, e - b + 1);
}

// The last value of a header a proxy may have appended to ("a, b" → "b").
std::string last_value(const std::string& list) {
  auto comma = list.rfind(',');
  return trimmed(comma == std::string::npos ? list : list.substr(comma + 1));
}

// "https://a.example:8443/path?q" → "a.example:8443"; "" when it is no absolute http(s) URL
// (an opaque "null" origin included). Default ports are dropped, as browsers send Host.
std::string url_host(const std::string& url) {
  std::string u = lower(trimmed(url));
  std::string scheme;
  if (u.rfind("http://", 0) == 0)
    scheme = "http";
  else if (u.rfind("https://", 0) == 0)
    scheme = "https";
  else
    return {};
  auto rest = u.substr(scheme.size() + 3);
  auto end = rest.find_first_of("/?#");
  auto host = rest.substr(0, end);
  if (host.empty() || host.find('@') != std::string::npos) return {};
  if (scheme == "http" && host.size() > 3 && host.compare(host.size() - 3, 3, ":80") == 0)
    host.resize(host.size() - 3);
  if (scheme == "https" && host.size() > 4 && host.compare(host.size() - 4, 4, ":443") == 0)
    host.resize(host.size() - 4);
  return host;
}

ApiError cross_origin(const std::string& from) {
  return {403, "cross_origin", "拒绝来自其他网站的请求（" + from + "）",
          "request refused: it was sent by a page of another site (" + from + ")"};
}

}  // namespace

bool is_trusted_proxy(const std::string& address, const AuthOptions& auth) {
  return std::find(auth.trusted_proxies.begin(), auth.trusted_proxies.end(), address) !=
         auth.trusted_proxies.end();
}

bool from_trusted_proxy(const Request& req, const AuthOptions& auth) {
  return is_trusted_proxy(req.remote_address, auth);
}

bool client_used_tls(const Request& req, const AuthOptions& auth) {
  return from_trusted_proxy(req, auth) && lower(last_value(req.header("x-forwarded-proto"))) == "https";
}

std::optional<ApiError> cross_origin_refusal(const Request& req, const AuthOptions& auth) {
  if (req.method == "GET" || req.method == "HEAD" || req.method == "OPTIONS") return std::nullopt;
  if (!req.header("authorization").empty()) return std::nullopt;
  // Sent by every current browser: whether the page that made the request is of this origin.
  // "same-site" is a sibling subdomain: refused like any other site.
  auto site = lower(trimmed(req.header("sec-fetch-site")));
  if (!site.empty()) {
    if (site == "same-origin" || site == "none") return std::nullopt;
    return cross_origin(site);
  }
  std::string expected = lower(trimmed(req.header("host")));
  if (from_trusted_proxy(req, auth) && !req.header("x-forwarded-host").empty())
    expected = lower(last_value(req.header("x-forwarded-host")));
  for (const char* header : {"origin", "referer"}) {
    const std::string& value = req.header(header);
    if (value.empty()) continue;
    auto host = url_host(value);
    if (host.empty() || host != expected) return cross_origin(value);
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace gz::http
