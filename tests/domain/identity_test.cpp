// Roles, division codes and jurisdiction: which grants cover which villages.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/error.h"
#include "domain/identity.h"

namespace gz {
namespace {

TEST(RegionCodes, trailing_zero_forms_name_the_province_city_and_county) {
  EXPECT_EQ(region_prefix("340000"), "34");
  EXPECT_EQ(region_prefix("340100"), "3401");
  EXPECT_EQ(region_prefix("340123"), "340123");
  EXPECT_EQ(region_prefix("340123100"), "340123100");
  EXPECT_EQ(region_prefix("340123100000"), "340123100");
  EXPECT_EQ(region_prefix("340123000000"), "340123");
  EXPECT_EQ(region_prefix("340123100201"), "340123100201");
  EXPECT_EQ(region_level("340000"), RegionLevel::province);
  EXPECT_EQ(region_level("340100"), RegionLevel::city);
  EXPECT_EQ(region_level("340123"), RegionLevel::county);
  EXPECT_EQ(region_level("340123100"), RegionLevel::township);
  EXPECT_EQ(region_level("340123100201"), RegionLevel::village);
}

TEST(RegionCodes, county_grant_covers_its_villages_not_the_neighbour_countys) {
  EXPECT_TRUE(region_contains("340123", "340123100201"));
  EXPECT_TRUE(region_contains("340123", "340123"));
  EXPECT_TRUE(region_contains("340123", "340123100"));
  EXPECT_FALSE(region_contains("340123", "340124100201"));
  EXPECT_FALSE(region_contains("340123100", "340123101201"));
  EXPECT_FALSE(region_contains("340123100201", "340123100"));  // a village holds no township
  EXPECT_TRUE(region_contains("34", "340123100201"));
  EXPECT_TRUE(region_contains("340000", "340123100201"));
  EXPECT_TRUE(region_contains("340100", "340123100201"));
  EXPECT_FALSE(region_contains("340100", "340223100201"));
  EXPECT_TRUE(region_contains("", "340123100201"));  // the whole country
  EXPECT_FALSE(region_contains("340123", "34012"));   // malformed: contained in nothing
  EXPECT_FALSE(region_contains("34x123", "340123100201"));
}

TEST(RegionCodes, malformed_codes_are_refused_naming_the_field) {
  for (std::string bad : {"", "3401234", "34012a", "000000", "34 0123"}) {
    try {
      validate_region_code(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("region"), std::string::npos) << e.what();
    }
  }
}

TEST(Roles, every_design_role_round_trips_and_unknown_roles_are_listed) {
  EXPECT_EQ(all_roles().size(), 10u);
  for (Role r : all_roles()) EXPECT_EQ(parse_role(to_string(r)), r);
  try {
    parse_role("superuser");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("co_reviewing_department"), std::string::npos);
  }
}

TEST(Usernames, sql_and_script_text_is_refused) {
  for (const std::string& bad :
       std::vector<std::string>{"x'; DROP TABLE users;--", "<script>alert(1)</script>", "ab",
                                std::string(65, 'a'), "李四", "a b c"}) {
    try {
      validate_username(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("username"), std::string::npos) << e.what();
    }
  }
  EXPECT_NO_THROW(validate_username("zhang.san-01_x"));
  EXPECT_THROW(validate_password("short"), UsageError);
  EXPECT_NO_THROW(validate_password("长密码长密码长密码长"));
  EXPECT_NO_THROW(validate_department("自然资源局"));
  EXPECT_THROW(validate_department("a;b"), UsageError);
}

}  // namespace
}  // namespace gz
