import "./project.css";
import { ApiFailure, actionsFor, api, getProject, landUseClasses, type LandUseClass, type Project } from "../api";
import { el, u } from "../dom";
import { fmtArea, fmtTime, has, lang, t, colon, typeName } from "../i18n";
import type { Ctx } from "../main";
import { activitySection } from "./project_activity";
import { feedbackSection } from "./project_feedback";
import { fmtDay } from "../i18n_notice";
import { createMap, projectAreas, type GongzhiMap } from "../map";
import { open3dLink } from "../map_tools";
import { findingName, link, stateBadge } from "./common";
import { onLive, type LiveEvent } from "../live";
import { canEditPlan, canPreview, previewCompliance } from "../project_api";
import { addPlanLayers, loadPlanningClasses, planChangesSection, planEditor, setPlanLayers } from "./project_plan";
import { mountProgressControls, type ProgressLive } from "./project_progress";
import { refreshLater } from "./project_later_live";
import { addProgressMarkers, evaluationSection, fundsSection, noticeSection, progressSection } from "./project_sections";
import { confirmFindings, gateSection, refusalContent } from "./project_gate";
import { downloadsSection } from "./project_downloads";

type FC = GeoJSON.FeatureCollection;

export function findingsFC(p: Project): { findings: FC; overlaps: FC } {
  const findings: GeoJSON.Feature[] = [], overlaps: GeoJSON.Feature[] = [];
  const c = p.compliance;
  if (c) {
    c.findings.forEach((f, i) => {
      if (f.geometry)
        findings.push({ type: "Feature", id: i + 1, geometry: f.geometry,
          properties: { kind: "finding", rule: f.rule, name: findingName(f), severity: f.severity, area_m2: f.area_m2, project: p.code } });
    });
    c.overlaps.forEach((o, i) => {
      if (o.geometry)
        overlaps.push({ type: "Feature", id: i + 1, geometry: o.geometry, properties: { kind: "overlap", layer: o.layer, control: o.kind, area_m2: o.area_m2 } });
    });
  }
  return { findings: { type: "FeatureCollection", features: findings }, overlaps: { type: "FeatureCollection", features: overlaps } };
}

export function complianceSection(p: Project): HTMLElement {
  const sec = el("section", { class: "card", "data-testid": "compliance" }, el("h2", {}, t("compliance")));
  const c = p.compliance;
  if (!c) return sec.appendChild(el("p", { class: "empty" }, t("compliance_none"))), sec;
  if (!p.compliance_current) sec.append(el("p", { class: "warn" }, t("compliance_stale")));
  sec.append(el("p", { class: "muted" }, `${t("checked_at")}: ${fmtTime(p.compliance_at ?? "")} · ${t("project_area")}: ${fmtArea(c.area_m2)}`));
  if (c.findings.length === 0) sec.append(el("p", { class: "ok" }, t("compliance_clean")));
  const list = el("ul", { class: "findings", "data-testid": "findings" });
  for (const f of c.findings)
    list.append(el("li", { class: "finding sev-" + f.severity, "data-rule": f.rule, "data-area-m2": String(f.area_m2) },
      el("span", { class: "badge sev" }, t("severity_" + f.severity)), " ", el("strong", {}, findingName(f)),
      f.effect && f.effect !== "none" && has("effect_" + f.effect) ? el("span", { class: "badge effect", "data-effect": f.effect }, t("effect_" + f.effect)) : "",
      el("div", { class: "area" }, `${t("finding_area")}: ${fmtArea(f.area_m2)} · ${t("share")}: ${(f.share * 100).toFixed(1)}%`)));
  sec.append(list);
  if (c.overlaps.length) {
    sec.append(el("h3", {}, t("overlaps")));
    const ol = el("ul", { class: "overlaps" });
    for (const o of c.overlaps)
      ol.append(el("li", { "data-kind": o.kind }, `${has("layer_" + o.layer) ? t("layer_" + o.layer) : has("kind_" + o.kind) ? t("kind_" + o.kind) : o.layer}: ${fmtArea(o.area_m2)} · ${(o.share * 100).toFixed(1)}%`));
    sec.append(ol);
  }
  return sec;
}

