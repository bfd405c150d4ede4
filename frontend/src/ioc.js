// IOC dashboard: ECharts trend and commune map drawn from the page's JSON, and the live feed
// (server-sent events, falling back to polling when the stream drops) that refreshes the figures.
import * as echarts from "echarts/core";
import { BarChart, LineChart, ScatterChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([BarChart, LineChart, ScatterChart, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent, CanvasRenderer]);

const charts = [];
// Words come from the platform's own catalogue (/jsi18n/<language>/, loaded by the base page), numbers are
// written the page's language's way.
const t = (text) => (window.gettext ? window.gettext(text) : text);
const decimalComma = !document.documentElement.lang.startsWith("en");
const percent = (rate) => {
  if (rate == null) return "—";
  const text = (rate * 100).toFixed(1);
  return `${decimalComma ? text.replace(".", ",") : text}%`;
};

function readJson(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : null;
}

function drawTrend() {
  const node = document.getElementById("ioc-trend");
  const data = readJson("ioc-trend-data");
  if (!node || !data) return;
  const chart = echarts.init(node);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { bottom: 0 },
    grid: { left: 48, right: 48, top: 24, bottom: 56 },
    xAxis: { type: "category", data: data.map((p) => p.label) },
    yAxis: [
      { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      { type: "value", minInterval: 1 },
    ],
    series: [
      { name: t("Đúng hạn (2.1)"), type: "line", data: data.map((p) => (p.on_time_rate == null ? null : +(p.on_time_rate * 100).toFixed(1))) },
      { name: t("Nộp trực tuyến (3.2)"), type: "line", data: data.map((p) => (p.online_rate == null ? null : +(p.online_rate * 100).toFixed(1))) },
      { name: t("Hồ sơ tiếp nhận"), type: "bar", yAxisIndex: 1, data: data.map((p) => p.received) },
      { name: t("Phản ánh tiếp nhận"), type: "bar", yAxisIndex: 1, data: data.map((p) => p.reports_received) },
    ],
  });
  // A month of the trend opens the dashboard for that month.
  const drill = node.dataset.drill;
  chart.on("click", (item) => {
    const month = data[item.dataIndex];
    if (month && drill) window.location.href = `${drill}${drill.includes("?") ? "&" : "?"}period=${month.period}`;
  });
  charts.push(chart);
}

function drawMap() {
  const node = document.getElementById("ioc-map");
  const data = readJson("ioc-map-data");
  // Each open report comes as [code, latitude, longitude, category, overdue], apart from the communes.
  const reports = readJson("ioc-map-reports") ?? [];
  if (!node || !data) return;
  const chart = echarts.init(node);
  const point = (c) => ({ name: c.name, code: c.code, value: [c.longitude, c.latitude, c.rate == null ? null : c.rate * 100], rate: c.rate, counted: c.denominator });
  // Communes with nothing to count stay grey, apart from the colour scale.
  const measured = data.communes.filter((c) => c.rate != null).map(point);
  const empty = data.communes.filter((c) => c.rate == null).map(point);
  chart.setOption({
    tooltip: {
      formatter: (item) => (item.seriesIndex < 2 ? `${item.data.name}: ${percent(item.data.rate)} (${item.data.counted ?? 0})` : `${t("Phản ánh")} ${item.data.code}${item.data.overdue ? ` · ${t("quá hạn")}` : ""}`),
    },
    grid: { left: 8, right: 8, top: 8, bottom: 48 },
    xAxis: { type: "value", scale: true, show: false },
    yAxis: { type: "value", scale: true, show: false },
    visualMap: {
      seriesIndex: 0, dimension: 2, min: 0, max: 100, orient: "horizontal", left: "center", bottom: 0,
      text: ["100%", "0%"], inRange: { color: ["#b2182b", "#fddbc7", "#1a9850"] },
    },
    series: [
      { name: "measured", type: "scatter", symbolSize: 18, data: measured },
      { name: "empty", type: "scatter", symbolSize: 14, itemStyle: { color: "#c8c8c8" }, data: empty },
      { type: "scatter", symbol: "triangle", symbolSize: 9, itemStyle: { color: "#222" }, data: reports.map((r) => ({ code: r[0], overdue: r[4], value: [r[2], r[1]] })) },
    ],
  });
  const drill = node.dataset.drill;
  chart.on("click", (item) => {
    if (item.seriesIndex < 2 && drill) window.location.href = `${drill}${drill.includes("?") ? "&" : "?"}unit=${encodeURIComponent(item.data.code)}`;
  });
  charts.push(chart);
}

function draw() {
  while (charts.length) charts.pop().dispose();
  drawTrend();
  drawMap();
}

let connection = "";

function say(text) {
  connection = text;
  const node = document.getElementById("ioc-connection");
  if (node) node.textContent = text;
}

async function refresh() {
  const response = await fetch(window.location.href, { headers: { "HX-Request": "true" }, credentials: "same-origin" });
  if (!response.ok) return;
  const holder = document.createElement("div");
  holder.innerHTML = await response.text();
  const fresh = holder.querySelector("#ioc-live");
  const current = document.getElementById("ioc-live");
  if (fresh && current) {
    current.replaceWith(fresh);
    say(connection);
    draw();
  }
}

function live() {
  const root = document.getElementById("ioc-live");
  if (!root || !root.dataset.liveUrl) return;
  const liveUrl = root.dataset.liveUrl;
  const statusUrl = root.dataset.statusUrl;
  let lastEvent = root.dataset.lastEvent || "";
  let polling = null;

  const updated = async (eventId) => {
    if (String(eventId) === String(lastEvent)) return;
    lastEvent = String(eventId);
    await refresh();
  };
  const pollOnce = async () => {
    try {
      const response = await fetch(statusUrl, { credentials: "same-origin" });
      if (response.ok) await updated((await response.json()).event_id);
    } catch (error) {
      say(t("Không kết nối được máy chủ; sẽ thử lại."));
    }
  };
  // While the stream is down (dropped, or between two streams) the page asks every 5 seconds instead.
  const startPolling = () => {
    if (polling) return;
    say(t("Mất kết nối trực tiếp: đang cập nhật định kỳ 5 giây một lần."));
    pollOnce();
    polling = window.setInterval(pollOnce, 5000);
  };
  const stopPolling = () => {
    if (polling) window.clearInterval(polling);
    polling = null;
  };
  const connect = () => {
    if (!window.EventSource) return startPolling();
    const source = new EventSource(`${liveUrl}?since=${encodeURIComponent(lastEvent)}`);
    source.addEventListener("open", () => {
      stopPolling();
      say(t("Đang cập nhật trực tiếp."));
    });
    source.addEventListener("update", (message) => updated(JSON.parse(message.data).event_id));
    source.addEventListener("error", () => {
      startPolling();
      // The browser retries by itself unless the server refused the stream; then try again later.
      if (source.readyState === EventSource.CLOSED) window.setTimeout(connect, 10000);
    });
  };
  connect();
}

document.addEventListener("DOMContentLoaded", () => {
  draw();
  live();
  window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));
});
