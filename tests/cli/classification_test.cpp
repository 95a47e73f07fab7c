// The complete 三调 working classification through the real CLI: a layer holding every code
// (湿地 members, K and A codes, the change-survey codes) imports, and `gongzhi stats --table`
// counts each where the standard says: by class, by first level (湿地 00 first, K shown apart),
// by 三大类, by CZCSXM, by slope grade, and in 用地用海 classes with the undecided area flagged.
// Every spot is a 0.002° square on the same latitude band, so all have the same ellipsoidal area
// (read back from `gongzhi stats`), and each expected figure is a count of spots times it.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "../test_support.h"
#include "../xlsx_reader.h"

namespace gz::test {
namespace {

using nlohmann::json;

// Every code of the 三调 working classification, as the standard lists it.
const std::vector<std::string> kAllCodes = {
    "0303", "0304", "0306", "0402", "0603", "1105", "1106", "1108",  // 湿地 00
    "0101", "0102", "0103",
    "0201", "0201K", "0202", "0202K", "0203", "0203K", "0204", "0204K",
    "0301", "0301K", "0302", "0302K", "0305", "0307", "0307K",
    "0401", "0403", "0403K", "0404",
    "05H1", "0508", "0601", "0602", "0701", "0702",
    "08H1", "08H2", "0809", "0810", "0810A", "09",
    "1001", "1002", "1003", "1004", "1005", "1006", "1007", "1008", "1009",
    "1101", "1102", "1103", "1104", "1104A", "1104K", "1107", "1107A", "1109", "1110",
    "1201", "1202", "1203", "1204", "1205", "1206", "1207",
    "1301", "1302", "1303", "1304"};

// CZCSXM given to some spots, and the slope attributes of the cultivated ones.
const std::map<std::string, std::string> kCzcs = {
    {"0701", "201"}, {"0601", "201A"}, {"05H1", "202"}, {"0508", "202A"}, {"0702", "203"},
    {"1004", "203A"}, {"0602", "204"}, {"09", "205"}, {"1201", "203"}};
const std::map<std::string, std::pair<std::string, std::string>> kSlope = {
    {"0101", {"1", ""}}, {"0102", {"2", "TT"}}, {"0103", {"3", "PD"}}};

std::string square_at(int i) {
  double x = 116.0 + 0.002 * i, y = 39.0;
  return polygon({{x, y}, {x + 0.002, y}, {x + 0.002, y + 0.002}, {x, y + 0.002}, {x, y}});
}

class Classification : public TempDirTest {
 protected:
  void SetUp() override {
    db = at("county.sqlite");
    std::vector<FixtureFeature> spots;
    for (std::size_t i = 0; i < kAllCodes.size(); ++i) {
      const std::string& code = kAllCodes[i];
      json p = {{"BSM", std::to_string(i + 1)}, {"DLBM", code},
                // the first half in one village, the rest in its neighbour
                {"ZLDWDM", i < kAllCodes.size() / 2 ? "3411221000010000000" : "3411221000020000000"},
                {"ZLDWMC", i < kAllCodes.size() / 2 ? "甲村" : "乙村"}};
      if (kCzcs.count(code)) p["CZCSXM"] = kCzcs.at(code);
      if (kSlope.count(code)) {
        p["GDPDJB"] = kSlope.at(code).first;
        p["GDLX"] = kSlope.at(code).second;
        p["KCXS"] = kSlope.at(code).first == "1" ? 0.0 : 0.1;
      }
      spots.push_back({p.dump(), square_at(static_cast<int>(i))});
    }
    std::string file = at("dltb.geojson");
    write_file(file, feature_collection(spots));
    auto r = run({"import", "--db", db, "--layer", "dltb", "--kind", "land_use", file});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    // One spot's area in hectares, from the per-class statistics.
    auto s = run({"stats", "--db", db, "--layer", "dltb", "--format", "json"});
    ASSERT_EQ(s.exit_code, 0) << s.describe();
    auto j = json::parse(s.out);
    ASSERT_EQ(j["rows"].size(), kAllCodes.size()) << "every code counted";
    spot_ha = j["rows"][0]["area_ha"].get<double>();
    for (const auto& row : j["rows"]) EXPECT_NEAR(row["area_ha"].get<double>(), spot_ha, 1e-9);
  }

