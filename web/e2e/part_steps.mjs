// E2E steps of villager participation (pages/participation.ts, village_part.ts), run by run.mjs
// against the same server and browser: the village collective names the representatives (a
// non-villager refused with the server's message), opens an assembly vote, watches the ballots
// per representative come in from the villagers' phones, closes it, and the result follows two
// thirds of ALL representatives (2 of 3 passes, 1 yes + 1 abstain of 3 fails); a second ballot
// from a stale page is refused on the phone. A survey is created in the browser, answered on the
// phone, its results drawn with ECharts hold the API's counts, it is closed and a late answer is
// refused on the phone. Feedback is answered and closed, overdue feedback escalated by the
// township, and a comment on a public notice answered by the lead department.
import { spawnSync } from "node:child_process";
import { call, phone, signedInPages } from "./page_api.mjs";

const password = "gongzhi-demo";
// Villager accounts the steps add to the demo before the server starts (run.mjs calls partSetup):
// two more in cunmin's village, so that an assembly of 3 shows the two-thirds rule, and one in a
// village of the township whose project goes to public notice.
const EXTRA = [["cunmin2", "village"], ["cunmin3", "village"], ["cunmin5", "340123102201"]];

export function partSetup({ bin, db }) {
  const users = JSON.parse(spawnSync(bin, ["admin", "users", "--db", db, "--format", "json"], { encoding: "utf8" }).stdout || "[]");
  const village = users.find((u) => u.username === "cunmin")?.grants?.[0]?.region;
  if (!village) return [];
  const added = [];
  for (const [name, where] of EXTRA) {
    const region = where === "village" ? village : where;
    const r = spawnSync(bin, ["admin", "add-user", "--db", db, "--username", name, "--role", "villager", "--region", region, "--password-stdin"],
      { input: password + "\n", encoding: "utf8" });
    if (r.status === 0) added.push(name);
    else console.log(`partSetup: ${name}: ${r.stderr}`);
  }
  return added;
}

const desktop = { viewport: { width: 1440, height: 1000 }, locale: "zh-CN" };

