// E2E steps of the 统计报表 page (web/src/pages/stats.ts), run by run.mjs: the county leader opens
// it from the navigation; the table on the page holds the numbers GET /api/v1/stats/tables
// computes (合计 row, two header rows with 湿地 grouped, every township a row); level, table,
// classification and unit chosen on the page change the table as the API does; the xlsx and csv
// downloads are the server's files for the same choice.

import { call } from "./page_api.mjs";

// The table as the page shows it: header keys, the 合计 row's total, each row's code and total.
const tableOnPage = (p) => p.$eval('[data-testid="stats-grid"]', (t) => ({
  // Column order as the cells stand in a row (a header without sub-columns sits in the first
  // header row, so the header cells' document order is not the columns' order).
  keys: [...t.querySelectorAll("tbody tr.total td[data-key]")].map((td) => td.dataset.key),
  headerKeys: [...t.querySelectorAll("thead th[data-key]")].map((th) => th.dataset.key).sort(),
  groups: [...t.querySelectorAll("thead th.group")].map((th) => th.textContent),
  total: t.querySelector("tbody tr.total")?.dataset.total,
  rows: [...t.querySelectorAll("tbody tr:not(.total)")].map((tr) => ({ code: tr.dataset.code, total: tr.dataset.total })),
}));

// Waits until the page shows the table of the query `q` (its URL is replaced on every choice).
async function waitFor(p, q) {
  await p.waitForFunction((s) => location.search.includes(s) && !!document.querySelector('[data-testid="stats-grid"]'), q, { timeout: 30000 });
}

