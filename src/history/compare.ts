/**
 * Comparing two runs of the same plan: A (the baseline, "before") and B (the candidate, "after").
 *
 * For the run as a whole and for each endpoint, each figure — p50, p95, p99, throughput, error
 * rate, and (for the whole run) capacity — gets its change and a confidence interval for that
 * change from independent block bootstraps of the two runs' seconds (bootstrap.ts): replicate r
 * gives fB*_r / fA*_r − 1 (relative change; for the error rate the absolute difference
 * eB*_r − eA*_r, since a relative change from 0 errors is meaningless), and the interval is the
 * percentile interval of those R replicates.
 *
 * A change is significant when its interval excludes zero AND its size is at least the minimum
 * effect (default 5% relative; for the error rate max(minEffect·eA, 0.1 percentage point)): an
 * interval that excludes zero by a hair on a long run is real but not worth failing a build for.
 *
 * The verdict reads the run as a whole only: `regression` when any of its figures changed
 * significantly for the worse (latency up, throughput, capacity down, error rate up), else
 * `improvement` when any changed significantly for the better, else `no significant change`.
 * Per-endpoint rows are shown with their own significance but do not decide the verdict: with k
 * endpoints × 5 figures, some would cross by chance alone (multiple comparisons).
 *
 * No verdict is given when the plans differ (different load, so different numbers are expected)
 * or when either run is invalid (its numbers describe the generator, not the service).
 */
import { resolveSlo, judgeSlo, type Slo } from '../analysis/slo.js';
import type { Result, StepResult } from '../result/types.js';
import { formatChange, METRIC_TEXT, type Comparison, type ComparisonVerdict, type MetricDelta, type MetricName, type RunRef, type ScopeComparison } from '../result/comparison.js';

export type { Comparison, ComparisonVerdict, MetricDelta, MetricName, RunRef, ScopeComparison };
import { bootstrapFigures, figuresOf, pointFigures, prepareRun, quantile, type FigureKey, type Figures, type PreparedRun } from './bootstrap.js';
import { mulberry32 } from '../engine/rng.js';
import type { ComparableRun, RunRecord } from './run-record.js';
import type { SecondSample } from './seconds.js';

export const DEFAULT_MIN_EFFECT = 0.05;
export const DEFAULT_CONFIDENCE = 0.95;
export const DEFAULT_REPLICATES = 1000;
/** smallest error-rate change that counts, whatever the baseline's rate: 0.1 percentage point */
export const MIN_ERROR_RATE_EFFECT = 0.001;

/** The fewest earlier runs of a plan from which a run-to-run spread is estimated. */
export const MIN_RUNS_FOR_SPREAD = 3;

/**
 * The run-to-run spread of each figure: the sample standard deviation of ln(figure) over earlier
 * valid runs of the same plan (same plan hash), or null with fewer than MIN_RUNS_FOR_SPREAD.
 *
 * Why: a block bootstrap sees the variation *within* a run. What it cannot see is what changes
 * *between* runs — another job on the machine, a cache warmed differently, a neighbour on the
 * same host — and on shared machines that is often the larger part (the A/A calibration in
 * docs/history.md measured it). The history holds earlier runs of the same plan, so their spread is
 * measured and added to each interval. Real changes among those runs inflate the spread, which
 * errs on the side of fewer verdicts, never more.
 */
export function runToRunSpread(records: RunRecord[], planHash: string): { runs: number; sdLog: Partial<Record<MetricName, number>> } | null {
  const same = records.filter((r) => r.planHash === planHash && r.verdict !== 'invalid');
  if (same.length < MIN_RUNS_FOR_SPREAD) return null;
  const pick: Array<[MetricName, (r: RunRecord) => number | null]> = [
    ['p50', (r) => r.summary.latencyMs.p50],
    ['p95', (r) => r.summary.latencyMs.p95],
    ['p99', (r) => r.summary.latencyMs.p99],
    ['throughput', (r) => r.summary.throughputRps],
    ['capacity', (r) => r.capacity?.maxSustainableRps ?? null],
  ];
  const sdLog: Partial<Record<MetricName, number>> = {};
  for (const [metric, get] of pick) {
    const xs = same.map(get).filter((v): v is number => v !== null && v > 0).map(Math.log);
    if (xs.length < MIN_RUNS_FOR_SPREAD) continue;
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    sdLog[metric] = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
  }
  return { runs: same.length, sdLog };
}

