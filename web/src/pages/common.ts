import { getProject, owedReviews, type Project, type Review } from "../api";
import { el } from "../dom";
import { fmtArea, has, lang, t } from "../i18n";
import type { Ctx } from "../main";

export function stateBadge(state: string): HTMLElement {
  return el("span", { class: "badge state-" + state, "data-state": state }, has("state_" + state) ? t("state_" + state) : state);
}

export function link(href: string, text: string, attrs: Record<string, string> = {}): HTMLElement {
  return el("a", { href, "data-route": "", ...attrs }, text);
}

export function projectTable(projects: Project[]): HTMLElement {
  if (projects.length === 0) return el("p", { class: "empty" }, t("no_projects"));
  const table = el("table", { class: "grid", "data-testid": "project-list" },
    el("thead", {}, el("tr", {}, ...["col_code", "col_name", "col_type", "col_state", "col_area"].map((k) => el("th", {}, t(k))))));
  const body = el("tbody");
  for (const p of projects)
    body.append(el("tr", { "data-code": p.code },
      el("td", {}, link(`/projects/${encodeURIComponent(p.code)}`, p.code)),
      el("td", {}, p.name), el("td", {}, p.type), el("td", {}, stateBadge(p.state)),
      el("td", { class: "num" }, fmtArea(p.area_m2))));
  table.append(body);
  return table;
}

// The projects under joint review where the user's department still owes its review.
export async function owedByMe(ctx: Ctx): Promise<{ project: Project; reviews: Review[] }[]> {
  const list = (await ctx.projects()).filter((p) => p.state === "joint_review");
  const full = await Promise.all(list.map((p) => getProject(p.id)));
  return full.map((p) => ({ project: p, reviews: owedReviews(ctx.me, p) })).filter((x) => x.reviews.length > 0);
}

export function roleNames(ctx: Ctx): string {
  return ctx.me.grants.map((g) => t("role_" + g.role) + (g.department ? " · " + g.department : "")).join("，");
}

export function findingName(f: { name_zh: string; name_en: string; rule: string }) {
  return (lang() === "zh" ? f.name_zh : f.name_en) || f.rule;
}
