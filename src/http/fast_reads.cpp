#include "http/fast_reads.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <mutex>

#include "http/api_support.h"
#include "services/auth.h"

namespace gz::http {

namespace {
constexpr std::size_t kTokenLength = 43;  // 32 random bytes, base64url without padding
// How long a session whose recheck is under way is still answered from memory.
constexpr std::int64_t kRecheckSeconds = 2;

bool well_formed(const std::string& token) {
  if (token.size() != kTokenLength) return false;
  for (char c : token)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

ApiError unauthenticated() {
  return {401, "unauthenticated", "未登录或会话已过期", "not signed in, or the session has expired"};
}
}  // namespace

FastReads::FastReads(storage::IdentityStore& identity, std::shared_ptr<storage::ChangeSignal> signal)
    : identity_(identity), signal_(std::move(signal)) {}

FastReads::Stamp FastReads::stamp() const { return signal_ ? signal_->stamp() : Stamp{}; }

std::shared_ptr<const std::string> FastReads::answer(const Request& req) {
  if (!signal_ || !signal_->local()) return nullptr;
  if (req.target == "/api/v1/projects") {
    auto e = lookup(req, stamp());
    return e ? e->wire : nullptr;
  }
  auto a = lookup_answer(req, stamp());
  return a ? a->wire : nullptr;
}

std::shared_ptr<const std::string> FastReads::kept_list(const Request& req) {
  if (!signal_) return nullptr;
  auto e = lookup(req, stamp());
  return e ? e->body : nullptr;
}

std::optional<FastReads::ListEntry> FastReads::lookup(const Request& req, const Stamp& now_stamp) {
  if (req.method != "GET" || req.target != "/api/v1/projects") return std::nullopt;
  auto user_id = kept_user(req, now_stamp);
  if (!user_id) return std::nullopt;
  std::shared_lock lock(mutex_);
  auto l = lists_.find(*user_id);
  if (l == lists_.end() || l->second.identity_epoch != now_stamp.identity ||
      l->second.projects_epoch != now_stamp.projects)
    return std::nullopt;
  return l->second;
}

std::optional<std::int64_t> FastReads::kept_user(const Request& req, const Stamp& now_stamp) {
  std::string token = request_token(req);
  if (!well_formed(token)) return std::nullopt;
  if (!now_stamp.live) return std::nullopt;
  std::string hash = services::session_token_hash(token);
  std::int64_t now = services::unix_now();
  std::shared_lock lock(mutex_);
  auto s = sessions_.find(hash);
  if (s == sessions_.end()) return std::nullopt;
  SessionEntry& se = s->second;
  // The session as touch_session would judge it now, and no identity change since.
  if (se.identity_epoch != now_stamp.identity || now >= se.expires || now >= se.idle_end)
    return std::nullopt;
  // Checked on storage a moment ago. When that moment is over, ONE request goes to the workers
  // to check it again (and move last_seen); the others are answered from the entry meanwhile,
  // for up to kRecheckSeconds, instead of all of them queueing for storage at the same second.
  // (checked_at is written under the exclusive lock only, read and claimed atomically here.)
  std::atomic_ref<std::int64_t> checked(se.checked_at);
  std::int64_t at = checked.load(std::memory_order_relaxed);
  if (now < at) return std::nullopt;
  if (now - at >= se.max_age) {
    checked.compare_exchange_strong(at, now - se.max_age + std::min(kRecheckSeconds, se.max_age));
    return std::nullopt;  // the claimant, or one that came in the same instant
  }
  return se.user_id;
}

std::optional<FastReads::KeptAnswer> FastReads::lookup_answer(const Request& req,
                                                               const Stamp& now_stamp) {
  if (req.method != "GET") return std::nullopt;
  auto user_id = kept_user(req, now_stamp);
  if (!user_id) return std::nullopt;
  std::string key = std::to_string(*user_id) + '\n' + req.target;
  std::int64_t now = services::unix_now();
  std::shared_lock lock(mutex_);
  auto it = answers_.find(key);
  if (it == answers_.end()) return std::nullopt;
  AnswerEntry& e = it->second;
  if (e.identity_epoch != now_stamp.identity || e.projects_epoch != now_stamp.projects)
    return std::nullopt;
  if (e.max_age > 0) {
    // As for sessions: when the entry is older than max_age ONE request recomputes it on a
    // worker; the others are answered from it meanwhile, for up to min(kRecheckSeconds,
    // max_age) more.
    std::atomic_ref<std::int64_t> checked(e.checked_at);
    std::int64_t at = checked.load(std::memory_order_relaxed);
    if (now < at) return std::nullopt;
    if (now - at >= e.max_age) {
      checked.compare_exchange_strong(at, now - e.max_age + std::min(kRecheckSeconds, e.max_age));
      return std::nullopt;
    }
  }
  return KeptAnswer{e.wire, e.response};
}

RouteHandler FastReads::keep(RouteHandler handler, std::int64_t max_age) {
  if (!signal_) return handler;
  return [this, handler = std::move(handler), max_age](const Request& req,
                                                       const PathParams& params) -> Response {
    if (req.method != "GET") return handler(req, params);
    // PostgreSQL: the stamps are a query, so what is kept is answered here, on a worker.
    if (!signal_->local())
      if (auto kept = lookup_answer(req, stamp())) return *kept->response;
    Stamp now_stamp = stamp();
    // The session is checked (and kept) under the stamp read before anything else is read.
    User user = signed_in(req, now_stamp);
    Response res = handler(req, params);
    if (res.status == 200 && !res.stream)
      remember_answer(user.id, now_stamp, req.target, res, max_age);
    return res;
  };
}

void FastReads::remember_answer(std::int64_t user_id, const Stamp& stamp,
                                const std::string& target, const Response& res,
                                std::int64_t max_age) {
  if (!stamp.live) return;
  AnswerEntry e{stamp.identity, stamp.projects, services::unix_now(), max_age,
                std::make_shared<const std::string>(wire_response(res)),
                std::make_shared<const Response>(res)};
  std::string key = std::to_string(user_id) + '\n' + target;
  std::unique_lock lock(mutex_);
  if (answers_.size() >= kMaxEntries) answers_.clear();
  answers_[key] = std::move(e);
}

User FastReads::signed_in(const Request& req, const Stamp& stamp) {
  std::string token = request_token(req);
  if (!well_formed(token)) throw unauthenticated();
  std::string hash = services::session_token_hash(token);
  std::int64_t now = services::unix_now();
  auto found = identity_.touch_session(hash, now);
  if (!found) {
    std::unique_lock lock(mutex_);
    sessions_.erase(hash);
    throw unauthenticated();
  }
  auto& [rec, user] = *found;
  user.password_hash.clear();
  // Kept for at most a tenth of the idle window (and 10 s): within that the stored last_seen,
  // which touch_session moves at most every tenth of the window, cannot run out while the
  // session is in use. Windows under 10 s are not kept at all.
  std::int64_t max_age = std::min<std::int64_t>(10, rec.idle_seconds / 10);
  if (stamp.live && max_age > 0) {
    SessionEntry e{user.id, rec.expires, rec.last_seen + rec.idle_seconds, now, max_age, stamp.identity};
    std::unique_lock lock(mutex_);
    if (sessions_.size() >= kMaxEntries) sessions_.clear();
    sessions_[hash] = e;
  }
  return user;
}

void FastReads::remember_list(const User& user, const Stamp& stamp, const std::string& body) {
  if (!stamp.live) return;
  auto wire = std::make_shared<const std::string>(
      wire_response(Response{200, "application/json; charset=utf-8", body, {}}));
  auto kept = std::make_shared<const std::string>(body);
  std::unique_lock lock(mutex_);
  if (lists_.size() >= kMaxEntries) lists_.clear();
  lists_[user.id] = ListEntry{stamp.identity, stamp.projects, std::move(wire), std::move(kept)};
}

}  // namespace gz::http
