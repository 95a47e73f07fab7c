// The organisers' side of villager participation (/participation), village by village: the
// representatives and the assembly votes (ballots per representative as they come in, the
// result against two thirds of ALL representatives), satisfaction surveys (create, results as
// ECharts bars, close), the villagers' feedback with due dates (answer, close, escalate what is
// overdue) and the comments on projects' public notices (reply). Reads and writes the
// participation API (src/http/participation_routes.cpp); every control is offered only to the
// roles services/participation.cpp accepts, and the server's refusal is shown when it refuses.
//   /participation?village=CODE&tab=votes|surveys|feedback|comments
//   /participation?project=ID&tab=comments   (a village the project concerns)
import { ApiFailure, api, regionContains, type Project, type Region } from "../api";
import { el, u } from "../dom";
import { fmtTime, has, t } from "../i18n";
import "../i18n_dash";
import "../i18n_part";
import "../dash.css";
import "../part.css";
import type { Ctx } from "../main";
import { onLive, type LiveEvent } from "../live";
import { flash } from "../live_sections";
import { link } from "./common";
import type { FeedbackItem } from "./village";

// Who may do what (services/participation.cpp: kReaders, kAssemblyConveners, kPublishers, and
// the escalation roles).
export const READERS = ["leader_group", "lead_department", "township", "village_collective", "admin", "auditor"];
const CONVENERS = ["township", "village_collective", "admin"];
const PUBLISHERS = ["lead_department", "township", "village_collective", "admin"];
const ESCALATORS = ["township", "lead_department", "leader_group", "admin"];

interface VoteDetail {
  id: number;
  region_code: string;
  project_id: number | null;
  question: string;
  status: string;
  opened_at: string;
  closed_at?: string;
  representatives: number;
  yes: number;
  no: number;
  abstain: number;
  passed: boolean | null;
  members?: string[];
  ballots?: { username: string; choice: string; at: string }[];
}
interface SurveyDetail {
  id: number;
  region_code: string;
  project_id: number | null;
  title: string;
  status: string;
  created_at: string;
  questions: { text: string; choices: string[] }[];
  responses: number;
  results: { counts: number[]; score_sum: number; average: number }[];
}
// A feedback item as the organisers read it: the villager's view (village.ts) with its village
// and author.
interface Fb extends FeedbackItem {
  region_code: string;
  author: string;
}
interface Comment {
  id: number;
  project_id: number;
  author: string;
  body: string;
  created_at: string;
  reply: { text: string; by: string; at: string } | null;
}

// Yes votes a vote needs: 3·yes ≥ 2·representatives (domain/participation).
export const needed = (reps: number) => Math.ceil((2 * reps) / 3);

function refusal(msg: HTMLElement, e: unknown) {
  msg.className = "msg error";
  msg.setAttribute("role", "alert");
  msg.textContent = `${t("action_refused")}: ${e instanceof ApiFailure ? e.text() : String(e)}`;
}
function okMsg(msg: HTMLElement, text: string) {
  msg.className = "msg ok";
  msg.textContent = text;
}
// Runs an action from a button: disabled meanwhile, the server's refusal shown in `msg`.
function act(btn: HTMLElement, msg: HTMLElement, fn: () => Promise<void>) {
  btn.addEventListener("click", async (e) => {
    e.preventDefault();
    btn.setAttribute("disabled", "");
    msg.className = "msg";
    msg.textContent = t("loading");
    try {
      await fn();
    } catch (err) {
      refusal(msg, err);
    } finally {
      btn.removeAttribute("disabled");
    }
  });
}

