// What every GDAL user in geo/ shares: registering the drivers once (with network access
// off), and collecting GDAL's CPLError reports per thread so that they become our errors.
#pragma once

#include <string>

namespace gz::geo {

void ensure_gdal_registered();

// While alive, GDAL failures on this thread are collected instead of printed.
struct GdalErrorScope {
  GdalErrorScope();
  ~GdalErrorScope();
  GdalErrorScope(const GdalErrorScope&) = delete;
  GdalErrorScope& operator=(const GdalErrorScope&) = delete;
};

// The failures collected on this thread since the last call ("" when none).
std::string take_gdal_errors();

}  // namespace gz::geo
