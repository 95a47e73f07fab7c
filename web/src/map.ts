// The one map: MapLibre GL with no base map from the internet — a plain background, the layers
// are the map. Project areas, compliance findings and control-line overlaps come as GeoJSON from
// the API; the county's layers (land use by 三调 class colour, the three control lines, regions)
// come as vector tiles from GET /tiles/{layer}/{z}/{x}/{y}.mvt when the server answers them
// (probed once per layer; a 404 leaves the layer out). Legend, layer switcher, click to identify,
// area measurement.
import { progressLink } from "./download";
import * as maplibregl from "maplibre-gl";
import type { GeoJSONSource, LngLatBoundsLike } from "maplibre-gl";
import "maplibre-gl/dist/maplibre-gl.css";
import { landUseClasses, listLayers, type LandUseClass } from "./api";
import { formatName, lang, mapLocale, t } from "./i18n";
import { el } from "./dom";
import { addImageryBase, type ImageryBase } from "./imagery";
import { figuresCard, regionFigures } from "./village_figures";
import { addHighlightLayers, describeFeature, foldable, highlight, mapPlaces, mapSearch, mapWords, placeLabels, regionHighlightLayer, type Highlighted, type MapPlace, type MapWords } from "./map_tools";

type FC = GeoJSON.FeatureCollection;
const emptyFC = (): FC => ({ type: "FeatureCollection", features: [] });

// The tile layer kinds the map knows how to draw, in drawing order (bottom first).
const tileKinds: { kind: string; label: string }[] = [
  { kind: "land_use", label: "layer_land_use" },
  { kind: "village_plan", label: "layer_village_plan" },
  { kind: "consolidation_unit", label: "layer_units" },
  { kind: "region", label: "layer_region" },
  { kind: "permanent_basic_farmland", label: "layer_pbf" },
  { kind: "urban_development_boundary", label: "layer_udb" },
  { kind: "ecological_redline", label: "layer_redline" },
];

export interface GongzhiMap {
  map: maplibregl.Map;
  setProjects(fc: FC): void;
  setFindings(findings: FC, overlaps: FC): void;
  fit(fc: FC): void;
  ready: Promise<void>;
  tileLayers: string[];
  // Outlines a place, project or spot (with its geometry for the last two); null clears it.
  highlight(h: Highlighted | null, geometry?: GeoJSON.Geometry): void;
  imagery(): ImageryBase | null;
  destroy(): void;
}

// A hatch pattern (diagonal lines) for permanent basic farmland, drawn on a canvas.
function hatch(color: [number, number, number]): { width: number; height: number; data: Uint8Array } {
  const n = 8;
  const data = new Uint8Array(n * n * 4);
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++) {
      const on = (x + y) % n < 2;
      const i = (y * n + x) * 4;
      data[i] = color[0];
      data[i + 1] = color[1];
      data[i + 2] = color[2];
      data[i + 3] = on ? 200 : 0;
    }
  return { width: n, height: n, data };
}

export function bboxOf(fc: FC): LngLatBoundsLike | null {
  let minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity;
  const visit = (c: any) => {
    if (typeof c[0] === "number") {
      minx = Math.min(minx, c[0]); maxx = Math.max(maxx, c[0]);
      miny = Math.min(miny, c[1]); maxy = Math.max(maxy, c[1]);
    } else for (const x of c) visit(x);
  };
  for (const f of fc.features) if (f.geometry && "coordinates" in f.geometry) visit(f.geometry.coordinates);
  if (!isFinite(minx)) return null;
  return [[minx, miny], [maxx, maxy]];
}

// Spherical polygon area (WGS84 radius, the method of Chamberlain & Duquette): an approximation
// for the measuring tool only; the server's areas are ellipsoidal on CGCS2000.
export function sphericalArea(ring: [number, number][]): number {
  const R = 6378137, rad = Math.PI / 180;
  let s = 0;
  for (let i = 0; i < ring.length; i++) {
    const [x1, y1] = ring[i], [x2, y2] = ring[(i + 1) % ring.length];
    s += (x2 - x1) * rad * (2 + Math.sin(y1 * rad) + Math.sin(y2 * rad));
  }
  return Math.abs((s * R * R) / 2);
}

