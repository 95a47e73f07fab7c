// The HTTP server (Boost.Beast on Asio): asynchronous, keep-alive, request size limits and
// timeouts, graceful shutdown on SIGTERM/SIGINT. Routes are plain functions of a request.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gz::http {

struct Request {
  std::string method;
  std::string target;  // path and query
  std::string path;
  std::string body;
  // Header names in lower case; a repeated header's values joined by ", " ("; " for cookie).
  std::map<std::string, std::string> headers;
  std::string remote_address;  // the peer's IP address

  // The header's value, or "" when absent. `name` in lower case.
  const std::string& header(const std::string& name) const;
};

// Where a streaming response writes (Server-Sent Events). Safe to use from any thread; send()
// never blocks: chunks are queued and written on the connection's own executor.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Queues one chunk; false (and nothing queued) once the stream is closed — by the client, by
  // close(), by a client too slow to read, or by the server shutting down.
  virtual bool send(std::string chunk) = 0;
  // Ends the stream after the chunks already queued.
  virtual void close() = 0;
  virtual bool closed() const = 0;
  // Bytes sent and not yet written to the client: a feeder with much to send (a download)
  // waits while this is high rather than be dropped as too slow to read.
  virtual std::size_t pending_bytes() const { return 0; }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Set-Cookie …)
  // When set, the response is a stream: the server sends the status and headers without a
  // length (the connection ends the body), then `body` if any, then whatever is sent through the
  // sink until either side closes. `stream` is called once, on a worker thread, and must return
  // quickly (keep the sink and feed it from elsewhere).
  std::function<void(std::shared_ptr<StreamSink>)> stream = nullptr;
};

using Handler = std::function<Response(const Request&)>;

struct ServerOptions;
// The I/O thread count `options` asks for (io_threads 0 = the default above).
int io_thread_count(const ServerOptions& options);

struct ServerOptions {
  std::string address = "127.0.0.1";
  unsigned short port = 8080;
  // 0: twice the hardware threads (at least 2, at most 64). More I/O threads than cores: an I/O
  // thread that the kernel preempts (for a worker, the database, any other process on the
  // machine) holds up only its own share of the connections, and the I/O side gets a fairer
  // share of the CPU beside busy workers (docs/performance.md has the figures).
  int io_threads = 0;
  int worker_threads = 4;  // blocking work (storage) runs here, never on the I/O threads
  std::size_t body_limit = 1 << 20;
  // A larger limit for some requests (photo uploads), asked once the request's header is read:
  // (method, target) → limit, 0 for body_limit.
  std::function<std::size_t(const std::string& method, const std::string& target)> body_limit_for;
  // For a request allowed a larger body than body_limit (by body_limit_for): asked once its
  // header is read, before any of its body is, with the request as far as it is known (no
  // body). A response refuses the request there and then (401 without a session, 404, 403 …):
  // the body is never buffered, only drained and dropped, and the connection closes after the
  // answer. nullopt: the body is read (after a "100 Continue" when the client asked for one)
  // and the request handled as usual. Runs on the worker pool, like handlers (it may read
  // storage).
  std::function<std::optional<Response>(const Request& head)> before_body;
  int timeout_seconds = 30;
  // A client has this long to send a request's header (also the longest a kept-alive connection
  // waits idle for its next request); its body then gets timeout_seconds. Short, so that a
  // client nobody has authenticated cannot hold a connection (and its buffers) for long.
  int header_timeout_seconds = 10;
  // Connections open at once: past max_connections, or past max_connections_per_address from
  // one peer address, a new connection is closed as soon as it is accepted. 0 for
  // max_connections: the process's descriptor limit less 128 (at least 16). Addresses in
  // unlimited_addresses (trusted reverse proxies, through which everyone comes) have no
  // per-address limit.
  int max_connections = 0;
  int max_connections_per_address = 256;
  std::vector<std::string> unlimited_addresses;
  // Asked on the I/O thread for each keep-alive HTTP/1.1 GET without a body, before the worker
  // pool: a complete response kept in memory (wire_response), written as it is, or null to hand
  // the request to the workers as usual. `req` has the method, target and path, and of the
  // headers only authorization and cookie. Must never block (no storage work: http/fast_reads.h).
  std::function<std::shared_ptr<const std::string>(const Request& req)> fast;
};

// The bytes the server writes for `r` (no extra headers, not a stream) on a keep-alive HTTP/1.1
// connection: status line, the server's headers, Content-Length and the body.
std::string wire_response(const Response& r);

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();
  // Blocks until SIGTERM/SIGINT or stop(); in-flight requests finish first.
  void run(const std::function<void(unsigned short port)>& on_listening = {});
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gz::http
