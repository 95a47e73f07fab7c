// E2E steps of the one map's finding and naming tools and the villages' people and economy
// (web/src/map_tools.ts, village_figures.ts), run by run.mjs before the imagery steps: the
// search flies to a township, a project and a land-use spot by BSM and outlines each; a click
// shows the features in a popup where the user clicked, with field names and class names in
// words; the legend and the imagery panel fold; township and village names are drawn; a village's
// figures (imported by map16Setup with `gongzhi import --kind village-figures`) show in its popup
// and on the dashboard; the project page opens the project in 3D with its area outlined.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { call } from "./page_api.mjs";

// Imports village figures for every village a demo account is granted (cunmin's …) before the
// server starts, through the command line as an official would: a GBK CSV whose figures grow
// with the row. Returns the villages and their people.
export function map16Setup({ bin, db }) {
  const users = JSON.parse(spawnSync(bin, ["admin", "users", "--db", db, "--format", "json"], { encoding: "utf8" }).stdout || "[]");
  const villages = [...new Set(users.flatMap((u) => (u.grants ?? []).map((g) => g.region)).filter((r) => /^\d{12}$/.test(r ?? "")))];
  if (!villages.length) return { villages: [] };
  const rows = villages.map((code, i) => ({ code, people: 1000 + 37 * i, households: 300 + 11 * i }));
  const csv = "村代码,年份,户数,人口,劳动力,外出务工人数,人均收入（元）,集体经济收入（元）\n" +
    rows.map((r) => `${r.code},2024,${r.households},${r.people},${Math.round(r.people * 0.6)},${Math.round(r.people * 0.2)},18500.5,260000`).join("\n") + "\n";
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gz-figures-")), "人口经济.csv");
  // GBK, as the county's statistics office saves it from Excel; iconv is on every Debian.
  const gbk = spawnSync("iconv", ["-f", "UTF-8", "-t", "GBK"], { input: csv });
  fs.writeFileSync(file, gbk.status === 0 ? gbk.stdout : csv);
  const r = spawnSync(bin, ["import", "--db", db, "--kind", "village-figures", file], { encoding: "utf8" });
  if (r.status !== 0) console.log(`map16Setup: village figures: ${r.stderr}`);
  return { villages: r.status === 0 ? rows : [] };
}

const settle = (p) => p.evaluate(() => new Promise((r) => {
  const m = window.__gongzhi.map;
  if (!m.isMoving() && m.loaded()) requestAnimationFrame(() => r());
  else m.once("idle", () => r());
}));

// A point of the map canvas itself (no panel, label or popup over it) at lng/lat, in page pixels.
async function canvasPoint(p, lngLat) {
  return p.evaluate((ll) => {
    const m = window.__gongzhi.map;
    const px = m.project(ll);
    const r = m.getCanvas().getBoundingClientRect();
    const x = r.left + px.x, y = r.top + px.y;
    return { x, y, onCanvas: document.elementFromPoint(x, y) === m.getCanvas() };
  }, lngLat);
}

