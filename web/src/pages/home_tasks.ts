// The home page's tasks besides the reviews a department owes (home.ts): disbursement requests
// finance approves, and the villagers' feedback officials answer — each with its action in place.
import { ApiFailure, api } from "../api";
import { el, u } from "../dom";
import { fmtTime, has, t, tData } from "../i18n";
import "../i18n_dash";
import "../dash.css";
import type { Ctx } from "../main";
import { fmtMoney } from "../units";
import { link } from "./common";
import { approvePayment, confirmPayment } from "./pay_confirm";

interface DisbursementTask {
  id: number;
  project_id: number;
  project_code: string;
  milestone: string;
  payee: string;
  purpose: string;
  amount_fen: number;
  amount_capital?: string;
  amount_wan_yuan?: string;
  requested_by: string;
  requested_at: string;
}
interface FeedbackTask {
  id: number;
  project_id: number | null;
  region_code: string;
  author: string;
  category: string;
  body: string;
  due_at: string;
  overdue: boolean;
}

// Who answers feedback and who approves payments (services/participation.cpp, services/funds.h).
const answerers = ["leader_group", "lead_department", "township", "village_collective", "admin"];
const FINANCE = "财政局";

function done(row: HTMLElement, text: string) {
  row.replaceChildren(el("span", { class: "ok" }, `${t("task_done")}: ${text}`));
  row.dataset.done = "1";
}

// Appends the tasks to `tasks` (the home page's task card); returns how many it added.
export async function addTasks(tasks: HTMLElement, ctx: Ctx): Promise<number> {
  const finance = ctx.me.grants.some((g) => g.role === "co_reviewing_department" && g.department === FINANCE);
  const answers = ctx.me.grants.some((g) => answerers.includes(g.role));
  const [disbursements, feedback] = await Promise.all([
    finance ? api<{ disbursements: DisbursementTask[] }>("GET", "/api/v1/funds/disbursements?status=requested").then((r) => r.disbursements).catch(() => []) : [],
    answers ? api<{ feedback: FeedbackTask[] }>("GET", "/api/v1/feedback?status=open").then((r) => r.feedback).catch(() => []) : [],
  ]);
  for (const d of disbursements) {
    const row = el("div", { class: "task", "data-task": "disbursement", "data-id": String(d.id), "data-key": `disbursement:${d.id}` });
    const msg = el("span", { class: "msg" });
    const approve = el("button", { class: "btn primary", "data-action": "approve-disbursement" }, t("task_approve"));
    approve.addEventListener("click", async () => {
      // Money moves only after the confirmation with the amount in capitals and an opinion.
      const decision = await confirmPayment(d);
      if (decision === null) return;
      approve.setAttribute("disabled", "");
      try {
        await approvePayment(d.project_id, d.id, decision);
        done(row, `${d.project_code} · ${fmtMoney(d.amount_fen)}`);
      } catch (e) {
        msg.className = "msg error";
        msg.textContent = e instanceof ApiFailure ? e.text() : String(e);
        approve.removeAttribute("disabled");
      }
    });
    row.append(tData("task_disbursement", { amount: fmtMoney(d.amount_fen), payee: d.payee }), " · ",
      link(`/projects/${encodeURIComponent(d.project_code)}`, d.project_code), " · ", u(d.milestone), " · ", u(d.requested_by), ` ${fmtTime(d.requested_at)} `, approve, msg);
    tasks.append(row);
  }
  for (const f of feedback) {
    const row = el("div", { class: "task", "data-task": "feedback", "data-id": String(f.id), "data-key": `feedback:${f.id}` });
    const cat = has("category_" + f.category) ? t("category_" + f.category) : f.category;
    const reply = el("input", { placeholder: t("task_reply_placeholder"), class: "comment", "data-testid": "feedback-reply" }) as HTMLInputElement;
    const msg = el("span", { class: "msg" });
    const send = el("button", { class: "btn primary", "data-action": "answer-feedback" }, t("task_answer"));
    send.addEventListener("click", async () => {
      if (!reply.value.trim()) return reply.focus();
      send.setAttribute("disabled", "");
      try {
        await api("POST", `/api/v1/feedback/${f.id}/answer`, { reply: reply.value.trim() });
        done(row, f.body.slice(0, 40));
      } catch (e) {
        msg.className = "msg error";
        msg.textContent = e instanceof ApiFailure ? e.text() : String(e);
        send.removeAttribute("disabled");
      }
    });
    row.append(tData("task_feedback", { category: cat, body: f.body.length > 60 ? f.body.slice(0, 60) + "…" : f.body }),
      f.overdue ? el("span", { class: "badge warn" }, t("task_overdue")) : "",
      el("div", { class: "muted small" }, u(f.author), ` · ${t("due_by", { t: fmtTime(f.due_at) })}`),
      el("div", { class: "task-form" }, reply, send, msg));
    tasks.append(row);
  }
  return disbursements.length + feedback.length;
}
