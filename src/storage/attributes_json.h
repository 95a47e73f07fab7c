// Feature attributes as a JSON object text, the same text the SQLite store keeps: field order
// kept, integers written without a decimal point and doubles always with one (or an exponent),
// so that int, double, string and null come back as they went in.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "domain/layer.h"

namespace gz::storage {

std::string encode_attributes(const Attributes& attributes);
Attributes decode_attributes(std::string_view json);
// Only the top-level fields `keep` accepts, in stored order (a stream that needs two fields of
// forty decodes two).
Attributes decode_attributes_if(std::string_view json, const std::function<bool(std::string_view)>& keep);

}  // namespace gz::storage
