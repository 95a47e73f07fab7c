#include "services/auth.h"

#include <sodium.h>

#include <cctype>
#include <chrono>

#include "common/error.h"
#include "services/password.h"

namespace gz::services {

namespace {
void ensure_sodium() {
  static const int rc = sodium_init();
  if (rc < 0) throw Error("libsodium cannot be initialised");
}

constexpr std::size_t kTokenBytes = 32;

// A token is exactly what new_session_token makes; anything else is refused before any lookup.
bool well_formed(const std::string& token) {
  if (token.size() != sodium_base64_ENCODED_LEN(kTokenBytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING) - 1)
    return false;
  for (char c : token)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

// A hash to verify against when the user does not exist, so that an unknown name takes as long
// as a wrong password.
const std::string& dummy_hash() {
  static const std::string h = hash_password("gongzhi: no such user, never a password");
  return h;
}
}  // namespace

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string new_session_token() {
  ensure_sodium();
  unsigned char bytes[kTokenBytes];
  randombytes_buf(bytes, sizeof bytes);
  char out[sodium_base64_ENCODED_LEN(kTokenBytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(out, sizeof out, bytes, sizeof bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(bytes, sizeof bytes);
  return out;
}

std::string session_token_hash(const std::string& token) {
  ensure_sodium();
  unsigned char digest[crypto_generichash_BYTES];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), nullptr, 0);
  char hex[crypto_generichash_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

LoginResult login(storage::IdentityStore& store, const AuthPolicy& policy,
                  const std::string& username, const std::string& password,
                  const std::string& address, std::int64_t now) {
  LoginResult result;
  storage::LoginAttempt attempt{username, address, now, false, ""};
  auto failures = store.failed_logins(username, address, now - policy.window_seconds);
  if (failures.account >= policy.max_account_failures ||
      failures.address >= policy.max_address_failures) {
    attempt.outcome = failures.account >= policy.max_account_failures ? "locked_account"
                                                                      : "locked_address";
    store.record_login(attempt);
    result.outcome = LoginOutcome::locked;
    return result;
  }
  auto user = store.find_user(username);
  bool ok = verify_password(user ? user->password_hash : dummy_hash(), password) && user;
  if (!ok) {
    attempt.outcome = "invalid_credentials";
    store.record_login(attempt);
    result.outcome = LoginOutcome::invalid_credentials;
    return result;
  }
  attempt.ok = true;
  attempt.outcome = "ok";
  result.token = new_session_token();
  result.session = {session_token_hash(result.token), user->username, now,
                    now + policy.absolute_seconds, policy.idle_seconds, now, address};
  try {
    store.create_session(result.session, attempt);
  } catch (const PermissionError&) {
    // A disabled account (gongzhi admin disable-user) is answered as a wrong password.
    attempt.ok = false;
    attempt.outcome = "account_disabled";
    store.record_login(attempt);
    return LoginResult{};
  }
  result.user = *user;
  result.user.password_hash.clear();
  result.outcome = LoginOutcome::ok;
  return result;
}

std::optional<User> authenticate(storage::IdentityStore& store, const std::string& token,
                                 std::int64_t now) {
  if (!well_formed(token)) return std::nullopt;
  auto found = store.touch_session(session_token_hash(token), now);
  if (!found) return std::nullopt;
  User u = std::move(found->second);
  u.password_hash.clear();
  return u;
}

bool logout(storage::IdentityStore& store, const std::string& token, const std::string& address) {
  if (!well_formed(token)) return false;
  return store.delete_session(session_token_hash(token), address);
}

}  // namespace gz::services
