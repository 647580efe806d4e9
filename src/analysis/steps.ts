/**
 * Segmentation of a run into steps — stretches of constant offered load (holds) or short windows
 * along a ramp — and each step's figures.
 *
 * Where the boundaries come from, in order of preference:
 *   1. the plan's stages (`result.plan.stages`): a stage whose target equals the previous one's
 *      is a hold (one step); a ramp of at least RAMP_WINDOW_SEC is cut into windows of that length
 *      (at most MAX_RAMP_WINDOWS of them: a ramp over an hour long gets longer windows; a shorter
 *      ramp is a transition between holds and is left out of the table);
 *   2. plateaus of the timeline's offered rate (or VUs, closed model) — see `plateaus()`;
 *   3. fixed windows of RAMP_WINDOW_SEC (at most MAX_RAMP_WINDOWS) when the offered load is unknown.
 *
 * Settle time: a hold's figures leave out its first seconds (2 s for holds of 10 s or more, 1 s
 * for 5–10 s), where the previous step's queue drains and new connections open; the step's
 * `startSec` stays the stage boundary. Cold starts are judged from the full timeline, not here.
 *
 * Percentiles are never averaged: with a histogram on every timeline point they come from the
 * merged histogram (`hdr-merge`); otherwise the step reports the worst (max) of its points'
 * percentiles (`max-of-intervals`), an upper bound.
 *
 * Concurrency: the mean VUs for a closed model; otherwise Little's law, L = λW (achieved rate ×
 * mean latency in seconds); the measured mean in-flight count when no mean latency is known.
 */
import { decodeHistogram, mergeHistograms, pointMs, withStalled, type Histogram } from '../metrics/histogram.js';
import type { LatencyPointMs, Result, StepResult, TimelinePoint } from '../result/types.js';

/** Window length along ramps and for runs without a known load shape, seconds. */
export const RAMP_WINDOW_SEC = 10;
/**
 * At most this many windows along one ramp (or one run cut into windows): an hour's ramp keeps its
 * 10 s windows, a 24-hour ramp gets 360 windows of 240 s. Why: a load curve of 360 levels already
 * resolves a knee to 0.3% of the ramp's range, and every window is a merged histogram — a day cut
 * into 10 s windows was 1,740 steps (past the first hour a timeline point is a minute long: a
 * window shorter than its point holds it whole or not at all), and most of `analyze`'s time.
 */
export const MAX_RAMP_WINDOWS = 360;
/** A plateau of the offered load must last this long to count as a hold, seconds. */
export const MIN_PLATEAU_SEC = 5;

/** What the step's offered load was doing. */
export type StepShape = 'hold' | 'ramp-up' | 'ramp-down' | 'window';

/** A step with what the rest of the analysis needs beyond the contract's `StepResult`. */
export interface AnalysisStep {
  index: number;
  startSec: number;
  endSec: number;
  shape: StepShape;
  /** seconds left out at the start of a hold */
  settleSec: number;
  /** the timeline points the figures come from (after the settle time) */
  points: TimelinePoint[];
  /** every point of the step, settle time included */
  allPoints: TimelinePoint[];
  offeredRps: number | null;
  rps: number;
  requests: number;
  errors: number;
  errorRate: number;
  /** null when the source recorded no latency for the step */
  latencyMs: LatencyPointMs | null;
  meanMs: number | null;
  maxMs: number | null;
  percentileSource: NonNullable<StepResult['percentileSource']>;
  /** the merged histogram, when every point carried one */
  histogram: Histogram | null;
  vus: number | null;
  /** measured in-flight requests (mean over the step), when recorded */
  inFlight: number | null;
  /** Little's law: rps × mean latency (s) */
  littleConcurrency: number | null;
  /** the contract's figure: VUs (closed), else Little's law, else measured in-flight */
  concurrency: number;
  watch: Record<string, number | null>;
}

export interface Segmentation {
  steps: AnalysisStep[];
  /** how the boundaries were found, for the notes */
  method: 'stages' | 'plateaus' | 'windows' | 'given' | 'summary' | 'none';
  notes: string[];
}

const pointDur = (p: TimelinePoint): number => p.durationSec ?? 1;
const pointRequests = (p: TimelinePoint): number => p.rps * pointDur(p);

interface Span {
  startSec: number;
  endSec: number;
  shape: StepShape;
}

/** Settle seconds left out of a hold of `lengthSec`. */
export function settleSecFor(shape: StepShape, lengthSec: number): number {
  if (shape !== 'hold') return 0;
  return lengthSec >= 10 ? 2 : lengthSec >= 5 ? 1 : 0;
}

