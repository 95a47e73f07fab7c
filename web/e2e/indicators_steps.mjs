// E2E steps of land indicators and benefit sharing (pages/indicators.ts, pages/my_benefits.ts,
// pages/benefit_notice.ts), run by run.mjs: the demo registered the indicators of its accepted
// project at acceptance; the lead department (zrzy) sees them on the ledger, is refused a transfer
// beyond the balance (the server's message, nothing changed) and transfers 100 m² at 12,345.67 元
// through the page (the price enters the funds ledger); the township (zhen) is refused a plan
// whose shares do not add to 100%, then makes one of 12,345.67 元 land rent of its project
// XM2026-001 (the demo's accepted project lies in another township) (33.33 / 33.34 / 33.33 %,
// three households by homestead area given up) whose shares add up to the fen, is refused
// payment before the vote, and puts it on public notice (公示); the villager (cunmin) reads it
// under 村务公告 and objects with a reason; the township answers; the vote is refused while the
// notice runs. The demo's second plan, whose notice is over, goes to the village assembly (2 of 3
// representatives vote yes); the township requests payment; finance (czj) approves it; the
// villager (H00001) sees on the phone only their own share, equal to the API's.

import { call, phone, signedInPages } from "./page_api.mjs";

const desktop = { viewport: { width: 1440, height: 1000 }, locale: "zh-CN" };

