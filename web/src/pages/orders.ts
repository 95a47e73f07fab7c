// Warnings and supervision orders (监测预警与督办, docs/orders.md): the warnings page by level,
// region and rule with an order issued from a warning; the orders inbox of the user's units
// (addressed to them, issued by them, escalated to them); one order with its history and
// evidence, answered by the unit addressed (text, located photos, a layer version, a plan change)
// and verified and closed (销号) or returned by the issuer. The server decides every permission;
// the page only offers what the user's grants make possible. Lists refresh on the live feed.
import "./project.css";
import "./orders.css";
import "../i18n_orders";
import { api, ApiFailure, type Region } from "../api";
import { el, u } from "../dom";
import { fmtTime, lang, t, colon } from "../i18n";
import { onLive } from "../live";
import type { Ctx } from "../main";
import { link } from "./common";

interface Unit {
  kind: string;
  region_code: string;
  department: string;
  name?: string;
}
interface Warning {
  key: string;
  rule: string;
  rule_zh: string;
  rule_en: string;
  level: string;
  project_id: number;
  project_code: string;
  project_name: string;
  region_code: string;
  responsible: Unit;
  figures: Record<string, unknown>;
  message_zh: string;
  message_en: string;
}
interface Step {
  id: number;
  action: string;
  actor: string;
  time: string;
  comment: string;
  detail: any;
}
interface Evidence {
  id: number;
  step_id: number;
  kind: string;
  text?: string;
  sha256?: string;
  lon?: number;
  lat?: number;
  layer?: string;
  version?: number;
  plan_change?: number;
  created_by: string;
  created_at: string;
}
interface Order {
  id: number;
  code: string;
  title: string;
  body: string;
  source: any;
  project_id: number | null;
  project_code: string;
  region_code: string;
  issuer: string;
  issuer_unit: Unit;
  unit: Unit;
  due_at: string;
  evidence_required: string[];
  status: string;
  overdue: boolean;
  escalation_level: number;
  supervisor: Unit | null;
  steps?: Step[];
  evidence?: Evidence[];
}

const ISSUERS = ["leader_group", "lead_department", "township"];
const sameRegion = (a: string, b: string) => a.replace(/(000)+$|(00)+$/, "") === b.replace(/(000)+$|(00)+$/, "");

// Whether the user acts for a unit (services/orders.cpp acts_for).
export function actsFor(ctx: Ctx, u: Unit): boolean {
  return ctx.me.grants.some((g) => {
    if (!sameRegion(g.region, u.region_code)) return false;
    if (u.kind === "department") return (g.role === "lead_department" || g.role === "co_reviewing_department") && g.department === u.department;
    return g.role === u.kind;
  });
}

async function regionNames(ctx: Ctx): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  for (const r of (await ctx.regions().catch(() => [] as Region[]))) m.set(r.code, r.name);
  return m;
}

// A responsible unit as nodes: the region's and department's names are data, a role is a word.
function unitParts(names: Map<string, string>, x: Unit): (string | HTMLElement)[] {
  const where = u(names.get(x.region_code) ?? x.region_code);
  return x.kind === "department" ? [where, " ", u(x.department)] : [where, " ", t("role_" + x.kind)];
}

function unitName(names: Map<string, string>, u: Unit): string {
  const where = names.get(u.region_code) ?? u.region_code;
  if (u.kind === "department") return where + " " + u.department;
  return where + " " + t("role_" + u.kind);
}

function levelBadge(level: string): HTMLElement {
  return el("span", { class: "badge level-" + level, "data-level": level }, t("level_" + level));
}

function statusBadge(o: Order): HTMLElement {
  const s = el("span", { class: "od-status" }, el("span", { class: "badge order-" + o.status, "data-status": o.status }, t("od_status_" + o.status)));
  if (o.overdue) s.append(" ", el("span", { class: "badge level-red", "data-overdue": "1" }, t("od_overdue")));
  if (o.escalation_level > 0) s.append(" ", el("span", { class: "badge level-orange" }, t("od_level_" + o.escalation_level)));
  return s;
}

function msg(target: HTMLElement, text: string, ok: boolean) {
  target.replaceChildren(el("span", { class: "msg " + (ok ? "ok" : "error"), role: ok ? "status" : "alert" }, text));
}
const failText = (e: unknown) => (e instanceof ApiFailure ? e.text() : String(e));

function field(label: string, input: HTMLElement): HTMLElement {
  return el("label", { class: "field" }, el("span", {}, label), input);
}

