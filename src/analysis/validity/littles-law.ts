/**
 * Little's law mismatch, warn: in a stable system the mean number in flight equals throughput ×
 * mean latency (L = λW). Checked on load levels before the collapse (past it, requests queue
 * inside the generator and the two legitimately part), with ≥ 50 requests and either figure ≥ 2:
 * more than 2× apart means latencies or in-flight counts are mis-measured, or requests waited
 * inside the generator.
 */
import type { ValidityNote, Result } from '../../result/types.js';
import type { Evidence } from '../evidence.js';
import * as w from '../wording.js';

export function littlesLaw(_result: Result, ev: Evidence): ValidityNote | null {
  const end = ev.phases.collapseIndex ?? ev.levels.length;
  let worst: { ratio: number; i: number } | null = null;
  for (let i = 0; i < end; i++) {
    const l = ev.levels[i]!;
    if (l.inFlight === null || l.littleConcurrency === null || l.requests < 50) continue;
    if (Math.max(l.inFlight, l.littleConcurrency) < 2) continue;
    const ratio = Math.max(l.inFlight, l.littleConcurrency) / Math.max(Math.min(l.inFlight, l.littleConcurrency), 1e-9);
    if (ratio > 2 && (!worst || ratio > worst.ratio)) worst = { ratio, i };
  }
  if (!worst) return null;
  const l = ev.levels[worst.i]!;
  return {
    id: 'littles-law-mismatch',
    severity: 'warn',
    message:
      `at ${w.load(l.load, ev.unit)} the generator counted ${w.num(l.inFlight!)} requests in flight but throughput × mean latency gives ${w.num(l.littleConcurrency!)} ` +
      `(Little's law), ${w.times(worst.ratio)} apart: requests waited inside the generator or the figures are mis-measured — treat this level's latency with caution.`,
  };
}