export async function renderParticipation(main: HTMLElement, ctx: Ctx): Promise<() => void> {
  const q = new URLSearchParams(location.search);
  const grantOver = (roles: string[], region: string) => ctx.me.grants.some((g) => roles.includes(g.role) && regionContains(g.region, region));
  const [regions, projects] = await Promise.all([ctx.regions().catch(() => [] as Region[]), ctx.projects().catch(() => [] as Project[])]);
  const villages = regions.filter((r) => r.level === "village" && grantOver(READERS, r.code));
  main.append(el("h1", { "data-testid": "part-title" }, t("part_title")), el("p", { class: "muted" }, t("part_intro")));
  if (!villages.length) {
    main.append(el("p", { class: "empty" }, t("part_no_villages")));
    return () => undefined;
  }
  // ?project=ID (the link on a project's notice section): a village the project concerns.
  const fromProject = projects.find((p) => String(p.id) === q.get("project"));
  const concerned = fromProject && villages.find((v) => regionContains(fromProject.region_code, v.code) || regionContains(v.code, fromProject.region_code));
  let village = villages.find((v) => v.code === q.get("village"))?.code ?? concerned?.code ?? villages[0].code;
  let tab = ["votes", "surveys", "feedback", "comments"].includes(q.get("tab") ?? "") ? q.get("tab")! : "votes";

  const select = el("select", { "data-testid": "part-village" }) as HTMLSelectElement;
  for (const v of villages) select.append(el("option", { value: v.code, "data-user": "" }, `${v.name} ${v.code}`));
  select.value = village;
  const tabs = el("div", { class: "part-tabs", role: "tablist" });
  const body = el("div", { "data-testid": "part-body" });
  main.append(el("div", { class: "part-head" }, el("label", {}, t("part_village"), " ", select)), tabs, body);

  const setUrl = () => history.replaceState(null, "", `/participation?village=${village}&tab=${tab}`);
  let stops: (() => void)[] = [];
  const stopAll = () => {
    stops.forEach((s) => s());
    stops = [];
  };
  const draw = async () => {
    stopAll();
    setUrl();
    tabs.replaceChildren(...["votes", "surveys", "feedback", "comments"].map((k) => {
      const b = el("button", { type: "button", role: "tab", class: k === tab ? "active" : "", "data-tab": k }, t("part_tab_" + k));
      b.addEventListener("click", () => {
        tab = k;
        void draw();
      });
      return b;
    }));
    const box = el("div", { "data-tab-body": tab });
    body.replaceChildren(box);
    // The projects of or around the village that the user's own grants cover (an official sees a
    // project inside a grant: services/projects.cpp may_see_project).
    const concerning = projects.filter((p) => (regionContains(p.region_code, village) || regionContains(village, p.region_code))
      && ctx.me.grants.some((g) => g.role !== "villager" && regionContains(g.region, p.region_code)));
    const env: Env = { ctx, village, projects: concerning, regions, grantOver, stop: (f) => stops.push(f) };
    if (tab === "votes") await votesTab(box, env);
    else if (tab === "surveys") await surveysTab(box, env);
    else if (tab === "feedback") await feedbackTab(box, env);
    else await commentsTab(box, env);
    box.dataset.ready = "1";
  };
  select.addEventListener("change", () => {
    village = select.value;
    void draw();
  });
  await draw();
  return stopAll;
}

interface Env {
  ctx: Ctx;
  village: string;
  projects: Project[];
  regions: Region[];
  grantOver(roles: string[], region: string): boolean;
  stop(f: () => void): void;
}

// ---- representatives and votes ------------------------------------------------------------

