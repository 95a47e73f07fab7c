// 指标与收益 (/indicators, docs/indicators.md): the land indicator ledger (by project, type and
// state, with each indicator's origin plots and movements), the transfer records, the
// distribution plans with their assembly vote, and the payments with finance's decision. Every
// control is offered only to the roles the services accept (src/services/land_indicators.cpp,
// benefit_sharing.cpp); whatever the API refuses is shown in its words and nothing is redrawn.
import { ApiFailure, api, regionContains, type Me } from "../api";
import { el, u } from "../dom";
import { addStrings, fmtTime, lang, t, paren, colon } from "../i18n";
import type { Ctx } from "../main";
import { fenYuan, yuanToFen } from "./project_funds";

addStrings({
  ind_title: ["指标与收益", "Indicators and benefit sharing"],
  ind_intro: ["验收地块形成的增减挂钩节余指标和新增耕地指标、其使用与交易，以及交易收入经村民代表会议表决后的分配与拨付。",
    "Land indicators made by accepted plots, their uses and transfers, and the distribution of the revenue as the village assembly voted it."],
  ind_tab_ledger: ["指标台账", "Indicator ledger"],
  ind_tab_transfers: ["交易记录", "Transfers"],
  ind_tab_plans: ["分配方案与表决", "Distribution plans and votes"],
  ind_tab_payments: ["分配拨付", "Payments"],
  ind_summary: ["汇总", "Summary"],
  ind_created: ["形成", "Created"],
  ind_used: ["已使用", "Used"],
  ind_transferred: ["已交易", "Transferred"],
  ind_balance: ["结余", "Balance"],
  ind_revenue: ["交易收入", "Transfer revenue"],
  ind_to_county: ["县乡所得", "To county/township"],
  ind_to_villages: ["村集体所得", "To villages"],
  ind_to_households: ["农户所得", "To households"],
  ind_project: ["项目", "Project"],
  ind_kind: ["指标类型", "Type"],
  ind_state: ["状态", "State"],
  ind_all: ["全部", "All"],
  ind_kind_construction_land: ["增减挂钩节余指标", "Surplus construction-land indicator"],
  ind_kind_new_cultivated: ["新增耕地指标", "New cultivated land"],
  ind_state_available: ["可用", "Available"],
  ind_state_partly_used: ["部分使用", "Partly used"],
  ind_state_exhausted: ["已用完", "Exhausted"],
  ind_grade: ["质量等别", "Quality grade"],
  ind_plots: ["来源地块", "Origin plots"],
  ind_plot_role_chaijiu: ["拆旧", "Reclaimed (old construction removed)"],
  ind_plot_role_jianxin: ["建新", "New construction (land for new building)"],
  ind_plot_role_new_cultivated: ["新增耕地", "New cultivated"],
  ind_movements: ["变动", "Movements"],
  ind_mv_create: ["形成", "Created"],
  ind_mv_use: ["使用", "Use"],
  ind_mv_transfer: ["交易", "Transfer"],
  ind_none: ["暂无指标。", "No indicators yet."],
  ind_download: ["下载台账（Excel 表格）", "Download the ledger (Excel)"],
  ind_register: ["登记验收项目的指标", "Register the indicators of an accepted project"],
  ind_original: ["原有耕地面积按现状地类（三调）图层在项目区内的耕地计算。", "The original cultivated land is measured on the land-use survey within the project area."],
  ind_do_register: ["登记", "Register"],
  ind_use: ["使用", "Use"],
  ind_transfer: ["交易", "Transfer"],
  ind_target: ["建新项目", "Project of the new construction"],
  ind_area: ["面积（平方米）", "Area (m²)"],
  ind_replaced: ["被占用耕地等别", "Grade of the land replaced"],
  ind_buyer_region: ["受让方行政区划代码", "Buyer's region code"],
  ind_buyer: ["受让方", "Buyer"],
  ind_price: ["成交价（元）", "Price (yuan)"],
  ind_bad_money: ["金额应为正数，至多两位小数", "Give a positive amount with at most two decimals"],
  ind_done: ["已保存", "Saved"],
  ind_time: ["时间", "Time"],
  ind_actor: ["经办人", "By"],
  ind_indicator: ["指标", "Indicator"],
  ind_no_transfers: ["暂无交易。", "No transfers yet."],
  ind_plan_title: ["方案名称", "Plan"],
  ind_village: ["村", "Village"],
  ind_amount: ["金额", "Amount"],
  ind_shares: ["县乡 / 村集体 / 农户", "County / village / households"],
  ind_vote: ["表决", "Vote"],
  ind_vote_none: ["未表决", "Not voted"],
  ind_vote_open: ["表决中", "Voting"],
  ind_vote_passed: ["已通过", "Passed"],
  ind_vote_failed: ["未通过", "Not passed"],
  ind_status_draft: ["未拨付", "Not paid"],
  ind_status_payment_requested: ["待财政审批", "Awaiting finance"],
  ind_status_paid: ["已拨付", "Paid"],
  ind_open_vote: ["提交村民代表会议表决", "Put to the assembly vote"],
  ind_request_payment: ["申请拨付", "Request payment"],
  ind_approve: ["批准拨付", "Approve"],
  ind_refuse: ["不予拨付", "Refuse"],
  ind_reason: ["理由", "Reason"],
  ind_households: ["农户分配", "Households' shares"],
  ind_household: ["户号", "Household"],
  ind_weight: ["分配依据", "Basis"],
  ind_share: ["应得", "Share"],
  ind_remainder_fen: ["含余数 1 分", "incl. 1 remainder fen"],
  ind_rule: ["余数规则", "Remainder rule"],
  ind_rule_text: ["县乡与农户部分各向下取整到分，余数归村集体；农户之间先各取向下取整的份额，剩余的分按舍去部分从大到小每户一分，相同时户号小者优先。",
    "The county and household parts are rounded down to the fen and the village collective receives the rest; each household first gets its share rounded down, and the fen left go one each to the largest dropped fractions, ties to the lower household code."],
  ind_new_plan: ["制定分配方案", "New distribution plan"],
  ind_source: ["收入来源（资金来源）", "Revenue (fund source)"],
  ind_revenue_kind: ["收入类型", "Revenue type"],
  ind_rk_indicator_transfer: ["指标交易收入", "Indicator transfer income"],
  ind_rk_land_rent: ["土地流转租金", "Land-transfer rent"],
  ind_rk_collective_operating: ["集体经营收入", "Collective operating income"],
  ind_basis: ["农户分配依据", "Households by"],
  ind_basis_contracted_area: ["承包地面积", "Contracted area"],
  ind_basis_homestead_area: ["退出宅基地面积", "Homestead area given up"],
  ind_basis_person: ["人口", "Persons"],
  ind_pct: ["比例（%）县乡 / 村集体 / 农户", "Shares (%) county / village / households"],
  ind_hh_lines: ["农户：每行“户号 依据”（如 H00001 180.5）", "Households: one per line, “code basis” (e.g. H00001 180.5)"],
  ind_create_plan: ["保存方案", "Save plan"],
  ind_no_plans: ["暂无分配方案。", "No distribution plans yet."],
  ind_xlsx: ["分配表（Excel 表格）", "Distribution (Excel)"],
  ind_payee: ["收款方", "Payee"],
  ind_decided: ["审批", "Decision"],
  ind_bad_pct: ["比例应为至多两位小数的数", "Shares are numbers with at most two decimals"],
  ind_notice: ["公示", "Public notice"],
  ind_notice_none: ["未公示", "Not on notice"],
  ind_notice_running: ["公示中", "On notice"],
  ind_notice_over: ["公示期满", "Notice period over"],
  ind_notice_until: ["至 {t}", "until {t}"],
  ind_notice_days: ["公示天数", "Days on notice"],
  ind_publish_notice: ["向村民公示", "Put on public notice"],
  ind_objections: ["异议 {n} 条，未答复 {u} 条", "{n} objection(s), {u} unanswered"],
  ind_objector: ["提出人", "By"],
  ind_objection: ["异议理由", "Reason"],
  ind_answer: ["答复", "Answer"],
  ind_do_answer: ["答复", "Answer"],
  ind_unanswered: ["未答复", "Unanswered"],
  ind_use_plots: ["覆盖的建新地块（方案中的变化序号，用逗号分隔）", "建新 plots covered (numbers of the plan's changes, comma separated)"],
});

