// Sign-in: password logins throttled per (account, address) and per address, and sessions named
// by random tokens (32 bytes from libsodium's CSPRNG, base64url without padding on the wire). The
// store keeps only a token's hash, so a copy of the database signs nobody in.
//
// Throttling instead of a lock: nobody can keep the rightful user out. Failures are counted per
// (account, client address) and per address, in the database (every server process agrees);
// past the free failures, each further failure doubles the wait before the next attempt from
// that address may check a password (2 s, 4 s, 8 s … up to max_delay_seconds). An attacker's
// failures from one address never delay the account's owner at another, and an address's count
// does not hold back an account that has signed in from that address in the last day. Attempts
// inside a wait are refused (429 with the seconds left) without checking the password and are
// neither stored nor audited, so they extend nothing.
//
// The audit log records what happened, not every guess: each success (with the failures of the
// pair before it), and a "session.login_throttled" entry for an account or an address when its
// failures first start a wait in a day, and again each time they have grown fourfold (5, 20, 80
// … for an account; 20, 80 … for an address). Each attempt, refused ones included, is a line
// in the server log (spdlog).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "storage/identity_store.h"

namespace gz::services {

struct AuthPolicy {
  std::int64_t idle_seconds = 12 * 3600;          // a session unused this long ends
  std::int64_t absolute_seconds = 7 * 24 * 3600;  // and every session ends this long after login
  std::int64_t window_seconds = 24 * 3600;        // a pair's failures are counted over this
  std::int64_t address_window_seconds = 3600;     // an address's failures over this
  std::int64_t free_pair_failures = 5;            // failures of a pair before any wait
  std::int64_t free_address_failures = 20;        // failures from an address before any wait
  std::int64_t max_delay_seconds = 15 * 60;       // the longest wait
};

enum class LoginOutcome { ok, invalid_credentials, throttled };

struct LoginResult {
  LoginOutcome outcome = LoginOutcome::invalid_credentials;
  std::string token;  // only when ok: the one copy of the token
  storage::SessionRecord session;
  User user;
  // throttled: seconds until an attempt may check a password again; invalid_credentials: the
  // wait this failure started (0 when none).
  std::int64_t retry_after = 0;
};

// The wait (seconds from `now`, 0 when none) before `username` may try from the address whose
// counts are `failures`.
std::int64_t login_wait(const AuthPolicy& policy, const storage::LoginFailures& failures,
                        std::int64_t now);

// Unix seconds now.
std::int64_t unix_now();
// A fresh token (43 base64url characters) and the hash the store keeps of a token (hex).
std::string new_session_token();
std::string session_token_hash(const std::string& token);

// A failed password check of an attempt begin_login_attempt admitted with the counts `before`:
// its line in the server log and the throttle's audit entries. Returns the wait it starts (0
// when none).
std::int64_t record_login_failure(storage::IdentityStore& store, const AuthPolicy& policy,
                                  const std::string& username, const std::string& address,
                                  std::int64_t now, const storage::LoginFailures& before);

// An attempt inside a wait gets `throttled` without the password being checked. An unknown user
// costs the same Argon2id verification as a wrong password. The password is never recorded.
LoginResult login(storage::IdentityStore& store, const AuthPolicy& policy,
                  const std::string& username, const std::string& password,
                  const std::string& address, std::int64_t now = unix_now());

// The signed-in user of a token, or nullopt (unknown, malformed, expired).
std::optional<User> authenticate(storage::IdentityStore& store, const std::string& token,
                                 std::int64_t now = unix_now());

// Ends the session of `token`; false when there was none.
bool logout(storage::IdentityStore& store, const std::string& token, const std::string& address);

}  // namespace gz::services