  json table(std::vector<std::string> extra) {
    std::vector<std::string> args = {"stats", "--db", db, "--layer", "dltb", "--format", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = run(args);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    return json::parse(r.out);
  }
  // The 合计 row's value of the column with `key`.
  static double total_of(const json& t, const std::string& key) {
    for (std::size_t i = 0; i < t["columns"].size(); ++i)
      if (t["columns"][i]["key"] == key) return t["total"]["values"][i].get<double>();
    ADD_FAILURE() << "no column " << key << " in " << t["columns"].dump();
    return -1;
  }
  // n spots, rounded as a row is (each row rounds on its own; two rows here).
  double spots(int n) const { return n * spot_ha; }
  // Largest-remainder rounding moves each spot's part of a row by less than 0.01.
  static double tol(int n) { return 0.01 * n + 1e-9; }

  std::string db;
  double spot_ha = 0;
};

TEST_F(Classification, first_level_counts_wetland_apart_and_k_codes_in_their_base_class) {
  auto t = table({"--table", "class", "--level", "1", "--rows", "village"});
  ASSERT_EQ(t["rows"].size(), 2u);
  EXPECT_EQ(t["rows"][0]["name"], "甲村");
  EXPECT_EQ(t["columns"][0]["key"], "00") << "湿地 first";
  EXPECT_EQ(t["columns"][0]["label_zh"], "00 湿地");
  EXPECT_NEAR(total_of(t, "00"), spots(8), tol(8));
  EXPECT_NEAR(total_of(t, "01"), spots(3), tol(3));
  EXPECT_NEAR(total_of(t, "02"), spots(8), tol(8));
  EXPECT_NEAR(total_of(t, "02:K"), spots(4), tol(4));
  EXPECT_NEAR(total_of(t, "03"), spots(7), tol(7));
  EXPECT_NEAR(total_of(t, "03:K"), spots(3), tol(3));
  EXPECT_NEAR(total_of(t, "04"), spots(4), tol(4));  // 0401 0403 0403K 0404; 0402 is in 湿地
  EXPECT_NEAR(total_of(t, "04:K"), spots(1), tol(1));
  EXPECT_NEAR(total_of(t, "06"), spots(2), tol(2));   // 0603 盐田 is in 湿地
  EXPECT_NEAR(total_of(t, "08"), spots(5), tol(5));   // with 0810A
  EXPECT_NEAR(total_of(t, "09"), spots(1), tol(1));
  EXPECT_NEAR(total_of(t, "11"), spots(10), tol(10));  // 1104A, 1104K, 1107A; not 1105/1106/1108
  EXPECT_NEAR(total_of(t, "11:K"), spots(1), tol(1));
  EXPECT_NEAR(total_of(t, "12"), spots(7), tol(7));
  EXPECT_NEAR(total_of(t, "13"), spots(4), tol(4));   // the change-survey codes, under their own heading
  EXPECT_NEAR(t["total"]["total"].get<double>(), spots(72), tol(72));
  // Each row's first-level parts add up to its total exactly (largest-remainder rounding).
  for (const auto& row : t["rows"]) {
    std::int64_t parts = 0;
    for (std::size_t i = 0; i < t["columns"].size(); ++i) {
      std::string key = t["columns"][i]["key"];
      if (key.find(':') == std::string::npos)
        parts += std::llround(row["values"][i].get<double>() * 100);
    }
    EXPECT_EQ(parts, std::llround(row["total"].get<double>() * 100)) << row.dump();
    EXPECT_EQ(std::llround(row["total"].get<double>() * 100), std::llround(spots(36) * 100));
  }
}

TEST_F(Classification, second_level_shows_each_class_with_its_adjustable_part) {
  auto t = table({"--table", "class"});
  ASSERT_EQ(t["rows"].size(), 1u) << "one township";
  EXPECT_NEAR(total_of(t, "0201"), spots(2), tol(2));
  EXPECT_NEAR(total_of(t, "0201:K"), spots(1), tol(1));
  EXPECT_NEAR(total_of(t, "1104"), spots(3), tol(3));  // 1104, 1104A, 1104K
  EXPECT_NEAR(total_of(t, "1104:K"), spots(1), tol(1));
  EXPECT_NEAR(total_of(t, "1107"), spots(2), tol(2));
  EXPECT_NEAR(total_of(t, "0810"), spots(2), tol(2));
  EXPECT_NEAR(total_of(t, "00:subtotal"), spots(8), tol(8));
  EXPECT_NEAR(total_of(t, "1106"), spots(1), tol(1));
  EXPECT_NEAR(total_of(t, "1301"), spots(1), tol(1));
  for (std::size_t i = 0; i < t["columns"].size(); ++i)
    if (t["columns"][i]["key"] == "0201:K") {
      EXPECT_EQ(t["columns"][i]["label_zh"], "其中：可调整");
      EXPECT_EQ(t["columns"][i]["group_zh"], "02 种植园用地");
    }
}

TEST_F(Classification, three_groups_follow_gb_t_21010) {
  auto t = table({"--table", "three", "--level", "1"});
  EXPECT_NEAR(total_of(t, "agricultural"), spots(34), tol(34));
  EXPECT_NEAR(total_of(t, "agricultural:01"), spots(3), tol(3));
  EXPECT_NEAR(total_of(t, "construction"), spots(23), tol(23));
  EXPECT_NEAR(total_of(t, "unused"), spots(11), tol(11));
  EXPECT_NEAR(total_of(t, "none"), spots(4), tol(4));  // 1301–1304 are counted in none of the three
  auto t2 = table({"--table", "three", "--level", "2"});
  EXPECT_NEAR(total_of(t2, "agricultural:00"), spots(4), tol(4));  // 0303 0304 0306 0402
  EXPECT_NEAR(total_of(t2, "construction:00"), spots(1), tol(1));  // 0603
  EXPECT_NEAR(total_of(t2, "unused:00"), spots(3), tol(3));        // 1105 1106 1108
}

TEST_F(Classification, czcs_and_slope_tables_count_their_codes) {
  auto c = table({"--table", "czcs"});
  EXPECT_NEAR(total_of(c, "201"), spots(2), tol(2));
  EXPECT_NEAR(total_of(c, "201:A"), spots(1), tol(1));
  EXPECT_NEAR(total_of(c, "202"), spots(2), tol(2));
  EXPECT_NEAR(total_of(c, "203"), spots(3), tol(3));
  EXPECT_NEAR(total_of(c, "203:A"), spots(1), tol(1));
  EXPECT_NEAR(total_of(c, "204"), spots(1), tol(1));
  EXPECT_NEAR(total_of(c, "205"), spots(1), tol(1));
  EXPECT_NEAR(c["total"]["total"].get<double>(), spots(9), tol(9));
  auto s = table({"--table", "slope"});
  EXPECT_NEAR(total_of(s, "1"), spots(1), tol(1));
  EXPECT_NEAR(total_of(s, "2:TT"), spots(1), tol(1));
  EXPECT_NEAR(total_of(s, "3:PD"), spots(1), tol(1));
  EXPECT_NEAR(total_of(s, "4"), 0.0, tol(0));
  EXPECT_NEAR(s["total"]["total"].get<double>(), spots(3), tol(3));
  auto net = table({"--table", "slope", "--net"});
  EXPECT_NEAR(total_of(net, "2:TT"), spots(1) * 0.9, tol(1));  // KCXS 0.1
  auto mu = table({"--table", "slope", "--unit", "mu"});
  EXPECT_NEAR(mu["total"]["total"].get<double>(), spots(3) * 15, 0.011);
}

TEST_F(Classification, planning_classes_come_from_the_base_conversion_with_undecided_area_flagged) {
  auto t = table({"--table", "class", "--classification", "yydh", "--level", "1"});
  EXPECT_NEAR(total_of(t, "05"), spots(7), tol(7));  // 湿地 except 0603 盐田, which becomes 1003
  EXPECT_NEAR(total_of(t, "09"), spots(1), tol(1));  // 05H1 is 09 at the first level
  EXPECT_NEAR(total_of(t, "06"), spots(3), tol(3));  // 1006, 1202, and 1004 in a village (203A)
  EXPECT_NEAR(total_of(t, "flag:08H1"), spots(1), tol(1));
  EXPECT_NEAR(total_of(t, "flag:1302"), spots(1), tol(1));
  EXPECT_NEAR(t["total"]["total"].get<double>(), spots(72), tol(72));
  auto t2 = table({"--table", "class", "--classification", "yydh", "--level", "2"});
  EXPECT_NEAR(total_of(t2, "09:undecided"), spots(1), tol(1));  // 05H1 needs a person's decision
  EXPECT_NEAR(total_of(t2, "0703"), spots(1), tol(1));          // 0702 农村宅基地
  EXPECT_NEAR(total_of(t2, "1704"), spots(3), tol(3));          // 1104, 1104A, 1104K
  auto bad = run({"stats", "--db", db, "--layer", "dltb", "--table", "slope", "--classification", "yydh"});
  EXPECT_EQ(bad.exit_code, 2) << bad.describe();
}

TEST_F(Classification, csv_has_one_header_line_and_the_total_row_first) {
  auto r = run({"stats", "--db", db, "--layer", "dltb", "--table", "class", "--level", "1", "--format", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto first = r.out.substr(0, r.out.find('\n'));
  EXPECT_EQ(first.rfind("坐落单位代码,坐落单位名称,合计,00 湿地,", 0), 0u) << first;
  auto second = r.out.substr(first.size() + 1, r.out.find('\n', first.size() + 1) - first.size() - 1);
  EXPECT_NE(second.find(",合计,"), std::string::npos) << second;
}

TEST_F(Classification, xlsx_has_the_official_layout_and_adds_up) {
  std::string out = at("class.xlsx");
  auto r = run({"stats", "--db", db, "--layer", "dltb", "--table", "class", "--level", "2",
                "--rows", "village", "--format", "xlsx", "--output", out});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  XlsxSheet s = read_xlsx_sheet(out);
  // Columns: code, name, 合计, then the classes; find the last one from the header rows.
  int last = 2;
  while (!s.at(column_letters(last + 1) + "4").empty() || !s.at(column_letters(last + 1) + "3").empty()) ++last;
  std::string end = column_letters(last);
  EXPECT_TRUE(s.merged.count("A1:" + end + "1")) << "title across the table";
  EXPECT_NE(s.at("A1").find("土地利用现状分类面积汇总表"), std::string::npos) << s.at("A1");
  EXPECT_TRUE(s.merged.count("A2:" + end + "2"));
  EXPECT_EQ(s.at("A2"), "单位：公顷");
  EXPECT_TRUE(s.merged.count("A3:A4"));
  EXPECT_TRUE(s.merged.count("C3:C4"));
  EXPECT_EQ(s.at("C3"), "合计");
  // 湿地 first: its heading merged over 小计 and its eight classes.
  EXPECT_EQ(s.at("D3"), "00 湿地");
  EXPECT_TRUE(s.merged.count("D3:L3")) << "00 湿地 over D3:L3";
  EXPECT_EQ(s.at("D4"), "小计");
  EXPECT_EQ(s.at("E4"), "0303 红树林地");
  // 09 has no second level: one cell over both header rows.
  bool special = false;
  for (int c = 3; c <= last; ++c)
    if (s.at(column_letters(c) + "3") == "09 特殊用地") {
      special = true;
      EXPECT_TRUE(s.merged.count(column_letters(c) + "3:" + column_letters(c) + "4"));
    }
  EXPECT_TRUE(special);
  // Row 5 is 合计, rows 6 and 7 the villages. In each row the first-level subtotals (and single
  // first-level columns) add up to the row's total, to the cent; 合计 is the sum of the rows.
  EXPECT_EQ(s.at("B5"), "合计");
  EXPECT_EQ(s.at("B6"), "甲村");
  EXPECT_EQ(s.at("B7"), "乙村");
  auto cents = [&](const std::string& ref) { return std::llround(std::stod(s.at(ref)) * 100); };
  std::string group;
  std::vector<int> first_level;
  for (int c = 3; c <= last; ++c) {
    std::string top = s.at(column_letters(c) + "3"), label = s.at(column_letters(c) + "4");
    bool vertical = s.merged.count(column_letters(c) + "3:" + column_letters(c) + "4") > 0;
    if (vertical || label == "小计") first_level.push_back(c);
  }
  ASSERT_EQ(first_level.size(), 14u) << "00 … 13";
  for (int row : {5, 6, 7}) {
    std::int64_t sum = 0;
    for (int c : first_level) sum += cents(column_letters(c) + std::to_string(row));
    EXPECT_EQ(sum, cents("C" + std::to_string(row))) << "row " << row;
  }
  for (int c = 2; c <= last; ++c) {
    std::string col = column_letters(c);
    EXPECT_EQ(cents(col + "5"), cents(col + "6") + cents(col + "7")) << col;
  }
  EXPECT_EQ(cents("C6"), std::llround(spots(36) * 100));
  bool note = false;
  for (const auto& [ref, text] : s.cells) note = note || text.find("最大余额法") != std::string::npos;
  EXPECT_TRUE(note) << "the rounding rule is stated in the sheet";
}

// Bad input: refused with the feature, the field and the code named, and nothing stored.
class ClassificationInput : public TempDirTest {
 protected:
  void expect_refused(const std::string& kind, const std::string& properties,
                      const std::vector<std::string>& mentions) {
    std::string db = at("county.sqlite");
    std::string seed = at("seed.geojson");
    write_file(seed, feature_collection(three_land_use_spots()));
    ASSERT_EQ(run({"import", "--db", db, "--layer", "seed", "--kind", "land_use", seed}).exit_code, 0);
    std::string before = dump_database(db);
    std::string file = at("bad.geojson");
    write_file(file, feature_collection({{R"({"BSM":"1","DLBM":"0101","GHDLBM":"0101","XMBH":"X"})", square_at(0)},
                                         {properties, square_at(1)}}));
    auto r = run({"import", "--db", db, "--layer", "bad", "--kind", kind, file});
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    ASSERT_EQ(r.error_lines().size(), 1u) << r.describe();
    for (const auto& m : mentions) EXPECT_NE(r.err.find(m), std::string::npos) << m << " in " << r.err;
    EXPECT_NE(r.err.find("feature 1"), std::string::npos) << r.err;
    EXPECT_EQ(dump_database(db), before) << "nothing stored";
  }
};

TEST_F(ClassificationInput, unknown_code_names_the_nearest_known_codes) {
  expect_refused("land_use", R"({"BSM":"2","DLBM":"0208"})", {"DLBM", "'0208'", "0201 果园"});
}

TEST_F(ClassificationInput, planning_code_in_a_survey_layer_is_refused_as_such) {
  expect_refused("land_use", R"({"BSM":"2","DLBM":"0703"})",
                 {"DLBM", "'0703'", "用地用海", "0702 农村宅基地"});
}

TEST_F(ClassificationInput, survey_code_in_a_village_plan_is_refused_as_such) {
  expect_refused("village_plan", R"({"BSM":"2","GHDLBM":"05H1"})",
                 {"GHDLBM", "'05H1'", "三调", "09 商业服务业用地"});
}

TEST_F(ClassificationInput, unknown_planning_code_and_unknown_czcs_are_refused) {
  expect_refused("village_plan", R"({"BSM":"2","GHDLBM":"0799"})", {"GHDLBM", "'0799'", "07 居住用地"});
  expect_refused("land_use", R"({"BSM":"2","DLBM":"0702","CZCSXM":"209"})", {"CZCSXM", "'209'", "203A"});
  expect_refused("land_use", R"({"BSM":"2","DLBM":"0101","GDPDJB":"6"})", {"GDPDJB", "'6'"});
  expect_refused("project", R"({"BSM":"2","XMBH":"X","from_code":"0101","GHDLBM":"0201K"})",
                 {"GHDLBM", "'0201K'", "三调"});
}

// A village plan in 用地用海 codes drives the plan checks: a planned factory is new
// construction outside the village construction zones unless a construction class (0703
// 农村宅基地, 1001 工业用地) covers it; a target named in 用地用海 (GHDLBM) is judged by its class.
TEST_F(ClassificationInput, village_plan_in_planning_codes_drives_the_construction_check) {
  std::string db = at("county.sqlite");
  auto import = [&](const std::string& layer, const std::string& kind, const std::vector<FixtureFeature>& f) {
    std::string file = at(layer + ".geojson");
    write_file(file, feature_collection(f));
    auto r = run({"import", "--db", db, "--layer", layer, "--kind", kind, file});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
  };
  import("dltb", "land_use", {{R"({"BSM":"1","DLBM":"0103"})", square_at(0)},
                              {R"({"BSM":"2","DLBM":"0103"})", square_at(1)}});
  // Square 0 planned 0703 农村宅基地 (construction), square 1 planned 0101 水田.
  import("plan", "village_plan", {{R"({"BSM":"1","GHDLBM":"0703","GHDLMC":"农村宅基地"})", square_at(0)},
                                  {R"({"BSM":"2","GHDLBM":"0101","GHDLMC":"水田"})", square_at(1)}});
  // A factory on each square: one in 三调 (to_code), one in 用地用海 (GHDLBM 1001 工业用地);
  // and a paddy field in 用地用海 (no construction).
  import("projects", "project",
         {{R"({"XMBH":"XM-1","from_code":"0103","to_code":"0601"})", square_at(0)},
          {R"({"XMBH":"XM-1","from_code":"0103","GHDLBM":"1001"})", square_at(1)},
          {R"({"XMBH":"XM-1","from_code":"0103","GHDLBM":"0101"})", square_at(1)}});
  auto r = run({"check", "--db", db, "--layer", "projects", "--format", "json"});
  ASSERT_EQ(r.exit_code, 3) << r.describe();
  auto j = json::parse(r.out);
  std::map<std::string, std::string> rules;
  for (const auto& f : j["findings"]) rules[f["feature_id"]] += f["rule"].get<std::string>() + " ";
  EXPECT_EQ(rules.count("0"), 0u) << "the 0703 zone allows the factory: " << j["findings"].dump();
  EXPECT_EQ(rules["1"], "construction_outside_boundary ") << j["findings"].dump();
  EXPECT_EQ(rules.count("2"), 0u);
}

}  // namespace
}  // namespace gz::test
