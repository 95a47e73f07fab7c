// What the live-update, multi-process and matrix API tests share: a `gongzhi serve` process on a
// store location (stopped with SIGTERM), sign-in, bearer requests and a Server-Sent Events client
// that reads a stream as it arrives.
#pragma once

#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "../test_support.h"
#include "http_client.h"

namespace gz::test {

// `gongzhi serve --db LOCATION` on a free loopback port, listening when the constructor returns.
class ServeProcess {
 public:
  // `extra`: more options for serve (e.g. {"--request-timeout", "1"}).
  explicit ServeProcess(const std::string& location, const Env& env = {},
                        const std::vector<std::string>& extra = {});
  ~ServeProcess();
  unsigned short port() const { return port_; }
  // SIGTERM, then the process's result.
  RunResult stop();
  // SIGKILL (a crash, a power cut for the process), then its result.
  RunResult kill();
  // Any other signal (SIGSTOP, SIGCONT) while it runs.
  void signal(int sig) const { process_->signal(sig); }

 private:
  unsigned short port_ = 0;
  std::unique_ptr<Process> process_;
  bool stopped_ = false;
};

// The demo county (1000 map spots, seed 7) and its platform (every account's password
// `password`) written to `location`, then served.
std::unique_ptr<ServeProcess> serve_demo_platform(const std::string& location, const std::string& password);

// POST /api/v1/session; the token (fails the test and returns "" when refused).
std::string sign_in(unsigned short port, const std::string& user, const std::string& password);
// A request with `Authorization: Bearer token` (none when token is empty).
HttpReply api(unsigned short port, boost::beast::http::verb verb, const std::string& target,
              const std::string& token, const std::string& body = "");

// A square plan area ({"area": Polygon}) of `size` degrees at lon/lat (EPSG:4490).
nlohmann::json square_area(double lon, double lat, double size);

struct SseEvent {
  std::string id, kind, data;
  nlohmann::json json() const { return nlohmann::json::parse(data); }
};

// GET /api/v1/events on a connection of its own, read incrementally.
class SseClient {
 public:
  SseClient(unsigned short port, const std::string& token, const std::string& last_event_id = "");
  ~SseClient();
  SseClient(const SseClient&) = delete;
  SseClient& operator=(const SseClient&) = delete;

  int status() const { return status_; }
  const std::string& content_type() const { return content_type_; }
  const std::string& body() const { return body_; }  // what was read of the body so far

  // The next event (comments and retry lines are skipped, counted in comments()), or nullopt
  // when none came within `timeout` or the stream ended.
  std::optional<SseEvent> next(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Waits until the server closes the stream; true when it did within `timeout`.
  bool wait_closed(std::chrono::milliseconds timeout);
  bool closed() const { return closed_; }
  const std::vector<std::string>& comments() const { return comments_; }
  // Reads until a comment containing `text` arrived (true) or `timeout` passed.
  bool wait_comment(const std::string& text, std::chrono::milliseconds timeout);

 private:
  bool read_more(std::chrono::steady_clock::time_point deadline);
  std::optional<SseEvent> take_block();

  int fd_ = -1;
  int status_ = 0;
  std::string content_type_, body_, pending_;
  std::vector<std::string> comments_;
  std::vector<SseEvent> backlog_;  // events read while waiting for a comment
  bool closed_ = false;
};

}  // namespace gz::test
