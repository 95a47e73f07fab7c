#include "http/server.h"

#include <sys/resource.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/version.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <array>
#include <deque>
#include <cctype>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/error.h"

namespace gz::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

const std::string& Request::header(const std::string& name) const {
  static const std::string none;
  auto it = headers.find(name);
  return it == headers.end() ? none : it->second;
}

namespace {

class Session;

// The sink a streaming handler feeds: a weak reference to its connection, so that a forgotten
// sink keeps no connection open.
class StreamWriter : public StreamSink {
 public:
  explicit StreamWriter(std::weak_ptr<Session> session) : session_(std::move(session)) {}
  bool send(std::string chunk) override;
  void close() override;
  bool closed() const override { return closed_ || session_.expired(); }
  void mark_closed() { closed_ = true; }
  std::size_t pending_bytes() const override { return pending_; }
  void written(std::size_t n) {
    std::size_t cur = pending_;
    while (!pending_.compare_exchange_weak(cur, cur > n ? cur - n : 0)) {
    }
  }

 private:
  std::weak_ptr<Session> session_;
  std::atomic<bool> closed_{false};
  std::atomic<std::size_t> pending_{0};
};

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The slowest upload allowed for a large body (bytes per second; a 10 MiB photo gets 20 minutes
// on top of the timeout). Only senders the route accepted from the header (a session allowed
// to upload there) get it.
constexpr std::uint64_t kMinBodyRate = 8 * 1024;

// A stream whose client reads slower than this much is queued for it is dropped.
constexpr std::size_t kStreamQueueLimit = std::size_t{4} << 20;

// The connections open at once, in all and per peer address (ServerOptions::max_connections…).
// Admitted on the accepting thread, released by a connection's destructor on its own.
class ConnectionLimits {
 public:
  void configure(int total, int per_address, std::vector<std::string> unlimited) {
    total_ = total;
    per_address_ = per_address;
    unlimited_ = std::move(unlimited);
  }
  // Whether a new connection from `address` may stay (counted when it may).
  bool admit(const std::string& address, int open_now) {
    if (open_now >= total_) return false;
    std::lock_guard lock(mutex_);
    bool unlimited =
        std::find(unlimited_.begin(), unlimited_.end(), address) != unlimited_.end();
    int& n = per_address_open_[address];
    if (!unlimited && n >= per_address_) {
      if (n == 0) per_address_open_.erase(address);
      return false;
    }
    ++n;
    return true;
  }
  void release(const std::string& address) {
    std::lock_guard lock(mutex_);
    auto it = per_address_open_.find(address);
    if (it != per_address_open_.end() && --it->second <= 0) per_address_open_.erase(it);
  }

 private:
  int total_ = 0, per_address_ = 0;
  std::vector<std::string> unlimited_;
  std::mutex mutex_;
  std::unordered_map<std::string, int> per_address_open_;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, std::string peer, const Handler& handler,
          const ServerOptions& options, std::atomic<int>& active, ConnectionLimits& limits,
          asio::thread_pool& workers)
      : stream_(std::move(socket)), handler_(handler), options_(options), active_(active),
        limits_(limits), workers_(workers), peer_(std::move(peer)), peer_known_(!peer_.empty()) {
    ++active_;
  }
  ~Session() {
    limits_.release(peer_);
    --active_;
  }

  void start() {
    asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::read, shared_from_this()));
  }

  // From the server's sweep, on any thread, about once a second: a connection that has been
  // reading a request or writing an answer for longer than the timeout is closed (on its own
  // thread). A deadline per connection checked by one sweep costs a store per operation where a
  // timer per operation (beast::tcp_stream's expiry) costs a timer-queue insertion and removal.
  void expire_if_late(std::int64_t now) {
    std::int64_t d = deadline_.load(std::memory_order_relaxed);
    if (d == 0 || now < d) return;
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      std::int64_t d = self->deadline_.load(std::memory_order_relaxed);
      if (d == 0 || steady_ms() < d) return;  // it moved on meanwhile
      self->deadline_.store(0, std::memory_order_relaxed);
      self->stream_.close();  // the pending read or write ends with an error: the session closes
    });
  }

  // On shutdown: a connection waiting for its next request is closed now; one with a request in
  // flight closes after answering it.
  void stop() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      self->stopping_ = true;
      // A stream ends after what is already queued for it (a client that reads nothing is cut
      // off by the shutdown's deadline).
      if (self->streaming_) return self->finish_stream();
      if (!self->busy_) {
        beast::error_code ec;
        self->stream_.socket().cancel(ec);
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      }
    });
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(options_.body_limit);
    if (!options_.body_limit_for) {
      arm();  // the whole request (header and body) within the timeout
      bhttp::async_read(stream_, buffer_, *parser_,
                        beast::bind_front_handler(&Session::on_read, shared_from_this()));
      return;
    }
    // The header first, so that the route may allow a larger body: Beast compares a
    // Content-Length with the limit as soon as the header is complete, so no limit until then
    // (the largest value: boost::none compares as less than any length here),
    // and the route's limit (checked here for Content-Length, by Beast for chunked bodies) after.
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    // The header (or, on a kept-alive connection, the next one) within the header timeout.
    arm_ms(std::int64_t{std::min(options_.header_timeout_seconds, options_.timeout_seconds)} * 1000);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t n) {
    if (ec) return on_read(ec, n);
    // A request without a body (every GET) is complete with its header: no limit to choose, no
    // second read.
    if (parser_->is_done()) return on_read(ec, n);
    auto& req = parser_->get();
    std::size_t limit = options_.body_limit_for(std::string(req.method_string()), std::string(req.target()));
    if (limit < options_.body_limit) limit = options_.body_limit;
    if (auto length = parser_->content_length(); length && *length > limit)
      return on_read(bhttp::error::body_limit, n);
    parser_->body_limit(limit);
    body_allowed_ = limit;
    if (limit > options_.body_limit && options_.before_body) {
      // May the sender send this much at all? Asked on the worker pool; the body waits.
      busy_ = true;
      asio::post(workers_, [self = shared_from_this(), head = request_of(req, false),
                            version = req.version()] {
        std::optional<Response> refusal;
        try {
          refusal = self->options_.before_body(head);
        } catch (const std::exception& e) {
          spdlog::error("{} {}: {}", head.method, head.target, e.what());
          refusal = Response{500, "application/json; charset=utf-8",
                             R"({"error":{"code":"internal","message_zh":"服务器内部错误","message_en":"internal error"}})", {}};
        }
        asio::post(self->stream_.get_executor(), [self, refusal = std::move(refusal), version] {
          if (refusal) {
            self->draining_ = true;
            return self->send(*refusal, false, version);
          }
          self->read_body();
        });
      });
      return;
    }
    arm();  // an ordinary body within the request timeout
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  // The body of a request its header was accepted for: a client that waits for "100 Continue"
  // (Expect: 100-continue) is told to go on first.
  void read_body() {
    const auto& req = parser_->get();
    // A large body the route accepted from this sender (a photo from a phone on a slow rural
    // connection) gets time by its size: the timeout plus a second per kMinBodyRate bytes.
    // (Chunked: as much as the route allows.)
    std::uint64_t size = parser_->content_length().value_or(body_allowed_);
    arm_ms(std::int64_t{options_.timeout_seconds} * 1000 +
           static_cast<std::int64_t>(size * 1000 / kMinBodyRate));
    if (beast::iequals(req[bhttp::field::expect], "100-continue")) {
      auto res = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_,
                                                                      req.version());
      bhttp::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
        if (ec) return self->close();
        bhttp::async_read(self->stream_, self->buffer_, *self->parser_,
                          beast::bind_front_handler(&Session::on_read, self));
      });
      return;
    }
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  // The request as handlers see it; `with_body` false for a header checked before its body.
  Request request_of(bhttp::request<bhttp::string_body>& req, bool with_body) {
    Request request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    request.path = request.target.substr(0, request.target.find('?'));
    if (with_body) request.body = std::move(req.body());  // the parser is done with it
    for (const auto& field : req) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      auto [it, fresh] = request.headers.try_emplace(name, std::string(field.value()));
      if (!fresh) it->second += (name == "cookie" ? "; " : ", ") + std::string(field.value());
    }
    if (!peer_known_) {
      beast::error_code peer_ec;
      auto peer = stream_.socket().remote_endpoint(peer_ec);
      if (!peer_ec) peer_ = peer.address().to_string();
      peer_known_ = !peer_ec;
    }
    request.remote_address = peer_;
    return request;
  }

  void on_read(beast::error_code ec, std::size_t) {
    disarm();  // the handler may take as long as it needs
    busy_ = !ec;
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout) return close();
    if (ec == bhttp::error::body_limit) {
      Response r{413, "application/json; charset=utf-8",
                 R"({"error":{"code":"body_too_large","message_zh":"请求体过大","message_en":"request body too large"}})", {}};
      draining_ = true;
      return send(r, false, 11);
    }
    if (ec) return close();
    auto& req = parser_->get();
    // An answer kept in memory is written at once, from this thread: no hand-off to the workers
    // and back, no Request with every header, no response object.
    if (options_.fast && req.method() == bhttp::verb::get && req.version() == 11 &&
        req.keep_alive() && req.body().empty() && !stopping_) {
      if (auto wire = fast_answer(req)) return send_wire(std::move(wire));
    }
    Request request = request_of(req, true);
    bool keep_alive = req.keep_alive();
    unsigned version = req.version();
    // Handlers may block on storage: they run on the worker pool, never on the I/O threads; the
    // answer is written back on this connection's I/O thread.
    asio::post(workers_, [self = shared_from_this(), request = std::move(request), keep_alive,
                          version] {
      Response response;
      try {
        response = self->handler_(request);
      } catch (const std::exception& e) {
        spdlog::error("{} {}: {}", request.method, request.target, e.what());
        response = {500, "application/json; charset=utf-8",
                    R"({"error":{"code":"internal","message_zh":"服务器内部错误","message_en":"internal error"}})", {}};
      }
      if (response.stream) {
        // The header goes out on the I/O thread; whatever the producer sends meanwhile is queued
        // behind it (posts from this thread keep their order).
        auto producer = std::move(response.stream);
        response.stream = nullptr;
        auto sink = std::make_shared<StreamWriter>(self);
        asio::post(self->stream_.get_executor(),
                   [self, sink, response = std::move(response), version]() mutable {
                     self->start_stream(std::move(response), sink, version);
                   });
        try {
          producer(sink);
        } catch (const std::exception& e) {
          spdlog::error("{} {}: stream: {}", request.method, request.target, e.what());
          sink->close();
        }
        return;
      }
      asio::post(self->stream_.get_executor(),
                 [self, response = std::move(response), keep_alive, version]() mutable {
                   self->send(std::move(response), keep_alive && !self->stopping_, version);
                 });
    });
  }

  std::shared_ptr<const std::string> fast_answer(bhttp::request<bhttp::string_body>& req) {
    Request head;
    head.method = "GET";
    head.target = std::string(req.target());
    head.path = head.target.substr(0, head.target.find('?'));
    for (const auto& field : req) {
      bool auth = field.name() == bhttp::field::authorization;
      if (!auth && field.name() != bhttp::field::cookie) continue;
      auto [it, fresh] = head.headers.try_emplace(auth ? "authorization" : "cookie", std::string(field.value()));
      if (!fresh) it->second += (auth ? ", " : "; ") + std::string(field.value());
    }
    try {
      return options_.fast(head);
    } catch (const std::exception& e) {
      spdlog::warn("{} {}: fast path: {}", head.method, head.target, e.what());
      return nullptr;
    }
  }

  // A keep-alive answer already in its wire form.
  void send_wire(std::shared_ptr<const std::string> wire) {
    const std::string& bytes = *wire;
    arm();
    asio::async_write(stream_, asio::buffer(bytes),
                      [self = shared_from_this(), wire = std::move(wire)](beast::error_code ec, std::size_t) {
                        self->busy_ = false;
                        if (ec || self->stopping_) return self->close();
                        self->read();
                      });
  }

  void send(Response r, bool keep_alive, unsigned version) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(
        static_cast<bhttp::status>(r.status), version);
    res->set(bhttp::field::server, "gongzhi");
    res->set(bhttp::field::content_type, r.content_type);
    res->set(bhttp::field::cache_control, "no-store");
    res->set("X-Content-Type-Options", "nosniff");
    for (const auto& [name, value] : r.headers) {
      if (beast::iequals(name, "cache-control"))
        res->set(bhttp::field::cache_control, value);  // a route's own policy replaces no-store
      else
        res->insert(name, value);
    }
    res->keep_alive(keep_alive);
    res->body() = std::move(r.body);
    res->prepare_payload();
    arm();
    bhttp::async_write(stream_, *res,
                       [self = shared_from_this(), res, keep_alive](beast::error_code ec, std::size_t) {
                         self->busy_ = false;
                         if (ec || !keep_alive || self->stopping_) {
                           self->close();
                           // The client may still be sending the body we refused: read and drop
                           // it for a while, so that closing does not reset the connection
                           // before the client has read the answer.
                           if (!ec && self->draining_ && !self->stopping_) self->drain(0);
                           return;
                         }
                         self->read();
                       });
  }

  // ---- streaming responses (on the I/O thread) ------------------------------------------------------
 public:
  void queue_chunk(std::string chunk) {
    if (ended_) return;
    queued_bytes_ += chunk.size();
    if (queued_bytes_ > kStreamQueueLimit) return end_stream();
    queue_.push_back(std::move(chunk));
    write_next();
  }

  void finish_stream() {
    finishing_ = true;
    if (!header_sent_ && !writing_header_) return end_stream();
    write_next();
  }

 private:
  void start_stream(Response r, const std::shared_ptr<StreamWriter>& sink, unsigned version) {
    streaming_ = true;
    busy_ = true;
    sink_ = sink;
    if (stopping_ || ended_) return end_stream();
    auto res = std::make_shared<bhttp::response<bhttp::empty_body>>(
        static_cast<bhttp::status>(r.status), version);
    res->set(bhttp::field::server, "gongzhi");
    res->set(bhttp::field::content_type, r.content_type);
    res->set(bhttp::field::cache_control, "no-store");
    res->set("X-Content-Type-Options", "nosniff");
    res->set("X-Accel-Buffering", "no");
    for (const auto& [name, value] : r.headers) res->insert(name, value);
    // No length: the body is everything until the connection closes.
    res->keep_alive(false);
    if (!r.body.empty()) {
      queued_bytes_ += r.body.size();
      queue_.push_front(std::move(r.body));
    }
    disarm();  // a stream lasts as long as its client listens
    writing_header_ = true;
    bhttp::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
      self->writing_header_ = false;
      if (ec) return self->end_stream();
      self->header_sent_ = true;
      self->watch_peer();
      self->write_next();
    });
  }

  void write_next() {
    if (ended_ || writing_ || !header_sent_) return;
    if (queue_.empty()) {
      if (finishing_) end_stream();
      return;
    }
    writing_ = true;
    auto chunk = std::make_shared<std::string>(std::move(queue_.front()));
    queue_.pop_front();
    queued_bytes_ -= chunk->size();
    asio::async_write(stream_, asio::buffer(*chunk),
                      [self = shared_from_this(), chunk](beast::error_code ec, std::size_t) {
                        self->writing_ = false;
                        if (ec) return self->end_stream();
                        if (self->sink_) self->sink_->written(chunk->size());
                        self->write_next();
                      });
  }

  // A stream's client sends nothing more; a read that ends tells us it went away.
  void watch_peer() {
    stream_.async_read_some(asio::buffer(peer_buf_), [self = shared_from_this()](
                                                         beast::error_code ec, std::size_t) {
      if (ec) return self->end_stream();
      if (!self->ended_) self->watch_peer();
    });
  }

  void end_stream() {
    if (ended_) return;
    ended_ = true;
    if (sink_) sink_->mark_closed();
    queue_.clear();
    queued_bytes_ = 0;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().cancel(ec);
  }

  void drain(std::size_t dropped) {
    if (dropped == 0) stream_.expires_after(std::chrono::seconds(2));
    auto buf = std::make_shared<std::vector<char>>(64 * 1024);
    stream_.async_read_some(asio::buffer(*buf), [self = shared_from_this(), buf, dropped](
                                                    beast::error_code ec, std::size_t n) {
      if (!ec && !self->stopping_ && dropped + n < (std::size_t{64} << 20)) self->drain(dropped + n);
    });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  void arm() { arm_ms(std::int64_t{options_.timeout_seconds} * 1000); }
  void arm_ms(std::int64_t ms) { deadline_.store(steady_ms() + ms, std::memory_order_relaxed); }
  void disarm() { deadline_.store(0, std::memory_order_relaxed); }

  // No expiry is set on the stream itself (but for drain()): see expire_if_late.
  beast::tcp_stream stream_;
  std::atomic<std::int64_t> deadline_{0};  // steady_ms() when the current operation times out; 0 none
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::uint64_t body_allowed_ = 0;  // the body limit on_header chose for the current request
  const Handler& handler_;
  const ServerOptions& options_;
  std::atomic<int>& active_;
  ConnectionLimits& limits_;
  asio::thread_pool& workers_;
  std::string peer_;  // the peer's address, read once per connection
  bool peer_known_ = false;
  bool busy_ = false;      // a request is being handled (touched only on its I/O thread)
  bool stopping_ = false;
  bool draining_ = false;  // the request was refused unread: drain its body before closing
  // A streaming response: its queue of chunks and where writing it has got to.
  bool streaming_ = false, writing_header_ = false, header_sent_ = false, writing_ = false;
  bool finishing_ = false, ended_ = false;
  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;
  std::shared_ptr<StreamWriter> sink_;
  std::array<char, 512> peer_buf_{};

  friend class StreamWriter;
};