function tileOf(lng: number, lat: number, z: number): [number, number] {
  const n = 2 ** z;
  const x = Math.floor(((lng + 180) / 360) * n);
  const r = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  return [x, y];
}

// The names of the layers in a Mapbox Vector Tile (Tile.layers = field 3, Layer.name = field 1):
// the tile endpoint's source-layer name is read from the tile rather than assumed.
export function mvtLayerNames(buf: Uint8Array): string[] {
  let i = 0;
  const varint = (end: number): number => {
    let v = 0, shift = 0;
    while (i < end) {
      const b = buf[i++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
      shift += 7;
    }
    throw new Error("truncated varint");
  };
  const skip = (wire: number, end: number) => {
    if (wire === 0) varint(end);
    else if (wire === 1) i += 8;
    else if (wire === 2) i += varint(end);
    else if (wire === 5) i += 4;
    else throw new Error("bad wire type");
  };
  const names: string[] = [];
  try {
    while (i < buf.length) {
      const key = varint(buf.length);
      if (key >> 3 === 3 && (key & 7) === 2) {
        const end = i + varint(buf.length);
        while (i < end) {
          const k = varint(end);
          if (k >> 3 === 1 && (k & 7) === 2) {
            const n = varint(end);
            names.push(new TextDecoder().decode(buf.subarray(i, i + n)));
            i += n;
          } else skip(k & 7, end);
        }
        i = end;
      } else skip(key & 7, buf.length);
    }
  } catch {
    /* a gzip-encoded or damaged tile: no names */
  }
  return names;
}

// Whether the server makes tiles of a layer (a 404 or a network error: no), and the name of the
// layer inside its tiles.
async function probeTiles(layer: string, version: number, center: [number, number]): Promise<{ ok: boolean; sourceLayer: string }> {
  const [x, y] = tileOf(center[0], center[1], 12);
  try {
    const r = await fetch(`/tiles/${encodeURIComponent(layer)}/12/${x}/${y}.mvt?version=${version}`, { credentials: "same-origin" });
    if (!r.ok) return { ok: false, sourceLayer: layer };
    const names = mvtLayerNames(new Uint8Array(await r.arrayBuffer()));
    return { ok: true, sourceLayer: names.includes(layer) || names.length === 0 ? layer : names[0] };
  } catch {
    return { ok: false, sourceLayer: layer };
  }
}

export function createMap(container: HTMLElement, opts: { center?: [number, number]; compact?: boolean } = {}): GongzhiMap {
  const mapDiv = el("div", { class: "map-canvas", "data-testid": "map" });
  const side = el("div", { class: "map-side" });
  const info = el("div", { class: "map-info", "data-testid": "identify" }, t("identify_hint"));
  const measureOut = el("div", { class: "measure-out", "data-testid": "measure-result" });
  container.append(el("div", { class: "map-wrap" + (opts.compact ? " compact" : "") }, mapDiv, side));
  const map = new maplibregl.Map({
    container: mapDiv,
    style: {
      version: 8,
      sources: {},
      layers: [{ id: "background", type: "background", paint: { "background-color": "#f4f1ea" } }],
    },
    center: opts.center ?? [117.1, 31.4], // the demo county; every page fits the map to its data
    zoom: 11,
    attributionControl: false,
    preserveDrawingBuffer: true, // screenshots
    locale: mapLocale(),
  } as maplibregl.MapOptions);
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  map.addControl(new maplibregl.ScaleControl({}), "bottom-left");

  const tileLayers: string[] = [];
  // `download`: a stored layer the server exports (GET /api/v1/layers/{layer}/download).
  const switchable: { id: string; label: string; layers: string[]; swatch: string; download?: string }[] = [];
  let classes: LandUseClass[] = [];
  let pendingProjects: FC | null = null, pendingFindings: [FC, FC] | null = null;
  let imagery: ImageryBase | null = null;
  let places: MapPlace[] = [];
  let words: MapWords = { fields: [], codes: [] };
  let labels: { destroy(): void } | null = null;
  let regionTiles: { source: string; sourceLayer: string } | null = null;
  const popup = new maplibregl.Popup({ className: "identify-popup", maxWidth: "360px", closeOnClick: false, offset: 14 });
  const search = mapSearch(map, () => places, () => (pendingProjects?.features ?? []).filter((f) => f.geometry).map((f) => ({
    code: String(f.properties?.code ?? ""), name: String(f.properties?.name ?? ""), geometry: f.geometry })), () => classes);

  const ready = new Promise<void>((resolve) => {
    map.on("load", async () => {
      map.addImage("pbf-hatch", hatch([214, 160, 0]));
      map.addSource("projects", { type: "geojson", data: emptyFC() });
      map.addSource("overlaps", { type: "geojson", data: emptyFC() });
      map.addSource("findings", { type: "geojson", data: emptyFC() });
      map.addSource("measure", { type: "geojson", data: emptyFC() });

      // County layers as vector tiles, when the server makes them.
      try {
        const [layers, cls, w, pl] = await Promise.all([listLayers(), landUseClasses().catch(() => [] as LandUseClass[]), mapWords(), mapPlaces()]);
        classes = cls;
        words = w;
        places = pl;
        // Probe where the projects are when they are known (a tile with features), else the centre.
        const b = pendingProjects ? bboxOf(pendingProjects) : null;
        const c: [number, number] = b ? [((b as any)[0][0] + (b as any)[1][0]) / 2, ((b as any)[0][1] + (b as any)[1][1]) / 2] : [map.getCenter().lng, map.getCenter().lat];
        // All probes at once (the first view waits for the slowest, not for their sum), the
        // layers then added in the order of tileKinds.
        const wanted = tileKinds.flatMap(({ kind, label }) => layers.filter((x) => x.kind === kind).map((l) => ({ l, kind, label })));
        const probes = await Promise.all(wanted.map(({ l }) => probeTiles(l.layer, l.version, c)));
        wanted.forEach(({ l, kind, label }, i) => {
          if (probes[i].ok) addTileLayer(l.layer, probes[i].sourceLayer, kind, label, l.version);
        });
      } catch {
        /* no layers: the API layers below still show */
      }
      map.addLayer({ id: "projects-fill", type: "fill", source: "projects", paint: { "fill-color": "#1f6feb", "fill-opacity": 0.12 } });
      map.addLayer({ id: "projects-line", type: "line", source: "projects", paint: { "line-color": "#1f6feb", "line-width": 2 } });
      map.addLayer({ id: "overlaps-fill", type: "fill", source: "overlaps", paint: {
        // By control line: red line red, basic farmland brown, urban boundary purple; village plans faint.
        "fill-color": ["match", ["get", "control"], "ecological_redline", "#ff4d4d", "permanent_basic_farmland", "#c98a3c", "urban_development_boundary", "#9c4dcc", "#9e9e9e"],
        "fill-opacity": ["match", ["get", "control"], "village_plan", 0.08, 0.35] } });
      map.addLayer({ id: "findings-fill", type: "fill", source: "findings", paint: { "fill-color": "#e00000", "fill-opacity": 0.45 } });
      map.addLayer({ id: "findings-line", type: "line", source: "findings", paint: { "line-color": "#a00000", "line-width": 2.5 } });
      map.addLayer({ id: "measure-fill", type: "fill", source: "measure", paint: { "fill-color": "#00897b", "fill-opacity": 0.2 } });
      map.addLayer({ id: "measure-line", type: "line", source: "measure", paint: { "line-color": "#00897b", "line-width": 2, "line-dasharray": [2, 1] } });
      map.addLayer({ id: "measure-points", type: "circle", source: "measure", filter: ["==", ["geometry-type"], "Point"], paint: { "circle-radius": 4, "circle-color": "#00897b" } });
      addHighlightLayers(map);
      if (regionTiles) regionHighlightLayer(map, regionTiles.source, regionTiles.sourceLayer);
      labels = placeLabels(map, places);
      switchable.push({ id: "projects", label: "layer_projects", layers: ["projects-fill", "projects-line"], swatch: "border:2px solid #1f6feb;background:rgba(31,111,235,.12)" });
      switchable.push({ id: "overlaps", label: "layer_overlaps", layers: ["overlaps-fill"], swatch: "background:linear-gradient(90deg,rgba(255,77,77,.5),rgba(201,138,60,.5),rgba(156,77,204,.5))" });
      switchable.push({ id: "findings", label: "layer_findings", layers: ["findings-fill", "findings-line"], swatch: "border:2px solid #a00000;background:rgba(224,0,0,.45)" });
      imagery = await addImageryBase(map, mapDiv);
      renderSide();
      if (pendingProjects) setProjects(pendingProjects);
      if (pendingFindings) setFindings(...pendingFindings);
      resolve();
    });
  });

  function addTileLayer(layer: string, sourceLayer: string, kind: string, label: string, version: number) {
    const src = "tiles-" + layer;
    // The version pinned in the URL: the server answers such tiles as immutable, so the browser
    // keeps them without revalidating (a new import is a new version, hence a new URL).
    map.addSource(src, { type: "vector", tiles: [location.origin + `/tiles/${encodeURIComponent(layer)}/{z}/{x}/{y}.mvt?version=${version}`], minzoom: 0, maxzoom: 16 });
    const ids: string[] = [];
    const base = { source: src, "source-layer": sourceLayer };
    let swatch = "";
    if (kind === "land_use") {
      const match: any[] = ["match", ["to-string", ["get", "DLBM"]]];
      for (const c of classes) match.push(c.code, c.color);
      match.push("#cccccc");
      map.addLayer({ id: src + "-fill", type: "fill", ...base, paint: { "fill-color": classes.length ? (match as any) : "#dddddd", "fill-opacity": 0.85 } });
      map.addLayer({ id: src + "-line", type: "line", ...base, minzoom: 13, paint: { "line-color": "#888", "line-width": 0.3 } });
      ids.push(src + "-fill", src + "-line");
      swatch = "background:linear-gradient(90deg,#FFFF64,#31AD69,#E6A650,#A3D6F5)";
    } else if (kind === "ecological_redline") {
      map.addLayer({ id: src + "-fill", type: "fill", ...base, paint: { "fill-color": "#ff0000", "fill-opacity": 0.08 } });
      map.addLayer({ id: src + "-line", type: "line", ...base, paint: { "line-color": "#e60000", "line-width": 2 } });
      ids.push(src + "-fill", src + "-line");
      swatch = "border:2px solid #e60000;background:rgba(255,0,0,.08)";
    } else if (kind === "permanent_basic_farmland") {
      map.addLayer({ id: src + "-fill", type: "fill", ...base, paint: { "fill-pattern": "pbf-hatch" } });
      map.addLayer({ id: src + "-line", type: "line", ...base, paint: { "line-color": "#8b5a2b", "line-width": 1.5 } });
      ids.push(src + "-fill", src + "-line");
      swatch = "border:2px solid #8b5a2b;background:repeating-linear-gradient(45deg,#d6a000 0 2px,transparent 2px 6px)";
    } else if (kind === "urban_development_boundary") {
      map.addLayer({ id: src + "-fill", type: "fill", ...base, paint: { "fill-color": "#7b1fa2", "fill-opacity": 0.04 } });
      map.addLayer({ id: src + "-line", type: "line", ...base, paint: { "line-color": "#7b1fa2", "line-width": 2, "line-dasharray": [3, 2] } });
      ids.push(src + "-fill", src + "-line");
      swatch = "border:2px dashed #7b1fa2";
    } else {
      const color = kind === "region" ? "#555" : kind === "village_plan" ? "#00838f" : "#6d4c41";
      // Townships' boundaries bolder than villages' (the region layer's level field).
      const width: any = kind === "region" ? ["match", ["get", "level"], "county", 2.4, "township", 1.8, 1] : 1;
      map.addLayer({ id: src + "-fill", type: "fill", ...base, paint: { "fill-color": color, "fill-opacity": 0.01 } });
      map.addLayer({ id: src + "-line", type: "line", ...base, paint: { "line-color": color, "line-width": width, "line-dasharray": kind === "region" ? [4, 2, 1, 2] : [1, 0] } });
      if (kind === "region" && !regionTiles) regionTiles = { source: src, sourceLayer };
      ids.push(src + "-fill", src + "-line");
      swatch = `border:1.5px solid ${color}`;
    }
    tileLayers.push(layer);
    switchable.push({ id: src, label, layers: ids, swatch: swatch + `;--v:${version}`, download: layer });
  }

  function renderSide() {
    side.replaceChildren();
    side.append(search);
    side.append(el("h3", {}, t("layers")));
    const list = el("div", { class: "layer-switcher", "data-testid": "layer-switcher" });
    for (const s of switchable) {
      const visible = map.getLayoutProperty(s.layers[0], "visibility") !== "none";
      const box = el("input", { type: "checkbox", "data-layer": s.id }) as HTMLInputElement;
      box.checked = visible;
      box.addEventListener("change", () => {
        for (const id of s.layers) map.setLayoutProperty(id, "visibility", box.checked ? "visible" : "none");
      });
      const v = /--v:(\d+)/.exec(s.swatch);
      list.append(el("label", { class: "layer-row" }, box, el("span", { class: "swatch", style: s.swatch.replace(/;--v:\d+/, "") }), t(s.label), v ? el("small", {}, " " + t("version", { v: v[1] })) : ""));
      if (s.download) {
        // The same exporters as `gongzhi export`; the session cookie authorises the link.
        // A click shows the export's progress, then the file's (download.ts).
        const links = el("div", { class: "layer-downloads", "data-testid": `download-${s.download}` }, t("download_colon"));
        const status = el("div", { class: "download-progress", role: "status", "data-testid": `download-progress-${s.download}` });
        for (const format of ["gpkg", "shp", "txt"]) {
          links.append(progressLink(`/api/v1/layers/${encodeURIComponent(s.download)}/download?format=${format}`, formatName(format), status, { "data-format": format }), " ");
        }
        list.append(links, status);
      }
    }
    side.append(list);
    if (tileLayers.length === 0) side.append(el("div", { class: "note", "data-testid": "tiles-note" }, t("tiles_unavailable")));
    // Legend: the control lines and, with land-use tiles, the land-use classes by colour; folded
    // until asked for (sixty classes would push everything else down).
    const legend = el("div", { class: "legend", "data-testid": "legend" });
    for (const s of switchable) legend.append(el("div", { class: "legend-row" }, el("span", { class: "swatch", style: s.swatch.replace(/;--v:\d+/, "") }), t(s.label)));
    if (tileLayers.some((l) => switchable.some((s) => s.id === "tiles-" + l && s.label === "layer_land_use"))) {
      for (const c of classes)
        legend.append(el("div", { class: "legend-row small" }, el("span", { class: "swatch", style: `background:${c.color}` }), `${c.code} ${lang() === "zh" ? c.name_zh : c.name_en}`));
    }
    side.append(foldable(t("legend"), legend, false, "legend"));
    // Measure.
    const measureBtn = el("button", { class: "btn", "data-testid": "measure" }, t("measure"));
    const clearBtn = el("button", { class: "btn secondary" }, t("measure_clear"));
    measureBtn.addEventListener("click", () => {
      if (measuring) finishMeasure();
      else startMeasure();
      measureBtn.textContent = measuring ? t("measure_stop") : t("measure");
    });
    clearBtn.addEventListener("click", () => {
      points = [];
      drawMeasure();
      measureOut.textContent = "";
    });
    side.append(el("div", { class: "measure" }, measureBtn, clearBtn, measureOut));
    side.append(el("h3", {}, t("attributes")), info);
  }

  // ---- identify ----
  const layerName = (id: string) => {
    const sw = switchable.find((x) => x.layers.includes(id));
    return sw ? t(sw.label) : id.replace(/-(fill|line)$/, "");
  };
  map.on("click", (e) => {
    if (measuring) return;
    const fs = map.queryRenderedFeatures(e.point).filter((f) => f.layer.id !== "background" && !f.layer.id.startsWith("measure") && !f.layer.id.startsWith("highlight") && !f.layer.id.startsWith("td-"));
    // Of the region layer's nested places (county, township, village) the smallest.
    const code = (f: { properties: any }) => String(f.properties?.XZQDM ?? "");
    // The topmost feature of each layer under the click (a finding over its project area …).
    const seen = new Set<string>();
    const shown = fs.filter((f) => {
      const k = f.layer.id.replace(/-(fill|line)$/, "");
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    }).map((f) => fs.filter((g) => g.layer.id === f.layer.id).reduce((a, b) => (code(b).length > code(a).length ? b : a), f));
    // The land-use spot under the click is what is asked about most: it comes first, whatever
    // the layers drawn over it (the popup holds six layers; the side panel every one).
    const landUseFirst = (f: { layer: { id: string } }) => (f.layer.id.startsWith("tiles-land_use") ? 0 : 1);
    shown.sort((a, b) => landUseFirst(a) - landUseFirst(b));
    const tables = (n: number) => (shown.length ? shown.slice(0, n).map((f) => describeFeature(f, layerName(f.layer.id), words, classes)) : [t("identify_none")]);
    info.replaceChildren(...tables(shown.length));
    // The same where the user clicked.
    const content = el("div", { "data-testid": "identify-popup" }, ...tables(6));
    // Not while a shape is being drawn: the popup would sit where the next vertex goes.
    if (map.getCanvasContainer().classList.contains("drawing")) return;
    popup.setLngLat(e.lngLat).setDOMContent(content).addTo(map);
    // A village's people and economy, when imported, below its attributes.
    const village = shown.find((f) => f.layer.id.startsWith("tiles-") && code(f).length === 12);
    if (village) {
      const asked = code(village);
      void regionFigures(asked).then((fig) => {
        if (!fig) return;
        content.append(figuresCard(fig));
        info.append(figuresCard(fig));
      });
    }
  });

  // ---- measure ----
  let measuring = false;
  let points: [number, number][] = [];
  function drawMeasure() {
    const features: GeoJSON.Feature[] = points.map((p) => ({ type: "Feature", properties: {}, geometry: { type: "Point", coordinates: p } }));
    if (points.length >= 3)
      features.push({ type: "Feature", properties: {}, geometry: { type: "Polygon", coordinates: [[...points, points[0]]] } });
    else if (points.length === 2) features.push({ type: "Feature", properties: {}, geometry: { type: "LineString", coordinates: points } });
    (map.getSource("measure") as GeoJSONSource | undefined)?.setData({ type: "FeatureCollection", features });
    if (points.length >= 3) {
      const a = sphericalArea(points);
      measureOut.textContent = t("measure_result", {
        m2: a.toFixed(0), mu: (a / (10000 / 15)).toFixed(2), ha: (a / 10000).toFixed(4),
      });
      measureOut.dataset.m2 = String(a);
    } else measureOut.textContent = t("measure_hint");
  }
  const onMeasureClick = (e: maplibregl.MapMouseEvent) => {
    points.push([e.lngLat.lng, e.lngLat.lat]);
    drawMeasure();
  };
  function startMeasure() {
    measuring = true;
    popup.remove();
    points = [];
    map.doubleClickZoom.disable();
    map.getCanvas().style.cursor = "crosshair";
    map.on("click", onMeasureClick);
    map.once("dblclick", finishMeasure);
    drawMeasure();
  }
  function finishMeasure() {
    measuring = false;
    map.off("click", onMeasureClick);
    map.getCanvas().style.cursor = "";
    setTimeout(() => map.doubleClickZoom.enable(), 0);
  }

  function setProjects(fc: FC) {
    pendingProjects = fc; // also where the tile probe looks
    (map.getSource("projects") as GeoJSONSource | undefined)?.setData(fc);
  }
  function setFindings(findings: FC, overlaps: FC) {
    const f = map.getSource("findings") as GeoJSONSource | undefined;
    if (!f) {
      pendingFindings = [findings, overlaps];
      return;
    }
    f.setData(findings);
    (map.getSource("overlaps") as GeoJSONSource).setData(overlaps);
  }
  function fit(fc: FC) {
    const b = bboxOf(fc);
    if (b) map.fitBounds(b, { padding: 40, duration: 0, maxZoom: 17 });
  }

  // For the end-to-end tests: the map and its rendered features.
  (window as any).__gongzhi = { map, ready };
  return { map, setProjects, setFindings, fit, ready, tileLayers,
    highlight: (h, geometry) => highlight(map, h, geometry),
    imagery: () => imagery,
    destroy: () => {
    labels?.destroy();
    popup.remove();
    imagery?.destroy();
    map.remove();
  } };
}

// Project areas of a list of projects with their plans, as a FeatureCollection.
export function projectAreas(projects: { id: number; code: string; name: string; state: string; area_m2: number; plan?: any }[]): FC {
  const features: GeoJSON.Feature[] = [];
  for (const p of projects)
    if (p.plan?.area)
      features.push({ type: "Feature", id: p.id, properties: { code: p.code, name: p.name, state: p.state, area_m2: p.area_m2 }, geometry: p.plan.area });
  return { type: "FeatureCollection", features };
}
