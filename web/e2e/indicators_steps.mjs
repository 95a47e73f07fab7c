// E2E steps of land indicators and benefit sharing (pages/indicators.ts, pages/my_benefits.ts),
// run by run.mjs: the demo registered the indicators of its accepted project at acceptance; the
// lead department (zrzy) sees them on the ledger, is refused a transfer beyond the balance (the
// server's message, nothing changed) and transfers 100 m² at 12,345.67 元 through the page (the
// price enters the funds ledger); the township (zhen) is refused a plan whose shares do not add to
// 100%, then makes one of 12,345.67 元 land rent of its project XM2026-001 (the demo's accepted
// project lies in another township) (33.33 / 33.34 / 33.33 %, three households by homestead area given up) whose shares add up to
// the fen, is refused payment before the vote, puts it to the village assembly (2 of 3
// representatives vote yes) and requests payment; finance (czj) approves it; the villager
// (cunmin, H00001) sees on the phone only their own share, equal to the API's.

import { call, phone, signedInPages } from "./page_api.mjs";

const desktop = { viewport: { width: 1440, height: 1000 }, locale: "zh-CN" };

const messageOf = (p, testid) => p.waitForFunction((id) => {
  const m = document.querySelector(`[data-testid="${id}"]`);
  return m && (m.classList.contains("error") || m.classList.contains("ok")) ? m.textContent : null;
}, testid, { timeout: 20000 }).then((h) => h.jsonValue());

