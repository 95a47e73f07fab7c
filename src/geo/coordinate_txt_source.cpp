#include "geo/coordinate_txt_source.h"

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "common/data_dir.h"
#include "common/error.h"
#include "common/text_encoding.h"
#include "geo/crs.h"
#include "geo/ellipsoid.h"

namespace gz::geo {

namespace {

// CGCS2000 as the hub of a 7-parameter shift: the 转换参数 of a 1980西安/1954北京 file take its
// coordinates to CGCS2000, which PROJ reaches through a BoundCRS to its WGS 84 hub. CGCS2000 and
// WGS 84 share the ellipsoid's size (GRS80's a and f) and agree to centimetres, so the hub is
// CGCS2000 with an identity shift.
constexpr const char* kCgcs2000Hub = "+proj=longlat +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +no_defs +type=crs";

std::string datum_label(const CoordinateTxt& t) {
  return t.datum_text.empty() ? std::string("the 坐标系") : t.datum_text;
}

std::string number_text(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

struct SourceCrs {
  std::string definition;  // for PROJ
  std::string target;      // EPSG:4490 or the hub
  std::string name;        // shown to the user, stored as the version's source_srs
};

SourceCrs source_crs(const std::string& path, const CoordinateTxt& t, const SourceOptions& o) {
  if (!o.srs_override.empty()) {
    std::string target = transform_is_ballpark(o.srs_override, "EPSG:4490") ? kCgcs2000Hub : "EPSG:4490";
    if (transform_is_ballpark(o.srs_override, target))
      throw UsageError("--srs '" + o.srs_override + "' has no datum shift to CGCS2000 that PROJ knows; "
                       "give one with +towgs84=dx,dy,dz,rx,ry,rz,ppm (a zero shift is never assumed)");
    return {o.srs_override, target, o.srs_override};
  }
  std::string epsg = "EPSG:" + std::to_string(t.cm_epsg);
  if (!t.datum_needs_shift) return {epsg, "EPSG:4490", epsg};
  std::string params = o.towgs84;
  if (params.empty() && t.shift) {
    for (double v : *t.shift) params += (params.empty() ? "" : ",") + number_text(v, 10);
  }
  if (params.empty())
    throw InputError(path + ": line " + std::to_string(t.datum_line) + ": " + datum_label(t) +
                     " coordinates need their 7 转换参数 (Bursa–Wolf, to CGCS2000) to be imported: "
                     "give them as 转换参数=dx,dy,dz,rx,ry,rz,k in [属性描述], or pass --towgs84 "
                     "dx,dy,dz,rx,ry,rz,ppm, or --srs with a CRS that carries its shift" +
                     (t.shift_all_zero ? "; the file's 转换参数 are all zero, and a zero shift is "
                                         "never assumed"
                                       : ""));
  int n = 1;
  for (char c : params) n += c == ',';
  if (n != 7)
    throw UsageError("--towgs84 needs 7 comma-separated numbers (dx,dy,dz,rx,ry,rz,ppm), not '" + params + "'");
  return {crs_proj_string(epsg) + " +towgs84=" + params, kCgcs2000Hub,
          epsg + " +towgs84=" + params};
}

// Rings in file order become polygons: 圈号 1 starts a part, a later ring inside an earlier
// part's outer ring is a hole of it, any other ring is a further part. GEOS decides "inside".
Geometry assemble(const CoordinateTxtPlot& plot) {
  struct Part {
    Geometry shell;
    std::vector<Ring> rings;
  };
  std::vector<Part> parts;
  for (const auto& r : plot.rings) {
    Ring ring(r.points.begin(), r.points.end());
    Geometry alone = Geometry::polygon({ring});
    Part* host = nullptr;
    if (r.ring_number != 1) {
      for (auto& p : parts)
        if (p.shell.contains(alone)) host = &p;
    }
    if (host) {
      host->rings.push_back(std::move(ring));
    } else {
      parts.push_back({std::move(alone), {std::move(ring)}});
    }
  }
  if (parts.size() == 1) return Geometry::polygon(parts[0].rings);
  std::vector<Geometry> polys;
  for (auto& p : parts) polys.push_back(Geometry::polygon(p.rings));
  return Geometry::multi(std::move(polys));
}

}  // namespace

bool is_coordinate_txt_path(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext != ".txt" || !std::filesystem::is_regular_file(path)) return false;
  try {
    return looks_like_coordinate_txt(decode_text(read_file(path), "", path));
  } catch (const Error&) {
    return false;  // not text: let GDAL say what it is not
  }
}

CoordinateTxtSource::CoordinateTxtSource(const std::string& path, const SourceOptions& options)
    : path_(path) {
  if (!std::filesystem::exists(path)) throw InputError(path, "", "", "file does not exist");
  std::string text = decode_text(read_file(path), options.encoding, path, &encoding_);
  txt_ = parse_coordinate_txt(text, path);
  SourceCrs crs = source_crs(path, txt_, options);
  srs_name_ = crs.name;
  CoordinateTransform to_lonlat(crs.definition, crs.target);
  features_.reserve(txt_.plots.size());
  for (const auto& plot : txt_.plots) {
    Geometry planar = assemble(plot);
    SourceFeature f;
    f.source_id = plot.label;
    f.attributes = plot.attributes;
    try {
      f.geometry = planar.transformed(to_lonlat);
    } catch (const Error& e) {
      throw InputError(path + ": line " + std::to_string(plot.header_line) + ": plot " + plot.label +
                       ": cannot transform from " + srs_name_ + " to EPSG:4490: " + e.what());
    }
    if (plot.declared_area_ha) {
      double area = ellipsoidal_area_m2(f.geometry);
      double declared = *plot.declared_area_ha * 10000.0;
      // What the file's own figures allow: each boundary point may be off by 精度, moving the
      // area by up to perimeter × 精度, and the declared hectares are rounded to their digits.
      double rounding = 0.5 * std::pow(10.0, -plot.declared_area_decimals) * 10000.0;
      double allowed = planar.planar_length() * txt_.precision_m + rounding;
      if (std::abs(area - declared) > allowed)
        warnings_.push_back(path + ": line " + std::to_string(plot.header_line) + ": plot " +
                            plot.label + ": 地块面积 declares " +
                            number_text(*plot.declared_area_ha, plot.declared_area_decimals) +
                            " ha, the ellipsoidal area is " + number_text(area / 10000.0, 4) +
                            " ha (" + number_text(std::abs(area - declared), 2) +
                            " m² apart, more than the " + number_text(allowed, 2) + " m² that 精度 " +
                            number_text(txt_.precision_m, 3) + " m allows)");
    }
    features_.push_back(std::move(f));
  }
}

CoordinateTxtSource::~CoordinateTxtSource() = default;

std::int64_t CoordinateTxtSource::feature_count() const {
  return static_cast<std::int64_t>(features_.size());
}

bool CoordinateTxtSource::next(SourceFeature& out) {
  if (next_ >= features_.size()) return false;
  out = std::move(features_[next_++]);
  return true;
}

std::unique_ptr<FeatureSource> open_feature_source(const std::string& path,
                                                   const SourceOptions& options) {
  if (is_coordinate_txt_path(path)) return std::make_unique<CoordinateTxtSource>(path, options);
  if (!options.towgs84.empty())
    throw UsageError("--towgs84 applies to a coordinate TXT in 1980西安/1954北京; for other "
                     "sources give the CRS with --srs");
  return std::make_unique<VectorSource>(path, options);
}

}  // namespace gz::geo
