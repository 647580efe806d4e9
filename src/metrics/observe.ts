/**
 * Reading a k6-style metric aggregation (`p(95)`, `avg`, `rate`, `count`, ...) off aggregated data.
 *
 * The same semantics serve the end-of-run thresholds (metrics/thresholds.ts, over the whole run)
 * and the live incident guard (engine/guard.ts, over a sliding window), so a rule means the same
 * thing in both places:
 *
 *   http_req_duration   trend, ms     avg | min | max | med | p(N) of request latencies
 *   iteration_duration  trend, ms     (not recorded in result.json: observed null)
 *   http_req_failed     rate, ratio   errors / requests
 *   checks              rate, ratio   passes / (passes + fails)
 *   http_reqs           counter       count = requests; rate = requests / durationSec (req/s)
 *   iterations          counter       count; rate per second
 *   dropped_iterations  counter       arrivals dropped at maxInFlight; rate per second
 *   data_received/sent  counter       bytes; rate = bytes/s
 *
 * Percentiles come from a merged HdrHistogram (µs). Without one (an imported result), the recorded
 * summary answers what it holds — avg, min, max, med and p(90/95/99/99.9) — and any other p(N) is
 * unobservable (null) rather than guessed: percentiles are never interpolated or averaged.
 */
import type { Aggregation } from '../plan/thresholds.js';
import type { CriterionResult, LatencySummaryMs } from '../result/types.js';
import { meanUs, percentileMs, type Histogram } from './histogram.js';

export type MetricUnit = NonNullable<CriterionResult['unit']>;

/** Aggregated data over a span (a run, a tag-filtered subset, a guard window). */
export interface MetricData {
  /** length of the span in seconds (rates per second divide by it) */
  durationSec: number;
  requests: number;
  errors: number;
  /** merged latency histogram in µs; null when the source has none */
  hdr: Histogram | null;
  /** recorded latency figures, used when `hdr` is null; any of them may be absent */
  latencyMs?: Partial<LatencySummaryMs> | null;
  /** null when checks were not recorded for this span */
  checks?: { passes: number; fails: number } | null;
  iterations?: number | null;
  dropped?: number | null;
  bytesReceived?: number | null;
  bytesSent?: number | null;
}

export interface Observation {
  observed: number | null;
  unit: MetricUnit;
  /** why `observed` is null */
  note?: string;
}

const PERCENTILE_FIELDS: Record<number, keyof LatencySummaryMs> = { 50: 'p50', 90: 'p90', 95: 'p95', 99: 'p99', 99.9: 'p999' };

function describe(agg: Aggregation): string {
  return agg.kind === 'percentile' ? `p(${agg.p})` : agg.kind;
}

function trend(agg: Aggregation, data: MetricData): Observation {
  const unit = 'ms';
  if (data.hdr && data.hdr.totalCount > 0) {
    const h = data.hdr;
    switch (agg.kind) {
      case 'avg':
        return { observed: Math.round(meanUs(h)) / 1000, unit };
      case 'min':
        return { observed: h.minNonZeroValue / 1000, unit };
      case 'max':
        return { observed: h.maxValue / 1000, unit };
      case 'med':
        return { observed: percentileMs(h, 50), unit };
      case 'percentile':
        return { observed: percentileMs(h, agg.p), unit };
      default:
        return { observed: null, unit, note: `${describe(agg)} does not apply to a duration` };
    }
  }
  if (data.requests === 0 || (data.hdr && data.hdr.totalCount === 0 && !data.latencyMs)) {
    return { observed: null, unit, note: 'no requests completed' };
  }
  const s = data.latencyMs;
  if (!s) return { observed: null, unit, note: 'no latency data recorded' };
  const field: keyof LatencySummaryMs | undefined =
    agg.kind === 'avg' ? 'mean' : agg.kind === 'min' ? 'min' : agg.kind === 'max' ? 'max' : agg.kind === 'med' ? 'p50' : agg.kind === 'percentile' ? PERCENTILE_FIELDS[agg.p] : undefined;
  const v = field === undefined ? undefined : s[field];
  if (v === undefined || v === null || !Number.isFinite(v)) {
    return { observed: null, unit, note: `${describe(agg)} needs a latency histogram, which this result does not hold` };
  }
  return { observed: v, unit };
}

function ratio(numerator: number, denominator: number, what: string): Observation {
  return denominator > 0 ? { observed: numerator / denominator, unit: 'ratio' } : { observed: null, unit: 'ratio', note: `no ${what}` };
}

