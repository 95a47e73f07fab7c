// E2E steps of the assessment page (/assessment), run by run.mjs against the same server and
// browser: an official of the county opens it from the nav, the map colours the villages with
// the scores the API computes (asserted on the rendered MapLibre features and the ECharts
// options, not just the page loading), a click on a village shows its indicators with "no data"
// where a source is missing, switching the dimension recolours map and bars, the repeat request
// comes from the server's cache; a villager gets no nav link and a polite refusal.

import { call } from "./page_api.mjs";

const potentials = ["farmland_potential", "construction_potential", "ecological_potential"];
const costs = ["ecological_risk", "social_impact"];
function score(z, dim) {
  const s = (id) => z.dimensions.find((d) => d.id === id).score;
  if (dim !== "overall") return s(dim);
  return (potentials.reduce((a, d) => a + s(d), 0) + costs.reduce((a, d) => a + 100 - s(d), 0)) / 5;
}
const r1 = (x) => Math.round(x * 10) / 10;

// The bars (value per zone name, sorted) and the map's rendered zones (code → score).
async function drawn(p, renderedFeatures) {
  const bars = await p.evaluate(() => {
    const o = window.__gongzhiCharts.assess_bars.getOption();
    return { names: o.yAxis[0].data, values: o.series[0].data.map((x) => (typeof x === "object" ? x.value : x)),
      canvas: !!window.__gongzhiCharts.assess_bars.getDom().querySelector("canvas") };
  });
  const feats = await renderedFeatures(p, ["assess-fill"]);
  const map = {};
  for (const f of feats) map[f.properties.code] = f.properties.score;
  return { bars, map };
}

