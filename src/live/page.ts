/**
 * The live dashboard page: one HTML document with uPlot and the client script inlined (the same
 * uPlot build and stylesheet as report.html), so it loads nothing from the network. Its CSP allows
 * exactly those two scripts (by SHA-256) and `connect-src 'self'` for the event stream and the
 * buttons.
 *
 * The client (LIVE_CLIENT_SCRIPT) reads the stream (`/events`): the history first, then one event
 * per second. It writes only with `textContent` and canvas drawing, never `innerHTML`. Figures carry
 * their raw value in `data-value` (what the end-to-end test compares with result.json); the root
 * element carries `data-state` (connecting, running, stopping, ended) and `data-ticks`.
 */
import { createHash } from 'node:crypto';
import { STYLE, uplotAssets } from '../report/html.js';
import { escapeHtml } from '../report/escape.js';
import { HTML_CLIENT_SCRIPT } from '../report/html-client.js';
import { VERSION } from '../version.js';

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** The page's HTML and its Content-Security-Policy (also sent as a header). */
export function renderDashboardPage(token: string): { html: string; csp: string } {
  const { script: uplot, css: uplotCss } = uplotAssets();
  const csp = [
    "default-src 'none'",
    // the report's script too: the page keeps report.html as a blob (the CLI exits after the run)
    // and a blob document inherits this policy
    `script-src ${sha256(uplot)} ${sha256(LIVE_CLIENT_SCRIPT)} ${sha256(HTML_CLIENT_SCRIPT)}`,
    "style-src 'unsafe-inline'",
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const html = `<!doctype html>
<html lang="en" data-state="connecting" data-ticks="0">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="lp-token" content="${escapeHtml(token)}">
<meta name="generator" content="loadproof ${escapeHtml(VERSION)}">
<title>loadproof live</title>
<style>${uplotCss}</style>
<style>${STYLE}${LIVE_STYLE}</style>
</head>
<body>
<main>
<header><h1 id="title">loadproof live</h1><p class="sub" id="sub">connecting…</p></header>
<section class="status" id="status">
  <span id="state" class="state">connecting</span>
  <span id="stage">stage –</span>
  <span id="clock">–</span>
  <span id="left"></span>
  <span class="buttons"><button id="btn-stop" type="button" title="as Ctrl-C: no new requests, in-flight ones get up to 5 s">Stop gracefully</button>
  <button id="btn-abort" type="button" class="danger" title="as the incident guard: the run ends as aborted (exit code 3)">Abort</button></span>
</section>
<p id="control-note" class="note"></p>
<section id="final" class="verdict" hidden>
  <p class="outcome"><strong>Verdict: <span id="verdict" data-verdict="">–</span></strong> <span id="exit-code"></span></p>
  <p id="stop-note"></p>
  <p>Reports: <span id="reports"></span></p>
</section>
<section class="figures">
  <div class="fig"><span class="k">requests</span><span class="v" id="fig-requests" data-value="">–</span></div>
  <div class="fig"><span class="k">offered</span><span class="v" id="fig-offered" data-value="">–</span></div>
  <div class="fig"><span class="k">achieved</span><span class="v" id="fig-achieved" data-value="">–</span></div>
  <div class="fig"><span class="k" id="fig-p95-label">p95 (last second)</span><span class="v" id="fig-p95" data-value="">–</span></div>
  <div class="fig"><span class="k">error rate</span><span class="v" id="fig-error-rate" data-value="">–</span></div>
  <div class="fig"><span class="k">in flight</span><span class="v" id="fig-in-flight" data-value="">–</span></div>
  <div class="fig"><span class="k">dropped</span><span class="v" id="fig-dropped" data-value="">–</span></div>
</section>
<section id="understanding">
  <h2>What loadproof sees <span class="prov" id="prov">provisional</span></h2>
  <ul>
    <li><strong>Phase:</strong> <span id="phase" data-value="">–</span></li>
    <li><strong>Knee (online Kneedle):</strong> <span id="knee">–</span></li>
    <li><strong>Capacity (max sustainable):</strong> <span id="fig-capacity" data-value="">–</span> <span id="capacity-text" class="note"></span></li>
    <li><strong>Diagnosis:</strong> <span id="fig-diagnosis" data-value="">none yet</span></li>
  </ul>
  <ul id="diagnoses" class="diagnoses"></ul>
  <ul id="flags" class="flags"></ul>
</section>
<section id="charts"><h2>Over time</h2><div id="run-charts"></div></section>
<section id="generator"><h2>Generator health</h2><div id="gen-charts"></div></section>
<section id="watched"><h2>Watched series</h2><div id="watch-charts"><p class="note" id="watch-none">No watched series yet.</p></div></section>
<footer>loadproof ${escapeHtml(VERSION)} live dashboard. This page loads nothing from the network; it streams from the loadproof process that served it.</footer>
</main>
<script>${uplot}</script>
<script>${LIVE_CLIENT_SCRIPT}</script>
</body>
</html>
`;
  // frame-ancestors only counts in the header (a <meta> policy ignores it, with a console error)
  return { html, csp: `${csp}; frame-ancestors 'none'` };
}

const LIVE_STYLE = `
section.status { display: flex; flex-wrap: wrap; gap: 14px; align-items: center; padding: 8px 12px; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); }
.state { font-weight: 700; text-transform: uppercase; font-size: 0.85em; padding: 2px 8px; border-radius: 4px; background: var(--muted); color: #fff; }
html[data-state="running"] .state { background: var(--pass); }
html[data-state="stopping"] .state { background: var(--warn); }
html[data-state="ended"] .state { background: var(--fg); color: var(--bg); }
.buttons { margin-left: auto; display: flex; gap: 8px; }
button { font: inherit; padding: 4px 12px; border-radius: 6px; border: 1px solid var(--line); background: var(--bg); color: var(--fg); cursor: pointer; }
button.danger { border-color: var(--fail); color: var(--fail); }
button:disabled { opacity: 0.5; cursor: default; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(130px, 1fr)); gap: 10px; margin: 14px 0; }
.fig { border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; }
.fig .k { display: block; color: var(--muted); font-size: 0.85em; }
.fig .v { display: block; font-size: 1.35em; font-variant-numeric: tabular-nums; }
.prov { font-size: 0.6em; font-weight: 600; color: var(--warn); border: 1px solid var(--warn); border-radius: 4px; padding: 0 6px; vertical-align: middle; }
ul.diagnoses li .prov { font-size: 0.75em; }
`;

/**
 * The browser side, plain ES2017. Number formats follow the report's client (html-client.ts).
 */
export const LIVE_CLIENT_SCRIPT = String.raw`(function () {
  'use strict';
  var root = document.documentElement;
  var token = (document.querySelector('meta[name="lp-token"]') || {}).content || '';
  var qs = new URLSearchParams(location.search);
  var q = qs.get('token') ? '?token=' + encodeURIComponent(qs.get('token')) : '';
  var $ = function (id) { return document.getElementById(id); };
  var PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000', '#777777'];
  var meta = null, ended = false, ticks = 0, lastTickAt = 0;
  var uplotOk = typeof uPlot !== 'undefined';

  function group(n, d) { var s = Math.abs(n).toFixed(d).split('.'); s[0] = s[0].replace(/\B(?=(\d{3})+(?!\d))/g, ','); return (n < 0 ? '-' : '') + s.join('.'); }
  function short(n) {
    var a = Math.abs(n);
    if (a === 0) return '0';
    if (a >= 1e9) return group(n / 1e9, a >= 1e10 ? 0 : 1) + 'G';
    if (a >= 1e6) return group(n / 1e6, a >= 1e7 ? 0 : 1) + 'M';
    if (a >= 1e4) return group(n / 1e3, 0) + 'k';
    if (a >= 100) return group(n, 0);
    if (a >= 10) return group(n, 1).replace(/\.0$/, '');
    if (a >= 1) return group(n, 2).replace(/\.?0+$/, '');
    return String(Number(n.toPrecision(2)));
  }
  function bytes(n) { var u = ['B', 'KiB', 'MiB', 'GiB']; var i = 0; while (Math.abs(n) >= 1024 && i < u.length - 1) { n /= 1024; i++; } return short(n) + ' ' + u[i]; }
  function fmt(unit, v) {
    if (v === null || v === undefined || !isFinite(v)) return '–';
    switch (unit) {
      case 'ms': return short(v) + ' ms';
      case 'req/s': return short(v) + ' req/s';
      case '%': return short(v) + '%';
      case 'ratio': return short(v * 100) + '%';
      case 'bytes': return bytes(v);
      case 'count': case '': return short(v);
      default: return short(v) + ' ' + unit;
    }
  }
  function clock(sec) { var s = Math.max(0, Math.round(sec)); var h = Math.floor(s / 3600); var m = Math.floor((s % 3600) / 60); s = s % 60; return (h ? h + ':' + (m < 10 ? '0' : '') : '') + m + ':' + (s < 10 ? '0' : '') + s; }
  function css(name, fb) { var v = getComputedStyle(root).getPropertyValue(name); return v && v.trim() ? v.trim() : fb; }
  function setFig(id, value, text) { var el = $(id); el.setAttribute('data-value', value === null || value === undefined ? '' : String(value)); el.textContent = text; }
  function setState(s) { root.setAttribute('data-state', s); $('state').textContent = s; }

  // ---- charts: one x array (seconds) per chart, y arrays appended each second ----
  var charts = {};
  var dirty = {};
  function makeChart(host, id, title, unit, labels, hLines, height) {
    var fig = document.createElement('figure');
    fig.className = 'chart';
    fig.setAttribute('data-chart', id);
    var cap = document.createElement('figcaption');
    cap.textContent = title;
    var plotEl = document.createElement('div');
    plotEl.className = 'plot';
    fig.appendChild(cap);
    fig.appendChild(plotEl);
    host.appendChild(fig);
    var c = { id: id, unit: unit, labels: labels.slice(), data: [[]].concat(labels.map(function () { return []; })), hLines: hLines || [], el: plotEl, fig: fig, plot: null, height: height || 200 };
    charts[id] = c;
    build(c);
    return c;
  }
  function build(c) {
    if (!uplotOk) return;
    if (c.plot) { c.plot.destroy(); c.plot = null; }
    var axis = css('--fg', '#222'), grid = css('--grid', 'rgba(0,0,0,0.08)');
    var series = [{ label: 'time', value: function (u, v) { return v === null || v === undefined ? '–' : clock(v); } }];
    c.labels.forEach(function (l, i) {
      series.push({ label: l, stroke: PALETTE[i % PALETTE.length], width: 1.5, spanGaps: false, value: function (u, v) { return fmt(c.unit, v); } });
    });
    var opts = {
      width: Math.max(280, Math.floor(c.el.clientWidth || 640)), height: c.height, series: series,
      scales: { x: { time: false, range: function (u, min, max) { return [0, Math.max(meta ? meta.totalSec : 0, max === null ? 1 : max, 1)]; } }, y: { range: function (u, min, max) { var hi = Math.max(max === null ? 1 : max, 0); c.hLines.forEach(function (m) { if (m.at > hi) hi = m.at; }); return [Math.min(0, min === null ? 0 : min), hi > 0 ? hi * 1.08 : 1]; } } },
      axes: [{ stroke: axis, grid: { stroke: grid }, incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200], values: function (u, s) { return s.map(clock); } }, { stroke: axis, grid: { stroke: grid }, size: 70, values: function (u, s) { return s.map(function (v) { return fmt(c.unit, v); }); } }],
      cursor: { sync: { key: 'loadproof-live' } },
      legend: { live: true },
      hooks: { draw: [function (u) {
        var ctx = u.ctx, r = window.devicePixelRatio || 1;
        ctx.save(); ctx.lineWidth = 1.5 * r; ctx.setLineDash([5 * r, 4 * r]); ctx.font = 'bold ' + (10 * r) + 'px sans-serif';
        c.hLines.forEach(function (m) {
          var y = u.valToPos(m.at, 'y', true);
          if (y < u.bbox.top || y > u.bbox.top + u.bbox.height) return;
          ctx.strokeStyle = m.color; ctx.beginPath(); ctx.moveTo(u.bbox.left, y); ctx.lineTo(u.bbox.left + u.bbox.width, y); ctx.stroke();
          ctx.fillStyle = m.color; ctx.textBaseline = 'bottom'; ctx.textAlign = 'right'; ctx.fillText(m.label, u.bbox.left + u.bbox.width - 4 * r, y - 2 * r);
        });
        ctx.restore();
      }] }
    };
    try {
      c.plot = new uPlot(opts, c.data, c.el);
      c.fig.setAttribute('data-drawn', 'true');
    } catch (e) {
      c.el.textContent = 'This chart could not be drawn: ' + (e && e.message ? e.message : String(e));
      c.fig.setAttribute('data-drawn', 'error');
    }
  }
  function push(c, t, values) {
    c.data[0].push(t);
    for (var i = 0; i < c.labels.length; i++) c.data[i + 1].push(values[i] === undefined ? null : values[i]);
    dirty[c.id] = true;
  }
  function addSeries(c, label) {
    c.labels.push(label);
    var col = c.data[0].map(function () { return null; });
    c.data.push(col);
    build(c);
  }
  function flush() {
    Object.keys(dirty).forEach(function (id) { var c = charts[id]; if (c.plot) c.plot.setData(c.data); });
    dirty = {};
  }
  window.addEventListener('resize', function () { Object.keys(charts).forEach(function (id) { var c = charts[id]; if (c.plot) c.plot.setSize({ width: Math.max(280, Math.floor(c.el.clientWidth || 640)), height: c.height }); }); });

  var rate, lat, errs, conc, genCpu, genLoop, errKinds = [], watchCharts = {};

  function onMeta(m) {
    meta = m;
    $('title').textContent = m.plan;
    document.title = 'loadproof live: ' + m.plan;
    $('sub').textContent = m.target + (m.hypothesis ? ' · hypothesis: ' + m.hypothesis : '') + ' · ' + m.model + ' model';
    var slo = m.sloLatency.map(function (s) { return { at: s.ms, label: s.label, color: '#CC0000' }; });
    var runHost = $('run-charts');
    runHost.textContent = '';
    $('gen-charts').textContent = '';
    rate = makeChart(runHost, 'rate', 'Throughput: offered vs achieved', 'req/s', m.model === 'open' ? ['offered', 'achieved'] : ['achieved'], [], 200);
    lat = makeChart(runHost, 'latency', 'Latency (each second)', 'ms', ['p50', 'p95', 'p99'], slo, 220);
    errs = makeChart(runHost, 'errors', 'Errors by kind (per second)', 'count', [], [], 170);
    conc = makeChart(runHost, 'concurrency', m.model === 'open' ? 'In flight' : 'VUs and in flight', 'count', m.model === 'open' ? ['in flight'] : ['vus', 'in flight'], [], 170);
    genCpu = makeChart($('gen-charts'), 'gen-cpu', 'Generator CPU and worker busy', '%', ['process CPU', 'busiest worker'], [], 150);
    genLoop = makeChart($('gen-charts'), 'gen-loop', 'Generator event-loop delay p99', 'ms', ['main thread'], [], 150);
  }

  function onTick(k) {
    if (!meta) return;
    ticks++;
    lastTickAt = Date.now();
    root.setAttribute('data-ticks', String(ticks));
    root.setAttribute('data-last-t', String(k.t + k.d));
    if (!ended && root.getAttribute('data-state') === 'connecting') setState('running');
    var t = k.t + k.d;
    if (meta.model === 'open') push(rate, t, [k.offeredRps, k.rps]); else push(rate, t, [k.rps]);
    push(lat, t, [k.p50Ms, k.p95Ms, k.p99Ms]);
    Object.keys(k.errorKinds).forEach(function (kind) { if (errKinds.indexOf(kind) < 0) { errKinds.push(kind); addSeries(errs, kind); } });
    push(errs, t, errKinds.map(function (kind) { return k.errorKinds[kind] || 0; }));
    if (meta.model === 'open') push(conc, t, [k.inFlight]); else push(conc, t, [k.vus, k.inFlight]);
    push(genCpu, t, [k.gen.cpuPct, k.gen.busyPct]);
    push(genLoop, t, [k.gen.loopP99Ms]);
    (k.newSeries || []).forEach(function (s) {
      var key = s.group + ' · ' + s.unit;
      var c = watchCharts[key];
      if (!c) {
        var none = $('watch-none'); if (none) none.remove();
        c = watchCharts[key] = makeChart($('watch-charts'), 'watch-' + Object.keys(watchCharts).length, s.group + ' (' + s.watcher + ', ' + (s.unit || 'values') + ')', s.unit, [], [], 160);
        c.names = [];
      }
      c.names.push(s.name);
      addSeries(c, s.name.slice(s.group.length + 1) || s.name);
    });
    Object.keys(watchCharts).forEach(function (key) { var c = watchCharts[key]; push(c, t, c.names.map(function (n) { return k.watch[n] === undefined ? null : k.watch[n]; })); });
    if (ended) return;
    var total = meta.totalSec;
    $('stage').textContent = 'stage ' + k.stage + '/' + meta.stages.length;
    $('clock').textContent = clock(t) + ' / ' + clock(total);
    $('left').textContent = clock(Math.max(0, total - t)) + ' left';
    setFig('fig-requests', k.totalRequests, short(k.totalRequests));
    setFig('fig-offered', k.offeredRps, meta.model === 'open' ? fmt('req/s', k.offeredRps) : (k.vus === null ? '–' : k.vus + ' VUs'));
    setFig('fig-achieved', k.rps, fmt('req/s', k.rps));
    setFig('fig-p95', k.p95Ms, fmt('ms', k.p95Ms));
    var er = k.totalRequests > 0 ? k.totalErrors / k.totalRequests : 0;
    setFig('fig-error-rate', er, fmt('ratio', er));
    setFig('fig-in-flight', k.inFlight, String(k.inFlight));
    setFig('fig-dropped', k.dropped, String(k.dropped));
  }

  function showUnderstanding(a, provisional) {
    $('prov').hidden = !provisional;
    var phaseText = { linear: 'linear: the target keeps up', knee: 'knee reached', collapse: 'collapse', unknown: 'not yet known' }[a.phase] || a.phase;
    if (a.phase === 'knee' && a.knee) phaseText = 'knee reached at ' + fmt('req/s', a.knee.rps) + ' (p95 ' + fmt('ms', a.knee.p95Ms) + ')';
    if (a.phase === 'collapse' && a.collapse) phaseText = 'collapse at ' + fmt('req/s', a.collapse.rps) + ' (errors ' + fmt('ratio', a.collapse.errorRate) + ')';
    if (a.phase === 'linear' && a.linearUntilRps !== null) phaseText = 'linear up to ' + fmt('req/s', a.linearUntilRps);
    setFig('phase', a.phase, phaseText);
    var k = a.onlineKnee || a.knee;
    $('knee').textContent = k ? fmt('req/s', k.rps) + ' (p95 ' + fmt('ms', k.p95Ms) + ')' : 'none yet';
    var cap = a.capacity;
    setFig('fig-capacity', cap ? cap.maxSustainableRps : null, cap && cap.maxSustainableRps !== null ? fmt('req/s', cap.maxSustainableRps) : 'not yet');
    $('capacity-text').textContent = cap && cap.statement ? cap.statement : '';
    var first = a.diagnoses[0];
    setFig('fig-diagnosis', first ? first.id : '', first ? first.title + ' (' + first.id + ')' : 'none');
    var ul = $('diagnoses');
    ul.textContent = '';
    a.diagnoses.forEach(function (d) {
      var li = document.createElement('li');
      li.setAttribute('data-id', d.id);
      li.textContent = d.title + ' (' + d.id + ', confidence ' + Math.round(d.confidence * 100) + '%) ';
      if (provisional) { var p = document.createElement('span'); p.className = 'prov'; p.textContent = 'provisional'; li.appendChild(p); }
      ul.appendChild(li);
    });
    var fl = $('flags');
    fl.textContent = '';
    (a.redFlags || []).forEach(function (f) { var li = document.createElement('li'); li.textContent = f; fl.appendChild(li); });
  }

  function onAnalysis(a) { if (!ended) showUnderstanding(a, true); }

  function onControl(c) {
    if (ended) return;
    setState('stopping');
    $('control-note').textContent = (c.action === 'stop' ? 'Stop asked' : 'Abort asked') + ' from the dashboard at ' + clock(c.atSec) + '.';
    $('btn-stop').disabled = true;
    $('btn-abort').disabled = true;
  }

  function onEnd(e) {
    ended = true;
    setState('ended');
    $('btn-stop').disabled = true;
    $('btn-abort').disabled = true;
    $('final').hidden = false;
    var v = $('verdict');
    v.setAttribute('data-verdict', e.verdict);
    v.textContent = e.verdict;
    $('exit-code').textContent = '(exit code ' + e.exitCode + ')';
    $('stop-note').textContent = e.stop && e.stop.reason !== 'completed' ? 'The run was ' + e.stop.reason + (e.stop.atSec !== undefined ? ' at ' + clock(e.stop.atSec) : '') + (e.stop.message ? ': ' + e.stop.message : '') : 'The run completed.';
    var rep = $('reports');
    rep.textContent = '';
    var types = { html: 'text/html', json: 'application/json', md: 'text/markdown', ndjson: 'application/x-ndjson' };
    e.reports.forEach(function (r, i) {
      var name = r.path.split(/[\\/]/).pop();
      var a = document.createElement('a');
      a.href = 'reports/' + encodeURIComponent(name) + q;
      a.target = '_blank';
      a.rel = 'noopener';
      a.textContent = name;
      a.title = r.path;
      if (i) rep.appendChild(document.createTextNode(' · '));
      rep.appendChild(a);
      // the loadproof process exits after the run: keep each report in the page, as a blob
      fetch(a.href).then(function (res) { return res.ok ? res.text() : Promise.reject(res.status); }).then(function (text) {
        var blob = new Blob([text], { type: (types[name.split('.').pop()] || 'text/plain') + ';charset=utf-8' });
        a.href = URL.createObjectURL(blob);
        a.setAttribute('data-bytes', String(blob.size));
      }, function () { a.setAttribute('data-bytes', 'unavailable'); });
    });
    rep.appendChild(document.createTextNode(' (in ' + e.dir + ')'));
    $('fig-p95-label').textContent = 'p95 (whole run)';
    setFig('fig-requests', e.requests, short(e.requests));
    setFig('fig-p95', e.p95Ms, fmt('ms', e.p95Ms));
    setFig('fig-error-rate', e.errorRate, fmt('ratio', e.errorRate));
    setFig('fig-achieved', e.throughputRps, fmt('req/s', e.throughputRps));
    setFig('fig-dropped', e.dropped, String(e.dropped));
    showUnderstanding({ phase: e.phase, knee: e.knee, onlineKnee: null, collapse: null, linearUntilRps: null, capacity: e.capacity, diagnoses: e.diagnoses, redFlags: [] }, false);
    flush();
  }

  function control(action) {
    $('btn-stop').disabled = true;
    $('btn-abort').disabled = true;
    fetch('control/' + action + q, { method: 'POST', headers: { 'X-Loadproof-Token': token } }).then(function (r) {
      if (!r.ok && r.status !== 409) { $('control-note').textContent = 'The ' + action + ' request failed: HTTP ' + r.status; $('btn-stop').disabled = false; $('btn-abort').disabled = false; }
    }, function (err) { $('control-note').textContent = 'The ' + action + ' request failed: ' + err; });
  }
  $('btn-stop').addEventListener('click', function () { control('stop'); });
  $('btn-abort').addEventListener('click', function () { control('abort'); });

  var handlers = { meta: onMeta, tick: onTick, analysis: onAnalysis, control: onControl, end: onEnd };
  var es = new EventSource('events' + q);
  Object.keys(handlers).forEach(function (type) {
    es.addEventListener(type, function (ev) {
      try { handlers[type](JSON.parse(ev.data)); } catch (err) { console.error('loadproof live: ' + type, err); }
      if (type === 'end') es.close();
    });
  });
  es.addEventListener('error', function () {
    if (ended) return;
    // the stream reconnects by itself (history again): start the charts over
    if (es.readyState === 2) { setState('disconnected'); }
  });
  es.addEventListener('open', function () {
    // a reconnect replays the history: reset what it will rebuild
    if (meta && !ended) { meta = null; ticks = 0; charts = {}; dirty = {}; errKinds = []; watchCharts = {}; $('watch-charts').textContent = ''; }
  });
  // redraw at most every 250 ms, not on each event (the history arrives as a burst)
  setInterval(function () { flush(); if (!ended && lastTickAt && Date.now() - lastTickAt > 5000) $('state').textContent = 'waiting for data'; }, 250);
})();
`;
