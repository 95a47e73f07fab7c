// The auditor's audit page (/audit): the hash chain's state ("verified up to entry N"), a search
// of the log by project, user, action and time (newest first, paged backwards), each entry's
// detail with its before and after, and the search as an Excel download
// (GET /api/v1/audit/search, /api/v1/audit/verify, /api/v1/audit/export.xlsx).
import "./audit.css";
import { ApiFailure, api } from "../api";
import { el } from "../dom";
import { fmtTime, has, t } from "../i18n";
import { actionName, actorName, objectName } from "../i18n_audit";
import type { Ctx } from "../main";

export interface AuditEntry {
  seq: number;
  time: string;
  actor: string;
  action: string;
  object: string;
  detail: any;
  hash?: string;
  prev_hash?: string;
}

export const auditRoles = ["auditor", "admin"];

// The action filter: each domain, then its named actions.
const DOMAINS = ["project", "funds", "progress", "participation", "rights", "scheme", "evaluation", "order", "user", "session", "admin"];

// A local calendar day ("2026-12-07") as the UTC minute it starts at ("2026-12-06T16:00"), the
// server's time bound; `next` gives the following day's start (an inclusive "to").
function utcBound(day: string, next: boolean): string {
  const [y, m, d] = day.split("-").map(Number);
  const start = new Date(y, m - 1, d + (next ? 1 : 0));
  return start.toISOString().slice(0, 16);
}

function formatValue(v: any): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

// A detail field in words; a field without a name shows as the record's own code.
const fieldName = (k: string) => (has("af_" + k) ? t("af_" + k) : "\u0000" + k);
const fieldCell = (name: string) => (name.startsWith("\u0000") ? el("th", {}, el("code", { "data-code": "" }, name.slice(1))) : el("th", {}, name));

// An entry's detail as rows of field, before, after: "from_X"/"to_X" and "from"/"to" pairs and
// "before"/"after" objects side by side; other fields as values.
export function detailRows(detail: any): { field: string; before: string | null; after: string }[] {
  const rows: { field: string; before: string | null; after: string }[] = [];
  if (!detail || typeof detail !== "object") return rows;
  const done = new Set<string>();
  if (detail.before && detail.after && typeof detail.before === "object" && typeof detail.after === "object") {
    const keys = [...new Set([...Object.keys(detail.before), ...Object.keys(detail.after)])];
    for (const k of keys) rows.push({ field: fieldName(k), before: formatValue(detail.before[k]), after: formatValue(detail.after[k]) });
    done.add("before").add("after");
  }
  if ("from" in detail && "to" in detail) {
    rows.push({ field: fieldName("state"), before: has("state_" + detail.from) ? t("state_" + detail.from) : formatValue(detail.from), after: has("state_" + detail.to) ? t("state_" + detail.to) : formatValue(detail.to) });
    done.add("from").add("to");
  }
  for (const k of Object.keys(detail)) {
    if (done.has(k)) continue;
    if (k.startsWith("from_") && ("to_" + k.slice(5)) in detail) {
      rows.push({ field: fieldName(k.slice(5)), before: formatValue(detail[k]), after: formatValue(detail["to_" + k.slice(5)]) });
      done.add(k).add("to_" + k.slice(5));
    }
  }
  for (const k of Object.keys(detail)) {
    if (done.has(k)) continue;
    const v = detail[k];
    // A transition's action and a decision in words.
    const words = k === "action" && has("action_" + v) ? t("action_" + v) : k === "decision" && has("decision_" + v) ? t("decision_" + v) : formatValue(v);
    rows.push({ field: fieldName(k), before: null, after: words });
  }
  return rows;
}

export function detailTable(detail: any): HTMLElement {
  const rows = detailRows(detail);
  const paired = rows.some((r) => r.before !== null);
  const table = el("table", { class: "grid au-detail-table", "data-testid": "audit-detail-fields" },
    el("thead", {}, el("tr", {}, el("th", {}, t("au_field")), ...(paired ? [el("th", {}, t("au_before")), el("th", {}, t("au_after"))] : [el("th", {}, t("au_value"))]))));
  const body = el("tbody");
  for (const r of rows)
    body.append(el("tr", {}, fieldCell(r.field), ...(paired ? [el("td", { "data-before": "", "data-user": "" }, r.before ?? ""), el("td", { "data-after": "", "data-user": "" }, r.after)] : [el("td", { "data-user": "" }, r.after)])));
  table.append(body);
  return table;
}