/** The standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/**
 * Widens a relative change's interval by the run-to-run spread, in log space (where a ratio's
 * errors add): each side's half-width h becomes √(h² + (z·√2·σ)²) — the difference of two runs
 * each off by σ has sd √2·σ.
 */
function widen(d: MetricDelta, sdLog: number | undefined, z: number): void {
  if (sdLog === undefined || d.ci === null || d.change === null || d.changeKind !== 'relative') return;
  if (d.ci[0] <= -1 || d.change <= -1) return;
  const centre = Math.log1p(d.change);
  const extra = z * Math.SQRT2 * sdLog;
  const lo = Math.sqrt((centre - Math.log1p(d.ci[0])) ** 2 + extra ** 2);
  const hi = Math.sqrt((Math.log1p(d.ci[1]) - centre) ** 2 + extra ** 2);
  d.ci = [Math.expm1(centre - lo), Math.expm1(centre + hi)];
}

export interface CompareOptions {
  /** default 0.05 (5%) */
  minEffect?: number;
  /** default 0.95 */
  confidence?: number;
  /** default 1000 */
  replicates?: number;
  /** default 1 (fixed: the same inputs give the same intervals) */
  seed?: number;
  /** earlier runs (e.g. the plan's history) from which the run-to-run spread is estimated */
  history?: RunRecord[];
}

const METRICS: Array<{ metric: MetricName; key: FigureKey; unit: MetricDelta['unit']; worseWhenUp: boolean }> = [
  { metric: 'p50', key: 'p50Ms', unit: 'ms', worseWhenUp: true },
  { metric: 'p95', key: 'p95Ms', unit: 'ms', worseWhenUp: true },
  { metric: 'p99', key: 'p99Ms', unit: 'ms', worseWhenUp: true },
  { metric: 'throughput', key: 'throughputRps', unit: 'req/s', worseWhenUp: false },
  { metric: 'errorRate', key: 'errorRate', unit: 'ratio', worseWhenUp: true },
];

function refOf(r: ComparableRun): RunRef {
  const x = r.record;
  return { label: r.label, id: x.id, planName: x.planName, planHash: x.planHash, startedAt: x.startedAt, verdict: x.verdict, resultPath: x.resultPath, gitCommit: x.gitCommit };
}

function invalidReason(x: RunRecord, side: string): string | null {
  if (x.verdict === 'invalid') return `${side} is invalid (${x.validity.filter((v) => v.severity === 'invalid').map((v) => v.id).join(', ') || 'see its report'})`;
  return null;
}

/** Significance and direction of one change. */
function judge(d: MetricDelta, minEffect: number, worseWhenUp: boolean): void {
  if (d.change === null || d.ci === null) return;
  const threshold = d.changeKind === 'absolute' ? Math.max(minEffect * (d.a ?? 0), MIN_ERROR_RATE_EFFECT) : minEffect;
  const excludesZero = d.ci[0] > 0 || d.ci[1] < 0;
  d.significant = excludesZero && Math.abs(d.change) >= threshold;
  if (d.significant) d.direction = d.change > 0 === worseWhenUp ? 'worse' : 'better';
}

function changeOf(a: number, b: number, kind: 'relative' | 'absolute'): number | null {
  if (kind === 'absolute') return b - a;
  return a > 0 ? b / a - 1 : null;
}

