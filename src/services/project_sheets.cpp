#include "services/project_sheets.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "domain/land_use_classes.h"
#include "services/compliance_gate.h"
#include "services/land_use_balance.h"
#include "services/plan_features.h"

namespace gz::services {

using nlohmann::json;

namespace {

constexpr std::pair<ProjectSheet, std::string_view> kSheets[] = {
    {ProjectSheet::balance, "balance"},
    {ProjectSheet::findings, "findings"},
    {ProjectSheet::ledger, "ledger"},
    {ProjectSheet::evaluation, "evaluation"}};

double mu(double m2) { return m2 / kSquareMetresPerMu; }
// after − before, 0 where the two differ only by the rounding of summing the same areas in
// another order (else a sheet shows "-0.00").
double change(double after, double before) {
  double d = after - before;
  return std::abs(d) <= 1e-12 * std::max(std::abs(after), std::abs(before)) ? 0.0 : d;
}
double hectares(double m2) { return m2 / 10000.0; }

std::string class_name(const std::string& code) { return balance_row_name(code, true); }

ReportSheet start(const storage::ProjectRecord& p, ProjectSheet kind, const std::string& unit) {
  ReportSheet s;
  s.name = sheet_title_zh(kind);
  s.file_stem = p.code + "-" + sheet_title_zh(kind);
  s.title_zh = p.name + sheet_title_zh(kind);
  s.caption_zh = "项目编号：" + p.code + "    " + unit;
  s.generated_at = beijing_time_now();
  return s;
}

ReportSheet balance_sheet(SheetSources& src, const User& user, std::int64_t id) {
  auto p = src.projects.get(user, id);
  json plan = json::parse(p.plan_json.empty() ? "{}" : p.plan_json);
  if (!plan.is_object() || !plan.contains("area"))
    throw RuleError("no_plan", "项目尚无项目区范围，没有结构调整表", "the project has no area yet");
  BalanceRequest br;
  br.project_id = p.code;
  br.project_layer = "project:" + p.code;
  br.features = plan_features(p.code, p.type, plan, "-P");
  BalanceResult b = land_use_balance(src.layers, br);

  ReportSheet s = start(p, ProjectSheet::balance, "面积单位：亩、公顷（椭球面积）");
  s.columns = {{"地类编码", 0, 10},         {"地类名称", 0, 18},
               {"整治前面积（亩）", 2, 14}, {"整治后面积（亩）", 2, 14},
               {"增减（亩）", 2, 12},       {"整治前面积（公顷）", 4, 14},
               {"整治后面积（公顷）", 4, 14}, {"增减（公顷）", 4, 12}};
  double before = 0, after = 0;
  for (const auto& r : b.rows) {
    before += r.before_m2;
    after += r.after_m2;
    s.rows.push_back({{r.code, class_name(r.code), mu(r.before_m2), mu(r.after_m2),
                       mu(change(r.after_m2, r.before_m2)), hectares(r.before_m2), hectares(r.after_m2),
                       hectares(change(r.after_m2, r.before_m2))}});
  }
  s.rows.push_back({{std::string("合计"), std::string(), mu(before), mu(after), mu(change(after, before)),
                     hectares(before), hectares(after), hectares(change(after, before))},
                    true});
  s.rows.push_back({{std::string(), std::string("其中：耕地"), mu(b.cultivated_before),
                     mu(b.cultivated_after), mu(change(b.cultivated_after, b.cultivated_before)),
                     hectares(b.cultivated_before), hectares(b.cultivated_after),
                     hectares(change(b.cultivated_after, b.cultivated_before))}});
  s.rows.push_back({{std::string(), std::string("其中：建设用地"), mu(b.construction_before),
                     mu(b.construction_after), mu(change(b.construction_after, b.construction_before)),
                     hectares(b.construction_before), hectares(b.construction_after),
                     hectares(change(b.construction_after, b.construction_before))}});
  char buf[160];
  std::snprintf(buf, sizeof buf, "项目区面积 %.2f 亩（%.4f 公顷，%.0f 平方米），规划变更 %d 处。",
                mu(b.project_area_m2), hectares(b.project_area_m2), b.project_area_m2, b.changes);
  s.notes_zh.push_back(buf);
  for (const auto& i : b.indicators) {
    if (!i.rule) continue;
    s.notes_zh.push_back(i.rule->name_zh + "：" +
                         (!i.applicable ? std::string("不适用") : i.passed ? "符合" : "不符合") +
                         (i.basis.empty() ? "" : "（" + i.basis + "）"));
  }
  s.notes_zh.push_back("地类面积为项目区内三调图斑的椭球面积，整治后按规划变更替换。");
  return s;
}

std::string severity_zh(const std::string& s) {
  if (s == "error") return "严重";
  if (s == "warning") return "警告";
  if (s == "info") return "提示";
  return s;
}

std::string effect_zh(FindingEffect e) {
  switch (e) {
    case FindingEffect::block: return "阻止立项和公示，须修改方案";
    case FindingEffect::acknowledge: return "须牵头部门说明理由确认";
    default: return "仅提示";
  }
}

ReportSheet findings_sheet(SheetSources& src, const User& user, std::int64_t id) {
  auto v = src.projects.view(user, id);
  const auto& p = v.project;
  auto findings = binding_findings(p, src.projects.rules());
  bool current = !p.compliance_json.empty() && p.compliance_plan_hash == p.plan_hash;
  ReportSheet s = start(p, ProjectSheet::findings, "面积单位：亩、平方米");
  s.columns = {{"序号", 0, 6},          {"审查规则", 0, 28},         {"严重程度", 0, 10},
               {"位置", 0, 36},         {"面积（亩）", 2, 12},       {"面积（平方米）", 0, 14},
               {"约束", 0, 22},         {"确认情况", 0, 40}};
  double total = 0;
  std::int64_t n = 0;
  for (const auto& f : findings) {
    total += f.area_m2;
    std::string ack = f.effect == FindingEffect::acknowledge ? "未确认" : "";
    if (const auto* a = acknowledgement_of(f, v.acknowledgements))
      ack = "已确认：" + a->reason + "（" + a->actor + "，" + a->time + "）";
    s.rows.push_back({{++n, f.name_zh, severity_zh(f.severity), f.feature_zh, mu(f.area_m2),
                       std::round(f.area_m2), effect_zh(f.effect), ack}});
  }
  s.rows.push_back({{std::string("合计"), std::to_string(n) + " 项", std::string(), std::string(),
                     mu(total), std::round(total), std::string(), std::string()},
                    true});
  if (p.compliance_json.empty())
    s.notes_zh.push_back("该项目尚未进行合规性审查。");
  else
    s.notes_zh.push_back("审查时间：" + p.compliance_at +
                         (current ? "，审查的是现行方案。" : "，此后方案已修改，须重新审查。"));
  return s;
}

ReportSheet ledger_sheet(SheetSources& src, const User& user, std::int64_t id) {
  // The ledger first: it is what decides who may read the project's money.
  auto entries = src.funds->project_ledger(user, id);
  auto funds = src.funds->project_funds(user, id);
  auto p = src.projects.get(user, id);
  std::map<std::int64_t, const SourceBalance*> sources;
  for (const auto& b : funds.sources) sources[b.source_id] = &b;
  ReportSheet s = start(p, ProjectSheet::ledger, "金额单位：元");
  s.columns = {{"日期时间", 0, 20},   {"资金来源", 0, 24},      {"类别", 0, 10},
               {"收款方", 0, 18},     {"拨入金额（元）", 2, 16}, {"支付金额（元）", 2, 16},
               {"里程碑", 0, 16},     {"经办/审批人", 0, 14},   {"摘要/凭证", 0, 30}};
  // Source by source in the order they first reached the project, each with its 小计.
  std::vector<std::int64_t> order;
  for (const auto& b : funds.sources) order.push_back(b.source_id);
  for (const auto& e : entries)
    if (!sources.count(e.source_id) && std::find(order.begin(), order.end(), e.source_id) == order.end())
      order.push_back(e.source_id);
  std::int64_t in_all = 0, out_all = 0;
  for (auto source : order) {
    auto it = sources.find(source);
    std::string name = it != sources.end()
                           ? it->second->source_name + "（" + std::string(chinese_name(it->second->kind)) + "）"
                           : "资金来源 " + std::to_string(source);
    std::int64_t in = 0, out = 0;
    for (const auto& e : entries) {
      if (e.source_id != source) continue;
      bool allocation = e.kind == "allocation";
      (allocation ? in : out) += e.amount_fen;
      std::string note = e.note;
      if (e.compensation_id) note += (note.empty() ? "" : "；") + std::string("宅基地退出补偿");
      s.rows.push_back({{e.time, name, std::string(allocation ? "拨入项目" : "支付"),
                         allocation ? std::string() : e.payee,
                         allocation ? SheetCell(Fen{e.amount_fen}) : SheetCell(),
                         allocation ? SheetCell() : SheetCell(Fen{e.amount_fen}), e.milestone,
                         e.actor, note}});
    }
    s.rows.push_back({{std::string("小计"), name, std::string(), std::string(), Fen{in}, Fen{out},
                       std::string(), std::string(), "结余 " + yuan_text(in - out) + " 元"},
                      true});
    in_all += in;
    out_all += out;
  }
  s.rows.push_back({{std::string("合计"), std::string(), std::string(), std::string(), Fen{in_all},
                     Fen{out_all}, std::string(), std::string(), "结余 " + yuan_text(in_all - out_all) + " 元"},
                    true});
  auto wan = [](std::int64_t fen) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.4f", static_cast<double>(fen) / 1000000.0);
    return std::string(buf);
  };
  s.notes_zh.push_back("拨入合计 " + yuan_text(in_all) + " 元（" + wan(in_all) + " 万元），支付合计 " +
                       yuan_text(out_all) + " 元（" + wan(out_all) + " 万元），结余 " +
                       yuan_text(in_all - out_all) + " 元（" + wan(in_all - out_all) + " 万元）。");
  if (funds.pending_fen > 0)
    s.notes_zh.push_back("另有待审批的支付申请 " + yuan_text(funds.pending_fen) + " 元，未计入上表。");
  s.notes_zh.push_back("每笔资金按分记账，合计按分累加，未经四舍五入。");
  return s;
}

std::string indicator_unit_zh(const IndicatorDef& d) {
  if (d.unit == "m2") return "亩";
  if (d.unit == "fen_per_mu") return "元/亩";
  if (d.unit == "households") return "户";
  if (d.unit == "percent") return "%";
  return d.unit;
}

SheetCell indicator_value(const IndicatorDef& d, const std::optional<double>& v) {
  if (!v) return {};
  if (d.unit == "m2") return mu(*v);
  if (d.unit == "fen_per_mu") return Fen{static_cast<std::int64_t>(std::llround(*v))};
  return *v;
}

ReportSheet evaluation_sheet(SheetSources& src, const User& user, std::int64_t id) {
  auto pe = src.progress->evaluation(user, id);
  const auto& e = pe.evaluation;
  ReportSheet s = start(pe.project, ProjectSheet::evaluation, "得分：0–100");
  s.columns = {{"评价指标", 0, 28}, {"单位", 0, 8},     {"方向", 0, 12},       {"权重", 2, 8},
               {"计划值", 2, 14},  {"实际值", 2, 14},  {"得分（0–100）", 2, 12}, {"验收要求", 0, 24}};
  for (const auto& i : e.indicators) {
    std::string acceptance;
    if (i.def.acceptance_min_score) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "得分不低于 %.0f", *i.def.acceptance_min_score * 100);
      acceptance = std::string(buf) + (i.meets_acceptance ? "，达到" : "，未达到");
    }
    s.rows.push_back({{i.def.name_zh, indicator_unit_zh(i.def),
                       std::string(i.def.higher_is_better ? "越高越好" : "越低越好"), i.def.weight,
                       indicator_value(i.def, i.planned), indicator_value(i.def, i.achieved),
                       i.score ? SheetCell(std::round(*i.score * 10000) / 100) : SheetCell(), acceptance}});
  }
  double weights = 0;
  for (const auto& i : e.indicators) weights += i.def.weight;
  s.rows.push_back({{std::string("综合得分"), std::string(), std::string(), weights, SheetCell(), SheetCell(),
                     e.total_score ? SheetCell(*e.total_score) : SheetCell(),
                     std::string(e.acceptance_met ? "达到验收要求" : "未达到验收要求")},
                    true});
  for (const auto& f : e.acceptance_failures_zh) s.notes_zh.push_back(f);
  if (!e.total_score) s.notes_zh.push_back("尚无可评分的指标（须有计划值和实际值）。");
  return s;
}

}  // namespace

