#include "services/password.h"

#include <sodium.h>

#include "common/error.h"

namespace gz::services {

namespace {
void ensure_sodium() {
  static const int rc = sodium_init();
  if (rc < 0) throw Error("libsodium cannot be initialised");
}
}  // namespace

std::string hash_password(const std::string& password) {
  ensure_sodium();
  char out[crypto_pwhash_STRBYTES];
  // libsodium's default algorithm is Argon2id (since 1.0.15); tests check the "$argon2id$" prefix.
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    throw Error("cannot hash the password: out of memory (Argon2id needs " +
                std::to_string(crypto_pwhash_MEMLIMIT_INTERACTIVE >> 20) + " MiB)");
  return out;
}

bool verify_password(const std::string& hash, const std::string& password) {
  ensure_sodium();
  if (hash.rfind("$argon2id$", 0) != 0 || hash.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

}  // namespace gz::services
