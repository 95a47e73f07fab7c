// 监测预警: the change spots (变化图斑) between the last two versions of the land-use layer and the
// warnings of data/monitoring.json on them (GET /api/v1/monitoring/changes), within the regions the
// user may see: counts by level, a table by level, region and rule, the spots on the map coloured
// by level, the 新增耕地核定 of completed projects, and the xlsx of what is shown.
import { api, landUseClasses, listLayers, type LandUseClass } from "../api";
import { el, u } from "../dom";
import { addStrings, lang, t, colon } from "../i18n";
import type { Ctx } from "../main";
import { bboxOf, createMap, type GongzhiMap } from "../map";

addStrings({
  wr_title: ["监测预警", "Land-use warnings"],
  wr_intro: ["比较土地利用现状图层的两个版本（如三调与年度变更调查），列出变化图斑及其触发的预警规则；面积为 2000 国家大地坐标系椭球面积。",
    "Change spots between two versions of the land-use layer (e.g. the survey and the year's change survey) and the warnings they raise; areas are ellipsoidal on CGCS2000."],
  wr_versions: ["比较版本：第 {from} 版 → 第 {to} 版", "Versions compared: {from} → {to}"],
  wr_level: ["预警等级", "Level"],
  wr_all: ["全部", "All"],
  wr_red: ["红色", "Red"],
  wr_orange: ["橙色", "Orange"],
  wr_yellow: ["黄色", "Yellow"],
  wr_none: ["无预警", "No warning"],
  wr_region: ["区域", "Region"],
  wr_rule: ["规则", "Rule"],
  wr_spot: ["图斑编号", "Spot"],
  wr_before: ["变化前地类", "Before"],
  wr_after: ["变化后地类", "After"],
  wr_area: ["面积（亩）", "Area (mu)"],
  wr_rules: ["触发规则", "Warnings"],
  wr_download: ["下载 Excel 表格", "Download the Excel workbook"],
  wr_count: ["{n} 个变化图斑，共 {mu} 亩", "{n} change spots, {mu} mu"],
  wr_projects: ["新增耕地核定", "New cultivated land checked against the survey"],
  wr_claimed: ["申报 {c} 亩，调查确认 {s} 亩，差额 {d} 亩", "claimed {c} mu, surveyed {s} mu, short {d} mu"],
  wr_no_versions: ["土地利用现状图层只有一个版本，还没有可比较的变更调查。", "The land-use layer has one version only: no change survey to compare yet."],
  wr_loading: ["正在比较…", "Comparing…"],
});

interface Hit { rule: string; name_zh: string; name_en: string; severity: string; area_m2: number; area_mu: number; project?: string; project_name?: string }
interface Spot {
  id: string; bsm_before: string; bsm_after: string; code_before: string; name_before: string; code_after: string; name_after: string;
  region_code: string; region_name: string; matched_by: string; area_m2: number; area_mu: number; area_ha: number;
  severity: string | null; hits: Hit[]; geometry: GeoJSON.Geometry;
}
interface ProjectCheck { project: string; project_name: string; claimed_m2: number; surveyed_m2: number; shortfall_m2: number; hit: Hit | null }
interface Changes { from: { version: number }; to: { version: number }; spots: Spot[]; projects: ProjectCheck[] }

const colours: Record<string, string> = { red: "#d7301f", orange: "#f28e2b", yellow: "#e6c700", none: "#7f8c8d" };
const MU = 10000 / 15;

