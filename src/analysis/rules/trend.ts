/**
 * Trends over time at constant load, shared by the leak rules: a series' Theil–Sen line over the
 * longest constant-load stretch, after a warm-up.
 */
import type { Evidence, Stretch } from '../evidence.js';
import { binMeans, theilSen, type TheilSen } from '../stats.js';

/** Constant load must last this long before a trend over time means anything, seconds. */
export const MIN_STRETCH_SEC = 120;
/** Theil–Sen runs on at most this many bin means (O(n²) pairs). */
const MAX_BINS = 120;

export interface Trend {
  stretch: Stretch;
  fit: TheilSen;
  /** fitted values at the start and the end of the analysed window */
  startValue: number;
  endValue: number;
  fromSec: number;
  toSec: number;
}

/** The longest constant-load stretch of at least MIN_STRETCH_SEC, or null. */
export function longStretch(ev: Evidence): Stretch | null {
  const s = ev.stretches[0];
  return s && s.endSec - s.startSec >= MIN_STRETCH_SEC ? s : null;
}

/** Warm-up left out of a stretch before fitting: the first 10%, at least 30 s. */
export function warmupSec(s: Stretch): number {
  return Math.max(30, 0.1 * (s.endSec - s.startSec));
}

/** Theil–Sen line of (t, v) samples; slope per second. */
export function trendOf(stretch: Stretch, ts: number[], vs: number[], fromSec: number, toSec: number): Trend | null {
  if (ts.length < 10) return null;
  const b = binMeans(ts, vs, MAX_BINS);
  const fit = theilSen(b.xs, b.ys);
  if (!fit) return null;
  return { stretch, fit, startValue: fit.intercept + fit.slope * fromSec, endValue: fit.intercept + fit.slope * toSec, fromSec, toSec };
}

/** Trend of a watched series over the longest stretch after warm-up. */
export function seriesTrend(ev: Evidence, name: string): Trend | null {
  const s = longStretch(ev);
  if (!s) return null;
  const from = s.startSec + warmupSec(s);
  const { ts, vs } = ev.valuesBetween(name, from, s.endSec);
  return trendOf(s, ts, vs, from, s.endSec);
}
