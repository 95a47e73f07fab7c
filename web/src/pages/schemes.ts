// 方案比选: the alternative schemes of a consolidation unit on the map (areas and planned
// changes), their measured criteria, the TOPSIS ranking with entropy or AHP weights drawn with
// ECharts (closeness per scheme, weights, each criterion's contribution), and a scheme's
// simulation as a scenario layer with the before/after balance and indicators.
import { BarChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { ApiFailure, api } from "../api";
import { el } from "../dom";
import { fmtArea, lang, t, tData } from "../i18n";
import type { Ctx } from "../main";
import { createMap, projectAreas, type GongzhiMap } from "../map";

echarts.use([BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

type FC = GeoJSON.FeatureCollection;

interface Scheme {
  id: number;
  code: string;
  unit: string;
  region_code: string;
  name: string;
  description?: string;
  cost_fen: number;
  cost_yuan: string;
  area_m2: number;
  changes: number;
  criteria: Record<string, number>;
  risks: Record<string, number>;
  social?: Social;
  plan?: { area: GeoJSON.Geometry; changes: { geometry: GeoJSON.Geometry; from_code: string; to_code?: string; to_ghdlbm?: string; measure?: string }[] };
  scenario: { layer: string; version: number } | null;
}

interface Social {
  relocated_households: number;
  relocation_basis: string;
  affected_households: number;
  affected_people: number;
  taken_m2_per_household: number;
  parcel_note?: string;
}
interface Criterion { id: string; name_zh: string; name_en: string; unit: string; direction: string; weight: number }
interface Cell { criterion: string; value: number; normalised: number; weight: number; weighted: number; contribution: number }
interface Comparison {
  unit: string;
  weights_method: string;
  criteria: Criterion[];
  schemes: { id: number; code: string; name: string; rank: number; closeness: number; d_plus: number; d_minus: number; social?: Social; explanation: Cell[] }[];
  ranking: string[];
  all_equal: boolean;
  notes_zh: string[];
  notes_en: string[];
  ahp?: { lambda_max: number; ci: number; ri: number; cr: number };
}

const writerRoles = ["admin", "lead_department", "township", "expert"];
const nf = (x: number, d = 2) => x.toLocaleString(lang() === "zh" ? "zh-CN" : "en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
const mu = (m2: number) => nf(m2 / (10000 / 15));
const critName = (c: Criterion) => (lang() === "zh" ? c.name_zh : c.name_en);

// The criteria the table shows, in the file's order (names come with a comparison).
const shown: [string, string][] = [
  ["new_cultivated_m2", "scheme_new_cultivated"],
  ["construction_reduced_m2", "scheme_construction_reduced"],
  ["ecological_restored_m2", "scheme_ecological_restored"],
  ["redline_overlap_m2", "scheme_redline"],
  ["pbf_loss_m2", "scheme_pbf_loss"],
];

export async function renderSchemes(main: HTMLElement, ctx: Ctx): Promise<() => void> {
  const charts: echarts.ECharts[] = [];
  let gmap: GongzhiMap | null = null;
  const all = (await api<{ schemes: Scheme[] }>("GET", "/api/v1/schemes?geometry=1")).schemes;
  const units = [...new Set(all.map((s) => s.unit))].sort();
  const wanted = new URLSearchParams(location.search).get("unit");
  let unit = wanted && units.includes(wanted) ? wanted : units[0] ?? "";
  const canWrite = ctx.me.grants.some((g) => writerRoles.includes(g.role));

  const picker = el("select", { "data-testid": "scheme-unit" }) as HTMLSelectElement;
  for (const u of units) picker.append(el("option", { value: u, "data-user": "" }, u));
  picker.value = unit;
  const body = el("div", {});
  main.replaceChildren(
    el("h1", {}, t("schemes_title")),
    el("p", { class: "muted" }, t("schemes_intro")),
    units.length ? el("label", {}, `${t("scheme_unit")}: `, picker) : el("p", { class: "empty", "data-testid": "no-schemes" }, t("no_schemes")),
    body);
  // Those who may add schemes make one from a project's plan here (scheme_new.ts).
  if (canWrite) {
    const { newSchemeForm } = await import("./scheme_new");
    main.append(await newSchemeForm(await ctx.projects(), (u) => ctx.go("/schemes?unit=" + encodeURIComponent(u))));
  }
  picker.addEventListener("change", () => {
    unit = picker.value;
    history.replaceState(null, "", "/schemes?unit=" + encodeURIComponent(unit));
    void show();
  });

  async function show() {
    charts.splice(0).forEach((c) => c.dispose());
    gmap?.destroy();
    gmap = null;
    body.replaceChildren();
    if (!unit) return;
    const schemes = all.filter((s) => s.unit === unit);
    const mapBox = el("div", { class: "col-map" });
    const info = el("div", { class: "col-main" });
    body.append(el("div", { class: "columns" }, info, mapBox));
    info.append(schemeTable(schemes), compareSection(schemes), el("div", { "data-testid": "simulation" }));

    gmap = createMap(mapBox, { compact: true });
    const areas = projectAreas(schemes.map((s) => ({ id: s.id, code: s.code, name: s.name, state: "scheme", area_m2: s.area_m2, plan: s.plan })));
    gmap.setProjects(areas);
    await gmap.ready;
    const changes: FC = { type: "FeatureCollection", features: [] };
    for (const s of schemes)
      (s.plan?.changes ?? []).forEach((c, i) =>
        changes.features.push({ type: "Feature", id: s.id * 100000 + i, geometry: c.geometry,
          properties: { scheme: s.code, from_code: c.from_code, to_code: c.to_code ?? "", to_ghdlbm: c.to_ghdlbm ?? "", measure: c.measure ?? "" } }));
    const m = gmap.map;
    if (!m.getSource("scheme-changes")) {
      m.addSource("scheme-changes", { type: "geojson", data: changes });
      m.addLayer({ id: "scheme-changes-fill", type: "fill", source: "scheme-changes", paint: { "fill-color": "#f08c00", "fill-opacity": 0.45 } });
      m.addLayer({ id: "scheme-changes-line", type: "line", source: "scheme-changes", paint: { "line-color": "#b35c00", "line-width": 1 } });
    }
    gmap.fit(areas);
    mapBox.dataset.ready = "1";
  }

  function schemeTable(schemes: Scheme[]): HTMLElement {
    const head = el("tr", {}, el("th", {}, t("col_code")), el("th", {}, t("col_name")), el("th", {}, t("scheme_cost")),
      ...shown.map(([, k]) => el("th", {}, t(k) + " (" + t("unit_mu") + ")")),
      el("th", {}, t("scheme_relocated")), el("th", {}, t("scheme_affected")),
      el("th", {}, t("scheme_taken_per_household") + " (" + t("unit_mu") + ")"), el("th", {}, ""));
    const rows = schemes.map((s) => {
      const tr = el("tr", { "data-scheme": s.code },
        el("td", { "data-user": "" }, s.code), el("td", { "data-user": "" }, s.name), el("td", { class: "num" }, s.cost_yuan),
        ...shown.map(([id]) => el("td", { class: "num" }, mu(s.criteria[id] ?? 0))),
        ...socialCells(s.social));
      const cell = el("td", { class: "nowrap" });
      if (canWrite) {
        const b = el("button", { class: "btn", "data-testid": "simulate-" + s.code }, t("scheme_simulate"));
        b.addEventListener("click", () => void simulate(s));
        // Edit and removal (scheme_new.ts): the page is drawn again from the server's answer.
        const edit = el("button", { class: "btn", "data-testid": "edit-" + s.code }, t("se_edit"));
        edit.addEventListener("click", async () => {
          const { editScheme } = await import("./scheme_new");
          if (await editScheme(s, await ctx.projects())) ctx.rerender();
        });
        const remove = el("button", { class: "btn", "data-testid": "remove-" + s.code }, t("se_remove"));
        remove.addEventListener("click", async () => {
          const { removeScheme } = await import("./scheme_new");
          if (await removeScheme(s)) ctx.rerender();
        });
        cell.append(b, " ", edit, " ", remove);
      }
      tr.append(cell);
      return tr;
    });
    // The social-impact columns make the table wide: it scrolls inside its card, never under the map.
    return el("section", { class: "card", "data-testid": "scheme-list" }, el("h2", {}, tData("schemes_of_unit", { unit })),
      el("div", { style: "overflow-x:auto" }, el("table", { class: "grid" }, el("thead", {}, head), el("tbody", {}, ...rows))));
  }

  // Social impact (社会影响): relocations (declared or estimated), households and people whose
  // contracted land the changes take, and that land per household.
  function socialCells(so: Social | undefined): HTMLElement[] {
    if (!so) return [el("td", {}, "—"), el("td", {}, "—"), el("td", {}, "—")];
    const basis = t(so.relocation_basis === "declared" ? "scheme_relocation_declared" : "scheme_relocation_estimated");
    return [
      el("td", { class: "num", "data-testid": "relocated", title: basis }, String(so.relocated_households)),
      el("td", { class: "num", title: so.parcel_note ?? "" }, `${so.affected_households} (${nf(so.affected_people, 1)})`),
      el("td", { class: "num" }, mu(so.taken_m2_per_household)),
    ];
  }

  function compareSection(schemes: Scheme[]): HTMLElement {
    const sec = el("section", { class: "card", "data-testid": "compare" }, el("h2", {}, t("scheme_compare")));
    if (schemes.length < 2) return sec.appendChild(el("p", { class: "empty" }, t("scheme_need_two"))), sec;
    const method = el("select", { "data-testid": "weights" }, el("option", { value: "entropy" }, t("weights_entropy")),
      el("option", { value: "ahp" }, t("weights_ahp"))) as HTMLSelectElement;
    const matrix = el("textarea", { rows: "4", class: "ahp", placeholder: t("ahp_placeholder"), "data-testid": "ahp-matrix" }) as HTMLTextAreaElement;
    matrix.hidden = true;
    method.addEventListener("change", () => (matrix.hidden = method.value !== "ahp"));
    const go = el("button", { class: "btn primary", "data-testid": "run-compare" }, t("scheme_compare_run"));
    const out = el("div", { "data-testid": "compare-result" });
    go.addEventListener("click", async () => {
      out.replaceChildren(el("p", {}, t("loading")));
      try {
        let ahp: unknown = undefined;
        if (method.value === "ahp") {
          try {
            ahp = JSON.parse(matrix.value);
          } catch {
            throw new ApiFailure(400, "malformed_json", t("ahp_malformed"), t("ahp_malformed"));
          }
        }
        const c = await api<Comparison>("POST", "/api/v1/schemes/compare", { unit, weights: method.value, ahp_matrix: ahp });
        drawComparison(out, c);
      } catch (e) {
        out.replaceChildren(el("div", { class: "error", role: "alert", "data-testid": "compare-error" }, e instanceof ApiFailure ? e.text() : String(e)));
      }
    });
    sec.append(el("div", { class: "buttons" }, method, go), matrix, out);
    return sec;
  }

  function drawComparison(out: HTMLElement, c: Comparison) {
    charts.splice(0).forEach((x) => x.dispose());
    const ranked = [...c.schemes].sort((a, b) => a.rank - b.rank);
    const table = el("table", { class: "grid", "data-testid": "ranking" },
      el("thead", {}, el("tr", {}, el("th", {}, t("scheme_rank")), el("th", {}, t("col_code")), el("th", {}, t("col_name")),
        el("th", {}, t("scheme_closeness")), el("th", {}, "D+"), el("th", {}, "D−"))),
      el("tbody", {}, ...ranked.map((s) => el("tr", { "data-rank": String(s.rank), "data-scheme": s.code },
        el("td", {}, String(s.rank)), el("td", {}, s.code), el("td", {}, s.name),
        el("td", { class: "num" }, nf(s.closeness, 4)), el("td", { class: "num" }, nf(s.d_plus, 4)), el("td", { class: "num" }, nf(s.d_minus, 4))))));
    const notes = (lang() === "zh" ? c.notes_zh : c.notes_en).map((n) => el("p", { class: "warn" }, n));
    const ahp = c.ahp ? el("p", { class: "muted" }, t("ahp_consistency", { l: nf(c.ahp.lambda_max, 4), ci: nf(c.ahp.ci, 4), ri: nf(c.ahp.ri, 2), cr: nf(c.ahp.cr, 4) })) : null;
    const closenessBox = el("div", { class: "chart", "data-testid": "closeness-chart", style: "height:200px" });
    const weightBox = el("div", { class: "chart", "data-testid": "weights-chart", style: "height:220px" });
    const contribBox = el("div", { class: "chart", "data-testid": "contribution-chart", style: "height:280px" });
    const socialBox = el("div", { class: "chart", "data-testid": "social-chart", style: "height:220px" });
    const explain = el("details", {}, el("summary", {}, t("scheme_explain")),
      ...c.schemes.map((s) => el("div", {}, el("h3", {}, `${s.code} ${s.name}`),
        el("table", { class: "grid" },
          el("thead", {}, el("tr", {}, ...["scheme_criterion", "scheme_value", "scheme_normalised", "scheme_weight", "scheme_weighted", "scheme_contribution"].map((k) => el("th", {}, t(k))))),
          el("tbody", {}, ...s.explanation.map((x, k) => el("tr", {},
            el("td", {}, critName(c.criteria[k])), el("td", { class: "num" }, nf(x.value)), el("td", { class: "num" }, nf(x.normalised, 4)),
            el("td", { class: "num" }, nf(x.weight, 4)), el("td", { class: "num" }, nf(x.weighted, 4)), el("td", { class: "num" }, nf(x.contribution, 6)))))))));
    out.replaceChildren(table, ...notes, ...(ahp ? [ahp] : []), closenessBox, weightBox, contribBox,
      el("h3", {}, t("scheme_social")), socialBox, explain);

    const closeness = echarts.init(closenessBox);
    closeness.setOption({
      animation: false, tooltip: {}, grid: { left: 110, right: 16, top: 8, bottom: 24 },
      xAxis: { type: "value", min: 0, max: 1 },
      yAxis: { type: "category", data: ranked.map((s) => `${s.rank}. ${s.code}`).reverse() },
      series: [{ type: "bar", name: t("scheme_closeness"), data: ranked.map((s) => +s.closeness.toFixed(4)).reverse(), itemStyle: { color: "#1f6feb" } }],
    });
    const weights = echarts.init(weightBox);
    weights.setOption({
      animation: false, tooltip: {}, grid: { left: 150, right: 16, top: 8, bottom: 24 },
      xAxis: { type: "value", min: 0 },
      yAxis: { type: "category", data: c.criteria.map(critName) },
      series: [{ type: "bar", name: t("scheme_weight"), data: c.criteria.map((x) => +x.weight.toFixed(4)), itemStyle: { color: "#2da44e" } }],
    });
    // Each criterion's contribution (v−A−)² − (v−A+)² per scheme: positive pulls towards the ideal.
    const contrib = echarts.init(contribBox);
    contrib.setOption({
      animation: false, tooltip: { trigger: "axis" }, legend: { type: "scroll", bottom: 0 },
      grid: { left: 60, right: 16, top: 8, bottom: 56 },
      xAxis: { type: "category", data: c.schemes.map((s) => s.code) },
      yAxis: { type: "value" },
      series: c.criteria.map((x, k) => ({ type: "bar", stack: "c", name: critName(x), data: c.schemes.map((s) => +s.explanation[k].contribution.toFixed(6)) })),
    });
    // Social impact per scheme in the ranking's order: relocations, households and people affected.
    const social = echarts.init(socialBox);
    const so = (s: Comparison["schemes"][number]) => s.social ?? { relocated_households: 0, relocation_basis: "", affected_households: 0, affected_people: 0, taken_m2_per_household: 0 };
    social.setOption({
      animation: false, tooltip: { trigger: "axis" }, legend: { bottom: 0 },
      grid: { left: 60, right: 16, top: 8, bottom: 48 },
      xAxis: { type: "category", data: ranked.map((s) => `${s.rank}. ${s.code}`) },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { type: "bar", name: t("scheme_relocated"), data: ranked.map((s) => so(s).relocated_households), itemStyle: { color: "#cf222e" } },
        { type: "bar", name: t("scheme_affected") + " · " + t("scheme_households"), data: ranked.map((s) => so(s).affected_households), itemStyle: { color: "#bf8700" } },
        { type: "bar", name: t("scheme_people"), data: ranked.map((s) => +so(s).affected_people.toFixed(1)), itemStyle: { color: "#8250df" } },
      ],
    });
    charts.push(closeness, weights, contrib, social);
    out.dataset.ready = "1";
  }

  async function simulate(s: Scheme) {
    const box = body.querySelector('[data-testid="simulation"]') as HTMLElement;
    box.replaceChildren(el("p", {}, t("loading")));
    try {
      const r = await api<any>("POST", `/api/v1/schemes/${s.id}/simulate`);
      const rows = (r.rows as any[]).map((x) => el("tr", {}, el("td", {}, x.code), el("td", {}, lang() === "zh" ? x.name_zh : x.name_en),
        el("td", { class: "num" }, mu(x.before_m2)), el("td", { class: "num" }, mu(x.after_m2)),
        el("td", { class: "num" }, (x.change_m2 >= 0 ? "+" : "") + mu(x.change_m2)), el("td", { class: "num" }, mu(x.scenario_m2))));
      const ind = (r.indicators as any[]).map((i) => el("li", { class: i.passed ? "ok" : "warn", "data-indicator": i.id },
        `${lang() === "zh" ? i.name_zh : i.name_en}: ${nf(i.value, 4)} ${i.op} ${i.threshold} ${!i.applicable ? "(n/a)" : i.passed ? "✓" : "✗"}`));
      box.replaceChildren(el("section", { class: "card", "data-testid": "simulation-result" },
        el("h2", {}, t("scheme_simulation", { code: s.code })),
        el("p", { class: "muted" }, t("scheme_scenario_made", { original: `${r.original.layer} v${r.original.version}`, scenario: `${r.scenario.layer} v${r.scenario.version}` })
          + " · " + fmtArea(r.area_m2)),
        el("table", { class: "grid" }, el("thead", {}, el("tr", {}, ...["col_code", "col_name", "scheme_before", "scheme_after", "scheme_change", "scheme_scenario"].map((k) => el("th", {}, t(k) + (k.startsWith("scheme_") ? ` (${t("unit_mu")})` : ""))))),
          el("tbody", {}, ...rows)),
        el("ul", { "data-testid": "indicators" }, ...ind)));
    } catch (e) {
      box.replaceChildren(el("div", { class: "error", role: "alert" }, e instanceof ApiFailure ? e.text() : String(e)));
    }
  }

  await show();
  return () => {
    charts.forEach((c) => c.dispose());
    gmap?.destroy();
  };
}
