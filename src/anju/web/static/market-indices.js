// The price-index chart (房价指数, /market/indices): the fixed-base index as a line and the
// month-on-month ratio as a second line, from the page's JSON data block (#indices-data). No inline
// script, no eval (CSP); the table and the CSV download are on the page beside the chart.
(function () {
  'use strict';

  var FONT = '"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif';

  function draw() {
    var block = document.getElementById('indices-data');
    var el = document.querySelector('[data-chart="index"]');
    if (!block || !el || typeof echarts === 'undefined') {
      document.body.dataset.chartsReady = '1';
      return;
    }
    var d = JSON.parse(block.textContent);
    var pts = d.points;
    var chart = echarts.init(el, null, { renderer: 'canvas' });
    chart.on('finished', function once() {
      chart.off('finished', once);
      document.body.dataset.chartsReady = '1';
    });
    chart.setOption({
      color: ['#b3261e', '#0b57a4'],
      textStyle: { fontFamily: FONT },
      tooltip: { trigger: 'axis', confine: true },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: pts.map(function (p) { return p.month; }) },
      yAxis: [
        { type: 'value', name: '定基指数', scale: true },
        { type: 'value', name: '环比', scale: true, splitLine: { show: false } },
      ],
      series: [
        { name: '定基指数', type: 'line', connectNulls: false, showSymbol: false,
          data: pts.map(function (p) { return p.value === null ? null : Math.round(p.value * 100) / 100; }) },
        { name: '环比（上月=100）', type: 'line', yAxisIndex: 1, connectNulls: false, showSymbol: false,
          lineStyle: { type: 'dashed', opacity: 0.6 },
          data: pts.map(function (p) { return p.mom === null ? null : Math.round(p.mom * 100) / 100; }) },
      ],
    });
    var timer = null;
    window.addEventListener('resize', function () {
      clearTimeout(timer);
      timer = setTimeout(function () { chart.resize(); }, 150);
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', draw);
  else draw();
})();
