// An assembly vote on the villager's phone: the question, three large buttons for a
// representative who has not voted, then their choice and the tally so far.
import { ApiFailure, api } from "../api";
import { el } from "../dom";
import { t } from "../i18n";
import type { Ctx } from "../main";
import { link } from "./common";
import type { Vote } from "./village";

export async function renderVillageVote(main: HTMLElement, ctx: Ctx, id: number): Promise<() => void> {
  const draw = async () => {
    const v = await api<Vote>("GET", `/api/v1/votes/${id}`);
    const cast = v.yes + v.no + v.abstain;
    main.replaceChildren(el("div", { class: "crumbs" }, link("/village", "← " + t("back_village"), { class: "touch-link" })),
      el("h1", {}, t("vote_question")),
      el("p", { class: "vote-q", "data-testid": "vote-question", "data-user": "" }, v.question),
      el("p", { class: "muted", "data-testid": "vote-tally" },
        t("vote_tally", { n: cast, m: v.representatives, y: v.yes, no: v.no, a: v.abstain })));
    if (v.status !== "open") {
      main.append(el("p", { class: "card" }, t("vote_closed", { r: t(v.passed ? "vote_passed" : "vote_failed") })));
      return;
    }
    if (!v.is_representative) {
      main.append(el("p", { class: "card muted" }, t("vote_not_member")));
      return;
    }
    if (v.my_choice) {
      main.append(el("p", { class: "card ok", "data-testid": "vote-mine", "data-choice": v.my_choice }, t("vote_cast", { c: t("vote_" + v.my_choice) })));
      return;
    }
    const msg = el("div", { class: "msg", role: "status", "data-testid": "vote-message" });
    const row = el("div", { class: "vote-buttons" });
    for (const choice of ["yes", "no", "abstain"]) {
      const b = el("button", { class: "btn big vote-" + choice, "data-choice": choice }, t("vote_" + choice));
      b.addEventListener("click", async () => {
        row.querySelectorAll("button").forEach((x) => x.setAttribute("disabled", ""));
        try {
          await api("POST", `/api/v1/votes/${id}/ballots`, { choice });
          await draw();
        } catch (err) {
          msg.className = "msg error";
          msg.textContent = `${t("action_refused")}: ${err instanceof ApiFailure ? err.text() : String(err)}`;
          row.querySelectorAll("button").forEach((x) => x.removeAttribute("disabled"));
        }
      });
      row.append(b);
    }
    main.append(row, msg);
  };
  await draw();
  void ctx;
  return () => undefined;
}
