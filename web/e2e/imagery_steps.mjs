// E2E steps of the imagery base (web/src/imagery.ts), run by run.mjs: the demo's two synthetic
// dates are offered on the map with the latest as the base; their tiles are served and differ
// where the change survey changed the land; choosing a date to compare opens the before/after
// swipe, whose second map follows the first and whose handle moves the split; the opacity slider
// fades the layers drawn over the imagery; the 3D toggle puts the map on the demo's terrain.

import { call } from "./page_api.mjs";

// Bytes of a tile as the page fetches it (status and a digest of the body).
const tileOf = (p, url) => p.evaluate(async (u) => {
  const r = await fetch(u);
  const b = new Uint8Array(await r.arrayBuffer());
  let h = 0;
  for (const x of b) h = (h * 31 + x) >>> 0;
  return { status: r.status, type: r.headers.get("content-type"), size: b.length, hash: h };
}, url);

export async function imagerySteps({ browser, base, step, assert, signIn, shot }) {
  const ctx = await browser.newContext({ viewport: { width: 1600, height: 1000 }, locale: "zh-CN" });
  const p = await ctx.newPage();
  p.on("pageerror", (e) => console.log("page error:", e.message));
  try {
    await step("影像底图: the demo's two dates, the latest as the base, tiles that differ where the land changed", async () => {
      await signIn(p, base, "lingdao");
      await p.click('nav a[data-nav="/map"]');
      await p.waitForFunction(() => window.__gongzhi && window.__gongzhi.map.loaded(), null, { timeout: 30000 });
      await p.evaluate(() => window.__gongzhi.ready);
      await p.waitForSelector('[data-testid="imagery-panel"]', { timeout: 30000 });
      // The panel is folded to its title until opened.
      assert(await p.$eval('[data-testid="imagery-body"]', (b) => b.hidden), "the imagery panel starts folded");
      await p.click('[data-testid="imagery-toggle"]');
      const list = (await call(p, "GET", "/api/v1/imagery")).body.imagery.filter((v) => v.kind === "imagery");
      const dates = list.map((v) => v.date);
      assert(JSON.stringify(dates) === JSON.stringify(["2024-06", "2025-06"]), "the demo's dates: " + dates);
      const offered = await p.$$eval('[data-testid="imagery-date"] option', (os) => os.map((o) => o.value).filter(Boolean));
      assert(JSON.stringify(offered) === JSON.stringify(dates), "dates offered: " + offered);
      assert((await p.$eval('[data-testid="imagery-date"]', (s) => s.value)) === "2025-06", "the latest is the base");
      const visible = await p.evaluate(() => window.__gongzhi.map.getLayoutProperty("imagery-dom-2025-06", "visibility"));
      assert(visible === "visible", "the 2025-06 layer is drawn: " + visible);
      // Every tile of the lowest zoom of both dates: served as WebP, and not all the same.
      const v = list[0];
      const z = v.min_zoom;
      const n = 2 ** z;
      const x0 = Math.floor(((v.bounds[0] + 180) / 360) * n), x1 = Math.floor(((v.bounds[2] + 180) / 360) * n);
      const merc = (lat) => (1 - Math.asinh(Math.tan((lat * Math.PI) / 180)) / Math.PI) / 2 * n;
      const y0 = Math.floor(merc(v.bounds[3])), y1 = Math.floor(merc(v.bounds[1]));
      let differ = 0, served = 0;
      for (let x = x0; x <= x1; x++)
        for (let y = y0; y <= y1; y++) {
          const a = await tileOf(p, `/tiles/imagery/dom/2024-06/${z}/${x}/${y}`);
          const b = await tileOf(p, `/tiles/imagery/dom/2025-06/${z}/${x}/${y}`);
          assert(a.status === b.status, `both dates answer tile ${z}/${x}/${y} alike: ${a.status} ${b.status}`);
          if (a.status === 200) {
            served++;
            assert(a.type === "image/webp" && a.size > 0, "a WebP tile: " + a.type);
            if (a.hash !== b.hash) differ++;
          }
        }
      assert(served > 0, "tiles served at zoom " + z);
      assert(differ > 0, "the change survey shows between the dates");
    });

    await step("影像卷帘对比: comparing 2024-06 opens a synchronised swipe whose handle moves the split", async () => {
      await p.selectOption('[data-testid="imagery-compare"]', "2024-06");
      await p.waitForFunction(() => document.querySelector('[data-testid="map"]')?.getAttribute("data-compare") === "2024-06");
      const handle = await p.$('[data-testid="imagery-handle"]');
      assert(handle && (await handle.isVisible()), "the swipe handle shows");
      const box = await handle.boundingBox();
      const mapBox = await (await p.$('[data-testid="map"]')).boundingBox();
      assert(Math.abs(box.x + box.width / 2 - (mapBox.x + mapBox.width / 2)) < 4, "the handle starts in the middle");
      const clipBefore = await p.$eval('[data-testid="imagery-swipe"]', (d) => d.style.clipPath);
      await p.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await p.mouse.down();
      await p.mouse.move(mapBox.x + mapBox.width * 0.3, box.y + box.height / 2, { steps: 5 });
      await p.mouse.up();
      const clipAfter = await p.$eval('[data-testid="imagery-swipe"]', (d) => d.style.clipPath);
      assert(clipBefore !== clipAfter, `the split moved: ${clipBefore} → ${clipAfter}`);
      const moved = await p.$('[data-testid="imagery-handle"]').then((h) => h.boundingBox());
      assert(Math.abs(moved.x + moved.width / 2 - (mapBox.x + mapBox.width * 0.3)) < 6, "the handle follows the pointer");
      // The second map follows the first.
      await p.evaluate(() => window.__gongzhi.map.jumpTo({ center: [117.2, 31.45], zoom: 12.5 }));
      const synced = await p.evaluate(() => {
        const o = window.__gongzhiImagery.compareMap();
        return o ? { lng: o.getCenter().lng, lat: o.getCenter().lat, zoom: o.getZoom() } : null;
      });
      assert(synced && Math.abs(synced.lng - 117.2) < 1e-6 && Math.abs(synced.lat - 31.45) < 1e-6 && Math.abs(synced.zoom - 12.5) < 1e-6,
        "the swipe's map follows: " + JSON.stringify(synced));
      await p.waitForTimeout(1500);
      await shot(p, "imagery-swipe");
      // Back to one date.
      await p.selectOption('[data-testid="imagery-compare"]', "");
      await p.waitForFunction(() => !document.querySelector('[data-testid="map"]')?.hasAttribute("data-compare"));
    });

    await step("影像图层透明度: the opacity slider fades the land use over the imagery", async () => {
      const fill = await p.evaluate(() => (window.__gongzhi.map.getStyle().layers.find((l) => l.type === "fill" && l.id.startsWith("tiles-land_use")) || {}).id);
      assert(fill, "a land-use fill layer");
      const full = await p.evaluate((id) => window.__gongzhi.map.getPaintProperty(id, "fill-opacity"), fill);
      await p.$eval('[data-testid="imagery-opacity"]', (i) => {
        i.value = "20";
        i.dispatchEvent(new Event("input"));
      });
      const faded = await p.evaluate((id) => window.__gongzhi.map.getPaintProperty(id, "fill-opacity"), fill);
      assert(Math.abs(faded - full * 0.2) < 1e-6, `opacity ${full} → ${faded}`);
      await p.waitForTimeout(1000);
      await shot(p, "imagery-base");
    });

    await step("三维地形: the 3D toggle drapes the map on the demo's terrain, with hillshade and slope grades", async () => {
      const terrain = (await call(p, "GET", "/api/v1/imagery")).body.imagery.find((v) => v.kind === "terrain");
      assert(terrain && terrain.format === "png", "the demo has terrain tiles: " + JSON.stringify(terrain));
      // Set through the DOM: with the terrain drawing (software GL) the page's frames come too
      // slowly for playwright's "stable" wait on a click.
      const toggle = (id, on) => p.$eval(`[data-testid="${id}"]`, (i, v) => {
        i.checked = v;
        i.dispatchEvent(new Event("change"));
      }, on);
      await toggle("terrain-3d", true);
      await p.waitForFunction(() => !!window.__gongzhi.map.getTerrain() && window.__gongzhi.map.getPitch() > 50);
      const hill = await p.evaluate(() => window.__gongzhi.map.getLayoutProperty("hillshade", "visibility"));
      assert(hill === "visible", "hillshade shows: " + hill);
      // Once the terrain tiles are in, the ground has the DEM's heights (20–300 m, times 1.5).
      await p.evaluate(() => window.__gongzhi.map.jumpTo({ center: [117.2, 31.45], zoom: 11 }));
      await p.waitForFunction(() => {
        const e = window.__gongzhi.map.queryTerrainElevation([117.2, 31.45]);
        return e !== null && e > 0;
      }, null, { timeout: 30000 });
      const e = await p.evaluate(() => window.__gongzhi.map.queryTerrainElevation([117.2, 31.45]));
      assert(e > 15 && e < 450, "elevation on the map: " + e);
      await toggle("terrain-slope", true);
      const slope = await p.evaluate(() => window.__gongzhi.map.getLayoutProperty("slope", "visibility"));
      assert(slope === "visible", "slope grades show: " + slope);
      await p.waitForTimeout(1500);
      // Software GL draws terrain slowly: a screenshot that times out is reported, not failed.
      await shot(p, "terrain-3d").catch((e) => console.log("terrain-3d screenshot skipped: " + e.message));
      await toggle("terrain-3d", false);
      await p.waitForFunction(() => !window.__gongzhi.map.getTerrain());
    });
  } finally {
    await ctx.close();
  }
}