bool StreamWriter::send(std::string chunk) {
  if (closed_) return false;
  auto s = session_.lock();
  if (!s) {
    closed_ = true;
    return false;
  }
  pending_ += chunk.size();
  asio::post(s->stream_.get_executor(),
             [s, chunk = std::move(chunk)]() mutable { s->queue_chunk(std::move(chunk)); });
  return true;
}

void StreamWriter::close() {
  if (closed_.exchange(true)) return;
  if (auto s = session_.lock()) asio::post(s->stream_.get_executor(), [s] { s->finish_stream(); });
}

}  // namespace

std::string wire_response(const Response& r) {
  auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(r.status));
  std::string out;
  out.reserve(160 + r.content_type.size() + r.body.size());
  out += "HTTP/1.1 ";
  out += std::to_string(r.status);
  out += ' ';
  out.append(reason.data(), reason.size());
  out += "\r\nServer: gongzhi\r\nContent-Type: ";
  out += r.content_type;
  out += "\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nContent-Length: ";
  out += std::to_string(r.body.size());
  out += "\r\n\r\n";
  out += r.body;
  return out;
}

struct Server::Impl {
  ServerOptions options;
  Handler handler;
  // One io_context per I/O thread, each run by that thread alone: a connection lives on one of
  // them, so its handlers never run at once and need no strand (no lock, no shared strand
  // state per operation). `ioc` (the first) also accepts, and waits for signals.
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  asio::signal_set signals{ioc, SIGINT, SIGTERM};
  std::atomic<int> active{0};
  std::atomic<bool> stopping{false};
  std::unique_ptr<asio::thread_pool> workers;
  std::mutex sessions_mutex;
  std::vector<std::weak_ptr<Session>> sessions;
  // The other I/O threads' contexts (last: destroyed first, with the connections they hold,
  // while everything those refer to is still there).
  std::vector<std::unique_ptr<asio::io_context>> more_io;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> more_io_work;
  std::size_t next_io = 0;