export async function renderAudit(main: HTMLElement, ctx: Ctx): Promise<() => void> {
  main.append(el("h1", {}, t("au_title")));
  if (!auditRoles.some((r) => ctx.roles.has(r))) {
    main.append(el("p", { class: "error", role: "alert", "data-testid": "audit-refused" }, t("au_refused")));
    return () => undefined;
  }
  main.append(el("p", { class: "muted" }, t("au_intro")));

  // The chain's state.
  const chain = el("section", { class: "card au-chain", "data-testid": "audit-chain" }, el("h2", {}, t("au_chain")));
  const chainState = el("p", { class: "au-chain-state" }, t("au_chain_checking"));
  const reverify = el("button", { type: "button", class: "btn secondary", "data-testid": "audit-reverify" }, t("au_reverify"));
  chain.append(chainState, reverify);
  const verify = async () => {
    chainState.textContent = t("au_chain_checking");
    delete chain.dataset.intact;
    const v = await api<{ intact: boolean; entries: number; bad_seq: number; problem: string; verified_through: number }>("GET", "/api/v1/audit/verify");
    chain.dataset.intact = v.intact ? "1" : "0";
    chain.dataset.verified = String(v.verified_through);
    chain.classList.toggle("bad", !v.intact);
    chainState.replaceChildren(v.intact ? t("au_chain_ok", { n: v.verified_through }) : t("au_chain_bad", { bad: v.bad_seq, n: v.verified_through }));
    if (!v.intact && v.problem) chainState.append(el("span", { class: "muted small au-problem" }, " · ", v.problem));
  };
  reverify.addEventListener("click", () => void verify());

  // The search form, its values kept in the address (a reload or a shared link repeats it).
  const params = new URLSearchParams(location.search);
  const input = (name: string, type: string, label: string, attrs: Record<string, string> = {}) => {
    const i = el("input", { type, name, "data-testid": "audit-" + name, ...attrs }) as HTMLInputElement;
    i.value = params.get(name) ?? "";
    return { box: el("label", {}, el("span", {}, label), i), i };
  };
  const project = input("project", "text", t("au_project"), { placeholder: t("au_project_ph"), size: "16" });
  const actor = input("actor", "text", t("au_actor"), { size: "12" });
  const from = input("from", "date", t("au_from"));
  const to = input("to", "date", t("au_to"));
  const action = el("select", { name: "action", "data-testid": "audit-action" }, el("option", { value: "" }, t("au_any"))) as HTMLSelectElement;
  for (const d of DOMAINS) {
    const group = el("optgroup", { label: has("ad_" + d) ? t("ad_" + d) : d });
    group.append(el("option", { value: d + "." }, t("ad_" + d) + " · " + t("au_any")));
    group.append(...actionOptions(d));
    action.append(group);
  }
  action.value = params.get("action") ?? "";
  const searchBtn = el("button", { type: "submit", class: "btn primary", "data-testid": "audit-search" }, t("au_search"));
  const reset = el("button", { type: "button", class: "btn secondary" }, t("au_reset"));
  const download = el("a", { class: "btn", "data-testid": "audit-download", download: "", href: "#" }, t("au_download")) as HTMLAnchorElement;
  const form = el("form", { class: "card au-form", "data-testid": "audit-form" },
    project.box, actor.box, el("label", {}, el("span", {}, t("au_action")), action), from.box, to.box,
    el("div", { class: "au-buttons" }, searchBtn, reset, download));

  const count = el("p", { class: "muted small", "data-testid": "audit-count" });
  const table = el("table", { class: "grid au-table", "data-testid": "audit-table" },
    el("thead", {}, el("tr", {}, ...["au_seq", "au_time", "au_actor", "au_action", "au_object"].map((k) => el("th", {}, t(k))))));
  const body = el("tbody");
  table.append(body);
  const more = el("button", { type: "button", class: "btn secondary", "data-testid": "audit-more", hidden: "" }, t("au_more"));
  const detail = el("aside", { class: "card au-detail", "data-testid": "audit-detail", hidden: "" });
  const msg = el("div", { class: "msg", role: "status" });
  main.append(chain, form, el("div", { class: "au-layout" }, el("div", { class: "au-list" }, count, el("div", { class: "table-scroll" }, table), more, msg), detail));

  const query = (): URLSearchParams => {
    const q = new URLSearchParams();
    if (project.i.value.trim()) q.set("project", project.i.value.trim());
    if (actor.i.value.trim()) q.set("actor", actor.i.value.trim());
    if (action.value) q.set("action", action.value);
    if (from.i.value) q.set("from", from.i.value);
    if (to.i.value) q.set("to", to.i.value);
    return q;
  };
  // The API's parameters: the local days as UTC bounds.
  const apiQuery = (q: URLSearchParams): URLSearchParams => {
    const a = new URLSearchParams(q);
    if (q.get("from")) a.set("from", utcBound(q.get("from")!, false));
    if (q.get("to")) a.set("to", utcBound(q.get("to")!, true));
    return a;
  };

  let shown = 0, next = 0, selected: HTMLElement | null = null;
  const showDetail = (e: AuditEntry, row: HTMLElement) => {
    selected?.classList.remove("selected");
    selected = row;
    row.classList.add("selected");
    detail.hidden = false;
    detail.dataset.seq = String(e.seq);
    const raw = el("details", { class: "au-raw" }, el("summary", {}, t("au_raw")),
      el("pre", { "data-raw": "" }, JSON.stringify({ seq: e.seq, time: e.time, actor: e.actor, action: e.action, object: e.object, detail: e.detail }, null, 2)));
    detail.replaceChildren(el("h2", {}, t("au_detail"), " #", String(e.seq)),
      el("dl", { class: "au-dl" },
        el("dt", {}, t("au_time")), el("dd", {}, fmtTime(e.time)),
        el("dt", {}, t("au_actor")), el("dd", { "data-user": "" }, actorName(e.actor)),
        el("dt", {}, t("au_action")), el("dd", {}, actionName(e.action), " ", el("code", { "data-code": "" }, e.action)),
        el("dt", {}, t("au_object")), el("dd", { "data-user": "" }, objectName(e.object)),
        el("dt", {}, t("au_hash")), el("dd", {}, el("code", { "data-code": "", class: "hash" }, e.hash ?? "")),
        el("dt", {}, t("au_prev_hash")), el("dd", {}, el("code", { "data-code": "", class: "hash" }, e.prev_hash ?? ""))),
      detailTable(e.detail), raw);
  };
  const load = async (fresh: boolean) => {
    const q = query();
    if (fresh) {
      history.replaceState(null, "", "/audit" + (q.size ? "?" + q : ""));
      body.replaceChildren();
      shown = 0;
      next = 0;
      detail.hidden = true;
    }
    const a = apiQuery(q);
    download.href = "/api/v1/audit/export.xlsx" + (a.size ? "?" + a : "");
    if (!fresh && next) a.set("before", String(next));
    a.set("limit", "100");
    msg.textContent = "";
    table.dataset.ready = "0";
    try {
      const r = await api<{ entries: AuditEntry[]; next_before: number }>("GET", "/api/v1/audit/search?" + a);
      for (const e of r.entries) {
        const row = el("tr", { "data-seq": String(e.seq), "data-action": e.action, "data-object": e.object, "data-actor": e.actor, tabindex: "0" },
          el("td", { class: "num" }, String(e.seq)), el("td", {}, fmtTime(e.time)), el("td", { "data-user": "" }, actorName(e.actor)),
          el("td", {}, actionName(e.action)), el("td", { "data-user": "" }, objectName(e.object)));
        row.addEventListener("click", () => showDetail(e, row));
        row.addEventListener("keydown", (ev) => {
          if ((ev as KeyboardEvent).key === "Enter") showDetail(e, row);
        });
        body.append(row);
      }
      shown += r.entries.length;
      next = r.next_before;
      more.hidden = !next;
      count.textContent = shown ? t("au_count", { n: shown }) : t("au_none");
    } catch (e) {
      msg.className = "msg error";
      msg.textContent = e instanceof ApiFailure ? e.text() : String(e);
    }
    table.dataset.ready = "1";
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void load(true);
  });
  reset.addEventListener("click", () => {
    for (const i of [project.i, actor.i, from.i, to.i]) i.value = "";
    action.value = "";
    void load(true);
  });
  more.addEventListener("click", () => void load(false));
  await Promise.all([verify(), load(true)]);
  return () => undefined;
}