async function votesTab(box: HTMLElement, env: Env) {
  const { village } = env;
  const convener = env.grantOver(CONVENERS, village);
  const repsCard = el("section", { class: "card", "data-testid": "reps" });
  const openCard = el("section", { class: "card", "data-testid": "vote-open" });
  const list = el("div", { "data-testid": "votes" });
  box.append(el("div", { class: "part-grid" }, el("div", {}, repsCard, openCard), el("section", { class: "card" }, el("h2", {}, t("votes_title")), list)));
  if (!convener) openCard.remove();

  let reps: string[] = [];
  const drawReps = async () => {
    const [r, members] = await Promise.all([
      api<{ representatives: string[] }>("GET", `/api/v1/villages/${village}/representatives`).then((x) => x.representatives),
      convener ? api<{ members: { username: string; household_code: string }[] }>("GET", `/api/v1/rights/members?region=${village}`)
        .then((x) => x.members).catch(() => []) : Promise.resolve([]),
    ]);
    reps = r;
    repsCard.replaceChildren(el("h2", {}, t("reps_title")),
      reps.length ? el("p", { "data-testid": "reps-count", "data-count": String(reps.length) }, t("reps_count", { n: reps.length }))
        : el("p", { class: "warn", "data-testid": "reps-count", "data-count": "0" }, t("reps_none")),
      el("div", { class: "chips", "data-testid": "reps-list" }, ...reps.map((u) => el("span", { class: "badge", "data-rep": u, "data-user": "" }, u))));
    if (!convener) return;
    const memberNames = [...new Set(members.map((m) => m.username))];
    const checks = el("div", { class: "checks" }, ...memberNames.map((u) => {
      const cb = el("input", { type: "checkbox", value: u, "data-member": u }) as HTMLInputElement;
      cb.checked = reps.includes(u);
      const hh = members.filter((m) => m.username === u).map((m) => m.household_code).join(", ");
      return el("label", { "data-user": "" }, cb, `${u} (${hh})`);
    }));
    const others = el("textarea", { rows: "3", "data-testid": "reps-others", placeholder: t("reps_others_ph") }) as HTMLTextAreaElement;
    others.value = reps.filter((u) => !memberNames.includes(u)).join("\n");
    const msg = el("div", { class: "msg", role: "status", "data-testid": "reps-message" });
    const save = el("button", { class: "btn primary", type: "submit", "data-testid": "reps-save" }, t("reps_save"));
    const form = el("form", { class: "part-form" },
      memberNames.length ? el("div", {}, el("div", { class: "muted small" }, t("reps_members")), checks) : "",
      el("label", {}, t("reps_others"), others), el("p", { class: "muted small" }, t("reps_hint")), el("div", { class: "row" }, save), msg);
    act(save, msg, async () => {
      const names = [...checks.querySelectorAll<HTMLInputElement>("input:checked")].map((c) => c.value)
        .concat(others.value.split(/[\s,，、]+/).map((s) => s.trim()).filter(Boolean));
      const saved = await api<{ representatives: string[] }>("PUT", `/api/v1/villages/${village}/representatives`, { usernames: [...new Set(names)] });
      await drawReps();
      okMsg(repsCard.querySelector('[data-testid="reps-message"]')!, t("reps_saved", { n: saved.representatives.length }));
      drawOpen();
    });
    repsCard.append(form);
  };

  const drawOpen = () => {
    if (!convener) return;
    const question = el("textarea", { rows: "2", maxlength: "1000", placeholder: t("vote_question_ph"), "data-testid": "vote-question-input" }) as HTMLTextAreaElement;
    const project = el("select", { "data-testid": "vote-project" }) as HTMLSelectElement;
    project.append(el("option", { value: "0" }, t("vote_no_project")));
    for (const p of env.projects) project.append(el("option", { value: String(p.id), "data-user": "" }, `${p.code} ${p.name}`));
    const msg = el("div", { class: "msg", role: "status", "data-testid": "vote-open-message" });
    const btn = el("button", { class: "btn primary", type: "submit", "data-testid": "vote-open-btn" }, t("vote_open_btn"));
    act(btn, msg, async () => {
      if (!question.value.trim()) return void (question.focus(), (msg.textContent = ""));
      const body: Record<string, unknown> = { region_code: village, question: question.value.trim() };
      if (project.value !== "0") body.project_id = Number(project.value);
      const v = await api<VoteDetail>("POST", "/api/v1/votes", body);
      question.value = "";
      okMsg(msg, t("vote_opened"));
      await drawVotes(v.id);
    });
    openCard.replaceChildren(el("h2", {}, t("vote_open_title")),
      el("form", { class: "part-form" }, question, el("label", {}, t("vote_project"), project),
        !reps.length ? el("p", { class: "warn small" }, t("reps_none")) : "", el("div", { class: "row" }, btn), msg));
  };

  const voteCard = (v: VoteDetail): HTMLElement => {
    const k = needed(v.representatives);
    const card = el("article", { class: "card vote-card", "data-vote": String(v.id), "data-status": v.status, "data-passed": String(v.passed) },
      el("div", { class: "card-title" }, el("strong", { "data-user": "" }, v.question), " ",
        el("span", { class: "badge " + (v.status === "open" ? "state-public_notice" : "pending") }, t("vote_status_" + v.status))),
      el("div", { class: "muted small" }, t("vote_opened_at", { t: fmtTime(v.opened_at) }) + (v.closed_at ? " · " + t("vote_closed_at", { t: fmtTime(v.closed_at) }) : "")
        + (v.project_id ? " · " : ""), v.project_id ? u(env.projects.find((p) => p.id === v.project_id)?.code ?? `#${v.project_id}`) : ""),
      el("p", { "data-testid": "tally" }, t("vote_tally", { n: v.yes + v.no + v.abstain, m: v.representatives, y: v.yes, no: v.no, a: v.abstain })),
      el("p", { class: "vote-rule" }, t("vote_rule", { m: v.representatives, k })));
    if (v.status === "closed")
      card.append(el("p", { class: "vote-result " + (v.passed ? "passed" : "failed"), "data-testid": "vote-result" },
        t(v.passed ? "vote_result_passed" : "vote_result_failed", { y: v.yes, k })));
    else
      card.append(el("p", { class: v.yes >= k ? "ok" : "muted", "data-testid": "vote-progress" },
        v.yes >= k ? t("vote_enough", { y: v.yes, k }) : t("vote_need", { y: v.yes, d: k - v.yes })));
    if (v.members && v.ballots) {
      const byName = new Map(v.ballots.map((b) => [b.username, b]));
      const table = el("table", { class: "grid", "data-testid": "ballots" },
        el("tr", {}, el("th", {}, t("vote_rep")), el("th", {}, t("vote_choice")), el("th", {}, t("vote_time"))));
      for (const m of v.members) {
        const b = byName.get(m);
        table.append(el("tr", { "data-rep": m, "data-choice": b?.choice ?? "" },
          el("td", { "data-user": "" }, m), el("td", { class: b ? "ballot-" + b.choice : "ballot-none" }, b ? t("vote_" + b.choice) : t("vote_not_yet")),
          el("td", { class: "muted small" }, b ? fmtTime(b.at) : "")));
      }
      card.append(el("h3", {}, t("vote_ballots")), table);
    }
    if (v.status === "open" && env.grantOver(CONVENERS, v.region_code)) {
      const msg = el("div", { class: "msg", role: "status", "data-testid": "vote-close-message" });
      const close = el("button", { class: "btn primary", "data-action": "close-vote" }, t("vote_close_btn"));
      act(close, msg, async () => {
        await api("POST", `/api/v1/votes/${v.id}/close`, {});
        await drawVotes();
      });
      card.append(el("div", { class: "row" }, close), msg);
    }
    return card;
  };

  // live: only the cards that changed are swapped (and marked fresh); the others stay as they
  // are, so a button the organiser is about to press does not move or lose the focus.
  const shownVotes = new Map<number, string>(); // vote id → the vote as drawn
  const drawVotes = async (_focus?: number, live = false) => {
    const all = (await api<{ votes: VoteDetail[] }>("GET", "/api/v1/votes")).votes.filter((v) => v.region_code === village);
    const full = await Promise.all(all.map((v) => api<VoteDetail>("GET", `/api/v1/votes/${v.id}`).catch(() => v)));
    const before = new Map(shownVotes);
    shownVotes.clear();
    for (const v of full) shownVotes.set(v.id, JSON.stringify(v));
    if (!full.length) list.replaceChildren(el("p", { class: "empty" }, t("votes_none")));
    else if (!live) list.replaceChildren(...full.map(voteCard));
    else {
      const old = new Map([...list.querySelectorAll<HTMLElement>(":scope > [data-vote]")].map((c) => [c.dataset.vote!, c]));
      const cards = full.map((v) => {
        const prev = old.get(String(v.id));
        if (prev && before.get(v.id) === shownVotes.get(v.id)) return prev;
        const next = voteCard(v);
        next.dataset.liveCount = prev?.dataset.liveCount ?? "0";
        flash(next);
        return next;
      });
      if (cards.some((c, i) => list.children[i] !== c) || list.children.length !== cards.length) list.replaceChildren(...cards);
    }
    list.dataset.loaded = String(Date.now());
  };

  await drawReps();
  drawOpen();
  await drawVotes();
  // Live: a vote opened or closed and every ballot cast (vote.ballot_cast, sent only to those who
  // may read the vote; the ballots per representative are read from the API) redraw the cards
  // that changed. Only while the live stream is down are the open votes read again, slowly.
  const liveVote = (e: LiveEvent) => e.region === village && (e.kind === "vote.opened" || e.kind === "vote.ballot_cast" || e.kind === "vote.closed");
  env.stop(onLive(() => drawVotes(undefined, true), liveVote));
  const timer = window.setInterval(() => {
    if (document.body.dataset.live !== "open" && list.querySelector('[data-status="open"]')) void drawVotes(undefined, true).catch(() => undefined);
  }, 15000);
  env.stop(() => window.clearInterval(timer));
}

