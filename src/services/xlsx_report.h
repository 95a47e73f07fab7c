// The house style of the xlsx files officials pass around (title row, unit line, bordered
// headers, bold 合计 rows, notes below) and one small writer of a report sheet in it: the
// stats tables (services/stats_table_output) and the project sheets (services/project_sheets)
// both go through here.
#pragma once

#include <xlsxwriter.h>

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace gz::services {

// The formats of the house style, made once per workbook.
class XlsxStyle {
 public:
  explicit XlsxStyle(lxw_workbook* wb);
  lxw_format *title, *unit, *head, *text, *bold_text, *note;
  // Numbers with `decimals` places, bold for 合计/小计 rows.
  lxw_format* number(int decimals, bool bold);

 private:
  lxw_format* make(bool bold, bool border, lxw_format_alignments align);
  lxw_workbook* wb_;
  std::map<std::pair<int, bool>, lxw_format*> numbers_;
};

// Money in fen: written as 元 with two decimals (sums are made in fen, never in floating point).
struct Fen {
  std::int64_t value = 0;
};
using SheetCell = std::variant<std::monostate, std::string, double, std::int64_t, Fen>;

struct SheetColumn {
  std::string header_zh;  // with its unit: "面积（亩）"
  int decimals = 2;       // for double cells
  double width = 14;
};

struct SheetRow {
  std::vector<SheetCell> cells;
  bool total = false;  // 合计 / 小计: bold
};

struct ReportSheet {
  std::string name;        // the worksheet's name
  std::string file_stem;   // a file name without extension: "XM2026-001-资金台账"
  std::string title_zh;    // the title row
  std::string caption_zh;  // under the title: project, unit
  std::vector<SheetColumn> columns;
  std::vector<SheetRow> rows;
  std::vector<std::string> notes_zh;  // "注：" lines below the table
  std::string generated_at;           // "生成时间：…" below the notes
};

// Writes the workbook to `path`; throws Error naming the file when it cannot.
void write_report_xlsx(const ReportSheet& sheet, const std::string& path);

// "2026-12-07 15:05:00" in Beijing time (UTC+8), the generated-at line of a sheet.
std::string beijing_time_now();
// "1234.56" from 123456 fen, exactly.
std::string yuan_text(std::int64_t fen);

}  // namespace gz::services
