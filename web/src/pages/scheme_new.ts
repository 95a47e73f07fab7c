// A new alternative scheme made in the browser (as `gongzhi schemes add` does): a unit, a project
// of the unit whose plan (area and planned changes) becomes the scheme's plan, a name, the cost in
// 元 and the households its resettlement plan relocates (empty: estimated from the homestead land
// it takes). POST /api/v1/schemes measures it on entry; the page then shows it in the comparison.
import { ApiFailure, api, getProject, type Project } from "../api";
import { el } from "../dom";
import { addStrings, t, tData } from "../i18n";
import "./project.css";
import { yuanToFen } from "./project_funds";

addStrings({
  sn_title: ["新建比选方案", "New scheme"],
  sn_hint: ["以单元内项目的规划方案（整治范围与规划调整）为基础，填写投资和搬迁安置户数后保存；保存时计算地类平衡、潜力和风险。",
    "Based on the plan of a project in the unit (its area and planned changes): give the cost and the households resettled, then save; the balance, potential and risks are measured on saving."],
  sn_unit: ["整治单元", "Unit"],
  sn_project: ["方案来源项目", "Plan from project"],
  sn_name: ["方案名称", "Name"],
  sn_description: ["说明", "Description"],
  sn_cost: ["投资（元）", "Cost (yuan)"],
  sn_households: ["搬迁安置户数（可空，空则按宅基地估算）", "Households resettled (empty: estimated)"],
  sn_choose: ["请选择", "Choose"],
  sn_save: ["保存方案", "Save scheme"],
  sn_saved: ["方案 {code} 已保存", "Scheme {code} saved"],
  sn_no_changes: ["该项目的规划没有地类调整，不能作为方案", "The project's plan changes no land use: it cannot be a scheme"],
  sn_bad_cost: ["投资应为金额（元）", "The cost must be an amount in yuan"],
  se_edit: ["修改", "Edit"],
  se_remove: ["删除", "Remove"],
  se_title: ["修改方案 {code}", "Edit scheme {code}"],
  se_plan: ["规划方案", "Plan"],
  se_plan_keep: ["保持当前规划", "Keep the current plan"],
  se_saved: ["方案 {code} 已修改", "Scheme {code} saved"],
  se_cancel: ["取消", "Cancel"],
  se_remove_title: ["删除方案 {code}？", "Remove scheme {code}?"],
  se_remove_text: ["删除后该方案不再参与比选；此操作记入审计日志，不能撤销。已生成的模拟情景图层保留。", "The scheme leaves the comparison; the removal is written to the audit log and cannot be undone. A scenario layer made by a simulation stays."],
  se_remove_confirm: ["确认删除", "Remove"],
  se_removed: ["方案 {code} 已删除", "Scheme {code} removed"],
  sn_required: ["请选择单元和项目并填写名称", "Choose a unit and a project and give a name"],
});

// What the edit form needs of a scheme (pages/schemes.ts has the full record).
export interface EditableScheme {
  id: number;
  code: string;
  name: string;
  description?: string;
  cost_fen: number;
  plan?: unknown;
  social?: { relocated_households: number; relocation_basis: string };
}

function modal(testid: string, ...content: (Node | string)[]): HTMLElement {
  const box = el("div", { class: "modal", role: "dialog", "aria-modal": "true", "data-testid": testid }, el("div", { class: "modal-card card" }, ...content));
  document.body.append(box);
  return box;
}

// The edit dialog of a scheme: name, description, cost (元), the households its resettlement plan
// relocates, and its plan (kept, or taken from a project). PUT /api/v1/schemes/{id} measures it
// again. Resolves true when saved.
export function editScheme(s: EditableScheme, projects: Project[]): Promise<boolean> {
  return new Promise((resolve) => {
    const name = el("input", { "data-testid": "se-name", maxlength: "100", value: s.name }) as HTMLInputElement;
    const description = el("input", { "data-testid": "se-description", maxlength: "2000", value: s.description ?? "" }) as HTMLInputElement;
    const cost = el("input", { "data-testid": "se-cost", inputmode: "decimal", value: (s.cost_fen / 100).toFixed(2) }) as HTMLInputElement;
    const households = el("input", { "data-testid": "se-households", inputmode: "numeric",
      value: s.social?.relocation_basis === "declared" ? String(s.social.relocated_households) : "" }) as HTMLInputElement;
    const plan = el("select", { "data-testid": "se-plan" }, el("option", { value: "" }, t("se_plan_keep")),
      ...projects.map((p) => el("option", { value: String(p.id), "data-user": "" }, `${p.code} ${p.name}`))) as HTMLSelectElement;
    const msg = el("p", { class: "msg", role: "status", "data-testid": "se-message" });
    const save = el("button", { type: "submit", class: "btn primary", "data-testid": "se-save" }, t("sn_save"));
    const cancel = el("button", { type: "button", class: "btn", "data-testid": "se-cancel" }, t("se_cancel"));
    const form = el("form", { class: "sn-form" },
      el("label", {}, t("sn_name"), name), el("label", {}, t("sn_description"), description), el("label", {}, t("sn_cost"), cost),
      el("label", {}, t("sn_households"), households), el("label", {}, t("se_plan"), plan), msg, el("div", { class: "buttons" }, save, cancel));
    const box = modal("scheme-edit", el("h2", {}, tData("se_title", { code: s.code })), form);
    const close = (saved: boolean) => {
      box.remove();
      resolve(saved);
    };
    cancel.addEventListener("click", () => close(false));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const fail = (text: string) => ((msg.className = "msg error"), (msg.textContent = text));
      if (!name.value.trim()) return fail(t("sn_required"));
      const fen = yuanToFen(cost.value);
      if (fen === null) return fail(t("sn_bad_cost"));
      save.setAttribute("disabled", "");
      try {
        let p = s.plan;
        if (plan.value) {
          const pr = await getProject(Number(plan.value));
          if (!(pr.plan?.changes ?? []).length) return fail(t("sn_no_changes"));
          p = pr.plan;
        }
        const body: Record<string, unknown> = { name: name.value.trim(), description: description.value.trim(), cost_fen: fen, plan: p };
        if (households.value.trim()) body.relocated_households = Number(households.value.trim());
        await api("PUT", `/api/v1/schemes/${s.id}`, body);
        close(true);
      } catch (err) {
        fail(`${t("action_refused")}: ${err instanceof ApiFailure ? err.text() : String(err)}`);
      } finally {
        save.removeAttribute("disabled");
      }
    });
    name.focus();
  });
}

