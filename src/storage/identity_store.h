// Identity and the audit trail in storage: users, departments, grants and the append-only,
// hash-chained audit log. Lives in the same database as the layer Store (the same SQLite file or
// PostgreSQL schema). Every write is one transaction that appends its own audit entry, and
// appends are serialised (BEGIN IMMEDIATE on SQLite, an advisory lock on PostgreSQL), so two
// processes never fork the chain.
#pragma once

#include <cstdint>
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

// One login attempt, as the rate limit counts it and the audit log records it (never the
// password).
struct LoginAttempt {
  std::string username;  // as given (may name no user)
  std::string address;
  std::int64_t time = 0;  // Unix seconds
  bool ok = false;
  // "ok", "invalid_credentials", "locked_account", "locked_address"; a "locked…" attempt is
  // audited but not counted as a failure (a lock does not extend itself).
  std::string outcome;
};

struct LoginFailures {
  std::int64_t account = 0;  // failures for the username since `since` and its last success
  std::int64_t address = 0;  // failures from the address since `since`
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

  // ---- sessions and logins ------------------------------------------------------------------
  // A failed or refused login: counted for the rate limit and audited, in one transaction.
  virtual void record_login(const LoginAttempt& attempt) = 0;
  // Failed attempts since `since` (counted in the database, so all server processes agree).
  virtual LoginFailures failed_logins(const std::string& username, const std::string& address,
                                      std::int64_t since) = 0;
  // A successful login: the session, the attempt and its audit entry, in one transaction.
  // NotFoundError when the session's user does not exist.
  virtual void create_session(const SessionRecord& session, const LoginAttempt& attempt) = 0;
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
