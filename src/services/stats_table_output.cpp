#include "services/stats_table_output.h"

#include <xlsxwriter.h>

#include <cstdio>

#include "common/csv_table.h"
#include "common/error.h"
#include "services/xlsx_report.h"

namespace gz::services {

namespace {

std::string amount(std::int64_t hundredths) { return yuan_text(hundredths); }

std::string header_of(const TableColumn& c) {
  return c.group_zh.empty() ? c.label_zh : c.group_zh + "/" + c.label_zh;
}
}  // namespace

std::string table_csv(const SummaryTable& t) {
  std::string out = "坐落单位代码,坐落单位名称,合计";
  for (const auto& c : t.columns) out += "," + csv_field(header_of(c));
  out += "\n";
  auto row = [&](const TableRow& r) {
    out += csv_field(r.code) + "," + csv_field(r.name) + "," + amount(r.total);
    for (auto v : r.values) out += "," + amount(v);
    out += "\n";
  };
  row(t.total);
  for (const auto& r : t.rows) row(r);
  return out;
}

nlohmann::json table_json(const SummaryTable& t) {
  using nlohmann::json;
  json cols = json::array();
  for (const auto& c : t.columns)
    cols.push_back({{"key", c.key},
                    {"group_zh", c.group_zh},
                    {"group_en", c.group_en},
                    {"label_zh", c.label_zh},
                    {"label_en", c.label_en}});
  auto row = [](const TableRow& r) {
    json values = json::array();
    for (auto v : r.values) values.push_back(static_cast<double>(v) / 100.0);
    return json{{"code", r.code}, {"name", r.name}, {"total", static_cast<double>(r.total) / 100.0},
                {"values", values}};
  };
  json rows = json::array();
  for (const auto& r : t.rows) rows.push_back(row(r));
  const auto& rq = t.request;
  return {{"layer", t.layer.layer},
          {"version", t.layer.version},
          {"table", rq.kind == TableKind::classes ? "class"
                    : rq.kind == TableKind::three ? "three"
                    : rq.kind == TableKind::czcs  ? "czcs"
                                                  : "slope"},
          {"level", rq.level},
          {"classification", rq.planning ? "yydh" : "sandiao"},
          {"area", rq.net ? "net" : "gross"},
          {"unit", rq.unit == AreaUnit::hectare ? "ha" : rq.unit == AreaUnit::mu ? "mu" : "m2"},
          {"region", rq.region},
          {"title_zh", t.title_zh},
          {"title_en", t.title_en},
          {"unit_zh", t.unit_zh},
          {"unit_en", t.unit_en},
          {"notes_zh", t.notes_zh},
          {"notes_en", t.notes_en},
          {"columns", cols},
          {"total", row(t.total)},
          {"rows", rows}};
}

void write_table_xlsx(const SummaryTable& t, const std::string& path) {
  lxw_workbook* wb = workbook_new(path.c_str());
  if (!wb) throw Error("cannot create " + path);
  lxw_worksheet* ws = workbook_add_worksheet(wb, "汇总表");
  XlsxStyle st(wb);
  lxw_format* title = st.title;
  lxw_format* unit = st.unit;
  lxw_format* head = st.head;
  lxw_format* text = st.text;
  lxw_format* num = st.number(2, false);
  lxw_format* total_num = st.number(2, true);
  lxw_format* note = st.note;

  const lxw_col_t fixed = 3;  // 坐落单位代码, 坐落单位名称, 合计
  const lxw_col_t last = static_cast<lxw_col_t>(fixed + t.columns.size() - 1);
  worksheet_merge_range(ws, 0, 0, 0, last, t.title_zh.c_str(), title);
  worksheet_set_row(ws, 0, 30, nullptr);
  worksheet_merge_range(ws, 1, 0, 1, last, t.unit_zh.c_str(), unit);
  const char* fixed_names[] = {"坐落单位代码", "坐落单位名称", "合计"};
  for (lxw_col_t c = 0; c < fixed; ++c) worksheet_merge_range(ws, 2, c, 3, c, fixed_names[c], head);
  for (std::size_t i = 0; i < t.columns.size();) {
    const auto& c = t.columns[i];
    lxw_col_t col = static_cast<lxw_col_t>(fixed + i);
    if (c.group_zh.empty()) {
      worksheet_merge_range(ws, 2, col, 3, col, c.label_zh.c_str(), head);
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < t.columns.size() && t.columns[j].group_zh == c.group_zh) ++j;
    lxw_col_t end = static_cast<lxw_col_t>(fixed + j - 1);
    if (end > col) worksheet_merge_range(ws, 2, col, 2, end, c.group_zh.c_str(), head);
    else worksheet_write_string(ws, 2, col, c.group_zh.c_str(), head);
    for (std::size_t k = i; k < j; ++k)
      worksheet_write_string(ws, 3, static_cast<lxw_col_t>(fixed + k), t.columns[k].label_zh.c_str(), head);
    i = j;
  }
  lxw_row_t r = 4;
  auto write_row = [&](const TableRow& row, lxw_format* numbers) {
    worksheet_write_string(ws, r, 0, row.code.c_str(), text);
    worksheet_write_string(ws, r, 1, row.name.c_str(), text);
    worksheet_write_number(ws, r, 2, static_cast<double>(row.total) / 100.0, numbers);
    for (std::size_t i = 0; i < row.values.size(); ++i)
      worksheet_write_number(ws, r, static_cast<lxw_col_t>(fixed + i), static_cast<double>(row.values[i]) / 100.0, numbers);
    ++r;
  };
  write_row(t.total, total_num);
  for (const auto& row : t.rows) write_row(row, num);
  ++r;
  for (const auto& n : t.notes_zh) {
    worksheet_merge_range(ws, r, 0, r, last, ("注：" + n).c_str(), note);
    worksheet_set_row(ws, r, 30, nullptr);
    ++r;
  }
  worksheet_set_column(ws, 0, 0, 14, nullptr);
  worksheet_set_column(ws, 1, 1, 16, nullptr);
  worksheet_set_column(ws, 2, last, 12, nullptr);
  worksheet_set_row(ws, 3, 45, nullptr);
  worksheet_freeze_panes(ws, 4, 3);
  if (workbook_close(wb) != LXW_NO_ERROR) throw Error("cannot write " + path);
}

}  // namespace gz::services
