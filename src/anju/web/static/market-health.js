// Charts of the market health evaluation (/market/health) and the forecasts (/market/forecasts).
// Each page holds its figures in a JSON data block (#health-data, #forecast-data) and one element per
// chart with data-chart="…"; this script draws each with ECharts (vendored). No inline script, no eval
// (CSP). Every chart has its table on the page; a chart without data is left out.
(function () {
  'use strict';

  var COLOURS = ['#b3261e', '#0b57a4', '#2e7d32', '#ef6c00', '#6a1b9a', '#00838f', '#5d4037', '#c2185b',
    '#455a64', '#827717', '#1565c0', '#ad1457', '#00695c'];
  var FONT = '"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif';

  function base(extra) {
    var o = {
      color: COLOURS,
      textStyle: { fontFamily: FONT },
      tooltip: { confine: true },
      legend: { top: 0, type: 'scroll' },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
    };
    Object.keys(extra).forEach(function (k) { o[k] = extra[k]; });
    return o;
  }

  function read(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  var BUILDERS = {
    // radar of the seven dimensions, one polygon per area, for the chosen month
    radar: function (d) {
      var codes = Object.keys(d.dimensions);
      if (!d.areas.length) return null;
      // a missing score is a gap (数据不足), never 0; the city and one district are shown by default,
      // the others can be added from the legend
      var selected = {};
      d.areas.forEach(function (a) { selected[a.name] = !d.selected || d.selected.indexOf(a.name) >= 0; });
      return base({
        tooltip: { trigger: 'item', confine: true },
        legend: { top: 0, type: 'scroll', selected: selected },
        radar: { indicator: codes.map(function (c) { return { name: d.dimensions[c], max: 100 }; }), radius: '62%', center: ['50%', '56%'] },
        series: [{
          type: 'radar',
          data: d.areas.map(function (a) {
            return { name: a.name, value: codes.map(function (c) { var v = a.scores[c]; return v === null || v === undefined ? null : Math.round(v * 10) / 10; }) };
          }),
        }],
      });
    },

    // the total score of each area over the scored months
    totals: function (d) {
      var names = Object.keys(d.totals);
      if (!names.length) return null;
      return base({
        tooltip: { trigger: 'axis', confine: true },
        xAxis: { type: 'category', data: d.months },
        yAxis: { type: 'value', min: 0, max: 100, name: '综合评分' },
        series: names.map(function (n) {
          return { name: n, type: 'line', connectNulls: false, data: d.totals[n].map(function (v) { return v === null ? null : Math.round(v * 10) / 10; }) };
        }),
      });
    },

    // actual values, the forecast and its interval (a band stacked between lower and upper)
    forecast: function (d, el) {
      var s = d.series[Number(el.getAttribute('data-series'))];
      if (!s || !s.model) return null;
      var months = s.points.map(function (p) { return p.month; });
      var lower = s.points.map(function (p) { return p.lower; });
      var band = s.points.map(function (p) { return p.upper === null || p.lower === null ? null : p.upper - p.lower; });
      return base({
        tooltip: { trigger: 'axis', confine: true },
        legend: { top: 0, type: 'scroll', data: ['实际', '预测', '80% 区间'] },
        xAxis: { type: 'category', data: months },
        yAxis: { type: 'value', scale: true },
        series: [
          { name: '实际', type: 'line', data: s.points.map(function (p) { return p.actual; }) },
          { name: '预测', type: 'line', lineStyle: { type: 'dashed' }, data: s.points.map(function (p) { return p.value; }) },
          { name: '区间下限', type: 'line', stack: 'band', symbol: 'none', lineStyle: { opacity: 0 }, data: lower },
          { name: '80% 区间', type: 'line', stack: 'band', symbol: 'none', lineStyle: { opacity: 0 }, areaStyle: { opacity: 0.2 }, data: band },
        ],
      });
    },
  };

  function draw() {
    if (!window.echarts) return;
    var data = read('health-data') || read('forecast-data');
    if (!data) return;
    document.querySelectorAll('[data-chart]').forEach(function (el) {
      var build = BUILDERS[el.getAttribute('data-chart')];
      var option = build && build(data, el);
      if (!option) { el.hidden = true; return; }
      var chart = window.echarts.init(el);
      chart.setOption(option);
      window.addEventListener('resize', function () { chart.resize(); });
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', draw);
  else draw();
})();
