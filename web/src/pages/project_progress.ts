// The project side's progress work on the project page, in the browser (src/services/progress.h
// decides; these controls are only offered to the roles and states it accepts):
// - add milestones with planned dates; update a milestone's percent and actual date;
// - file a progress report (进度报告) or a field inspection (巡查) from a phone: text, photos taken
//   with the camera or chosen (uploaded one by one to POST /projects/{id}/photos, which checks
//   type and size), and a GPS point from the browser's geolocation or clicked on the map (the API
//   refuses a point farther than 100 m outside the project area, and says so);
// - record planned and achieved evaluation indicators and see the score.
// mountProgressControls() appends the forms to the read-only sections of project_sections.ts and
// redraws those sections (and the report markers on the map) after each change.
import "./progress.css";
import "../i18n_progress";
import * as maplibregl from "maplibre-gl";
import { ApiFailure, api, regionContains, type Me, type Project } from "../api";
import { el } from "../dom";
import { lang, t } from "../i18n";
import { evaluation, milestones, type Evaluation, type Milestone, type Report } from "../project_api";
import { addProgressMarkers, evaluationSection, progressSection } from "./project_sections";
import { link } from "./common";
import { flash, isBusy, swapReadOnly, trackDirty } from "../live_sections";

// The roles of src/services/progress.cpp.
const IMPLEMENTERS = ["lead_department", "township", "village_collective", "investor"];
const INSPECTORS = ["lead_department", "township", "leader_group", "co_reviewing_department", "expert"];
const MILESTONE_STATES = ["approved", "public_notice", "implementation"];
const INSPECTION_STATES = ["implementation", "completed", "accepted", "evaluated", "maintenance"];
const PLANNED_STATES = ["approved", "public_notice", "implementation"];
const ACHIEVED_STATES = ["implementation", "completed"];
export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;

function holds(me: Me, roles: string[], region: string): boolean {
  return me.grants.some((g) => roles.includes(g.role) && regionContains(g.region, region));
}
export const may = {
  addMilestone: (me: Me, p: Project) => MILESTONE_STATES.includes(p.state) && holds(me, IMPLEMENTERS, p.region_code),
  updateMilestone: (me: Me, p: Project) => p.state === "implementation" && holds(me, IMPLEMENTERS, p.region_code),
  report: (me: Me, p: Project) => p.state === "implementation" && holds(me, IMPLEMENTERS, p.region_code),
  inspect: (me: Me, p: Project) => INSPECTION_STATES.includes(p.state) && holds(me, INSPECTORS, p.region_code),
  planned: (me: Me, p: Project) => PLANNED_STATES.includes(p.state) && holds(me, ["lead_department"], p.region_code),
  achieved: (me: Me, p: Project) => ACHIEVED_STATES.includes(p.state) && holds(me, IMPLEMENTERS, p.region_code),
};

const why = (e: unknown) => (e instanceof ApiFailure ? e.text() : t("pg_network", { why: String((e as any)?.message ?? e) }));
// ok: done; false: refused; null: under way.
function say(msg: HTMLElement, ok: boolean | null, text: string) {
  msg.className = "msg" + (ok === null ? "" : ok ? " ok" : " error");
  msg.textContent = text;
  // On a phone the message is below the fold of a long form.
  if (ok === false) msg.scrollIntoView({ block: "nearest" });
}
const field = (label: string, input: HTMLElement, attrs: Record<string, string> = {}) =>
  el("label", { class: "pg-field", ...attrs }, el("span", {}, label), input);
const today = () => new Date().toISOString().slice(0, 10);

// The photo upload: the file as it is, with its own type; the server checks the type by the
// bytes and the size. Bigger than the server takes: refused here with the server's words (the
// server would cut the connection after 10 MB).
async function uploadPhoto(projectId: number, f: File): Promise<string> {
  if (f.size > MAX_PHOTO_BYTES) throw new ApiFailure(400, "photo_too_large", "照片不能超过 10 MB", "a photo may be at most 10 MiB");
  const res = await fetch(`/api/v1/projects/${projectId}/photos`, {
    method: "POST", credentials: "same-origin", headers: { "Content-Type": f.type || "application/octet-stream" }, body: f,
  });
  const j = await res.json().catch(() => null);
  if (!res.ok) {
    const e = j?.error ?? {};
    throw new ApiFailure(res.status, e.code ?? "http_" + res.status, e.message_zh ?? `HTTP ${res.status}`, e.message_en ?? `HTTP ${res.status}`);
  }
  return j.sha256 as string;
}

