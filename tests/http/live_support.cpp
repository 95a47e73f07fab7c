#include "live_support.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

#include "services/demo_county.h"
#include "services/demo_platform.h"
#include "storage/store.h"

namespace gz::test {

namespace bhttp = boost::beast::http;

ServeProcess::ServeProcess(const std::string& location, const Env& env,
                           const std::vector<std::string>& extra) {
  port_ = free_port();
  std::vector<std::string> args{"serve", "--db", location, "--listen", "127.0.0.1:" + std::to_string(port_)};
  args.insert(args.end(), extra.begin(), extra.end());
  process_ = std::make_unique<Process>(gongzhi_binary(), args, env);
  for (int i = 0; i < 400; ++i) {
    try {
      http_request(port_, bhttp::verb::get, "/api/v1/health");
      return;
    } catch (const std::exception&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  auto r = stop();
  throw std::runtime_error("gongzhi serve did not start listening: " + r.describe());
}

ServeProcess::~ServeProcess() {
  if (!stopped_) stop();
}

RunResult ServeProcess::stop() {
  stopped_ = true;
  process_->signal(SIGTERM);
  return process_->wait();
}

RunResult ServeProcess::kill() {
  stopped_ = true;
  process_->signal(SIGKILL);
  return process_->wait();
}

std::unique_ptr<ServeProcess> serve_demo_platform(const std::string& location, const std::string& password) {
  {
    auto store = storage::Store::open(location, {.create = true});
    services::generate_demo_county(*store, {.polygons = 1000, .seed = 7});
    services::seed_demo_platform(*store, location, password);
  }
  return std::make_unique<ServeProcess>(location);
}

std::string sign_in(unsigned short port, const std::string& user, const std::string& password) {
  auto r = http_request(port, bhttp::verb::post, "/api/v1/session", login_body(user, password));
  EXPECT_EQ(r.status, 200) << user << ": " << r.body;
  if (r.status != 200) return "";
  return r.json()["token"].get<std::string>();
}

HttpReply api(unsigned short port, bhttp::verb verb, const std::string& target,
              const std::string& token, const std::string& body) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
  return http_request(port, verb, target, body, headers);
}

nlohmann::json square_area(double lon, double lat, double size) {
  nlohmann::json ring = nlohmann::json::array({nlohmann::json::array({lon, lat}),
                                               nlohmann::json::array({lon + size, lat}),
                                               nlohmann::json::array({lon + size, lat + size}),
                                               nlohmann::json::array({lon, lat + size}),
                                               nlohmann::json::array({lon, lat})});
  return {{"area", {{"type", "Polygon"}, {"coordinates", nlohmann::json::array({ring})}}}};
}

SseClient::SseClient(unsigned short port, const std::string& token,
                     const std::string& last_event_id) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) throw std::runtime_error("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error("connect");
  std::string req = "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
  if (!token.empty()) req += "Authorization: Bearer " + token + "\r\n";
  if (!last_event_id.empty()) req += "Last-Event-ID: " + last_event_id + "\r\n";
  req += "\r\n";
  if (::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size()))
    throw std::runtime_error("send");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::size_t end;
  while ((end = pending_.find("\r\n\r\n")) == std::string::npos)
    if (!read_more(deadline)) throw std::runtime_error("no response header: " + pending_);
  std::string head = pending_.substr(0, end);
  pending_.erase(0, end + 4);
  status_ = std::stoi(head.substr(head.find(' ') + 1, 3));
  for (std::size_t pos = head.find("\r\n"); pos != std::string::npos;) {
    auto next = head.find("\r\n", pos + 2);
    std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (name == "content-type") content_type_ = line.substr(line.find_first_not_of(' ', colon + 1));
    }
    pos = next;
  }
  body_ = pending_;
}

SseClient::~SseClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool SseClient::read_more(std::chrono::steady_clock::time_point deadline) {
  if (closed_) return false;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
  char buf[8192];
  ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) {
    closed_ = true;
    return false;
  }
  pending_.append(buf, static_cast<std::size_t>(n));
  body_.append(buf, static_cast<std::size_t>(n));
  return true;
}

std::optional<SseEvent> SseClient::take_block() {
  while (true) {
    auto end = pending_.find("\n\n");
    if (end == std::string::npos) return std::nullopt;
    std::string block = pending_.substr(0, end);
    pending_.erase(0, end + 2);
    SseEvent e;
    bool any = false;
    std::size_t pos = 0;
    while (pos <= block.size()) {
      auto nl = block.find('\n', pos);
      std::string line = block.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      pos = nl == std::string::npos ? block.size() + 1 : nl + 1;
      if (line.empty()) continue;
      if (line[0] == ':') {
        comments_.push_back(line.substr(1));
        continue;
      }
      auto colon = line.find(':');
      std::string field = line.substr(0, colon);
      std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
      if (!value.empty() && value[0] == ' ') value.erase(0, 1);
      if (field == "id") e.id = value, any = true;
      else if (field == "event") e.kind = value, any = true;
      else if (field == "data") e.data += (e.data.empty() ? "" : "\n") + value, any = true;
    }
    if (any) return e;
  }
}

std::optional<SseEvent> SseClient::next(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  if (!backlog_.empty()) {
    auto e = std::move(backlog_.front());
    backlog_.erase(backlog_.begin());
    return e;
  }
  while (true) {
    if (auto e = take_block()) return e;
    if (!read_more(deadline)) return std::nullopt;
  }
}

bool SseClient::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!closed_)
    if (!read_more(deadline) && !closed_) return false;
  return true;
}

bool SseClient::wait_comment(const std::string& text, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    while (auto e = take_block()) backlog_.push_back(std::move(*e));
    for (const auto& c : comments_)
      if (c.find(text) != std::string::npos) return true;
    if (!read_more(deadline)) return false;
  }
}

}  // namespace gz::test
