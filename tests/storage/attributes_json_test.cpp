// The stored attribute text is decoded by simdjson's On-Demand parser, with nlohmann's SAX parser
// as the fallback for what it does not take. These tests hold the decoder to what the SAX decoder
// gave before: every kind of value, escapes, duplicate keys, nested values, numbers at the edges
// of int64, and the same errors for text that is not a JSON object.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "common/error.h"
#include "storage/attributes_json.h"

namespace gz::test {
namespace {

using storage::decode_attributes;
using storage::decode_attributes_if;
using storage::encode_attributes;

TEST(AttributesJson, every_value_kind_comes_back_in_stored_order) {
  Attributes a = decode_attributes(
      R"({"BSM":12,"DLBM":"0101","KCXS":0.12,"TBMJ":1.0,"FLAG":true,"OFF":false,"ZL":null,)"
      R"("BIG":9223372036854775807,"NEG":-9223372036854775808,"EXP":1e3,"NEST":{"a":[1,2]},"ARR":[1,{"b":2}]})");
  ASSERT_EQ(12u, a.size());
  EXPECT_EQ("BSM", a[0].name);
  EXPECT_EQ(12, std::get<std::int64_t>(a[0].value));
  EXPECT_EQ("0101", std::get<std::string>(a[1].value));
  EXPECT_EQ(0.12, std::get<double>(a[2].value));
  EXPECT_EQ(1.0, std::get<double>(a[3].value));  // a decimal point keeps it a double
  EXPECT_EQ(1, std::get<std::int64_t>(a[4].value));
  EXPECT_EQ(0, std::get<std::int64_t>(a[5].value));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(a[6].value));
  EXPECT_EQ(std::numeric_limits<std::int64_t>::max(), std::get<std::int64_t>(a[7].value));
  EXPECT_EQ(std::numeric_limits<std::int64_t>::min(), std::get<std::int64_t>(a[8].value));
  EXPECT_EQ(1000.0, std::get<double>(a[9].value));
  EXPECT_EQ("NEST", a[10].name);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(a[10].value));  // nested: null
  EXPECT_TRUE(std::holds_alternative<std::monostate>(a[11].value));
}

TEST(AttributesJson, escapes_and_chinese_text_are_unescaped) {
  Attributes a = decode_attributes(R"({"ZLDWMC":"双河镇\u6751","Q":"a\"b\\c\/d\n\t","\u0044LBM":"0101"})");
  ASSERT_EQ(3u, a.size());
  EXPECT_EQ("双河镇村", std::get<std::string>(a[0].value));
  EXPECT_EQ("a\"b\\c/d\n\t", std::get<std::string>(a[1].value));
  EXPECT_EQ("DLBM", a[2].name);  // an escaped key is compared unescaped
  Attributes only = decode_attributes_if(R"({"\u0044LBM":"0101","X":1})", [](std::string_view k) { return k == "DLBM"; });
  ASSERT_EQ(1u, only.size());
  EXPECT_EQ("0101", std::get<std::string>(only[0].value));
}

TEST(AttributesJson, duplicate_keys_are_all_kept_as_the_sax_decoder_kept_them) {
  Attributes a = decode_attributes(R"({"A":1,"A":"x"})");
  ASSERT_EQ(2u, a.size());
  EXPECT_EQ(1, std::get<std::int64_t>(a[0].value));
  EXPECT_EQ("x", std::get<std::string>(a[1].value));
}

TEST(AttributesJson, integers_past_int64_follow_the_old_decoder) {
  // Unsigned integers past INT64_MAX were cast (wrapped); past 64 bits they were doubles.
  Attributes a = decode_attributes(R"({"U":18446744073709551615,"H":123456789012345678901234567890})");
  ASSERT_EQ(2u, a.size());
  EXPECT_EQ(-1, std::get<std::int64_t>(a[0].value));
  EXPECT_DOUBLE_EQ(123456789012345678901234567890.0, std::get<double>(a[1].value));
}

TEST(AttributesJson, a_filter_skips_refused_fields_even_nested_or_escaped_ones) {
  std::string text = R"({"SKIP":{"DLBM":"9999","x":[1,2,{"y":"\"}"}]},"DLBM":"0102","S2":"}\"{","KCXS":0.05})";
  Attributes a = decode_attributes_if(text, [](std::string_view k) { return k == "DLBM" || k == "KCXS"; });
  ASSERT_EQ(2u, a.size());
  EXPECT_EQ("0102", std::get<std::string>(a[0].value));
  EXPECT_EQ(0.05, std::get<double>(a[1].value));
}

TEST(AttributesJson, text_that_is_not_one_object_decodes_as_before) {
  // Not objects: nothing (the SAX decoder kept only top-level keys).
  EXPECT_TRUE(decode_attributes("[1,2]").empty());
  EXPECT_TRUE(decode_attributes("null").empty());
  EXPECT_TRUE(decode_attributes(" {} ").empty());
  // Broken text is refused with the same error as before.
  for (std::string bad : {"", "{", "{\"A\":", "{\"A\":1", "{\"A\":1}x", "{\"A\":1} {}", "{\"A\":tru}",
                          "{\"A\":\"\xff\"}", "{\"A\":01}", "{'A':1}"})
    EXPECT_THROW(decode_attributes(bad), Error) << bad;
}

// Random attribute sets survive encode and decode exactly, with and without a filter.
TEST(AttributesJson, random_attribute_sets_round_trip_exactly) {
  std::mt19937_64 rng(20261208);
  const std::string alphabet[] = {"a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\x01", "村", "镇", "é", "{", "}", ","};
  for (int round = 0; round < 2000; ++round) {
    Attributes in;
    int n = static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) {
      std::string name = "F" + std::to_string(i);  // unique: encoding keeps one value per name
      switch (rng() % 5) {
        case 0:
          in.push_back({name, std::monostate{}});
          break;
        case 1:
          in.push_back({name, static_cast<std::int64_t>(rng())});
          break;
        case 2: {
          double d = std::ldexp(static_cast<double>(rng() % 1000000007) - 5e8, static_cast<int>(rng() % 80) - 40);
          in.push_back({name, d});
          break;
        }
        default: {
          std::string s;
          for (int k = static_cast<int>(rng() % 9); k > 0; --k) s += alphabet[rng() % std::size(alphabet)];
          in.push_back({name, s});
        }
      }
    }
    std::string text = encode_attributes(in);
    Attributes out = decode_attributes(text);
    ASSERT_EQ(in.size(), out.size()) << text;
    for (std::size_t i = 0; i < in.size(); ++i) {
      EXPECT_EQ(in[i].name, out[i].name) << text;
      EXPECT_EQ(in[i].value, out[i].value) << text;
    }
    Attributes odd = decode_attributes_if(text, [](std::string_view k) { return k.size() == 2; });
    std::size_t expected = 0;
    for (const auto& a : in) expected += a.name.size() == 2;
    EXPECT_EQ(expected, odd.size()) << text;
  }
}

}  // namespace
}  // namespace gz::test
