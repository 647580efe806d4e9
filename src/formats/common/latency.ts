/**
 * Latency statistics as a foreign tool recorded them. Tools print different subsets (wrk 4:
 * p50/p75/p90/p99; ab: whole-millisecond percentiles; k6's summary: p90/p95 by default), and a
 * statistic a tool did not record is not invented: it is `null` in result.json, and the importer
 * names it in `limitations`.
 */
import type { LatencyPointMs, LatencySummaryMs } from '../../result/types.js';

export const LATENCY_STATS = ['min', 'mean', 'p50', 'p90', 'p95', 'p99', 'p999', 'max'] as const;
export type LatencyStat = (typeof LATENCY_STATS)[number];

/** What a tool recorded: any subset, milliseconds. */
export type RecordedLatencyMs = Partial<Record<LatencyStat | 'stdev', number>>;

const LABEL: Record<LatencyStat, string> = {
  min: 'min',
  mean: 'mean',
  p50: 'p50',
  p90: 'p90',
  p95: 'p95',
  p99: 'p99',
  p999: 'p99.9',
  max: 'max',
};

/**
 * The summary with every statistic the tool did not record set to null (`LatencySummaryMs` allows
 * it; loadproof's own runs always have every figure), and `missing` lists them for the limitation
 * sentence.
 */
export function recordedSummary(rec: RecordedLatencyMs): { latency: LatencySummaryMs; missing: string[] } {
  const out: Record<string, number | null> = {};
  const missing: string[] = [];
  for (const k of LATENCY_STATS) {
    const v = rec[k];
    if (v === undefined || !Number.isFinite(v)) {
      out[k] = null;
      missing.push(LABEL[k]);
    } else out[k] = round3(v);
  }
  if (rec.stdev !== undefined && Number.isFinite(rec.stdev)) out.stdev = round3(rec.stdev);
  return { latency: out as Record<keyof LatencySummaryMs, number | null> as LatencySummaryMs, missing };
}

/** A timeline point's latency from recorded statistics; null when the tool recorded none of p50/p95/p99. */
export function recordedPoint(rec: RecordedLatencyMs): LatencyPointMs | null {
  if (rec.p50 === undefined && rec.p95 === undefined && rec.p99 === undefined) return null;
  const pick = (v: number | undefined): number => (v === undefined ? (null as unknown as number) : round3(v));
  const p: LatencyPointMs = { p50: pick(rec.p50), p95: pick(rec.p95), p99: pick(rec.p99) };
  if (rec.mean !== undefined) p.mean = round3(rec.mean);
  if (rec.max !== undefined) p.max = round3(rec.max);
  return p;
}

/** Rounds to 3 decimals (microsecond resolution in milliseconds). */
export function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** "p95 and p99.9" → the sentence importers put in `limitations`. */
export function missingSentence(tool: string, missing: string[], context = ''): string | undefined {
  if (missing.length === 0) return undefined;
  const list = missing.length === 1 ? missing[0]! : `${missing.slice(0, -1).join(', ')} and ${missing[missing.length - 1]}`;
  return `${tool}${context} does not record ${list} latency: ${missing.length === 1 ? 'it is' : 'they are'} null`;
}
