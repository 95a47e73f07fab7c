// Base64 (libsodium, the original alphabet with padding) of the binary files kept in text
// columns: progress and order photos, payment vouchers.
#pragma once

#include <string>

namespace gz {

std::string to_base64(const std::string& bytes);
// The bytes of `text`; a StorageError naming `what` ("photo", "voucher") when it is not base64.
std::string from_base64(const std::string& text, const std::string& what);

}  // namespace gz
