// E2E steps of live updates (issue 3; web/src/live_sections.ts, pages/project_later_live.ts,
// project_funds.ts, participation.ts), run by run.mjs against the same server and browser. Two
// browser contexts each time: one user keeps a page open with a half-filled form, another user
// acts through the API from their own page; the first page shows the change WITHOUT a reload
// (window.__sameDocument survives), marks the redrawn section `fresh`, and the typed values are
// still there:
// - the township (zhen) on its project page in implementation: the lead department (zrzy) files
//   a field inspection → the progress section and the report markers on the map; a planned
//   indicator value → the evaluation section; finance (czj)
//   approves the township's disbursement request → the funds section (its request form, half
//   filled in, kept);
// - the village collective (cun) on the organisers' page: a representative's ballot arrives as a
//   vote.ballot_cast event (no polling) carrying the tally and no username; the ballot shows per
//   representative; the half-written question of a new vote kept.

import { call, phone, signedInPages } from "./page_api.mjs";

const desktop = { viewport: { width: 1440, height: 900 }, locale: "zh-CN" };

function centreOf(project) {
  const a = project.plan.area;
  const ring = (a.type === "Polygon" ? a.coordinates[0] : a.coordinates[0][0]).slice(0, -1);
  return ring.reduce((c, p) => [c[0] + p[0] / ring.length, c[1] + p[1] / ring.length], [0, 0]);
}

// Records the live events the page receives (window.__events) and marks the document.
async function watch(p) {
  await p.waitForFunction(() => document.body.dataset.live === "open", null, { timeout: 20000 });
  await p.evaluate(() => {
    window.__sameDocument = true;
    window.__events = [];
    window.addEventListener("gongzhi:event", (e) => window.__events.push(e.detail));
  });
}

