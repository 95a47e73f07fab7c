// The official summary tables written out: CSV (one header line, group and label joined),
// JSON (columns with keys and both languages) and xlsx in the layout officials pass around
// (title row, unit line, two-level merged headers, 合计 row and column, notes below).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "services/stats_tables.h"

namespace gz::services {

std::string table_csv(const SummaryTable& t);
nlohmann::json table_json(const SummaryTable& t);
// Writes the workbook to `path`; throws Error naming the file when it cannot.
void write_table_xlsx(const SummaryTable& t, const std::string& path);

}  // namespace gz::services
