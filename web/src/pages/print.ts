// Printable A4 layouts officials file on paper (print.css): the project's approval form (审批表)
// with every review, opinion and condition; the public notice (公示) with its sketch map and
// changes; a fund-approval sheet (资金拨付审批单) with the amount in figures and capitals.
//   /print/approval/{project id}
//   /print/notice/{project id}
//   /print/payment/{project id}/{disbursement id}
import "./print.css";
import { api, getProject, landUseClasses, planningClasses, type Project } from "../api";
import { el, u } from "../dom";
import { fmtArea, fmtTime, has, lang, t, colon, paren, tData, typeName } from "../i18n";
import { fmtDay } from "../i18n_notice";
import type { Ctx } from "../main";
import { M2_PER_MU, nf } from "../units";
import "../i18n_funds";
import { voucherLink, yuanFigures, type Voucher } from "./pay_confirm";
import { planSvg } from "./village_project";

export async function renderPrint(main: HTMLElement, ctx: Ctx): Promise<() => void> {
  const [, kind, idText, extra] = location.pathname.split("/").filter(Boolean);
  const id = Number(idText);
  const p = await getProject(id);
  const regions = await ctx.regions().catch(() => []);
  const regionName = regions.find((r) => r.code === p.region_code)?.name ?? "";
  main.classList.add("print-page");
  const bar = el("div", { class: "print-bar no-print" },
    el("button", { type: "button", class: "btn primary", "data-testid": "print-now" }, t("pr_print")),
    el("a", { href: `/projects/${encodeURIComponent(p.code)}`, "data-route": "", class: "btn" }, t("pr_back")));
  bar.querySelector("button")!.addEventListener("click", () => window.print());
  main.append(bar);
  const sheet = el("article", { class: "a4", "data-testid": "print-sheet", "data-kind": kind });
  main.append(sheet);
  if (kind === "approval") approvalSheet(sheet, p, regionName);
  else if (kind === "notice") await noticeSheet(sheet, p, regionName);
  else if (kind === "payment") await paymentSheet(sheet, p, regionName, Number(extra));
  else sheet.append(el("p", {}, t("not_found_title")));
  document.title = sheet.querySelector("h1")?.textContent ?? t("app_name");
  return () => undefined;
}

const cell = (text: string, attrs: Record<string, string> = {}) => el("td", attrs, text);
// A cell whose text is data (a name, a code, an opinion).
const dcell = (text: string, attrs: Record<string, string> = {}) => el("td", { ...attrs, "data-user": "" }, text);
const head = (text: string, attrs: Record<string, string> = {}) => el("th", attrs, text);
const signature = (who: string) => el("div", { class: "sign" }, el("span", {}, who), el("span", {}, t("pr_sign")), el("span", {}, t("pr_date")));

function basics(p: Project, regionName: string): HTMLElement {
  return el("table", { class: "form-table" },
    el("tr", {}, head(t("col_code")), dcell(p.code), head(t("col_name")), dcell(p.name)),
    el("tr", {}, head(t("col_type")), cell(typeName(p.type)), head(t("col_region")), dcell(regionName)),
    el("tr", {}, head(t("col_area")), cell(fmtArea(p.area_m2), { colspan: "3" })),
    el("tr", {}, head(t("col_state")), cell(has("state_" + p.state) ? t("state_" + p.state) : p.state, { colspan: "3" })));
}

function approvalSheet(sheet: HTMLElement, p: Project, regionName: string) {
  sheet.append(el("h1", {}, t("pr_approval_title")), el("p", { class: "sub" }, t("pr_printed", { t: fmtDay(new Date().toISOString()) })), basics(p, regionName));
  // Compliance: the binding findings and their acknowledgements.
  const g = p.compliance_gate;
  const findings = el("table", { class: "form-table", "data-testid": "print-findings" }, el("tr", {}, head(t("pr_findings"), { colspan: "3" })));
  const items = [...(g?.blocking ?? []), ...(g?.warnings ?? [])];
  if (!items.length) findings.append(el("tr", {}, cell(t("pr_no_findings"), { colspan: "3" })));
  for (const f of items)
    findings.append(el("tr", {}, cell(lang() === "zh" ? f.text_zh || f.name_zh : f.text_en || f.name_en), cell(fmtArea(f.area_m2)),
      el("td", {}, ...(f.acknowledgement ? [t("pr_acknowledged") + colon(), u(f.acknowledgement.reason)] : []))));
  sheet.append(findings);
  // Every review of every round, with the opinion and the conditions.
  const reviews = el("table", { class: "form-table", "data-testid": "print-reviews" },
    el("tr", {}, head(t("pr_department")), head(t("pr_round")), head(t("pr_decision")), head(t("pr_opinion")), head(t("pr_reviewer"))));
  for (const r of p.reviews ?? []) {
    const conditions = (p.obligations ?? []).filter((o) => o.department === r.department).map((o) => o.text);
    reviews.append(el("tr", { "data-department": r.department },
      dcell(r.department), cell(String(r.round)), cell(r.decision ? t("decision_" + r.decision) : t("review_pending")),
      el("td", {}, u(r.opinion || ""), conditions.length ? el("div", { class: "conditions" }, t("pr_conditions") + colon(), u(conditions.join("；"))) : ""),
      el("td", {}, ...(r.reviewer ? [u(r.reviewer), ` ${fmtDay(r.decided_at)}`] : []))));
  }
  if (!(p.reviews ?? []).length) reviews.append(el("tr", {}, cell(t("no_reviews"), { colspan: "5" })));
  sheet.append(reviews, el("div", { class: "signs" }, signature(t("pr_sign_lead")), signature(t("pr_sign_group"))));
}

