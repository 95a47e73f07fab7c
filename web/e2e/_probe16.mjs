import { chromium } from "playwright-core";
const base = process.argv[2];
const b = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox"] });
const c = await b.newContext({ viewport: { width: 390, height: 844 }, locale: "zh-CN" });
const p = await c.newPage();
await p.goto(base + "/signin");
await p.fill('[data-testid="username"]', "zhen");
await p.fill('[data-testid="password"]', "gongzhi-demo");
await p.click('[data-testid="sign-in"]');
await p.waitForSelector('[data-testid="who"]', { state: "attached" });
await p.goto(base + "/projects/XM2026-001");
await p.waitForTimeout(6000);
const r = await p.evaluate(() => {
  const out = [];
  let e = document.querySelector(".col-main");
  while (e) { const cs = getComputedStyle(e); out.push(`${e.tagName}.${e.className} w=${Math.round(e.getBoundingClientRect().width)} disp=${cs.display} fd=${cs.flexDirection} minw=${cs.minWidth}`); e = e.parentElement; }
  const wide = [...document.querySelectorAll(".col-main *")].filter((x) => x.scrollWidth > 400 && getComputedStyle(x).overflowX === "visible").slice(-8).map((x) => `${x.tagName}.${x.className} ${x.dataset.testid ?? ""} sw=${x.scrollWidth}`);
  return { sw: document.documentElement.scrollWidth, out, wide };
});
console.log(JSON.stringify(r, null, 1));
await b.close();
