// E2E steps of the downloads (project_downloads.ts, the dashboard's xlsx link), run by run.mjs:
// on the demo project in implementation (XM2026-001) the lead department's project page links
// the boundary and new cultivated plots as TXT, GeoPackage and SHP zip and the balance sheet,
// findings, ledger and evaluation as xlsx; each link, fetched with the browser's session, is
// the server's file (200, its content type, its magic bytes, a Chinese file name); a villager
// gets the ledger exactly as the JSON ledger answers them, and no ledger link where it does
// not; the dashboard's table downloads as xlsx for the county leader and not for a villager.

import { call, signedInPages } from "./page_api.mjs";

const desktop = { viewport: { width: 1440, height: 900 }, locale: "zh-CN" };
const CODE = "XM2026-001";
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

// `href` fetched inside the page: status, content type, disposition and the first bytes.
const fetchHead = (p, href) => p.evaluate(async (h) => {
  const r = await fetch(h);
  const b = new Uint8Array(await r.arrayBuffer());
  return { status: r.status, type: r.headers.get("content-type"), disposition: r.headers.get("content-disposition") ?? "",
    size: b.length, head: Array.from(b.slice(0, 16)) };
}, href);
const ascii = (bytes, n) => String.fromCharCode(...bytes.slice(0, n));

const expected = {
  txt: ["text/plain; charset=GBK", (h) => h[0] === 0x5b /* [ of the first section */],
  gpkg: ["application/geopackage+sqlite3", (h) => ascii(h, 15) === "SQLite format 3"],
  shp: ["application/zip", (h) => ascii(h, 2) === "PK"],
  xlsx: [XLSX, (h) => ascii(h, 2) === "PK"],
};

async function openProject(p, base) {
  await p.goto(base + `/projects/${CODE}`);
  await p.waitForSelector('[data-testid="downloads"]', { timeout: 30000 });
}
const links = (p) => p.$$eval('[data-testid="downloads"] a[download]', (as) => as.map((a) => ({
  href: a.getAttribute("href"), format: a.dataset.format ?? "xlsx", sheet: a.dataset.sheet ?? "", text: a.textContent })));

export async function downloadSteps({ browser, base, step, assert, signIn, shot }) {
  const pages = signedInPages({ browser, base, signIn }, desktop);
  try {
    await step("downloads: the project page links the boundary, new cultivated plots and the xlsx sheets, each the server's file", async () => {
      const p = await pages.as("zrzy");
      await openProject(p, base);
      const project = (await call(p, "GET", "/api/v1/projects")).body.projects.find((x) => x.code === CODE);
      const full = (await call(p, "GET", `/api/v1/projects/${project.id}`)).body;
      const found = await links(p);
      const hrefs = found.map((l) => l.href);
      for (const f of ["txt", "gpkg", "shp"])
        assert(hrefs.includes(`/api/v1/projects/${project.id}/download?part=boundary&format=${f}`), "boundary " + f + ": " + hrefs.join(" "));
      const gained = (full.plan?.changes ?? []).some((c) => String(c.to_code).startsWith("01") && !String(c.from_code).startsWith("01"));
      assert(hrefs.some((h) => h.includes("part=new_cultivated")) === gained, "new cultivated plots linked when the plan has them: " + gained);
      const sheets = found.filter((l) => l.sheet).map((l) => l.sheet);
      for (const s of ["balance", "ledger", "evaluation"]) assert(sheets.includes(s), "sheet " + s + ": " + sheets.join(","));
      for (const l of found) {
        const got = await fetchHead(p, l.href);
        const [type, magic] = expected[l.format];
        assert(got.status === 200 && got.type === type, `${l.href}: ${got.status} ${got.type}`);
        assert(magic(got.head) && got.size > 0, `${l.href}: magic bytes ${got.head.slice(0, 4)}`);
        assert(got.disposition.includes("filename*=UTF-8''" + CODE + "-%E"), `${l.href}: a Chinese file name: ${got.disposition}`);
      }
      // A click downloads the file through the browser too.
      const [dl] = await Promise.all([p.waitForEvent("download"), p.click('[data-testid="download-sheets"] a[data-sheet="ledger"]')]);
      assert(dl.suggestedFilename() === `${CODE}-资金台账.xlsx`, "saved as " + dl.suggestedFilename());
      await shot(p, "project-downloads");
    });

    await step("downloads: a villager gets the ledger exactly as the JSON ledger answers them", async () => {
      const p = await pages.as("cunmin", desktop);
      const list = (await call(p, "GET", "/api/v1/projects")).body.projects;
      const project = list.find((x) => x.code === CODE);
      const id = project ? project.id : (await call(await pages.as("zrzy"), "GET", "/api/v1/projects")).body.projects.find((x) => x.code === CODE).id;
      const json = await call(p, "GET", `/api/v1/projects/${id}/funds/ledger`);
      const sheet = await fetchHead(p, `/api/v1/projects/${id}/sheets/ledger?format=xlsx`);
      assert(sheet.status === json.status, `the ledger sheet answers as the JSON ledger: ${sheet.status} vs ${json.status}`);
      if (json.status !== 200) assert(sheet.type !== XLSX, "no workbook for a villager the ledger is closed to");
      if (project) {
        await openProject(p, base);
        const sheets = (await links(p)).map((l) => l.sheet);
        assert(sheets.includes("ledger") === (json.status === 200), "the ledger link shows only when the ledger answers: " + sheets.join(","));
      }
    });

    await step("downloads: the dashboard's table as xlsx for the county leader, not for a villager", async () => {
      const p = await pages.as("lingdao");
      await p.goto(base + "/dashboard");
      await p.waitForSelector('[data-testid="dash-xlsx"]', { timeout: 60000 });
      const href = await p.getAttribute('[data-testid="dash-xlsx"]', "href");
      const got = await fetchHead(p, href);
      assert(got.status === 200 && got.type === XLSX && ascii(got.head, 2) === "PK", `dashboard xlsx: ${got.status} ${got.type}`);
      assert(got.disposition.includes("filename*=UTF-8''"), "named: " + got.disposition);
      const v = await pages.as("cunmin", desktop);
      const json = await call(v, "GET", "/api/v1/dashboard");
      const sheet = await fetchHead(v, "/api/v1/dashboard?format=xlsx");
      assert(json.status === 403 && sheet.status === 403, `a villager: JSON ${json.status}, xlsx ${sheet.status}`);
    });
  } finally {
    await pages.closeAll();
  }
}
