/**
 * Trends over time at constant load, shared by the leak rules: a series' Theil–Sen line over the
 * longest constant-load stretch, after a warm-up.
 *
 * Which stretch may carry a trend: one of at least MIN_STRETCH_SEC in any run; or, in a run that
 * is essentially one constant load (the stretch covers SHORT_STRETCH_SHARE of the run: a load or
 * soak test), one of at least MIN_SHORT_STRETCH_SEC. In such a run the stretch is the experiment
 * itself — the user held one load and asks whether memory or latency drifted — and the rules' own
 * statistics (the slope's confidence bound, the fit, whether the growth is fading, their
 * window-length weights) say how firm a short answer is; the validity checks already call a short
 * soak exploratory. In a stepped run a short hold is one step among many: its drift is that step's
 * load settling, not a trend over time.
 */
import type { TimelinePoint } from '../../result/types.js';
import { failedShare, ownerName, type Evidence, type Stretch } from '../evidence.js';
import { binMeans, mean, pearson, ramp, theilSen, type TheilSen } from '../stats.js';

/** Constant load this long carries a trend over time in any run, seconds. */
export const MIN_STRETCH_SEC = 120;
/** A shorter stretch carries one when it is most of the run (SHORT_STRETCH_SHARE), seconds. */
export const MIN_SHORT_STRETCH_SEC = 15;
/** Share of the run a short stretch must cover: the run is one constant load. */
export const SHORT_STRETCH_SHARE = 0.6;
/** Theil–Sen runs on at most this many bin means (O(n²) pairs). */
const MAX_BINS = 120;
/** Fewest interval values after warm-up for a line (and 5 per half for the halves' slopes). */
const MIN_POINTS = 10;

export interface Trend {
  stretch: Stretch;
  fit: TheilSen;
  /** fitted values at the start and the end of the analysed window */
  startValue: number;
  endValue: number;
  fromSec: number;
  toSec: number;
  /**
   * Theil–Sen slopes over the earlier and the later half of the window (per second). Growth that
   * fades (later ≪ earlier) is something settling; a leak keeps its pace.
   */
  earlySlope: number | null;
  lateSlope: number | null;
}

/** How long the run lasted, seconds: its recorded duration, else the end of its last interval. */
function runSec(ev: Evidence): number {
  const d = ev.result.durationSec;
  if (typeof d === 'number' && d > 0) return d;
  const last = ev.result.timeline?.[ev.result.timeline.length - 1];
  return last ? last.t + (last.durationSec ?? 1) : 0;
}

/** The longest constant-load stretch that may carry a trend over time (see above), or null. */
export function longStretch(ev: Evidence): Stretch | null {
  const s = ev.stretches[0];
  if (!s) return null;
  const len = s.endSec - s.startSec;
  if (len >= MIN_STRETCH_SEC) return s;
  return len >= MIN_SHORT_STRETCH_SEC && len >= SHORT_STRETCH_SHARE * runSec(ev) ? s : null;
}

/**
 * Warm-up left out of a stretch before fitting: the first 10%, at least 30 s — or, in a stretch
 * shorter than 2 min, its first quarter (JIT, heap sizing and connection pools settle in the first
 * seconds of load; a quarter leaves three quarters to fit).
 */
export function warmupSec(s: Stretch): number {
  const len = s.endSec - s.startSec;
  return Math.max(0.1 * len, Math.min(30, 0.25 * len));
}

/** Theil–Sen line of (t, v) samples, and of each half; slope per second. */
export function trendOf(stretch: Stretch, ts: number[], vs: number[], fromSec: number, toSec: number): Trend | null {
  if (ts.length < MIN_POINTS) return null;
  const b = binMeans(ts, vs, MAX_BINS);
  const fit = theilSen(b.xs, b.ys);
  if (!fit) return null;
  const half = Math.floor(b.xs.length / 2);
  const early = theilSen(b.xs.slice(0, half), b.ys.slice(0, half));
  const late = theilSen(b.xs.slice(half), b.ys.slice(half));
  return {
    stretch,
    fit,
    startValue: fit.intercept + fit.slope * fromSec,
    endValue: fit.intercept + fit.slope * toSec,
    fromSec,
    toSec,
    earlySlope: early?.slope ?? null,
    lateSlope: late?.slope ?? null,
  };
}

/** Trend of a watched series over the longest stretch after warm-up. */
export function seriesTrend(ev: Evidence, name: string): Trend | null {
  const s = longStretch(ev);
  if (!s) return null;
  const from = s.startSec + warmupSec(s);
  const { ts, vs } = ev.valuesBetween(name, from, s.endSec);
  return trendOf(s, ts, vs, from, s.endSec);
}

/** A queue inside the service: what grew with the requests waiting in it. */
export interface Queue {
  /** what was counted: "requests in flight", "open file descriptors of process port3000" */
  what: string;
  /** series name for a watched count; null for the timeline's in-flight count */
  series: string | null;
  /** mean over the first and the last third of the window */
  from: number;
  to: number;
}

