// Drawing polygons on the one map with Terra Draw (terra-draw + its MapLibre adapter): the
// project area on the create page, planned-change polygons in the plan editor. Click to add
// corners; click the first corner again (or press Enter) to close; Escape cancels.
import type * as maplibregl from "maplibre-gl";
import { TerraDraw, TerraDrawPolygonMode, TerraDrawRenderMode } from "terra-draw";
import { TerraDrawMapLibreGLAdapter } from "terra-draw-maplibre-gl-adapter";

export interface DrawTool {
  // Resolves with the polygon drawn, or null when cancelled (stop() or Escape).
  polygon(): Promise<GeoJSON.Polygon | null>;
  drawing(): boolean;
  cancel(): void;
  destroy(): void;
}

export function createDrawTool(map: maplibregl.Map): DrawTool {
  const draw = new TerraDraw({
    adapter: new TerraDrawMapLibreGLAdapter({ map, prefixId: "gz-draw" }),
    modes: [
      new TerraDrawPolygonMode({
        styles: { fillColor: "#ff8f00", fillOpacity: 0.25, outlineColor: "#e65100", outlineWidth: 2, closingPointColor: "#e65100", closingPointWidth: 6 },
      }),
      new TerraDrawRenderMode({ modeName: "idle", styles: {} }),
    ],
  });
  draw.start();
  draw.setMode("idle");
  let pending: ((g: GeoJSON.Polygon | null) => void) | null = null;
  const canvas = map.getCanvas();

  draw.on("finish", (id) => {
    const f = draw.getSnapshotFeature(id);
    const resolve = pending;
    pending = null;
    draw.setMode("idle");
    draw.clear();
    canvas.parentElement?.classList.remove("drawing");
    map.doubleClickZoom.enable();
    resolve?.(f && f.geometry.type === "Polygon" ? (f.geometry as GeoJSON.Polygon) : null);
  });
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape" && pending) tool.cancel();
  };
  window.addEventListener("keyup", onKey);

  const tool: DrawTool = {
    polygon() {
      tool.cancel();
      map.doubleClickZoom.disable();
      canvas.parentElement?.classList.add("drawing");
      draw.setMode("polygon");
      return new Promise((resolve) => (pending = resolve));
    },
    drawing: () => pending !== null,
    cancel() {
      if (!pending) return;
      const resolve = pending;
      pending = null;
      draw.setMode("idle");
      draw.clear();
      canvas.parentElement?.classList.remove("drawing");
      map.doubleClickZoom.enable();
      resolve(null);
    },
    destroy() {
      window.removeEventListener("keyup", onKey);
      tool.cancel();
      try {
        draw.stop();
      } catch {
        /* the map is already gone */
      }
    },
  };
  return tool;
}
