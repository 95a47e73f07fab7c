#include "services/xlsx_report.h"

#include <chrono>
#include <cstdio>
#include <ctime>

#include "common/error.h"

namespace gz::services {

XlsxStyle::XlsxStyle(lxw_workbook* wb) : wb_(wb) {
  title = make(true, false, LXW_ALIGN_CENTER);
  format_set_font_size(title, 16);
  unit = make(false, false, LXW_ALIGN_RIGHT);
  head = make(true, true, LXW_ALIGN_CENTER);
  text = make(false, true, LXW_ALIGN_LEFT);
  bold_text = make(true, true, LXW_ALIGN_LEFT);
  note = make(false, false, LXW_ALIGN_LEFT);
}

lxw_format* XlsxStyle::make(bool bold, bool border, lxw_format_alignments align) {
  lxw_format* f = workbook_add_format(wb_);
  if (bold) format_set_bold(f);
  if (border) format_set_border(f, LXW_BORDER_THIN);
  format_set_align(f, align);
  format_set_align(f, LXW_ALIGN_VERTICAL_CENTER);
  format_set_text_wrap(f);
  return f;
}

lxw_format* XlsxStyle::number(int decimals, bool bold) {
  auto key = std::make_pair(decimals, bold);
  if (auto it = numbers_.find(key); it != numbers_.end()) return it->second;
  lxw_format* f = make(bold, true, LXW_ALIGN_RIGHT);
  std::string pattern = decimals > 0 ? "0." + std::string(static_cast<std::size_t>(decimals), '0') : "0";
  format_set_num_format(f, pattern.c_str());
  numbers_.emplace(key, f);
  return f;
}

std::string yuan_text(std::int64_t fen) {
  char buf[32];
  unsigned long long a = fen < 0 ? 0ULL - static_cast<unsigned long long>(fen) : static_cast<unsigned long long>(fen);
  std::snprintf(buf, sizeof buf, "%s%llu.%02llu", fen < 0 ? "-" : "", a / 100, a % 100);
  return buf;
}

std::string beijing_time_now() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()) + 8 * 3600;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

void write_report_xlsx(const ReportSheet& s, const std::string& path) {
  lxw_workbook* wb = workbook_new(path.c_str());
  if (!wb) throw Error("cannot create " + path);
  lxw_worksheet* ws = workbook_add_worksheet(wb, s.name.c_str());
  XlsxStyle st(wb);
  const lxw_col_t last = static_cast<lxw_col_t>(s.columns.empty() ? 0 : s.columns.size() - 1);
  auto line = [&](lxw_row_t r, const std::string& text, lxw_format* f) {
    if (last > 0) worksheet_merge_range(ws, r, 0, r, last, text.c_str(), f);
    else worksheet_write_string(ws, r, 0, text.c_str(), f);
  };
  line(0, s.title_zh, st.title);
  worksheet_set_row(ws, 0, 30, nullptr);
  line(1, s.caption_zh, st.unit);
  for (lxw_col_t c = 0; c <= last && c < s.columns.size(); ++c) {
    worksheet_write_string(ws, 2, c, s.columns[c].header_zh.c_str(), st.head);
    worksheet_set_column(ws, c, c, s.columns[c].width, nullptr);
  }
  worksheet_set_row(ws, 2, 32, nullptr);
  lxw_row_t r = 3;
  for (const auto& row : s.rows) {
    for (std::size_t i = 0; i < row.cells.size() && i < s.columns.size(); ++i) {
      auto c = static_cast<lxw_col_t>(i);
      const SheetCell& cell = row.cells[i];
      lxw_format* text = row.total ? st.bold_text : st.text;
      if (const auto* t = std::get_if<std::string>(&cell))
        worksheet_write_string(ws, r, c, t->c_str(), text);
      else if (const auto* d = std::get_if<double>(&cell))
        worksheet_write_number(ws, r, c, *d, st.number(s.columns[i].decimals, row.total));
      else if (const auto* n = std::get_if<std::int64_t>(&cell))
        worksheet_write_number(ws, r, c, static_cast<double>(*n), st.number(0, row.total));
      else if (const auto* f = std::get_if<Fen>(&cell))
        // A double holds every amount up to 10^15 fen to the fen; the sum was made in fen.
        worksheet_write_number(ws, r, c, static_cast<double>(f->value) / 100.0, st.number(2, row.total));
      else
        worksheet_write_blank(ws, r, c, text);
    }
    ++r;
  }
  ++r;
  for (const auto& n : s.notes_zh) {
    line(r, "注：" + n, st.note);
    worksheet_set_row(ws, r, 30, nullptr);
    ++r;
  }
  if (!s.generated_at.empty()) line(r, "生成时间：" + s.generated_at, st.note);
  worksheet_freeze_panes(ws, 3, 0);
  if (workbook_close(wb) != LXW_NO_ERROR) throw Error("cannot write " + path);
}

}  // namespace gz::services