// ---- surveys --------------------------------------------------------------------------------

async function surveysTab(box: HTMLElement, env: Env) {
  const { village } = env;
  const township = village.slice(0, 9);
  // The regions a survey here may address: the village, and its township for a township official.
  const targets = [village, township].filter((r) => env.grantOver(PUBLISHERS, r));
  const list = el("div", { "data-testid": "surveys" });
  const formCard = el("section", { class: "card", "data-testid": "survey-new" });
  box.append(el("div", { class: "part-grid" }, targets.length ? formCard : el("div", {}), el("section", { class: "card" }, el("h2", {}, t("surveys_title")), list)));

  if (targets.length) {
    const region = el("select", { "data-testid": "survey-region" }) as HTMLSelectElement;
    for (const r of targets) region.append(el("option", { value: r }, `${env.regions.find((x) => x.code === r)?.name ?? r} ${r}`));
    const title = el("input", { placeholder: t("survey_title_ph"), maxlength: "200", "data-testid": "survey-title" }) as HTMLInputElement;
    title.value = t("survey_default_title");
    const project = el("select", { "data-testid": "survey-project" }) as HTMLSelectElement;
    project.append(el("option", { value: "0" }, t("vote_no_project")));
    for (const p of env.projects) project.append(el("option", { value: String(p.id) }, `${p.code} ${p.name}`));
    const qs = el("div", { class: "part-form", "data-testid": "survey-questions" });
    const addQ = (text = "", choices = "") => {
      const n = qs.children.length + 1;
      const qt = el("input", { placeholder: t("survey_q_ph"), maxlength: "500", "data-q": "text" }) as HTMLInputElement;
      const ch = el("textarea", { rows: "5", "data-q": "choices" }) as HTMLTextAreaElement;
      qt.value = text;
      ch.value = choices;
      const rm = el("button", { type: "button", class: "btn link" }, t("survey_remove_q"));
      const ed = el("div", { class: "q-editor", "data-question": String(n) }, el("strong", {}, t("survey_q", { n })), qt, el("label", {}, t("survey_choices"), ch), rm);
      rm.addEventListener("click", () => ed.remove());
      qs.append(ed);
    };
    addQ(t("survey_default_q"), t("survey_default_choices"));
    const add = el("button", { type: "button", class: "btn", "data-testid": "survey-add-q" }, t("survey_add_q"));
    add.addEventListener("click", () => addQ());
    const msg = el("div", { class: "msg", role: "status", "data-testid": "survey-message" });
    const create = el("button", { type: "submit", class: "btn primary", "data-testid": "survey-create" }, t("survey_create"));
    act(create, msg, async () => {
      const questions = [...qs.querySelectorAll(".q-editor")].map((ed) => ({
        text: (ed.querySelector('[data-q="text"]') as HTMLInputElement).value.trim(),
        choices: (ed.querySelector('[data-q="choices"]') as HTMLTextAreaElement).value.split("\n").map((s) => s.trim()).filter(Boolean),
      }));
      const body: Record<string, unknown> = { region_code: region.value, title: title.value.trim(), questions };
      if (project.value !== "0") body.project_id = Number(project.value);
      await api("POST", "/api/v1/surveys", body);
      okMsg(msg, t("survey_created"));
      await drawList();
    });
    formCard.append(el("h2", {}, t("survey_new")),
      el("form", { class: "part-form" }, el("label", {}, t("survey_region"), region), title, el("label", {}, t("vote_project"), project), qs,
        el("div", { class: "row" }, add, create), msg));
  }

  const charts: { dispose(): void }[] = [];
  env.stop(() => charts.splice(0).forEach((c) => c.dispose()));
  const surveyCard = async (s: SurveyDetail): Promise<HTMLElement> => {
    const card = el("article", { class: "card survey-card", "data-survey": String(s.id), "data-status": s.status, "data-responses": String(s.responses) },
      el("div", { class: "card-title" }, el("strong", {}, s.title), " ",
        el("span", { class: "badge " + (s.status === "open" ? "state-public_notice" : "pending") }, t("survey_status_" + s.status))),
      el("div", { class: "muted small" }, `${env.regions.find((x) => x.code === s.region_code)?.name ?? s.region_code} · ${fmtTime(s.created_at)}`
        + (s.project_id ? " · " + (env.projects.find((p) => p.id === s.project_id)?.code ?? `#${s.project_id}`) : "")),
      el("p", { "data-testid": "responses" }, t("survey_responses", { n: s.responses })));
    const boxes: [HTMLElement, { text: string; choices: string[] }, { counts: number[] }][] = [];
    s.questions.forEach((q, i) => {
      const r = s.results[i] ?? { counts: q.choices.map(() => 0), score_sum: 0, average: 0 };
      const chart = el("div", { class: "survey-chart", "data-chart": `survey-${s.id}-${i}` });
      const counts = el("table", { class: "grid small", "data-question": String(i) },
        ...q.choices.map((c, j) => el("tr", { "data-choice": String(j), "data-count": String(r.counts[j] ?? 0) }, el("td", {}, `${j + 1}. ${c}`), el("td", { class: "num" }, String(r.counts[j] ?? 0)))));
      card.append(el("h3", {}, `${i + 1}. ${q.text}`),
        el("p", { class: "muted small", "data-testid": "average", "data-average": String(r.average) },
          t("survey_average", { a: r.average.toFixed(2), m: q.choices.length })), chart, counts);
      boxes.push([chart, q, r]);
    });
    if (s.status === "open" && env.grantOver(PUBLISHERS, s.region_code)) {
      const msg = el("div", { class: "msg", role: "status", "data-testid": "survey-close-message" });
      const close = el("button", { class: "btn primary", "data-action": "close-survey" }, t("survey_close"));
      act(close, msg, async () => {
        await api("POST", `/api/v1/surveys/${s.id}/close`, {});
        await drawList();
      });
      card.append(el("div", { class: "row" }, close), msg);
    }
    // The bars once the card is in the page (ECharts measures its box).
    queueMicrotask(async () => {
      const { drawChoiceBars } = await import("../charts");
      for (const [chart, q, r] of boxes) if (chart.isConnected) charts.push(drawChoiceBars(chart, q.choices, r.counts.map((c) => c ?? 0), t("survey_count")));
    });
    return card;
  };

  // Only the latest drawing draws (as in the feedback list): a live redraw answering after an
  // action's redraw must not put back the cards from before the action.
  let drawing = 0;
  const drawList = async () => {
    const mine = ++drawing;
    const all = (await api<{ surveys: SurveyDetail[] }>("GET", "/api/v1/surveys")).surveys
      .filter((s) => regionContains(s.region_code, village) || regionContains(village, s.region_code));
    const full = await Promise.all(all.map((s) => api<SurveyDetail>("GET", `/api/v1/surveys/${s.id}`)));
    if (mine !== drawing) return;
    charts.splice(0).forEach((c) => c.dispose());
    const cards = full.length ? await Promise.all(full.map(surveyCard)) : [el("p", { class: "empty" }, t("surveys_none"))];
    if (mine !== drawing) return;
    list.replaceChildren(...cards);
    list.dataset.loaded = String(Date.now());
  };
  await drawList();
  const refresh = el("button", { class: "btn", "data-testid": "surveys-refresh" }, t("vote_refresh"));
  refresh.addEventListener("click", () => void drawList());
  list.before(refresh);
  env.stop(onLive(() => void drawList().catch(() => undefined), (e) => e.kind === "survey.opened"));
}

