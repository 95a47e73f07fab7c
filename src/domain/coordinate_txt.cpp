#include "domain/coordinate_txt.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iomanip>
#include <limits>
#include <map>
#include <sstream>

#include "common/data_dir.h"
#include "common/error.h"

namespace gz {

namespace {

struct DatumEntry {
  GeodeticDatum datum;
  std::vector<std::string> names;
  bool needs_shift = false;
  int gk3_cm_epsg_75e = 0, gk6_cm_epsg_75e = 0;
};

struct TxtTables {
  std::map<std::size_t, std::vector<std::string>> layouts;
  std::map<std::string, std::string> names_zh;
  std::vector<DatumEntry> datums;
  std::vector<CoordinateTxtProjectField> project_fields;
};

const TxtTables& tables() {
  static const TxtTables t = [] {
    std::string path = data_dir() + "/coordinate_txt.json";
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(read_file(path));
    } catch (const nlohmann::json::exception& e) {
      throw Error(path + ": " + e.what());
    }
    TxtTables out;
    for (const auto& l : j.at("header_layouts"))
      out.layouts[l.at("values").get<std::size_t>()] = l.at("fields").get<std::vector<std::string>>();
    for (const auto& [k, v] : j.at("field_names_zh").items()) out.names_zh[k] = v.get<std::string>();
    for (const auto& f : j.at("project_info_fields"))
      out.project_fields.push_back({f.at("key").get<std::string>(), f.at("field").get<std::string>()});
    for (const auto& d : j.at("datums")) {
      std::string id = d.at("id");
      GeodeticDatum datum = id == "cgcs2000"   ? GeodeticDatum::cgcs2000
                            : id == "xian1980" ? GeodeticDatum::xian1980
                                               : GeodeticDatum::beijing1954;
      out.datums.push_back({datum, d.at("names").get<std::vector<std::string>>(),
                            d.at("needs_shift").get<bool>(), d.at("gk3_cm_epsg_75e").get<int>(),
                            d.at("gk6_cm_epsg_75e").get<int>()});
    }
    return out;
  }();
  return t;
}

std::string trim(std::string_view s) {
  auto is_space = [](unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && is_space(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  // Full-width spaces (U+3000) pad fields in files typed on Chinese keyboards.
  while (s.rfind("\xE3\x80\x80", 0) == 0) s.remove_prefix(3);
  while (s.size() >= 3 && s.substr(s.size() - 3) == "\xE3\x80\x80") s.remove_suffix(3);
  return std::string(s);
}

// Splits on ',' and the full-width '，'.
std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == ',') {
      out.push_back(trim(cur));
      cur.clear();
    } else if (line.compare(i, 3, "\xEF\xBC\x8C") == 0) {
      out.push_back(trim(cur));
      cur.clear();
      i += 2;
    } else {
      cur += line[i];
    }
  }
  out.push_back(trim(cur));
  return out;
}

