/**
 * The script the HTML report runs in the browser: it reads the chart data from the page's
 * `<script type="application/json" id="lp-data">` block and draws each chart with uPlot (inlined
 * beside it). Kept as plain ES2017 text because it runs in the reader's browser, not in Node; the
 * end-to-end test in test/integration/report-html.test.ts runs it in Chromium.
 *
 * It writes only with `textContent` and canvas drawing (never `innerHTML`), so chart labels taken
 * from plans and watched series cannot become markup. A chart that fails to draw says so in its
 * box and on the console rather than leaving a blank space.
 */
export const HTML_CLIENT_SCRIPT = String.raw`(function () {
  'use strict';
  var source = document.getElementById('lp-data');
  if (!source || typeof uPlot === 'undefined') return;
  var data = JSON.parse(source.textContent);
  var plots = [];
  var pxRatio = function () { return window.devicePixelRatio || 1; };

  function group(n, decimals) {
    var s = Math.abs(n).toFixed(decimals).split('.');
    s[0] = s[0].replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    return (n < 0 ? '-' : '') + s.join('.');
  }
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
  function bytes(n) {
    var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    var i = 0;
    while (Math.abs(n) >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return short(n) + ' ' + units[i];
  }
  function fmt(unit, v) {
    if (v === null || v === undefined || !isFinite(v)) return '—';
    switch (unit) {
      case 'ms': return short(v) + ' ms';
      case 'req/s': return short(v) + ' req/s';
      case '%': return short(v) + '%';
      case 'ratio': return short(v * 100) + '%';
      case 'bytes': return bytes(v);
      case '/s': return short(v) + '/s';
      case 'count': case '': return short(v);
      default: return short(v) + ' ' + unit;
    }
  }
  function clock(sec) {
    var s = Math.round(sec);
    var m = Math.floor(s / 60);
    s = s % 60;
    return m + ':' + (s < 10 ? '0' : '') + s;
  }
  function css(name, fallback) {
    var v = getComputedStyle(document.documentElement).getPropertyValue(name);
    return v && v.trim() ? v.trim() : fallback;
  }

  function drawBands(spec) {
    return function (u) {
      if (!spec.bands.length) return;
      var ctx = u.ctx;
      var r = pxRatio();
      ctx.save();
      ctx.font = (10 * r) + 'px sans-serif';
      ctx.textBaseline = 'top';
      ctx.textAlign = 'left';
      spec.bands.forEach(function (b, i) {
        var x0 = Math.max(u.bbox.left, u.valToPos(b.from, 'x', true));
        var x1 = Math.min(u.bbox.left + u.bbox.width, u.valToPos(b.to, 'x', true));
        if (x1 <= x0) return;
        ctx.fillStyle = i % 2 ? 'rgba(0, 114, 178, 0.06)' : 'rgba(0, 114, 178, 0.12)';
        ctx.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height);
        if (x1 - x0 > ctx.measureText(b.label).width + 4 * r) {
          ctx.fillStyle = css('--muted', '#555');
          ctx.fillText(b.label, x0 + 2 * r, u.bbox.top + 2 * r);
        }
      });
      ctx.restore();
    };
  }
  function drawMarkers(spec) {
    return function (u) {
      var ctx = u.ctx;
      var r = pxRatio();
      ctx.save();
      ctx.lineWidth = 1.5 * r;
      ctx.setLineDash([5 * r, 4 * r]);
      ctx.font = 'bold ' + (10 * r) + 'px sans-serif';
      ctx.textAlign = 'left';
      spec.vMarkers.forEach(function (m) {
        var x = u.valToPos(m.at, 'x', true);
        if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
        ctx.strokeStyle = m.color;
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.stroke();
        ctx.fillStyle = m.color;
        ctx.textBaseline = 'top';
        var w = ctx.measureText(m.label).width;
        var tx = x + 3 * r + w > u.bbox.left + u.bbox.width ? x - 3 * r - w : x + 3 * r;
        ctx.fillText(m.label, tx, u.bbox.top + 16 * r);
      });
      spec.hMarkers.forEach(function (m, i) {
        var y = u.valToPos(m.at, 'y', true);
        if (y < u.bbox.top || y > u.bbox.top + u.bbox.height) return;
        ctx.strokeStyle = m.color;
        ctx.beginPath();
        ctx.moveTo(u.bbox.left, y);
        ctx.lineTo(u.bbox.left + u.bbox.width, y);
        ctx.stroke();
        ctx.fillStyle = m.color;
        // Above the line, unless that would collide with the step labels along the top.
        var below = y - u.bbox.top < 30 * r;
        ctx.textBaseline = below ? 'top' : 'bottom';
        var w = ctx.measureText(m.label).width;
        // Alternate right and left ends so two close thresholds (p95, p99) do not print on each other.
        var lx = i % 2 ? u.bbox.left + 4 * r : u.bbox.left + u.bbox.width - w - 4 * r;
        ctx.fillText(m.label, lx, below ? y + 2 * r : y - 2 * r);
      });
      ctx.restore();
    };
  }

  function options(spec, width) {
    var axisColor = css('--fg', '#222');
    var gridColor = css('--grid', 'rgba(0,0,0,0.08)');
    // A filtered-out split arrives as null: it gets no label (not a dash).
    var yValues = function (u, splits) { return splits.map(function (v) { return v === null || v === undefined ? '' : fmt(spec.yUnit, v); }); };
    var xValues = spec.xKind === 'time'
      ? function (u, splits) { return splits.map(clock); }
      : spec.xKind === 'run'
        ? function (u, splits) { return splits.map(function (v) { return Math.round(v) === v ? '#' + v : ''; }); }
        : function (u, splits) { return splits.map(function (v) { return short(v); }); };
    var series = [{
      label: spec.xKind === 'time' ? 'time' : spec.xKind === 'run' ? 'run' : 'load (req/s)',
      value: function (u, v) { return v === null || v === undefined ? '—' : spec.xKind === 'time' ? clock(v) : spec.xKind === 'run' ? '#' + v : fmt('req/s', v); }
    }];
    spec.series.forEach(function (s) {
      series.push({
        label: s.label,
        stroke: s.color,
        width: 1.5,
        dash: s.dash ? [6, 4] : undefined,
        spanGaps: false,
        points: { show: s.points ? true : false, size: 6, fill: s.color },
        value: function (u, v) { return fmt(spec.yUnit, v); }
      });
    });
    var x = { time: false };
    if (spec.xRange) x.range = function () { return spec.xRange; };
    else if (spec.xKind === 'time') x.range = function () { return data.timeRange; };
    var y = spec.yLog ? { distr: 3, log: 10 } : {
      range: function (u, min, max) {
        var hi = Math.max(max === null ? 1 : max, 0);
        spec.hMarkers.forEach(function (m, i) { if (m.at > hi) hi = m.at; });
        if (spec.yUnit === '%' || spec.yUnit === 'ratio') hi = hi || 1;
        return [Math.min(0, min === null ? 0 : min), hi > 0 ? hi * 1.08 : 1];
      }
    };
    var yAxis = { stroke: axisColor, grid: { stroke: gridColor }, ticks: { stroke: gridColor }, values: yValues, size: axisSizer(spec) };
    if (spec.yLog) {
      // Log axes: label, tick and grid the decades only (uPlot draws every minor step otherwise).
      var decades = function (u, splits) {
        return splits.map(function (v) { var l = Math.log10(v); return Math.abs(l - Math.round(l)) < 1e-9 ? v : null; });
      };
      yAxis.filter = decades;
      yAxis.grid.filter = decades;
      yAxis.ticks.filter = decades;
    }
    return {
      width: width,
      height: spec.height,
      series: series,
      scales: { x: x, y: y },
      axes: [
        { stroke: axisColor, grid: { stroke: gridColor }, ticks: { stroke: gridColor }, values: xValues },
        yAxis
      ],
      cursor: spec.xKind === 'time' ? { sync: { key: 'loadproof-time' } } : {},
      legend: { live: true },
      hooks: { drawClear: [drawBands(spec)], draw: [drawMarkers(spec)] }
    };
  }

  // The y axis is as wide as its longest label (uPlot's documented pattern for dynamic sizes).
  // Charts over time all take the widest one, so their plot areas and time axes line up.
  var timeAxisWidth = 0;
  function axisSizer(spec) {
    return function (u, values, axisIdx, cycleNum) {
      var axis = u.axes[axisIdx];
      if (cycleNum > 1) return axis._size;
      var size = axis.ticks.size + axis.gap;
      var longest = (values || []).reduce(function (a, v) { return v.length > a.length ? v : a; }, '');
      if (longest !== '') {
        u.ctx.font = axis.font[0];
        size += u.ctx.measureText(longest).width / pxRatio();
      }
      size = Math.ceil(size) + 4;
      if (spec.xKind !== 'time') return size;
      timeAxisWidth = Math.max(timeAxisWidth, size);
      return timeAxisWidth;
    };
  }

  function widthOf(el) {
    return Math.max(280, Math.floor(el.clientWidth || 640));
  }

  data.charts.forEach(function (spec) {
    var figure = document.querySelector('[data-chart="' + spec.id + '"]');
    if (!figure) return;
    var host = figure.querySelector('.plot');
    try {
      var aligned = uPlot.join(spec.series.map(function (s) { return [s.x, s.y]; }));
      var plot = new uPlot(options(spec, widthOf(host)), aligned, host);
      plots.push({ plot: plot, host: host, spec: spec });
      figure.setAttribute('data-drawn', 'true');
    } catch (e) {
      host.textContent = 'This chart could not be drawn: ' + (e && e.message ? e.message : String(e));
      figure.setAttribute('data-drawn', 'error');
      console.error('loadproof report: chart ' + spec.id + ' failed', e);
    }
  });

  function resizeAll(width) {
    plots.forEach(function (p) {
      p.plot.setSize({ width: width || widthOf(p.host), height: p.spec.height });
    });
  }
  // Second layout pass: every time chart now knows the widest y axis among them.
  resizeAll();
  var timer = null;
  window.addEventListener('resize', function () {
    clearTimeout(timer);
    timer = setTimeout(function () { resizeAll(); }, 150);
  });
  // Printed pages are narrower than most screens: redraw at A4/Letter width, then restore.
  window.addEventListener('beforeprint', function () { resizeAll(660); });
  window.addEventListener('afterprint', function () { resizeAll(); });
  document.documentElement.setAttribute('data-charts', String(plots.length));
})();
`;
