// A project's land-use balance sheet (土地利用结构调整表) before and after its planned changes,
// and the pilot-rule indicators judged against their thresholds.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/indicators.h"
#include "storage/store.h"

namespace gz::services {

// A row is a 三调 class ("0702"), or a 用地用海 target of a planned change that has no 三调
// class of the same name ("GHDLBM:1311"), shown apart.
struct BalanceRow {
  std::string code;
  double before_m2 = 0, after_m2 = 0;
};
// The row's class name: "农村宅基地", or "干渠（用地用海）" / "Main canal (用地用海)"; "" unknown.
std::string balance_row_name(const std::string& code, bool zh);

struct IndicatorValue {
  const IndicatorRule* rule = nullptr;
  double value = 0;
  bool applicable = true;
  bool passed = true;
  std::string basis;  // what the value was computed from, in numbers
};

struct BalanceRequest {
  std::string project_id;
  std::string project_layer;   // default: the only layer of kind project
  std::string land_use_layer;  // default: the only layer of kind land_use
  std::optional<int> version;  // of the project layer
  // When set, these features are measured instead of a stored project layer (a scheme's area
  // and its changes, with XMBH = project_id); `project_layer` then only names them.
  std::optional<std::vector<StoredFeature>> features;
};

struct BalanceResult {
  std::string project_id, project_name, project_type;
  LayerVersion project_layer, land_use_layer;
  std::optional<LayerVersion> pbf_layer;
  double project_area_m2 = 0;
  int changes = 0;
  std::vector<BalanceRow> rows;  // by class code
  double cultivated_before = 0, cultivated_after = 0;
  double construction_before = 0, construction_after = 0;
  double pbf_out_m2 = 0, pbf_in_m2 = 0;
  std::vector<IndicatorValue> indicators;
  bool all_passed() const;
};

BalanceResult land_use_balance(storage::Store& store, const BalanceRequest& request,
                               const IndicatorRules& thresholds = IndicatorRules::standard());

// Whether a layer version is a scheme's scenario (services/schemes: source "scenario:…").
bool is_scenario_layer(const LayerVersion& v);
// The one layer of a kind (scenario layers left out), or a UsageError listing the candidates.
LayerVersion single_layer_of_kind(storage::Store& store, LayerKind kind, const std::string& option);

}  // namespace gz::services
