// How a project's compliance findings bind it, on its page: the violations that block approval
// and the public notice, the warnings the lead department acknowledges with a reason (who, when,
// why), acknowledgements a plan change cleared, the confirmation an applicant gives when
// submitting a plan with findings, and the findings a refusal names.
import "../i18n_compliance";
import { api, ApiFailure, regionContains, type Acknowledgement, type GateFinding, type Me, type Project } from "../api";
import { el } from "../dom";
import { fmtArea, fmtTime, has, lang, t } from "../i18n";

const ACK_STATES = ["compliance_checked", "joint_review"];

function where(f: GateFinding): string {
  return lang() === "zh" ? f.feature_zh : f.feature_en;
}

function findingItem(f: GateFinding, ...more: (Node | string)[]): HTMLElement {
  return el("li", { class: "finding effect-" + f.effect, "data-key": f.key, "data-rule": f.rule, "data-area-m2": String(f.area_m2) },
    el("span", { class: "badge sev" }, t("effect_" + f.effect)), " ",
    el("strong", {}, lang() === "zh" ? f.name_zh : f.name_en),
    el("div", { class: "area" }, `${t("finding_feature")}: ${where(f)} · ${fmtArea(f.area_m2)}`), ...more);
}

// The findings a refusal or a confirmation names, one item each.
export function findingsList(findings: GateFinding[], testid: string): HTMLElement {
  return el("ul", { class: "findings", "data-testid": testid }, ...findings.map((f) => findingItem(f)));
}

// The refusal of an action as the page shows it: the lead sentence, and the findings it names.
export function refusalContent(e: unknown): (Node | string)[] {
  if (!(e instanceof ApiFailure)) return [`${t("action_refused")}: ${String(e)}`];
  const findings: GateFinding[] | undefined = e.details?.findings;
  if (!findings?.length) return [`${t("action_refused")}: ${e.text()}`];
  const lead = has("refusal_" + e.code) ? t("refusal_" + e.code) : e.text();
  return [`${t("action_refused")}: ${lead}`, findingsList(findings, "refusal-findings")];
}

// Asks the applicant to confirm the findings before submitting; resolves true to submit anyway.
export function confirmFindings(findings: GateFinding[]): Promise<boolean> {
  return new Promise((resolve) => {
    const ok = el("button", { type: "button", class: "btn primary", "data-testid": "confirm-submit" }, t("confirm_submit"));
    const cancel = el("button", { type: "button", class: "btn", "data-testid": "confirm-cancel" }, t("confirm_cancel"));
    const box = el("div", { class: "modal", role: "dialog", "aria-modal": "true", "data-testid": "confirm-findings" },
      el("div", { class: "modal-card card" },
        el("h2", {}, t("confirm_title")), findingsList(findings, "confirm-list"),
        el("p", { class: "hint" }, t("confirm_hint")), el("div", { class: "buttons" }, ok, cancel)));
    const close = (answer: boolean) => {
      box.remove();
      resolve(answer);
    };
    ok.addEventListener("click", () => close(true));
    cancel.addEventListener("click", () => close(false));
    document.body.append(box);
    ok.focus();
  });
}

function mayAcknowledge(me: Me, p: Project): boolean {
  return ACK_STATES.includes(p.state) && !!p.compliance_gate?.current &&
    me.grants.some((g) => g.role === "lead_department" && regionContains(g.region, p.region_code));
}

function clearedText(a: Acknowledgement): string {
  const key = "ack_cleared_" + a.cleared_because;
  return has(key) ? t(key, { time: fmtTime(a.cleared_at) }) : fmtTime(a.cleared_at);
}

// The binding findings of the stored check; `changed` runs after an acknowledgement is saved.
export function gateSection(p: Project, me: Me, changed: () => void): HTMLElement | null {
  const g = p.compliance_gate;
  if (!g || (!g.blocking.length && !g.warnings.length && !g.acknowledgements.length)) return null;
  const sec = el("section", { class: "card gate", "data-testid": "compliance-gate" }, el("h2", {}, t("gate_title")));
  if (!g.current) sec.append(el("p", { class: "warn" }, t("gate_stale")));
  else if (!g.blocking.length && g.warnings.every((w) => w.acknowledgement)) sec.append(el("p", { class: "ok" }, t("gate_clear")));
  if (g.blocking.length) sec.append(el("h3", {}, t("gate_blocking")), findingsList(g.blocking, "gate-blocking"));
  if (g.warnings.length) {
    const may = mayAcknowledge(me, p);
    const list = el("ul", { class: "findings", "data-testid": "gate-warnings" });
    g.warnings.forEach((w, i) => {
      const a = w.acknowledgement;
      const item = findingItem(w);
      item.dataset.acknowledged = a ? "1" : "0";
      if (a) item.append(el("div", { class: "ack", "data-testid": "ack-" + i }, t("ack_done", { actor: a.actor, time: fmtTime(a.time), reason: a.reason })));
      else if (may) item.append(ackForm(p, w, i, changed));
      else item.append(el("div", { class: "warn" }, t("ack_open")));
      list.append(item);
    });
    sec.append(el("h3", {}, t("gate_warnings")), list);
  }
  const cleared = g.acknowledgements.filter((a) => a.cleared_at);
  if (cleared.length) {
    sec.append(el("h3", {}, t("ack_history")), el("ul", { class: "muted", "data-testid": "ack-cleared" },
      ...cleared.map((a) => el("li", {}, `${t("ack_done", { actor: a.actor, time: fmtTime(a.time), reason: a.reason })} · ${clearedText(a)}`))));
  }
  return sec;
}

function ackForm(p: Project, w: GateFinding, i: number, changed: () => void): HTMLElement {
  const reason = el("input", { class: "comment", placeholder: t("ack_reason"), "data-testid": "ack-reason-" + i, maxlength: "2000" }) as HTMLInputElement;
  const btn = el("button", { type: "button", class: "btn", "data-testid": "ack-button-" + i }, t("ack_button"));
  const msg = el("div", { class: "msg", role: "status" });
  btn.addEventListener("click", async () => {
    btn.setAttribute("disabled", "");
    try {
      await api("POST", `/api/v1/projects/${p.id}/acknowledgements`, { finding: w.key, reason: reason.value });
      msg.className = "msg ok";
      msg.textContent = t("ack_saved");
      changed();
    } catch (e) {
      msg.className = "msg error";
      msg.replaceChildren(...refusalContent(e));
      btn.removeAttribute("disabled");
    }
  });
  return el("div", { class: "ack-form" }, reason, btn, msg);
}
