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
import type { Evidence, Stretch } from '../evidence.js';
import { binMeans, theilSen, type TheilSen } from '../stats.js';

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
