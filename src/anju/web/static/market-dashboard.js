// Charts of the market monitoring dashboard (市场监测, /market) and the public page of the published
// figures (市场数据发布, /market/public). The page holds its figures in a JSON data block
// (#market-data) and one element per chart with data-chart="…"; this script draws each with ECharts
// (vendored). No inline script, no eval (CSP). Every chart has its table and a CSV download beside it on
// the page; a chart without data shows 暂无数据 instead.
(function () {
  'use strict';

  var COLOURS = ['#b3261e', '#0b57a4', '#2e7d32', '#ef6c00', '#6a1b9a', '#00838f', '#795548', '#c2185b', '#455a64', '#9e9d24', '#5d4037', '#1565c0'];
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

  function pick(xs, f) { return xs.map(f); }

  var BUILDERS = {
    // supply pipeline of one area: land parcels, permitted homes, new sales and resales as bars,
    // inventory and months of supply as lines
    supply: function (d) {
      var pts = d.supply && d.supply.points;
      if (!pts || !pts.length) return null;
      return base({
        xAxis: { type: 'category', data: pick(pts, function (p) { return p.month; }) },
        yAxis: [
          { type: 'value', name: '套 / 宗', minInterval: 1 },
          { type: 'value', name: '去化周期（月）', splitLine: { show: false } },
        ],
        series: [
          { name: '预售许可套数', type: 'bar', data: pick(pts, function (p) { return p.permitted_homes; }) },
          { name: '新建成交', type: 'bar', data: pick(pts, function (p) { return p.new_sales; }) },
          { name: '二手成交', type: 'bar', data: pick(pts, function (p) { return p.resales; }) },
          { name: '可售库存', type: 'line', data: pick(pts, function (p) { return p.inventory_homes; }) },
          { name: '出让地块', type: 'bar', data: pick(pts, function (p) { return p.land_parcels; }) },
          { name: '去化周期', type: 'line', yAxisIndex: 1, lineStyle: { type: 'dashed' }, data: pick(pts, function (p) { return p.months_of_supply; }) },
        ],
      });
    },

    // the fixed-base index of every visible area (or the chosen one)
    indices: function (d) {
      var series = d.indices && d.indices.series;
      if (!series || !series.length) return null;
      var months = {};
      series.forEach(function (s) { s.points.forEach(function (p) { months[p.month] = true; }); });
      var axis = Object.keys(months).sort();
      return base({
        xAxis: { type: 'category', data: axis },
        yAxis: { type: 'value', name: '定基指数', scale: true },
        series: series.map(function (s) {
          var at = {};
          s.points.forEach(function (p) { at[p.month] = p.value; });
          return {
            name: s.area.name, type: 'line', connectNulls: false, showSymbol: false,
            lineStyle: { width: s.area.city ? 3 : 1.5 },
            data: axis.map(function (m) { return at[m] === undefined ? null : at[m]; }),
          };
        }),
      });
    },

    // the seven dimensions of every visible area in the month
    radar: function (d) {
      var radar = d.health && d.health.radar;
      if (!radar || !radar.length) return null;
      var dims = Object.keys(d.dimensions).filter(function (k) { return k !== 'total'; });
      // a missing score is a gap (数据不足), never 0; by default the city and the chosen district only,
      // the others can be added from the legend
      var selected = {};
      radar.forEach(function (r) { selected[r.area.name] = r.area.city || r.area.code === d.area || radar.length <= 2; });
      if (!radar.some(function (r) { return !r.area.city && selected[r.area.name]; })) {
        var first = radar.filter(function (r) { return !r.area.city; })[0];
        if (first) selected[first.area.name] = true;
      }
      return base({
        tooltip: { trigger: 'item', confine: true },
        legend: { top: 0, type: 'scroll', selected: selected },
        radar: { indicator: dims.map(function (k) { return { name: d.dimensions[k], max: 100 }; }), radius: '65%', center: ['50%', '55%'] },
        series: [{
          type: 'radar',
          data: radar.map(function (r) {
            return { name: r.area.name, value: dims.map(function (k) { var v = r.scores[k]; return v === undefined || v === null ? null : v; }) };
          }),
        }],
      });
    },

    // one area's dimension scores over time
    'health-history': function (d) {
      var hist = d.health && d.health.history;
      if (!hist || !hist.length) return null;
      var dims = Object.keys(d.dimensions);
      return base({
        xAxis: { type: 'category', data: pick(hist, function (p) { return p.month; }) },
        yAxis: { type: 'value', name: '评分', min: 0, max: 100 },
        series: dims.map(function (k) {
          return {
            name: d.dimensions[k], type: 'line', showSymbol: false,
            lineStyle: { width: k === 'total' ? 3 : 1.2 },
            data: pick(hist, function (p) { return p.scores[k] === undefined ? null : p.scores[k]; }),
          };
        }),
      });
    },

    // public page: sales of the month by district (withheld figures are gaps)
    'public-sales': function (d) {
      var areas = d.figures && d.figures.areas.filter(function (a) { return !a.city; });
      if (!areas || !areas.length) return null;
      return base({
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
        xAxis: { type: 'category', data: pick(areas, function (a) { return a.name; }), axisLabel: { rotate: areas.length > 8 ? 40 : 0 } },
        yAxis: { type: 'value', name: '套', minInterval: 1 },
        series: [
          { name: '新建商品住宅', type: 'bar', data: pick(areas, function (a) { return a.new.sales; }) },
          { name: '二手住宅', type: 'bar', data: pick(areas, function (a) { return a.resale.sales; }) },
        ],
      });
    },

    // public page: the city's published index and its year-on-year change over the published months
    'public-trend': function (d) {
      var t = d.trend;
      if (!t || !t.length) return null;
      return base({
        xAxis: { type: 'category', data: pick(t, function (p) { return p.month; }) },
        yAxis: { type: 'value', name: '同比（上年同月=100）', scale: true },
        series: [
          { name: '新建商品住宅', type: 'line', data: pick(t, function (p) { return p.new_yoy; }) },
          { name: '二手住宅', type: 'line', data: pick(t, function (p) { return p.resale_yoy; }) },
        ],
      });
    },
  };

  function empty(el) {
    el.classList.add('chart-empty');
    el.textContent = '暂无数据';
  }

  function draw() {
    var block = document.getElementById('market-data');
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
