// The parts of a platform project's plan an official hands on as geometry: the project boundary
// (项目区范围) and its new cultivated plots (新增耕地: planned changes to a cultivated class from
// one that is not), as features carrying the ministry TXT's plot attributes (DKBH, DKMC, DKYT,
// DLBM) and the project's (XMBH, XMMC), for the exporters of services/export_layer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "domain/layer.h"
#include "services/projects.h"

namespace gz::services {

enum class ProjectPart { boundary, new_cultivated };
// Throws UsageError naming the parts when `name` is none of them.
ProjectPart parse_project_part(std::string_view name);
std::string_view to_string(ProjectPart p);
std::string part_name_zh(ProjectPart p);  // 项目区范围 / 新增耕地地块

struct ProjectPartFeatures {
  storage::ProjectRecord project;
  std::vector<StoredFeature> features;
};

// As the project page shows the plan: NotFoundError for a project the user may not see,
// RuleError (no_plan, no_new_cultivated) when there is nothing to hand on.
ProjectPartFeatures project_part(ProjectService& projects, const User& user, std::int64_t id,
                                 ProjectPart part);

}  // namespace gz::services
