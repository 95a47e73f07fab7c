// The villagers' objections, complaints and other feedback about a project on the officials'
// project page, each with its deadline and whether it is overdue (GET /api/v1/feedback?project_id=).
import { api, type Project } from "../api";
import { el } from "../dom";
import { has, t } from "../i18n";
import { fmtDay } from "../i18n_notice";
import type { FeedbackItem } from "./village";

export async function feedbackSection(p: Project): Promise<HTMLElement> {
  const sec = el("section", { class: "card", "data-testid": "project-feedback", id: "sec-feedback" }, el("h2", {}, t("pf_title")));
  const items = await api<{ feedback: FeedbackItem[] }>("GET", `/api/v1/feedback?project_id=${p.id}`).then((r) => r.feedback).catch(() => [] as FeedbackItem[]);
  if (!items.length) {
    sec.append(el("p", { class: "empty" }, t("pf_none")));
    return sec;
  }
  const open = items.filter((f) => f.status === "open" || f.status === "escalated").length;
  if (open) sec.append(el("p", { class: "warn", "data-testid": "project-feedback-open" }, t("pf_open_count", { n: open })));
  const table = el("table", { class: "grid" },
    el("thead", {}, el("tr", {}, ...["pf_category", "pf_body", "pf_status", "pf_due", "pf_reply"].map((k) => el("th", {}, t(k))))));
  const body = el("tbody");
  for (const f of [...items].reverse())
    body.append(el("tr", { "data-feedback": String(f.id), "data-category": f.category, "data-status": f.status },
      el("td", {}, el("span", { class: "badge cat-" + f.category }, has("category_" + f.category) ? t("category_" + f.category) : f.category)),
      el("td", { "data-user": "" }, f.body),
      el("td", {}, has("status_" + f.status) ? t("status_" + f.status) : f.status),
      el("td", { class: "nowrap" }, fmtDay(f.due_at), f.overdue ? el("span", { class: "badge warn" }, " " + t("pf_overdue")) : ""),
      el("td", { "data-user": "" }, f.reply ? f.reply.text : "")));
  table.append(body);
  sec.append(el("div", { class: "table-scroll" }, table));
  return sec;
}
