// The one map's finding and naming tools (docs/map.md): township and village names drawn over
// the map as HTML labels (there is no internet base map and no glyph server, so MapLibre's
// symbol layers have no fonts: the browser's own fonts draw the names), a search box for a place
// (the region layer's names), a project (code or name) or a land-use spot (BSM, looked up by the
// server through its index) that flies to the result and outlines it, and the identify table
// with field names and coded values in words (GET /api/v1/map/fields).
import * as maplibregl from "maplibre-gl";
import type { GeoJSONSource, LngLatBoundsLike, MapGeoJSONFeature } from "maplibre-gl";
import { api, type LandUseClass } from "./api";
import { el } from "./dom";
import { addStrings, fmtArea, lang, t } from "./i18n";
import "./map_tools.css";

addStrings({
  map_search: ["搜索地名、项目或图斑标识码", "Search a place, project or spot ID (BSM)"],
  map_search_place: ["地名", "Place"],
  map_search_project: ["项目", "Project"],
  map_search_spot: ["图斑", "Spot"],
  map_search_none: ["未找到匹配的地名、项目或图斑", "No place, project or spot found"],
  map_search_bad_bsm: ["图斑标识码应为 1–32 位字母或数字", "A spot ID is 1–32 letters or digits"],
  map_level_county: ["县", "County"],
  map_level_township: ["乡镇", "Township"],
  map_level_village: ["村", "Village"],
  map_layer: ["图层", "Layer"],
  map_legend_show: ["展开", "Show"],
  map_legend_hide: ["收起", "Hide"],
});

export interface MapPlace {
  code: string;
  name: string;
  level: "province" | "city" | "county" | "township" | "village";
  layer: string;
  label: [number, number];
  bbox: [number, number, number, number];
}
export interface MapWords {
  fields: { field: string; name_zh: string; name_en: string }[];
  codes: { field: string; code: string; name_zh: string; name_en: string }[];
}

let wordsPromise: Promise<MapWords> | null = null;
export function mapWords(): Promise<MapWords> {
  wordsPromise ??= api<MapWords>("GET", "/api/v1/map/fields").catch(() => ({ fields: [], codes: [] }));
  return wordsPromise;
}
export async function mapPlaces(): Promise<MapPlace[]> {
  try {
    return (await api<{ places: MapPlace[] }>("GET", "/api/v1/map/places")).places;
  } catch {
    return [];
  }
}

const zh = () => lang() === "zh";

// The field's name in the user's language, or the field as the data names it.
export function fieldName(words: MapWords, field: string): string {
  const f = words.fields.find((x) => x.field === field) ?? words.fields.find((x) => x.field.toLowerCase() === field.toLowerCase());
  return f ? (zh() ? f.name_zh : f.name_en) : field;
}

// A value in words: a land-use class with its name, a coded value by the table, areas in m²/亩/ha.
export function valueWords(words: MapWords, classes: LandUseClass[], field: string, v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = typeof v === "object" ? JSON.stringify(v) : String(v);
  const up = field.toUpperCase();
  if (up === "DLBM" || up === "KCDLBM" || up === "GHDLBM") {
    const c = classes.find((x) => x.code === s);
    if (c) return `${c.code} ${zh() ? c.name_zh : c.name_en}`;
  }
  const code = words.codes.find((x) => x.field.toUpperCase() === up && x.code === s);
  if (code) return zh() ? code.name_zh : code.name_en;
  if (field === "state") {
    const w = t("state_" + s);
    if (!w.startsWith("⟦")) return w;
  }
  if ((up.endsWith("MJ") || field === "area_m2") && s !== "" && isFinite(Number(s))) return fmtArea(Number(s));
  return s;
}

// The identify table of one feature: its layer's name, then each field in words.
export function describeFeature(f: MapGeoJSONFeature, layerName: string, words: MapWords, classes: LandUseClass[]): HTMLElement {
  const rows = el("table", { class: "attrs", "data-layer": f.layer.id.replace(/-(fill|line)$/, "") });
  rows.append(el("tr", {}, el("th", {}, t("map_layer")), el("td", {}, layerName)));
  for (const [k, v] of Object.entries(f.properties ?? {})) {
    // Internal names (a rule's id, the layer a control line came from) stay out: the finding's
    // name and the control line in words say the same to a person.
    if (k === "geometry" || k === "rule" || k === "layer" || v === null || v === undefined || v === "") continue;
    rows.append(el("tr", { "data-field": k }, el("th", {}, fieldName(words, k)), el("td", {}, valueWords(words, classes, k, v))));
  }
  return rows;
}

// ---- labels ----

