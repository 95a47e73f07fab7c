// E2E steps of the 监测预警 page (web/src/pages/warnings.ts), run by run.mjs: the county leader
// opens it from the navigation; the demo's change survey (land_use v2) gives change spots whose
// table rows, level counts and map are GET /api/v1/monitoring/changes's; choosing a level narrows
// the table as the API's severity filter does; the xlsx download is the server's workbook; a
// villager has no such page.

import { call } from "./page_api.mjs";

export async function warnSteps({ browser, base, step, assert, signIn, shot }) {
  const ctx = await browser.newContext({ viewport: { width: 1600, height: 1000 }, locale: "zh-CN" });
  const p = await ctx.newPage();
  p.on("pageerror", (e) => console.log("page error:", e.message));
  try {
    await step("监测预警: the county leader sees the change spots of the change survey by level, on the map and in the table", async () => {
      await signIn(p, base, "lingdao");
      await p.click('nav a[data-nav="/monitoring"]');
      await p.waitForSelector('[data-testid="warnings-table"] tbody, .page [role="alert"]', { timeout: 120000 });
      const refused = await p.$('.page [role="alert"]');
      assert(!refused, "the page refused: " + (refused && (await refused.textContent())));
      const api = (await call(p, "GET", "/api/v1/monitoring/changes?layer=land_use")).body;
      assert(api.spots.length > 0, "the demo's change survey has change spots");
      const rows = await p.$$eval('[data-testid="warnings-table"] tbody tr', (rs) => rs.map((r) => ({ id: r.dataset.spot, severity: r.dataset.severity })));
      assert(rows.length === api.spots.length, `one row per spot: ${rows.length} vs ${api.spots.length}`);
      assert(JSON.stringify(rows.map((r) => r.id).sort()) === JSON.stringify(api.spots.map((s) => s.id).sort()), "the API's spots");
      const red = api.spots.filter((s) => s.severity === "red").length;
      const card = await p.$eval('[data-testid="warnings-counts"] [data-level="red"] strong', (s) => s.textContent);
      assert(Number(card) === red && red > 0, `red count ${card} vs ${red}`);
      await p.waitForSelector('[data-testid="warnings-map"][data-ready="1"]', { timeout: 60000 });
      await shot(p, "warnings");
    });

    await step("监测预警: choosing a level narrows the table as the API's filter does; the xlsx is the server's", async () => {
      await p.selectOption('[data-testid="warnings-level"]', "red");
      await p.waitForFunction(() => location.search.includes("severity=red"), null, { timeout: 30000 });
      const api = (await call(p, "GET", "/api/v1/monitoring/changes?layer=land_use&severity=red")).body;
      const rows = await p.$$eval('[data-testid="warnings-table"] tbody tr', (rs) => rs.map((r) => r.dataset.severity));
      assert(rows.length === api.spots.length && rows.every((s) => s === "red"), `red rows ${rows.length} vs ${api.spots.length}`);
      const href = await p.getAttribute('[data-testid="warnings-xlsx"]', "href");
      assert(href.includes("format=xlsx") && href.includes("severity=red"), "download link: " + href);
      const res = await p.evaluate(async (h) => {
        const r = await fetch(h);
        const b = new Uint8Array(await r.arrayBuffer());
        return { status: r.status, type: r.headers.get("content-type"), pk: String.fromCharCode(b[0], b[1]) };
      }, href);
      assert(res.status === 200 && res.type.includes("spreadsheetml") && res.pk === "PK", "xlsx: " + JSON.stringify(res));
    });

    await step("监测预警: a villager has no warnings page and the API refuses", async () => {
      const vctx = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: "zh-CN" });
      const v = await vctx.newPage();
      await signIn(v, base, "cunmin");
      assert(!(await v.$('nav a[data-nav="/monitoring"]')), "no nav link for a villager");
      const r = await call(v, "GET", "/api/v1/monitoring/changes");
      assert(r.status === 403, "villager refused: " + r.status);
      await vctx.close();
    });
  } finally {
    await ctx.close();
  }
}
