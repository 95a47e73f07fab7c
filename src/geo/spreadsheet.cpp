#include "geo/spreadsheet.h"

#include <gdal.h>
#include <ogr_api.h>

#include "common/error.h"
#include "geo/gdal_support.h"

namespace gz::geo {

SheetTable read_spreadsheet(const std::string& path) {
  ensure_gdal_registered();
  GdalErrorScope scope;
  const char* drivers[] = {"XLSX", "ODS", nullptr};
  // The header row is the header even when every cell below is text too; cells come as text
  // (a 12-digit village code stays 12 digits, never 3.4E+11).
  const char* options[] = {"HEADERS=FORCE", "FIELD_TYPES=STRING", nullptr};
  GDALDatasetH ds = GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, options,
                               nullptr);
  if (!ds) {
    std::string why = take_gdal_errors();
    throw InputError(path, "", "",
                     "cannot be read as a spreadsheet (xlsx or ods)" +
                         (why.empty() ? std::string() : ": " + why));
  }
  SheetTable out;
  try {
    if (GDALDatasetGetLayerCount(ds) < 1) throw InputError(path, "", "", "the file has no sheet");
    OGRLayerH layer = GDALDatasetGetLayer(ds, 0);
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    const int n = OGR_FD_GetFieldCount(defn);
    for (int i = 0; i < n; ++i) out.header.emplace_back(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)));
    OGR_L_ResetReading(layer);
    int row = 1;
    while (OGRFeatureH f = OGR_L_GetNextFeature(layer)) {
      ++row;
      std::vector<std::string> cells(static_cast<std::size_t>(n));
      for (int i = 0; i < n; ++i)
        if (OGR_F_IsFieldSetAndNotNull(f, i)) cells[static_cast<std::size_t>(i)] = OGR_F_GetFieldAsString(f, i);
      OGR_F_Destroy(f);
      out.rows.push_back(std::move(cells));
      out.row_numbers.push_back(row);
    }
    std::string why = take_gdal_errors();
    if (!why.empty()) throw InputError(path, "", "", "cannot be read to its end: " + why);
  } catch (...) {
    GDALClose(ds);
    throw;
  }
  GDALClose(ds);
  return out;
}

}  // namespace gz::geo
