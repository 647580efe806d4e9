/**
 * The load curve: the steps of a run that climb or hold (ramp-down windows measure recovery, not
 * capacity, and are left out), grouped by load level and ordered by load. Phases, capacity, the
 * USL fit and the diagnosis rules all read the run through it.
 *
 * The load axis is the offered rate when every step recorded it (open model), else the VUs
 * (closed model), else only the achieved rate is known: then the levels stay in time order,
 * one per step, because sorting by what the target achieved would put a collapse at "low load".
 */
import { mergeHistograms, pointMs, type Histogram } from '../metrics/histogram.js';
import type { LatencyPointMs } from '../result/types.js';
import type { AnalysisStep } from './steps.js';

export type LoadKind = 'offered' | 'vus' | 'achieved';

/** One load level: one step, or several steps at the same load (e.g. a spike's base before and after). */
export interface Level {
  /** position on the load curve */
  index: number;
  /** offered req/s, VUs, or achieved req/s, per the curve's kind */
  load: number;
  offeredRps: number | null;
  vus: number | null;
  rps: number;
  requests: number;
  errors: number;
  errorRate: number;
  latencyMs: LatencyPointMs | null;
  meanMs: number | null;
  maxMs: number | null;
  histogram: Histogram | null;
  concurrency: number;
  inFlight: number | null;
  littleConcurrency: number | null;
  startSec: number;
  endSec: number;
  steps: AnalysisStep[];
  /** duration-weighted mean of each watched series over the level's steps */
  watch: Record<string, number | null>;
}

export interface LoadCurve {
  kind: LoadKind;
  levels: Level[];
}

/** Two loads within this relative distance are one level. */
const SAME_LEVEL = 0.03;

const dur = (s: AnalysisStep): number => s.points.reduce((a, p) => a + (p.durationSec ?? 1), 0) || s.endSec - s.startSec - s.settleSec;

function wmean(steps: readonly AnalysisStep[], pick: (s: AnalysisStep) => number | null): number | null {
  let a = 0;
  let w = 0;
  for (const s of steps) {
    const v = pick(s);
    if (v === null || !Number.isFinite(v)) continue;
    a += v * dur(s);
    w += dur(s);
  }
  return w > 0 ? a / w : null;
}

function levelOf(steps: AnalysisStep[], load: number): Omit<Level, 'index'> {
  if (steps.length === 1) {
    const s = steps[0]!;
    return { ...pick(s), load, steps };
  }
  const requests = steps.reduce((a, s) => a + s.requests, 0);
  const errors = steps.reduce((a, s) => a + s.errors, 0);
  const time = steps.reduce((a, s) => a + dur(s), 0);
  const withLat = steps.filter((s) => s.latencyMs);
  let histogram: Histogram | null = null;
  let latencyMs: LatencyPointMs | null = null;
  let meanMs: number | null = null;
  let maxMs: number | null = null;
  if (withLat.length && withLat.every((s) => s.histogram)) {
    histogram = mergeHistograms(withLat.map((s) => s.histogram));
    // the same figures as hdr's mean getter and getValueAtPercentile, in one walk over the counts
    // (histogram.ts): the library's iterator took most of `analyze` on a long run's merged steps
    const pt = pointMs(histogram) ?? { p50: 0, p95: 0, p99: 0, mean: 0, max: 0 };
    meanMs = pt.mean!;
    maxMs = pt.max!;
    latencyMs = pt;
  } else if (withLat.length) {
    const mx = (f: (l: LatencyPointMs) => number): number => Math.max(...withLat.map((s) => f(s.latencyMs!)));
    latencyMs = { p50: mx((l) => l.p50), p95: mx((l) => l.p95), p99: mx((l) => l.p99) };
    const req = withLat.reduce((a, s) => a + s.requests, 0);
    meanMs = withLat.every((s) => s.meanMs !== null) && req > 0 ? withLat.reduce((a, s) => a + s.meanMs! * s.requests, 0) / req : null;
    maxMs = withLat.every((s) => s.maxMs !== null) ? Math.max(...withLat.map((s) => s.maxMs!)) : null;
  }
  const watch: Record<string, number | null> = {};
  for (const name of new Set(steps.flatMap((s) => Object.keys(s.watch)))) watch[name] = wmean(steps, (s) => s.watch[name] ?? null);
  const rps = time > 0 ? requests / time : 0;
  return {
    load,
    offeredRps: wmean(steps, (s) => s.offeredRps),
    vus: wmean(steps, (s) => s.vus),
    rps,
    requests,
    errors,
    errorRate: requests > 0 ? errors / requests : 0,
    latencyMs,
    meanMs,
    maxMs,
    histogram,
    concurrency: wmean(steps, (s) => s.concurrency) ?? 0,
    inFlight: wmean(steps, (s) => s.inFlight),
    littleConcurrency: meanMs !== null ? (rps * meanMs) / 1000 : null,
    startSec: Math.min(...steps.map((s) => s.startSec)),
    endSec: Math.max(...steps.map((s) => s.endSec)),
    steps,
    watch,
  };
}