// Removal after a confirmation naming the scheme. Resolves true when removed.
export function removeScheme(s: EditableScheme): Promise<boolean> {
  return new Promise((resolve) => {
    const msg = el("p", { class: "msg", role: "status", "data-testid": "sr-message" });
    const ok = el("button", { type: "button", class: "btn danger primary", "data-testid": "sr-confirm" }, t("se_remove_confirm"));
    const cancel = el("button", { type: "button", class: "btn", "data-testid": "sr-cancel" }, t("se_cancel"));
    const box = modal("scheme-remove", el("h2", {}, tData("se_remove_title", { code: s.code })),
      el("p", { "data-user": "" }, s.name), el("p", { class: "hint" }, t("se_remove_text")), msg, el("div", { class: "buttons" }, ok, cancel));
    const close = (removed: boolean) => {
      box.remove();
      resolve(removed);
    };
    cancel.addEventListener("click", () => close(false));
    ok.addEventListener("click", async () => {
      ok.setAttribute("disabled", "");
      try {
        await api("DELETE", `/api/v1/schemes/${s.id}`);
        close(true);
      } catch (err) {
        msg.className = "msg error";
        msg.textContent = `${t("action_refused")}: ${err instanceof ApiFailure ? err.text() : String(err)}`;
        ok.removeAttribute("disabled");
      }
    });
    ok.focus();
  });
}

interface Zone {
  code: string;
  name?: string;
  platform_projects?: string[];
}

export async function newSchemeForm(projects: Project[], saved: (unit: string) => void): Promise<HTMLElement> {
  const zones = await api<{ zones: Zone[] }>("GET", "/api/v1/units").then((r) => r.zones).catch(() => [] as Zone[]);
  const unit = el("select", { "data-testid": "sn-unit" }, el("option", { value: "" }, t("sn_choose")),
    ...zones.map((z) => el("option", { value: z.code, "data-user": "" }, z.name ? `${z.code} ${z.name}` : z.code))) as HTMLSelectElement;
  const project = el("select", { "data-testid": "sn-project" }, el("option", { value: "" }, t("sn_choose"))) as HTMLSelectElement;
  const name = el("input", { "data-testid": "sn-name", maxlength: "200" }) as HTMLInputElement;
  const description = el("input", { "data-testid": "sn-description", maxlength: "2000" }) as HTMLInputElement;
  const cost = el("input", { "data-testid": "sn-cost", inputmode: "decimal", placeholder: "0.00" }) as HTMLInputElement;
  const households = el("input", { "data-testid": "sn-households", inputmode: "numeric" }) as HTMLInputElement;
  const msg = el("p", { class: "msg", role: "status", "data-testid": "sn-message" });
  const save = el("button", { type: "submit", class: "btn primary", "data-testid": "sn-save" }, t("sn_save"));
  unit.addEventListener("change", () => {
    // The unit's own projects first; any other project's plan may be taken too.
    const codes = zones.find((z) => z.code === unit.value)?.platform_projects ?? [];
    const own = projects.filter((p) => codes.includes(p.code)), rest = projects.filter((p) => !codes.includes(p.code));
    project.replaceChildren(el("option", { value: "" }, t("sn_choose")),
      ...[...own, ...rest].map((p) => el("option", { value: String(p.id), "data-user": "" }, `${p.code} ${p.name}`)));
  });
  const form = el("form", { class: "card sn-form", "data-testid": "scheme-new" }, el("h2", {}, t("sn_title")), el("p", { class: "muted small" }, t("sn_hint")),
    el("label", {}, t("sn_unit"), unit), el("label", {}, t("sn_project"), project), el("label", {}, t("sn_name"), name),
    el("label", {}, t("sn_description"), description), el("label", {}, t("sn_cost"), cost), el("label", {}, t("sn_households"), households), save, msg);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const fail = (text: string) => ((msg.className = "msg error"), (msg.textContent = text));
    if (!unit.value || !project.value || !name.value.trim()) return fail(t("sn_required"));
    const fen = yuanToFen(cost.value);
    if (fen === null) return fail(t("sn_bad_cost"));
    save.setAttribute("disabled", "");
    try {
      const p = await getProject(Number(project.value));
      if (!(p.plan?.changes ?? []).length) return fail(t("sn_no_changes"));
      const body: Record<string, unknown> = { unit: unit.value, region_code: p.region_code, name: name.value.trim(), description: description.value.trim(),
        cost_fen: fen, plan: p.plan };
      if (households.value.trim()) body.relocated_households = Number(households.value.trim());
      const s = await api<{ code: string }>("POST", "/api/v1/schemes", body);
      msg.className = "msg ok";
      msg.textContent = t("sn_saved", { code: s.code });
      saved(unit.value);
    } catch (err) {
      fail(`${t("action_refused")}: ${err instanceof ApiFailure ? err.text() : String(err)}`);
    } finally {
      save.removeAttribute("disabled");
    }
  });
  return form;
}