/**
 * The queues that grew over the longest stretch after its warm-up (trend.ts): the timeline's
 * requests in flight and every app process's open descriptors (one socket per queued request).
 * Grew: the last third's mean at least double the first third's, and at least 5 more.
 */
export function growingQueues(ev: Evidence): Queue[] {
  const s = longStretch(ev);
  if (!s) return [];
  const from = s.startSec + warmupSec(s);
  const out: Queue[] = [];
  const grew = (ts: number[], vs: number[], what: string, series: string | null): void => {
    if (vs.length < 6) return;
    const third = Math.floor(vs.length / 3);
    const a = mean(vs.slice(0, third));
    const b = mean(vs.slice(-third));
    if (b >= 2 * a && b - a >= 5) out.push({ what, series, from: a, to: b });
  };
  const pts = s.points.filter((p) => p.t >= from && p.inFlight !== null);
  grew(
    pts.map((p) => p.t),
    pts.map((p) => p.inFlight!),
    'requests in flight',
    null,
  );
  for (const f of ev.find(/^fds$/, { roles: ['app'], watcher: 'process' })) {
    const { ts, vs } = ev.valuesBetween(f.name, from, s.endSec);
    grew(ts, vs, `open file descriptors of ${ownerName(f)}`, f.name);
  }
  return out;
}

/**
 * How closely a watched series moves with a queue that grew, 0..1: Pearson's r of its values
 * against the queue's at the same seconds (0.6 → 0, 0.9 → 1), over the longest stretch after its
 * warm-up. Growth that follows the queue is work waiting in it (requests, their sockets and
 * buffers), not something retained: it goes when the queue drains.
 */
export function queueTracking(ev: Evidence, name: string, q: Queue): { strength: number; r: number } {
  const s = longStretch(ev);
  if (!s) return { strength: 0, r: 0 };
  const from = s.startSec + warmupSec(s);
  const at = new Map<number, number>();
  if (q.series === null) {
    for (const p of s.points) if (p.t >= from && p.inFlight !== null) at.set(Math.floor(p.t), p.inFlight);
  } else {
    const { ts, vs } = ev.valuesBetween(q.series, from, s.endSec);
    ts.forEach((t, i) => at.set(Math.floor(t), vs[i]!));
  }
  const { ts, vs } = ev.valuesBetween(name, from, s.endSec);
  const xs: number[] = [];
  const ys: number[] = [];
  ts.forEach((t, i) => {
    const qv = at.get(Math.floor(t));
    if (qv !== undefined) {
      xs.push(qv);
      ys.push(vs[i]!);
    }
  });
  if (xs.length < 6) return { strength: 0, r: 0 };
  const r = pearson(xs, ys);
  return { strength: ramp(r, 0.6, 0.9), r };
}

/** The queue a series follows most closely, when it follows one (strength > 0). */
export function trackedQueue(ev: Evidence, name: string): { queue: Queue; strength: number; r: number } | null {
  let best: { queue: Queue; strength: number; r: number } | null = null;
  for (const q of growingQueues(ev)) {
    if (q.series === name) continue;
    const t = queueTracking(ev, name, q);
    if (t.strength > 0 && (!best || t.strength > best.strength)) best = { queue: q, ...t };
  }
  return best;
}

/** Failed or hung requests that rose over time: the prefix/suffix split of the failed share. */
export interface FailRise {
  /** mean failed share before and from the onset */
  before: number;
  after: number;
  /** where the suffix starts, s */
  onsetSec: number;
  /** the suffix's points */
  points: TimelinePoint[];
}

/**
 * The split of a stretch's per-second failed shares into a prefix and a suffix whose means differ
 * most (suffix higher), each at least 3 points and 10% of them; null without a rise. Prefix sums
 * make it linear.
 */
export function failRise(points: readonly TimelinePoint[]): FailRise | null {
  const pts: TimelinePoint[] = [];
  const fs: number[] = [];
  for (const p of points) {
    const f = failedShare(p);
    if (f !== null) {
      pts.push(p);
      fs.push(f);
    }
  }
  const n = fs.length;
  const minSeg = Math.max(3, Math.ceil(0.1 * n));
  if (n < 2 * minSeg) return null;
  const sum = [0];
  for (const f of fs) sum.push(sum[sum.length - 1]! + f);
  let best: { k: number; rise: number } | null = null;
  for (let k = minSeg; k <= n - minSeg; k++) {
    const before = sum[k]! / k;
    const after = (sum[n]! - sum[k]!) / (n - k);
    if (!best || after - before > best.rise) best = { k, rise: after - before };
  }
  if (!best || !(best.rise > 0)) return null;
  // the onset: the first failing point of the suffix (the split can land on a good second before it)
  let k = best.k;
  while (k < n - 1 && fs[k]! < 0.5 * (sum[n]! - sum[best.k]!) / (n - best.k)) k++;
  return { before: sum[best.k]! / best.k, after: (sum[n]! - sum[best.k]!) / (n - best.k), onsetSec: pts[k]!.t, points: pts.slice(best.k) };
}