// A date some days from today, YYYY-MM-DD.
function inDays(n: number): string {
  const d = new Date(Date.now() + n * 86400000);
  return d.toISOString().slice(0, 10);
}

// The form that issues an order: from a warning (prefilled) or by hand.
async function issueForm(ctx: Ctx, names: Map<string, string>, from: Warning | null): Promise<HTMLElement> {
  const units = (await api<{ units: Unit[] }>("GET", "/api/v1/responsible-units")).units;
  const form = el("form", { class: "od-form", "data-testid": "order-form" });
  const title = el("input", { name: "title", required: "", maxlength: "200" }) as HTMLInputElement;
  title.value = from ? `${lang() === "zh" ? from.rule_zh : from.rule_en}：${from.project_name}` : "";
  const body = el("textarea", { name: "body", rows: "2" }) as HTMLTextAreaElement;
  body.value = from ? (lang() === "zh" ? from.message_zh : from.message_en) : "";
  const unit = el("select", { name: "unit", "data-testid": "order-unit" }) as HTMLSelectElement;
  units.forEach((u, i) => {
    const o = el("option", { value: String(i), "data-kind": u.kind, "data-region": u.region_code, "data-department": u.department }, u.name ?? unitName(names, u)) as HTMLOptionElement;
    if (from && u.kind === from.responsible.kind && sameRegion(u.region_code, from.responsible.region_code) && u.department === from.responsible.department) o.selected = true;
    unit.append(o);
  });
  const due = el("input", { name: "due_date", type: "date", required: "" }) as HTMLInputElement;
  due.value = inDays(15);
  const kinds = ["photo", "layer_version", "plan_change"].map((k) => {
    const box = el("input", { type: "checkbox", value: k, name: "evidence_" + k }) as HTMLInputElement;
    if (k === "photo") box.checked = true;
    return el("label", { class: "check" }, box, " ", t("oe_" + k));
  });
  const out = el("div", { class: "od-msg" });
  const submit = el("button", { class: "btn primary", type: "submit", "data-testid": "order-issue" }, t("od_form_submit"));
  form.append(field(t("od_form_title"), title), field(t("od_form_body"), body), field(t("od_form_unit"), unit),
    field(t("od_form_due"), due), el("div", { class: "field" }, el("span", {}, t("od_form_evidence")), ...kinds), submit, out);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const u = units[Number(unit.value)];
    if (!u) return;
    const req: Record<string, unknown> = {
      source: from ? "warning" : "manual",
      title: title.value,
      body: body.value,
      unit: { kind: u.kind, region_code: u.region_code, ...(u.department ? { department: u.department } : {}) },
      due_date: due.value,
      evidence_required: [...form.querySelectorAll<HTMLInputElement>("input[type=checkbox]:checked")].map((b) => b.value),
    };
    if (from) req.warning_key = from.key;
    submit.setAttribute("disabled", "");
    try {
      const o = await api<Order>("POST", "/api/v1/orders", req);
      msg(out, t("od_issued", { code: o.code }), true);
      ctx.go(`/orders/${o.id}`);
    } catch (err) {
      msg(out, failText(err), false);
    } finally {
      submit.removeAttribute("disabled");
    }
  });
  return form;
}

// ---- warnings -------------------------------------------------------------------------------

