#include "domain/land_use_classes.h"

#include <sstream>

#include "common/data_dir.h"
#include "common/error.h"

namespace gz {

namespace {
std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cur += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(std::move(cur));
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  out.push_back(std::move(cur));
  return out;
}
}  // namespace

LandUseClassTable LandUseClassTable::parse(const std::string& csv, const std::string& source_name) {
  LandUseClassTable t;
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);  // header
  auto header = split_csv_line(line);
  auto col = [&](const char* name) -> std::size_t {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return i;
    throw InputError(source_name, "", name, "column missing from the header");
  };
  std::size_t c_code = col("code"), c_zh = col("name_zh"), c_en = col("name_en"),
              c_l1 = col("level1_code"), c_l1zh = col("level1_name_zh"), c_group = col("group"),
              c_cult = col("cultivated"), c_color = col("color");
  int lineno = 1;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line == "\r") continue;
    auto f = split_csv_line(line);
    if (f.size() < header.size())
      throw InputError(source_name, "line " + std::to_string(lineno), "", "too few columns");
    LandUseClass c;
    c.code = f[c_code];
    c.name_zh = f[c_zh];
    c.name_en = f[c_en];
    c.level1_code = f[c_l1];
    c.level1_name_zh = f[c_l1zh];
    const std::string& g = f[c_group];
    if (g == "agricultural") c.group = LandGroup::agricultural;
    else if (g == "construction") c.group = LandGroup::construction;
    else if (g == "unused") c.group = LandGroup::unused;
    else throw InputError(source_name, "line " + std::to_string(lineno), "group", "unknown group '" + g + "'");
    c.cultivated = f[c_cult] == "1";
    c.color = f[c_color];
    if (t.by_code_.count(c.code))
      throw InputError(source_name, "line " + std::to_string(lineno), "code", "duplicate code " + c.code);
    t.by_code_[c.code] = t.classes_.size();
    t.classes_.push_back(std::move(c));
  }
  if (t.classes_.empty()) throw InputError(source_name, "", "", "no land-use classes");
  return t;
}

const LandUseClassTable& LandUseClassTable::standard() {
  static const LandUseClassTable table = [] {
    std::string path = data_dir() + "/land_use_classes.csv";
    return parse(read_file(path), path);
  }();
  return table;
}

const LandUseClass* LandUseClassTable::find(const std::string& code) const {
  auto it = by_code_.find(code);
  return it == by_code_.end() ? nullptr : &classes_[it->second];
}

bool LandUseClassTable::is_construction(const std::string& code) const {
  const LandUseClass* c = find(code);
  return c && c->group == LandGroup::construction;
}

bool LandUseClassTable::is_cultivated(const std::string& code) const {
  const LandUseClass* c = find(code);
  return c && c->cultivated;
}

}  // namespace gz
