// E2E steps of the 统计报表 page (web/src/pages/stats.ts), run by run.mjs: the county leader opens
// it from the navigation; the table on the page holds the numbers GET /api/v1/stats/tables
// computes (合计 row, two header rows with 湿地 grouped, every township a row); level, table,
// classification and unit chosen on the page change the table as the API does; the xlsx and csv
// downloads are the server's files for the same choice.

import { call } from "./page_api.mjs";

// The table as the page shows it: header keys, the 合计 row's total, each row's code and total.
const tableOnPage = (p) => p.$eval('[data-testid="stats-grid"]', (t) => ({
  keys: [...t.querySelectorAll("thead th[data-key]")].map((th) => th.dataset.key),
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
      const api = (await call(p, "GET", `/api/v1/stats/tables?region=${region}&table=class&level=2`)).body;
      const shown = await tableOnPage(p);
      assert(JSON.stringify(shown.keys) === JSON.stringify(api.columns.map((c) => c.key)), "columns: " + shown.keys.join(","));
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
      const first = (await tableOnPage(p)).total;
      await p.selectOption('[data-testid="stats-level"]', "1");
      await waitFor(p, "level=1");
      const api1 = (await call(p, "GET", `/api/v1/stats/tables?region=${region}&table=class&level=1`)).body;
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
      const apiY = (await call(p, "GET", `/api/v1/stats/tables?region=${region}&table=class&level=1&classification=yydh&unit=mu`)).body;
      await p.waitForFunction((n) => document.querySelectorAll('[data-testid="stats-grid"] thead th[data-key]').length === n, apiY.columns.length, { timeout: 30000 });
      const yydh = await tableOnPage(p);
      assert(JSON.stringify(yydh.keys) === JSON.stringify(apiY.columns.map((c) => c.key)), "用地用海 columns: " + yydh.keys.join(","));
      assert(yydh.total === apiY.total.total.toFixed(2), `用地用海 合计 ${yydh.total} vs ${apiY.total.total}`);
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
