// The Gongzhi web app: sign-in, a home per role, the one map, project pages, the department
// review inbox and the villager's phone view. A tiny client-side router over history.pushState;
// the server answers index.html for every client route (src/http/static_routes.cpp).
import "./style.css";
import { ApiFailure, api, getMe, listProjects, listRegions, type Me, type Project, type Region } from "./api";
import { el } from "./dom";
import { lang, setLang, t } from "./i18n";
import { renderSignIn } from "./pages/signin";
import { renderVillage } from "./pages/village";
import { renderParcels } from "./pages/parcels";
import { startLive, stopLive } from "./live";
import { watchHome } from "./pages/project_live";
import "./i18n_part";
import "./i18n_progress";
import "./i18n_orders";
import "./i18n_audit";
import "./i18n_notice";
// Pages with the map (MapLibre, ~1 MB) or charts load on demand: the sign-in and the villager's
// phone view do not download them.
const renderHome = async (...a: Parameters<typeof import("./pages/home").renderHome>) => (await import("./pages/home")).renderHome(...a);
const renderInbox = async (...a: Parameters<typeof import("./pages/inbox").renderInbox>) => (await import("./pages/inbox")).renderInbox(...a);
const renderMapPage = async (...a: Parameters<typeof import("./pages/map_page").renderMapPage>) => (await import("./pages/map_page")).renderMapPage(...a);
const renderDashboard = async (...a: Parameters<typeof import("./pages/dashboard").renderDashboard>) => (await import("./pages/dashboard")).renderDashboard(...a);
const renderSchemes = async (...a: Parameters<typeof import("./pages/schemes").renderSchemes>) => (await import("./pages/schemes")).renderSchemes(...a);
const renderAssessment = async (...a: Parameters<typeof import("./pages/assessment").renderAssessment>) => (await import("./pages/assessment")).renderAssessment(...a);
const renderParticipation = async (...a: Parameters<typeof import("./pages/participation").renderParticipation>) => (await import("./pages/participation")).renderParticipation(...a);
const renderEvaluations = async (...a: Parameters<typeof import("./pages/evaluations").renderEvaluations>) => (await import("./pages/evaluations")).renderEvaluations(...a);
const renderStats = async (...a: Parameters<typeof import("./pages/stats").renderStats>) => (await import("./pages/stats")).renderStats(...a);
const renderMonitoring = async (...a: Parameters<typeof import("./pages/warnings").renderWarnings>) => (await import("./pages/warnings")).renderWarnings(...a);
const renderWarnings = async (...a: Parameters<typeof import("./pages/orders").renderWarnings>) => (await import("./pages/orders")).renderWarnings(...a);
const renderOrders = async (...a: Parameters<typeof import("./pages/orders").renderOrders>) => (await import("./pages/orders")).renderOrders(...a);
const renderOrder = async (...a: Parameters<typeof import("./pages/orders").renderOrder>) => (await import("./pages/orders")).renderOrder(...a);
const renderIndicators = async (...a: Parameters<typeof import("./pages/indicators").renderIndicators>) => (await import("./pages/indicators")).renderIndicators(...a);
const renderMyBenefits = async (...a: Parameters<typeof import("./pages/my_benefits").renderMyBenefits>) => (await import("./pages/my_benefits")).renderMyBenefits(...a);
const renderAudit = async (...a: Parameters<typeof import("./pages/audit").renderAudit>) => (await import("./pages/audit")).renderAudit(...a);
const renderPrint = async (...a: Parameters<typeof import("./pages/print").renderPrint>) => (await import("./pages/print")).renderPrint(...a);
const renderProject = async (...a: Parameters<typeof import("./pages/project").renderProject>) => (await import("./pages/project")).renderProject(...a);

export interface Ctx {
  me: Me;
  roles: Set<string>;
  go(path: string): void;
  rerender(): void;
  projects(): Promise<Project[]>;
  regions(): Promise<Region[]>;
}

const root = document.getElementById("app")!;
let me: Me | null = null;
let cleanup: (() => void) | null = null;

export function go(path: string) {
  if (location.pathname + location.search !== path) history.pushState(null, "", path);
  render();
}
window.addEventListener("popstate", () => render());

function isVillager(m: Me) {
  return m.grants.length > 0 && m.grants.every((g) => g.role === "villager");
}

