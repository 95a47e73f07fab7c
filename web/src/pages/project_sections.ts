// The later life of a project on its page: the public notice and its comments, progress
// (milestones, reports; reports' points and photos as markers on the map), the fund ledger and
// the performance evaluation. Each section reads its own API (participation_routes,
// progress_routes, funds_routes); one the user's role may not read says so instead of failing.
import * as maplibregl from "maplibre-gl";
import type { GeoJSONSource } from "maplibre-gl";
import type { Project } from "../api";
import { getMe } from "../api";
import { el, u } from "../dom";
import { fmtArea, fmtTime, has, lang, t, colon } from "../i18n";
import {
  evaluation, milestones, optional, photoUrl, projectComments, projectNotice, reports,
  type Report,
} from "../project_api";

function card(testid: string, title: string, ...children: (Node | string)[]): HTMLElement {
  return el("section", { class: "card", "data-testid": testid }, el("h2", {}, title), ...children);
}
// "1200000.00" → "1,200,000.00"
const yuan = (s: string) => "¥" + s.replace(/^(-?\d+)/, (m) => m.replace(/\B(?=(\d{3})+(?!\d))/g, ","));
const forbidden = () => el("p", { class: "empty" }, t("section_forbidden"));

export async function noticeSection(p: Project): Promise<HTMLElement> {
  const [notice, comments] = await Promise.all([optional(projectNotice(p.id)), optional(projectComments(p.id))]);
  if (notice === "forbidden") return card("notice", t("notice_comments"), forbidden());
  if (!notice) return card("notice", t("notice_comments"), el("p", { class: "empty" }, t("notice_none")));
  const sec = card("notice", t("notice_comments"),
    el("p", {}, `${t("notice")}: ${fmtTime(notice.starts)} – ${fmtTime(notice.ends)} `,
      el("span", { class: "badge " + (notice.open ? "state-public_notice" : "pending"), "data-open": String(notice.open) }, notice.open ? t("notice_open") : t("notice_closed"))));
  if (comments === "forbidden" || comments === null) return sec;
  if (!comments.length) sec.append(el("p", { class: "empty" }, t("no_comments")));
  const list = el("ul", { class: "comments", "data-testid": "comments" });
  for (const c of comments)
    list.append(el("li", { "data-comment": String(c.id) },
      el("div", {}, el("strong", { "data-user": "" }, c.author), " ", el("span", { class: "muted small" }, fmtTime(c.created_at))),
      el("div", { "data-user": "" }, c.body),
      c.reply ? el("div", { class: "reply" }, t("reply"), lang() === "zh" ? "（" : " (", u(c.reply.by), ` ${fmtTime(c.reply.at)}`, lang() === "zh" ? "）" : ")", colon(), u(c.reply.text))
        : el("div", { class: "muted small" }, t("no_reply"))));
  sec.append(list);
  // Replying happens on the participation page (pages/participation.ts), for those who reply.
  const me = await getMe().catch(() => null);
  if (me?.grants.some((g) => ["lead_department", "township", "village_collective", "admin"].includes(g.role)))
    sec.append(el("p", {}, el("a", { href: `/participation?project=${p.id}&tab=comments`, "data-route": "", "data-testid": "notice-reply-link" }, t("cm_open_page"))));
  return sec;
}

export interface ProgressData {
  section: HTMLElement;
  points: GeoJSON.FeatureCollection;
}

export async function progressSection(p: Project): Promise<ProgressData> {
  const empty: GeoJSON.FeatureCollection = { type: "FeatureCollection", features: [] };
  const [ms, rs] = await Promise.all([optional(milestones(p.id)), optional(reports(p.id))]);
  if (ms === "forbidden" || rs === "forbidden") return { section: card("progress", t("progress"), forbidden()), points: empty };
  const sec = card("progress", t("progress"));
  if (ms && ms.milestones.length) {
    sec.append(el("p", {}, `${t("overall_percent")}: `, el("strong", { "data-testid": "overall-percent" }, `${Math.round(ms.overall_percent)}%`)));
    const table = el("table", { class: "grid" }, el("tr", {}, el("th", {}, t("milestone")), el("th", {}, t("planned_date")), el("th", {}, t("actual_date")), el("th", {}, t("percent"))));
    for (const m of ms.milestones)
      table.append(el("tr", {}, el("td", { "data-user": "" }, m.name), el("td", {}, m.planned_date), el("td", {}, m.actual_date ?? "—"),
        el("td", {}, el("span", { class: "bar" }, el("span", { class: "bar-fill", style: `width:${Math.max(0, Math.min(100, m.percent))}%` })), ` ${m.percent}%`)));
    sec.append(table);
  } else sec.append(el("p", { class: "empty" }, t("no_milestones")));
  const features: GeoJSON.Feature[] = [];
  const list = (rs ?? []) as Report[];
  if (list.length) {
    sec.append(el("h3", {}, t("reports")));
    const ul = el("ul", { class: "reports", "data-testid": "reports" });
    for (const r of list) {
      const photos = el("div", { class: "photos" }, ...r.photos.map((sha) =>
        el("a", { href: photoUrl(p.id, sha), target: "_blank", rel: "noopener" }, el("img", { src: photoUrl(p.id, sha), alt: t("photo"), loading: "lazy", class: "thumb" }))));
      ul.append(el("li", { "data-report": String(r.id) },
        el("div", {}, el("span", { class: "badge" }, has("report_kind_" + r.kind) ? t("report_kind_" + r.kind) : r.kind), " ",
          el("strong", { "data-user": "" }, r.author), " ", el("span", { class: "muted small" }, fmtTime(r.created_at)),
          r.outside_area ? el("span", { class: "badge sev warn" }, " " + t("outside_area")) : ""),
        el("div", { "data-user": "" }, r.text), photos));
      r.points.forEach((pt, i) =>
        features.push({ type: "Feature", id: r.id * 1000 + i, geometry: { type: "Point", coordinates: [pt.lon, pt.lat] },
          properties: { kind: "report", report: r.id, text: r.text, author: r.author, time: r.created_at, inside: pt.inside,
            distance_m: pt.distance_m, photos: JSON.stringify(r.photos), project: p.code } }));
    }
    sec.append(ul);
  } else sec.append(el("p", { class: "empty" }, t("no_reports")));
  return { section: sec, points: { type: "FeatureCollection", features } };
}

