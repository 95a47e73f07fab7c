// Password hashing: Argon2id through libsodium (crypto_pwhash_str, interactive limits). The
// stored string carries its own parameters and salt ("$argon2id$v=19$m=…"), so limits can be
// raised later without invalidating existing hashes. Nothing else ever hashes a password.
#pragma once

#include <string>

namespace gz::services {

// Throws Error when libsodium cannot run (out of memory for the memory-hard hash).
std::string hash_password(const std::string& password);
// False for a wrong password or a string that is not an Argon2id hash.
bool verify_password(const std::string& hash, const std::string& password);

}  // namespace gz::services
