// The ministry's coordinate TXT (部标准格式 界址点坐标文件) as text: its [属性描述] (坐标系,
// 几度分带, 投影类型, 计量单位, 带号, 精度, 转换参数), its [地块坐标] plot headers and point rows.
// Parsing checks everything the text alone can tell (closed rings, 界址点数, zone prefixes,
// known datum) and names the line of every fault. CRSs and geometry are geo/'s business.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/layer.h"

namespace gz {

enum class GeodeticDatum { cgcs2000, xian1980, beijing1954 };

struct CoordinateTxtRing {
  int ring_number = 1;  // 圈号
  int first_line = 0, last_line = 0;
  // (easting without zone prefix, northing) in metres, closed (last point == first point).
  std::vector<std::pair<double, double>> points;
};

struct CoordinateTxtPlot {
  int header_line = 0;
  std::string label;  // 地块编号, else 地块名称, else "#n"
  Attributes attributes;  // DKBH, DKMC, DLBM, DKMJ … (docs/exchange.md)
  std::optional<double> declared_area_ha;
  int declared_area_decimals = 4;
  std::vector<CoordinateTxtRing> rings;
};

struct CoordinateTxt {
  GeodeticDatum datum = GeodeticDatum::cgcs2000;
  std::string datum_text;
  int datum_line = 0;
  bool datum_needs_shift = false;
  int zone_width = 3;      // 几度分带: 3 or 6
  int zone = 0;            // Gauss–Krüger zone number (带号, or the Y prefix)
  int central_meridian = 0;
  int cm_epsg = 0;         // the EPSG code of the zone's CM CRS (no prefix) for this datum
  double precision_m = 0.001;  // 精度
  std::optional<std::array<double, 7>> shift;  // 转换参数, when given and not all zero
  bool shift_all_zero = false;                 // 转换参数 given as zeros (never used as a shift)
  int shift_line = 0;
  // [项目信息] key=value, as written. The keys of coordinate_txt_project_fields() are also
  // every plot's attributes (XMBH, XMMC …) where its header gives no value for them.
  std::vector<std::pair<std::string, std::string>> project_info;
  std::vector<CoordinateTxtPlot> plots;
};

// `text` is the decoded (UTF-8) file; `file` names it in errors. Throws InputError
// "FILE: line N: reason" on the first fault.
CoordinateTxt parse_coordinate_txt(std::string_view text, const std::string& file);

// Whether decoded text looks like a coordinate TXT (has a [属性描述] or [地块坐标] section).
bool looks_like_coordinate_txt(std::string_view text);

// The header layout for plots with `values` values, from data/coordinate_txt.json: attribute
// names in order. Null when no layout has that many.
const std::vector<std::string>* coordinate_txt_header_fields(std::size_t values);
// The [项目信息] keys that stand for plot attributes, in the order a file lists them, from
// data/coordinate_txt.json: (项目编号, XMBH), (项目名称, XMMC) ….
struct CoordinateTxtProjectField {
  std::string key, field;
};
const std::vector<CoordinateTxtProjectField>& coordinate_txt_project_fields();
// Chinese name of a header attribute (界址点数 for JZDS), or the name itself.
std::string coordinate_txt_field_name_zh(const std::string& field);

}  // namespace gz
