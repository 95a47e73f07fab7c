// E2E steps of the audit trail, the project's activity, the app's not-found page and the public
// notice as villagers meet it (run.mjs calls web16Steps):
// - the auditor's /audit: the chain "verified up to entry N" as the API verifies it, a search by
//   project whose rows are the API's, an entry's detail with before/after, the xlsx download;
// - a project's 办理记录 lists every audit entry about it (reviews and plan saves too);
// - an unknown address shows 页面不存在, not JSON;
// - a villager finds the project on notice under 村务公告, reads its period and changes, objects
//   with a reason; the officials' project page lists the objection with its deadline;
// - the phone header is one row at 360 px.
import { call, phone, signedInPages } from "./page_api.mjs";

const desktop = { viewport: { width: 1440, height: 1000 }, locale: "zh-CN" };

export async function web16Steps({ browser, base, step, assert, signIn, shot, extra = [] }) {
  const { as, closeAll } = signedInPages({ browser, base, signIn }, desktop);
  try {
    await step("审计日志: the auditor searches the log by project, opens an entry's before/after, sees the chain verified and downloads it", async () => {
      const p = await as("shenji");
      await p.click('nav a[data-nav="/audit"]');
      await p.waitForSelector('[data-testid="audit-chain"][data-intact]', { timeout: 60000 });
      const verify = (await call(p, "GET", "/api/v1/audit/verify")).body;
      const chain = await p.$eval('[data-testid="audit-chain"]', (e) => ({ intact: e.dataset.intact, verified: Number(e.dataset.verified), text: e.textContent }));
      assert(chain.intact === "1" && verify.intact, "intact chain: " + JSON.stringify(chain));
      assert(chain.verified >= verify.verified_through - 5 && chain.verified > 0 && chain.text.includes(`已核验至第 ${chain.verified} 条`), "verified up to entry N: " + chain.text);
      // Search by a project's code.
      const projects = (await call(p, "GET", "/api/v1/projects")).body.projects;
      const code = projects.find((x) => x.code === "XM2026-001")?.code ?? projects[0].code;
      await p.fill('[data-testid="audit-project"]', code);
      await p.click('[data-testid="audit-search"]');
      await p.waitForFunction((c) => location.search.includes("project=" + c), code);
      await p.waitForSelector('[data-testid="audit-table"][data-ready="1"]');
      const api = (await call(p, "GET", `/api/v1/audit/search?project=${encodeURIComponent(code)}&limit=100`)).body.entries;
      const rows = await p.$$eval('[data-testid="audit-table"] tbody tr', (rs) => rs.map((r) => ({ seq: Number(r.dataset.seq), object: r.dataset.object, text: r.textContent })));
      assert(api.length > 0 && rows.length === api.length, `rows ${rows.length} = entries ${api.length}`);
      assert(rows.every((r, i) => r.seq === api[i].seq && (r.object === `project:${code}` || r.object.startsWith("feedback:"))),
        "the API's entries, newest first: " + JSON.stringify(rows.slice(0, 3)) + " vs " + JSON.stringify(api.slice(0, 3).map((e) => [e.seq, e.object])));
      assert(rows.every((r) => !/[a-z]+_[a-z_]+/.test(r.text)), "no raw action codes in the rows: " + rows.map((r) => r.text).join(" | "));
      // A transition's detail: the state before and after.
      const transition = api.find((e) => e.detail && typeof e.detail.from === "string" && typeof e.detail.to === "string");
      assert(transition, "a transition among the project's entries");
      await p.click(`[data-testid="audit-table"] tbody tr[data-seq="${transition.seq}"]`);
      await p.waitForSelector(`[data-testid="audit-detail"][data-seq="${transition.seq}"]`);
      const before = await p.$eval('[data-testid="audit-detail"] td[data-before]', (e) => e.textContent);
      const after = await p.$eval('[data-testid="audit-detail"] td[data-after]', (e) => e.textContent);
      assert(before && after && before !== after && !/^[a-z_]+$/.test(after), `before ${before} after ${after}`);
      await shot(p, "audit");
      // The download is the server's workbook of the same search.
      const href = await p.getAttribute('[data-testid="audit-download"]', "href");
      assert(href.includes("project=" + encodeURIComponent(code)), "download of the search: " + href);
      const res = await p.evaluate(async (h) => {
        const r = await fetch(h);
        const b = new Uint8Array(await r.arrayBuffer());
        return { status: r.status, type: r.headers.get("content-type"), pk: String.fromCharCode(b[0], b[1]) };
      }, href);
      assert(res.status === 200 && res.type.includes("spreadsheetml") && res.pk === "PK", "xlsx: " + JSON.stringify(res));
      // Officials have no audit page and the API refuses them.
      const z = await as("zhen");
      assert(!(await z.$('nav a[data-nav="/audit"]')), "no audit link for a township");
      assert((await call(z, "GET", "/api/v1/audit/search")).status === 403, "township refused");
    });

    await step("办理记录: a project's page lists every action about it, not only transitions", async () => {
      const p = await as("zrzy");
      const projects = (await call(p, "GET", "/api/v1/projects")).body.projects;
      const proj = projects.find((x) => x.code === "XM2026-001") ?? projects[0];
      const api = (await call(p, "GET", `/api/v1/projects/${proj.id}/activity?limit=500`)).body.entries;
      await p.goto(`${base}/projects/${encodeURIComponent(proj.code)}`);
      await p.waitForSelector('[data-testid="activity-table"] tbody tr', { timeout: 60000 });
      const rows = await p.$$eval('[data-testid="activity-table"] tbody tr', (rs) => rs.map((r) => r.dataset.action));
      assert(rows.length === api.length, `rows ${rows.length} = entries ${api.length}`);
      const kinds = new Set(rows);
      assert(kinds.has("project.review") && kinds.has("project.create"), "reviews and the creation: " + [...kinds].join(","));
      assert([...kinds].some((k) => !["project.review", "project.create", "project.plan"].includes(k)), "transitions too");
    });

    await step("an unknown address shows the app's 页面不存在 page, never JSON", async () => {
      const p = await as("zrzy");
      const r = await p.goto(`${base}/no/such/page`);
      assert(r.status() === 404 && r.headers()["content-type"].includes("text/html"), "404 with the app: " + r.status());
      await p.waitForSelector('[data-testid="not-found"]');
      assert((await p.textContent('[data-testid="not-found"] h1')) === "页面不存在", "页面不存在");
      assert(!(await p.textContent("body")).includes('"error"'), "no JSON shown");
      await p.click('[data-testid="not-found-home"]');
      await p.waitForFunction(() => location.pathname === "/home");
    });

    await step("村务公告: a villager finds the project on notice, reads its period and changes, and objects; officials see the objection with its deadline", async () => {
      // The villager of a village with a project on notice (XM2026-002 of cunmin5's village goes on
      // notice in part_steps.mjs; on its own this step publishes it).
      const lead = await as("zrzy");
      const x2 = (await call(lead, "GET", "/api/v1/projects")).body.projects.find((x) => x.code === "XM2026-002");
      if (x2 && x2.state === "approved")
        await call(lead, "POST", `/api/v1/projects/${x2.id}/actions`, { action: "publish_notice", notice_days: 7 });
      let villager = null, item = null;
      for (const user of ["cunmin", ...extra.filter((u) => u.startsWith("cunmin"))]) {
        const v = await as(user, phone);
        const list = (await call(v, "GET", "/api/v1/notices")).body.project_notices ?? [];
        if (list.length) {
          villager = v;
          item = list[0];
          break;
        }
      }
      assert(villager && item, "a villager with a project on public notice");
      await villager.goto(base + "/village");
      const card = `[data-testid="village-notices"] [data-project-notice="${item.project_id}"]`;
      await villager.waitForSelector(card);
      const text = await villager.textContent(card);
      assert(text.includes(item.name) && text.includes("公示期") && !/\d{2}:\d{2}/.test(text), "the notice card, dates to the day: " + text);
      await shot(villager, "village-notices-phone");
      await villager.click(card);
      await villager.waitForSelector('[data-testid="vp-notice"]');
      const period = await villager.textContent('[data-testid="vp-notice-period"]');
      assert(period.includes("公示期") && !/\d{2}:\d{2}/.test(period), "period: " + period);
      assert((await villager.textContent('[data-testid="vp-notice-text"]')).includes(item.code), "the notice text names the project");
      assert(await villager.$('[data-testid="plan-svg"] path'), "the changes on a small map");
      // The objection with its reason.
      const reason = "异议：排水沟改线占用我家承包地，未征求意见。";
      await villager.fill('[data-testid="objection-text"]', reason);
      await villager.click('[data-testid="objection-send"]');
      await villager.waitForFunction(() => document.querySelector('[data-testid="objection-message"]')?.classList.contains("ok")
        || document.querySelector('[data-testid="objection-message"]')?.classList.contains("error"));
      const m = await villager.textContent('[data-testid="objection-message"]');
      assert(m.includes("异议已提交"), "objection sent: " + m);
      const mine = (await call(villager, "GET", `/api/v1/feedback?project_id=${item.project_id}`)).body.feedback.find((f) => f.body === reason);
      assert(mine && mine.category === "objection" && mine.status === "open" && mine.due_at, "tracked until answered: " + JSON.stringify(mine));
      await shot(villager, "village-objection-phone");
      // The header fits one row at 360 px.
      const rowTops = await villager.$$eval("header.topbar > *, header.topbar nav > *", (es) => es.filter((e) => e.offsetParent !== null).map((e) => Math.round(e.getBoundingClientRect().top)));
      const header = await villager.$eval("header.topbar", (e) => e.getBoundingClientRect().height);
      assert(header < 64, "the phone header is one row: " + header + " px, tops " + rowTops.join(","));
      // The officials' project page: the objection with its deadline.
      const o = lead;
      const proj = (await call(o, "GET", "/api/v1/projects")).body.projects.find((x) => x.id === item.project_id);
      assert(proj, "the lead department sees the project");
      await o.goto(`${base}/projects/${encodeURIComponent(proj.code)}`);
      const row = `[data-testid="project-feedback"] tr[data-feedback="${mine.id}"]`;
      await o.waitForSelector(row, { timeout: 60000 });
      const rtext = await o.textContent(row);
      assert(rtext.includes("异议") && rtext.includes(reason) && rtext.includes("待答复") && /\d{4}年\d{1,2}月\d{1,2}日/.test(rtext), "objection row: " + rtext);
      await shot(o, "project-feedback");
    });

    await step("项目库: search by code or township, filter by state, sort by area, in pages", async () => {
      const p = await as("zrzy");
      await p.goto(base + "/home");
      await p.waitForSelector('[data-testid="project-library"] tr[data-code]');
      const all = (await call(p, "GET", "/api/v1/projects")).body.projects;
      const codes = () => p.$$eval('[data-testid="project-list"] tbody tr', (rs) => rs.map((r) => r.dataset.code));
      assert((await codes()).length === Math.min(all.length, 50), "the first page");
      await p.fill('[data-testid="pl-search"]', "XM2026-001");
      assert(JSON.stringify(await codes()) === JSON.stringify(all.filter((x) => x.code.includes("XM2026-001")).map((x) => x.code).sort()), "search by code");
      await p.fill('[data-testid="pl-search"]', "");
      const state = all[0].state;
      await p.selectOption('[data-testid="pl-state"]', state);
      const want = all.filter((x) => x.state === state).map((x) => x.code).sort();
      assert(JSON.stringify((await codes()).slice().sort()) === JSON.stringify(want), "filter by state");
      await p.selectOption('[data-testid="pl-state"]', "");
      await p.click('[data-testid="project-list"] th[data-sort="area"]');
      await p.click('[data-testid="project-list"] th[data-sort="area"]');
      const largest = [...all].sort((a, b) => b.area_m2 - a.area_m2)[0].code;
      assert((await codes())[0] === largest, "sorted by area, largest first: " + (await codes())[0] + " vs " + largest);
      // A township's name finds its projects.
      const town = await p.$eval('[data-testid="pl-township"] option:nth-child(2)', (o) => ({ code: o.value, name: o.textContent })).catch(() => null);
      if (town) {
        await p.fill('[data-testid="pl-search"]', town.name);
        const n = (await codes()).length;
        await p.fill('[data-testid="pl-search"]', "");
        await p.selectOption('[data-testid="pl-township"]', town.code);
        assert((await codes()).length === n && n > 0, "the township by name and by filter: " + n);
      }
      await shot(p, "home-library");
    });

    await step("方案比选: a scheme is made in the browser from a project's plan, with its cost, and joins the unit's comparison", async () => {
      const p = await as("zrzy");
      await p.goto(base + "/schemes");
      await p.waitForSelector('[data-testid="scheme-new"]', { timeout: 60000 });
      const units = await p.$$eval('[data-testid="sn-unit"] option', (os) => os.map((o) => o.value).filter(Boolean));
      assert(units.length > 0, "units to choose from");
      // The unit of the demo's schemes and a project of it with planned changes (the CLI's example
      // is DY-01 with XM2026-005's plan).
      const existing = (await call(p, "GET", "/api/v1/schemes")).body.schemes;
      const unitsFirst = [...new Set(existing.map((x) => x.unit))].filter((u) => units.includes(u)).concat(units);
      const projects = (await call(p, "GET", "/api/v1/projects")).body.projects;
      const ordered = [...projects.filter((x) => x.code === "XM2026-005"), ...projects.filter((x) => x.code !== "XM2026-005")];
      let made = null;
      for (const x of ordered) {
        const proj = (await call(p, "GET", `/api/v1/projects/${x.id}`)).body;
        if ((proj.plan?.changes ?? []).length) {
          made = { unit: unitsFirst[0], id: String(x.id), code: x.code };
          break;
        }
      }
      await p.selectOption('[data-testid="sn-unit"]', made?.unit ?? "");
      assert(made, "a project with planned changes in a unit");
      await p.selectOption('[data-testid="sn-project"]', made.id);
      await p.fill('[data-testid="sn-name"]', "网页新建方案");
      await p.fill('[data-testid="sn-cost"]', "1234567.89");
      await p.fill('[data-testid="sn-households"]', "3");
      await p.click('[data-testid="sn-save"]');
      await p.waitForFunction(() => /msg (ok|error)/.test(document.querySelector('[data-testid="sn-message"]')?.className ?? "") || location.search.includes("unit="), null, { timeout: 120000 });
      const list = (await call(p, "GET", `/api/v1/schemes?unit=${encodeURIComponent(made.unit)}`)).body.schemes;
      const s = list.find((x) => x.name === "网页新建方案");
      assert(s && s.cost_fen === 123456789, "stored with its cost: " + JSON.stringify(s ?? list.map((x) => x.name)));
      await p.waitForSelector('[data-testid="scheme-unit"]', { timeout: 60000 });
      // The unit's schemes are listed once they have loaded (the unit's header comes first).
      const listed = await p.waitForFunction(() => document.querySelector("main")?.textContent.includes("网页新建方案"), null, { timeout: 60000 }).then(() => true, () => false);
      assert(listed, "listed on the page");
      await shot(p, "schemes-new");
    });

    await step("打印: the approval form lists every review with its opinion; the fund sheet has the amount in capitals; print hides the app", async () => {
      const p = await as("zrzy");
      const projects = (await call(p, "GET", "/api/v1/projects")).body.projects;
      const proj = projects.find((x) => x.code === "XM2026-001") ?? projects[0];
      const full = (await call(p, "GET", `/api/v1/projects/${proj.id}`)).body;
      await p.goto(`${base}/projects/${encodeURIComponent(proj.code)}`);
      await p.waitForSelector('[data-testid="print-approval"]', { timeout: 60000 });
      await p.click('[data-testid="print-approval"]');
      await p.waitForSelector('[data-testid="print-sheet"][data-kind="approval"] [data-testid="print-reviews"]');
      const rows = await p.$$eval('[data-testid="print-reviews"] tr[data-department]', (rs) => rs.map((r) => r.textContent));
      assert(rows.length === (full.reviews ?? []).length && rows.length > 0, `one row per review: ${rows.length} vs ${(full.reviews ?? []).length}`);
      for (const r of full.reviews.filter((x) => x.opinion)) assert(rows.some((x) => x.includes(r.opinion)), "opinion printed: " + r.opinion);
      await p.emulateMedia({ media: "print" });
      assert(!(await p.isVisible("header.topbar")) && !(await p.isVisible('[data-testid="print-now"]')), "print shows the sheet only");
      await shot(p, "print-approval");
      await p.emulateMedia({ media: "screen" });
      // A fund-approval sheet of a decided payment.
      const f = await as("czj");
      let sheet = null;
      for (const x of projects) {
        const list = (await call(f, "GET", `/api/v1/projects/${x.id}/funds/disbursements`)).body.disbursements ?? [];
        const d = list.find((y) => y.status === "approved");
        if (d) {
          sheet = { project: x, d };
          break;
        }
      }
      assert(sheet, "an approved payment");
      await f.goto(`${base}/print/payment/${sheet.project.id}/${sheet.d.id}`);
      await f.waitForSelector('[data-testid="print-payment"] [data-field="capital"]');
      const capital = await f.textContent('[data-testid="print-payment"] [data-field="capital"]');
      assert(capital === sheet.d.amount_capital && capital.length > 1, "capitals: " + capital);
      assert((await f.textContent('[data-testid="print-payment"]')).includes(sheet.d.decision_comment), "the opinion is printed");
      await shot(f, "print-payment");
    });

    await step("no raw codes: the audit, activity, feedback, villager and print pages show no snake_case, untranslated keys or stray English in zh-CN, and no Chinese in en", async () => {
      const problems = [];
      const check = async (page, where, lang) => {
        const text = await page.evaluate(() => {
          const clone = document.querySelector("main").cloneNode(true);
          for (const e of clone.querySelectorAll("[data-code], [data-raw], [data-user], code, pre, input, textarea, select, svg")) e.remove();
          return clone.innerText;
        });
        const found = [];
        for (const m of text.matchAll(/⟦[^⟧]+⟧/g)) found.push("untranslated " + m[0]);
        for (const m of text.matchAll(/\b[a-z]+_[a-z0-9_]+\b/g)) found.push("snake_case " + m[0]);
        if (lang === "zh") for (const m of text.matchAll(/\b(?!XM\d)[A-Za-z]{4,}\b/g)) if (!["Excel", "English", "GeoJSON"].includes(m[0])) found.push("English " + m[0]);
        if (lang === "en") for (const m of text.matchAll(/[\u4e00-\u9fff]+/g)) found.push("Chinese " + m[0]);
        if (found.length) problems.push(`${where} (${lang}): ${[...new Set(found)].slice(0, 8).join(", ")}`);
      };
      for (const lang of ["zh", "en"]) {
        const opts = { ...desktop, locale: lang === "zh" ? "zh-CN" : "en-GB" };
        const a = await as("shenji", opts);
        if (lang === "en") {
          await a.click('[data-testid="lang"]');
          await a.waitForFunction(() => document.querySelector('[data-testid="lang"]')?.textContent === "中文");
        }
        await a.goto(base + "/audit");
        await a.waitForSelector('[data-testid="audit-table"][data-ready="1"]');
        await a.click('[data-testid="audit-table"] tbody tr');
        await a.waitForSelector('[data-testid="audit-detail"]:not([hidden])');
        await check(a, "/audit", lang);
        await a.goto(base + "/no/such/page");
        await a.waitForSelector('[data-testid="not-found"]');
        await check(a, "not found", lang);
      }
      assert(!problems.length, problems.join("\n"));
      // The other pages walked in zh-CN and reported (not failed): what is left to fix elsewhere.
      const others = [];
      const z = await as("zrzy");
      for (const path of ["/home", "/projects/XM2026-001", "/map", "/inbox", "/schemes", "/dashboard", "/assessment", "/participation", "/evaluations", "/warnings", "/orders", "/stats", "/monitoring"]) {
        await z.goto(base + path);
        await z.waitForTimeout(1500);
        const before = problems.length;
        await check(z, path, "zh");
        if (problems.length > before) others.push(problems.pop());
      }
      for (const o of others) console.log("# raw-code walk (not failed): " + o);
    });
  } finally {
    await closeAll();
  }
}
