#include <gtest/gtest.h>
TEST(placeholder_build, links) { SUCCEED(); }
