// The request-body helpers every route shares (http/api_support.h), on their own: what a client's
// JSON turns into before any route sees it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "http/api_support.h"

namespace gz::test {
namespace {

// Issue 14, suspicion 8b (confirmed): nlohmann keeps 9223372036854775808 (2^63) as an unsigned
// integer and int_field handed it on as -9223372036854775808.
TEST(ApiSupportTest, int_field_refuses_integers_above_int64_instead_of_wrapping_them_negative) {
  auto body = nlohmann::json::parse(
      R"({"small": 7, "max": 9223372036854775807, "over": 9223372036854775808, "top": 18446744073709551615, "neg": -5})");
  EXPECT_EQ(http::int_field(body, "small"), 7);
  EXPECT_EQ(http::int_field(body, "max"), 9223372036854775807LL);
  EXPECT_EQ(http::int_field(body, "neg"), -5);
  for (const char* field : {"over", "top"}) {
    try {
      auto v = http::int_field(body, field);
      ADD_FAILURE() << field << " was read as " << v;
    } catch (const http::ApiError& e) {
      EXPECT_EQ(e.status, 400);
      EXPECT_EQ(e.code, "out_of_range");
      EXPECT_NE(e.message_en.find(field), std::string::npos) << e.message_en;
    }
  }
}

}  // namespace
}  // namespace gz::test
