#include "storage/change_signal.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <spdlog/spdlog.h>
#include <thread>

#include "common/error.h"
#include "storage/postgres/connection.h"
#include "storage/postgres/pg_store.h"
#include "storage/sql_identity_store.h"

namespace gz::storage {

namespace {

constexpr std::size_t kSideFileSize = 4096;

// SQLite: two words in a file beside the database, mapped shared by every process.
class SharedFileSignal : public ChangeSignal {
 public:
  static std::shared_ptr<SharedFileSignal> open(const std::string& path) {
    int fd = ::open((path + "-gzsig").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return nullptr;
    struct stat st {};
    if (::fstat(fd, &st) != 0 ||
        (st.st_size < static_cast<off_t>(kSideFileSize) && ::ftruncate(fd, kSideFileSize) != 0)) {
      ::close(fd);
      return nullptr;
    }
    void* map = ::mmap(nullptr, kSideFileSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED) return nullptr;
    return std::make_shared<SharedFileSignal>(map);
  }
  explicit SharedFileSignal(void* map) : map_(map), words_(static_cast<std::uint64_t*>(map)) {}
  ~SharedFileSignal() override { ::munmap(map_, kSideFileSize); }

  std::uint64_t epoch(Kind kind) const override {
    return std::atomic_ref<std::uint64_t>(words_[static_cast<int>(kind)]).load(std::memory_order_acquire);
  }
  bool live() const override { return true; }
  std::uint64_t in_transaction(SqlSession&, Kind) override { return 0; }
  void committed(SqlSession&, Kind kind, std::uint64_t) override {
    std::atomic_ref<std::uint64_t>(words_[static_cast<int>(kind)]).fetch_add(1, std::memory_order_acq_rel);
  }

 private:
  static_assert(std::atomic_ref<std::uint64_t>::is_always_lock_free,
                "the shared counters need lock-free 64-bit atomics");
  void* map_;
  std::uint64_t* words_;
};

std::string hex64(std::uint64_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) s[static_cast<std::size_t>(i)] = digits[v & 15];
  return s;
}

// FNV-1a: the same channel name in every process for one schema.
std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string pg_conninfo(const std::string& location) {
  if (location.rfind("pg:", 0) == 0) return location.substr(3);
  return location;
}

// PostgreSQL: counters in memory, moved by NOTIFY on a listener connection of this process.
class PgSignal : public ChangeSignal {
 public:
  explicit PgSignal(std::string conninfo) : conninfo_(std::move(conninfo)) {
    static std::atomic<std::uint64_t> instances{0};
    self_ = std::to_string(::getpid()) + "." + std::to_string(++instances);
    // The schema names the channels; read once here so that writers know them at once.
    pg::Connection c(conninfo_);
    pg::Result r = c.query("SELECT current_schema()", {}, "cannot read the current schema");
    std::string schema = PQgetisnull(r.get(), 0, 0) ? "" : PQgetvalue(r.get(), 0, 0);
    std::string h = hex64(fnv1a(PQdb(c.get()) + std::string("/") + schema));
    channel_ = "gzsig_" + h;
    ack_channel_ = "gzack_" + h;
    listener_name_ = "gzsig:" + h;
    if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) throw StorageError("cannot make a pipe");
    thread_ = std::thread([this] { listen_loop(); });
  }
  ~PgSignal() override {
    stop_ = true;
    char b = 1;
    [[maybe_unused]] auto n = ::write(wake_[1], &b, 1);
    if (thread_.joinable()) thread_.join();
    ::close(wake_[0]);
    ::close(wake_[1]);
  }

  std::uint64_t epoch(Kind kind) const override {
    return counters_[static_cast<int>(kind)].load(std::memory_order_acquire);
  }
  bool live() const override { return live_.load(std::memory_order_acquire); }

  std::uint64_t in_transaction(SqlSession& session, Kind kind) override {
    std::uint64_t ticket = ++tickets_;
    session.query("SELECT pg_notify($1, $2)",
                  {channel_, std::to_string(static_cast<int>(kind)) + ":" + self_ + ":" +
                                 std::to_string(ticket)});
    return ticket;
  }

