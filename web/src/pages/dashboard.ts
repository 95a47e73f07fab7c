// The region dashboard (可视化大屏): a full-screen page per county, township or village with
// ECharts — projects by state, investment vs disbursed, new cultivated land vs its target, the
// survey's land-use structure and the balance the projects make of it, compliance findings by
// village. Every number comes aggregated from GET /api/v1/dashboard; clicking a region (a chip,
// a bar) drills down, the breadcrumbs go back up. Areas in mu and hectares.
import { BarChart, PieChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { api } from "../api";
import { el, u } from "../dom";
import { has, lang, t, colon, tData, paren } from "../i18n";
import "../i18n_dash";
import "../i18n_notice";
import "../dash.css";
import type { Ctx } from "../main";
import { supervisionPanel } from "./supervision_panel";
import { M2_PER_MU, fmtMoney, fmtMuHa, mu, nf } from "../units";

echarts.use([BarChart, PieChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

interface DashRegion {
  code: string;
  name: string;
  level: string;
  parent: string;
}
interface Money {
  fen: number;
  yuan: string;
}
export interface DashboardData {
  region: DashRegion;
  path: DashRegion[];
  children: DashRegion[];
  projects: { total: number; area_m2: number; by_state: { state: string; projects: number; area_m2: number }[] };
  by_child: {
    region: DashRegion;
    projects: number;
    area_m2: number;
    allocated_fen: number;
    disbursed_fen: number;
    pending_fen: number;
    new_cultivated_planned_m2: number;
    new_cultivated_achieved_m2: number;
    findings: number;
  }[];
  funds: { sources: Money; allocated: Money; disbursed: Money; pending: Money };
  indicators: { key: string; planned: number; achieved: number; projects: number }[];
  land_use: {
    layer: string;
    classes: { code: string; name_zh: string; name_en: string; level1_code: string; group: string; color: string; gross_m2: number }[];
    total_m2: number;
    cultivated_m2: number;
    construction_m2: number;
    agricultural_m2: number;
    unused_m2: number;
    balance: Record<"cultivated" | "construction", { survey_m2: number; after_achieved_m2: number; after_planned_m2: number }>;
  };
  violations: {
    findings: number;
    errors: number;
    area_m2: number;
    by_region: { region: DashRegion; findings: number; errors: number; warnings: number; area_m2: number; projects: number }[];
    by_rule: { rule: string; name_zh: string; name_en: string; findings: number; area_m2: number }[];
  };
}

const wan = (fen: number) => Math.round(fen / 1e4) / 100; // 万元 with two decimals
const pct = (a: number, b: number) => (b > 0 ? `${nf((100 * a) / b, 1)}%` : "—");
const regionName = (r: DashRegion) => r.name || r.code;

declare global {
  interface Window {
    __gongzhiCharts?: Record<string, echarts.ECharts>;
  }
}

const axisStyle = { axisLabel: { color: "#b8c7e0" }, axisLine: { lineStyle: { color: "#3b5478" } }, splitLine: { lineStyle: { color: "#22385a" } } };
const legend = { textStyle: { color: "#d5e2f5" }, top: 0 };

export async function renderDashboard(main: HTMLElement, ctx: Ctx): Promise<() => void> {
  main.classList.add("full", "dash");
  document.body.classList.add("dash-body");
  const region = new URLSearchParams(location.search).get("region") ?? "";
  const d = await api<DashboardData>("GET", "/api/v1/dashboard" + (region ? `?region=${encodeURIComponent(region)}` : ""));
  const charts: echarts.ECharts[] = [];
  window.__gongzhiCharts = {};
  const drill = (code: string) => ctx.go(`/dashboard?region=${encodeURIComponent(code)}`);

  // ---- header: title, breadcrumbs, drill-down chips, full screen -----------------------------
  const crumbs = el("nav", { class: "dash-crumbs", "data-testid": "dash-path" });
  d.path.forEach((r, i) => {
    if (i) crumbs.append(el("span", { class: "sep" }, "›"));
    const a = el("a", { href: `/dashboard?region=${r.code}`, "data-route": "", "data-code": r.code },
      u(regionName(r)), el("small", {}, has("level_" + r.level) ? t("level_" + r.level) : r.level));
    crumbs.append(a);
  });
  const chips = el("div", { class: "dash-chips", "data-testid": "dash-children" });
  if (d.children.length) chips.append(el("span", { class: "muted" }, t("dash_drill") + colon()));
  for (const c of d.children)
    chips.append(el("a", { class: "chip", href: `/dashboard?region=${c.code}`, "data-route": "", "data-code": c.code, "data-user": "" }, regionName(c)));
  const full = el("button", { class: "btn dash-btn", "data-testid": "dash-fullscreen" }, t("dash_fullscreen"));
  full.addEventListener("click", () => (document.fullscreenElement ? document.exitFullscreen() : main.requestFullscreen()).catch(() => undefined));
  main.append(el("div", { class: "dash-head" },
    el("h1", { "data-testid": "dash-title", "data-code": d.region.code, "data-level": d.region.level }, tData("dash_title", { name: regionName(d.region) })),
    el("div", { class: "dash-tools" }, crumbs, full), chips));

  // ---- key figures -------------------------------------------------------------------------
  const ncl = d.indicators.find((i) => i.key === "new_cultivated_land") ?? { planned: 0, achieved: 0 };
  const kpi = (id: string, label: string, value: string, sub: string) =>
    el("div", { class: "kpi", "data-kpi": id }, el("div", { class: "kpi-label" }, label), el("div", { class: "kpi-value" }, value), el("div", { class: "kpi-sub" }, sub));
  main.append(el("div", { class: "kpis", "data-testid": "dash-kpis" },
    kpi("projects", t("kpi_projects"), t("kpi_projects_value", { n: d.projects.total }), fmtMuHa(d.projects.area_m2)),
    kpi("investment", t("kpi_investment"), fmtMoney(d.funds.allocated.fen), t("kpi_sources", { v: fmtMoney(d.funds.sources.fen) })
      // Sources count where they are registered (mostly the county): a township's projects are
      // funded from sources above it, so its own sources can be less than its investment.
      + (d.funds.sources.fen < d.funds.allocated.fen ? " · " + t("kpi_sources_note") : "")),
    kpi("disbursed", t("kpi_disbursed"), fmtMoney(d.funds.disbursed.fen),
      `${pct(d.funds.disbursed.fen, d.funds.allocated.fen)} · ${t("kpi_pending", { v: fmtMoney(d.funds.pending.fen) })}`),
    kpi("new_cultivated", t("kpi_new_cultivated"), `${nf(mu(ncl.achieved), 1)} ${t("unit_mu")}`,
      `${nf(ncl.achieved / 10000, 2)} ${t("unit_ha")} · ${t("kpi_of_target", { target: fmtMuHa(ncl.planned), pct: pct(ncl.achieved, ncl.planned) })}`),
    kpi("findings", t("kpi_findings"), t("kpi_findings_value", { n: d.violations.findings, e: d.violations.errors }), fmtMuHa(d.violations.area_m2))));

  // ---- charts ------------------------------------------------------------------------------
  const grid = el("div", { class: "dash-grid" });
  main.append(grid);
  const panel = (id: string, title: string) => {
    const box = el("div", { class: "dash-chart", "data-chart": id });
    grid.append(el("section", { class: "dash-panel", "data-testid": "panel-" + id }, el("h2", {}, title), box));
    return box;
  };
  const draw = (id: string, title: string, option: echarts.EChartsCoreOption, empty: boolean) => {
    const box = panel(id, title);
    if (empty) {
      box.append(el("p", { class: "dash-empty" }, t("no_data")));
      box.dataset.empty = "1";
    }
    const chart = echarts.init(box, undefined, { renderer: "canvas" });
    chart.setOption({ animation: false, textStyle: { color: "#d5e2f5" }, tooltip: { trigger: "axis" }, ...option });
    charts.push(chart);
    window.__gongzhiCharts![id] = chart;
    return chart;
  };

  // Projects by state.
  draw("states", t("chart_states"), {
    grid: { left: 100, right: 24, top: 10, bottom: 24 },
    xAxis: { type: "value", minInterval: 1, ...axisStyle },
    yAxis: { type: "category", inverse: true, data: d.projects.by_state.map((s) => t("state_" + s.state)), ...axisStyle },
    series: [{ name: t("series_projects"), type: "bar", data: d.projects.by_state.map((s) => s.projects), itemStyle: { color: "#4fa3ff" },
      label: { show: true, position: "right", color: "#fff" } }],
  }, d.projects.by_state.length === 0);

  // Per child region: investment vs disbursed, new cultivated land vs target (click drills down).
  const kids = d.by_child;
  const kidNames = kids.map((k) => (k.region.code === d.region.code ? t("this_region") : regionName(k.region)));
  const kidAxis = { type: "category", data: kidNames, ...axisStyle, axisLabel: { ...axisStyle.axisLabel, interval: 0, rotate: kids.length > 5 ? 30 : 0 } };
  const drillOn = (chart: echarts.ECharts) =>
    chart.on("click", (p: any) => {
      const k = kids[p.dataIndex];
      if (k && k.region.code !== d.region.code) drill(k.region.code);
    });
  const withMoney = kids.filter((k) => k.allocated_fen || k.disbursed_fen).length;
  drillOn(draw("funds", t("chart_funds") + paren(t("unit_wan_yuan")), {
    legend: { ...legend, data: [t("series_invested"), t("series_disbursed")] },
    grid: { left: 70, right: 16, top: 34, bottom: 50 },
    xAxis: kidAxis,
    yAxis: { type: "value", ...axisStyle },
    series: [
      { name: t("series_invested"), type: "bar", data: kids.map((k) => wan(k.allocated_fen)), itemStyle: { color: "#3ecf8e" } },
      { name: t("series_disbursed"), type: "bar", data: kids.map((k) => wan(k.disbursed_fen)), itemStyle: { color: "#f7b731" } },
    ],
  }, withMoney === 0));
  const withNcl = kids.filter((k) => k.new_cultivated_planned_m2 || k.new_cultivated_achieved_m2).length;
  drillOn(draw("new_cultivated", t("chart_new_cultivated") + paren(t("unit_mu")), {
    legend: { ...legend, data: [t("series_target"), t("series_achieved")] },
    grid: { left: 70, right: 16, top: 34, bottom: 50 },
    xAxis: kidAxis,
    yAxis: { type: "value", ...axisStyle },
    series: [
      { name: t("series_target"), type: "bar", data: kids.map((k) => Math.round(mu(k.new_cultivated_planned_m2) * 10) / 10), itemStyle: { color: "#5b7db1" } },
      { name: t("series_achieved"), type: "bar", data: kids.map((k) => Math.round(mu(k.new_cultivated_achieved_m2) * 10) / 10), itemStyle: { color: "#ffd84d" } },
    ],
  }, withNcl === 0));

  // Land-use structure by first-level class, in the survey's colours.
  const level1 = new Map<string, { name: string; m2: number; color: string }>();
  for (const c of d.land_use.classes) {
    const key = c.level1_code || c.code;
    const cur = level1.get(key) ?? { name: "", m2: 0, color: c.color };
    cur.m2 += c.gross_m2;
    if (!cur.name) cur.name = lang() === "zh" ? c.name_zh : c.name_en;
    level1.set(key, cur);
  }
  const l1names: Record<string, [string, string]> = {
    "01": ["耕地", "Cultivated"], "02": ["园地", "Garden"], "03": ["林地", "Forest"], "04": ["草地", "Grassland"],
    "05": ["商服用地", "Commercial"], "06": ["工矿仓储用地", "Industrial"], "07": ["住宅用地", "Residential"],
    "08": ["公共管理与公共服务用地", "Public service"], "09": ["特殊用地", "Special"], "10": ["交通运输用地", "Transport"],
    "11": ["水域及水利设施用地", "Water"], "12": ["其他土地", "Other"],
  };
  const pieData = [...level1.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([code, v]) => ({
    name: l1names[code] ? l1names[code][lang() === "zh" ? 0 : 1] : v.name, value: Math.round(mu(v.m2) * 10) / 10, code, itemStyle: { color: v.color },
  }));
  draw("land_use", t("chart_land_use") + paren(t("unit_mu")), {
    tooltip: { trigger: "item", formatter: (p: any) => `${p.name}<br>${fmtMuHa(p.value * M2_PER_MU)} (${p.percent}%)` },
    series: [{ type: "pie", radius: ["32%", "62%"], center: ["50%", "52%"], data: pieData, minShowLabelAngle: 6,
      label: { color: "#d5e2f5", formatter: "{b}\n{d}%" }, labelLine: { length: 8, length2: 8 } }],
  }, pieData.length === 0);

  // The balance: what the works change of the survey's cultivated and construction land (the
  // survey's totals in the heading's note), achieved so far and planned.
  const b = d.land_use.balance;
  const delta = (r: { survey_m2: number; after_achieved_m2: number; after_planned_m2: number }, k: "after_achieved_m2" | "after_planned_m2") =>
    Math.round(mu(r[k] - r.survey_m2) * 10) / 10;
  const balanceBox = draw("balance", t("chart_balance") + paren(t("unit_mu")), {
    legend: { ...legend, data: [t("series_after_achieved"), t("series_after_planned")] },
    grid: { left: 80, right: 16, top: 34, bottom: 30 },
    xAxis: { type: "category", data: [t("balance_cultivated"), t("balance_construction")], ...axisStyle },
    yAxis: { type: "value", ...axisStyle },
    series: [
      { name: t("series_after_achieved"), type: "bar", data: [delta(b.cultivated, "after_achieved_m2"), delta(b.construction, "after_achieved_m2")],
        itemStyle: { color: "#3ecf8e" }, label: { show: true, position: "top", color: "#fff" } },
      { name: t("series_after_planned"), type: "bar", data: [delta(b.cultivated, "after_planned_m2"), delta(b.construction, "after_planned_m2")],
        itemStyle: { color: "#4fa3ff" }, label: { show: true, position: "top", color: "#fff" } },
    ],
  }, d.land_use.total_m2 === 0);
  balanceBox.getDom().parentElement!.append(el("p", { class: "dash-note", "data-testid": "balance-survey" },
    `${t("series_survey")}${colon()}${t("balance_cultivated")} ${fmtMuHa(b.cultivated.survey_m2)}${lang() === "zh" ? "；" : "; "}${t("balance_construction")} ${fmtMuHa(b.construction.survey_m2)}`));

  // Findings by village: violations and warnings, most first (top 15).
  const vr = d.violations.by_region.filter((v) => v.findings > 0).slice(0, 15);
  const vchart = draw("violations", t("chart_violations"), {
    legend: { ...legend, data: [t("series_errors"), t("series_warnings")] },
    grid: { left: 110, right: 24, top: 34, bottom: 24 },
    xAxis: { type: "value", minInterval: 1, ...axisStyle },
    yAxis: { type: "category", inverse: true, data: vr.map((v) => regionName(v.region)), ...axisStyle },
    series: [
      { name: t("series_errors"), type: "bar", stack: "f", data: vr.map((v) => v.errors), itemStyle: { color: "#ff5c5c" } },
      { name: t("series_warnings"), type: "bar", stack: "f", data: vr.map((v) => v.warnings), itemStyle: { color: "#ffa94d" } },
    ],
  }, vr.length === 0);
  vchart.on("click", (p: any) => {
    const v = vr[p.dataIndex];
    if (v && v.region.code !== d.region.code) drill(v.region.code);
  });

  // The numbers as a table too (screen readers, copying into a report).
  const table = el("table", { class: "dash-table", "data-testid": "dash-table" },
    el("thead", {}, el("tr", {}, ...[t("region"), t("kpi_projects"), t("series_invested"), t("series_disbursed"), t("series_target"), t("series_achieved"), t("kpi_findings")].map((h) => el("th", {}, h)))));
  const body = el("tbody");
  for (const k of kids)
    body.append(el("tr", { "data-code": k.region.code },
      el("td", {}, u(k.region.code === d.region.code ? regionName(d.region) : regionName(k.region)), k.region.code === d.region.code ? t("this_region") : ""),
      el("td", { class: "num" }, String(k.projects)), el("td", { class: "num" }, fmtMoney(k.allocated_fen)), el("td", { class: "num" }, fmtMoney(k.disbursed_fen)),
      el("td", { class: "num" }, fmtMuHa(k.new_cultivated_planned_m2)), el("td", { class: "num" }, fmtMuHa(k.new_cultivated_achieved_m2)), el("td", { class: "num" }, String(k.findings))));
  table.append(body);
  // The same table as an Excel file from the server (GET /api/v1/dashboard?format=xlsx).
  const xlsx = el("a", { class: "dash-download", href: `/api/v1/dashboard?region=${encodeURIComponent(d.region.code)}&format=xlsx`, download: "", "data-testid": "dash-xlsx" }, t("dash_xlsx"));
  main.append(el("div", { class: "dash-downloads" }, xlsx), el("details", { class: "dash-details" }, el("summary", {}, t("dash_drill")), table));
  // Warnings by level and region, overdue orders, the rectification rate (pages/supervision_panel.ts).
  const supervision = await supervisionPanel(d.region.code);
  if (supervision) main.append(supervision);
  const indicators = await (await import("./indicators_panel")).indicatorsPanel(d.region.code);
  if (indicators) main.append(indicators);
  // The villages' people and economy (人口经济), when imported (village_figures.ts).
  const figures = await (await import("../village_figures")).figuresPanel(d.region.code);
  if (figures) main.append(figures);

  const resize = () => charts.forEach((c) => c.resize());
  window.addEventListener("resize", resize);
  document.addEventListener("fullscreenchange", resize);
  main.dataset.ready = "1";
  return () => {
    window.removeEventListener("resize", resize);
    document.removeEventListener("fullscreenchange", resize);
    charts.forEach((c) => c.dispose());
    document.body.classList.remove("dash-body");
    window.__gongzhiCharts = {};
  };
}
