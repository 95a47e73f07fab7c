#include "http/event_routes.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "http/api_support.h"
#include "services/auth.h"
#include "services/participation.h"
#include "services/projects.h"
#include "services/orders.h"
#include "services/regions.h"

namespace gz::http {

namespace {

bool is_overseer(const User& user, const std::string& region) {
  for (const auto& g : user.grants) {
    if (g.role == Role::admin || g.role == Role::auditor) return true;
    if ((g.role == Role::lead_department || g.role == Role::leader_group) &&
        region_contains(g.region_code, region))
      return true;
  }
  return false;
}

}  // namespace

bool may_see_event(const User& user, const storage::EventRecord& event,
                   const storage::ProjectRecord* project) {
  // A supervision order's steps go to the units it concerns (issuer, addressee, supervisor).
  if (event.kind.rfind("order.", 0) == 0) return services::may_see_order_event(user, event.payload);
  if (event.project_id != 0) {
    if (!project || !services::may_see_project(user, *project)) return false;
  } else if (!services::may_see_region(user, event.region_code)) {
    return false;
  }
  // An assembly vote's events (opened, a ballot cast with the running tally, closed with the
  // result) only for those who may read the vote itself: officials over the village and its
  // villagers, not every department that may see a project the vote is about.
  if (event.kind.rfind("vote.", 0) == 0 && !services::may_read_votes(user, event.region_code))
    return false;
  if (event.department.empty()) return true;
  const std::string& region = project ? project->region_code : event.region_code;
  if (is_overseer(user, region)) return true;
  for (const auto& g : user.grants)
    if (g.department == event.department && region_contains(g.region_code, region)) return true;
  return false;
}

std::string sse_event_text(const storage::EventRecord& e) {
  nlohmann::json payload = nlohmann::json::object();
  try {
    payload = nlohmann::json::parse(e.payload);
  } catch (const nlohmann::json::exception&) {
  }
  nlohmann::json data = {{"seq", e.seq},         {"time", e.time},
                         {"kind", e.kind},       {"project_id", e.project_id},
                         {"region", e.region_code}, {"department", e.department},
                         {"payload", payload}};
  // dump() escapes control characters, so the data is one line.
  std::string kind;
  for (char c : e.kind)
    if (c != '\n' && c != '\r') kind += c;
  return "id: " + std::to_string(e.seq) + "\nevent: " + kind + "\ndata: " +
         data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n";
}

struct EventHub::Subscriber {
  std::shared_ptr<StreamSink> sink;
  User user;
  std::string token;
  std::int64_t after = 0;
  std::chrono::steady_clock::time_point last_beat;
};

EventHub::EventHub(storage::ProjectStore& events, storage::IdentityStore& identity, Options options,
                   std::shared_ptr<storage::ChangeSignal> signal)
    : events_(events), identity_(identity), options_(options), signal_(std::move(signal)) {
  if (signal_) identity_epoch_ = signal_->epoch(storage::ChangeSignal::Kind::identity);
  poller_ = std::thread([this] { run(); });
}

EventHub::~EventHub() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  poller_.join();
  for (auto& s : subscribers_) s->sink->close();
}

void EventHub::subscribe(std::shared_ptr<StreamSink> sink, User user, std::string token,
                         std::int64_t after) {
  auto s = std::make_shared<Subscriber>();
  s->sink = std::move(sink);
  s->user = std::move(user);
  s->token = std::move(token);
  s->after = after;
  s->last_beat = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      s->sink->close();
      return;
    }
    subscribers_.push_back(std::move(s));
  }
  wake_.notify_all();
}

std::int64_t EventHub::last_seq() { return events_.last_event_seq(); }

std::size_t EventHub::streams() {
  std::lock_guard lock(mutex_);
  return subscribers_.size();
}

void EventHub::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, options_.poll);
    if (stopping_) break;
    lock.unlock();
    try {
      poll_once();
    } catch (const std::exception& e) {
      spdlog::warn("event feed: {}", e.what());
    }
    lock.lock();
  }
}

