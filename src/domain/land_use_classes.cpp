#include "domain/land_use_classes.h"

#include <algorithm>
#include <cctype>
#include <numeric>

#include "common/csv_table.h"
#include "common/data_dir.h"
#include "common/error.h"

namespace gz {

const char* to_string(LandGroup g) {
  switch (g) {
    case LandGroup::agricultural: return "agricultural";
    case LandGroup::construction: return "construction";
    case LandGroup::unused: return "unused";
    case LandGroup::none: return "none";
  }
  return "none";
}

std::optional<LandGroup> parse_land_group(const std::string& s) {
  for (LandGroup g : {LandGroup::agricultural, LandGroup::construction, LandGroup::unused, LandGroup::none})
    if (s == to_string(g)) return g;
  return std::nullopt;
}

LandUseClassTable LandUseClassTable::parse(const std::string& csv, const std::string& source_name) {
  LandUseClassTable t;
  CsvTable in = CsvTable::parse(csv, source_name);
  std::size_t c_code = in.column("code"), c_zh = in.column("name_zh"), c_en = in.column("name_en"),
              c_l1 = in.column("level1_code"), c_l1zh = in.column("level1_name_zh"),
              c_l1en = in.column("level1_name_en"), c_as = in.column("count_as"),
              c_kind = in.column("kind"), c_group = in.column("group"),
              c_cult = in.column("cultivated"), c_color = in.column("color");
  for (std::size_t r = 0; r < in.rows().size(); ++r) {
    const auto& f = in.rows()[r];
    std::string where = "line " + std::to_string(in.line_of(r));
    LandUseClass c;
    c.code = f[c_code];
    c.name_zh = f[c_zh];
    c.name_en = f[c_en];
    c.level1_code = f[c_l1];
    c.level1_name_zh = f[c_l1zh];
    c.level1_name_en = f[c_l1en];
    c.count_as = f[c_as].empty() ? c.code : f[c_as];
    const std::string& k = f[c_kind];
    if (k == "standard" || k.empty()) c.kind = ClassKind::standard;
    else if (k == "adjustable") c.kind = ClassKind::adjustable;
    else if (k == "sub") c.kind = ClassKind::sub;
    else if (k == "change_survey") c.kind = ClassKind::change_survey;
    else throw InputError(source_name, where, "kind", "unknown kind '" + k + "'");
    auto g = parse_land_group(f[c_group]);
    if (!g) throw InputError(source_name, where, "group", "unknown group '" + f[c_group] + "'");
    c.group = *g;
    c.cultivated = f[c_cult] == "1";
    c.color = f[c_color];
    if (t.by_code_.count(c.code))
      throw InputError(source_name, where, "code", "duplicate code " + c.code);
    t.by_code_[c.code] = t.classes_.size();
    t.classes_.push_back(std::move(c));
  }
  if (t.classes_.empty()) throw InputError(source_name, "", "", "no land-use classes");
  // A code counted under another must name a class of the same first level that counts as itself.
  for (const auto& c : t.classes_) {
    const LandUseClass* base = t.find(c.count_as);
    if (!base || base->count_as != base->code || base->level1_code != c.level1_code)
      throw InputError(source_name, c.code, "count_as",
                       "'" + c.count_as + "' is not a class of the same first level counted as itself");
  }
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

std::vector<std::string> LandUseClassTable::nearest(const std::string& code, std::size_t n) const {
  return nearest_classes(*this, code, n);
}

std::vector<std::string> nearest_codes(const std::string& code, const std::vector<std::string>& known,
                                       std::size_t n) {
  auto distance = [](const std::string& a, const std::string& b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    std::iota(prev.begin(), prev.end(), 0);
    for (std::size_t i = 1; i <= a.size(); ++i) {
      cur[0] = i;
      for (std::size_t j = 1; j <= b.size(); ++j)
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1,
                           prev[j - 1] + (std::toupper(static_cast<unsigned char>(a[i - 1])) ==
                                                  std::toupper(static_cast<unsigned char>(b[j - 1]))
                                              ? 0
                                              : 1)});
      std::swap(prev, cur);
    }
    return prev[b.size()];
  };
  auto prefix = [](const std::string& a, const std::string& b) {
    std::size_t i = 0;
    while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
    return i;
  };
  struct Scored {
    std::size_t dist, shared;
    std::size_t index;
  };
  std::vector<Scored> scored;
  for (std::size_t i = 0; i < known.size(); ++i)
    scored.push_back({distance(code, known[i]), prefix(code, known[i]), i});
  std::stable_sort(scored.begin(), scored.end(), [](const Scored& a, const Scored& b) {
    return a.dist != b.dist ? a.dist < b.dist : a.shared > b.shared;
  });
  std::vector<std::string> out;
  for (std::size_t i = 0; i < scored.size() && i < n; ++i) out.push_back(known[scored[i].index]);
  return out;
}

}  // namespace gz