/** Per-metric deltas of one scope (the whole run or one endpoint) from both runs' seconds. */
function compareScope(name: string, sa: SecondSample[], sb: SecondSample[], o: Required<Omit<CompareOptions, 'history'>>, seedOffset: number, sdLog: Partial<Record<MetricName, number>> = {}): { scope: ScopeComparison; blocks: [number, number] } {
  const aligned = alignSeconds(sa, sb);
  if (aligned) [sa, sb] = aligned;
  const pa = prepareRun(sa);
  const pb = prepareRun(sb);
  const fa = pointFigures(pa);
  const fb = pointFigures(pb);
  // Paired when the runs have the same shape (same plan: the same stages of the same length):
  // second t of A and second t of B had the same offered load, so both replicates draw the same
  // seconds. Drawing them independently would add the spread of the load profile itself (a ramp's
  // first and last seconds) to every interval; pairing cancels it. Otherwise: independent draws.
  const paired = sameShape(pa, pb);
  if (paired) pa.blockLength = pb.blockLength = Math.max(pa.blockLength, pb.blockLength);
  const ra = bootstrapFigures(pa, o.replicates, o.seed + seedOffset);
  const rb = bootstrapFigures(pb, o.replicates, o.seed + seedOffset + (paired ? 0 : 7919));
  const alpha = (1 - o.confidence) / 2;
  const metrics = METRICS.map(({ metric, key, unit, worseWhenUp }): MetricDelta => {
    const kind = metric === 'errorRate' ? 'absolute' : 'relative';
    const a = fa[key];
    const b = fb[key];
    const d: MetricDelta = { metric, unit, a, b, change: null, changeKind: kind, ci: null, significant: false, direction: null };
    if (a === null || b === null) {
      d.note = 'no latency recorded per second';
      return d;
    }
    d.change = changeOf(a, b, kind);
    if (d.change === null) {
      d.note = 'the baseline is zero';
      return d;
    }
    const reps: number[] = [];
    for (let r = 0; r < o.replicates; r++) {
      const x = ra[r]![key];
      const y = rb[r]![key];
      if (x === null || y === null) continue;
      const c = changeOf(x, y, kind);
      if (c !== null && Number.isFinite(c)) reps.push(c);
    }
    if (reps.length < o.replicates * 0.9 || pa.seconds < 2 || pb.seconds < 2) {
      d.note = pa.seconds < 2 || pb.seconds < 2 ? 'too few seconds to estimate an interval' : 'too few usable bootstrap replicates';
      return d;
    }
    reps.sort((x, y) => x - y);
    d.ci = [quantile(reps, alpha), quantile(reps, 1 - alpha)];
    widen(d, sdLog[metric], normalQuantile(1 - alpha));
    judge(d, o.minEffect, worseWhenUp);
    return d;
  });
  return { scope: { name, metrics }, blocks: [pa.blockLength, pb.blockLength] };
}

/**
 * Both runs restricted to the seconds (stage, t) they share, when they differ by at most a few
 * (a trailing partial second, one more second of drain): then the bootstrap can pair them. Null
 * when they differ by more (the runs are not shaped alike; no pairing).
 */
function alignSeconds(sa: SecondSample[], sb: SecondSample[]): [SecondSample[], SecondSample[]] | null {
  const key = (s: SecondSample): string => `${s.stage}:${s.t}`;
  const ka = new Set(sa.map(key));
  const kb = new Set(sb.map(key));
  const ca = sa.filter((s) => kb.has(key(s)));
  const cb = sb.filter((s) => ka.has(key(s)));
  const dropped = sa.length - ca.length + (sb.length - cb.length);
  if (ca.length < 2 || dropped > Math.max(2, 0.05 * Math.max(sa.length, sb.length))) return null;
  return dropped === 0 ? null : [ca, cb];
}

function sameShape(a: PreparedRun, b: PreparedRun): boolean {
  return a.strata.length === b.strata.length && a.strata.every((s, i) => s.length === b.strata[i]!.length);
}

/**
 * Capacity as the steps' rule makes it: walking the steps in order of load, the achieved rate of the
 * last step that met the SLO before the first that did not. Recomputed (not read from the analysis)
 * so that the point and the bootstrap replicates come from the same rule.
 */
function capacityOf(run: PreparedRun, steps: Array<{ idx: number[] }>, slo: Slo, rng?: () => number): number | null {
  // every step is drawn before any is judged, so that paired runs consume the generator alike
  const picks = steps.map((s) => {
    if (!rng) return s.idx;
    // resample the step's seconds in circular blocks of the run's block length
    const n = s.idx.length;
    const L = Math.min(run.blockLength, n);
    const out: number[] = [];
    while (out.length < n) {
      const start = Math.floor(rng() * n);
      for (let k = 0; k < L && out.length < n; k++) out.push(s.idx[(start + k) % n]!);
    }
    return out;
  });
  let best: number | null = null;
  for (const pick of picks) {
    const f: Figures = figuresOf(run, pick);
    if (f.p50Ms === null) return best;
    const j = judgeSlo({ latencyMs: { p50: f.p50Ms, p95: f.p95Ms!, p99: f.p99Ms! }, meanMs: null, maxMs: null, errorRate: f.errorRate }, slo);
    if (!j.pass) return best;
    best = f.throughputRps;
  }
  return best;
}

