// Table columns line up on a terminal when names are Chinese.
#include <gtest/gtest.h>

#include "cli/text_width.h"

namespace gz::cli {
namespace {

TEST(TextWidth, chinese_characters_take_two_columns_and_ascii_one) {
  EXPECT_EQ(display_width("0101"), 4u);
  EXPECT_EQ(display_width("水田"), 4u);
  EXPECT_EQ(display_width("水浇地"), 6u);
  EXPECT_EQ(display_width("Paddy 水田"), 10u);
  EXPECT_EQ(display_width("（一）"), 6u);  // fullwidth brackets
  EXPECT_EQ(pad_right("水田", 8), "水田    ");
  EXPECT_EQ(pad_right("水浇地", 8), "水浇地  ");
  EXPECT_EQ(pad_right("a very long name", 4), "a very long name");
}

}  // namespace
}  // namespace gz::cli
