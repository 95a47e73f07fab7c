// Areas in mu and hectares, money in 万元 (zh) or million yuan (en) from integer fen: the units
// the dashboard, the home tasks and the villager's pages show.
import { lang, t } from "./i18n";
import "./i18n_dash";

export const M2_PER_MU = 10000 / 15;
export const nf = (x: number, d = 0) =>
  x.toLocaleString(lang() === "zh" ? "zh-CN" : "en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
export const mu = (m2: number) => m2 / M2_PER_MU;
export function fmtMuHa(m2: number): string {
  return `${nf(mu(m2), 1)} ${t("unit_mu")} · ${nf(m2 / 10000, 2)} ${t("unit_ha")}`;
}
// Spherical area (m², WGS84 radius) of a GeoJSON polygon or multipolygon, holes subtracted: for
// drawings in the browser; the server's areas are ellipsoidal on CGCS2000.
export function polygonAreaM2(g: GeoJSON.Geometry): number {
  const ring = (r: number[][]) => {
    const R = 6378137, rad = Math.PI / 180;
    let s = 0;
    for (let i = 0; i < r.length - 1; i++) s += (r[i + 1][0] - r[i][0]) * rad * (2 + Math.sin(r[i][1] * rad) + Math.sin(r[i + 1][1] * rad));
    return Math.abs((s * R * R) / 2);
  };
  const polys = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
  let a = 0;
  for (const rings of polys) rings.forEach((r, i) => (a += (i === 0 ? 1 : -1) * ring(r)));
  return a;
}
// "12.3 亩（8,200 平方米）"
export function fmtMuM2(m2: number): string {
  return `${nf(mu(m2), 2)} ${t("unit_mu")}${lang() === "zh" ? "（" : " ("}${nf(m2, 0)} ${t("unit_m2")}${lang() === "zh" ? "）" : ")"}`;
}
export function fmtMoney(fen: number): string {
  return lang() === "zh" ? `${nf(fen / 1e6, 2)} ${t("unit_wan_yuan")}` : `CNY ${nf(fen / 1e8, 2)} M`;
}
