// The project page's later sections kept current while it is open (issue 3): another user's
// progress report, inspection or milestone redraws the progress section and the report markers
// on the map; indicator values the evaluation; a comment or reply on the public notice the
// notice. Forms the user has started on survive (live_sections.ts). The funds section follows
// its own events (project_funds.ts). Called from renderProject's live handler with the events
// of this project.
import type { Project } from "../api";
import type { LiveEvent } from "../live";
import { flash, swapReadOnly } from "../live_sections";
import type { ProgressLive } from "./project_progress";
import { noticeSection } from "./project_sections";

const PROGRESS = ["progress.milestone_added", "progress.reported", "progress.report_filed", "progress.inspection"];
const EVALUATION = ["evaluation.planned_set", "evaluation.achieved_recorded"];
const NOTICE = ["notice.commented", "notice.replied"];

export async function refreshLater(later: HTMLElement, p: Project, progress: ProgressLive | null, events: LiveEvent[]) {
  if (!later.isConnected || later.dataset.ready !== "1") return;
  const kinds = new Set(events.filter((e) => e.project_id === p.id).map((e) => e.kind));
  const has = (list: string[]) => list.some((k) => kinds.has(k));
  const work: Promise<unknown>[] = [];
  if (progress && has(PROGRESS)) work.push(progress.refresh("progress"));
  if (progress && has(EVALUATION)) work.push(progress.refresh("evaluation"));
  if (has(NOTICE))
    work.push((async () => {
      const old = later.querySelector<HTMLElement>('[data-testid="notice"]');
      const fresh = await noticeSection(p);
      if (old?.isConnected && swapReadOnly(old, fresh, () => false)) flash(old);
    })());
  await Promise.all(work.map((w) => w.catch(() => undefined)));
}
