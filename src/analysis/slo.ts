/**
 * The service-level objective a capacity is measured against: latency bounds and an error budget.
 *
 * Where it comes from, in order: `--slo` (analyze's flag, or `opts.slo`), else the plan's
 * `http_req_duration` and `http_req_failed` thresholds (untagged ones: the per-step figures are
 * over all endpoints), else the default p(95)<500 ms. An error budget always applies: the SLO's
 * own, else the plan's, else 1% — a step answering fast with half its requests failing does not
 * "meet" a latency objective.
 */
import { badFlag } from '../errors.js';
import { percentileMs, type Histogram } from '../metrics/histogram.js';
import { parseThreshold, type Aggregation, type ThresholdExpr } from '../plan/thresholds.js';
import type { Result } from '../result/types.js';
import * as w from './wording.js';

/** Used when neither `--slo` nor the plan states a latency objective. */
export const DEFAULT_LATENCY_SLO = 'p(95)<500';
/** Used when neither `--slo` nor the plan states an error budget: 1%. */
export const DEFAULT_ERROR_BUDGET = 0.01;

export interface LatencyBound {
  aggregation: Aggregation;
  /** `<` or `<=` */
  inclusive: boolean;
  valueMs: number;
  /** as written, e.g. `p(95)<200` */
  source: string;
}

export interface Slo {
  latency: LatencyBound[];
  /** highest acceptable error rate (fraction) */
  errorBudget: number;
  errorInclusive: boolean;
  origin: 'flag' | 'plan' | 'default';
  /** e.g. "p(95)<200ms, p(99)<500ms, errors<1%" */
  text: string;
  /** what was assumed or left out, in sentences */
  notes: string[];
}

const LATENCY_KINDS = new Set(['percentile', 'avg', 'med', 'max', 'min']);

function latencyBound(e: ThresholdExpr): LatencyBound | null {
  if (!LATENCY_KINDS.has(e.aggregation.kind) || (e.op !== '<' && e.op !== '<=')) return null;
  return { aggregation: e.aggregation, inclusive: e.op === '<=', valueMs: e.value, source: e.source };
}

const fmtPct = (f: number): string => `${Math.round(f * 10000) / 100}%`;

function describe(latency: LatencyBound[], errorBudget: number, errorInclusive: boolean): string {
  const parts = latency.map((l) => `${l.source.replace(/\s+/g, '')}${/[a-z]$/.test(l.source) ? '' : 'ms'}`);
  parts.push(`errors${errorInclusive ? '<=' : '<'}${fmtPct(errorBudget)}`);
  return parts.join(', ');
}

/**
 * Parses `--slo`: comma- or semicolon-separated k6 expressions, each optionally prefixed with its
 * metric (`http_req_duration:` / `http_req_failed:`): `p(95)<200`, `avg<100`, `rate<0.01`,
 * `http_req_duration: p(99)<1s`. A bare `rate` bound is the error budget. Throws exit-2 errors.
 */