  void committed(SqlSession& session, Kind kind, std::uint64_t ticket) override {
    counters_[static_cast<int>(kind)].fetch_add(1, std::memory_order_acq_rel);
    // Every other listener must have moved its counter before this write is answered. A
    // listener that goes away meanwhile (its process ended) is not waited for: they are counted
    // again every 50 ms. At most 2 s in all.
    auto others_now = [&]() -> std::int64_t {
      try {
        auto rows = session.query(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", {listener_name_});
        return (rows.empty() ? 0 : std::stoll(rows[0][0])) - (live() ? 1 : 0);
      } catch (const std::exception& e) {
        spdlog::warn("change signal: cannot count the listening servers: {}", e.what());
        return 0;
      }
    };
    std::int64_t others = others_now();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    std::int64_t got = 0;
    while (others > 0) {
      {
        std::unique_lock lock(mutex_);
        cv_.wait_for(lock, std::chrono::milliseconds(50), [&] { return acks_[ticket] >= others; });
        got = acks_[ticket];
      }
      if (got >= others || std::chrono::steady_clock::now() >= deadline) break;
      others = std::min(others, others_now());
    }
    {
      std::lock_guard lock(mutex_);
      acks_.erase(ticket);
    }
    if (others > 0 && got < others)
      spdlog::warn("change signal: {} of {} other servers acknowledged a change within 2 s", got,
                   others);
  }

 private:
  void bump_all() {
    for (auto& c : counters_) c.fetch_add(1, std::memory_order_acq_rel);
  }

  void listen_loop() {
    while (!stop_) {
      try {
        pg::Connection c(conninfo_);
        // Named (and so counted by writers) only once it listens.
        c.exec("LISTEN " + channel_ + "; LISTEN " + ack_channel_, "cannot listen");
        c.exec("SET application_name = '" + listener_name_ + "'", "cannot name the listener");
        // What was cached while nobody listened is stale now.
        bump_all();
        live_ = true;
        serve(c);
      } catch (const std::exception& e) {
        if (!stop_) spdlog::warn("change signal: listener: {}", e.what());
      }
      live_ = false;
      bump_all();
      for (int i = 0; i < 10 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  // Reads notifications until stop or a lost connection (throws then).
  void serve(pg::Connection& c) {
    PGconn* conn = c.get();
    while (!stop_) {
      pollfd fds[2] = {{PQsocket(conn), POLLIN, 0}, {wake_[0], POLLIN, 0}};
      int n = ::poll(fds, 2, 1000);
      if (n < 0 && errno != EINTR) throw StorageError("listener: poll failed");
      if (stop_) return;
      if (!PQconsumeInput(conn)) throw StorageError("listener lost its connection");
      std::vector<std::string> acks;
      while (PGnotify* note = PQnotifies(conn)) {
        std::string channel = note->relname, payload = note->extra ? note->extra : "";
        PQfreemem(note);
        if (channel == channel_) {
          // "kind:origin:ticket"
          auto a = payload.find(':'), b = payload.rfind(':');
          if (a == std::string::npos || b == a) continue;
          int kind = payload[0] == '1' ? 1 : 0;
          counters_[kind].fetch_add(1, std::memory_order_acq_rel);
          std::string origin = payload.substr(a + 1, b - a - 1);
          if (origin != self_) acks.push_back(origin + ":" + payload.substr(b + 1));
        } else if (channel == ack_channel_) {
          // "origin:ticket"
          auto b = payload.rfind(':');
          if (b == std::string::npos || payload.substr(0, b) != self_) continue;
          std::uint64_t ticket = std::stoull(payload.substr(b + 1));
          std::lock_guard lock(mutex_);
          ++acks_[ticket];
          cv_.notify_all();
        }
      }
      for (const auto& a : acks)
        c.query("SELECT pg_notify($1, $2)", {pg::text(ack_channel_), pg::text(a)},
                "cannot acknowledge a change");
    }
  }

  std::string conninfo_, self_, channel_, ack_channel_, listener_name_;
  std::atomic<std::uint64_t> counters_[2] = {1, 1};
  std::atomic<bool> live_{false}, stop_{false};
  std::atomic<std::uint64_t> tickets_{0};
  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::uint64_t, std::int64_t> acks_;
  int wake_[2] = {-1, -1};
  std::thread thread_;
};

}  // namespace

std::shared_ptr<ChangeSignal> ChangeSignal::for_location(const std::string& location) {
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<ChangeSignal>> signals;
  std::lock_guard lock(mutex);
  if (auto it = signals.find(location); it != signals.end())
    if (auto s = it->second.lock()) return s;
  std::shared_ptr<ChangeSignal> s;
  // PostgreSQL: a store whose writes could not tell the other servers must not open at all (the
  // error is the connection's, as the store's own would be).
  if (is_postgres_location(location))
    s = std::make_shared<PgSignal>(pg_conninfo(location));
  else if (!location.empty() && location != ":memory:" && location.rfind("file:", 0) != 0)
    s = SharedFileSignal::open(location);
  if (!s && !is_postgres_location(location))
    spdlog::debug("change signal: none for {}, nothing will be cached", location);
  if (s) signals[location] = s;
  return s;
}

}  // namespace gz::storage
