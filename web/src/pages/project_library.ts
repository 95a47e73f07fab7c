// The project library (项目库) of the home page: search by code, name, village or township,
// filters by state, type and township, sorting by any column and pages of 50, all in the browser
// over the list the user may see (GET /api/v1/projects). The table keeps data-code rows.
import type { Project, Region } from "../api";
import { el } from "../dom";
import { addStrings, fmtArea, has, t, typeName } from "../i18n";
import { link, stateBadge } from "./common";

addStrings({
  pl_search: ["搜索编号、名称、村、乡镇", "Search code, name, village, township"],
  pl_all_states: ["全部状态", "All states"],
  pl_all_types: ["全部类型", "All types"],
  pl_all_townships: ["全部乡镇", "All townships"],
  pl_all_findings: ["全部审查结果", "All findings"],
  pl_findings_error: ["有违规", "With violations"],
  pl_findings_warning: ["有警告", "With warnings"],
  pl_findings_clean: ["无问题", "No findings"],
  pl_findings_unchecked: ["未审查", "Not checked"],
  pl_count: ["共 {n} 个项目，第 {p}/{pages} 页", "{n} projects, page {p} of {pages}"],
  pl_prev: ["上一页", "Previous"],
  pl_next: ["下一页", "Next"],
  pl_none: ["没有符合条件的项目", "No project matches"],
});

const PAGE = 50;
type Key = "code" | "name" | "type" | "state" | "area" | "region";

export function projectLibrary(projects: Project[], regions: Region[]): HTMLElement {
  const byCode = new Map(regions.map((r) => [r.code, r]));
  // The village (the project's region) and its township, by name.
  const place = (code: string) => {
    const r = byCode.get(code);
    const parent = r ? byCode.get(r.parent) : undefined;
    return { village: r?.name ?? code, township: r?.level === "township" ? r.name : parent?.name ?? "", townshipCode: r?.level === "township" ? r.code : parent?.code ?? "" };
  };
  const rows = projects.map((p) => ({ p, ...place(p.region_code) }));
  const box = el("div", { class: "pl", "data-testid": "project-library" });
  const q = el("input", { type: "search", placeholder: t("pl_search"), "data-testid": "pl-search", class: "pl-search" }) as HTMLInputElement;
  const opt = (v: string, text: string) => el("option", { value: v }, text);
  const states = [...new Set(projects.map((p) => p.state))];
  const state = el("select", { "data-testid": "pl-state" }, opt("", t("pl_all_states")), ...states.map((s) => opt(s, has("state_" + s) ? t("state_" + s) : s))) as HTMLSelectElement;
  const type = el("select", { "data-testid": "pl-type" }, opt("", t("pl_all_types")), ...[...new Set(projects.map((p) => p.type))].map((x) => opt(x, typeName(x)))) as HTMLSelectElement;
  const towns = [...new Map(rows.filter((r) => r.townshipCode).map((r) => [r.townshipCode, r.township])).entries()];
  const town = el("select", { "data-testid": "pl-township" }, opt("", t("pl_all_townships")), ...towns.map(([c, n]) => el("option", { value: c, "data-user": "" }, n))) as HTMLSelectElement;
  // Findings of the stored compliance check: with violations, with warnings (and no violation),
  // checked without findings, not checked.
  const findings = el("select", { "data-testid": "pl-findings" }, opt("", t("pl_all_findings")),
    ...["error", "warning", "clean", "unchecked"].map((k) => opt(k, t("pl_findings_" + k)))) as HTMLSelectElement;
  const findingsOf = (p: Project) => (!p.findings ? "unchecked" : p.findings.errors ? "error" : p.findings.warnings ? "warning" : "clean");
  const count = el("span", { class: "muted small", "data-testid": "pl-count" });
  const prev = el("button", { type: "button", class: "btn secondary", "data-testid": "pl-prev" }, t("pl_prev"));
  const next = el("button", { type: "button", class: "btn secondary", "data-testid": "pl-next" }, t("pl_next"));
  const cols: [Key, string][] = [["code", "col_code"], ["name", "col_name"], ["type", "col_type"], ["state", "col_state"], ["region", "col_region"], ["area", "col_area"]];
  let sortKey: Key = "code", asc = true, page = 0;
  const headRow = el("tr", {});
  for (const [k, label] of cols) {
    const th = el("th", { "data-sort": k, class: "sortable", tabindex: "0", "aria-sort": "none" }, t(label));
    th.addEventListener("click", () => {
      asc = sortKey === k ? !asc : true;
      sortKey = k;
      draw();
    });
    headRow.append(th);
  }
  const body = el("tbody");
  const table = el("table", { class: "grid", "data-testid": "project-list" }, el("thead", {}, headRow), body);
  const empty = el("p", { class: "empty", hidden: "" }, t("pl_none"));
  box.append(el("div", { class: "pl-bar" }, q, state, type, town, findings), el("div", { class: "table-scroll" }, table), empty,
    el("div", { class: "pl-pages" }, prev, count, next));

  const value = (r: (typeof rows)[number], k: Key): string | number =>
    k === "area" ? r.p.area_m2 : k === "region" ? r.township + r.village : k === "state" ? r.p.state : (r.p as any)[k] ?? "";
  const draw = () => {
    const text = q.value.trim().toLowerCase();
    const shown = rows.filter((r) =>
      (!text || [r.p.code, r.p.name, r.village, r.township].some((s) => s.toLowerCase().includes(text))) &&
      (!state.value || r.p.state === state.value) && (!type.value || r.p.type === type.value) && (!town.value || r.townshipCode === town.value) &&
      (!findings.value || findingsOf(r.p) === findings.value));
    shown.sort((a, b) => {
      const x = value(a, sortKey), y = value(b, sortKey);
      const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), "zh-CN");
      return asc ? c : -c;
    });
    const pages = Math.max(1, Math.ceil(shown.length / PAGE));
    page = Math.min(page, pages - 1);
    body.replaceChildren(...shown.slice(page * PAGE, page * PAGE + PAGE).map((r) =>
      el("tr", { "data-code": r.p.code },
        el("td", { "data-user": "" }, link(`/projects/${encodeURIComponent(r.p.code)}`, r.p.code)), el("td", { "data-user": "" }, r.p.name), el("td", {}, typeName(r.p.type)),
        el("td", {}, stateBadge(r.p.state)), el("td", { "data-user": "" }, r.township && r.township !== r.village ? `${r.township} · ${r.village}` : r.village),
        el("td", { class: "num" }, fmtArea(r.p.area_m2)))));
    for (const th of headRow.querySelectorAll("th"))
      th.setAttribute("aria-sort", (th as HTMLElement).dataset.sort === sortKey ? (asc ? "ascending" : "descending") : "none");
    empty.hidden = shown.length > 0;
    count.textContent = t("pl_count", { n: shown.length, p: page + 1, pages });
    box.dataset.shown = String(shown.length);
    prev.toggleAttribute("disabled", page === 0);
    next.toggleAttribute("disabled", page >= pages - 1);
  };
  for (const c of [state, type, town, findings]) c.addEventListener("change", () => ((page = 0), draw()));
  q.addEventListener("input", () => ((page = 0), draw()));
  prev.addEventListener("click", () => ((page = Math.max(0, page - 1)), draw()));
  next.addEventListener("click", () => ((page += 1), draw()));
  draw();
  return box;
}
