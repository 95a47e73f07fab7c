#include "common/text_encoding.h"

#include <iconv.h>

#include <cerrno>

#include "common/error.h"

namespace gz {

namespace {

struct Iconv {
  iconv_t cd;
  Iconv(const std::string& to, const std::string& from) : cd(iconv_open(to.c_str(), from.c_str())) {
    if (cd == reinterpret_cast<iconv_t>(-1))
      throw UsageError("unknown text encoding '" + from + "' (or '" + to +
                       "'); use e.g. GBK, GB18030, UTF-8, UTF-16");
  }
  ~Iconv() { iconv_close(cd); }
  Iconv(const Iconv&) = delete;
  Iconv& operator=(const Iconv&) = delete;
};

// Converts all of `in`; returns the offset of the first byte that cannot be converted, or
// npos when everything converted.
std::size_t convert(const std::string& to, const std::string& from, std::string_view in,
                    std::string& out) {
  Iconv cv(to, from);
  out.clear();
  char* src = const_cast<char*>(in.data());
  std::size_t left = in.size();
  std::string buf(4096, '\0');
  while (left > 0) {
    char* dst = buf.data();
    std::size_t room = buf.size();
    std::size_t rc = iconv(cv.cd, &src, &left, &dst, &room);
    out.append(buf.data(), buf.size() - room);
    if (rc == static_cast<std::size_t>(-1)) {
      if (errno == E2BIG) continue;
      return static_cast<std::size_t>(src - in.data());
    }
  }
  char* dst = buf.data();
  std::size_t room = buf.size();
  iconv(cv.cd, nullptr, nullptr, &dst, &room);
  out.append(buf.data(), buf.size() - room);
  return std::string_view::npos;
}

bool starts_with_bytes(std::string_view s, std::initializer_list<unsigned char> prefix) {
  if (s.size() < prefix.size()) return false;
  std::size_t i = 0;
  for (unsigned char c : prefix)
    if (static_cast<unsigned char>(s[i++]) != c) return false;
  return true;
}

}  // namespace

bool is_valid_utf8(std::string_view bytes) {
  std::string ignored;
  return convert("UTF-8", "UTF-8", bytes, ignored) == std::string_view::npos;
}

std::string decode_text(std::string_view bytes, const std::string& encoding,
                        const std::string& file, std::string* used) {
  std::string from = encoding;
  if (from.empty()) {
    if (starts_with_bytes(bytes, {0xFF, 0xFE})) {
      from = "UTF-16LE";
      bytes.remove_prefix(2);
    } else if (starts_with_bytes(bytes, {0xFE, 0xFF})) {
      from = "UTF-16BE";
      bytes.remove_prefix(2);
    } else if (starts_with_bytes(bytes, {0xEF, 0xBB, 0xBF})) {
      from = "UTF-8";
      bytes.remove_prefix(3);
    } else {
      from = is_valid_utf8(bytes) ? "UTF-8" : "GB18030";
    }
  }
  if (used) *used = from;
  std::string out;
  std::size_t bad = convert("UTF-8", from, bytes, out);
  if (bad != std::string_view::npos)
    throw InputError(file, "", "",
                     "byte " + std::to_string(bad) + " is not text in " + from +
                         (encoding.empty() ? "; pass --encoding with the file's encoding" : ""));
  // A BOM given explicitly with --encoding UTF-16 is consumed by iconv; a UTF-8 one is not.
  if (out.rfind("\xEF\xBB\xBF", 0) == 0) out.erase(0, 3);
  return out;
}

namespace {
[[noreturn]] void unencodable(std::string_view text, std::size_t bad, const std::string& encoding) {
  std::size_t end = bad + 1;
  while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
  throw Error("the text '" + std::string(text.substr(bad, end - bad)) + "' cannot be written in " +
              encoding);
}
}  // namespace

std::string encode_text(std::string_view text, const std::string& encoding) {
  std::string out;
  std::size_t bad = convert(encoding, "UTF-8", text, out);
  if (bad != std::string_view::npos) unencodable(text, bad, encoding);
  return out;
}

TextEncoder::TextEncoder(const std::string& encoding)
    : encoding_(encoding), cd_(iconv_open(encoding.c_str(), "UTF-8")) {
  if (cd_ == reinterpret_cast<void*>(-1))
    throw UsageError("unknown text encoding '" + encoding + "'; use e.g. GBK, GB18030, UTF-8");
}

TextEncoder::~TextEncoder() { iconv_close(static_cast<iconv_t>(cd_)); }

std::string TextEncoder::encode(std::string_view text) {
  auto cd = static_cast<iconv_t>(cd_);
  iconv(cd, nullptr, nullptr, nullptr, nullptr);  // initial state
  // GBK/GB18030 take at most 4 bytes a character, as UTF-8 does: text.size() * 2 is room enough
  // for any encoding named here, and the loop grows it for any other.
  buf_.resize(text.size() * 2 + 16);
  char* src = const_cast<char*>(text.data());
  std::size_t left = text.size();
  char* dst = buf_.data();
  std::size_t room = buf_.size();
  while (left > 0) {
    if (iconv(cd, &src, &left, &dst, &room) != static_cast<std::size_t>(-1)) break;
    if (errno != E2BIG) unencodable(text, static_cast<std::size_t>(src - text.data()), encoding_);
    std::size_t used = buf_.size() - room;
    buf_.resize(buf_.size() * 2);
    dst = buf_.data() + used;
    room = buf_.size() - used;
  }
  iconv(cd, nullptr, nullptr, &dst, &room);  // the shift sequence back to the initial state, if any
  return std::string(buf_.data(), buf_.size() - room);
}

}  // namespace gz
