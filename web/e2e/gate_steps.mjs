// E2E steps of compliance that binds (issue 16 part 1; web/src/pages/project_gate.ts), run by
// run.mjs on the project zrzy created from XM2026-005's plan (roads in the ecological red line)
// after it was returned: submitting it asks to confirm the findings in a dialog; approval is
// refused naming each violation (rule, where, area in 亩); the lead department acknowledges the
// red-line warning with a reason, shown with who and when (and in the audit log); the violating
// changes are deleted in the plan editor, which clears the acknowledgement; the fixed plan is
// submitted, checked, acknowledged again, reviewed by every department owed and approved.

import { call, signedInPages } from "./page_api.mjs";

const desktop = { viewport: { width: 1440, height: 900 }, locale: "zh-CN" };
// The demo's reviewer of each department (services/demo_platform.cpp).
const reviewers = { 自然资源局: "zrzy", 农业农村局: "nyncj", 生态环境局: "sthjj", 水利局: "slj", 交通运输局: "jtysj", 文化和旅游局: "wlj", 财政局: "czj", 发展和改革局: "fgj" };

const stateOf = (page) => page.getAttribute('[data-testid="project-title"] .badge', "data-state");
const waitState = (page, state, timeout = 30000) =>
  page.waitForFunction((s) => document.querySelector('[data-testid="project-title"] .badge')?.dataset.state === s, state, { timeout });

