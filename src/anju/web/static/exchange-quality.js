// The quality trend of a feed (数据接入, /exchange/feeds/<dataset>): completeness and validity per day
// (per cent) and the mean lag (hours). The page holds the figures in #quality-data and a table of the
// same numbers; no inline script (CSP).
(function () {
  'use strict';
  function draw() {
    var el = document.querySelector('[data-chart="quality"]');
    var data = document.getElementById('quality-data');
    if (!el || !data || !window.echarts) { return; }
    var d = JSON.parse(data.textContent);
    var pct = function (xs) { return xs.map(function (x) { return x === null ? null : Math.round(x * 1000) / 10; }); };
    var chart = window.echarts.init(el);
    chart.setOption({
      color: ['#0b57a4', '#2e7d32', '#ef6c00'],
      tooltip: { trigger: 'axis', confine: true },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: d.days },
      yAxis: [{ type: 'value', name: '%', min: 0, max: 100 }, { type: 'value', name: '小时', min: 0 }],
      series: [
        { name: '完整率', type: 'line', data: pct(d.completeness) },
        { name: '有效率', type: 'line', data: pct(d.validity) },
        { name: '平均时滞', type: 'line', yAxisIndex: 1, data: d.lag_hours },
      ],
    });
    window.addEventListener('resize', function () { chart.resize(); });
  }
  document.addEventListener('DOMContentLoaded', draw);
})();
