import { ApiFailure, api, getProject, type Project, type Review } from "../api";
import { el, u } from "../dom";
import { colon, lang, t, typeName } from "../i18n";
import type { Ctx } from "../main";
import { createMap, projectAreas, type GongzhiMap } from "../map";
import { findingName, link, owedByMe, stateBadge } from "./common";
import { complianceSection, findingsFC, reviewsSection } from "./project";

export async function renderInbox(main: HTMLElement, ctx: Ctx): Promise<() => void> {
  let gmap: GongzhiMap | null = null;
  const draw = async () => {
    const owed = await owedByMe(ctx);
    main.replaceChildren(el("h1", {}, t("inbox_title")));
    if (!owed.length) {
      main.append(el("p", { class: "empty", "data-testid": "inbox-empty" }, t("inbox_empty")));
      return;
    }
    const wanted = Number(new URLSearchParams(location.search).get("project"));
    const current = owed.find((o) => o.project.id === wanted) ?? owed[0];
    const list = el("ul", { class: "inbox-list", "data-testid": "inbox" });
    for (const o of owed) {
      const a = el("a", { href: `/inbox?project=${o.project.id}`, "data-route": "", "data-user": "", class: o === current ? "active" : "" }, `${o.project.code} ${o.project.name}`);
      list.append(el("li", { "data-code": o.project.code }, a, " ", stateBadge(o.project.state)));
    }
    const formCol = el("div", { class: "col-main" });
    const mapCol = el("div", { class: "col-map" });
    main.append(el("div", { class: "columns" }, el("div", { class: "col-narrow" }, list), formCol, mapCol));
    formCol.append(el("h2", {}, link(`/projects/${encodeURIComponent(current.project.code)}`, `${current.project.code} ${current.project.name}`)));
    for (const r of current.reviews) formCol.append(reviewForm(current.project, r));
    formCol.append(complianceSection(current.project), reviewsSection(current.project));
    gmap?.destroy();
    gmap = createMap(mapCol);
    const areas = projectAreas([current.project]);
    const { findings, overlaps } = findingsFC(current.project);
    gmap.setProjects(areas);
    gmap.setFindings(findings, overlaps);
    await gmap.ready;
    gmap.fit(findings.features.length ? findings : areas);
    mapCol.dataset.ready = "1";
  };

  // Why the department reviews, in words (data/review_requirements.json: always, the project's
  // type, a finding's rule or control line, a first-level land-use group the plan touches).
  function becauseWords(x: string, p: Project): string {
    const [kind, value = ""] = x.split(/:(.*)/s);
    if (kind === "always") return t("because_always");
    if (kind === "project_type") return t("because_type", { type: typeName(value) });
    if (kind === "rule") {
      const f = p.compliance?.findings.find((g) => g.rule === value);
      return f ? t("because_rule", { rule: findingName(f) }) : t("because_rule_any");
    }
    if (kind === "overlap") {
      const layer = ({ permanent_basic_farmland: "layer_pbf", ecological_redline: "layer_redline", urban_development_boundary: "layer_udb", village_plan: "layer_village_plan" } as Record<string, string>)[value];
      return layer ? t("because_overlap", { layer: t(layer) }) : t("because_overlap_any");
    }
    if (kind === "land_use_level1") return t("because_level1_" + value);
    return t("because_other");
  }

  function reviewForm(p: Project, r: Review): HTMLElement {
    const form = el("form", { class: "card review-form", "data-testid": "review-form", "data-department": r.department });
    const decisions = ["approve", "approve_with_conditions", "reject"];
    const radios = el("div", { class: "radios" });
    for (const d of decisions) {
      // No conclusion is preselected: the reviewer chooses one.
      const input = el("input", { type: "radio", name: "decision", value: d, "data-decision": d, "aria-required": "true" }) as HTMLInputElement;
      radios.append(el("label", { class: "radio big-touch" }, input, t("decision_" + d)));
    }
    const opinion = el("textarea", { name: "opinion", rows: "3", "data-testid": "opinion" }) as HTMLTextAreaElement;
    const conditions = el("textarea", { name: "conditions", rows: "2", "data-testid": "conditions" }) as HTMLTextAreaElement;
    const condLabel = el("label", { class: "conditions", hidden: "" }, t("conditions"), conditions);
    radios.addEventListener("change", () => {
      const d = (form.querySelector("input[name=decision]:checked") as HTMLInputElement | null)?.value;
      condLabel.hidden = d !== "approve_with_conditions";
    });
    const msg = el("div", { class: "msg", role: "status", "data-testid": "review-message" });
    const btn = el("button", { class: "btn primary big", type: "submit", "data-testid": "submit-review" }, t("submit_review"));
    form.append(el("h3", {}, `${t("review_form")} · `, u(r.department), ` · ${t("round", { n: r.round })}`),
      r.required_because ? el("p", { class: "muted" }, `${t("required_because")}${colon()}`,
        (Array.isArray(r.required_because) ? r.required_because : [String(r.required_because)]).map((x: string) => becauseWords(x, p)).join(lang() === "zh" ? "、" : "; ")) : "",
      el("div", {}, t("decision"), radios), el("label", {}, t("opinion"), opinion), condLabel, btn, msg);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const chosen = form.querySelector("input[name=decision]:checked") as HTMLInputElement | null;
      if (!chosen) {
        msg.className = "msg error";
        msg.textContent = t("decision_required");
        return;
      }
      const decision = chosen.value;
      const body: Record<string, unknown> = { department: r.department, decision, opinion: opinion.value.trim() };
      if (decision === "approve_with_conditions")
        body.conditions = conditions.value.split("\n").map((s) => s.trim()).filter(Boolean);
      btn.setAttribute("disabled", "");
      try {
        await api("POST", `/api/v1/projects/${p.id}/reviews`, body);
        msg.className = "msg ok";
        msg.textContent = t("review_saved");
        const fresh = await getProject(p.id);
        form.replaceWith(el("div", { class: "card ok", "data-testid": "review-done" }, `${t("review_saved")}: ${fresh.code} · ${r.department} · ${t("decision_" + decision)}`));
      } catch (err) {
        msg.className = "msg error";
        msg.textContent = `${t("action_refused")}: ${err instanceof ApiFailure ? err.text() : String(err)}`;
        btn.removeAttribute("disabled");
      }
    });
    return form;
  }

  await draw();
  return () => gmap?.destroy();
}
