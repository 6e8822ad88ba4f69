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
    legend: { data: ["收入", "支出", "期末结余"] },
    grid: { left: 70, right: 70, top: 40, bottom: 40 },
    xAxis: { type: "category", data: data.months },
    yAxis: [
      { type: "value", name: "元" },
      { type: "value", name: "结余（元）" }
    ],
    series: [
      { name: "收入", type: "bar", data: data.income },
      { name: "支出", type: "bar", data: data.expenditure },
      { name: "期末结余", type: "line", yAxisIndex: 1, data: data.balance }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
