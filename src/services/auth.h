// Sign-in: password logins with a rate limit per account and per address, and sessions named by
// random tokens (32 bytes from libsodium's CSPRNG, base64url without padding on the wire). The
// store keeps only a token's hash, so a copy of the database signs nobody in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "storage/identity_store.h"

namespace gz::services {

struct AuthPolicy {
  std::int64_t idle_seconds = 12 * 3600;          // a session unused this long ends
  std::int64_t absolute_seconds = 7 * 24 * 3600;  // and every session ends this long after login
  std::int64_t window_seconds = 15 * 60;          // failures counted over this window
  std::int64_t max_account_failures = 5;          // then the account is locked for the window
  std::int64_t max_address_failures = 20;         // then the address is locked for the window
};

enum class LoginOutcome { ok, invalid_credentials, locked };

struct LoginResult {
  LoginOutcome outcome = LoginOutcome::invalid_credentials;
  std::string token;  // only when ok: the one copy of the token
  storage::SessionRecord session;
  User user;
};

// Unix seconds now.
std::int64_t unix_now();
// A fresh token (43 base64url characters) and the hash the store keeps of a token (hex).
std::string new_session_token();
std::string session_token_hash(const std::string& token);

// A locked account or address gets `locked` without the password being checked. An unknown
// user costs the same Argon2id verification as a wrong password. Every attempt is recorded and
// audited (never the password).
LoginResult login(storage::IdentityStore& store, const AuthPolicy& policy,
                  const std::string& username, const std::string& password,
                  const std::string& address, std::int64_t now = unix_now());

// The signed-in user of a token, or nullopt (unknown, malformed, expired).
std::optional<User> authenticate(storage::IdentityStore& store, const std::string& token,
                                 std::int64_t now = unix_now());

// Ends the session of `token`; false when there was none.
bool logout(storage::IdentityStore& store, const std::string& token, const std::string& address);

}  // namespace gz::services
