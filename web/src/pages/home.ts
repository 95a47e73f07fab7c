import { el, u } from "../dom";
import { t, tData } from "../i18n";
import type { Ctx } from "../main";
import { link, owedByMe, roleNames } from "./common";
import { projectLibrary } from "./project_library";

export async function renderHome(main: HTMLElement, ctx: Ctx) {
  main.append(el("h1", {}, t("home_title")), el("p", { class: "muted", "data-testid": "roles" }, roleNames(ctx)));
  const [projects, regions, owed] = await Promise.all([ctx.projects(), ctx.regions().catch(() => []), owedByMe(ctx)]);

  const tasks = el("section", { class: "card", "data-testid": "tasks" }, el("h2", {}, t("my_tasks")));
  if (owed.length === 0) tasks.append(el("p", { class: "empty" }, t("no_tasks")));
  for (const { project, reviews } of owed)
    for (const r of reviews)
      tasks.append(el("div", { class: "task" }, tData("review_owed", { dept: r.department }), " · ",
        link(`/inbox?project=${project.id}`, `${project.code} ${project.name}`)));

  // Payments to approve and feedback to answer (home_tasks.ts).
  const more = await (await import("./home_tasks")).addTasks(tasks, ctx);
  if (more > 0) tasks.querySelector(":scope > p.empty")?.remove();

  const chartBox = el("div", { class: "chart", "data-testid": "state-chart" });
  const dash = el("section", { class: "card" }, el("h2", {}, t("projects_by_state")), chartBox,
    ctx.roles.has("villager") && ctx.roles.size === 1 || ctx.roles.has("investor") && ctx.roles.size === 1 ? "" : link("/dashboard", t("open_dashboard") + " →", { "data-testid": "open-dashboard" }));
  // The region tree folded (it ran down the whole page).
  const regionList = el("details", { class: "card" }, el("summary", {}, el("strong", {}, t("regions"))),
    el("ul", { class: "regions", "data-testid": "regions" }, ...regions.slice(0, 60).map((r) => el("li", { class: "lvl-" + r.level }, u(r.name), " ", el("small", { "data-user": "" }, r.code)))));

  main.append(el("div", { class: "columns" },
    el("div", { class: "col-main" }, tasks, el("section", { class: "card" }, el("h2", {}, t("my_projects")), projects.length ? projectLibrary(projects, regions) : el("p", { class: "empty" }, t("no_projects")))),
    el("div", { class: "col-side" }, dash, regionList)));

  // Projects by state (ECharts, loaded on demand).
  const counts = new Map<string, number>();
  for (const p of projects) counts.set(p.state, (counts.get(p.state) ?? 0) + 1);
  if (counts.size > 0) {
    const { drawStateChart } = await import("../charts");
    drawStateChart(chartBox, [...counts.entries()].map(([s, n]) => ({ name: t("state_" + s), value: n })));
  }
}
