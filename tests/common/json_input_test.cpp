// JSON from outside parsed with its nesting limited: 64 levels are read, the 65th is refused
// with too_deep while parsing (so nothing recursive ever sees 100,000 levels), malformed text is
// still nlohmann's parse_error.
#include "common/json_input.h"

#include <gtest/gtest.h>

namespace gz {
namespace {

std::string nested(int levels, char open = '[', char close = ']') {
  return std::string(levels, open) + std::string(levels, close);
}

TEST(JsonInputTest, sixty_four_levels_are_read_and_the_sixty_fifth_is_refused) {
  auto ok = parse_json_input(nested(kMaxJsonDepth));
  EXPECT_EQ(ok.dump(), nested(kMaxJsonDepth));
  EXPECT_THROW(parse_json_input(nested(kMaxJsonDepth + 1)), JsonTooDeep);
  std::string objects;
  for (int i = 0; i < kMaxJsonDepth + 1; ++i) objects += "{\"a\":";
  objects += "1" + std::string(kMaxJsonDepth + 1, '}');
  EXPECT_THROW(parse_json_input(objects), JsonTooDeep);
}

TEST(JsonInputTest, a_hundred_thousand_levels_are_refused_naming_the_input) {
  try {
    parse_json_input(nested(100000), "文件", "the file");
    FAIL() << "no error";
  } catch (const JsonTooDeep& e) {
    EXPECT_EQ(e.code(), "too_deep");
    EXPECT_EQ(std::string(e.what()), "the file is nested more than 64 levels deep");
    EXPECT_NE(e.message_zh().find("文件"), std::string::npos);
  }
}

TEST(JsonInputTest, malformed_text_is_a_parse_error_and_wide_input_is_fine) {
  EXPECT_THROW(parse_json_input("{\"a\": "), nlohmann::json::parse_error);
  EXPECT_THROW(parse_json_input(""), nlohmann::json::parse_error);
  std::string wide = "[";
  for (int i = 0; i < 100000; ++i) wide += i ? ",[1]" : "[1]";
  wide += "]";
  EXPECT_EQ(parse_json_input(wide).size(), 100000u);
}

}  // namespace
}  // namespace gz
