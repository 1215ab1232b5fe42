// The script of `qml-data report`'s page: draws the data embedded in #report-data with Apache ECharts
// (inlined before this script). Plain browser JavaScript, no network. window.qmlReport holds the charts
// and the data, for the browser tests and for anyone poking at the page from the console.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var report = { data: data, coverage: {}, values: null, universe: {}, collector: {} };
  window.qmlReport = report;

  var STATE_COLORS = { complete: '#2e7d32', gap: '#e53935', unrecoverable: '#6d4c41', maintenance: '#fb8c00' };
  // a cell's level: complete, maintenance, unrecoverable, then gaps by how much is missing
  var LEVELS = [
    { value: 0, label: 'complete', color: STATE_COLORS.complete },
    { value: 1, label: 'maintenance (venue-wide halt)', color: STATE_COLORS.maintenance },
    { value: 2, label: 'unrecoverable (recorded)', color: STATE_COLORS.unrecoverable },
    { value: 3, label: 'gap: ≥ 90% present', color: '#f48fb1' },
    { value: 4, label: 'gap: 50–90% present', color: '#e53935' },
    { value: 5, label: 'gap: < 50% present', color: '#8e0000' },
  ];

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) {
      if (k === 'text') e.textContent = attrs[k];
      else e.setAttribute(k, attrs[k]);
    }
    (children || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }
  function iso(t) { return t === null || t === undefined ? '—' : new Date(t).toISOString().replace('.000Z', 'Z'); }
  function num(v) { return v === null || v === undefined ? '—' : Number(v).toLocaleString('en-US'); }
  function table(head, rows, cls) {
    var t = el('table', cls ? { class: cls } : {});
    t.appendChild(el('thead', {}, [el('tr', {}, head.map(function (h) { return el('th', { text: h }); }))]));
    var body = el('tbody');
    rows.forEach(function (r) {
      var tr = el('tr', r.cls ? { class: r.cls } : {});
      r.cells.forEach(function (c) { tr.appendChild(el('td', { text: c === null || c === undefined ? '' : String(c) })); });
      body.appendChild(tr);
    });
    t.appendChild(body);
    return t;
  }
  function chartIn(container, height) {
    var div = el('div', { class: 'chart', style: 'height:' + height + 'px' });
    container.appendChild(div);
    return echarts.init(div, null, { renderer: 'canvas' });
  }

  // each chart is drawn in its own task, so the page paints and answers between them (no long stall)
  var tasks = [];
  function later(fn) { tasks.push(fn); }

  // ---- coverage: a heatmap per dataset, a row per store, a column per day
  function levelOf(cell) {
    var state = data.states[cell[3]];
    if (state === 'complete') return 0;
    if (state === 'maintenance') return 1;
    if (state === 'unrecoverable') return 2;
    return cell[2] >= 0.9 ? 3 : cell[2] >= 0.5 ? 4 : 5;
  }
  function cellText(section, cell) {
    var row = section.rows[cell[1]];
    var lines = [
      section.dataset + ' · ' + row.label,
      data.window.days[cell[0]] + ': ' + num(cell[4]) + ' of ' + num(cell[5]) + ' rows (' + (cell[2] * 100).toFixed(2) + '%)',
      'state: ' + data.states[cell[3]],
    ];
    if (cell[6] !== null) lines.push('missing: first ' + iso(cell[6]) + ', last ' + iso(cell[7]));
    return lines;
  }
  var coverageBox = document.getElementById('coverage-charts');
  var detail = document.getElementById('cell-detail');
  if (data.coverage.length === 0) coverageBox.appendChild(el('p', { text: 'No stores in the window.' }));
  data.coverage.forEach(function (section) { later(function () {
    var cells = [];
    for (var i = 0; i < section.cells.length; i += 8) {
      var c = section.cells.slice(i, i + 8);
      c.push(levelOf(c));
      cells.push(c);
    }
    var rowPx = Math.max(4, Math.min(16, Math.floor(900 / Math.max(1, section.rows.length))));
    var box = el('div', { class: 'heatmap', 'data-dataset': section.dataset }, [el('h3', { text: section.dataset + ' (' + section.rows.length + ' stores)' })]);
    coverageBox.appendChild(box);
    var chart = chartIn(box, section.rows.length * rowPx + 90);
    chart.setOption({
      animation: false,
      tooltip: { confine: true, formatter: function (p) { return cellText(section, p.data).join('<br>'); } },
      grid: { left: 190, right: 20, top: 36, bottom: 40 },
      xAxis: { type: 'category', data: data.window.days, axisLabel: { hideOverlap: true } },
      yAxis: { type: 'category', data: section.rows.map(function (r) { return r.label; }), inverse: true, axisLabel: { fontSize: Math.min(11, rowPx), interval: rowPx >= 9 ? 0 : 'auto' } },
      visualMap: { type: 'piecewise', dimension: 8, pieces: LEVELS, orient: 'horizontal', top: 0, left: 190, itemWidth: 12, textStyle: { fontSize: 11 } },
      series: [{ type: 'heatmap', data: cells, encode: { x: 0, y: 1 }, progressive: 20000, emphasis: { itemStyle: { borderColor: '#000', borderWidth: 1 } } }],
    });
    chart.on('click', function (p) {
      detail.textContent = '';
      cellText(section, p.data).forEach(function (l) { detail.appendChild(el('div', { text: l })); });
      detail.appendChild(el('div', { class: 'path', text: section.rows[p.data[1]].path }));
    });
    report.coverage[section.dataset] = chart;
  }); });

  // ---- health: validate's findings by code, then by store, failing first
  var healthBody = document.getElementById('health-body');
  var byCode = {};
  var statusCount = { fail: 0, warn: 0, ok: 0 };
  data.health.forEach(function (s) {
    statusCount[s.status] = (statusCount[s.status] || 0) + 1;
    s.findings.forEach(function (f) {
      var k = f.code + ' ' + f.severity;
      byCode[k] = byCode[k] || { code: f.code, severity: f.severity, stores: 0, count: 0 };
      byCode[k].stores++;
      byCode[k].count += f.count;
    });
  });
  healthBody.appendChild(el('p', { class: 'summary', text: data.health.length + ' store(s): ' + statusCount.fail + ' fail, ' + statusCount.warn + ' warn, ' + statusCount.ok + ' ok' }));
  var codes = Object.keys(byCode).map(function (k) { return byCode[k]; }).sort(function (a, b) { return (a.severity === 'fail' ? 0 : 1) - (b.severity === 'fail' ? 0 : 1) || b.stores - a.stores; });
  healthBody.appendChild(table(['finding', 'severity', 'stores', 'count'], codes.map(function (c) { return { cls: c.severity, cells: [c.code, c.severity, c.stores, c.count] }; }), 'codes'));
  var bad = data.health.filter(function (s) { return s.status !== 'ok'; });
  healthBody.appendChild(table(['status', 'dataset', 'store', 'findings'], bad.map(function (s) {
    return { cls: s.status, cells: [s.status, s.dataset, s.label, s.findings.map(function (f) { return f.code + ': ' + f.message; }).join('; ')] };
  }), 'stores'));
  if (bad.length === 0) healthBody.appendChild(el('p', { text: 'Every store passes.' }));

  // ---- universe: members over time, entries and exits, the current members
  var uniBody = document.getElementById('universe-body');
  if (data.universe.length === 0) uniBody.appendChild(el('p', { text: 'No universe in this folder (run qml-data universe refresh or collect).' }));
  data.universe.forEach(function (u) {
    var box = el('div', { class: 'venue' }, [el('h3', { text: u.exchange })]);
    uniBody.appendChild(box);
    var dates = u.sizes.map(function (s) { return s.date; });
    var entries = {}, exits = {};
    u.changes.forEach(function (c) { entries[c.date] = c.added.length; exits[c.date] = c.removed.length; });
    var chart = chartIn(box, 260);
    chart.setOption({
      animation: false, tooltip: { trigger: 'axis' }, legend: { top: 0 },
      grid: { left: 60, right: 60, top: 36, bottom: 30 },
      xAxis: { type: 'category', data: dates },
      yAxis: [{ type: 'value', name: 'members' }, { type: 'value', name: 'changes', minInterval: 1 }],
      series: [
        { name: 'members', type: 'line', data: u.sizes.map(function (s) { return s.members; }) },
        { name: 'entries', type: 'bar', yAxisIndex: 1, data: dates.map(function (d) { return entries[d] || 0; }), itemStyle: { color: '#2e7d32' } },
        { name: 'exits', type: 'bar', yAxisIndex: 1, data: dates.map(function (d) { return -(exits[d] || 0); }), itemStyle: { color: '#e53935' } },
      ],
    });
    report.universe[u.exchange] = chart;
    var changeRows = [];
    u.changes.slice().reverse().forEach(function (c) {
      c.added.forEach(function (a) { changeRows.push({ cls: 'ok', cells: [c.date, 'entry', a.market, 'rank ' + a.rank] }); });
      c.removed.forEach(function (r) { changeRows.push({ cls: 'warn', cells: [c.date, 'exit', r.market, r.reason] }); });
    });
    box.appendChild(el('h4', { text: 'Entries and exits' }));
    box.appendChild(changeRows.length ? table(['day', 'change', 'market', 'reason'], changeRows, 'changes') : el('p', { text: 'No change between snapshots.' }));
    if (u.current) {
      box.appendChild(el('h4', { text: 'Current members (' + u.current.date + ', ranked by ' + u.current.source + ')' }));
      box.appendChild(table(['rank', 'market', 'name', 'market cap (USD)', '24h volume (USD)'], u.current.members.map(function (m) {
        return { cells: [m.rank, m.market, m.name, num(m.marketCap), num(m.volume24h)] };
      }), 'members'));
    }
  });

  // ---- collector: the last cycles
  var colBody = document.getElementById('collector-body');
  if (data.collector.length === 0) colBody.appendChild(el('p', { text: 'No collector status in this folder (run qml-data collect).' }));
  data.collector.forEach(function (v) {
    var box = el('div', { class: 'venue' }, [el('h3', { text: v.exchange })]);
    colBody.appendChild(box);
    var chart = chartIn(box, 240);
    chart.setOption({
      animation: false, tooltip: { trigger: 'axis' }, legend: { top: 0 },
      grid: { left: 60, right: 70, top: 36, bottom: 30 },
      xAxis: { type: 'category', data: v.cycles.map(function (c) { return c.startedAt.slice(0, 16).replace('T', ' '); }) },
      yAxis: [{ type: 'value', name: 'seconds' }, { type: 'value', name: 'rows added' }],
      series: [
        { name: 'duration (s)', type: 'bar', data: v.cycles.map(function (c) { return c.durationMs / 1000; }) },
        { name: 'rows added', type: 'line', yAxisIndex: 1, data: v.cycles.map(function (c) { return c.rowsAdded; }) },
      ],
    });
    report.collector[v.exchange] = chart;
    box.appendChild(table(['started', 'duration', 'rows added', 'stores', 'weight used', 'failures'], v.cycles.slice().reverse().map(function (c) {
      return {
        cls: c.error || c.failures ? 'fail' : '',
        cells: [c.startedAt, (c.durationMs / 1000).toFixed(1) + ' s', num(c.rowsAdded),
          Object.keys(c.stores || {}).map(function (k) { return k + ' ' + c.stores[k]; }).join(', '),
          Object.keys(c.weight || {}).map(function (k) { return k + ' ' + c.weight[k]; }).join(', '),
          c.error ? 'cycle failed: ' + c.error : c.failures],
      };
    }), 'cycles'));
  });

  // ---- values: one symbol's candles, volume, funding, open interest, long/short on one time axis
  var valBody = document.getElementById('values-body');
  var v = data.values;
  if (!v || v.panels.length === 0) {
    valBody.appendChild(el('p', { text: 'No candles or statistics to draw.' }));
  } else later(function () {
    valBody.appendChild(el('p', { class: 'note', text: v.exchange + ' ' + v.symbol + ': ' + v.panels.map(function (p) {
      return p.dataset + ' ' + p.timeframe + (p.bucket ? ' (reduced to ' + p.bucket + ' buckets)' : '');
    }).join(', ') + '. Drag the slider or scroll on a chart to zoom; every panel follows.' }));
    var grids = [], xAxes = [], yAxes = [], series = [];
    var slots = [];
    v.panels.forEach(function (p) {
      if (p.dataset === 'ohlcv') { slots.push({ p: p, kind: 'candles', h: 3 }); slots.push({ p: p, kind: 'volume', h: 1 }); }
      else slots.push({ p: p, kind: 'line', h: 1.3 });
    });
    var units = slots.reduce(function (a, s) { return a + s.h; }, 0);
    var height = Math.max(420, Math.round(units * 120)) + 90;
    var top = 30;
    var usable = height - 90 - slots.length * 24;
    slots.forEach(function (s, i) {
      var h = usable * s.h / units;
      grids.push({ left: 80, right: 40, top: top, height: h });
      top += h + 24;
      xAxes.push({ type: 'time', gridIndex: i, axisLabel: { show: i === slots.length - 1 } });
      var y0 = yAxes.length;
      yAxes.push({ type: 'value', gridIndex: i, scale: true, name: s.kind === 'candles' ? 'price' : s.kind === 'volume' ? 'volume' : s.p.dataset, nameTextStyle: { align: 'left' }, splitNumber: 2 });
      var t = s.p.columns.time;
      function pairs(key) { var out = new Array(t.length); for (var j = 0; j < t.length; j++) out[j] = [t[j], s.p.columns[key][j]]; return out; }
      if (s.kind === 'candles') {
        var k = new Array(t.length);
        for (var j = 0; j < t.length; j++) k[j] = [t[j], s.p.columns.open[j], s.p.columns.close[j], s.p.columns.low[j], s.p.columns.high[j]];
        series.push({ name: 'ohlcv candles', type: 'candlestick', xAxisIndex: i, yAxisIndex: y0, data: k, large: t.length > 5000, largeThreshold: 5000 });
      } else if (s.kind === 'volume') {
        series.push({ name: 'ohlcv volume', type: 'bar', xAxisIndex: i, yAxisIndex: y0, data: pairs('volume'), large: true, itemStyle: { color: '#90a4ae' } });
      } else {
        Object.keys(s.p.columns).filter(function (c) { return c !== 'time'; }).forEach(function (c, n) {
          // a second column (open interest's USDT value) on its own axis
          var yi = y0;
          if (n > 0) { yAxes.push({ type: 'value', gridIndex: i, scale: true, position: 'right', name: c, splitNumber: 2, splitLine: { show: false } }); yi = yAxes.length - 1; }
          series.push({ name: s.p.dataset + ' ' + c, type: 'line', xAxisIndex: i, yAxisIndex: yi, data: pairs(c), showSymbol: false, sampling: 'lttb', lineStyle: { width: 1 } });
        });
      }
    });
    // one time axis: every panel spans the union of the panels' times; the view opens where all have rows
    var firsts = v.panels.filter(function (p) { return p.columns.time.length; }).map(function (p) { return p.columns.time[0]; });
    var lasts = v.panels.filter(function (p) { return p.columns.time.length; }).map(function (p) { return p.columns.time[p.columns.time.length - 1]; });
    var lo = Math.min.apply(null, firsts), hi = Math.max.apply(null, lasts);
    xAxes.forEach(function (x) { x.min = lo; x.max = hi; });
    var all = slots.map(function (_, i) { return i; });
    var chart = chartIn(valBody, height);
    chart.setOption({
      animation: false,
      tooltip: { trigger: 'axis', axisPointer: { type: 'cross', link: [{ xAxisIndex: 'all' }] } },
      axisPointer: { link: [{ xAxisIndex: 'all' }] },
      legend: { top: 0, type: 'scroll' },
      grid: grids, xAxis: xAxes, yAxis: yAxes, series: series,
      dataZoom: [{ type: 'inside', xAxisIndex: all, startValue: Math.max.apply(null, firsts), endValue: hi }, { type: 'slider', xAxisIndex: all, bottom: 10, startValue: Math.max.apply(null, firsts), endValue: hi }],
    });
    report.values = chart;
  });
  (function next() {
    var task = tasks.shift();
    if (!task) { report.ready = true; return; }
    task();
    setTimeout(next, 0);
  })();
})();
