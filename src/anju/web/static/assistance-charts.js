// Charts of the figures pages (保障性住房指标 /assistance/figures, 人才安居分析 /assistance/talent).
// The page holds its figures in a JSON data block (#figures-data) and one element per chart with
// data-chart="…"; this script draws each with ECharts (vendored, /static/vendor/echarts). No inline
// script, no eval: the page's CSP allows only same-origin script files. Every chart also has a table
// and a CSV download beside it on the page; a chart without data shows 暂无数据 instead.
(function () {
  'use strict';

  var COLOURS = ['#b3261e', '#0b57a4', '#2e7d32', '#ef6c00', '#6a1b9a', '#00838f', '#8d6e63', '#c2185b', '#546e7a'];
  var FONT = '"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif';

  function sum(values) {
    return values.reduce(function (a, b) { return a + (b || 0); }, 0);
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
    coverage: function (d) {
      var c = d.coverage;
      if (c.rate_percent === null) return null;
      var max = Math.max(40, Math.ceil((Math.max(c.rate_percent, c.target_percent) * 1.25) / 10) * 10);
      return {
        textStyle: { fontFamily: FONT },
        series: [{
          type: 'gauge', min: 0, max: max, startAngle: 210, endAngle: -30, radius: '92%',
          axisLine: { lineStyle: { width: 14, color: [[c.target_percent / max, '#e8a29e'], [1, '#9fd8a8']] } },
          pointer: { width: 5 },
          axisTick: { distance: -14, length: 6 },
          splitLine: { distance: -14, length: 14 },
          axisLabel: { distance: 18, formatter: '{value}%' },
          title: { offsetCenter: [0, '72%'], fontSize: 13 },
          detail: { valueAnimation: true, formatter: '{value}%', offsetCenter: [0, '42%'], fontSize: 24 },
          data: [{ value: c.rate_percent, name: '覆盖率（目标 ≥ ' + c.target_percent + '%）' }],
        }],
      };
    },

    'supply-years': function (d) {
      var s = d.supply;
      if (!sum(s.programmes.map(function (p) { return p.total; }))) return null;
      var years = s.years.map(String);
      var series = s.programmes.filter(function (p) { return p.total; }).map(function (p) {
        return {
          name: p.name, type: 'bar', stack: p.counts_towards_plan ? 'plan' : p.programme_code,
          data: p.by_year.map(function (y) { return y.homes; }),
        };
      });
      if (s.targets_cover_city) {
        var target = {};
        s.plan_years.forEach(function (y) { target[String(y.year)] = y.target; });
        series.push({
          name: '保障性住房年度计划', type: 'line', symbol: 'diamond', symbolSize: 9, connectNulls: false,
          data: years.map(function (y) { return y in target ? target[y] : null; }),
        });
      }
      return base({ xAxis: { type: 'category', data: years }, yAxis: { type: 'value', name: '套', minInterval: 1 }, series: series });
    },

    'supply-plan': function (d) {
      var rows = d.supply.programmes.filter(function (p) { return p.target; });
      if (!rows.length) return null;
      var series = [{ name: '规划期供应', type: 'bar', data: rows.map(function (p) { return p.period_total; }) }];
      if (d.supply.targets_cover_city) {
        series.push({ name: '五年目标（全市）', type: 'bar', data: rows.map(function (p) { return p.target; }) });
      }
      return base({
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
        xAxis: { type: 'value', name: '套', minInterval: 1 },
        yAxis: { type: 'category', inverse: true, data: rows.map(function (p) { return p.name; }) },
        series: series,
      });
    },

    applications: function (d) {
      var a = d.applications;
      if (!a.total) return null;
      var used = a.statuses.filter(function (st, i) {
        return sum(a.programmes.map(function (p) { return p.by_status[i].count; }));
      });
      var index = {};
      a.statuses.forEach(function (st, i) { index[st.status] = i; });
      return base({
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
        xAxis: { type: 'value', name: '件', minInterval: 1 },
        yAxis: { type: 'category', inverse: true, data: a.programmes.map(function (p) { return p.name; }) },
        series: used.map(function (st) {
          return {
            name: st.label, type: 'bar', stack: 'all',
            data: a.programmes.map(function (p) { return p.by_status[index[st.status]].count; }),
          };
        }),
      });
    },

    times: function (d) {
      var t = d.times;
      if (!t.waiting.length && !t.approval.length) return null;
      var names = [];
      var wait = {};
      var appr = {};
      t.waiting.forEach(function (w) { if (names.indexOf(w.name) < 0) names.push(w.name); wait[w.name] = w.median_days; });
      t.approval.forEach(function (p) {
        if (names.indexOf(p.name) < 0) names.push(p.name);
        appr[p.name] = p.overall.median_days;
      });
      return base({
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
        xAxis: { type: 'category', data: names, axisLabel: { interval: 0, rotate: names.length > 4 ? 20 : 0 } },
        yAxis: { type: 'value', name: '天（中位数）' },
        series: [
          { name: '审批：提交至决定', type: 'bar', data: names.map(function (n) { return n in appr ? appr[n] : null; }) },
          { name: '轮候：提交至选房', type: 'bar', data: names.map(function (n) { return n in wait ? wait[n] : null; }) },
        ],
      });
    },

    monthly: function (d) {
      var m = d.monthly;
      if (!m.months.length) return null;
      var series = m.series.map(function (s) {
        return { name: s.name, type: 'line', symbolSize: 4, data: s.counts };
      });
      series.push({ name: '合计', type: 'line', lineStyle: { type: 'dashed' }, symbolSize: 4, data: m.totals });
      return base({ xAxis: { type: 'category', data: m.months }, yAxis: { type: 'value', name: '件', minInterval: 1 }, series: series });
    },

    'talent-tiers': function (d) {
      var rows = d.talent.tiers;
      if (!sum(rows.map(function (r) { return r.applications + r.beneficiaries; }))) return null;
      return base({
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
        xAxis: { type: 'category', data: rows.map(function (r) { return r.tier.length === 1 ? r.tier + ' 类' : r.tier; }) },
        yAxis: { type: 'value', minInterval: 1 },
        series: [
          { name: '申请数', type: 'bar', data: rows.map(function (r) { return r.applications; }) },
          { name: '受益人数', type: 'bar', data: rows.map(function (r) { return r.beneficiaries; }) },
        ],
      });
    },

    'talent-districts': function (d) {
      var rows = d.talent.districts;
      if (!rows.length) return null;
      return base({
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
        xAxis: { type: 'category', data: rows.map(function (r) { return r.name; }), axisLabel: { interval: 0, rotate: rows.length > 6 ? 30 : 0 } },
        yAxis: { type: 'value', name: '套', minInterval: 1 },
        series: [
          { name: '人才安居住房供应', type: 'bar', data: rows.map(function (r) { return r.homes; }) },
          { name: '专栏5目标', type: 'bar', data: rows.map(function (r) { return r.homes_target; }) },
        ],
      });
    },

    'talent-industries': function (d) {
      var rows = d.talent.industries.slice(0, 15);
      if (!rows.length) return null;
      return base({
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
        xAxis: { type: 'value', minInterval: 1 },
        yAxis: { type: 'category', inverse: true, data: rows.map(function (r) { return r.industry; }) },
        series: [
          { name: '申请数', type: 'bar', data: rows.map(function (r) { return r.applications; }) },
          { name: '受益人数', type: 'bar', data: rows.map(function (r) { return r.beneficiaries; }) },
        ],
      });
    },

    'talent-months': function (d) {
      var rows = d.talent.months;
      if (!rows.length) return null;
      return base({
        xAxis: { type: 'category', data: rows.map(function (r) { return r.month; }) },
        yAxis: { type: 'value', minInterval: 1 },
        series: [
          { name: '申请数', type: 'line', symbolSize: 4, data: rows.map(function (r) { return r.applications; }) },
          { name: '新增受益人数', type: 'line', symbolSize: 4, data: rows.map(function (r) { return r.beneficiaries; }) },
        ],
      });
    },
  };

  function empty(el) {
    var p = document.createElement('p');
    p.className = 'empty';
    p.textContent = '暂无数据';
    el.replaceWith(p);
  }

  function draw() {
    var block = document.getElementById('figures-data');
    var charts = {};
    window.anjuCharts = charts;
    if (!block) return;
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