export async function partSteps({ browser, base, step, assert, signIn, shot, extra = [] }) {
  const multi = ["cunmin2", "cunmin3"].every((u) => extra.includes(u));
  // A signed-in page of a user (browser context kept open until the end).
  const { as, closeAll } = signedInPages({ browser, base, signIn }, desktop);
  const messageOf = (p, testid) => p.waitForFunction((id) => {
    const m = document.querySelector(`[data-testid="${id}"]`);
    return m && (m.classList.contains("error") || m.classList.contains("ok")) ? m.className + "|" + m.textContent : null;
  }, testid).then((h) => h.jsonValue());

  let cun, village = "";
  await step("participation: the village collective names the representatives; a non-villager is refused with the server's message", async () => {
    cun = await as("cun");
    village = (await call(cun, "GET", "/api/v1/me")).body.grants[0].region;
    await cun.click('nav a[data-nav="/participation"]');
    await cun.waitForSelector('[data-testid="reps-save"]');
    assert((await cun.$eval('[data-testid="part-village"]', (s) => s.value)) === village, "cun's village selected");
    // zrzy is no villager of the village: refused, the list unchanged.
    const before = (await call(cun, "GET", `/api/v1/villages/${village}/representatives`)).body.representatives;
    await cun.fill('[data-testid="reps-others"]', "zrzy");
    await cun.click('[data-testid="reps-save"]');
    const refused = await messageOf(cun, "reps-message");
    assert(refused.startsWith("msg error") && refused.includes("不是本村村民账户"), "refusal shown: " + refused);
    assert(JSON.stringify((await call(cun, "GET", `/api/v1/villages/${village}/representatives`)).body.representatives) === JSON.stringify(before), "list unchanged");
    // cunmin is a registered household member: a checkbox; the others by username.
    await cun.check('input[data-member="cunmin"]');
    await cun.fill('[data-testid="reps-others"]', multi ? "cunmin2\ncunmin3" : "");
    await cun.click('[data-testid="reps-save"]');
    const want = multi ? ["cunmin", "cunmin2", "cunmin3"] : ["cunmin"];
    await cun.waitForSelector(`[data-testid="reps-count"][data-count="${want.length}"]`);
    const reps = (await call(cun, "GET", `/api/v1/villages/${village}/representatives`)).body.representatives;
    assert(JSON.stringify(reps) === JSON.stringify(want), "representatives stored: " + JSON.stringify(reps));
  });

  let voteId = 0;
  await step("participation: an assembly vote opened in the browser, ballots per representative come in, a second ballot refused on the phone, closed: 2 of 3 passes", async () => {
    await cun.fill('[data-testid="vote-question-input"]', "是否同意金河村土地整治权属调整方案？");
    const opt = await cun.$$eval('[data-testid="vote-project"] option', (os) => os.map((o) => o.value).filter((v) => v !== "0"));
    if (opt.length) await cun.selectOption('[data-testid="vote-project"]', opt[0]);
    await cun.click('[data-testid="vote-open-btn"]');
    await cun.waitForFunction(() => document.querySelector('[data-testid="vote-open-message"]')?.classList.contains("ok"));
    const votes = (await call(cun, "GET", "/api/v1/votes")).body.votes.filter((v) => v.region_code === village);
    const v = votes.find((x) => x.question.includes("权属调整方案") && x.status === "open");
    assert(v, "vote stored: " + JSON.stringify(votes));
    voteId = v.id;
    const card = `[data-testid="votes"] [data-vote="${voteId}"]`;
    await cun.waitForSelector(`${card} [data-testid="ballots"] tr[data-rep="cunmin"][data-choice=""]`);
    assert(v.representatives === (multi ? 3 : 1) && (!opt.length || v.project_id === Number(opt[0])), "electorate and project: " + JSON.stringify(v));

    // cunmin on the phone, the vote open in two tabs: votes yes in one, the stale one is refused.
    const p1 = await as("cunmin", phone);
    await p1.waitForSelector(`[data-testid="village-votes"] a[data-vote="${voteId}"]`);
    const p2 = await p1.context().newPage();
    await p2.goto(`${base}/village/votes/${voteId}`);
    await p2.waitForSelector('.vote-buttons button[data-choice="no"]');
    await p1.click(`[data-testid="village-votes"] a[data-vote="${voteId}"]`);
    await p1.click('.vote-buttons button[data-choice="yes"]');
    await p1.waitForSelector('[data-testid="vote-mine"][data-choice="yes"]');
    await p2.click('.vote-buttons button[data-choice="no"]');
    await p2.waitForFunction(() => document.querySelector('[data-testid="vote-message"]')?.classList.contains("error"));
    const msg = await p2.textContent('[data-testid="vote-message"]');
    assert(msg.includes("您已投票，不能重复投票"), "second ballot refused on the page: " + msg);
    await shot(p2, "village-vote-refused-phone");
    const mine = (await call(p1, "GET", `/api/v1/votes/${voteId}`)).body;
    assert(mine.my_choice === "yes" && mine.yes === 1, "one ballot, yes: " + JSON.stringify(mine));

    // The organiser sees it arrive without reloading.
    await cun.waitForSelector(`${card} tr[data-rep="cunmin"][data-choice="yes"]`, { timeout: 15000 });
    if (multi) {
      const p3 = await as("cunmin2", phone);
      await p3.goto(`${base}/village/votes/${voteId}`);
      await p3.click('.vote-buttons button[data-choice="yes"]');
      await p3.waitForSelector('[data-testid="vote-mine"][data-choice="yes"]');
      await cun.waitForSelector(`${card} tr[data-rep="cunmin2"][data-choice="yes"]`, { timeout: 15000 });
      assert((await cun.$$(`${card} tr[data-rep="cunmin3"][data-choice=""]`)).length === 1, "cunmin3 not yet voted");
      assert((await cun.textContent(`${card} [data-testid="vote-progress"]`)).includes("已达到通过所需的 2 票"), "2 of 3 is enough");
    }
    assert((await cun.textContent(`${card} .vote-rule`)).includes("三分之二"), "the rule explained");
    await shot(cun, "participation-vote");
    await cun.click(`${card} button[data-action="close-vote"]`);
    await cun.waitForSelector(`[data-testid="votes"] [data-vote="${voteId}"][data-status="closed"] [data-testid="vote-result"]`);
    const closed = (await call(cun, "GET", `/api/v1/votes/${voteId}`)).body;
    assert(closed.status === "closed" && closed.passed === true && closed.yes === (multi ? 2 : 1), "passed: " + JSON.stringify(closed));
    assert((await cun.textContent(`[data-vote="${voteId}"] [data-testid="vote-result"]`)).includes("结果：通过"), "result on the page");
  });

  if (multi)
    await step("participation: 1 yes and 1 abstention of 3 representatives does not pass (abstentions and absences count against)", async () => {
      await cun.fill('[data-testid="vote-question-input"]', "是否同意调整村集体机动地用途？");
      await cun.click('[data-testid="vote-open-btn"]');
      await cun.waitForFunction(() => document.querySelector('[data-testid="vote-open-message"]')?.classList.contains("ok"));
      const v = (await call(cun, "GET", "/api/v1/votes")).body.votes.find((x) => x.question.includes("机动地") && x.status === "open");
      for (const [u, choice] of [["cunmin", "yes"], ["cunmin3", "abstain"]]) {
        const p = await as(u, phone);
        const r = await call(p, "POST", `/api/v1/votes/${v.id}/ballots`, { choice });
        assert(r.status === 201, `${u} votes: ${JSON.stringify(r)}`);
      }
      const card = `[data-testid="votes"] [data-vote="${v.id}"]`;
      await cun.waitForSelector(`${card} tr[data-rep="cunmin3"][data-choice="abstain"]`, { timeout: 15000 });
      await cun.click(`${card} button[data-action="close-vote"]`);
      await cun.waitForSelector(`[data-testid="votes"] [data-vote="${v.id}"][data-status="closed"]`);
      const text = await cun.textContent(`[data-vote="${v.id}"] [data-testid="vote-result"]`);
      assert(text.includes("未通过") && text.includes("1 票 < 2 票"), "failed, explained: " + text);
      const closed = (await call(cun, "GET", `/api/v1/votes/${v.id}`)).body;
      assert(closed.passed === false && closed.yes === 1 && closed.abstain === 1, "not passed: " + JSON.stringify(closed));
    });

  let surveyId = 0;
  await step("participation: a survey created in the browser, answered on the phone, results as ECharts bars, closed; a late answer refused", async () => {
    await cun.click('.part-tabs button[data-tab="surveys"]');
    await cun.waitForSelector('[data-testid="survey-create"]');
    await cun.fill('[data-testid="survey-title"]', "金河村土地整治满意度调查");
    await cun.click('[data-testid="survey-add-q"]');
    await cun.fill('.q-editor[data-question="2"] [data-q="text"]', "您是否同意调整后的地块位置？");
    await cun.fill('.q-editor[data-question="2"] [data-q="choices"]', "不同意\n同意");
    await cun.click('[data-testid="survey-create"]');
    await cun.waitForFunction(() => document.querySelector('[data-testid="survey-message"]')?.classList.contains("ok"));
    const s = (await call(cun, "GET", "/api/v1/surveys")).body.surveys.find((x) => x.title === "金河村土地整治满意度调查");
    assert(s && s.region_code === village, "survey stored: " + JSON.stringify(s));
    surveyId = s.id;
    const full = (await call(cun, "GET", `/api/v1/surveys/${surveyId}`)).body;
    assert(full.questions.length === 2 && full.questions[0].choices.length === 5 && full.questions[1].choices.join() === "不同意,同意", "questions: " + JSON.stringify(full.questions));

    // cunmin answers on the phone.
    const p = await as("cunmin", phone);
    await p.waitForSelector(`[data-testid="village-surveys"] a[data-survey="${surveyId}"]`);
    await p.click(`[data-testid="village-surveys"] a[data-survey="${surveyId}"]`);
    await p.waitForSelector('[data-testid="survey-form"]');
    await p.click('[data-question="0"] input[data-choice="3"]');
    await p.click('[data-question="1"] input[data-choice="1"]');
    await shot(p, "village-survey-phone");
    const width = await p.evaluate(() => document.documentElement.scrollWidth);
    assert(width <= 360, "no horizontal scrolling: " + width);
    await p.click('[data-testid="survey-submit"]');
    await p.waitForSelector('[data-testid="survey-mine"]');
    // Another villager has the form open; a third answers.
    const late = multi ? await as("cunmin2", phone) : null;
    if (late) {
      await late.goto(`${base}/village/surveys/${surveyId}`);
      await late.waitForSelector('[data-testid="survey-form"]');
      const third = await as("cunmin3", phone);
      assert((await call(third, "POST", `/api/v1/surveys/${surveyId}/responses`, { answers: [4, 0] })).status === 201, "cunmin3 answers");
    }
    const n = late ? 2 : 1;
    // The organiser's results: counts and the chart hold the API's numbers.
    await cun.click('[data-testid="surveys-refresh"]');
    const card = `[data-testid="surveys"] [data-survey="${surveyId}"]`;
    await cun.waitForSelector(`${card}[data-responses="${n}"]`);
    const api = (await call(cun, "GET", `/api/v1/surveys/${surveyId}`)).body;
    assert(api.responses === n && api.results[0].counts[3] === 1, "API results: " + JSON.stringify(api.results));
    await cun.waitForFunction((id) => window.__gongzhiCharts?.[`survey-${id}-0`], surveyId);
    const bars = await cun.evaluate((id) => window.__gongzhiCharts[`survey-${id}-0`].getOption().series[0].data, surveyId);
    assert(JSON.stringify(bars) === JSON.stringify(api.results[0].counts), `chart ${JSON.stringify(bars)} = API ${JSON.stringify(api.results[0].counts)}`);
    const shown = await cun.$$eval(`${card} table[data-question="1"] tr`, (rs) => rs.map((r) => Number(r.dataset.count)));
    assert(JSON.stringify(shown) === JSON.stringify(api.results[1].counts), "counts table = API");
    assert(Number(await cun.getAttribute(`${card} [data-testid="average"]`, "data-average")) === api.results[0].average, "average shown");
    await cun.$eval(card, (e) => e.scrollIntoView());
    await shot(cun, "participation-survey");
    await cun.click(`${card} button[data-action="close-survey"]`);
    await cun.waitForSelector(`[data-testid="surveys"] [data-survey="${surveyId}"][data-status="closed"]`);
    assert((await call(cun, "GET", `/api/v1/surveys/${surveyId}`)).body.status === "closed", "closed");
    if (late) {
      await late.click('[data-question="0"] input[data-choice="0"]');
      await late.click('[data-question="1"] input[data-choice="0"]');
      await late.click('[data-testid="survey-submit"]');
      await late.waitForFunction(() => document.querySelector('[data-testid="survey-message"]')?.classList.contains("error"));
      const m = await late.textContent('[data-testid="survey-message"]');
      assert(m.includes("调查已结束"), "a late answer refused: " + m);
      assert((await call(cun, "GET", `/api/v1/surveys/${surveyId}`)).body.responses === 2, "nothing added");
      await shot(late, "village-survey-closed-phone");
    }
    // The closed survey leaves the villager's list.
    await p.goto(`${base}/village`);
    await p.waitForSelector('[data-testid="village-surveys"]');
    assert(!(await p.$(`[data-testid="village-surveys"] a[data-survey="${surveyId}"]`)), "closed survey no longer listed");
  });

  await step("participation: feedback with its due date answered and closed in the browser; only the township escalates", async () => {
    const v = await as("cunmin", phone);
    const f = (await call(v, "POST", "/api/v1/feedback", { region_code: village, category: "complaint", body: "村西机耕路雨后积水，请安排修整。" })).body;
    assert(f.id > 0 && f.status === "open", "feedback submitted: " + JSON.stringify(f));
    await cun.click('.part-tabs button[data-tab="feedback"]');
    const row = `[data-testid="feedback-list"] [data-feedback="${f.id}"]`;
    await cun.waitForSelector(`${row}[data-status="open"]`);
    assert((await cun.textContent(row)).includes("剩余"), "days left shown");
    assert(!(await cun.$('[data-testid="escalate"]')), "a village collective is offered no escalation");
    await cun.fill(`${row} [data-testid="fb-reply-text"]`, "已安排施工队本周内修整机耕路排水。");
    await cun.click(`${row} button[data-action="answer"]`);
    await cun.waitForSelector(`${row}[data-status="answered"] button[data-action="close"]`);
    await shot(cun, "participation-feedback");
    await cun.click(`${row} button[data-action="close"]`);
    await cun.waitForSelector(`${row}[data-status="closed"]`);
    const stored = (await call(cun, "GET", `/api/v1/feedback/${f.id}`)).body;
    assert(stored.status === "closed" && stored.reply.by === "cun", "answered and closed: " + JSON.stringify(stored));
    await cun.click('.fb-filters button[data-filter="overdue"]');
    const overdue = (await call(cun, "GET", "/api/v1/feedback?overdue=true")).body.feedback.filter((x) => x.region_code === village);
    await cun.waitForFunction((n) => document.querySelectorAll('[data-testid="feedback-list"] [data-feedback]').length === n, overdue.length);

    // Every string of the page translated.
    await cun.click('[data-testid="lang"]');
    await cun.waitForFunction(() => document.querySelector('[data-testid="part-title"]')?.textContent === "Villager participation");
    await cun.waitForSelector('[data-tab-body="feedback"][data-ready="1"]');
    assert(!(await cun.textContent("body")).includes("⟦"), "every string translated (English)");
    await cun.click('[data-testid="lang"]');
    await cun.waitForFunction(() => document.querySelector('[data-testid="part-title"]')?.textContent === "村民参与");

    const zhen = await as("zhen");
    await zhen.goto(`${base}/participation?village=${village}&tab=feedback`);
    await zhen.click('[data-testid="escalate"]');
    const m = await messageOf(zhen, "escalate-message");
    assert(m.startsWith("msg ok") && /已督办 \d+ 条/.test(m), "escalation done: " + m);
  });

  if (extra.includes("cunmin5"))
    await step("participation: the lead department replies to a villager's comment on a public notice", async () => {
      const zrzy = await as("zrzy");
      const project = (await call(zrzy, "GET", "/api/v1/projects")).body.projects.find((x) => x.code === "XM2026-002");
      assert(project && project.state === "approved", "XM2026-002 approved");
      assert((await call(zrzy, "POST", `/api/v1/projects/${project.id}/actions`, { action: "publish_notice", notice_days: 7 })).status === 200, "notice published");
      const v = await as("cunmin5", phone);
      const c = (await call(v, "POST", `/api/v1/projects/${project.id}/comments`, { body: "建议保留村口的机耕桥。" })).body;
      assert(c.id > 0, "comment: " + JSON.stringify(c));
      // From the project's page, its notice section links to the replies.
      await zrzy.goto(`${base}/projects/XM2026-002`);
      await zrzy.click('[data-testid="notice-reply-link"]');
      await zrzy.waitForSelector('[data-tab-body="comments"][data-ready="1"]');
      assert((await zrzy.$eval('[data-testid="part-village"]', (s) => s.value)) === "340123102201", "a village of the project selected");
      const row = `[data-testid="notice-comments"] [data-comment="${c.id}"]`;
      await zrzy.waitForSelector(`${row}[data-replied="false"]`);
      await zrzy.fill(`${row} [data-testid="cm-reply-text"]`, "机耕桥保留并加固，已纳入设计。");
      await zrzy.click(`${row} button[data-action="reply"]`);
      await zrzy.waitForSelector(`[data-testid="notice-comments"] [data-comment="${c.id}"][data-replied="true"]`);
      const stored = (await call(v, "GET", `/api/v1/projects/${project.id}/comments`)).body.comments.find((x) => x.id === c.id);
      assert(stored.reply && stored.reply.by === "zrzy", "reply stored: " + JSON.stringify(stored));
      // Auditors read the page; no control is offered to them.
      const shenji = await as("shenji");
      await shenji.goto(`${base}/participation?village=340123102201&tab=comments`);
      await shenji.waitForSelector(row);
      await shenji.goto(`${base}/projects/XM2026-002`);
      await shenji.waitForSelector('[data-testid="notice"] [data-testid="comments"]');
      assert(!(await shenji.$('[data-testid="notice-reply-link"]')), "no reply link for an auditor on the project page");
      assert(!(await shenji.$('[data-testid="notice-comments"] button')), "no reply control for an auditor");
    });

  await closeAll();
}
