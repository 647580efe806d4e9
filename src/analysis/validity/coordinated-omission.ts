/**
 * Closed model with long stalls: coordinated omission likely (warn).
 *
 * A virtual user waits for each response before its next request, so while the target stalls the
 * requests a user would have sent are never sent, and never measured. It matters when stalls are
 * long against a user's cycle (request + think time = VUs / throughput): flagged when p99 exceeds
 * a whole cycle and is at least 3× the median (a stall, not uniformly slow service). Without VUs,
 * p99 ≥ 5× the median is taken as the stall signal.
 */
import type { Result, ValidityNote } from '../../result/types.js';
import * as w from '../wording.js';

export function coordinatedOmission(result: Result): ValidityNote | null {
  const closed = result.plan?.model === 'closed' || result.summary?.latencyBasis === 'actual';
  const sm = result.summary;
  if (!closed || !sm || !(sm.requests > 0) || !(sm.throughputRps > 0)) return null;
  const l = sm.latencyMs;
  if (l.p50 === null || l.p99 === null) return null; // the source did not record the tail
  const p50 = l.p50;
  const p99 = l.p99;
  const vus = (result.timeline ?? []).map((p) => p.vus).filter((v): v is number => v !== null && v > 0);
  const meanVus = vus.length ? vus.reduce((a, b) => a + b, 0) / vus.length : null;
  const cycleMs = meanVus !== null ? (meanVus / sm.throughputRps) * 1000 : null;
  // A "long stall" is one a person would call one: sub-millisecond jitter in a tight loop (wrk-style,
  // no think time, where a VU's cycle is just its request) is not worth a warning.
  const LONG_STALL_MS = 20;
  const stall = p99 >= LONG_STALL_MS && (cycleMs !== null ? p99 > cycleMs && p99 >= 3 * p50 : p99 >= 5 * p50);
  if (!stall) return null;
  return {
    id: 'coordinated-omission',
    severity: 'warn',
    message:
      `closed model: 1% of requests took over ${w.ms(p99)}` +
      (cycleMs !== null ? `, longer than a virtual user's whole cycle (${w.ms(cycleMs)}: request + think time)` : ` (${w.times(p99 / Math.max(p50, 1e-6))} the median)`) +
      `; while a user waits it sends nothing, so the requests it would have sent during a stall were never measured (coordinated omission). The true tail is likely worse than reported — the open model (load.model: open) measures it from the intended send time.`,
  };
}
