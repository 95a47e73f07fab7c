// ECharts for the participation page: a survey question's answers per choice as bars (tree-shaken
// like charts.ts). Each chart is also kept on window.__gongzhiCharts["survey-ID-Q"] for the tests.
import { BarChart } from "echarts/charts";
import { GridComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([BarChart, GridComponent, TooltipComponent, CanvasRenderer]);

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
