// The dashboard's panel of land indicators and benefit sharing (GET /api/v1/indicators/summary for
// the region shown): indicators created, used and transferred (m² and mu), the transfer revenue,
// and how much of the distributed revenue reached the county/township, the villages and the
// households. Absent when the region has neither indicators nor distributions.
import { api } from "../api";
import { el } from "../dom";
import { addStrings, t } from "../i18n";
import { fenYuan } from "./project_funds";

addStrings({
  indp_title: ["指标与收益共享", "Indicators and benefit sharing"],
  indp_created: ["形成指标", "Indicators created"],
  indp_used: ["本地使用", "Used locally"],
  indp_transferred: ["交易", "Transferred"],
  indp_revenue: ["交易收入", "Transfer revenue"],
  indp_villages: ["分配到村集体", "Reached villages"],
  indp_households: ["分配到农户", "Reached households"],
  indp_county: ["县乡（成本与基础设施）", "County/township (costs, infrastructure)"],
});

export async function indicatorsPanel(region: string): Promise<HTMLElement | null> {
  const s = await api("GET", `/api/v1/indicators/summary?region=${encodeURIComponent(region)}`).catch(() => null);
  if (!s || (s.indicators === 0 && s.plans === 0)) return null;
  const area = (m2: number, mu: number) => `${m2.toLocaleString("zh-CN", { maximumFractionDigits: 0 })} m² · ${mu.toFixed(2)} ${t("unit_mu")}`;
  const kpi = (label: string, value: string, testid: string) => el("div", { class: "kpi", "data-testid": testid }, el("span", {}, label), el("strong", {}, value));
  return el("section", { class: "dash-panel", "data-testid": "dash-indicators" },
    el("h2", {}, t("indp_title")),
    el("div", { class: "kpis" },
      kpi(t("indp_created"), area(s.created_m2, s.created_mu), "dash-ind-created"),
      kpi(t("indp_used"), area(s.used_m2, s.used_mu), "dash-ind-used"),
      kpi(t("indp_transferred"), area(s.transferred_m2, s.transferred_mu), "dash-ind-transferred"),
      kpi(t("indp_revenue"), fenYuan(s.transfer_revenue_fen), "dash-ind-revenue"),
      kpi(t("indp_county"), fenYuan(s.to_county_fen), "dash-ind-county"),
      kpi(t("indp_villages"), fenYuan(s.to_villages_fen), "dash-ind-villages"),
      kpi(t("indp_households"), fenYuan(s.to_households_fen), "dash-ind-households")));
}
