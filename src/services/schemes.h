// Alternative schemes (方案) for one consolidation unit or project and their comparison
// (方案比选, DESIGN.md §2.7): each scheme is a set of planned land-use changes inside an area,
// checked like a project plan, measured on entry (land-use balance sheet and pilot indicators,
// potential realised, red-line and permanent-basic-farmland risks from the compliance check) and
// stored with its cost in fen. The schemes of a unit are ranked by TOPSIS with entropy or AHP
// weights (domain/scheme_ranking.h), explained per criterion; a scheme can be simulated: its
// changes applied to the land-use layer as a scenario layer of its own, never touching the
// original. Every call checks role and jurisdiction (404 outside, 403 visible but not allowed);
// every change is audited in its transaction. docs/schemes.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/identity.h"
#include "domain/scheme_ranking.h"
#include "services/land_use_balance.h"
#include "storage/project_store.h"
#include "storage/store.h"

namespace gz::services {

struct NewScheme {
  std::string unit;         // consolidation unit (DYBH of the consolidation_unit layer)
  std::string region_code;  // jurisdiction: the township or village it lies in
  std::string name, description;
  std::int64_t cost_fen = 0;
  std::string plan_json;       // {"area": geometry, "changes": [...]} as a project plan; ≥ 1 change
  std::string land_use_layer;  // default: the only (non-scenario) land_use layer
  // Households the scheme's resettlement plan relocates (搬迁户); estimated from the homestead
  // land its changes take when not given (services/scheme_social.h).
  std::optional<std::int64_t> relocated_households;
};

// A scheme's new content (its unit, region and code stay): every field as for a new scheme.
struct SchemeEdit {
  std::string name, description;
  std::int64_t cost_fen = 0;
  std::string plan_json;
  std::optional<std::int64_t> relocated_households;  // absent: estimated (as for add)
};

struct SchemeRecord {
  std::int64_t id = 0;
  std::string code;  // FA2026-001 …
  std::string unit, region_code, name, description;
  std::int64_t cost_fen = 0;
  std::string plan_json, plan_hash;
  double area_m2 = 0;
  std::int64_t changes = 0;
  // What was measured on entry: {"land_use": {layer, version}, "balance": {...}, "potential":
  // {...}, "risks": {...}, "social": {...}, "criteria": {id: value}}.
  std::string assessment_json;
  std::string created_by, created_at;
  std::string scenario_layer;  // "" until simulated
  std::int64_t scenario_version = 0;
  std::string simulated_by, simulated_at;
};

struct CompareOptions {
  std::string weights = "entropy";  // entropy | ahp
  // {"criteria": [ids in row order], "matrix": [[1, 3, "1/5"], ...]} or just the matrix (rows in
  // the order of data/scheme_criteria.json). Entries are numbers or "a/b" fractions.
  std::string ahp_matrix_json;
  // Only these schemes of the unit (ids or codes); all the user may see when empty. Each must be
  // a scheme of the unit (InvalidRequest scheme_unit_mismatch names the one that is not).
  std::vector<std::string> schemes;
};

struct SchemeComparison {
  std::string unit, weights_method;
  std::vector<SchemeRecord> schemes;  // by id
  std::vector<SchemeCriterion> criteria;
  DecisionMatrix values;  // schemes × criteria
  std::vector<double> weights;
  std::optional<EntropyWeights> entropy;
  std::optional<AhpWeights> ahp;
  TopsisResult topsis;
  std::vector<std::string> notes_zh, notes_en;  // degenerate cases explained
};

struct SimulationResult {
  SchemeRecord scheme;
  LayerVersion original, scenario;
  BalanceResult balance;  // the original land use with the scheme's changes (before → after)
  // The scenario layer measured over the scheme's area, by class: what the after column must be.
  std::vector<BalanceRow> measured;
  double max_deviation_m2 = 0;  // |measured − after| over the classes
};

class SchemeService {
 public:
  SchemeService(storage::Store& layers, storage::ProjectStore& store,
                const SchemeCriteria& criteria = SchemeCriteria::standard());

  SchemeRecord add(const User& user, const NewScheme& scheme);
  // The jurisdiction checks of add() and compare() that need no layer read (the same errors),
  // for a route to make before it serialises the plan or matrix of a request.
  void authorize_add(const User& user, const std::string& region_code) const;
  void authorize_compare(const User& user, const std::string& unit) const;
  // Schemes the user may see, by id; a unit filter when not empty. Without the plan geometry
  // unless `documents`.
  std::vector<SchemeRecord> list(const User& user, const std::string& unit = "", bool documents = false);
  SchemeRecord get(const User& user, std::int64_t id);
  // Edits a scheme (name, description, cost, plan, resettlement) and measures it again; removes
  // one. Whoever may add schemes in its region (403 scheme_not_permitted for others who see it,
  // 404 for those who do not); both audited (scheme.update with before/after, scheme.delete). A
  // scenario layer made by an earlier simulation stays (it is a layer of its own).
  SchemeRecord update(const User& user, std::int64_t id, const SchemeEdit& edit);
  void remove(const User& user, std::int64_t id);
  // Ranks the schemes of `unit` the user may see; at least two are needed (RuleError
  // too_few_schemes). Reads only.
  SchemeComparison compare(const User& user, const std::string& unit, const CompareOptions& options);
  // Writes the scenario layer "scenario-<code>" (a new version per run), audited.
  SimulationResult simulate(const User& user, std::int64_t id);

  const SchemeCriteria& criteria() const { return criteria_; }

 private:
  storage::Store& layers_;
  storage::ProjectStore& store_;
  const SchemeCriteria& criteria_;
};

// The AHP matrix of CompareOptions read and reordered to `criteria`; InvalidRequest naming the
// problem (unknown or missing criterion, unreadable entry).
std::vector<std::vector<double>> read_ahp_matrix(const std::string& json_text,
                                                 const std::vector<SchemeCriterion>& criteria);

}  // namespace gz::services
