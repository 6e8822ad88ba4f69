/* The fund's monthly income, expenditure and balance. Data from a json_script element. */
(function () {
  "use strict";
  var el = document.querySelector("[data-ch-fund-chart]");
  var source = document.getElementById("fund-series");
  if (!el || !source || !window.echarts) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(el);
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    // The legend sits above the plot (ECharts 6 puts it at the bottom, over the month labels).
    legend: { data: ["收入", "支出", "期末结余"], top: 0, left: "center" },
    grid: { left: 70, right: 80, top: 64, bottom: 32 },
    xAxis: { type: "category", data: data.months },
    yAxis: [
      { type: "value", name: "收支（元）", nameGap: 14 },
      { type: "value", name: "结余（元）", nameGap: 14 }
    ],
    series: [
      { name: "收入", type: "bar", data: data.income },
      { name: "支出", type: "bar", data: data.expenditure },
      { name: "期末结余", type: "line", yAxisIndex: 1, data: data.balance }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
