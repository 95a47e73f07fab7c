// E2E steps of progress, field inspections and evaluation in the browser (project page forms of
// web/src/pages/project_progress.ts and the comparison page /evaluations), run by run.mjs against
// the same server and browser:
// - the township (zhen) adds a milestone with a planned date and brings it to 100 % with an
//   actual date; lowering it without a reason is refused with the API's message;
// - from a phone (chromium with an overridden geolocation) the township files a progress report
//   with a real PNG and a real JPEG and the GPS point of the browser: a fake "JPEG" is refused by
//   the server's type check and a point 2 km outside the area by its area check, both shown;
//   the report then appears in the list and as a map marker with its photos;
// - the lead department (zrzy) records an inspection at a point clicked on the map, records
//   achieved indicator values and sees the score the indicator table gives; satisfaction above
//   100 is refused; the comparison page ranks the projects as GET /api/v1/evaluations does;
// - controls only for the roles the API accepts: a co-reviewing department gets the inspection
//   form only, an auditor none.

import { call } from "./page_api.mjs";

const INDICATOR_WEIGHTS = { new_cultivated_land: 25, construction_land_reduced: 20, ecological_area_restored: 20, investment_per_mu: 10, households_benefiting: 10, satisfaction: 15 };
const LOWER_IS_BETTER = new Set(["investment_per_mu"]);

// A vertex-mean of the area's outer ring (inside for the demo projects' areas; the API says so).
function centreOf(project) {
  const a = project.plan.area;
  const ring = (a.type === "Polygon" ? a.coordinates[0] : a.coordinates[0][0]).slice(0, -1);
  return ring.reduce((c, p) => [c[0] + p[0] / ring.length, c[1] + p[1] / ring.length], [0, 0]);
}

const ymd = (d) => d.toISOString().slice(0, 10);

