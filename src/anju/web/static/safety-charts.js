// Charts of the house-safety overview (/safety): the page holds its figures in a JSON data block
// (#safety-data) and one element per chart with data-chart="…"; this script draws each with ECharts
// (vendored). No inline script: the CSP allows same-origin script files only. Every chart has its table
// and CSV beside it; a chart without data shows 暂无数据.
(function () {
  'use strict';

  var FONT = '"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif';
  var GRADE_COLOURS = ['#2e7d32', '#9ccc65', '#ff9800', '#c62828'];

  var BUILDERS = {
    grades: function (d) {
      if (!d.districts.length) return null;
      var names = d.districts.map(function (r) { return r.name; });
      var keys = [['grade_a', 'A 级'], ['grade_b', 'B 级'], ['grade_c', 'C 级'], ['grade_d', 'D 级']];
      return {
        color: GRADE_COLOURS,
        textStyle: { fontFamily: FONT },
        tooltip: { trigger: 'axis', confine: true },
        legend: { top: 0 },
        grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
        xAxis: { type: 'category', data: names, axisLabel: { interval: 0, rotate: 30 } },
        yAxis: { type: 'value', name: '鉴定份数' },
        series: keys.map(function (k) {
          return { name: k[1], type: 'bar', stack: 'grades', data: d.districts.map(function (r) { return r[k[0]]; }) };
        }),
      };
    },
    review: function (d) {
      var c = d.city, r = d.reference;
      return {
        color: ['#0b57a4', '#b0bec5'],
        textStyle: { fontFamily: FONT },
        tooltip: { trigger: 'axis', confine: true },
        legend: { top: 0 },
        grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
        xAxis: { type: 'category', data: ['已排查楼幢', '已治理危房', '备案鉴定机构'] },
        yAxis: { type: 'log', name: '（对数刻度）' },
        series: [
          { name: '平台记录', type: 'bar', data: [c.inspected || null, c.remediated || null, c.agencies || null] },
          { name: '参考：' + r.period, type: 'bar',
            data: [r.inspected_buildings, r.dangerous_remediated, r.filed_agencies] },
        ],
      };
    },
  };

  function empty(el) {
    el.textContent = '暂无数据';
    el.classList.add('chart-empty');
  }

  function draw() {
    var block = document.getElementById('safety-data');
    if (!block || typeof echarts === 'undefined') return;
    var data = JSON.parse(block.textContent);
    document.querySelectorAll('[data-chart]').forEach(function (el) {
      var build = BUILDERS[el.dataset.chart];
      var option = build ? build(data) : null;
      if (!option) {
        empty(el);
        return;
      }
      echarts.init(el, null, { renderer: 'canvas' }).setOption(option);
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', draw);
  else draw();
})();
