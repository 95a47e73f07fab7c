// The audit chain anchored outside the database. The hash chain (storage/identity_store.h)
// proves that the log is as its head says, but the head lives in the same database: whoever can
// write the file can edit an entry and rehash everything after it. An anchor is the head at one
// moment, signed with an Ed25519 key that is not in the database (libsodium), together with a
// short fingerprint of every entry up to it; kept elsewhere (another machine, paper, a
// write-once store), it lets verify-audit detect, and name, any entry rewritten before it.
// docs/audit.md says what this protects against and what it does not.
#pragma once

#include <cstdint>
#include <string>

#include "storage/identity_store.h"

namespace gz::services {

// The audit signing key: an Ed25519 key pair in a file of its own (JSON, created 0600, never
// overwritten). Throws UsageError when the file exists, Error when it cannot be written.
// Returns the public key (hex), to be noted wherever anchors are checked.
std::string create_audit_key(const std::string& path);
// The key pair of a key file; throws InputError naming the file when it is not one.
struct AuditKey {
  std::string public_key_hex;
  std::string secret_key;  // crypto_sign_SECRETKEYBYTES raw bytes
};
AuditKey read_audit_key(const std::string& path);

// The anchor of the log as it is now: a JSON document (one line) to be kept outside the
// database. Throws InputError when the log is empty or its chain is broken (an anchor vouches
// only for an intact chain).
std::string make_audit_anchor(storage::IdentityStore& store, const AuditKey& key);

// The log checked against an anchor: the chain itself (verify_audit), then the anchor's
// signature (and, when `trusted_public_key` is not empty, that the anchor was signed by that
// key), then every entry up to the anchor's against the anchor's fingerprints and head. The first
// problem found is reported like verify_audit's (bad_seq names the entry). Throws InputError
// when the anchor file is not an anchor.
storage::AuditVerification verify_audit_with_anchor(storage::IdentityStore& store,
                                                    const std::string& anchor_json,
                                                    const std::string& trusted_public_key = "");

}  // namespace gz::services
