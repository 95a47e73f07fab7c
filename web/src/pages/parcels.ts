// The villager's own parcels in the project's reallocation plan (权属调整), for a phone: the
// household's parcels before and after on a small drawing (an SVG; no map library, so it stays
// light on a slow connection), the value kept, a button to confirm and a form to object, and the
// dispute an objection opened, step by step. GET /api/v1/rights/mine finds the household's plans;
// everything else comes from /api/v1/projects/{id}/rights/households/{code}.
import { ApiFailure, api, regionContains } from "../api";
import { el, u } from "../dom";
import { addStrings, colon, fmtTime, paren, t, tData } from "../i18n";
import type { Ctx } from "../main";
import { fmtMuM2, M2_PER_MU, nf, polygonAreaM2 } from "../units";

addStrings({
  parcels_area: ["承包面积", "Contracted area"],
  parcels_value_unit: ["{v} 标准亩", "{v} standard mu"],
  parcels_value_hint: ["地块价值按地力等级折算为标准亩（一等地每平方米计 1.9，十等地计 1.0），调整前后应基本相等。", "Land value in standard mu: area weighted by land grade (1.9 per m² for grade 1 down to 1.0 for grade 10); it should stay about the same."],
  parcels_place: ["{village}（{township}）", "{village} ({township})"],
  parcels_household: ["承包方编码", "Household code"],
});

type FC = GeoJSON.FeatureCollection;

interface PlanLine {
  household_code: string;
  parcels_before: number;
  parcels_after: number;
  value_before: number;
  value_after: number;
  deviation: number;
  stayed: boolean;
  status: string;
}
interface Dispute {
  id: number;
  status: string;
  reason: string;
  outcome: string;
  opened_at: string;
  meetings: { held_on: string; place: string; mediator: string; minutes: string }[];
}
interface Mine {
  households: { household_code: string; region_code: string }[];
  plans: { household_code: string; project_id: number; project_code: string; project_name: string; household?: PlanLine }[];
}
interface Criteria {
  parcels_per_household: number;
  mean_parcel_area_m2: number;
  holdings_below_minimum_share?: number;
  mean_shape_index: number;
  mean_length_width_ratio?: number;
  mean_distance_m: number;
  narrowest_m?: number;
  narrower_than_minimum?: number;
  without_access?: number | null;
}
interface PlanSummary {
  fragmentation: { before: Criteria; after: Criteria; rules?: { min_width_m: number } };
}
interface HouseholdDetail {
  household: PlanLine;
  plan?: PlanSummary;
  before: FC;
  after: FC;
  disputes: Dispute[];
}

const SVG = "http://www.w3.org/2000/svg";
// Inline styles, so the page needs nothing from the shared stylesheet.
const beforeStyle = { fill: "none", stroke: "#7a6f5a", "stroke-width": "1.5", "stroke-dasharray": "4 3" };
const afterStyle = { fill: "#5aa469", "fill-opacity": "0.55", stroke: "#2e6b3a", "stroke-width": "1.5" };
const key = (s: Record<string, string>) =>
  el("span", { style: `display:inline-block;width:14px;height:10px;margin:0 4px;border:1.5px ${s["stroke-dasharray"] ? "dashed" : "solid"} ${s.stroke};background:${s.fill === "none" ? "transparent" : s.fill}` });

// Lon/lat rings drawn on a square box; x is scaled by cos(latitude) so shapes keep their form.
function drawing(before: FC, after: FC): SVGSVGElement {
  const rings = (fc: FC) =>
    fc.features.flatMap((f) => {
      const g = f.geometry as GeoJSON.Polygon | GeoJSON.MultiPolygon;
      return g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
    });
  const all = [...rings(before), ...rings(after)].flat(2);
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("data-testid", "parcels-map");
  svg.setAttribute("class", "parcels-map");
  svg.setAttribute("style", "width:100%;height:240px;background:#f6f4ee;border-radius:6px");
  if (!all.length) return svg;
  const lat0 = all.reduce((s, c) => s + c[1], 0) / all.length;
  const k = Math.cos((lat0 * Math.PI) / 180);
  const xs = all.map((c) => c[0] * k), ys = all.map((c) => c[1]);
  const minx = Math.min(...xs), maxx = Math.max(...xs), miny = Math.min(...ys), maxy = Math.max(...ys);
  const size = Math.max(maxx - minx, maxy - miny) || 1e-6, pad = size * 0.04;
  svg.setAttribute("viewBox", `${minx - pad} ${-maxy - pad} ${size + 2 * pad} ${size + 2 * pad}`);
  svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
  const path = (poly: number[][][]) => poly.map((r) => "M" + r.map((c) => `${c[0] * k},${-c[1]}`).join("L") + "Z").join("");
  const layer = (fc: FC, cls: string) => {
    for (const f of fc.features) {
      const g = f.geometry as GeoJSON.Polygon | GeoJSON.MultiPolygon;
      const polys = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
      for (const poly of polys) {
        const p = document.createElementNS(SVG, "path");
        p.setAttribute("d", path(poly as number[][][]));
        p.setAttribute("class", cls);
        for (const [k, v] of Object.entries(cls === "after" ? afterStyle : beforeStyle)) p.setAttribute(k, v);
        p.setAttribute("vector-effect", "non-scaling-stroke");
        svg.append(p);
      }
    }
  };
  layer(after, "after");
  layer(before, "before");
  return svg;
}

