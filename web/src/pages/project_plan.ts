// The plan of a draft or returned project: its planned changes (a polygon inside the project
// area, the 三调 class it is now and the one it becomes, from /api/v1/land-use-classes), drawn
// on the map with Terra Draw and saved with PUT /api/v1/projects/{id}/plan; and the compliance
// preview (POST /api/v1/projects/{id}/compliance-preview) that shows the findings of the current
// plan on the map before the project is submitted, without storing anything.
import type * as maplibregl from "maplibre-gl";
import type { GeoJSONSource } from "maplibre-gl";
import { ApiFailure, landUseClasses, type LandUseClass, type Project } from "../api";
import { el } from "../dom";
import { lang, t } from "../i18n";
import { sphericalArea, type GongzhiMap } from "../map";
import type { DrawTool } from "../draw";
import { previewCompliance, updatePlan, type Plan, type PlanChange } from "../project_api";

// The plan being edited: the area dashed, the changes in the colour of the class they become.
export function addPlanLayers(map: maplibregl.Map) {
  if (map.getSource("plan-edit")) return;
  map.addSource("plan-edit", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
  map.addLayer({ id: "plan-changes-fill", type: "fill", source: "plan-edit", filter: ["==", ["get", "kind"], "change"],
    paint: { "fill-color": ["coalesce", ["get", "color"], "#ff8f00"], "fill-opacity": 0.6 } });
  map.addLayer({ id: "plan-changes-line", type: "line", source: "plan-edit", filter: ["==", ["get", "kind"], "change"],
    paint: { "line-color": "#e65100", "line-width": 2 } });
  map.addLayer({ id: "plan-area-line", type: "line", source: "plan-edit", filter: ["==", ["get", "kind"], "area"],
    paint: { "line-color": "#e65100", "line-width": 2.5, "line-dasharray": [3, 2] } });
}

export function setPlanLayers(map: maplibregl.Map, plan: Plan | null, classes: LandUseClass[] = []) {
  const features: GeoJSON.Feature[] = [];
  if (plan) {
    features.push({ type: "Feature", properties: { kind: "area" }, geometry: plan.area });
    plan.changes.forEach((c, i) =>
      features.push({ type: "Feature", id: i + 1, properties: { kind: "change", n: i + 1, from_code: c.from_code, to_code: c.to_code,
        color: classes.find((x) => x.code === c.to_code)?.color ?? "#ff8f00" }, geometry: c.geometry }));
  }
  (map.getSource("plan-edit") as GeoJSONSource | undefined)?.setData({ type: "FeatureCollection", features });
}

function polygonArea(g: GeoJSON.Polygon | GeoJSON.MultiPolygon): number {
  const polys = g.type === "Polygon" ? [g.coordinates] : g.coordinates;
  let a = 0;
  for (const rings of polys)
    rings.forEach((ring, i) => (a += (i === 0 ? 1 : -1) * sphericalArea(ring.slice(0, -1) as [number, number][])));
  return a;
}

// "≈ 12.3 亩 · 0.82 公顷": the table's short form (the full one is in the compliance results).
function areaShort(m2: number): string {
  const nf = (x: number, d: number) => x.toLocaleString(lang() === "zh" ? "zh-CN" : "en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
  return `≈ ${nf(m2 / (10000 / 15), 1)} ${t("unit_mu")} · ${nf(m2 / 10000, 2)} ${t("unit_ha")}`;
}

function classSelect(classes: LandUseClass[], value: string, testid: string): HTMLSelectElement {
  const s = el("select", { "data-testid": testid }, el("option", { value: "" }, t("choose_class"))) as HTMLSelectElement;
  let group = "";
  let og: HTMLElement | null = null;
  for (const c of classes) {
    if (c.level1_code !== group) {
      group = c.level1_code;
      og = el("optgroup", { label: group });
      s.append(og);
    }
    og!.append(el("option", { value: c.code }, `${c.code} ${lang() === "zh" ? c.name_zh : c.name_en}`));
  }
  s.value = value;
  return s;
}

export interface PlanEditorHooks {
  gmap: GongzhiMap;
  tool: DrawTool;
  saved(p: Project): void;
  previewed(p: Project): void;
}

// The plan editor card (the caller shows it only to applicants while the plan may be edited).
export async function planEditor(p: Project, hooks: PlanEditorHooks): Promise<HTMLElement> {
  const classes = await landUseClasses().catch(() => [] as LandUseClass[]);
  const plan: Plan = { area: p.plan!.area, changes: (p.plan?.changes ?? []).map((c: PlanChange) => ({ ...c })) };
  let dirty = false;
  const sec = el("section", { class: "card plan-editor", "data-testid": "plan-editor" }, el("h2", {}, t("plan_changes")));
  const table = el("table", { class: "grid changes", "data-testid": "changes" });
  const msg = el("div", { class: "msg", role: "status", "data-testid": "plan-message" });
  const drawBtn = el("button", { type: "button", class: "btn", "data-testid": "draw-change" }, t("draw_change"));
  const saveBtn = el("button", { type: "button", class: "btn primary", "data-testid": "save-plan", disabled: "" }, t("save_plan"));
  const previewBtn = el("button", { type: "button", class: "btn", "data-testid": "preview-check" }, t("preview_check"));

  const refresh = () => {
    setPlanLayers(hooks.gmap.map, plan, classes);
    table.replaceChildren(el("tr", {}, el("th", {}, "#"), el("th", {}, t("from_code")), el("th", {}, t("to_code")), el("th", {}, t("measure_text")), el("th", {}, t("col_area")), el("th", {}, "")));
    plan.changes.forEach((c, i) => {
      const from = classSelect(classes, c.from_code, `from-${i}`);
      const to = classSelect(classes, c.to_code, `to-${i}`);
      const measure = el("input", { value: c.measure ?? "", maxlength: "200", "data-testid": `measure-${i}` }) as HTMLInputElement;
      const del = el("button", { type: "button", class: "btn link", "data-testid": `delete-${i}` }, t("delete"));
      const changed = () => {
        c.from_code = from.value;
        c.to_code = to.value;
        if (measure.value.trim()) c.measure = measure.value.trim();
        else delete c.measure;
        markDirty();
        setPlanLayers(hooks.gmap.map, plan, classes);
      };
      from.addEventListener("change", changed);
      to.addEventListener("change", changed);
      measure.addEventListener("input", changed);
      del.addEventListener("click", () => {
        plan.changes.splice(i, 1);
        markDirty();
        refresh();
      });
      table.append(el("tr", { "data-change": String(i) }, el("td", {}, String(i + 1)), el("td", {}, from), el("td", {}, to), el("td", {}, measure),
        el("td", { class: "num small" }, areaShort(polygonArea(c.geometry))), el("td", {}, del)));
    });
    if (!plan.changes.length) table.append(el("tr", {}, el("td", { colspan: "6", class: "empty" }, t("no_changes"))));
  };
  const markDirty = () => {
    dirty = true;
    saveBtn.removeAttribute("disabled");
    previewBtn.setAttribute("disabled", "");
    msg.className = "msg warn";
    msg.textContent = t("plan_unsaved");
  };

  drawBtn.addEventListener("click", async () => {
    if (hooks.tool.drawing()) return hooks.tool.cancel();
    drawBtn.textContent = t("draw_cancel");
    msg.className = "msg";
    msg.textContent = t("draw_hint");
    const poly = await hooks.tool.polygon();
    drawBtn.textContent = t("draw_change");
    if (!poly) return void (msg.textContent = "");
    plan.changes.push({ geometry: poly, from_code: "", to_code: "" });
    markDirty();
    refresh();
  });
  saveBtn.addEventListener("click", async () => {
    const missing = plan.changes.findIndex((c) => !c.from_code || !c.to_code);
    if (missing >= 0) {
      msg.className = "msg error";
      msg.textContent = t("change_needs_classes", { n: missing + 1 });
      return;
    }
    saveBtn.setAttribute("disabled", "");
    try {
      const saved = await updatePlan(p.id, p.row_version, plan);
      dirty = false;
      hooks.saved(saved);
    } catch (e) {
      msg.className = "msg error";
      msg.textContent = `${t("action_refused")}: ${e instanceof ApiFailure ? e.text() : String(e)}`;
      saveBtn.removeAttribute("disabled");
    }
  });
  previewBtn.addEventListener("click", async () => {
    if (dirty) return;
    previewBtn.setAttribute("disabled", "");
    msg.className = "msg";
    msg.textContent = t("loading");
    try {
      const c = await previewCompliance(p.id);
      msg.className = "msg ok";
      msg.textContent = t("preview_done", { n: c.findings.length });
      hooks.previewed({ ...p, compliance: c, compliance_current: true, compliance_at: new Date().toISOString() });
    } catch (e) {
      msg.className = "msg error";
      msg.textContent = `${t("action_refused")}: ${e instanceof ApiFailure ? e.text() : String(e)}`;
    }
    previewBtn.removeAttribute("disabled");
  });

  refresh();
  sec.append(el("p", { class: "hint" }, t("plan_hint")), el("div", { class: "table-scroll" }, table), el("div", { class: "buttons" }, drawBtn, saveBtn, previewBtn), msg);
  return sec;
}
