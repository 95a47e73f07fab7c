// The villages' people and economy (人口经济, GET /api/v1/regions/{code}/figures): a village's
// figures in its identify popup on the map, and the region's totals with each village on the
// dashboard. Money in 元 with a 万元 figure beside large sums.
import { api } from "./api";
import { el, u } from "./dom";
import { addStrings, lang, paren, t, tData } from "./i18n";

addStrings({
  vf_title: ["人口经济", "People and economy"],
  vf_year: ["年份", "Year"],
  vf_households: ["户数", "Households"],
  vf_people: ["人口", "People"],
  vf_labourers: ["劳动力", "Labourers"],
  vf_migrant_workers: ["外出务工人数", "Migrant workers"],
  vf_income_per_capita: ["人均收入", "Per-capita income"],
  vf_collective_income: ["集体经济收入", "Collective income"],
  vf_village: ["村", "Village"],
  vf_source: ["数据来源：{source}（第 {version} 版，{time} 导入）", "Source: {source} (version {version}, imported {time})"],
  vf_total: ["合计", "Total"],
  vf_unit_people: ["人", "people"],
  vf_unit_households: ["户", "households"],
  vf_unit_yuan: ["元", "yuan"],
  vf_unit_wan: ["万元", "10k yuan"],
});

export interface FigureRow {
  code: string;
  name: string;
  year: number;
  households: number | null;
  people: number | null;
  labourers: number | null;
  migrant_workers: number | null;
  income_per_capita: number | null;
  collective_income: number | null;
}
export interface RegionFigures {
  region: { code: string; name: string; level: string };
  version: { version: number; source: string; imported_at: string; rows: number } | null;
  total: FigureRow;
  villages: FigureRow[];
}

export async function regionFigures(code: string): Promise<RegionFigures | null> {
  try {
    const f = await api<RegionFigures>("GET", `/api/v1/regions/${encodeURIComponent(code)}/figures`);
    return f.version && f.villages.length ? f : null;
  } catch {
    return null;
  }
}

const nf = (x: number, d = 0) => x.toLocaleString(lang() === "zh" ? "zh-CN" : "en-US", { maximumFractionDigits: d });
const count = (v: number | null, unit: string) => (v === null ? "—" : `${nf(v)} ${t(unit)}`);
const money = (v: number | null) => {
  if (v === null) return "—";
  const yuan = `${nf(v, 2)} ${t("vf_unit_yuan")}`;
  return Math.abs(v) >= 10000 ? `${yuan}${paren(`${nf(v / 10000, 2)} ${t("vf_unit_wan")}`)}` : yuan;
};
const fields: [keyof FigureRow, (r: FigureRow) => string][] = [
  ["households", (r) => count(r.households, "vf_unit_households")],
  ["people", (r) => count(r.people, "vf_unit_people")],
  ["labourers", (r) => count(r.labourers, "vf_unit_people")],
  ["migrant_workers", (r) => count(r.migrant_workers, "vf_unit_people")],
  ["income_per_capita", (r) => money(r.income_per_capita)],
  ["collective_income", (r) => money(r.collective_income)],
];

function sourceLine(f: RegionFigures): HTMLElement {
  const v = f.version!;
  return el("p", { class: "muted small", "data-testid": "figures-source" },
    tData("vf_source", { source: v.source, version: v.version, time: v.imported_at.slice(0, 10) }));
}

// One village (or a region's totals) as a two-column table, for the identify popup.
export function figuresCard(f: RegionFigures): HTMLElement {
  const r = f.region.level === "village" ? f.villages[0] : f.total;
  const table = el("table", { class: "attrs figures", "data-testid": "village-figures", "data-code": f.region.code });
  table.append(el("tr", {}, el("th", { colspan: "2" }, `${t("vf_title")} · ${r.year}`)));
  for (const [k, show] of fields) table.append(el("tr", { "data-field": k }, el("th", {}, t("vf_" + k)), el("td", {}, show(r))));
  return el("div", {}, table, sourceLine(f));
}

// The dashboard's panel: the totals, then every village's figures.
export async function figuresPanel(region: string): Promise<HTMLElement | null> {
  const f = await regionFigures(region);
  if (!f) return null;
  const kpi = (label: string, value: string, testid: string) => el("div", { class: "kpi", "data-testid": testid }, el("span", {}, label), el("strong", {}, value));
  const table = el("table", { class: "grid", "data-testid": "dash-figures-table" },
    el("thead", {}, el("tr", {}, el("th", {}, t("vf_village")), el("th", {}, t("vf_year")), ...fields.map(([k]) => el("th", {}, t("vf_" + k))))));
  const body = el("tbody");
  for (const v of f.villages)
    body.append(el("tr", { "data-code": v.code }, el("td", {}, u(v.name || v.code)), el("td", {}, String(v.year)), ...fields.map(([, show]) => el("td", {}, show(v)))));
  table.append(body);
  return el("section", { class: "dash-panel", "data-testid": "dash-figures" },
    el("h2", {}, `${t("vf_title")}${paren(f.total.year)}`),
    el("div", { class: "kpis" }, ...fields.map(([k, show]) => kpi(t("vf_" + k), show(f.total), "dash-figures-" + k))),
    el("details", {}, el("summary", {}, `${t("vf_village")}${paren(f.villages.length)}`), table),
    sourceLine(f));
}
