// How a project's compliance findings bind its lifecycle (DESIGN.md §2.2; the effects are data,
// the "binding" of data/rules.json): findings that block approval (立项) and the public notice
// (公示) until the plan changes, warnings that need the lead department's acknowledgement with a
// reason before approval, and the words that name each finding to a person (rule, area in 亩
// and m², the feature: the project area or the n-th planned change with its classes). Refusals
// are RuleError with the findings as details {"findings": [...]}.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "domain/project.h"
#include "domain/rules.h"
#include "storage/project_store.h"

namespace gz::services {

struct BindingFinding {
  std::string key;  // what an acknowledgement applies to: the finding as it was
  std::string rule, severity, name_zh, name_en, feature, controls;
  std::string feature_zh, feature_en;  // 项目区 / 第 2 处规划变更（0103 旱地 → 0702 农村宅基地）
  double area_m2 = 0;
  FindingEffect effect = FindingEffect::none;
};

// The key of one finding (an element of compliance_summary's "findings") of the check of the
// plan whose hash is `plan_hash`: the same finding of the same plan has the same key.
std::string finding_key(const std::string& plan_hash, const nlohmann::json& finding);

// The findings of a compliance result (compliance_summary's JSON) of a project's plan, with their
// effect under `rules` and the words naming their feature.
std::vector<BindingFinding> binding_findings(const nlohmann::json& compliance,
                                             const std::string& project_code,
                                             const std::string& plan_json,
                                             const std::string& plan_hash, const RuleSet& rules);
// The same for the stored check of `p`; none when it has no check on record.
std::vector<BindingFinding> binding_findings(const storage::ProjectRecord& p, const RuleSet& rules);

// "永久基本农田转为非耕地：第 2 处规划变更（0103 旱地 → 0702 农村宅基地），419.30 亩（279,533 平方米）"
std::string describe_zh(const BindingFinding& f);
std::string describe_en(const BindingFinding& f);
nlohmann::json finding_json(const BindingFinding& f);

// Refuses with `code`: the lead sentence, then each finding named, in both languages; the
// findings as details.
[[noreturn]] void refuse_naming(const std::string& code, const std::string& lead_zh,
                                const std::string& lead_en,
                                const std::vector<BindingFinding>& findings);

// The acknowledgement that holds for `f`, if any.
const storage::AcknowledgementRecord* acknowledgement_of(
    const BindingFinding& f, const std::vector<storage::AcknowledgementRecord>& acks);

// The guard of approval and of the public notice: the check on record must be of the current
// plan, no finding may block (compliance_blocking) and every warning that needs one must be
// acknowledged (warnings_unacknowledged). A project with no check on record passes.
void require_compliance_clear(const storage::ProjectRecord& p,
                              const std::vector<storage::AcknowledgementRecord>& acks,
                              const RuleSet& rules, ProjectAction action);

// What the project page shows: {"current": bool, "blocking": [finding], "warnings": [finding with
// "acknowledgement": {actor, time, reason} | null], "acknowledgements": [every acknowledgement,
// cleared ones with cleared_at and cleared_because]}.
nlohmann::json compliance_gate_json(const storage::ProjectRecord& p,
                                    const std::vector<storage::AcknowledgementRecord>& acks,
                                    const RuleSet& rules);
nlohmann::json acknowledgement_json(const storage::AcknowledgementRecord& a);

}  // namespace gz::services
