// Live updates of the pages that list projects and tasks: the home page's task list and project
// table follow the event stream (live.ts) without a reload — a review requested of the user's
// department appears as a new task, a project's state badge changes when it moves on.
import "../live.css";
import { getProject, listProjects, owedReviews, type Project } from "../api";
import { el } from "../dom";
import { t, tData } from "../i18n";
import type { Ctx } from "../main";
import { onLive, type LiveEvent } from "../live";
import { link, stateBadge } from "./common";

const PROJECT_KINDS = new Set(["project.created", "project.transition", "review.requested", "review.given", "obligation.fulfilled",
  "disbursement.requested", "disbursement.approved", "disbursement.refused", "feedback.submitted", "feedback.answered", "feedback.escalated"]);

async function owedNow(ctx: Ctx, projects: Project[]) {
  const list = projects.filter((p) => p.state === "joint_review");
  const full = await Promise.all(list.map((p) => getProject(p.id)));
  return full.map((p) => ({ project: p, reviews: owedReviews(ctx.me, p) })).filter((x) => x.reviews.length > 0);
}

// The home page's task list rebuilt from the projects as they are now; new tasks are marked.
async function refreshHome(main: HTMLElement, ctx: Ctx, events: LiveEvent[]) {
  const projects = await listProjects();
  const tasks = main.querySelector('[data-testid="tasks"]');
  if (tasks) {
    const before = new Set([...tasks.querySelectorAll<HTMLElement>(".task[data-key]")].map((x) => x.dataset.key));
    const owed = await owedNow(ctx, projects);
    const rows: HTMLElement[] = [];
    for (const { project, reviews } of owed)
      for (const r of reviews) {
        const key = `review:${project.id}:${r.round}:${r.department}`;
        rows.push(el("div", { class: "task" + (before.has(key) ? "" : " fresh"), "data-key": key, "data-code": project.code },
          tData("review_owed", { dept: r.department }), " · ", link(`/inbox?project=${project.id}`, `${project.code} ${project.name}`),
          before.has(key) ? "" : el("span", { class: "badge new" }, t("live_new"))));
      }
    // Payments to approve and feedback to answer (home_tasks.ts): a row already shown is kept as
    // it is (a reply being typed survives), a new one is marked new, a settled one goes.
    const more = el("div", {});
    await (await import("./home_tasks")).addTasks(more, ctx);
    for (const row of [...more.children] as HTMLElement[]) {
      const key = row.dataset.key ?? "";
      const shown = key ? tasks.querySelector<HTMLElement>(`.task[data-key="${CSS.escape(key)}"]`) : null;
      if (shown) rows.push(shown);
      else {
        row.classList.add("fresh");
        row.append(el("span", { class: "badge new" }, t("live_new")));
        rows.push(row);
      }
    }
    // Rows settled on this page stay until the next visit, with their result.
    for (const row of tasks.querySelectorAll<HTMLElement>('.task[data-done="1"]')) if (!rows.includes(row)) rows.push(row);
    const title = tasks.querySelector("h2");
    tasks.replaceChildren(...(title ? [title] : []), ...(rows.length ? rows : [el("p", { class: "empty" }, t("no_tasks"))]));
  }
  // The project table: states as they are now, new projects added at the end.
  const body = main.querySelector('[data-testid="project-list"] tbody');
  if (body)
    for (const p of projects) {
      const row = body.querySelector<HTMLElement>(`tr[data-code="${CSS.escape(p.code)}"]`);
      if (row) {
        const badge = row.querySelector(".badge[data-state]");
        if (badge && badge.getAttribute("data-state") !== p.state) badge.replaceWith(stateBadge(p.state));
      } else if (events.some((e) => e.project_id === p.id)) {
        body.append(el("tr", { "data-code": p.code, class: "fresh" },
          el("td", {}, link(`/projects/${encodeURIComponent(p.code)}`, p.code)), el("td", {}, p.name), el("td", {}, p.type),
          el("td", {}, stateBadge(p.state)), el("td", { class: "num" }, "")));
      }
    }
}

// Called by main.ts after the home page is drawn; returns the unsubscribe function.
export function watchHome(main: HTMLElement, ctx: Ctx): () => void {
  // Mark the tasks drawn by the home page with their keys, so new ones can be told apart.
  void (async () => {
    const owed = await owedNow(ctx, await ctx.projects());
    const items = [...main.querySelectorAll<HTMLElement>('[data-testid="tasks"] .task')];
    let i = 0;
    for (const { project, reviews } of owed)
      for (const r of reviews) {
        const x = items[i++];
        if (x) (x.dataset.key = `review:${project.id}:${r.round}:${r.department}`), (x.dataset.code = project.code);
      }
  })().catch(() => undefined);
  return onLive((events) => refreshHome(main, ctx, events), (e) => PROJECT_KINDS.has(e.kind));
}
