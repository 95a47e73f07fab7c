// End-to-end test of the web app: a fresh `gongzhi demo` county (1000 polygons), a real
// `gongzhi serve` on loopback, Debian's chromium driven headless by playwright-core.
//
//   node e2e/run.mjs --gongzhi BUILD/gongzhi [--screenshots ../docs/screenshots]
//   E2E_BASE_URL=http://127.0.0.1:5173 node e2e/run.mjs   (against a server already running)
//
// Exit 0 when every step passed; each step prints "ok - NAME" or "not ok - NAME: reason".
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const screenshots = args.screenshots ? path.resolve(args.screenshots) : null;
const password = "gongzhi-demo";

function fail(msg) {
  throw new Error(msg);
}
function assert(cond, msg) {
  if (!cond) fail(msg);
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

async function startServer() {
  if (process.env.E2E_BASE_URL) return { base: process.env.E2E_BASE_URL, stop: async () => {} };
  const bin = args.gongzhi ?? fail("--gongzhi BINARY is required");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gz-web-e2e-"));
  const db = path.join(dir, "county.sqlite");
  const demo = spawnSync(bin, ["demo", "--out", db, "--polygons", "1000", "--seed", "1"], { encoding: "utf8" });
  assert(demo.status === 0, `gongzhi demo failed: ${demo.stderr}`);
  const port = await freePort();
  const env = { ...process.env, GONGZHI_WEB_DIR: process.env.GONGZHI_WEB_DIR ?? path.resolve(here, "..", "dist") };
  assert(fs.existsSync(path.join(env.GONGZHI_WEB_DIR, "index.html")), `${env.GONGZHI_WEB_DIR}/index.html missing: run npm run build in web/`);
  const proc = spawn(bin, ["serve", "--db", db, "--listen", `127.0.0.1:${port}`], { env, stdio: ["ignore", "inherit", "inherit"] });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(base + "/api/v1/health");
      if (r.ok) break;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    stop: async () => {
      proc.kill("SIGTERM");
      await new Promise((r) => proc.once("exit", r));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// A GET with the path sent exactly as written (fetch() would resolve "..", "%2e%2e" first).
function rawGet(base, rawPath) {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method: "GET", path: rawPath }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

const results = [];
async function step(name, fn) {
  try {
    await fn();
    results.push([name, null]);
    console.log(`ok - ${name}`);
  } catch (e) {
    results.push([name, e]);
    console.log(`not ok - ${name}: ${e?.stack ?? e}`);
  }
}

async function shot(page, name) {
  if (!screenshots) return;
  fs.mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: path.join(screenshots, name + ".png") });
}

async function signIn(page, base, user) {
  await page.goto(base + "/signin");
  await page.fill('[data-testid="username"]', user);
  await page.fill('[data-testid="password"]', password);
  await page.click('[data-testid="sign-in"]');
  await page.waitForSelector('[data-testid="who"]');
  assert((await page.textContent('[data-testid="who"]')) === user, `signed in as ${user}`);
}

// Rendered features of map layers (MapLibre queryRenderedFeatures, exposed by the app for tests).
async function renderedFeatures(page, layers) {
  await page.waitForFunction(() => window.__gongzhi && window.__gongzhi.map.loaded(), null, { timeout: 30000 });
  await page.evaluate(() => window.__gongzhi.ready);
  await page.evaluate(() => new Promise((r) => (window.__gongzhi.map.loaded() && !window.__gongzhi.map.isMoving() ? requestAnimationFrame(() => r()) : window.__gongzhi.map.once("idle", () => r()))));
  await page.waitForTimeout(300);
  return page.evaluate((ls) => window.__gongzhi.map.queryRenderedFeatures({ layers: ls }).map((f) => ({ layer: f.layer.id, properties: f.properties })), layers);
}

const server = await startServer();
const browser = await chromium.launch({
  executablePath: chromiumPath,
  headless: true,
  args: ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist", "--lang=zh-CN"],
});
const base = server.base;
try {
  await step("static files: index, hashed assets immutable, no traversal", async () => {
    const index = await fetch(base + "/");
    assert(index.status === 200 && (index.headers.get("content-type") ?? "").startsWith("text/html"), "index is html");
    const html = await index.text();
    const js = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1] ?? fail("no script in index.html");
    const a = await fetch(base + js);
    assert(a.status === 200, "asset served");
    assert((a.headers.get("content-type") ?? "").startsWith("text/javascript"), "asset content type " + a.headers.get("content-type"));
    assert((a.headers.get("cache-control") ?? "").includes("immutable"), "asset immutable");
    for (const p of ["/assets/../../etc/passwd", "/assets/../../../../../../etc/passwd", "/assets/..%2F..%2Fetc%2Fpasswd",
      "/assets/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/assets/..%5c..%5cetc%5cpasswd", "/assets/%2e%2e", "/assets/..%2findex.html",
      "/assets/%252e%252e%252fetc%252fpasswd", "/assets//etc/passwd", "/assets/.%2e/.%2e/etc/passwd"]) {
      const r = await rawGet(base, p);
      assert(r.status === 404 && !r.body.includes("root:") && !r.body.includes("<!doctype"), `${p} → ${r.status}`);
    }
    const spa = await fetch(base + "/projects/XM2026-005");
    assert(spa.status === 200 && (await spa.text()) === html, "client route answers index.html");
    const classes = await fetch(base + "/api/v1/land-use-classes");
    assert(classes.status === 401, "land-use classes need a session: " + classes.status);
  });

  const desktop = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "zh-CN" });
  const page = await desktop.newPage();
  page.on("pageerror", (e) => console.log("page error:", e.message));

  await step("sign-in page is Chinese, a wrong password is refused with the server's message", async () => {
    await page.goto(base + "/");
    await page.waitForSelector('[data-testid="sign-in"]');
    assert((await page.textContent('[data-testid="sign-in"]')) === "登录", "sign-in button in Chinese");
    await page.fill('[data-testid="username"]', "zrzy");
    await page.fill('[data-testid="password"]', "wrong password");
    await page.click('[data-testid="sign-in"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="signin-error"]')?.textContent);
    assert((await page.textContent('[data-testid="signin-error"]')).includes("用户名或密码错误"), "refusal message");
    await shot(page, "signin");
  });

  await step("zrzy signs in and sees the 8 demo projects", async () => {
    await signIn(page, base, "zrzy");
    await page.waitForSelector('[data-testid="project-list"]');
    const codes = await page.$$eval('[data-testid="project-list"] tr[data-code]', (rows) => rows.map((r) => r.dataset.code));
    assert(codes.length === 8, `8 projects, got ${codes.length}`);
    for (let i = 1; i <= 8; i++) assert(codes.includes(`XM2026-00${i}`), `XM2026-00${i} listed`);
    await page.waitForSelector('[data-testid="state-chart"] canvas');
    await shot(page, "home-zrzy");
  });

  await step("the classes endpoint answers the signed-in browser with the 三调 colours", async () => {
    const j = await page.evaluate(() => fetch("/api/v1/land-use-classes").then((r) => r.json()));
    const paddy = j.classes.find((c) => c.code === "0101");
    assert(paddy && paddy.color.toUpperCase() === "#FFFF64" && paddy.name_zh === "水田", "0101 水田 #FFFF64");
  });

  await step("XM2026-005: check compliance, findings with areas on the page and highlighted on the map", async () => {
    await page.click('a[href="/projects/XM2026-005"]');
    await page.waitForSelector('[data-testid="project-title"]');
    assert((await page.textContent('[data-testid="project-title"]')).includes("XM2026-005"), "project page");
    await page.click('button[data-action="check_compliance"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="action-message"]')?.classList.contains("ok"), null, { timeout: 60000 });
    const state = await page.getAttribute('[data-testid="project-title"] .badge', "data-state");
    assert(state === "compliance_checked", "state now compliance_checked: " + state);
    const findings = await page.$$eval('[data-testid="findings"] li', (li) => li.map((x) => ({ rule: x.dataset.rule, area: Number(x.dataset.areaM2), text: x.textContent })));
    assert(findings.length > 0, "findings listed");
    for (const f of findings) {
      assert(f.area > 0, "finding area > 0");
      assert(f.text.includes("平方米") && f.text.includes("亩") && f.text.includes("公顷"), "areas in m², mu, ha: " + f.text);
    }
    const rendered = await renderedFeatures(page, ["findings-fill"]);
    assert(rendered.length > 0, "findings rendered on the map");
    assert(rendered.every((f) => f.properties.project === "XM2026-005"), "rendered findings are this project's");
    const areas = await renderedFeatures(page, ["projects-fill"]);
    assert(areas.some((f) => f.properties.code === "XM2026-005"), "project area rendered");
    await shot(page, "project-findings");
  });

  await step("a refused action shows the server's message on the page", async () => {
    // XM2026-006 is under joint review with reviews still pending: approving it is refused.
    await page.goto(base + "/projects/XM2026-006");
    await page.waitForSelector('button[data-action="approve"]');
    const r = await page.evaluate(async () => {
      const list = await fetch("/api/v1/projects").then((x) => x.json());
      const p = list.projects.find((x) => x.code === "XM2026-006");
      const res = await fetch(`/api/v1/projects/${p.id}/actions`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ action: "approve" }) });
      return { status: res.status, body: await res.json() };
    });
    assert(r.status >= 400 && r.status < 500 && r.body.error.message_zh, "4xx with message_zh: " + JSON.stringify(r));
    await page.click('button[data-action="approve"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="action-message"]')?.classList.contains("error"));
    const text = await page.textContent('[data-testid="action-message"]');
    assert(text.includes("操作被拒绝") && text.includes(r.body.error.message_zh), "message shown: " + text);
    assert((await page.getAttribute('[data-testid="project-title"] .badge', "data-state")) === "joint_review", "state unchanged");
    await page.goto(base + "/projects/XM2026-005");
    await page.waitForSelector('.col-map[data-ready="1"]', { timeout: 30000 });
  });

  await step("identify: clicking the project area shows its attributes", async () => {
    assert((await renderedFeatures(page, ["projects-fill"])).length > 0, "project area rendered");
    const pt = await page.evaluate(() => {
      const m = window.__gongzhi.map;
      const fs = m.queryRenderedFeatures({ layers: ["projects-fill"] });
      const g = fs[0].geometry;
      const ring = g.type === "Polygon" ? g.coordinates[0] : g.coordinates[0][0];
      const c = ring.reduce((a, p) => [a[0] + p[0] / ring.length, a[1] + p[1] / ring.length], [0, 0]);
      const px = m.project(c);
      const r = m.getCanvas().getBoundingClientRect();
      return { x: r.left + px.x, y: r.top + px.y };
    });
    await page.mouse.click(pt.x, pt.y);
    await page.waitForFunction(() => document.querySelector('[data-testid="identify"] table'));
    const text = await page.textContent('[data-testid="identify"]');
    assert(text.includes("XM2026-005") || text.includes("finding"), "identify shows the feature: " + text.slice(0, 200));
  });

  await step("measure area tool gives an approximate area", async () => {
    await page.click('[data-testid="measure"]');
    const box = await page.$eval(".map-canvas canvas", (c) => { const r = c.getBoundingClientRect(); return { x: r.left, y: r.top, w: r.width, h: r.height }; });
    const cx = box.x + box.w / 2, cy = box.y + box.h / 2;
    await page.mouse.click(cx - 60, cy - 60);
    await page.mouse.click(cx + 60, cy - 60);
    await page.mouse.click(cx + 60, cy + 60);
    await page.mouse.dblclick(cx - 60, cy + 60);
    const m2 = Number(await page.getAttribute('[data-testid="measure-result"]', "data-m2"));
    assert(m2 > 0, "measured area > 0");
    assert((await page.textContent('[data-testid="measure-result"]')).includes("近似"), "labelled approximate");
  });

  await step("the one map shows every project area and the layer switcher", async () => {
    await page.click('nav a[data-nav="/map"]');
    await page.waitForSelector('.col-map[data-ready="1"]', { timeout: 30000 });
    const areas = await renderedFeatures(page, ["projects-fill"]);
    const codes = new Set(areas.map((f) => f.properties.code));
    assert(codes.size === 8, "8 project areas rendered, got " + [...codes].join(","));
    assert((await page.$$('[data-testid="layer-switcher"] input')).length >= 3, "layer switcher");
    // Switching the project layer off hides it.
    await page.uncheck('[data-testid="layer-switcher"] input[data-layer="projects"]');
    assert((await renderedFeatures(page, ["projects-fill"])).length === 0, "project layer hidden");
    await page.check('[data-testid="layer-switcher"] input[data-layer="projects"]');
    await shot(page, "map");
  });

  await step("language switch changes the strings", async () => {
    await page.click('[data-testid="lang"]');
    await page.waitForFunction(() => document.querySelector('nav a[data-nav="/map"]')?.textContent === "Map");
    assert((await page.textContent('nav a[data-nav="/home"]')) === "Home", "Home in English");
    assert((await page.textContent('[data-testid="legend"]')).includes("Project areas"), "legend in English");
    await page.click('[data-testid="lang"]');
    await page.waitForFunction(() => document.querySelector('nav a[data-nav="/map"]')?.textContent === "一张图");
  });
  await step("schemes: two alternatives of a unit on the map, ranked with ECharts, one simulated", async () => {
    const made = await page.evaluate(async () => {
      const list = await fetch("/api/v1/projects").then((x) => x.json());
      const pr = list.projects.find((x) => x.code === "XM2026-005");
      const full = await fetch(`/api/v1/projects/${pr.id}`).then((x) => x.json());
      const half = { area: full.plan.area, changes: full.plan.changes.slice(0, Math.max(1, Math.floor(full.plan.changes.length / 2))) };
      const post = (name, plan, cost) => fetch("/api/v1/schemes", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ unit: "E2E-DY", region_code: pr.region_code, name, cost_fen: cost, plan }) }).then((x) => x.status);
      return [await post("全部工程", full.plan, 300000000), await post("一半工程", half, 120000000)];
    });
    assert(made[0] === 201 && made[1] === 201, "schemes added: " + made);
    await page.goto(base + "/schemes?unit=E2E-DY");
    await page.waitForSelector('[data-testid="scheme-list"] tr[data-scheme]');
    await page.waitForSelector('.col-map[data-ready="1"]', { timeout: 30000 });
    const areas = await renderedFeatures(page, ["projects-fill", "scheme-changes-fill"]);
    assert(areas.some((f) => f.layer === "scheme-changes-fill"), "planned changes drawn on the map");
    await page.click('[data-testid="run-compare"]');
    await page.waitForSelector('[data-testid="compare-result"][data-ready="1"]', { timeout: 20000 });
    assert((await page.$$('[data-testid="ranking"] tbody tr')).length === 2, "two schemes ranked");
    assert((await page.$$('[data-testid="contribution-chart"] canvas')).length >= 1, "contribution chart drawn");
    await shot(page, "schemes");
    await page.click('[data-testid="scheme-list"] tr[data-scheme] button');
    await page.waitForSelector('[data-testid="simulation-result"]', { timeout: 30000 });
    assert((await page.$$('[data-testid="indicators"] li')).length === 3, "three indicators after simulation");
  });
  await desktop.close();

  await step("nyncj approves its pending review of XM2026-006 in the inbox", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "zh-CN" });
    const p = await ctx.newPage();
    await signIn(p, base, "nyncj");
    await p.waitForSelector('[data-testid="tasks"] .task');
    assert((await p.textContent('[data-testid="tasks"]')).includes("XM2026-006"), "task for XM2026-006 on the home page");
    await p.click('nav a[data-nav="/inbox"]');
    await p.waitForSelector('[data-testid="inbox"] li[data-code="XM2026-006"]');
    await p.waitForSelector('[data-testid="review-form"][data-department="农业农村局"]');
    await p.fill('[data-testid="opinion"]', "同意。请按永久基本农田保护要求施工。");
    await p.waitForSelector('.col-map[data-ready="1"]', { timeout: 30000 });
    const beside = await renderedFeatures(p, ["projects-fill", "findings-fill"]);
    assert(beside.some((f) => f.properties.code === "XM2026-006"), "the project's area on the map beside the form");
    await shot(p, "inbox");
    await p.click('[data-testid="submit-review"]');
    await p.waitForSelector('[data-testid="review-done"]', { timeout: 20000 });
    const reviews = await p.evaluate(async () => {
      const list = await fetch("/api/v1/projects").then((x) => x.json());
      const pr = list.projects.find((x) => x.code === "XM2026-006");
      return (await fetch(`/api/v1/projects/${pr.id}`).then((x) => x.json())).reviews;
    });
    const mine = reviews.find((r) => r.department === "农业农村局");
    assert(mine.decision === "approve" && mine.reviewer === "nyncj" && mine.opinion.includes("同意"), "review stored: " + JSON.stringify(mine));
    await p.goto(base + "/inbox");
    await p.waitForSelector('[data-testid="inbox-empty"]');
    await ctx.close();
  });

  await step("sthjj owes no review of XM2026-006: empty inbox", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const p = await ctx.newPage();
    await signIn(p, base, "sthjj");
    await p.goto(base + "/inbox");
    await p.waitForSelector('[data-testid="inbox-empty"]');
    await ctx.close();
  });

  await step("a villager on a phone (360×740) sees the village view", async () => {
    const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: "zh-CN" });
    const p = await ctx.newPage();
    const downloads = [];
    p.on("response", async (r) => downloads.push({ url: r.url(), encoding: (await r.allHeaders())["content-encoding"] ?? "" }));
    await signIn(p, base, "cunmin");
    await p.waitForSelector('[data-testid="village-title"]');
    assert(new URL(p.url()).pathname === "/village", "lands on /village: " + p.url());
    assert((await p.textContent('[data-testid="village-title"]')) === "本村项目", "title");
    const name = await p.textContent('[data-testid="village-name"]');
    assert(name.startsWith("所在村：") && !/\d{12}/.test(name), "village named: " + name);
    const width = await p.evaluate(() => document.documentElement.scrollWidth);
    assert(width <= 360, "no horizontal scrolling: " + width);
    for (const el of await p.$$('[data-testid="village-projects"] .touch, nav a, nav button')) {
      const b = await el.boundingBox();
      if (b) assert(b.height >= 40, "touch target at least 40px high: " + b.height);
    }
    await shot(p, "village-phone");
    // Light on a slow connection: no map library for the list, scripts sent gzip-compressed.
    assert(!downloads.some((d) => /maplibre|echarts/.test(d.url)), "village view loads no map or chart library");
    const scripts = downloads.filter((d) => /\/assets\/.*\.js$/.test(d.url));
    assert(scripts.length > 0 && scripts.every((d) => d.encoding === "gzip"), "scripts gzip-encoded: " + JSON.stringify(scripts));
    await p.click('[data-testid="lang"]');
    await p.waitForFunction(() => document.querySelector('[data-testid="village-title"]')?.textContent === "Projects in my village");
    await ctx.close();
  });
} finally {
  await browser.close();
  await server.stop();
}
const failed = results.filter(([, e]) => e);
console.log(`${results.length - failed.length}/${results.length} steps passed`);
process.exit(failed.length ? 1 : 0);