export interface ProgressHost {
  map: maplibregl.Map;
  mapBox: HTMLElement;
}

// What the project page calls when another user's event changes progress or evaluation.
export interface ProgressLive {
  refresh(which: "progress" | "evaluation"): Promise<void>;
}

// Appends the forms the user may use to the progress and evaluation sections inside `later`.
export function mountProgressControls(later: HTMLElement, p: Project, me: Me, host: ProgressHost): ProgressLive {
  // The report form's map click handler and point marker, dropped when the form is redrawn.
  let disposeReport = () => undefined as void;
  const redrawProgress = async () => {
    disposeReport();
    const old = later.querySelector<HTMLElement>('[data-testid="progress"]');
    const fresh = await progressSection(p);
    old?.replaceWith(fresh.section);
    addProgressMarkers(host.map, p, fresh.points);
    await addProgressForms(fresh.section);
  };
  const redrawEvaluation = async () => {
    const old = later.querySelector<HTMLElement>('[data-testid="evaluation"]');
    const fresh = await evaluationSection(p);
    old?.replaceWith(fresh);
    await addEvaluationForm(fresh);
  };

  async function addEvaluationForm(card: HTMLElement) {
    if (!me.grants.every((g) => g.role === "villager"))
      card.append(el("p", { class: "small live-keep" }, link("/evaluations", t("pg_compare"), { "data-testid": "compare-link" })));
    if (!may.planned(me, p) && !may.achieved(me, p)) return;
    const ev = await evaluation(p.id).catch(() => null);
    const f = ev && evaluationForm(ev);
    if (f) card.append(trackDirty(f));
  }

  async function addProgressForms(card: HTMLElement) {
    const wants = may.addMilestone(me, p) || may.updateMilestone(me, p) || may.report(me, p) || may.inspect(me, p);
    if (!wants) return;
    const ms = await milestones(p.id).then((r) => r.milestones).catch(() => [] as Milestone[]);
    const box = trackDirty(el("div", { class: "pg-forms live-keep" }));
    if (may.addMilestone(me, p)) box.append(addMilestoneForm());
    if (may.updateMilestone(me, p) && ms.length) box.append(updateForm(ms));
    if (may.report(me, p) || may.inspect(me, p)) box.append(reportForm(ms));
    card.append(box);
  }

  function addMilestoneForm(): HTMLElement {
    const name = el("input", { "data-testid": "ms-name", maxlength: "200", required: "" }) as HTMLInputElement;
    const date = el("input", { type: "date", "data-testid": "ms-date", required: "" }) as HTMLInputElement;
    const weight = el("input", { type: "number", min: "1", max: "100", step: "1", value: "1", "data-testid": "ms-weight" }) as HTMLInputElement;
    const msg = el("div", { class: "msg", role: "status", "data-testid": "ms-message" });
    const btn = el("button", { class: "btn primary", type: "submit", "data-testid": "ms-add" }, t("pg_add"));
    const form = el("form", { class: "pg-form", "data-testid": "milestone-form" }, el("h3", {}, t("pg_add_milestone")),
      el("div", { class: "pg-row" }, field(t("pg_milestone_name"), name), field(t("pg_planned_date"), date), field(t("pg_weight"), weight)), btn, msg);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      btn.setAttribute("disabled", "");
      try {
        const m = await api<Milestone>("POST", `/api/v1/projects/${p.id}/milestones`, { name: name.value, planned_date: date.value, weight: Number(weight.value) || 1 });
        await redrawProgress();
        const m2 = later.querySelector('[data-testid="ms-message"]');
        if (m2) say(m2 as HTMLElement, true, t("pg_added", { name: m.name }));
      } catch (err) {
        say(msg, false, `${t("pg_refused")}: ${why(err)}`);
        btn.removeAttribute("disabled");
      }
    });
    return form;
  }

  function updateForm(ms: Milestone[]): HTMLElement {
    const sel = el("select", { "data-testid": "mu-milestone" }, ...ms.map((m) => el("option", { value: String(m.id), "data-user": "" }, `${m.name}（${m.percent}%）`))) as HTMLSelectElement;
    const percent = el("input", { type: "number", min: "0", max: "100", step: "1", "data-testid": "mu-percent", required: "" }) as HTMLInputElement;
    const actual = el("input", { type: "date", max: today(), "data-testid": "mu-actual" }) as HTMLInputElement;
    const comment = el("input", { maxlength: "2000", "data-testid": "mu-comment" }) as HTMLInputElement;
    const actualField = field(t("pg_actual_date"), actual);
    const msg = el("div", { class: "msg", role: "status", "data-testid": "mu-message" });
    const btn = el("button", { class: "btn primary", type: "submit", "data-testid": "mu-save" }, t("pg_save_progress"));
    // The API takes an actual date only at 100 %.
    const sync = () => {
      const full = Number(percent.value) === 100;
      actualField.hidden = !full;
      if (!full) actual.value = "";
    };
    const current = () => {
      percent.value = String(ms.find((x) => String(x.id) === sel.value)?.percent ?? 0);
      sync();
    };
    sel.addEventListener("change", current);
    percent.addEventListener("input", sync);
    current();
    const form = el("form", { class: "pg-form", "data-testid": "milestone-update" }, el("h3", {}, t("pg_update")),
      el("div", { class: "pg-row" }, field(t("pg_pick_milestone"), sel), field(t("pg_percent"), percent), actualField), field(t("pg_comment"), comment), btn, msg);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      btn.setAttribute("disabled", "");
      try {
        const body: Record<string, unknown> = { percent: Number(percent.value) };
        if (actual.value) body.actual_date = actual.value;
        if (comment.value.trim()) body.comment = comment.value.trim();
        const m = await api<Milestone>("POST", `/api/v1/projects/${p.id}/milestones/${sel.value}/progress`, body);
        await redrawProgress();
        const m2 = later.querySelector('[data-testid="mu-message"]');
        if (m2) say(m2 as HTMLElement, true, t("pg_progress_saved", { name: m.name, percent: m.percent }));
      } catch (err) {
        say(msg, false, `${t("pg_refused")}: ${why(err)}`);
        btn.removeAttribute("disabled");
      }
    });
    return form;
  }

  function reportForm(ms: Milestone[]): HTMLElement {
    const kinds = [...(may.report(me, p) ? ["report"] : []), ...(may.inspect(me, p) ? ["inspection"] : [])];
    const kindBox = el("div", { class: "pg-kinds" });
    kinds.forEach((k, i) => {
      const r = el("input", { type: "radio", name: "pg-kind", value: k, "data-testid": "kind-" + k }) as HTMLInputElement;
      r.checked = i === 0;
      kindBox.append(el("label", { class: "radio" }, r, t("report_kind_" + k)));
    });
    const text = el("textarea", { rows: "3", maxlength: "8000", placeholder: t("pg_text_ph"), "data-testid": "report-text", required: "" }) as HTMLTextAreaElement;
    const msSel = el("select", { "data-testid": "report-milestone" }, el("option", { value: "" }, t("pg_none")),
      ...ms.map((m) => el("option", { value: String(m.id), "data-user": "" }, m.name))) as HTMLSelectElement;
    // Photos: the camera on a phone (capture), or several from the gallery.
    const files: File[] = [];
    const camera = el("input", { type: "file", accept: "image/jpeg,image/png", capture: "environment", "data-testid": "photo-camera" }) as HTMLInputElement;
    const gallery = el("input", { type: "file", accept: "image/jpeg,image/png", multiple: "", "data-testid": "photo-input" }) as HTMLInputElement;
    const previews = el("div", { class: "pg-previews", "data-testid": "photo-previews" });
    const drawPreviews = () => {
      previews.replaceChildren(...files.map((f, i) => {
        const rm = el("button", { type: "button", class: "btn link small" }, t("pg_remove"));
        rm.addEventListener("click", () => (files.splice(i, 1), drawPreviews()));
        const isImage = f.type === "image/jpeg" || f.type === "image/png";
        return el("div", { class: "pg-preview", "data-file": f.name },
          isImage ? el("img", { src: URL.createObjectURL(f), alt: f.name, class: "thumb" }) : el("span", { class: "thumb pg-nonimage" }, f.name),
          el("div", { class: "small muted" }, `${Math.ceil(f.size / 1024)} KB`), rm);
      }));
    };
    for (const input of [camera, gallery])
      input.addEventListener("change", () => {
        files.push(...Array.from(input.files ?? []));
        input.value = "";
        drawPreviews();
      });
    // The GPS point.
    let point: { lon: number; lat: number } | null = null;
    let marker: maplibregl.Marker | null = null;
    const pointText = el("span", { "data-testid": "gps-point", class: "pg-point" }, t("pg_no_point"));
    const setPoint = (lon: number, lat: number, note = "") => {
      point = { lon, lat };
      pointText.textContent = `${lon.toFixed(6)}, ${lat.toFixed(6)}${note ? "（" + note + "）" : ""}`;
      pointText.dataset.lon = String(lon);
      pointText.dataset.lat = String(lat);
      marker ??= new maplibregl.Marker({ color: "#1f6feb" });
      marker.setLngLat([lon, lat]).addTo(host.map);
    };
    const locate = el("button", { type: "button", class: "btn", "data-testid": "gps-locate" }, t("pg_use_location"));
    const pick = el("button", { type: "button", class: "btn", "data-testid": "gps-pick" }, t("pg_pick_on_map"));
    const clear = el("button", { type: "button", class: "btn link" }, t("pg_clear_point"));
    locate.addEventListener("click", () => {
      if (!navigator.geolocation) return void (pointText.textContent = t("pg_no_geolocation", { why: "—" }));
      pointText.textContent = t("pg_locating");
      // Browsers give WGS 84; CGCS2000 differs from it by centimetres.
      navigator.geolocation.getCurrentPosition(
        (pos) => setPoint(pos.coords.longitude, pos.coords.latitude, t("pg_located", { m: Math.round(pos.coords.accuracy) })),
        (err) => (pointText.textContent = t("pg_no_geolocation", { why: err.message || String(err.code) })),
        { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
    });
    let picking: ((e: maplibregl.MapMouseEvent) => void) | null = null;
    pick.addEventListener("click", () => {
      if (picking) host.map.off("click", picking);
      pointText.textContent = t("pg_pick_hint");
      host.map.getCanvas().style.cursor = "crosshair";
      picking = (e) => {
        host.map.off("click", picking!);
        picking = null;
        host.map.getCanvas().style.cursor = "";
        setPoint(e.lngLat.lng, e.lngLat.lat);
      };
      host.map.on("click", picking);
      if (window.matchMedia("(max-width: 900px)").matches) host.mapBox.scrollIntoView({ behavior: "smooth", block: "center" });
    });
    clear.addEventListener("click", () => {
      point = null;
      marker?.remove();
      marker = null;
      pointText.textContent = t("pg_no_point");
      delete pointText.dataset.lon;
    });
    disposeReport = () => {
      if (picking) host.map.off("click", picking);
      picking = null;
      host.map.getCanvas().style.cursor = "";
      marker?.remove();
      marker = null;
    };
    const msg = el("div", { class: "msg", role: "status", "data-testid": "report-message" });
    const btn = el("button", { class: "btn primary big", type: "submit", "data-testid": "report-submit" }, t("pg_submit_report"));
    const form = el("form", { class: "pg-form", "data-testid": "report-form" }, el("h3", {}, t("pg_new_report")),
      kinds.length > 1 ? field(t("pg_kind"), kindBox) : el("input", { type: "hidden", name: "pg-kind", value: kinds[0] }),
      field(t("pg_text"), text), ms.length ? field(t("pg_link_milestone"), msSel) : "",
      el("div", { class: "pg-field" }, el("span", {}, t("pg_photos")),
        el("div", { class: "buttons" }, el("label", { class: "btn upload" }, t("pg_take_photo"), camera), el("label", { class: "btn upload" }, t("pg_choose_photos"), gallery)),
        previews),
      el("div", { class: "pg-field" }, el("span", {}, t("pg_gps")), el("div", { class: "buttons" }, locate, pick, clear), pointText),
      btn, msg);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const kind = (form.querySelector<HTMLInputElement>('input[name="pg-kind"]:checked') ?? form.querySelector<HTMLInputElement>('input[name="pg-kind"]'))!.value;
      btn.setAttribute("disabled", "");
      const shas: string[] = [];
      try {
        for (let i = 0; i < files.length; i++) {
          say(msg, null, t("pg_uploading", { i: i + 1, n: files.length }));
          try {
            shas.push(await uploadPhoto(p.id, files[i]));
          } catch (err) {
            throw new Error(t("pg_photo_refused", { name: files[i].name, why: why(err) }));
          }
        }
        const body: Record<string, unknown> = { kind, text: text.value, photos: shas };
        if (point) body.points = [point];
        if (msSel.value) body.milestone_id = Number(msSel.value);
        const r = await api<Report>("POST", `/api/v1/projects/${p.id}/reports`, body);
        await redrawProgress();
        const m2 = later.querySelector('[data-testid="report-message"]');
        const far = r.points.reduce((a, x) => Math.max(a, x.distance_m), 0);
        if (m2) say(m2 as HTMLElement, true, r.outside_area ? t("pg_report_filed_outside", { n: r.photos.length, m: Math.ceil(far) }) : t("pg_report_filed", { n: r.photos.length }));
      } catch (err) {
        say(msg, false, `${t("pg_refused")}: ${err instanceof ApiFailure ? err.text() : (err as Error).message}`);
        btn.removeAttribute("disabled");
      }
    });
    return form;
  }

  function evaluationForm(ev: Evaluation): HTMLElement | null {
    const planned = may.planned(me, p), achieved = may.achieved(me, p);
    if (!planned && !achieved) return null;
    const rows: { key: string; unit: string; planned?: HTMLInputElement; achieved?: HTMLInputElement }[] = [];
    const table = el("table", { class: "grid pg-eval" }, el("tr", {}, el("th", {}, t("indicator")),
      planned ? el("th", {}, t("planned")) : "", achieved ? el("th", {}, t("achieved")) : ""));
    // What the user types ↔ what the API takes: m², yuan per mu (API: integer fen), whole
    // households, percent 0–100.
    const toInput = (unit: string, v: number | undefined) => v === undefined ? "" : unit === "fen_per_mu" ? String(v / 100) : String(v);
    const input = (i: Evaluation["indicators"][number], which: "planned" | "achieved") => {
      const step = i.unit === "m2" ? "any" : i.unit === "fen_per_mu" ? "0.01" : "1";
      const x = el("input", { type: "number", min: "0", step, inputmode: "decimal", "data-indicator": i.key, "data-which": which,
        value: toInput(i.unit, i[which]?.value) }) as HTMLInputElement;
      if (i.unit === "percent") x.max = "100";
      return x;
    };
    const unitLabel = (unit: string) => unit === "m2" ? t("unit_m2") : unit === "fen_per_mu" ? t("pg_yuan_per_mu") : unit === "households" ? t("unit_households") : "%";
    for (const i of ev.indicators) {
      const row = { key: i.key, unit: i.unit, planned: planned ? input(i, "planned") : undefined, achieved: achieved ? input(i, "achieved") : undefined };
      rows.push(row);
      const cell = (x?: HTMLInputElement) => {
        if (!x) return "";
        const mu = el("span", { class: "small muted" });
        const showMu = () => (mu.textContent = i.unit === "m2" && x.value ? ` ≈ ${(Number(x.value) * 15 / 10000).toFixed(2)} ${t("unit_mu")}` : "");
        x.addEventListener("input", showMu);
        showMu();
        return el("td", {}, x, " ", el("span", { class: "small" }, unitLabel(i.unit)), mu);
      };
      table.append(el("tr", { "data-indicator": i.key }, el("td", {}, lang() === "zh" ? i.name_zh : i.name_en), cell(row.planned), cell(row.achieved)));
    }
    const msg = el("div", { class: "msg", role: "status", "data-testid": "eval-message" });
    const save = async (which: "planned" | "achieved", btn: HTMLElement) => {
      const values: Record<string, number> = {};
      for (const r of rows) {
        const x = r[which];
        if (!x || x.value.trim() === "") continue;
        const v = Number(x.value);
        values[r.key] = r.unit === "fen_per_mu" ? Math.round(v * 100) : v;
      }
      if (!Object.keys(values).length) return say(msg, false, t("pg_eval_nothing"));
      btn.setAttribute("disabled", "");
      try {
        const res = await api<Evaluation>("PUT", `/api/v1/projects/${p.id}/evaluation/${which}`, { values });
        await redrawEvaluation();
        const m2 = later.querySelector('[data-testid="eval-message"]');
        if (m2) say(m2 as HTMLElement, true, t("pg_eval_saved", { score: res.total_score === null ? "—" : res.total_score.toFixed(1) }));
      } catch (err) {
        say(msg, false, `${t("pg_refused")}: ${why(err)}`);
        btn.removeAttribute("disabled");
      }
    };
    const buttons = el("div", { class: "buttons" });
    for (const which of ["planned", "achieved"] as const) {
      if (which === "planned" ? !planned : !achieved) continue;
      const b = el("button", { type: "button", class: "btn primary", "data-testid": "eval-save-" + which }, t(which === "planned" ? "pg_save_planned" : "pg_save_achieved"));
      b.addEventListener("click", () => void save(which, b));
      buttons.append(b);
    }
    return el("div", { class: "pg-form live-keep", "data-testid": "evaluation-form" }, el("h3", {}, t("pg_eval_edit")), el("p", { class: "hint" }, t("pg_eval_hint")),
      el("div", { class: "table-scroll" }, table), buttons, msg);
  }

  const progressCard = later.querySelector<HTMLElement>('[data-testid="progress"]');
  const evalCard = later.querySelector<HTMLElement>('[data-testid="evaluation"]');
  const mounted = Promise.all([progressCard && addProgressForms(progressCard), evalCard && addEvaluationForm(evalCard)])
    .finally(() => (later.dataset.controls = "1"));

  // Another user's milestone, report, inspection or indicator values: the section's read-only
  // parts (and the report markers) redrawn; the forms rebuilt only when the user has not started
  // on them (live_sections.ts). One refresh at a time.
  const keep = (e: Element) => e.classList.contains("live-keep");
  let chain: Promise<unknown> = mounted;
  const refresh = async (which: "progress" | "evaluation") => {
    const old = later.querySelector<HTMLElement>(`[data-testid="${which}"]`);
    if (!old || !old.isConnected) return;
    if (which === "progress") {
      const fresh = await progressSection(p);
      if (!swapReadOnly(old, fresh.section, keep)) return;
      addProgressMarkers(host.map, p, fresh.points);
      // The forms rebuilt aside and swapped in at once, unless the user started on them meanwhile.
      const forms = old.querySelector(".pg-forms");
      if (forms && !isBusy(forms)) {
        const oldDispose = disposeReport;
        const aside = el("div", {});
        await addProgressForms(aside);
        if (isBusy(forms) || !forms.isConnected) {
          disposeReport();
          disposeReport = oldDispose;
        } else {
          oldDispose();
          forms.replaceWith(...aside.children);
        }
      }
      flash(old);
    } else {
      const fresh = await evaluationSection(p);
      if (!swapReadOnly(old, fresh, keep)) return;
      const form = old.querySelector('[data-testid="evaluation-form"]');
      if (!isBusy(form)) {
        const aside = el("div", {});
        await addEvaluationForm(aside);
        if (!isBusy(form)) {
          old.querySelectorAll(":scope > .live-keep").forEach((x) => x.remove());
          old.append(...aside.children);
        }
      }
      flash(old);
    }
  };
  return {
    refresh: (which) => {
      const next = chain.then(() => refresh(which)).catch(() => undefined);
      chain = next;
      return next;
    },
  };
}
