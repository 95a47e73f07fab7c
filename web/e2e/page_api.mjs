// What the e2e step files share: the app's API as a signed-in page sees it (its session cookie),
// and the phone viewport villagers use.

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
