// Small CSV tables from data/ (one header line, comma separated, "..." quoting): the class
// tables and code lists are read through this, so each table's loader only names its columns.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace gz {

class CsvTable {
 public:
  // Throws InputError naming `source_name` and the line when a row has too few fields.
  static CsvTable parse(const std::string& text, const std::string& source_name);

  // Index of a header column; throws InputError naming the source when it is missing.
  std::size_t column(const std::string& name) const;
  const std::vector<std::vector<std::string>>& rows() const { return rows_; }
  // Line number (1-based, in the file) of a row, for messages.
  int line_of(std::size_t row) const { return lines_[row]; }
  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<int> lines_;
};

// A field for a CSV line: quoted when it holds a comma, a quote or a newline.
std::string csv_field(const std::string& s);
// One CSV line split into fields ("" inside quotes is a quote; CR dropped).
std::vector<std::string> split_csv_line(const std::string& line);

}  // namespace gz
