// SHA-256 (libsodium) of a byte string as 64 lower-case hex digits: the plan hash, photo hashes,
// the keys of compliance findings.
#pragma once

#include <string>

namespace gz {

std::string sha256_hex(const std::string& bytes);

}  // namespace gz
