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
import { dashSteps } from "./dash_steps.mjs";
import { assessSteps } from "./assess_steps.mjs";
import { partSetup, partSteps } from "./part_steps.mjs";
import { fundsSteps } from "./funds_steps.mjs";
import { progressSteps } from "./progress_steps.mjs";
import { liveSteps } from "./live_steps.mjs";
import { gateSteps } from "./gate_steps.mjs";
import { statsSteps } from "./stats_steps.mjs";
import { warnSteps } from "./warn_steps.mjs";
import { downloadSteps } from "./download_steps.mjs";
import { ordersSteps } from "./orders_steps.mjs";
import { map16Setup, map16Steps } from "./map16_steps.mjs";
import { imagerySteps } from "./imagery_steps.mjs";
import { indicatorsSteps } from "./indicators_steps.mjs";
import { web16Steps } from "./web16_steps.mjs";
import { reallocSteps } from "./realloc_steps.mjs";
import { web16cSteps } from "./web16c_steps.mjs";
import { walkSteps } from "./walk_steps.mjs";

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
  const extra = partSetup({ bin, db }); // villager accounts the participation steps use
  const figures = map16Setup({ bin, db }); // the villages' people and economy (人口经济)
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
    extra,
    figures,
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
// Content-Security-Policy violations any page reports (the policy of src/http/static_routes.cpp).
const cspViolations = [];
function watchCsp(p) {
  p.on("console", (m) => {
    if (/Content Security Policy|Refused to (load|execute|create|apply|connect)/.test(m.text())) cspViolations.push(m.text());
  });
  return p;
}
async function step(name, fn) {
  try {
    await fn();
    results.push([name, null]);
    console.log(`ok - ${name}`);
  } catch (e) {
    results.push([name, e]);
    console.log(`not ok - ${name}: ${e?.stack ?? e}`);
    // What every open page showed when the step failed (--failures DIR).
    if (args.failures && typeof browser !== "undefined") {
      fs.mkdirSync(args.failures, { recursive: true });
      let i = 0;
      for (const c of browser.contexts())
        for (const p of c.pages()) {
          const f = path.join(args.failures, `${results.length}-${++i}`);
          await p.screenshot({ path: f + ".png", fullPage: true }).catch(() => {});
          fs.writeFileSync(f + ".html", await p.content().catch(() => ""));
        }
    }
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
  const page = watchCsp(await desktop.newPage());
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

  await step("zrzy signs in and sees the 9 demo projects", async () => {
    await signIn(page, base, "zrzy");
    await page.waitForSelector('[data-testid="project-list"]');
    const codes = await page.$$eval('[data-testid="project-list"] tr[data-code]', (rows) => rows.map((r) => r.dataset.code));
    assert(codes.length === 9, `9 projects, got ${codes.length}`);
    for (let i = 1; i <= 9; i++) assert(codes.includes(`XM2026-00${i}`), `XM2026-00${i} listed`);
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
    assert(text.includes("操作被拒绝"), "refusal shown: " + text);
    // A refusal that names findings (XM2026-006 turns permanent basic farmland into forest) lists
    // each one; any other shows the server's message.
    const named = r.body.error.details?.findings ?? [];
    if (named.length) {
      const items = await page.$$eval('[data-testid="refusal-findings"] li', (li) => li.map((x) => x.textContent));
      assert(items.length === named.length && named.every((f, i) => items[i].includes(f.name_zh) && items[i].includes(f.feature_zh)), "findings named: " + items.join(" | "));
    } else {
      assert(text.includes(r.body.error.message_zh), "message shown: " + text);
    }
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
    assert(codes.size === 9, "9 project areas rendered, got " + [...codes].join(","));
    assert((await page.$$('[data-testid="layer-switcher"] input')).length >= 3, "layer switcher");
    // Switching the project layer off hides it.
    await page.uncheck('[data-testid="layer-switcher"] input[data-layer="projects"]');
    assert((await renderedFeatures(page, ["projects-fill"])).length === 0, "project layer hidden");
    await page.check('[data-testid="layer-switcher"] input[data-layer="projects"]');
    await shot(page, "map");
  });

  await step("the layer list downloads a layer as GeoPackage, GBK Shapefile zip and TXT", async () => {
    await page.waitForSelector('[data-testid="download-land_use"] a[data-format="gpkg"]');
    for (const [format, magic, type] of [["gpkg", "SQLite format 3", "application/geopackage+sqlite3"], ["shp", "PK", "application/zip"], ["txt", "[", "text/plain; charset=GBK"]]) {
      const href = await page.getAttribute(`[data-testid="download-land_use"] a[data-format="${format}"]`, "href");
      // The browser's own session cookie, as the link sends it.
      const got = await page.evaluate(async (h) => {
        const r = await fetch(h);
        const b = new Uint8Array(await r.arrayBuffer());
        return { status: r.status, type: r.headers.get("content-type"), size: b.length, head: String.fromCharCode(...b.slice(0, 15)) };
      }, href);
      assert(got.status === 200 && got.type === type, `${format}: ${got.status} ${got.type}`);
      assert(got.head.startsWith(magic) && got.size > 1000, `${format} file starts with ${magic}: ${got.head}`);
    }
  });

  await step("a layer download shows the export's progress, then saves the file under its Chinese name", async () => {
    const [dl] = await Promise.all([page.waitForEvent("download"), page.click('[data-testid="download-land_use"] a[data-format="gpkg"]')]);
    await page.waitForSelector('[data-testid="download-progress-land_use"][data-state="done"]');
    const line = await page.textContent('[data-testid="download-progress-land_use"]');
    assert(/^已下载 .+\.gpkg（[\d.]+ (KB|MB)）$/.test(line), "progress line: " + line);
    assert(dl.suggestedFilename().endsWith("-v1.gpkg") || /-v\d+\.gpkg$/.test(dl.suggestedFilename()), "file name " + dl.suggestedFilename());
    const saved = await dl.path();
    const head = (await import("node:fs")).readFileSync(saved).subarray(0, 15).toString("latin1");
    assert(head === "SQLite format 3", "the saved file is a GeoPackage: " + head);
    // The stream a progress download reads: JSON lines with the export's count, then the file.
    const stream = await page.evaluate(async () => {
      const r = await fetch("/api/v1/layers/land_use/download?format=txt&progress=1");
      const b = new Uint8Array(await r.arrayBuffer());
      const text = new TextDecoder("latin1").decode(b);
      const lines = [];
      let at = 0;
      for (;;) {
        const nl = text.indexOf("\n", at);
        const h = JSON.parse(text.slice(at, nl));
        lines.push(h);
        at = nl + 1;
        if (h.phase === "file" || h.phase === "error") break;
      }
      return { type: r.headers.get("content-type"), lines, rest: b.length - at };
    });
    const file = stream.lines.at(-1);
    assert(stream.type === "application/vnd.gongzhi.download-progress", "type " + stream.type);
    assert(stream.lines[0].phase === "queued" && stream.lines.some((h) => h.phase === "export"), JSON.stringify(stream.lines.slice(0, 3)));
    const last = stream.lines.filter((h) => h.phase === "export").at(-1);
    assert(last.total > 0 && last.done === last.total, "export counted to its total: " + JSON.stringify(last));
    assert(file.phase === "file" && file.size === stream.rest && file.name.endsWith(".txt"), JSON.stringify(file) + " rest " + stream.rest);
  });

  await step("language switch changes the strings", async () => {
    await page.click('[data-testid="lang"]');
    await page.waitForFunction(() => document.querySelector('nav a[data-nav="/map"]')?.textContent === "Map");
    assert((await page.textContent('nav a[data-nav="/home"]')) === "Home", "Home in English");
    assert((await page.textContent('[data-testid="legend"]')).includes("Project areas"), "legend in English");
    await page.click('[data-testid="lang"]');
    await page.waitForFunction(() => document.querySelector('nav a[data-nav="/map"]')?.textContent === "一张图");
  });
  // ---- the officials' project pages: create (draw, upload), preview, submit, live tasks ----
  await step("pages and assets carry the Content-Security-Policy, nosniff and Referrer-Policy", async () => {
    const index = await fetch(base + "/projects/new");
    const csp = index.headers.get("content-security-policy") ?? "";
    assert(/script-src 'self'(;|$)/.test(csp) && csp.includes("worker-src 'self' blob:") && !csp.includes("unsafe-eval"), "CSP: " + csp);
    assert(index.headers.get("x-content-type-options") === "nosniff", "nosniff on the page");
    assert(index.headers.get("referrer-policy") === "same-origin", "referrer policy");
    const js = /src="(\/assets\/[^"]+\.js)"/.exec(await index.text())[1];
    const a = await fetch(base + js);
    assert(a.headers.get("content-security-policy") === csp && a.headers.get("x-content-type-options") === "nosniff", "asset headers");
  });

  let newCode = "", newId = 0;
  await step("zrzy draws a project area on the map with Terra Draw", async () => {
    await page.goto(base + "/home");
    await page.click('nav a[data-nav="/projects/new"]');
    await page.waitForSelector('.col-map[data-ready="1"]', { timeout: 30000 });
    await page.click('[data-testid="draw-area"]');
    const box = await page.$eval(".map-canvas canvas", (c) => { const r = c.getBoundingClientRect(); return { x: r.left, y: r.top, w: r.width, h: r.height }; });
    const cx = box.x + box.w / 2, cy = box.y + box.h / 2;
    const corners = [[-90, -60], [80, -75], [95, 65], [-70, 80]];
    for (const [dx, dy] of corners) {
      await page.mouse.click(cx + dx, cy + dy);
      await page.waitForTimeout(120);
    }
    await page.mouse.click(cx + corners[0][0], cy + corners[0][1]); // close on the first corner
    await page.waitForSelector('[data-testid="area-status"][data-has-area="1"]', { timeout: 10000 });
    const status = await page.textContent('[data-testid="area-status"]');
    assert(status.includes("亩") && status.includes("公顷"), "drawn area in mu and ha: " + status);
    const drawn = await renderedFeatures(page, ["plan-area-line"]);
    assert(drawn.length > 0, "the drawn area is on the map");
    assert(!(await page.isDisabled('[data-testid="create-project"]')), "create enabled with an area");
    await shot(page, "project-new");
  });

  await step("uploaded GeoJSON is checked by the server: a line, broken JSON and an oversized file are refused with its message", async () => {
    const upload = async (name, text) => {
      const n = Number((await page.getAttribute('[data-testid="area-status"]', "data-uploads")) ?? 0);
      await page.setInputFiles('[data-testid="upload-geojson"]', { name, mimeType: "application/geo+json", buffer: Buffer.from(text) });
      await page.waitForFunction((k) => Number(document.querySelector('[data-testid="area-status"]')?.dataset.uploads ?? 0) > k, n, { timeout: 20000 });
      return page.textContent('[data-testid="new-error"]');
    };
    const line = { type: "Feature", properties: {}, geometry: { type: "LineString", coordinates: [[117.1, 31.4], [117.2, 31.5]] } };
    let err = await upload("line.geojson", JSON.stringify(line));
    assert(err.includes("文件未通过检查") && err.includes("应为面") && err.includes("LineString"), "line refused: " + err);
    assert(await page.isDisabled('[data-testid="create-project"]'), "no area after a refused file");
    err = await upload("broken.geojson", "{\"type\": \"FeatureCollection\", ");
    assert(err.includes("不是有效的 JSON"), "broken JSON refused: " + err);
    err = await upload("huge.geojson", JSON.stringify({ type: "FeatureCollection", features: [], pad: "x".repeat(1200000) }));
    assert(err.includes("请求体过大"), "oversized file refused: " + err);
  });

  await step("zrzy uploads a project area with planned changes and creates the project", async () => {
    // The area and planned changes of the demo project XM2026-005, as a GeoJSON file.
    const fc = await page.evaluate(async () => {
      const list = await fetch("/api/v1/projects").then((x) => x.json());
      const p = list.projects.find((x) => x.code === "XM2026-005");
      const full = await fetch(`/api/v1/projects/${p.id}`).then((x) => x.json());
      return { type: "FeatureCollection", features: [
        { type: "Feature", properties: { name: "项目区" }, geometry: full.plan.area },
        ...full.plan.changes.map((c) => ({ type: "Feature", properties: { from_code: c.from_code, to_code: c.to_code }, geometry: c.geometry })),
      ] };
    });
    assert(fc.features.length > 1, "XM2026-005 has planned changes");
    const n = Number((await page.getAttribute('[data-testid="area-status"]', "data-uploads")) ?? 0);
    await page.setInputFiles('[data-testid="upload-geojson"]', { name: "xm005.geojson", mimeType: "application/geo+json", buffer: Buffer.from(JSON.stringify(fc)) });
    await page.waitForFunction((k) => Number(document.querySelector('[data-testid="area-status"]')?.dataset.uploads ?? 0) > k, n, { timeout: 20000 });
    assert((await page.textContent('[data-testid="new-error"]')) === "", "no error");
    const status = await page.textContent('[data-testid="area-status"]');
    assert(status.includes(`${fc.features.length - 1}`) && status.includes("公顷"), "uploaded: " + status);
    await page.fill('[data-testid="new-name"]', "网页端新建土地整治项目");
    await page.selectOption('[data-testid="new-type"]', "农用地整理");
    await page.click('[data-testid="create-project"]');
    await page.waitForSelector('[data-testid="project-title"]', { timeout: 20000 });
    newCode = decodeURIComponent(new URL(page.url()).pathname.split("/").pop());
    assert(/^XM\d{4}-\d{3}$/.test(newCode), "new project code: " + newCode);
    assert((await page.getAttribute('[data-testid="project-title"] .badge', "data-state")) === "draft", "a draft");
    const rows = await page.$$('[data-testid="changes"] tr[data-change]');
    assert(rows.length === fc.features.length - 1, "planned changes listed in the plan editor: " + rows.length);
    newId = await page.evaluate(async (code) => (await fetch("/api/v1/projects").then((x) => x.json())).projects.find((x) => x.code === code).id, newCode);
  });

  await step("a planned change drawn in the plan editor is saved with its classes", async () => {
    await page.waitForSelector('.col-map[data-ready="1"]', { timeout: 30000 });
    await renderedFeatures(page, ["projects-fill"]);
    const before = (await page.$$('[data-testid="changes"] tr[data-change]')).length;
    // A point well inside the project area: it and the points 40 px around it are all on the area.
    const c = await page.evaluate(() => {
      const m = window.__gongzhi.map;
      const r = m.getCanvas().getBoundingClientRect();
      // On the area, and the map's canvas itself under the pointer there (not a panel over it).
      const on = (x, y) => m.queryRenderedFeatures([x, y], { layers: ["projects-fill"] }).length > 0 && document.elementFromPoint(r.left + x, r.top + y) === m.getCanvas();
      for (let y = 60; y < r.height - 60; y += 15)
        for (let x = 60; x < r.width - 60; x += 15)
          if ([[0, 0], [40, 0], [-40, 0], [0, 40], [0, -40], [40, 40], [-40, -40], [40, -40], [-40, 40], [20, 20], [-20, 20], [20, -20], [-20, -20]].every(([dx, dy]) => on(x + dx, y + dy)))
            return { x: r.left + x, y: r.top + y };
      return null;
    });
    assert(c, "a point inside the project area on screen");
    await page.click('[data-testid="draw-change"]');
    const tri = [[-30, -20], [30, -20], [0, 30]];
    for (const [dx, dy] of tri) {
      await page.mouse.click(c.x + dx, c.y + dy);
      await page.waitForTimeout(120);
    }
    await page.mouse.click(c.x + tri[0][0], c.y + tri[0][1]);
    await page.waitForSelector(`[data-testid="changes"] tr[data-change="${before}"]`, { timeout: 10000 });
    await page.selectOption(`[data-testid="from-${before}"]`, "0103");
    await page.selectOption(`[data-testid="to-${before}"]`, "0101");
    await page.fill(`[data-testid="measure-${before}"]`, "旱改水");
    assert(await page.isDisabled('[data-testid="preview-check"]'), "no preview of an unsaved plan");
    await page.click('[data-testid="save-plan"]');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="changes"] tr[data-change]').length === n + 1 && !document.querySelector('[data-testid="save-plan"]:not([disabled])'), before, { timeout: 20000 });
    // The button is disabled while saving too: wait for the server to hold the new change.
    let stored = null;
    for (let i = 0; i < 100; ++i) {
      stored = await page.evaluate(async (id) => fetch(`/api/v1/projects/${id}`).then((x) => x.json()), newId);
      if (stored.plan.changes.length === before + 1) break;
      await page.waitForTimeout(200);
    }
    const last = stored.plan.changes[stored.plan.changes.length - 1];
    assert(stored.plan.changes.length === before + 1 && last.from_code === "0103" && last.to_code === "0101" && last.measure === "旱改水", "the change stored: " + JSON.stringify(last).slice(0, 200));
  });

  await step("the planned class chosen in the 用地用海 classification, listed by name at all three levels, is saved as to_ghdlbm", async () => {
    const n = (await page.$$('[data-testid="changes"] tr[data-change]')).length - 1;
    // The save's own live event may redraw the table once more (back to the 三调 list): choose
    // again until the 用地用海 list is the one on the page.
    let offered = [];
    for (let i = 0; i < 5 && !offered.some((o) => o.v === "07"); ++i) {
      await page.selectOption(`[data-testid="to-kind-${n}"]`, "yydh");
      await page.waitForSelector(`[data-testid="to-${n}"] option[value="070301"]`, { state: "attached", timeout: 5000 }).catch(() => null);
      offered = await page.$$eval(`[data-testid="to-${n}"] option`, (os) => os.map((o) => ({ v: o.value, text: o.textContent, level: o.dataset.level })));
      if (!offered.some((o) => o.v === "07")) await page.waitForTimeout(500);
    }
    const by = (v) => offered.find((o) => o.v === v);
    assert(by("07")?.text.includes("居住用地") && by("07").level === "1", "first level by name: " + JSON.stringify(by("07")));
    assert(by("0703")?.text.includes("农村宅基地") && by("0703").level === "2", "second level by name: " + JSON.stringify(by("0703")));
    assert(by("070301")?.text.includes("一类农村宅基地") && by("070301").level === "3", "third level by name: " + JSON.stringify(by("070301")));
    assert(offered.filter((o) => o.v).every((o) => /[\u4e00-\u9fff]/.test(o.text)), "every class offered with its Chinese name");
    const groups = await page.$$eval(`[data-testid="to-${n}"] optgroup`, (gs) => gs.map((g) => g.label));
    assert(groups.length === 24 && groups[0] === "01 耕地" && groups.includes("24 其他海域"), "the 24 first-level classes: " + groups.join(","));
    await page.selectOption(`[data-testid="to-${n}"]`, "0101");
    await page.click('[data-testid="save-plan"]');
    let last = null;
    for (let i = 0; i < 100; ++i) {
      const stored = await page.evaluate(async (id) => fetch(`/api/v1/projects/${id}`).then((x) => x.json()), newId);
      last = stored.plan.changes[n];
      if (last?.to_ghdlbm) break;
      await page.waitForTimeout(200);
    }
    assert(last.to_ghdlbm === "0101" && !("to_code" in last) && last.from_code === "0103", "stored as a 用地用海 target: " + JSON.stringify(last).slice(0, 200));
    await page.waitForFunction((i) => document.querySelector(`[data-testid="to-kind-${i}"]`)?.value === "yydh" && document.querySelector(`[data-testid="to-${i}"]`)?.value === "0101"
      && !document.querySelector('[data-testid="save-plan"]:not([disabled])'), n, { timeout: 20000 });
    await shot(page, "project-plan-yydh");
  });

  await step("the compliance preview shows the new project's findings with their areas and on the map; it is submitted", async () => {
    await page.waitForSelector('.col-map[data-ready="1"]', { timeout: 30000 });
    await page.click('[data-testid="preview-check"]');
    await page.waitForSelector('[data-testid="compliance"][data-preview="1"] [data-testid="findings"] li', { timeout: 60000 });
    const findings = await page.$$eval('[data-testid="compliance"][data-preview="1"] [data-testid="findings"] li', (li) => li.map((x) => ({ area: Number(x.dataset.areaM2), text: x.textContent })));
    assert(findings.length > 0, "findings listed");
    for (const f of findings) assert(f.area > 0 && f.text.includes("亩") && f.text.includes("公顷"), "area in mu and ha: " + f.text);
    const rendered = await renderedFeatures(page, ["findings-fill"]);
    assert(rendered.length > 0 && rendered.every((f) => f.properties.project === newCode), "the new project's findings rendered on the map");
    // Nothing stored: still a draft, no check on record.
    const stored = await page.evaluate(async (id) => fetch(`/api/v1/projects/${id}`).then((x) => x.json()), newId);
    assert(stored.state === "draft" && stored.compliance === null, "the preview stored nothing");
    await shot(page, "project-preview");
    // The findings are listed again for the applicant to confirm before the plan is submitted.
    await page.click('button[data-action="submit"]');
    await page.waitForSelector('[data-testid="confirm-findings"] [data-testid="confirm-list"] li', { timeout: 60000 });
    const confirm = await page.$$('[data-testid="confirm-list"] li');
    assert(confirm.length === findings.length, `the dialog lists the ${findings.length} findings: ${confirm.length}`);
    await shot(page, "project-submit-confirm");
    await page.click('[data-testid="confirm-submit"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="project-title"] .badge')?.dataset.state === "submitted", null, { timeout: 20000 });
  });

  await step("a review task appears live on nyncj's home when zrzy starts the joint review; nyncj approves; zrzy sees it live", async () => {
    const ctx2 = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "zh-CN" });
    const p2 = watchCsp(await ctx2.newPage());
    await signIn(p2, base, "nyncj");
    await p2.waitForSelector('[data-testid="tasks"]');
    await p2.waitForFunction(() => document.body.dataset.live === "open", null, { timeout: 15000 });
    await p2.evaluate(() => (window.__sameDocument = true));
    assert(!(await p2.$(`[data-testid="tasks"] .task[data-code="${newCode}"]`)), "no task for the new project yet");
    // zrzy: the compliance check on record, then the joint review.
    await page.click('button[data-action="check_compliance"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="project-title"] .badge')?.dataset.state === "compliance_checked", null, { timeout: 60000 });
    await page.click('button[data-action="start_review"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="project-title"] .badge')?.dataset.state === "joint_review", null, { timeout: 20000 });
    await p2.waitForSelector(`[data-testid="tasks"] .task.fresh[data-code="${newCode}"]`, { timeout: 45000 });
    assert(await p2.evaluate(() => window.__sameDocument === true), "the task appeared without a reload");
    await shot(p2, "home-live-task");
    await p2.click(`[data-testid="tasks"] .task[data-code="${newCode}"] a`);
    await p2.waitForSelector('[data-testid="review-form"][data-department="农业农村局"]', { timeout: 20000 });
    await p2.fill('[data-testid="opinion"]', "同意，注意保护耕地。");
    await p2.check('[data-testid="review-form"] input[data-decision="approve"]');
    await p2.click('[data-testid="submit-review"]');
    await p2.waitForSelector('[data-testid="review-done"]', { timeout: 20000 });
    // zrzy's page shows the opinion without a reload.
    await page.waitForSelector('[data-testid="reviews"] tr[data-department="农业农村局"][data-decision="approve"]', { timeout: 20000 });
    assert((await page.textContent('[data-testid="reviews"]')).includes("注意保护耕地"), "the opinion shown");
    await ctx2.close();
    // The lead department returns it for revision (the red line needs another look): the other
    // departments owe nothing on it any more.
    await page.fill('[data-testid="actions"] input.comment', "项目区涉及生态保护红线，请调整范围后重新申报");
    await page.click('button[data-action="return"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="project-title"] .badge')?.dataset.state === "returned", null, { timeout: 20000 });
    assert(await page.$('[data-testid="plan-editor"]'), "the plan editable again after the return");
  });

  await gateSteps({ page, browser, base, step, assert, signIn, shot, project: () => ({ code: newCode, id: newId }) });

  await step("a project in implementation: progress photos as map markers, the fund ledger and the evaluation", async () => {
    // Seed through the API as the lead department: a milestone, a site photo with a report at a
    // point inside the area, a fund source with an allocation, planned indicators.
    const target = await page.evaluate(async () => {
      const list = await fetch("/api/v1/projects").then((x) => x.json());
      const p = list.projects.find((x) => x.state === "implementation");
      return p ? { id: p.id, code: p.code } : null;
    });
    assert(target, "a demo project in implementation");
    await page.goto(base + `/projects/${target.code}`);
    await page.waitForSelector('.col-map[data-ready="1"]', { timeout: 30000 });
    const photo = await page.screenshot({ clip: { x: 900, y: 300, width: 160, height: 120 } });
    const seeded = await page.evaluate(async ({ id, png }) => {
      const j = (method, url, body) => fetch(url, { method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: await r.json() }));
      const full = await fetch(`/api/v1/projects/${id}`).then((x) => x.json());
      const ring = full.plan.area.type === "Polygon" ? full.plan.area.coordinates[0] : full.plan.area.coordinates[0][0];
      const c = ring.slice(0, -1).reduce((a, p, _, all) => [a[0] + p[0] / all.length, a[1] + p[1] / all.length], [0, 0]);
      const m = await j("POST", `/api/v1/projects/${id}/milestones`, { name: "土地平整", planned_date: "2026-12-31" });
      await j("POST", `/api/v1/projects/${id}/milestones/${m.body.id}/progress`, { percent: 60 });
      const bytes = Uint8Array.from(atob(png), (ch) => ch.charCodeAt(0));
      const ph = await fetch(`/api/v1/projects/${id}/photos`, { method: "POST", headers: { "Content-Type": "image/png" }, body: bytes }).then((r) => r.json());
      const rep = await j("POST", `/api/v1/projects/${id}/reports`, { kind: "report", text: "田块平整完成六成", points: [{ lon: c[0], lat: c[1] }], photos: [ph.sha256], milestone_id: m.body.id });
      const src = await j("POST", "/api/v1/funds/sources", { region_code: full.region_code.slice(0, 6), kind: "county", name: "县级土地整治专项资金", amount_fen: 500000000 });
      const al = await j("POST", `/api/v1/projects/${id}/funds/allocations`, { source_id: src.body.id, amount_fen: 120000000, note: "首期" });
      const ev = await j("PUT", `/api/v1/projects/${id}/evaluation/planned`, { values: { new_cultivated_land: 30000, households_benefiting: 120 } });
      const overall = (await fetch(`/api/v1/projects/${id}/milestones`).then((x) => x.json())).overall_percent;
      const entries = (await fetch(`/api/v1/projects/${id}/funds/ledger`).then((x) => x.json())).entries.length;
      return { milestone: m.status, report: rep.status, inside: rep.body.points?.[0]?.inside, source: src.status, allocation: al.status, evaluation: ev.status, sha: ph.sha256, overall, entries,
        detail: [m.body, rep.body, src.body, al.body, ev.body].map((b) => b.error?.message_en).filter(Boolean) };
    }, { id: target.id, png: photo.toString("base64") });
    assert(seeded.milestone === 201 && seeded.report === 201 && seeded.source === 201 && seeded.allocation === 201 && seeded.evaluation === 200, "seeded: " + JSON.stringify(seeded));
    await page.reload();
    await page.waitForSelector('.later[data-ready="1"]', { timeout: 30000 });
    assert((await page.textContent('[data-testid="overall-percent"]')) === `${Math.round(seeded.overall)}%`, "overall progress as the API has it");
    assert(await page.$(`[data-testid="reports"] img.thumb[src$="${seeded.sha}"]`), "the photo on the page");
    const ledger = await page.$$eval('[data-testid="ledger"] tr[data-kind]', (rows) => rows.map((r) => r.textContent));
    assert(ledger.length === seeded.entries && ledger.some((r) => r.includes("¥1,200,000.00") && r.includes("首期")), "ledger: " + ledger.join(" | "));
    assert((await page.$$('[data-testid="evaluation"] tr[data-indicator]')).length > 0, "evaluation indicators");
    const markers = await renderedFeatures(page, ["progress-points"]);
    const mine = markers.filter((m) => JSON.parse(m.properties.photos).includes(seeded.sha));
    assert(mine.length === 1 && mine[0].properties.inside === seeded.inside, "the report's photo marker on the map: " + JSON.stringify(markers.map((m) => m.properties)));
    // Clicking the marker shows the photo.
    const pt = await page.evaluate((sha) => {
      const m = window.__gongzhi.map;
      const f = m.queryRenderedFeatures({ layers: ["progress-points"] }).find((x) => x.properties.photos.includes(sha));
      const px = m.project(f.geometry.coordinates);
      const r = m.getCanvas().getBoundingClientRect();
      return { x: r.left + px.x, y: r.top + px.y };
    }, seeded.sha);
    await page.mouse.click(pt.x, pt.y);
    await page.waitForSelector('[data-testid="photo-popup"] img', { timeout: 10000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="photo-popup"] img')?.naturalWidth > 0, null, { timeout: 10000 });
    // The progress, ledger and evaluation beside the (sticky) map.
    await page.$eval('[data-testid="progress"]', (e) => e.scrollIntoView());
    await page.waitForTimeout(300);
    await shot(page, "project-progress");
  });

  await step("schemes: two alternatives of a unit on the map, ranked with ECharts, one simulated", async () => {
    const made = await page.evaluate(async () => {
      const list = await fetch("/api/v1/projects").then((x) => x.json());
      const pr = list.projects.find((x) => x.code === "XM2026-005");
      const full = await fetch(`/api/v1/projects/${pr.id}`).then((x) => x.json());
      const half = { area: full.plan.area, changes: full.plan.changes.slice(0, Math.max(1, Math.floor(full.plan.changes.length / 2))) };
      const post = (unit, name, plan, cost) => fetch("/api/v1/schemes", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ unit, region_code: pr.region_code, name, cost_fen: cost, plan }) }).then((x) => x.status);
      // A scheme's unit is a consolidation unit of the map (<county>DYnn): the first one the
      // project's area lies in is taken; the others refuse it (400 scheme_outside_unit, …).
      const unknown = await post("E2E-DY", "x", full.plan, 1);
      let unit = null, first = 0;
      for (let n = 1; n <= 20 && !unit; n++) {
        const code = pr.region_code.slice(0, 6) + "DY" + String(n).padStart(2, "0");
        first = await post(code, "全部工程", full.plan, 300000000);
        if (first === 201) unit = code;
      }
      return [first, await post(unit, "一半工程", half, 120000000), unknown, unit];
    });
    assert(made[0] === 201 && made[1] === 201 && made[2] === 404, "schemes added, unknown unit refused: " + made);
    await page.goto(base + "/schemes?unit=" + encodeURIComponent(made[3]));
    await page.waitForSelector('[data-testid="scheme-list"] tr[data-scheme]');
    await page.waitForSelector('.col-map[data-ready="1"]', { timeout: 30000 });
    const areas = await renderedFeatures(page, ["projects-fill", "scheme-changes-fill"]);
    assert(areas.some((f) => f.layer === "scheme-changes-fill"), "planned changes drawn on the map");
    await page.click('[data-testid="run-compare"]');
    await page.waitForSelector('[data-testid="compare-result"][data-ready="1"]', { timeout: 20000 });
    assert((await page.$$('[data-testid="ranking"] tbody tr')).length === 2, "two schemes ranked");
    assert((await page.$$('[data-testid="contribution-chart"] canvas')).length >= 1, "contribution chart drawn");
    assert((await page.$$('[data-testid="social-chart"] canvas')).length >= 1, "social-impact chart drawn");
    assert((await page.$$('[data-testid="scheme-list"] [data-testid="relocated"]')).length === 2, "relocations shown per scheme");
    await shot(page, "schemes");
    await page.click('[data-testid="scheme-list"] tr[data-scheme] button');
    await page.waitForSelector('[data-testid="simulation-result"]', { timeout: 30000 });
    assert((await page.$$('[data-testid="indicators"] li')).length === 3, "three indicators after simulation");
  });
  await step("no Content-Security-Policy violation on any page", async () => {
    assert(cspViolations.length === 0, "violations: " + cspViolations.join("\n"));
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
    // No conclusion preselected: submitting without one is refused on the page.
    await p.click('[data-testid="submit-review"]');
    await p.waitForFunction(() => document.querySelector('[data-testid="review-message"]')?.classList.contains("error"));
    assert((await p.textContent('[data-testid="review-message"]')).includes("请选择审查结论"), "a conclusion is required");
    await p.check('[data-testid="review-form"] input[data-decision="approve"]');
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
  // The region dashboard, home tasks and the villager's phone view (dash_steps.mjs).
  await dashSteps({ browser, base, step, assert, signIn, shot });

  await statsSteps({ browser, base, step, assert, signIn, shot });
  // The map's search, identify popup, folding panels, labels, village figures, 3D project (map16_steps.mjs).
  await map16Steps({ browser, base, step, assert, signIn, shot, figures: server.figures });
  await imagerySteps({ browser, base, step, assert, signIn, shot });
  // The land-use warnings page (warn_steps.mjs).
  await warnSteps({ browser, base, step, assert, signIn, shot });
  // The assessment page (assess_steps.mjs).
  await assessSteps({ browser, base, step, assert, signIn, shot, renderedFeatures });
  // Milestones, reports and inspections with photos and GPS, indicators (progress_steps.mjs).
  await progressSteps({ browser, base, step, assert, signIn, shot, renderedFeatures });

  await step("a villager on a phone sees its parcels before and after and objects with a reason", async () => {
    const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: "zh-CN" });
    const p = await ctx.newPage();
    await signIn(p, base, "cunmin");
    await p.waitForSelector('[data-testid="village-title"]');
    await p.click('nav a[data-nav="/parcels"]');
    await p.waitForSelector('[data-testid="parcels-card"]');
    assert((await p.getAttribute('[data-testid="parcels-card"]', "data-household")) === "H00001", "cunmin's household");
    assert((await p.getAttribute('[data-testid="parcels-status"]', "data-status")) === "pending", "awaiting an answer");
    const drawn = await p.$$eval('[data-testid="parcels-map"] path', (ps) => ps.map((x) => x.getAttribute("class")));
    assert(drawn.includes("before") && drawn.includes("after"), "parcels before and after drawn: " + drawn.join(","));
    const width = await p.evaluate(() => document.documentElement.scrollWidth);
    assert(width <= 360, "no horizontal scrolling: " + width);
    await shot(p, "parcels-phone");
    // An objection without a reason is refused with the server's message; nothing changes.
    await p.click('[data-testid="parcels-card"] details:has([data-testid="object"]) summary');  // not the plan's criteria
    await p.click('[data-testid="object"]');
    await p.waitForFunction(() => document.querySelector('[data-testid="parcels-message"]')?.classList.contains("error"));
    assert((await p.textContent('[data-testid="parcels-message"]')).length > 0, "error shown");
    await p.fill('[data-testid="objection-reason"]', "新地块离家太远，希望调到村东河边");
    await p.click('[data-testid="object"]');
    await p.waitForSelector('[data-testid="dispute"][data-status="registered"]');
    assert((await p.getAttribute('[data-testid="parcels-status"]', "data-status")) === "objected", "objection recorded");
    assert(!(await p.$('[data-testid="confirm"]')), "no second answer offered");
    await ctx.close();
  });
  // The plan's criteria on the villager's parcels page (realloc_steps.mjs).
  await reallocSteps({ browser, base, step, assert, signIn, shot });
  // Villager participation: the organisers' page and the villagers' votes and surveys (part_steps.mjs).
  await partSteps({ browser, base, step, assert, signIn, shot, extra: server.extra ?? [] });
  // The funds workflow on the project page (funds_steps.mjs).
  await fundsSteps({ browser, base, step, assert, signIn, shot });
  // The project page's and the dashboard's downloads (download_steps.mjs).
  await downloadSteps({ browser, base, step, assert, signIn, shot });
  // Warnings and supervision orders across two contexts (orders_steps.mjs).
  await ordersSteps({ browser, base, step, assert, signIn, shot });
  await indicatorsSteps({ browser, base, step, assert, signIn, shot });
  // Live updates of other users' work on open pages (live_steps.mjs).
  await liveSteps({ browser, base, step, assert, signIn, shot });
  // The audit page, a project's activity, not-found, the villager's notice and objection (web16_steps.mjs).
  await web16Steps({ browser, base, step, assert, signIn, shot, extra: server.extra ?? [] });
  // Voucher, villager's parcels in mu and place names, scheme edit and removal, findings filter (web16c_steps.mjs).
  await web16cSteps({ browser, base, step, assert, signIn, shot });
  // Last: every page of every role in zh-CN and en, no raw code, no mixed language (walk_steps.mjs).
  await walkSteps({ browser, base, step, assert, signIn });
} finally {
  await browser.close();
  await server.stop();
}
const failed = results.filter(([, e]) => e);
console.log(`${results.length - failed.length}/${results.length} steps passed`);
process.exit(failed.length ? 1 : 0);
