// Writing the ministry's coordinate TXT (部标准格式): the [属性描述] of CGCS2000 in one 3°
// Gauss–Krüger zone, then per plot a standard header and its point rows (X northing, Y easting
// with the zone prefix, 圈号 numbering every ring), in GBK with CRLF unless told otherwise.
#pragma once

#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/layer.h"

namespace gz::geo {

class CoordinateTransform;

class CoordinateTxtWriter {
 public:
  // `zone` is the 3° zone (25–45) the points are written in; `decimals` their metre decimals
  // (精度 = 10^-decimals); `project_info`, when not empty, a [项目信息] section (KEY=VALUE
  // lines, before [属性描述]) for a file of one project's plots. Throws Error naming the file
  // when it cannot be created.
  CoordinateTxtWriter(const std::string& path, int zone, const std::string& encoding, int decimals,
                      const std::vector<std::pair<std::string, std::string>>& project_info = {});
  ~CoordinateTxtWriter();
  CoordinateTxtWriter(const CoordinateTxtWriter&) = delete;
  CoordinateTxtWriter& operator=(const CoordinateTxtWriter&) = delete;

  // One plot: stored WKB (EPSG:4490) and its attributes (DKBH, DKMC, DLBM … when present;
  // `label` stands in for a missing DKBH).
  void add(std::string_view wkb, const Attributes& attributes, const std::string& label);
  void close();

 private:
  void write_line(const std::string& utf8);
  std::string path_, encoding_;
  int zone_, decimals_;
  std::ofstream out_;
  std::unique_ptr<CoordinateTransform> to_plane_;
  std::string buffer_;
};

// The EPSG code of the CGCS2000 3° Gauss–Krüger CRS of zone `zone` with the zone prefix in
// its eastings (EPSG:4513–4533), and the zone of such a code or of a CM code (4534–4554);
// 0 when `epsg` is neither.
int cgcs2000_gk3_zone_of_epsg(int epsg);

}  // namespace gz::geo