function cutRamp(startSec: number, endSec: number, shape: StepShape): Span[] {
  const out: Span[] = [];
  // a ramp longer than an hour gets MAX_RAMP_WINDOWS windows, each longer than RAMP_WINDOW_SEC
  const windowSec = Math.max(RAMP_WINDOW_SEC, (endSec - startSec) / MAX_RAMP_WINDOWS);
  for (let s = startSec; s < endSec - 1e-9; s += windowSec) {
    const e = Math.min(endSec, s + windowSec);
    // a last sliver shorter than half a window joins the previous window
    if (out.length && e - s < windowSec / 2) out[out.length - 1]!.endSec = e;
    else out.push({ startSec: s, endSec: e, shape });
  }
  return out;
}

function spansFromStages(stages: ReadonlyArray<{ durationSec: number; target: number }>, runEndSec: number): Span[] {
  const spans: Span[] = [];
  let t = 0;
  let prev = 0;
  for (const st of stages) {
    const start = t;
    const end = Math.min(t + st.durationSec, runEndSec);
    t += st.durationSec;
    const from = prev;
    prev = st.target;
    if (end - start <= 0) continue;
    if (st.target === from) spans.push({ startSec: start, endSec: end, shape: 'hold' });
    else if (st.durationSec >= RAMP_WINDOW_SEC) spans.push(...cutRamp(start, end, st.target > from ? 'ramp-up' : 'ramp-down'));
  }
  return spans;
}

/** The load level of a point: offered rate, else VUs, else null. */
function levelOf(p: TimelinePoint, by: 'offered' | 'vus'): number | null {
  return by === 'offered' ? p.offeredRps : p.vus;
}

/**
 * Plateaus of the offered load: consecutive points within 5% (at least ±0.5) of the first point of
 * the group form a group; groups lasting MIN_PLATEAU_SEC or more are holds, the points between
 * them are ramps, cut into windows.
 */
function spansFromPlateaus(points: readonly TimelinePoint[], by: 'offered' | 'vus'): Span[] {
  const groups: Array<{ from: number; to: number; level: number }> = [];
  for (let i = 0; i < points.length; i++) {
    const l = levelOf(points[i]!, by) ?? 0;
    const g = groups[groups.length - 1];
    if (g && Math.abs(l - g.level) <= Math.max(0.05 * g.level, 0.5)) g.to = i;
    else groups.push({ from: i, to: i, level: l });
  }
  const spans: Span[] = [];
  let rampFrom: number | null = null;
  const endOf = (i: number): number => points[i]!.t + pointDur(points[i]!);
  const flushRamp = (toIdx: number): void => {
    if (rampFrom === null) return;
    const a = levelOf(points[rampFrom]!, by) ?? 0;
    const b = levelOf(points[toIdx]!, by) ?? 0;
    const start = points[rampFrom]!.t;
    const end = endOf(toIdx);
    if (end - start >= RAMP_WINDOW_SEC / 2) spans.push(...cutRamp(start, end, b >= a ? 'ramp-up' : 'ramp-down'));
    rampFrom = null;
  };
  for (const g of groups) {
    const len = endOf(g.to) - points[g.from]!.t;
    if (len >= MIN_PLATEAU_SEC && g.level > 0) {
      flushRamp(g.from - 1);
      spans.push({ startSec: points[g.from]!.t, endSec: endOf(g.to), shape: 'hold' });
    } else if (g.level > 0 || rampFrom !== null) {
      rampFrom ??= g.from;
      if (g === groups[groups.length - 1]) flushRamp(g.to);
    }
  }
  return spans;
}

function spansFromWindows(points: readonly TimelinePoint[]): Span[] {
  if (points.length === 0) return [];
  return cutRamp(points[0]!.t, points[points.length - 1]!.t + pointDur(points[points.length - 1]!), 'window');
}

/** Duration-weighted mean of the non-null values; null when there are none. */
function weightedMean(points: readonly TimelinePoint[], pick: (p: TimelinePoint) => number | null | undefined): number | null {
  let s = 0;
  let w = 0;
  for (const p of points) {
    const v = pick(p);
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    s += v * pointDur(p);
    w += pointDur(p);
  }
  return w > 0 ? s / w : null;
}

