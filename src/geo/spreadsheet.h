// Tables officials keep in spreadsheets (xlsx, ods), read through GDAL's XLSX and ODS drivers:
// the first sheet, its first row the header, every cell as the text it holds. GDAL stays behind
// this header.
#pragma once

#include <string>
#include <vector>

namespace gz::geo {

struct SheetTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // as wide as the header
  std::vector<int> row_numbers;                // the row of each in the sheet (header: row 1)
};

// Throws InputError naming `path` when it cannot be read as a spreadsheet.
SheetTable read_spreadsheet(const std::string& path);

}  // namespace gz::geo