function pick(s: AnalysisStep): Omit<Level, 'index' | 'load' | 'steps'> {
  return {
    offeredRps: s.offeredRps,
    vus: s.vus,
    rps: s.rps,
    requests: s.requests,
    errors: s.errors,
    errorRate: s.errorRate,
    latencyMs: s.latencyMs,
    meanMs: s.meanMs,
    maxMs: s.maxMs,
    histogram: s.histogram,
    concurrency: s.concurrency,
    inFlight: s.inFlight,
    littleConcurrency: s.littleConcurrency,
    startSec: s.startSec,
    endSec: s.endSec,
    watch: s.watch,
  };
}

/** Builds the load curve from a run's steps. */
export function buildLoadCurve(steps: readonly AnalysisStep[]): LoadCurve {
  const rising = steps.filter((s) => s.shape !== 'ramp-down' && (s.requests > 0 || (s.offeredRps ?? 0) > 0));
  if (rising.length === 0) return { kind: 'achieved', levels: [] };
  const kind: LoadKind = rising.every((s) => s.offeredRps !== null && s.offeredRps > 0)
    ? 'offered'
    : rising.every((s) => s.vus !== null && s.vus > 0)
      ? 'vus'
      : 'achieved';
  if (kind === 'achieved') {
    return { kind, levels: rising.map((s, i) => ({ ...pick(s), load: s.rps, steps: [s], index: i })) };
  }
  const loadOf = (s: AnalysisStep): number => (kind === 'offered' ? s.offeredRps! : s.vus!);
  const sorted = [...rising].sort((a, b) => loadOf(a) - loadOf(b));
  const groups: AnalysisStep[][] = [];
  for (const s of sorted) {
    const g = groups[groups.length - 1];
    if (g && Math.abs(loadOf(s) - loadOf(g[0]!)) <= SAME_LEVEL * loadOf(g[0]!)) g.push(s);
    else groups.push([s]);
  }
  const levels = groups.map((g, i) => {
    const load = g.reduce((a, s) => a + loadOf(s), 0) / g.length;
    return { ...levelOf(g, load), index: i };
  });
  return { kind, levels };
}

/** "req/s" or "VUs": the unit of the curve's load axis. */
export function loadUnit(kind: LoadKind): string {
  return kind === 'vus' ? 'VUs' : 'req/s';
}

/**
 * A level without a latency although requests were sent: all of them are outstanding or failed
 * untimed (timeouts before issue 11). It is the worst level, not one to leave out.
 */
export function levelHung(l: Level): boolean {
  return l.latencyMs === null && ((l.inFlight ?? 0) > 0 || l.errors > 0);
}

/**
 * A level's latency statistic that hung levels cannot blind: its own, or for a hung level
 * (levelHung) the worst of that statistic over `levels`; null when neither is known.
 */
export function levelLatency(levels: readonly Level[], l: Level, pick: (x: LatencyPointMs) => number): number | null {
  if (l.latencyMs) return pick(l.latencyMs);
  if (!levelHung(l)) return null;
  let worst: number | null = null;
  for (const x of levels) if (x.latencyMs && Number.isFinite(pick(x.latencyMs))) worst = Math.max(worst ?? 0, pick(x.latencyMs));
  return worst;
}
