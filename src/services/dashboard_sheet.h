// The dashboard's table (可视化大屏 "逐级下钻" table: each child region's projects, money and new
// cultivated land, and findings) as an xlsx report sheet, with a 合计 row summed in fen.
#pragma once

#include "services/dashboard.h"
#include "services/xlsx_report.h"

namespace gz::services {

ReportSheet dashboard_sheet(const Dashboard& d);

}  // namespace gz::services
