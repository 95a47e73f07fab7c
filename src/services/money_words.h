// Amounts of money in the words a payment voucher carries: 大写金额, the Chinese financial
// capitals (壹贰叁… with 拾佰仟万亿, 元角分, 整), written as the People's Bank's payment rules
// describe: a zero between digits is written once (零), 整 after a whole yuan amount.
#pragma once

#include <cstdint>
#include <string>

namespace gz::services {

// 35000000 fen (350000.00 元) → "叁拾伍万元整"; 100405 → "壹仟零肆元零伍分"; 0 → "零元整".
// Throws InputError for a negative amount or one of 10^16 元 or more.
std::string chinese_capital_amount(std::int64_t fen);

// "35.00 万元" of 35000000 fen, the summary beside amounts in 元 (two decimals, rounded half up).
std::string wan_yuan_text(std::int64_t fen);

}  // namespace gz::services
