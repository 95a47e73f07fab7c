// Feature attributes as a JSON object text, the same text the SQLite store keeps: field order
// kept, integers written without a decimal point and doubles always with one (or an exponent),
// so that int, double, string and null come back as they went in.
#pragma once

#include <string>
#include <string_view>

#include "domain/layer.h"

namespace gz::storage {

std::string encode_attributes(const Attributes& attributes);
Attributes decode_attributes(std::string_view json);

}  // namespace gz::storage