// ---- feedback -------------------------------------------------------------------------------

async function feedbackTab(box: HTMLElement, env: Env) {
  const { village } = env;
  const card = el("section", { class: "card", "data-testid": "feedback" }, el("h2", {}, t("fb_title")));
  box.append(card);
  const filters = el("div", { class: "fb-filters" });
  const list = el("div", { "data-testid": "feedback-list" });
  const topMsg = el("div", { class: "msg", role: "status", "data-testid": "escalate-message" });
  card.append(filters);
  if (env.ctx.me.grants.some((g) => ESCALATORS.includes(g.role))) {
    const esc = el("button", { class: "btn", "data-testid": "escalate" }, t("fb_escalate"));
    act(esc, topMsg, async () => {
      const r = await api<{ escalated: Fb[] }>("POST", "/api/v1/feedback-escalations", {});
      okMsg(topMsg, t("fb_escalated_n", { n: r.escalated.length }));
      await drawList();
    });
    card.append(el("div", { class: "row" }, esc, topMsg));
  }
  card.append(list);
  let filter = "all";
  const keys = ["all", "open", "overdue", "escalated", "answered", "closed"];
  const drawFilters = () =>
    filters.replaceChildren(...keys.map((k) => {
      const b = el("button", { class: "btn" + (k === filter ? " active" : ""), "data-filter": k },
        k === "all" ? t("fb_filter_all") : k === "overdue" ? t("fb_filter_overdue") : t("status_" + k));
      b.addEventListener("click", () => {
        filter = k;
        drawFilters();
        void drawList();
      });
      return b;
    }));
  const now = Date.now();
  const row = (f: Fb): HTMLElement => {
    const cat = has("category_" + f.category) ? t("category_" + f.category) : f.category;
    const days = Math.ceil((new Date(f.due_at).getTime() - now) / 86400000);
    const unanswered = f.status === "open" || f.status === "escalated";
    const r = el("div", { class: "fb-row", "data-feedback": String(f.id), "data-status": f.status, "data-overdue": String(f.overdue) },
      el("div", {}, el("span", { class: "badge cat-" + f.category }, cat), " ",
        el("span", { class: "badge fb-" + f.status }, t("status_" + f.status)), " ",
        f.overdue ? el("span", { class: "badge warn", "data-testid": "overdue" }, t("task_overdue")) : "", " ",
        el("span", { class: "muted small" }, t("fb_by", { a: f.author, t: fmtTime(f.created_at) })
          + (f.project_id ? " · " + t("fb_project", { c: env.projects.find((p) => p.id === f.project_id)?.code ?? `#${f.project_id}` }) : ""))),
      el("p", { class: "fb-body" }, f.body),
      unanswered
        ? el("div", { class: f.overdue ? "warn small" : "muted small" }, `${t("due_by", { t: fmtTime(f.due_at) })} · ${days >= 0 ? t("fb_days_left", { d: days }) : t("fb_days_over", { d: -days })}`)
        : "",
      f.reply ? el("div", { class: "fb-reply", "data-testid": "reply" }, el("strong", {}, t("reply_from", { by: f.reply.by })), " ", f.reply.text,
        el("span", { class: "muted small" }, " " + fmtTime(f.reply.at))) : "");
    const msg = el("span", { class: "msg", role: "status" });
    if (unanswered && env.grantOver(PUBLISHERS, f.region_code)) {
      const input = el("input", { placeholder: t("task_reply_placeholder"), "data-testid": "fb-reply-text" }) as HTMLInputElement;
      const send = el("button", { class: "btn primary", "data-action": "answer" }, t("fb_answer"));
      act(send, msg, async () => {
        if (!input.value.trim()) return void (input.focus(), (msg.textContent = ""));
        await api("POST", `/api/v1/feedback/${f.id}/answer`, { reply: input.value.trim() });
        await drawList();
      });
      r.append(el("div", { class: "task-form" }, input, send, msg));
    } else if (f.status === "answered" && env.grantOver(PUBLISHERS, f.region_code)) {
      const close = el("button", { class: "btn", "data-action": "close" }, t("fb_close"));
      act(close, msg, async () => {
        await api("POST", `/api/v1/feedback/${f.id}/close`, {});
        await drawList();
      });
      r.append(el("div", { class: "task-form" }, close, msg));
    }
    return r;
  };
  // Only the latest drawing draws: a live redraw or an action's redraw for the previous filter
  // that answers after the user chose another filter must not overwrite its list.
  let drawing = 0;
  const drawList = async () => {
    const mine = ++drawing;
    const qs = filter === "all" ? "" : filter === "overdue" ? "?overdue=true" : `?status=${filter}`;
    const answer = await api<{ feedback: Fb[] }>("GET", "/api/v1/feedback" + qs);
    if (mine !== drawing) return;
    const all = answer.feedback
      .filter((f) => regionContains(village, f.region_code) || regionContains(f.region_code, village));
    // Unanswered first, the most urgent on top; then the rest, newest first.
    const open = all.filter((f) => f.status === "open" || f.status === "escalated").sort((a, b) => a.due_at.localeCompare(b.due_at));
    const rest = all.filter((f) => !open.includes(f)).reverse();
    list.replaceChildren(...(all.length ? [...open, ...rest].map(row) : [el("p", { class: "empty" }, t("fb_none"))]));
    list.dataset.loaded = String(Date.now());
  };
  drawFilters();
  await drawList();
  env.stop(onLive(() => {
    if (!list.contains(document.activeElement)) void drawList().catch(() => undefined);
  }, (e) => e.kind.startsWith("feedback.")));
}

