import { ApiFailure, actionsFor, api, getProject, type Project } from "../api";
import { el } from "../dom";
import { fmtArea, fmtTime, has, lang, t } from "../i18n";
import type { Ctx } from "../main";
import { createMap, projectAreas, type GongzhiMap } from "../map";
import { findingName, link, stateBadge } from "./common";

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
      el("div", { class: "area" }, `${t("finding_area")}: ${fmtArea(f.area_m2)} · ${t("share")}: ${(f.share * 100).toFixed(1)}%`)));
  sec.append(list);
  if (c.overlaps.length) {
    sec.append(el("h3", {}, t("overlaps")));
    const ol = el("ul", { class: "overlaps" });
    for (const o of c.overlaps)
      ol.append(el("li", {}, `${has("layer_" + o.layer) ? t("layer_" + o.layer) : o.layer} (${o.kind}): ${fmtArea(o.area_m2)} · ${(o.share * 100).toFixed(1)}%`));
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
        el("td", {}, t("round", { n: r.round })), el("td", {}, r.department),
        el("td", {}, r.decision ? el("span", { class: "badge dec-" + r.decision }, t("decision_" + r.decision)) : el("span", { class: "badge pending" }, t("review_pending"))),
        el("td", {}, r.opinion || ""), el("td", { class: "muted" }, r.reviewer ? `${r.reviewer} ${fmtTime(r.decided_at)}` : "")));
    sec.append(table);
  }
  if (p.obligations?.length) {
    sec.append(el("h3", {}, t("obligations")));
    sec.append(el("ul", {}, ...p.obligations.map((o) => el("li", {}, `${o.department}: ${o.text} (${o.status})`))));
  }
  return sec;
}

function historySection(p: Project): HTMLElement {
  const sec = el("section", { class: "card", "data-testid": "history" }, el("h2", {}, t("history")));
  const table = el("table", { class: "grid" }, el("tr", {}, el("th", {}, t("time")), el("th", {}, t("actions")), el("th", {}, t("col_state")), el("th", {}, t("actor"))));
  for (const h of p.history ?? [])
    table.append(el("tr", {}, el("td", {}, fmtTime(h.time)), el("td", {}, has("action_" + h.action) ? t("action_" + h.action) : h.action),
      el("td", {}, t("from_to", { from: h.from ? t("state_" + h.from) : "—", to: t("state_" + h.to) })), el("td", {}, h.actor + (h.comment ? ` · ${h.comment}` : ""))));
  sec.append(table);
  return sec;
}

export async function findProject(ctx: Ctx, code: string): Promise<Project | null> {
  const byCode = (await ctx.projects()).find((p) => p.code === code || String(p.id) === code);
  return byCode ? getProject(byCode.id) : null;
}

export async function renderProject(main: HTMLElement, ctx: Ctx, code: string): Promise<() => void> {
  let p = await findProject(ctx, code);
  if (!p) {
    main.append(el("p", { class: "error" }, t("not_found")));
    return () => undefined;
  }
  let gmap: GongzhiMap | null = null;
  const draw = async (proj: Project) => {
    const info = el("div", { class: "col-main" });
    const mapBox = el("div", { class: "col-map" });
    main.replaceChildren(
      el("div", { class: "crumbs" }, link("/home", "← " + t("back"))),
      el("h1", { "data-testid": "project-title" }, `${proj.code} ${proj.name} `, stateBadge(proj.state)),
      el("p", { class: "muted" }, `${t("col_type")}: ${proj.type} · ${t("col_region")}: ${proj.region_code} · ${t("project_area")}: ${fmtArea(proj.area_m2)}`
        + (proj.notice_starts ? ` · ${t("notice")}: ${fmtTime(proj.notice_starts)} – ${fmtTime(proj.notice_ends ?? "")}` : "")),
      el("div", { class: "columns" }, info, mapBox));
    info.append(actionsSection(proj), complianceSection(proj), reviewsSection(proj), historySection(proj));
    gmap?.destroy();
    gmap = createMap(mapBox);
    const areas = projectAreas([proj]);
    const { findings, overlaps } = findingsFC(proj);
    gmap.setProjects(areas);
    gmap.setFindings(findings, overlaps);
    await gmap.ready;
    gmap.fit(findings.features.length ? findings : areas);
    mapBox.dataset.ready = "1";
  };

  function actionsSection(proj: Project): HTMLElement {
    const sec = el("section", { class: "card", "data-testid": "actions" }, el("h2", {}, t("actions")));
    const msg = el("div", { class: "msg", role: "status", "data-testid": "action-message" });
    const comment = el("input", { placeholder: t("comment"), class: "comment" }) as HTMLInputElement;
    const actions = actionsFor(ctx.me, proj);
    if (!actions.length) sec.append(el("p", { class: "empty" }, t("no_actions")));
    else {
      const row = el("div", { class: "buttons" });
      for (const a of actions) {
        const b = el("button", { class: "btn primary", "data-action": a }, t("action_" + a));
        b.addEventListener("click", async () => {
          msg.className = "msg";
          msg.textContent = t("loading");
          row.querySelectorAll("button").forEach((x) => x.setAttribute("disabled", ""));
          try {
            const body: Record<string, unknown> = { action: a };
            if (comment.value.trim()) body.comment = comment.value.trim();
            await api("POST", `/api/v1/projects/${proj.id}/actions`, body);
            p = await getProject(proj.id);
            await draw(p);
            const m = main.querySelector('[data-testid="action-message"]');
            if (m) (m.className = "msg ok"), (m.textContent = t("action_done", { action: t("action_" + a) }));
          } catch (e) {
            msg.className = "msg error";
            msg.textContent = `${t("action_refused")}: ${e instanceof ApiFailure ? e.text() : String(e)}`;
            row.querySelectorAll("button").forEach((x) => x.removeAttribute("disabled"));
          }
        });
        row.append(b);
      }
      sec.append(comment, row);
    }
    sec.append(msg);
    return sec;
  }

  await draw(p);
  void lang;
  return () => gmap?.destroy();
}
