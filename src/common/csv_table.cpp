#include "common/csv_table.h"

#include <sstream>

#include "common/error.h"

namespace gz {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cur += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(std::move(cur));
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  out.push_back(std::move(cur));
  return out;
}

CsvTable CsvTable::parse(const std::string& text, const std::string& source_name) {
  CsvTable t;
  t.source_ = source_name;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  t.header_ = split_csv_line(line);
  int lineno = 1;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line == "\r") continue;
    auto f = split_csv_line(line);
    if (f.size() < t.header_.size())
      throw InputError(source_name, "line " + std::to_string(lineno), "", "too few columns");
    t.rows_.push_back(std::move(f));
    t.lines_.push_back(lineno);
  }
  return t;
}

std::size_t CsvTable::column(const std::string& name) const {
  for (std::size_t i = 0; i < header_.size(); ++i)
    if (header_[i] == name) return i;
  throw InputError(source_, "", name, "column missing from the header");
}

}  // namespace gz