export async function indicatorsSteps({ browser, base, step, assert, signIn, shot }) {
  const { as, closeAll } = signedInPages({ browser, base, signIn }, desktop);
  const ids = {};
  try {
    await step("indicators: the demo's indicator created at acceptance is on the ledger; a transfer beyond its balance is refused, one within it recorded", async () => {
      const p = await as("zrzy");
      await p.goto(base + "/indicators");
      await p.waitForSelector('[data-testid="ind-table"]');
      const list = (await call(p, "GET", "/api/v1/indicators")).body.indicators;
      const land = list.find((i) => i.kind === "construction_land" && i.balance_m2 > 100);
      assert(land, "an indicator with balance: " + JSON.stringify(list.map((i) => [i.id, i.kind, i.balance_m2])));
      const project = (await call(p, "GET", `/api/v1/projects/${land.project_id}`)).body;
      assert(["accepted", "evaluated", "maintenance"].includes(project.state), "made from an accepted project: " + project.state);
      assert(land.plots.some((pl) => pl.role === "chaijiu"), "traced to its 拆旧 plots");
      ids.indicator = land.id;
      await p.click(`[data-testid="ind-open-${land.id}"]`);
      await p.waitForSelector('[data-testid="ind-movements"]');
      const movements = await p.$$eval('[data-testid="ind-movements"] tbody tr', (rs) => rs.length);
      assert(movements === (await call(p, "GET", `/api/v1/indicators/${land.id}`)).body.movements.length, "every movement listed");
      // Beyond the balance: the server's refusal on the page, nothing changed.
      await p.fill('[data-testid="ind-tr-region"]', "340124");
      await p.fill('[data-testid="ind-tr-buyer"]', "邻县自然资源局（网页）");
      await p.fill('[data-testid="ind-tr-area"]', String(land.balance_m2 + 1));
      await p.fill('[data-testid="ind-tr-price"]', "12,345.67");
      await p.click('[data-testid="ind-tr-submit"]');
      const refused = await messageOf(p, "ind-tr-msg");
      const api = await call(p, "POST", `/api/v1/indicators/${land.id}/transfers`, { buyer_region_code: "340124", buyer_name: "x", area_m2: land.balance_m2 + 1, price_fen: 1234567 });
      assert(api.status === 409 && api.body.error.code === "insufficient_indicator", "refused by the API: " + JSON.stringify(api.body));
      assert(refused === api.body.error.message_zh, `the API's words on the page: ${refused} / ${api.body.error.message_zh}`);
      assert((await call(p, "GET", `/api/v1/indicators/${land.id}`)).body.balance_m2 === land.balance_m2, "balance unchanged");
      // 100 m² at 12,345.67 元.
      await p.fill('[data-testid="ind-tr-area"]', "100");
      await p.click('[data-testid="ind-tr-submit"]');
      await p.waitForFunction((n) => document.querySelectorAll('[data-testid="ind-movements"] tbody tr').length === n + 1, movements, { timeout: 20000 });
      const after = (await call(p, "GET", `/api/v1/indicators/${land.id}`)).body;
      assert(Math.abs(after.balance_m2 - (land.balance_m2 - 100)) < 0.005, `balance less 100 m²: ${after.balance_m2}`);
      const sold = after.movements.find((m) => m.kind === "transfer" && m.buyer_name === "邻县自然资源局（网页）");
      assert(sold && sold.price_fen === 1234567 && sold.area_m2 === 100, "the transfer as the API has it: " + JSON.stringify(sold));
      assert(sold.fund_source_id, "the price entered the funds ledger as a source");
      await p.goto(base + "/indicators?tab=transfers");
      await p.waitForSelector('[data-testid="ind-transfers"]');
      assert((await p.textContent('[data-testid="ind-transfers"]')).includes("¥12,345.67"), "listed with its price");
      await shot(p, "indicators-ledger");
    });

    await step("indicators: the township's plan of the revenue; shares not adding to 100% refused; every fen assigned", async () => {
      const p = await as("zhen");
      await p.goto(base + "/indicators?tab=plans");
      await p.waitForSelector('[data-testid="plan-new"]');
      await p.click('[data-testid="plan-new"] summary');
      // The township's project in works (XM2026-001): land-transfer rent paid into its pool.
      const project = (await call(p, "GET", "/api/v1/projects")).body.projects.find((x) => x.code === "XM2026-001");
      ids.project = project.id;
      const pool = (await call(p, "GET", `/api/v1/projects/${project.id}/funds`)).body.sources;
      const source = pool.reduce((a, b) => (b.balance_fen > a.balance_fen ? b : a));
      assert(source.balance_fen >= 1234567, "a source with the amount in the pool: " + JSON.stringify(pool));
      ids.source = source.source_id;
      await p.selectOption('[data-testid="plan-new-project"]', String(ids.project));
      await p.waitForSelector(`[data-testid="plan-new-source"] option[value="${ids.source}"]`, { state: "attached" });
      await p.selectOption('[data-testid="plan-new-source"]', String(ids.source));
      await p.selectOption('[data-testid="plan-new-kind"]', "land_rent");
      const village = (await call(p, "GET", "/api/v1/me")).body.grants[0].region;
      const me = await as("cun");
      const v = (await call(me, "GET", "/api/v1/me")).body.grants[0].region;
      ids.village = v;
      assert(v.startsWith(village), "the village lies in the township");
      await p.fill('[data-testid="plan-new-title"]', "网页测试：流转租金收益分配");
      await p.fill('[data-testid="plan-new-village"]', v);
      await p.selectOption('[data-testid="plan-new-basis"]', "homestead_area");
      await p.fill('[data-testid="plan-new-amount"]', "12,345.67");
      await p.fill('[data-testid="plan-new-county"]', "33.33");
      await p.fill('[data-testid="plan-new-village-pct"]', "33.33");
      await p.fill('[data-testid="plan-new-households-pct"]', "33.33");
      await p.fill('[data-testid="plan-new-households"]', "H00001 180.5\nH00002 154.3\nH00003 171.71");
      const before = (await call(p, "GET", "/api/v1/distributions")).body.plans.length;
      await p.click('[data-testid="plan-new-submit"]');
      const refused = await messageOf(p, "plan-new-msg");
      assert(refused.includes("100%"), "shares_not_100 on the page: " + refused);
      assert((await call(p, "GET", "/api/v1/distributions")).body.plans.length === before, "no plan written");
      await p.fill('[data-testid="plan-new-village-pct"]', "33.34");
      await p.click('[data-testid="plan-new-submit"]');
      await p.waitForFunction((n) => document.querySelectorAll('[data-testid^="plan-households-"]').length > n, before, { timeout: 20000 });
      const plan = (await call(p, "GET", "/api/v1/distributions")).body.plans.find((d) => d.title === "网页测试：流转租金收益分配");
      // 1,234,567 fen: county floor(× 3333 / 10000) = 411,481 (.1811 dropped), households the same,
      // the village the rest 411,605.
      assert(plan.county_fen === 411481 && plan.households_fen === 411481 && plan.village_fen === 411605, "three-way split: " + JSON.stringify([plan.county_fen, plan.village_fen, plan.households_fen]));
      // Households by 180.5 / 154.3 / 171.71 m² of 506.51: 411,481 × 18050 / 50651 = 146,635.45,
      // × 15430 / 50651 = 125,350.97, × 17171 / 50651 = 139,494.59 → floors 411,479; the 2 fen left
      // go to the largest dropped fractions, .97 (H00002) and .59 (H00003).
      const shares = Object.fromEntries(plan.households.map((h) => [h.household_code, h.share_fen]));
      assert(shares.H00001 === 146635 && shares.H00002 === 125351 && shares.H00003 === 139495, "shares: " + JSON.stringify(shares));
      ids.plan = plan.id;
      assert((await p.textContent(`[data-testid="plan-amount-${plan.id}"]`)).includes("¥12,345.67"), "amount shown");
      // Payment before the vote: refused.
      const early = await call(p, "POST", `/api/v1/distributions/${plan.id}/payment`, {});
      assert(early.status === 409 && early.body.error.code === "vote_not_passed", "no payment before the vote: " + JSON.stringify(early.body));
    });

    await step("indicators: the village assembly votes the plan by two thirds; finance approves the payment", async () => {
      const cun = await as("cun");
      const reps = await call(cun, "PUT", `/api/v1/villages/${ids.village}/representatives`, { usernames: ["cunmin", "hu00002", "hu00003"] });
      assert(reps.status === 200, "representatives: " + JSON.stringify(reps.body));
      const zhen = await as("zhen");
      await zhen.goto(base + "/indicators?tab=plans");
      await zhen.click(`[data-testid="plan-vote-open-${ids.plan}"]`);
      await zhen.waitForFunction((id) => document.querySelector(`[data-testid="plan-vote-${id}"]`)?.textContent === "表决中", ids.plan, { timeout: 20000 });
      const voteId = (await call(zhen, "GET", `/api/v1/distributions/${ids.plan}`)).body.vote_id;
      for (const u of ["cunmin", "hu00002"]) {
        const v = await as(u);
        const b = await call(v, "POST", `/api/v1/votes/${voteId}/ballots`, { choice: "yes" });
        assert(b.status === 201, `${u} votes: ` + JSON.stringify(b.body));
      }
      const closed = await call(zhen, "POST", `/api/v1/votes/${voteId}/close`);
      assert(closed.status === 200 && closed.body.passed === true, "2 of 3 pass: " + JSON.stringify(closed.body));
      await zhen.goto(base + "/indicators?tab=payments");
      await zhen.click(`[data-testid="plan-pay-${ids.plan}"]`);
      await zhen.waitForFunction((id) => document.querySelector(`[data-testid="plan-status-${id}"]`)?.textContent === "待财政审批", ids.plan, { timeout: 20000 });
      const czj = await as("czj");
      const poolBefore = (await call(czj, "GET", `/api/v1/projects/${ids.project}/funds`)).body.balance_fen;
      await czj.goto(base + "/indicators?tab=payments");
      await czj.click(`[data-testid="plan-approve-${ids.plan}"]`);
      await czj.waitForFunction((id) => document.querySelector(`[data-testid="plan-status-${id}"]`)?.textContent === "已拨付", ids.plan, { timeout: 20000 });
      const poolAfter = (await call(czj, "GET", `/api/v1/projects/${ids.project}/funds`)).body.balance_fen;
      assert(poolBefore - poolAfter === 1234567, `paid out of the pool: ${poolBefore} → ${poolAfter}`);
      await shot(czj, "indicators-payments");
    });

    await step("indicators: the villager sees only their own share on the phone (我的收益)", async () => {
      const p = await as("cunmin", phone);
      await p.goto(base + "/benefits");
      await p.waitForSelector(`[data-testid="myb-share-${ids.plan}"]`);
      const api = (await call(p, "GET", "/api/v1/my/benefits")).body.benefits;
      assert(api.every((b) => b.share.household_code === "H00001"), "only H00001's shares: " + JSON.stringify(api.map((b) => b.share.household_code)));
      const mine = api.find((b) => b.plan.id === ids.plan);
      assert(mine.share.share_fen === 146635 && mine.share.paid, "the share and paid: " + JSON.stringify(mine.share));
      assert((await p.textContent(`[data-testid="myb-share-${ids.plan}"]`)) === "¥1,466.35", "shown in yuan");
      const plan = (await call(p, "GET", `/api/v1/distributions/${ids.plan}`)).body;
      assert(plan.households.length === 1 && plan.households[0].household_code === "H00001", "the plan shows the villager only their own line");
      const width = await p.evaluate(() => document.documentElement.scrollWidth);
      assert(width <= 360, "no horizontal scrolling: " + width);
      await shot(p, "my-benefits-phone");
    });
  } finally {
    await closeAll();
  }
}
