import { el } from "../dom";
import { fmtArea, t } from "../i18n";
import type { Ctx } from "../main";
import { stateBadge } from "./common";

// The villager's phone view: their village, its public projects as large touch cards.
export async function renderVillage(main: HTMLElement, ctx: Ctx): Promise<() => void> {
  main.classList.add("phone");
  const [projects, regions] = await Promise.all([ctx.projects(), ctx.regions().catch(() => [])]);
  const mine = ctx.me.grants.map((g) => g.region);
  const village = regions.find((r) => mine.includes(r.code));
  main.append(el("h1", { "data-testid": "village-title" }, t("village_title")),
    el("p", { class: "muted", "data-testid": "village-name" }, t("village_of", { name: village ? village.name : mine.join(", ") })));
  const list = el("div", { class: "cards", "data-testid": "village-projects" });
  if (!projects.length) list.append(el("p", { class: "empty card" }, t("village_empty")));
  for (const p of projects) {
    const card = el("a", { class: "card touch", href: `/map?project=${p.id}`, "data-route": "", "data-code": p.code },
      el("div", { class: "card-title" }, p.name), el("div", {}, p.code, " ", stateBadge(p.state)),
      el("div", { class: "muted" }, fmtArea(p.area_m2)), el("div", { class: "cta" }, t("view_on_map") + " →"));
    list.append(card);
  }
  main.append(list);
  return () => undefined;
}
