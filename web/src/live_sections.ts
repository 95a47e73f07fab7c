// Live redraws of a page's sections without losing what the user is typing (issue 3: "live
// updates where users today must reload"). A section holds read-only parts (tables, lists drawn
// from the API) and forms. When another user's event changes the data:
//   - a form nobody has touched is rebuilt with the rest (its choices may have changed: a new
//     milestone in the report form's list);
//   - a form the user has typed in, attached a photo to, picked a point for, or has the focus in
//     is kept as it is, and only the read-only parts around it are swapped;
//   - nothing is touched (and nothing flashes) when the redrawn parts are the same as shown, as
//     for the event of the user's own action, already drawn when the action returned.
// A redrawn section gets the `fresh` class (live.css) and data-live-count += 1 (tests wait for it).

// Marks a form box dirty on the user's first input; the mark goes with the box when it is rebuilt.
export function trackDirty(box: HTMLElement): HTMLElement {
  const mark = () => (box.dataset.dirty = "1");
  box.addEventListener("input", mark);
  box.addEventListener("change", mark);
  return box;
}

// The user is busy in `box`: typed or chose something, holds the focus in it, or set a point on
// the map for it (data-lon on the report form's point).
export function isBusy(box: Element | null): boolean {
  if (!box) return false;
  const active = document.activeElement;
  return (box as HTMLElement).dataset?.dirty === "1" || !!box.querySelector('[data-dirty="1"], [data-lon]') ||
    (!!active && active !== document.body && box.contains(active));
}

// The `fresh` highlight again (restarted when it is still running) and the redraw counted.
export function flash(section: HTMLElement) {
  section.classList.remove("fresh");
  void section.offsetWidth; // restart the animation
  section.classList.add("fresh");
  section.dataset.liveCount = String(Number(section.dataset.liveCount ?? "0") + 1);
}

const html = (nodes: Node[]) => nodes.map((n) => (n instanceof Element ? n.outerHTML : n.textContent ?? "")).join("");

// Swaps the children of `old` that `keep` does not hold on to for the children of `fresh`
// (placed before the first kept one). False, and nothing changed, when they are the same.
export function swapReadOnly(old: HTMLElement, fresh: HTMLElement, keep: (e: Element) => boolean): boolean {
  const current = [...old.childNodes].filter((n) => !(n instanceof Element && keep(n)));
  const next = [...fresh.childNodes];
  if (html(current) === html(next)) return false;
  const anchor = [...old.children].find((c) => keep(c)) ?? null;
  current.forEach((n) => n.remove());
  for (const n of next) old.insertBefore(n, anchor);
  return true;
}

// Same content as shown (the section's own redraw after the user's action)?
export function sameContent(a: HTMLElement, b: HTMLElement): boolean {
  return a.innerHTML === b.innerHTML;
}
