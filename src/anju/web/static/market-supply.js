// Charts of the supply pipeline (供应与去化, /market/supply).
// The page holds one area's months in a JSON data block (#supply-data) and one element per chart with
// data-chart="…"; this script draws each with ECharts (vendored, /static/vendor/echarts). No inline
// script, no eval (CSP). The table and the CSV download beside the charts hold the same figures.
(function () {
  'use strict';

  var COLOURS = ['#0b57a4', '#2e7d32', '#b3261e', '#ef6c00', '#6a1b9a', '#00838f'];
  var FONT = '"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif';

  function base(extra) {
    var o = {
      color: COLOURS,
      textStyle: { fontFamily: FONT },
      tooltip: { trigger: 'axis', confine: true },
      legend: { top: 0, type: 'scroll' },
      grid: { left: 24, right: 56, top: 48, bottom: 8, containLabel: true },  // room for the axis names
    };
    Object.keys(extra).forEach(function (k) { o[k] = extra[k]; });
    return o;
  }

  function col(ms, key) { return ms.map(function (m) { return m[key]; }); }

  var BUILDERS = {
    // stacked bars of the month's flows (permitted, completed, new and resale sales) and the inventory line
    pipeline: function (d) {
      var ms = d.months;
      if (!ms.length) return null;
      return base({
        xAxis: { type: 'category', data: col(ms, 'month') },
        yAxis: [
          { type: 'value', name: '套（当月）', minInterval: 1 },
          { type: 'value', name: '套（月末库存）', minInterval: 1, splitLine: { show: false } },
        ],
        series: [
          { name: '预售许可套数', type: 'bar', stack: 'supply', data: col(ms, 'permitted_homes') },
          { name: '竣工套数', type: 'bar', stack: 'supply', data: col(ms, 'completed_homes') },
          { name: '新房成交套数', type: 'bar', stack: 'sales', data: col(ms, 'new_sales') },
          { name: '二手房成交套数', type: 'bar', stack: 'sales', data: col(ms, 'resales') },
          { name: '月末库存套数', type: 'line', yAxisIndex: 1, data: col(ms, 'inventory_homes') },
        ],
      });
    },
    // months of supply (去化周期), gaps where there were no sales to divide by
    months: function (d) {
      var ms = d.months;
      if (!ms.some(function (m) { return m.months_of_supply !== null; })) return null;
      return base({
        xAxis: { type: 'category', data: col(ms, 'month') },
        yAxis: { type: 'value', name: '去化周期（月）' },
        series: [{ name: '去化周期', type: 'line', connectNulls: false, data: col(ms, 'months_of_supply') }],
      });
    },
  };

  function draw() {
    var block = document.getElementById('supply-data');
    if (!block || typeof echarts === 'undefined') return;
    var data = JSON.parse(block.textContent);
    var charts = {};
    Array.prototype.slice.call(document.querySelectorAll('[data-chart]')).forEach(function (el) {
      var build = BUILDERS[el.dataset.chart];
      var option = build ? build(data) : null;
      if (!option) {
        el.textContent = '暂无数据';
        el.classList.add('empty');
        return;
      }
      var chart = echarts.init(el, null, { renderer: 'canvas' });
      chart.setOption(option);
      charts[el.dataset.chart] = chart;
    });
    document.body.dataset.chartsReady = '1';
    var timer = null;
    window.addEventListener('resize', function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        Object.keys(charts).forEach(function (k) { charts[k].resize(); });
      }, 150);
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', draw);
  else draw();
})();
