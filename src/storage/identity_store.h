// Identity and the audit trail in storage: users, departments, grants and the append-only,
// hash-chained audit log. Lives in the same database as the layer Store (the same SQLite file or
// PostgreSQL schema). Every write is one transaction that appends its own audit entry, and
// appends are serialised (BEGIN IMMEDIATE on SQLite, an advisory lock on PostgreSQL), so two
// processes never fork the chain.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "domain/identity.h"
#include "storage/store.h"

namespace gz::storage {

// What a caller records; seq, time and the hashes are the store's.
struct AuditRecord {
  std::string actor;   // "cli:alice", a username …
  std::string action;  // "user.create", "admin.create" …
  std::string object;  // "user:alice"
  std::string detail = "{}";  // a JSON object; stored in canonical form (sorted keys, compact)
};

struct AuditEntry {
  std::int64_t seq = 0;  // 1, 2, 3 … without gaps
  std::string time;      // UTC, ISO 8601
  std::string actor, action, object, detail;
  std::string prev_hash;  // hash of entry seq-1; 64 zeros for the first
  std::string hash;       // SHA-256 (hex) of the canonical serialisation, prev_hash included
};

// The first entry that breaks the chain, or none.
struct AuditVerification {
  bool intact = true;
  std::int64_t entries = 0;   // entries read
  std::int64_t bad_seq = 0;   // the entry named in `problem`
  std::string problem;        // "entry 3 was edited: …"
};

struct NewUser {
  std::string username;
  std::string password_hash;  // Argon2id string from services::hash_password
  std::vector<Grant> grants;
};

// A signed-in session. The token itself is never stored: only its hash (hex of
// crypto_generichash), which is what every lookup is by. Times are Unix seconds.
struct SessionRecord {
  std::string token_hash;
  std::string username;
  std::int64_t created = 0;
  std::int64_t expires = 0;       // absolute end
  std::int64_t idle_seconds = 0;  // refused once last_seen + idle_seconds has passed
  std::int64_t last_seen = 0;
  std::string address;            // the peer address it was created from
};

// One sign-in attempt as the throttle counts it (never the password).
struct LoginAttempt {
  std::string username;  // as given (may name no user)
  std::string address;   // the client's address
  std::int64_t time = 0;  // Unix seconds
};

// What the sign-in throttle knows at a time, counted in the database so that every server
// process sharing it agrees. An attempt whose password has not been checked yet counts as a
// failure, so concurrent attempts see each other.
struct LoginFailures {
  std::int64_t pair = 0;          // failures of the username from the address since `since`
                                  // and since the pair's last success
  std::int64_t pair_last = 0;     // Unix seconds of the latest of them (0: none)
  std::int64_t address = 0;       // failures from the address since `address_since`, any username
  std::int64_t address_last = 0;  // Unix seconds of the latest of them (0: none)
  bool known = false;             // the username signed in from the address within the last day
};

class IdentityStore {
 public:
  virtual ~IdentityStore() = default;

  // Same locations as Store::open: a SQLite file, or "postgresql://…" / "pg:CONNINFO".
  static std::unique_ptr<IdentityStore> open(const std::string& location,
                                             const OpenOptions& options = {});

  virtual std::string location() const = 0;

  // The first administrator: refused (ConflictError) when any user holds the admin role.
  virtual User create_first_admin(const std::string& username, const std::string& password_hash,
                                  const std::string& actor) = 0;
  // A user with grants; departments named in grants are registered as needed. ConflictError
  // when the username is taken. Nothing is written when anything fails.
  virtual User add_user(const NewUser& user, const std::string& actor) = 0;
  virtual std::vector<User> users() = 0;
  virtual std::optional<User> find_user(const std::string& username) = 0;
  virtual std::vector<Department> departments() = 0;