  void accept() {
    // Connections are dealt to the I/O threads in turn.
    std::size_t k = next_io++ % (more_io.size() + 1);
    asio::io_context& target = k == 0 ? ioc : *more_io[k - 1];
    acceptor.async_accept(target, [this](beast::error_code ec, tcp::socket socket) {
      if (stopping) return;
      if (out_of_resources(ec)) return back_off(ec);
      accept_delay_ms = 0;
      if (!ec) {
        beast::error_code pe;
        auto peer = socket.remote_endpoint(pe);
        std::string address = pe ? std::string() : peer.address().to_string();
        if (!limits.admit(address, active.load())) {
          // Over a limit: closed at once, before a byte is read (the client sees a reset).
          beast::error_code ignored;
          socket.close(ignored);
          if (refused++ % 1000 == 0)
            spdlog::warn("connection from {} refused: {} open (limits: {} in all, {} per address)",
                         address, active.load(), options.max_connections,
                         options.max_connections_per_address);
          return accept();
        }
        beast::error_code nd;
        socket.set_option(tcp::no_delay(true), nd);  // an answer goes out as soon as it is written
        auto session = std::make_shared<Session>(std::move(socket), std::move(address), handler,
                                                 options, active, limits, *workers);
        {
          std::lock_guard lock(sessions_mutex);
          sessions.push_back(session);
        }
        session->start();
      }
      accept();
    });
  }

