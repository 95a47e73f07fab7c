// The indicator ledger on a map (/indicators, issue 20 item 5): each indicator's origin plots
// (拆旧, 建新 and new cultivated land, as the ledger keeps them) drawn over a plain background,
// coloured by the plot's role; a click on a plot names it and opens its indicator. Exposes
// window.__gongzhiIndicators = { map, ready } for the e2e steps, as the main map does.
import * as maplibregl from "maplibre-gl";
import "maplibre-gl/dist/maplibre-gl.css";
import { api } from "../api";
import { el } from "../dom";
import { addStrings, mapLocale, t } from "../i18n";
import { bboxOf } from "../map";

addStrings({
  indm_title: ["指标来源地块分布", "Indicators by origin plot"],
  indm_hint: ["点击地块查看其指标。", "Click a plot to open its indicator."],
  indm_plot: ["指标 #{id} · {project} · {role} · 变化 {n} · {area} m²", "Indicator #{id} · {project} · {role} · change {n} · {area} m²"],
  indm_none: ["没有可显示的来源地块。", "No origin plots to show."],
});

const roleColours: Record<string, string> = { chaijiu: "#b35806", jianxin: "#d7301f", new_cultivated: "#1a9850" };

interface PlotFeature {
  change_index: number; role: string; area_m2: number; geometry: GeoJSON.Geometry | null;
}
interface IndicatorPlots { id: number; project_code: string; kind: string; plots: PlotFeature[] }

// Returns what removes the map.
export function mountIndicatorMap(box: HTMLElement, url: string, open: (id: number) => void): () => void {
  const canvas = el("div", { class: "ind-map", "data-testid": "ind-map", style: "height: 320px; border-radius: 6px; overflow: hidden;" });
  const info = el("p", { class: "muted", "data-testid": "ind-map-info" }, t("indm_hint"));
  const legend = el("p", { class: "small" }, ...["chaijiu", "jianxin", "new_cultivated"].map((r) =>
    el("span", { style: "margin-right: 12px;" }, el("span", { style: `display:inline-block;width:12px;height:12px;background:${roleColours[r]};margin-right:4px;vertical-align:middle;` }), t(`ind_plot_role_${r}`))));
  box.append(el("h3", {}, t("indm_title")), canvas, legend, info);
  const map = new maplibregl.Map({
    container: canvas,
    style: { version: 8, sources: {}, layers: [{ id: "background", type: "background", paint: { "background-color": "#f4f1ea" } }] },
    center: [117.1, 31.4],
    zoom: 10,
    attributionControl: false,
    preserveDrawingBuffer: true,
    locale: mapLocale(),
  } as maplibregl.MapOptions);
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  let gone = false;
  const ready = (async () => {
    const [list] = await Promise.all([
      api<{ indicators: IndicatorPlots[] }>("GET", url).then((r) => r.indicators),
      new Promise<void>((r) => (map.loaded() ? r() : map.once("load", () => r()))),
    ]);
    if (gone) return;
    const features: GeoJSON.Feature[] = [];
    for (const i of list)
      for (const p of i.plots)
        if (p.geometry)
          features.push({ type: "Feature", geometry: p.geometry, properties: { indicator: i.id, project: i.project_code, kind: i.kind, role: p.role, change: p.change_index + 1, area_m2: p.area_m2 } });
    const fc: GeoJSON.FeatureCollection = { type: "FeatureCollection", features };
    canvas.setAttribute("data-plots", String(features.length));
    if (!features.length) info.textContent = t("indm_none");
    map.addSource("ind-plots", { type: "geojson", data: fc });
    const colour: any = ["match", ["get", "role"], "chaijiu", roleColours.chaijiu, "jianxin", roleColours.jianxin, roleColours.new_cultivated];
    map.addLayer({ id: "ind-plots-fill", type: "fill", source: "ind-plots", paint: { "fill-color": colour, "fill-opacity": 0.55 } });
    map.addLayer({ id: "ind-plots-line", type: "line", source: "ind-plots", paint: { "line-color": colour, "line-width": 1.5 } });
    const b = bboxOf(fc);
    if (b) map.fitBounds(b, { padding: 30, duration: 0, maxZoom: 16 });
    map.on("click", "ind-plots-fill", (e) => {
      const f = e.features?.[0];
      if (!f) return;
      const p = f.properties as any;
      info.textContent = t("indm_plot", { id: p.indicator, project: p.project, role: t(`ind_plot_role_${p.role}`), n: p.change, area: Number(p.area_m2).toFixed(2) });
      info.setAttribute("data-indicator", String(p.indicator));
      open(Number(p.indicator));
    });
    map.on("mouseenter", "ind-plots-fill", () => (map.getCanvas().style.cursor = "pointer"));
    map.on("mouseleave", "ind-plots-fill", () => (map.getCanvas().style.cursor = ""));
  })();
  (window as any).__gongzhiIndicators = { map, ready };
  return () => {
    gone = true;
    map.remove();
    if ((window as any).__gongzhiIndicators?.map === map) delete (window as any).__gongzhiIndicators;
  };
}
