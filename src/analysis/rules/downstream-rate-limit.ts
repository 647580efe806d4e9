/**
 * downstream-rate-limit — "a dependency's latency or 429s rise with load".
 *
 * Signals across the load levels:
 *   dep        for a watched dependency: its throttled share (429/503) rising with the load
 *              (Spearman ρ ≥ 0.7 of the most its ties allow — a quota throttles nothing until
 *              the load passes it; peak 1% → 0, 10% → 1), or its latency (p95Ms, else latencyMs)
 *              rising with the load (ρ ≥ 0.7, or the top level 1.5× above every lower one;
 *              top over the lower levels' median 1.5× → 0, 4× → 1); without a
 *              dependency watch, the target's own 429 share rising with the load counts 0.6
 *              (a rate limiter — the service's own or a dependency's). Only 429 there: a 503
 *              is any overloaded service's answer (a pool's wait timing out, load shedding), which
 *              the other rules explain; "Too Many Requests" is a limiter's          weight 0.5
 *   follows    the service's p95 or error rate moves with that signal (Spearman ≥ 0.8, of the
 *              most its ties allow)                                                   weight 0.3
 *   cpuLow     the app's CPU not saturated (cpuLowness; 0.5 when unwatched)            weight 0.2
 * Gate: dep ≥ 0.3.
 */
import { statuslessCount, throttledCount } from '../protocol-equivalents.js';
import type { Diagnosis } from '../../result/types.js';
import { agreementWithLoad, cpuLowness, ownerName, riseWithLoad, type Evidence } from '../evidence.js';
import { median, ramp, rankAgreement } from '../stats.js';
import * as w from '../wording.js';
import { diagnosis } from './diagnosis.js';

/**
 * Share of a level's answers that were 429 (or gRPC RESOURCE_EXHAUSTED, protocol-equivalents.ts),
 * from the timeline's status codes and error kinds.
 */
function throttledShare(ev: Evidence, i: number): number | null {
  let n = 0;
  let t = 0;
  let seen = false;
  for (const s of ev.levels[i]!.steps) {
    for (const p of s.points) {
      // a gRPC call has no status code: its outcome is an error kind (or none, when OK)
      const grpcThrottled = p.errorKinds?.grpc_resource_exhausted ?? 0;
      if (!p.statusCodes && grpcThrottled === 0) continue;
      seen = true;
      const statused = Object.values(p.statusCodes ?? {}).reduce((a, c) => a + c, 0);
      // answers: those with a status, plus gRPC/WebSocket outcomes; a point with no status at all
      // (a gRPC endpoint) counts every exchange it ended (rps × its length)
      n += p.statusCodes ? statused + statuslessCount(p.errorKinds) : Math.round(p.rps * (p.durationSec ?? 1));
      t += throttledCount(p.statusCodes, p.errorKinds);
    }
  }
  return seen && n > 0 ? t / n : null;
}

