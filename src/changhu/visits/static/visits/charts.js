/* Charts on the visit pages: positions around the home, a caregiver's day. No inline script. */
(function () {
  "use strict";
  if (!window.echarts) {
    return;
  }
  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function circle(radius) {
    var points = [];
    for (var i = 0; i <= 72; i += 1) {
      var a = (i / 72) * 2 * Math.PI;
      points.push([radius * Math.cos(a), radius * Math.sin(a)]);
    }
    return points;
  }
  document.querySelectorAll("[data-ch-chart]").forEach(function (el) {
    var source = data(el.getAttribute("data-source"));
    if (!source) {
      return;
    }
    var chart = echarts.init(el);
    var points = source.points.map(function (p) {
      return { name: p.label, value: [p.east, p.north] };
    });
    var series = [];
    if (el.getAttribute("data-ch-chart") === "relative") {
      series.push({ name: "住址", type: "scatter", symbol: "pin", symbolSize: 26, data: [{ name: "住址", value: [0, 0] }] });
      series.push({ name: "允许半径", type: "line", showSymbol: false, data: circle(source.radius), lineStyle: { type: "dashed" } });
      series.push({ name: "定位", type: "scatter", symbolSize: 14, data: points, label: { show: true, formatter: "{b}", position: "right" } });
    } else {
      series.push({ name: "轨迹", type: "line", data: points, label: { show: true, formatter: "{b}", position: "right", fontSize: 10 } });
    }
    // The same scale on both axes, so the allowed radius draws as a circle.
    var extent = source.radius ? source.radius * 1.3 : 50;
    source.points.forEach(function (p) {
      extent = Math.max(extent, Math.abs(p.east) * 1.15, Math.abs(p.north) * 1.15);
    });
    extent = Math.ceil(extent / 50) * 50;
    var axis = function (name) {
      return { type: "value", name: name, min: -extent, max: extent };
    };
    chart.setOption({
      animation: false,
      grid: { left: 55, right: 35, top: 35, bottom: 55 },
      tooltip: { trigger: "item", formatter: function (p) { return p.name + "：东" + p.value[0] + "米，北" + p.value[1] + "米"; } },
      xAxis: axis("东（米）"),
      yAxis: axis("北（米）"),
      series: series,
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
