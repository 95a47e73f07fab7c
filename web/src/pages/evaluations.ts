// The performance evaluation of every project the user may see, side by side (GET
// /api/v1/evaluations?details=1: best total score first, unscored last, each with its indicators): the total score is comparable
// across projects because every project is scored against its own plan by the same indicator
// table (data/evaluation_indicators.json).
import "./project.css";
import "./progress.css";
import "../i18n_progress";
import { api } from "../api";
import { el } from "../dom";
import { lang, t } from "../i18n";
import type { Indicator } from "../project_api";
import type { Ctx } from "../main";
import { link, stateBadge } from "./common";

interface EvaluationRow {
  project: { id: number; code: string; name: string; region_code: string; state: string };
  total_score: number | null;
  acceptance_met: boolean;
  indicators: Indicator[];
}

interface EvaluationGroup {
  region_code: string;
  region_name: string;
  projects: number;
  scored: number;
  mean_score: number | null;
  acceptance_met: number;
}

const scoreBar = (s: number) =>
  el("span", {}, el("span", { class: "bar" }, el("span", { class: "bar-fill" + (s < 90 ? " low" : ""), style: `width:${Math.max(0, Math.min(100, s))}%` })), ` ${s.toFixed(1)}`);

// The scores summed up per region (GET /api/v1/evaluations?group=…), best mean first.
function groupTable(groups: EvaluationGroup[], level: string): HTMLElement {
  const table = el("table", { class: "grid ev-table ev-groups", "data-testid": "evaluation-groups", "data-level": level },
    el("tr", {}, ...["ev_region", "ev_projects", "ev_scored", "ev_mean", "ev_met"].map((k) => el("th", {}, t(k)))));
  for (const g of groups)
    table.append(el("tr", { "data-region": g.region_code, "data-mean": g.mean_score === null ? "" : String(g.mean_score) },
      el("td", { "data-user": "" }, g.region_name), el("td", { class: "num" }, String(g.projects)), el("td", { class: "num" }, String(g.scored)),
      el("td", { class: "score" }, g.mean_score === null ? el("span", { class: "muted" }, t("ev_unscored")) : scoreBar(g.mean_score)),
      el("td", { class: "num" }, g.scored ? `${g.acceptance_met} / ${g.scored}` : "—")));
  return el("div", {}, el("h2", {}, t(level === "county" ? "ev_by_county" : "ev_by_township")), el("div", { class: "table-scroll" }, table));
}

export async function renderEvaluations(main: HTMLElement, ctx: Ctx): Promise<() => void> {
  // Counties compared; when the user sees a single county (the first six digits of GB/T 2260
  // codes), its townships. One request: the evaluations are computed once.
  const counties = new Set((await ctx.projects()).map((p) => p.region_code.slice(0, 6)));
  const level = counties.size > 1 ? "county" : "township";
  const answer = await api<{ evaluations: EvaluationRow[]; groups: EvaluationGroup[] }>("GET", `/api/v1/evaluations?details=1&group=${level}`);
  const rows = answer.evaluations;
  const groups = answer.groups;
  const sec = el("section", { class: "card" }, el("h1", {}, t("ev_title")), el("p", { class: "hint" }, t("ev_intro")));
  if (groups.length) sec.append(groupTable(groups, level));
  // Every project is scored by the same indicator table: the first one's indicators head the columns.
  const indicators = rows[0]?.indicators ?? [];
  if (!rows.length) sec.append(el("p", { class: "empty" }, t("ev_none")));
  else {
    const table = el("table", { class: "grid ev-table", "data-testid": "evaluations" },
      el("tr", {}, ...["ev_rank", "col_code", "col_name", "col_state", "total_score", "acceptance_met"].map((k) => el("th", {}, t(k))),
        ...indicators.map((i) => el("th", { class: "small", title: t("score") }, lang() === "zh" ? i.name_zh : i.name_en))));
    let rank = 0;
    for (const r of rows) {
      const s = r.total_score;
      if (s !== null) rank++;
      table.append(el("tr", { "data-code": r.project.code, "data-score": s === null ? "" : String(s) },
        el("td", { class: "num" }, s === null ? "—" : String(rank)),
        el("td", { class: "code" }, link(`/projects/${encodeURIComponent(r.project.code)}`, r.project.code)),
        el("td", { "data-user": "" }, r.project.name), el("td", {}, stateBadge(r.project.state)),
        el("td", { class: "score" }, s === null ? el("span", { class: "muted" }, t("ev_unscored")) : scoreBar(s)),
        el("td", {}, s === null ? "—" : el("span", { class: "badge " + (r.acceptance_met ? "dec-approve" : "dec-reject") }, r.acceptance_met ? t("acceptance_met") : t("acceptance_not_met"))),
        ...indicators.map((i) => {
          const x = s === null ? undefined : r.indicators.find((d) => d.key === i.key);
          const v = x?.score ?? null;
          return el("td", { class: "num small" + (x && !x.meets_acceptance ? " warn" : ""), "data-indicator": i.key }, v === null ? "—" : (v * 100).toFixed(0));
        })));
    }
    if (groups.length) sec.append(el("h2", {}, t("ev_projects_table")));
    sec.append(el("div", { class: "table-scroll" }, table));
  }
  main.append(sec);
  return () => undefined;
}
