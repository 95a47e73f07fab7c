// The project page's indicator section (issue 20 item 5; GET /api/v1/projects/ID/indicators):
// how far its 建新 is covered by indicators (what approval waits for), the indicators its
// accepted plots made with their uses, transfers and revenue, the uses drawing indicators for
// its own 建新, and the distribution plans of its revenue.
import { api } from "../api";
import { el, u } from "../dom";
import { addStrings, lang, paren, t } from "../i18n";
import { fenYuan } from "./project_funds";
import "./indicators"; // its strings (ind_…)

addStrings({
  pi_title: ["指标与收益", "Land indicators"],
  pi_coverage: ["建新与指标落实", "New construction and its indicators"],
  pi_jianxin: ["建新 {a}，本项目拆旧 {b}，已落实增减挂钩指标 {c}，未落实 {d}", "New construction {a}, own reclamation {b}, covered by indicators {c}, uncovered {d}"],
  pi_cultivated: ["占用耕地 {a}，已落实新增耕地指标 {c}，未补足 {d}", "Cultivated land built on {a}, made up by new cultivated land {c}, not made up {d}"],
  pi_made: ["本项目形成的指标", "Indicators made by the project"],
  pi_uses: ["为本项目建新使用的指标", "Indicators used for the project's new construction"],
  pi_plans: ["收益分配方案", "Distribution plans"],
  pi_none: ["无", "None"],
  pi_open_ledger: ["在指标台账中查看", "Open in the indicator ledger"],
});

interface Area { [k: string]: number }
interface Movement { id: number; indicator_id: number; kind: string; area_m2: number; buyer_name: string; price_fen: number; target_project_code: string; plots: { change_index: number; area_m2: number }[] }
interface Indicator { id: number; kind: string; quality_grade: number | null; created_m2: number; used_m2: number; transferred_m2: number; balance_m2: number; revenue_fen: number }
interface Reply {
  coverage: Area;
  indicators: Indicator[];
  uses: Movement[];
  distribution_plans: { id: number; title: string; amount_fen: number; status: string; vote_status: string; notice_state: string }[];
}

const num = (x: number, d = 2) => x.toLocaleString(lang() === "zh" ? "zh-CN" : "en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
const area = (c: Area, k: string) => `${num(c[k + "_m2"])} m²${paren(`${num(c[k + "_mu"], 4)} ${t("unit_mu")}`)}`;

export async function indicatorsSection(projectId: number): Promise<HTMLElement> {
  const sec = el("section", { class: "card", id: "sec-indicators", "data-testid": "project-indicators" }, el("h2", {}, t("pi_title")));
  let r: Reply;
  try {
    r = await api<Reply>("GET", `/api/v1/projects/${projectId}/indicators`);
  } catch {
    sec.append(el("p", { class: "muted" }, t("pi_none")));
    return sec;
  }
  const c = r.coverage;
  sec.append(el("h3", {}, t("pi_coverage")),
    el("p", { "data-testid": "pi-jianxin" }, t("pi_jianxin", { a: area(c, "jianxin"), b: area(c, "chaijiu"), c: area(c, "construction_covered"), d: area(c, "construction_uncovered") })),
    el("p", { "data-testid": "pi-cultivated" }, t("pi_cultivated", { a: area(c, "cultivated_jianxin"), c: area(c, "cultivated_covered"), d: area(c, "cultivated_uncovered") })));
  const table = (headers: string[], rows: (string | Node)[][], testid: string) =>
    rows.length
      ? el("table", { class: "table", "data-testid": testid }, el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", {}, h)))),
        el("tbody", {}, ...rows.map((row) => el("tr", {}, ...row.map((x) => el("td", {}, x))))))
      : el("p", { class: "muted", "data-testid": testid }, t("pi_none"));
  sec.append(el("h3", {}, t("pi_made")), table(["#", t("ind_kind"), t("ind_created"), t("ind_used"), t("ind_transferred"), t("ind_balance"), t("ind_revenue")],
    r.indicators.map((i) => [el("a", { href: `/indicators?project=${projectId}`, "data-route": "" }, `#${i.id}`), t(`ind_kind_${i.kind}`) + (i.quality_grade ? paren(i.quality_grade) : ""),
      `${num(i.created_m2)} m²`, `${num(i.used_m2)} m²`, `${num(i.transferred_m2)} m²`, `${num(i.balance_m2)} m²`, fenYuan(i.revenue_fen)]), "pi-made"));
  sec.append(el("h3", {}, t("pi_uses")), table(["#", t("ind_area"), t("ind_plots")],
    r.uses.map((m) => [`#${m.indicator_id}`, `${num(m.area_m2)} m²`, m.plots.map((p) => `${p.change_index + 1}${paren(`${num(p.area_m2)} m²`)}`).join(lang() === "zh" ? "、" : ", ")]), "pi-uses"));
  sec.append(el("h3", {}, t("pi_plans")), table([t("ind_plan_title"), t("ind_amount"), t("ind_notice"), t("ind_vote"), t("ind_state")],
    r.distribution_plans.map((d) => [u(d.title), fenYuan(d.amount_fen), t(`ind_notice_${d.notice_state}`), t(`ind_vote_${d.vote_status}`), t(`ind_status_${d.status}`)]), "pi-plans"));
  return sec;
}