export async function assessSteps({ browser, base, step, assert, signIn, shot, renderedFeatures }) {
  await step("assessment: an official sees the county's villages scored on the map and in the chart, a village's indicators, another dimension", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1600, height: 1000 }, locale: "zh-CN" });
    const p = await ctx.newPage();
    p.on("pageerror", (e) => console.log("page error:", e.message));
    await signIn(p, base, "zrzy");
    await p.click('nav a[data-nav="/assessment"]');
    await p.waitForSelector('main[data-ready="1"]', { timeout: 120000 });
    const timing = await p.getAttribute('[data-testid="assess-timing"]', "data-cache");
    assert(timing === "hit" || timing === "miss", "the time the assessment took is shown: " + timing);
    // What the API says (the page asked first: this one comes from the cache).
    const api = await call(p, "GET", "/api/v1/assessment?region=340123");
    assert(api.status === 200 && api.cache === "hit", "the repeat request is served from the cache: " + api.status + " " + api.cache);
    const zones = api.body.zones;
    assert(zones.length >= 10, `the county's villages assessed: ${zones.length}`);
    const shown = await p.evaluate(() => window.__gongzhiAssessment.body.zones.map((z) => z.code));
    assert(JSON.stringify(shown) === JSON.stringify(zones.map((z) => z.code)), "the page shows the API's villages");

    // Overall (default): bars sorted by score, each the API's value; the map draws the same scores.
    let d = await drawn(p, renderedFeatures);
    assert(d.bars.canvas, "bars drawn on a canvas");
    const name = (z) => z.name || z.code;
    const expect = (dim) => [...zones].sort((a, b) => score(b, dim) - score(a, dim));
    assert(JSON.stringify(d.bars.values) === JSON.stringify(expect("overall").map((z) => r1(score(z, "overall")))), "overall bars: " + JSON.stringify(d.bars.values.slice(0, 5)));
    assert(JSON.stringify(d.bars.names) === JSON.stringify(expect("overall").map(name)), "bars named by village");
    const codes = Object.keys(d.map);
    assert(codes.length >= 5, "villages drawn on the map: " + codes.length);
    for (const c of codes) {
      const z = zones.find((x) => x.code === c);
      assert(z && Math.abs(d.map[c] - r1(score(z, "overall"))) < 0.051, `map score of ${c}: ${d.map[c]}`);
    }
    assert(new Set(Object.values(d.map)).size > 1, "the villages differ: " + JSON.stringify(d.map));

    // Click a village on the map: its dimensions and indicators, "no data" for a missing source.
    const hit = await p.evaluate(() => {
      const m = window.__gongzhi.map, c = m.getCanvas();
      for (let y = 20; y < c.clientHeight; y += 15)
        for (let x = 20; x < c.clientWidth; x += 15) {
          const f = m.queryRenderedFeatures([x, y], { layers: ["assess-fill"] });
          const r = c.getBoundingClientRect();  // the canvas itself there, not a panel over it
          if (f.length && document.elementFromPoint(r.left + x, r.top + y) === c) return { x, y, code: f[0].properties.code };
        }
      return null;
    });
    assert(hit, "a village under the pointer");
    const box = await (await p.$('[data-testid="map"] canvas')).boundingBox();
    await p.mouse.click(box.x + hit.x, box.y + hit.y);
    await p.waitForSelector(`[data-testid="assess-zone"][data-code="${hit.code}"]`);
    const z = zones.find((x) => x.code === hit.code);
    const risk = z.dimensions.find((x) => x.id === "ecological_risk");
    const kpi = await p.getAttribute('[data-testid="assess-zone"] [data-dimension="ecological_risk"]', "data-score");
    assert(Math.abs(Number(kpi) - risk.score) < 1e-9, `risk of ${hit.code}: ${kpi} vs ${risk.score}`);
    const frag = z.dimensions[0].indicators.find((i) => i.id === "fragmented_cultivated_share");
    assert(Number(await p.getAttribute('[data-indicator="fragmented_cultivated_share"]', "data-value")) === frag.value, "indicator value in the table");
    // The demo has no idle-homestead survey: that indicator has no value, shown as such, not 0.
    assert(api.body.missing.includes("idle_homestead_survey"), "demo misses the vacancy survey: " + api.body.missing);
    assert((await p.getAttribute('[data-indicator="idle_homestead_share"]', "data-value")) === "null", "null indicator kept null");
    assert((await p.textContent('[data-indicator="idle_homestead_share"] td:nth-child(3)')).trim() === "无数据", "shown as 无数据");
    assert(await p.$('[data-testid="assess-missing"] [data-missing="dem"]'), "the DEM is listed as missing");
    const weights = await p.$$eval('[data-testid="assess-indicators"] tbody tr', (rows) => rows.length);
    assert(weights === api.body.method.indicators.length, `every indicator in the table: ${weights}`);
    const radar = await p.evaluate(() => window.__gongzhiCharts.assess_radar.getOption().series[0].data.map((s) => s.name));
    assert(radar.includes(z.name || z.code), "radar compares the village with the average: " + radar);

    // Another dimension: map and bars show the ecological risk.
    await p.selectOption('[data-testid="assess-dimension"]', "ecological_risk");
    await p.waitForFunction(() => window.__gongzhiAssessment.dimension === "ecological_risk");
    d = await drawn(p, renderedFeatures);
    assert(JSON.stringify(d.bars.values) === JSON.stringify(expect("ecological_risk").map((x) => r1(score(x, "ecological_risk")))), "risk bars: " + JSON.stringify(d.bars.values.slice(0, 5)));
    for (const c of Object.keys(d.map)) {
      const x = zones.find((y) => y.code === c);
      assert(Math.abs(d.map[c] - r1(score(x, "ecological_risk"))) < 0.051, `map risk of ${c}: ${d.map[c]}`);
    }
    assert(new URL(p.url()).searchParams.get("dimension") === "ecological_risk", "dimension in the address: " + p.url());
    await shot(p, "assessment");

    // Units: the county's consolidation units with their outlines.
    await p.selectOption('[data-testid="assess-by"]', "unit");
    await p.waitForSelector('main[data-ready="1"]', { timeout: 120000 });
    const units = await call(p, "GET", "/api/v1/units?geometry=1");
    assert(units.status === 200 && units.body.zones.length > 0 && units.body.zones.every((u) => u.geometry && u.geometry.type.endsWith("Polygon")), "units with outlines");
    const unitCodes = await p.evaluate(() => window.__gongzhiAssessment.body.zones.map((z) => z.code));
    assert(JSON.stringify(unitCodes) === JSON.stringify(units.body.zones.map((u) => u.code)), "the page shows the units");
    await ctx.close();
  });

  await step("assessment: a villager has no link to it and is told politely it is for officials", async () => {
    const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: "zh-CN" });
    const p = await ctx.newPage();
    await signIn(p, base, "cunmin");
    assert(!(await p.$('nav a[data-nav="/assessment"]')), "no nav link for a villager");
    const api = await call(p, "GET", "/api/v1/assessment?region=340123");
    assert(api.status === 403 && api.body.error.code === "assessment_forbidden", "the API refuses: " + api.status);
    await p.goto(base + "/assessment");
    await p.waitForSelector('[data-testid="assess-forbidden"]');
    const text = await p.textContent('[data-testid="assess-forbidden"]');
    assert(text.includes("仅向工作人员开放") && text.includes("我的村"), "polite refusal: " + text);
    assert(!(await p.$('[role="alert"]')), "no error shown");
    await ctx.close();
  });
}
