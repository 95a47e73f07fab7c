// The pilot results package (试点成果汇交) of one project: ZZQY 整治区域, SDQYZZHDLTB 整治后地类
// 图斑, YJJBNTTZTB 永久基本农田调整图斑 and CZGHTB 村庄规划图斑, filled from the project's area
// and planned changes, the land-use survey, the permanent basic farmland and the village plan.
// Written as one File Geodatabase (OUTPUT.gdb) or a directory of GBK Shapefiles. Every field,
// its source and what cannot be filled yet: docs/exchange.md.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "storage/store.h"

namespace gz::services {

struct PilotPackageRequest {
  std::string project_id;
  std::string output;          // NAME.gdb, or a directory for Shapefiles
  std::string project_layer;   // default: the only layer of kind project
  std::string land_use_layer;  // default: the only layer of kind land_use
  std::string encoding = "GBK";  // Shapefile DBF encoding
  bool force = false;
};

struct PilotPackageResult {
  std::string project_id, project_name;
  std::map<std::string, std::int64_t> features;  // by layer name (ZZQY …)
};

// Throws NotFoundError for an unknown project, UsageError for an existing output without
// `force`; a failed export leaves nothing behind.
PilotPackageResult export_pilot_package(storage::Store& store, const PilotPackageRequest& request);

}  // namespace gz::services
