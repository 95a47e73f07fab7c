// Compliance check (合规性审查): every feature of a target layer against the control lines and
// the village plan; planned changes judged by the rules in data/rules.json.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/rules.h"
#include "storage/store.h"

namespace gz::services {

struct LayerOverlapArea {
  std::size_t control = 0;  // index into CheckResult::controls
  double area_m2 = 0;
  double share = 0;  // of the feature's area
  std::string geojson;  // overlap geometry, when asked for
};

struct FeatureCheck {
  std::string feature_id;
  std::string project_id;
  double area_m2 = 0;
  std::vector<LayerOverlapArea> overlaps;
};

struct Finding {
  std::string feature_id;
  std::string project_id;
  std::string layer;
  const Rule* rule = nullptr;
  std::string controls;  // layers measured against, comma separated
  double area_m2 = 0;
  double share = 0;
  std::string geojson;
};

struct CheckRequest {
  std::string layer;
  std::optional<int> version;
  bool want_geometry = false;
  // Layer names or kinds to check against; empty = every control line and village plan.
  // Rules that read an excluded kind are not applied.
  std::vector<std::string> against;
  // When set, these features are checked instead of a stored layer (a platform project's plan:
  // the project area with XMBH/XMLX, and its planned changes with from_code/to_code); `layer`
  // then only names them in the result, as a layer of kind project.
  std::optional<std::vector<StoredFeature>> features;
  // When set, features' results are handed here in consecutive chunks in storage order as the
  // check goes, and CheckResult::features stays empty: a million-feature layer's results never
  // wait in memory (gongzhi check writes them out as they come).
  // The first argument is CheckResult::controls (what LayerOverlapArea::control indexes).
  std::function<void(const std::vector<LayerVersion>&, std::vector<FeatureCheck>&&)> feature_sink;
};

struct CheckResult {
  LayerVersion target;
  std::vector<LayerVersion> controls;
  std::vector<FeatureCheck> features;  // empty when the request has a feature_sink
  std::size_t feature_count = 0;       // features checked
  std::vector<Finding> findings;
  std::map<std::string, int> findings_by_rule;
  std::map<std::string, double> area_by_rule;
};

// A stored layer is read as a stream (services/feature_stream.h); project layers and features
// handed in are checked in memory.
CheckResult compliance_check(storage::Store& store, const CheckRequest& request,
                             const RuleSet& rules = RuleSet::standard(),
                             const std::function<void(std::size_t, std::size_t)>& progress = {});
// Loads the whole target layer first: the former implementation, the reference the streaming
// one is tested against, and the path for small project layers.
CheckResult compliance_check_in_memory(storage::Store& store, const CheckRequest& request,
                                       const RuleSet& rules = RuleSet::standard(),
                                       const std::function<void(std::size_t, std::size_t)>& progress = {});

}  // namespace gz::services
