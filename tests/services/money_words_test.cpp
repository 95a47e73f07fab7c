// 大写金额: hand-checked against the People's Bank's payment rules (支付结算办法 附一: a zero
// between digits written once, 整 after a whole yuan amount, 零 between 元 and 分 when 角 is 0).
#include <gtest/gtest.h>

#include "common/error.h"
#include "services/money_words.h"

namespace gz::test {
namespace {

using services::chinese_capital_amount;

TEST(MoneyWords, chinese_capitals_of_hand_checked_amounts) {
  EXPECT_EQ(chinese_capital_amount(35000000), "叁拾伍万元整");          // 350000.00
  EXPECT_EQ(chinese_capital_amount(100405), "壹仟零肆元零伍分");         // 1004.05
  EXPECT_EQ(chinese_capital_amount(0), "零元整");
  EXPECT_EQ(chinese_capital_amount(5), "伍分");                          // 0.05
  EXPECT_EQ(chinese_capital_amount(50), "伍角");                         // 0.50
  EXPECT_EQ(chinese_capital_amount(1000), "壹拾元整");                   // 10.00
  EXPECT_EQ(chinese_capital_amount(168032), "壹仟陆佰捌拾元叁角贰分");    // 1680.32
  EXPECT_EQ(chinese_capital_amount(10700053), "壹拾万零柒仟元伍角叁分");  // 107000.53
  EXPECT_EQ(chinese_capital_amount(1000000), "壹万元整");                // 10000.00
  EXPECT_EQ(chinese_capital_amount(1001000000), "壹仟零壹万元整");       // 10010000.00
  EXPECT_EQ(chinese_capital_amount(10000000100), "壹亿零壹元整");        // 100000001.00
  EXPECT_EQ(chinese_capital_amount(1001000), "壹万零壹拾元整");          // 10010.00
  EXPECT_EQ(chinese_capital_amount(123456789012), "壹拾贰亿叁仟肆佰伍拾陆万柒仟捌佰玖拾元壹角贰分");
  EXPECT_EQ(chinese_capital_amount(30000000000000), "叁仟亿元整");       // 300000000000.00
}

TEST(MoneyWords, negative_and_huge_amounts_are_refused) {
  EXPECT_THROW(chinese_capital_amount(-1), InputError);
  EXPECT_THROW(chinese_capital_amount(1000000000000000000LL), InputError);
}

TEST(MoneyWords, wan_yuan_summary) {
  EXPECT_EQ(services::wan_yuan_text(35000000), "35.00 万元");
  EXPECT_EQ(services::wan_yuan_text(100405), "0.10 万元");   // 1004.05 元 = 0.100405 万元
  EXPECT_EQ(services::wan_yuan_text(1185000000), "1185.00 万元");
  EXPECT_EQ(services::wan_yuan_text(5000), "0.01 万元");      // 50 元 rounds half up
  EXPECT_EQ(services::wan_yuan_text(4999), "0.00 万元");
}

}  // namespace
}  // namespace gz::test