  // Out of descriptors (EMFILE, ENFILE) or kernel memory: accepting again at once fails again at
  // once, and the loop would burn a core. Wait, longer each time (10 ms doubling to 1 s), while
  // connections that end give descriptors back; the pending clients wait in the backlog.
  static bool out_of_resources(const beast::error_code& ec) {
    return ec == asio::error::no_descriptors ||
           ec == boost::system::errc::too_many_files_open_in_system ||
           ec == asio::error::no_buffer_space || ec == asio::error::no_memory;
  }
  void back_off(const beast::error_code& ec) {
    accept_delay_ms = std::clamp(accept_delay_ms * 2, 10, 1000);
    if (accept_delay_ms == 10)
      spdlog::warn("cannot accept connections ({}): {} open; retrying in {} ms", ec.message(),
                   active.load(), accept_delay_ms);
    accept_timer.expires_after(std::chrono::milliseconds(accept_delay_ms));
    accept_timer.async_wait([this](beast::error_code e) {
      if (!e && !stopping) accept();
    });
  }
  asio::steady_timer accept_timer{ioc};
  int accept_delay_ms = 0;
  std::uint64_t refused = 0;
  ConnectionLimits limits;

  // Once a second (also while stopping, until the I/O threads end): connections past their
  // deadline are closed; closed ones leave the list.
  asio::steady_timer sweep_timer{ioc};
  void sweep() {
    sweep_timer.expires_after(std::chrono::seconds(1));
    sweep_timer.async_wait([this](beast::error_code ec) {
      if (ec) return;
      std::int64_t now = steady_ms();
      {
        std::lock_guard lock(sessions_mutex);
        std::erase_if(sessions, [now](const auto& w) {
          auto s = w.lock();
          if (s) s->expire_if_late(now);
          return !s;
        });
      }
      sweep();
    });
  }

