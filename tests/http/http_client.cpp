#include "http_client.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fstream>
#include <random>

namespace gz::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

// Below the kernel's ephemeral range: a port from that range (what binding port 0 gives) may be
// taken a moment later as the source port of any outgoing connection, and the tests open
// thousands of them in parallel, so a server then failed with "Address already in use".
unsigned short free_port() {
  int low = 32768;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> low;
  asio::io_context ioc;
  if (low > 10100) {
    thread_local std::mt19937 rng{std::random_device{}()};
    std::uniform_int_distribution<int> pick(10000, low - 1);
    for (int i = 0; i < 200; ++i) {
      auto port = static_cast<unsigned short>(pick(rng));
      tcp::acceptor a(ioc);
      boost::system::error_code ec;
      a.open(tcp::v4(), ec);
      if (!ec) a.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
      if (!ec) return port;
    }
  }
  tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

HttpReply http_request(unsigned short port, bhttp::verb verb, const std::string& target,
                       const std::string& body,
                       const std::vector<std::pair<std::string, std::string>>& headers) {
  return http_request_from("127.0.0.1", port, verb, target, body, headers);
}

HttpReply http_request_from(const std::string& source, unsigned short port, bhttp::verb verb,
                            const std::string& target, const std::string& body,
                            const std::vector<std::pair<std::string, std::string>>& headers) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.socket().open(tcp::v4());
  stream.socket().bind(tcp::endpoint(asio::ip::make_address(source), 0));
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  bhttp::request<bhttp::string_body> req{verb, target, 11};
  req.set(bhttp::field::host, "127.0.0.1");
  if (!body.empty()) req.set(bhttp::field::content_type, "application/json");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = body;
  req.prepare_payload();
  bhttp::write(stream, req);
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(stream, buffer, res);
  HttpReply reply{static_cast<int>(res.result_int()), res.body(),
                  std::string(res[bhttp::field::set_cookie]),
                  std::string(res[bhttp::field::retry_after]), {}};
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    reply.headers[name] = std::string(field.value());
  }
  return reply;
}

std::string login_body(const std::string& user, const std::string& password) {
  return nlohmann::json{{"username", user}, {"password", password}}.dump();
}

}  // namespace gz::test
