// The imagery base of the one map (数字正射影像 DOM by date, docs/imagery.md): raster tiles from
// GET /tiles/imagery/{layer}/{date}/{z}/{x}/{y} under the vector layers, a date selector, an
// opacity slider for the layers drawn over it, and a before/after swipe: a second map of the
// other date stacked on the first, clipped at the handle and moved with it.
import * as maplibregl from "maplibre-gl";
import { api } from "./api";
import { el } from "./dom";
import { addStrings, t } from "./i18n";
import "./imagery.css";

addStrings({
  imagery_title: ["影像底图", "Imagery base"],
  imagery_date: ["影像时相", "Imagery date"],
  imagery_none: ["不显示影像", "No imagery"],
  imagery_opacity: ["图层透明度", "Layer opacity"],
  imagery_compare: ["卷帘对比", "Swipe compare"],
  imagery_compare_with: ["对比时相", "Compare with"],
  imagery_handle: ["拖动对比分界线", "Drag to compare"],
  terrain_3d: ["三维地形", "3D terrain"],
  terrain_slope: ["坡度分级", "Slope grades"],
});

export interface ImageryDate {
  layer: string;
  date: string;
  kind: "imagery" | "terrain" | "slope";
  format: string;
  tile_size: number;
  min_zoom: number;
  max_zoom: number;
  bounds: [number, number, number, number];
}

export interface ImageryBase {
  dates: ImageryDate[];
  show(date: string | null): void;
  compare(date: string | null): void;
  // The second map of the swipe, while comparing (it follows the first).
  compareMap(): maplibregl.Map | null;
  // 3D terrain with hillshade (and the pitch to see it), when the server has terrain tiles.
  setTerrain(on: boolean): void;
  setSlope(on: boolean): void;
  // Unfolds (or folds) the panel of the imagery's controls.
  open(on: boolean): void;
  destroy(): void;
}

const sourceId = (v: ImageryDate) => `imagery-${v.layer}-${v.date}`;

function rasterSource(v: ImageryDate): maplibregl.RasterSourceSpecification {
  const path = `/tiles/imagery/${encodeURIComponent(v.layer)}/${encodeURIComponent(v.date)}/{z}/{x}/{y}`;
  return { type: "raster", tiles: [location.origin + path], tileSize: v.tile_size, minzoom: v.min_zoom, maxzoom: v.max_zoom, bounds: v.bounds };
}

// The vector layers drawn over the imagery: every fill of the map's own layers.
function overlayFills(map: maplibregl.Map): { id: string; opacity: number }[] {
  const out: { id: string; opacity: number }[] = [];
  for (const l of map.getStyle().layers ?? []) {
    if (l.type !== "fill") continue;
    const o = map.getPaintProperty(l.id, "fill-opacity");
    out.push({ id: l.id, opacity: typeof o === "number" ? o : 1 });
  }
  return out;
}