  void begin_stop() {
    if (stopping.exchange(true)) return;
    beast::error_code ec;
    acceptor.close(ec);
    accept_timer.cancel();
    signals.cancel();
    {
      std::lock_guard lock(sessions_mutex);
      for (auto& w : sessions)
        if (auto s = w.lock()) s->stop();
    }
    // Let in-flight requests finish: poll until sessions are gone or 10 s pass.
    auto deadline = std::make_shared<asio::steady_timer>(ioc);
    auto tries = std::make_shared<int>(0);
    auto waiter = std::make_shared<std::function<void()>>();
    *waiter = [this, deadline, tries, waiter] {
      if (active == 0 || ++*tries > 100) {
        for (auto& w : more_io_work) w.reset();
        for (auto& io : more_io) io->stop();
        ioc.stop();
        return;
      }
      deadline->expires_after(std::chrono::milliseconds(100));
      deadline->async_wait([waiter](beast::error_code) { (*waiter)(); });
    };
    (*waiter)();
  }
};

int io_thread_count(const ServerOptions& options) {
  if (options.io_threads > 0) return options.io_threads;
  return static_cast<int>(std::clamp(2u * std::thread::hardware_concurrency(), 2u, 64u));
}

Server::Server(ServerOptions options, Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
}

Server::~Server() = default;

