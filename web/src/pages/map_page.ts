import { getProject } from "../api";
import { el } from "../dom";
import { fmtArea, t } from "../i18n";
import type { Ctx } from "../main";
import { bboxOf, createMap, projectAreas } from "../map";
import { link, stateBadge } from "./common";
import { findingsFC } from "./project";

export async function renderMapPage(main: HTMLElement, ctx: Ctx): Promise<() => void> {
  main.classList.add("full");
  const list = el("div", { class: "map-projects" }, el("h2", {}, t("layer_projects")));
  const mapBox = el("div", { class: "col-map tall" });
  main.append(el("h1", { class: "sr-only" }, t("map_title")), el("div", { class: "columns" }, el("div", { class: "col-narrow" }, list), mapBox));
  const gmap = createMap(mapBox);
  const projects = await Promise.all((await ctx.projects()).map((p) => getProject(p.id)));
  const areas = projectAreas(projects);
  gmap.setProjects(areas);
  // Findings of every project that has them, highlighted with the areas.
  const all = projects.map(findingsFC);
  gmap.setFindings({ type: "FeatureCollection", features: all.flatMap((x) => x.findings.features) },
    { type: "FeatureCollection", features: all.flatMap((x) => x.overlaps.features) });
  const wanted = Number(new URLSearchParams(location.search).get("project"));
  for (const p of projects) {
    const item = el("div", { class: "map-project", "data-code": p.code },
      link(`/projects/${encodeURIComponent(p.code)}`, `${p.code} ${p.name}`), " ", stateBadge(p.state),
      el("div", { class: "muted small" }, fmtArea(p.area_m2)));
    item.addEventListener("click", (e) => {
      if ((e.target as HTMLElement).closest("a")) return;
      const b = bboxOf(projectAreas([p]));
      if (b) gmap.map.fitBounds(b, { padding: 40, duration: 0 });
    });
    list.append(item);
  }
  await gmap.ready;
  const focus = projects.find((p) => p.id === wanted);
  const focusArea = focus ? projectAreas([focus]) : null;
  gmap.fit(focusArea ?? areas);
  if (focus && focusArea?.features.length) {
    // The project outlined; in 3D (?view=3d, from the project page) on the terrain when the
    // server has terrain tiles.
    gmap.highlight({ kind: "project", code: focus.code }, focusArea.features[0].geometry);
    if (new URLSearchParams(location.search).get("view") === "3d") {
      gmap.imagery()?.setTerrain(true);
      mapBox.dataset.view = gmap.map.getTerrain() ? "3d" : "2d";
    }
  }
  mapBox.dataset.ready = "1";
  return () => gmap.destroy();
}
