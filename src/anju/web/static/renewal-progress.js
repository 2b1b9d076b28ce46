// Charts of the renewal progress pages (规划进度 /renewal/progress, 公开 /renewal/public). The page holds
// the progress in a JSON block (#renewal-data, the API's /api/v1/renewal/progress shape) and one box per
// chart with data-chart="…"; this script draws them with the vendored ECharts. No inline script (CSP).
// Every chart has the table beside it on the page; a chart without data shows 暂无数据.
(function () {
  'use strict';

  var FONT = '"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif';
  var COLOURS = ['#90caf9', '#2e7d32', '#ef6c00'];

  function num(v) { return Number(v) || 0; }

  function base(extra) {
    var o = {
      color: COLOURS,
      textStyle: { fontFamily: FONT },
      tooltip: { trigger: 'axis', confine: true },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
    };
    Object.keys(extra).forEach(function (k) { o[k] = extra[k]; });
    return o;
  }

  var BUILDERS = {
    years: function (d) {
      var cells = d.total.cells;
      if (!cells.length) return null;
      return base({
        xAxis: { type: 'category', data: cells.map(function (c) { return c.year + ' 年'; }) },
        yAxis: { type: 'value', name: '万㎡' },
        series: [
          { name: '计划面积', type: 'bar', data: cells.map(function (c) { return num(c.plan_area); }) },
          { name: '已竣工面积', type: 'bar', data: cells.map(function (c) { return num(c.done_area); }) },
        ],
      });
    },
    districts: function (d) {
      if (!d.rows.length) return null;
      function total(r, key) { return r.cells.reduce(function (a, c) { return a + num(c[key]); }, 0); }
      return base({
        xAxis: { type: 'category', data: d.rows.map(function (r) { return r.name; }), axisLabel: { interval: 0, rotate: 30 } },
        yAxis: { type: 'value', name: '个' },
        series: [
          { name: '计划个数', type: 'bar', data: d.rows.map(function (r) { return total(r, 'plan_communities'); }) },
          { name: '已竣工个数', type: 'bar', data: d.rows.map(function (r) { return total(r, 'done'); }) },
          { name: '列入计划个数', type: 'line', data: d.rows.map(function (r) { return total(r, 'listed'); }) },
        ],
      });
    },
  };

  function empty(el) {
    el.textContent = '暂无数据';
    el.classList.add('empty');
  }

  function draw() {
    var block = document.getElementById('renewal-data');
    var charts = {};
    window.anjuCharts = charts;
    if (!block) return;
    var data = JSON.parse(block.textContent);
    var pending = 0;
    function done() {
      pending -= 1;
      if (pending === 0) document.body.dataset.chartsReady = '1';
    }
    Array.prototype.slice.call(document.querySelectorAll('[data-chart]')).forEach(function (el) {
      var build = BUILDERS[el.dataset.chart];
      var option = build ? build(data) : null;
      if (!option) { empty(el); return; }
      var chart = echarts.init(el, null, { renderer: 'canvas' });
      pending += 1;
      chart.on('finished', function once() { chart.off('finished', once); done(); });
      chart.setOption(option);
      charts[el.dataset.chart] = chart;
    });
    if (pending === 0) document.body.dataset.chartsReady = '1';
    var timer = null;
    window.addEventListener('resize', function () {
      clearTimeout(timer);
      timer = setTimeout(function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); }, 150);
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', draw);
  else draw();
})();