void Server::run(const std::function<void(unsigned short)>& on_listening) {
  auto& i = *impl_;
  beast::error_code ec;
  tcp::endpoint ep(asio::ip::make_address(i.options.address, ec), i.options.port);
  if (ec) throw UsageError("--listen: '" + i.options.address + "' is not an IP address");
  i.acceptor.open(ep.protocol());
  i.acceptor.set_option(asio::socket_base::reuse_address(true));
  i.acceptor.bind(ep, ec);
  if (ec) throw Error("cannot listen on " + i.options.address + ":" + std::to_string(i.options.port) + ": " + ec.message());
  i.acceptor.listen(asio::socket_base::max_listen_connections);
  unsigned short port = i.acceptor.local_endpoint().port();
  int max_connections = i.options.max_connections;
  if (max_connections <= 0) {
    struct rlimit nofile {};
    max_connections = ::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY
                          ? static_cast<int>(std::min<rlim_t>(nofile.rlim_cur, 1 << 20)) - 128
                          : 4096;
    max_connections = std::max(max_connections, 16);
  }
  i.options.max_connections = max_connections;
  i.limits.configure(max_connections, std::max(1, i.options.max_connections_per_address),
                     i.options.unlimited_addresses);
  i.workers = std::make_unique<asio::thread_pool>(static_cast<std::size_t>(std::max(1, i.options.worker_threads)));
  i.signals.async_wait([&i](beast::error_code e, int) {
    if (!e) i.begin_stop();
  });
  for (int t = 1, n = io_thread_count(i.options); t < n; ++t) {
    i.more_io.push_back(std::make_unique<asio::io_context>(1));
    i.more_io_work.push_back(asio::make_work_guard(*i.more_io.back()));
  }
  i.accept();
  i.sweep();
  if (on_listening) on_listening(port);
  std::vector<std::thread> threads;
  for (auto& io : i.more_io) threads.emplace_back([&io = *io] { io.run(); });
  i.ioc.run();
  for (auto& t : threads) t.join();
  i.workers->join();
}

void Server::stop() {
  asio::post(impl_->ioc, [this] { impl_->begin_stop(); });
}

}  // namespace gz::http