export async function renderWarnings(main: HTMLElement, _ctx: Ctx): Promise<() => void> {
  const params = new URLSearchParams(location.search);
  const state = { severity: params.get("severity") ?? "", region: params.get("region") ?? "", rule: params.get("rule") ?? "" };
  main.append(el("h1", {}, t("wr_title")), el("p", { class: "muted" }, t("wr_intro")));
  const status = el("p", { "data-testid": "warnings-status" }, t("wr_loading"));
  main.append(status);
  // The survey layer with a change survey after it: 'land_use' first when several land-use layers
  // have more than one version.
  const layers = (await listLayers()).filter((l) => l.kind === "land_use" && l.version > 1)
    .sort((a, b) => Number(b.layer === "land_use") - Number(a.layer === "land_use") || a.layer.localeCompare(b.layer));
  if (!layers.length) {
    status.textContent = t("wr_no_versions");
    return () => undefined;
  }
  const layer = layers[0].layer;
  const data = await api<Changes>("GET", `/api/v1/monitoring/changes?layer=${encodeURIComponent(layer)}`);
  const zh = lang() === "zh";
  // A land-use class in the current language (the server names it in Chinese).
  const classes = await landUseClasses().catch(() => [] as LandUseClass[]);
  const className = (code: string, name: string) => `${code} ${zh ? name : classes.find((c) => c.code === code)?.name_en ?? name}`;
  status.textContent = t("wr_versions", { from: data.from.version, to: data.to.version });

  // Filters: level, region (villages of the spots), rule.
  const regions = new Map<string, string>();
  const rules = new Map<string, string>();
  for (const s of data.spots) {
    if (s.region_code) regions.set(s.region_code, s.region_name || s.region_code);
    for (const h of s.hits) rules.set(h.rule, zh ? h.name_zh : h.name_en);
  }
  const select = (testid: string, options: [string, string][], value: string) => {
    const sel = el("select", { "data-testid": testid }) as HTMLSelectElement;
    // Villages are data; levels and rules are the interface's words.
    for (const [v, label] of options) sel.append(el("option", testid === "warnings-region" && v ? { value: v, "data-user": "" } : { value: v }, label));
    sel.value = value;
    return sel;
  };
  const levelSel = select("warnings-level", [["", t("wr_all")], ["red", t("wr_red")], ["orange", t("wr_orange")], ["yellow", t("wr_yellow")], ["none", t("wr_none")]], state.severity);
  const regionSel = select("warnings-region", [["", t("wr_all")], ...[...regions].sort()], state.region);
  const ruleSel = select("warnings-rule", [["", t("wr_all")], ...[...rules]], state.rule);
  const xlsx = el("a", { class: "btn", "data-testid": "warnings-xlsx", download: "" }, t("wr_download"));
  const counts = el("div", { class: "cards", "data-testid": "warnings-counts" });
  main.append(counts, el("div", { class: "filters" },
    el("label", {}, t("wr_level"), " ", levelSel), el("label", {}, t("wr_region"), " ", regionSel),
    el("label", {}, t("wr_rule"), " ", ruleSel), xlsx));

  const mapBox = el("div", { class: "map-box", "data-testid": "warnings-map", style: "height:420px" });
  const summary = el("p", { "data-testid": "warnings-summary" });
  const table = el("table", { class: "grid", "data-testid": "warnings-table" });
  const projectsBox = el("div", { "data-testid": "warnings-projects" });
  main.append(mapBox, summary, table, projectsBox);

  const shown = () => data.spots.filter((s) =>
    (!state.severity || (s.severity ?? "none") === state.severity) &&
    (!state.region || s.region_code === state.region) &&
    (!state.rule || s.hits.some((h) => h.rule === state.rule)));

  let gmap: GongzhiMap | null = null;
  const fcOf = (spots: Spot[]): GeoJSON.FeatureCollection => ({
    type: "FeatureCollection",
    features: spots.map((s, i) => ({ type: "Feature", id: i + 1, geometry: s.geometry,
      properties: { id: s.id, colour: colours[s.severity ?? "none"] } })),
  });

  function draw() {
    const q = new URLSearchParams({ layer });
    if (state.severity && state.severity !== "none") q.set("severity", state.severity);
    if (state.rule) q.set("rule", state.rule);
    if (state.region.length === 12) q.set("region", state.region);
    q.set("format", "xlsx");
    xlsx.setAttribute("href", `/api/v1/monitoring/changes?${q}`);
    history.replaceState(null, "", `/monitoring?${new URLSearchParams(Object.entries(state).filter(([, v]) => v))}`);

    const byLevel: Record<string, number> = { red: 0, orange: 0, yellow: 0, none: 0 };
    for (const s of data.spots) byLevel[s.severity ?? "none"]++;
    counts.replaceChildren(...(["red", "orange", "yellow", "none"] as const).map((k) =>
      el("div", { class: "card", "data-level": k, style: `border-left:6px solid ${colours[k]}` },
        el("div", { class: "muted" }, t(`wr_${k}`)), el("strong", {}, String(byLevel[k])))));

    const spots = shown();
    const mu = spots.reduce((a, s) => a + s.area_mu, 0);
    summary.textContent = t("wr_count", { n: spots.length, mu: mu.toFixed(2) });
    const head = el("tr", {}, ...["wr_spot", "wr_region", "wr_before", "wr_after", "wr_area", "wr_level", "wr_rules"].map((k) => el("th", {}, t(k))));
    const body = el("tbody", {});
    const order: Record<string, number> = { red: 0, orange: 1, yellow: 2, none: 3 };
    for (const s of [...spots].sort((a, b) => order[a.severity ?? "none"] - order[b.severity ?? "none"] || b.area_m2 - a.area_m2)) {
      const tr = el("tr", { "data-spot": s.id, "data-severity": s.severity ?? "none" },
        el("td", { "data-user": "" }, s.id), el("td", { "data-user": "" }, s.region_name || s.region_code),
        el("td", {}, className(s.code_before, s.name_before)), el("td", {}, className(s.code_after, s.name_after)),
        el("td", { class: "num" }, s.area_mu.toFixed(2)),
        el("td", {}, el("span", { class: "badge", style: `background:${colours[s.severity ?? "none"]};color:#fff;padding:0 6px;border-radius:3px` }, t(`wr_${s.severity ?? "none"}`))),
        el("td", {}, ...s.hits.flatMap((h, i) => [i ? (zh ? "；" : "; ") : "", `${zh ? h.name_zh : h.name_en}${zh ? "（" : " ("}${h.area_mu.toFixed(2)}${zh ? "亩" : " mu"}`,
          ...(h.project ? [zh ? "，" : ", ", u(h.project_name || h.project)] : []), zh ? "）" : ")"])));
      tr.addEventListener("click", () => {
        if (!gmap) return;
        const b = bboxOf(fcOf([s]));
        if (b) gmap.map.fitBounds(b, { padding: 80, maxZoom: 17 });
      });
      body.append(tr);
    }
    table.replaceChildren(el("thead", {}, head), body);

    projectsBox.replaceChildren();
    if (data.projects.length) {
      projectsBox.append(el("h2", {}, t("wr_projects")));
      const ul = el("ul", {});
      for (const p of data.projects)
        ul.append(el("li", { "data-project": p.project, "data-severity": p.hit?.severity ?? "none" },
          u(`${p.project} ${p.project_name}`), colon(), t("wr_claimed", { c: (p.claimed_m2 / MU).toFixed(2), s: (p.surveyed_m2 / MU).toFixed(2), d: (p.shortfall_m2 / MU).toFixed(2) }),
          p.hit ? ` · ${t(`wr_${p.hit.severity}`)}` : ""));
      projectsBox.append(ul);
    }
    const src = gmap?.map.getSource("warning-spots") as any;
    src?.setData(fcOf(spots));
  }
  for (const [sel, key] of [[levelSel, "severity"], [regionSel, "region"], [ruleSel, "rule"]] as const)
    sel.addEventListener("change", () => {
      (state as any)[key] = sel.value;
      draw();
    });
  draw();

  gmap = createMap(mapBox, {});
  await gmap.ready;
  const m = gmap.map;
  const fc = fcOf(shown());
  m.addSource("warning-spots", { type: "geojson", data: fc });
  m.addLayer({ id: "warning-fill", type: "fill", source: "warning-spots", paint: { "fill-color": ["get", "colour"], "fill-opacity": 0.75 } });
  m.addLayer({ id: "warning-line", type: "line", source: "warning-spots", paint: { "line-color": "#222", "line-width": 1 } });
  const bounds = bboxOf(fcOf(data.spots));
  if (bounds) m.fitBounds(bounds, { padding: 30, duration: 0 });
  await new Promise<void>((r) => (m.loaded() ? r() : m.once("idle", () => r())));
  mapBox.dataset.ready = "1";
  main.dataset.ready = "1";
  return () => gmap?.destroy();
}
