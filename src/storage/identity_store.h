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

  // One audit entry in a transaction of its own (for writes that are not this store's).
  virtual AuditEntry append_audit(const AuditRecord& record) = 0;
  // The whole log, by seq.
  virtual std::vector<AuditEntry> audit_log() = 0;
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
