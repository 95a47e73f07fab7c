#include "services/money_words.h"

#include <array>
#include <cstdio>

#include "common/error.h"

namespace gz::services {

namespace {
const std::array<const char*, 10> kDigits = {"零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"};
const std::array<const char*, 4> kPlaces = {"", "拾", "佰", "仟"};
const std::array<const char*, 4> kGroups = {"", "万", "亿", "万亿"};
}  // namespace

std::string chinese_capital_amount(std::int64_t fen) {
  if (fen < 0) throw InputError("金额不能为负数 / the amount must not be negative");
  const std::int64_t yuan = fen / 100;
  const int jiao = static_cast<int>(fen / 10 % 10), cents = static_cast<int>(fen % 10);
  if (yuan >= 10000000000000000LL) throw InputError("金额过大 / the amount is too large");
  std::string out;
  if (yuan > 0) {
    // Groups of four digits from the highest, each with its unit (万, 亿 …).
    std::array<int, 4> groups{};
    std::int64_t rest = yuan;
    int top = 0;
    for (int g = 0; g < 4; ++g) {
      groups[g] = static_cast<int>(rest % 10000);
      rest /= 10000;
      if (groups[g]) top = g;
    }
    bool zero_pending = false;  // zeros skipped since the last digit written
    for (int g = top; g >= 0; --g) {
      int v = groups[g];
      if (v == 0) {
        zero_pending = !out.empty();
        continue;
      }
      for (int place = 3; place >= 0; --place) {
        int d = v / (place == 3 ? 1000 : place == 2 ? 100 : place == 1 ? 10 : 1) % 10;
        if (d == 0) {
          zero_pending = zero_pending || !out.empty();
          continue;
        }
        if (zero_pending) out += kDigits[0];
        zero_pending = false;
        out += kDigits[d];
        out += kPlaces[place];
      }
      out += kGroups[g];
    }
    out += "元";
  }
  if (jiao == 0 && cents == 0) return out.empty() ? "零元整" : out + "整";
  if (jiao > 0) {
    out += kDigits[jiao];
    out += "角";
  } else if (!out.empty()) {
    out += kDigits[0];  // 元零伍分
  }
  if (cents > 0) {
    out += kDigits[cents];
    out += "分";
  }
  return out;
}

std::string wan_yuan_text(std::int64_t fen) {
  // 1 万元 = 1,000,000 fen; two decimals of 万元 are 100 元 = 10,000 fen.
  const bool negative = fen < 0;
  std::uint64_t f = negative ? static_cast<std::uint64_t>(-(fen + 1)) + 1 : static_cast<std::uint64_t>(fen);
  std::uint64_t hundredths = (f + 5000) / 10000;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s%llu.%02llu 万元", negative ? "-" : "",
                static_cast<unsigned long long>(hundredths / 100), static_cast<unsigned long long>(hundredths % 100));
  return buf;
}

}  // namespace gz::services
