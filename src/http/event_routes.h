// The live feed: GET /api/v1/events, a Server-Sent Events stream per signed-in user carrying the
// events (storage EventRecord) that user may see. One poller per process reads the events table
// for every open stream, so events written by another server process on the same database are
// delivered too. Each event goes out as `id: <seq>`, `event: <kind>`, `data: <JSON>`; a client
// resumes with Last-Event-ID; a comment line every heartbeat keeps proxies from closing an idle
// stream and re-checks the session (a stream whose session ended or expired is closed). A
// revocation (a logout, gongzhi admin kill-session, disable-user, reset-password, revoke-grant)
// moves the identity change signal: then every stream's session is re-checked at once, not at
// the next heartbeat, in every server process on the database.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "domain/identity.h"
#include "http/router.h"
#include "storage/change_signal.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"

namespace gz::http {

// Whether `user` may see `event`: the project (when the event names one; `project` is its
// current record, null when it is gone) must be visible to the user (services::may_see_project),
// a region-wide event must lie in the user's grants, and an event for one department
// (review.requested …) goes only to users acting for that department there and to the lead
// department, the leader group, auditors and administrators.
bool may_see_event(const User& user, const storage::EventRecord& event,
                   const storage::ProjectRecord* project);

// The text of one event on the stream.
std::string sse_event_text(const storage::EventRecord& event);

class EventHub {
 public:
  struct Options {
    std::chrono::milliseconds poll{250};
    std::chrono::milliseconds heartbeat{15000};
  };
  // `signal`: the database's change signal (storage/change_signal.h), or null (sessions then
  // re-checked at heartbeats only).
  EventHub(storage::ProjectStore& events, storage::IdentityStore& identity, Options options,
           std::shared_ptr<storage::ChangeSignal> signal = nullptr);
  // Stops the poller and closes every stream.
  ~EventHub();
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  // Feeds `sink` the events after `after` that the token's user may see, until the sink closes
  // or the session ends.
  void subscribe(std::shared_ptr<StreamSink> sink, User user, std::string token, std::int64_t after);
  std::int64_t last_seq();
  std::size_t streams();

 private:
  struct Subscriber;
  void run();
  void poll_once();

  storage::ProjectStore& events_;
  storage::IdentityStore& identity_;
  Options options_;
  std::shared_ptr<storage::ChangeSignal> signal_;
  std::uint64_t identity_epoch_ = 0;  // the signal's identity counter at the last re-check
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<std::shared_ptr<Subscriber>> subscribers_;
  std::thread poller_;
};

// GET /api/v1/events on `hub`.
void add_event_routes(Router& r, storage::IdentityStore& identity, std::shared_ptr<EventHub> hub);
// The hub's options from GONGZHI_EVENTS_POLL_MS / GONGZHI_EVENTS_HEARTBEAT_MS when set (tests),
// else the defaults.
EventHub::Options event_hub_options_from_env();

}  // namespace gz::http
