// The villager's surveys on the phone (no chart library): the open surveys reaching their village
// on /village, and one survey to answer at /village/surveys/ID — a large touch target per choice,
// one answer per villager; a refusal (closed meanwhile, answered already) shows the server's text.
import { ApiFailure, api } from "../api";
import { el } from "../dom";
import { fmtTime, t } from "../i18n";
import "../i18n_dash";
import "../i18n_part";
import "../part.css";
import type { Ctx } from "../main";
import { link } from "./common";

interface SurveyView {
  id: number;
  region_code: string;
  title: string;
  status: string;
  created_at: string;
  questions?: { text: string; choices: string[] }[];
  my_answers?: number[] | null;
}

// The open surveys of the villager's village (and its township, county) for the village home.
export async function villageSurveys(): Promise<HTMLElement> {
  const sec = el("section", { class: "vsec", "data-testid": "village-surveys" }, el("h2", {}, t("village_surveys")));
  const open = (await api<{ surveys: SurveyView[] }>("GET", "/api/v1/surveys").then((r) => r.surveys).catch(() => [] as SurveyView[]))
    .filter((s) => s.status === "open");
  const full = await Promise.all(open.map((s) => api<SurveyView>("GET", `/api/v1/surveys/${s.id}`).catch(() => s)));
  if (!full.length) sec.append(el("p", { class: "empty" }, t("village_no_surveys")));
  for (const s of full)
    sec.append(el("a", { class: "card touch", href: `/village/surveys/${s.id}`, "data-route": "", "data-survey": String(s.id) },
      el("div", { class: "card-title", "data-user": "" }, s.title),
      el("div", { class: s.my_answers ? "ok" : "muted" }, s.my_answers ? t("survey_done") : t("survey_go") + " →")));
  return sec;
}

export async function renderVillageSurvey(main: HTMLElement, ctx: Ctx, id: number): Promise<() => void> {
  const draw = async (note?: HTMLElement) => {
    const s = await api<SurveyView>("GET", `/api/v1/surveys/${id}`);
    main.replaceChildren(el("div", { class: "crumbs" }, link("/village", "← " + t("back_village"), { class: "touch-link" })),
      el("h1", { "data-testid": "survey-title" }, s.title), el("p", { class: "muted small" }, fmtTime(s.created_at)));
    if (note) main.append(note);
    const questions = s.questions ?? [];
    if (s.my_answers) {
      main.append(el("div", { class: "card ok", "data-testid": "survey-mine" }, t("survey_done"),
        el("ul", {}, ...questions.map((q, i) => el("li", {}, `${q.text}：${q.choices[s.my_answers![i]] ?? ""}`)))));
      return;
    }
    if (s.status !== "open") {
      main.append(el("p", { class: "card", "data-testid": "survey-closed" }, t("survey_is_closed")));
      return;
    }
    const form = el("form", { class: "vp-form", "data-testid": "survey-form" });
    questions.forEach((q, i) => {
      const fs = el("fieldset", { class: "sv-q", "data-question": String(i) }, el("legend", {}, `${i + 1}. ${q.text}`));
      q.choices.forEach((c, j) =>
        fs.append(el("label", { class: "sv-choice" }, el("input", { type: "radio", name: `q${i}`, value: String(j), "data-choice": String(j) }), c)));
      form.append(fs);
    });
    const msg = el("div", { class: "msg", role: "status", "data-testid": "survey-message" });
    const btn = el("button", { class: "btn primary big", type: "submit", "data-testid": "survey-submit" }, t("survey_submit"));
    form.append(btn, msg);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const answers = questions.map((_, i) => form.querySelector<HTMLInputElement>(`input[name="q${i}"]:checked`));
      if (answers.some((a) => !a)) {
        msg.className = "msg error";
        msg.textContent = t("survey_pick_all");
        return;
      }
      btn.setAttribute("disabled", "");
      try {
        await api("POST", `/api/v1/surveys/${id}/responses`, { answers: answers.map((a) => Number(a!.value)) });
        await draw(el("p", { class: "msg ok", "data-testid": "survey-thanks" }, t("survey_thanks")));
      } catch (err) {
        msg.className = "msg error";
        msg.setAttribute("role", "alert");
        msg.textContent = `${t("action_refused")}: ${err instanceof ApiFailure ? err.text() : String(err)}`;
        btn.removeAttribute("disabled");
      }
    });
    main.append(form);
  };
  await draw();
  void ctx;
  return () => undefined;
}
