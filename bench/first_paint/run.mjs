// First paint of the map in a real browser: how long a new user waits, from opening /map to
// MapLibre's idle with every tile of the first view loaded (map.loaded() && areTilesLoaded()).
// Debian chromium driven headless by playwright-core (web/node_modules), a real `gongzhi serve`
// on loopback over a copy of a demo county.
//
//   node bench/first_paint/run.mjs --gongzhi build/gongzhi --db /tmp/d20k.sqlite \
//        [--polygons 20000] [--runs 5] [--user lingdao] [--web web/dist]
//
// The county is made with `gongzhi demo --polygons N` when --db is missing. Each run starts a
// fresh server (every tile cold on the server) and a fresh browser context (empty HTTP cache),
// signs in through the API and opens /map; a second page in a new context then opens /map on
// the same server (tiles warm on the server, cold in the browser). Prints per-run figures and the
// medians as JSON lines.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..", "..");
const require = createRequire(path.join(root, "web", "package.json"));
const { chromium } = require("playwright-core");

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const bin = path.resolve(args.gongzhi ?? "build/gongzhi");
const county = path.resolve(args.db ?? "/tmp/gz-first-paint.sqlite");
const polygons = args.polygons ?? "20000";
const runs = Number(args.runs ?? 5);
const user = args.user ?? "lingdao";
const password = args.password ?? "gongzhi-demo";
const webDir = path.resolve(args.web ?? path.join(root, "web", "dist"));
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";

if (!fs.existsSync(path.join(webDir, "index.html"))) throw new Error(`${webDir}/index.html missing: npm run build in web/`);
if (!fs.existsSync(county)) {
  console.error(`making ${county}: gongzhi demo --polygons ${polygons}`);
  const r = spawnSync(bin, ["demo", "--out", county, "--polygons", polygons, "--seed", "1"], { stdio: "inherit" });
  if (r.status !== 0) throw new Error("gongzhi demo failed");
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

async function startServer(db) {
  const port = await freePort();
  const proc = spawn(bin, ["serve", "--db", db, "--listen", `127.0.0.1:${port}`], {
    env: { ...process.env, GONGZHI_WEB_DIR: webDir },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(base + "/api/v1/health")).ok) break;
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
    },
  };
}

// Opens /map in a fresh context; milliseconds from navigation start to the map's idle with all
// tiles loaded, and what the tile requests were.
async function firstView(browser, base) {
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  try {
    const signIn = await context.request.post(base + "/api/v1/session", { data: { username: user, password } });
    if (!signIn.ok()) throw new Error(`sign-in failed: ${signIn.status()} ${await signIn.text()}`);
    const page = await context.newPage();
    // Tile requests of the page and of MapLibre's workers (which the page's resource timing
    // does not list): when each finished, from the start of the navigation.
    const tiles = [];
    const started = Date.now();
    context.on("requestfinished", async (req) => {
      if (!req.url().includes("/tiles/")) return;
      const done = Date.now() - started;
      const size = await req.sizes().then((s) => s.responseBodySize).catch(() => 0);
      tiles.push({ done, ms: req.timing().responseEnd, size });
    });
    await page.goto(base + "/map");
    await page.waitForFunction(() => window.__gongzhi && window.__gongzhi.map, null, { timeout: 60000 });
    const painted = await page.evaluate(async () => {
      const g = window.__gongzhi;
      await g.ready;
      const m = g.map;
      await new Promise((resolve) => {
        const check = () => (m.loaded() && m.areTilesLoaded() ? resolve() : m.once("idle", check));
        check();
      });
      const ready = performance.getEntriesByType("navigation")[0];
      return {
        painted_ms: Math.round(performance.now()),
        dom_ms: ready ? Math.round(ready.domContentLoadedEventEnd) : null,
        zoom: Math.round(m.getZoom() * 100) / 100,
      };
    });
    return {
      ...painted,
      tiles: tiles.length,
      first_tile_ms: tiles.length ? Math.min(...tiles.map((t) => t.done)) : null,
      last_tile_ms: tiles.length ? Math.max(...tiles.map((t) => t.done)) : null,
      tile_kb: Math.round(tiles.reduce((s, t) => s + t.size, 0) / 1024),
      slowest_tile_ms: tiles.length ? Math.round(Math.max(...tiles.map((t) => t.ms))) : null,
    };
  } finally {
    await context.close();
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : null;
};

const browser = await chromium.launch({ executablePath: chromiumPath, args: ["--use-gl=swiftshader", "--ignore-gpu-blocklist"] });
const work = fs.mkdtempSync(path.join(os.tmpdir(), "gz-first-paint-"));
const cold = [], warm = [];
try {
  for (let i = 0; i < runs; i++) {
    const db = path.join(work, `county-${i}.sqlite`);
    fs.copyFileSync(county, db);
    const server = await startServer(db);
    try {
      const c = await firstView(browser, server.base);
      const w = await firstView(browser, server.base);
      cold.push(c);
      warm.push(w);
      console.log(JSON.stringify({ run: i + 1, server_cold: c, server_warm: w }));
    } finally {
      await server.stop();
      for (const f of fs.readdirSync(work)) fs.rmSync(path.join(work, f), { force: true });
    }
  }
} finally {
  await browser.close();
  fs.rmSync(work, { recursive: true, force: true });
}
const summary = (xs) => ({
  painted_ms_median: median(xs.map((x) => x.painted_ms)),
  painted_ms_max: Math.max(...xs.map((x) => x.painted_ms)),
  first_tile_ms_median: median(xs.map((x) => x.first_tile_ms ?? 0)),
  last_tile_ms_median: median(xs.map((x) => x.last_tile_ms ?? 0)),
  tiles: median(xs.map((x) => x.tiles)),
});
console.log(JSON.stringify({ county: path.basename(county), runs, server_cold: summary(cold), server_warm: summary(warm) }));