// Township names from zoom 9, village names from zoom 11.5, the county's below 11; only the
// places in view are in the page. Labels let the pointer through to the map.
export function placeLabels(map: maplibregl.Map, places: MapPlace[]): { destroy(): void; shown(): string[] } {
  const markers = new Map<string, maplibregl.Marker>();
  const update = () => {
    const z = map.getZoom();
    const b = map.getBounds();
    const want = new Set<string>();
    for (const p of places) {
      const visible = p.level === "village" ? z >= 11.5 : p.level === "township" ? z >= 9 : p.level === "county" ? z < 11 : false;
      if (visible && b.contains(p.label)) want.add(p.code);
    }
    for (const [code, m] of markers)
      if (!want.has(code)) {
        m.remove();
        markers.delete(code);
      }
    for (const p of places)
      if (want.has(p.code) && !markers.has(p.code)) {
        const e = el("div", { class: `place-label ${p.level}`, "data-code": p.code, "data-testid": "place-label", "data-user": "" }, p.name);
        markers.set(p.code, new maplibregl.Marker({ element: e, anchor: "center" }).setLngLat(p.label).addTo(map));
      }
  };
  map.on("moveend", update);
  update();
  return {
    destroy() {
      map.off("moveend", update);
      for (const m of markers.values()) m.remove();
      markers.clear();
    },
    shown: () => [...markers.keys()],
  };
}

// ---- highlight ----

