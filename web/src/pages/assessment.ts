// 智能评估: consolidation potential, ecological risk and social impact of the villages of a
// region (the user's county or township) or of the consolidation units, from
// GET /api/v1/assessment?region=…&geometry=1 and GET /api/v1/units?geometry=1 (served from the
// server's cache while the layers are unchanged; docs/assessment.md). A MapLibre map colours the
// zones by the chosen dimension, a click shows a zone's indicators; ECharts compares the zones
// (bars for the dimension, a radar of the zone against the average); a table gives each
// indicator's value, normalisation and weight, with "no data" where a source is missing.
// Villagers and investors are told politely that assessments are for officials (403).
import { BarChart, RadarChart } from "echarts/charts";
import { GridComponent, LegendComponent, RadarComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import type { GeoJSONSource, MapGeoJSONFeature, MapMouseEvent } from "maplibre-gl";
import { ApiFailure, api, listLayers } from "../api";
import { el } from "../dom";
import { colon, has, lang, t, tData } from "../i18n";
import "../i18n_assess";
import "../assess.css";
import type { Ctx } from "../main";
import { bboxOf, createMap, type GongzhiMap } from "../map";
import { nf } from "../units";

echarts.use([BarChart, RadarChart, GridComponent, LegendComponent, RadarComponent, TooltipComponent, CanvasRenderer]);

interface Indicator { id: string; name_zh: string; name_en: string; unit: string; value: number | null; score: number; weight: number; source: string }
interface Dimension { id: string; name_zh: string; name_en: string; score: number; grade: string; indicators: Indicator[] }
interface Zone {
  code: string;
  name: string;
  kind: string;
  villages?: string[];
  measures: Record<string, number>;
  dimensions: Dimension[];
  geometry?: GeoJSON.Geometry | null;
}
interface MethodIndicator { id: string; dimension: string; name_zh: string; name_en: string; unit: string; measure: string; per: string; direction: string; normalise: string; full: number; weight: number; source: string }
export interface AssessmentBody {
  land_use: { layer: string; version: number };
  missing: string[];
  zones: Zone[];
  method: { version: string; dimensions: { id: string; name_zh: string; name_en: string }[]; indicators: MethodIndicator[] };
}

// Who reads assessments (services/units.cpp kReaders): the nav shows the page only to them.
export const assessmentRoles = ["leader_group", "lead_department", "co_reviewing_department", "township", "village_collective", "expert", "admin", "auditor"];
const dimensionIds = ["farmland_potential", "construction_potential", "ecological_potential", "ecological_risk", "social_impact"];
const costDims = new Set(["ecological_risk", "social_impact"]);

// 综合 (page only): the three potentials and the complements of risk and impact, equal weights.
export function overall(z: Zone): number {
  let s = 0, n = 0;
  for (const d of z.dimensions) {
    if (!dimensionIds.includes(d.id)) continue;
    s += costDims.has(d.id) ? 100 - d.score : d.score;
    n++;
  }
  return n ? s / n : 0;
}
export function scoreOf(z: Zone, dim: string): number {
  if (dim === "overall") return overall(z);
  return z.dimensions.find((d) => d.id === dim)?.score ?? 0;
}
// Colour ramps: potentials and the overall in greens, risk and impact in reds (more = darker).
function ramp(dim: string): string[] {
  return costDims.has(dim) ? ["#fff5eb", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704"] : ["#f7fcf5", "#c7e9c0", "#74c476", "#238b45", "#00441b"];
}
function colourAt(dim: string, score: number): string {
  const r = ramp(dim);
  return r[Math.min(r.length - 1, Math.floor((Math.max(0, Math.min(100, score)) / 100) * r.length))];
}
const zoneName = (z: Zone) => z.name || z.code;
const ind = (x: { name_zh: string; name_en: string }) => (lang() === "zh" ? x.name_zh : x.name_en);

declare global {
  interface Window {
    __gongzhiCharts?: Record<string, echarts.ECharts>;
    __gongzhiAssessment?: { body: AssessmentBody; dimension: string; selected: string | null };
  }
}

function fmtValue(i: Indicator | MethodIndicator, v: number | null | undefined): string {
  if (v === null || v === undefined) return t("assess_no_data");
  if (i.unit === "ratio") return nf(v * 100, 1) + "%";
  if (i.unit === "m2") return nf(v, 0) + " m²";
  return nf(v, 2) + (i.unit && i.unit !== "count" ? " " + i.unit : "");
}

// Fetches with the cache header and the elapsed time, for the progress line.
async function fetchAssessment(url: string): Promise<{ body: AssessmentBody; cache: string; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(url, { credentials: "same-origin" });
  const text = await res.text();
  const j = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const e = j?.error ?? {};
    throw new ApiFailure(res.status, e.code ?? "http_" + res.status, e.message_zh ?? `HTTP ${res.status}`, e.message_en ?? `HTTP ${res.status}`);
  }
  return { body: j as AssessmentBody, cache: res.headers.get("X-Gongzhi-Cache") ?? "", ms: performance.now() - t0 };
}

export async function renderAssessment(main: HTMLElement, ctx: Ctx): Promise<() => void> {
  const charts: echarts.ECharts[] = [];
  let gmap: GongzhiMap | null = null;
  let timer: number | undefined;
  const cleanup = () => {
    charts.splice(0).forEach((c) => c.dispose());
    gmap?.destroy();
    gmap = null;
    if (timer) clearInterval(timer);
    window.removeEventListener("resize", resize);
  };
  const resize = () => charts.forEach((c) => c.resize());
  window.addEventListener("resize", resize);

  main.append(el("h1", {}, t("assess_title")), el("p", { class: "muted" }, t("assess_intro")));
  // Villagers and investors: a polite word instead of an error.
  const reader = ctx.me.grants.some((g) => assessmentRoles.includes(g.role));
  const refuse = () => {
    main.append(el("section", { class: "card", "data-testid": "assess-forbidden", role: "status" },
      el("h2", {}, t("assess_forbidden_title")), el("p", {}, t("assess_forbidden_text")),
      el("p", {}, el("a", { href: ctx.me.grants.some((g) => g.role === "villager") ? "/village" : "/home", "data-route": "" }, t("assess_forbidden_link")))));
    main.dataset.ready = "1";
    return cleanup;
  };
  if (!reader) return refuse();

  // Regions to choose from: each reading grant's region and the regions just below it.
  const params = new URLSearchParams(location.search);
  const grantRegions = [...new Set(ctx.me.grants.filter((g) => assessmentRoles.includes(g.role)).map((g) => g.region))];
  let roots = grantRegions.filter((r) => r);
  if (grantRegions.includes("")) {
    const all = await ctx.regions();
    const shortest = Math.min(...all.map((r) => r.code.length));
    roots = all.filter((r) => r.code.length === shortest).map((r) => r.code);
  }
  const options: { code: string; name: string; depth: number }[] = [];
  for (const code of roots) {
    try {
      const r = await api<{ code: string; name: string; children: { code: string; name: string }[] }>("GET", `/api/v1/regions/${encodeURIComponent(code)}`);
      options.push({ code: r.code, name: r.name, depth: 0 });
      for (const c of r.children) options.push({ code: c.code, name: c.name, depth: 1 });
    } catch {
      options.push({ code, name: code, depth: 0 });
    }
  }

  let by: "village" | "unit" = params.get("by") === "unit" || params.has("unit") ? "unit" : "village";
  let region = params.get("region") ?? options[0]?.code ?? "";
  let dimension = params.get("dimension") ?? "overall";
  let selected: string | null = params.get("unit") ?? params.get("zone");
  let body: AssessmentBody | null = null;

  const bySel = el("select", { "data-testid": "assess-by" },
    el("option", { value: "village" }, t("assess_by_village")), el("option", { value: "unit" }, t("assess_by_unit"))) as HTMLSelectElement;
  bySel.value = by;
  const regionSel = el("select", { "data-testid": "assess-region" }) as HTMLSelectElement;
  for (const o of options) regionSel.append(el("option", { value: o.code, "data-user": "" }, (o.depth ? "　" : "") + `${o.name || o.code} (${o.code})`));
  if (region && !options.some((o) => o.code === region)) regionSel.append(el("option", { value: region }, region));
  regionSel.value = region;
  const regionLabel = el("label", {}, t("assess_region") + colon(), regionSel);
  const dimSel = el("select", { "data-testid": "assess-dimension" }) as HTMLSelectElement;
  const dimOptions = () => {
    dimSel.replaceChildren(el("option", { value: "overall" }, t("assess_overall")),
      ...dimensionIds.map((d) => el("option", { value: d }, has("assess_dim_" + d) ? t("assess_dim_" + d) : d)));
    dimSel.value = dimension;
  };
  dimOptions();
  const progress = el("div", { class: "assess-progress", "data-testid": "assess-progress", role: "status", "aria-live": "polite" });
  const body$ = el("div", {});
  main.append(el("div", { class: "card assess-tools" },
    el("label", {}, t("assess_zones") + colon(), bySel), regionLabel, el("label", {}, t("assess_dimension") + colon(), dimSel), progress), body$);
  regionLabel.hidden = by === "unit";

  const url = () => {
    const q = new URLSearchParams();
    if (by === "unit") q.set("by", "unit");
    else q.set("region", region);
    if (selected) q.set(by === "unit" ? "unit" : "zone", selected);
    if (dimension !== "overall") q.set("dimension", dimension);
    return "/assessment?" + q.toString();
  };
  bySel.addEventListener("change", () => {
    by = bySel.value as "village" | "unit";
    regionLabel.hidden = by === "unit";
    selected = null;
    void load();
  });
  regionSel.addEventListener("change", () => {
    region = regionSel.value;
    selected = null;
    void load();
  });
  dimSel.addEventListener("change", () => {
    dimension = dimSel.value;
    history.replaceState(null, "", url());
    paint();
  });

  // ---- loading with progress ---------------------------------------------------------------
  async function load() {
    history.replaceState(null, "", url());
    cleanupView();
    main.dataset.ready = "";
    const started = performance.now();
    // A region's name is data; "all units" is the interface's.
    const what = by === "unit" ? t("assess_all_units") : regionSel.selectedOptions[0]?.textContent?.trim() ?? region;
    const running = (s: number) => (by === "unit" ? t("assess_running", { what, s }) : tData("assess_running", { what, s }));
    const bar = el("progress", { "data-testid": "assess-progress-bar" });
    const line = el("span", {}, running(0));
    const spots = el("span", { class: "muted" });
    progress.replaceChildren(bar, " ", line, " ", spots);
    if (timer) clearInterval(timer);
    // While the server assesses: the seconds so far and, from GET /api/v1/assessment/progress,
    // the land-use spots overlaid of the total.
    const progressUrl = by === "unit" ? "/api/v1/assessment/progress?units=all" : `/api/v1/assessment/progress?region=${encodeURIComponent(region)}`;
    let polling = false;
    timer = window.setInterval(async () => {
      line.replaceChildren(running(Math.round((performance.now() - started) / 1000)));
      if (polling) return;
      polling = true;
      try {
        const p = await api<{ state: string; done: number; total: number }>("GET", progressUrl);
        if (p.state === "running" && p.total > 0) {
          (bar as HTMLProgressElement).max = p.total;
          (bar as HTMLProgressElement).value = p.done;
          bar.dataset.done = String(p.done);
          spots.textContent = t("assess_spots", { done: nf(p.done, 0), total: nf(p.total, 0) });
        }
      } catch {
        /* progress is a nicety: the assessment itself reports errors */
      } finally {
        polling = false;
      }
    }, 700);
    try {
      const r = await fetchAssessment(by === "unit" ? "/api/v1/units?geometry=1" : `/api/v1/assessment?region=${encodeURIComponent(region)}&geometry=1`);
      body = r.body;
      progress.replaceChildren(el("span", { class: "muted", "data-testid": "assess-timing", "data-cache": r.cache },
        t(r.cache === "hit" ? "assess_done_cached" : "assess_done", { n: body.zones.length, s: nf(r.ms / 1000, 1) })));
    } catch (e) {
      progress.replaceChildren();
      if (e instanceof ApiFailure && e.status === 403) {
        body$.replaceChildren();
        refuse();
        return;
      }
      body$.replaceChildren(el("div", { class: "error", role: "alert" }, `${t("error")}: ${e instanceof ApiFailure ? e.text() : String(e)}`));
      return;
    } finally {
      if (timer) clearInterval(timer);
      timer = undefined;
    }
    if (selected && !body.zones.some((z) => z.code === selected)) selected = null;
    await draw();
  }

  function cleanupView() {
    charts.splice(0).forEach((c) => c.dispose());
    gmap?.destroy();
    gmap = null;
    body$.replaceChildren();
  }

  // ---- the view: map, charts, table, missing sources ----------------------------------------
  let detail: HTMLElement, barBox: HTMLElement, radarBox: HTMLElement, tableBox: HTMLElement, legendBox: HTMLElement;
  async function draw() {
    const b = body!;
    if (b.zones.length === 0) {
      body$.replaceChildren(el("p", { class: "empty", "data-testid": "assess-empty" }, t("assess_no_zones")));
      main.dataset.ready = "1";
      return;
    }
    const mapBox = el("div", {});
    detail = el("section", { class: "card", "data-testid": "assess-zone" });
    barBox = el("div", { class: "assess-chart", "data-testid": "assess-bars" });
    radarBox = el("div", { class: "assess-chart", "data-testid": "assess-radar" });
    tableBox = el("section", { class: "card", "data-testid": "assess-indicators" });
    legendBox = el("div", { class: "assess-legend", "data-testid": "assess-legend" });
    const info = el("div", { class: "col-main" },
      missingCard(b),
      el("section", { class: "card" }, el("h2", {}, t("assess_compare")), barBox, radarBox),
      detail);
    // The table spans the page: its sources are long.
    body$.append(el("div", { class: "columns" }, info, el("div", { class: "col-map" }, mapBox, legendBox)), tableBox);

    gmap = createMap(mapBox, {});
    const features: GeoJSON.Feature[] = b.zones.filter((z) => z.geometry).map((z, i) => ({
      type: "Feature", id: i + 1, geometry: z.geometry!, properties: { code: z.code, name: zoneName(z), score: 0, colour: "#ccc" },
    }));
    const fc: GeoJSON.FeatureCollection = { type: "FeatureCollection", features };
    await gmap.ready;
    const m = gmap.map;
    // The zones' colours read best without the land-use spots, plans and farmland hatching
    // under them: those start switched off (the switcher turns them back on).
    try {
      const quiet = new Set(["land_use", "village_plan", "permanent_basic_farmland"]);
      for (const l of await listLayers())
        if (quiet.has(l.kind)) {
          const box = mapBox.querySelector(`input[data-layer="tiles-${CSS.escape(l.layer)}"]`) as HTMLInputElement | null;
          if (box?.checked) {
            box.checked = false;
            box.dispatchEvent(new Event("change"));
          }
        }
    } catch {
      /* no layer list: everything stays on */
    }
    m.addSource("assess-zones", { type: "geojson", data: fc });
    m.addLayer({ id: "assess-fill", type: "fill", source: "assess-zones", paint: { "fill-color": ["get", "colour"], "fill-opacity": 0.8 } });
    m.addLayer({ id: "assess-line", type: "line", source: "assess-zones", paint: { "line-color": "#41505f", "line-width": 0.8 } });
    m.addLayer({ id: "assess-selected", type: "line", source: "assess-zones", filter: ["==", ["get", "code"], ""], paint: { "line-color": "#1f6feb", "line-width": 3 } });
    m.on("click", "assess-fill", (e: MapMouseEvent & { features?: MapGeoJSONFeature[] }) => {
      const code = e.features?.[0]?.properties?.code as string | undefined;
      if (code) select(code, false);
    });
    m.on("mouseenter", "assess-fill", () => (m.getCanvas().style.cursor = "pointer"));
    m.on("mouseleave", "assess-fill", () => (m.getCanvas().style.cursor = ""));
    const bounds = bboxOf(fc);
    if (bounds) m.fitBounds(bounds, { padding: 30, duration: 0 });

    const bars = echarts.init(barBox);
    const radar = echarts.init(radarBox);
    charts.push(bars, radar);
    window.__gongzhiCharts = { ...(window.__gongzhiCharts ?? {}), assess_bars: bars, assess_radar: radar };
    bars.on("click", (p: any) => {
      const z = b.zones.find((x) => zoneName(x) === p.name || x.code === p.name);
      if (z) select(z.code, true);
    });
    paint();
    if (selected) select(selected, true);
    else showZone(null);
    await new Promise<void>((r) => (m.loaded() ? r() : m.once("idle", () => r())));
    mapBox.dataset.ready = "1";
    main.dataset.ready = "1";
  }

  // Colours, legend, bars and the radar for the chosen dimension.
  function paint() {
    const b = body;
    if (!b || !gmap) return;
    const src = gmap.map.getSource("assess-zones") as GeoJSONSource | undefined;
    if (src) {
      const features: GeoJSON.Feature[] = b.zones.filter((z) => z.geometry).map((z, i) => {
        const s = scoreOf(z, dimension);
        return { type: "Feature", id: i + 1, geometry: z.geometry!, properties: { code: z.code, name: zoneName(z), score: Math.round(s * 10) / 10, colour: colourAt(dimension, s) } };
      });
      src.setData({ type: "FeatureCollection", features });
    }
    const r = ramp(dimension);
    legendBox.replaceChildren(el("strong", {}, dimLabel(dimension)), " ",
      ...r.map((c, i) => el("span", { class: "assess-swatch", style: `background:${c}`, title: `${i * 20}–${(i + 1) * 20}` }, `${i * 20}`)), el("span", { class: "muted" }, " –100"));
    const sorted = [...b.zones].sort((a, c) => scoreOf(c, dimension) - scoreOf(a, dimension));
    barBox.style.height = Math.max(220, 22 * sorted.length + 60) + "px";
    requestAnimationFrame(() => charts[0]?.resize());
    charts[0].setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 24, top: 28, bottom: 8, containLabel: true },
      xAxis: { type: "value", min: 0, max: 100, name: t("assess_score") },
      yAxis: { type: "category", inverse: true, data: sorted.map(zoneName), axisLabel: { interval: 0 } },
      series: [{ name: dimLabel(dimension), type: "bar", data: sorted.map((z) => ({ value: Math.round(scoreOf(z, dimension) * 10) / 10, itemStyle: { color: colourAt(dimension, scoreOf(z, dimension)), borderColor: "#41505f", borderWidth: z.code === selected ? 2 : 0 } })) }],
    }, true);
    drawRadar();
    window.__gongzhiAssessment = { body: b, dimension, selected };
  }

  function drawRadar() {
    const b = body!;
    const z = b.zones.find((x) => x.code === selected);
    const avg = dimensionIds.map((d) => Math.round((b.zones.reduce((a, x) => a + scoreOf(x, d), 0) / b.zones.length) * 10) / 10);
    const data: any[] = [{ name: t("assess_average"), value: avg, lineStyle: { type: "dashed" } }];
    if (z) data.push({ name: zoneName(z), value: dimensionIds.map((d) => Math.round(scoreOf(z, d) * 10) / 10), areaStyle: { opacity: 0.2 } });
    charts[1].setOption({
      tooltip: {},
      legend: { bottom: 0 },
      radar: { indicator: dimensionIds.map((d) => ({ name: dimLabel(d), max: 100 })), radius: "62%" },
      series: [{ type: "radar", data }],
    }, true);
  }

  function dimLabel(d: string) {
    return d === "overall" ? t("assess_overall") : has("assess_dim_" + d) ? t("assess_dim_" + d) : d;
  }

  function select(code: string, fly: boolean) {
    const b = body!;
    const z = b.zones.find((x) => x.code === code);
    if (!z) return;
    selected = code;
    history.replaceState(null, "", url());
    gmap?.map.setFilter("assess-selected", ["==", ["get", "code"], code]);
    if (fly && z.geometry && gmap) {
      const bb = bboxOf({ type: "FeatureCollection", features: [{ type: "Feature", properties: {}, geometry: z.geometry }] });
      if (bb) gmap.map.fitBounds(bb, { padding: 60, duration: 0, maxZoom: 15 });
    }
    paint();
    showZone(z);
  }

  // The zone's dimensions and indicators; the table of the method (values of the zone chosen,
  // or of none: the method alone).
  function showZone(z: Zone | null) {
    const b = body!;
    detail.dataset.code = z?.code ?? "";
    if (!z) detail.replaceChildren(el("h2", {}, t("assess_zone_pick")), el("p", { class: "muted" }, t("assess_zone_hint")));
    else {
      const dims = z.dimensions.map((d) => el("div", { class: "assess-kpi", "data-dimension": d.id, "data-score": String(d.score) },
        el("div", { class: "assess-kpi-label" }, ind(d)), el("div", { class: "assess-kpi-value" }, nf(d.score, 1)), el("div", { class: "assess-kpi-sub" }, d.grade)));
      const m = z.measures;
      const facts: string[] = [];
      if (m.area_m2 !== undefined) facts.push(t("assess_fact_area", { mu: nf(m.area_m2 / (10000 / 15), 0) }));
      if (m.cultivated_m2 !== undefined) facts.push(t("assess_fact_cultivated", { mu: nf(m.cultivated_m2 / (10000 / 15), 0) }));
      if (m.homestead_households !== undefined) facts.push(t("assess_fact_households", { n: nf(m.homestead_households, 0) }));
      if (z.villages?.length) facts.push(t("assess_fact_villages", { n: z.villages.length }));
      detail.replaceChildren(el("h2", { "data-testid": "assess-zone-name" }, `${zoneName(z)} (${z.code})`),
        el("div", { class: "assess-kpis" }, el("div", { class: "assess-kpi", "data-dimension": "overall" },
          el("div", { class: "assess-kpi-label" }, t("assess_overall")), el("div", { class: "assess-kpi-value" }, nf(overall(z), 1)), el("div", { class: "assess-kpi-sub" }, "")), ...dims),
        el("p", { class: "muted" }, facts.join(" · ")));
    }
    // Indicator table: dimension, indicator, value (no data when null), normalisation, weight, source.
    const head = el("tr", {}, ...["assess_col_dimension", "assess_col_indicator", "assess_col_value", "assess_col_score", "assess_col_normalise", "assess_col_weight", "assess_col_source"].map((k) => el("th", {}, t(k))));
    const rows: HTMLElement[] = [];
    for (const mi of b.method.indicators) {
      const dim = b.method.dimensions.find((d) => d.id === mi.dimension);
      const got = z?.dimensions.find((d) => d.id === mi.dimension)?.indicators.find((i) => i.id === mi.id);
      const value = z ? (got ? got.value : null) : undefined;
      const norm = (mi.normalise === "linear" ? t("assess_norm_linear", { full: fmtValue(mi, mi.full) }) : t("assess_norm_minmax")) +
        (mi.direction === "cost" ? " · " + t("assess_norm_cost") : "");
      rows.push(el("tr", { "data-indicator": mi.id, "data-value": value === null ? "null" : value === undefined ? "" : String(value) },
        el("td", {}, dim ? ind(dim) : mi.dimension), el("td", {}, ind(mi)),
        el("td", { class: "num" + (value === null ? " muted" : "") }, value === undefined ? "—" : fmtValue(mi, value)),
        el("td", { class: "num" }, got && got.value !== null ? nf(got.score, 2) : "—"),
        el("td", {}, norm), el("td", { class: "num" }, nf(mi.weight, 2)),
        // The basis in the interface's language; one the file adds later shows as written there.
        has("assess_basis_" + mi.id) ? el("td", { class: "small muted" }, t("assess_basis_" + mi.id)) : el("td", { class: "small muted", "data-user": "" }, mi.source)));
    }
    tableBox.replaceChildren(el("h2", {}, z ? t("assess_indicators_of", { zone: zoneName(z) }) : t("assess_indicators")),
      el("div", { class: "scroll-x" }, el("table", { class: "grid" }, el("thead", {}, head), el("tbody", {}, ...rows))));
  }

  // The sources that are missing and the indicators they leave without a value.
  function missingCard(b: AssessmentBody): HTMLElement {
    const sec = el("section", { class: "card", "data-testid": "assess-missing" }, el("h2", {}, t("assess_missing_title")));
    const nulls = new Map<string, number>();
    for (const z of b.zones) for (const d of z.dimensions) for (const i of d.indicators) if (i.value === null) nulls.set(i.id, (nulls.get(i.id) ?? 0) + 1);
    if (b.missing.length === 0 && nulls.size === 0) {
      sec.append(el("p", { class: "ok" }, t("assess_missing_none")));
      return sec;
    }
    const list = el("ul", {});
    for (const m of b.missing)
      list.append(el("li", { "data-missing": m }, el("strong", {}, has("assess_src_" + m) ? t("assess_src_" + m) : m), " — ", t("assess_missing_effect")));
    sec.append(list);
    if (nulls.size) {
      const names = [...nulls.entries()].map(([id, n]) => {
        const mi = b.method.indicators.find((x) => x.id === id);
        return `${mi ? ind(mi) : id} (${t("assess_zones_n", { n })})`;
      });
      sec.append(el("p", { class: "muted" }, t("assess_missing_indicators") + colon() + names.join(lang() === "zh" ? "；" : "; ")));
    }
    return sec;
  }

  await load();
  return cleanup;
}