export function reviewsSection(p: Project): HTMLElement {
  const sec = el("section", { class: "card", "data-testid": "reviews" }, el("h2", {}, t("reviews")));
  const reviews = p.reviews ?? [];
  if (!reviews.length) sec.append(el("p", { class: "empty" }, t("no_reviews")));
  else {
    const table = el("table", { class: "grid" });
    for (const r of reviews)
      table.append(el("tr", { "data-department": r.department, "data-decision": r.decision ?? "" },
        el("td", {}, t("round", { n: r.round })), el("td", { "data-user": "" }, r.department),
        el("td", {}, r.decision ? el("span", { class: "badge dec-" + r.decision }, t("decision_" + r.decision)) : el("span", { class: "badge pending" }, t("review_pending"))),
        el("td", { "data-user": "" }, r.opinion || ""), el("td", { class: "muted nowrap" }, r.reviewer ? u(r.reviewer) : "", r.reviewer ? ` ${fmtTime(r.decided_at)}` : "")));
    // Wide opinions scroll inside the card instead of clipping the reviewer and time.
    sec.append(el("div", { class: "table-scroll" }, table));
  }
  if (p.obligations?.length) {
    sec.append(el("h3", {}, t("obligations")));
    sec.append(el("ul", {}, ...p.obligations.map((o) => el("li", { "data-status": o.status }, u(o.department), colon(), u(o.text), `（${has("obligation_" + o.status) ? t("obligation_" + o.status) : o.status}）`))));
  }
  return sec;
}

// Jumps to the page's sections (the page is long) and the printable sheets.
function sectionNav(p: Project): HTMLElement {
  const nav = el("nav", { class: "section-nav no-print", "data-testid": "section-nav" });
  const jumps: [string, string][] = [["compliance", "compliance"], ["reviews", "reviews"], ["project-feedback", "pf_title"], ["activity", "activity"]];
  for (const [id, key] of jumps) {
    const a = el("a", { href: "#" + id, class: "sn-link" }, t(key));
    a.addEventListener("click", (e) => {
      e.preventDefault();
      document.querySelector(`[data-testid="${id}"]`)?.scrollIntoView({ behavior: "smooth", block: "start" });
    });
    nav.append(a);
  }
  nav.append(el("span", { class: "muted" }, " " + t("pr_links") + colon()),
    el("a", { href: `/print/approval/${p.id}`, "data-route": "", class: "sn-link", "data-testid": "print-approval" }, t("pr_link_approval")));
  if (p.notice_starts) nav.append(el("a", { href: `/print/notice/${p.id}`, "data-route": "", class: "sn-link", "data-testid": "print-notice" }, t("pr_link_notice")));
  return nav;
}

export async function findProject(ctx: Ctx, code: string): Promise<Project | null> {
  const byCode = (await ctx.projects()).find((p) => p.code === code || String(p.id) === code);
  return byCode ? getProject(byCode.id) : null;
}

const LATER_STATES = ["approved", "public_notice", "implementation", "completed", "accepted", "evaluated", "maintenance"];

// What of a project a live event can change on its page: when none of it changed (the event of
// the user's own action, already shown), the page is left alone.
function fingerprint(p: Project): string {
  return JSON.stringify([p.state, p.row_version, p.review_round, p.compliance_at ?? "",
    (p.reviews ?? []).map((r) => [r.id, r.decision]), (p.obligations ?? []).map((o) => [o.id, o.status]),
    (p.compliance_gate?.acknowledgements ?? []).map((a) => [a.id, a.cleared_at])]);
}

