// Reading the ministry's coordinate TXT (部标准格式) as a feature source: the text is decoded
// (GBK, UTF-8, UTF-16 with BOM), parsed (domain/coordinate_txt.h), the plots' rings assembled
// into polygons with GEOS and transformed by PROJ from the file's Gauss–Krüger zone to CGCS2000.
#pragma once

#include "domain/coordinate_txt.h"
#include "geo/vector_source.h"

namespace gz::geo {

class CoordinateTxtSource : public FeatureSource {
 public:
  // Reads and checks the whole file: every fault throws InputError with its line number before
  // a single feature is handed out.
  CoordinateTxtSource(const std::string& path, const SourceOptions& options);
  ~CoordinateTxtSource() override;

  std::string declared_srs() const override { return srs_name_; }
  std::int64_t feature_count() const override;
  bool next(SourceFeature& out) override;
  std::vector<std::string> warnings() const override { return warnings_; }

  const CoordinateTxt& text() const { return txt_; }
  const std::string& encoding() const { return encoding_; }

 private:
  std::string path_, encoding_, srs_name_;
  CoordinateTxt txt_;
  std::vector<SourceFeature> features_;
  std::size_t next_ = 0;
  std::vector<std::string> warnings_;
};

// Whether `path` should be read as a coordinate TXT: a .txt file with a [属性描述] or [地块坐标]
// section.
bool is_coordinate_txt_path(const std::string& path);

}  // namespace gz::geo
