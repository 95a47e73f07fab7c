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
import { web16Steps } from "./web16_steps.mjs";

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

  await dashSteps({ browser, base, step, assert, signIn, shot });
  await fundsSteps({ browser, base, step, assert, signIn, shot });
  // The audit page, a project's activity, not-found, the villager's notice and objection (web16_steps.mjs).
  await web16Steps({ browser, base, step, assert, signIn, shot, extra: server.extra ?? [] });
} finally {
  await browser.close();
  await server.stop();
}
const failed = results.filter(([, e]) => e);
console.log(`${results.length - failed.length}/${results.length} steps passed`);
process.exit(failed.length ? 1 : 0);
