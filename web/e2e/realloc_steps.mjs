// E2E step of issue 22 (docs/realloc.md, "Report the field's criteria"; web/src/pages/parcels.ts),
// run by run.mjs after the villager's parcels step: the villager (cunmin, household H00001 of the
// demo's plan) opens the plan's criteria on its parcels page on a phone, and every row shows the
// plan's figures before and after as the API gives them (the household's detail, its `plan`).

import { call, phone } from "./page_api.mjs";

// The page's number format for `digits` decimals (parcels.ts, criteriaTable), in the page itself.
function shownAs(page, value, digits, pct) {
  return page.evaluate(([v, d, p]) => (v === null ? null : p ? `${(v * 100).toFixed(1)}%`
    : v.toLocaleString(undefined, { maximumFractionDigits: d, minimumFractionDigits: d })), [value, digits, pct]);
}

export async function reallocSteps({ browser, base, step, assert, signIn, shot }) {
  await step("a villager's parcels page shows the plan's criteria before and after, as the API gives them", async () => {
    const ctx = await browser.newContext(phone);
    try {
      const p = await ctx.newPage();
      p.on("pageerror", (e) => console.log("page error (cunmin):", e.message));
      await signIn(p, base, "cunmin");
      await p.goto(base + "/parcels");
      await p.waitForSelector('[data-testid="parcels-card"]');
      const household = await p.getAttribute('[data-testid="parcels-card"]', "data-household");
      const mine = (await call(p, "GET", "/api/v1/rights/mine")).body.plans.find((x) => x.household_code === household);
      assert(mine, "the villager's plan is listed: " + household);
      const detail = await call(p, "GET", `/api/v1/projects/${mine.project_id}/rights/households/${encodeURIComponent(household)}`);
      assert(detail.status === 200, "household detail: " + detail.status);
      const f = detail.body.plan?.fragmentation;
      assert(f?.before && f?.after, "the plan carries its criteria: " + JSON.stringify(detail.body.plan ?? null).slice(0, 200));

      await p.click('[data-testid="plan-criteria"] summary');
      await p.waitForSelector('[data-testid="plan-criteria"] tr[data-criterion="narrowest"]', { state: "visible" });
      const rows = await p.$$eval('[data-testid="plan-criteria"] tr[data-criterion]', (rs) =>
        Object.fromEntries(rs.map((r) => [r.dataset.criterion, [...r.querySelectorAll("td")].slice(1).map((td) => td.textContent)])));
      // Each criterion: the API's field and the page's decimals.
      const expected = {
        parcels_per_household: ["parcels_per_household", 2],
        mean_area: ["mean_parcel_area_m2", 0],
        below_minimum: ["holdings_below_minimum_share", 1, true],
        shape: ["mean_shape_index", 2],
        ratio: ["mean_length_width_ratio", 2],
        distance: ["mean_distance_m", 0],
        narrowest: ["narrowest_m", 1],
        too_narrow: ["narrower_than_minimum", 0],
      };
      for (const [key, [field, digits, pct]] of Object.entries(expected)) {
        assert(rows[key], `criterion ${key} shown: ` + Object.keys(rows).join(","));
        const want = [await shownAs(p, f.before[field], digits, pct), await shownAs(p, f.after[field], digits, pct)];
        assert(JSON.stringify(rows[key]) === JSON.stringify(want), `${key}: page ${JSON.stringify(rows[key])}, API ${JSON.stringify(want)}`);
      }
      // The plan's parcels are all at least the minimum width; the narrowest is what the API says.
      const minWidth = f.rules?.min_width_m ?? 10;
      assert(f.after.narrowest_m >= minWidth - 0.05, `narrowest after ${f.after.narrowest_m} m ≥ ${minWidth} m`);
      assert(f.after.narrower_than_minimum === 0, "no parcel narrower than the minimum after: " + f.after.narrower_than_minimum);
      // Access: a row with figures when checked, "not checked" (未核查) when the plan had no road layer.
      if (rows.no_access) {
        const want = f.after.without_access === null ? "未核查" : String(f.after.without_access);
        assert(rows.no_access[1] === want, `no_access after: page ${rows.no_access[1]}, API ${want}`);
      }
      const width = await p.evaluate(() => document.documentElement.scrollWidth);
      assert(width <= 360, "no horizontal scrolling with the criteria open: " + width);
      await shot(p, "parcels-criteria-phone");
    } finally {
      await ctx.close();
    }
  });
}
