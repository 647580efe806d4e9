/**
 * The load worker's per-second latency recorder: HdrHistogram's bucket layout for integer µs at 3
 * significant digits (lowest discernible value 1, highest HIGHEST_TRACKABLE_US), kept as a plain
 * counts array — index i here is index i of the run's histograms (histogram.ts). Recording a value
 * is an index computation and an increment: ~20 ns against ~110 ns for hdr-histogram-js's
 * `recordValue` (bench/README.md, "Engine CPU"), and the worker thread does not load
 * hdr-histogram-js at all. Once per second the counts leave as sparse (index, count) pairs and the
 * main thread turns them into HdrHistograms (`histogramFromCounts`): the same counts give the same
 * histograms, and the same encoded strings, as recording into an HdrHistogram directly.
 *
 * Index of an integer value v, 1 ≤ v < 2^32 (HdrHistogram's `countsArrayIndex` with 2048 sub-buckets
 * — 2·10^3 rounded up to a power of two — and unit magnitude 0):
 *   bucket     b = max(0, ⌊log2 v⌋ − 10)          (bucket 0 holds 0..2047 exactly)
 *   sub-bucket s = ⌊v / 2^b⌋                      (1024 ≤ s < 2048 when b > 0)
 *   index        = b·1024 + s
 * so a value is kept to within 2^b / v < 1/1024 of itself: 3 significant digits.
 */

/** Highest recordable latency: 1 hour in µs. Larger values are clamped to it. */
export const HIGHEST_TRACKABLE_US = 3_600_000_000;

/** Length of the counts array that covers 1..HIGHEST_TRACKABLE_US: (22 buckets + 1) · 1024. */
export const COUNTS_LENGTH = 23_552;

/** Sparse counts: `[index0, count0, index1, count1, …]`, indices increasing. */
export type SparseCounts = number[];

/** A latency in µs as recorded: rounded to an integer, at least 1, at most HIGHEST_TRACKABLE_US. */
export function recordableUs(us: number): number {
  return us < 1 ? 1 : us > HIGHEST_TRACKABLE_US ? HIGHEST_TRACKABLE_US : Math.round(us);
}

/** The counts-array index of a recordable value (see the module comment). */
export function countsIndex(v: number): number {
  // ⌊log2 v⌋ = 31 − clz32(v); OR-ing in 2047 puts every v < 2048 in bucket 0. Both operators read
  // v as an unsigned 32-bit integer, which holds every value up to HIGHEST_TRACKABLE_US.
  const b = 21 - Math.clz32(v | 2047);
  return (b << 10) + (v >>> b);
}

/** Latencies of one second, recorded into HdrHistogram's buckets without HdrHistogram. */
export class LatencyCounts {
  private readonly counts = new Float64Array(COUNTS_LENGTH);
  /** lowest and highest index used since the last take (lo > hi when none) */
  private lo = COUNTS_LENGTH;
  private hi = -1;
  /** values recorded since the last take */
  total = 0;

  /** Records a latency in µs (see recordableUs). */
  record(us: number): void {
    const i = countsIndex(recordableUs(us));
    this.counts[i]!++;
    if (i < this.lo) this.lo = i;
    if (i > this.hi) this.hi = i;
    this.total++;
  }

  /** The counts recorded since the last take, as sparse pairs (null when none); starts afresh. */
  take(): SparseCounts | null {
    if (this.total === 0) return null;
    const out: SparseCounts = [];
    const counts = this.counts;
    for (let i = this.lo; i <= this.hi; i++) {
      const c = counts[i]!;
      if (c === 0) continue;
      out.push(i, c);
      counts[i] = 0;
    }
    this.lo = COUNTS_LENGTH;
    this.hi = -1;
    this.total = 0;
    return out;
  }
}