export async function renderWarnings(main: HTMLElement, ctx: Ctx): Promise<() => void> {
  const names = await regionNames(ctx);
  const rules = (await api<{ rules: { rule: string; name_zh: string; name_en: string }[] }>("GET", "/api/v1/warning-rules")).rules;
  const q = new URLSearchParams(location.search);
  const level = el("select", { "data-testid": "wn-level" }, el("option", { value: "" }, t("wn_all")),
    ...["red", "orange", "yellow"].map((l) => el("option", { value: l }, t("level_" + l)))) as HTMLSelectElement;
  const rule = el("select", { "data-testid": "wn-rule" }, el("option", { value: "" }, t("wn_all")),
    ...rules.map((r) => el("option", { value: r.rule }, lang() === "zh" ? r.name_zh : r.name_en))) as HTMLSelectElement;
  const region = el("select", { "data-testid": "wn-region" }, el("option", { value: "" }, t("wn_all")),
    ...[...names].filter(([code]) => code.length <= 9).map(([code, name]) => el("option", { value: code, "data-user": "" }, name))) as HTMLSelectElement;
  level.value = q.get("level") ?? "";
  rule.value = q.get("rule") ?? "";
  region.value = q.get("region") ?? "";
  const xlsx = el("a", { class: "btn secondary", "data-testid": "wn-xlsx", download: "" }, t("download_xlsx")) as HTMLAnchorElement;
  const list = el("div", { "data-testid": "warnings" });
  const mayIssue = ctx.me.grants.some((g) => ISSUERS.includes(g.role));
  let drawing = 0;
  const draw = async () => {
    const mine = ++drawing;
    const p = new URLSearchParams();
    if (level.value) p.set("level", level.value);
    if (rule.value) p.set("rule", rule.value);
    if (region.value) p.set("region", region.value);
    history.replaceState(null, "", "/warnings" + (p.size ? "?" + p : ""));
    const ws = (await api<{ warnings: Warning[] }>("GET", "/api/v1/warnings?" + p)).warnings;
    if (mine !== drawing) return;
    p.set("format", "xlsx");
    xlsx.href = "/api/v1/warnings?" + p;
    if (!ws.length) return list.replaceChildren(el("p", { class: "empty" }, t("wn_none")));
    const table = el("table", { class: "grid" },
      el("tr", {}, ...["wn_level", "wn_rule", "wn_project", "wn_region", "wn_responsible", "wn_what", ""].map((k) => el("th", {}, k ? t(k) : ""))));
    for (const w of ws) {
      const cell = el("td", {});
      if (mayIssue) {
        const b = el("button", { class: "btn", "data-testid": "wn-issue" }, t("wn_issue"));
        b.addEventListener("click", async () => {
          b.remove();
          cell.append(await issueForm(ctx, names, w));
        });
        cell.append(b);
      }
      table.append(el("tr", { "data-key": w.key, "data-rule": w.rule, "data-level": w.level },
        el("td", {}, levelBadge(w.level)), el("td", {}, lang() === "zh" ? w.rule_zh : w.rule_en),
        el("td", {}, link(`/projects/${encodeURIComponent(w.project_code)}`, w.project_code), " ", u(w.project_name)),
        el("td", { "data-user": "" }, names.get(w.region_code) ?? w.region_code), el("td", {}, ...unitParts(names, w.responsible)),
        // The server's message names milestones, payees, amounts: data within it.
        el("td", { "data-user": "" }, lang() === "zh" ? w.message_zh : w.message_en), cell));
    }
    list.replaceChildren(el("p", { class: "hint" }, t("wn_count", { n: ws.length })), el("div", { class: "table-scroll" }, table));
  };
  for (const s of [level, rule, region]) s.addEventListener("change", () => void draw());
  main.append(el("section", { class: "card" }, el("h1", {}, t("wn_title")), el("p", { class: "hint" }, t("wn_intro")),
    el("div", { class: "toolbar" }, field(t("wn_level"), level), field(t("wn_rule"), rule), field(t("wn_region"), region), xlsx), list));
  await draw();
  return onLive(() => draw(), (e) => !e.kind.startsWith("vote."), 400);
}

// ---- the inbox ------------------------------------------------------------------------------

export async function renderOrders(main: HTMLElement, ctx: Ctx): Promise<() => void> {
  const names = await regionNames(ctx);
  const q = new URLSearchParams(location.search);
  let box = q.get("box") ?? "inbox";
  const mayIssue = ctx.me.grants.some((g) => ISSUERS.includes(g.role));
  const tabs = el("div", { class: "tabs", role: "tablist" });
  const list = el("div", { "data-testid": "orders" });
  const xlsx = el("a", { class: "btn secondary", "data-testid": "od-xlsx", download: "" }, t("download_xlsx")) as HTMLAnchorElement;
  const note = el("div", {});
  let drawing = 0;
  const draw = async () => {
    const mine = ++drawing;
    tabs.replaceChildren(...["inbox", "issued", "escalated", "all"].map((b) => {
      const a = el("button", { class: "btn" + (b === box ? " primary" : ""), role: "tab", "data-box": b }, t("od_box_" + b));
      a.addEventListener("click", () => {
        box = b;
        history.replaceState(null, "", "/orders?box=" + b);
        void draw();
      });
      return a;
    }));
    const p = box === "all" ? "" : "box=" + box;
    xlsx.href = "/api/v1/orders?format=xlsx" + (p ? "&" + p : "");
    const os = (await api<{ orders: Order[] }>("GET", "/api/v1/orders" + (p ? "?" + p : ""))).orders;
    if (mine !== drawing) return;
    if (!os.length) return list.replaceChildren(el("p", { class: "empty" }, t("od_none")));
    const table = el("table", { class: "grid" },
      el("tr", {}, ...["od_code", "od_subject", "od_issuer", "od_unit", "od_due", "od_status"].map((k) => el("th", {}, t(k)))));
    for (const o of os)
      table.append(el("tr", { "data-code": o.code, "data-status": o.status },
        el("td", {}, link(`/orders/${o.id}`, o.code)), el("td", { "data-user": "" }, o.title), el("td", {}, ...unitParts(names, o.issuer_unit)),
        el("td", {}, ...unitParts(names, o.unit)), el("td", {}, fmtTime(o.due_at)), el("td", {}, statusBadge(o))));
    list.replaceChildren(el("div", { class: "table-scroll" }, table));
  };
  const tools = el("div", { class: "toolbar" }, xlsx);
  if (mayIssue) {
    const esc = el("button", { class: "btn", "data-testid": "od-escalate" }, t("od_escalate"));
    esc.addEventListener("click", async () => {
      try {
        const r = await api<{ escalated: Order[] }>("POST", "/api/v1/order-escalations", {});
        msg(note, t("od_escalated_n", { n: r.escalated.length }), true);
        await draw();
      } catch (e) {
        msg(note, failText(e), false);
      }
    });
    const add = el("button", { class: "btn", "data-testid": "od-new" }, t("od_new"));
    add.addEventListener("click", async () => {
      add.remove();
      note.replaceChildren(await issueForm(ctx, names, null));
    });
    tools.append(esc, add);
  }
  main.append(el("section", { class: "card" }, el("h1", {}, t("od_title")), tabs, tools, note, list));
  await draw();
  return onLive(() => draw(), (e) => e.kind.startsWith("order."), 200);
}

