/**
 * timeout-cascade — "error rate climbs as latency climbs".
 *
 * Signals across the load levels (in time order when the load is unknown):
 *   coupled   errors rise with latency and with load: min(Spearman ρ(p99, error rate),
 *             ρ(load, error rate)) (0.5 → 0, 0.9 → 1) × how far errors got (0.5% → 0, 5% → 1);
 *             a cold start has errors at the lowest load and fails the second ρ      weight 0.45
 *   timeouts  the share of errors that are timeouts, 504 or 408 (20% → 0, 70% → 1)  weight 0.35
 *   ceiling   latency sits at a fixed value while errors mount: the p99 of every level over
 *             the error budget within ±10% of their median (a timeout), at least 2 such levels
 *                                                                                  weight 0.2
 * Gate: coupled ≥ 0.2. When the errors' kinds are known and under 10% are timeouts, the cause is
 * contradicted: no ceiling credit and the confidence × 0.6. The handoff is the incident commander: errors cascaded.
 */
import type { Diagnosis } from '../../result/types.js';
import type { Evidence } from '../evidence.js';
import { median, ramp, spearman } from '../stats.js';
import * as w from '../wording.js';
import { diagnosis } from './diagnosis.js';

export function timeoutCascade(ev: Evidence): Diagnosis | null {
  const lv = ev.levels.filter((l) => l.latencyMs !== null);
  if (lv.length < 3) return null;
  const errs = lv.map((l) => l.errorRate);
  const p99s = lv.map((l) => l.latencyMs!.p99);
  const loads = ev.curve.kind === 'achieved' ? lv.map((_, i) => i) : lv.map((l) => l.load);
  const maxErr = Math.max(...errs);
  const rhoLat = spearman(p99s, errs);
  const rhoLoad = spearman(loads, errs);
  const coupled = ramp(Math.min(rhoLat, rhoLoad), 0.5, 0.9) * ramp(maxErr, 0.005, 0.05);
  if (coupled < 0.2) return null;

  const sm = ev.result.summary;
  const errors = sm?.errors ?? 0;
  const kinds = sm?.errorKinds ?? {};
  const codes = sm?.statusCodes ?? {};
  const timeoutCount = (kinds.timeout ?? 0) + (codes['504'] ?? 0) + (codes['408'] ?? 0);
  const share = errors > 0 ? Math.min(1, timeoutCount / errors) : 0;
  const timeouts = ramp(share, 0.2, 0.7);

  const failing = lv.filter((l) => l.errorRate > ev.slo.errorBudget);
  const failP99 = failing.map((l) => l.latencyMs!.p99);
  const mid = median(failP99);
  // errors of a known kind that are not timeouts contradict the cause: a fixed latency then is no timeout
  const kindsKnown = Object.keys(kinds).length > 0 || Object.keys(codes).length > 0;
  const contradicted = kindsKnown && errors > 0 && share < 0.1;
  const ceiling = !contradicted && failing.length >= 2 && failP99.every((v) => Math.abs(v - mid) <= 0.1 * mid) ? 1 : 0;
  const confidence = (0.45 * coupled + 0.35 * timeouts + 0.2 * ceiling) * (contradicted ? 0.6 : 1);

  const first = lv[0]!;
  const worst = lv.reduce((a, l) => (l.errorRate > a.errorRate ? l : a));
  const evidence = [
    `the error rate rose from ${w.pct(first.errorRate)} to ${w.pct(worst.errorRate)} while p99 rose from ${w.ms(first.latencyMs!.p99)} to ${w.ms(worst.latencyMs!.p99)}` +
      (ev.curve.kind === 'achieved' ? '' : ` (${w.load(first.load, ev.unit)} → ${w.load(worst.load, ev.unit)})`) +
      `; errors track latency (Spearman ${w.num(rhoLat, 2)}) and load (${w.num(rhoLoad, 2)})`,
  ];
  if (errors > 0 && timeoutCount > 0) {
    evidence.push(`${w.pct(share)} of the ${errors} errors were timeouts or 504/408 answers`);
  } else if (errors > 0) {
    evidence.push(kindsKnown ? 'the errors were not timeouts or 504/408 answers: something else fails as latency climbs' : 'the kind of the errors was not recorded');
  }
  if (ceiling) evidence.push(`p99 sat near ${w.ms(mid)} in all ${failing.length} levels over the error budget: requests are cut off at a fixed time — a timeout`);
  if (ev.aborted) evidence.push(`the incident guard stopped the run${ev.result.stop?.rule ? ` (${ev.result.stop.rule})` : ''}`);

  return diagnosis(
    'timeout-cascade',
    'Timeout cascade: slow requests turn into errors',
    confidence,
    evidence,
    `Make slow requests fail fast and cheaply instead of piling up: give each hop a timeout shorter than its caller's (propagate deadlines), retry only with backoff and a retry budget, ` +
      `and shed load early (429 with Retry-After, a concurrency limit or a circuit breaker) above ~${w.rps(lv[Math.max(0, lv.indexOf(failing[0] ?? worst) - 1)]!.rps)}. ` +
      `Expect the error rate past the knee to stay near the budget and successful requests to keep their latency; then remove the slowdown itself (see the other findings).`,
    'incident-commander',
  );
}
