/**
 * A stratified circular block bootstrap over a run's seconds, for confidence intervals on figures
 * that are not means: latency percentiles (read from merged histograms), throughput and error rate.
 *
 * Why seconds, and why blocks. A run's requests are not independent draws: a GC pause, a slow disk
 * flush or a queue that builds up affects every request for a second or more, so neighbouring
 * seconds are correlated. Resampling single requests (or single seconds) as if they were
 * independent would give intervals that are too narrow, and "significant" regressions that are only
 * a noisy minute. The block bootstrap (Künsch 1989) resamples runs of L consecutive seconds, which
 * keeps the dependence inside each block; the circular variant (Politis & Romano 1992) wraps around
 * the end so every second is equally likely to be drawn.
 *
 * Why stratified. A plan's stages (ramps, steps) are different load levels: a second at 500 req/s
 * is not exchangeable with one at 50 req/s. Each stage is resampled on its own, keeping its number
 * of seconds, so every replicate has the same load mix as the run itself.
 *
 * Block length. L = max(⌈n^(1/3)⌉, h), at most ⌊n/3⌋ and at least 1, where n is the number of
 * seconds and h the first lag at which the autocorrelation of the per-second mean latency falls
 * inside the white-noise band ±2/√n. n^(1/3) is the rate at which the MSE-optimal block length grows
 * for variance and distribution estimation (Hall, Horowitz & Jing 1995; Bühlmann & Künsch 1999);
 * h makes sure a block spans the dependence actually seen in this run (seconds further apart than h
 * look uncorrelated), so a run with a slow oscillation gets longer blocks. The cap keeps at least
 * three blocks to draw from. For a 60-second run with no visible correlation L = 4; for a
 * 5-second run L = 1 (too short to see any dependence: its intervals are honest only to the extent
 * that seconds are nearly independent, which short calibration runs check).
 *
 * Percentiles of a replicate come from the sum of its seconds' histograms (merged, never averaged),
 * read the way HdrHistogram reads them: the highest equivalent value of the first bucket at which
 * the cumulative count reaches ⌈p/100 · N⌉.
 */
import * as hdr from 'hdr-histogram-js';
import { decodeHistogram } from '../metrics/histogram.js';
import { mulberry32, type Rng } from '../engine/rng.js';
import type { SecondSample } from './seconds.js';

/** The figures computed for one (resampled) run. */
export interface Figures {
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  throughputRps: number;
  errorRate: number;
}

export const FIGURE_KEYS = ['p50Ms', 'p95Ms', 'p99Ms', 'throughputRps', 'errorRate'] as const;
export type FigureKey = (typeof FIGURE_KEYS)[number];

/** A run's seconds, decoded once into compact counts over the buckets the run used. */
export interface PreparedRun {
  seconds: number;
  /** bucket → value (µs), ascending */
  valuesUs: Float64Array;
  /** per second: bucket positions and counts */
  buckets: Int32Array[];
  counts: Float64Array[];
  requests: Float64Array;
  errors: Float64Array;
  durationSec: Float64Array;
  /** indices of the seconds of each stage, in time order */
  strata: number[][];
  blockLength: number;
  /** the autocorrelation lag h that entered the block length (0 when none was measurable) */
  correlationLag: number;
}

/** Decodes the seconds' histograms and chooses the block length. */
export function prepareRun(seconds: readonly SecondSample[]): PreparedRun {
  const sorted = [...seconds].sort((a, b) => a.t - b.t);
  const n = sorted.length;
  const raw: Array<Map<number, number>> = [];
  const valueOf = new Map<number, number>();
  for (const s of sorted) {
    const m = new Map<number, number>();
    if (s.hdr) {
      const h = decodeHistogram(s.hdr) as hdr.JsHistogram;
      const len = h.countsArrayLength;
      let seen = 0;
      const total = h.totalCount;
      for (let i = 0; i < len && seen < total; i++) {
        const c = h.getCountAtIndex(i);
        if (c === 0) continue;
        seen += c;
        m.set(i, c);
        if (!valueOf.has(i)) valueOf.set(i, h.highestEquivalentValue(h.valueFromIndex(i)));
      }
    }
    raw.push(m);
  }
  const rawIdx = [...valueOf.keys()].sort((a, b) => a - b);
  const pos = new Map(rawIdx.map((r, k) => [r, k]));
  const valuesUs = Float64Array.from(rawIdx.map((r) => valueOf.get(r)!));
  const buckets: Int32Array[] = [];
  const counts: Float64Array[] = [];
  for (const m of raw) {
    const b = new Int32Array(m.size);
    const c = new Float64Array(m.size);
    let k = 0;
    for (const [r, cnt] of m) {
      b[k] = pos.get(r)!;
      c[k] = cnt;
      k++;
    }
    buckets.push(b);
    counts.push(c);
  }
  const byStage = new Map<number, number[]>();
  sorted.forEach((s, i) => {
    const list = byStage.get(s.stage);
    if (list) list.push(i);
    else byStage.set(s.stage, [i]);
  });
  const means = buckets.map((b, i) => {
    let sum = 0;
    let tot = 0;
    for (let k = 0; k < b.length; k++) {
      sum += valuesUs[b[k]!]! * counts[i]![k]!;
      tot += counts[i]![k]!;
    }
    return tot > 0 ? sum / tot : null;
  });
  const { length, lag } = chooseBlockLength(means);
  return {
    seconds: n,
    valuesUs,
    buckets,
    counts,
    requests: Float64Array.from(sorted.map((s) => s.requests)),
    errors: Float64Array.from(sorted.map((s) => s.errors)),
    durationSec: Float64Array.from(sorted.map((s) => s.durationSec)),
    strata: [...byStage.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]),
    blockLength: length,
    correlationLag: lag,
  };
}

