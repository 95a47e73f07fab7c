// Checks shared by every service that takes text and times from people: plain text fields
// (length in characters, no control characters; SQL or script is text like any other, bound as
// parameters and escaped where shown) and ISO 8601 UTC times.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace gz::services {

// `value` when it has min_chars..max_chars characters (code points; blank text counts as none)
// and no control characters other than newline and tab; InvalidRequest naming `field` otherwise (codes invalid_text,
// empty_field, field_too_long).
std::string checked_text(const std::string& value, const char* field, std::size_t min_chars,
                         std::size_t max_chars);

// "2026-11-26T08:00:00Z" from Unix seconds, and back (0 for text that is no such time).
std::string iso_utc(std::int64_t unix_seconds);
std::int64_t parse_iso_utc(const std::string& text);

}  // namespace gz::services