void EventHub::poll_once() {
  std::vector<std::shared_ptr<Subscriber>> subs;
  {
    std::lock_guard lock(mutex_);
    std::erase_if(subscribers_, [](const auto& s) { return s->sink->closed(); });
    subs = subscribers_;
  }
  if (subs.empty()) return;
  auto now = std::chrono::steady_clock::now();
  // An identity change anywhere (a revocation): every session re-checked now.
  bool revoked = false;
  if (signal_) {
    auto epoch = signal_->epoch(storage::ChangeSignal::Kind::identity);
    revoked = epoch != identity_epoch_;
    identity_epoch_ = epoch;
  }
  // Heartbeats, and the session re-checked: a stream outlives no logout or expiry by more
  // than one heartbeat.
  for (auto& s : subs) {
    bool beat = now - s->last_beat >= options_.heartbeat;
    if (!beat && !revoked) continue;
    auto user = services::authenticate(identity_, s->token);
    if (!user) {
      s->sink->send("event: session.ended\ndata: {}\n\n");
      s->sink->close();
      continue;
    }
    s->user = std::move(*user);
    if (!beat) continue;
    s->last_beat = now;
    s->sink->send(": heartbeat\n\n");
  }
  std::int64_t from = subs.front()->after;
  for (auto& s : subs) from = std::min(from, s->after);
  auto events = events_.events_after(from, 1000);
  if (events.empty()) return;
  std::map<std::int64_t, std::optional<storage::ProjectRecord>> projects;
  for (const auto& e : events) {
    const storage::ProjectRecord* project = nullptr;
    if (e.project_id != 0) {
      auto it = projects.find(e.project_id);
      if (it == projects.end())
        it = projects
                 .emplace(e.project_id,
                          events_.read([&](storage::ProjectTx& tx) { return tx.project(e.project_id); }))
                 .first;
      if (it->second) project = &*it->second;
    }
    std::string text;
    for (auto& s : subs) {
      if (e.seq <= s->after || s->sink->closed()) continue;
      s->after = e.seq;
      if (!may_see_event(s->user, e, project)) continue;
      if (text.empty()) text = sse_event_text(e);
      s->sink->send(text);
    }
  }
}

EventHub::Options event_hub_options_from_env() {
  EventHub::Options o;
  auto ms = [](const char* name, std::chrono::milliseconds fallback) {
    const char* v = std::getenv(name);
    if (!v || !*v) return fallback;
    try {
      long n = std::stol(v);
      if (n > 0 && n < 3600 * 1000) return std::chrono::milliseconds(n);
    } catch (const std::exception&) {
    }
    return fallback;
  };
  o.poll = ms("GONGZHI_EVENTS_POLL_MS", o.poll);
  o.heartbeat = ms("GONGZHI_EVENTS_HEARTBEAT_MS", o.heartbeat);
  return o;
}

namespace {

// Last-Event-ID (header, or ?last_event_id= for clients that cannot set headers): a
// non-negative integer; anything else is a 400.
std::optional<std::int64_t> last_event_id(const Request& req) {
  std::string v = req.header("last-event-id");
  if (v.empty()) {
    auto q = query_params(req);
    auto it = q.find("last_event_id");
    if (it == q.end()) return std::nullopt;
    v = it->second;
  }
  bool ok = !v.empty() && v.size() <= 18 &&
            std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!ok)
    throw ApiError{400, "invalid_last_event_id", "Last-Event-ID 必须是非负整数",
                   "Last-Event-ID must be a non-negative integer"};
  return std::stoll(v);
}

}  // namespace

void add_event_routes(Router& r, storage::IdentityStore& identity, std::shared_ptr<EventHub> hub) {
  r.add("GET", "/api/v1/events", [&identity, hub](const Request& req, const PathParams&) {
    User user = signed_in(identity, req);
    std::string token = request_token(req);
    auto resume = last_event_id(req);
    std::int64_t after = resume ? *resume : hub->last_seq();
    // The first lines tell the client the stream is open and how soon to reconnect.
    Response res{200, "text/event-stream; charset=utf-8", "retry: 3000\n: connected\n\n", {}};
    if (req.method == "HEAD") return res;
    res.stream = [hub, user = std::move(user), token = std::move(token),
                  after](std::shared_ptr<StreamSink> sink) mutable {
      hub->subscribe(std::move(sink), std::move(user), std::move(token), after);
    };
    return res;
  });
}

}  // namespace gz::http
