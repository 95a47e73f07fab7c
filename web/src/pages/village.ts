// The villager's phone view (360 px wide, large touch targets, small downloads: no map or chart
// library): the notices reaching their village, its projects, their comments and complaints with
// the replies, the assembly votes they are a representative in, and a link to their parcels.
//   /village               everything at a glance
//   /village/notices/ID    one notice
//   /village/projects/ID   a project's plan and progress, comment or complain (village_project.ts)
//   /village/votes/ID      vote (village_vote.ts)
import { api } from "../api";
import { el, u } from "../dom";
import { fmtArea, fmtTime, has, t, tData } from "../i18n";
import "../i18n_dash";
import "../i18n_part";
import { fmtDay } from "../i18n_notice";
import "../dash.css";
import type { Ctx } from "../main";
import { onLive } from "../live";
import { link, stateBadge } from "./common";

export interface Notice {
  id: number;
  region_code: string;
  title: string;
  body?: string;
  starts: string;
  ends: string;
  published_by: string;
}
// A project on public notice (GET /api/v1/notices project_notices).
export interface ProjectNoticeItem {
  project_id: number;
  code: string;
  name: string;
  region_code: string;
  starts: string;
  ends: string;
  open: boolean;
}
export interface FeedbackItem {
  id: number;
  project_id: number | null;
  category: string;
  body: string;
  status: string;
  created_at: string;
  due_at: string;
  overdue: boolean;
  reply: { text: string; by: string; at: string } | null;
}
export interface Vote {
  id: number;
  region_code: string;
  project_id: number | null;
  question: string;
  status: string;
  representatives: number;
  yes: number;
  no: number;
  abstain: number;
  passed: boolean | null;
  is_representative?: boolean;
  my_choice?: string | null;
}

// The villager's own parcels before and after reallocation (pages/parcels.ts).
export const PARCELS_PATH = "/parcels";

export function feedbackCard(f: FeedbackItem): HTMLElement {
  const cat = has("category_" + f.category) ? t("category_" + f.category) : f.category;
  return el("li", { class: "fb card", "data-feedback": String(f.id), "data-status": f.status },
    el("div", { class: "fb-head" }, el("span", { class: "badge cat-" + f.category }, cat), " ",
      el("span", { class: "badge fb-" + f.status }, has("status_" + f.status) ? t("status_" + f.status) : f.status),
      f.overdue ? el("span", { class: "badge warn" }, t("task_overdue")) : ""),
    el("p", { class: "fb-body", "data-user": "" }, f.body),
    f.reply
      ? el("div", { class: "fb-reply", "data-testid": "reply" }, el("strong", {}, tData("reply_from", { by: f.reply.by })), " ", u(f.reply.text),
        el("div", { class: "muted small" }, fmtTime(f.reply.at)))
      : f.due_at ? el("div", { class: "muted small" }, t("due_by", { t: fmtDay(f.due_at) })) : "");
}

export async function renderVillage(main: HTMLElement, ctx: Ctx): Promise<() => void> {
  main.classList.add("phone");
  const parts = location.pathname.split("/").filter(Boolean); // ["village", kind, id]
  const id = Number(parts[2]);
  if (parts[1] === "projects" && id > 0) return (await import("./village_project")).renderVillageProject(main, ctx, id);
  if (parts[1] === "votes" && id > 0) return (await import("./village_vote")).renderVillageVote(main, ctx, id);
  if (parts[1] === "surveys" && id > 0) return (await import("./village_part")).renderVillageSurvey(main, ctx, id);
  if (parts[1] === "notices" && id > 0) return renderNotice(main, id, ctx);
  if (parts[1] === "parcels") {
    history.replaceState(null, "", PARCELS_PATH);
    return (await import("./parcels")).renderParcels(main, ctx);
  }
  return renderVillageHome(main, ctx);
}

function back(): HTMLElement {
  return el("div", { class: "crumbs" }, link("/village", "← " + t("back_village"), { class: "touch-link" }));
}

async function renderNotice(main: HTMLElement, id: number, ctx: Ctx): Promise<() => void> {
  const n = await api<Notice>("GET", `/api/v1/notices/${id}`);
  main.append(back(), el("article", { class: "card notice", "data-testid": "notice", "data-notice": String(n.id) },
    el("h1", { "data-user": "" }, n.title), el("p", { class: "muted small" }, u(n.published_by), ` · ${t("pn_period", { from: fmtDay(n.starts), to: fmtDay(n.ends) })}`),
    ...String(n.body ?? "").split("\n").map((line) => el("p", { "data-user": "" }, line))));
  // A distribution plan's notice (公示) takes objections (benefit_notice.ts).
  await (await import("./benefit_notice")).mountPlanObjection(main, n.id, ctx.me.grants.some((g) => g.role === "villager"));
  return () => undefined;
}