interface Plot { change_index: number; role: string; from_code: string; to_code: string; area_m2: number; area_mu: number }
interface Movement {
  id: number; indicator_id: number; kind: string; area_m2: number; area_mu: number; target_project_code: string;
  buyer_region_code: string; buyer_name: string; price_fen: number; fund_source_id: number | null; replaced_grade: number | null;
  note: string; actor: string; time: string; plots?: { change_index: number; area_m2: number }[];
}
interface Indicator {
  id: number; project_id: number; project_code: string; project_name: string; region_code: string; kind: string;
  quality_grade: number | null; state: string; created_m2: number; created_mu: number; used_m2: number; transferred_m2: number;
  balance_m2: number; balance_mu: number; revenue_fen: number; plots: Plot[]; movements?: Movement[];
}
interface Share { household_code: string; weight: number; total_weight: number; share_fen: number; got_remainder_fen: boolean; paid: boolean }
export interface Plan {
  id: number; project_id: number; project_code: string; project_name: string; village_code: string; title: string;
  revenue_kind: string; household_basis: string; source_id: number; amount_fen: number; county_fen: number; village_fen: number;
  households_fen: number; county_bp: number; village_bp: number; households_bp: number; status: string; vote_id: number | null;
  vote_status: string; household_count: number; total_weight: number; payment_requested_by: string; decided_by: string;
  decided_at: string; decision_comment: string; households: Share[];
  notice_id: number | null; notice_starts: string; notice_ends: string; notice_state: string; objections: number; unanswered_objections: number;
}
interface Objection { id: number; author: string; reason: string; created_at: string; answer: { text: string; by: string; at: string } | null }

