#include "services/auth.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

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
// The wait after `failures` failures when `free` of them cost none: 2 s, then doubling. Times
// are whole seconds, so a wait of n seconds lasts more than n - 1: at least one second.
std::int64_t delay_after(std::int64_t failures, std::int64_t free, std::int64_t max_delay) {
  if (failures < free) return 0;
  std::int64_t doublings = failures - free + 1;
  if (doublings >= 30) return max_delay;
  return std::min<std::int64_t>(std::int64_t{1} << doublings, max_delay);
}

// A name as the client gave it, quoted and escaped, so that it cannot forge a log line.
std::string quoted(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
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

std::int64_t login_wait(const AuthPolicy& policy, const storage::LoginFailures& f, std::int64_t now) {
  std::int64_t until = f.pair_last + delay_after(f.pair, policy.free_pair_failures, policy.max_delay_seconds);
  if (!f.known)
    until = std::max(until, f.address_last + delay_after(f.address, policy.free_address_failures,
                                                         policy.max_delay_seconds));
  return std::max<std::int64_t>(0, until - now);
}

std::int64_t record_login_failure(storage::IdentityStore& store, const AuthPolicy& policy,
                                  const std::string& username, const std::string& address,
                                  std::int64_t now, const storage::LoginFailures& before) {
  storage::LoginFailures after = before;
  ++after.pair;
  ++after.address;
  after.pair_last = after.address_last = now;
  const std::int64_t wait = login_wait(policy, after, now);
  spdlog::info("sign-in failed: user {} from {} ({} failures of the pair, {} from the address; "
               "next attempt in {} s)",
               quoted(username), address, after.pair, after.address, wait);
  // The log hears of a wait when it starts and when the failures behind it have grown fourfold
  // (storage keeps the last count per object), not of every guess.
  auto audit = [&](const std::string& object, const std::string& scope, std::int64_t failures) {
    nlohmann::json d = {{"address", address}, {"scope", scope}, {"failures", failures},
                        {"wait_seconds", wait}};
    store.audit_login_throttle({"http:" + address, "session.login_throttled", object,
                                d.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)},
                               failures, now, now - policy.window_seconds);
  };
  if (after.pair >= policy.free_pair_failures)
    audit("user:" + username, "account_address", after.pair);
  if (after.address >= policy.free_address_failures)
    audit("address:" + address, "address", after.address);
  return wait;
}

LoginResult login(storage::IdentityStore& store, const AuthPolicy& policy,
                  const std::string& username, const std::string& password,
                  const std::string& address, std::int64_t now) {
  LoginResult result;
  const std::int64_t since = now - policy.window_seconds;
  const std::int64_t address_since = now - policy.address_window_seconds;
  // A read first, so that attempts inside a wait cost no write at all.
  auto before = store.failed_logins(username, address, since, address_since);
  std::int64_t wait = login_wait(policy, before, now);
  std::int64_t attempt_id = 0;
  if (wait == 0)
    attempt_id = store.begin_login_attempt({username, address, now}, since, address_since,
                                           [&](const storage::LoginFailures& f) {
                                             before = f;
                                             wait = login_wait(policy, f, now);
                                             return wait == 0;
                                           });
  if (attempt_id == 0) {
    spdlog::info("sign-in refused: user {} from {}, {} s left of the wait ({} failures of the "
                 "pair, {} from the address)",
                 quoted(username), address, wait, before.pair, before.address);
    result.outcome = LoginOutcome::throttled;
    result.retry_after = wait;
    return result;
  }
  auto user = store.find_user(username);
  const auto checking = std::chrono::steady_clock::now();
  bool ok = verify_password(user ? user->password_hash : dummy_hash(), password) && user;
  if (!ok) {
    // The wait counts from the answer, not from the start of the (slow) check.
    const std::int64_t failed_at =
        now + std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - checking).count();
    if (failed_at != now) store.login_failed(attempt_id, failed_at);
    result.retry_after = record_login_failure(store, policy, username, address, failed_at, before);
    result.outcome = LoginOutcome::invalid_credentials;
    return result;
  }
  result.token = new_session_token();
  result.session = {session_token_hash(result.token), user->username, now,
                    now + policy.absolute_seconds, policy.idle_seconds, now, address};
  nlohmann::json d = {{"address", address}};
  if (before.pair > 0) d["failed_before"] = before.pair;
  try {
    store.create_session(result.session, attempt_id,
                         {user->username, "session.login", "user:" + user->username,
                          d.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)});
  } catch (const PermissionError&) {
    // A disabled account (gongzhi admin disable-user) is answered as a wrong password, and
    // counts as one.
    LoginResult refused;
    refused.retry_after = record_login_failure(store, policy, username, address, now, before);
    return refused;
  }
  spdlog::info("sign-in: user {} from {}", quoted(username), address);
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