/** The figures of one step from its timeline points. */
function summarizeStep(
  index: number,
  span: Span,
  allPoints: TimelinePoint[],
  watch: Result['watch'],
  model: 'open' | 'closed' | undefined,
): AnalysisStep {
  const settleSec = settleSecFor(span.shape, span.endSec - span.startSec);
  const from = span.startSec + settleSec;
  const points = allPoints.filter((p) => p.t >= from);
  const dur = points.reduce((a, p) => a + pointDur(p), 0);
  const requests = points.reduce((a, p) => a + pointRequests(p), 0);
  const errors = points.reduce((a, p) => a + p.errors, 0);
  const withReq = points.filter((p) => pointRequests(p) > 0);

  let latencyMs: LatencyPointMs | null = null;
  let meanMs: number | null = null;
  let maxMs: number | null = null;
  let histogram: Histogram | null = null;
  let percentileSource: AnalysisStep['percentileSource'] = 'max-of-intervals';
  // requests still outstanding when the step ended, older than any that ended in it, count at
  // their age then (a lower bound; withStalled): a step whose service stopped answering is not
  // judged by the few requests that did end in it
  const lastOutstanding = points.length ? points[points.length - 1]!.outstandingHdr : undefined;
  if (
    (withReq.length && withReq.every((p) => typeof p.hdr === 'string' && p.hdr.length > 0)) ||
    (withReq.length === 0 && lastOutstanding !== undefined)
  ) {
    const ended = withReq.length ? mergeHistograms(withReq.map((p) => p.hdr)) : null;
    histogram = withStalled(ended, lastOutstanding !== undefined ? decodeHistogram(lastOutstanding) : null) ?? mergeHistograms([]);
    if (histogram.totalCount > 0) {
      percentileSource = 'hdr-merge';
      // the same figures as hdr's mean getter and getValueAtPercentile, in one walk over the counts
      // (histogram.ts): the library's iterator took most of `analyze` on a long run's merged steps
      const pt = pointMs(histogram)!;
      meanMs = pt.mean!;
      maxMs = pt.max!;
      latencyMs = pt;
    } else {
      histogram = null;
    }
  }
  if (!latencyMs) {
    const lat = withReq.filter((p) => p.latencyMs);
    if (lat.length) {
      // imported points may carry null for a statistic their tool did not record: skip those
      const max = (f: (l: LatencyPointMs) => number | undefined): number =>
        Math.max(...lat.map((p) => f(p.latencyMs!)).map((v) => (typeof v === 'number' && Number.isFinite(v) ? v : -Infinity)));
      // the mean is a mean: weighting the points' means by their request counts is exact
      const allMeans = lat.every((p) => typeof p.latencyMs!.mean === 'number');
      const req = lat.reduce((a, p) => a + pointRequests(p), 0);
      meanMs = allMeans && req > 0 ? lat.reduce((a, p) => a + p.latencyMs!.mean! * pointRequests(p), 0) / req : null;
      const mx = max((l) => l.max);
      maxMs = Number.isFinite(mx) ? mx : null;
      latencyMs = { p50: max((l) => l.p50), p95: max((l) => l.p95), p99: max((l) => l.p99) };
      if (meanMs !== null) latencyMs.mean = Math.round(meanMs * 1000) / 1000;
      if (maxMs !== null) latencyMs.max = maxMs;
    }
  }

  const rps = dur > 0 ? requests / dur : 0;
  const vus = weightedMean(points, (p) => p.vus);
  const inFlight = weightedMean(points, (p) => p.inFlight);
  const littleConcurrency = meanMs !== null ? (rps * meanMs) / 1000 : null;
  const concurrency =
    model === 'closed' && vus !== null
      ? vus
      : littleConcurrency !== null
        ? littleConcurrency
        : inFlight !== null
          ? inFlight
          : vus !== null
            ? vus
            : latencyMs
              ? (rps * latencyMs.p50) / 1000
              : 0;

  const stepWatch: Record<string, number | null> = {};
  const end = span.endSec;
  for (const [name, s] of Object.entries(watch ?? {})) {
    let sum = 0;
    let n = 0;
    // series are recorded in time order: start at the step's first sample (a sorted check keeps an
    // imported, unordered series correct at the cost of a full scan)
    const sorted = isSortedByTime(s.points);
    for (let i = sorted ? firstAtOrAfter(s.points, from, (p) => p[0]) : 0; i < s.points.length; i++) {
      const [t, v] = s.points[i]!;
      if (sorted && t >= end) break;
      if (t >= from && t < end && v !== null && Number.isFinite(v)) {
        sum += v;
        n++;
      }
    }
    stepWatch[name] = n ? sum / n : null;
  }

  return {
    index,
    startSec: span.startSec,
    endSec: span.endSec,
    shape: span.shape,
    settleSec,
    points,
    allPoints,
    offeredRps: weightedMean(points, (p) => p.offeredRps),
    rps,
    requests: Math.round(requests),
    errors,
    errorRate: requests > 0 ? errors / requests : 0,
    latencyMs,
    meanMs,
    maxMs,
    percentileSource,
    histogram,
    vus,
    inFlight,
    littleConcurrency,
    concurrency,
    watch: stepWatch,
  };
}