export async function liveSteps({ browser, base, step, assert, signIn, shot }) {
  const { as, closeAll } = signedInPages({ browser, base, signIn }, desktop);
  try {
    await step("live: the township's project page shows the lead department's inspection and indicator value and finance's approval without a reload; half-filled forms kept", async () => {
      const zhen = await as("zhen");
      const listed = (await call(zhen, "GET", "/api/v1/projects")).body.projects.find((x) => x.state === "implementation");
      assert(listed, "the township has a project in implementation");
      const project = (await call(zhen, "GET", `/api/v1/projects/${listed.id}`)).body;
      // A milestone to tie the payment to, and money in the pool (whatever earlier steps left).
      let ms = (await call(zhen, "GET", `/api/v1/projects/${project.id}/milestones`)).body.milestones;
      if (!ms.length) {
        const r = await call(zhen, "POST", `/api/v1/projects/${project.id}/milestones`, { name: "土地平整", planned_date: "2027-06-30" });
        assert(r.status === 201, "milestone: " + JSON.stringify(r));
        ms = [r.body];
      }
      const czj = await as("czj");
      const funds = (await call(czj, "GET", `/api/v1/projects/${project.id}/funds`)).body;
      if (!funds.sources.some((s) => s.balance_fen >= 100)) {
        const src = (await call(czj, "GET", "/api/v1/funds/sources")).body.sources.find((s) => s.unallocated_fen >= 100 && project.region_code.startsWith(s.region_code));
        assert(src, "a source with money left");
        const a = await call(czj, "POST", `/api/v1/projects/${project.id}/funds/allocations`, { source_id: src.id, amount_fen: 10000 });
        assert(a.status === 201, "allocation: " + JSON.stringify(a));
      }
      const req = await call(zhen, "POST", `/api/v1/projects/${project.id}/funds/disbursements`, { milestone_id: ms[0].id, amount_fen: 100, payee: "实时更新测试收款人" });
      assert(req.status === 201, "request: " + JSON.stringify(req));

      // The township's page, forms half filled in.
      await zhen.goto(base + `/projects/${project.code}`);
      await zhen.waitForSelector('[data-testid="report-form"] [data-testid="report-text"]', { timeout: 30000 });
      await zhen.waitForSelector('[data-testid="funds"][data-ready] [data-testid="request-form"] [data-testid="req-payee"]', { timeout: 30000 });
      await zhen.waitForSelector(`[data-testid="disbursements"] li[data-disbursement="${req.body.id}"][data-status="requested"]`, { timeout: 20000 });
      await zhen.fill('[data-testid="report-text"]', "东片田块平整过半（未提交）");
      await zhen.fill('[data-testid="req-payee"]', "半填写的施工单位");
      await zhen.fill('[data-testid="req-amount"]', "1234.56");
      await zhen.click("h1"); // the focus out of the forms: they are kept because they are dirty
      await watch(zhen);

      // The lead department files an inspection from its own page.
      const zrzy = await as("zrzy");
      const [lon, lat] = centreOf(project);
      const text = "实时巡查 " + Date.now().toString(36);
      const ins = await call(zrzy, "POST", `/api/v1/projects/${project.id}/reports`, { kind: "inspection", text, points: [{ lon, lat }] });
      assert(ins.status === 201, "inspection: " + JSON.stringify(ins));
      await zhen.waitForSelector(`[data-testid="progress"] [data-testid="reports"] li[data-report="${ins.body.id}"]`, { timeout: 30000 });
      await zhen.waitForSelector('[data-testid="progress"].fresh[data-live-count]', { timeout: 10000 });
      assert((await zhen.textContent(`[data-testid="reports"] li[data-report="${ins.body.id}"]`)).includes(text), "the inspection's text shown");
      // Its point is a marker on the map.
      await zhen.waitForFunction((id) => {
        const src = window.__gongzhi?.map?.getSource("progress");
        const data = src && src.serialize().data;
        return !!data && typeof data === "object" && data.features.some((f) => f.properties.report === id);
      }, ins.body.id, { timeout: 20000 });
      assert((await zhen.inputValue('[data-testid="report-text"]')) === "东片田块平整过半（未提交）", "the half-written report kept");

      // The lead department sets a planned indicator value: the evaluation section follows.
      const was = (await call(zrzy, "GET", `/api/v1/projects/${project.id}/evaluation`)).body.indicators.find((i) => i.key === "satisfaction")?.planned?.value;
      const value = was === 91 ? 92 : 91;
      const planned = await call(zrzy, "PUT", `/api/v1/projects/${project.id}/evaluation/planned`, { values: { satisfaction: value } });
      assert(planned.status === 200, "planned value: " + JSON.stringify(planned));
      await zhen.waitForFunction((v) => document.querySelector('[data-testid="evaluation"] > table tr[data-indicator="satisfaction"]')?.children[1]?.textContent === `${v}%`,
        value, { timeout: 30000 });
      await zhen.waitForSelector('[data-testid="evaluation"].fresh[data-live-count]', { timeout: 10000 });

      // Finance approves the request from its own page.
      const ok = await call(czj, "POST", `/api/v1/projects/${project.id}/funds/disbursements/${req.body.id}/decision`, { decision: "approve", comment: "同意拨付" });
      assert(ok.status === 200, "approval: " + JSON.stringify(ok));
      await zhen.waitForSelector(`[data-testid="disbursements"] li[data-disbursement="${req.body.id}"][data-status="approved"]`, { timeout: 30000 });
      await zhen.waitForSelector('[data-testid="funds"].fresh[data-live-count]', { timeout: 10000 });
      if (shot) {
        await zhen.$eval('[data-testid="disbursements"]', (e) => e.scrollIntoView({ block: "start" }));
        await shot(zhen, "project-live-funds");
      }
      await zhen.waitForSelector(`[data-testid="ledger"] tr[data-kind="disbursement"][data-disbursement="${req.body.id}"]`, { timeout: 10000 });
      assert((await zhen.inputValue('[data-testid="req-payee"]')) === "半填写的施工单位", "the half-filled request's payee kept");
      assert((await zhen.inputValue('[data-testid="req-amount"]')) === "1234.56", "the half-filled request's amount kept");
      assert((await zhen.inputValue('[data-testid="report-text"]')) === "东片田块平整过半（未提交）", "the report text still kept");
      assert(await zhen.evaluate(() => window.__sameDocument === true), "no reload");
      const kinds = await zhen.evaluate(() => window.__events.map((e) => e.kind));
      assert(["progress.inspection", "evaluation.planned_set", "disbursement.approved"].every((k) => kinds.includes(k)), "the events arrived: " + kinds.join(","));
    });

    await step("live: a representative's ballot shows on the organisers' page from the event stream (no polling, no username in the event); the half-written question kept", async () => {
      const cun = await as("cun");
      const village = (await call(cun, "GET", "/api/v1/me")).body.grants[0].region;
      let reps = (await call(cun, "GET", `/api/v1/villages/${village}/representatives`)).body.representatives;
      if (!reps.includes("cunmin")) {
        const r = await call(cun, "PUT", `/api/v1/villages/${village}/representatives`, { usernames: [...new Set([...reps, "cunmin"])] });
        assert(r.status === 200, "representatives: " + JSON.stringify(r));
        reps = r.body.representatives;
      }
      const v = await call(cun, "POST", "/api/v1/votes", { region_code: village, question: "是否同意村道拓宽占用机动地？（实时）" });
      assert(v.status === 201, "vote opened: " + JSON.stringify(v));
      const card = `[data-testid="votes"] [data-vote="${v.body.id}"]`;
      await cun.click('nav a[data-nav="/participation"]');
      await cun.waitForSelector(`${card} [data-testid="ballots"] tr[data-rep="cunmin"][data-choice=""]`, { timeout: 30000 });
      await cun.fill('[data-testid="vote-question-input"]', "半写的表决事项");
      await cun.click(`${card} .card-title`);
      await watch(cun);

      const min = await as("cunmin", phone);
      const b = await call(min, "POST", `/api/v1/votes/${v.body.id}/ballots`, { choice: "yes" });
      assert(b.status === 201, "ballot: " + JSON.stringify(b));
      await cun.waitForSelector(`${card}.fresh tr[data-rep="cunmin"][data-choice="yes"]`, { timeout: 20000 });
      const ev = await cun.waitForFunction((id) => window.__events.find((e) => e.kind === "vote.ballot_cast" && e.payload.vote === id), v.body.id, { timeout: 10000 })
        .then((h) => h.jsonValue());
      assert(ev.region === village && ev.payload.cast === 1 && ev.payload.yes === 1 && ev.payload.representatives === reps.length, "the tally in the event: " + JSON.stringify(ev));
      assert(!JSON.stringify(ev).includes("cunmin"), "no username in the event: " + JSON.stringify(ev));
      assert((await cun.textContent(`${card} [data-testid="tally"]`)).includes(String(reps.length)), "the tally on the card");
      assert((await cun.inputValue('[data-testid="vote-question-input"]')) === "半写的表决事项", "the half-written question kept");
      assert(await cun.evaluate(() => window.__sameDocument === true), "no reload");
      await shot(cun, "participation-vote-live");
      // Closed: the result comes live as well; the vote is left closed for later steps.
      const closed = await call(cun, "POST", `/api/v1/votes/${v.body.id}/close`, {});
      assert(closed.status === 200, "closed: " + JSON.stringify(closed));
      await cun.waitForSelector(`[data-testid="votes"] [data-vote="${v.body.id}"][data-status="closed"]`, { timeout: 20000 });
    });
  } finally {
    await closeAll();
  }
}