// The roles the region dashboard is for (services/dashboard.h).
const dashboardRoles = ["leader_group", "lead_department", "co_reviewing_department", "township", "village_collective", "expert", "admin", "auditor"];

// The roles that receive land-use warnings (http/monitoring_routes.cpp).
const warningRoles = ["leader_group", "lead_department", "co_reviewing_department", "township", "village_collective", "admin", "auditor"];

function header(m: Me | null): HTMLElement {
  const langBtn = el("button", { class: "btn link", "data-testid": "lang", lang: lang() === "zh" ? "en" : "zh-CN" }, t("lang_switch"));
  langBtn.addEventListener("click", () => {
    setLang(lang() === "zh" ? "en" : "zh");
    render();
  });
  const bar = el("header", { class: "topbar" },
    el("a", { class: "brand", href: "/" }, el("strong", {}, t("app_name")), el("span", { class: "subtitle" }, t("app_subtitle"))));
  const nav = el("nav", {});
  if (m) {
    const links: [string, string][] = isVillager(m)
      ? [["/village", "nav_village"], ["/parcels", "nav_parcels"], ["/benefits", "nav_benefits"], ["/map", "nav_map"]]
      : [["/home", "nav_home"], ["/map", "nav_map"], ["/inbox", "nav_inbox"], ["/schemes", "nav_schemes"]];
    if (m.grants.some((g) => dashboardRoles.includes(g.role))) links.push(["/dashboard", "nav_dashboard"]);
    // The assessment is read by the same roles as the dashboard (services/units.cpp).
    if (m.grants.some((g) => dashboardRoles.includes(g.role))) links.push(["/assessment", "nav_assessment"]);
    // Participation's organisers and readers (pages/participation.ts READERS).
    if (m.grants.some((g) => ["leader_group", "lead_department", "township", "village_collective", "admin", "auditor"].includes(g.role)))
      links.push(["/participation", "nav_participation"]);
    if (m.grants.some((g) => ["township", "village_collective", "investor", "lead_department"].includes(g.role)))
      links.push(["/projects/new", "nav_new_project"]);
    // Scores across projects (GET /api/v1/evaluations), for everyone but villagers.
    if (!isVillager(m)) links.push(["/evaluations", "nav_evaluations"]);
    // Warnings and supervision orders (pages/orders.ts) for officials, investors and auditors.
    if (m.grants.some((g) => !["villager", "expert"].includes(g.role))) links.push(["/warnings", "nav_warnings"], ["/orders", "nav_orders"]);
    // The official summary tables (GET /api/v1/stats/tables) for the same roles as the dashboard.
    if (m.grants.some((g) => dashboardRoles.includes(g.role))) links.push(["/stats", "nav_stats"]);
    // Land-use warnings (GET /api/v1/monitoring/changes) for the government side and the auditor.
    if (m.grants.some((g) => warningRoles.includes(g.role))) links.push(["/monitoring", "nav_monitoring"]);
    if (!isVillager(m) && m.grants.some((g) => g.role !== "expert")) links.push(["/indicators", "nav_indicators"]);
    // The audit log (pages/audit.ts) for auditors and administrators.
    if (m.grants.some((g) => ["auditor", "admin"].includes(g.role))) links.push(["/audit", "nav_audit"]);
    for (const [href, key] of links) {
      const a = el("a", { href, class: location.pathname === href ? "active" : "", "data-nav": href }, t(key));
      nav.append(a);
    }
    const out = el("button", { class: "btn link", "data-testid": "sign-out" }, t("sign_out"));
    out.addEventListener("click", async () => {
      await api("DELETE", "/api/v1/session").catch(() => undefined);
      stopLive();
      me = null;
      go("/signin");
    });
    nav.append(el("span", { class: "who", "data-testid": "who", "data-user": "" }, m.user.username), out);
  }
  nav.append(langBtn);
  bar.append(nav);
  // Client-side navigation for in-app links.
  bar.addEventListener("click", (e) => {
    const a = (e.target as HTMLElement).closest("a");
    if (a && a.getAttribute("href")?.startsWith("/")) {
      e.preventDefault();
      go(a.getAttribute("href")!);
    }
  });
  return bar;
}

