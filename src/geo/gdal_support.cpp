#include "geo/gdal_support.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>

#include <mutex>
#include <utility>

namespace gz::geo {

namespace {
std::once_flag g_gdal_once;
thread_local std::string t_gdal_errors;

void CPL_STDCALL collect_errors(CPLErr level, CPLErrorNum, const char* msg) {
  if (level >= CE_Failure && msg) {
    if (!t_gdal_errors.empty()) t_gdal_errors += "; ";
    t_gdal_errors += msg;
  }
}
}  // namespace

void ensure_gdal_registered() {
  std::call_once(g_gdal_once, [] {
    GDALAllRegister();
    // A new user's data is read as it is; never reach out to the network.
    CPLSetConfigOption("GDAL_HTTP_TIMEOUT", "1");
    CPLSetConfigOption("OGR_GEOJSON_MAX_OBJ_SIZE", "0");
  });
}

GdalErrorScope::GdalErrorScope() {
  t_gdal_errors.clear();
  CPLPushErrorHandler(collect_errors);
}

GdalErrorScope::~GdalErrorScope() { CPLPopErrorHandler(); }

std::string take_gdal_errors() { return std::exchange(t_gdal_errors, std::string()); }

}  // namespace gz::geo
