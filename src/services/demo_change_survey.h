// The demo county's annual change survey (年度变更调查): a second version of its land-use layer,
// made from the first as a county's year would change it, so that every monitoring rule of
// data/monitoring.json has something to find (docs/monitoring.md):
// - the planned changes of completed and accepted projects done (but a third of one accepted
//   project's new cultivated plots left undone: a 新增耕地核定 shortfall), of projects in
//   implementation half done, and one change in an implementation project that its plan does
//   not make (plan deviation);
// - elsewhere about `change_share` of the spots changed, by what each class tends to become:
//   farmland to houses, roads, orchards, forest and ponds (inside permanent basic farmland too:
//   非农化 / 非粮化), rural housing reclaimed to farmland, forest and grass to farmland or houses;
// - a quarter of those changes split the spot: the changed half gets a new BSM, so both BSM
//   matching and geometry matching are exercised.
// Deterministic for a seed. Streams the first version; writes the second in one transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "domain/layer.h"
#include "storage/project_store.h"

namespace gz::services {

struct DemoChangeSurveyOptions {
  double change_share = 0.02;
  std::uint64_t seed = 2026;
};

struct DemoChangeSurveySummary {
  LayerVersion version;
  std::int64_t changed = 0;  // spots whose class changed (split ones counted once)
  std::int64_t split = 0;
};

// `location` holds the demo county (land_use version 1 and its control layers); `projects`,
// when given, the platform projects whose plans the survey follows.
DemoChangeSurveySummary write_demo_change_survey(
    const std::string& location, storage::ProjectStore* projects, const DemoChangeSurveyOptions& options,
    const std::function<void(std::int64_t done, std::int64_t total)>& progress = {});

}  // namespace gz::services
