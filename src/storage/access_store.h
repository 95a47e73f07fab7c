// Taking access away (gongzhi admin disable-user, enable-user, revoke-grant, reset-password,
// sessions, kill-session), on the identity tables of IdentityStore in the same database. Each
// write is one transaction that appends its audit entry, and then moves the identity change
// signal (storage/change_signal.h): every server process on the database drops the sessions,
// grants and project lists it kept, and re-checks its live-feed streams, before the call
// returns. NotFoundError for an unknown user, grant or session.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "domain/identity.h"
#include "storage/identity_store.h"

namespace gz::storage {

class SqlSession;
class ChangeSignal;

class AccessStore {
 public:
  // Same locations as IdentityStore::open (whose tables it makes when missing).
  static std::unique_ptr<AccessStore> open(const std::string& location);
  ~AccessStore();

  // Disables the account and ends its sessions; returns how many. ConflictError when it is
  // disabled already. A disabled account signs in as if its password were wrong.
  std::int64_t disable_user(const std::string& username, const std::string& actor);
  // ConflictError when the account is not disabled.
  void enable_user(const std::string& username, const std::string& actor);
  // The disabled accounts' usernames.
  std::set<std::string> disabled_users();
  // Removes one grant (role, department and region as stored); the user's sessions go on with
  // the grants that remain.
  void revoke_grant(const std::string& username, const Grant& grant, const std::string& actor);
  // Replaces the password hash and ends every session of the user; returns how many.
  std::int64_t reset_password(const std::string& username, const std::string& password_hash,
                              const std::string& actor);
  // Open sessions (of `username`, or of everyone when empty), newest first.
  std::vector<SessionRecord> sessions(const std::string& username);
  // Ends the one session whose token hash starts with `id` (at least 12 lowercase hex digits,
  // as admin sessions shows them); returns its user. UsageError when the id is malformed or
  // names several sessions.
  std::string kill_session(const std::string& id, const std::string& actor);

 private:
  AccessStore(std::unique_ptr<SqlSession> session, std::shared_ptr<ChangeSignal> signal);
  template <class F>
  auto write(F&& f);
  std::string user_id(const std::string& username);
  std::int64_t end_sessions(const std::string& user_id);

  std::unique_ptr<SqlSession> s_;
  std::shared_ptr<ChangeSignal> signal_;
};

}  // namespace gz::storage