/** The steps' seconds (indices into the prepared run, whose seconds are in time order). */
function stepSeconds(seconds: SecondSample[], steps: StepResult[]): Array<{ idx: number[] }> {
  const ts = [...seconds].sort((a, b) => a.t - b.t).map((s) => s.t);
  return [...steps]
    .sort((x, y) => (x.offeredRps ?? x.rps) - (y.offeredRps ?? y.rps))
    .map((s) => ({ idx: ts.flatMap((t, i) => (t >= s.startSec && t < s.endSec ? [i] : [])) }))
    .filter((s) => s.idx.length > 0);
}

function capacityDelta(A: ComparableRun, B: ComparableRun, o: Required<Omit<CompareOptions, 'history'>>, sdLog: number | undefined): MetricDelta {
  const d: MetricDelta = { metric: 'capacity', unit: 'req/s', a: A.record.capacity?.maxSustainableRps ?? null, b: B.record.capacity?.maxSustainableRps ?? null, change: null, changeKind: 'relative', ci: null, significant: false, direction: null };
  const stA = stepSeconds(A.seconds.overall, A.record.steps);
  const stB = stepSeconds(B.seconds.overall, B.record.steps);
  if (stA.length < 2 || stB.length < 2) {
    d.note = 'capacity needs at least two steps of load in each run';
    return d;
  }
  const slo = resolveSlo({ plan: A.record.plan } as Pick<Result, 'plan'>);
  const pa = prepareRun(A.seconds.overall);
  const pb = prepareRun(B.seconds.overall);
  const ca = capacityOf(pa, stA, slo);
  const cb = capacityOf(pb, stB, slo);
  d.a = ca;
  d.b = cb;
  if (ca === null || cb === null || ca <= 0) {
    d.note = 'the SLO was not met at the first step of one run: no capacity to compare';
    return d;
  }
  d.change = cb / ca - 1;
  // paired as in compareScope when the steps have the same lengths
  const paired = stA.length === stB.length && stA.every((x, i) => x.idx.length === stB[i]!.idx.length);
  if (paired) pa.blockLength = pb.blockLength = Math.max(pa.blockLength, pb.blockLength);
  const rngA = mulberry32(o.seed + 101);
  const rngB = mulberry32(o.seed + (paired ? 101 : 202));
  const reps: number[] = [];
  for (let r = 0; r < o.replicates; r++) {
    const x = capacityOf(pa, stA, slo, rngA) ?? 0;
    const y = capacityOf(pb, stB, slo, rngB) ?? 0;
    if (x > 0) reps.push(y / x - 1);
  }
  if (reps.length < o.replicates * 0.9) {
    d.note = 'the SLO often failed at the first step in resamples: no interval';
    return d;
  }
  reps.sort((x, y) => x - y);
  const alpha = (1 - o.confidence) / 2;
  d.ci = [quantile(reps, alpha), quantile(reps, 1 - alpha)];
  widen(d, sdLog, normalQuantile(1 - alpha));
  judge(d, o.minEffect, false);
  return d;
}

