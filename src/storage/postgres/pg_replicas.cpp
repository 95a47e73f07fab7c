#include "storage/postgres/pg_replicas.h"

#include <spdlog/spdlog.h>

#include <map>
#include <mutex>
#include <thread>

#include "common/error.h"
#include "storage/postgres/connection.h"

namespace gz::storage::pg {

namespace {
struct State {
  std::mutex mutex;
  ReplicaOptions options;
  std::atomic<bool> on{false};
  std::atomic<std::uint64_t> fence{0};
  std::atomic<std::size_t> next{0};
  // A standby that could not be reached is not tried again before this time (a host that does
  // not answer would otherwise cost every read its connect timeout).
  std::map<std::string, std::chrono::steady_clock::time_point> down_until;
  ReplicaCounters counters;
};
State& state() {
  static State s;
  return s;
}

void raise_fence(std::uint64_t lsn) {
  auto& f = state().fence;
  std::uint64_t seen = f.load();
  while (seen < lsn && !f.compare_exchange_weak(seen, lsn)) {
  }
}

std::uint64_t insert_lsn(Connection& c) {
  Result r = c.query("SELECT pg_current_wal_insert_lsn()::text", {}, "cannot read the WAL position");
  return parse_lsn(PQgetvalue(r.get(), 0, 0));
}
}  // namespace

std::uint64_t parse_lsn(const std::string& text) {
  auto slash = text.find('/');
  if (slash == std::string::npos) throw StorageError("not a WAL position: '" + text + "'");
  std::uint64_t hi = std::stoull(text.substr(0, slash), nullptr, 16);
  std::uint64_t lo = std::stoull(text.substr(slash + 1), nullptr, 16);
  return (hi << 32) | lo;
}

void set_read_replicas(const std::string& primary_conninfo, ReplicaOptions options) {
  auto& s = state();
  bool on = !options.conninfos.empty();
  if (on) {
    Connection primary(primary_conninfo);
    raise_fence(insert_lsn(primary));
  }
  {
    std::lock_guard lock(s.mutex);
    s.options = std::move(options);
    s.down_until.clear();
  }
  s.on = on;
}

bool have_read_replicas() { return state().on.load(std::memory_order_relaxed); }
ReplicaCounters& replica_counters() { return state().counters; }
std::uint64_t read_fence() { return state().fence.load(); }
void note_primary_lsn(std::uint64_t lsn) { raise_fence(lsn); }

void note_primary_commit(Connection& primary) {
  if (!have_read_replicas()) return;
  try {
    raise_fence(insert_lsn(primary));
  } catch (const std::exception& e) {
    // The write is committed and must be answered as such. Without its position the fence is
    // raised by the next commit or change-stamp read instead.
    spdlog::warn("read replicas: cannot read the primary's WAL position after a commit: {}",
                 e.what());
  }
}

std::unique_ptr<Connection> connect_standby(const std::string& search_path) {
  auto& s = state();
  std::vector<std::string> all;
  {
    std::lock_guard lock(s.mutex);
    all = s.options.conninfos;
  }
  if (all.empty()) return nullptr;
  std::size_t first = s.next++;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const std::string& conninfo = all[(first + i) % all.size()];
    {
      std::lock_guard lock(s.mutex);
      auto it = s.down_until.find(conninfo);
      if (it != s.down_until.end() && std::chrono::steady_clock::now() < it->second) continue;
    }
    try {
      auto c = std::make_unique<Connection>(conninfo);
      c->set_name(c->name() + " (standby)");
      auto set_up = [raw = c.get(), search_path] {
        raw->query("SELECT set_config('search_path', $1, false)", {text(search_path)},
                   "cannot set up the standby session");
        raw->exec("SET cursor_tuple_fraction = 1", "cannot set up the standby session");
      };
      set_up();
      c->on_reconnect(set_up);
      return c;
    } catch (const StorageError& e) {
      spdlog::warn("read replica {} unavailable, reading on the primary (next try in 5 s): {}",
                   describe_conninfo(conninfo), e.what());
      std::lock_guard lock(s.mutex);
      s.down_until[conninfo] = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    }
  }
  return nullptr;
}

bool standby_current(Connection& standby) {
  auto& s = state();
  std::chrono::milliseconds bound;
  {
    std::lock_guard lock(s.mutex);
    bound = s.options.wait_bound;
  }
  const std::uint64_t fence = read_fence();
  const auto until = std::chrono::steady_clock::now() + bound;
  bool waited = false;
  for (;;) {
    Result r = standby.query(
        "SELECT pg_is_in_recovery(), coalesce(pg_last_wal_replay_lsn()::text, '0/0')", {},
        "cannot read the standby's replay position");
    if (std::string(PQgetvalue(r.get(), 0, 0)) != "t") return true;
    if (parse_lsn(PQgetvalue(r.get(), 0, 1)) >= fence) {
      if (waited) ++s.counters.fence_waits;
      return true;
    }
    if (std::chrono::steady_clock::now() >= until) return false;
    waited = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace gz::storage::pg
