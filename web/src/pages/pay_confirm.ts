// The confirmation before a payment is approved (批准拨付): the amount in figures (元) and in
// Chinese capitals (大写金额, the server's services/money_words), its 万元 summary, the project,
// the milestone and the payee; the approver's opinion is required. Resolves to the opinion, or
// null when cancelled.
import "./project.css";
import { api, apiFile } from "../api";
import { el } from "../dom";
import { addStrings, paren, t } from "../i18n";
import "../i18n_funds";

addStrings({
  pc_title: ["确认批准拨付", "Confirm the payment"],
  pc_project: ["项目", "Project"],
  pc_milestone: ["节点", "Milestone"],
  pc_payee: ["收款单位", "Payee"],
  pc_purpose: ["用途", "Purpose"],
  pc_amount: ["金额（小写）", "Amount"],
  pc_capital: ["金额（大写）", "Amount in words"],
  pc_summary: ["折合", "That is"],
  pc_opinion: ["审核意见（必填）", "Opinion (required)"],
  pc_opinion_needed: ["请填写审核意见", "Please write an opinion"],
  pc_confirm: ["确认拨付", "Approve payment"],
  pc_cancel: ["取消", "Cancel"],
  pc_voucher: ["拨付凭证（可选：JPEG、PNG 图片或 PDF 文件，不超过 10 MB）", "Voucher (optional: a JPEG or PNG image or a PDF, at most 10 MB)"],
  pc_voucher_too_large: ["凭证文件不能超过 10 MB", "The voucher may be at most 10 MB"],
  pc_voucher_type: ["凭证须为 JPEG、PNG 图片或 PDF 文件", "The voucher must be a JPEG or PNG image or a PDF"],
  pc_hint: ["批准后资金即从项目资金池划拨，记入资金台账和审计日志，不可撤回。", "Once approved the money leaves the project pool, is written to the ledger and the audit log, and cannot be taken back."],
});

export interface PaymentToConfirm {
  project_code: string;
  project_name?: string;
  milestone: string;
  payee: string;
  purpose?: string;
  amount_fen: number;
  amount_capital?: string;
  amount_wan_yuan?: string;
}

export interface Voucher {
  content_type: string;
  size: number;
  url: string;
}

// "拨付凭证（PDF 文件，12 KB）", a link that downloads it.
export function voucherLink(v: Voucher): HTMLElement {
  const kind = v.content_type === "application/pdf" ? "pdf" : v.content_type === "image/png" ? "png" : "jpeg";
  return el("a", { href: v.url, class: "small", download: "", "data-testid": "voucher-link" },
    t("fw_voucher") + paren(t("fw_voucher_file", { kind: t("fw_voucher_kind_" + kind), kb: Math.max(1, Math.round(v.size / 1024)) })));
}

// "350,000.00 元" from integer fen (exact: fen are split, never divided in floating point).
export function yuanFigures(fen: number): string {
  const sign = fen < 0 ? "-" : "";
  const f = Math.abs(fen);
  const whole = Math.floor(f / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${sign}${whole}.${String(f % 100).padStart(2, "0")} 元`;
}

export interface PaymentDecision {
  opinion: string;
  voucher: File | null;
}

export const MAX_VOUCHER_BYTES = 10 * 1024 * 1024;

// Approves payment `id` of project `projectId` with the opinion, and the voucher when there is one
// (its bytes as the body, the decision in the query: one request, one transaction on the server).
export function approvePayment(projectId: number, id: number, decision: PaymentDecision): Promise<unknown> {
  const path = `/api/v1/projects/${projectId}/funds/disbursements/${id}/decision`;
  if (!decision.voucher) return api("POST", path, { decision: "approve", comment: decision.opinion });
  return apiFile("POST", `${path}?decision=approve&comment=${encodeURIComponent(decision.opinion)}`, decision.voucher);
}

export function confirmPayment(d: PaymentToConfirm): Promise<PaymentDecision | null> {
  return new Promise((resolve) => {
    const opinion = el("textarea", { rows: "3", maxlength: "2000", "data-testid": "pay-opinion", required: "" }) as HTMLTextAreaElement;
    const voucher = el("input", { type: "file", accept: "image/jpeg,image/png,application/pdf,.jpg,.jpeg,.png,.pdf", "data-testid": "pay-voucher" }) as HTMLInputElement;
    const msg = el("p", { class: "msg", role: "status" });
    const ok = el("button", { type: "button", class: "btn primary", "data-testid": "pay-confirm" }, t("pc_confirm"));
    const cancel = el("button", { type: "button", class: "btn", "data-testid": "pay-cancel" }, t("pc_cancel"));
    const row = (k: string, v: string, id: string) => [el("dt", {}, t(k)), el("dd", { "data-field": id }, v)];
    const box = el("div", { class: "modal", role: "dialog", "aria-modal": "true", "data-testid": "pay-confirmation" },
      el("div", { class: "modal-card card" },
        el("h2", {}, t("pc_title")),
        el("dl", { class: "pc-list" },
          ...row("pc_project", d.project_name ? `${d.project_code} ${d.project_name}` : d.project_code, "project"),
          ...row("pc_milestone", d.milestone, "milestone"),
          ...row("pc_payee", d.payee, "payee"),
          ...(d.purpose ? row("pc_purpose", d.purpose, "purpose") : []),
          ...row("pc_amount", yuanFigures(d.amount_fen) + (d.amount_wan_yuan ? `（${t("pc_summary")} ${d.amount_wan_yuan}）` : ""), "amount"),
          ...(d.amount_capital ? row("pc_capital", d.amount_capital, "capital") : [])),
        el("label", { class: "pc-opinion" }, el("span", {}, t("pc_opinion")), opinion),
        el("label", { class: "pc-opinion" }, el("span", {}, t("pc_voucher")), voucher),
        el("p", { class: "hint" }, t("pc_hint")), msg, el("div", { class: "buttons" }, ok, cancel)));
    const close = (answer: PaymentDecision | null) => {
      box.remove();
      resolve(answer);
    };
    ok.addEventListener("click", () => {
      const text = opinion.value.trim();
      if (!text) {
        msg.className = "msg error";
        msg.textContent = t("pc_opinion_needed");
        opinion.focus();
        return;
      }
      const file = voucher.files?.[0] ?? null;
      if (file && file.size > MAX_VOUCHER_BYTES) {
        msg.className = "msg error";
        msg.textContent = t("pc_voucher_too_large");
        return;
      }
      if (file && !/^(image\/jpeg|image\/png|application\/pdf)$/.test(file.type) && !/\.(jpe?g|png|pdf)$/i.test(file.name)) {
        msg.className = "msg error";
        msg.textContent = t("pc_voucher_type");
        return;
      }
      close({ opinion: text, voucher: file });
    });
    cancel.addEventListener("click", () => close(null));
    box.addEventListener("keydown", (e) => {
      if ((e as KeyboardEvent).key === "Escape") close(null);
    });
    document.body.append(box);
    opinion.focus();
  });
}
