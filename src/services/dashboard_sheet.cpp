#include "services/dashboard_sheet.h"

#include "domain/land_use_classes.h"

namespace gz::services {

ReportSheet dashboard_sheet(const Dashboard& d) {
  ReportSheet s;
  s.name = "区域汇总表";
  s.title_zh = d.region.name + "全域土地综合整治项目汇总表";
  s.file_stem = d.region.code + "-" + d.region.name + "-项目汇总表";
  s.caption_zh = "金额单位：元    面积单位：亩";
  s.generated_at = beijing_time_now();
  s.columns = {{"区域", 0, 22},           {"项目数", 0, 10},         {"项目面积（亩）", 2, 14},
               {"已安排资金（元）", 2, 18}, {"已拨付资金（元）", 2, 18}, {"待审批支付（元）", 2, 18},
               {"新增耕地计划（亩）", 2, 16}, {"新增耕地实际（亩）", 2, 16}, {"审查问题数", 0, 12}};
  std::int64_t projects = 0, allocated = 0, disbursed = 0, pending = 0, findings = 0;
  double area = 0, planned = 0, achieved = 0;
  for (const auto& c : d.by_child) {
    std::string name = c.region.code == d.region.code ? c.region.name + "（本级）" : c.region.name;
    s.rows.push_back({{name, c.projects, c.area_m2 / kSquareMetresPerMu, Fen{c.allocated_fen},
                       Fen{c.disbursed_fen}, Fen{c.pending_fen}, c.new_cultivated_planned_m2 / kSquareMetresPerMu,
                       c.new_cultivated_achieved_m2 / kSquareMetresPerMu, c.findings}});
    projects += c.projects;
    area += c.area_m2;
    allocated += c.allocated_fen;
    disbursed += c.disbursed_fen;
    pending += c.pending_fen;
    planned += c.new_cultivated_planned_m2;
    achieved += c.new_cultivated_achieved_m2;
    findings += c.findings;
  }
  s.rows.push_back({{std::string("合计"), projects, area / kSquareMetresPerMu, Fen{allocated}, Fen{disbursed},
                     Fen{pending}, planned / kSquareMetresPerMu, achieved / kSquareMetresPerMu, findings},
                    true});
  s.notes_zh.push_back("资金合计 " + yuan_text(allocated) + " 元已安排、" + yuan_text(disbursed) +
                       " 元已拨付，按分累加。");
  return s;
}

}  // namespace gz::services