function counter(agg: Aggregation, total: number | null | undefined, data: MetricData, bytes: boolean, what: string): Observation {
  const countUnit: MetricUnit = bytes ? 'bytes' : 'count';
  const rateUnit: MetricUnit = bytes ? 'bytes/s' : 'rps';
  if (total === null || total === undefined) return { observed: null, unit: agg.kind === 'rate' ? rateUnit : countUnit, note: `${what} not recorded` };
  if (agg.kind === 'count') return { observed: total, unit: countUnit };
  if (agg.kind === 'rate') {
    return data.durationSec > 0 ? { observed: total / data.durationSec, unit: rateUnit } : { observed: null, unit: rateUnit, note: 'zero duration' };
  }
  return { observed: null, unit: countUnit, note: `${describe(agg)} does not apply to a counter` };
}

/** The value of `metric` aggregated by `agg` over `data`, with its unit; null with a note when unobservable. */
export function observe(metric: string, agg: Aggregation, data: MetricData): Observation {
  switch (metric) {
    case 'http_req_duration':
      return trend(agg, data);
    case 'iteration_duration':
      return { observed: null, unit: 'ms', note: 'iteration_duration is not recorded' };
    case 'http_req_failed':
      return ratio(data.errors, data.requests, 'requests');
    case 'checks':
      if (!data.checks) return { observed: null, unit: 'ratio', note: 'checks not recorded' };
      return ratio(data.checks.passes, data.checks.passes + data.checks.fails, 'checks ran');
    case 'http_reqs':
      return counter(agg, data.requests, data, false, 'requests');
    case 'iterations':
      return counter(agg, data.iterations, data, false, 'iterations');
    case 'dropped_iterations':
      return counter(agg, data.dropped, data, false, 'dropped arrivals');
    case 'data_received':
      return counter(agg, data.bytesReceived, data, true, 'bytes received');
    case 'data_sent':
      return counter(agg, data.bytesSent, data, true, 'bytes sent');
    default:
      return { observed: null, unit: 'count', note: `unknown metric ${metric}` };
  }
}

/** What a tag filter can be matched against. */
export interface TaggedEndpoint {
  name: string;
  method?: string;
  /** the path as written in the plan */
  path?: string;
  scenario?: string;
}

/**
 * Whether an endpoint matches a tag filter. `{name:X}` matches the endpoint named X *or* the
 * scenario named X (plans write `http_req_duration{name:browse}` for a scenario, as k6 users name
 * groups); `{scenario:X}` the scenario; `{method:GET}` the method (any case); `{endpoint:X}` the
 * name or `METHOD path`. `{status:N}` is not an endpoint property: see `statusFilterable`.
 */
export function matchesTag(tag: { key: string; value: string }, e: TaggedEndpoint): boolean {
  switch (tag.key) {
    case 'name':
      return e.name === tag.value || e.scenario === tag.value;
    case 'scenario':
      return e.scenario === tag.value;
    case 'method':
      return e.method !== undefined && e.method.toUpperCase() === tag.value.toUpperCase();
    case 'endpoint':
      return e.name === tag.value || (e.method !== undefined && e.path !== undefined && `${e.method} ${e.path}` === tag.value);
    default:
      return false;
  }
}

/** Metrics that can be filtered by `{status:N}` from per-endpoint status-code counts. */
export function statusFilterable(metric: string): boolean {
  return metric === 'http_reqs';
}

/** Human text of an observed value in its unit, for messages: `0.083`, `2345ms`, `12.5/s`. */
export function formatObserved(value: number, unit: MetricUnit): string {
  switch (unit) {
    case 'ms':
      return `${value >= 100 ? Math.round(value) : Number(value.toPrecision(3))}ms`;
    case 'ratio':
      return value === 0 || value >= 0.001 ? value.toFixed(3) : value.toPrecision(2);
    case 'rps':
      return `${Number(value.toFixed(1))}/s`;
    case 'bytes/s':
      return `${Math.round(value)} B/s`;
    case 'bytes':
      return `${Math.round(value)} B`;
    case 'count':
      return String(Math.round(value));
  }
}

/** The threshold's bound in the metric's unit, for messages: `2000ms`, `0.05`, `10/s`. */
export function formatBound(value: number, unit: MetricUnit): string {
  switch (unit) {
    case 'ms':
      return `${value}ms`;
    case 'rps':
      return `${value}/s`;
    case 'bytes/s':
      return `${value} B/s`;
    case 'bytes':
      return `${value} B`;
    default:
      return String(value);
  }
}

export { describe as describeAggregation };
