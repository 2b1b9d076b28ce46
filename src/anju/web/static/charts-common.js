// What the pages' ECharts scripts share (plan-charts.js, renewal-progress.js): the page holds its data
// in a JSON block and one box per chart with data-chart="…"; a page script names its builders (data →
// ECharts option, or null for "no data") and calls anjuChartsCommon.run. Each chart is drawn with the
// vendored ECharts on a canvas; a chart without data shows 暂无数据; document.body.dataset.chartsReady is
// '1' once every chart has finished drawing (the browser tests wait for it); window.anjuCharts holds
// the charts by name; they follow the window's size. No inline script (CSP).
(function () {
  'use strict';

  var FONT = '"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif';

  // The options every chart starts from, with ``extra`` laid over them.
  function base(extra, colours) {
    var o = {
      textStyle: { fontFamily: FONT },
      tooltip: { trigger: 'axis', confine: true },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
    };
    if (colours) o.color = colours;
    Object.keys(extra).forEach(function (k) { o[k] = extra[k]; });
    return o;
  }

  function empty(el) {
    el.textContent = '暂无数据';
    el.classList.add('empty');
  }

  function draw(blockIds, builders) {
    var block = null;
    blockIds.forEach(function (id) { block = block || document.getElementById(id); });
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
      var build = builders[el.dataset.chart];
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

  // Draw the page's charts from the first JSON block found of ``blockIds`` once the page is parsed.
  function run(blockIds, builders) {
    function go() { draw(blockIds, builders); }
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', go);
    else go();
  }

  window.anjuChartsCommon = { FONT: FONT, base: base, empty: empty, run: run };
})();
