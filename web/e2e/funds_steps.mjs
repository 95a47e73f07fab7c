// E2E steps of the funds workflow on the project page (project_funds.ts), run by run.mjs against
// the same server and browser, on the demo project in implementation in the demo township
// (XM2026-001): finance (czj) records a fund source and allocates from it into the project's
// pool (amounts typed in yuan, sent as integer fen) and is refused an allocation above what the
// source has left; the township (zhen) asks for a payment tied to a milestone, is refused a
// request above the pool's balance, and asks for a homestead compensation payment; finance
// approves one request and refuses another (first without a reason: the server's refusal) from
// the project page; the ledger traces each payment source → pool → payee. Every outcome is
// checked on the page and through the API; each refusal changes nothing.

import { call } from "./page_api.mjs";

const desktop = { viewport: { width: 1440, height: 900 }, locale: "zh-CN" };
const CODE = "XM2026-001";

async function openFunds(p, base) {
  await p.goto(base + `/projects/${CODE}`);
  await p.waitForSelector('[data-testid="funds"][data-ready]', { timeout: 30000 });
}
// Waits until the funds section has been redrawn after an action (its data-ready counter grows)
// or an error is shown.
async function afterAction(p, before) {
  await p.waitForFunction((b) => {
    const m = document.querySelector('[data-testid="funds-message"]');
    const s = document.querySelector('[data-testid="funds"]');
    return (m && m.classList.contains("error")) || (m && m.classList.contains("ok") && Number(s.dataset.ready) > b);
  }, before, { timeout: 20000 });
  return { ok: await p.$eval('[data-testid="funds-message"]', (m) => m.classList.contains("ok")), text: await p.textContent('[data-testid="funds-message"]') };
}
const readyCount = (p) => p.$eval('[data-testid="funds"]', (s) => Number(s.dataset.ready));

