// The land-use classification (三调 working classification on GB/T 21010-2017), loaded from
// data/land_use_classes.csv: codes, names, first-level class, 三大类 group, map colour.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gz {

enum class LandGroup { agricultural, construction, unused };

struct LandUseClass {
  std::string code;  // two-level code, e.g. "0101"
  std::string name_zh;
  std::string name_en;
  std::string level1_code;
  std::string level1_name_zh;
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

 private:
  std::vector<LandUseClass> classes_;
  std::map<std::string, std::size_t> by_code_;
};

// 1 mu = 10000/15 m² (666.67 m²), 1 ha = 10000 m².
constexpr double kSquareMetresPerMu = 10000.0 / 15.0;
constexpr double kSquareMetresPerHectare = 10000.0;

}  // namespace gz
