// 我的收益 (/benefits): on the villager's phone, the shares of the households linked to the
// signed-in account in every distribution plan (GET /api/v1/my/benefits), with how each was
// computed (the plan's amount and households' part, the basis of the household and of all, the
// remainder rule) and whether it is paid. Nothing of other households is sent by the server.
import { api } from "../api";
import { el } from "../dom";
import { addStrings, t, paren, colon } from "../i18n";
import type { Ctx } from "../main";
import { fenYuan } from "./project_funds";
import type { Plan } from "./indicators";
import "./indicators";

addStrings({
  myb_title: ["我的收益", "My benefits"],
  myb_none: ["您家暂时没有收益分配。", "No distribution for your household yet."],
  myb_share: ["您家（{code}）应得", "Your household ({code}) receives"],
  myb_how: ["计算：本方案 {amount}，农户部分 {hh}（{pct}），按{basis}分配：您家 {w}，全体 {total}。",
    "How: the plan's {amount}, the households' part {hh} ({pct}), by {basis}: yours {w} of {total}."],
  myb_paid: ["已拨付", "Paid"],
  myb_unpaid: ["尚未拨付", "Not paid yet"],
  myb_vote: ["村民代表会议表决：{v}", "Assembly vote: {v}"],
});

interface Benefit {
  plan: Omit<Plan, "households">;
  share: { household_code: string; weight: number; total_weight: number; share_fen: number; got_remainder_fen: boolean; paid: boolean };
}

export async function renderMyBenefits(main: HTMLElement, _ctx: Ctx): Promise<() => void> {
  main.append(el("h1", {}, t("myb_title")));
  const list = (await api<{ benefits: Benefit[] }>("GET", "/api/v1/my/benefits")).benefits;
  if (!list.length) main.append(el("p", { class: "muted", "data-testid": "myb-none" }, t("myb_none")));
  for (const b of list) {
    const p = b.plan, s = b.share;
    main.append(el("section", { class: "card", "data-testid": `myb-${p.id}-${s.household_code}` },
      el("h2", { "data-user": "" }, p.title),
      el("p", {}, t("myb_share", { code: s.household_code }), " ",
        el("strong", { "data-testid": `myb-share-${p.id}` }, fenYuan(s.share_fen)), s.got_remainder_fen ? paren(t("ind_remainder_fen")) : ""),
      el("p", {}, t("myb_how", {
        amount: fenYuan(p.amount_fen), hh: fenYuan(p.households_fen), pct: `${(p.households_bp / 100).toFixed(2)}%`,
        basis: t(`ind_basis_${p.household_basis}`), w: s.weight, total: s.total_weight,
      })),
      el("p", { class: "muted" }, `${t("ind_rule")}${colon()}${t("ind_rule_text")}`),
      el("p", {}, t("myb_vote", { v: t(`ind_vote_${p.vote_status}`) }), " · ",
        el("span", { "data-testid": `myb-paid-${p.id}` }, s.paid ? t("myb_paid") : t("myb_unpaid")))));
  }
  return () => undefined;
}