export async function fundsSteps({ browser, base, step, assert, signIn, shot }) {
  const ids = {};
  await step("funds: finance records a source and allocates it to the project in yuan (sent as fen); an allocation above the source is refused", async () => {
    const c = await browser.newContext(desktop);
    const p = await c.newPage();
    p.on("pageerror", (e) => console.log("page error:", e.message));
    await signIn(p, base, "czj");
    const project = (await call(p, "GET", "/api/v1/projects")).body.projects.find((x) => x.code === CODE);
    assert(project && project.state === "implementation", "the demo project in implementation: " + JSON.stringify(project));
    ids.project = project.id;
    await openFunds(p, base);
    // Finance sees the sources that may fund the project, no request form (not an implementer).
    const sources = (await call(p, "GET", "/api/v1/funds/sources")).body.sources;
    const listed = await p.$$eval('[data-testid="fund-sources"] tr[data-source]', (rs) => rs.map((r) => Number(r.dataset.source)));
    // Sources of a region holding the project may fund it (the demo's indicator revenue belongs to another township).
    const compatible = sources.filter((s) => project.region_code.startsWith(s.region_code));
    assert(compatible.length >= 4 && compatible.every((s) => listed.includes(s.id)), `the county's sources listed: ${listed} vs ${compatible.map((s) => s.id)}`);
    assert(!(await p.$('[data-testid="request-form"]')), "no request form for finance");
    // A new source, 250,000.50 yuan of county money.
    await p.click('[data-testid="new-source"]');
    await p.selectOption('[data-testid="source-region"]', project.region_code.slice(0, 6));
    await p.selectOption('[data-testid="source-kind"]', "county");
    await p.fill('[data-testid="source-name"]', "县级土地整治配套资金（网页登记）");
    await p.fill('[data-testid="source-amount"]', "250,000.50");
    let n = await readyCount(p);
    await p.click('button[data-action="create-source"]');
    let r = await afterAction(p, n);
    assert(r.ok && r.text.includes("¥250,000.50"), "source recorded: " + r.text);
    const created = (await call(p, "GET", "/api/v1/funds/sources")).body.sources.find((s) => s.name === "县级土地整治配套资金（网页登记）");
    assert(created && created.amount_fen === 25000050 && created.kind === "county" && created.created_by === "czj", "the source as the API has it: " + JSON.stringify(created));
    ids.source = created.id;
    await p.waitForSelector(`[data-testid="fund-sources"] tr[data-source="${created.id}"]`);
    // Allocate 80,000.25 yuan of it to the project.
    await p.selectOption('[data-testid="alloc-source"]', String(created.id));
    await p.fill('[data-testid="alloc-amount"]', "80000.25");
    await p.fill('[data-testid="alloc-note"]', "配套资金首批");
    n = await readyCount(p);
    await p.click('button[data-action="allocate"]');
    r = await afterAction(p, n);
    assert(r.ok && r.text.includes("¥80,000.25"), "allocated: " + r.text);
    let funds = (await call(p, "GET", `/api/v1/projects/${ids.project}/funds`)).body;
    let line = funds.sources.find((s) => s.source_id === created.id);
    assert(line && line.allocated_fen === 8000025 && line.balance_fen === 8000025, "the pool's line of the source: " + JSON.stringify(line));
    assert((await p.getAttribute(`[data-testid="funds-pool"] tr[data-source="${created.id}"]`, "data-balance-fen")) === "8000025", "the pool table shows its balance");
    assert((await p.getAttribute(`[data-testid="fund-sources"] tr[data-source="${created.id}"]`, "data-unallocated-fen")) === "17000025", "the source's unallocated amount");
    // Where the source's money went, from the source's side: its allocations, as the API lists them.
    // A live redraw of the funds section (the allocation's own event, arriving late on a busy
    // machine) may close the history just opened: open it again until its rows are read.
    const historyRows = `[data-testid="fund-sources"] tr[data-history="${created.id}"] tr[data-project]`;
    let shownHistory = [];
    for (let attempt = 0; attempt < 5 && shownHistory.length === 0; attempt++) {
      if (!(await p.$(`[data-testid="fund-sources"] tr[data-history="${created.id}"]`)))
        await p.click(`[data-testid="source-history"][data-source="${created.id}"]`);
      await p.waitForSelector(historyRows, { timeout: 15000 }).catch(() => {});
      shownHistory = await p.$$eval(historyRows, (rs) => rs.map((r) => [Number(r.dataset.project), Number(r.dataset.amountFen), r.children[1].textContent]));
    }
    const history = (await call(p, "GET", `/api/v1/funds/sources/${created.id}/allocations`)).body.allocations;
    assert(JSON.stringify(shownHistory) === JSON.stringify(history.map((a) => [a.project_id, a.amount_fen, CODE])) && history.length === 1 && history[0].amount_fen === 8000025,
      "the source's allocations: " + JSON.stringify(shownHistory));
    // The page keeps an opened history open across redraws (it is read again for the new rows).
    await p.waitForFunction((sel) => {
      const e = document.querySelector(sel);
      e?.scrollIntoView({ block: "center" });
      return !!e;
    }, historyRows, { timeout: 20000 });
    await shot(p, "funds-source-history");
    // Above what the source has left (170,000.25 yuan): refused with the server's words, nothing changes.
    const ledgerBefore = (await call(p, "GET", `/api/v1/projects/${ids.project}/funds/ledger`)).body.entries.length;
    await p.selectOption('[data-testid="alloc-source"]', String(created.id));
    await p.fill('[data-testid="alloc-amount"]', "170000.26");
    n = await readyCount(p);
    await p.click('button[data-action="allocate"]');
    r = await afterAction(p, n);
    const direct = await call(p, "POST", `/api/v1/projects/${ids.project}/funds/allocations`, { source_id: created.id, amount_fen: 17000026 });
    assert(direct.status === 409 && direct.body.error.code === "insufficient_source_funds", "the API refuses it: " + JSON.stringify(direct));
    assert(!r.ok && r.text.includes(direct.body.error.message_zh), `the page shows the API's refusal: ${r.text}`);
    assert((await call(p, "GET", `/api/v1/projects/${ids.project}/funds/ledger`)).body.entries.length === ledgerBefore, "no ledger entry written");
    assert((await call(p, "GET", `/api/v1/funds/sources/${created.id}`)).body.allocated_fen === 8000025, "the source unchanged");
    // In English the same refusal reads as the API's message_en.
    await p.click('[data-testid="lang"]');
    await p.waitForFunction(() => document.querySelector('[data-testid="funds"] h2')?.textContent === "Fund ledger", null, { timeout: 30000 });
    await p.waitForSelector('[data-testid="allocate-form"]');
    await p.selectOption('[data-testid="alloc-source"]', String(created.id));
    await p.fill('[data-testid="alloc-amount"]', "170000.26");
    n = await readyCount(p);
    await p.click('button[data-action="allocate"]');
    r = await afterAction(p, n);
    assert(!r.ok && r.text.includes(direct.body.error.message_en), `the English refusal: ${r.text}`);
    await p.click('[data-testid="lang"]');
    await p.waitForFunction(() => document.querySelector('[data-testid="funds"] h2')?.textContent === "资金台账", null, { timeout: 30000 });
    await p.waitForSelector('[data-testid="allocate-form"]');
    // A typo in the amount never reaches the server.
    await p.fill('[data-testid="alloc-amount"]', "12.345");
    await p.click('button[data-action="allocate"]');
    await p.waitForFunction(() => document.querySelector('[data-testid="funds-message"]')?.textContent.includes("两位小数"));
    await c.close();
  });

  await step("funds: the township asks for payments tied to milestones (one for a homestead compensation); one above the balance is refused", async () => {
    const c = await browser.newContext(desktop);
    const p = await c.newPage();
    p.on("pageerror", (e) => console.log("page error:", e.message));
    await signIn(p, base, "zhen");
    // A homestead compensation entry of the project, approved by the agriculture bureau (API).
    const entry = await call(p, "POST", `/api/v1/projects/${ids.project}/rights/compensation`, { household_code: "H00001", amount_fen: 3000000, basis: "宅基地退出 120 m²（网页测试）" });
    assert(entry.status === 201, "compensation recorded: " + JSON.stringify(entry));
    ids.compensation = entry.body.id;
    const n1 = await browser.newContext(desktop);
    const np = await n1.newPage();
    await signIn(np, base, "nyncj");
    const dec = await call(np, "POST", `/api/v1/projects/${ids.project}/rights/compensation/${entry.body.id}/decision`, { decision: "approve", comment: "符合退出条件" });
    assert(dec.status === 200, "compensation approved: " + JSON.stringify(dec));
    await n1.close();

    await openFunds(p, base);
    assert(!(await p.$('[data-testid="fund-sources"]')), "no sources or allocation for the township");
    assert(!(await p.$('button[data-action="approve"]')), "no decision buttons for the township");
    const ms = (await call(p, "GET", `/api/v1/projects/${ids.project}/milestones`)).body.milestones;
    const roads = ms.find((m) => m.name === "田间道路工程");
    assert(roads, "the roads milestone: " + JSON.stringify(ms));
    // 5,000.50 yuan from the new source for the roads.
    await p.selectOption('[data-testid="req-milestone"]', String(roads.id));
    await p.fill('[data-testid="req-payee"]', "县交通建设有限公司");
    await p.fill('[data-testid="req-purpose"]', "田间道路工程预付款");
    await p.fill('[data-testid="req-amount"]', "5000.5");
    await p.selectOption('[data-testid="req-source"]', String(ids.source));
    let n = await readyCount(p);
    await p.click('button[data-action="request-disbursement"]');
    let r = await afterAction(p, n);
    assert(r.ok && r.text.includes("¥5,000.50"), "requested: " + r.text);
    let list = (await call(p, "GET", `/api/v1/projects/${ids.project}/funds/disbursements`)).body.disbursements;
    const req = list.find((d) => d.payee === "县交通建设有限公司" && d.purpose === "田间道路工程预付款");
    assert(req && req.amount_fen === 500050 && req.source_id === ids.source && req.milestone_id === roads.id && req.status === "requested" && req.requested_by === "zhen",
      "the request as the API has it: " + JSON.stringify(req));
    ids.approve = req.id;
    assert((await p.getAttribute(`[data-testid="disbursements"] li[data-disbursement="${req.id}"]`, "data-status")) === "requested", "listed as awaiting finance");
    // Above what the source holds in the pool (80,000.25 yuan): refused, nothing written.
    await p.selectOption('[data-testid="req-milestone"]', String(roads.id));
    await p.fill('[data-testid="req-payee"]', "县交通建设有限公司");
    await p.fill('[data-testid="req-amount"]', "80000.26");
    await p.selectOption('[data-testid="req-source"]', String(ids.source));
    n = await readyCount(p);
    await p.click('button[data-action="request-disbursement"]');
    r = await afterAction(p, n);
    const direct = await call(p, "POST", `/api/v1/projects/${ids.project}/funds/disbursements`, { milestone_id: roads.id, payee: "县交通建设有限公司", amount_fen: 8000026, source_id: ids.source });
    assert(direct.status === 409 && direct.body.error.code === "insufficient_funds", "the API refuses it: " + JSON.stringify(direct));
    assert(!r.ok && r.text.includes(direct.body.error.message_zh), "the page shows the API's refusal: " + r.text);
    list = (await call(p, "GET", `/api/v1/projects/${ids.project}/funds/disbursements`)).body.disbursements;
    assert(!list.some((d) => d.amount_fen === 8000026), "no request written");
    // The compensation payment: 10,000 yuan of the household's 30,000, payee left to default.
    await p.fill('[data-testid="req-payee"]', "");
    await p.fill('[data-testid="req-purpose"]', "宅基地退出补偿首期");
    await p.fill('[data-testid="req-amount"]', "10000");
    await p.selectOption('[data-testid="req-source"]', "");
    await p.selectOption('[data-testid="req-compensation"]', String(ids.compensation));
    n = await readyCount(p);
    await p.click('button[data-action="request-disbursement"]');
    r = await afterAction(p, n);
    assert(r.ok, "compensation payment requested: " + r.text);
    list = (await call(p, "GET", `/api/v1/projects/${ids.project}/funds/disbursements`)).body.disbursements;
    const comp = list.find((d) => d.compensation_id === ids.compensation);
    assert(comp && comp.payee === "宅基地退出户 H00001" && comp.amount_fen === 1000000 && comp.status === "requested", "the compensation request: " + JSON.stringify(comp));
    ids.refuse = comp.id;
    // On a township officer's phone the section fits the screen (its tables scroll inside it).
    await p.setViewportSize({ width: 390, height: 844 });
    await p.waitForTimeout(300);
    const width = await p.evaluate(() => document.documentElement.scrollWidth);
    assert(width <= 390, "no horizontal scrolling on a phone: " + width);
    await c.close();
    // The investor over the county may ask too: the form is there for touzi.
    const t = await browser.newContext(desktop);
    const tp = await t.newPage();
    await signIn(tp, base, "touzi");
    await openFunds(tp, base);
    assert(await tp.$('[data-testid="request-form"]'), "the investor gets the request form");
    assert(!(await tp.$('button[data-action="approve"]')) && !(await tp.$('[data-testid="fund-sources"]')), "and nothing of finance's");
    await t.close();
  });

  await step("funds: finance approves one request and refuses the other with a reason on the project page; the ledger traces source → pool → payee", async () => {
    const c = await browser.newContext(desktop);
    const p = await c.newPage();
    p.on("pageerror", (e) => console.log("page error:", e.message));
    await signIn(p, base, "czj");
    await openFunds(p, base);
    const row = (id) => `[data-testid="disbursements"] li[data-disbursement="${id}"]`;
    // Approve the roads payment.
    let n = await readyCount(p);
    await p.click(`${row(ids.approve)} button[data-action="approve"]`);
    // The confirmation: 5,000.50 元 in figures and capitals, project, milestone and payee; an opinion.
    await p.waitForSelector('[data-testid="pay-confirmation"]');
    const field = (f) => p.textContent(`[data-testid="pay-confirmation"] [data-field="${f}"]`);
    assert((await field("capital")) === "伍仟元伍角", "capitals: " + (await field("capital")));
    assert((await field("amount")).startsWith("5,000.50 元") && (await field("payee")) === "县交通建设有限公司" && (await field("project")).startsWith(CODE)
      && (await field("milestone")).includes("田间道路工程"), "the confirmation names the payment");
    await p.fill('[data-testid="pay-opinion"]', "凭验收单拨付");
    await p.click('[data-testid="pay-confirm"]');
    let r = await afterAction(p, n);
    assert(r.ok && r.text.includes("¥5,000.50"), "approved: " + r.text);
    await p.waitForSelector(`${row(ids.approve)}[data-status="approved"]`);
    const d = (await call(p, "GET", `/api/v1/projects/${ids.project}/funds/disbursements`)).body.disbursements.find((x) => x.id === ids.approve);
    assert(d.status === "approved" && d.decided_by === "czj", "approved by czj: " + JSON.stringify(d));
    const ledger = (await call(p, "GET", `/api/v1/projects/${ids.project}/funds/ledger`)).body.entries;
    const paid = ledger.filter((e) => e.disbursement_id === ids.approve);
    assert(paid.length === 1 && paid[0].source_id === ids.source && paid[0].amount_fen === 500050 && paid[0].payee === "县交通建设有限公司", "one ledger entry from the named source: " + JSON.stringify(paid));
    // On the page: the payment row traced source → pool → payee, every ledger entry shown.
    const rows = await p.$$eval('[data-testid="ledger"] tr[data-kind]', (rs) => rs.map((x) => ({ kind: x.dataset.kind, d: x.dataset.disbursement, source: x.dataset.source, flow: x.querySelector('[data-testid="flow"]').textContent, text: x.textContent })));
    assert(rows.length === ledger.length, `ledger rows ${rows.length} = entries ${ledger.length}`);
    const shown = rows.find((x) => x.d === String(ids.approve));
    assert(shown && shown.flow === `县级土地整治配套资金（网页登记） → ${CODE} 资金池 → 县交通建设有限公司` && shown.text.includes("¥5,000.50") && shown.text.includes("田间道路工程"),
      "the payment traced: " + JSON.stringify(shown));
    assert(rows.some((x) => x.kind === "allocation" && x.flow === `县级土地整治配套资金（网页登记） → ${CODE} 资金池` && x.text.includes("¥80,000.25")), "the allocation traced");
    assert((await p.textContent(`${row(ids.approve)} [data-testid="paid-from"]`)).includes("县级土地整治配套资金（网页登记） ¥5,000.50"), "the request shows where its money came from");
    // Balances: per source and per project, as the API has them.
    const funds = (await call(p, "GET", `/api/v1/projects/${ids.project}/funds`)).body;
    const line = funds.sources.find((s) => s.source_id === ids.source);
    assert(line.balance_fen === 7499975, "source balance in the pool 74,999.75: " + JSON.stringify(line));
    assert((await p.getAttribute(`[data-testid="funds-pool"] tr[data-source="${ids.source}"]`, "data-balance-fen")) === "7499975", "pool table balance");
    const money = (k) => p.textContent(`[data-money="${k}"]`);
    const grouped = (y) => "¥" + y.replace(/^(\d+)/, (m) => m.replace(/\B(?=(\d{3})+(?!\d))/g, ","));
    assert((await money("funds_balance")) === grouped(funds.balance_yuan) && (await money("funds_pending")) === grouped(funds.pending_yuan), "project balance and pending as the API has them");
    // Finance's view: the pool by source, a payment traced to its source, a request awaiting a decision.
    await p.$eval('[data-testid="funds-pool"]', (e) => e.scrollIntoView());
    await p.waitForTimeout(300);
    await shot(p, "funds");
    // Refuse the compensation payment: first without a reason (the server's refusal), then with one.
    n = await readyCount(p);
    await p.click(`${row(ids.refuse)} button[data-action="refuse"]`);
    r = await afterAction(p, n);
    assert(!r.ok && r.text.includes("不予拨付须说明理由"), "a refusal needs a reason: " + r.text);
    let still = (await call(p, "GET", `/api/v1/projects/${ids.project}/funds/disbursements`)).body.disbursements.find((x) => x.id === ids.refuse);
    assert(still.status === "requested", "still awaiting a decision");
    await p.fill(`${row(ids.refuse)} [data-testid="refuse-reason"]`, "补偿协议未附户主签字，请补齐后重新申请");
    n = await readyCount(p);
    await p.click(`${row(ids.refuse)} button[data-action="refuse"]`);
    r = await afterAction(p, n);
    assert(r.ok, "refused: " + r.text);
    await p.waitForSelector(`${row(ids.refuse)}[data-status="refused"]`);
    still = (await call(p, "GET", `/api/v1/projects/${ids.project}/funds/disbursements`)).body.disbursements.find((x) => x.id === ids.refuse);
    assert(still.status === "refused" && still.decision_comment.includes("户主签字") && still.decided_by === "czj", "refused with the reason: " + JSON.stringify(still));
    assert(!(await call(p, "GET", `/api/v1/projects/${ids.project}/funds/ledger`)).body.entries.some((e) => e.disbursement_id === ids.refuse), "no money moved for the refused request");
    assert(!(await p.$(`${row(ids.refuse)} button`)), "no further decision offered");
    await c.close();
  });
}
