/**
 * Validity rule `generator-saturated`: did the load generator keep up? When it did not, the
 * measured latencies and rates describe loadproof, not the target.
 *
 * Evidence read from the result (own runs only; imported results have none of it):
 *
 * 1. Send lag (open model): actual − intended send time of each arrival. A late send adds its
 *    lag to that request's latency (latency is measured from the intended start) and lowers the
 *    offered rate. On an idle two-core machine the pacer keeps p99 under 1 ms (bench/README.md).
 *    - invalid when p99 > 10 ms, the lag is at least 20% of the latency p99, and p90 > 2 ms: the
 *      schedule slipped by more than timer jitter can explain (a busy machine's scheduler delays
 *      stay under ~10 ms), the slip is a visible share of the very tail being measured, and it is
 *      not a few isolated hiccups (in a short run the p99 of a hundred arrivals is its single worst
 *      one) but a tenth of the arrivals or more;
 *    - warn when p99 > 2 ms (a measurable inflation, small next to the tail) — and also when
 *      p99 > 10 ms but under 20% of a slow target's p99.
 * 2. CPU: the load worker's event loop busy share (spin-waiting for precise send times excluded),
 *    per second (`self.generator.workerBusyPct`), and the process CPU against the cores it may use.
 *    A pegged generator queues responses before it timestamps them.
 *    - invalid when the median second is ≥ 95% busy, or the mean process CPU is ≥ 95% of the usable
 *      cores (workers + the main thread, at most the cores available);
 *    - warn when a tenth of the seconds were ≥ 90% busy.
 * 3. Dropped arrivals (maxInFlight reached): caused by the generator only when 1 or 2 also hold —
 *    otherwise the target was too slow to keep the in-flight count under the cap, which is a finding
 *    about the target, not a validity problem.
 */
import type { Result, ValidityNote } from '../../result/types.js';

export const GENERATOR_RULE_ID = 'generator-saturated';

/** send lag p99 above which the schedule is considered slipped (ms) */
export const LAG_INVALID_MS = 10;
/** share of the latency p99 the lag p99 must reach to make the run invalid */
export const LAG_SHARE_INVALID = 0.2;
/** send lag above which a warning is given (p99), and which a tenth of the arrivals must exceed (p90) for invalid (ms) */
export const LAG_WARN_MS = 2;
/** busy share (%) of the median second that makes the run invalid */
export const BUSY_INVALID_PCT = 95;
/** busy share (%) that, in a tenth of the seconds, gives a warning */
export const BUSY_WARN_PCT = 90;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * q) - 1))]!;
}

const fmt = (ms: number): string => (ms >= 100 ? `${Math.round(ms)} ms` : `${Math.round(ms * 10) / 10} ms`);

/** The generator's validity note for a result, or null when it kept up (or the result is imported). */
export function generatorSaturation(result: Result): ValidityNote | null {
  if (result.source !== 'loadproof') return null;
  const g = result.generator;
  const reasons: string[] = [];
  const warnings: string[] = [];

  const lagP99 = g?.sendLagP99Ms ?? result.summary.sendLagMs?.p99;
  const lagP90 = result.summary.sendLagMs?.p90 ?? lagP99;
  // no latency recorded (every request failed): the lag is all there is to the tail
  const latP99 = result.summary.latencyMs.p99 ?? 0;
  if (lagP99 !== undefined && lagP99 !== null) {
    const share = latP99 > 0 ? lagP99 / latP99 : 1;
    if (lagP99 > LAG_INVALID_MS && share >= LAG_SHARE_INVALID && (lagP90 ?? 0) > LAG_WARN_MS) {
      reasons.push(`send lag p99 was ${fmt(lagP99)} (${Math.round(share * 100)}% of the latency p99 of ${fmt(latP99)}; p90 ${fmt(lagP90!)})`);
    } else if (lagP99 > LAG_WARN_MS) {
      warnings.push(`send lag p99 was ${fmt(lagP99)}, which inflates latencies by up to that much`);
    }
  }

  const busy = (result.watch['self.generator.workerBusyPct']?.points ?? [])
    .map((p) => p[1])
    .filter((v): v is number => v !== null)
    .sort((a, b) => a - b);
  if (busy.length >= 3) {
    const median = quantile(busy, 0.5);
    const busyShare = busy.filter((v) => v >= BUSY_WARN_PCT).length / busy.length;
    if (median >= BUSY_INVALID_PCT) reasons.push(`its load thread was ${Math.round(median)}% busy in the median second`);
    else if (busyShare >= 0.1) warnings.push(`its load thread was over ${BUSY_WARN_PCT}% busy in ${Math.round(busyShare * 100)}% of the seconds`);
  }
  if (g?.cpuPct && g.cores > 0) {
    const usable = Math.min(g.cores, g.workers + 1) * 100;
    if (g.cpuPct.mean >= 0.95 * usable) reasons.push(`its CPU averaged ${Math.round(g.cpuPct.mean)}% of the ${usable}% it could use`);
  }

  const dropped = result.summary.dropped ?? 0;
  if (reasons.length > 0) {
    const drops = dropped > 0 ? `, and ${dropped} arrivals were dropped` : '';
    return {
      id: GENERATOR_RULE_ID,
      severity: 'invalid',
      message:
        `the load generator fell behind: ${reasons.join('; ')}${drops}. The numbers describe loadproof, not the target — ` +
        `rerun with less load per generator, more --workers on a machine with spare cores, or the target on another machine.`,
    };
  }
  if (warnings.length > 0) {
    return {
      id: GENERATOR_RULE_ID,
      severity: 'warn',
      message: `the load generator was close to its limit: ${warnings.join('; ')}. The numbers are usable; a quieter machine would tighten them.`,
    };
  }
  return null;
}
