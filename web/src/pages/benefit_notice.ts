// The public notice (公示) of a distribution plan as villagers meet it under 村务公告
// (/village/notices/ID, pages/village.ts): the plan's amounts and period, the objections the
// caller may read with the township's answers, and while the notice runs the form to object with
// a reason (POST /api/v1/distributions/ID/objections). A notice that publishes no plan shows
// nothing more.
import { ApiFailure, api } from "../api";
import { el, u } from "../dom";
import { addStrings, colon, t, tData } from "../i18n";
import { fmtDay } from "../i18n_notice";
import { fenYuan } from "./project_funds";

addStrings({
  bn_title: ["收益分配方案", "Distribution plan"],
  bn_amounts: ["分配总额 {amount}：县乡 {county}，村集体 {village}，农户 {households}", "Total {amount}: county/township {county}, village collective {village}, households {households}"],
  bn_period: ["公示期 {from} 至 {to}", "On notice from {from} to {to}"],
  bn_running: ["公示中，可提出异议", "On notice: objections are taken"],
  bn_over: ["公示期已满，不再受理异议", "The notice period is over: no more objections"],
  bn_objections: ["异议与答复", "Objections and answers"],
  bn_none: ["暂无异议。", "No objections."],
  bn_waiting: ["等待乡镇答复", "Awaiting the township's answer"],
  bn_answer_by: ["{by} 答复：", "{by} answered:"],
  bn_reason: ["异议理由", "Your reason"],
  bn_submit: ["提出异议", "Object"],
  bn_sent: ["异议已提交，乡镇将答复。", "Objection sent; the township will answer."],
});

interface Objection {
  id: number;
  author: string;
  reason: string;
  created_at: string;
  answer: { text: string; by: string; at: string } | null;
}
interface NoticePlan {
  plan: { id: number; title: string; amount_fen: number; county_fen: number; village_fen: number; households_fen: number; notice_starts: string; notice_ends: string; notice_state: string };
  objections: Objection[];
}

export async function mountPlanObjection(container: HTMLElement, noticeId: number, isVillager: boolean): Promise<void> {
  let data: NoticePlan;
  try {
    data = await api<NoticePlan>("GET", `/api/v1/notices/${noticeId}/distribution`);
  } catch {
    return; // not a plan's notice
  }
  const p = data.plan;
  const sec = el("section", { class: "card", "data-testid": "notice-plan", "data-plan": String(p.id) },
    el("h2", {}, t("bn_title"), colon(), u(p.title)),
    el("p", { "data-testid": "notice-plan-amounts" }, t("bn_amounts", { amount: fenYuan(p.amount_fen), county: fenYuan(p.county_fen), village: fenYuan(p.village_fen), households: fenYuan(p.households_fen) })),
    el("p", { class: "muted small" }, t("bn_period", { from: fmtDay(p.notice_starts), to: fmtDay(p.notice_ends) }), " · ",
      el("span", { "data-testid": "notice-plan-state" }, t(p.notice_state === "running" ? "bn_running" : "bn_over"))));
  const list = el("ul", { class: "plain", "data-testid": "notice-objections" });
  const draw = (items: Objection[]) => {
    list.replaceChildren(...items.map((o) => el("li", { class: "card", "data-objection": String(o.id) },
      el("p", { "data-user": "" }, o.reason), el("p", { class: "muted small" }, u(o.author), ` · ${fmtDay(o.created_at)}`),
      o.answer
        ? el("p", { "data-testid": `notice-answer-${o.id}` }, el("strong", {}, tData("bn_answer_by", { by: o.answer.by })), " ", u(o.answer.text))
        : el("p", { class: "muted", "data-testid": `notice-answer-${o.id}` }, t("bn_waiting")))));
    if (!items.length) list.append(el("li", { class: "muted" }, t("bn_none")));
  };
  draw(data.objections);
  sec.append(el("h3", {}, t("bn_objections")), list);
  if (p.notice_state === "running" && isVillager) {
    const reason = el("textarea", { "data-testid": "notice-object-reason", rows: "3", placeholder: t("bn_reason") }) as HTMLTextAreaElement;
    const msg = el("p", { class: "msg", "data-testid": "notice-object-msg" });
    const send = el("button", { class: "btn touch", "data-testid": "notice-object-submit" }, t("bn_submit"));
    send.addEventListener("click", async () => {
      try {
        await api("POST", `/api/v1/distributions/${p.id}/objections`, { reason: reason.value });
        reason.value = "";
        msg.className = "msg ok";
        msg.textContent = t("bn_sent");
        draw((await api<{ objections: Objection[] }>("GET", `/api/v1/distributions/${p.id}/objections`)).objections);
      } catch (e) {
        msg.className = "msg error";
        msg.textContent = e instanceof ApiFailure ? e.text() : String(e);
      }
    });
    sec.append(el("label", {}, t("bn_reason"), reason), send, msg);
  }
  container.append(sec);
}