const has = (me: Me, roles: string[], region: string, dept = "") =>
  me.grants.some((g) => roles.includes(g.role) && (!dept || g.department === dept) && regionContains(g.region, region));
const isLead = (me: Me, region: string) => has(me, ["lead_department"], region);
const isPlanner = (me: Me, region: string) => has(me, ["township", "village_collective"], region);
const isFinance = (me: Me, region: string) => has(me, ["co_reviewing_department"], region, "财政局");
const m2 = (x: number) => x.toLocaleString(lang() === "zh" ? "zh-CN" : "en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const mu = (x: number) => x.toLocaleString(lang() === "zh" ? "zh-CN" : "en-US", { minimumFractionDigits: 4, maximumFractionDigits: 4 });
const pct = (bp: number) => `${(bp / 100).toFixed(2)}%`;

function table(headers: string[], rows: (Node | string)[][], testid: string): HTMLElement {
  return el("table", { class: "table", "data-testid": testid },
    el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", {}, h)))),
    el("tbody", {}, ...rows.map((r) => el("tr", {}, ...r.map((c) => el("td", {}, c))))));
}

// A form's message line: the API's refusal in its words, or "saved".
function messageLine(testid: string): { node: HTMLElement; fail(e: unknown): void; ok(): void } {
  const node = el("p", { class: "msg", "data-testid": testid });
  return {
    node,
    fail(e: unknown) {
      node.className = "msg error";
      node.textContent = e instanceof ApiFailure ? e.text() : String(e);
    },
    ok() {
      node.className = "msg ok";
      node.textContent = t("ind_done");
    },
  };
}

function input(testid: string, placeholder = "", type = "text"): HTMLInputElement {
  return el("input", { "data-testid": testid, placeholder, type }) as HTMLInputElement;
}
function select(testid: string, options: [string, string][]): HTMLSelectElement {
  const s = el("select", { "data-testid": testid }) as HTMLSelectElement;
  // A project's code and name, a buyer's name: data.
  for (const [v, label] of options) s.append(el("option", /project|buyer|source/.test(testid) && v ? { value: v, "data-user": "" } : { value: v }, label));
  return s;
}

export async function renderIndicators(main: HTMLElement, ctx: Ctx): Promise<() => void> {
  const params = new URLSearchParams(location.search);
  const tab = params.get("tab") ?? "ledger";
  main.append(el("h1", {}, t("ind_title")), el("p", { class: "muted" }, t("ind_intro")));
  const tabs = el("nav", { class: "tabs" });
  for (const k of ["ledger", "transfers", "plans", "payments"]) {
    const a = el("a", { href: `/indicators?tab=${k}`, class: k === tab ? "active" : "", "data-testid": `ind-tab-${k}` }, t(`ind_tab_${k}`));
    a.addEventListener("click", (e) => {
      e.preventDefault();
      ctx.go(`/indicators?tab=${k}`);
    });
    tabs.append(a);
  }
  main.append(tabs);

  const summary = await api("GET", "/api/v1/indicators/summary");
  main.append(el("section", { class: "card", "data-testid": "ind-summary" },
    el("h2", {}, t("ind_summary")),
    el("p", {},
      `${t("ind_created")} ${m2(summary.created_m2)} m²${paren(mu(summary.created_mu) + " " + t("unit_mu"))} · `,
      `${t("ind_used")} ${m2(summary.used_m2)} m² · ${t("ind_transferred")} ${m2(summary.transferred_m2)} m² · `,
      `${t("ind_revenue")} ${fenYuan(summary.transfer_revenue_fen)}`),
    el("p", {},
      `${t("ind_to_county")} ${fenYuan(summary.to_county_fen)} · `,
      el("span", { "data-testid": "ind-to-villages" }, `${t("ind_to_villages")} ${fenYuan(summary.to_villages_fen)}`), " · ",
      el("span", { "data-testid": "ind-to-households" }, `${t("ind_to_households")} ${fenYuan(summary.to_households_fen)}`))));

  const body = el("section", {});
  main.append(body);
  if (tab === "ledger") await ledger(body, ctx, params);
  else if (tab === "transfers") await transfers(body);
  else await plans(body, ctx, tab === "payments");
  return () => disposeMap();
}

// The ledger's map, removed when the page is left or redrawn.
let disposeMap: () => void = () => undefined;

async function ledger(body: HTMLElement, ctx: Ctx, params: URLSearchParams) {
  const me = ctx.me;
  const projects = await ctx.projects();
  const f = { project: params.get("project") ?? "", kind: params.get("kind") ?? "", state: params.get("state") ?? "" };
  const projSel = select("ind-filter-project", [["", t("ind_all")], ...projects.map((p) => [String(p.id), `${p.code} ${p.name}`] as [string, string])]);
  const kindSel = select("ind-filter-kind", [["", t("ind_all")], ["construction_land", t("ind_kind_construction_land")], ["new_cultivated", t("ind_kind_new_cultivated")]]);
  const stateSel = select("ind-filter-state", [["", t("ind_all")], ["available", t("ind_state_available")], ["partly_used", t("ind_state_partly_used")], ["exhausted", t("ind_state_exhausted")]]);
  projSel.value = f.project;
  kindSel.value = f.kind;
  stateSel.value = f.state;
  const query = () => {
    const q = new URLSearchParams();
    if (projSel.value) q.set("project", projSel.value);
    if (kindSel.value) q.set("kind", kindSel.value);
    if (stateSel.value) q.set("state", stateSel.value);
    return q;
  };
  for (const s of [projSel, kindSel, stateSel])
    s.addEventListener("change", () => {
      const q = query();
      q.set("tab", "ledger");
      ctx.go(`/indicators?${q}`);
    });
  const xlsx = query();
  xlsx.set("format", "xlsx");
  body.append(el("div", { class: "filters" }, t("ind_project"), projSel, t("ind_kind"), kindSel, t("ind_state"), stateSel,
    el("a", { href: `/api/v1/indicators?${xlsx}`, "data-testid": "ind-xlsx", download: "" }, t("ind_download"))));

  // Registration, for the lead department, of accepted projects.
  const accepted = projects.filter((p) => ["accepted", "evaluated", "maintenance"].includes(p.state) && isLead(me, p.region_code));
  if (accepted.length) {
    const which = select("ind-reg-project", accepted.map((p) => [String(p.id), `${p.code} ${p.name}`]));
    const grade = select("ind-reg-grade", Array.from({ length: 15 }, (_, i) => [String(i + 1), String(i + 1)]));
    const msg = messageLine("ind-reg-msg");
    const go = el("button", { class: "btn", "data-testid": "ind-reg-submit" }, t("ind_do_register"));
    go.addEventListener("click", async () => {
      try {
        await api("POST", `/api/v1/projects/${which.value}/indicators`, { quality_grade: Number(grade.value) });
        ctx.rerender();
      } catch (e) {
        msg.fail(e);
      }
    });
    body.append(el("details", { class: "card" }, el("summary", {}, t("ind_register")),
      el("p", {}, t("ind_project"), " ", which), el("p", { class: "muted" }, t("ind_original")), el("p", {}, t("ind_grade"), " ", grade), go, msg.node));
  }

  const q = query();
  const list = (await api<{ indicators: Indicator[] }>("GET", `/api/v1/indicators?${q}`)).indicators;
  if (!list.length) {
    body.append(el("p", { class: "muted", "data-testid": "ind-empty" }, t("ind_none")));
    return;
  }
  const rows = list.map((i) => [
    el("a", { href: "#", "data-testid": `ind-open-${i.id}` }, `#${i.id}`),
    u(`${i.project_code} ${i.project_name}`),
    t(`ind_kind_${i.kind}`),
    i.quality_grade ? String(i.quality_grade) : "—",
    el("span", { "data-testid": `ind-state-${i.id}` }, t(`ind_state_${i.state}`)),
    `${m2(i.created_m2)} m²${paren(mu(i.created_mu))}`,
    m2(i.used_m2), m2(i.transferred_m2),
    el("span", { "data-testid": `ind-balance-${i.id}` }, `${m2(i.balance_m2)} m²${paren(mu(i.balance_mu))}`),
    fenYuan(i.revenue_fen),
  ]);
  body.append(table(["", t("ind_project"), t("ind_kind"), t("ind_grade"), t("ind_state"), t("ind_created"), t("ind_used"), t("ind_transferred"), t("ind_balance"), t("ind_revenue")], rows, "ind-table"));
  const detail = el("div", { "data-testid": "ind-detail" });
  // The indicators on the map by their origin plots; a click on a plot opens its indicator.
  const mapBox = el("section", { class: "card", "data-testid": "ind-map-card" });
  body.append(mapBox, detail);
  disposeMap();
  disposeMap = () => undefined;
  void import("./indicators_map").then((m) => {
    disposeMap = m.mountIndicatorMap(mapBox, `/api/v1/indicators?${q}${q.toString() ? "&" : ""}geometry=1`,
      (id) => void showIndicator(detail, ctx, id, projects));
  });
  for (const i of list)
    body.querySelector(`[data-testid="ind-open-${i.id}"]`)!.addEventListener("click", async (e) => {
      e.preventDefault();
      await showIndicator(detail, ctx, i.id, projects);
    });
}

async function showIndicator(detail: HTMLElement, ctx: Ctx, id: number, projects: { id: number; code: string; name: string; region_code: string }[]) {
  const i = await api<Indicator & { distribution_plans: { id: number; title: string; amount_fen: number; status: string }[] }>("GET", `/api/v1/indicators/${id}`);
  detail.replaceChildren(el("h2", {}, `${t("ind_indicator")} #${i.id} · ${t(`ind_kind_${i.kind}`)} · ${i.project_code}`));
  detail.append(el("h3", {}, t("ind_plots")),
    table(["#", "", t("ind_area")], i.plots.map((p) => [String(p.change_index + 1), `${t(`ind_plot_role_${p.role}`)} ${p.from_code} → ${p.to_code}`, `${m2(p.area_m2)} m²${paren(mu(p.area_mu))}`]), "ind-plots"));
  detail.append(el("h3", {}, t("ind_movements")),
    table([t("ind_time"), "", t("ind_area"), "", t("ind_actor")], (i.movements ?? []).map((m) => [
      fmtTime(m.time), t(`ind_mv_${m.kind}`), `${m2(m.area_m2)} m²`,
      m.kind === "use" ? `→ ${m.target_project_code}${m.replaced_grade ? `（${t("ind_replaced")} ${m.replaced_grade}）` : ""}${(m.plots ?? []).length ? ` · ${t("ind_plots")} ${(m.plots ?? []).map((c) => `${c.change_index + 1}（${m2(c.area_m2)} m²）`).join("、")}` : ""}`
        : m.kind === "transfer" ? `→ ${m.buyer_name}（${m.buyer_region_code}） ${fenYuan(m.price_fen)}` : "",
      m.actor]), "ind-movements"));
  if (i.distribution_plans.length)
    detail.append(el("p", {}, `${t("ind_tab_plans")}：`, ...i.distribution_plans.map((d) => `${d.title} ${fenYuan(d.amount_fen)} ${t(`ind_status_${d.status}`)}；`)));
  if (!isLead(ctx.me, i.region_code) || i.balance_m2 <= 0) return;
  // Use for a 建新 area, or transfer to another county.
  const targets = projects.filter((p) => isLead(ctx.me, p.region_code));
  const target = select("ind-use-target", targets.map((p) => [String(p.id), `${p.code} ${p.name}`]));
  const useArea = input("ind-use-area", "", "number");
  const usePlots = input("ind-use-plots", "1, 2");
  const replaced = select("ind-use-grade", [["0", "—"], ...Array.from({ length: 15 }, (_, k) => [String(k + 1), String(k + 1)] as [string, string])]);
  const useMsg = messageLine("ind-use-msg");
  const useBtn = el("button", { class: "btn", "data-testid": "ind-use-submit" }, t("ind_use"));
  useBtn.addEventListener("click", async () => {
    try {
      await api("POST", `/api/v1/indicators/${i.id}/uses`, {
        target_project_id: Number(target.value), area_m2: Number(useArea.value), replaced_grade: Number(replaced.value),
        plots: usePlots.value.split(/[,，\s]+/).filter(Boolean).map((x) => Number(x) - 1),
      });
      await showIndicator(detail, ctx, id, projects);
    } catch (e) {
      useMsg.fail(e);
    }
  });
  const region = input("ind-tr-region");
  const buyer = input("ind-tr-buyer");
  const trArea = input("ind-tr-area", "", "number");
  const price = input("ind-tr-price");
  const trMsg = messageLine("ind-tr-msg");
  const trBtn = el("button", { class: "btn", "data-testid": "ind-tr-submit" }, t("ind_transfer"));
  trBtn.addEventListener("click", async () => {
    const fen = yuanToFen(price.value);
    if (fen === null) {
      trMsg.fail(t("ind_bad_money"));
      return;
    }
    try {
      await api("POST", `/api/v1/indicators/${i.id}/transfers`, { buyer_region_code: region.value.trim(), buyer_name: buyer.value, area_m2: Number(trArea.value), price_fen: fen });
      await showIndicator(detail, ctx, id, projects);
    } catch (e) {
      trMsg.fail(e);
    }
  });
  detail.append(
    el("div", { class: "card" }, el("h3", {}, t("ind_use")), el("p", {}, t("ind_target"), " ", target), el("p", {}, t("ind_area"), " ", useArea),
      el("p", {}, t("ind_use_plots"), " ", usePlots),
      i.kind === "new_cultivated" ? el("p", {}, t("ind_replaced"), " ", replaced) : null, useBtn, useMsg.node),
    el("div", { class: "card" }, el("h3", {}, t("ind_transfer")), el("p", {}, t("ind_buyer_region"), " ", region), el("p", {}, t("ind_buyer"), " ", buyer),
      el("p", {}, t("ind_area"), " ", trArea), el("p", {}, t("ind_price"), " ", price), trBtn, trMsg.node));
}

async function transfers(body: HTMLElement) {
  const list = (await api<{ transfers: Movement[] }>("GET", "/api/v1/indicator-transfers")).transfers;
  if (!list.length) {
    body.append(el("p", { class: "muted" }, t("ind_no_transfers")));
    return;
  }
  body.append(table([t("ind_time"), t("ind_indicator"), t("ind_buyer"), t("ind_area"), t("ind_price"), t("ind_actor")],
    list.map((m) => [fmtTime(m.time), `#${m.indicator_id}`, `${m.buyer_name}（${m.buyer_region_code}）`, `${m2(m.area_m2)} m²${paren(mu(m.area_mu) + " " + t("unit_mu"))}`, fenYuan(m.price_fen), m.actor]),
    "ind-transfers"));
}

// A percentage with at most two decimals as basis points ("33.33" → 3333); null otherwise.
function basisPoints(s: string): number | null {
  const m = /^\s*(\d{1,3})(?:\.(\d{1,2}))?\s*$/.exec(s);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
}

async function plans(body: HTMLElement, ctx: Ctx, payments: boolean) {
  const me = ctx.me;
  const list = (await api<{ plans: Plan[] }>("GET", "/api/v1/distributions")).plans;
  if (!payments) {
    const projects = (await ctx.projects()).filter((p) => isPlanner(me, p.region_code));
    if (projects.length) body.append(await newPlanForm(ctx, projects));
  }
  if (!list.length) {
    body.append(el("p", { class: "muted", "data-testid": "ind-no-plans" }, t("ind_no_plans")));
    return;
  }
  for (const d of list) {
    const card = el("section", { class: "card", "data-testid": `plan-${d.id}` });
    card.append(el("h3", {}, `${d.title} · ${d.project_code}`),
      el("p", {}, `${t("ind_village")} ${d.village_code} · ${t(`ind_rk_${d.revenue_kind}`)} · ${t("ind_amount")} `,
        el("strong", { "data-testid": `plan-amount-${d.id}` }, fenYuan(d.amount_fen))),
      el("p", { "data-testid": `plan-shares-${d.id}` }, `${t("ind_shares")}${colon()}${fenYuan(d.county_fen)}${paren(pct(d.county_bp))} / ${fenYuan(d.village_fen)}${paren(pct(d.village_bp))} / ${fenYuan(d.households_fen)}${paren(pct(d.households_bp))}`),
      el("p", {}, `${t("ind_vote")}：`, el("span", { "data-testid": `plan-vote-${d.id}` }, t(`ind_vote_${d.vote_status}`)),
        d.vote_id ? el("a", { href: `/village/votes/${d.vote_id}` }, ` #${d.vote_id}`) : null,
        ` · `, el("span", { "data-testid": `plan-status-${d.id}` }, t(`ind_status_${d.status}`)),
        d.decided_by ? ` · ${t("ind_decided")} ${d.decided_by} ${fmtTime(d.decided_at)} ${d.decision_comment}` : ""),
      el("p", {}, `${t("ind_notice")}：`, el("span", { "data-testid": `plan-notice-${d.id}` }, t(`ind_notice_${d.notice_state}`)),
        d.notice_id ? el("a", { href: `/village/notices/${d.notice_id}` }, ` #${d.notice_id} `) : null,
        d.notice_id ? `${t("ind_notice_until", { t: fmtTime(d.notice_ends) })} · ` : "",
        d.notice_id ? el("span", { "data-testid": `plan-objections-${d.id}` }, t("ind_objections", { n: d.objections, u: d.unanswered_objections })) : null),
      el("p", { class: "muted" }, `${t("ind_rule")}：${t("ind_rule_text")}`),
      el("a", { href: `/api/v1/distributions/${d.id}?format=xlsx`, download: "", "data-testid": `plan-xlsx-${d.id}` }, t("ind_xlsx")));
    card.append(table([t("ind_household"), t(`ind_basis_${d.household_basis}`), t("ind_share"), ""],
      d.households.map((h) => [h.household_code, `${h.weight} / ${h.total_weight}`, fenYuan(h.share_fen), h.got_remainder_fen ? t("ind_remainder_fen") : ""]),
      `plan-households-${d.id}`));
    const msg = messageLine(`plan-msg-${d.id}`);
    const act = async (f: () => Promise<unknown>) => {
      try {
        await f();
        ctx.rerender();
      } catch (e) {
        msg.fail(e);
      }
    };
    const region = d.village_code;
    if (!payments && d.objections > 0) card.append(await objectionsTable(d, me, act));
    if (!payments && isPlanner(me, region) && d.status === "draft" && !d.notice_id && d.vote_status === "none") {
      const days = input(`plan-notice-days-${d.id}`, t("ind_notice_days"), "number");
      days.value = "7";
      const b = el("button", { class: "btn", "data-testid": `plan-notice-open-${d.id}` }, t("ind_publish_notice"));
      b.addEventListener("click", () => act(() => api("POST", `/api/v1/distributions/${d.id}/notice`, { days: Number(days.value) })));
      card.append(el("label", {}, t("ind_notice_days"), " ", days), b);
    }
    if (!payments && isPlanner(me, region) && d.status === "draft" && (d.vote_status === "none" || d.vote_status === "failed")) {
      const b = el("button", { class: "btn", "data-testid": `plan-vote-open-${d.id}` }, t("ind_open_vote"));
      b.addEventListener("click", () => act(() => api("POST", `/api/v1/distributions/${d.id}/vote`, {})));
      card.append(b);
    }
    if (payments && isPlanner(me, region) && d.status === "draft") {
      const b = el("button", { class: "btn", "data-testid": `plan-pay-${d.id}` }, t("ind_request_payment"));
      b.addEventListener("click", () => act(() => api("POST", `/api/v1/distributions/${d.id}/payment`, {})));
      card.append(b);
    }
    if (payments && isFinance(me, region) && d.status === "payment_requested") {
      const reason = input(`plan-reason-${d.id}`, t("ind_reason"));
      const yes = el("button", { class: "btn", "data-testid": `plan-approve-${d.id}` }, t("ind_approve"));
      const no = el("button", { class: "btn secondary", "data-testid": `plan-refuse-${d.id}` }, t("ind_refuse"));
      yes.addEventListener("click", () => act(() => api("POST", `/api/v1/distributions/${d.id}/payment/decision`, { decision: "approve" })));
      no.addEventListener("click", () => act(() => api("POST", `/api/v1/distributions/${d.id}/payment/decision`, { decision: "refuse", comment: reason.value })));
      card.append(yes, reason, no);
    }
    card.append(msg.node);
    body.append(card);
  }
}

// The objections to a plan on notice; the township over its village answers each one.
async function objectionsTable(d: Plan, me: Me, act: (f: () => Promise<unknown>) => Promise<void>): Promise<HTMLElement> {
  const list = (await api<{ objections: Objection[] }>("GET", `/api/v1/distributions/${d.id}/objections`)).objections;
  const answerer = has(me, ["township"], d.village_code);
  return table([t("ind_objector"), t("ind_objection"), t("ind_answer")], list.map((o) => {
    let answer: Node | string = o.answer ? `${o.answer.text}（${o.answer.by} ${fmtTime(o.answer.at)}）` : t("ind_unanswered");
    if (!o.answer && answerer) {
      const text = input(`obj-answer-${o.id}`, t("ind_answer"));
      const b = el("button", { class: "btn", "data-testid": `obj-answer-submit-${o.id}` }, t("ind_do_answer"));
      b.addEventListener("click", () => act(() => api("POST", `/api/v1/distribution-objections/${o.id}/answer`, { answer: text.value })));
      answer = el("span", {}, text, b);
    }
    return [`${o.author} ${fmtTime(o.created_at)}`, o.reason, answer];
  }), `plan-objection-list-${d.id}`);
}

async function newPlanForm(ctx: Ctx, projects: { id: number; code: string; name: string; region_code: string }[]): Promise<HTMLElement> {
  const project = select("plan-new-project", projects.map((p) => [String(p.id), `${p.code} ${p.name}`]));
  const title = input("plan-new-title");
  const village = input("plan-new-village");
  const villageOfMe = ctx.me.grants.find((g) => g.role === "village_collective")?.region ?? "";
  village.value = villageOfMe;
  const kind = select("plan-new-kind", [["indicator_transfer", t("ind_rk_indicator_transfer")], ["land_rent", t("ind_rk_land_rent")], ["collective_operating", t("ind_rk_collective_operating")]]);
  const source = select("plan-new-source", []);
  const fillSources = async () => {
    source.replaceChildren();
    const funds = await api<{ sources: { source_id: number; source_name: string; balance_fen: number }[] }>("GET", `/api/v1/projects/${project.value}/funds`).catch(() => ({ sources: [] }));
    for (const s of funds.sources) source.append(el("option", { value: String(s.source_id), "data-user": "" }, `${s.source_name}（${fenYuan(s.balance_fen)}）`));
  };
  project.addEventListener("change", fillSources);
  await fillSources();
  const amount = input("plan-new-amount");
  const county = input("plan-new-county");
  const vill = input("plan-new-village-pct");
  const hh = input("plan-new-households-pct");
  const basis = select("plan-new-basis", [["contracted_area", t("ind_basis_contracted_area")], ["homestead_area", t("ind_basis_homestead_area")], ["person", t("ind_basis_person")]]);
  const lines = el("textarea", { "data-testid": "plan-new-households", rows: "5" }) as HTMLTextAreaElement;
  const msg = messageLine("plan-new-msg");
  const save = el("button", { class: "btn", "data-testid": "plan-new-submit" }, t("ind_create_plan"));
  save.addEventListener("click", async () => {
    const fen = yuanToFen(amount.value);
    if (fen === null) return msg.fail(t("ind_bad_money"));
    const bps = [county.value, vill.value, hh.value].map(basisPoints);
    if (bps.some((b) => b === null)) return msg.fail(t("ind_bad_pct"));
    const households = lines.value.split("\n").map((l) => l.trim()).filter(Boolean).map((l) => {
      const [code, w] = l.split(/\s+/);
      return { code, weight: Number(w) };
    });
    try {
      await api("POST", `/api/v1/projects/${project.value}/distributions`, {
        title: title.value, village_code: village.value.trim(), revenue_kind: kind.value, source_id: Number(source.value), amount_fen: fen,
        county_bp: bps[0], village_bp: bps[1], households_bp: bps[2], household_basis: basis.value, households,
      });
      ctx.rerender();
    } catch (e) {
      msg.fail(e);
    }
  });
  return el("details", { class: "card", "data-testid": "plan-new" }, el("summary", {}, t("ind_new_plan")),
    el("p", {}, t("ind_project"), " ", project), el("p", {}, t("ind_plan_title"), " ", title), el("p", {}, t("ind_village"), " ", village),
    el("p", {}, t("ind_revenue_kind"), " ", kind), el("p", {}, t("ind_source"), " ", source), el("p", {}, t("ind_amount"), " ", amount),
    el("p", {}, t("ind_pct"), " ", county, vill, hh), el("p", {}, t("ind_basis"), " ", basis), el("p", {}, t("ind_hh_lines")), lines, save, msg.node);
}
