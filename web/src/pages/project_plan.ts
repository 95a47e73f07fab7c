// The plan of a draft or returned project: its planned changes (a polygon inside the project
// area, the 三调 class it is now and the one it becomes, from /api/v1/land-use-classes: a 三调
// class (to_code) or a class of the planning classification 用地用海 (to_ghdlbm), chosen
// explicitly since the two share codes such as 0101), drawn
// on the map with Terra Draw and saved with PUT /api/v1/projects/{id}/plan; and the compliance
// preview (POST /api/v1/projects/{id}/compliance-preview) that shows the findings of the current
// plan on the map before the project is submitted, without storing anything.
import type * as maplibregl from "maplibre-gl";
import type { GeoJSONSource } from "maplibre-gl";
import { ApiFailure, landUseClasses, planningClasses, type LandUseClass, type PlanningClass, type Project } from "../api";
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

// The 用地用海 classes once loaded (the map colours a 用地用海 target by its 三调 class of the same
// name, when it has one).
let planning: PlanningClass[] = [];
export async function loadPlanningClasses(): Promise<PlanningClass[]> {
  if (!planning.length) planning = await planningClasses().catch(() => [] as PlanningClass[]);
  return planning;
}

// The 三调 code a change's target counts as: to_code, or the same-name class of to_ghdlbm.
function surveyCodeOf(c: PlanChange): string {
  if (c.to_code) return c.to_code;
  return planning.find((x) => x.code === c.to_ghdlbm)?.survey_code ?? "";
}

// "0703 农村宅基地（用地用海）": a change's target as users read it.
export function targetWords(c: PlanChange, classes: LandUseClass[]): string {
  const zh = lang() === "zh";
  if (c.to_ghdlbm) {
    const k = planning.find((x) => x.code === c.to_ghdlbm);
    return `${c.to_ghdlbm} ${k ? (zh ? k.name_zh : k.name_en) : ""}${t("yydh_tag")}`;
  }
  const k = classes.find((x) => x.code === c.to_code);
  return `${c.to_code ?? ""} ${k ? (zh ? k.name_zh : k.name_en) : ""}`;
}

export function setPlanLayers(map: maplibregl.Map, plan: Plan | null, classes: LandUseClass[] = []) {
  const features: GeoJSON.Feature[] = [];
  if (plan) {
    features.push({ type: "Feature", properties: { kind: "area" }, geometry: plan.area });
    plan.changes.forEach((c, i) =>
      features.push({ type: "Feature", id: i + 1, properties: { kind: "change", n: i + 1, from_code: c.from_code,
        to_code: c.to_code ?? "", to_ghdlbm: c.to_ghdlbm ?? "",
        color: classes.find((x) => x.code === surveyCodeOf(c))?.color ?? "#ff8f00" }, geometry: c.geometry }));
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

// The 用地用海 classes at all three levels by their names: a group per first-level class (itself
// selectable), second- and third-level classes indented beneath.
function planningSelect(classes: PlanningClass[], value: string, testid: string): HTMLSelectElement {
  const s = el("select", { "data-testid": testid }, el("option", { value: "" }, t("choose_class"))) as HTMLSelectElement;
  let og: HTMLElement | null = null;
  for (const c of classes) {
    const name = lang() === "zh" ? c.name_zh : c.name_en;
    if (c.level === 1) {
      og = el("optgroup", { label: `${c.code} ${name}` });
      s.append(og);
    }
    const indent = c.level === 1 ? "" : c.level === 2 ? "\u3000" : "\u3000\u3000";
    (og ?? s).append(el("option", { value: c.code, "data-level": String(c.level) }, `${indent}${c.code} ${name}`));
  }
  s.value = value;
  return s;
}

// The planned changes as a table to read (for those who may see the plan but not edit it).
export async function planChangesSection(p: Project): Promise<HTMLElement> {
  const [classes] = await Promise.all([landUseClasses().catch(() => [] as LandUseClass[]), loadPlanningClasses()]);
  const zh = lang() === "zh";
  const name = (code: string) => {
    const k = classes.find((x) => x.code === code);
    return `${code} ${k ? (zh ? k.name_zh : k.name_en) : ""}`;
  };
  const table = el("table", { class: "grid changes", "data-testid": "plan-changes" },
    el("tr", {}, el("th", {}, "#"), el("th", {}, t("from_code")), el("th", {}, t("to_code")), el("th", {}, t("measure_text")), el("th", {}, t("col_area"))));
  (p.plan?.changes ?? []).forEach((c: PlanChange, i: number) =>
    table.append(el("tr", { "data-change": String(i) }, el("td", {}, String(i + 1)), el("td", {}, name(c.from_code)),
      el("td", { "data-testid": `plan-target-${i}` }, targetWords(c, classes)), el("td", { "data-user": "" }, c.measure ?? ""),
      el("td", { class: "num small" }, areaShort(polygonArea(c.geometry))))));
  return el("section", { class: "card", "data-testid": "plan-changes-card" }, el("h2", {}, t("plan_changes_list")), el("div", { class: "table-scroll plan-scroll" }, table));
}

export interface PlanEditorHooks {
  gmap: GongzhiMap;
  tool: DrawTool;
  saved(p: Project): void;
  previewed(p: Project): void;
}

// The plan editor card (the caller shows it only to applicants while the plan may be edited).
export async function planEditor(p: Project, hooks: PlanEditorHooks): Promise<HTMLElement> {
  const [classes, yydh] = await Promise.all([landUseClasses().catch(() => [] as LandUseClass[]), loadPlanningClasses()]);
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
      // The target's classification, chosen explicitly: 三调 (to_code) or 用地用海 (to_ghdlbm).
      const planned = c.to_ghdlbm !== undefined;
      const kind = el("select", { "data-testid": `to-kind-${i}`, "aria-label": t("to_classification") },
        el("option", { value: "sd" }, t("classification_sd")), el("option", { value: "yydh" }, t("classification_yydh"))) as HTMLSelectElement;
      kind.value = planned ? "yydh" : "sd";
      const to = planned ? planningSelect(yydh, c.to_ghdlbm ?? "", `to-${i}`) : classSelect(classes, c.to_code ?? "", `to-${i}`);
      kind.addEventListener("change", () => {
        delete c.to_code;
        delete c.to_ghdlbm;
        if (kind.value === "yydh") c.to_ghdlbm = "";
        else c.to_code = "";
        markDirty();
        refresh();
      });
      const measure = el("input", { value: c.measure ?? "", maxlength: "200", "data-testid": `measure-${i}` }) as HTMLInputElement;
      const del = el("button", { type: "button", class: "btn link", "data-testid": `delete-${i}` }, t("delete"));
      const changed = () => {
        c.from_code = from.value;
        if (kind.value === "yydh") c.to_ghdlbm = to.value;
        else c.to_code = to.value;
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
      table.append(el("tr", { "data-change": String(i) }, el("td", {}, String(i + 1)), el("td", {}, from), el("td", { class: "target" }, kind, " ", to), el("td", {}, measure),
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
    const missing = plan.changes.findIndex((c) => !c.from_code || !(c.to_code || c.to_ghdlbm));
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
