/**
 * The "Compared with baseline" part of the reports (`run --baseline`) and the plan's trend: the
 * numbers formatted once here, rendered by markdown.ts, html.ts and junit.ts. Pure.
 */
import { formatChange, METRIC_TEXT, type Comparison, type MetricDelta, type ScopeComparison, type TrendPoint } from '../result/comparison.js';

export { formatChange, METRIC_TEXT };
import type { Result } from '../result/types.js';
import type { ChartSeries, ChartSpec } from './charts.js';
import { escapeMarkdown, markdownCode } from './escape.js';
import { formatMs, formatPct, formatRps } from './format.js';

function value(d: MetricDelta, v: number | null): string {
  if (v === null) return '—';
  return d.unit === 'ms' ? formatMs(v) : d.unit === 'req/s' ? formatRps(v) : formatPct(v);
}

export interface DeltaRow {
  scope: string;
  metric: string;
  a: string;
  b: string;
  change: string;
  ci: string;
  /** `worse`, `better`, or `—` (not significant / not judged) */
  judgement: string;
  note: string;
}

function rowsOf(scope: ScopeComparison): DeltaRow[] {
  return scope.metrics.map((d) => ({
    scope: scope.name,
    metric: METRIC_TEXT[d.metric],
    a: value(d, d.a),
    b: value(d, d.b),
    change: formatChange(d.change, d.changeKind),
    ci: d.ci ? `[${formatChange(d.ci[0], d.changeKind)}, ${formatChange(d.ci[1], d.changeKind)}]` : '—',
    judgement: d.direction === 'worse' ? 'worse' : d.direction === 'better' ? 'better' : d.ci ? 'no significant change' : '—',
    note: d.note ?? '',
  }));
}

/** Every row of the difference table: the run as a whole first, then each endpoint. */
export function deltaRows(c: Comparison): DeltaRow[] {
  return [...rowsOf(c.overall), ...c.endpoints.flatMap(rowsOf)];
}

/** "A #12 (2026-…, commit abc1234) → B this run" in words. */
export function runsLine(c: Comparison): string {
  const ref = (r: Comparison['a']): string => `${r.label}${r.id !== null && !r.label.includes(`#${r.id}`) ? ` (#${r.id})` : ''}, started ${r.startedAt}${r.gitCommit ? `, commit ${r.gitCommit.slice(0, 10)}` : ''}`;
  return `Baseline A: ${ref(c.a)}. This run B: ${ref(c.b)}.`;
}

export function methodLine(c: Comparison): string {
  const spread = c.runToRun
    ? ` widened by the run-to-run spread of ${c.runToRun.runs} earlier runs of the plan (p95 ±${(100 * (c.runToRun.sdLog.p95 ?? 0)).toFixed(1)}%)`
    : ' (within-run variation only: fewer than 3 earlier runs of the plan in the history, so run-to-run noise is not included)';
  return `Changes are B against A with ${Math.round(c.confidence * 100)}% intervals from a block bootstrap of each run's seconds (${c.replicates} resamples; blocks of ${c.blockLengthSec[0]} s and ${c.blockLengthSec[1]} s)${spread}. A change counts when its interval excludes zero and it is at least ${Math.round(c.minEffect * 1000) / 10}%.`;
}

export function diagnosisLine(c: Comparison): string {
  const d = c.diagnoses;
  if (!d.changed) return d.a.length ? `Diagnosis unchanged: ${d.a.join(', ')}.` : 'Diagnosis unchanged: none in either run.';
  const parts: string[] = [];
  if (d.added.length) parts.push(`new in B: ${d.added.join(', ')}`);
  if (d.removed.length) parts.push(`gone since A: ${d.removed.join(', ')}`);
  return `Diagnosis changed: ${parts.join('; ')}.`;
}

/** The Markdown section (heading included). */
export function baselineMarkdown(result: Result): string {
  const c = result.baseline;
  if (!c) return '';
  const md = escapeMarkdown;
  const icon = c.verdict === 'regression' ? '❌' : c.verdict === 'improvement' ? '✅' : c.verdict === null ? '⚠️' : '➖';
  const out = ['### Compared with baseline', `${icon} **${md(c.verdict ?? 'no verdict')}**: ${md(c.statement)}`, md(runsLine(c))];
  const rows = deltaRows(c);
  out.push(
    [
      '| Scope | Metric | A | B | Change | Interval | Judgement |',
      '| --- | --- | ---: | ---: | ---: | ---: | --- |',
      ...rows.map((r) => `| ${r.scope === 'overall' ? 'overall' : markdownCode(r.scope)} | ${md(r.metric)} | ${md(r.a)} | ${md(r.b)} | ${md(r.change)} | ${md(r.ci)} | ${md(r.judgement)}${r.note ? ` (${md(r.note)})` : ''} |`),
    ].join('\n'),
  );
  out.push(md(diagnosisLine(c)));
  out.push(md(methodLine(c)));
  return out.join('\n\n');
}

/** One line for the terminal summary. */
export function baselineSummaryLine(result: Result): string | null {
  const c = result.baseline;
  if (!c) return null;
  return `Baseline ${c.a.label}: ${c.statement}`;
}

/** The trend as compact text: `p95 12ms → 14ms → 13ms` style, for history and the terminal. */
export function trendPoints(result: Result): TrendPoint[] {
  return result.trend ?? [];
}

const COLOR_A = '#777777';
const COLOR_B = '#0072B2';

/**
 * The charts of the comparison: both runs' p95 per second on one time axis (A grey dashed, B blue),
 * and the plan's trend of p95 across its recorded runs. Empty when the result has neither.
 */
export function baselineCharts(result: Result): ChartSpec[] {
  const out: ChartSpec[] = [];
  const c = result.baseline;
  if (c && (c.latencyOverTime.a.length || c.latencyOverTime.b.length)) {
    const a = c.latencyOverTime.a;
    const b = c.latencyOverTime.b;
    const end = Math.max(1, ...a.map((p) => p[0] + 1), ...b.map((p) => p[0] + 1));
    const series: ChartSeries[] = [
      { label: `A ${c.a.label} p95`, color: COLOR_A, x: a.map((p) => p[0]), y: a.map((p) => p[1]), dash: true },
      { label: `B ${c.b.label} p95`, color: COLOR_B, x: b.map((p) => p[0]), y: b.map((p) => p[1]) },
    ];
    const values = series.flatMap((s) => s.y).filter((v): v is number => v !== null && v > 0);
    const yLog = values.length >= 2 && Math.max(...values) / Math.min(...values) > 100;
    out.push({ id: 'baseline-latency', title: 'Latency over time, baseline A vs this run B (p95 per second)', xKind: 'time', xRange: [0, end], yUnit: 'ms', yLog, height: 220, series, bands: [], vMarkers: [], hMarkers: [] });
  }
  const trend = result.trend ?? [];
  if (trend.length >= 2) {
    const xs = trend.map((p, i) => p.id ?? (i > 0 ? (trend[i - 1]!.id ?? i) + 1 : 1));
    out.push({
      id: 'trend',
      title: `Trend: p95 of the plan’s last ${trend.length} runs`,
      xKind: 'run',
      xRange: [Math.min(...xs) - 0.5, Math.max(...xs) + 0.5],
      yUnit: 'ms',
      yLog: false,
      height: 150,
      series: [{ label: 'p95', color: COLOR_B, x: xs, y: trend.map((p) => p.p95Ms), points: true }],
      bands: [],
      vMarkers: [],
      hMarkers: [],
    });
  }
  return out;
}
