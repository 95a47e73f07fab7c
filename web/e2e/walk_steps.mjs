// The no-raw-code walk (issue 16, item 7): each role that has pages signs in and visits every page
// of the app (its navigation links, a project page, the village's project and vote pages, an
// order, the print sheets, the not-found page) in zh-CN and then in English (the header's language
// switch). A page fails when its text or its title/placeholder/aria-label/alt attributes show
//   - an untranslated key (⟦key⟧) or a snake_case token (a raw code), in either language;
//   - English words in zh-CN;
//   - Chinese in English.
// Text that is data (names of projects, people and places, notice bodies, notes) sits in an
// element marked data-user and is skipped. Pages are reached by client-side navigation so the
// walk stays fast.
import { call, phone } from "./page_api.mjs";

const desktop = { viewport: { width: 1440, height: 900 }, locale: "zh-CN" };

// Runs in the page: every offending string, with where it is.
function scanPage(lang) {
  const bad = [];
  const where = (e) => {
    const parts = [];
    for (let x = e; x && x !== document.body && parts.length < 4; x = x.parentElement) {
      const id = x.getAttribute("data-testid");
      parts.unshift(x.tagName.toLowerCase() + (id ? `[${id}]` : x.classList.length ? "." + [...x.classList].slice(0, 2).join(".") : ""));
      if (id) break;
    }
    return parts.join(">");
  };
  const snake = /(^|[^A-Za-z0-9_])[a-z][a-z0-9]*_[a-z0-9_]+/;
  const cjk = /[\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]/;
  // Latin runs in zh-CN: at least two letters (a lone m of m² or x of 2× is a unit or a sign).
  const latin = /[A-Za-z]{2,}/;
  // The few names a Chinese interface writes in Latin letters: file types and byte units.
  const allowed = /\b(Excel|JPEG|PNG|PDF|MB|KB|GB)\b/g;
  const judge = (s, e, kind) => {
    const text = s.replace(/\s+/g, " ").trim();
    if (!text) return;
    let why = null;
    if (text.includes("⟦")) why = "key";
    else if (snake.test(text)) why = "snake_case";
    else if (lang === "zh" && latin.test(text.replace(allowed, ""))) why = "English";
    else if (lang === "en" && cjk.test(text)) why = "Chinese";
    if (why) bad.push(`${why}: ${kind} ${where(e)}: ${text.slice(0, 80)}`);
  };
  // Data, and text marked as being in a language of its own (the language switch's "English").
  const skip = (e) => !e || e.closest("[data-user], [lang]:not(html), script, style, noscript, template");
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const e = n.parentElement;
    if (!skip(e)) judge(n.nodeValue, e, "text");
  }
  for (const e of document.body.querySelectorAll("[title], [placeholder], [aria-label], img[alt]")) {
    if (skip(e)) continue;
    for (const a of ["title", "placeholder", "aria-label", "alt"]) if (e.hasAttribute(a)) judge(e.getAttribute(a), e, "@" + a);
  }
  if (lang === "zh") judge(document.title, document.body, "title");
  return [...new Set(bad)];
}

// Client-side navigation to `path`, then wait until the page has settled: no loading text for a
// moment (maps and charts draw into canvases, which hold no text).
async function visit(p, path) {
  await p.evaluate((to) => {
    history.pushState(null, "", to);
    window.dispatchEvent(new PopStateEvent("popstate"));
  }, path);
  await p.waitForFunction(() => {
    const main = document.querySelector("main");
    const busy = !main || !main.childElementCount || /加载中|Loading…/.test(main.textContent);
    const now = performance.now();
    if (busy || window.__walkPath !== location.pathname) {
      window.__walkPath = location.pathname;
      window.__walkQuiet = now;
      return false;
    }
    return now - window.__walkQuiet > 250;
  }, null, { timeout: 20000, polling: 50 }).catch(() => undefined);
}

export async function walkSteps({ browser, base, step, assert, signIn }) {
  const roles = [["zrzy", desktop], ["zhen", desktop], ["cun", desktop], ["cunmin", phone], ["czj", desktop], ["shenji", desktop], ["lingdao", desktop], ["admin", desktop]];
  for (const [user, opts] of roles) {
    await step(`no raw codes, English in zh-CN or Chinese in en on any page of ${user}`, async () => {
      const ctx = await browser.newContext(opts);
      try {
        const p = await ctx.newPage();
        p.on("pageerror", (e) => console.log(`page error (walk ${user}):`, e.message));
        await signIn(p, base, user);
        const paths = await p.$$eval("nav a[data-nav]", (as) => as.map((a) => a.getAttribute("href")));
        // The pages one reaches from those: a project, an order, the village's project and vote
        // pages, the print sheets, the not-found page.
        const projects = (await call(p, "GET", "/api/v1/projects")).body?.projects ?? [];
        const villager = paths.includes("/village");
        if (villager) {
          if (projects.length) paths.push(`/village/projects/${projects[0].id}`);
          const notices = (await call(p, "GET", "/api/v1/notices")).body ?? {};
          if ((notices.notices ?? []).length) paths.push(`/village/notices/${notices.notices[0].id}`);
          const votes = (await call(p, "GET", "/api/v1/votes")).body?.votes ?? [];
          if (votes.length) paths.push(`/village/votes/${votes[0].id}`);
        } else if (projects.length) {
          const pr = projects.find((x) => x.notice_starts) ?? projects.find((x) => x.code === "XM2026-005") ?? projects[0];
          paths.push(`/projects/${encodeURIComponent(pr.code)}`);
          if (["zrzy", "czj"].includes(user)) {
            paths.push(`/print/approval/${pr.id}`);
            if (pr.notice_starts) paths.push(`/print/notice/${pr.id}`);
            for (const x of projects) {
              const d = ((await call(p, "GET", `/api/v1/projects/${x.id}/funds`)).body?.disbursements ?? [])[0];
              if (d) {
                paths.push(`/print/payment/${x.id}/${d.id}`);
                break;
              }
            }
          }
        }
        if (paths.includes("/orders")) {
          const o = ((await call(p, "GET", "/api/v1/orders")).body?.orders ?? [])[0];
          if (o) paths.push(`/orders/${o.id}`);
        }
        paths.push("/no/such/page");
        const found = [];
        let visited = 0;
        for (const lang of ["zh", "en"]) {
          if (lang === "en") {
            await p.click('[data-testid="lang"]');
            await p.waitForFunction(() => document.documentElement.lang === "en");
          }
          for (const path of paths) {
            await visit(p, path);
            const shown = await p.evaluate(() => (document.querySelector("main")?.textContent ?? "").trim().length);
            if (shown < 2) found.push(`${lang} ${path} empty page`);
            for (const b of await p.evaluate(scanPage, lang)) found.push(`${lang} ${path} ${b}`);
            visited++;
          }
        }
        assert(visited === 2 * paths.length, `visited ${visited} of ${2 * paths.length} pages`);
        assert(found.length === 0, `${found.length} problems:\n  ` + found.join("\n  "));
      } finally {
        await ctx.close();
      }
    });
  }
}
