// The dashboard's supervision panel (监测预警与督办): warnings by level and by child region,
// the orders that are overdue and the rectification rate (closed / issued), from
// GET /api/v1/supervision/summary; the warnings and orders ledgers as xlsx from the server.
import "./orders.css";
import "../i18n_orders";
import { api } from "../api";
import { el, u } from "../dom";
import { t } from "../i18n";
import { link } from "./common";

interface Summary {
  warnings: { total: number; red: number; orange: number; yellow: number; by_region: { region_code: string; name: string; red: number; orange: number; yellow: number }[] };
  orders: { total: number; open: number; answered: number; closed: number; overdue: number; escalated: number; rectification_rate: number;
    overdue_list: { id: number; code: string; title: string; due_at: string; unit_name: string; escalation_level: number }[] };
}

export async function supervisionPanel(region: string): Promise<HTMLElement | null> {
  let s: Summary;
  try {
    s = await api<Summary>("GET", `/api/v1/supervision/summary?region=${encodeURIComponent(region)}`);
  } catch {
    return null;  // not for this user
  }
  const figure = (label: string, value: string, key: string) =>
    el("div", { class: "sv-figure", "data-figure": key }, el("strong", {}, value), el("span", {}, label));
  const w = s.warnings, o = s.orders;
  const byRegion = el("table", { class: "dash-table", "data-testid": "sv-by-region" },
    el("tr", {}, el("th", {}, t("wn_region")), ...["red", "orange", "yellow"].map((l) => el("th", {}, t("level_" + l)))));
  for (const r of w.by_region)
    byRegion.append(el("tr", { "data-code": r.region_code }, el("td", { "data-user": "" }, r.name), el("td", { class: "num" }, String(r.red)),
      el("td", { class: "num" }, String(r.orange)), el("td", { class: "num" }, String(r.yellow))));
  const overdue = el("ul", { "data-testid": "sv-overdue" },
    ...o.overdue_list.map((x) => el("li", {}, link(`/orders/${x.id}`, x.code), " ", u(x.title), " · ", u(x.unit_name))));
  return el("section", { class: "card sv-panel", "data-testid": "sv-panel" }, el("h2", {}, t("sv_title")),
    el("div", { class: "sv-figures" },
      figure(t("level_red"), String(w.red), "red"), figure(t("level_orange"), String(w.orange), "orange"),
      figure(t("level_yellow"), String(w.yellow), "yellow"), figure(t("sv_orders_total"), String(o.total), "orders"),
      figure(t("sv_overdue"), String(o.overdue), "overdue"),
      figure(t("sv_rate"), (o.rectification_rate * 100).toFixed(1) + "%", "rate")),
    byRegion, el("h3", {}, t("sv_overdue_list")), o.overdue_list.length ? overdue : el("p", { class: "empty" }, "—"),
    el("div", { class: "toolbar" },
      el("a", { class: "btn secondary", href: `/api/v1/warnings?region=${encodeURIComponent(region)}&format=xlsx`, download: "" }, t("sv_xlsx", { what: t("wn_title") })),
      el("a", { class: "btn secondary", href: `/api/v1/orders?region=${encodeURIComponent(region)}&format=xlsx`, download: "" }, t("sv_xlsx", { what: t("od_title") }))));
}
