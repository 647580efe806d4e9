/**
 * What the Markdown report must say, asserted on the stored results: the structure the issue asks
 * for, in order; validity before any number when results are invalid; the verdict wording; the
 * capacity lines; the bottleneck; and hostile text that stays text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderMarkdown, renderSummary } from '../../src/report/markdown.js';
import { buildReportModel } from '../../src/report/model.js';
import { hostileResult, loadResultFixture } from '../helpers/result-fixtures.js';

const SECTIONS = [
  '### Test Configuration',
  '### Results Summary',
  '### Capacity Estimate',
  '### Bottleneck Found',
  '### Recommendations',
  '### Per-step results',
  '### Per-endpoint results',
];

/**
 * Removes CommonMark code spans: an unescaped run of n backticks up to the next run of exactly n
 * (backslash escapes do not apply inside a span, so the closing run is found literally).
 */
function stripCodeSpans(md: string): string {
  let out = '';
  let i = 0;
  while (i < md.length) {
    const ch = md[i]!;
    if (ch === '\\') {
      out += md.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (ch !== '`') {
      out += ch;
      i++;
      continue;
    }
    let n = 0;
    while (md[i + n] === '`') n++;
    const close = new RegExp(`(?<!\`)\`{${n}}(?!\`)`, 'g');
    close.lastIndex = i + n;
    const m = close.exec(md);
    if (!m) {
      out += md.slice(i, i + n);
      i += n;
      continue;
    }
    i = m.index + n;
  }
  return out;
}

function indexes(md: string, marks: string[]): number[] {
  return marks.map((m) => {
    const i = md.indexOf(m);
    assert.ok(i >= 0, `missing ${m}`);
    return i;
  });
}

test('the report follows the issue structure: title, hypothesis and verdict first, then the sections in order', () => {
  const md = renderMarkdown(loadResultFixture('fail-stress'));
  assert.ok(md.startsWith('## Load Test Report — search under stress 2025-06-15\n'), md.slice(0, 80));
  const at = indexes(md, ['**Hypothesis:**', '**Hypothesis refuted**', ...SECTIONS]);
  assert.deepEqual([...at].sort((a, b) => a - b), at, 'sections out of order');
  assert.match(md, /\| Metric \| Result \| Threshold \| Pass\/Fail \|/);
});

test('each outcome has its wording: held, refuted, aborted, invalid, and no verdict without criteria', () => {
  const words: Record<string, string> = {
    'pass-load': 'Hypothesis held',
    'fail-stress': 'Hypothesis refuted',
    'aborted-breakpoint': 'Run aborted',
    'invalid-generator': 'Results invalid',
    'imported-wrk': 'No verdict',
  };
  for (const [name, label] of Object.entries(words)) {
    const m = buildReportModel(loadResultFixture(name as 'pass-load'));
    assert.equal(m.outcomeLabel, label, name);
    assert.ok(renderSummary(loadResultFixture(name as 'pass-load')).startsWith(label), name);
  }
});

test('an invalid result states its validity problems before any measured number', () => {
  const md = renderMarkdown(loadResultFixture('invalid-generator'));
  const warning = md.indexOf('These results are not valid');
  assert.ok(warning > 0);
  // The first measured figure (the results table, the configuration) comes after the warning.
  assert.ok(md.indexOf('### Test Configuration') > warning);
  assert.ok(md.indexOf('230,560') > warning);
  // The head before the warning holds the title, the hypothesis (the user's words) and the verdict only.
  const head = md.slice(0, warning);
  assert.ok(!/req\/s offered|requests|ms \|/.test(head), head);
  // No capacity figure is claimed for an invalid run.
  assert.ok(!/Max sustainable load/.test(md));
});

test('the results summary carries p95, p99, error rate, peak throughput and every criterion with pass/fail', () => {
  const r = loadResultFixture('pass-load');
  const rows = buildReportModel(r).summaryRows;
  const byMetric = new Map(rows.map((row) => [row.metric, row]));
  assert.equal(byMetric.get('p95 latency')!.threshold, '< 200 ms');
  assert.equal(byMetric.get('p95 latency')!.status, 'pass');
  assert.equal(byMetric.get('p99 latency')!.threshold, '< 500 ms');
  assert.equal(byMetric.get('Error rate')!.threshold, '< 1%');
  assert.equal(byMetric.get('Throughput (peak second)')!.result, '102 req/s');
  assert.equal(byMetric.get('checks passed')!.result, '99.97%');
  // Every criterion appears exactly once.
  for (const c of r.criteria) {
    assert.equal(rows.filter((row) => row.criterion === `${c.metric} ${c.condition}`).length, 1, c.condition);
  }
});

test('capacity reads "above N, not reached" when the SLO held at the highest load, and the knee is marked', () => {
  const pass = renderMarkdown(loadResultFixture('pass-load'));
  assert.match(pass, /Max sustainable load at the SLO \(p\(95\)<200ms, errors<1%\):\*\* above 100 req\/s, not reached/);
  const aborted = renderMarkdown(loadResultFixture('aborted-breakpoint'));
  assert.match(aborted, /Max sustainable load at the SLO .*:\*\* 200 req\/s/);
  assert.match(aborted, /plan for at most 140 req\/s/);
  assert.match(aborted, /\| 9 \| 1:21–1:30 \| 225 req\/s .* knee \|/);
  assert.match(aborted, /\*\*USL fit:\*\* σ = 0\.085/);
});

test('the bottleneck names the top diagnosis with its evidence, and recommendations carry the handoff', () => {
  const md = renderMarkdown(loadResultFixture('aborted-breakpoint'));
  const bottleneck = md.slice(md.indexOf('### Bottleneck Found'), md.indexOf('### Recommendations'));
  assert.match(bottleneck, /\*\*Connection pool exhausted\*\* \(`pool-exhaustion`, confidence 86%\)/);
  assert.match(bottleneck, /First at load: latency bent at 225 req\/s/);
  assert.match(bottleneck, /pool_in_use averaged 9\.4 of pool_size 10/);
  const recs = md.slice(md.indexOf('### Recommendations'), md.indexOf('### Per-step results'));
  assert.match(recs, /^1\. Raise the pool from 10 to 20 connections.* — from `pool-exhaustion` · handoff: \*\*performance-optimizer\*\*$/m);
  const summary = renderSummary(loadResultFixture('aborted-breakpoint'));
  assert.match(summary, /^Bottleneck: Connection pool exhausted \(pool-exhaustion, confidence 86%\)$/m);
  assert.match(summary, /^Capacity: 200 req\/s at the SLO/m);
});

test('an imported result shows its source and limitations, and claims no capacity it cannot know', () => {
  const md = renderMarkdown(loadResultFixture('imported-wrk'));
  assert.match(md, /\| Tool \| wrk 4\.1\.0 \(imported\) \|/);
  assert.match(md, /### Limitations of the source\n\n- wrk records no time series/);
  assert.match(md, /Throughput \(peak second\) \| not recorded \(no time series\)/);
  assert.match(md, /not estimated \(no steps of constant load to judge\)/);
});

test('hostile text from the plan, target and responses stays text in Markdown', () => {
  const md = renderMarkdown(hostileResult());
  // No raw tag can open anywhere: every `<` before a tag name is backslash-escaped or inside a code span.
  const outsideCode = stripCodeSpans(md);
  assert.ok(!/(^|[^\\])<(script|img)/i.test(outsideCode), 'a raw tag survived outside code spans');
  // Every table row still has as many cells as its header.
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^\| --- |^\| ---:/.test(lines[i]!)) continue;
    const cells = (line: string): number => line.replace(/\\\\/g, '').replace(/\\\|/g, '').split('|').length;
    const want = cells(lines[i - 1]!);
    for (let j = i + 1; j < lines.length && lines[j]!.startsWith('|'); j++) assert.equal(cells(lines[j]!), want, lines[j]);
  }
  assert.ok(md.includes('\\<script>window.\\_\\_pwned=1\\</script>'), 'the hostile name is shown as escaped text');
});