ProjectSheet parse_project_sheet(std::string_view name) {
  for (auto [s, n] : kSheets)
    if (n == name) return s;
  throw UsageError("unknown sheet '" + std::string(name) + "'; use balance, findings, ledger or evaluation");
}

std::string_view to_string(ProjectSheet s) {
  for (auto [k, n] : kSheets)
    if (k == s) return n;
  return "?";
}

std::string sheet_title_zh(ProjectSheet s) {
  switch (s) {
    case ProjectSheet::balance: return "土地利用结构调整表";
    case ProjectSheet::findings: return "合规性审查问题清单";
    case ProjectSheet::ledger: return "资金台账";
    default: return "绩效评价表";
  }
}

ReportSheet project_sheet(SheetSources& src, const User& user, std::int64_t id, ProjectSheet sheet) {
  if ((sheet == ProjectSheet::ledger && !src.funds) || (sheet == ProjectSheet::evaluation && !src.progress))
    throw Error("the " + std::string(to_string(sheet)) + " sheet needs its service");
  switch (sheet) {
    case ProjectSheet::balance: return balance_sheet(src, user, id);
    case ProjectSheet::findings: return findings_sheet(src, user, id);
    case ProjectSheet::ledger: return ledger_sheet(src, user, id);
    default: return evaluation_sheet(src, user, id);
  }
}

}  // namespace gz::services