// ---- comments on public notices -------------------------------------------------------------

async function commentsTab(box: HTMLElement, env: Env) {
  const card = el("section", { class: "card", "data-testid": "notice-comments" }, el("h2", {}, t("cm_title")));
  box.append(card);
  const withNotice = env.projects.filter((p) => p.notice_starts);
  if (!withNotice.length) {
    card.append(el("p", { class: "empty" }, t("cm_none")));
    return;
  }
  const drawProject = async (p: Project, holder: HTMLElement) => {
    const comments = await api<{ comments: Comment[] }>("GET", `/api/v1/projects/${p.id}/comments`).then((r) => r.comments);
    holder.replaceChildren(el("h3", {}, link(`/projects/${encodeURIComponent(p.code)}`, `${p.code} ${p.name}`), " ",
      el("span", { class: "muted small" }, `${t("notice")}: ${fmtTime(p.notice_starts ?? "")} – ${fmtTime(p.notice_ends ?? "")}`)));
    if (!comments.length) holder.append(el("p", { class: "empty" }, t("cm_no_comments")));
    for (const c of comments) {
      const r = el("div", { class: "fb-row", "data-comment": String(c.id), "data-replied": String(!!c.reply) },
        el("div", {}, el("strong", {}, c.author), " ", el("span", { class: "muted small" }, fmtTime(c.created_at))),
        el("p", { class: "fb-body" }, c.body),
        c.reply ? el("div", { class: "fb-reply", "data-testid": "reply" }, el("strong", {}, t("reply_from", { by: c.reply.by })), " ", c.reply.text) : "");
      if (!c.reply && env.grantOver(PUBLISHERS, env.village)) {
        const input = el("input", { placeholder: t("cm_reply_ph"), "data-testid": "cm-reply-text" }) as HTMLInputElement;
        const msg = el("span", { class: "msg", role: "status" });
        const send = el("button", { class: "btn primary", "data-action": "reply" }, t("cm_reply"));
        act(send, msg, async () => {
          if (!input.value.trim()) return void (input.focus(), (msg.textContent = ""));
          await api("POST", `/api/v1/comments/${c.id}/reply`, { reply: input.value.trim() });
          await drawProject(p, holder);
        });
        r.append(el("div", { class: "task-form" }, input, send, msg));
      }
      holder.append(r);
    }
  };
  for (const p of withNotice) {
    const holder = el("div", { class: "cm-project", "data-project": String(p.id) });
    card.append(holder);
    await drawProject(p, holder).catch((e) => holder.append(el("p", { class: "error" }, e instanceof ApiFailure ? e.text() : String(e))));
  }
}
