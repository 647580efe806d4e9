/**
 * The one HdrHistogram wrapper: latencies are recorded as integer microseconds with 3 significant
 * digits (0.1% value precision), encoded as compressed base64 to travel between worker threads and
 * into result.json, and merged by adding counts — percentiles are never averaged (autocannon
 * `lib/aggregateResult.js`, wrk2 `hdr_add`).
 */
import * as hdr from 'hdr-histogram-js';
import type { LatencyPointMs, LatencyStatsMs } from '../result/types.js';

export type Histogram = hdr.Histogram;

/** Highest recordable latency: 1 hour in µs. Larger values are clamped to it (and the clamp counted). */
export const HIGHEST_TRACKABLE_US = 3_600_000_000;

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
  const v = us < 1 ? 1 : us > HIGHEST_TRACKABLE_US ? HIGHEST_TRACKABLE_US : Math.round(us);
  h.recordValue(v);
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(b64: string): Histogram {
  return hdr.decodeFromCompressedBase64(b64, 32, false);
}

/** Merges histograms (and/or encoded histograms) into a new one. */
export function mergeHistograms(parts: Iterable<Histogram | string | undefined | null>): Histogram {
  const out = createHistogram();
  for (const p of parts) {
    if (p === undefined || p === null) continue;
    out.add(typeof p === 'string' ? decodeHistogram(p) : p);
  }
  return out;
}

const us2ms = (us: number): number => Math.round(us) / 1000;

/** The value at percentile `p` (0..100) in milliseconds; 0 for an empty histogram. */
export function percentileMs(h: Histogram, p: number): number {
  // HdrHistogram answers with the top of the value's bucket, which can exceed the largest value
  // recorded (p99 10,011 ms beside a max of 10,005 ms): a percentile is never above the max.
  return h.totalCount === 0 ? 0 : us2ms(Math.min(h.getValueAtPercentile(p), h.maxValue));
}

/** min, mean, p50, p90, p95, p99, p99.9, max and stdev in milliseconds (zeros when empty). */
export function summarizeMs(h: Histogram): LatencyStatsMs {
  if (h.totalCount === 0) return { min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, stdev: 0 };
  return {
    min: us2ms(h.minNonZeroValue),
    mean: Math.round(h.mean) / 1000,
    p50: percentileMs(h, 50),
    p90: percentileMs(h, 90),
    p95: percentileMs(h, 95),
    p99: percentileMs(h, 99),
    p999: percentileMs(h, 99.9),
    max: us2ms(h.maxValue),
    stdev: Math.round(h.stdDeviation) / 1000,
  };
}

/** p50, p95, p99, mean, max in milliseconds, or null when empty (a timeline point with no sample). */
export function pointMs(h: Histogram): LatencyPointMs | null {
  if (h.totalCount === 0) return null;
  return {
    p50: percentileMs(h, 50),
    p95: percentileMs(h, 95),
    p99: percentileMs(h, 99),
    mean: Math.round(h.mean) / 1000,
    max: us2ms(h.maxValue),
  };
}
