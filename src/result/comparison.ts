/**
 * The shapes of a comparison between two runs (history/compare.ts computes them) and of a plan's
 * trend, as stored in `result.json` (`baseline`, `trend`) and read by the reports.
 */

export type MetricName = 'p50' | 'p95' | 'p99' | 'throughput' | 'errorRate' | 'capacity';
export type ComparisonVerdict = 'regression' | 'improvement' | 'no significant change';

export interface MetricDelta {
  metric: MetricName;
  unit: 'ms' | 'req/s' | 'ratio';
  a: number | null;
  b: number | null;
  /** relative change b/a − 1; for errorRate the absolute difference b − a */
  change: number | null;
  changeKind: 'relative' | 'absolute';
  /** confidence interval of `change`; null when it could not be estimated (see `note`) */
  ci: [number, number] | null;
  significant: boolean;
  /** which way the change goes for the service (only when significant) */
  direction: 'worse' | 'better' | null;
  note?: string;
}

export interface ScopeComparison {
  /** `overall` or the endpoint's name */
  name: string;
  metrics: MetricDelta[];
}

export interface RunRef {
  label: string;
  id: number | null;
  planName: string;
  planHash: string;
  startedAt: string;
  verdict: string;
  resultPath: string | null;
  gitCommit: string | null;
}

export interface Comparison {
  schema: 'loadproof.comparison/v1';
  a: RunRef;
  b: RunRef;
  /** false when no verdict may be given; `reasons` says why */
  comparable: boolean;
  reasons: string[];
  verdict: ComparisonVerdict | null;
  /** one sentence: the verdict and what drove it */
  statement: string;
  minEffect: number;
  confidence: number;
  replicates: number;
  /** block lengths used, seconds (A, B) */
  blockLengthSec: [number, number];
  overall: ScopeComparison;
  endpoints: ScopeComparison[];
  diagnoses: { a: string[]; b: string[]; changed: boolean; added: string[]; removed: string[] };
  /**
   * The run-to-run spread that widened the intervals (sd of ln(figure) over earlier runs of the same
   * plan), when the history had enough of them; null otherwise (intervals are within-run only).
   */
  runToRun: { runs: number; sdLog: Partial<Record<MetricName, number>> } | null;
  /** both runs' per-second p95 (ms) for the latency-over-time chart */
  latencyOverTime: { a: Array<[number, number | null]>; b: Array<[number, number | null]> };
}

/** One run of the plan's recent history, for the report's trend chart. */
export interface TrendPoint {
  /** history id; null for the run being reported when it is not recorded */
  id: number | null;
  startedAt: string;
  verdict: string;
  p95Ms: number | null;
  throughputRps: number;
  errorRate: number;
  capacityRps: number | null;
  /** the run this report is about */
  current?: boolean;
}

export const METRIC_TEXT: Record<MetricName, string> = {
  p50: 'p50',
  p95: 'p95',
  p99: 'p99',
  throughput: 'throughput',
  errorRate: 'error rate',
  capacity: 'capacity',
};

/** A change as text: relative in %, absolute (error rate) in percentage points. */
export function formatChange(x: number | null, kind: 'relative' | 'absolute'): string {
  if (x === null || !Number.isFinite(x)) return '—';
  const sign = x > 0 ? '+' : x < 0 ? '−' : '±';
  const v = Math.abs(x) * 100;
  return `${sign}${v.toFixed(v >= 10 ? 1 : 2)}${kind === 'absolute' ? ' pp' : '%'}`;
}

