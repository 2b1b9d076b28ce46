// The trend chart of a street's profile (/streets/{code}): the page holds the indicators' yearly values
// in a JSON block (#streets-trend-data: {years, series:[{name, values}]}) and one box data-chart="trend";
// this script draws them with the vendored ECharts (one y axis per series is too many: each series is
// shown as an index of its first year = 100, the table beside it has the values). No inline script (CSP).
(function () {
  'use strict';
  var FONT = '"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif';

  function draw() {
    var block = document.getElementById('streets-trend-data');
    var box = document.querySelector('[data-chart="trend"]');
    if (!block || !box || !window.echarts) return;
    var d = JSON.parse(block.textContent || '{}');
    if (!d.years || !d.years.length) { box.textContent = '暂无数据'; return; }
    var series = d.series.map(function (s) {
      var base = null;
      s.values.forEach(function (v) { if (base === null && v) base = v; });
      return {
        name: s.name, type: 'line', connectNulls: false,
        data: s.values.map(function (v) { return v === null || !base ? null : Math.round(v / base * 1000) / 10; }),
      };
    });
    var chart = window.echarts.init(box);
    chart.setOption({
      textStyle: { fontFamily: FONT },
      tooltip: { trigger: 'axis', confine: true },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 48, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: d.years.map(function (y) { return y + ' 年'; }) },
      yAxis: { type: 'value', name: '首年 = 100', scale: true },
      series: series,
    });
    window.addEventListener('resize', function () { chart.resize(); });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', draw);
  else draw();
})();