async function renderVillageHome(main: HTMLElement, ctx: Ctx): Promise<() => void> {
  const [projects, regions, notices, votes, feedback] = await Promise.all([
    ctx.projects(),
    ctx.regions().catch(() => []),
    api<{ notices: Notice[]; project_notices: ProjectNoticeItem[] }>("GET", "/api/v1/notices").catch(() => ({ notices: [], project_notices: [] as ProjectNoticeItem[] })),
    api<{ votes: Vote[] }>("GET", "/api/v1/votes").then((r) => r.votes).catch(() => [] as Vote[]),
    api<{ feedback: FeedbackItem[] }>("GET", "/api/v1/feedback").then((r) => r.feedback).catch(() => [] as FeedbackItem[]),
  ]);
  const mine = ctx.me.grants.map((g) => g.region);
  const village = regions.find((r) => mine.includes(r.code));
  main.append(el("h1", { "data-testid": "village-title" }, t("village_title")),
    el("p", { class: "muted", "data-testid": "village-name" }, tData("village_of", { name: village ? village.name : mine.join(", ") })));

  // The votes waiting for this representative come first: they close.
  const open = votes.filter((v) => v.status === "open");
  const details = await Promise.all(open.map((v) => api<Vote>("GET", `/api/v1/votes/${v.id}`).catch(() => v)));
  // Every open vote of the village: a representative votes, the others follow it (village_part.ts).
  const mineToVote = details;
  const votesSec = el("section", { class: "vsec", "data-testid": "village-votes" }, el("h2", {}, t("village_votes")));
  if (!mineToVote.length) votesSec.append(el("p", { class: "empty" }, t("village_no_votes")));
  for (const v of mineToVote)
    votesSec.append(el("a", { class: "card touch", href: `/village/votes/${v.id}`, "data-route": "", "data-vote": String(v.id) },
      el("div", { class: "card-title", "data-user": "" }, v.question),
      el("div", { class: "muted" }, v.my_choice ? t("vote_cast", { c: t("vote_" + v.my_choice) }) : (v.is_representative ? t("vote_go") : t("vote_watch")) + " →")));

  const noticeOpen = new Set(notices.project_notices.filter((n) => n.open).map((n) => n.project_id));
  const noticesSec = el("section", { class: "vsec", "data-testid": "village-notices" }, el("h2", {}, t("village_notices")));
  if (!notices.notices.length && !notices.project_notices.length) noticesSec.append(el("p", { class: "empty" }, t("village_no_notices")));
  // The projects on public notice first: their notice is on the project's page.
  for (const n of notices.project_notices)
    noticesSec.append(el("a", { class: "card touch", href: `/village/projects/${n.project_id}`, "data-route": "", "data-project-notice": String(n.project_id) },
      el("div", {}, el("span", { class: "badge state-public_notice" }, t("pn_badge")), n.open ? el("span", { class: "ok small" }, " " + t("notice_open")) : ""),
      el("div", { class: "card-title", "data-user": "" }, n.name),
      el("div", { class: "muted small" }, t("pn_period", { from: fmtDay(n.starts), to: fmtDay(n.ends) }))));
  for (const n of notices.notices)
    noticesSec.append(el("a", { class: "card touch", href: `/village/notices/${n.id}`, "data-route": "", "data-notice": String(n.id) },
      el("div", { class: "card-title", "data-user": "" }, n.title), el("div", { class: "muted small" }, t("pn_period", { from: fmtDay(n.starts), to: fmtDay(n.ends) }))));

  const list = el("div", { class: "cards", "data-testid": "village-projects" });
  if (!projects.length) list.append(el("p", { class: "empty card" }, t("village_empty")));
  for (const p of projects)
    list.append(el("a", { class: "card touch", href: `/village/projects/${p.id}`, "data-route": "", "data-code": p.code },
      el("div", { class: "card-title", "data-user": "" }, p.name), el("div", {}, u(p.code), " ", stateBadge(p.state)),
      noticeOpen.has(p.id) ? el("div", { class: "ok small" }, t("notice_open")) : "",
      el("div", { class: "muted" }, fmtArea(p.area_m2)), el("div", { class: "cta" }, t("project_plan") + " · " + t("project_progress") + " →")));

  const fbSec = el("section", { class: "vsec", "data-testid": "village-feedback" }, el("h2", {}, t("village_my_feedback")));
  const fbList = el("ul", { class: "fb-list" });
  if (!feedback.length) fbSec.append(el("p", { class: "empty" }, t("village_no_feedback")));
  for (const f of [...feedback].reverse()) fbList.append(feedbackCard(f));
  fbSec.append(fbList);

  // A link to the villager's own parcels (pages/parcels.ts).
  const parcels = el("a", { class: "card touch slot", href: PARCELS_PATH, "data-route": "", "data-slot": "parcels", "data-testid": "village-parcels" },
    el("div", { class: "card-title" }, t("village_parcels")), el("div", { class: "muted" }, t("village_parcels_hint") + " →"));

  const surveysSec = await (await import("./village_part")).villageSurveys();
  main.append(votesSec, surveysSec, noticesSec, el("section", { class: "vsec" }, el("h2", {}, t("village_projects")), list), fbSec, parcels);
  // Live: a reply, a new notice or vote redraws the page without a reload (the server sends each
  // user only the events of their grants).
  let stop = onLive(() => {
    stop();
    const scroll = window.scrollY;
    main.replaceChildren();
    void renderVillageHome(main, ctx).then((next) => {
      stop = next;
      window.scrollTo(0, scroll);
    });
  }, (e) => VILLAGE_KINDS.has(e.kind));
  return () => stop();
}

const VILLAGE_KINDS = new Set(["feedback.answered", "feedback.escalated", "notice.published", "notice.replied",
  "vote.opened", "vote.closed", "survey.opened", "project.transition"]);
