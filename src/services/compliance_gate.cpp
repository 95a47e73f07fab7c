#include "services/compliance_gate.h"

#include <cmath>
#include <cstdio>

#include "common/detailed_error.h"
#include "common/sha256.h"
#include "domain/land_use_classes.h"
#include "services/projects.h"

namespace gz::services {

using nlohmann::json;
using storage::AcknowledgementRecord;

namespace {

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// 279533 → "279,533"
std::string grouped(double v) {
  auto n = static_cast<long long>(std::llround(v));
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (n < 0 ? "-" : "") + out;
}

std::string mu(double m2) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.2f", m2 / (10000.0 / 15.0));
  return buf;
}

std::string class_words(const std::string& code, bool zh) {
  const auto* c = LandUseClassTable::standard().find(code);
  if (!c) return code;
  return code + " " + (zh ? c->name_zh : c->name_en);
}

// The feature a finding is on, in words: the project area, or the n-th planned change (the check
// names change n "<code>-P<n>", see compliance_summary) with its classes.
void name_feature(BindingFinding& f, const std::string& project_code, const json& plan) {
  f.feature_zh = "项目区";
  f.feature_en = "the project area";
  const std::string prefix = project_code + "-P";
  if (f.feature == project_code || f.feature.rfind(prefix, 0) != 0) return;
  std::size_t n = 0;
  try {
    n = std::stoul(f.feature.substr(prefix.size()));
  } catch (const std::exception&) {
    return;
  }
  f.feature_zh = "第 " + std::to_string(n) + " 处规划变更";
  f.feature_en = "planned change " + std::to_string(n);
  const auto& changes = plan.is_object() ? plan.value("changes", json::array()) : json::array();
  if (n < 1 || n > changes.size()) return;
  const auto& c = changes[n - 1];
  if (!c.is_object() || !c.value("from_code", json()).is_string()) return;
  auto to = change_target(c);
  if (!to) return;
  std::string from = c["from_code"];
  f.feature_zh += "（" + class_words(from, true) + " → " + to->words(true) + "）";
  f.feature_en += " (" + class_words(from, false) + " → " + to->words(false) + ")";
}

}  // namespace

std::string finding_key(const std::string& plan_hash, const json& finding) {
  std::string text = plan_hash + "\n" + finding.value("rule", "") + "\n" +
                     finding.value("feature", "") + "\n" + finding.value("controls", "") + "\n" +
                     std::to_string(std::llround(finding.value("area_m2", 0.0)));
  return sha256_hex(text).substr(0, 24);
}

