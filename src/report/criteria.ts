/**
 * How a criterion (`http_req_duration p(95)<200`) reads in a report: its unit, a human label, the
 * threshold with its unit ("< 200 ms", "< 1%") and the observed value in the same unit.
 *
 * The unit comes from the criterion when the producer recorded it, else from the metric's type in
 * the threshold grammar (src/plan/thresholds.ts): trends are milliseconds, rate metrics are ratios,
 * counters are per-second rates under `rate` and counts under `count`.
 */
import { METRICS, parseMetricKey, parseThreshold, type ThresholdExpr } from '../plan/thresholds.js';
import type { CriterionResult } from '../result/types.js';
import { NONE, formatBytes, formatCount, formatMs, formatMsValue, formatNumber, formatPct, formatRps, trimZeros } from './format.js';

export type CriterionUnit = NonNullable<CriterionResult['unit']>;

/** The parsed pieces of a criterion; `expr` is null when the condition does not parse. */
export interface CriterionParts {
  metric: string;
  tag: { key: string; value: string } | null;
  expr: ThresholdExpr | null;
  unit: CriterionUnit;
}

export function criterionParts(c: CriterionResult): CriterionParts {
  const key = parseMetricKey(c.metric);
  const metric = typeof key === 'string' ? c.metric : key.metric;
  const tag = typeof key === 'string' ? null : (key.tag ?? null);
  const parsed = parseThreshold(c.condition);
  const expr = typeof parsed === 'string' ? null : parsed;
  return { metric, tag, expr, unit: c.unit ?? inferUnit(metric, expr) };
}

function inferUnit(metric: string, expr: ThresholdExpr | null): CriterionUnit {
  const type = METRICS[metric];
  if (type === 'trend') return 'ms';
  if (type === 'rate') return 'ratio';
  const data = metric === 'data_received' || metric === 'data_sent';
  if (type === 'counter' && data) return expr?.aggregation.kind === 'rate' ? 'bytes/s' : 'bytes';
  if (type === 'counter') return expr?.aggregation.kind === 'rate' ? 'rps' : 'count';
  return expr?.aggregation.kind === 'rate' ? 'ratio' : 'count';
}

/**
 * A value in the criterion's unit: "850 ms", "2.3%", "1,020 req/s", "12". `exact` is for values the
 * user wrote (thresholds): no padding zeros ("50 ms", not the "50.0 ms" a measurement would show).
 */
export function formatInUnit(value: number | null, unit: CriterionUnit, exact = false): string {
  if (value === null) return NONE;
  switch (unit) {
    case 'ms':
      return exact ? `${trimZeros(formatMsValue(value))} ms` : formatMs(value);
    case 'ratio':
      return formatPct(value);
    case 'rps':
      return formatRps(value);
    case 'count':
      return Number.isInteger(value) ? formatCount(value) : formatNumber(value, 4);
    case 'bytes':
      return formatBytes(value);
    case 'bytes/s':
      return `${formatBytes(value)}/s`;
  }
}

const OP_TEXT: Record<string, string> = { '<': '<', '<=': '≤', '>': '>', '>=': '≥', '==': '=', '!=': '≠' };

/** The threshold alone, in the criterion's unit: "< 200 ms", "< 1%", "> 1,000 req/s". */
export function formatThreshold(c: CriterionResult): string {
  const p = criterionParts(c);
  if (!p.expr) return c.condition;
  return `${OP_TEXT[p.expr.op] ?? p.expr.op} ${formatInUnit(p.expr.value, p.unit, true)}`;
}

/** What the aggregation is called in prose: "p95", "p99.9", "average", "median", "rate", "count". */
function aggregationLabel(expr: ThresholdExpr | null): string {
  if (!expr) return '';
  const a = expr.aggregation;
  switch (a.kind) {
    case 'percentile':
      return `p${a.p}`;
    case 'avg':
      return 'average';
    case 'med':
      return 'median';
    default:
      return a.kind;
  }
}

const METRIC_LABEL: Record<string, string> = {
  http_req_duration: 'latency',
  http_req_failed: 'error rate',
  http_reqs: 'throughput',
  checks: 'checks passed',
  iterations: 'iterations',
  iteration_duration: 'iteration duration',
  dropped_iterations: 'dropped arrivals',
  data_received: 'data received',
  data_sent: 'data sent',
};

/**
 * A human label: "p95 latency", "error rate", "checks passed", "throughput", "p99 latency of
 * name:browse". Rate metrics read as themselves ("error rate", not "rate error rate").
 */
export function criterionLabel(c: CriterionResult): string {
  const p = criterionParts(c);
  const base = METRIC_LABEL[p.metric] ?? p.metric;
  const agg = aggregationLabel(p.expr);
  let head: string;
  if (p.unit === 'ms') head = agg ? `${agg} ${base}` : base;
  else if (p.unit === 'count') head = p.metric === 'http_reqs' ? 'requests' : `${base} count`;
  else if (p.unit === 'bytes/s') head = `${base} rate`;
  else head = base;
  return p.tag ? `${head} of ${p.tag.key}:${p.tag.value}` : head;
}

/** `metric condition`, the name CI tools show (JUnit testcase name). */
export function criterionName(c: CriterionResult): string {
  return `${c.metric} ${c.condition}`;
}

/**
 * The observed value as a report shows it: in the criterion's unit, or, when nothing was observed,
 * a dash with the producer's note saying why ("— (no endpoint matched name:browse)").
 */
export function formatObserved(c: CriterionResult): string {
  if (c.observed === null) return c.note ? `${NONE} (${c.note})` : NONE;
  return formatInUnit(c.observed, criterionParts(c).unit);
}
