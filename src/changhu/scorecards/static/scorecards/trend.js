/* An organization's total score over its last scoring periods. Data from a json_script element. */
(function () {
  "use strict";
  var el = document.querySelector("[data-ch-scorecard-trend]");
  var source = document.getElementById("scorecard-trend");
  if (!el || !source || !window.echarts) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(el);
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    grid: { left: 48, right: 24, top: 24, bottom: 48 },
    // every period named, the year above its month or quarter ("2026年" / "第4季度")
    xAxis: {
      type: "category",
      data: data.periods,
      axisLabel: { interval: 0, formatter: function (name) { return name.replace("年", "年\n"); } }
    },
    yAxis: { type: "value", name: "总分", min: 0, max: 100 },
    series: [{ name: "总分", type: "line", connectNulls: false, data: data.scores, label: { show: true } }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
