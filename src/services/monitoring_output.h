// What a land-use monitoring result looks like outside the program: the JSON document (CLI
// --format json and GET /api/v1/monitoring/changes), GeoJSON of the change spots, and the xlsx
// sheet officials file (变化图斑监测预警表). Shared by the CLI and the HTTP route.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "services/land_use_monitor.h"
#include "services/xlsx_report.h"

namespace gz::services {

// {"schema":"gongzhi.monitor/1", "from":…, "to":…, "controls":[…], "spots":[…],
//  "projects":[…], "summary":{…}}; each spot with its GeoJSON geometry when `geometry`.
nlohmann::ordered_json monitor_json(const MonitorResult& r, bool geometry);
nlohmann::ordered_json spot_json(const ChangeSpot& s, bool geometry);
// A FeatureCollection of the spots (properties as in spot_json).
std::string monitor_geojson(const MonitorResult& r);
// One row per change spot (its highest warning and every rule it breaks), the 新增耕地核定 of
// projects in the notes.
ReportSheet monitor_sheet(const MonitorResult& r);

}  // namespace gz::services