/**
 * The block length for a series of per-second values (null = no sample that second): see the
 * module comment. Exported for tests.
 */
export function chooseBlockLength(series: ReadonlyArray<number | null>): { length: number; lag: number } {
  const n = series.length;
  if (n < 3) return { length: 1, lag: 0 };
  const xs = series.filter((v): v is number => v !== null);
  const base = Math.ceil(Math.cbrt(n));
  const cap = Math.max(1, Math.floor(n / 3));
  let lag = 0;
  if (xs.length >= 6) {
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const d = xs.map((x) => x - mean);
    const var0 = d.reduce((a, b) => a + b * b, 0);
    const band = 2 / Math.sqrt(xs.length);
    if (var0 > 0) {
      const maxLag = Math.floor(xs.length / 3);
      lag = maxLag;
      for (let k = 1; k <= maxLag; k++) {
        let c = 0;
        for (let i = k; i < d.length; i++) c += d[i]! * d[i - k]!;
        if (Math.abs(c / var0) < band) {
          lag = k;
          break;
        }
      }
    }
  }
  return { length: Math.max(1, Math.min(cap, Math.max(base, lag))), lag };
}

/** Figures of the seconds listed in `pick` (indices into the run, repeats allowed). */
export function figuresOf(run: PreparedRun, pick: ArrayLike<number>, scratch?: Float64Array): Figures {
  const acc = scratch ?? new Float64Array(run.valuesUs.length);
  acc.fill(0);
  let total = 0;
  let requests = 0;
  let errors = 0;
  let duration = 0;
  for (let j = 0; j < pick.length; j++) {
    const i = pick[j]!;
    const b = run.buckets[i]!;
    const c = run.counts[i]!;
    for (let k = 0; k < b.length; k++) {
      acc[b[k]!]! += c[k]!;
      total += c[k]!;
    }
    requests += run.requests[i]!;
    errors += run.errors[i]!;
    duration += run.durationSec[i]!;
  }
  const at = (p: number): number | null => {
    if (total === 0) return null;
    const target = Math.max(1, Math.ceil((p / 100) * total - 1e-9));
    let cum = 0;
    for (let k = 0; k < acc.length; k++) {
      cum += acc[k]!;
      if (cum >= target) return run.valuesUs[k]! / 1000;
    }
    return run.valuesUs[run.valuesUs.length - 1]! / 1000;
  };
  return {
    p50Ms: at(50),
    p95Ms: at(95),
    p99Ms: at(99),
    throughputRps: duration > 0 ? requests / duration : 0,
    errorRate: requests > 0 ? errors / requests : 0,
  };
}

/** The run's own figures (every second once). */
export function pointFigures(run: PreparedRun): Figures {
  return figuresOf(run, Array.from({ length: run.seconds }, (_, i) => i));
}

/** One circular-block-bootstrap replicate: the indices of the seconds drawn, stage by stage. */
export function resampleIndices(run: PreparedRun, rng: Rng, out: number[] = []): number[] {
  out.length = 0;
  for (const stratum of run.strata) {
    const n = stratum.length;
    const L = Math.min(run.blockLength, n);
    let drawn = 0;
    while (drawn < n) {
      const start = Math.floor(rng() * n);
      for (let k = 0; k < L && drawn < n; k++, drawn++) out.push(stratum[(start + k) % n]!);
    }
  }
  return out;
}

/** Bootstrap replicates of a run's figures. */
export function bootstrapFigures(run: PreparedRun, replicates: number, seed: number): Figures[] {
  const rng = mulberry32(seed);
  const scratch = new Float64Array(run.valuesUs.length);
  const pick: number[] = [];
  const out: Figures[] = [];
  for (let r = 0; r < replicates; r++) out.push(figuresOf(run, resampleIndices(run, rng, pick), scratch));
  return out;
}

/** The q-quantile (0..1) of values, by linear interpolation between order statistics. */
export function quantile(sortedValues: readonly number[], q: number): number {
  const n = sortedValues.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sortedValues[lo]! + (h - lo) * (sortedValues[hi]! - sortedValues[lo]!);
}