// Report points with photos as markers: green inside the project area, red outside; a click
// shows the report and its photos.
export function addProgressMarkers(map: maplibregl.Map, p: Project, points: GeoJSON.FeatureCollection) {
  if (!map.getSource("progress")) {
    map.addSource("progress", { type: "geojson", data: points });
    map.addLayer({ id: "progress-points", type: "circle", source: "progress", paint: {
      "circle-radius": ["case", [">", ["length", ["get", "photos"]], 2], 9, 6],
      "circle-color": ["case", ["get", "inside"], "#2e7d32", "#c62828"],
      "circle-stroke-color": "#ffffff", "circle-stroke-width": 2 } });
    map.on("click", "progress-points", (e) => {
      const f = e.features?.[0];
      if (!f) return;
      const props = f.properties as any;
      const photos: string[] = JSON.parse(props.photos || "[]");
      const box = el("div", { class: "photo-popup", "data-testid": "photo-popup" },
        el("strong", {}, props.author), " ", el("span", { class: "muted small" }, fmtTime(props.time)), el("div", {}, props.text),
        ...photos.map((sha) => el("img", { src: photoUrl(p.id, sha), alt: t("photo"), class: "thumb" })));
      new maplibregl.Popup({ maxWidth: "260px" }).setLngLat((f.geometry as GeoJSON.Point).coordinates as [number, number]).setDOMContent(box).addTo(map);
    });
    map.on("mouseenter", "progress-points", () => (map.getCanvas().style.cursor = "pointer"));
    map.on("mouseleave", "progress-points", () => (map.getCanvas().style.cursor = ""));
  } else (map.getSource("progress") as GeoJSONSource).setData(points);
}

// The funds section with its workflow (sources, allocations, requests, decisions, traced ledger).
export { fundsSection } from "./project_funds";

export async function evaluationSection(p: Project): Promise<HTMLElement> {
  const ev = await optional(evaluation(p.id));
  if (ev === "forbidden") return card("evaluation", t("evaluation"), forbidden());
  const sec = card("evaluation", t("evaluation"));
  if (!ev || !ev.indicators?.length || ev.indicators.every((i) => !i.planned && !i.achieved)) {
    sec.append(el("p", { class: "empty" }, t("evaluation_none")));
    return sec;
  }
  sec.append(el("p", {}, `${t("total_score")}: `, el("strong", { "data-testid": "total-score" }, ev.total_score === null ? "—" : ev.total_score.toFixed(1)), " · ",
    el("span", { class: "badge " + (ev.acceptance_met ? "dec-approve" : "dec-reject") }, ev.acceptance_met ? t("acceptance_met") : t("acceptance_not_met"))));
  const fmt = (v: { value: number; mu?: number; ha?: number } | null, unit: string) =>
    !v ? "—" : unit === "m2" ? fmtArea(v.value) : unit === "percent" ? `${v.value}%`
      : unit === "fen_per_mu" ? `${yuan((v.value / 100).toFixed(2))} / ${t("unit_mu")}`
      : `${v.value.toLocaleString()} ${has("unit_" + unit) ? t("unit_" + unit) : unit}`;
  const table = el("table", { class: "grid" }, el("tr", {}, el("th", {}, t("indicator")), el("th", {}, t("planned")), el("th", {}, t("achieved")), el("th", {}, t("score"))));
  for (const i of ev.indicators)
    table.append(el("tr", { "data-indicator": i.key }, el("td", {}, lang() === "zh" ? i.name_zh : i.name_en), el("td", { class: "small" }, fmt(i.planned, i.unit)),
      el("td", { class: "small" }, fmt(i.achieved, i.unit)), el("td", {}, i.score === null ? "—" : (i.score * 100).toFixed(0))));
  sec.append(table);
  const failures = lang() === "zh" ? ev.acceptance_failures_zh : ev.acceptance_failures_en;
  if (failures?.length) sec.append(el("ul", { class: "warn" }, ...failures.map((f) => el("li", {}, f))));
  return sec;
}
