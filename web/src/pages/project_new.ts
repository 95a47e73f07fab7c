// 新建项目: a project from its area drawn on the map (Terra Draw) or uploaded as a GeoJSON file
// (checked by the server: POST /api/v1/plans/from-geojson, its error shown as it is), with its
// name, type and region; created as a draft (POST /api/v1/projects), then its page opens where
// the planned changes are attached, the compliance check is run and the project is submitted.
import { ApiFailure, getProject, regionContains, type Region } from "../api";
import { el } from "../dom";
import { fmtArea, has, t, typeName } from "../i18n";
import type { Ctx } from "../main";
import { createMap, projectAreas, sphericalArea, type GongzhiMap } from "../map";
import { APPLICANT_ROLES, createProject, planFromGeojson, projectTypes, type Plan } from "../project_api";
import { link } from "./common";
import { addPlanLayers, setPlanLayers } from "./project_plan";

function regionLabel(r: Region): string {
  return `${r.name}（${has("level_" + r.level) ? t("level_" + r.level) : r.level}）${r.code}`;
}

export async function renderProjectNew(main: HTMLElement, ctx: Ctx): Promise<() => void> {
  const grants = ctx.me.grants.filter((g) => APPLICANT_ROLES.includes(g.role));
  main.append(el("div", { class: "crumbs" }, link("/home", "← " + t("back"))), el("h1", {}, t("new_project")));
  if (!grants.length) {
    main.append(el("p", { class: "error", role: "alert", "data-testid": "new-error" }, t("new_project_not_applicant")));
    return () => undefined;
  }
  const [types, regions] = await Promise.all([projectTypes(), ctx.regions().catch(() => [] as Region[])]);
  const mine = regions.filter((r) => grants.some((g) => regionContains(g.region, r.code)));
  const levelOrder: Record<string, number> = { province: 0, city: 1, county: 2, township: 3, village: 4 };
  mine.sort((a, b) => (levelOrder[a.level] ?? 9) - (levelOrder[b.level] ?? 9) || a.code.localeCompare(b.code));

  const name = el("input", { "data-testid": "new-name", maxlength: "200", required: "" }) as HTMLInputElement;
  // No type is preselected: the applicant chooses one.
  const type = el("select", { "data-testid": "new-type", "aria-required": "true" }, el("option", { value: "", disabled: "", selected: "" }, t("type_required")),
    ...types.map((x) => el("option", { value: x }, typeName(x)))) as HTMLSelectElement;
  const region = el("select", { "data-testid": "new-region" },
    ...(mine.length ? mine.map((r) => el("option", { value: r.code, "data-user": "" }, regionLabel(r))) : grants.map((g) => el("option", { value: g.region }, g.region)))) as HTMLSelectElement;
  // A township's or village's own region first: the usual applicant.
  const own = mine.find((r) => r.level === "township" || r.level === "village");
  if (own && grants.every((g) => g.role !== "lead_department")) region.value = own.code;

  const drawBtn = el("button", { type: "button", class: "btn", "data-testid": "draw-area" }, t("draw_area"));
  const file = el("input", { type: "file", accept: ".geojson,.json,application/geo+json,application/json", "data-testid": "upload-geojson" }) as HTMLInputElement;
  const status = el("div", { class: "muted", "data-testid": "area-status" }, t("area_none"));
  const error = el("div", { class: "msg error", role: "alert", "data-testid": "new-error" });
  const create = el("button", { type: "submit", class: "btn primary big", "data-testid": "create-project", disabled: "" }, t("create_project"));
  const form = el("form", { class: "card new-project" },
    el("label", {}, t("col_name"), name),
    el("label", {}, t("col_type"), type),
    el("label", {}, t("col_region"), region),
    el("h3", {}, t("project_area")),
    el("p", { class: "hint" }, t("area_hint")),
    el("div", { class: "buttons" }, drawBtn, el("label", { class: "btn secondary upload" }, t("upload_geojson"), file)),
    status, error, create);
  const mapBox = el("div", { class: "col-map" });
  main.append(el("div", { class: "columns" }, el("div", { class: "col-main" }, form), mapBox));

  let plan: Plan | null = null;
  const gmap: GongzhiMap = createMap(mapBox);
  await gmap.ready;
  addPlanLayers(gmap.map);
  const { createDrawTool } = await import("../draw");
  const tool = createDrawTool(gmap.map);
  // The projects around, for orientation; the map fits to them.
  try {
    const visible = (await ctx.projects()).slice(0, 30);
    const full = await Promise.all(visible.map((p) => getProject(p.id)));
    const areas = projectAreas(full);
    gmap.setProjects(areas);
    gmap.fit(areas);
  } catch {
    /* the map without context */
  }
  mapBox.dataset.ready = "1";

  const showPlan = (p: Plan | null, areaText: string) => {
    plan = p;
    setPlanLayers(gmap.map, p);
    if (p) gmap.fit({ type: "FeatureCollection", features: [{ type: "Feature", properties: {}, geometry: p.area }] });
    status.textContent = areaText;
    status.dataset.hasArea = p ? "1" : "";
    if (p) create.removeAttribute("disabled");
    else create.setAttribute("disabled", "");
  };

  drawBtn.addEventListener("click", async () => {
    error.textContent = "";
    if (tool.drawing()) return tool.cancel();
    drawBtn.textContent = t("draw_cancel");
    status.textContent = t("draw_hint");
    const poly = await tool.polygon();
    drawBtn.textContent = t("draw_area");
    if (!poly) return showPlan(plan, plan ? status.textContent ?? "" : t("area_none"));
    const a = sphericalArea(poly.coordinates[0].slice(0, -1) as [number, number][]);
    showPlan({ area: poly, changes: [] }, `${t("area_drawn")}: ≈ ${fmtArea(a)}`);
  });

  let uploads = 0; // answered uploads, on the status line for tests: data-uploads
  file.addEventListener("change", async () => {
    error.textContent = "";
    const f = file.files?.[0];
    if (!f) return;
    status.textContent = t("loading");
    try {
      const up = await planFromGeojson(await f.text());
      showPlan(up.plan, `${t("area_uploaded", { name: f.name, n: up.changes })}: ${fmtArea(up.area_m2)}`);
    } catch (e) {
      showPlan(null, t("area_none"));
      error.textContent = `${t("upload_refused")}: ${e instanceof ApiFailure ? e.text() : String(e)}`;
    }
    file.value = "";
    status.dataset.uploads = String(++uploads);
  });

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    if (!plan) return void (error.textContent = t("area_none"));
    if (!name.value.trim()) return void (error.textContent = t("name_required"));
    if (!type.value) return void (error.textContent = t("type_required"));
    create.setAttribute("disabled", "");
    try {
      const p = await createProject({ name: name.value.trim(), type: type.value, region_code: region.value, plan });
      ctx.go(`/projects/${encodeURIComponent(p.code)}`);
    } catch (err) {
      error.textContent = `${t("action_refused")}: ${err instanceof ApiFailure ? err.text() : String(err)}`;
      create.removeAttribute("disabled");
    }
  });

  return () => {
    tool.destroy();
    gmap.destroy();
  };
}
