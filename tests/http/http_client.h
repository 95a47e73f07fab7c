// A plain HTTP client for the API tests: one request per connection to `gongzhi serve` on
// loopback, the reply with the headers the tests look at.
#pragma once

#include <boost/beast/http/verb.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace gz::test {

// A loopback port that was free a moment ago (for `serve --listen`).
unsigned short free_port();

struct HttpReply {
  int status = 0;
  std::string body, set_cookie, retry_after;
  std::map<std::string, std::string> headers;  // every response header, names in lower case
  const std::string& header(const std::string& name) const {
    static const std::string none;
    auto it = headers.find(name);
    return it == headers.end() ? none : it->second;
  }
  nlohmann::json json() const { return nlohmann::json::parse(body); }
  std::string code() const { return json()["error"]["code"].get<std::string>(); }
};

HttpReply http_request(unsigned short port, boost::beast::http::verb verb, const std::string& target,
                       const std::string& body = "",
                       const std::vector<std::pair<std::string, std::string>>& headers = {});

// The same from another loopback address (127.0.0.2 …: Linux routes all of 127/8 to lo), which
// the server sees as a different client.
HttpReply http_request_from(const std::string& source, unsigned short port,
                            boost::beast::http::verb verb, const std::string& target,
                            const std::string& body = "",
                            const std::vector<std::pair<std::string, std::string>>& headers = {});

// The JSON body of POST /api/v1/session.
std::string login_body(const std::string& user, const std::string& password);

}  // namespace gz::test
