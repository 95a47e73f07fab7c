// A small DOM builder: el("div", {class: "x"}, child, "text").
// Text that is data (a name, a code, a note someone wrote): shown as it is, in any language, and
// marked so (data-user) for the e2e language walk.
export function u(text: string | number | null | undefined): HTMLElement {
  const s = document.createElement("span");
  s.setAttribute("data-user", "");
  s.textContent = text === null || text === undefined ? "" : String(text);
  return s;
}

export function el(tag: string, attrs: Record<string, string> = {}, ...children: (Node | string | null | undefined | false)[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}