export async function map16Steps({ browser, base, step, assert, signIn, shot, figures = { villages: [] } }) {
  const ctx = await browser.newContext({ viewport: { width: 1600, height: 1000 }, locale: "zh-CN" });
  const p = await ctx.newPage();
  p.on("pageerror", (e) => console.log("page error:", e.message));
  const openMap = async (query = "") => {
    await p.goto(base + "/map" + query);
    await p.waitForSelector('.col-map[data-ready="1"]', { timeout: 30000 });
    await settle(p);
  };
  try {
    await step("地图搜索: a township, a project and a spot's BSM fly to the result and outline it", async () => {
      await signIn(p, base, "lingdao");
      await openMap();
      const places = (await call(p, "GET", "/api/v1/map/places")).body.places;
      const town = places.find((x) => x.level === "township");
      assert(town && places.some((x) => x.level === "village"), "the demo's townships and villages are places: " + places.length);
      const search = async (q, kind, code) => {
        await p.fill('[data-testid="map-search"]', q);
        await p.press('[data-testid="map-search"]', "Enter");
        const sel = `[data-testid="map-search-result"][data-kind="${kind}"][data-code="${code}"]`;
        if (await p.$(sel)) await p.click(sel);
        await p.waitForFunction(([k, c]) => window.__gongzhiHighlight?.kind === k && window.__gongzhiHighlight?.code === c, [kind, code], { timeout: 10000 });
        await p.waitForTimeout(700); // the flight
        await settle(p);
      };
      // A township by its name: the view is on it, its boundary outlined on the region tiles.
      await search(town.name, "place", town.code);
      const c = await p.evaluate(() => window.__gongzhi.map.getCenter());
      assert(c.lng > town.bbox[0] && c.lng < town.bbox[2] && c.lat > town.bbox[1] && c.lat < town.bbox[3], `the map is on ${town.name}: ${JSON.stringify(c)}`);
      const filter = await p.evaluate(() => JSON.stringify(window.__gongzhi.map.getFilter("highlight-region")));
      assert(filter.includes(town.code), "the township's boundary is outlined: " + filter);
      await shot(p, "map-search-place");
      // A project by its code, outlined.
      const project = (await call(p, "GET", "/api/v1/projects")).body.projects.find((x) => x.code === "XM2026-001");
      await search("XM2026-001", "project", "XM2026-001");
      const outlined = await p.evaluate(() => window.__gongzhi.map.queryRenderedFeatures({ layers: ["highlight-line"] }).length);
      assert(project && outlined > 0, "the project's area is outlined: " + outlined);
      // A spot by its BSM, found by the server's index.
      const fill = await p.evaluate(() => (window.__gongzhi.map.getStyle().layers.find((l) => l.type === "fill" && l.id.startsWith("tiles-land_use")) || {}).id);
      const bsm = await p.evaluate((id) => String(window.__gongzhi.map.queryRenderedFeatures({ layers: [id] }).find((f) => f.properties.BSM)?.properties.BSM ?? ""), fill);
      assert(/^\w+$/.test(bsm), "a spot with a BSM in view: " + bsm);
      const api = (await call(p, "GET", "/api/v1/map/spots?bsm=" + bsm)).body.spots;
      // The survey's spot (a scheme's scenario layer copies the survey's BSMs: it may answer too).
      assert(api.some((x) => x.layer === "land_use" && String(x.attributes.BSM) === bsm), "the API finds the spot " + bsm + ": " + api.length + " " + JSON.stringify(api.map((x) => [x.layer, x.version, x.attributes?.BSM])));
      await p.evaluate(() => window.__gongzhi.map.jumpTo({ center: [0, 0], zoom: 3 })); // far away
      await search(bsm, "spot", bsm);
      const spot = await p.evaluate(() => window.__gongzhi.map.queryRenderedFeatures({ layers: ["highlight-line"] }).length);
      assert(spot > 0, "the spot is outlined");
      const z = await p.evaluate(() => window.__gongzhi.map.getZoom());
      assert(z > 12, "flown in to the spot: zoom " + z);
      // Nothing found says so.
      await p.fill('[data-testid="map-search"]', "不存在的地名");
      await p.press('[data-testid="map-search"]', "Enter");
      await p.waitForSelector('[data-testid="map-search-none"]');
      assert((await p.textContent('[data-testid="map-search-none"]')).includes("未找到"), "no result in words");
    });

    await step("点击查询: the features under a click show in a popup there, fields and classes in words", async () => {
      const fill = await p.evaluate(() => (window.__gongzhi.map.getStyle().layers.find((l) => l.type === "fill" && l.id.startsWith("tiles-land_use")) || {}).id);
      const target = await p.evaluate((id) => {
        const m = window.__gongzhi.map;
        const r = m.getCanvas().getBoundingClientRect();
        // A point in the middle of the canvas's free part with a land-use spot under it.
        for (const [fx, fy] of [[0.5, 0.6], [0.45, 0.7], [0.55, 0.5], [0.4, 0.55]]) {
          const x = r.width * fx, y = r.height * fy;
          if (document.elementFromPoint(r.left + x, r.top + y) !== m.getCanvas()) continue;
          if (m.queryRenderedFeatures([x, y], { layers: [id] }).length) return { x: r.left + x, y: r.top + y };
        }
        return null;
      }, fill);
      assert(target, "a land-use spot on the free canvas");
      await p.mouse.click(target.x, target.y);
      await p.waitForSelector('.identify-popup [data-testid="identify-popup"] table');
      const rows = await p.$$eval('.identify-popup table[data-layer^="tiles-land_use"] tr', (trs) => trs.map((tr) => [tr.getAttribute("data-field"), tr.querySelector("th")?.textContent, tr.querySelector("td")?.textContent]));
      const dlbm = rows.find((r) => r[0] === "DLBM");
      assert(dlbm && dlbm[1] === "地类编码" && /^\d{4}[A-Z]? \S+/.test(dlbm[2]), "the class in words: " + JSON.stringify(dlbm) + " " + JSON.stringify(rows).slice(0, 400) + " " + JSON.stringify(await p.$$eval(".identify-popup table", (ts) => ts.map((t) => t.getAttribute("data-layer")))));
      const heads = rows.map((r) => r[1]).filter(Boolean);
      assert(heads[0] === "图层" && !heads.some((h) => /^[A-Z]{3,}$/.test(h)), "field names in Chinese: " + heads.join(","));
      const area = rows.find((r) => r[0] === "TBMJ");
      assert(!area || area[2].includes("亩"), "areas with units: " + JSON.stringify(area));
      // The popup sits where the user clicked.
      const box = await p.$eval(".identify-popup", (e) => { const r = e.getBoundingClientRect(); return { x: r.left, y: r.top, w: r.width, h: r.height }; });
      assert(Math.abs(box.x + box.w / 2 - target.x) < box.w && box.y < target.y + 40 && box.y + box.h > target.y - box.h - 40, `popup at the click: ${JSON.stringify(box)} vs ${JSON.stringify(target)}`);
      await shot(p, "map-identify-popup");
    });

    await step("图例与影像面板可折叠: the legend and the imagery panel fold", async () => {
      assert(await p.$eval('[data-testid="legend"]', (e) => e.offsetParent === null), "the legend starts folded");
      await p.click('[data-testid="legend-toggle"]');
      assert(await p.$eval('[data-testid="legend"]', (e) => e.offsetParent !== null), "the legend opens");
      const n = await p.$$eval('[data-testid="legend"] .legend-row', (r) => r.length);
      assert(n > 10, "legend rows: " + n);
      await p.click('[data-testid="legend-toggle"]');
      assert(await p.$eval('[data-testid="legend"]', (e) => e.offsetParent === null), "the legend folds again");
      const panel = await p.$('[data-testid="imagery-panel"]');
      if (panel) {
        assert(await p.$eval('[data-testid="imagery-body"]', (b) => b.hidden), "the imagery panel starts folded");
        const folded = await panel.boundingBox();
        await p.click('[data-testid="imagery-toggle"]');
        const open = await panel.boundingBox();
        assert(open.height > folded.height * 2, `the imagery panel opens: ${folded.height} → ${open.height}`);
        await p.click('[data-testid="imagery-toggle"]');
        assert(await p.$eval('[data-testid="imagery-body"]', (b) => b.hidden), "and folds");
      }
    });

    await step("地名标注: township and village names are drawn over the map and let clicks through", async () => {
      const places = (await call(p, "GET", "/api/v1/map/places")).body.places;
      const village = places.find((x) => x.level === "village");
      await p.evaluate((c) => window.__gongzhi.map.jumpTo({ center: c, zoom: 13 }), village.label);
      await settle(p);
      await p.waitForSelector(`[data-testid="place-label"][data-code="${village.code}"]`);
      const label = await p.$eval(`[data-testid="place-label"][data-code="${village.code}"]`, (e) => ({ text: e.textContent, pe: getComputedStyle(e).pointerEvents }));
      assert(label.text === village.name && label.pe === "none", "the village's name: " + JSON.stringify(label));
      await p.evaluate(() => window.__gongzhi.map.jumpTo({ zoom: 10 }));
      await settle(p);
      const towns = await p.$$eval('[data-testid="place-label"].township', (ls) => ls.map((l) => l.textContent));
      assert(towns.length > 0, "township names at zoom 10: " + towns.join(","));
      assert((await p.$$('[data-testid="place-label"].village')).length === 0, "no village names at zoom 10");
      await shot(p, "map-labels");
    });

    await step("村人口经济: a village's people and economy show in its popup and on the dashboard", async () => {
      assert(figures.villages.length > 0, "map16Setup imported the figures");
      const v = figures.villages[0];
      const place = (await call(p, "GET", "/api/v1/map/places")).body.places.find((x) => x.code === v.code);
      assert(place, "the village is a place: " + v.code);
      await p.$$eval(".identify-popup .maplibregl-popup-close-button", (bs) => bs.forEach((b) => b.click()));
      await p.evaluate((c) => window.__gongzhi.map.jumpTo({ center: c, zoom: 14 }), place.label);
      await settle(p);
      // Near the label point, where the canvas itself is under the pointer.
      let pt = null;
      for (const [dx, dy] of [[0, 0], [0.0005, 0], [0, 0.0005], [-0.0005, 0], [0, -0.0005]]) {
        const c = await canvasPoint(p, [place.label[0] + dx, place.label[1] + dy]);
        if (c.onCanvas) {
          pt = c;
          break;
        }
      }
      assert(pt, "a free point of the village on the canvas");
      await p.mouse.click(pt.x, pt.y);
      await p.waitForSelector(`.identify-popup [data-testid="village-figures"][data-code="${v.code}"]`, { timeout: 15000 });
      const text = await p.textContent(`.identify-popup [data-testid="village-figures"]`);
      assert(text.includes(v.people.toLocaleString("zh-CN")) && text.includes("人口") && text.includes("2024"), "the village's figures: " + text);
      const level = await p.$eval('.identify-popup tr[data-field="level"] td', (e) => e.textContent).catch(() => "村");
      assert(level === "村", "the level in words: " + level);
      await shot(p, "map-village-figures");
      // The dashboard of the village's county: the totals and the village's row.
      const county = v.code.slice(0, 6);
      await p.goto(base + "/dashboard?region=" + county);
      await p.waitForSelector('[data-testid="dash-figures"]', { timeout: 30000 });
      const people = await p.textContent('[data-testid="dash-figures-people"] strong');
      const total = figures.villages.filter((x) => x.code.startsWith(county)).reduce((a, x) => a + x.people, 0);
      assert(people.replace(/[^\d]/g, "") === String(total), `the county's people: ${people} (expected ${total})`);
      assert(await p.$(`[data-testid="dash-figures-table"] tr[data-code="${v.code}"]`), "the village's row");
      assert((await p.textContent('[data-testid="figures-source"]')).includes("人口经济.csv"), "the source named");
    });

    await step("项目三维查看: the project page opens the project in 3D, fitted and outlined", async () => {
      await p.goto(base + "/projects/XM2026-001");
      await p.waitForSelector('[data-testid="project-3d"]', { timeout: 30000 });
      await p.click('[data-testid="project-3d"]');
      await p.waitForSelector('.col-map[data-ready="1"]', { timeout: 30000 });
      assert(new URL(p.url()).searchParams.get("view") === "3d", "the map in 3D: " + p.url());
      const terrain = (await call(p, "GET", "/api/v1/imagery")).body.imagery.some((v) => v.kind === "terrain");
      const state = await p.evaluate(() => ({ terrain: !!window.__gongzhi.map.getTerrain(), pitch: window.__gongzhi.map.getPitch(), hl: window.__gongzhiHighlight }));
      assert(state.hl?.kind === "project" && state.hl.code === "XM2026-001", "the project outlined: " + JSON.stringify(state.hl));
      if (terrain) assert(state.terrain && state.pitch > 50, "on the terrain, pitched: " + JSON.stringify(state));
      const project = (await call(p, "GET", "/api/v1/projects")).body.projects.find((x) => x.code === "XM2026-001");
      const c = await p.evaluate(() => window.__gongzhi.map.getCenter());
      const full = (await call(p, "GET", `/api/v1/projects/${project.id}`)).body;
      const ring = (full.plan.area.type === "Polygon" ? full.plan.area.coordinates[0] : full.plan.area.coordinates[0][0]);
      const xs = ring.map((q) => q[0]), ys = ring.map((q) => q[1]);
      assert(c.lng > Math.min(...xs) - 0.01 && c.lng < Math.max(...xs) + 0.01 && c.lat > Math.min(...ys) - 0.01 && c.lat < Math.max(...ys) + 0.01, "fitted to the project: " + JSON.stringify(c));
      await p.waitForTimeout(1500);
      await shot(p, "project-3d").catch((e) => console.log("project-3d screenshot skipped: " + e.message));
      await p.evaluate(() => window.__gongzhiImagery?.setTerrain(false));
    });
  } finally {
    await ctx.close();
  }
}
