// Charts of the plan monitoring pages (规划实施监测 /plan, 公开 /plan/public). The page holds its data in a
// JSON block (#plan-data: the API's /api/v1/plan/progress shape; #plan-public-data: the reported figures)
// and one box per chart with data-chart="…"; this script names the builders and charts-common.js draws
// them. No inline script (CSP). Every chart has its table beside it on the page; a chart without data shows 暂无数据.
(function () {
  'use strict';

  var STATUS_COLOURS = { achieved: '#2e7d32', on_track: '#0b57a4', behind: '#b3261e', no_data: '#9e9e9e' };

  function num(v) { return v === null || v === undefined ? null : Number(v); }

  function base(extra) { return anjuChartsCommon.base(extra); }

  function rate(t, v) {
    var target = num(t.target);
    return v === null || !target ? null : Math.round(v / target * 1000) / 10;
  }

  var BUILDERS = {
    rates: function (d) {
      var ts = d.targets.filter(function (t) { return !t.year && t.area_code === d.city; });
      if (!ts.length) return null;
      return base({
        xAxis: { type: 'category', data: ts.map(function (t) { return t.label; }), axisLabel: { interval: 0, rotate: 30 } },
        yAxis: { type: 'value', name: '% 目标' },
        series: [
          {
            name: '完成率', type: 'bar',
            data: ts.map(function (t) {
              return { value: num(t.percent), itemStyle: { color: STATUS_COLOURS[t.status] } };
            }),
            markLine: { symbol: 'none', data: [{ yAxis: 100, name: '目标' }], lineStyle: { color: '#b3261e' } },
          },
          {
            name: '按进度应达', type: 'line', symbol: 'diamond',
            data: ts.map(function (t) { return rate(t, num(t.expected)); }),
          },
        ],
      });
    },
    years: function (d) {
      var ts = d.targets.filter(function (t) { return !t.year && t.years.length && t.area_code === d.city; });
      if (!ts.length) return null;
      var years = ts[0].years.map(function (y) { return y.year; });
      return base({
        legend: { top: 0, type: 'scroll' },
        xAxis: { type: 'category', data: years.map(function (y) { return y + ' 年'; }) },
        yAxis: { type: 'value', name: '% 目标' },
        series: ts.map(function (t) {
          var running = 0;
          return {
            name: t.label, type: 'line',
            data: t.years.map(function (y) {
              var v = num(y.value);
              if (v === null) return null;
              if (t.period === 'cumulative') { running += v; v = running; }
              return rate(t, v);
            }),
          };
        }),
      });
    },
    areas: function (d) {
      var ts = d.targets.filter(function (t) { return t.area_code !== d.city; });
      if (!ts.length) return null;
      return base({
        xAxis: {
          type: 'category', axisLabel: { interval: 0, rotate: 40 },
          data: ts.map(function (t) { return t.area_name + (t.year ? ' ' + t.year : '') + ' ' + t.label; }),
        },
        yAxis: { type: 'value', name: '% 目标' },
        series: [{
          name: '完成率', type: 'bar',
          data: ts.map(function (t) { return { value: num(t.percent), itemStyle: { color: STATUS_COLOURS[t.status] } }; }),
        }],
      });
    },
    public: function (d) {
      if (!d.rows.length || !d.years.length) return null;
      return base({
        legend: { top: 0, type: 'scroll' },
        xAxis: { type: 'category', data: d.years.map(function (y) { return y + ' 年'; }) },
        yAxis: { type: 'value', name: '% 目标' },
        series: d.rows.slice(0, 20).map(function (r) {
          return {
            name: r.label + (r.area ? '（' + r.area + '）' : ''), type: 'line',
            data: d.years.map(function (y) { return rate({ target: r.target }, num(r.values[String(y)])); }),
          };
        }),
      });
    },
  };

  anjuChartsCommon.run(['plan-data', 'plan-public-data'], BUILDERS);
})();
