// ECharts, only the parts the app draws (tree-shaken).
import { BarChart } from "echarts/charts";
import { GridComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([BarChart, GridComponent, TooltipComponent, CanvasRenderer]);

export function drawStateChart(box: HTMLElement, data: { name: string; value: number }[]) {
  const chart = echarts.init(box, undefined, { renderer: "canvas" });
  chart.setOption({
    animation: false,
    tooltip: {},
    grid: { left: 90, right: 16, top: 8, bottom: 24 },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: data.map((d) => d.name) },
    series: [{ type: "bar", data: data.map((d) => d.value), itemStyle: { color: "#1f6feb" } }],
  });
  return chart;
}

// A survey question's answers per choice as bars (participation.ts). Each chart is also kept on
// window.__gongzhiCharts["survey-ID-Q"] for the tests.
export function drawChoiceBars(box: HTMLElement, choices: string[], counts: number[], seriesName: string): echarts.ECharts {
  const chart = echarts.init(box, undefined, { renderer: "canvas" });
  chart.setOption({
    animation: false,
    tooltip: {},
    grid: { left: 110, right: 24, top: 8, bottom: 24 },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: choices.map((c, i) => `${i + 1}. ${c}`), inverse: true },
    series: [{ name: seriesName, type: "bar", data: counts, itemStyle: { color: "#1f6feb" }, label: { show: true, position: "right" } }],
  });
  const w = window as unknown as { __gongzhiCharts?: Record<string, echarts.ECharts> };
  w.__gongzhiCharts = { ...(w.__gongzhiCharts ?? {}), [box.dataset.chart ?? "survey"]: chart };
  return chart;
}