/** Compares B against the baseline A. */
export function compareRuns(A: ComparableRun, B: ComparableRun, opts: CompareOptions = {}): Comparison {
  const o: Required<Omit<CompareOptions, 'history'>> = {
    minEffect: opts.minEffect ?? DEFAULT_MIN_EFFECT,
    confidence: opts.confidence ?? DEFAULT_CONFIDENCE,
    replicates: opts.replicates ?? DEFAULT_REPLICATES,
    seed: opts.seed ?? 1,
  };
  // the spread of earlier runs, never counting the two compared
  const others = (opts.history ?? []).filter((r) => r.id === null || (r.id !== A.record.id && r.id !== B.record.id));
  const runToRun = runToRunSpread(others, A.record.planHash);
  const reasons: string[] = [];
  if (A.record.planHash !== B.record.planHash) {
    reasons.push(
      A.record.planName !== B.record.planName
        ? `the plans differ ("${A.record.planName}" vs "${B.record.planName}")`
        : `the plans differ: "${A.record.planName}" changed its target, load or scenarios between the runs`,
    );
  }
  for (const r of [invalidReason(A.record, 'A'), invalidReason(B.record, 'B')]) if (r) reasons.push(r);

  const overall = compareScope('overall', A.seconds.overall, B.seconds.overall, o, 0, runToRun?.sdLog);
  overall.scope.metrics.push(capacityDelta(A, B, o, runToRun?.sdLog.capacity));
  const endpoints: ScopeComparison[] = [];
  const names = [...new Set([...A.record.endpoints.map((e) => e.name), ...B.record.endpoints.map((e) => e.name)])];
  names.forEach((name, i) => {
    const sa = A.seconds.endpoints[name];
    const sb = B.seconds.endpoints[name];
    if (sa && sb && sa.length && sb.length) {
      endpoints.push(compareScope(name, sa, sb, o, 1000 * (i + 1), runToRun?.sdLog).scope);
      return;
    }
    // no per-second data for this endpoint: the summaries' figures, without an interval
    const ea = A.record.endpoints.find((e) => e.name === name);
    const eb = B.record.endpoints.find((e) => e.name === name);
    const why = !ea || !eb ? `only in ${ea ? 'A' : 'B'}` : 'no per-second data (run.ndjson) for this endpoint: no interval';
    endpoints.push({
      name,
      metrics: METRICS.map(({ metric, unit }) => {
        const pick = (e: typeof ea): number | null => {
          if (!e) return null;
          if (metric === 'errorRate') return e.errorRate;
          if (metric === 'p50' || metric === 'p95' || metric === 'p99') return e.latencyMs[metric] ?? null;
          return null;
        };
        const a = pick(ea);
        const b = pick(eb);
        const kind = metric === 'errorRate' ? 'absolute' : 'relative';
        return { metric, unit, a, b, change: a !== null && b !== null ? changeOf(a, b, kind) : null, changeKind: kind, ci: null, significant: false, direction: null, note: why };
      }),
    });
  });

  const comparable = reasons.length === 0;
  const worse = overall.scope.metrics.filter((m) => m.direction === 'worse');
  const better = overall.scope.metrics.filter((m) => m.direction === 'better');
  let verdict: ComparisonVerdict | null = null;
  let statement: string;
  if (!comparable) {
    statement = `No verdict: ${reasons.join('; ')}.`;
  } else if (worse.length) {
    verdict = 'regression';
    statement = `Regression: ${worse.map(describeChange).join(', ')} (${pct(o.confidence)} interval excludes zero, change ≥ ${pct(o.minEffect)}).`;
  } else if (better.length) {
    verdict = 'improvement';
    statement = `Improvement: ${better.map(describeChange).join(', ')} (${pct(o.confidence)} interval excludes zero, change ≥ ${pct(o.minEffect)}).`;
  } else {
    verdict = 'no significant change';
    statement = `No significant change: no figure of the run as a whole moved by ${pct(o.minEffect)} or more with a ${pct(o.confidence)} interval excluding zero.`;
  }

  const ida = A.record.diagnoses.map((d) => d.id);
  const idb = B.record.diagnoses.map((d) => d.id);
  const added = idb.filter((x) => !ida.includes(x));
  const removed = ida.filter((x) => !idb.includes(x));
  const series = (r: ComparableRun): Array<[number, number | null]> => r.seconds.overall.map((x) => [x.t, figuresOf(prepareRun([x]), [0]).p95Ms]);
  return {
    schema: 'loadproof.comparison/v1',
    a: refOf(A),
    b: refOf(B),
    comparable,
    reasons,
    verdict,
    statement,
    minEffect: o.minEffect,
    confidence: o.confidence,
    replicates: o.replicates,
    blockLengthSec: overall.blocks,
    overall: overall.scope,
    endpoints,
    diagnoses: { a: ida, b: idb, changed: added.length + removed.length > 0, added, removed },
    runToRun,
    latencyOverTime: { a: series(A), b: series(B) },
  };
}

const pct = (x: number): string => `${Math.round(x * 1000) / 10}%`;

/** `p95 +12.3% [+8.1%, +16.0%]` or `error rate +0.50 pp [...]`. */
export function describeChange(d: MetricDelta): string {
  return `${METRIC_TEXT[d.metric]} ${formatChange(d.change, d.changeKind)}${d.ci ? ` [${formatChange(d.ci[0], d.changeKind)}, ${formatChange(d.ci[1], d.changeKind)}]` : ''}`;
}
