/**
 * k6-syntax threshold and abort expressions.
 *
 *   threshold  := aggregation op number            e.g. `p(95)<200`, `avg<100`, `rate<0.01`
 *   abort rule := threshold "for" duration         e.g. `rate>0.05 for 10s`
 *   aggregation:= avg | min | max | med | p(N) | rate | count
 *
 * Durations in threshold values are milliseconds (k6's convention); a unit may be written
 * (`p(95)<2s`) and is converted. Metric keys may carry one tag filter: `http_req_duration{name:browse}`.
 */
import { DURATION_SOURCE, parseDurationMs } from './units.js';

export type ThresholdOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

export type Aggregation =
  | { kind: 'avg' }
  | { kind: 'min' }
  | { kind: 'max' }
  | { kind: 'med' }
  | { kind: 'percentile'; p: number }
  | { kind: 'rate' }
  | { kind: 'count' };

export interface ThresholdExpr {
  /** the text as written, e.g. `p(95)<200` */
  source: string;
  aggregation: Aggregation;
  op: ThresholdOp;
  /** in the metric's unit: milliseconds for durations, a fraction for rates, per second for throughput */
  value: number;
}

export interface AbortExpr extends ThresholdExpr {
  /** the condition must hold over this whole sliding window before the run stops */
  forMs: number;
}

/** The kind of a metric decides which aggregations make sense. */
export type MetricType = 'trend' | 'rate' | 'counter';

/** Metrics a threshold or abort rule may name, with their type. */
export const METRICS: Readonly<Record<string, MetricType>> = {
  http_req_duration: 'trend',
  http_req_failed: 'rate',
  http_reqs: 'counter',
  checks: 'rate',
  iterations: 'counter',
  iteration_duration: 'trend',
  dropped_iterations: 'counter',
  data_received: 'counter',
  data_sent: 'counter',
};

/** Tags a metric key may filter on: `http_req_duration{name:browse}`. */
export const METRIC_TAGS = ['name', 'scenario', 'method', 'status', 'endpoint', 'expected_response'] as const;

export interface MetricKey {
  metric: string;
  type: MetricType;
  tag?: { key: string; value: string };
}

/** Parses a metric key; returns an error message (string) when it is not one. */
export function parseMetricKey(key: string): MetricKey | string {
  const m = /^([a-z_]+)(?:\{\s*([a-z_]+)\s*:\s*([^}]+?)\s*\})?$/.exec(key.trim());
  if (!m) return `"${key}" is not a metric name (expected e.g. http_req_duration or http_req_duration{name:browse})`;
  const metric = m[1]!;
  const type = METRICS[metric];
  if (!type) return `unknown metric "${metric}"`;
  if (m[2] !== undefined) {
    if (!(METRIC_TAGS as readonly string[]).includes(m[2])) {
      return `unknown tag "${m[2]}" (tags: ${METRIC_TAGS.join(', ')})`;
    }
    if (m[2] === 'expected_response' && (metric !== 'http_req_duration' || m[3] !== 'true')) {
      return `only http_req_duration{expected_response:true} is recorded (the latency of the successful requests)`;
    }
    return { metric, type, tag: { key: m[2], value: m[3]! } };
  }
  return { metric, type };
}

/**
 * A threshold expression as a regular-expression source without anchors (groups: aggregation,
 * percentile, operator, value). `parseThreshold` and the JSON Schema's `pattern` both use it.
 */
export const THRESHOLD_SOURCE = String.raw`\s*(avg|min|max|med|count|rate|p\(\s*(\d+(?:\.\d+)?)\s*\))\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:[a-zµ]+)?)\s*`;
const EXPR = new RegExp(`^${THRESHOLD_SOURCE}$`);

/** An abort rule (`<threshold> for <duration>`) as an anchored pattern, for the JSON Schema. */
export const ABORT_PATTERN = `^${THRESHOLD_SOURCE}\\s+for\\s+${DURATION_SOURCE}\\s*$`;

/** A metric key (`http_req_duration`, `http_req_duration{name:browse}`) as an anchored pattern. */
export const METRIC_KEY_PATTERN = `^(?:${Object.keys(METRICS).join('|')})(?:\\{\\s*(?:${METRIC_TAGS.join('|')})\\s*:\\s*[^}]+?\\s*\\})?$`;

/** Parses `p(95)<200`. Returns an error message (string) when it is not a threshold. */
export function parseThreshold(text: string, type?: MetricType): ThresholdExpr | string {
  const m = EXPR.exec(text);
  if (!m) return `"${text}" is not a threshold expression (expected e.g. "p(95)<200", "avg<100", "rate<0.01")`;
  let aggregation: Aggregation;
  if (m[2] !== undefined) {
    const p = Number(m[2]);
    if (!(p > 0 && p <= 100)) return `percentile p(${m[2]}) must be in (0, 100]`;
    aggregation = { kind: 'percentile', p };
  } else {
    aggregation = { kind: m[1] as 'avg' | 'min' | 'max' | 'med' | 'count' | 'rate' };
  }
  let value: number | undefined;
  if (/^-?\d+(\.\d+)?$/.test(m[4]!)) value = Number(m[4]);
  else value = parseDurationMs(m[4]!);
  if (value === undefined) return `"${m[4]}" is not a number or a duration`;
  if (type) {
    const ok =
      type === 'trend'
        ? !['rate', 'count'].includes(aggregation.kind)
        : type === 'rate'
          ? aggregation.kind === 'rate'
          : aggregation.kind === 'count' || aggregation.kind === 'rate';
    if (!ok) {
      const allowed = type === 'trend' ? 'avg, min, max, med, p(N)' : type === 'rate' ? 'rate' : 'count, rate';
      return `"${m[1]}" does not apply to a ${type} metric (use ${allowed})`;
    }
    if (type === 'rate' && (value < 0 || value > 1)) return `a rate is a fraction between 0 and 1, got ${value}`;
  }
  return { source: text.trim(), aggregation, op: m[3] as ThresholdOp, value };
}

/** Parses `rate>0.05 for 10s`. Returns an error message (string) when it is not an abort rule. */
export function parseAbortRule(text: string, type?: MetricType): AbortExpr | string {
  const m = /^(.*?)\s+for\s+(\S+)\s*$/.exec(text);
  if (!m) return `"${text}" is not an abort rule (expected "<threshold> for <duration>", e.g. "rate>0.05 for 10s")`;
  const forMs = parseDurationMs(m[2]!);
  if (forMs === undefined || forMs <= 0) return `"${m[2]}" is not a duration (e.g. 10s)`;
  const expr = parseThreshold(m[1]!, type);
  if (typeof expr === 'string') return expr;
  return { ...expr, forMs, source: text.trim() };
}

/** Applies the comparison `observed op value`. */
export function compare(observed: number, op: ThresholdOp, value: number): boolean {
  switch (op) {
    case '<':
      return observed < value;
    case '<=':
      return observed <= value;
    case '>':
      return observed > value;
    case '>=':
      return observed >= value;
    case '==':
      return observed === value;
    case '!=':
      return observed !== value;
  }
}
