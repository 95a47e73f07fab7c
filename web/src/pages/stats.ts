// The official summary tables (统计报表) of the 三调 land-use layer for a region the user may
// see: 土地利用现状分类 (三调 or 用地用海 by the base conversion), 三大类, 城镇村及工矿用地 and
// 耕地坡度分级, at the first or second level, gross or net of field ridges, in hectares, mu or m².
// The server builds the table (GET /api/v1/stats/tables, the code `gongzhi stats --table` uses)
// and the xlsx and csv downloads come from the same request with format=xlsx|csv.
import "./stats.css";
import { api, listLayers } from "../api";
import { el } from "../dom";
import { addStrings, lang, t } from "../i18n";
import type { Ctx } from "../main";

addStrings({
  st_title: ["土地利用统计报表", "Land-use summary tables"],
  st_intro: ["按坐落单位汇总三调图斑面积（2000 国家大地坐标系椭球面积），与官方报表格式一致；可下载 Excel 表格或逗号分隔文本。",
    "Survey spot areas (ellipsoidal, CGCS2000) summed by location unit, in the official layout; download as xlsx or csv."],
  st_region: ["区域", "Region"],
  st_layer: ["土地利用现状图层", "Land-use layer"],
  st_layer_option: ["{name}（第 {version} 版，{features} 个图斑，{date} 导入）", "{name} (version {version}, {features} spots, imported {date})"],
  st_table: ["报表", "Table"],
  st_table_class: ["土地利用现状分类", "Land use by class"],
  st_table_three: ["三大类", "Three groups"],
  st_table_czcs: ["城镇村及工矿用地", "Urban/town/village land"],
  st_table_slope: ["耕地坡度分级", "Cultivated land by slope"],
  st_level: ["分类级别", "Level"],
  st_level_1: ["一级", "First"],
  st_level_2: ["二级", "Second"],
  st_classification: ["分类", "Classification"],
  st_cls_sandiao: ["三调工作分类", "3rd national land survey classes"],
  st_cls_yydh: ["用地用海（基数转换）", "Territorial spatial planning (base conversion)"],
  st_area: ["面积", "Area"],
  st_area_gross: ["图斑面积", "Gross"],
  st_area_net: ["扣除田坎", "Net of ridges"],
  st_unit: ["单位", "Unit"],
  st_unit_ha: ["公顷", "ha"],
  st_unit_mu: ["亩", "mu"],
  st_unit_m2: ["平方米", "m²"],
  st_download_xlsx: ["下载 Excel 表格", "Download the Excel workbook"],
  st_download_csv: ["下载逗号分隔文本", "Download CSV"],
  st_code: ["坐落单位代码", "Unit code"],
  st_name: ["坐落单位名称", "Unit"],
  st_total: ["合计", "Total"],
  st_loading: ["正在统计…", "Counting…"],
});

interface Column { key: string; group_zh: string; group_en: string; label_zh: string; label_en: string }
interface Row { code: string; name: string; total: number; values: number[] }
interface SummaryTable {
  title_zh: string; title_en: string; unit_zh: string; unit_en: string;
  notes_zh: string[]; notes_en: string[]; columns: Column[]; total: Row; rows: Row[];
}

const choices: [string, string[]][] = [
  ["table", ["class", "three", "czcs", "slope"]],
  ["level", ["2", "1"]],
  ["classification", ["sandiao", "yydh"]],
  ["area", ["gross", "net"]],
  ["unit", ["ha", "mu", "m2"]],
];
const labelKey: Record<string, (v: string) => string> = {
  table: (v) => `st_table_${v}`,
  level: (v) => `st_level_${v}`,
  classification: (v) => `st_cls_${v}`,
  area: (v) => `st_area_${v}`,
  unit: (v) => `st_unit_${v}`,
};

// Two header rows: a grouped column's group above its label, a lone column over both rows.
function renderTable(s: SummaryTable): HTMLElement {
  const zh = lang() === "zh";
  const top = el("tr", {}), bottom = el("tr", {});
  for (const k of ["st_code", "st_name", "st_total"]) top.append(el("th", { rowspan: "2" }, t(k)));
  for (let i = 0; i < s.columns.length; ) {
    const c = s.columns[i];
    if (!c.group_zh) {
      top.append(el("th", { rowspan: "2", "data-key": c.key }, zh ? c.label_zh : c.label_en));
      i++;
      continue;
    }
    let j = i;
    while (j < s.columns.length && s.columns[j].group_zh === c.group_zh) j++;
    top.append(el("th", { colspan: String(j - i), class: "group" }, zh ? c.group_zh : c.group_en));
    for (let k = i; k < j; k++) bottom.append(el("th", { "data-key": s.columns[k].key }, zh ? s.columns[k].label_zh : s.columns[k].label_en));
    i = j;
  }
  const table = el("table", { class: "grid st-table", "data-testid": "stats-grid" }, el("thead", {}, top, bottom));
  const body = el("tbody", {});
  const row = (r: Row, isTotal: boolean) => {
    const tr = el("tr", { "data-code": r.code, class: isTotal ? "total" : "", "data-total": r.total.toFixed(2) },
      el("td", { class: "code", "data-user": "" }, isTotal ? "" : r.code), isTotal ? el("td", {}, t("st_total")) : el("td", { "data-user": "" }, r.name),
      el("td", { class: "num" }, r.total.toFixed(2)));
    r.values.forEach((v, i) => tr.append(el("td", { class: "num", "data-key": s.columns[i].key }, v.toFixed(2))));
    body.append(tr);
  };
  row(s.total, true);
  for (const r of s.rows) row(r, false);
  table.append(body);
  return table;
}