export async function gateSteps({ page, browser, base, step, assert, signIn, shot, project }) {
  const { as, closeAll } = signedInPages({ browser, base, signIn }, desktop);
  const { code, id } = project();
  const detail = async () => (await call(page, "GET", `/api/v1/projects/${id}`)).body;

  // Submits from the page, confirming the findings the dialog lists; returns how many it listed.
  async function submitConfirming() {
    await page.click('button[data-action="submit"]');
    await page.waitForSelector('[data-testid="confirm-findings"]', { timeout: 60000 });
    const listed = await page.$$eval('[data-testid="confirm-list"] li', (li) => li.map((x) => x.textContent));
    await page.click('[data-testid="confirm-submit"]');
    await waitState(page, "submitted");
    assert(!(await page.$('[data-testid="confirm-findings"]')), "the dialog closed");
    return listed;
  }
  async function act(action) {
    await page.click(`button[data-action="${action}"]`);
  }
  async function acknowledge(reason) {
    await page.waitForSelector('[data-testid="gate-warnings"] li[data-acknowledged="0"] [data-testid="ack-reason-0"]', { timeout: 20000 });
    await page.fill('[data-testid="ack-reason-0"]', reason);
    await page.click('[data-testid="ack-button-0"]');
    await page.waitForSelector('[data-testid="gate-warnings"] li[data-acknowledged="1"] [data-testid="ack-0"]', { timeout: 20000 });
    const text = await page.textContent('[data-testid="ack-0"]');
    assert(text.includes("zrzy") && text.includes(reason), "who and why shown: " + text);
  }

  try {
    await step("compliance binds: a plan with findings is submitted only after the dialog's confirmation; approval is refused naming each violation", async () => {
      await page.goto(`${base}/projects/${code}`);
      await page.waitForSelector('.col-map[data-ready="1"]', { timeout: 30000 });
      assert((await stateOf(page)) === "returned", "the returned project");
      // Cancelling leaves it returned.
      await page.click('button[data-action="submit"]');
      await page.waitForSelector('[data-testid="confirm-findings"]', { timeout: 60000 });
      await page.click('[data-testid="confirm-cancel"]');
      await page.waitForFunction(() => !document.querySelector('[data-testid="confirm-findings"]'));
      assert((await detail()).state === "returned", "cancelled: still returned");
      const listed = await submitConfirming();
      assert(listed.length > 0 && listed.every((x) => x.includes("亩")), "the dialog listed the findings with areas: " + listed.join(" | "));
      assert(listed.some((x) => x.includes("生态保护红线内实施工程建设")), "the roads in the red line listed: " + listed.join(" | "));
      await act("check_compliance");
      await waitState(page, "compliance_checked", 60000);
      await act("start_review");
      await waitState(page, "joint_review");
      const gate = (await detail()).compliance_gate;
      assert(gate.blocking.length > 0, "the check found violations: " + JSON.stringify(gate).slice(0, 300));
      const shown = await page.$$eval('[data-testid="gate-blocking"] li', (li) => li.map((x) => x.dataset.key));
      assert(shown.length === gate.blocking.length, "the violations listed on the page");
      await act("approve");
      await page.waitForSelector('[data-testid="action-message"].error [data-testid="refusal-findings"] li', { timeout: 20000 });
      const message = await page.textContent('[data-testid="action-message"]');
      assert(message.includes("操作被拒绝") && message.includes("须先修改方案"), "refused: " + message);
      const refused = await page.$$eval('[data-testid="refusal-findings"] li', (li) => li.map((x) => ({ key: x.dataset.key, text: x.textContent })));
      assert(refused.length === gate.blocking.length, `each violation named: ${refused.length} of ${gate.blocking.length}`);
      for (const [i, f] of gate.blocking.entries()) {
        const r = refused.find((x) => x.key === f.key);
        assert(r && r.text.includes(f.name_zh) && r.text.includes(f.feature_zh) && r.text.includes("亩"), `violation ${i} named with rule, place and area: ${r?.text}`);
      }
      assert((await detail()).state === "joint_review", "not approved");
      await shot(page, "project-blocked");
    });

    await step("compliance binds: the lead department acknowledges the red-line warning with a reason; who, when and why on the page and in the audit log", async () => {
      const gate = (await detail()).compliance_gate;
      assert(gate.warnings.length === 1 && !gate.warnings[0].acknowledgement, "one open warning: " + JSON.stringify(gate.warnings).slice(0, 300));
      await acknowledge("红线内为原有林地，不安排工程建设，已现场核实");
      const after = (await detail()).compliance_gate.warnings[0].acknowledgement;
      assert(after.actor === "zrzy" && after.time && after.reason.includes("已现场核实"), "stored: " + JSON.stringify(after));
      const shenji = await as("shenji");
      const audit = await call(shenji, "GET", "/api/v1/audit?action=project.acknowledge_finding");
      const entry = (audit.body.entries ?? []).find((e) => e.object === `project:${code}`);
      assert(audit.status === 200 && entry && entry.actor === "zrzy" && JSON.stringify(entry).includes("已现场核实"), "in the audit log: " + JSON.stringify(audit.body).slice(0, 300));
      // The violations still block.
      await act("approve");
      await page.waitForSelector('[data-testid="action-message"].error [data-testid="refusal-findings"] li', { timeout: 20000 });
    });

    await step("compliance binds: the violating changes are deleted, the acknowledgement is cleared; the fixed plan is acknowledged again, reviewed and approved", async () => {
      const before = await detail();
      // One change may break several rules (the red line and the development boundary): each deleted once.
      const blocked = [...new Set(before.compliance_gate.blocking.map((f) => Number(f.feature.split("-P").pop()) - 1))].sort((a, b) => b - a);
      await page.fill('[data-testid="actions"] input.comment', "生态保护红线内不得新建道路，请删除后重新申报");
      await act("return");
      await waitState(page, "returned");
      await page.waitForSelector('[data-testid="plan-editor"]', { timeout: 20000 });
      let rows = (await page.$$('[data-testid="changes"] tr[data-change]')).length;
      for (const i of blocked) {
        await page.click(`[data-testid="delete-${i}"]`);
        await page.waitForFunction((n) => document.querySelectorAll('[data-testid="changes"] tr[data-change]').length === n, rows - 1);
        rows -= 1;
      }
      await page.click('[data-testid="save-plan"]');
      let saved = null;
      for (let i = 0; i < 100; ++i) {
        saved = await detail();
        if (saved.plan.changes.length === before.plan.changes.length - blocked.length) break;
        await page.waitForTimeout(200);
      }
      assert(saved.plan.changes.length === before.plan.changes.length - blocked.length, "the plan saved without the violating changes");
      const cleared = saved.compliance_gate.acknowledgements;
      assert(cleared.length === 1 && cleared[0].cleared_because === "plan_changed", "the acknowledgement cleared by the plan change: " + JSON.stringify(cleared));
      await page.waitForSelector('[data-testid="ack-cleared"] li', { timeout: 20000 });
      const listed = await submitConfirming();
      assert(listed.length === 1, "only the red-line warning left: " + listed.join(" | "));
      await act("check_compliance");
      await waitState(page, "compliance_checked", 60000);
      await act("start_review");
      await waitState(page, "joint_review");
      let gate = (await detail()).compliance_gate;
      assert(gate.blocking.length === 0 && gate.warnings.length === 1, "no violation, one warning: " + JSON.stringify(gate).slice(0, 300));
      // Every department owed gives its opinion; approval still waits for the acknowledgement.
      const owed = (await detail()).reviews.filter((r) => r.round === before.review_round + 1 && !r.decision);
      for (const r of owed) {
        const who = r.department === "自然资源局" ? page : await as(reviewers[r.department]);
        const res = await call(who, "POST", `/api/v1/projects/${id}/reviews`, { department: r.department, decision: "approve", opinion: "同意" });
        assert(res.status === 200, `${r.department} reviewed: ${JSON.stringify(res.body)}`);
      }
      await page.reload();
      await page.waitForSelector('button[data-action="approve"]', { timeout: 20000 });
      await act("approve");
      await page.waitForSelector('[data-testid="action-message"].error [data-testid="refusal-findings"] li', { timeout: 20000 });
      assert((await page.textContent('[data-testid="action-message"]')).includes("尚未经牵头部门确认知悉"), "refused: warning not acknowledged");
      await acknowledge("整改后红线内不安排工程，已复核");
      await act("approve");
      await waitState(page, "approved");
      gate = (await detail()).compliance_gate;
      assert(gate.warnings[0].acknowledgement.reason === "整改后红线内不安排工程，已复核", "the acknowledgement in force");
      await shot(page, "project-acknowledged");
    });
  } finally {
    await closeAll();
  }
}
