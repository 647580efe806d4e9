/**
 * timeout-cascade — "error rate climbs as latency climbs".
 *
 * Signals across the load levels (in time order when the load is unknown):
 *   coupled   errors rise with latency and with load: min(ρ(p99, error rate), ρ(load, error
 *             rate)) (0.5 → 0, 0.9 → 1) × how far errors got (0.5% → 0, 5% → 1), each ρ taken
 *             relative to the most its ties allow (rankAgreement): the levels below the knee
 *             have no errors at all, and a cascade that the stop rule ends one or two levels
 *             later leaves only those to rank; a cold start has errors at the lowest load and
 *             fails the second ρ                                                     weight 0.45
 *   timeouts  the share of errors that are timeouts, 504 or 408 (20% → 0, 70% → 1)  weight 0.35
 *   ceiling   latency sits at a fixed value while errors mount: the p99 of every level over
 *             the error budget within ±10% of their median (a timeout), at least 2 such levels
 *                                                                                  weight 0.2
 * Gate: coupled ≥ 0.2. When the errors' kinds are known and under 10% are timeouts, the cause is
 * contradicted: no ceiling credit and the confidence × 0.6. When a watched app or database process
 * was near a busy core, or the event loop near full, from the first level over the error budget on
 * (cpuLowness), that saturation explains the slowness and the timeouts are how it surfaced: the
 * confidence × (1 − 0.4 × how busy), so the saturated resource's own finding ranks first.
 * The handoff is the incident commander: errors cascaded.
 */
import { timedOutCount } from '../protocol-equivalents.js';
import type { Diagnosis } from '../../result/types.js';
import { cpuLowness, type Evidence } from '../evidence.js';
import { levelLatency } from '../load-curve.js';
import { median, ramp, rankAgreement, type RankAgreement } from '../stats.js';
import * as w from '../wording.js';
import { diagnosis } from './diagnosis.js';

/** "Spearman 0.65, the most the levels' ties allow" — ρ, and its ceiling when ties lower it. */
function agreement(a: RankAgreement): string {
  return `Spearman ${w.num(a.rho, 2)}` + (a.best < 0.99 && a.best > 0 ? `, the most its ties allow being ${w.num(a.best, 2)}` : '');
}

export function timeoutCascade(ev: Evidence): Diagnosis | null {
  // a level in which nothing came back with a latency (all outstanding or timed out untimed) is
  // the worst, not a level to leave out (levelLatency)
  const p99Of = (l: (typeof ev.levels)[number]): number | null => levelLatency(ev.levels, l, (x) => x.p99);
  const lv = ev.levels.filter((l) => p99Of(l) !== null);
  if (lv.length < 3) return null;
  const errs = lv.map((l) => l.errorRate);
  const p99s = lv.map((l) => p99Of(l)!);
  const loads = ev.curve.kind === 'achieved' ? lv.map((_, i) => i) : lv.map((l) => l.load);
  const maxErr = Math.max(...errs);
  const byLat = rankAgreement(p99s, errs);
  const byLoad = rankAgreement(loads, errs);
  const coupled = ramp(Math.min(byLat.relative, byLoad.relative), 0.5, 0.9) * ramp(maxErr, 0.005, 0.05);
  if (coupled < 0.2) return null;

  const sm = ev.result.summary;
  const errors = sm?.errors ?? 0;
  const kinds = sm?.errorKinds ?? {};
  const codes = sm?.statusCodes ?? {};
  const timeoutCount = timedOutCount(codes, kinds);
  const share = errors > 0 ? Math.min(1, timeoutCount / errors) : 0;
  const timeouts = ramp(share, 0.2, 0.7);

  // the ceiling is read on measured latencies only
  const failing = lv.filter((l) => l.errorRate > ev.slo.errorBudget && l.latencyMs !== null);
  const failP99 = failing.map((l) => l.latencyMs!.p99);
  const mid = median(failP99);
  // errors of a known kind that are not timeouts contradict the cause: a fixed latency then is no timeout
  const kindsKnown = Object.keys(kinds).length > 0 || Object.keys(codes).length > 0;
  const contradicted = kindsKnown && errors > 0 && share < 0.1;
  const ceiling = !contradicted && failing.length >= 2 && failP99.every((v) => Math.abs(v - mid) <= 0.1 * mid) ? 1 : 0;
  const firstFailing = failing.length ? ev.levels.indexOf(failing[0]!) : -1;
  const low = firstFailing >= 0 ? cpuLowness(ev, firstFailing) : null;
  const busy = low ? 1 - low.strength : 0;
  const confidence = (0.45 * coupled + 0.35 * timeouts + 0.2 * ceiling) * (contradicted ? 0.6 : 1) * (1 - 0.4 * busy);

  const first = lv[0]!;
  const worst = lv.reduce((a, l) => (l.errorRate > a.errorRate ? l : a));
  const evidence = [
    `the error rate rose from ${w.pct(first.errorRate)} to ${w.pct(worst.errorRate)} while p99 rose from ${w.ms(p99Of(first)!)} to ${worst.latencyMs ? w.ms(worst.latencyMs.p99) : `at least ${w.ms(p99Of(worst)!)} (no request came back with a latency)`}` +
      (ev.curve.kind === 'achieved' ? '' : ` (${w.load(first.load, ev.unit)} → ${w.load(worst.load, ev.unit)})`) +
      `; errors track latency (${agreement(byLat)}) and load (${agreement(byLoad)})`,
  ];
  if (errors > 0 && timeoutCount > 0) {
    evidence.push(`${w.pct(share)} of the ${errors} errors were timeouts or 504/408 answers`);
  } else if (errors > 0) {
    evidence.push(kindsKnown ? 'the errors were not timeouts or 504/408 answers: something else fails as latency climbs' : 'the kind of the errors was not recorded');
  }
  if (ceiling) evidence.push(`p99 sat near ${w.ms(mid)} in all ${failing.length} levels over the error budget: requests are cut off at a fixed time — a timeout`);
  if (low && busy > 0) evidence.push(`${low.text} once errors passed the budget: a saturated resource explains the slowness, and the timeouts are how it surfaced`);
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
