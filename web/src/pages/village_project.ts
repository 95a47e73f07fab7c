// One project on the villager's phone: its plan drawn as a small SVG map (the project area, the
// planned changes in the survey's class colours, the places progress was reported from) with no
// map library to download, the works' progress by milestone, and two forms: a comment (on the
// public notice while it runs, else as a suggestion) and a complaint; then the replies.
import { ApiFailure, api, getProject, landUseClasses, planningClasses, type Project } from "../api";
import { el, u } from "../dom";
import { fmtArea, lang, t, tData } from "../i18n";
import type { Ctx } from "../main";
import { link, stateBadge } from "./common";
import { feedbackCard, type FeedbackItem, type ProjectNoticeItem } from "./village";
import { fmtDay } from "../i18n_notice";
import { M2_PER_MU, nf } from "../units";

const SVG = "http://www.w3.org/2000/svg";
type Pos = number[];

function svgEl(tag: string, attrs: Record<string, string>): SVGElement {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

function rings(g: any): Pos[][] {
  if (!g) return [];
  if (g.type === "Polygon") return g.coordinates;
  if (g.type === "MultiPolygon") return g.coordinates.flat();
  return [];
}

// The plan on a local equirectangular projection (cos latitude): good to a few metres over a
// project of a few kilometres, which is all a sketch needs.
export function planSvg(p: Project, colors: Map<string, string>, points: { lon: number; lat: number }[]): SVGElement {
  const area = rings(p.plan?.area);
  // A 用地用海 target is keyed "yydh:<code>" (the codes overlap the 三调 ones).
  const changes = (p.plan?.changes ?? []).map((c: any) => ({ rings: rings(c.geometry), to: c.to_ghdlbm ? `yydh:${c.to_ghdlbm}` : String(c.to_code ?? "") }));
  const all = [...area.flat(), ...changes.flatMap((c) => c.rings.flat()), ...points.map((q) => [q.lon, q.lat])];
  const svg = svgEl("svg", { class: "plan-svg", viewBox: "0 0 320 240", role: "img", "aria-label": t("project_plan"), "data-testid": "plan-svg" });
  if (!all.length) return svg;
  const minx = Math.min(...all.map((c) => c[0])), maxx = Math.max(...all.map((c) => c[0]));
  const miny = Math.min(...all.map((c) => c[1])), maxy = Math.max(...all.map((c) => c[1]));
  const k = Math.cos(((miny + maxy) / 2) * (Math.PI / 180));
  const w = Math.max((maxx - minx) * k, 1e-9), h = Math.max(maxy - miny, 1e-9);
  const s = Math.min(300 / w, 220 / h);
  const ox = 10 + (300 - w * s) / 2, oy = 10 + (220 - h * s) / 2;
  const xy = (c: Pos) => `${(ox + (c[0] - minx) * k * s).toFixed(1)},${(oy + (maxy - c[1]) * s).toFixed(1)}`;
  const path = (rs: Pos[][]) => rs.map((r) => "M" + r.map(xy).join("L") + "Z").join("");
  svg.append(svgEl("path", { d: path(area), class: "plan-area", "fill-rule": "evenodd" }));
  for (const c of changes)
    svg.append(svgEl("path", { d: path(c.rings), class: "plan-change", fill: colors.get(c.to) ?? "#9ccc65", "data-to": c.to, "fill-rule": "evenodd" }));
  for (const q of points) {
    const [x, y] = xy([q.lon, q.lat]).split(",");
    svg.append(svgEl("circle", { cx: x, cy: y, r: "5", class: "plan-point" }));
  }
  return svg;
}

export async function renderVillageProject(main: HTMLElement, ctx: Ctx, id: number): Promise<() => void> {
  const [p, milestones, reports, notice, classes] = await Promise.all([
    getProject(id),
    api<{ milestones: { id: number; name: string; percent: number; planned_date: string; actual_date: string | null }[]; overall_percent: number }>(
      "GET", `/api/v1/projects/${id}/milestones`).catch(() => ({ milestones: [], overall_percent: 0 })),
    api<{ reports: { points: { lon: number; lat: number }[] }[] }>("GET", `/api/v1/projects/${id}/reports`).then((r) => r.reports).catch(() => []),
    api<ProjectNoticeItem>("GET", `/api/v1/projects/${id}/notice`).catch(() => null),
    landUseClasses().catch(() => []),
  ]);
  const colors = new Map(classes.map((c) => [c.code, c.color]));
  const names = new Map(classes.map((c) => [c.code, lang() === "zh" ? c.name_zh : c.name_en]));
  for (const k of await planningClasses().catch(() => [])) {
    names.set(`yydh:${k.code}`, (lang() === "zh" ? k.name_zh : k.name_en) + t("yydh_tag"));
    const color = colors.get(k.survey_code);
    if (color) colors.set(`yydh:${k.code}`, color);
  }
  const points = reports.flatMap((r) => r.points);

  main.append(el("div", { class: "crumbs" }, link("/village", "← " + t("back_village"), { class: "touch-link" })),
    el("h1", { "data-testid": "vp-title", "data-code": p.code, "data-user": "" }, p.name),
    el("p", {}, u(p.code), " ", stateBadge(p.state)), el("p", { class: "muted small" }, fmtArea(p.area_m2)));

  // The public notice: its period, its text and the planned changes in words (the sketch below
  // draws them).
  const targets: string[] = [];
  for (const c of p.plan?.changes ?? []) {
    const to = (c as any).to_ghdlbm ? `yydh:${(c as any).to_ghdlbm}` : String((c as any).to_code ?? "");
    const name = names.get(to) ?? "";
    if (name && !targets.includes(name)) targets.push(name);
  }
  if (notice) {
    const regions = await ctx.regions().catch(() => []);
    const village = regions.find((r) => r.code === p.region_code)?.name ?? t("pn_this_village");
    main.append(el("section", { class: "card notice", "data-testid": "vp-notice", "data-open": notice.open ? "1" : "0" },
      el("h2", {}, t("pn_title")),
      el("p", { class: notice.open ? "ok" : "muted", "data-testid": "vp-notice-period" },
        t("pn_period", { from: fmtDay(notice.starts), to: fmtDay(notice.ends) }), notice.open ? "" : ` · ${t("pn_closed")}`),
      el("p", { "data-testid": "vp-notice-text" }, tData("pn_text", { village, name: p.name, code: p.code, mu: nf(p.area_m2 / M2_PER_MU, 1) })),
      el("h3", {}, t("pn_changes")),
      targets.length ? el("ul", { "data-testid": "vp-notice-changes" }, ...targets.map((n) => el("li", {}, t("pn_change_to", { cls: n }))))
        : el("p", { class: "muted" }, t("pn_no_changes"))));
  }

  // The plan.
  const legend = el("ul", { class: "plan-legend" }, el("li", {}, el("span", { class: "swatch plan-area-swatch" }), t("plan_legend_area")));
  const seen = new Set<string>();
  for (const c of p.plan?.changes ?? []) {
    const to = (c as any).to_ghdlbm ? `yydh:${(c as any).to_ghdlbm}` : String((c as any).to_code ?? "");
    if (seen.has(to)) continue;
    seen.add(to);
    legend.append(el("li", {}, el("span", { class: "swatch", style: `background:${colors.get(to) ?? "#9ccc65"}` }), t("plan_legend_change", { cls: names.get(to) ?? to })));
  }
  if (points.length) legend.append(el("li", {}, el("span", { class: "swatch plan-point-swatch" }), t("plan_legend_point")));
  main.append(el("section", { class: "card", "data-testid": "vp-plan" }, el("h2", {}, t("project_plan")), planSvg(p, colors, points), legend,
    link(`/map?project=${p.id}`, t("open_full_map"), { class: "touch-link small" })));

  // Progress.
  const prog = el("section", { class: "card", "data-testid": "vp-progress", "data-percent": String(Math.round(milestones.overall_percent)) },
    el("h2", {}, t("project_progress")));
  if (!milestones.milestones.length) prog.append(el("p", { class: "empty" }, t("no_milestones")));
  else {
    prog.append(el("p", {}, t("progress_overall", { p: Math.round(milestones.overall_percent) })));
    for (const m of milestones.milestones)
      prog.append(el("div", { class: "ms" }, el("div", { class: "ms-name" }, u(m.name), ` · ${m.percent}%`),
        el("div", { class: "bar" }, el("div", { class: "bar-fill", style: `width:${Math.max(0, Math.min(100, m.percent))}%` }))));
  }
  main.append(prog);

  // Comment and complain, then what the villager sent about this project with the replies.
  const mine = el("ul", { class: "fb-list", "data-testid": "vp-feedback" });
  const refresh = async () => {
    const [fb, comments] = await Promise.all([
      api<{ feedback: FeedbackItem[] }>("GET", `/api/v1/feedback?project_id=${id}`).then((r) => r.feedback).catch(() => []),
      notice ? api<{ comments: { id: number; body: string; created_at: string; reply: { text: string; by: string; at: string } | null }[] }>(
        "GET", `/api/v1/projects/${id}/comments`).then((r) => r.comments).catch(() => []) : Promise.resolve([]),
    ]);
    mine.replaceChildren();
    for (const c of comments)
      mine.append(feedbackCard({ id: -c.id, project_id: id, category: "suggestion", body: c.body, status: c.reply ? "answered" : "open",
        created_at: c.created_at, due_at: "", overdue: false, reply: c.reply }));
    for (const f of [...fb].reverse()) mine.append(feedbackCard(f));
  };
  // An explicit objection (异议) with its reason: villager feedback of its own kind, answered by
  // the village or township by its deadline and blocking the works until then.
  const objection = () => {
    const text = el("textarea", { rows: "3", maxlength: "4000", placeholder: t("obj_placeholder"), "data-testid": "objection-text" }) as HTMLTextAreaElement;
    const msg = el("div", { class: "msg", role: "status", "data-testid": "objection-message" });
    const btn = el("button", { class: "btn primary big", type: "submit", "data-testid": "objection-send" }, t("obj_send"));
    const f = el("form", { class: "card vp-form", "data-testid": "objection-form" }, el("h2", {}, t("obj_title")), el("p", { class: "small muted" }, t("obj_hint")), text, btn, msg);
    f.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!text.value.trim()) return text.focus();
      btn.setAttribute("disabled", "");
      try {
        await api("POST", "/api/v1/feedback", { project_id: id, category: "objection", body: text.value.trim() });
        text.value = "";
        msg.className = "msg ok";
        msg.textContent = t("obj_sent");
        await refresh();
      } catch (err) {
        msg.className = "msg error";
        msg.textContent = `${t("action_refused")}: ${err instanceof ApiFailure ? err.text() : String(err)}`;
      } finally {
        btn.removeAttribute("disabled");
      }
    });
    return f;
  };
  const form = (kind: "comment" | "complaint") => {
    const text = el("textarea", { rows: "3", maxlength: "4000", placeholder: t(kind === "comment" ? "comment_placeholder" : "complaint_placeholder"),
      "data-testid": kind + "-text" }) as HTMLTextAreaElement;
    const msg = el("div", { class: "msg", role: "status", "data-testid": kind + "-message" });
    const btn = el("button", { class: "btn primary big", type: "submit", "data-testid": kind + "-send" }, t(kind === "comment" ? "send_comment" : "send_complaint"));
    const f = el("form", { class: "card vp-form", "data-testid": kind + "-form" }, el("h2", {}, t(kind === "comment" ? "write_comment" : "write_complaint")),
      kind === "comment" && notice?.open ? el("p", { class: "ok small" }, t("notice_open")) : "", text, btn, msg);
    f.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!text.value.trim()) return text.focus();
      btn.setAttribute("disabled", "");
      try {
        if (kind === "comment" && notice?.open) await api("POST", `/api/v1/projects/${id}/comments`, { body: text.value.trim() });
        else await api("POST", "/api/v1/feedback", { project_id: id, category: kind === "comment" ? "suggestion" : "complaint", body: text.value.trim() });
        text.value = "";
        msg.className = "msg ok";
        msg.textContent = t("sent");
        await refresh();
      } catch (err) {
        msg.className = "msg error";
        msg.textContent = `${t("action_refused")}: ${err instanceof ApiFailure ? err.text() : String(err)}`;
      } finally {
        btn.removeAttribute("disabled");
      }
    });
    return f;
  };
  main.append(form("comment"), objection(), form("complaint"), el("section", { class: "vsec" }, el("h2", {}, t("village_my_feedback")), mine));
  await refresh();
  void ctx;
  return () => undefined;
}
