#include "storage/change_signal.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <vector>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <spdlog/spdlog.h>
#include <thread>

#include "common/error.h"
#include "storage/postgres/connection.h"
#include "storage/postgres/pg_replicas.h"
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
  Stamp stamp() override { return {epoch(Kind::identity), epoch(Kind::projects), true}; }
  bool local() const override { return true; }
  void in_transaction(SqlSession&, Kind) override {}
  void committed(SqlSession&, Kind kind) override {
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

// PostgreSQL: two sequences in the schema, moved after each commit, read by stamp(); and
// counters in memory moved by NOTIFY on a listener connection of this process.
class PgSignal : public ChangeSignal {
 public:
  explicit PgSignal(std::string conninfo) : conninfo_(std::move(conninfo)) {
    pg::Connection c(conninfo_);
    pg::Result r = c.query("SELECT current_schema()", {}, "cannot read the current schema");
    std::string schema = PQgetisnull(r.get(), 0, 0) ? "" : PQgetvalue(r.get(), 0, 0);
    if (schema.empty()) throw StorageError("PostgreSQL: no current schema to keep the change stamps in");
    std::string h = hex64(fnv1a(PQdb(c.get()) + std::string("/") + schema));
    channel_ = "gzsig_" + h;
    char* quoted = PQescapeIdentifier(c.get(), schema.data(), schema.size());
    if (!quoted) throw StorageError("PostgreSQL: cannot quote the schema name " + schema);
    std::string q = quoted;
    PQfreemem(quoted);
    sequences_[0] = q + ".gz_change_identity";
    sequences_[1] = q + ".gz_change_projects";
    // Made once per schema; the lock keeps two servers starting together from racing on it.
    c.exec("BEGIN; SELECT pg_advisory_xact_lock(hashtextextended('gongzhi: change stamps ' || "
           "current_schema(), 0)); CREATE SEQUENCE IF NOT EXISTS " + sequences_[0] +
               "; CREATE SEQUENCE IF NOT EXISTS " + sequences_[1] + "; COMMIT",
           "cannot make the change stamps");
    // With the primary's WAL position: with read replicas it raises this process's read fence
    // (postgres/pg_replicas.h), so that what is read after this stamp, on a standby, is at least
    // as new as the stamp, writes of other processes included.
    read_sql_ = "SELECT i.last_value, p.last_value, pg_current_wal_insert_lsn()::text FROM " +
                sequences_[0] + " i, " + sequences_[1] + " p";
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
  bool local() const override { return false; }

  // The sequences' values, each with the low 16 bits of this process's notified counter: the
  // stamp moves with either (the counter covers a writer that died between its commit and its
  // nextval, once its commit's notification arrives).
  Stamp stamp() override {
    std::unique_ptr<pg::Connection> c;
    {
      std::lock_guard lock(pool_mutex_);
      if (!pool_.empty()) {
        c = std::move(pool_.back());
        pool_.pop_back();
      }
    }
    Stamp s;
    try {
      if (!c) c = std::make_unique<pg::Connection>(conninfo_);
      pg::Result r = c->query(read_sql_, {}, "cannot read the change stamps");
      auto mix = [&](int field, Kind kind) {
        return (std::stoull(PQgetvalue(r.get(), 0, field)) << 16) | (epoch(kind) & 0xffff);
      };
      s = {mix(0, Kind::identity), mix(1, Kind::projects), true};
      if (pg::have_read_replicas()) pg::note_primary_lsn(pg::parse_lsn(PQgetvalue(r.get(), 0, 2)));
    } catch (const std::exception& e) {
      spdlog::warn("change signal: {}", e.what());
      return {};  // not live; the connection is not kept
    }
    std::lock_guard lock(pool_mutex_);
    if (pool_.size() < kPool) pool_.push_back(std::move(c));
    return s;
  }

  void in_transaction(SqlSession& session, Kind kind) override {
    session.query("SELECT pg_notify($1, $2)", {channel_, std::to_string(static_cast<int>(kind))});
  }

  void committed(SqlSession& session, Kind kind) override {
    counters_[static_cast<int>(kind)].fetch_add(1, std::memory_order_acq_rel);
    try {
      session.query("SELECT nextval($1::regclass)", {sequences_[static_cast<int>(kind)]});
    } catch (const std::exception& e) {
      // Committed already: the other servers' notified counters still move.
      spdlog::warn("change signal: cannot move the change stamp after a commit: {}", e.what());
    }
  }

 private:
  void bump_all() {
    for (auto& c : counters_) c.fetch_add(1, std::memory_order_acq_rel);
  }

  void listen_loop() {
    while (!stop_) {
      try {
        pg::Connection c(conninfo_);
        c.exec("LISTEN " + channel_, "cannot listen");
        // Changes missed while nobody listened.
        bump_all();
        serve(c);
      } catch (const std::exception& e) {
        if (!stop_) spdlog::warn("change signal: listener: {}", e.what());
      }
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
      while (PGnotify* note = PQnotifies(conn)) {
        int kind = note->extra && note->extra[0] == '1' ? 1 : 0;
        PQfreemem(note);
        counters_[kind].fetch_add(1, std::memory_order_acq_rel);
      }
    }
  }

  static constexpr std::size_t kPool = 4;
  std::string conninfo_, channel_, read_sql_;
  std::string sequences_[2];
  std::atomic<std::uint64_t> counters_[2] = {1, 1};
  std::atomic<bool> stop_{false};
  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<pg::Connection>> pool_;
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
