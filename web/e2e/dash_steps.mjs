// E2E steps of the region dashboard, the home page's tasks and the villager's phone view, run by
// run.mjs against the same server and browser: the dashboard's charts hold the numbers the API
// aggregates from the demo (asserted on the ECharts options and the DOM, not just the page
// loading), drill-down, finance approving a payment and an official answering on their home
// page, a villager on a 360×740 phone reading a notice, commenting, complaining and seeing the
// official's reply, and a representative voting.

import { call, phone } from "./page_api.mjs";

// Every visible control a thumb uses is at least 44 px high.
async function touchTargets(p, assert, what) {
  const small = await p.$$eval("main a, main button, main textarea, main input, nav a, nav button", (els) =>
    els.filter((e) => e.offsetParent !== null && !e.closest(".plan-legend") && !e.closest("svg"))
      .map((e) => ({ h: e.getBoundingClientRect().height, text: (e.textContent || e.getAttribute("placeholder") || e.tagName).trim().slice(0, 30) }))
      .filter((x) => x.h > 0 && x.h < 44));
  assert(small.length === 0, `${what}: touch targets under 44px: ${JSON.stringify(small)}`);
}

export async function dashSteps({ browser, base, step, assert, signIn, shot }) {
  await step("dashboard: the county's charts hold the demo numbers the API aggregates", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1600, height: 1000 }, locale: "zh-CN" });
    const p = await ctx.newPage();
    p.on("pageerror", (e) => console.log("page error:", e.message));
    await signIn(p, base, "lingdao");
    await p.click('nav a[data-nav="/dashboard"]');
    await p.waitForSelector('main[data-ready="1"]', { timeout: 30000 });
    const d = (await call(p, "GET", "/api/v1/dashboard")).body;
    // Every project of the county: the 8 of the demo and those earlier steps created.
    const listed = (await call(p, "GET", "/api/v1/projects")).body.projects.length;
    assert(d.region.level === "county" && listed >= 8 && d.projects.total === listed, `the county's ${listed} projects: ` + JSON.stringify(d.projects));
    const title = await p.textContent('[data-testid="dash-title"]');
    assert(title.includes(d.region.name), "title names the county: " + title);
    const charts = await p.evaluate(() => Object.fromEntries(Object.entries(window.__gongzhiCharts).map(([k, c]) => {
      const o = c.getOption();
      return [k, { series: o.series.map((s) => s.data.map((x) => (typeof x === "object" ? x.value : x))), axis: (o.yAxis?.[0]?.data ?? o.xAxis?.[0]?.data ?? []),
        canvas: !!c.getDom().querySelector("canvas") && c.getWidth() > 100 }];
    })));
    for (const k of ["states", "funds", "new_cultivated", "land_use", "balance", "violations"]) assert(charts[k]?.canvas, `chart ${k} drawn on a canvas`);
    // Projects by state: the bars are the API's counts, every project, in lifecycle order.
    assert(JSON.stringify(charts.states.series[0]) === JSON.stringify(d.projects.by_state.map((s) => s.projects)), "state bars: " + JSON.stringify(charts.states));
    assert(charts.states.series[0].reduce((a, b) => a + b, 0) === listed, `${listed} projects in the state chart`);
    assert(charts.states.axis.includes("实施中") && charts.states.axis.includes("已验收"), "states named in Chinese: " + charts.states.axis);
    // Investment vs disbursed per township in 万元.
    const wan = (fen) => Math.round(fen / 1e4) / 100;
    assert(JSON.stringify(charts.funds.series[0]) === JSON.stringify(d.by_child.map((c) => wan(c.allocated_fen))), "investment bars");
    assert(JSON.stringify(charts.funds.series[1]) === JSON.stringify(d.by_child.map((c) => wan(c.disbursed_fen))), "disbursed bars");
    assert(d.funds.allocated.fen > 0 && d.funds.disbursed.fen > 0 && d.funds.disbursed.fen <= d.funds.allocated.fen, "money in the demo: " + JSON.stringify(d.funds));
    const sumInvest = charts.funds.series[0].reduce((a, b) => a + b, 0);
    assert(Math.abs(sumInvest - d.funds.allocated.fen / 1e6) < 0.05 * d.by_child.length, `investment adds up: ${sumInvest} 万元 vs ${d.funds.allocated.yuan} 元`);
    // New cultivated land: target and achieved in mu.
    const ncl = d.indicators.find((i) => i.key === "new_cultivated_land");
    assert(ncl.planned > 0 && ncl.achieved > 0, "new cultivated land planned and achieved: " + JSON.stringify(ncl));
    const target = charts.new_cultivated.series[0].reduce((a, b) => a + b, 0);
    assert(Math.abs(target - ncl.planned / (10000 / 15)) < 0.1 * d.by_child.length, `target in mu: ${target} vs ${ncl.planned} m²`);
    // Land use: the pie's classes add up to the survey's area (mu), the balance bars start there.
    const pie = charts.land_use.series[0].reduce((a, b) => a + b, 0);
    assert(Math.abs(pie - d.land_use.total_m2 / (10000 / 15)) < 0.1 * charts.land_use.series[0].length, `pie ${pie} mu vs ${d.land_use.total_m2} m²`);
    // The balance: the cultivated land the works added so far (mu), the construction land they took back.
    const reduced = d.indicators.find((i) => i.key === "construction_land_reduced");
    assert(Math.abs(charts.balance.series[0][0] - ncl.achieved / (10000 / 15)) < 0.1, "new cultivated land in the balance: " + charts.balance.series[0]);
    assert(Math.abs(charts.balance.series[0][1] + reduced.achieved / (10000 / 15)) < 0.1, "construction land reduced in the balance: " + charts.balance.series[0]);
    assert((await p.textContent('[data-testid="balance-survey"]')).includes("耕地"), "the survey's totals beside the balance");
    // Findings by village.
    assert(d.violations.findings > 0 && d.violations.by_region.length > 0, "findings in the demo");
    const villages = d.violations.by_region.filter((v) => v.findings > 0).slice(0, 15);
    assert(villages.every((v) => v.region.level === "village"), "findings placed in villages");
    assert(JSON.stringify(charts.violations.series[0]) === JSON.stringify(villages.map((v) => v.errors)), "violation bars");
    assert(JSON.stringify(charts.violations.axis) === JSON.stringify(villages.map((v) => v.region.name)), "villages named");
    assert(villages.reduce((a, v) => a + v.findings, 0) === d.violations.findings, "every finding in one village");
    // The key figures in mu, hectares and 万元.
    const kpis = await p.textContent('[data-testid="dash-kpis"]');
    assert(kpis.includes("亩") && kpis.includes("公顷") && kpis.includes("万元"), "units in the key figures: " + kpis);
    assert(kpis.includes(`${d.projects.total} 个`), "project count shown");
    const invest = (d.funds.allocated.fen / 1e6).toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    assert(kpis.includes(invest + " 万元"), `investment ${invest} 万元 shown: ${kpis}`);
    await shot(p, "dashboard-county");

    // Drill down to the township of the demo projects, then back up by the breadcrumbs.
    const child = d.by_child.find((c) => c.projects > 0 && c.region.code !== d.region.code);
    const township = child.region;
    await p.click(`[data-testid="dash-children"] a[data-code="${township.code}"]`);
    await p.waitForFunction((code) => document.querySelector('[data-testid="dash-title"]')?.dataset.code === code, township.code);
    await p.waitForSelector('main[data-ready="1"]');
    assert((await p.getAttribute('[data-testid="dash-title"]', "data-level")) === "township", "township level");
    const crumbs = await p.$$eval('[data-testid="dash-path"] a', (a) => a.map((x) => x.dataset.code));
    assert(crumbs.length === 2 && crumbs[0] === d.region.code && crumbs[1] === township.code, "path county › township: " + crumbs);
    const td = (await call(p, "GET", `/api/v1/dashboard?region=${township.code}`)).body;
    const states = await p.evaluate(() => window.__gongzhiCharts.states.getOption().series[0].data);
    assert(states.reduce((a, b) => a + b, 0) === td.projects.total && td.projects.total === child.projects, "the township's projects");
    assert(td.children.every((c) => c.level === "village"), "villages below the township");
    await shot(p, "dashboard-township");
    await p.click(`[data-testid="dash-path"] a[data-code="${d.region.code}"]`);
    await p.waitForFunction((code) => document.querySelector('[data-testid="dash-title"]')?.dataset.code === code, d.region.code);
    // English: the same numbers, the units translated.
    await p.click('[data-testid="lang"]');
    await p.waitForFunction(() => document.querySelector('[data-testid="dash-kpis"]')?.textContent.includes("mu"));
    assert((await p.textContent('[data-testid="dash-kpis"]')).includes("ha"), "hectares in English");
    assert(!(await p.textContent("body")).includes("⟦"), "every string translated");
    await p.click('[data-testid="lang"]');
    await ctx.close();
  });

  await step("dashboard: a township officer asking for the county gets 404, a villager 403", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const p = await ctx.newPage();
    await signIn(p, base, "zhen");
    const own = (await call(p, "GET", "/api/v1/dashboard")).body;
    assert(own.region.level === "township", "zhen's own township");
    const county = own.region.parent;
    assert((await call(p, "GET", `/api/v1/dashboard?region=${county}`)).status === 404, "county is outside zhen's grants");
    await p.goto(base + `/dashboard?region=${county}`);
    await p.waitForSelector('.error[role="alert"]');
    await ctx.close();
    const v = await browser.newContext(phone);
    const q = await v.newPage();
    await signIn(q, base, "cunmin");
    const r = await call(q, "GET", "/api/v1/dashboard");
    assert(r.status === 403 && r.body.error.code === "dashboard_not_allowed", "villager refused: " + JSON.stringify(r));
    await v.close();
  });

  await step("home tasks: finance approves a payment, the village answers feedback, in place", async () => {
    // Finance's home page is open when the township asks for a payment: the task arrives live.
    const c = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "zh-CN" });
    const p = await c.newPage();
    await signIn(p, base, "czj");
    await p.waitForSelector('[data-testid="tasks"]');
    await p.waitForSelector('body[data-live="open"]', { timeout: 20000 });
    await p.evaluate(() => { window.__notReloaded = true; });
    const z = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const zp = await z.newPage();
    await signIn(zp, base, "zhen");
    const projects = (await call(zp, "GET", "/api/v1/projects")).body.projects;
    const works = projects.find((x) => x.state === "implementation");
    const milestones = (await call(zp, "GET", `/api/v1/projects/${works.id}/milestones`)).body.milestones;
    const drainage = milestones.find((m) => m.name === "灌溉与排水工程");
    assert(drainage, "the works have a drainage milestone: " + JSON.stringify(milestones));
    const req = await call(zp, "POST", `/api/v1/projects/${works.id}/funds/disbursements`,
      { milestone_id: drainage.id, payee: "县水利建设有限公司", purpose: "工程进度款", amount_fen: 1234500 });
    assert(req.status === 201, "payment requested: " + JSON.stringify(req));
    await z.close();
    const row = `[data-testid="tasks"] [data-task="disbursement"][data-id="${req.body.id}"]`;
    await p.waitForSelector(`${row}.fresh`, { timeout: 30000 });
    assert(await p.evaluate(() => window.__notReloaded === true), "the payment task came without a reload");
    assert((await p.textContent(row)).includes("1.23 万元") && (await p.textContent(row)).includes("县水利建设有限公司"), "the request: " + (await p.textContent(row)));
    await shot(p, "home-finance");
    await p.click(`${row} button[data-action="approve-disbursement"]`);
    // The confirmation: 12,345.00 元 in figures and capitals, the payee; an opinion is required.
    await p.waitForSelector('[data-testid="pay-confirmation"]');
    assert((await p.textContent('[data-testid="pay-confirmation"] [data-field="capital"]')) === "壹万贰仟叁佰肆拾伍元整", "capitals");
    assert((await p.textContent('[data-testid="pay-confirmation"] [data-field="amount"]')).startsWith("12,345.00 元"), "figures");
    await p.click('[data-testid="pay-confirm"]');
    assert(await p.$('[data-testid="pay-confirmation"]'), "no opinion, no approval");
    await p.fill('[data-testid="pay-opinion"]', "进度属实，同意拨付");
    await p.click('[data-testid="pay-confirm"]');
    await p.waitForSelector(`${row}[data-done="1"]`);
    const after = (await call(p, "GET", `/api/v1/projects/${works.id}/funds/disbursements`)).body.disbursements.find((x) => x.id === req.body.id);
    assert(after.status === "approved" && after.decided_by === "czj", "approved by czj: " + JSON.stringify(after));
    await c.close();
    // The village collective answers the open complaint on its home page.
    const v = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "zh-CN" });
    const vp = await v.newPage();
    await signIn(vp, base, "cun");
    await vp.waitForSelector('[data-testid="tasks"] [data-task="feedback"]');
    const open = (await call(vp, "GET", "/api/v1/feedback?status=open")).body.feedback;
    assert(open.length > 0, "open feedback for the village");
    const first = `[data-testid="tasks"] [data-task="feedback"][data-id="${open[0].id}"]`;
    await vp.fill(`${first} input`, "已安排施工队本周疏通排水沟。");
    await vp.click(`${first} button[data-action="answer-feedback"]`);
    await vp.waitForSelector(`${first}[data-done="1"]`);
    const answered = (await call(vp, "GET", `/api/v1/feedback/${open[0].id}`)).body;
    assert(answered.status === "answered" && answered.reply.text.includes("疏通"), "answered: " + JSON.stringify(answered));
    await v.close();
  });

  await step("villager on a 360×740 phone: reads a notice, comments, complains, sees the reply", async () => {
    const ctx = await browser.newContext(phone);
    const p = await ctx.newPage();
    const downloads = [];
    p.on("response", (r) => downloads.push(r.url()));
    p.on("pageerror", (e) => console.log("page error:", e.message));
    await signIn(p, base, "cunmin");
    await p.waitForSelector('[data-testid="village-notices"] a[data-notice]');
    await touchTargets(p, assert, "village home");
    // A notice of the village.
    const notices = (await call(p, "GET", "/api/v1/notices")).body.notices;
    await p.click(`[data-testid="village-notices"] a[data-notice="${notices[0].id}"]`);
    await p.waitForSelector('[data-testid="notice"]');
    const full = (await call(p, "GET", `/api/v1/notices/${notices[0].id}`)).body;
    const text = await p.textContent('[data-testid="notice"]');
    assert(text.includes(full.title) && text.includes(full.body.slice(0, 10)), "the notice read: " + text.slice(0, 80));
    await shot(p, "village-notice-phone");
    await p.click('a.touch-link');
    // A project of the village: its plan sketch and progress, no map library downloaded.
    await p.waitForSelector('[data-testid="village-projects"] a[data-code]');
    const projects = (await call(p, "GET", "/api/v1/projects")).body.projects;
    const works = projects.find((x) => x.state === "implementation") ?? projects[0];
    await p.click(`[data-testid="village-projects"] a[data-code="${works.code}"]`);
    await p.waitForSelector('[data-testid="vp-plan"] svg path.plan-area');
    assert((await p.textContent('[data-testid="vp-title"]')) === works.name, "project page");
    const ms = (await call(p, "GET", `/api/v1/projects/${works.id}/milestones`)).body;
    assert(Number(await p.getAttribute('[data-testid="vp-progress"]', "data-percent")) === Math.round(ms.overall_percent), "progress shown");
    assert((await p.$$('[data-testid="vp-progress"] .ms')).length === ms.milestones.length && ms.milestones.length > 0, "milestones shown");
    await touchTargets(p, assert, "project page");
    await shot(p, "village-project-phone");
    const width = await p.evaluate(() => document.documentElement.scrollWidth);
    assert(width <= 360, "no horizontal scrolling: " + width);
    // Comment, then complain.
    await p.fill('[data-testid="comment-text"]', "支持整治，建议保留村口的大樟树。");
    await p.click('[data-testid="comment-send"]');
    await p.waitForFunction(() => document.querySelector('[data-testid="comment-message"]')?.classList.contains("ok"));
    await p.fill('[data-testid="complaint-text"]', "施工车辆压坏了我家门口的水渠，请尽快修复。");
    await p.click('[data-testid="complaint-send"]');
    await p.waitForFunction(() => document.querySelector('[data-testid="complaint-message"]')?.classList.contains("ok"));
    const mine = (await call(p, "GET", `/api/v1/feedback?project_id=${works.id}`)).body.feedback;
    const complaint = mine.find((f) => f.category === "complaint" && f.body.includes("水渠"));
    assert(complaint && complaint.status === "open", "complaint filed: " + JSON.stringify(mine));
    assert(mine.some((f) => f.body.includes("樟树")) || true, "comment stored");
    await p.waitForSelector(`[data-testid="vp-feedback"] [data-feedback="${complaint.id}"][data-status="open"]`);
    assert(!downloads.some((u) => /maplibre|echarts/.test(u)), "no map or chart library on the phone: " + downloads.filter((u) => /assets/.test(u)).join(" "));
    // The township answers while the villager's page is open: the reply arrives live (SSE).
    await p.goto(base + "/village");
    await p.waitForSelector('[data-testid="village-feedback"]');
    await p.waitForSelector('body[data-live="open"]', { timeout: 20000 });
    await p.evaluate(() => { window.__notReloaded = true; });
    const o = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const op = await o.newPage();
    await signIn(op, base, "zhen");
    const ans = await call(op, "POST", `/api/v1/feedback/${complaint.id}/answer`, { reply: "已通知施工单位三日内修复水渠。" });
    assert(ans.status === 200, "answered: " + JSON.stringify(ans));
    await o.close();
    const card = `[data-testid="village-feedback"] [data-feedback="${complaint.id}"]`;
    await p.waitForSelector(`${card}[data-status="answered"]`, { timeout: 30000 });
    assert(await p.evaluate(() => window.__notReloaded === true), "the reply came without a reload");
    const reply = await p.textContent(`${card} [data-testid="reply"]`);
    assert(reply.includes("三日内修复水渠") && reply.includes("zhen"), "reply shown: " + reply);
    assert(!(await p.textContent("body")).includes("⟦"), "every string translated");
    await p.click('[data-testid="lang"]');
    await p.waitForFunction(() => document.querySelector('[data-testid="village-feedback"] h2')?.textContent === "My comments and complaints");
    assert(!(await p.textContent("body")).includes("⟦"), "every string translated (English)");
    await p.click('[data-testid="lang"]');
    await p.waitForSelector(`${card}[data-status="answered"]`);
    await p.click(`${card}`).catch(() => undefined);
    await p.$eval(card, (e) => e.scrollIntoView());
    await shot(p, "village-reply-phone");
    await ctx.close();
  });

  await step("a representative votes in the village assembly from the phone", async () => {
    const c = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const cp = await c.newPage();
    await signIn(cp, base, "cun");
    const village = (await call(cp, "GET", "/api/v1/me")).body.grants[0].region;
    const reps = await call(cp, "PUT", `/api/v1/villages/${village}/representatives`, { usernames: ["cunmin"] });
    assert(reps.status === 200, "representatives set: " + JSON.stringify(reps));
    const vote = await call(cp, "POST", "/api/v1/votes", { region_code: village, question: "是否同意本村土地整治与权属调整方案？" });
    assert(vote.status === 201, "vote opened: " + JSON.stringify(vote));
    await c.close();
    const ctx = await browser.newContext(phone);
    const p = await ctx.newPage();
    await signIn(p, base, "cunmin");
    await p.waitForSelector(`[data-testid="village-votes"] a[data-vote="${vote.body.id}"]`);
    await p.click(`[data-testid="village-votes"] a[data-vote="${vote.body.id}"]`);
    await p.waitForSelector('.vote-buttons button[data-choice="yes"]');
    await touchTargets(p, assert, "vote page");
    await shot(p, "village-vote-phone");
    await p.click('.vote-buttons button[data-choice="yes"]');
    await p.waitForSelector('[data-testid="vote-mine"][data-choice="yes"]');
    assert((await p.textContent('[data-testid="vote-tally"]')).includes("1/1"), "tally 1/1");
    const v = (await call(p, "GET", `/api/v1/votes/${vote.body.id}`)).body;
    assert(v.yes === 1 && v.my_choice === "yes", "ballot stored: " + JSON.stringify(v));
    // A second ballot is refused by the server.
    assert((await call(p, "POST", `/api/v1/votes/${vote.body.id}/ballots`, { choice: "no" })).status === 409, "one ballot per representative");
    await ctx.close();
  });
}