const yuanText = (fen) => "¥" + (fen / 100).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

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

    await step("indicators: the ledger's map shows every origin plot; a click on one opens its indicator; the project page lists its indicators", async () => {
      const p = await as("zrzy");
      await p.goto(base + "/indicators");
      await p.waitForFunction(() => window.__gongzhiIndicators && window.__gongzhiIndicators.map.loaded(), null, { timeout: 30000 });
      await p.evaluate(() => window.__gongzhiIndicators.ready);
      await p.evaluate(() => new Promise((r) => (window.__gongzhiIndicators.map.isMoving() ? window.__gongzhiIndicators.map.once("idle", () => r()) : requestAnimationFrame(() => r()))));
      await p.waitForTimeout(300);
      const list = (await call(p, "GET", "/api/v1/indicators?geometry=1")).body.indicators;
      const plots = list.reduce((n, i) => n + i.plots.filter((pl) => pl.geometry).length, 0);
      assert(plots > 0 && Number(await p.getAttribute('[data-testid="ind-map"]', "data-plots")) === plots, `every origin plot on the map: ${plots}`);
      // A point well inside a plot (every neighbour 6 px away on it too), on the canvas itself.
      const hit = await p.evaluate(() => {
        const m = window.__gongzhiIndicators.map, c = m.getCanvas();
        const r = c.getBoundingClientRect();
        const on = (x, y) => m.queryRenderedFeatures([x, y], { layers: ["ind-plots-fill"] });
        for (let y = 10; y < c.clientHeight - 10; y += 6)
          for (let x = 10; x < c.clientWidth - 10; x += 6) {
            const f = on(x, y);
            if (f.length && [[6, 0], [-6, 0], [0, 6], [0, -6]].every(([dx, dy]) => on(x + dx, y + dy).length) &&
              document.elementFromPoint(r.left + x, r.top + y) === c) return { x, y, indicator: f[0].properties.indicator };
          }
        return null;
      });
      assert(hit, "a plot under the pointer");
      const box = await (await p.$('[data-testid="ind-map"] canvas')).boundingBox();
      await p.mouse.click(box.x + hit.x, box.y + hit.y);
      await p.waitForFunction((id) => document.querySelector('[data-testid="ind-map-info"]')?.getAttribute("data-indicator") === String(id), hit.indicator, { timeout: 20000 });
      await p.waitForFunction((id) => document.querySelector('[data-testid="ind-detail"] h2')?.textContent.includes(`#${id}`), hit.indicator, { timeout: 20000 });
      await shot(p, "indicators-map");
      // The project page: its indicators with their transfers and revenue.
      const ind = list.find((i) => i.id === hit.indicator);
      await p.goto(base + "/projects/" + ind.project_code);
      await p.waitForSelector('[data-testid="project-indicators"] [data-testid="pi-made"]');
      const api = (await call(p, "GET", `/api/v1/projects/${ind.project_id}/indicators`)).body;
      assert(api.indicators.length === list.filter((i) => i.project_id === ind.project_id).length, "the project's indicators: " + JSON.stringify(api.indicators.map((i) => i.id)));
      const rows = await p.$$eval('[data-testid="pi-made"] tbody tr', (rs) => rs.length);
      assert(rows === api.indicators.length, `one row per indicator: ${rows}`);
      const text = await p.textContent('[data-testid="project-indicators"]');
      assert(api.indicators.every((i) => text.includes(`#${i.id}`)), "each named");
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

    await step("indicators: the plan on public notice (公示): the villager objects under 村务公告, the township answers, no vote while the notice runs", async () => {
      const zhen = await as("zhen");
      await zhen.goto(base + "/indicators?tab=plans");
      await zhen.waitForSelector(`[data-testid="plan-notice-open-${ids.plan}"]`);
      // The vote before any notice: refused in the server's words.
      await zhen.click(`[data-testid="plan-vote-open-${ids.plan}"]`);
      const unpublished = await messageOf(zhen, `plan-msg-${ids.plan}`);
      const api0 = await call(zhen, "POST", `/api/v1/distributions/${ids.plan}/vote`, {});
      assert(api0.status === 409 && api0.body.error.code === "notice_not_published", "no vote before the notice: " + JSON.stringify(api0.body));
      assert(unpublished === api0.body.error.message_zh, `the API's words: ${unpublished}`);
      await zhen.fill(`[data-testid="plan-notice-days-${ids.plan}"]`, "7");
      await zhen.click(`[data-testid="plan-notice-open-${ids.plan}"]`);
      await zhen.waitForFunction((id) => document.querySelector(`[data-testid="plan-notice-${id}"]`)?.textContent === "公示中", ids.plan, { timeout: 20000 });
      const plan = (await call(zhen, "GET", `/api/v1/distributions/${ids.plan}`)).body;
      assert(plan.notice_state === "running" && plan.notice_id, "on notice: " + JSON.stringify([plan.notice_state, plan.notice_id]));
      const days = (Date.parse(plan.notice_ends) - Date.parse(plan.notice_starts)) / 86400000;
      assert(days === 7, "seven days: " + days);

      // The villager reads it under 村务公告 and objects.
      const v = await as("cunmin", phone);
      await v.goto(base + "/village");
      await v.click(`[data-testid="village-notices"] a[data-notice="${plan.notice_id}"]`);
      await v.waitForSelector('[data-testid="notice-plan"]');
      const text = await v.textContent('[data-testid="notice"]');
      assert(text.includes("网页测试：流转租金收益分配") && text.includes("12345.67 元") && text.includes("4114.81 元"), "the plan's text and amounts: " + text.slice(0, 200));
      assert((await v.textContent('[data-testid="notice-plan-amounts"]')).includes("¥12,345.67"), "the total on the notice");
      await v.fill('[data-testid="notice-object-reason"]', "H00002 退出宅基地面积应按 160 平方米计算（网页测试）");
      await v.click('[data-testid="notice-object-submit"]');
      await v.waitForSelector('[data-testid="notice-objections"] li[data-objection]');
      const objections = (await call(v, "GET", `/api/v1/distributions/${ids.plan}/objections`)).body.objections;
      assert(objections.length === 1 && objections[0].author === "cunmin" && objections[0].answer === null, "the objection recorded: " + JSON.stringify(objections));
      ids.objection = objections[0].id;
      assert((await v.textContent(`[data-testid="notice-answer-${ids.objection}"]`)) === "等待乡镇答复", "awaiting the answer");
      await shot(v, "distribution-notice-phone");

      // The township answers on the plans page; the vote stays refused while the notice runs.
      await zhen.goto(base + "/indicators?tab=plans");
      await zhen.waitForSelector(`[data-testid="obj-answer-${ids.objection}"]`);
      assert((await zhen.textContent(`[data-testid="plan-objections-${ids.plan}"]`)).includes("未答复 1 条"), "one unanswered");
      await zhen.fill(`[data-testid="obj-answer-${ids.objection}"]`, "经核对不动产登记，面积为 154.3 平方米，方案不变。");
      await zhen.click(`[data-testid="obj-answer-submit-${ids.objection}"]`);
      await zhen.waitForFunction((id) => document.querySelector(`[data-testid="plan-objections-${id}"]`)?.textContent.includes("未答复 0 条"), ids.plan, { timeout: 20000 });
      await zhen.click(`[data-testid="plan-vote-open-${ids.plan}"]`);
      const running = await messageOf(zhen, `plan-msg-${ids.plan}`);
      const api1 = await call(zhen, "POST", `/api/v1/distributions/${ids.plan}/vote`, {});
      assert(api1.status === 409 && api1.body.error.code === "notice_running", "no vote while the notice runs: " + JSON.stringify(api1.body));
      assert(running === api1.body.error.message_zh && running.includes(plan.notice_ends), `named on the page: ${running}`);
      assert((await call(zhen, "GET", `/api/v1/distributions/${ids.plan}`)).body.vote_status === "none", "no vote opened");
      await v.reload();
      await v.waitForSelector(`[data-testid="notice-answer-${ids.objection}"] strong`);
      assert((await v.textContent(`[data-testid="notice-answer-${ids.objection}"]`)).includes("面积为 154.3 平方米"), "the villager reads the answer");
      // Audited.
      const auditor = await as("shenji");
      const audit = await call(auditor, "GET", `/api/v1/audit/search?object=${encodeURIComponent("benefit_plan:" + ids.plan)}`);
      const actions = (audit.body.entries ?? []).filter((e) => e.object === `benefit_plan:${ids.plan}`).map((e) => e.action);
      assert(["benefit.plan_notice", "benefit.objection", "benefit.objection_answer"].every((a) => actions.includes(a)), "audited: " + JSON.stringify(actions));
    });

    await step("indicators: the village assembly votes the demo's plan whose notice is over by two thirds; finance approves the payment", async () => {
      const cun = await as("cun");
      const reps = await call(cun, "PUT", `/api/v1/villages/${ids.village}/representatives`, { usernames: ["cunmin", "hu00002", "hu00003"] });
      assert(reps.status === 200, "representatives: " + JSON.stringify(reps.body));
      const zhen = await as("zhen");
      const ready = (await call(zhen, "GET", "/api/v1/distributions")).body.plans.find((d) => d.notice_state === "over" && d.vote_status === "none" && d.status === "draft");
      assert(ready && ready.unanswered_objections === 0, "the demo's plan after its notice: " + JSON.stringify(ready));
      ids.plan = ready.id;
      ids.project = ready.project_id;
      ids.amount = ready.amount_fen;
      ids.share = ready.households.find((h) => h.household_code === "H00001").share_fen;
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
      assert(poolBefore - poolAfter === ids.amount, `paid out of the pool: ${poolBefore} → ${poolAfter}`);
      await shot(czj, "indicators-payments");
    });

    await step("indicators: the villager sees only their own share on the phone (我的收益)", async () => {
      const p = await as("cunmin", phone);
      await p.goto(base + "/benefits");
      await p.waitForSelector(`[data-testid="myb-share-${ids.plan}"]`);
      const api = (await call(p, "GET", "/api/v1/my/benefits")).body.benefits;
      assert(api.every((b) => b.share.household_code === "H00001"), "only H00001's shares: " + JSON.stringify(api.map((b) => b.share.household_code)));
      const mine = api.find((b) => b.plan.id === ids.plan);
      assert(mine.share.share_fen === ids.share && mine.share.paid, "the share and paid: " + JSON.stringify(mine.share));
      assert((await p.textContent(`[data-testid="myb-share-${ids.plan}"]`)) === yuanText(ids.share), "shown in yuan");
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
