// Open-data dataset page: a bar chart of the preview's numeric columns, drawn from the page's JSON.
import * as echarts from "echarts/core";
import { BarChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

function draw() {
  const node = document.getElementById("opendata-chart");
  const source = document.getElementById("opendata-chart-data");
  if (!node || !source) return;
  const data = JSON.parse(source.textContent);
  const chart = echarts.init(node);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { bottom: 0 },
    grid: { left: 56, right: 16, top: 16, bottom: 96 },
    xAxis: { type: "category", data: data.labels, axisLabel: { rotate: 30, width: 120, overflow: "truncate" } },
    yAxis: { type: "value" },
    series: data.series.map((s) => ({ name: s.name, type: "bar", data: s.data })),
  });
  window.addEventListener("resize", () => chart.resize());
}

document.addEventListener("DOMContentLoaded", draw);
