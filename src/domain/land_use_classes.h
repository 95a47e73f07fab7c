// The land-use classification (三调 working classification on GB/T 21010-2017), loaded from
// data/land_use_classes.csv: codes, names, first-level class (湿地 00 first), the two-level class
// a code is counted under in the official tables (K and A codes in their base class), 三大类
// group, map colour. See docs/classes.md.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gz {

// 三大类. `none`: outside the three (the annual change survey's 1301–1304, and sea in 用地用海).
enum class LandGroup { agricultural, construction, unused, none };
const char* to_string(LandGroup g);
// "agricultural" | "construction" | "unused" | "none"; nullopt for anything else.
std::optional<LandGroup> parse_land_group(const std::string& s);

enum class ClassKind {
  standard,       // a class of its own
  adjustable,     // K code (可调整地类): counted in its base class, shown apart as 其中：可调整
  sub,            // A code (1104A, 1107A, 0810A): counted in its base class
  change_survey,  // 1301–1304 of the annual change survey: a heading of its own
};

struct LandUseClass {
  std::string code;  // working-classification code, e.g. "0101", "0201K", "1104A", "09"
  std::string name_zh;
  std::string name_en;
  std::string level1_code;  // "00" … "12", "13" for the change-survey codes
  std::string level1_name_zh;
  std::string level1_name_en;
  std::string count_as;  // the two-level class of the official tables (0201 for 0201K)
  ClassKind kind = ClassKind::standard;
  LandGroup group = LandGroup::agricultural;
  bool cultivated = false;
  std::string color;  // #RRGGBB
};

class LandUseClassTable {
 public:
  // Parses the CSV text; throws InputError naming the line on malformed rows.
  static LandUseClassTable parse(const std::string& csv, const std::string& source_name);
  // The table in data_dir(), loaded once.
  static const LandUseClassTable& standard();

  const LandUseClass* find(const std::string& code) const;
  const std::vector<LandUseClass>& classes() const { return classes_; }
  bool is_construction(const std::string& code) const;
  bool is_cultivated(const std::string& code) const;
  // Up to `n` known codes closest to an unknown one, each "code name".
  std::vector<std::string> nearest(const std::string& code, std::size_t n = 3) const;

 private:
  std::vector<LandUseClass> classes_;
  std::map<std::string, std::size_t> by_code_;
};

// The `n` codes of `known` most like `code` (edit distance, then shared prefix), in that order.
std::vector<std::string> nearest_codes(const std::string& code, const std::vector<std::string>& known,
                                       std::size_t n);

// "code name" of the `n` codes of a class table (anything with classes() of code and name_zh)
// nearest to `code`.
template <class Table>
std::vector<std::string> nearest_classes(const Table& table, const std::string& code, std::size_t n) {
  std::vector<std::string> known;
  for (const auto& c : table.classes()) known.push_back(c.code);
  std::vector<std::string> out;
  for (const auto& k : nearest_codes(code, known, n)) out.push_back(k + " " + table.find(k)->name_zh);
  return out;
}

// 1 mu = 10000/15 m² (666.67 m²), 1 ha = 10000 m².
constexpr double kSquareMetresPerMu = 10000.0 / 15.0;
constexpr double kSquareMetresPerHectare = 10000.0;

}  // namespace gz
