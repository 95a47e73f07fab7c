// The project list answered from memory on the I/O thread when nothing needs storage: the
// request's session was checked on storage within the last few seconds and no identity change
// happened since, and the user's list was built on storage and no project change happened
// since. "No change since" is read from storage::ChangeSignal (stamps shared by every process on
// the database, moved by every write before it is answered), so a logout or a project change
// made through ANY server process ends what was kept before that write is answered
// (docs/performance.md).
//
// Other reads opt in with keep(): the project page's reads (GET /api/v1/projects/{id}) and the
// dashboard. Their 200 answers are kept per (user, target) under the same two stamps, so a
// logout, a grant change or any write to the project tables (projects, reviews, funds, progress:
// every ProjectStore write moves the projects stamp) ends them before that write is answered.
// An answer that also depends on something without a stamp (the dashboard reads the survey
// layers, which an import replaces) is kept with a max_age: after it, one request recomputes it
// on a worker while the others are answered from the entry for up to max_age more (2 s at most).
//
// Everything else — a first request, a stale entry, another route — goes to the worker pool and
// the router as before, where the routes refill what is kept here. The
// I/O thread never waits on storage: answer() only hashes the token, reads two counters and looks
// up two maps, and only where the stamps are in memory (SQLite). On PostgreSQL the stamps are a
// query: the list route asks kept_list() on a worker instead (one small query in place of the
// session check and the list).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "domain/identity.h"
#include "http/router.h"
#include "http/server.h"
#include "storage/change_signal.h"
#include "storage/identity_store.h"

namespace gz::http {

class FastReads {
 public:
  // `signal` null: nothing is kept, answer() always declines.
  FastReads(storage::IdentityStore& identity, std::shared_ptr<storage::ChangeSignal> signal);

  // On an I/O thread: the answer to GET /api/v1/projects (no query), in its wire form
  // (wire_response), when the session and the list are both kept and current; null otherwise
  // (the request then goes to the workers).
  std::shared_ptr<const std::string> answer(const Request& req);

  // The change signal the kept answers follow (null: nothing kept).
  const std::shared_ptr<storage::ChangeSignal>& signal() const { return signal_; }

  // On a worker, where the stamps are not local: the kept body of GET /api/v1/projects (no
  // query) when the session and the list are kept and current; null otherwise.
  std::shared_ptr<const std::string> kept_list(const Request& req);

  // On a worker, for the list route: the stamps to keep with what is about to be read.
  using Stamp = storage::ChangeSignal::Stamp;
  Stamp stamp() const;
  // On a worker: the signed-in user of `req`, checked on storage exactly as signed_in() does
  // (401 ApiError otherwise); the session is kept for answer() under `stamp`.
  User signed_in(const Request& req, const Stamp& stamp);
  // On a worker: the list body of `user` (read after `stamp` was taken), kept for answer().
  void remember_list(const User& user, const Stamp& stamp, const std::string& body);

  // A GET route whose 200 answers are a function of the signed-in user, the request target and
  // what the two stamps cover (plus, with max_age > 0 seconds, anything else that may change
  // within max_age): `handler` wrapped so that its answers are kept for answer() and, where the
  // stamps are a query (PostgreSQL), answered from memory on the worker. Without a signal the
  // handler itself.
  RouteHandler keep(RouteHandler handler, std::int64_t max_age = 0);

 private:
  struct SessionEntry {
    std::int64_t user_id = 0;
    std::int64_t expires = 0, idle_end = 0;  // the session's own ends (unix seconds)
    std::int64_t checked_at = 0, max_age = 0;
    std::uint64_t identity_epoch = 0;
  };
  struct ListEntry {
    std::uint64_t identity_epoch = 0, projects_epoch = 0;
    std::shared_ptr<const std::string> wire;  // the whole 200 response
    std::shared_ptr<const std::string> body;
  };
  struct AnswerEntry {
    std::uint64_t identity_epoch = 0, projects_epoch = 0;
    std::int64_t checked_at = 0, max_age = 0;  // max_age 0: while the stamps hold
    std::shared_ptr<const std::string> wire;
    std::shared_ptr<const Response> response;
  };
  // The kept list for `req` when current under `now_stamp`.
  std::optional<ListEntry> lookup(const Request& req, const Stamp& now_stamp);
  // The user of `req`'s kept session when current under `now_stamp` (claims a recheck when due).
  std::optional<std::int64_t> kept_user(const Request& req, const Stamp& now_stamp);
  // A kept answer of keep() for `req` when current under `now_stamp`.
  struct KeptAnswer {
    std::shared_ptr<const std::string> wire;
    std::shared_ptr<const Response> response;
  };
  std::optional<KeptAnswer> lookup_answer(const Request& req, const Stamp& now_stamp);
  void remember_answer(std::int64_t user_id, const Stamp& stamp, const std::string& target,
                       const Response& res, std::int64_t max_age);
  static constexpr std::size_t kMaxEntries = 100000;

  storage::IdentityStore& identity_;
  std::shared_ptr<storage::ChangeSignal> signal_;
  std::shared_mutex mutex_;
  std::unordered_map<std::string, SessionEntry> sessions_;  // by token hash
  std::unordered_map<std::int64_t, ListEntry> lists_;       // by user id
  std::unordered_map<std::string, AnswerEntry> answers_;    // by user id '\n' target
};

}  // namespace gz::http
