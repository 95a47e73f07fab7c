// Text in the encodings Chinese agencies exchange files in (GBK/GB18030, UTF-16 with a BOM,
// UTF-8), converted through glibc's iconv. Everything inside the program is UTF-8.
#pragma once

#include <string>
#include <string_view>

namespace gz {

// `bytes` as UTF-8. With `encoding` empty the encoding is detected: a UTF-16 or UTF-8 byte order
// mark, else UTF-8 when the bytes are valid UTF-8, else GB18030 (a superset of GBK). The name of
// the encoding used goes to `used` when given. Throws InputError naming `file` and the byte
// offset when the bytes are not text in that encoding.
std::string decode_text(std::string_view bytes, const std::string& encoding,
                        const std::string& file, std::string* used = nullptr);

// UTF-8 `text` in `encoding` (e.g. "GBK"); throws Error naming the character that has no
// representation in it.
std::string encode_text(std::string_view text, const std::string& encoding);

bool is_valid_utf8(std::string_view bytes);

// encode_text for many texts: one converter, opened once (a writer encoding a million values).
// Not shared between threads.
class TextEncoder {
 public:
  explicit TextEncoder(const std::string& encoding);  // throws UsageError for an unknown one
  ~TextEncoder();
  TextEncoder(const TextEncoder&) = delete;
  TextEncoder& operator=(const TextEncoder&) = delete;
  // As encode_text: throws Error naming the character that has no representation.
  std::string encode(std::string_view text);
  const std::string& encoding() const { return encoding_; }

 private:
  std::string encoding_;
  void* cd_;
  std::string buf_;
};

}  // namespace gz