export async function renderStats(main: HTMLElement, ctx: Ctx): Promise<() => void> {
  const regions = (await ctx.regions()).filter((r) => ["county", "township", "village"].includes(r.level));
  const params = new URLSearchParams(location.search);
  const state: Record<string, string> = {
    region: params.get("region") ?? regions[0]?.code ?? "",
    table: params.get("table") ?? "class", level: params.get("level") ?? "2",
    classification: params.get("classification") ?? "sandiao", area: params.get("area") ?? "gross", unit: params.get("unit") ?? "ha",
  };
  // A county may hold several land-use layers (the survey, an annual change survey, a designer's
  // copy): the table is of one, chosen here; the imported 'land_use' layer first by default.
  const layers = (await listLayers().catch(() => [])).filter((l) => l.kind === "land_use")
    .sort((a, b) => Number(b.layer === "land_use") - Number(a.layer === "land_use") || a.layer.localeCompare(b.layer));
  const wanted = params.get("layer");
  state.layer = layers.some((l) => l.layer === wanted) ? wanted! : layers[0]?.layer ?? "";
  const out = el("div", { "data-testid": "stats-output" });
  const xlsx = el("a", { class: "btn", "data-testid": "stats-xlsx", download: "" }, t("st_download_xlsx"));
  const csv = el("a", { class: "btn", "data-testid": "stats-csv", download: "" }, t("st_download_csv"));
  const form = el("div", { class: "filters st-filters" });
  const regionSel = el("select", { "data-testid": "stats-region" }) as HTMLSelectElement;
  for (const r of regions) regionSel.append(el("option", { value: r.code, "data-user": "" }, `${r.name}（${r.code}）`));
  regionSel.value = state.region;
  form.append(el("label", {}, t("st_region"), " ", regionSel));
  regionSel.addEventListener("change", () => { state.region = regionSel.value; load(); });
  if (layers.length > 1) {
    const layerSel = el("select", { "data-testid": "stats-layer" }) as HTMLSelectElement;
    for (const l of layers)
      layerSel.append(el("option", { value: l.layer, "data-user": "" }, t("st_layer_option", { name: l.layer, version: String(l.version), features: String(l.features), date: l.created_at.slice(0, 10) })));
    layerSel.value = state.layer;
    form.append(el("label", {}, t("st_layer"), " ", layerSel));
    layerSel.addEventListener("change", () => { state.layer = layerSel.value; load(); });
  }
  for (const [name, values] of choices) {
    const sel = el("select", { "data-testid": `stats-${name}` }) as HTMLSelectElement;
    for (const v of values) sel.append(el("option", { value: v }, t(labelKey[name](v))));
    sel.value = state[name];
    sel.addEventListener("change", () => { state[name] = sel.value; load(); });
    form.append(el("label", {}, t(`st_${name}`), " ", sel));
  }
  form.append(xlsx, csv);
  let seq = 0;
  async function load() {
    // yydh is a classification of the class table only.
    const q = new URLSearchParams({ ...state, classification: state.table === "class" ? state.classification : "sandiao" });
    history.replaceState(null, "", "/stats?" + q.toString());
    xlsx.setAttribute("href", "/api/v1/stats/tables?" + q.toString() + "&format=xlsx");
    csv.setAttribute("href", "/api/v1/stats/tables?" + q.toString() + "&format=csv");
    const mine = ++seq;
    out.replaceChildren(el("p", { class: "hint" }, t("st_loading")));
    try {
      const s = await api<SummaryTable>("GET", "/api/v1/stats/tables?" + q.toString());
      if (mine !== seq) return;
      const zh = lang() === "zh";
      out.replaceChildren(el("h2", { "data-testid": "stats-title" }, zh ? s.title_zh : s.title_en),
        el("p", { class: "hint st-unit" }, zh ? s.unit_zh : s.unit_en),
        el("div", { class: "table-scroll" }, renderTable(s)),
        el("ul", { class: "hint st-notes" }, ...(zh ? s.notes_zh : s.notes_en).map((n) => el("li", {}, n))));
    } catch (e: any) {
      if (mine !== seq) return;
      out.replaceChildren(el("div", { class: "error", role: "alert" }, e?.text ? e.text() : String(e)));
    }
  }
  main.append(el("section", { class: "card" }, el("h1", {}, t("st_title")), el("p", { class: "hint" }, t("st_intro")), form, out));
  await load();
  return () => { seq++; };
}
