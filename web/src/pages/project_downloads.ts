// The project page's downloads (下载): the project boundary and its new cultivated plots (新增耕地)
// as coordinate TXT, GeoPackage and GBK Shapefile zip, and the balance sheet, compliance findings,
// fund ledger and evaluation as xlsx, all written on the server by the exporters of
// `gongzhi export` / `gongzhi report` (GET /api/v1/projects/{id}/download and …/sheets/{sheet}).
// A link shows only where the user may have the file: the ledger only when the JSON ledger
// answers them, the evaluation only when theirs does.
import { api, type Project } from "../api";
import { el } from "../dom";
import { addStrings, colon, formatName, t } from "../i18n";

addStrings({
  dl_title: ["下载", "Downloads"],
  dl_boundary: ["项目区范围", "Project boundary"],
  dl_new_cultivated: ["新增耕地地块", "New cultivated plots"],
  dl_sheets: ["报表（Excel）", "Reports (Excel)"],
  dl_balance: ["土地利用结构调整表", "Land-use balance sheet"],
  dl_findings: ["合规性审查问题清单", "Compliance findings"],
  dl_ledger: ["资金台账", "Fund ledger"],
  dl_evaluation: ["绩效评价表", "Performance evaluation"],
  dl_hint: ["坐标文本为自然资源部标准格式（国标汉字编码），矢量压缩包的属性表也为国标汉字编码。", "The coordinate TXT is the ministry's format (GBK); the SHP zip has GBK attributes."],
  dl_none: ["该项目暂无可下载的内容", "Nothing to download for this project yet"],
});

const LATER = ["approved", "public_notice", "implementation", "completed", "accepted", "evaluated", "maintenance"];

// 耕地 is class 01 of the 三调 classification (0101 水田, 0102 水浇地, 0103 旱地).
const cultivated = (code: unknown) => typeof code === "string" && code.startsWith("01");

async function answers(path: string): Promise<boolean> {
  try {
    await api("GET", path);
    return true;
  } catch {
    return false;
  }
}

export async function downloadsSection(p: Project): Promise<HTMLElement> {
  const sec = el("section", { class: "card", "data-testid": "downloads" }, el("h2", {}, t("dl_title")));
  const base = `/api/v1/projects/${p.id}`;
  const geometry = (part: string, label: string) => {
    const row = el("div", { class: "layer-downloads", "data-testid": `download-${part}` }, t(label) + colon());
    for (const format of ["txt", "gpkg", "shp"])
      row.append(el("a", { href: `${base}/download?part=${part}&format=${format}`, download: "", "data-format": format }, formatName(format)), " ");
    return row;
  };
  const rows: HTMLElement[] = [];
  if (p.plan?.area) {
    rows.push(geometry("boundary", "dl_boundary"));
    // 01 is 耕地 in 三调 (to_code) and in 用地用海 (to_ghdlbm) alike.
    if ((p.plan.changes ?? []).some((c: any) => cultivated(c?.to_code ?? c?.to_ghdlbm) && !cultivated(c?.from_code)))
      rows.push(geometry("new_cultivated", "dl_new_cultivated"));
  }
  const later = LATER.includes(p.state);
  const [ledger, evaluation] = later
    ? await Promise.all([answers(`${base}/funds/ledger`), answers(`${base}/evaluation`)])
    : [false, false];
  const sheets: [string, string][] = [];
  if (p.plan?.area) sheets.push(["balance", "dl_balance"]);
  if (p.compliance) sheets.push(["findings", "dl_findings"]);
  if (ledger) sheets.push(["ledger", "dl_ledger"]);
  if (evaluation) sheets.push(["evaluation", "dl_evaluation"]);
  if (sheets.length) {
    const row = el("div", { class: "layer-downloads", "data-testid": "download-sheets" }, t("dl_sheets") + colon());
    for (const [sheet, label] of sheets)
      row.append(el("a", { href: `${base}/sheets/${sheet}?format=xlsx`, download: "", "data-sheet": sheet }, t(label)), " ");
    rows.push(row);
  }
  if (!rows.length) sec.append(el("p", { class: "empty" }, t("dl_none")));
  else sec.append(...rows, el("p", { class: "hint" }, t("dl_hint")));
  return sec;
}
