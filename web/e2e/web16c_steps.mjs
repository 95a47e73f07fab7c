// E2E steps of issue 16's second part (run.mjs calls web16cSteps):
// - a payment approved with its voucher (a PDF) in the confirmation dialog: the row and the print
//   sheet link it, it downloads as sent, a second upload is refused (409);
// - 我的地块 on a phone: areas in 亩 with m², the value with its unit, the village by name, only
//   projects of the villager's own village;
// - a scheme edited (cost, households relocated) and removed after a confirmation in the browser,
//   both in the audit log;
// - the project library's findings filter (有违规 / 有警告 / 无问题).
import { call, phone, signedInPages } from "./page_api.mjs";

const desktop = { viewport: { width: 1440, height: 1000 }, locale: "zh-CN" };
const CODE = "XM2026-001";

export async function web16cSteps({ browser, base, step, assert, signIn, shot }) {
  const { as, closeAll } = signedInPages({ browser, base, signIn }, desktop);
  try {
    await step("拨付凭证: finance approves a payment with a PDF voucher; it is linked on the row and the print sheet and downloads as sent; a second upload is a 409", async () => {
      const zhen = await as("zhen");
      const project = (await call(zhen, "GET", "/api/v1/projects")).body.projects.find((x) => x.code === CODE);
      assert(project, "the demo project " + CODE);
      const ms = (await call(zhen, "GET", `/api/v1/projects/${project.id}/milestones`)).body.milestones;
      const req = await call(zhen, "POST", `/api/v1/projects/${project.id}/funds/disbursements`, { milestone_id: ms[0].id, payee: "县水利建设有限公司", purpose: "凭证测试进度款", amount_fen: 12300 });
      assert(req.status === 201 && req.body.voucher === null, "a request without a voucher: " + JSON.stringify(req));
      const p = await as("czj");
      await p.goto(`${base}/projects/${CODE}`);
      const row = `[data-testid="disbursements"] li[data-disbursement="${req.body.id}"]`;
      await p.waitForSelector(`${row} button[data-action="approve"]`, { timeout: 60000 });
      await p.click(`${row} button[data-action="approve"]`);
      await p.waitForSelector('[data-testid="pay-confirmation"] [data-testid="pay-voucher"]');
      const pdf = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
      // Too large: refused in the dialog before anything is sent.
      await p.setInputFiles('[data-testid="pay-voucher"]', { name: "big.pdf", mimeType: "application/pdf", buffer: Buffer.alloc(10 * 1024 * 1024 + 1, 0x25) });
      await p.fill('[data-testid="pay-opinion"]', "凭发票和验收单拨付");
      await p.click('[data-testid="pay-confirm"]');
      await p.waitForFunction(() => document.querySelector('[data-testid="pay-confirmation"] .msg.error')?.textContent.includes("10 MB"));
      await p.setInputFiles('[data-testid="pay-voucher"]', { name: "凭证.pdf", mimeType: "application/pdf", buffer: Buffer.from(pdf) });
      await p.click('[data-testid="pay-confirm"]');
      await p.waitForSelector(`${row}[data-status="approved"] [data-testid="voucher-link"]`, { timeout: 30000 });
      const d = (await call(p, "GET", `/api/v1/projects/${project.id}/funds/disbursements`)).body.disbursements.find((x) => x.id === req.body.id);
      assert(d.status === "approved" && d.decision_comment === "凭发票和验收单拨付" && d.voucher?.content_type === "application/pdf", "approved with its voucher: " + JSON.stringify(d));
      const href = await p.getAttribute(`${row} [data-testid="voucher-link"]`, "href");
      const got = await p.evaluate(async (h) => {
        const r = await fetch(h);
        return { status: r.status, type: r.headers.get("content-type"), text: await r.text(), disposition: r.headers.get("content-disposition") };
      }, href);
      assert(got.status === 200 && got.type === "application/pdf" && got.text === pdf && got.disposition.includes("attachment"), "the voucher as sent: " + JSON.stringify({ ...got, text: got.text.slice(0, 20) }));
      // The decision and its voucher are one audit entry.
      const audit = (await call(await as("shenji"), "GET", `/api/v1/audit/search?project=${CODE}&limit=20`)).body.entries;
      const entry = audit.find((e) => e.action === "funds.disbursement_approve" && e.detail?.disbursement === req.body.id);
      assert(entry && entry.detail.voucher?.content_type === "application/pdf", "audited with the voucher: " + JSON.stringify(entry));
      // A second upload: 409, the first stays.
      const again = await p.evaluate(async (u) => {
        const r = await fetch(u, { method: "POST", headers: { "Content-Type": "application/pdf" }, body: "%PDF-1.4\n%%EOF\n" });
        return { status: r.status, body: await r.json() };
      }, href);
      assert(again.status === 409 && again.body.error.code === "voucher_exists", "second upload refused: " + JSON.stringify(again));
      // The print sheet names it.
      await p.click(`${row} [data-testid="print-payment"]`);
      await p.waitForSelector('[data-testid="print-payment"] [data-field="voucher"] [data-testid="voucher-link"]');
      assert((await p.textContent('[data-testid="print-payment"] [data-field="voucher"]')).includes("PDF"), "voucher on the print sheet");
      await shot(p, "payment-voucher-print");
    });

    await step("我的地块: a villager on a phone sees areas in 亩 (and m²), the value with its unit and the village by name, for its own village's projects only", async () => {
      const v = await as("cunmin", phone);
      await v.goto(base + "/parcels");
      await v.waitForSelector('[data-testid="parcels-card"], [data-testid="parcels-empty"]');
      const mine = (await call(v, "GET", "/api/v1/rights/mine")).body;
      const me = (await call(v, "GET", "/api/v1/me")).body;
      const village = me.grants.find((g) => g.role === "villager").region;
      const projects = (await call(v, "GET", "/api/v1/projects")).body.projects;
      // Plans of a household of the villager's village, over projects that lie over that village.
      const hhRegion = new Map(mine.households.map((h) => [h.household_code, h.region_code]));
      const own = mine.plans.filter((x) => x.household && (hhRegion.get(x.household_code) ?? "").startsWith(village)
        && projects.every((p) => p.id !== x.project_id || village.startsWith(p.region_code)));
      const cards = await v.$$eval('[data-testid="parcels-card"]', (cs) => cs.length);
      assert(cards === own.length && cards > 0, `cards ${cards} = plans of the own village ${own.length}`);
      const area = await v.textContent('[data-testid="parcels-area"]');
      assert(area.includes("亩") && area.includes("平方米"), "area in 亩 and m²: " + area);
      const value = await v.textContent('[data-testid="parcels-value"]');
      assert(value.includes("标准亩"), "value with its unit: " + value);
      const place = await v.textContent('[data-testid="parcels-place"]');
      const regions = (await call(v, "GET", "/api/v1/regions")).body.regions;
      const name = regions.find((r) => r.code === village)?.name;
      assert(name && place.includes(name) && !/\d{9,}/.test(place), "the village named, not coded: " + place);
      const width = await v.evaluate(() => document.documentElement.scrollWidth);
      assert(width <= 360, "no horizontal scrolling: " + width);
      await shot(v, "parcels-units-phone");
    });

    await step("方案比选: a scheme is edited (cost, resettlement) and removed after a confirmation in the browser; both audited", async () => {
      const p = await as("zrzy");
      const project = (await call(p, "GET", "/api/v1/projects")).body.projects.find((x) => x.code === "XM2026-005");
      const full = (await call(p, "GET", `/api/v1/projects/${project.id}`)).body;
      let unit = null, made = null;
      for (let n = 1; n <= 20 && !made; n++) {
        const code = project.region_code.slice(0, 6) + "DY" + String(n).padStart(2, "0");
        const r = await call(p, "POST", "/api/v1/schemes", { unit: code, region_code: project.region_code, name: "待修改方案", cost_fen: 5000000, plan: full.plan });
        if (r.status === 201) (unit = code), (made = r.body);
      }
      assert(made, "a scheme to edit");
      await p.goto(`${base}/schemes?unit=${encodeURIComponent(unit)}`);
      await p.waitForSelector(`[data-testid="edit-${made.code}"]`, { timeout: 60000 });
      await p.click(`[data-testid="edit-${made.code}"]`);
      await p.waitForSelector('[data-testid="scheme-edit"]');
      assert((await p.inputValue('[data-testid="se-cost"]')) === "50000.00", "the cost in yuan");
      await p.fill('[data-testid="se-name"]', "已修改方案");
      await p.fill('[data-testid="se-cost"]', "1,234,567.89");
      await p.fill('[data-testid="se-households"]', "7");
      await p.click('[data-testid="se-save"]');
      await p.waitForSelector('[data-testid="scheme-edit"]', { state: "detached", timeout: 60000 });
      const edited = (await call(p, "GET", `/api/v1/schemes/${made.id}`)).body;
      assert(edited.name === "已修改方案" && edited.cost_fen === 123456789 && edited.social.relocated_households === 7 && edited.social.relocation_basis === "declared",
        "edited: " + JSON.stringify({ name: edited.name, cost: edited.cost_fen, social: edited.social }));
      await p.waitForSelector(`[data-testid="scheme-list"] tr[data-scheme="${made.code}"]`);
      assert((await p.textContent(`[data-testid="scheme-list"] tr[data-scheme="${made.code}"]`)).includes("已修改方案"), "the table shows the edit");
      // Removal asks first; cancelling keeps it.
      await p.click(`[data-testid="remove-${made.code}"]`);
      await p.waitForSelector('[data-testid="scheme-remove"]');
      await p.click('[data-testid="sr-cancel"]');
      assert((await call(p, "GET", `/api/v1/schemes/${made.id}`)).status === 200, "kept after cancelling");
      await p.click(`[data-testid="remove-${made.code}"]`);
      await p.click('[data-testid="sr-confirm"]');
      await p.waitForSelector('[data-testid="scheme-remove"]', { state: "detached", timeout: 30000 });
      await p.waitForFunction((c) => !document.querySelector(`[data-testid="scheme-list"] tr[data-scheme="${c}"]`), made.code, { timeout: 30000 });
      assert((await call(p, "GET", `/api/v1/schemes/${made.id}`)).status === 404, "removed");
      const log = (await call(await as("shenji"), "GET", `/api/v1/audit/search?limit=50`)).body.entries.filter((e) => e.object === `scheme:${made.code}`).map((e) => e.action);
      assert(log.includes("scheme.update") && log.includes("scheme.delete"), "audited: " + log.join(","));
      // Who may not edit is refused (403 for a reader, the scheme unchanged).
      const nyncj = await as("nyncj");
      const other = (await call(p, "GET", `/api/v1/schemes?unit=${encodeURIComponent(unit)}`)).body.schemes[0];
      if (other) assert((await call(nyncj, "DELETE", `/api/v1/schemes/${other.id}`)).status === 403, "a co-reviewing department may not remove");
    });

    await step("项目库: the findings filter keeps projects with violations, with warnings or without findings", async () => {
      const p = await as("zrzy");
      await p.goto(base + "/home");
      await p.waitForSelector('[data-testid="project-library"] tr[data-code]');
      const all = (await call(p, "GET", "/api/v1/projects")).body.projects;
      const kind = (x) => (!x.findings ? "unchecked" : x.findings.errors ? "error" : x.findings.warnings ? "warning" : "clean");
      assert(all.some((x) => x.findings), "some projects checked");
      for (const k of ["error", "warning", "clean", "unchecked"]) {
        await p.selectOption('[data-testid="pl-findings"]', k);
        const codes = await p.$$eval('[data-testid="project-list"] tbody tr', (rs) => rs.map((r) => r.dataset.code).sort());
        const want = all.filter((x) => kind(x) === k).map((x) => x.code).sort();
        assert(JSON.stringify(codes) === JSON.stringify(want.slice(0, 50)), `${k}: ${codes} vs ${want}`);
      }
      await p.selectOption('[data-testid="pl-findings"]', "error");
      assert((await p.$$('[data-testid="project-list"] tbody tr')).length > 0, "the demo has projects with violations");
      await shot(p, "library-findings");
      await p.selectOption('[data-testid="pl-findings"]', "");
    });
  } finally {
    await closeAll();
  }
}
