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
export function fmtMoney(fen: number): string {
  return lang() === "zh" ? `${nf(fen / 1e6, 2)} ${t("unit_wan_yuan")}` : `CNY ${nf(fen / 1e8, 2)} M`;
}