// ---- one order ------------------------------------------------------------------------------

async function toBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export async function renderOrder(main: HTMLElement, ctx: Ctx, id: string): Promise<() => void> {
  const names = await regionNames(ctx);
  const sec = el("section", { class: "card", "data-testid": "order" });
  main.append(sec);
  const draw = async () => {
    const o = await api<Order>("GET", `/api/v1/orders/${encodeURIComponent(id)}`);
    sec.dataset.status = o.status;
    const src = o.source ?? {};
    let sourceText = t("od_source_" + (src.kind ?? "manual"));
    const sourceData = src.warning ? (lang() === "zh" ? src.warning.message_zh : src.warning.message_en ?? src.warning.message_zh) ?? "" : "";
    if (src.spot) sourceText += `${colon()}${src.spot.layer} v${src.spot.from_version}→v${src.spot.to_version} · ${src.spot.id}`;
    if (src.feedback) sourceText += ` #${src.feedback.id}`;
    const facts = el("table", { class: "attrs" },
      ...([
        ["od_code", [u(o.code)]], ["od_source", [sourceText, ...(sourceData ? [colon(), u(sourceData)] : [])]], ["od_issuer", unitParts(names, o.issuer_unit)], ["od_unit", unitParts(names, o.unit)],
        ["od_due", [fmtTime(o.due_at)]], ["od_form_evidence", [o.evidence_required.map((k) => t("oe_" + k)).join(lang() === "zh" ? "、" : ", ")]],
      ] as [string, (string | HTMLElement)[]][]).map(([k, v]) => el("tr", {}, el("th", {}, t(k)), el("td", {}, ...v))),
      el("tr", {}, el("th", {}, t("od_status")), el("td", { "data-testid": "order-status" }, statusBadge(o))));
    if (o.project_code) facts.append(el("tr", {}, el("th", {}, t("wn_project")), el("td", {}, link(`/projects/${encodeURIComponent(o.project_code)}`, o.project_code))));
    const history = el("ol", { class: "od-history", "data-testid": "order-history" },
      ...(o.steps ?? []).map((s) => el("li", { "data-action": s.action }, el("strong", {}, t("od_step_" + s.action)), " · ", u(s.actor), ` · ${fmtTime(s.time)}`,
        s.comment ? el("div", { class: "od-comment", "data-user": "" }, s.comment) : null)));
    const evidence = el("div", { class: "od-evidence", "data-testid": "order-evidence" });
    for (const e of o.evidence ?? []) {
      if (e.kind === "text") evidence.append(el("p", { "data-user": "" }, e.text ?? ""));
      if (e.kind === "photo")
        evidence.append(el("figure", { class: "od-photo" }, el("img", { src: `/api/v1/orders/${o.id}/photos/${e.sha256}`, alt: t("oe_photo"), width: "160" }),
          el("figcaption", {}, t("od_at", { lon: (e.lon ?? 0).toFixed(5), lat: (e.lat ?? 0).toFixed(5) }))));
      if (e.kind === "layer_version") evidence.append(el("p", {}, t("oe_layer_version") + colon(), u(`${e.layer} v${e.version}`)));
      if (e.kind === "plan_change") evidence.append(el("p", {}, `${t("oe_plan_change")}${colon()}#${e.plan_change}`));
    }
    const actions = el("div", { class: "od-actions" });
    const out = el("div", { class: "od-msg", "data-testid": "order-msg" });
    if (actsFor(ctx, o.unit) && (o.status === "issued" || o.status === "returned")) actions.append(answerForm(o, out, draw));
    const issuer = o.issuer === ctx.me.user.username || actsFor(ctx, o.issuer_unit) || (o.supervisor !== null && o.escalation_level > 0 && actsFor(ctx, o.supervisor));
    if (issuer && o.status === "answered") actions.append(verifyForm(o, out, draw));
    sec.replaceChildren(el("h1", { "data-user": "" }, o.title), o.body ? el("p", { "data-user": "" }, o.body) : "", facts,
      el("h2", {}, t("od_history")), history, el("h2", {}, t("od_evidence")), evidence, actions, out);
  };
  await draw();
  return onLive(() => draw(), (e) => e.kind.startsWith("order.") && e.payload?.order === Number(id), 100);
}