async function noticeSheet(sheet: HTMLElement, p: Project, regionName: string) {
  const [classes, planning, notice] = await Promise.all([
    landUseClasses().catch(() => []), planningClasses().catch(() => []),
    api<{ starts: string; ends: string }>("GET", `/api/v1/projects/${p.id}/notice`).catch(() => null),
  ]);
  const colors = new Map(classes.map((c) => [c.code, c.color]));
  const names = new Map(classes.map((c) => [c.code, lang() === "zh" ? c.name_zh : c.name_en]));
  for (const k of planning) {
    names.set(`yydh:${k.code}`, lang() === "zh" ? k.name_zh : k.name_en);
    const color = colors.get(k.survey_code);
    if (color) colors.set(`yydh:${k.code}`, color);
  }
  const targets: string[] = [];
  for (const c of p.plan?.changes ?? []) {
    const to = c.to_ghdlbm ? `yydh:${c.to_ghdlbm}` : String(c.to_code ?? "");
    const n = names.get(to);
    if (n && !targets.includes(n)) targets.push(n);
  }
  sheet.append(el("h1", {}, tData("pr_notice_title", { name: p.name })),
    el("p", { "data-testid": "print-notice-text" }, regionName ? tData("pn_text", { village: regionName, name: p.name, code: p.code, mu: nf(p.area_m2 / M2_PER_MU, 1) })
      : tData("pn_text", { village: t("pn_this_village"), name: p.name, code: p.code, mu: nf(p.area_m2 / M2_PER_MU, 1) })),
    el("p", { class: "period", "data-testid": "print-notice-period" }, notice ? t("pn_period", { from: fmtDay(notice.starts), to: fmtDay(notice.ends) }) : t("pr_no_notice")),
    el("h2", {}, t("pn_changes")),
    targets.length ? el("ul", {}, ...targets.map((n) => el("li", {}, t("pn_change_to", { cls: n })))) : el("p", {}, t("pn_no_changes")),
    el("div", { class: "print-map" }, planSvg(p, colors, [])),
    el("p", {}, t("pr_notice_contact")),
    el("div", { class: "signs" }, signature(t("pr_sign_village")), signature(t("pr_sign_township"))));
}

interface PrintDisbursement {
  id: number;
  milestone: string;
  payee: string;
  purpose: string;
  status: string;
  amount_fen: number;
  amount_capital?: string;
  amount_wan_yuan?: string;
  requested_by: string;
  requested_at: string;
  decided_by: string;
  decided_at: string;
  decision_comment: string;
  voucher?: Voucher | null;
}

async function paymentSheet(sheet: HTMLElement, p: Project, regionName: string, disbursement: number) {
  const list = (await api<{ disbursements: PrintDisbursement[] }>("GET", `/api/v1/projects/${p.id}/funds/disbursements`)).disbursements;
  const d = list.find((x) => x.id === disbursement);
  sheet.append(el("h1", {}, t("pr_payment_title")));
  if (!d) {
    sheet.append(el("p", {}, t("not_found_title")));
    return;
  }
  sheet.append(el("table", { class: "form-table", "data-testid": "print-payment" },
    el("tr", {}, head(t("col_code")), dcell(p.code), head(t("col_name")), dcell(p.name)),
    el("tr", {}, head(t("col_region")), dcell(regionName), head(t("pc_milestone")), dcell(d.milestone)),
    el("tr", {}, head(t("pc_payee")), dcell(d.payee, { colspan: "3" })),
    el("tr", {}, head(t("pc_purpose")), dcell(d.purpose || "—", { colspan: "3" })),
    el("tr", {}, head(t("pc_amount")), cell(`${yuanFigures(d.amount_fen)}${d.amount_wan_yuan ? paren(d.amount_wan_yuan) : ""}`, { colspan: "3", "data-field": "amount" })),
    // 大写金额 is Chinese by law, in either language of the interface.
    el("tr", {}, head(t("pc_capital")), dcell(d.amount_capital ?? "", { colspan: "3", "data-field": "capital" })),
    el("tr", {}, head(t("pr_requested")), el("td", { colspan: "3" }, u(d.requested_by), ` ${fmtDay(d.requested_at)}`)),
    el("tr", {}, head(t("pr_opinion")), el("td", { colspan: "3" }, ...(d.decided_by ? [t("fw_status_" + d.status) + colon(), u(d.decision_comment), lang() === "zh" ? "（" : " (", u(d.decided_by), ` ${fmtTime(d.decided_at)}`, lang() === "zh" ? "）" : ")"] : [t("pr_pending")]))),
    el("tr", {}, head(t("fw_voucher")), el("td", { colspan: "3", "data-field": "voucher" }, d.voucher ? voucherLink(d.voucher) : t("fw_voucher_none")))),
    el("div", { class: "signs" }, signature(t("pr_sign_finance")), signature(t("pr_sign_lead"))));
}
