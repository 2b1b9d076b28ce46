// Charts of the rent monitoring dashboard (住房租金监测, /rental/monitoring).
// The page holds its figures in a JSON data block (#monitoring-data) and one element per chart with
// data-chart="…"; this script draws each with ECharts (vendored, /static/vendor/echarts). No inline
// script, no eval (CSP). Every chart has a table and CSV/Excel downloads beside it on the page; a
// chart without data shows 暂无数据 instead.
(function () {
  'use strict';

  var COLOURS = ['#b3261e', '#0b57a4', '#2e7d32', '#ef6c00', '#6a1b9a', '#00838f'];
  var FONT = '"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif';

  function yuan(fen) {
    return fen === null || fen === undefined ? null : Math.round(fen) / 100;
  }

  function base(extra) {
    var o = {
      color: COLOURS,
      textStyle: { fontFamily: FONT },
      tooltip: { trigger: 'axis', confine: true },
      legend: { top: 0, type: 'scroll' },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
    };
    Object.keys(extra).forEach(function (k) { o[k] = extra[k]; });
    return o;
  }

  var BUILDERS = {
    // line chart of the area's (or a street's) median and mean rent per m², with lease counts as bars
    series: function (d) {
      var pts = d.series.points;
      if (!pts.some(function (p) { return p.leases; })) return null;
      return base({
        xAxis: { type: 'category', data: pts.map(function (p) { return p.month; }) },
        yAxis: [
          { type: 'value', name: '元/㎡·月', scale: true },
          { type: 'value', name: '合同数', minInterval: 1, splitLine: { show: false } },
        ],
        series: [
          { name: '中位数', type: 'line', connectNulls: false, data: pts.map(function (p) { return yuan(p.median_fen_m2); }) },
          { name: '均值', type: 'line', connectNulls: false, lineStyle: { type: 'dashed' }, data: pts.map(function (p) { return yuan(p.mean_fen_m2); }) },
          { name: '合同数', type: 'bar', yAxisIndex: 1, itemStyle: { opacity: 0.35 }, data: pts.map(function (p) { return p.leases; }) },
        ],
      });
    },

    // bars of the streets' median rent per m², with their year-on-year and month-on-month changes
    streets: function (d) {
      var rows = d.streets.streets.filter(function (r) { return r.leases; });
      if (!rows.length) return null;
      return base({
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
        xAxis: { type: 'category', data: rows.map(function (r) { return r.street_name; }), axisLabel: { rotate: rows.length > 8 ? 40 : 0 } },
        yAxis: [
          { type: 'value', name: '元/㎡·月' },
          { type: 'value', name: '%', splitLine: { show: false } },
        ],
        series: [
          { name: '中位数', type: 'bar', data: rows.map(function (r) { return yuan(r.median_fen_m2); }) },
          { name: '同比 %', type: 'line', yAxisIndex: 1, connectNulls: false, data: rows.map(function (r) { return r.yoy_pct; }) },
          { name: '环比 %', type: 'line', yAxisIndex: 1, connectNulls: false, data: rows.map(function (r) { return r.mom_pct; }) },
        ],
      });
    },
  };

  function empty(el) {
    el.classList.add('chart-empty');
    el.textContent = '暂无数据';
  }

  function draw() {
    var block = document.getElementById('monitoring-data');
    var charts = {};
    window.anjuCharts = charts;
    if (!block || typeof echarts === 'undefined') return;
    var data = JSON.parse(block.textContent);
    var boxes = Array.prototype.slice.call(document.querySelectorAll('[data-chart]'));
    var pending = 0;
    function done() {
      pending -= 1;
      if (pending === 0) document.body.dataset.chartsReady = '1';
    }
    boxes.forEach(function (el) {
      var build = BUILDERS[el.dataset.chart];
      var option = build ? build(data) : null;
      if (!option) {
        empty(el);
        return;
      }
      var chart = echarts.init(el, null, { renderer: 'canvas' });
      pending += 1;
      chart.on('finished', function once() {
        chart.off('finished', once);
        done();
      });
      chart.setOption(option);
      charts[el.dataset.chart] = chart;
    });
    if (pending === 0) document.body.dataset.chartsReady = '1';
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
