// The funds section of the project page (资金台账, DESIGN.md §2.4, docs/funds.md): the project's
// pool by source, the fund sources that may fund it, allocations, disbursement requests tied to a
// milestone and finance's decisions, and the immutable ledger traced source → pool → payee.
// Everything goes through the funds API (src/http/funds_routes.cpp); the controls are offered only
// to the roles src/services/funds.cpp accepts:
//   - record a source / allocate: finance (财政局) or the lead department over the region;
//   - request a disbursement: the implementer (township, village collective, investor) over the
//     project's region;
//   - approve / refuse: finance over the project's region, never on one's own request.
// Amounts are typed in yuan with up to two decimals and sent as integer fen, converted from the
// digits as text (no floating point money); the server's refusals are shown as it words them.
import { ApiFailure, api, getMe, listProjects, regionContains, type Me, type Project, type Region, apiFile } from "../api";
import { el, u } from "../dom";
import { approvePayment, confirmPayment, voucherLink, type Voucher } from "./pay_confirm";
import { fmtTime, has, t, colon, tData, lang } from "../i18n";
import "../i18n_funds";
import { onLive } from "../live";
import { flash, isBusy } from "../live_sections";
import { optional, type Milestone } from "../project_api";
import "./funds.css";

const FINANCE = "财政局";
const IMPLEMENTERS = ["township", "village_collective", "investor"];
export const FUND_KINDS = ["central", "provincial", "county", "integrated_agricultural", "social_capital", "loan", "village_self_raised"];

interface Source {
  id: number;
  region_code: string;
  kind: string;
  kind_zh: string;
  name: string;
  amount_fen: number;
  amount_yuan: string;
  allocated_yuan: string;
  unallocated_fen: number;
  unallocated_yuan: string;
}
interface PoolLine {
  source_id: number;
  source_name: string;
  kind: string;
  kind_zh: string;
  allocated_yuan: string;
  disbursed_yuan: string;
  balance_fen: number;
  balance_yuan: string;
}
interface Funds {
  project_code: string;
  allocated_yuan: string;
  disbursed_yuan: string;
  balance_yuan: string;
  pending_yuan: string;
  sources: PoolLine[];
}
interface Entry {
  id: number;
  time: string;
  kind: string;
  source_id: number;
  project_id: number;
  payee: string;
  disbursement_id: number | null;
  milestone: string;
  compensation_id: number | null;
  note: string;
  actor: string;
  amount_fen: number;
  amount_yuan: string;
}
interface Disbursement {
  id: number;
  source_id: number | null;
  milestone: string;
  payee: string;
  purpose: string;
  status: string;
  requested_by: string;
  requested_at: string;
  decided_by: string;
  decided_at: string;
  decision_comment: string;
  compensation_id: number | null;
  amount_fen: number;
  amount_yuan: string;
  amount_capital?: string;
  amount_wan_yuan?: string;
  voucher?: Voucher | null;
}
interface Compensation {
  id: number;
  household_code: string;
  status: string;
  amount_fen: number;
  paid_fen: number;
  payment_requested_fen: number;
}

// "12345.67" (or "12,345.6", "¥100") → 1234567 fen; null when it is not a positive amount of yuan
// with at most two decimals. The fen are the digits joined as text: no floating point.
export function yuanToFen(input: string): number | null {
  const s = input.replace(/[,，\s¥￥]/g, "").replace(/元$/, "");
  const m = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) return null;
  const fen = Number(m[1] + (m[2] ?? "").padEnd(2, "0"));
  return Number.isSafeInteger(fen) && fen >= 1 ? fen : null;
}
// "1200000.00" → "¥1,200,000.00" (the API's yuan string, grouped; no arithmetic).
export const yuan = (s: string) => "¥" + s.replace(/^(-?\d+)/, (m) => m.replace(/\B(?=(\d{3})+(?!\d))/g, ","));
// Integer fen → the same form, by integer division only.
export const fenYuan = (fen: number) => yuan(`${fen < 0 ? "-" : ""}${Math.floor(Math.abs(fen) / 100)}.${String(Math.abs(fen) % 100).padStart(2, "0")}`);

const kindName = (k: string, zh = "") => (has("fk_" + k) ? t("fk_" + k) : zh || k);
const grantOver = (me: Me, roles: string[], region: string, dept = "") =>
  me.grants.some((g) => roles.includes(g.role) && (!dept || g.department === dept) && regionContains(g.region, region));
