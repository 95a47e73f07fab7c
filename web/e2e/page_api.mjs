// What the e2e step files share: the app's API as a signed-in page sees it (its session cookie),
// the phone viewport villagers use, and signed-in pages of several users at once.

// `method url [body]` from inside `page`: the status, content type, X-Gongzhi-Cache header, body
// length and the body (parsed JSON; the text when it is not JSON; null when empty).
export function call(page, method, url, body) {
  return page.evaluate(async ([m, u, b]) => {
    const r = await fetch(u, { method: m, headers: b === undefined ? {} : { "Content-Type": "application/json" }, body: b === undefined ? undefined : JSON.stringify(b) });
    const text = await r.text();
    let parsed = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    return { status: r.status, type: r.headers.get("content-type"), cache: r.headers.get("X-Gongzhi-Cache"), size: text.length, body: parsed };
  }, [method, url, body]);
}

export const phone = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: "zh-CN" };

// `as(user, options)`: a new browser context (desktop unless options say otherwise) with a page
// signed in as `user`, its page errors logged; `closeAll()` closes every context opened so.
export function signedInPages({ browser, base, signIn }, desktop) {
  const contexts = [];
  const as = async (user, opts = desktop) => {
    const ctx = await browser.newContext(opts);
    contexts.push(ctx);
    const p = await ctx.newPage();
    p.on("pageerror", (e) => console.log(`page error (${user}):`, e.message));
    await signIn(p, base, user);
    return p;
  };
  const closeAll = async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
  };
  return { as, closeAll };
}
