// Charts of the renewal progress pages (规划进度 /renewal/progress, 公开 /renewal/public). The page holds
// the progress in a JSON block (#renewal-data, the API's /api/v1/renewal/progress shape) and one box per
// chart with data-chart="…"; this script names the builders and charts-common.js draws them. No
// inline script (CSP). Every chart has the table beside it on the page; a chart without data shows 暂无数据.
(function () {
  'use strict';

  var COLOURS = ['#90caf9', '#2e7d32', '#ef6c00'];

  function num(v) { return Number(v) || 0; }

  function base(extra) { return anjuChartsCommon.base(extra, COLOURS); }

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

  anjuChartsCommon.run(['renewal-data'], BUILDERS);
})();