// Adds the imagery of the server (if any) to `map`, with its controls in a panel over `mapDiv`.
// Resolves to null when there is no imagery (or the server serves none).
export async function addImageryBase(map: maplibregl.Map, mapDiv: HTMLElement): Promise<ImageryBase | null> {
  let all: ImageryDate[] = [];
  try {
    all = (await api<{ imagery: ImageryDate[] }>("GET", "/api/v1/imagery")).imagery;
  } catch {
    return null;
  }
  const dates = all.filter((v) => v.kind === "imagery");
  const terrain = all.filter((v) => v.kind === "terrain").at(-1);
  const slope = all.filter((v) => v.kind === "slope").at(-1);
  if (all.length === 0) return null;
  // Under everything but the background: imagery, then slope and hillshade, then the vectors.
  const firstVector = (map.getStyle().layers ?? []).find((l) => l.id !== "background")?.id;
  for (const v of dates) {
    map.addSource(sourceId(v), rasterSource(v));
    map.addLayer({ id: sourceId(v), type: "raster", source: sourceId(v), layout: { visibility: "none" }, paint: { "raster-fade-duration": 0 } }, firstVector);
  }
  if (slope) {
    map.addSource("slope", rasterSource(slope));
    map.addLayer({ id: "slope", type: "raster", source: "slope", layout: { visibility: "none" }, paint: { "raster-fade-duration": 0 } }, firstVector);
  }
  if (terrain) {
    const dem = { ...rasterSource(terrain), type: "raster-dem", encoding: "terrarium" } as maplibregl.RasterDEMSourceSpecification;
    map.addSource("terrain-dem", dem);
    map.addSource("hillshade-dem", { ...dem });
    map.addLayer({ id: "hillshade", type: "hillshade", source: "hillshade-dem", layout: { visibility: "none" }, paint: { "hillshade-exaggeration": 0.6 } }, firstVector);
  }
  const fills = overlayFills(map);

  // The swipe: a second map showing only the other date, on top, clipped left of the handle.
  const swipeDiv = el("div", { class: "imagery-swipe", "data-testid": "imagery-swipe" });
  const handle = el("div", { class: "imagery-handle", title: t("imagery_handle"), "data-testid": "imagery-handle" });
  swipeDiv.style.display = "none";
  handle.style.display = "none";
  mapDiv.append(swipeDiv, handle);
  let other: maplibregl.Map | null = null;
  let split = 0.5;
  const sync = () => {
    if (other) other.jumpTo({ center: map.getCenter(), zoom: map.getZoom(), bearing: map.getBearing(), pitch: map.getPitch() });
  };
  const place = () => {
    const w = mapDiv.clientWidth;
    swipeDiv.style.clipPath = `inset(0 ${Math.round(w * (1 - split))}px 0 0)`;
    handle.style.left = `${Math.round(w * split)}px`;
  };
  map.on("move", sync);
  handle.addEventListener("pointerdown", (e) => {
    handle.setPointerCapture(e.pointerId);
    const move = (ev: PointerEvent) => {
      const r = mapDiv.getBoundingClientRect();
      split = Math.min(0.98, Math.max(0.02, (ev.clientX - r.left) / r.width));
      place();
    };
    const up = () => {
      handle.removeEventListener("pointermove", move);
      handle.removeEventListener("pointerup", up);
    };
    handle.addEventListener("pointermove", move);
    handle.addEventListener("pointerup", up);
  });

  const dateSelect = el("select", { "data-testid": "imagery-date" }) as HTMLSelectElement;
  dateSelect.append(el("option", { value: "" }, t("imagery_none")));
  const compareSelect = el("select", { "data-testid": "imagery-compare" }) as HTMLSelectElement;
  compareSelect.append(el("option", { value: "" }, "—"));
  for (const v of dates) {
    dateSelect.append(el("option", { value: v.date }, `${v.date}`));
    compareSelect.append(el("option", { value: v.date }, `${v.date}`));
  }
  const opacity = el("input", { type: "range", min: "0", max: "100", value: "100", "data-testid": "imagery-opacity" }) as HTMLInputElement;
  opacity.addEventListener("input", () => {
    const k = Number(opacity.value) / 100;
    for (const f of fills) if (map.getLayer(f.id)) map.setPaintProperty(f.id, "fill-opacity", f.opacity * k);
  });

  function show(date: string | null) {
    for (const v of dates) map.setLayoutProperty(sourceId(v), "visibility", v.date === date ? "visible" : "none");
    dateSelect.value = date ?? "";
  }

  function compare(date: string | null) {
    compareSelect.value = date ?? "";
    if (other) {
      other.remove();
      other = null;
    }
    const v = dates.find((d) => d.date === date);
    if (!v) {
      swipeDiv.style.display = "none";
      handle.style.display = "none";
      mapDiv.removeAttribute("data-compare");
      return;
    }
    swipeDiv.style.display = "";
    handle.style.display = "";
    other = new maplibregl.Map({
      container: swipeDiv,
      style: { version: 8, sources: { after: rasterSource(v) }, layers: [{ id: "background", type: "background", paint: { "background-color": "#f4f1ea" } }, { id: "after", type: "raster", source: "after", paint: { "raster-fade-duration": 0 } }] },
      center: map.getCenter(),
      zoom: map.getZoom(),
      interactive: false,
      attributionControl: false,
      preserveDrawingBuffer: true,
    } as maplibregl.MapOptions);
    place();
    mapDiv.setAttribute("data-compare", v.date);
  }

  dateSelect.addEventListener("change", () => show(dateSelect.value || null));
  compareSelect.addEventListener("change", () => compare(compareSelect.value || null));
  // Folded to its title until opened: open, it would cover the map's corner (and the plan
  // editor's) for good.
  const body = el("div", { class: "imagery-body", "data-testid": "imagery-body" });
  body.hidden = true;
  const toggle = el("button", { type: "button", class: "imagery-toggle", "aria-expanded": "false", "data-testid": "imagery-toggle" }, t("imagery_title")) as HTMLButtonElement;
  toggle.addEventListener("click", () => {
    body.hidden = !body.hidden;
    toggle.setAttribute("aria-expanded", String(!body.hidden));
    panel.classList.toggle("open", !body.hidden);
  });
  const panel = el("div", { class: "imagery-panel", "data-testid": "imagery-panel" }, toggle, body);
  if (dates.length)
    body.append(el("label", {}, t("imagery_date"), " ", dateSelect), el("label", {}, t("imagery_compare_with"), " ", compareSelect));
  body.append(el("label", {}, t("imagery_opacity"), " ", opacity));

  function setTerrain(on: boolean) {
    if (!terrain) return;
    terrainBox.checked = on;
    map.setTerrain(on ? { source: "terrain-dem", exaggeration: 1.5 } : null);
    map.setLayoutProperty("hillshade", "visibility", on ? "visible" : "none");
    map.easeTo({ pitch: on ? 60 : 0, duration: 0 });
  }
  function setSlope(on: boolean) {
    if (!slope) return;
    slopeBox.checked = on;
    map.setLayoutProperty("slope", "visibility", on ? "visible" : "none");
  }
  const terrainBox = el("input", { type: "checkbox", "data-testid": "terrain-3d" }) as HTMLInputElement;
  const slopeBox = el("input", { type: "checkbox", "data-testid": "terrain-slope" }) as HTMLInputElement;
  terrainBox.addEventListener("change", () => setTerrain(terrainBox.checked));
  slopeBox.addEventListener("change", () => setSlope(slopeBox.checked));
  if (terrain) body.append(el("label", {}, terrainBox, " ", t("terrain_3d")));
  if (slope) body.append(el("label", {}, slopeBox, " ", t("terrain_slope")));
  mapDiv.append(panel);
  window.addEventListener("resize", place);
  // The latest date is the base from the start.
  if (dates.length) show(dates[dates.length - 1].date);
  const base: ImageryBase = {
    dates,
    show,
    compare,
    compareMap: () => other,
    setTerrain,
    setSlope,
    open: (on: boolean) => {
      if (body.hidden === on) toggle.click();
    },
    destroy: () => {
      window.removeEventListener("resize", place);
      other?.remove();
    },
  };
  // For the end-to-end tests.
  (window as any).__gongzhiImagery = base;
  return base;
}