std::optional<double> to_number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  double v = 0;
  const char* b = s.data();
  const char* e = b + s.size();
  if (*b == '+') ++b;
  auto [p, ec] = std::from_chars(b, e, v);
  if (ec != std::errc() || p != e || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<std::int64_t> to_integer(const std::string& s) {
  if (s.empty()) return std::nullopt;
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

int decimals_of(const std::string& s) {
  auto dot = s.find('.');
  return dot == std::string::npos ? 0 : static_cast<int>(s.size() - dot - 1);
}

std::string fold(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == ' ' || c == '_' || c == '-') continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

struct Parser {
  explicit Parser(const std::string& f) : file(f) {}
  const std::string& file;
  CoordinateTxt out;
  std::optional<int> zone_declared;  // 带号
  int zone_line = 0;
  std::optional<bool> y_prefixed;
  std::optional<int> prefix_zone;
  CoordinateTxtPlot* plot = nullptr;
  int plot_rows = 0;
  std::optional<CoordinateTxtRing> open_ring;
  int last_row_line = 0;
  int properties_line = 0;
  bool saw_datum = false;

  [[noreturn]] void fail(int line, const std::string& reason) const {
    throw InputError(file + ": line " + std::to_string(line) + ": " + reason);
  }

  std::string plot_prefix() const { return plot ? "plot " + plot->label + ": " : std::string(); }

  void property(int line, const std::string& key, const std::string& value) {
    if (key == "坐标系") {
      std::string v = fold(value);
      for (const auto& d : tables().datums)
        for (const auto& n : d.names)
          if (v == fold(n) || (!v.empty() && v.find(fold(n)) != std::string::npos)) {
            out.datum = d.datum;
            out.datum_text = value;
            out.datum_needs_shift = d.needs_shift;
            out.datum_line = line;
            saw_datum = true;
            return;
          }
      fail(line, "unknown 坐标系 '" + value +
                     "'; known: 2000国家大地坐标系, 1980西安坐标系, 1954北京坐标系");
    } else if (key == "几度分带") {
      auto w = to_integer(value);
      if (!w || (*w != 3 && *w != 6))
        fail(line, "几度分带 must be 3 or 6, not '" + value + "'");
      out.zone_width = static_cast<int>(*w);
    } else if (key == "投影类型") {
      if (!value.empty() && value.find("高斯") == std::string::npos &&
          fold(value).find("gauss") == std::string::npos)
        fail(line, "投影类型 '" + value + "' is not 高斯克吕格 (Gauss-Kruger), the only projection "
                   "the format uses");
    } else if (key == "计量单位") {
      if (!value.empty() && value != "米" && fold(value) != "m" && fold(value) != "metre" &&
          fold(value) != "meter")
        fail(line, "计量单位 '" + value + "' is not 米 (metres)");
    } else if (key == "带号") {
      if (value.empty()) return;
      auto z = to_integer(value);
      if (!z || *z <= 0 || *z > std::numeric_limits<int>::max()) fail(line, "带号 '" + value + "' is not a zone number");
      zone_declared = static_cast<int>(*z);
      zone_line = line;
    } else if (key == "精度") {
      if (value.empty()) return;
      auto p = to_number(value);
      if (!p || *p <= 0 || *p > 10) fail(line, "精度 '" + value + "' is not a precision in metres");
      out.precision_m = *p;
    } else if (key == "转换参数") {
      auto f = split_fields(value);
      bool all_empty = true;
      for (const auto& s : f) all_empty = all_empty && s.empty();
      if (all_empty) return;
      if (f.size() != 7)
        fail(line, "转换参数 needs 7 values (dx,dy,dz in m, rx,ry,rz in arc-seconds, scale in "
                   "ppm), not " + std::to_string(f.size()));
      std::array<double, 7> p{};
      bool zero = true;
      for (std::size_t i = 0; i < 7; ++i) {
        auto v = to_number(f[i]);
        if (!v) fail(line, "转换参数 value " + std::to_string(i + 1) + " '" + f[i] + "' is not a number");
        p[i] = *v;
        zero = zero && *v == 0;
      }
      out.shift_line = line;
      if (zero) out.shift_all_zero = true;
      else out.shift = p;
    }
  }

  void header(int line, const std::string& text) {
    finish_plot();
    auto f = split_fields(text);
    f.pop_back();  // the '@' (or '@' with trailing text) ends the header
    const auto* names = coordinate_txt_header_fields(f.size());
    if (!names) {
      std::string accepted;
      for (const auto& [n, _] : tables().layouts)
        accepted += (accepted.empty() ? "" : ", ") + std::to_string(n);
      fail(line, "a plot header has " + std::to_string(f.size()) + " values before '@'; the format "
                 "has " + accepted);
    }
    CoordinateTxtPlot p;
    p.header_line = line;
    for (std::size_t i = 0; i < f.size(); ++i) {
      const std::string& name = (*names)[i];
      Attribute a{name, {}};
      if (name == "JZDS") {
        auto n = to_integer(f[i]);
        if (!n || *n < 4)
          fail(line, "界址点数 '" + f[i] + "' is not a point count (at least 4 for a closed ring)");
        a.value = *n;
      } else if (name == "DKMJ" || name == "XZGDMJ") {
        if (!f[i].empty()) {
          auto v = to_number(f[i]);
          if (!v || *v < 0)
            fail(line, coordinate_txt_field_name_zh(name) + " '" + f[i] + "' is not an area in hectares");
          a.value = *v;
          if (name == "DKMJ") {
            p.declared_area_ha = *v;
            p.declared_area_decimals = decimals_of(f[i]);
          }
        }
      } else if (!f[i].empty()) {
        a.value = f[i];
      }
      p.attributes.push_back(std::move(a));
    }
    std::string kind = attribute_text(p.attributes, "TXSX").value_or("");
    p.label = attribute_text_any(p.attributes, {"DKBH", "DKMC"})
                  .value_or("#" + std::to_string(out.plots.size() + 1));
    if (!kind.empty() && kind != "面" && fold(kind) != "polygon")
      fail(line, "plot " + p.label + ": 记录图形属性 is '" + kind +
                     "'; only 面 (polygon) plots can be imported");
    out.plots.push_back(std::move(p));
    plot = &out.plots.back();
    plot_rows = 0;
  }

  void point(int line, const std::string& text) {
    if (!plot) fail(line, "a point row before any plot header (a line ending in '@')");
    auto f = split_fields(text);
    if (f.size() != 4)
      fail(line, plot_prefix() + "a point row has 4 values (点号,圈号,X,Y), this one has " +
                     std::to_string(f.size()));
    auto ring = to_integer(f[1]);
    if (!ring || *ring < 1 || *ring > std::numeric_limits<int>::max()) fail(line, plot_prefix() + "圈号 '" + f[1] + "' is not a ring number (1, 2, …)");
    auto x = to_number(f[2]);
    auto y = to_number(f[3]);
    if (!x) fail(line, plot_prefix() + "X '" + f[2] + "' is not a number");
    if (!y) fail(line, plot_prefix() + "Y '" + f[3] + "' is not a number");
    if (*x < 0 || *x > 1e7) fail(line, plot_prefix() + "X " + f[2] + " is not a northing in metres");
    // At most a two-digit zone prefix before the easting: a larger Y made the zone below
    // overflow int (found by fuzzing).
    if (*y < 0 || *y >= 1e8)
      fail(line, plot_prefix() + "Y " + f[3] + " is not an easting in metres (with or without its zone prefix)");
    double easting = *y;
    bool prefixed = *y >= 1e6;
    if (y_prefixed && *y_prefixed != prefixed)
      fail(line, plot_prefix() + "Y " + f[3] + (prefixed ? " has" : " has no") +
                     " zone prefix, unlike the rows before it");
    y_prefixed = prefixed;
    if (prefixed) {
      int zone = static_cast<int>(*y / 1e6);
      if (prefix_zone && *prefix_zone != zone)
        fail(line, plot_prefix() + "Y " + f[3] + " is in zone " + std::to_string(zone) +
                       ", the rows before it in zone " + std::to_string(*prefix_zone));
      prefix_zone = zone;
      easting = *y - zone * 1e6;
    } else if (!zone_declared) {
      fail(line, plot_prefix() + "Y " + f[3] + " has no zone prefix and [属性描述] gives no 带号; "
                 "add 带号=N or write Y with its zone prefix");
    }
    ++plot_rows;
    last_row_line = line;
    if (open_ring && open_ring->ring_number != *ring)
      fail(open_ring->last_line, plot_prefix() + "ring " + std::to_string(open_ring->ring_number) +
                                     " (圈号) is not closed: its last point does not repeat its "
                                     "first (line " + std::to_string(open_ring->first_line) + ")");
    if (!open_ring) {
      open_ring = CoordinateTxtRing{static_cast<int>(*ring), line, line, {}};
    }
    open_ring->points.emplace_back(easting, *x);
    open_ring->last_line = line;
    if (open_ring->points.size() > 1 && open_ring->points.back() == open_ring->points.front()) {
      if (open_ring->points.size() < 4)
        fail(line, plot_prefix() + "ring " + std::to_string(open_ring->ring_number) +
                       " closes after fewer than 3 distinct points");
      plot->rings.push_back(std::move(*open_ring));
      open_ring.reset();
    }
  }

  void finish_plot() {
    if (!plot) return;
    if (open_ring)
      fail(open_ring->last_line, plot_prefix() + "ring " + std::to_string(open_ring->ring_number) +
                                     " (圈号) is not closed: its last point does not repeat its "
                                     "first (line " + std::to_string(open_ring->first_line) + ")");
    // Compared as written: a count beyond int (109999999999, found by fuzzing) is no count of
    // this plot's rows, and converting it to int first was undefined.
    auto declared = attribute_number(plot->attributes, "JZDS");
    if (declared && *declared != plot_rows) {
      std::ostringstream says;
      says << std::setprecision(15) << *declared;
      fail(plot->header_line, "plot " + plot->label + ": 界址点数 says " + says.str() +
                                  " points, the plot has " + std::to_string(plot_rows) + " point rows");
    }
    if (plot->rings.empty()) fail(plot->header_line, "plot " + plot->label + " has no points");
    plot = nullptr;
  }

  void resolve_zone(int last_line) {
    if (!saw_datum)
      fail(properties_line ? properties_line : 1, "[属性描述] names no 坐标系 (e.g. 2000国家大地坐标系)");
    int zone = 0;
    if (prefix_zone) {
      zone = *prefix_zone;
      if (zone_declared && *zone_declared != zone &&
          *zone_declared != (out.zone_width == 3 ? zone * 3 : zone * 6 - 3))
        fail(zone_line, "带号 " + std::to_string(*zone_declared) + " disagrees with the zone prefix " +
                            std::to_string(zone) + " of the Y coordinates");
    } else if (zone_declared) {
      zone = *zone_declared;
      // Some files give the central meridian as 带号 (117 for zone 39).
      if (out.zone_width == 3 && zone >= 75 && zone <= 135 && zone % 3 == 0) zone /= 3;
      else if (out.zone_width == 6 && zone >= 75 && zone <= 135 && (zone + 3) % 6 == 0)
        zone = (zone + 3) / 6;
    } else {
      fail(last_line, "the file holds no point rows");
    }
    int lo = out.zone_width == 3 ? 25 : 13, hi = out.zone_width == 3 ? 45 : 23;
    if (zone < lo || zone > hi)
      fail(zone_line ? zone_line : last_row_line,
           "zone " + std::to_string(zone) + " is not a " + std::to_string(out.zone_width) +
               "-degree Gauss-Kruger zone of China (" + std::to_string(lo) + "–" +
               std::to_string(hi) + ")");
    out.zone = zone;
    out.central_meridian = out.zone_width == 3 ? zone * 3 : zone * 6 - 3;
    for (const auto& d : tables().datums)
      if (d.datum == out.datum)
        out.cm_epsg = out.zone_width == 3 ? d.gk3_cm_epsg_75e + (zone - 25) : d.gk6_cm_epsg_75e + (zone - 13);
  }
};

}  // namespace

bool looks_like_coordinate_txt(std::string_view text) {
  return text.find("[属性描述]") != std::string_view::npos ||
         text.find("[地块坐标]") != std::string_view::npos;
}

const std::vector<std::string>* coordinate_txt_header_fields(std::size_t values) {
  const auto& l = tables().layouts;
  auto it = l.find(values);
  return it == l.end() ? nullptr : &it->second;
}

const std::vector<CoordinateTxtProjectField>& coordinate_txt_project_fields() {
  return tables().project_fields;
}

std::string coordinate_txt_field_name_zh(const std::string& field) {
  const auto& n = tables().names_zh;
  auto it = n.find(field);
  return it == n.end() ? field : it->second;
}

CoordinateTxt parse_coordinate_txt(std::string_view text, const std::string& file) {
  Parser p(file);
  enum class Section { none, properties, project, plots, other } section = Section::none;
  int line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string_view raw = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    std::string line = trim(raw);
    if (line.empty()) continue;
    if (line.front() == '[' && line.back() == ']') {
      std::string name = trim(std::string_view(line).substr(1, line.size() - 2));
      p.finish_plot();
      if (name == "属性描述") {
        section = Section::properties;
        p.properties_line = line_no;
      } else if (name == "项目信息") {
        section = Section::project;
      } else if (name == "地块坐标") {
        if (!p.properties_line)
          p.fail(line_no, "[地块坐标] comes before [属性描述]; the coordinate system must be described first");
        section = Section::plots;
      } else {
        section = Section::other;
      }
      continue;
    }
    switch (section) {
      case Section::none:
        p.fail(line_no, "text before the first section; a coordinate TXT starts with [属性描述] "
                        "(or [项目信息])");
      case Section::properties:
      case Section::project: {
        auto eq = line.find('=');
        if (eq == std::string::npos) p.fail(line_no, "expected KEY=VALUE, found '" + line + "'");
        std::string key = trim(std::string_view(line).substr(0, eq));
        std::string value = trim(std::string_view(line).substr(eq + 1));
        if (section == Section::properties) p.property(line_no, key, value);
        else p.out.project_info.emplace_back(key, value);
        break;
      }
      case Section::plots:
        if (line.back() == '@') p.header(line_no, line);
        else p.point(line_no, line);
        break;
      case Section::other:
        break;
    }
  }
  p.finish_plot();
  if (p.out.plots.empty()) p.fail(line_no, "the file holds no plots ([地块坐标] with a header ending in '@')");
  p.resolve_zone(line_no);
  // The project the file is about (one project's boundary or plots): its code, name … become
  // each plot's attributes, so the file imports as a project layer (XMBH) like the others.
  for (const auto& pf : tables().project_fields) {
    for (const auto& [key, value] : p.out.project_info) {
      if (key != pf.key || value.empty()) continue;
      for (auto& plot : p.out.plots) {
        auto it = std::find_if(plot.attributes.begin(), plot.attributes.end(),
                               [&](const Attribute& a) { return a.name == pf.field; });
        if (it == plot.attributes.end())
          plot.attributes.push_back({pf.field, value});
        else if (std::holds_alternative<std::monostate>(it->value))
          it->value = value;
      }
    }
  }
  return std::move(p.out);
}

}  // namespace gz