// An outline over everything: a GeoJSON source for projects and spots, and a filter on the
// region tiles for a place.
export function addHighlightLayers(map: maplibregl.Map) {
  map.addSource("highlight", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
  map.addLayer({ id: "highlight-fill", type: "fill", source: "highlight", paint: { "fill-color": "#00bcd4", "fill-opacity": 0.15 } });
  map.addLayer({ id: "highlight-line", type: "line", source: "highlight", paint: { "line-color": "#00acc1", "line-width": 4 } });
}
export function regionHighlightLayer(map: maplibregl.Map, source: string, sourceLayer: string) {
  map.addLayer({
    id: "highlight-region", type: "line", source, "source-layer": sourceLayer,
    filter: ["==", ["to-string", ["get", "XZQDM"]], "\u0000"],
    paint: { "line-color": "#00acc1", "line-width": 4 },
  });
}
export interface Highlighted {
  kind: "place" | "project" | "spot";
  code: string;
}
export function highlight(map: maplibregl.Map, h: Highlighted | null, geometry?: GeoJSON.Geometry) {
  const features: GeoJSON.Feature[] = geometry ? [{ type: "Feature", properties: { code: h?.code ?? "" }, geometry }] : [];
  (map.getSource("highlight") as GeoJSONSource | undefined)?.setData({ type: "FeatureCollection", features });
  if (map.getLayer("highlight-region"))
    map.setFilter("highlight-region", ["==", ["to-string", ["get", "XZQDM"]], h?.kind === "place" ? h.code : "\u0000"]);
  (window as any).__gongzhiHighlight = h;
}

// ---- search ----

export interface SearchProject {
  code: string;
  name: string;
  geometry: GeoJSON.Geometry;
}
interface Hit {
  kind: Highlighted["kind"];
  code: string;
  title: string;
  bbox: [number, number, number, number];
  geometry?: GeoJSON.Geometry;
}

function bboxOfGeometry(g: GeoJSON.Geometry): [number, number, number, number] {
  let minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity;
  const visit = (c: any) => {
    if (typeof c[0] === "number") {
      minx = Math.min(minx, c[0]); maxx = Math.max(maxx, c[0]);
      miny = Math.min(miny, c[1]); maxy = Math.max(maxy, c[1]);
    } else for (const x of c) visit(x);
  };
  if ("coordinates" in g) visit(g.coordinates);
  return [minx, miny, maxx, maxy];
}

// The search box over the map. `projects` gives the projects the page shows (code, name, area).
export function mapSearch(map: maplibregl.Map, places: () => MapPlace[], projects: () => SearchProject[], classes: () => LandUseClass[]): HTMLElement {
  const input = el("input", { type: "search", class: "map-search-input", placeholder: t("map_search"), "aria-label": t("map_search"), "data-testid": "map-search" }) as HTMLInputElement;
  const list = el("ul", { class: "map-search-results", "data-testid": "map-search-results", role: "listbox" });
  const box = el("div", { class: "map-search" }, input, list);
  let serial = 0;

  function go(h: Hit) {
    list.replaceChildren();
    input.value = h.title;
    const [a, b, c, d] = h.bbox;
    const bounds: LngLatBoundsLike = [[a, b], [c, d]];
    highlight(map, { kind: h.kind, code: h.code }, h.geometry);
    map.fitBounds(bounds, { padding: 60, maxZoom: h.kind === "spot" ? 17 : 15, duration: 600 });
  }

  async function run(enter: boolean) {
    const q = input.value.trim();
    const mine = ++serial;
    if (!q) {
      list.replaceChildren();
      return;
    }
    const lower = q.toLowerCase();
    const hits: Hit[] = [];
    const levelWord = (p: MapPlace) => (["county", "township", "village"].includes(p.level) ? t("map_level_" + p.level) : "");
    for (const p of places())
      if (p.name.includes(q) || p.code.startsWith(q))
        hits.push({ kind: "place", code: p.code, title: `${p.name}（${levelWord(p)}）`, bbox: p.bbox });
    for (const p of projects())
      if (p.code.toLowerCase().includes(lower) || p.name.includes(q))
        hits.push({ kind: "project", code: p.code, title: `${p.code} ${p.name}`, bbox: bboxOfGeometry(p.geometry), geometry: p.geometry });
    // A spot's BSM: letters and digits only, asked of the server (its index) on Enter, or once
    // the text is long enough to be one.
    const bsmLike = /^[0-9A-Za-z]{1,32}$/.test(q) && /\d/.test(q);
    let bad = false;
    if (bsmLike && (enter || q.length >= 6)) {
      try {
        const r = await api<{ spots: { layer: string; bsm: string; attributes: Record<string, unknown>; bbox: [number, number, number, number]; geometry: GeoJSON.Geometry }[] }>(
          "GET", `/api/v1/map/spots?bsm=${encodeURIComponent(q)}`);
        // The survey's spot first: a scheme's scenario layer copies its BSMs.
        const survey = (s: { layer?: string }) => (s.layer === "land_use" ? 0 : 1);
        for (const s of [...r.spots].sort((a, b) => survey(a) - survey(b))) {
          const code = String(s.attributes.DLBM ?? "");
          const cls = classes().find((c) => c.code === code);
          const words = cls ? `${cls.code} ${zh() ? cls.name_zh : cls.name_en}` : code;
          hits.push({ kind: "spot", code: s.bsm, title: `${s.bsm} ${words}`, bbox: s.bbox, geometry: s.geometry });
        }
      } catch {
        bad = true;
      }
    } else if (enter && /^[0-9A-Za-z]+$/.test(q) && q.length > 32) bad = true;
    if (mine !== serial) return; // a newer search is under way
    list.replaceChildren();
    for (const h of hits.slice(0, 20)) {
      const item = el("li", { role: "option", tabindex: "0", "data-kind": h.kind, "data-code": h.code, "data-testid": "map-search-result" },
        el("span", { class: "map-search-kind" }, t("map_search_" + h.kind)), " ", h.title);
      item.addEventListener("click", () => go(h));
      item.addEventListener("keydown", (e) => {
        if ((e as KeyboardEvent).key === "Enter") go(h);
      });
      list.append(item);
    }
    if (!hits.length && (enter || q.length >= 2))
      list.append(el("li", { class: "muted", "data-testid": "map-search-none" }, bad ? t("map_search_bad_bsm") : t("map_search_none")));
    if (enter && hits.length === 1) go(hits[0]);
  }
  let timer = 0;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = window.setTimeout(() => void run(false), 250);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      clearTimeout(timer);
      void run(true);
    } else if (e.key === "Escape") {
      list.replaceChildren();
    }
  });
  return box;
}

// A section of the side panel that folds: a button with the title, the content below it.
export function foldable(title: string, content: HTMLElement, open: boolean, testid: string): HTMLElement {
  const body = el("div", { class: "fold-body" }, content);
  const btn = el("button", { type: "button", class: "fold-head", "aria-expanded": String(open), "data-testid": testid + "-toggle" }, title) as HTMLButtonElement;
  const wrap = el("section", { class: "fold" + (open ? " open" : ""), "data-testid": testid + "-section" }, btn, body);
  body.hidden = !open;
  btn.addEventListener("click", () => {
    const now = body.hidden;
    body.hidden = !now;
    wrap.classList.toggle("open", now);
    btn.setAttribute("aria-expanded", String(now));
  });
  return wrap;
}

addStrings({
  map_open_3d: ["三维查看项目区", "View the project area in 3D"],
});

// The project page's way to the one map in 3D, fitted to the project with its area outlined.
export function open3dLink(projectId: number): HTMLElement {
  return el("a", { href: `/map?project=${projectId}&view=3d`, "data-route": "", class: "map-3d-link", "data-testid": "project-3d" }, t("map_open_3d"));
}
