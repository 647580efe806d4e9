/**
 * Quantiles of a Prometheus (classic) histogram, computed as PromQL's `histogram_quantile` does:
 *
 *   buckets (upper bound `le`, cumulative count c) sorted by le, the last one le = +Inf;
 *   rank = q × c(+Inf); b = the first bucket with c(b) ≥ rank;
 *   if b is the +Inf bucket → the highest finite bound (nothing better is known);
 *   else  value = le(b−1) + (le(b) − le(b−1)) × (rank − c(b−1)) / (c(b) − c(b−1)),
 *   with le(−1) = 0 and c(−1) = 0 (observations assumed uniform within a bucket).
 *
 * The watcher feeds it bucket *deltas* between two scrapes, so a quantile describes the observations
 * of one interval, not of the process's lifetime.
 */

export interface Bucket {
  /** upper bound (`le`), +Infinity for the last */
  le: number;
  /** cumulative count of observations ≤ le */
  count: number;
}

/** The q-quantile (0..1) of cumulative buckets; null when there is no observation or no +Inf bucket. */
export function histogramQuantile(q: number, input: Bucket[]): number | null {
  if (!(q >= 0 && q <= 1)) return null;
  const buckets = [...input].sort((a, b) => a.le - b.le);
  if (buckets.length < 2 || buckets[buckets.length - 1].le !== Infinity) return null;
  // cumulative counts never decrease; a scrape racing an observation can make them appear to (PromQL's ensureMonotonic)
  for (let i = 1; i < buckets.length; i++) {
    if (buckets[i].count < buckets[i - 1].count) buckets[i] = { le: buckets[i].le, count: buckets[i - 1].count };
  }
  const total = buckets[buckets.length - 1].count;
  if (!(total > 0)) return null;
  const rank = q * total;
  let b = 0;
  while (b < buckets.length - 1 && buckets[b].count < rank) b++;
  if (b === buckets.length - 1) return buckets[buckets.length - 2].le;
  if (b === 0 && buckets[0].le <= 0) return buckets[0].le;
  const start = b > 0 ? buckets[b - 1].le : 0;
  const below = b > 0 ? buckets[b - 1].count : 0;
  const inBucket = buckets[b].count - below;
  if (inBucket <= 0) return buckets[b].le;
  return start + (buckets[b].le - start) * ((rank - below) / inBucket);
}