export function downstreamRateLimit(ev: Evidence): Diagnosis | null {
  if (ev.levels.length < 3 || ev.curve.kind === 'achieved') return null;
  const loads = ev.levels.map((l) => l.load);
  let dep = 0;
  let signal: Array<number | null> = [];
  const evidence: string[] = [];
  let limitLoad: number | null = null;

  for (const d of ev.find(/^throttledRate$/, { watcher: 'dependency' })) {
    const v = ev.levelValues(d.name);
    const rho = agreementWithLoad(ev, d.name).relative;
    const peak = Math.max(...v.filter((x): x is number => x !== null));
    const s = rho >= 0.7 ? ramp(peak, 0.01, 0.1) : 0;
    if (s > dep) {
      dep = s;
      signal = v;
      const first = v.findIndex((x) => x !== null && x >= 0.01);
      limitLoad = first > 0 ? ev.levels[first - 1]!.load : null;
      const v0 = v.find((x) => x !== null) ?? 0;
      evidence.splice(0, evidence.length, `${ownerName(d)} answered ${w.pct(peak)} of calls with 429/503 at the top load (${w.pct(v0)} at ${w.load(loads[0]!, ev.unit)}), rising with the load (rank agreement ${w.num(rho, 2)}, where 1 means it never fell as the load rose)`);
    }
  }
  for (const d of ev.find(/^(p95Ms|latencyMs)$/, { watcher: 'dependency' })) {
    const v = ev.levelValues(d.name);
    const vals = v.filter((x): x is number => x !== null);
    if (vals.length < 3) continue;
    const top = vals[vals.length - 1]!;
    const lower = vals.slice(0, -1);
    const base = median(lower);
    if (!(base > 0)) continue;
    const rho = riseWithLoad(ev, d.name);
    // A quota is flat until the load passes it, then steps up: a top level above every lower one
    // (by 1.5×) rises with the load even when the flat part's noise spoils the rank correlation —
    // measured: a first level's cold probes (connection set-up, the dependency's JIT) at 36 ms
    // before 15 and 14 ms, then 87 ms past the quota, gave Spearman 0.2.
    const stepUp = top / Math.max(...lower);
    const s = rho >= 0.7 || stepUp >= 1.5 ? ramp(top / base, 1.5, 4) : 0;
    if (s > 0) {
      evidence.push(
        `${ownerName(d)} ${d.metric === 'p95Ms' ? 'p95' : 'mean latency'} rose from ${w.ms(base)} (median of the lower levels) to ${w.ms(top)} at the top load` +
          (rho >= 0.7 ? ` (Spearman ${w.num(rho, 2)})` : `, ${w.num(stepUp, 1)}× the highest lower level`),
      );
    }
    if (s > dep) {
      dep = s;
      signal = v;
    }
  }
  if (dep === 0 && ev.find(/./, { watcher: 'dependency' }).length === 0) {
    const own = ev.levels.map((_, i) => throttledShare(ev, i));
    const vals = own.filter((x): x is number => x !== null);
    if (vals.length >= 3) {
      const rho = rankAgreement(
        loads.filter((_, i) => own[i] !== null),
        vals,
      ).relative;
      const peak = Math.max(...vals);
      if (rho >= 0.7 && peak >= 0.01) {
        dep = 0.6 * ramp(peak, 0.01, 0.1);
        signal = own;
        evidence.push(`the target itself answered ${w.pct(peak)} of requests with 429 at the top load, rising with the load (rank agreement ${w.num(rho, 2)}, where 1 means it never fell as the load rose): a rate limiter, its own or a dependency's (no dependency was watched)`);
      }
    }
  }
  if (dep < 0.3) return null;

  const pairs = signal.map((v, i) => [v, ev.levels[i]!] as const).filter((p): p is readonly [number, (typeof ev.levels)[number]] => p[0] !== null && p[1].latencyMs !== null);
  const rhoP95 = pairs.length >= 3 ? rankAgreement(pairs.map((p) => p[0]), pairs.map((p) => p[1].latencyMs!.p95)).relative : 0;
  const rhoErr = pairs.length >= 3 ? rankAgreement(pairs.map((p) => p[0]), pairs.map((p) => p[1].errorRate)).relative : 0;
  const follows = Math.max(rhoP95, rhoErr) >= 0.8 ? 1 : 0;
  if (follows) evidence.push(`the service's ${rhoP95 >= rhoErr ? 'p95' : 'error rate'} followed it (rank agreement ${w.num(Math.max(rhoP95, rhoErr), 2)})`);
  const low = cpuLowness(ev, 0);
  const cpuLow = low ? low.strength : 0.5;
  if (low) evidence.push(`meanwhile ${low.text}`);
  const confidence = 0.5 * dep + 0.3 * follows + 0.2 * cpuLow;
  return diagnosis(
    'downstream-rate-limit',
    'Downstream rate limit: a dependency throttles or slows as load rises',
    confidence,
    evidence,
    `Stay within the dependency's quota${limitLoad !== null ? ` (throttling began above ~${w.load(limitLoad, ev.unit)})` : ''}: cache or batch its calls, rate-limit your own calls to it with backoff and jitter that honour Retry-After, ` +
      `and degrade gracefully (serve stale data, queue the work) when it says no — or negotiate a higher quota. Expect the service's errors and latency to stop tracking the dependency's throttling once calls stay under the limit.`,
    'performance-optimizer',
  );
}

