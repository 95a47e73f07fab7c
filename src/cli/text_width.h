// Padding for terminal tables holding Chinese text: printf counts bytes, a terminal shows CJK
// characters two columns wide.
#pragma once

#include <string>

namespace gz::cli {

// Columns `text` takes on a terminal (UTF-8; East Asian wide characters count 2).
std::size_t display_width(const std::string& text);
// `text` followed by spaces up to `width` columns.
std::string pad_right(const std::string& text, std::size_t width);

}  // namespace gz::cli
