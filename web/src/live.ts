// Live updates: one EventSource on GET /api/v1/events per signed-in tab (the server filters the
// stream by the user's grants). Every event is re-dispatched on window as "gongzhi:event" with
// its parsed data; pages listen while they are shown. EventSource reconnects by itself and sends
// Last-Event-ID, so nothing is missed across a dropped connection. The stream's state is on
// <body data-live="connecting|open|closed"> (tests wait for "open").
export interface LiveEvent {
  seq: number;
  time: string;
  kind: string;
  project_id: number;
  region: string;
  department: string;
  payload: any;
}

// The kinds the services emit (tx.insert_event in src/services/*.cpp).
const KINDS = [
  "project.created", "project.transition", "review.requested", "review.given", "obligation.fulfilled", "finding.acknowledged",
  "progress.milestone_added", "progress.reported", "progress.report_filed", "progress.inspection",
  "evaluation.achieved_recorded", "evaluation.planned_set", "funds.allocated", "disbursement.requested",
  "disbursement.approved", "disbursement.refused", "notice.published", "notice.commented", "notice.replied",
  "feedback.submitted", "feedback.answered", "feedback.escalated", "vote.opened", "vote.ballot_cast", "vote.closed", "survey.opened",
  "order.issued", "order.answered", "order.returned", "order.closed", "order.escalated",
];

let source: EventSource | null = null;

function setState(s: string) {
  document.body.dataset.live = s;
}

export function startLive(onSessionEnded: () => void) {
  if (source || typeof EventSource === "undefined") return;
  const es = new EventSource("/api/v1/events");
  source = es;
  setState("connecting");
  es.onopen = () => setState("open");
  es.onerror = () => setState(es.readyState === EventSource.CLOSED ? "closed" : "connecting");
  const forward = (e: MessageEvent) => {
    let data: LiveEvent;
    try {
      data = JSON.parse(e.data);
    } catch {
      return;
    }
    window.dispatchEvent(new CustomEvent<LiveEvent>("gongzhi:event", { detail: data }));
  };
  for (const k of KINDS) es.addEventListener(k, forward as EventListener);
  es.onmessage = forward;
  es.addEventListener("session.ended", () => {
    stopLive();
    onSessionEnded();
  });
}

export function stopLive() {
  source?.close();
  source = null;
  setState("closed");
}

// Calls fn for every live event (optionally only those that pass `filter`), debounced so a burst
// of events (a review round requested of five departments) refreshes once. When fn returns a
// promise, the next batch waits for it: refreshes run one at a time and in order, so a slow
// refresh started by an earlier event can never finish last and overwrite a newer one. Returns
// the unsubscribe function.
export function onLive(fn: (events: LiveEvent[]) => void | Promise<unknown>, filter: (e: LiveEvent) => boolean = () => true, delayMs = 150): () => void {
  let pending: LiveEvent[] = [];
  let timer: number | undefined;
  let running = false;
  let stopped = false;
  const flush = async () => {
    timer = undefined;
    if (running) return;
    running = true;
    while (pending.length && !stopped) {
      const batch = pending;
      pending = [];
      try {
        await fn(batch);
      } catch {
        // A refresh that failed (a read refused or timed out under load) is tried once more after
        // a pause; after that, the next event refreshes again.
        await new Promise((r) => window.setTimeout(r, 1500));
        if (!stopped) await Promise.resolve(fn(batch)).catch(() => undefined);
      }
    }
    running = false;
  };
  const handler = (e: Event) => {
    const ev = (e as CustomEvent<LiveEvent>).detail;
    if (!filter(ev)) return;
    pending.push(ev);
    // While a refresh runs, the events wait for it and are taken by its loop.
    if (!running && timer === undefined) timer = window.setTimeout(() => void flush(), delayMs);
  };
  window.addEventListener("gongzhi:event", handler);
  return () => {
    stopped = true;
    window.removeEventListener("gongzhi:event", handler);
    if (timer !== undefined) window.clearTimeout(timer);
  };
}