export async function progressSteps({ browser, base, step, assert, signIn, shot, renderedFeatures }) {
  // Real small images, made by the browser itself: a PNG and a JPEG of a rendered page.
  const maker = await browser.newContext({ viewport: { width: 320, height: 240 } });
  const mp = await maker.newPage();
  await mp.setContent('<body style="margin:0;background:linear-gradient(#8bc34a,#33691e)"><h1 style="color:#fff;font:40px sans-serif;padding:20px">田块平整</h1></body>');
  const png = await mp.screenshot({ type: "png" });
  const jpeg = await mp.screenshot({ type: "jpeg", quality: 70 });
  await maker.close();

  // The township's project in implementation and the lead department's other one.
  const look = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "zh-CN" });
  const lp = await look.newPage();
  await signIn(lp, base, "zhen");
  const zhenProject = (await call(lp, "GET", "/api/v1/projects")).body.projects.find((p) => p.state === "implementation");
  assert(zhenProject, "the township has a project in implementation");
  const zp = (await call(lp, "GET", `/api/v1/projects/${zhenProject.id}`)).body;
  await signIn(lp, base, "zrzy");
  const other = (await call(lp, "GET", "/api/v1/projects")).body.projects.find((p) => p.state === "implementation" && p.id !== zp.id);
  assert(other, "a second project in implementation");
  const op = (await call(lp, "GET", `/api/v1/projects/${other.id}`)).body;
  await look.close();
  const [lon, lat] = centreOf(zp);

  const milestoneName = "排水沟清淤 " + Date.now().toString(36);
  await step("progress: the township adds a milestone with a planned date and brings it to 100 % on the project page", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "zh-CN" });
    const p = await ctx.newPage();
    await signIn(p, base, "zhen");
    await p.goto(base + `/projects/${zp.code}`);
    await p.waitForSelector('[data-testid="milestone-form"]', { timeout: 30000 });
    await p.fill('[data-testid="ms-name"]', milestoneName);
    await p.fill('[data-testid="ms-date"]', "2027-03-31");
    await p.fill('[data-testid="ms-weight"]', "2");
    await p.click('[data-testid="ms-add"]');
    await p.waitForFunction((n) => document.querySelector('[data-testid="ms-message"]')?.textContent?.includes(n), milestoneName);
    let api = (await call(p, "GET", `/api/v1/projects/${zp.id}/milestones`)).body;
    const m = api.milestones.find((x) => x.name === milestoneName);
    assert(m && m.planned_date === "2027-03-31" && m.weight === 2 && m.percent === 0 && m.created_by === "zhen", "milestone via the API: " + JSON.stringify(m));
    assert((await p.textContent('[data-testid="progress"] table')).includes(milestoneName), "the milestone in the table");

    // 100 % with yesterday as the actual date.
    const yesterday = ymd(new Date(Date.now() - 86400000));
    await p.selectOption('[data-testid="mu-milestone"]', String(m.id));
    await p.fill('[data-testid="mu-percent"]', "100");
    await p.fill('[data-testid="mu-actual"]', yesterday);
    await p.click('[data-testid="mu-save"]');
    await p.waitForFunction(() => document.querySelector('[data-testid="mu-message"]')?.className.includes("ok"));
    api = (await call(p, "GET", `/api/v1/projects/${zp.id}/milestones`)).body;
    const m2 = api.milestones.find((x) => x.id === m.id);
    assert(m2.percent === 100 && m2.actual_date === yesterday, "100 % on " + yesterday + ": " + JSON.stringify(m2));
    assert((await p.textContent('[data-testid="overall-percent"]')) === `${Math.round(api.overall_percent)}%`, "overall percent as the API has it");
    const row = await p.$$eval('[data-testid="progress"] table tr', (rows, n) => rows.find((r) => r.textContent.includes(n))?.textContent, milestoneName);
    assert(row.includes(yesterday) && row.includes("100%"), "row: " + row);

    // Lowering without a reason: the API's refusal, nothing changed.
    await p.selectOption('[data-testid="mu-milestone"]', String(m.id));
    await p.fill('[data-testid="mu-percent"]', "80");
    await p.click('[data-testid="mu-save"]');
    await p.waitForFunction(() => document.querySelector('[data-testid="mu-message"]')?.className.includes("error"));
    assert((await p.textContent('[data-testid="mu-message"]')).includes("调低完成百分比须说明理由"), "refusal shown: " + (await p.textContent('[data-testid="mu-message"]')));
    api = (await call(p, "GET", `/api/v1/projects/${zp.id}/milestones`)).body;
    assert(api.milestones.find((x) => x.id === m.id).percent === 100, "still 100 %");
    await ctx.close();
  });

  await step("progress: a phone files a report with a PNG, a JPEG and its GPS point; a fake photo and a point outside the area are refused", async () => {
    const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: "zh-CN",
      geolocation: { longitude: lon + 0.05, latitude: lat }, permissions: ["geolocation"] });
    const p = await ctx.newPage();
    await signIn(p, base, "zhen");
    await p.goto(base + `/projects/${zp.code}`);
    await p.waitForSelector('[data-testid="report-form"]', { timeout: 30000 });
    const before = (await call(p, "GET", `/api/v1/projects/${zp.id}/reports`)).body.reports.length;
    assert(await p.$('[data-testid="photo-camera"][capture="environment"]'), "a camera input for phones");
    assert(await p.$('[data-testid="kind-report"]') && await p.$('[data-testid="kind-inspection"]'), "the township may report and inspect");

    // A text file named like a JPEG: the server's magic-byte check refuses it.
    await p.fill('[data-testid="report-text"]', "田块平整完成，排水沟清淤完毕");
    await p.setInputFiles('[data-testid="photo-input"]', [{ name: "notes.jpg", mimeType: "image/jpeg", buffer: Buffer.from("not a photo at all") }]);
    await p.click('[data-testid="gps-locate"]');
    await p.waitForFunction(() => document.querySelector('[data-testid="gps-point"]')?.dataset.lon);
    await p.click('[data-testid="report-submit"]');
    await p.waitForFunction(() => document.querySelector('[data-testid="report-message"]')?.className.includes("error"), null, { timeout: 15000 });
    let msg = await p.textContent('[data-testid="report-message"]');
    assert(msg.includes("notes.jpg") && msg.includes("照片内容与声明的类型 image/jpeg 不符"), "type refusal shown: " + msg);
    await shot(p, "progress-phone-refused");
    await p.click('[data-testid="photo-previews"] .pg-preview[data-file="notes.jpg"] button');

    // Real photos, but the phone is 0.05° east of the centre (over 2 km outside the area): refused.
    await p.setInputFiles('[data-testid="photo-input"]', [{ name: "site.png", mimeType: "image/png", buffer: png }, { name: "site.jpg", mimeType: "image/jpeg", buffer: jpeg }]);
    assert((await p.$$('[data-testid="photo-previews"] img.thumb')).length === 2, "two previews");
    await p.click('[data-testid="report-submit"]');
    await p.waitForFunction(() => document.querySelector('[data-testid="report-message"]')?.textContent.includes("项目区外"), null, { timeout: 15000 });
    msg = await p.textContent('[data-testid="report-message"]');
    assert(msg.includes("允许 100 米"), "area refusal shown: " + msg);
    assert((await call(p, "GET", `/api/v1/projects/${zp.id}/reports`)).body.reports.length === before, "no report filed");

    // At the site: filed.
    await ctx.setGeolocation({ longitude: lon, latitude: lat });
    await p.click('[data-testid="gps-locate"]');
    await p.waitForFunction((x) => Math.abs(Number(document.querySelector('[data-testid="gps-point"]')?.dataset.lon) - x) < 1e-9, lon);
    await shot(p, "progress-phone");
    await p.click('[data-testid="report-submit"]');
    await p.waitForFunction(() => document.querySelector('[data-testid="report-message"]')?.className.includes("ok"), null, { timeout: 15000 });
    const filed = await p.textContent('[data-testid="report-message"]');
    assert(filed.includes("2 张照片"), "filed with 2 photos: " + filed);
    const reports = (await call(p, "GET", `/api/v1/projects/${zp.id}/reports`)).body.reports;
    assert(reports.length === before + 1, "one more report");
    const r = reports[reports.length - 1];
    assert(r.kind === "report" && r.author === "zhen" && r.text === "田块平整完成，排水沟清淤完毕" && r.photos.length === 2, "report via the API: " + JSON.stringify(r));
    assert(r.points.length === 1 && r.points[0].inside && Math.abs(r.points[0].lon - lon) < 1e-9 && Math.abs(r.points[0].lat - lat) < 1e-9, "the browser's point, inside: " + JSON.stringify(r.points));
    // The photos as uploaded, content-addressed, with the type the bytes have.
    const photos = (await call(p, "GET", `/api/v1/projects/${zp.id}/photos`)).body.photos;
    const types = r.photos.map((sha) => photos.find((x) => x.sha256 === sha));
    assert(types[0]?.content_type === "image/png" && types[0].size === png.length, "the PNG stored: " + JSON.stringify(types[0]));
    assert(types[1]?.content_type === "image/jpeg" && types[1].size === jpeg.length, "the JPEG stored: " + JSON.stringify(types[1]));
    const bytes = await p.evaluate(async (u) => { const b = await fetch(u).then((x) => x.arrayBuffer()); return b.byteLength; }, types[0].url);
    assert(bytes === png.length, "the PNG served back");
    // On the page and on the map.
    for (const sha of r.photos) assert(await p.$(`[data-testid="reports"] li[data-report="${r.id}"] img.thumb[src$="${sha}"]`), "photo " + sha.slice(0, 8) + " on the page");
    const feats = await renderedFeatures(p, ["progress-points"]);
    const f = feats.find((x) => x.properties.report === r.id);
    assert(f && JSON.parse(f.properties.photos).length === 2 && f.properties.inside === true, "the report's marker on the map with its photos");
    await ctx.close();
  });

  await step("progress: the lead department records an inspection at a point clicked on the map", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "zh-CN" });
    const p = await ctx.newPage();
    await signIn(p, base, "zrzy");
    await p.goto(base + `/projects/${op.code}`);
    await p.waitForSelector('[data-testid="report-form"]', { timeout: 30000 });
    await renderedFeatures(p, ["progress-points"]);
    await p.check('[data-testid="kind-inspection"]');
    await p.fill('[data-testid="report-text"]', "现场巡查：灌溉渠道施工质量良好");
    const [clon, clat] = centreOf(op);
    await p.click('[data-testid="gps-pick"]');
    const xy = await p.evaluate(([x, y]) => {
      const m = window.__gongzhi.map;
      const pt = m.project([x, y]);
      const r = m.getCanvas().getBoundingClientRect();
      return { x: r.left + pt.x, y: r.top + pt.y };
    }, [clon, clat]);
    await p.mouse.click(xy.x, xy.y);
    await p.waitForFunction(() => document.querySelector('[data-testid="gps-point"]')?.dataset.lon);
    const picked = await p.$eval('[data-testid="gps-point"]', (e) => [Number(e.dataset.lon), Number(e.dataset.lat)]);
    assert(Math.abs(picked[0] - clon) < 0.001 && Math.abs(picked[1] - clat) < 0.001, "picked near the centre: " + picked);
    await p.setInputFiles('[data-testid="photo-input"]', [{ name: "canal.jpg", mimeType: "image/jpeg", buffer: jpeg }]);
    await p.click('[data-testid="report-submit"]');
    await p.waitForFunction(() => document.querySelector('[data-testid="report-message"]')?.className.includes("ok"), null, { timeout: 15000 });
    const reports = (await call(p, "GET", `/api/v1/projects/${op.id}/reports`)).body.reports;
    const r = reports[reports.length - 1];
    assert(r.kind === "inspection" && r.author === "zrzy" && r.points[0].inside && Math.abs(r.points[0].lon - picked[0]) < 1e-9, "inspection via the API: " + JSON.stringify(r));
    assert((await p.textContent(`[data-testid="reports"] li[data-report="${r.id}"]`)).includes("现场巡查"), "listed as an inspection");
    // Its marker where it was clicked; a click on it opens the text and the photo.
    const feats = await renderedFeatures(p, ["progress-points"]);
    assert(feats.some((f) => f.properties.report === r.id), "the inspection's marker rendered");
    const at = await p.evaluate(([x, y]) => {
      const m = window.__gongzhi.map;
      const pt = m.project([x, y]);
      const b = m.getCanvas().getBoundingClientRect();
      return { x: b.left + pt.x, y: b.top + pt.y };
    }, picked);
    await p.mouse.click(at.x, at.y);
    await p.waitForSelector(`[data-testid="photo-popup"] img[src$="${r.photos[0]}"]`, { timeout: 10000 });
    assert((await p.textContent('[data-testid="photo-popup"]')).includes("灌溉渠道施工质量良好"), "the popup shows the inspection");
    await ctx.close();
  });

  await step("evaluation: the lead department records achieved values and sees the score; >100 % refused; the comparison ranks as the API", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "zh-CN" });
    const p = await ctx.newPage();
    await signIn(p, base, "zrzy");
    await p.goto(base + `/projects/${op.code}`);
    await p.waitForSelector('[data-testid="evaluation-form"]', { timeout: 30000 });
    const before = (await call(p, "GET", `/api/v1/projects/${op.id}/evaluation`)).body;
    const planned = Object.fromEntries(before.indicators.filter((i) => i.planned).map((i) => [i.key, i.planned.value]));
    // Planned values changed on the page too (households), achieved below and above plan.
    const newPlanned = { ...planned, households_benefiting: planned.households_benefiting + 10 };
    const achieved = {
      new_cultivated_land: Math.round(newPlanned.new_cultivated_land * 0.9),
      construction_land_reduced: newPlanned.construction_land_reduced,
      ecological_area_restored: Math.round(newPlanned.ecological_area_restored * 1.2),
      investment_per_mu: 250000,  // fen: 2,500 yuan per mu, more than the planned 2,000
      households_benefiting: newPlanned.households_benefiting - 5,
      satisfaction: 120,
    };
    await p.fill('[data-testid="evaluation-form"] input[data-indicator="households_benefiting"][data-which="planned"]', String(newPlanned.households_benefiting));
    await p.click('[data-testid="eval-save-planned"]');
    await p.waitForFunction(() => document.querySelector('[data-testid="eval-message"]')?.className.includes("ok"));
    for (const [k, v] of Object.entries(achieved))
      await p.fill(`[data-testid="evaluation-form"] input[data-indicator="${k}"][data-which="achieved"]`, String(k === "investment_per_mu" ? v / 100 : v));
    await p.click('[data-testid="eval-save-achieved"]');
    await p.waitForFunction(() => document.querySelector('[data-testid="eval-message"]')?.className.includes("error"));
    const refused = await p.textContent('[data-testid="eval-message"]');
    assert(refused.includes("群众满意度 应为 0 至 100"), "refusal shown: " + refused);
    const achievedOf = (e) => JSON.stringify(e.indicators.map((i) => i.achieved));
    assert(achievedOf((await call(p, "GET", `/api/v1/projects/${op.id}/evaluation`)).body) === achievedOf(before), "nothing recorded");
    achieved.satisfaction = 88;
    await p.fill('[data-testid="evaluation-form"] input[data-indicator="satisfaction"][data-which="achieved"]', "88");
    await p.click('[data-testid="eval-save-achieved"]');
    await p.waitForFunction(() => document.querySelector('[data-testid="eval-message"]')?.className.includes("ok"));
    // The score by the indicator table, computed here.
    let sum = 0, w = 0;
    for (const [k, weight] of Object.entries(INDICATOR_WEIGHTS)) {
      const pl = newPlanned[k], ac = achieved[k];
      if (!(pl > 0) || ac === undefined) continue;
      sum += weight * Math.min(1, LOWER_IS_BETTER.has(k) ? (ac <= 0 ? 1 : pl / ac) : ac / pl);
      w += weight;
    }
    const expected = Math.round((sum / w) * 100 * 100) / 100;
    const ev = (await call(p, "GET", `/api/v1/projects/${op.id}/evaluation`)).body;
    assert(Math.abs(ev.total_score - expected) < 0.011, `API score ${ev.total_score}, expected ${expected}`);
    for (const [k, v] of Object.entries(achieved)) assert(ev.indicators.find((i) => i.key === k).achieved.value === v, k + " recorded");
    assert(ev.indicators.find((i) => i.key === "households_benefiting").planned.value === newPlanned.households_benefiting, "planned households recorded");
    assert((await p.textContent('[data-testid="total-score"]')) === ev.total_score.toFixed(1), "score on the page");
    assert((await p.textContent('[data-testid="eval-message"]')).includes(ev.total_score.toFixed(1)), "score in the message");
    assert(!ev.acceptance_met && (await p.textContent('[data-testid="evaluation"]')).includes("未达验收要求"), "acceptance not met shown");
    await p.$eval('[data-testid="evaluation"]', (e) => e.scrollIntoView());
    await shot(p, "progress-evaluation");

    await p.click('nav a[data-nav="/evaluations"]');
    await p.waitForSelector('[data-testid="evaluations"]');
    const list = (await call(p, "GET", "/api/v1/evaluations")).body.evaluations;
    const rows = await p.$$eval('[data-testid="evaluations"] tr[data-code]', (rs) => rs.map((r) => [r.dataset.code, r.dataset.score]));
    assert(JSON.stringify(rows) === JSON.stringify(list.map((e) => [e.project.code, e.total_score === null ? "" : String(e.total_score)])), "the comparison as the API ranks: " + JSON.stringify(rows));
    assert(rows.some(([c, s]) => c === op.code && Number(s) === ev.total_score), "this project's score in the comparison");
    for (const i of ev.indicators) {
      const cell = await p.textContent(`[data-testid="evaluations"] tr[data-code="${op.code}"] td[data-indicator="${i.key}"]`);
      assert(cell === (i.score === null ? "—" : (i.score * 100).toFixed(0)), `${i.key} score in the comparison: ${cell}`);
    }
    // The demo is one county: its townships compared, as the API sums them up.
    const groups = (await call(p, "GET", "/api/v1/evaluations?group=township")).body.groups;
    assert((await p.getAttribute('[data-testid="evaluation-groups"]', "data-level")) === "township", "one county: by township");
    const shown = await p.$$eval('[data-testid="evaluation-groups"] tr[data-region]', (rs) => rs.map((r) => [r.dataset.region, r.dataset.mean, r.children[0].textContent]));
    assert(JSON.stringify(shown) === JSON.stringify(groups.map((g) => [g.region_code, g.mean_score === null ? "" : String(g.mean_score), g.region_name])), "townships as the API sums them up: " + JSON.stringify(shown));
    const mine = groups.find((g) => g.region_code === op.region_code.slice(0, 9));
    assert(mine && mine.scored >= 1 && mine.mean_score !== null, "the project's township scored: " + JSON.stringify(mine));
    await shot(p, "evaluations");
    // Every string in both languages, on the comparison and on the project page with its forms.
    assert(!(await p.textContent("body")).includes("⟦"), "every string translated");
    await p.click('[data-testid="lang"]');
    await p.waitForFunction(() => document.querySelector('nav a[data-nav="/evaluations"]')?.textContent === "Evaluation");
    await p.waitForSelector('[data-testid="evaluations"]');
    assert((await p.textContent('[data-testid="evaluations"]')).includes("Total score") && !(await p.textContent("body")).includes("⟦"), "the comparison in English");
    await p.goto(base + `/projects/${op.code}`);
    await p.waitForSelector('[data-testid="evaluation-form"]', { timeout: 30000 });
    await p.waitForSelector('[data-testid="report-form"]');
    assert((await p.textContent('[data-testid="report-form"]')).includes("Use my location") && !(await p.textContent("body")).includes("⟦"), "the forms in English");
    await ctx.close();
  });

  await step("progress controls only for roles the API accepts: co-reviewing department inspects only, auditor nothing", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "zh-CN" });
    const p = await ctx.newPage();
    await signIn(p, base, "nyncj");
    await p.goto(base + `/projects/${zp.code}`);
    await p.waitForSelector('[data-testid="report-form"]', { timeout: 30000 });
    await p.waitForSelector('.later[data-controls="1"]');
    assert(!(await p.$('[data-testid="milestone-form"]')) && !(await p.$('[data-testid="milestone-update"]')) && !(await p.$('[data-testid="evaluation-form"]')), "no milestone or indicator forms");
    assert(!(await p.$('[data-testid="kind-report"]')) && (await p.$eval('[data-testid="report-form"] input[name="pg-kind"]', (e) => e.value)) === "inspection", "inspection only");
    await signIn(p, base, "shenji");
    await p.goto(base + `/projects/${zp.code}`);
    await p.waitForSelector('.later[data-controls="1"]', { timeout: 30000 });
    assert(!(await p.$(".pg-form")), "no forms for the auditor");
    await ctx.close();
  });
}
