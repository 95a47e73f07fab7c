#include "services/request_text.h"

#include <ctime>

#include "common/error.h"

namespace gz::services {

std::string checked_text(const std::string& value, const char* field, std::size_t min_chars,
                         std::size_t max_chars) {
  std::size_t chars = 0;
  for (unsigned char c : value) {
    if ((c & 0xC0) != 0x80) ++chars;
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F)
      throw InvalidRequest("invalid_text", std::string("字段 ") + field + " 含有控制字符",
                           std::string("field ") + field + " contains control characters");
  }
  // Blank text is no text.
  std::size_t content = value.find_first_not_of(" \t\n") == std::string::npos ? 0 : chars;
  if (content < min_chars)
    throw InvalidRequest("empty_field", std::string("字段 ") + field + " 不能为空",
                         std::string("field ") + field + " must not be empty");
  if (chars > max_chars)
    throw InvalidRequest("field_too_long",
                         std::string("字段 ") + field + " 过长（最多 " + std::to_string(max_chars) + " 字）",
                         std::string("field ") + field + " is too long (at most " +
                             std::to_string(max_chars) + " characters)");
  return value;
}

std::string iso_utc(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::int64_t parse_iso_utc(const std::string& s) {
  std::tm tm{};
  if (s.empty() || !strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return 0;
  return static_cast<std::int64_t>(timegm(&tm));
}

}  // namespace gz::services
