/**
 * The one HdrHistogram wrapper: latencies are recorded as integer microseconds with 3 significant
 * digits (0.1% value precision), encoded as compressed base64 to travel between worker threads and
 * into result.json, and merged by adding counts — percentiles are never averaged (autocannon
 * `lib/aggregateResult.js`, wrk2 `hdr_add`). The load worker records into `LatencyCounts`
 * (latency-counts.ts: the same buckets, without this library) and the main thread builds the
 * histograms from those counts (`histogramFromCounts`).
 */
import * as hdr from 'hdr-histogram-js';
import type { LatencyPointMs, LatencyStatsMs } from '../result/types.js';
import { COUNTS_LENGTH, HIGHEST_TRACKABLE_US, recordableUs, type SparseCounts } from './latency-counts.js';
// hdr-codec imports decodeHistogram from here: a cycle of function declarations, used only at call time
import { addEncoded, CountsSum, countsOf } from './hdr-codec.js';

export type Histogram = hdr.Histogram;

export { HIGHEST_TRACKABLE_US };

/** A new empty latency histogram (µs, 3 significant digits). */
export function createHistogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_US,
    numberOfSignificantValueDigits: 3,
    bitBucketSize: 32,
    autoResize: false,
    useWebAssembly: false,
  });
}

/** Records a latency in µs (rounded to an integer, at least 1, clamped to the trackable range). */
export function recordUs(h: Histogram, us: number): void {
  h.recordValue(recordableUs(us));
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(b64: string): Histogram {
  return hdr.decodeFromCompressedBase64(b64, 32, false);
}

/**
 * A histogram holding the sum of sparse counts (latency-counts.ts; several workers' counts for the
 * same second add up). Its min, max and total are derived from the counts the way decoding an
 * encoded histogram derives them, so it equals `decodeHistogram(encodeHistogram(h))` for an `h`
 * that recorded the same values. With `into`, that histogram is reset and filled instead of a new one.
 */
export function histogramFromCounts(parts: Iterable<SparseCounts | null | undefined>, into?: Histogram): Histogram {
  // `into` (a histogram of createHistogram's layout) is emptied and reused: no 23,552-slot allocation
  let h: hdr.JsHistogram;
  if (into instanceof hdr.JsHistogram) {
    h = into;
    h.reset();
  } else h = createHistogram() as hdr.JsHistogram;
  let top = -1;
  for (const p of parts) {
    if (p === null || p === undefined) continue;
    for (let k = 0; k < p.length; k += 2) {
      const i = p[k]!;
      h.addToCountAtIndex(i, p[k + 1]!);
      if (i > top) top = i;
    }
  }
  if (top >= 0) h.establishInternalTackingValues(top + 1);
  return h;
}

/** mergeHistograms' running sum, reused (emptied on each call; a merge is never re-entered). */
let mergeScratch: CountsSum | null = null;

/**
 * Merges histograms (and/or encoded histograms) into a new one. Encoded ones are added straight
 * into one reused counts array (hdr-codec.ts `addEncoded`; another layout through `countsOf`)
 * before one histogram is built from the sum: decoding each into
 * a 23,552-slot histogram and adding it walked every slot, ~0.7 ms a histogram — most of `analyze`
 * on a 24-hour result (4,980 timeline points). The sum is the same counts either way.
 */
export function mergeHistograms(parts: Iterable<Histogram | string | undefined | null>): Histogram {
  const sum = (mergeScratch ??= new CountsSum());
  sum.clear();
  const foreign: SparseCounts[] = [];
  const built: Histogram[] = [];
  for (const p of parts) {
    if (p === undefined || p === null) continue;
    if (typeof p === 'string') {
      if (!addEncoded(sum, p)) foreign.push(countsOf(p));
    } else built.push(p);
  }
  foreign.push(sum.sparse());
  const out = histogramFromCounts(foreign);
  for (const h of built) out.add(h);
  return out;
}

const us2ms = (us: number): number => Math.round(us) / 1000;

/**
 * The latencies of an interval with its stalled requests: `ended` (the requests that ended in it)
 * plus those `outstanding` ages (requests still waiting at its end, each age a lower bound of its
 * latency) that exceed the slowest request that ended — all of them when none ended.
 *
 * Why only those: in a healthy run the requests in flight at a second's end are younger than the
 * slow requests that ended in it, and they are counted when they end a moment later; mixing their
 * partial ages in would pull the interval's percentiles down (by Little's law there are rate ×
 * latency of them, a fifth of a second's requests at 200 ms). A request that has already waited
 * longer than anything that completed is the stall itself, and leaving it out is what hid hangs.
 * Returns `ended` itself when nothing is added, null when both are empty.
 */
export function withStalled(ended: Histogram | null, outstanding: Histogram | null): Histogram | null {
  const endedCount = ended?.totalCount ?? 0;
  if (outstanding === null || outstanding.totalCount === 0) return endedCount > 0 ? ended : null;
  const floorUs = endedCount > 0 ? ended!.maxValue : 0;
  if (outstanding.maxValue <= floorUs) return ended;
  const out = createHistogram();
  if (endedCount > 0) out.add(ended!);
  if (floorUs === 0 || !(outstanding instanceof hdr.JsHistogram)) {
    if (floorUs === 0) out.add(outstanding);
    return out;
  }
  const j = outstanding;
  const n = j.countsArrayLength;
  for (let i = 0; i < n; i++) {
    const c = j.getCountAtIndex(i);
    if (c === 0) continue;
    const v = j.valueFromIndex(i);
    if (v > floorUs) out.recordValueWithCount(v, c);
  }
  return out;
}

/** medianEquivalents' table, built on first use. */
let medianTable: Float64Array | null = null;

/**
 * m(i) = medianEquivalentValue(highestEquivalentValue(valueFromIndex(i))) for every index of
 * loadproof's layout (createHistogram's), computed once with the library's own functions — so each
 * entry is the very float the library would compute — or null for a histogram of another layout.
 * The three calls cost ~1.5 µs per filled bucket on a warm JIT (a second of a merged run fills a
 * thousand or more; bench/merge.mjs spent a third of its time there), a table read nothing.
 */
function medianEquivalents(j: hdr.JsHistogram): Float64Array | null {
  if (j.countsArrayLength !== COUNTS_LENGTH || j.subBucketCount !== 2048 || j.unitMagnitude !== 0) return null;
  if (medianTable === null) {
    const t = new Float64Array(COUNTS_LENGTH);
    for (let i = 0; i < COUNTS_LENGTH; i++) t[i] = j.medianEquivalentValue(j.highestEquivalentValue(j.valueFromIndex(i)));
    medianTable = t;
  }
  return medianTable;
}

/** m(i) as medianEquivalents defines it, from the table when the layout allows. */
function medianAt(j: hdr.JsHistogram, table: Float64Array | null, i: number): number {
  return table !== null ? table[i]! : j.medianEquivalentValue(j.highestEquivalentValue(j.valueFromIndex(i)));
}

/**
 * The first index a walk over `j`'s counts needs to visit: that of its lowest non-zero value (the
 * slots below hold nothing), or 0 when a zero was recorded or nothing is known. A per-minute
 * histogram's counts start ~1,000 slots in; walking from 0 was a third of `pointMs`.
 */
function firstIndex(j: hdr.JsHistogram): number {
  if (j.getCountAtIndex(0) > 0) return 0;
  const min = j.minNonZeroValue;
  if (!(min > 0) || min >= Number.MAX_SAFE_INTEGER) return 0;
  const i = j.countsArrayIndex(min);
  return i > 0 && i < j.countsArrayLength ? i : 0;
}

/**
 * Mean and standard deviation in µs, exactly as hdr-histogram-js's `mean` and `stdDeviation`
 * getters compute them — each recorded index stands for the median equivalent value of its bucket,
 * summed in index order, so the floats are bit-for-bit the same — but read straight from the counts
 * array. The library walks a `RecordedValuesIterator` that visits every slot with several method
 * calls and an `Object.assign` per recorded value: ~4 ms per histogram before the JIT warms up,
 * paid for every second of a run on the main thread (bench/README.md, "Engine CPU").
 *
 *   mean  = Σ m(i)·c(i) / N                 m(i) = medianEquivalentValue(highestEquivalentValue(valueFromIndex(i)))
 *   stdev = √( Σ (m(i) − mean)²·c(i) / N )  over the indices i with a count c(i) > 0, N = totalCount
 */
export function meanStdevUs(h: Histogram): { mean: number; stdev: number } {
  const total = h.totalCount;
  if (total === 0) return { mean: 0, stdev: 0 };
  if (!(h instanceof hdr.JsHistogram)) return { mean: h.mean, stdev: h.stdDeviation };
  const j = h;
  const table = medianEquivalents(j);
  const n = j.countsArrayLength;
  let seen = 0;
  let sum = 0;
  let last = -1;
  const first = firstIndex(j);
  for (let i = first; i < n && seen < total; i++) {
    const c = j.getCountAtIndex(i);
    if (c === 0) continue;
    seen += c;
    sum += medianAt(j, table, i) * c;
    last = i;
  }
  const mean = sum / total;
  let dev = 0;
  for (let i = first; i <= last; i++) {
    const c = j.getCountAtIndex(i);
    if (c === 0) continue;
    const d = medianAt(j, table, i) - mean;
    dev += d * d * c;
  }
  return { mean, stdev: Math.sqrt(dev / total) };
}

/** The mean in µs (as hdr-histogram-js's `mean`, without its iterator; see meanStdevUs). */
export function meanUs(h: Histogram): number {
  const total = h.totalCount;
  if (total === 0) return 0;
  if (!(h instanceof hdr.JsHistogram)) return h.mean;
  const j = h;
  const table = medianEquivalents(j);
  const n = j.countsArrayLength;
  let seen = 0;
  let sum = 0;
  for (let i = firstIndex(j); i < n && seen < total; i++) {
    const c = j.getCountAtIndex(i);
    if (c === 0) continue;
    seen += c;
    sum += medianAt(j, table, i) * c;
  }
  return sum / total;
}

/** The value at percentile `p` (0..100) in milliseconds; 0 for an empty histogram. */
export function percentileMs(h: Histogram, p: number): number {
  // HdrHistogram answers with the top of the value's bucket, which can exceed the largest value
  // recorded (p99 10,011 ms beside a max of 10,005 ms): a percentile is never above the max.
  return h.totalCount === 0 ? 0 : us2ms(Math.min(h.getValueAtPercentile(p), h.maxValue));
}

/** hdr-histogram-js's ulp (unit in the last place of a double), for its percentile rounding. */
const ulp = (x: number): number => Math.pow(2, Math.floor(Math.log2(x)) - 52);

/**
 * The values (µs) at the ascending percentiles `ps` (each in (0, 100]), exactly as
 * `getValueAtPercentile` answers each of them, in one walk over the counts instead of one per
 * percentile.
 */
function valuesAtPercentilesUs(h: Histogram, ps: readonly number[]): number[] {
  if (!(h instanceof hdr.JsHistogram)) return ps.map((p) => h.getValueAtPercentile(p));
  const j = h;
  const total = j.totalCount;
  const targets = ps.map((p) => {
    const fp = (Math.min(p, 100) / 100) * total;
    return Math.max(Math.ceil(fp - ulp(fp)), 1);
  });
  const out = ps.map(() => 0);
  const n = j.countsArrayLength;
  let k = 0;
  let cum = 0;
  for (let i = firstIndex(j); i < n && k < targets.length; i++) {
    const c = j.getCountAtIndex(i);
    if (c === 0) continue;
    cum += c;
    while (k < targets.length && cum >= targets[k]!) {
      out[k] = j.highestEquivalentValue(j.valueFromIndex(i));
      k++;
    }
  }
  return out;
}

/** Percentiles `ps` (ascending, in (0, 100]) in ms, each capped at the max as percentileMs does. */
function percentilesMs(h: Histogram, ps: readonly number[]): number[] {
  const max = h.maxValue;
  return valuesAtPercentilesUs(h, ps).map((v) => us2ms(Math.min(v, max)));
}

const SUMMARY_PERCENTILES = [50, 90, 95, 99, 99.9] as const;
const POINT_PERCENTILES = [50, 95, 99] as const;

/** min, mean, p50, p90, p95, p99, p99.9, max and stdev in milliseconds (zeros when empty). */
export function summarizeMs(h: Histogram): LatencyStatsMs {
  if (h.totalCount === 0) return { min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, stdev: 0 };
  const { mean, stdev } = meanStdevUs(h);
  const [p50, p90, p95, p99, p999] = percentilesMs(h, SUMMARY_PERCENTILES) as [number, number, number, number, number];
  return {
    min: us2ms(h.minNonZeroValue),
    mean: Math.round(mean) / 1000,
    p50,
    p90,
    p95,
    p99,
    p999,
    max: us2ms(h.maxValue),
    stdev: Math.round(stdev) / 1000,
  };
}

/** p50, p95, p99, mean, max in milliseconds, or null when empty (a timeline point with no sample). */
export function pointMs(h: Histogram): LatencyPointMs | null {
  if (h.totalCount === 0) return null;
  const [p50, p95, p99] = percentilesMs(h, POINT_PERCENTILES) as [number, number, number];
  return {
    p50,
    p95,
    p99,
    mean: Math.round(meanUs(h)) / 1000,
    max: us2ms(h.maxValue),
  };
}
