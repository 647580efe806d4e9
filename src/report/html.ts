/**
 * `report.html`: one self-contained file that opens offline — the Markdown report's content plus
 * charts drawn by uPlot, which is inlined (script and stylesheet read from the installed `uplot`
 * package at render time). No URL is loaded at view time: a Content-Security-Policy with
 * `default-src 'none'` forbids every fetch, and only the two inline scripts whose SHA-256 the policy
 * names may run, so even a mistake in escaping could not execute injected script.
 *
 * Everything that comes from the plan, the target or responses is escaped (`escapeHtml`); chart data
 * travels as JSON in a `<script type="application/json">` block (`jsonForScript`).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Result } from '../result/types.js';
import { VERSION } from '../version.js';
import { buildCharts, type ChartSpec } from './charts.js';
import { baselineCharts, deltaRows, diagnosisLine, methodLine, runsLine } from './baseline.js';
import { escapeHtml, jsonForScript } from './escape.js';
import { HTML_CLIENT_SCRIPT } from './html-client.js';
import { buildReportModel, type KeyValueRow, type ReportModel, type RichText, type RowStatus } from './model.js';

const h = escapeHtml;

interface UplotAssets {
  script: string;
  css: string;
}

let assets: UplotAssets | undefined;

/** uPlot's minified IIFE build and stylesheet, as shipped in the dependency (read once). */
export function uplotAssets(): UplotAssets {
  if (!assets) {
    const require = createRequire(import.meta.url);
    assets = {
      script: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
      css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    };
    if (/<\/script/i.test(assets.script)) {
      // A literal `</script` would end the inline block early; uPlot has none, and we refuse to guess.
      throw new Error('uPlot build contains "</script": cannot inline it safely');
    }
  }
  return assets;
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

function rich(text: RichText): string {
  return text.map((p) => (typeof p === 'string' ? h(p) : `<code>${h(p.code)}</code>`)).join('');
}

function keyValueTable(rows: KeyValueRow[]): string {
  return `<table class="kv"><tbody>${rows.map((r) => `<tr><th scope="row">${h(r.label)}</th><td>${h(r.value)}</td></tr>`).join('')}</tbody></table>`;
}

function statusCell(s: RowStatus): string {
  return s === 'pass' ? '<td class="pass">✓ Pass</td>' : s === 'fail' ? '<td class="fail">✗ Fail</td>' : '<td class="na">—</td>';
}

function table(head: string[], rows: string[][], numeric: boolean[]): string {
  const th = head.map((c, i) => `<th scope="col"${numeric[i] ? ' class="num"' : ''}>${h(c)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c, i) => `<td${numeric[i] ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`).join('\n');
  return `<div class="scroll"><table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

function figure(spec: ChartSpec): string {
  return `<figure class="chart" data-chart="${h(spec.id)}"><figcaption>${h(spec.title)}</figcaption><div class="plot" style="min-height:${spec.height}px"></div></figure>`;
}

/**
 * Outcome marks are plain text glyphs in a coloured badge, not emoji: emoji fonts are often missing
 * on servers and in print, where they show as empty boxes.
 */
const OUTCOME_MARK: Record<ReportModel['outcome'], string> = {
  held: '✓',
  refuted: '✗',
  invalid: '!',
  aborted: '■',
  'no-criteria': 'i',
};

/** Renders `report.html`. Pure apart from reading uPlot's files once. */
export function renderHtml(result: Result): string {
  const m = buildReportModel(result);
  const charts = buildCharts(result);
  const comparisonCharts = baselineCharts(result);
  const allCharts = [...charts.run, ...charts.load, ...charts.watch, ...comparisonCharts];
  const { script: uplot, css: uplotCss } = uplotAssets();
  const data = jsonForScript({ timeRange: charts.timeRange, charts: allCharts });
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(uplot)} ${sha256(HTML_CLIENT_SCRIPT)}`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');

  const body: string[] = [];
  body.push(`<header><h1>${h(m.title)}</h1><p class="sub">${h(result.plan.target)} · ${h(m.configuration.find((r) => r.label === 'Started')?.value ?? m.date)}</p></header>`);

  const verdict = [`<section class="verdict outcome-${m.outcome}" id="verdict">`];
  verdict.push(m.hypothesis ? `<p class="hypothesis"><strong>Hypothesis:</strong> ${h(m.hypothesis)}</p>` : '<p class="hypothesis"><strong>Hypothesis:</strong> none stated.</p>');
  verdict.push(`<p class="outcome"><span class="badge" aria-hidden="true">${OUTCOME_MARK[m.outcome]}</span> <strong>${h(m.outcomeLabel)}</strong>: ${rich(m.verdictText)}</p>`);
  if (m.verdictDetails.length) {
    verdict.push(`<ul>${m.verdictDetails.map((d) => `<li${d.indent ? ' class="sub"' : ''}>${rich(d.text)}</li>`).join('')}</ul>`);
  }
  verdict.push('</section>');
  body.push(verdict.join('\n'));

  if (m.validity.invalid.length) {
    body.push(
      `<section class="validity invalid" id="validity"><p><strong>These results are not valid.</strong> Do not read the numbers below as the target’s behaviour:</p><ul>${m.validity.invalid
        .map((v) => `<li>${h(v.message)} <code>${h(v.id)}</code></li>`)
        .join('')}</ul></section>`,
    );
  }
  if (m.validity.warn.length) {
    body.push(
      `<section class="validity warn" id="warnings"><p><strong>Warnings</strong></p><ul>${m.validity.warn
        .map((v) => `<li>${h(v.message)} <code>${h(v.id)}</code></li>`)
        .join('')}</ul></section>`,
    );
  }

  body.push(`<section id="configuration"><h2>Test Configuration</h2>${keyValueTable(m.configuration)}</section>`);

  const summary = [`<section id="summary"><h2>Results Summary</h2>`];
  summary.push(
    `<table class="summary"><thead><tr><th scope="col">Metric</th><th scope="col" class="num">Result</th><th scope="col" class="num">Threshold</th><th scope="col">Pass/Fail</th></tr></thead><tbody>${m.summaryRows
      .map(
        (r) =>
          `<tr><th scope="row">${h(r.metric)}${r.criterion ? ` <code>${h(r.criterion)}</code>` : ''}</th><td class="num">${h(r.result)}</td><td class="num">${h(r.threshold)}</td>${statusCell(r.status)}</tr>`,
      )
      .join('')}</tbody></table>`,
  );
  if (m.redFlags.length) summary.push(`<p><strong>Red flags</strong></p><ul class="flags">${m.redFlags.map((f) => `<li>${h(f)}</li>`).join('')}</ul>`);
  summary.push('</section>');
  body.push(summary.join('\n'));

  if (result.baseline || comparisonCharts.length) body.push(baselineSection(result, comparisonCharts));

  body.push(
    `<section id="over-time" class="page"><h2>Over time</h2>${
      charts.run.length
        ? `<p class="note">Shaded bands are the steps of constant load; the time axis is shared by every chart below and in “Watched series”.</p>${charts.run.map(figure).join('\n')}`
        : '<p>No time series in this result, so nothing to chart over time.</p>'
    }</section>`,
  );

  const capacity = ['<section id="capacity"><h2>Capacity Estimate</h2>'];
  if (m.capacity) {
    const c = m.capacity;
    if (c.statement) capacity.push(`<p>${h(c.statement)}</p>`);
    const items = c.rows.map((r) => `<li><strong>${h(r.label)}:</strong> ${h(r.value)}</li>`);
    if (c.phases) {
      items.push(
        `<li><strong>Phases:</strong> ${h(c.phases)}${c.phaseNotes.length ? `<ul>${c.phaseNotes.map((n) => `<li>${h(n)}</li>`).join('')}</ul>` : ''}</li>`,
      );
    }
    items.push(`<li><strong>USL fit:</strong> ${h(c.usl)}</li>`);
    capacity.push(`<ul>${items.join('')}</ul>`);
  } else {
    capacity.push('<p>No analysis in this result: capacity was not estimated.</p>');
  }
  capacity.push(...charts.load.filter((c) => c.id !== 'saturation-vs-load').map(figure));
  capacity.push('</section>');
  body.push(capacity.join('\n'));

  const bottleneck = ['<section id="bottleneck"><h2>Bottleneck Found</h2>'];
  if (m.saturation) {
    bottleneck.push(`<p class="finding">${h(m.saturation.headline)}</p>`);
    bottleneck.push(
      `<table class="saturation"><thead><tr><th>resource</th><th>limit</th><th>saturated at</th><th>how</th><th>value there</th></tr></thead><tbody>${m.saturation.rows
        .map((r) => `<tr><td>${h(r.resource)}</td><td>${h(r.limit)}</td><td>${h(r.at)}</td><td>${h(r.how)}</td><td>${h(r.value)}</td></tr>`)
        .join('')}</tbody></table>`,
    );
    bottleneck.push(...charts.load.filter((c) => c.id === 'saturation-vs-load').map(figure));
  }
  if (m.bottleneck) {
    const b = m.bottleneck;
    bottleneck.push(`<p class="finding"><strong>${h(b.title)}</strong> (<code>${h(b.id)}</code>, confidence ${h(b.confidence)})</p>`);
    if (b.atLoad) bottleneck.push(`<p>First at load: ${h(b.atLoad)}.</p>`);
    if (b.evidence.length) bottleneck.push(`<p>Evidence:</p><ul>${b.evidence.map((e) => `<li>${rich(e)}</li>`).join('')}</ul>`);
    if (m.otherFindings.length) {
      bottleneck.push(
        `<p>Also supported by the evidence: ${m.otherFindings.map((f) => `${h(f.title)} (<code>${h(f.id)}</code>, ${h(f.confidence)})`).join('; ')}.</p>`,
      );
    }
  } else {
    bottleneck.push(`<p>${rich(m.noBottleneckReason ?? [])}</p>`);
  }
  bottleneck.push('</section>');
  body.push(bottleneck.join('\n'));

  body.push(
    `<section id="recommendations"><h2>Recommendations</h2>${
      m.recommendations.length
        ? `<ol>${m.recommendations
            .map((r) => {
              const tail = [r.from ? `from <code>${h(r.from)}</code>` : '', r.handoff ? `handoff: <strong>${h(r.handoff)}</strong>` : '']
                .filter(Boolean)
                .join(' · ');
              return `<li>${rich(r.text)}${tail ? ` <span class="tail">— ${tail}</span>` : ''}</li>`;
            })
            .join('')}</ol>`
        : '<p>No action follows from this run’s evidence.</p>'
    }</section>`,
  );

  body.push(
    `<section id="steps" class="page"><h2>Per-step results</h2>${
      m.steps.length
        ? table(
            ['Step', 'Window', 'Offered', 'Achieved', 'p50', 'p95', 'p99', 'Errors', 'Concurrency', 'Note'],
            m.steps.map((s) => [s.step, s.window, s.offered, s.achieved, s.p50, s.p95, s.p99, s.errors, s.concurrency, s.note].map(h)),
            [true, false, true, true, true, true, true, true, true, false],
          )
        : '<p>No steps: the result has no stretches of constant load to compare.</p>'
    }</section>`,
  );

  body.push(
    `<section id="endpoints"><h2>Per-endpoint results</h2>${
      m.endpoints.length
        ? endpointTable(m.endpoints)
        : '<p>No per-endpoint figures in this result.</p>'
    }</section>`,
  );

  if (m.series.length) {
    body.push(
      `<section id="watch" class="page"><h2>Watched series</h2>${charts.watch.map(figure).join('\n')}${table(
        ['Series', 'Role', 'Min', 'Mean', 'Max', 'Last', 'Gaps'],
        m.series.map((s) => [`<code>${h(s.name)}</code>`, ...[s.role, s.min, s.mean, s.max, s.last, String(s.gaps)].map(h)]),
        [false, false, true, true, true, true, true],
      )}</section>`,
    );
  }
  if (m.limitations.length) {
    body.push(`<section id="limitations"><h2>Limitations of the source</h2><ul>${m.limitations.map((l) => `<li>${h(l)}</li>`).join('')}</ul></section>`);
  }
  const notes = [...m.validity.info.map((v) => `${h(v.message)} <code>${h(v.id)}</code>`), ...m.warnings.map(h)];
  if (notes.length) body.push(`<section id="notes"><h2>Notes</h2><ul>${notes.map((n) => `<li>${n}</li>`).join('')}</ul></section>`);
  body.push(
    `<footer>Rendered by loadproof ${h(VERSION)} from a <code>${h(result.schema)}</code> result (source: ${h(result.source)}). This file loads nothing from the network.</footer>`,
  );

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${h(csp)}">
<meta name="generator" content="loadproof ${h(VERSION)}">
<title>${h(m.title)}</title>
<style>${uplotCss}</style>
<style>${STYLE}</style>
</head>
<body>
<main>
${body.join('\n')}
</main>
<noscript><p class="note">Charts need JavaScript; every figure is also in the tables.</p></noscript>
<script type="application/json" id="lp-data">${data}</script>
<script>${uplot}</script>
<script>${HTML_CLIENT_SCRIPT}</script>
</body>
</html>
`;
}

/**
 * "Compared with baseline": the verdict of `run --baseline`, the difference table (the run as a
 * whole, then each endpoint), both runs' latency over time on one chart; and the plan's trend.
 */
function baselineSection(result: Result, specs: ChartSpec[]): string {
  const c = result.baseline;
  const out = [`<section id="baseline"><h2>${c ? 'Compared with baseline' : 'Trend'}</h2>`];
  if (c) {
    const cls = c.verdict === 'regression' ? 'fail' : c.verdict === 'improvement' ? 'pass' : 'na';
    out.push(`<p class="comparison-verdict"><strong class="${cls}">${h(c.verdict ?? 'no verdict')}</strong>: ${h(c.statement)}</p>`);
    out.push(`<p class="note">${h(runsLine(c))}</p>`);
    out.push(
      table(
        ['Scope', 'Metric', 'A', 'B', 'Change', 'Interval', 'Judgement'],
        deltaRows(c).map((r) => [
          r.scope === 'overall' ? 'overall' : `<code>${h(r.scope)}</code>`,
          h(r.metric),
          h(r.a),
          h(r.b),
          h(r.change),
          h(r.ci),
          `<span class="${r.judgement === 'worse' ? 'fail' : r.judgement === 'better' ? 'pass' : 'na'}">${h(r.judgement)}</span>${r.note ? ` <span class="note">(${h(r.note)})</span>` : ''}`,
        ]),
        [false, false, true, true, true, true, false],
      ).replace('<table>', '<table class="deltas">'),
    );
    out.push(`<p>${h(diagnosisLine(c))}</p>`);
    out.push(`<p class="note">${h(methodLine(c))}</p>`);
  }
  out.push(...specs.map(figure));
  out.push('</section>');
  return out.join('\n');
}

/** The report’s own stylesheet (the live dashboard reuses it): readable on screen, on paper (white, page breaks) and in dark mode. */
export const STYLE = `
:root { --fg: #1b1f24; --bg: #ffffff; --muted: #57606a; --line: #d0d7de; --panel: #f6f8fa; --grid: rgba(0,0,0,0.08);
  --pass: #1a7f37; --fail: #cf222e; --warn: #9a6700; color-scheme: light dark; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9da7b3; --line: #30363d; --panel: #161b22; --grid: rgba(255,255,255,0.10);
    --pass: #3fb950; --fail: #f85149; --warn: #d29922; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 1080px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 1.6em; margin: 0 0 4px; }
h2 { font-size: 1.25em; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
.sub, .note, footer { color: var(--muted); }
footer { margin-top: 40px; font-size: 0.85em; }
code { font: 0.88em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--panel); padding: 1px 4px; border-radius: 4px; overflow-wrap: anywhere; }
section.verdict { border: 1px solid var(--line); border-left-width: 6px; border-radius: 6px; padding: 8px 16px; margin: 16px 0; background: var(--panel); }
section.verdict.outcome-held { border-left-color: var(--pass); }
section.verdict.outcome-refuted, section.verdict.outcome-aborted { border-left-color: var(--fail); }
section.verdict.outcome-invalid { border-left-color: var(--warn); }
section.verdict .outcome { font-size: 1.1em; }
.badge { display: inline-block; min-width: 1.5em; text-align: center; border-radius: 4px; color: #fff; font-weight: 700; background: var(--muted); }
.outcome-held .badge { background: var(--pass); }
.outcome-refuted .badge, .outcome-aborted .badge { background: var(--fail); }
.outcome-invalid .badge { background: var(--warn); }
ul.flags li::marker { color: var(--fail); }
section.verdict li.sub { margin-left: 1.5em; }
section.validity { border-radius: 6px; padding: 4px 16px; margin: 12px 0; border: 1px solid var(--warn); }
section.validity.invalid { border-width: 2px; border-color: var(--fail); }
table { border-collapse: collapse; width: 100%; margin: 8px 0; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { background: var(--panel); }
th.num, td.num { text-align: right; white-space: nowrap; }
table.kv th { width: 14em; font-weight: 600; }
table.summary th[scope="row"] { font-weight: normal; }
td.pass { color: var(--pass); font-weight: 600; }
td.fail { color: var(--fail); font-weight: 600; }
td.na, span.na, strong.na { color: var(--muted); }
span.fail, strong.fail { color: var(--fail); font-weight: 600; }
span.pass, strong.pass { color: var(--pass); font-weight: 600; }
.scroll { overflow-x: auto; }
figure.chart { margin: 14px 0 22px; page-break-inside: avoid; break-inside: avoid; }
figure.chart figcaption { font-weight: 600; margin-bottom: 4px; }
.plot { width: 100%; }
.u-legend { font-size: 0.85em; text-align: left; }
.u-legend .u-series > * { padding: 1px 4px; }
@media print {
  :root { --fg: #000; --bg: #fff; --muted: #444; --line: #bbb; --panel: #f3f3f3; --grid: rgba(0,0,0,0.12); }
  body { background: #fff; color: #000; font-size: 11pt; }
  main { max-width: none; padding: 0; }
  section { break-inside: auto; }
  section.page { break-before: page; page-break-before: always; }
  h2 { break-after: avoid; page-break-after: avoid; }
  tr, figure.chart { break-inside: avoid; page-break-inside: avoid; }
  .scroll { overflow: visible; }
  .u-over, .u-cursor-x, .u-cursor-y, .u-select { display: none !important; }
  a { color: inherit; text-decoration: none; }
}
`;

/** The per-endpoint table; a Protocol column when the result records one (older results do not). */
function endpointTable(rows: ReportModel['endpoints']): string {
  const proto = rows.some((e) => e.protocol !== undefined);
  return table(
    ['Endpoint', 'Method', ...(proto ? ['Protocol'] : []), 'Requests', 'Errors', 'p50', 'p95', 'p99', 'Max', 'Status codes'],
    rows.map((e) => [
      `<code>${h(e.name)}</code>`,
      ...[e.method, ...(proto ? [e.protocol ?? ''] : []), e.requests, e.errors, e.p50, e.p95, e.p99, e.max, e.statusCodes].map(h),
    ]),
    [false, false, ...(proto ? [false] : []), true, true, true, true, true, true, false],
  );
}