/** Index of the first item of `sorted` (ascending by `key`) whose key is ≥ `at`; its length when none. */
function firstAtOrAfter<T>(sorted: readonly T[], at: number, key: (x: T) => number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(sorted[mid]!) < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Whether a series' samples are in time order, remembered per series array. */
const sortedSeries = new WeakMap<readonly unknown[], boolean>();
function isSortedByTime(points: ReadonlyArray<readonly [number, unknown]>): boolean {
  let known = sortedSeries.get(points);
  if (known === undefined) {
    known = true;
    for (let i = 1; i < points.length && known; i++) if (!(points[i]![0] >= points[i - 1]![0])) known = false;
    sortedSeries.set(points, known);
  }
  return known;
}

/** Segments a result's timeline into steps (see the module comment). */
export function segmentSteps(result: Result): Segmentation {
  const timeline = [...(result.timeline ?? [])].sort((a, b) => a.t - b.t);
  const model = result.plan?.model;
  const notes: string[] = [];
  if (timeline.length === 0) return fromWithoutTimeline(result);

  const runEnd = timeline[timeline.length - 1]!.t + pointDur(timeline[timeline.length - 1]!);
  let spans: Span[] = [];
  let method: Segmentation['method'] = 'stages';
  const stages = result.plan?.stages ?? [];
  if (stages.length) spans = spansFromStages(stages, runEnd);
  if (spans.length === 0) {
    const share = (f: (p: TimelinePoint) => unknown): number => timeline.filter((p) => f(p) !== null && f(p) !== undefined).length / timeline.length;
    const by = share((p) => p.offeredRps) >= 0.8 ? 'offered' : share((p) => p.vus) >= 0.8 ? 'vus' : null;
    if (by) {
      spans = spansFromPlateaus(timeline, by);
      method = 'plateaus';
    }
    if (spans.length === 0) {
      spans = spansFromWindows(timeline);
      method = 'windows';
      notes.push(`the offered load was not recorded: the run is cut into ${Math.round(spans[0] ? spans[0].endSec - spans[0].startSec : RAMP_WINDOW_SEC)} s windows`);
    }
  }
  const steps: AnalysisStep[] = [];
  let skippedNoLatency = 0;
  let hungSteps = 0;
  for (const span of spans) {
    // the timeline is sorted: a binary search for the span's first point, not a scan of all of it
    // per span (a 24-hour ramp is 8,640 windows over 4,980 points)
    const pts: TimelinePoint[] = [];
    for (let i = firstAtOrAfter(timeline, span.startSec, (p) => p.t); i < timeline.length && timeline[i]!.t < span.endSec; i++) pts.push(timeline[i]!);
    if (pts.length === 0) continue;
    const st = summarizeStep(steps.length, span, pts, result.watch, model);
    if (st.requests === 0 && st.offeredRps === null) continue;
    if (!st.latencyMs && st.requests > 0) {
      // A step in which nothing came back with a latency while requests were outstanding, or most
      // failed untimed (timeouts before issue 11), is the worst step, not a hole: the analysis
      // keeps it (its latency reads as the worst level's, load-curve.ts levelLatency); the step
      // table, which has no figure to show, leaves it out. Otherwise the source recorded no latency.
      const hung = st.points.some((p) => p.latencyMs === null && (p.inFlight ?? 0) > 0) || st.errors >= 0.5 * st.requests;
      if (!hung) {
        skippedNoLatency++;
        continue;
      }
      hungSteps++;
    }
    steps.push(st);
  }
  if (skippedNoLatency) notes.push(`${skippedNoLatency} step(s) recorded requests but no latency and are left out of the step table`);
  if (hungSteps) notes.push(`${hungSteps} step(s) had no request come back with a latency (outstanding or failed untimed): judged as the worst, and left out of the step table`);
  if (method === 'stages') notes.push(`steps follow the plan's stages; holds leave out their first 2 s (1 s for holds under 10 s) while the load settles`);
  if (method === 'plateaus') notes.push('steps are plateaus of the recorded offered load (the plan carried no stages)');
  return { steps, method, notes };
}

/** No timeline: keep the importer's steps, or describe the whole run as one step from its summary. */
function fromWithoutTimeline(result: Result): Segmentation {
  const given = result.steps ?? [];
  if (given.length) {
    const steps = given.map(
      (s, i): AnalysisStep => ({
        index: i,
        startSec: s.startSec,
        endSec: s.endSec,
        shape: s.steady === false ? 'ramp-up' : 'hold',
        settleSec: 0,
        points: [],
        allPoints: [],
        offeredRps: s.offeredRps,
        rps: s.rps,
        requests: s.requests ?? Math.round(s.rps * (s.endSec - s.startSec)),
        errors: Math.round(s.errorRate * (s.requests ?? s.rps * (s.endSec - s.startSec))),
        errorRate: s.errorRate,
        latencyMs: s.latencyMs,
        meanMs: s.latencyMs.mean ?? null,
        maxMs: s.latencyMs.max ?? null,
        percentileSource: s.percentileSource ?? 'stage-summary',
        histogram: null,
        vus: null,
        inFlight: null,
        littleConcurrency: s.latencyMs.mean !== undefined ? (s.rps * s.latencyMs.mean) / 1000 : null,
        concurrency: s.concurrency,
        watch: s.watch ?? {},
      }),
    );
    return { steps, method: 'given', notes: ['no time series: the steps are the ones the source recorded'] };
  }
  const sm = result.summary;
  if (!sm || !(sm.requests > 0)) {
    return { steps: [], method: 'none', notes: ['no time series and no requests: there are no steps to analyse'] };
  }
  const dur = result.durationSec > 0 ? result.durationSec : sm.throughputRps > 0 ? sm.requests / sm.throughputRps : 0;
  const l = sm.latencyMs;
  // imported summaries hold null for what their tool did not report: keep it unknown, never 0
  const fin = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
  const mean = fin(l.mean);
  const little = mean !== null ? (sm.throughputRps * mean) / 1000 : l.p50 !== null ? (sm.throughputRps * l.p50) / 1000 : null;
  const step: AnalysisStep = {
    index: 0,
    startSec: 0,
    endSec: dur,
    shape: 'window',
    settleSec: 0,
    points: [],
    allPoints: [],
    offeredRps: null,
    rps: sm.throughputRps,
    requests: sm.requests,
    errors: sm.errors,
    errorRate: sm.errorRate,
    // LatencyPointMs has no unknowns: a figure the source did not record shows as NaN, never as 0
    latencyMs: { p50: l.p50 ?? NaN, p95: l.p95 ?? NaN, p99: l.p99 ?? NaN, ...(mean !== null ? { mean } : {}), ...(l.max !== null ? { max: l.max } : {}) },
    meanMs: mean,
    maxMs: fin(l.max),
    percentileSource: 'stage-summary',
    histogram: null,
    vus: null,
    inFlight: null,
    littleConcurrency: mean !== null ? little : null,
    concurrency: little ?? 0,
    watch: {},
  };
  return { steps: [step], method: 'summary', notes: ['no time series: the whole run is analysed as one step from its summary'] };
}

const r1 = (x: number): number => Math.round(x * 10) / 10;
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * The contract's step row; null for a step without latency (offered load but nothing completed,
 * or an imported summary without p50/p95/p99), which the table leaves out rather than show
 * invented figures (phases and capacity still see it).
 */
export function toStepResult(s: AnalysisStep): StepResult | null {
  if (!s.latencyMs) return null;
  const { p50, p95, p99 } = s.latencyMs;
  if (![p50, p95, p99].every((x) => typeof x === 'number' && Number.isFinite(x))) return null;
  const out: StepResult = {
    index: s.index,
    startSec: r3(s.startSec),
    endSec: r3(s.endSec),
    offeredRps: s.offeredRps === null ? null : r1(s.offeredRps),
    rps: r1(s.rps),
    errorRate: Math.round(s.errorRate * 1e5) / 1e5,
    concurrency: Math.round(s.concurrency * 100) / 100,
    latencyMs: s.latencyMs,
    requests: s.requests,
    steady: s.shape === 'hold',
    percentileSource: s.percentileSource,
  };
  const w: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(s.watch)) w[k] = v === null ? null : r3(v);
  if (Object.keys(w).length) out.watch = w;
  return out;
}
