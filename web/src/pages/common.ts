import { getProject, owedReviews, type Project, type Review } from "../api";
import { el, u } from "../dom";
import { fmtArea, has, lang, t, typeName } from "../i18n";
import type { Ctx } from "../main";

export function stateBadge(state: string): HTMLElement {
  return el("span", { class: "badge state-" + state, "data-state": state }, has("state_" + state) ? t("state_" + state) : state);
}

// A link within the app. One to a project, an order or a project's review shows the object's code
// and name: data (data-user).
export function link(href: string, text: string, attrs: Record<string, string> = {}): HTMLElement {
  const data: Record<string, string> = /^\/(projects\/(?!new)|orders\/\d|inbox\?project=)/.test(href) ? { "data-user": "" } : {};
  return el("a", { href, "data-route": "", ...data, ...attrs }, text);
}

export function projectTable(projects: Project[]): HTMLElement {
  if (projects.length === 0) return el("p", { class: "empty" }, t("no_projects"));
  const table = el("table", { class: "grid", "data-testid": "project-list" },
    el("thead", {}, el("tr", {}, ...["col_code", "col_name", "col_type", "col_state", "col_area"].map((k) => el("th", {}, t(k))))));
  const body = el("tbody");
  for (const p of projects)
    body.append(el("tr", { "data-code": p.code },
      el("td", {}, link(`/projects/${encodeURIComponent(p.code)}`, p.code)),
      el("td", { "data-user": "" }, p.name), el("td", {}, typeName(p.type)), el("td", {}, stateBadge(p.state)),
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

// The user's roles, each with its department (data: the department's own name).
export function roleNames(ctx: Ctx): DocumentFragment {
  const out = document.createDocumentFragment();
  ctx.me.grants.forEach((g, i) => out.append(i ? (lang() === "zh" ? "，" : ", ") : "", t("role_" + g.role), g.department ? " · " : "", g.department ? u(g.department) : ""));
  return out;
}

export function findingName(f: { name_zh: string; name_en: string; rule: string }) {
  return (lang() === "zh" ? f.name_zh : f.name_en) || f.rule;
}