std::vector<BindingFinding> binding_findings(const json& compliance, const std::string& project_code,
                                             const std::string& plan_json,
                                             const std::string& plan_hash, const RuleSet& rules) {
  std::vector<BindingFinding> out;
  if (!compliance.is_object() || !compliance.contains("findings")) return out;
  json plan = json::parse(plan_json.empty() ? "{}" : plan_json, nullptr, false);
  for (const auto& j : compliance["findings"]) {
    BindingFinding f;
    f.key = finding_key(plan_hash, j);
    f.rule = j.value("rule", "");
    f.severity = j.value("severity", "");
    f.name_zh = j.value("name_zh", "");
    f.name_en = j.value("name_en", "");
    f.feature = j.value("feature", "");
    f.controls = j.value("controls", "");
    f.area_m2 = j.value("area_m2", 0.0);
    f.effect = rules.binding.effect(f.rule, f.severity);
    name_feature(f, project_code, plan);
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<BindingFinding> binding_findings(const storage::ProjectRecord& p, const RuleSet& rules) {
  if (p.compliance_json.empty()) return {};
  return binding_findings(json::parse(p.compliance_json), p.code, p.plan_json,
                          p.compliance_plan_hash, rules);
}

std::string describe_zh(const BindingFinding& f) {
  return f.name_zh + "：" + f.feature_zh + "，" + mu(f.area_m2) + " 亩（" + grouped(f.area_m2) +
         " 平方米）";
}

std::string describe_en(const BindingFinding& f) {
  return f.name_en + ": " + f.feature_en + ", " + mu(f.area_m2) + " mu (" + grouped(f.area_m2) +
         " m²)";
}

json finding_json(const BindingFinding& f) {
  return {{"key", f.key},
          {"rule", f.rule},
          {"severity", f.severity},
          {"effect", std::string(to_string(f.effect))},
          {"name_zh", f.name_zh},
          {"name_en", f.name_en},
          {"feature", f.feature},
          {"feature_zh", f.feature_zh},
          {"feature_en", f.feature_en},
          {"area_m2", f.area_m2},
          {"text_zh", describe_zh(f)},
          {"text_en", describe_en(f)}};
}

void refuse_naming(const std::string& code, const std::string& lead_zh, const std::string& lead_en,
                   const std::vector<BindingFinding>& findings) {
  std::string zh = lead_zh, en = lead_en;
  json list = json::array();
  for (std::size_t i = 0; i < findings.size(); ++i) {
    zh += (i ? "；" : "：") + std::to_string(i + 1) + ". " + describe_zh(findings[i]);
    en += (i ? "; " : ": ") + std::to_string(i + 1) + ". " + describe_en(findings[i]);
    list.push_back(finding_json(findings[i]));
  }
  throw DetailedRuleError(code, zh, en, dump({{"findings", list}}));
}

const AcknowledgementRecord* acknowledgement_of(const BindingFinding& f,
                                                const std::vector<AcknowledgementRecord>& acks) {
  for (const auto& a : acks)
    if (a.cleared_at.empty() && a.finding_key == f.key) return &a;
  return nullptr;
}

void require_compliance_clear(const storage::ProjectRecord& p,
                              const std::vector<AcknowledgementRecord>& acks, const RuleSet& rules,
                              ProjectAction action) {
  if (p.compliance_json.empty()) return;
  if (p.compliance_plan_hash != p.plan_hash)
    throw RuleError("compliance_not_current", "须先对当前方案进行合规审查",
                    "run the compliance check on the current plan first");
  std::vector<BindingFinding> blocking, open;
  for (auto& f : binding_findings(p, rules)) {
    if (f.effect == FindingEffect::block) blocking.push_back(std::move(f));
    else if (f.effect == FindingEffect::acknowledge && !acknowledgement_of(f, acks))
      open.push_back(std::move(f));
  }
  const std::string what_zh(chinese_name(action)), what_en(to_string(action));
  if (!blocking.empty())
    refuse_naming("compliance_blocking",
                  "合规审查发现 " + std::to_string(blocking.size()) + " 项违规，须先修改方案，不能" +
                      what_zh,
                  "the compliance check found " + std::to_string(blocking.size()) +
                      " violation(s); the plan must change before '" + what_en + "'",
                  blocking);
  if (!open.empty())
    refuse_naming("warnings_unacknowledged",
                  "有 " + std::to_string(open.size()) + " 项合规提示尚未经牵头部门确认知悉，不能" +
                      what_zh,
                  std::to_string(open.size()) +
                      " compliance warning(s) are not yet acknowledged by the lead department; "
                      "no '" + what_en + "' before",
                  open);
}

json acknowledgement_json(const AcknowledgementRecord& a) {
  return {{"id", a.id},           {"finding", a.finding_key},     {"rule", a.rule},
          {"feature", a.feature}, {"area_m2", a.area_m2},         {"reason", a.reason},
          {"actor", a.actor},     {"time", a.time},               {"cleared_at", a.cleared_at},
          {"cleared_because", a.cleared_because}};
}

json compliance_gate_json(const storage::ProjectRecord& p, const std::vector<AcknowledgementRecord>& acks,
                          const RuleSet& rules) {
  json gate = {{"current", !p.compliance_json.empty() && p.compliance_plan_hash == p.plan_hash},
               {"blocking", json::array()},
               {"warnings", json::array()},
               {"acknowledgements", json::array()}};
  for (const auto& f : binding_findings(p, rules)) {
    if (f.effect == FindingEffect::block) {
      gate["blocking"].push_back(finding_json(f));
    } else if (f.effect == FindingEffect::acknowledge) {
      json w = finding_json(f);
      const auto* a = acknowledgement_of(f, acks);
      w["acknowledgement"] = a ? acknowledgement_json(*a) : json(nullptr);
      gate["warnings"].push_back(std::move(w));
    }
  }
  for (const auto& a : acks) gate["acknowledgements"].push_back(acknowledgement_json(a));
  return gate;
}

}  // namespace gz::services