function statusText(status: string): string {
  return t("parcels_status_" + status);
}

function disputeCard(d: Dispute): HTMLElement {
  const steps = el("ol", { class: "steps" },
    el("li", { class: "done" }, t("dispute_registered"), " · ", fmtTime(d.opened_at)));
  for (const m of d.meetings)
    steps.append(el("li", { class: "done" }, tData("dispute_meeting", { date: m.held_on, place: m.place, mediator: m.mediator }),
      el("div", { class: "muted small", "data-user": "" }, m.minutes)));
  if (d.status !== "registered" && d.status !== "mediation")
    steps.append(el("li", { class: "done" }, t("dispute_" + d.status), d.outcome ? el("div", { class: "muted small", "data-user": "" }, d.outcome) : null));
  return el("div", { class: "card", "data-testid": "dispute", "data-status": d.status },
    el("div", { class: "card-title" }, t("dispute_title"), " · ", t("dispute_" + d.status)),
    el("p", { class: "small" }, t("objection_reason"), colon(), u(d.reason)), steps);
}

// The field's criteria of the whole plan, before and after (docs/realloc.md), so a household sees
// what the consolidation does for the village too. Older plans lack some: those rows are left out.
function criteriaTable(plan: PlanSummary | undefined): HTMLElement | null {
  const f = plan?.fragmentation;
  if (!f?.before || !f?.after) return null;
  const fmt = (v: number | null | undefined, digits: number, pct = false) =>
    v === undefined ? null : v === null ? t("crit_not_checked") : pct ? `${(v * 100).toFixed(1)}%` : v.toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const minWidth = f.rules?.min_width_m ?? 10;
  const rows: [string, string, (c: Criteria) => string | null][] = [
    ["parcels_per_household", t("crit_parcels_per_household"), (c) => fmt(c.parcels_per_household, 2)],
    ["mean_area", t("crit_mean_area"), (c) => fmt(c.mean_parcel_area_m2, 0)],
    ["below_minimum", t("crit_below_minimum"), (c) => fmt(c.holdings_below_minimum_share, 1, true)],
    ["shape", t("crit_shape"), (c) => fmt(c.mean_shape_index, 2)],
    ["ratio", t("crit_ratio"), (c) => fmt(c.mean_length_width_ratio, 2)],
    ["distance", t("crit_distance"), (c) => fmt(c.mean_distance_m, 0)],
    ["narrowest", t("crit_narrowest"), (c) => fmt(c.narrowest_m, 1)],
    ["too_narrow", t("crit_too_narrow", { m: minWidth }), (c) => fmt(c.narrower_than_minimum, 0)],
    ["no_access", t("crit_no_access"), (c) => (c.without_access === undefined ? null : fmt(c.without_access, 0))],
  ];
  const body = el("tbody", {});
  for (const [key, label, get] of rows) {
    const b = get(f.before), a = get(f.after);
    if (b === null || a === null) continue;
    body.append(el("tr", { "data-criterion": key }, el("td", {}, label), el("td", { class: "num" }, b), el("td", { class: "num" }, a)));
  }
  return el("details", { class: "small", "data-testid": "plan-criteria" },
    el("summary", {}, t("crit_title")),
    el("table", { class: "table" },
      el("thead", {}, el("tr", {}, el("th", {}, ""), el("th", {}, t("parcels_before")), el("th", {}, t("parcels_after")))),
      body));
}

