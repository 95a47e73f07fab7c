#include "geo/coordinate_txt_writer.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "common/error.h"
#include "common/text_encoding.h"
#include "geo/crs.h"
#include "geo/ellipsoid.h"
#include "geo/geometry.h"

namespace gz::geo {

namespace {
std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// Commas would split a value; the format has no quoting.
std::string field(const Attributes& a, std::initializer_list<std::string_view> names) {
  std::string v = attribute_text_any(a, names).value_or("");
  for (auto& c : v)
    if (c == ',' || c == '\r' || c == '\n' || c == '@') c = ' ';
  return v;
}
}  // namespace

int cgcs2000_gk3_zone_of_epsg(int epsg) {
  if (epsg >= 4513 && epsg <= 4533) return 25 + (epsg - 4513);
  if (epsg >= 4534 && epsg <= 4554) return 25 + (epsg - 4534);
  return 0;
}

CoordinateTxtWriter::CoordinateTxtWriter(
    const std::string& path, int zone, const std::string& encoding, int decimals,
    const std::vector<std::pair<std::string, std::string>>& project_info)
    : path_(path), encoding_(encoding.empty() ? "GBK" : encoding), zone_(zone), decimals_(decimals),
      out_(path, std::ios::binary | std::ios::trunc) {
  if (!out_) throw Error("cannot create " + path);
  if (!project_info.empty()) {
    write_line("[项目信息]");
    for (auto [key, value] : project_info) {
      for (auto& c : value)
        if (c == '\r' || c == '\n') c = ' ';  // one line per key
      write_line(key + "=" + value);
    }
  }
  to_plane_ = std::make_unique<CoordinateTransform>("EPSG:4490", "EPSG:" + std::to_string(4534 + zone - 25));
  std::time_t now = std::time(nullptr);
  char date[16];
  std::strftime(date, sizeof date, "%Y-%m-%d", std::gmtime(&now));
  for (const std::string& line :
       {std::string("[属性描述]"), std::string("格式版本号=1.0"), std::string("数据产生单位=共治 Gongzhi"),
        "数据产生日期=" + std::string(date), std::string("坐标系=2000国家大地坐标系"),
        std::string("几度分带=3"), std::string("投影类型=高斯克吕格"), std::string("计量单位=米"),
        "带号=" + std::to_string(zone), "精度=" + fixed(std::pow(10.0, -decimals), decimals),
        std::string("转换参数=,,,,,,"), std::string("[地块坐标]")})
    write_line(line);
}

CoordinateTxtWriter::~CoordinateTxtWriter() = default;

void CoordinateTxtWriter::write_line(const std::string& utf8) {
  buffer_ = encode_text(utf8, encoding_);
  buffer_ += "\r\n";
  out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
}

void CoordinateTxtWriter::add(std::string_view wkb, const Attributes& a, const std::string& label) {
  Geometry lonlat = Geometry::from_wkb(wkb);
  Geometry plane = lonlat.transformed(*to_plane_);
  std::vector<std::vector<std::pair<double, double>>> rings;
  plane.for_each_polygon([&](const std::vector<Ring>& poly) {
    for (const auto& r : poly) rings.push_back(r);
  });
  std::size_t points = 0;
  for (auto& r : rings) {
    if (!r.empty() && r.front() != r.back()) r.push_back(r.front());
    points += r.size();
  }
  std::string dkbh = field(a, {"DKBH"});
  if (dkbh.empty()) dkbh = field(a, {"XMBH", "BSM"});
  if (dkbh.empty()) dkbh = label;
  double ha = ellipsoidal_area_m2(lonlat) / 10000.0;
  write_line(std::to_string(points) + "," + fixed(ha, 4) + "," + dkbh + "," +
             field(a, {"DKMC", "XMMC", "DLMC"}) + ",面," + field(a, {"TFH"}) + "," +
             field(a, {"DKYT"}) + "," + field(a, {"DLBM", "to_code"}) + ",@");
  int n = 0, ring_no = 0;
  double prefix = zone_ * 1e6;
  for (const auto& r : rings) {
    ++ring_no;
    int first = n + 1;
    for (std::size_t i = 0; i < r.size(); ++i) {
      int name = (i + 1 == r.size()) ? first : ++n;
      write_line("J" + std::to_string(name) + "," + std::to_string(ring_no) + "," +
                 fixed(r[i].second, decimals_) + "," + fixed(prefix + r[i].first, decimals_));
    }
  }
}

void CoordinateTxtWriter::close() {
  out_.flush();
  out_.close();
  if (!out_) throw Error("cannot write " + path_);
}

}  // namespace gz::geo