export function parseSlo(text: string): Slo {
  const latency: LatencyBound[] = [];
  let errorBudget: number | null = null;
  let errorInclusive = false;
  const items = text
    .split(/[,;]|&&/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw badFlag('--slo is empty', `write e.g. --slo 'p(95)<200,rate<0.01'`, '--slo');
  for (const item of items) {
    const m = /^(?:(http_req_duration|http_req_failed|latency|errors)\s*(?::\s*|\s+))?(.+)$/.exec(item)!;
    const metric = m[1];
    const e = parseThreshold(m[2]!, metric === 'http_req_failed' || metric === 'errors' ? 'rate' : metric ? 'trend' : undefined);
    if (typeof e === 'string') throw badFlag(`--slo: ${e}`, `write e.g. --slo 'p(95)<200,rate<0.01'`, '--slo');
    if (e.aggregation.kind === 'rate') {
      if (e.op !== '<' && e.op !== '<=') throw badFlag(`--slo: "${item}" is not an error budget`, 'an error budget is an upper bound, e.g. rate<0.01', '--slo');
      if (e.value < 0 || e.value > 1) throw badFlag(`--slo: an error rate is a fraction between 0 and 1, got ${e.value}`, 'e.g. rate<0.01 for 1%', '--slo');
      errorBudget = e.value;
      errorInclusive = e.op === '<=';
      continue;
    }
    const b = latencyBound(e);
    if (!b) throw badFlag(`--slo: "${item}" is not a latency objective`, 'use an upper bound such as p(95)<200 or avg<100 (milliseconds)', '--slo');
    latency.push(b);
  }
  const notes: string[] = [];
  if (errorBudget === null) notes.push(`--slo states no error budget: ${fmtPct(DEFAULT_ERROR_BUDGET)} is assumed`);
  const budget = errorBudget ?? DEFAULT_ERROR_BUDGET;
  if (latency.length === 0) notes.push('--slo states no latency objective: only the error budget is judged');
  return { latency, errorBudget: budget, errorInclusive, origin: 'flag', text: describe(latency, budget, errorInclusive), notes };
}

/** The SLO of a result: `override` (from `--slo`), else the plan's thresholds, else the defaults. */
export function resolveSlo(result: Pick<Result, 'plan'>, override?: string): Slo {
  if (override !== undefined) return parseSlo(override);
  const notes: string[] = [];
  const latency: LatencyBound[] = [];
  let errorBudget: number | null = null;
  let errorInclusive = false;
  for (const [metric, exprs] of Object.entries(result.plan?.thresholds ?? {})) {
    const base = metric.replace(/\{.*\}$/, '').trim();
    if (base !== 'http_req_duration' && base !== 'http_req_failed') continue;
    if (base !== metric.trim()) {
      notes.push(`${metric} is judged by the criteria only: per-step figures cover every endpoint`);
      continue;
    }
    for (const text of exprs) {
      const e = parseThreshold(text, base === 'http_req_failed' ? 'rate' : 'trend');
      if (typeof e === 'string') continue;
      if (base === 'http_req_failed') {
        if ((e.op === '<' || e.op === '<=') && (errorBudget === null || e.value < errorBudget)) {
          errorBudget = e.value;
          errorInclusive = e.op === '<=';
        }
      } else {
        const b = latencyBound(e);
        if (b) latency.push(b);
      }
    }
  }
  let origin: Slo['origin'] = 'plan';
  if (latency.length === 0) {
    const e = parseThreshold(DEFAULT_LATENCY_SLO, 'trend') as ThresholdExpr;
    latency.push(latencyBound(e)!);
    origin = 'default';
    notes.push(`the plan states no latency threshold: the default ${DEFAULT_LATENCY_SLO} ms is used`);
  }
  if (errorBudget === null) notes.push(`the plan states no error-rate threshold: an error budget of ${fmtPct(DEFAULT_ERROR_BUDGET)} is used`);
  const budget = errorBudget ?? DEFAULT_ERROR_BUDGET;
  return { latency, errorBudget: budget, errorInclusive, origin, text: describe(latency, budget, errorInclusive), notes };
}

/** The few step figures an SLO needs. */
export interface SloSubject {
  latencyMs: { p50: number; p95: number; p99: number; mean?: number; max?: number } | null;
  meanMs: number | null;
  maxMs: number | null;
  errorRate: number;
  histogram?: Histogram | null;
}

/**
 * A latency statistic of a step. Exact from the merged histogram; otherwise from the recorded
 * p50/p95/p99, taking the next higher recorded percentile for one in between (p(90) → p95): the
 * judgement errs on the strict side, and `approx` says so. Null when it cannot be known.
 */
export function stepLatency(s: SloSubject, a: Aggregation): { ms: number; approx: boolean } | null {
  const v = rawStepLatency(s, a);
  // imported summaries may hold null for a statistic their tool did not report
  return v && typeof v.ms === 'number' && Number.isFinite(v.ms) ? v : null;
}

function rawStepLatency(s: SloSubject, a: Aggregation): { ms: number; approx: boolean } | null {
  if (!s.latencyMs) return null;
  switch (a.kind) {
    case 'avg':
      return s.meanMs === null ? null : { ms: s.meanMs, approx: false };
    case 'med':
      return { ms: s.latencyMs.p50, approx: false };
    case 'max':
      return s.maxMs === null ? null : { ms: s.maxMs, approx: false };
    case 'min':
      return null;
    case 'percentile': {
      if (s.histogram && s.histogram.totalCount > 0) return { ms: percentileMs(s.histogram, a.p), approx: false };
      if (a.p === 50) return { ms: s.latencyMs.p50, approx: false };
      if (a.p === 95) return { ms: s.latencyMs.p95, approx: false };
      if (a.p === 99) return { ms: s.latencyMs.p99, approx: false };
      if (a.p < 50) return { ms: s.latencyMs.p50, approx: true };
      if (a.p < 95) return { ms: s.latencyMs.p95, approx: true };
      if (a.p < 99) return { ms: s.latencyMs.p99, approx: true };
      return s.maxMs === null ? null : { ms: s.maxMs, approx: true };
    }
    default:
      return null;
  }
}

export interface SloJudgement {
  /** every objective judged and met */
  pass: boolean;
  /** nothing failed, but some objective could not be judged (the source did not record it) */
  unknown: boolean;
  /** what failed, e.g. "p(95) 480 ms ≥ 200 ms" */
  failures: string[];
  /** objectives that could not be judged for this step */
  unjudged: string[];
}

/**
 * Does a step meet the SLO? An objective that cannot be judged (the source did not record that
 * statistic) is listed in `unjudged`; the step then neither passes nor fails (`unknown`).
 */
export function judgeSlo(s: SloSubject, slo: Slo): SloJudgement {
  const failures: string[] = [];
  const unjudged: string[] = [];
  for (const b of slo.latency) {
    const v = stepLatency(s, b.aggregation);
    if (!v) {
      unjudged.push(b.source.replace(/\s*(<=|<).*$/, ''));
      continue;
    }
    const ok = b.inclusive ? v.ms <= b.valueMs : v.ms < b.valueMs;
    if (!ok) failures.push(`${b.source.replace(/[<>=].*$/, '')} ${w.ms(v.ms)} over ${w.ms(b.valueMs)}`);
  }
  const eok = slo.errorInclusive ? s.errorRate <= slo.errorBudget : s.errorRate < slo.errorBudget;
  // a zero budget ("rate<0") cannot be met by anything; treat `<0` as "no errors"
  const zeroOk = slo.errorBudget === 0 && s.errorRate === 0;
  if (!eok && !zeroOk) failures.push(`errors ${fmtPct(s.errorRate)} over the ${fmtPct(slo.errorBudget)} budget`);
  return { pass: failures.length === 0 && unjudged.length === 0, unknown: failures.length === 0 && unjudged.length > 0, failures, unjudged };
}