export async function renderParcels(main: HTMLElement, ctx: Ctx): Promise<() => void> {
  main.classList.add("phone");
  main.append(el("h1", { "data-testid": "parcels-title" }, t("parcels_title")));
  const [mine, projects, regions] = await Promise.all([api<Mine>("GET", "/api/v1/rights/mine"), ctx.projects(), ctx.regions().catch(() => [])]);
  // Only the projects that concern the villager's own village: the village's own, or a
  // township's (county's) project over it.
  // A plan is the villager's when its household is registered in the villager's village; a
  // project the villager sees must lie over that village too (a township's project over it, or
  // the village's own).
  const villages = ctx.me.grants.filter((g) => g.role === "villager").map((g) => g.region);
  const regionOf = new Map(projects.map((p) => [p.id, p.region_code]));
  const householdRegion = new Map(mine.households.map((h) => [h.household_code, h.region_code]));
  const villageOf = (p: Mine["plans"][number]) => {
    const hh = householdRegion.get(p.household_code) ?? "";
    return villages.find((v) => regionContains(v, hh) && (!regionOf.has(p.project_id) || regionContains(regionOf.get(p.project_id)!, v)));
  };
  const plans = mine.plans.filter((p) => p.household && villageOf(p));
  const nameOf = (code: string) => regions.find((r) => r.code === code)?.name;
  const placeOf = (code: string) => {
    const v = regions.find((r) => r.code === code);
    const up = v ? nameOf(v.parent) : undefined;
    return v ? (up ? t("parcels_place", { village: v.name, township: up }) : v.name) : "";
  };
  const areaOf = (fc: FC) => fc.features.reduce((s, f) => s + (f.geometry ? polygonAreaM2(f.geometry) : 0), 0);
  if (!plans.length) {
    main.append(el("p", { class: "empty card", "data-testid": "parcels-empty" }, t("parcels_empty")));
    return () => undefined;
  }
  for (const plan of plans) {
    const base = `/api/v1/projects/${plan.project_id}/rights/households/${encodeURIComponent(plan.household_code)}`;
    const d = await api<HouseholdDetail>("GET", base);
    const h = d.household;
    const message = el("p", { class: "message", "data-testid": "parcels-message", role: "status" });
    const card = el("section", { class: "card", "data-testid": "parcels-card", "data-household": h.household_code },
      el("div", { class: "card-title", "data-user": "" }, plan.project_name),
      el("div", { class: "muted small", "data-testid": "parcels-place" }, el("span", { "data-user": "" }, placeOf(villageOf(plan) ?? "")),
        " · ", el("span", { "data-user": "" }, plan.project_code), " · ", t("parcels_household"), " ", el("span", { "data-user": "" }, h.household_code)),
      el("p", { "data-testid": "parcels-status", "data-status": h.status }, statusText(h.status)),
      drawing(d.before, d.after),
      el("div", { class: "legend small" }, key(beforeStyle), t("parcels_before"), " ", key(afterStyle), t("parcels_after")),
      el("dl", { class: "facts" },
        el("dt", {}, t("parcels_count")), el("dd", { "data-testid": "parcels-count" }, `${h.parcels_before} → ${h.parcels_after}`),
        el("dt", {}, t("parcels_area")), el("dd", { "data-testid": "parcels-area", "data-before-m2": String(Math.round(areaOf(d.before))), "data-after-m2": String(Math.round(areaOf(d.after))) },
          `${fmtMuM2(areaOf(d.before))} → ${fmtMuM2(areaOf(d.after))}`),
        el("dt", {}, t("parcels_value")),
        el("dd", { "data-testid": "parcels-value", title: t("parcels_value_hint") },
          `${t("parcels_value_unit", { v: nf(h.value_before / M2_PER_MU, 2) })} → ${t("parcels_value_unit", { v: nf(h.value_after / M2_PER_MU, 2) })}${paren(`${h.deviation >= 0 ? "+" : ""}${(h.deviation * 100).toFixed(2)}%`)}`)),
      el("p", { class: "muted small" }, t("parcels_value_hint")),
      criteriaTable(d.plan));
    if (h.status === "pending") {
      const confirm = el("button", { class: "btn primary touch", "data-testid": "confirm" }, t("parcels_confirm"));
      const reason = el("textarea", { "data-testid": "objection-reason", rows: "3", maxlength: "2000", placeholder: t("objection_placeholder") }) as HTMLTextAreaElement;
      const object = el("button", { class: "btn touch", "data-testid": "object" }, t("parcels_object"));
      const act = async (path: string, body: unknown) => {
        confirm.setAttribute("disabled", ""); object.setAttribute("disabled", "");
        try {
          await api("POST", base + path, body);
          ctx.rerender();
        } catch (e) {
          message.className = "message error";
          message.textContent = e instanceof ApiFailure ? e.text() : String(e);
          confirm.removeAttribute("disabled"); object.removeAttribute("disabled");
        }
      };
      confirm.addEventListener("click", () => act("/confirm", {}));
      object.addEventListener("click", () => act("/objection", { reason: reason.value }));
      card.append(el("div", { class: "actions" }, confirm),
        el("details", {}, el("summary", {}, t("parcels_object_open")), reason, object));
    }
    card.append(message);
    for (const disp of d.disputes) card.append(disputeCard(disp));
    main.append(card);
  }
  return () => undefined;
}