  // ---- sessions and sign-in -----------------------------------------------------------------
  // The throttle's counts for `username` from `address` (failures since `since`, and from the
  // address since `address_since`). Reads only.
  virtual LoginFailures failed_logins(const std::string& username, const std::string& address,
                                      std::int64_t since, std::int64_t address_since) = 0;
  // An attempt about to check a password, in one write transaction: the counts as
  // failed_logins gives them are passed to `admit`; when it answers false nothing is written and
  // 0 returned, else the attempt is stored as a failure (until create_session makes it a
  // success) and its id returned. Attempts older than a day and ended sessions are deleted on
  // the way. Nothing is audited here: the caller audits what it decides to (append_audit).
  virtual std::int64_t begin_login_attempt(
      const LoginAttempt& attempt, std::int64_t since, std::int64_t address_since,
      const std::function<bool(const LoginFailures&)>& admit) = 0;
  // The attempt `attempt_id` (of begin_login_attempt) failed its password check at `time`: the
  // throttle's waits count from then, not from the start of the slow check.
  virtual void login_failed(std::int64_t attempt_id, std::int64_t time) = 0;
  // A successful sign-in: the session, the attempt `attempt_id` (of begin_login_attempt; 0 for
  // none) made a success, and `audit`, in one transaction. NotFoundError when the session's user
  // does not exist.
  virtual void create_session(const SessionRecord& session, std::int64_t attempt_id,
                              const AuditRecord& audit) = 0;
  // The sign-in throttle's audit entry `record` for `record.object` (an account or an address)
  // with `failures` counted at `time`, unless it would repeat what the log already says: it is
  // appended (true returned) when the object has no such entry since `since`, or `failures` has
  // reached four times the count of the last one. In one transaction.
  virtual bool audit_login_throttle(const AuditRecord& record, std::int64_t failures,
                                    std::int64_t time, std::int64_t since) = 0;
  // The session and its user when the session exists and has not expired at `now`; its
  // last_seen becomes `now`. An expired session is deleted and nullopt returned.
  virtual std::optional<std::pair<SessionRecord, User>> touch_session(const std::string& token_hash,
                                                                      std::int64_t now) = 0;
  // Logout: deletes the session and audits it; false when there was none.
  virtual bool delete_session(const std::string& token_hash, const std::string& address) = 0;

  // ---- regions -------------------------------------------------------------------------------
  // Replaces the whole region hierarchy with `regions` (levels and parents derived from the
  // codes by build_region_hierarchy) and appends one audit entry naming `source`, in one
  // transaction. Throws UsageError, changing nothing, for a malformed or duplicate code.
  // Returns the regions stored.
  virtual std::vector<Region> replace_regions(const std::vector<Region>& regions,
                                              const std::string& source,
                                              const std::string& actor) = 0;
  // Every region, by code.
  virtual std::vector<Region> regions() = 0;
  // Whether any region is stored (a hierarchy has been imported), without reading them.
  virtual bool has_regions() = 0;
  virtual std::optional<Region> find_region(const std::string& code) = 0;
  // The regions whose parent is `code`, by code.
  virtual std::vector<Region> child_regions(const std::string& code) = 0;

  // One audit entry in a transaction of its own (for writes that are not this store's).
  virtual AuditEntry append_audit(const AuditRecord& record) = 0;
  // The whole log, by seq.
  virtual std::vector<AuditEntry> audit_log() = 0;
  // At most `limit` entries after seq `after`, by seq, whose action starts with `action_prefix`
  // and, when `object` is not empty, whose object is `object` (read in the database, not by
  // reading the whole log).
  virtual std::vector<AuditEntry> audit_page(std::int64_t after, std::size_t limit,
                                             const std::string& action_prefix,
                                             const std::string& object) = 0;
  // Walks the chain: seq without gaps, each prev_hash the hash of the entry before, each hash
  // recomputed from the content, and the last entry the one the chain head records.
  virtual AuditVerification verify_audit() = 0;
};

// The canonical serialisation an entry's hash covers, and that hash (lowercase hex SHA-256).
std::string canonical_audit_text(const AuditEntry& entry);
std::string audit_hash(const AuditEntry& entry);
// A detail JSON object in canonical form; throws InputError when it is not a JSON object.
std::string canonical_detail(const std::string& detail);
constexpr const char* kAuditGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

}  // namespace gz::storage