export async function statsSteps({ browser, base, step, assert, signIn, shot }) {
  const ctx = await browser.newContext({ viewport: { width: 1600, height: 1000 }, locale: "zh-CN" });
  const p = await ctx.newPage();
  p.on("pageerror", (e) => console.log("page error:", e.message));
  try {
    await step("统计报表: the county's class table on the page is the API's, with 湿地 grouped and a 合计 row", async () => {
      await signIn(p, base, "lingdao");
      await p.click('nav a[data-nav="/stats"]');
      // The table, or the page's refusal (named in the failure rather than a bare timeout).
      await p.waitForSelector('[data-testid="stats-grid"], [data-testid="stats-output"] [role="alert"]', { timeout: 60000 });
      const refused = await p.$('[data-testid="stats-output"] [role="alert"]');
      assert(!refused, "the page refused: " + (refused && (await refused.textContent())));
      const region = await p.$eval('[data-testid="stats-region"]', (s) => s.value);
      // The county holds more than one land-use layer by now (an earlier step imports one): the
      // page offers each, starts on the survey's own 'land_use', and the table is of that layer.
      const landUse = (await call(p, "GET", "/api/v1/layers")).body.layers.filter((l) => l.kind === "land_use").map((l) => l.layer);
      const offered = await p.$$eval('[data-testid="stats-layer"] option', (os) => os.map((o) => o.value));
      assert(landUse.length < 2 || JSON.stringify([...offered].sort()) === JSON.stringify([...landUse].sort()), `layers offered ${offered} vs ${landUse}`);
      const layer = await p.evaluate(() => new URLSearchParams(location.search).get("layer"));
      assert(layer === "land_use", "the survey layer first: " + layer);
      const api = (await call(p, "GET", `/api/v1/stats/tables?region=${region}&layer=${layer}&table=class&level=2`)).body;
      const shown = await tableOnPage(p);
      assert(JSON.stringify(shown.keys) === JSON.stringify(api.columns.map((c) => c.key)), "columns: " + shown.keys.join(","));
      assert(JSON.stringify(shown.headerKeys) === JSON.stringify(api.columns.map((c) => c.key).sort()), "a header per column: " + shown.headerKeys.join(","));
      assert(shown.total === api.total.total.toFixed(2) && Number(shown.total) > 0, `合计 ${shown.total} vs ${api.total.total}`);
      assert(shown.rows.length === api.rows.length && shown.rows.length > 0, "one row per unit: " + shown.rows.length);
      const sum = shown.rows.reduce((s, r) => s + Number(r.total), 0);
      assert(Math.abs(sum - Number(shown.total)) < 0.01 * shown.rows.length + 0.01, `rows add up to 合计: ${sum} vs ${shown.total}`);
      assert(shown.groups.some((g) => g.includes("湿地")), "湿地 is a group of its own: " + shown.groups.join(","));
      const title = await p.textContent('[data-testid="stats-title"]');
      assert(title.includes("土地利用现状"), "the official title: " + title);
      const unit = await p.textContent(".st-unit");
      assert(unit.includes("公顷"), "unit: " + unit);
      await shot(p, "stats");
    });

    await step("统计报表: level, classification and unit chosen on the page change the table as the API does", async () => {
      const region = await p.$eval('[data-testid="stats-region"]', (s) => s.value);
      const layer = await p.evaluate(() => new URLSearchParams(location.search).get("layer"));
      const first = (await tableOnPage(p)).total;
      await p.selectOption('[data-testid="stats-level"]', "1");
      await waitFor(p, "level=1");
      const api1 = (await call(p, "GET", `/api/v1/stats/tables?region=${region}&layer=${layer}&table=class&level=1`)).body;
      await p.waitForFunction((n) => document.querySelectorAll('[data-testid="stats-grid"] thead th[data-key]').length === n, api1.columns.length, { timeout: 30000 });
      const level1 = await tableOnPage(p);
      assert(level1.total === first, `the same 合计 at level 1: ${level1.total} vs ${first}`);
      await p.selectOption('[data-testid="stats-unit"]', "mu");
      await waitFor(p, "unit=mu");
      await p.waitForFunction(() => document.querySelector(".st-unit")?.textContent.includes("亩"), null, { timeout: 30000 });
      const mu = await tableOnPage(p);
      assert(Math.abs(Number(mu.total) / Number(first) - 15) < 0.01, `亩 = 15 × 公顷: ${mu.total} vs ${first}`);
      await p.selectOption('[data-testid="stats-classification"]', "yydh");
      await waitFor(p, "classification=yydh");
      const apiY = (await call(p, "GET", `/api/v1/stats/tables?region=${region}&layer=${layer}&table=class&level=1&classification=yydh&unit=mu`)).body;
      await p.waitForFunction((n) => document.querySelectorAll('[data-testid="stats-grid"] thead th[data-key]').length === n, apiY.columns.length, { timeout: 30000 });
      const yydh = await tableOnPage(p);
      assert(JSON.stringify(yydh.keys) === JSON.stringify(apiY.columns.map((c) => c.key)), "用地用海 columns: " + yydh.keys.join(","));
      assert(yydh.total === apiY.total.total.toFixed(2), `用地用海 合计 ${yydh.total} vs ${apiY.total.total}`);
      // Another land-use layer chosen on the page: its table, as the API gives it; then back.
      const others = await p.$$eval('[data-testid="stats-layer"] option', (os) => os.map((o) => o.value).filter((v) => v !== "land_use"));
      if (others.length) {
        await p.selectOption('[data-testid="stats-layer"]', others[0]);
        await waitFor(p, `layer=${encodeURIComponent(others[0])}`);
        const answer = await call(p, "GET", `/api/v1/stats/tables?region=${region}&layer=${encodeURIComponent(others[0])}&table=class&level=1&classification=yydh&unit=mu`);
        if (answer.status === 200) {
          await p.waitForFunction((v) => document.querySelector('[data-testid="stats-grid"] tbody tr.total')?.dataset.total === v, answer.body.total.total.toFixed(2), { timeout: 30000 });
        } else {
          await p.waitForFunction((m) => document.querySelector('[data-testid="stats-output"] [role="alert"]')?.textContent.includes(m), answer.body.error.message_zh, { timeout: 30000 });
        }
        await p.selectOption('[data-testid="stats-layer"]', "land_use");
        await waitFor(p, "layer=land_use");
        await p.waitForFunction((v) => document.querySelector('[data-testid="stats-grid"] tbody tr.total')?.dataset.total === v, yydh.total, { timeout: 30000 });
      }
    });

    await step("统计报表: the xlsx and csv downloads are the server's files for the chosen table", async () => {
      for (const [tid, type, magic] of [["stats-xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "PK"], ["stats-csv", "text/csv; charset=utf-8", "\u00ef\u00bb\u00bf"]]) {
        const href = await p.getAttribute(`[data-testid="${tid}"]`, "href");
        assert(href.includes("classification=yydh") && href.includes("unit=mu"), "the link carries the choice: " + href);
        const got = await p.evaluate(async (h) => {
          const r = await fetch(h);
          const b = new Uint8Array(await r.arrayBuffer());
          return { status: r.status, type: r.headers.get("content-type"), disposition: r.headers.get("content-disposition"), size: b.length,
            head: String.fromCharCode(...b.slice(0, 3)), text: new TextDecoder().decode(b.slice(0, 400)) };
        }, href);
        assert(got.status === 200 && got.type === type, `${tid}: ${got.status} ${got.type}`);
        assert(got.head.startsWith(magic) && got.size > 100, `${tid} starts with ${JSON.stringify(magic)}: ${JSON.stringify(got.head)}`);
        assert((got.disposition ?? "").includes("attachment"), `${tid} is a download: ${got.disposition}`);
        if (tid === "stats-csv") assert(got.text.includes("合计"), "the csv has the 合计 row or column: " + got.text.slice(0, 120));
      }
    });
  } finally {
    await ctx.close();
  }
}
