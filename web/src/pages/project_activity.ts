// A project's activity (办理记录): every action the audit log holds about it, newest first: plan
// saves, each review, money, progress, notices, villagers' feedback and objections, and the state
// transitions (GET /api/v1/projects/{id}/activity), each with who, when and a short note in words.
import "./audit.css";
import { api, type Project } from "../api";
import { el, u } from "../dom";
import { fmtTime, has, t } from "../i18n";
import { actionName, actorName } from "../i18n_audit";
import "../i18n_funds";
import type { AuditEntry } from "./audit";

const yuan = (fen: number) => (fen / 100).toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

// A few words about an entry from its detail: the state change, the decision and opinion, an amount.
// Words of the interface as text, what someone wrote (department, opinion, reason) as data.
export function activityNote(e: AuditEntry): (string | HTMLElement)[] {
  const d = e.detail ?? {};
  const parts: (string | HTMLElement)[] = [];
  const state = (s: string) => (has("state_" + s) ? t("state_" + s) : s);
  if (typeof d.from === "string" && typeof d.to === "string") parts.push(t("from_to", { from: d.from ? state(d.from) : "—", to: state(d.to) }));
  if (typeof d.department === "string") parts.push(u(d.department));
  if (typeof d.decision === "string") parts.push(has("decision_" + d.decision) ? t("decision_" + d.decision) : d.decision);
  if (typeof d.decision === "string" && !has("decision_" + d.decision) && has("fw_status_" + d.decision)) parts[parts.length - 1] = t("fw_status_" + d.decision);
  for (const k of ["opinion", "comment", "reason", "title"]) if (typeof d[k] === "string" && d[k]) parts.push(u(d[k]));
  for (const k of ["amount_fen", "allocated_fen"]) if (typeof d[k] === "number") parts.push(`${yuan(d[k])} ${t("unit_yuan")}`);
  if (typeof d.area_m2 === "number") parts.push(`${(d.area_m2 / (10000 / 15)).toFixed(2)} ${t("unit_mu")}`);
  return parts.flatMap((x, i) => (i ? [" · ", x] : [x]));
}

export async function activitySection(p: Project): Promise<HTMLElement> {
  const sec = el("section", { class: "card", "data-testid": "activity", id: "sec-activity" }, el("h2", {}, t("activity")),
    el("p", { class: "muted small" }, t("activity_intro")));
  let entries: AuditEntry[] = [];
  try {
    entries = (await api<{ entries: AuditEntry[] }>("GET", `/api/v1/projects/${p.id}/activity?limit=500`)).entries;
  } catch {
    entries = [];
  }
  if (!entries.length) {
    sec.append(el("p", { class: "empty" }, t("activity_none")));
    return sec;
  }
  const table = el("table", { class: "grid", "data-testid": "activity-table" },
    el("thead", {}, el("tr", {}, ...["time", "activity_what", "actor", "activity_note"].map((k) => el("th", {}, t(k))))));
  const body = el("tbody");
  for (const e of entries)
    body.append(el("tr", { "data-action": e.action, "data-seq": String(e.seq) },
      el("td", { class: "nowrap" }, fmtTime(e.time)), el("td", {}, actionName(e.action)), el("td", { "data-user": "" }, actorName(e.actor)), el("td", {}, ...activityNote(e))));
  table.append(body);
  sec.append(el("div", { class: "table-scroll" }, table));
  return sec;
}