export async function renderProject(main: HTMLElement, ctx: Ctx, code: string): Promise<() => void> {
  if (code === "new") return (await import("./project_new")).renderProjectNew(main, ctx);
  let p = await findProject(ctx, code);
  if (!p) {
    main.append(el("p", { class: "error" }, t("not_found")));
    return () => undefined;
  }
  const head = el("div", {});
  const info = el("div", { class: "col-main" });
  const later = el("div", { class: "later" });
  const mapBox = el("div", { class: "col-map" });
  main.replaceChildren(el("div", { class: "crumbs" }, link("/home", "← " + t("back"))), head,
    el("div", { class: "columns" }, el("div", { class: "col-main" }, info, later), mapBox));
  const gmap: GongzhiMap = createMap(mapBox);
  mapBox.prepend(open3dLink(p.id));
  await gmap.ready;
  addPlanLayers(gmap.map);
  const { createDrawTool } = await import("../draw");
  const tool = createDrawTool(gmap.map);
  let classes: LandUseClass[] = [];
  landUseClasses().then((c) => (classes = c)).catch(() => undefined);
  void loadPlanningClasses();
  let editing = false; // the plan editor has unsaved changes or a polygon is being drawn
  let edits = 0; // the user's inputs in the plan editor shown, counted
  let shown = "";
  let laterShown = "";
  let progressLive: ProgressLive | null = null;

  // The map: the project area, its planned changes, the findings (of the stored check or of a
  // preview) and, later, the progress reports' points with their photos.
  const drawMap = (proj: Project, fit: boolean) => {
    const areas = projectAreas([proj]);
    const { findings, overlaps } = findingsFC(proj);
    gmap.setProjects(areas);
    gmap.setFindings(findings, overlaps);
    const plan = proj.plan?.area ? { area: proj.plan.area, changes: proj.plan.changes ?? [] } : null;
    setPlanLayers(gmap.map, plan, classes);
    if (fit) gmap.fit(findings.features.length ? findings : areas);
  };

  const drawInfo = async (proj: Project, preview: Project | null = null) => {
    const editsBefore = edits;
    const shownBefore = shown;
    shown = fingerprint(proj);
    // The title with its state badge and the sections below it are swapped in together, after the
    // plan editor has loaded: the new state never shows above the previous state's controls.
    const regionName = (await ctx.regions().catch(() => [])).find((r) => r.code === proj.region_code)?.name ?? proj.region_code;
    const title = [
      el("h1", { "data-testid": "project-title" }, u(`${proj.code} ${proj.name}`), " ", stateBadge(proj.state)),
      el("p", { class: "muted" }, `${t("col_type")}: ${typeName(proj.type)} · ${t("col_region")}: `, u(regionName), ` · ${t("project_area")}: ${fmtArea(proj.area_m2)}`
        + (proj.notice_starts ? ` · ${t("notice")}: ${fmtDay(proj.notice_starts)} – ${fmtDay(proj.notice_ends ?? "")}` : "")),
      sectionNav(proj)];
    const parts: HTMLElement[] = [actionsSection(proj)];
    const gate = gateSection(proj, ctx.me, () => void getProject(proj.id).then((full) => ((p = full), drawInfo(full))));
    if (gate) parts.push(gate);
    if (proj.plan?.area && canEditPlan(ctx.me, proj)) {
      parts.push(await planEditor(proj, {
        gmap, tool,
        saved: (fresh) => {
          p = fresh;
          editing = false;
          void getProject(fresh.id).then((full) => ((p = full), drawInfo(full), drawMap(full, false)));
        },
        previewed: (withPreview) => {
          void drawInfo(p!, withPreview);
          drawMap(withPreview, true);
        },
      }));
      // Unsaved edits hold live refreshes back.
      const touched = () => {
        editing = true;
        ++edits;
      };
      parts[parts.length - 1].addEventListener("input", touched);
      parts[parts.length - 1].addEventListener("change", touched);
    } else {
      // Those who may not edit the plan read its changes, targets by name in either classification.
      if ((proj.plan?.changes ?? []).length) parts.push(await planChangesSection(proj));
      if (proj.plan?.area && canPreview(ctx.me, proj) && !proj.compliance_current) parts.push(previewCard(proj));
    }
    if (preview) {
      const sec = complianceSection(preview);
      sec.dataset.preview = "1";
      sec.querySelector("h2")!.textContent = t("compliance_preview");
      parts.push(sec);
    }
    if (!preview || proj.compliance) parts.push(complianceSection(proj));
    const [feedback, activity] = await Promise.all([feedbackSection(proj), activitySection(proj)]);
    parts.push(reviewsSection(proj), feedback, activity);
    parts.push(await downloadsSection(proj));
    // Its land indicators (issue 20): coverage of its 建新, indicators, uses, transfers, revenue.
    parts.push(await (await import("./project_indicators")).indicatorsSection(proj.id));
    // The user changed the plan editor on the page while this redraw was being built (after a
    // save, the page redraws from the server): what they chose stays, the redraw is dropped.
    if (edits !== editsBefore) {
      shown = shownBefore;
      return;
    }
    head.replaceChildren(...title);
    info.replaceChildren(...parts);
    if (LATER_STATES.includes(proj.state) && laterShown !== proj.state + proj.row_version) {
      laterShown = proj.state + proj.row_version;
      const [notice, progress, funds, ev] = await Promise.all([noticeSection(proj), progressSection(proj), fundsSection(proj), evaluationSection(proj)]);
      later.replaceChildren(notice, progress.section, funds, ev);
      addProgressMarkers(gmap.map, proj, progress.points);
      progressLive = mountProgressControls(later, proj, ctx.me, { map: gmap.map, mapBox });
      later.dataset.ready = "1";
    }
  };

  // A preview of the stored plan's findings for the lead department or an applicant when the
  // stored check is missing or stale and the plan can no longer be edited here.
  function previewCard(proj: Project): HTMLElement {
    const msg = el("div", { class: "msg", role: "status", "data-testid": "plan-message" });
    const btn = el("button", { type: "button", class: "btn", "data-testid": "preview-check" }, t("preview_check"));
    btn.addEventListener("click", async () => {
      btn.setAttribute("disabled", "");
      try {
        const c = await previewCompliance(proj.id);
        const withPreview = { ...proj, compliance: c, compliance_current: true, compliance_at: new Date().toISOString() };
        await drawInfo(proj, withPreview);
        drawMap(withPreview, true);
      } catch (e) {
        msg.className = "msg error";
        msg.textContent = `${t("action_refused")}: ${e instanceof ApiFailure ? e.text() : String(e)}`;
        btn.removeAttribute("disabled");
      }
    });
    return el("section", { class: "card", "data-testid": "preview" }, el("h2", {}, t("compliance_preview")), el("p", { class: "hint" }, t("preview_hint")), btn, msg);
  }

  function actionsSection(proj: Project): HTMLElement {
    const sec = el("section", { class: "card", "data-testid": "actions" }, el("h2", {}, t("actions")));
    const msg = el("div", { class: "msg", role: "status", "data-testid": "action-message" });
    const comment = el("input", { placeholder: t("comment"), class: "comment" }) as HTMLInputElement;
    const actions = actionsFor(ctx.me, proj);
    if (!actions.length) sec.append(el("p", { class: "empty" }, t("no_actions")));
    else {
      const row = el("div", { class: "buttons" });
      const days = el("input", { type: "number", min: "1", max: "90", value: "7", class: "days", "data-testid": "notice-days" }) as HTMLInputElement;
      for (const a of actions) {
        const b = el("button", { class: "btn primary", "data-action": a }, t("action_" + a));
        b.addEventListener("click", async () => {
          msg.className = "msg";
          msg.textContent = t("loading");
          row.querySelectorAll("button").forEach((x) => x.setAttribute("disabled", ""));
          try {
            const body: Record<string, unknown> = { action: a };
            if (comment.value.trim()) body.comment = comment.value.trim();
            if (a === "publish_notice") body.notice_days = Number(days.value) || 7;
            try {
              await api("POST", `/api/v1/projects/${proj.id}/actions`, body);
            } catch (e) {
              // A plan with findings is submitted only once the applicant confirms them.
              if (!(e instanceof ApiFailure && e.code === "findings_unconfirmed" && e.details?.findings)) throw e;
              if (!(await confirmFindings(e.details.findings))) {
                msg.className = "msg";
                msg.textContent = t("submit_cancelled");
                row.querySelectorAll("button").forEach((x) => x.removeAttribute("disabled"));
                return;
              }
              await api("POST", `/api/v1/projects/${proj.id}/actions`, { ...body, confirm_findings: true });
            }
            p = await getProject(proj.id);
            await drawInfo(p);
            drawMap(p, a === "check_compliance");
            const m = main.querySelector('[data-testid="action-message"]');
            if (m) (m.className = "msg ok"), (m.textContent = t("action_done", { action: t("action_" + a) }));
          } catch (e) {
            msg.className = "msg error";
            msg.replaceChildren(...refusalContent(e));
            row.querySelectorAll("button").forEach((x) => x.removeAttribute("disabled"));
          }
        });
        row.append(b);
      }
      sec.append(comment);
      if (actions.includes("publish_notice")) sec.append(el("label", { class: "inline" }, t("notice_days"), days));
      sec.append(row);
    }
    sec.append(msg);
    return sec;
  }

  await drawInfo(p);
  drawMap(p, true);
  mapBox.dataset.ready = "1";

  // Live: another user's action on this project (a department's review, the next step) shows
  // without a reload; so do their progress reports, indicator values and notice comments in the
  // sections below (project_later_live.ts).
  // One redraw at a time (onLive waits for each): an older, slower one never lands over a newer one.
  const unsubscribe = onLive(async (events: LiveEvent[]) => {
    if (editing || tool.drawing() || !p) return;
    const fresh = await getProject(p.id);
    if (fingerprint(fresh) !== shown) {
      p = fresh;
      await drawInfo(fresh);
      drawMap(fresh, false);
      head.querySelector("h1")?.classList.add("fresh");
    }
    await refreshLater(later, p, progressLive, events);
  }, (e) => e.project_id === p?.id);
  void lang;
  return () => {
    unsubscribe();
    tool.destroy();
    gmap.destroy();
  };
}
