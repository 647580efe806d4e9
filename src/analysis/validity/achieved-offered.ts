/**
 * Achieved ≠ offered (open model), warn: a load level where the target completed more than 5% less
 * than was offered although it answered quickly (p95 within the linear bound) and without errors
 * over the budget — the shortfall came from the generator (dropped arrivals at maxInFlight, send
 * lag), so the level describes a lower load than planned. A shortfall with slow answers is the
 * target saturating: that is the collapse phase, not a validity problem.
 */
import type { Result, ValidityNote } from '../../result/types.js';
import type { Evidence } from '../evidence.js';
import { latencyBoundMs } from '../phases.js';
import * as w from '../wording.js';

export function achievedBelowOffered(result: Result, ev: Evidence): ValidityNote | null {
  if (ev.curve.kind !== 'offered' || ev.phases.baselineP95Ms === null) return null;
  const bound = latencyBoundMs(ev.phases.baselineP95Ms);
  const short = ev.levels.filter(
    (l) => l.rps < 0.95 * l.offeredRps! && l.latencyMs !== null && l.latencyMs.p95 <= bound && l.errorRate <= ev.slo.errorBudget,
  );
  if (short.length === 0) return null;
  const worst = short.reduce((a, l) => (l.rps / l.offeredRps! < a.rps / a.offeredRps! ? l : a));
  const dropped = result.summary?.dropped ?? 0;
  return {
    id: 'achieved-below-offered',
    severity: 'warn',
    message:
      `at ${w.rps(worst.offeredRps!)} offered only ${w.rps(worst.rps)} completed while p95 stayed at ${w.ms(worst.latencyMs!.p95)}: the shortfall was not the target's` +
      (dropped > 0 ? ` (${dropped} arrivals were dropped at the in-flight cap)` : '') +
      `, so ${short.length === 1 ? 'this level describes' : `${short.length} levels describe`} a lower load than planned — check the generator's health and maxInFlight.`,
  };
}
