// Reads back a worksheet that libxlsxwriter wrote (which only writes): GDAL's /vsizip/ opens the
// xlsx container and GDAL's XML parser reads the sheet, its shared strings and merged ranges.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace gz::test {

struct XlsxSheet {
  std::map<std::string, std::string> cells;  // "C5" → text, or the number as written
  std::set<std::string> merged;              // "A1:K1"
  std::string at(const std::string& ref) const {
    auto it = cells.find(ref);
    return it == cells.end() ? "" : it->second;
  }
};
// Column letters of a 0-based index (0 → A, 26 → AA).
std::string column_letters(int index);
// The first worksheet of `path`; fails the test when it cannot be read.
XlsxSheet read_xlsx_sheet(const std::string& path);
// The names of the workbook's worksheets, in order (xl/workbook.xml).
std::vector<std::string> read_xlsx_sheet_names(const std::string& path);

}  // namespace gz::test