function answerForm(o: Order, out: HTMLElement, redraw: () => Promise<void>): HTMLElement {
  const form = el("form", { class: "od-form", "data-testid": "answer-form" });
  const text = el("textarea", { name: "text", rows: "3", required: "" }) as HTMLTextAreaElement;
  const files = el("input", { type: "file", accept: "image/jpeg,image/png", multiple: "", name: "photos" }) as HTMLInputElement;
  const lon = el("input", { name: "lon", inputmode: "decimal" }) as HTMLInputElement;
  const lat = el("input", { name: "lat", inputmode: "decimal" }) as HTMLInputElement;
  const layer = el("input", { name: "layer" }) as HTMLInputElement;
  const version = el("input", { name: "version", type: "number", min: "1" }) as HTMLInputElement;
  const change = el("input", { name: "plan_change", type: "number", min: "1" }) as HTMLInputElement;
  const submit = el("button", { class: "btn primary", type: "submit", "data-testid": "answer-submit" }, t("od_answer_submit"));
  form.append(el("h2", {}, t("od_answer")), field(t("od_answer_text"), text), field(t("od_answer_photos"), files),
    el("div", { class: "toolbar" }, field(t("od_lon"), lon), field(t("od_lat"), lat)));
  if (o.evidence_required.includes("layer_version")) form.append(el("div", { class: "toolbar" }, field(t("od_layer"), layer), field(t("od_version"), version)));
  if (o.evidence_required.includes("plan_change")) form.append(field(t("od_plan_change"), change));
  form.append(submit);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body: Record<string, unknown> = { text: text.value };
    const photos = [];
    for (const f of Array.from(files.files ?? []))
      photos.push({ content_type: f.type, data_base64: await toBase64(f), lon: Number(lon.value), lat: Number(lat.value) });
    if (photos.length) body.photos = photos;
    if (layer.value) Object.assign(body, { layer: layer.value, version: Number(version.value) });
    if (change.value) body.plan_change = Number(change.value);
    submit.setAttribute("disabled", "");
    try {
      await api("POST", `/api/v1/orders/${o.id}/answer`, body);
      await redraw();
      msg(out, t("od_answered"), true);
    } catch (err) {
      msg(out, failText(err), false);
      submit.removeAttribute("disabled");
    }
  });
  return form;
}

function verifyForm(o: Order, out: HTMLElement, redraw: () => Promise<void>): HTMLElement {
  const form = el("div", { class: "od-form", "data-testid": "verify-form" });
  const comment = el("textarea", { name: "comment", rows: "2" }) as HTMLTextAreaElement;
  const close = el("button", { class: "btn primary", "data-testid": "order-close" }, t("od_close"));
  const back = el("button", { class: "btn", "data-testid": "order-return" }, t("od_return"));
  const act = async (path: string, body: Record<string, string>, done: string) => {
    try {
      await api("POST", `/api/v1/orders/${o.id}/${path}`, body);
      await redraw();
      msg(out, done, true);
    } catch (err) {
      msg(out, failText(err), false);
    }
  };
  close.addEventListener("click", () => void act("close", { comment: comment.value }, t("od_closed_ok")));
  back.addEventListener("click", () => void act("return", { reason: comment.value }, t("od_returned_ok")));
  form.append(el("h2", {}, t("od_verify")), field(t("od_close_comment") + " / " + t("od_return_reason"), comment), el("div", { class: "toolbar" }, close, back));
  return form;
}