export const isFinance = (me: Me, region: string) => grantOver(me, ["co_reviewing_department"], region, FINANCE);
export const mayManageFunds = (me: Me, region: string) => isFinance(me, region) || grantOver(me, ["lead_department"], region);
export const isImplementer = (me: Me, region: string) => grantOver(me, IMPLEMENTERS, region);

let meOnce: Promise<Me> | null = null;
let regionsOnce: Promise<Region[]> | null = null;

function errText(e: unknown): string {
  return e instanceof ApiFailure ? e.text() : String(e);
}

function field(label: string, input: HTMLElement): HTMLElement {
  return el("label", { class: "fw-field" }, el("span", {}, label), input);
}

export async function fundsSection(p: Project): Promise<HTMLElement> {
  meOnce ??= getMe();
  const me = await meOnce;
  const sec = el("section", { class: "card", "data-testid": "funds" }, el("h2", {}, t("funds")));
  const msg = el("div", { class: "msg", role: "status", "data-testid": "funds-message" });
  const body = el("div", {});
  sec.append(msg, body);
  const say = (ok: boolean, text: string) => {
    msg.className = ok ? "msg ok" : "msg error";
    msg.setAttribute("role", ok ? "status" : "alert");
    msg.textContent = text;
  };
  // A part of the section the user has typed in (a half-written disbursement request, a refusal
  // reason) is marked dirty: a live redraw keeps it as it is and redraws the parts around it.
  const mark = (e: Event) => {
    let n = e.target as Node | null;
    while (n && n.parentNode !== body) n = n.parentNode;
    if (n instanceof HTMLElement) n.dataset.dirty = "1";
  };
  body.addEventListener("input", mark);
  body.addEventListener("change", mark);
  const keyed = (list: Element[]) => {
    const seen = new Map<string, number>();
    return list.map((e) => {
      const k = `${e.tagName}.${e.className}.${(e as HTMLElement).dataset.testid ?? ""}`;
      seen.set(k, (seen.get(k) ?? 0) + 1);
      return [`${k}#${seen.get(k)}`, e as HTMLElement] as const;
    });
  };
  const busy = (part: HTMLElement) => isBusy(part) || !!part.querySelector("details[open]");
  // Sources whose history the user opened: a redraw (live or after an action) opens them again.
  const openHistories = new Set<number>();

  // live: redrawn for another user's change, the parts the user is busy in kept; nothing
  // redrawn when nothing changed (the event of the user's own action, drawn already).
  const render = async (live = false) => {
    const finance = isFinance(me, p.region_code);
    const manager = mayManageFunds(me, p.region_code);
    const implementer = isImplementer(me, p.region_code);
    const [funds, ledger, requests, sources, ms, comp] = await Promise.all([
      optional(api<Funds>("GET", `/api/v1/projects/${p.id}/funds`)),
      optional(api<{ entries: Entry[] }>("GET", `/api/v1/projects/${p.id}/funds/ledger`).then((r) => r.entries)),
      optional(api<{ disbursements: Disbursement[] }>("GET", `/api/v1/projects/${p.id}/funds/disbursements`).then((r) => r.disbursements)),
      manager ? optional(api<{ sources: Source[] }>("GET", "/api/v1/funds/sources").then((r) => r.sources)) : null,
      implementer ? optional(api<{ milestones: Milestone[] }>("GET", `/api/v1/projects/${p.id}/milestones`).then((r) => r.milestones)) : null,
      implementer ? optional(api<{ entries: Compensation[] }>("GET", `/api/v1/projects/${p.id}/rights/compensation`).then((r) => r.entries)) : null,
    ]);
    if (funds === "forbidden" || ledger === "forbidden" || requests === "forbidden") {
      body.replaceChildren(el("p", { class: "empty" }, t("section_forbidden")));
      return;
    }
    const parts: HTMLElement[] = [];
    const pool = funds?.sources ?? [];
    const sourceName = new Map<number, string>(pool.map((s) => [s.source_id, s.source_name]));
    const compatible = (Array.isArray(sources) ? sources : []).filter((s) =>
      regionContains(s.region_code, p.region_code) || regionContains(p.region_code, s.region_code));
    for (const s of compatible) if (!sourceName.has(s.id)) sourceName.set(s.id, s.name);

    // Balances per project and per source of its pool.
    if (funds)
      parts.push(el("div", { class: "money-row" },
        ...([["funds_allocated", funds.allocated_yuan], ["funds_disbursed", funds.disbursed_yuan], ["funds_balance", funds.balance_yuan], ["funds_pending", funds.pending_yuan]] as const)
          .map(([k, v]) => el("div", { class: "money" }, el("div", { class: "muted small" }, t(k)), el("strong", { "data-money": k }, yuan(v))))));
    parts.push(el("h3", {}, t("fw_pool")));
    if (!pool.length) parts.push(el("p", { class: "empty" }, t("fw_pool_empty")));
    else {
      const table = el("table", { class: "grid", "data-testid": "funds-pool" },
        el("tr", {}, el("th", {}, t("fw_source")), el("th", {}, t("fw_kind")), el("th", { class: "num" }, t("fw_allocated")),
          el("th", { class: "num" }, t("fw_disbursed")), el("th", { class: "num" }, t("fw_balance"))));
      for (const s of pool)
        table.append(el("tr", { "data-source": String(s.source_id), "data-balance-fen": String(s.balance_fen) },
          el("td", { "data-user": "" }, s.source_name), el("td", { class: "fw-nowrap" }, kindName(s.kind, s.kind_zh)), el("td", { class: "num" }, yuan(s.allocated_yuan)),
          el("td", { class: "num" }, yuan(s.disbursed_yuan)), el("td", { class: "num" }, el("strong", {}, yuan(s.balance_yuan)))));
      parts.push(el("div", { class: "fw-scroll" }, table));
    }

    parts.push(requestsPart(requests ?? [], ledger ?? [], sourceName, finance));
    if (implementer && funds) parts.push(requestForm(Array.isArray(ms) ? ms : [], pool, Array.isArray(comp) ? comp : []));
    parts.push(ledgerPart(ledger ?? [], sourceName, requests ?? []));
    if (manager && Array.isArray(sources)) parts.push(await sourcesPart(compatible));
    if (live) {
      const old = [...body.children] as HTMLElement[];
      const oldByKey = new Map(keyed(old));
      const next = keyed(parts).map(([k, e]) => {
        const o = oldByKey.get(k);
        return o && busy(o) ? o : e;
      });
      if (next.length === old.length && next.every((e, i) => e === old[i] || e.outerHTML === old[i].outerHTML)) return;
      body.replaceChildren(...next);
      flash(sec);
    } else body.replaceChildren(...parts);
    sec.dataset.ready = String(Number(sec.dataset.ready ?? "0") + 1);
  };

  // Runs an API call from a form: its button disabled meanwhile; the outcome in the message line,
  // the section redrawn on success (the ledger, balances and requests as the server now has them).
  async function submit(btn: HTMLElement, call: () => Promise<string>) {
    btn.setAttribute("disabled", "");
    msg.className = "msg";
    msg.textContent = t("fw_loading");
    try {
      const ok = await call();
      await render();
      say(true, ok);
    } catch (e) {
      say(false, `${t("action_refused")}: ${errText(e)}`);
      btn.removeAttribute("disabled");
    }
  }
  const amountOf = (input: HTMLInputElement): number => {
    const fen = yuanToFen(input.value);
    if (fen === null) {
      input.focus();
      throw new Error(t("fw_amount_bad"));
    }
    return fen;
  };

  // Where a source's money went: its allocations to every project (GET
  // /api/v1/funds/sources/{id}/allocations), in a row under the source, read when opened.
  async function toggleHistory(row: HTMLElement, s: Source, btn: HTMLElement) {
    const open = row.nextElementSibling as HTMLElement | null;
    if (open?.dataset.history === String(s.id)) {
      open.remove();
      openHistories.delete(s.id);
      btn.setAttribute("aria-expanded", "false");
      return;
    }
    btn.setAttribute("disabled", "");
    try {
      const [h, projects] = await Promise.all([
        api<{ allocations: Entry[]; allocated_yuan: string }>("GET", `/api/v1/funds/sources/${s.id}/allocations`),
        listProjects().catch(() => [] as Project[]),
      ]);
      const code = new Map(projects.map((x) => [x.id, x.code]));
      const box = el("div", { class: "fw-history" }, el("p", {}, t("fw_history_title", { name: s.name, total: yuan(h.allocated_yuan) })));
      if (!h.allocations.length) box.append(el("p", { class: "empty" }, t("fw_history_none")));
      else
        box.append(el("table", { class: "grid" },
          el("tr", {}, el("th", {}, t("time")), el("th", {}, t("fw_project")), el("th", { class: "num" }, t("fw_amount")), el("th", {}, t("note")), el("th", {}, t("fw_actor"))),
          ...h.allocations.map((a) => {
            const c = code.get(a.project_id);
            return el("tr", { "data-project": String(a.project_id), "data-amount-fen": String(a.amount_fen) },
              el("td", { class: "fw-nowrap" }, fmtTime(a.time)),
              el("td", {}, c ? el("a", { href: `/projects/${encodeURIComponent(c)}`, "data-route": "" }, c) : `#${a.project_id}`),
              el("td", { class: "num" }, yuan(a.amount_yuan)), el("td", { "data-user": "" }, a.note), el("td", { "data-user": "" }, a.actor));
          })));
      if (row.nextElementSibling instanceof HTMLElement && row.nextElementSibling.dataset.history === String(s.id)) row.nextElementSibling.remove();
      row.after(el("tr", { "data-history": String(s.id) }, el("td", { colspan: "6" }, box)));
      openHistories.add(s.id);
      btn.setAttribute("aria-expanded", "true");
    } catch (e) {
      row.after(el("tr", { "data-history": String(s.id) }, el("td", { colspan: "6", class: "msg error" },
        `${t("action_refused")}: ${e instanceof ApiFailure ? e.text() : String(e)}`)));
    } finally {
      btn.removeAttribute("disabled");
    }
  }

  async function sourcesPart(compatible: Source[]): Promise<HTMLElement> {
    regionsOnce ??= api<{ regions: Region[] }>("GET", "/api/v1/regions").then((r) => r.regions).catch(() => []);
    const regions = await regionsOnce;
    const regionName = (code: string) => regions.find((r) => r.code === code)?.name ?? code;
    const box = el("div", { class: "fw-manage", "data-testid": "fund-sources" }, el("h3", {}, t("fw_sources")));
    if (!compatible.length) box.append(el("p", { class: "empty" }, t("fw_sources_none")));
    else {
      const table = el("table", { class: "grid" },
        el("tr", {}, el("th", {}, t("fw_source")), el("th", {}, t("fw_kind")), el("th", {}, t("fw_region")), el("th", { class: "num" }, t("fw_amount")),
          el("th", { class: "num" }, t("fw_allocated")), el("th", { class: "num" }, t("fw_unallocated"))));
      for (const s of compatible) {
        const history = el("button", { type: "button", class: "btn link small", "data-testid": "source-history", "data-source": String(s.id), "aria-expanded": "false" }, t("fw_history"));
        const row = el("tr", { "data-source": String(s.id), "data-unallocated-fen": String(s.unallocated_fen) },
          el("td", {}, u(s.name), " ", history), el("td", { class: "fw-nowrap" }, kindName(s.kind, s.kind_zh)), el("td", { "data-user": "" }, regionName(s.region_code)),
          el("td", { class: "num" }, yuan(s.amount_yuan)), el("td", { class: "num" }, yuan(s.allocated_yuan)), el("td", { class: "num" }, yuan(s.unallocated_yuan)));
        history.addEventListener("click", () => void toggleHistory(row, s, history));
        table.append(row);
        if (openHistories.has(s.id)) void toggleHistory(row, s, history);
      }
      box.append(el("div", { class: "fw-scroll" }, table));
    }
    // Allocate from a source into this project's pool.
    if (compatible.length) {
      const src = el("select", { "data-testid": "alloc-source" },
        ...compatible.map((s) => el("option", { value: String(s.id), "data-user": "" }, `${s.name}（${t("fw_unallocated")} ${yuan(s.unallocated_yuan)}）`))) as HTMLSelectElement;
      const amount = el("input", { inputmode: "decimal", "data-testid": "alloc-amount", placeholder: "0.00" }) as HTMLInputElement;
      const note = el("input", { "data-testid": "alloc-note", maxlength: "2000" }) as HTMLInputElement;
      const btn = el("button", { type: "submit", class: "btn primary", "data-action": "allocate" }, t("fw_allocate_btn"));
      const form = el("form", { class: "fw-form", "data-testid": "allocate-form" }, el("h4", {}, t("fw_allocate")),
        field(t("fw_source"), src), field(t("fw_amount_yuan"), amount), field(t("note"), note), btn);
      form.addEventListener("submit", (ev) => {
        ev.preventDefault();
        void submit(btn, async () => {
          const fen = amountOf(amount);
          const body: Record<string, unknown> = { source_id: Number(src.value), amount_fen: fen };
          if (note.value.trim()) body.note = note.value.trim();
          await api("POST", `/api/v1/projects/${p.id}/funds/allocations`, body);
          return t("fw_allocated_ok", { source: src.selectedOptions[0]?.textContent?.replace(/（.*$/, "") ?? "", amount: fenYuan(fen) });
        });
      });
      box.append(form);
    }
    // Record a new source in the project's region or one containing it (where the user may).
    const codes = regions.map((r) => r.code).filter((c) => regionContains(c, p.region_code) && mayManageFunds(me, c));
    if (!codes.length) codes.push(p.region_code);
    const region = el("select", { "data-testid": "source-region" }, ...codes.map((c) => el("option", { value: c, "data-user": "" }, `${regionName(c)} ${c}`))) as HTMLSelectElement;
    const kind = el("select", { "data-testid": "source-kind" }, ...FUND_KINDS.map((k) => el("option", { value: k }, kindName(k)))) as HTMLSelectElement;
    const name = el("input", { "data-testid": "source-name", maxlength: "200" }) as HTMLInputElement;
    const amount = el("input", { inputmode: "decimal", "data-testid": "source-amount", placeholder: "0.00" }) as HTMLInputElement;
    const btn = el("button", { type: "submit", class: "btn", "data-action": "create-source" }, t("fw_save_source"));
    const form = el("form", { class: "fw-form", "data-testid": "source-form" },
      field(t("fw_region"), region), field(t("fw_kind"), kind), field(t("fw_source_name"), name), field(t("fw_amount_yuan"), amount), btn);
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      void submit(btn, async () => {
        const fen = amountOf(amount);
        const s = await api<Source>("POST", "/api/v1/funds/sources", { region_code: region.value, kind: kind.value, name: name.value.trim(), amount_fen: fen });
        return t("fw_source_saved", { name: s.name, amount: yuan(s.amount_yuan) });
      });
    });
    box.append(el("details", { class: "fw-details" }, el("summary", { "data-testid": "new-source" }, t("fw_new_source")), form));
    return box;
  }

  function requestsPart(requests: Disbursement[], ledger: Entry[], sourceName: Map<number, string>, finance: boolean): HTMLElement {
    const box = el("div", { "data-testid": "disbursements" }, el("h3", {}, t("fw_requests")));
    if (!requests.length) return box.appendChild(el("p", { class: "empty" }, t("fw_requests_none"))), box;
    const list = el("ul", { class: "fw-requests" });
    for (const d of [...requests].reverse()) {
      const paid = ledger.filter((e) => e.kind === "disbursement" && e.disbursement_id === d.id);
      const li = el("li", { "data-disbursement": String(d.id), "data-status": d.status },
        el("div", {}, el("strong", { class: "fw-amount" }, yuan(d.amount_yuan)), " → ", el("strong", { "data-user": "" }, d.payee), " ",
          el("span", { class: "badge " + (d.status === "approved" ? "dec-approve" : d.status === "refused" ? "dec-reject" : "pending") }, t("fw_status_" + d.status))),
        el("div", { class: "small" }, `${t("fw_milestone_pick")}: `, u(d.milestone), ...(d.purpose ? [` · ${t("fw_purpose")}: `, u(d.purpose)] : []),
          d.compensation_id ? ` · ${t("fw_compensation_for", { id: d.compensation_id })}` : "",
          ` · ${t("fw_source")}: `, d.source_id ? u(sourceName.get(d.source_id) ?? "#" + d.source_id) : t("fw_fifo_note")),
        el("div", { class: "muted small" }, `${t("fw_requested_by")}: `, u(d.requested_by), ` ${fmtTime(d.requested_at)}`,
          ...(d.decided_by ? [` · ${t("fw_decision")}: `, u(d.decided_by), ` ${fmtTime(d.decided_at)}`, ...(d.decision_comment ? [" · ", u(d.decision_comment)] : [])] : [])));
      li.append(el("a", { href: `/print/payment/${p.id}/${d.id}`, "data-route": "", class: "small", "data-testid": "print-payment" }, t("pr_payment_title")));
      if (d.voucher) li.append(" ", voucherLink(d.voucher));
      else if (d.status === "approved" && finance) {
        // A voucher that arrives after the approval: finance attaches it once.
        const file = el("input", { type: "file", accept: "image/jpeg,image/png,application/pdf,.jpg,.jpeg,.png,.pdf", "data-testid": "voucher-file" }) as HTMLInputElement;
        const send = el("button", { type: "button", class: "btn", "data-action": "attach-voucher" }, t("fw_voucher_attach"));
        send.addEventListener("click", () => {
          const f = file.files?.[0];
          if (!f) return file.focus();
          void submit(send, async () => {
            await apiFile("POST", `/api/v1/projects/${p.id}/funds/disbursements/${d.id}/voucher`, f);
            return t("fw_voucher_attached");
          });
        });
        li.append(el("div", { class: "fw-decide small" }, el("span", {}, t("fw_voucher") + colon()), file, send));
      }
      if (paid.length)
        li.append(el("div", { class: "small fw-trace", "data-testid": "paid-from" }, `${t("fw_paid_from")}: `,
          ...paid.map((e, i) => el("span", { "data-source": String(e.source_id) }, i ? (lang() === "zh" ? "；" : "; ") : "", u(sourceName.get(e.source_id) ?? "#" + e.source_id), ` ${yuan(e.amount_yuan)}`))));
      if (d.status === "requested" && finance) {
        if (d.requested_by === me.user.username) li.append(el("div", { class: "muted small" }, t("fw_own_request")));
        else {
          const reason = el("input", { class: "comment", "data-testid": "refuse-reason", placeholder: t("fw_refuse_reason"), maxlength: "2000" }) as HTMLInputElement;
          const approve = el("button", { type: "button", class: "btn primary", "data-action": "approve" }, t("fw_approve"));
          const refuse = el("button", { type: "button", class: "btn", "data-action": "refuse" }, t("fw_refuse"));
          approve.addEventListener("click", async () => {
            // Money moves only after the confirmation with the amount in capitals and an opinion.
            const decision = await confirmPayment({ ...d, project_code: p.code, project_name: p.name });
            if (decision === null) return;
            void submit(approve, async () => {
            await approvePayment(p.id, d.id, decision);
            return t("fw_approved_ok", { amount: yuan(d.amount_yuan), payee: d.payee });
            });
          });
          // An empty reason goes to the server as it is: its refusal (a reason is required) is shown.
          refuse.addEventListener("click", () => void submit(refuse, async () => {
            await api("POST", `/api/v1/projects/${p.id}/funds/disbursements/${d.id}/decision`, { decision: "refuse", comment: reason.value.trim() });
            return t("fw_refused_ok", { reason: reason.value.trim() });
          }));
          li.append(el("div", { class: "fw-decide" }, reason, approve, refuse));
        }
      }
      list.append(li);
    }
    box.append(list);
    return box;
  }

  function requestForm(ms: Milestone[], pool: PoolLine[], comp: Compensation[]): HTMLElement {
    const box = el("div", { class: "fw-manage", "data-testid": "request-form-box" }, el("h3", {}, t("fw_request")));
    if (!ms.length) return box.appendChild(el("p", { class: "hint" }, t("fw_no_milestone"))), box;
    const milestone = el("select", { "data-testid": "req-milestone" }, ...ms.map((m) => el("option", { value: String(m.id), "data-user": "" }, `${m.name}（${m.percent}%）`))) as HTMLSelectElement;
    const payee = el("input", { "data-testid": "req-payee", maxlength: "200" }) as HTMLInputElement;
    const purpose = el("input", { "data-testid": "req-purpose", maxlength: "2000" }) as HTMLInputElement;
    const amount = el("input", { inputmode: "decimal", "data-testid": "req-amount", placeholder: "0.00" }) as HTMLInputElement;
    const source = el("select", { "data-testid": "req-source" }, el("option", { value: "" }, t("fw_source_fifo")),
      ...pool.map((s) => el("option", { value: String(s.source_id), "data-user": "" }, `${s.source_name}（${t("fw_balance")} ${yuan(s.balance_yuan)}）`))) as HTMLSelectElement;
    const payable = comp.filter((c) => c.status === "approved");
    const compensation = el("select", { "data-testid": "req-compensation" }, el("option", { value: "" }, t("fw_compensation_none")),
      ...payable.map((c) => el("option", { value: String(c.id) },
        t("fw_compensation_item", { household: c.household_code, amount: fenYuan(c.amount_fen), left: fenYuan(c.amount_fen - c.paid_fen - c.payment_requested_fen) })))) as HTMLSelectElement;
    compensation.addEventListener("change", () => (payee.placeholder = compensation.value ? t("fw_payee_default") : ""));
    const btn = el("button", { type: "submit", class: "btn primary", "data-action": "request-disbursement" }, t("fw_request_btn"));
    const form = el("form", { class: "fw-form", "data-testid": "request-form" },
      field(t("fw_milestone_pick"), milestone), field(t("payee"), payee), field(t("fw_purpose"), purpose), field(t("fw_amount_yuan"), amount),
      field(t("fw_source"), source), payable.length ? field(t("fw_compensation"), compensation) : "", btn);
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      void submit(btn, async () => {
        const fen = amountOf(amount);
        const body: Record<string, unknown> = { milestone_id: Number(milestone.value), amount_fen: fen, payee: payee.value.trim() };
        if (purpose.value.trim()) body.purpose = purpose.value.trim();
        if (source.value) body.source_id = Number(source.value);
        if (compensation.value) body.compensation_id = Number(compensation.value);
        const d = await api<Disbursement>("POST", `/api/v1/projects/${p.id}/funds/disbursements`, body);
        return t("fw_requested_ok", { amount: yuan(d.amount_yuan) });
      });
    });
    box.append(form);
    return box;
  }

  // Every movement, oldest first: an allocation is source → pool, a disbursement pool → payee
  // from one source (an approved request paid from two sources has two entries).
  function ledgerPart(ledger: Entry[], sourceName: Map<number, string>, requests: Disbursement[]): HTMLElement {
    const box = el("div", {}, el("h3", {}, t("fw_ledger")));
    if (!ledger.length) return box.appendChild(el("p", { class: "empty" }, t("ledger_empty"))), box;
    const purposeOf = new Map(requests.map((d) => [d.id, d.purpose]));
    const table = el("table", { class: "grid", "data-testid": "ledger" },
      el("tr", {}, el("th", {}, t("time")), el("th", {}, t("ledger_kind")), el("th", {}, t("fw_trace")), el("th", { class: "num" }, t("amount")),
        el("th", {}, t("note")), el("th", {}, t("actor"))));
    const pool = () => tData("fw_pool_node", { code: p.code });
    for (const e of ledger) {
      const src = sourceName.get(e.source_id) ?? `#${e.source_id}`;
      const flow = e.kind === "allocation" ? [u(src), pool()] : [u(src), pool(), u(e.payee)];
      const note = e.kind === "disbursement" ? [e.milestone, e.disbursement_id ? purposeOf.get(e.disbursement_id) : "", e.compensation_id ? t("fw_compensation_for", { id: e.compensation_id }) : ""].filter(Boolean).join(" · ") : e.note;
      table.append(el("tr", { "data-kind": e.kind, "data-source": String(e.source_id), "data-disbursement": String(e.disbursement_id ?? "") },
        el("td", { class: "small" }, fmtTime(e.time)), el("td", { class: "fw-nowrap" }, has("ledger_" + e.kind) ? t("ledger_" + e.kind) : e.kind),
        el("td", { class: "fw-flow", "data-testid": "flow" }, ...flow.flatMap((x, i) => (i ? [el("span", { class: "arrow" }, " → "), el("span", {}, x)] : [el("span", {}, x)]))),
        el("td", { class: "num" }, yuan(e.amount_yuan)), el("td", { class: "small", "data-user": "" }, note), el("td", { "data-user": "" }, e.actor)));
    }
    box.append(el("div", { class: "fw-scroll" }, table));
    return box;
  }

  await render();
  // Another user's allocation, request or decision on this project redraws the section live.
  const stop = onLive(() => {
    if (!sec.isConnected) return stop();
    return render(true);
  }, (e) => e.project_id === p.id && (e.kind.startsWith("funds.") || e.kind.startsWith("disbursement.")));
  return sec;
}