// The named actions of a domain (the i18n table's act_DOMAIN.* keys, and the project's transitions).
function actionOptions(domain: string): HTMLElement[] {
  const names: string[] = [];
  for (const a of KNOWN_ACTIONS) if (a.startsWith(domain + ".")) names.push(a);
  return names.map((a) => el("option", { value: a }, actionName(a)));
}

const KNOWN_ACTIONS = [
  "project.create", "project.plan", "project.review", "project.acknowledge_finding", "project.obligation_fulfilled",
  "project.submit", "project.check_compliance", "project.start_review", "project.approve", "project.return", "project.reject",
  "project.publish_notice", "project.start_implementation", "project.complete", "project.accept", "project.evaluate", "project.start_maintenance",
  "funds.source_create", "funds.allocate", "funds.disbursement_request", "funds.disbursement_approve", "funds.disbursement_refuse",
  "progress.milestone_add", "progress.report", "progress.photo_upload",
  "participation.notice_publish", "participation.comment", "participation.comment_reply", "participation.feedback_submit",
  "participation.feedback_answer", "participation.feedback_close", "participation.feedback_escalate", "participation.vote_open",
  "participation.vote_close", "participation.ballot", "participation.survey_create", "participation.survey_close", "participation.survey_response",
  "rights.plan_record", "rights.confirm", "rights.object", "rights.compensation_record", "rights.compensation_decide",
  "scheme.create", "scheme.simulate", "evaluation.planned", "evaluation.achieved",
  "user.create", "user.disable", "user.enable", "user.password_reset", "session.login", "session.logout", "session.kill",
  "admin.create", "admin.backup", "admin.restore",
];