async function render() {
  cleanup?.();
  cleanup = null;
  const path = location.pathname;
  if (!me && path !== "/signin") {
    try {
      me = await getMe();
    } catch {
      me = null;
    }
  }
  root.replaceChildren();
  document.title = `${t("app_name")} · ${t("app_subtitle")}`;
  if (!me) {
    root.append(header(null));
    const main = el("main", { class: "page signin-page" });
    root.append(main);
    renderSignIn(main, async () => {
      me = await getMe();
      const next = new URLSearchParams(location.search).get("next");
      go(next && next.startsWith("/") && !next.startsWith("//") ? next : isVillager(me) ? "/village" : "/home");
    });
    if (path !== "/signin") history.replaceState(null, "", "/signin?next=" + encodeURIComponent(path + location.search));
    return;
  }
  const m = me;
  startLive(() => {
    me = null;
    go("/signin");
  });
  root.append(header(m));
  const main = el("main", { class: "page" });
  root.append(main);
  let projectsCache: Promise<Project[]> | null = null, regionsCache: Promise<Region[]> | null = null;
  const ctx: Ctx = {
    me: m,
    roles: new Set(m.grants.map((g) => g.role)),
    go,
    rerender: render,
    projects: () => (projectsCache ??= listProjects()),
    regions: () => (regionsCache ??= listRegions()),
  };
  try {
    if (path === "/" || path === "/signin" || path === "/home") {
      if (isVillager(m) && path !== "/home") return go("/village");
      if (path !== "/home") history.replaceState(null, "", "/home");
      await renderHome(main, ctx);
      cleanup = watchHome(main, ctx);
    } else if (path === "/map") cleanup = await renderMapPage(main, ctx);
    else if (path === "/inbox") cleanup = await renderInbox(main, ctx);
    else if (path === "/village" || path.startsWith("/village/")) cleanup = await renderVillage(main, ctx);
    else if (path === "/dashboard") cleanup = await renderDashboard(main, ctx);
    else if (path === "/parcels") cleanup = await renderParcels(main, ctx);
    else if (path === "/schemes") cleanup = await renderSchemes(main, ctx);
    else if (path === "/stats") cleanup = await renderStats(main, ctx);
    else if (path === "/monitoring") cleanup = await renderMonitoring(main, ctx);
    else if (path === "/evaluations") cleanup = await renderEvaluations(main, ctx);
    else if (path === "/assessment") cleanup = await renderAssessment(main, ctx);
    else if (path === "/participation") cleanup = await renderParticipation(main, ctx);
    else if (path === "/warnings") cleanup = await renderWarnings(main, ctx);
    else if (path === "/indicators") cleanup = await renderIndicators(main, ctx);
    else if (path === "/benefits") cleanup = await renderMyBenefits(main, ctx);
    else if (path === "/orders") cleanup = await renderOrders(main, ctx);
    else if (path.startsWith("/orders/")) cleanup = await renderOrder(main, ctx, decodeURIComponent(path.slice("/orders/".length)));
    else if (path.startsWith("/projects/")) cleanup = await renderProject(main, ctx, decodeURIComponent(path.slice("/projects/".length)));
    else if (path === "/audit") cleanup = await renderAudit(main, ctx);
    else if (/^\/print\/(approval|notice)\/\d+$/.test(path) || /^\/print\/payment\/\d+\/\d+$/.test(path)) cleanup = await renderPrint(main, ctx);
    else notFoundPage(main);
  } catch (e) {
    if (e instanceof ApiFailure && e.status === 401) {
      me = null;
      return go("/signin?next=" + encodeURIComponent(path));
    }
    main.append(el("div", { class: "error", role: "alert" }, `${t("error")}: ${e instanceof ApiFailure ? e.text() : String(e)}`));
  }
}

// The app's own page for an address it has no page for (the server answers such paths with the
// app itself: src/http/static_routes.cpp).
function notFoundPage(main: HTMLElement) {
  document.title = `${t("not_found_title")} · ${t("app_name")}`;
  const home = el("a", { href: "/", "data-route": "", class: "btn primary", "data-testid": "not-found-home" }, t("not_found_home"));
  main.append(el("section", { class: "nf-page", "data-testid": "not-found" }, el("h1", {}, t("not_found_title")), el("p", { class: "muted" }, t("not_found_text")), home));
}

// In-page links (<a href="/projects/..">) navigate without reloading.
document.addEventListener("click", (e) => {
  const a = (e.target as HTMLElement).closest?.("a[data-route]") as HTMLAnchorElement | null;
  if (a) {
    e.preventDefault();
    go(a.getAttribute("href")!);
  }
});

render();
