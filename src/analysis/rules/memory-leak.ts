/**
 * memory-leak — "memory grows linearly during a soak".
 *
 * Over the longest constant-load stretch (≥ 2 min, or most of a shorter run held at one load; its
 * warm-up left out — trend.ts), for every watched RSS or heap series of the app, the Theil–Sen line
 * (robust to GC's sawtooth) with Sen's 95% interval. Over a stretch under 2 min only RSS counts:
 * heap used climbs between major GCs as promoted garbage accumulates, and V8 may not run one for
 * longer than such a window, so a short heap trend is the collector's schedule, not retention
 * (measured: +2.5 MB of heap in 12 s on a healthy service), while RSS stays flat once the heap's
 * pages are committed. The series with the strongest case counts:
 *   growth    growth over the window relative to its start (5% → 0, 25% → 1)           weight 0.4
 *   fit       r² of the points about the line (0.3 → 0, 0.8 → 1): linear, not a step  weight 0.35
 *   length    the window's length: 0.5 at 5 min, 1 at 30 min (a soak's minimum)        weight 0.25
 * Gates: the interval's lower bound > 0 (the growth is not noise), at least 2 MB of growth, and
 * growth that keeps its pace: the slope over the window's later half at least half the slope over
 * its earlier half. A healthy process also grows after it starts taking load (heap sizing, JIT
 * code, buffers), but that growth fades towards a plateau; a leak retains memory with every
 * request and grows as fast at the end of a constant load as at its start.
 * The projection is to the next of 512 MB, 1, 2, 4, 8 GB above the current value: container
 * limits come in such sizes, and the watcher cannot see the real one.
 *
 * Queueing is not a leak: when requests pile up inside the service (the timeline's requests in
 * flight, or the app's open descriptors — a socket per queued request — grew; trend.ts
 * growingQueues), its memory grows with them (each holds its request, buffers, a pool waiter) and
 * goes when they drain. A series that moves with such a queue (Pearson r 0.6 → 0, 0.9 → 1,
 * trend.ts queueTracking) has its confidence multiplied by 1 − that strength, and the evidence
 * names the queue. Seen: a drained pg pool with ~1,000 requests waiting read as a 0.75 memory leak.
 * Likewise growth that starts when requests start to hang or fail: requests that never get an
 * answer keep their state in the service (a pg pool without acquire timeout keeps every waiter
 * after its client gave up), so memory grows while the requests in flight stay capped by the
 * client's timeout. When the failed share rose at an onset (trend.ts failRise), the series grew
 * after it (Sen's 95% lower bound > 0) and was flat before it (≥ 5 points; a slope at most a
 * quarter of the later one, or one whose lower bound is ≤ 0 and at most half, or values that lie
 * above the later line drawn back by half of its climb to the onset), the confidence is also
 * multiplied by 1 − ramp(rise of the failed share, 0.2 → 0, 0.5 → 1). Measured: a pool of 5 drained
 * at 15 s of a 45 s run at 25 req/s, RSS flat at 57 MB before and +11 MB/min after.
 */
import type { Diagnosis } from '../../result/types.js';
import { ownerName, type Evidence, type Stretch } from '../evidence.js';
import { median, ramp, theilSen } from '../stats.js';
import * as w from '../wording.js';
import { diagnosis } from './diagnosis.js';
import { failRise, longStretch, MIN_STRETCH_SEC, seriesTrend, trackedQueue, type Trend } from './trend.js';

/**
 * How much of a series' growth began with the failures, 0..1 (see above), with the slopes per
 * second before and after the onset; null when it did not.
 */
function growthWithFailures(ev: Evidence, name: string, s: Stretch): { strength: number; onsetSec: number; before: number; after: number; hung: boolean } | null {
  const f = failRise(s.points);
  if (!f || !(f.before < 0.5)) return null;
  const strength = ramp(f.after - f.before, 0.2, 0.5);
  if (strength <= 0) return null;
  const b = ev.valuesBetween(name, s.startSec, f.onsetSec);
  const a = ev.valuesBetween(name, f.onsetSec, s.endSec);
  if (b.ts.length < 5 || a.ts.length < 5) return null;
  const fb = theilSen(b.ts, b.vs);
  const fa = theilSen(a.ts, a.vs);
  if (!fb || !fa || !(fa.slopeLow > 0)) return null;
  // flat before: a quarter of the later slope, or not significantly above 0 and at most half of it;
  // or the values before lie above the later line drawn back (by at least half of what that line
  // climbs from their middle to the onset): a leak keeps its pace on both sides of the onset and
  // its earlier values lie on the line, noise in a few seconds before the onset aside
  const mid = median(b.ts);
  const above = median(b.ts.map((t, i) => b.vs[i]! - (fa.intercept + fa.slope * t)));
  const flat = fb.slope <= 0.25 * fa.slope || (fb.slopeLow <= 0 && fb.slope <= 0.5 * fa.slope) || above >= 0.5 * fa.slope * (f.onsetSec - mid);
  if (!flat) return null;
  const hung = f.points.some((p) => (p.errorKinds?.timeout ?? 0) > 0 || (p.latencyMs === null && (p.inFlight ?? 0) > 0));
  return { strength, onsetSec: f.onsetSec, before: fb.slope, after: fa.slope, hung };
}

const MB = 1024 * 1024;
const LIMITS = [512 * MB, 1024 * MB, 2048 * MB, 4096 * MB, 8192 * MB, 16384 * MB];

export function memoryLeak(ev: Evidence): Diagnosis | null {
  const stretch = longStretch(ev);
  if (!stretch) return null;
  const short = stretch.endSec - stretch.startSec < MIN_STRETCH_SEC;
  const mem = ev.series.filter((s) => s.role === 'app' && (short ? /^rssBytes$/ : /^(rssBytes|heapUsedBytes)$/).test(s.metric));
  let best: {
    conf: number;
    t: Trend;
    name: string;
    who: string;
    metric: string;
    queue: ReturnType<typeof trackedQueue>;
    failures: ReturnType<typeof growthWithFailures>;
  } | null = null;
  for (const s of mem) {
    const t = seriesTrend(ev, s.name);
    if (!t || !(t.fit.slopeLow > 0)) continue;
    const growth = t.endValue - t.startValue;
    if (growth < 2 * MB || !(t.startValue > 0)) continue;
    if (t.earlySlope !== null && t.lateSlope !== null && !(t.lateSlope > 0 && t.lateSlope >= 0.5 * t.earlySlope)) continue;
    const len = t.toSec - t.fromSec;
    const raw = 0.4 * ramp(growth / t.startValue, 0.05, 0.25) + 0.35 * ramp(t.fit.r2, 0.3, 0.8) + 0.25 * (0.5 + 0.5 * ramp(len, 300, 1800)) * (len >= 300 ? 1 : len / 300);
    const queue = trackedQueue(ev, s.name);
    const failures = growthWithFailures(ev, s.name, stretch);
    const conf = raw * (1 - (queue?.strength ?? 0)) * (1 - (failures?.strength ?? 0));
    if (!best || conf > best.conf) best = { conf, t, name: s.name, who: ownerName(s), metric: s.metric === 'rssBytes' ? 'RSS' : 'heap used', queue, failures };
  }
  if (!best) return null;
  const { t } = best;
  const perMin = t.fit.slope * 60;
  const limit = LIMITS.find((l) => l > t.endValue * 1.05) ?? null;
  const evidence = [
    `${best.metric} of ${best.who} grew ${w.bytes(perMin)}/min (95% interval ${w.bytes(t.fit.slopeLow * 60)}–${w.bytes(t.fit.slopeHigh * 60)}/min) ` +
      `over ${w.duration(t.toSec - t.fromSec)} at a constant ${w.load(t.stretch.load, ev.unit)}, from ${w.bytes(t.startValue)} to ${w.bytes(t.endValue)}`,
    `a straight line fits it with r² ${w.num(t.fit.r2, 2)} (Theil–Sen over ${t.fit.n} interval means, warm-up left out)`,
  ];
  if (t.earlySlope !== null && t.lateSlope !== null) {
    evidence.push(`it kept its pace: ${w.bytes(t.lateSlope * 60)}/min over the later half of the window against ${w.bytes(t.earlySlope * 60)}/min over the earlier half — not a process settling towards a plateau`);
  }
  if (best.queue) {
    const q = best.queue.queue;
    evidence.push(
      `${q.what} rose from ${w.num(q.from)} to ${w.num(q.to)} at the same load and ${best.metric} moved with them (r ${w.num(best.queue.r, 2)}): ` +
        `part of the growth is queued work, which goes when the queue drains — the confidence is discounted for it`,
    );
  }
  if (best.failures) {
    const f = best.failures;
    evidence.push(
      `it grew from when requests started to ${f.hung ? 'hang' : 'fail'} at ${Math.round(f.onsetSec)} s (${w.bytes(f.after * 60)}/min after, ${w.bytes(Math.max(0, f.before) * 60)}/min before): ` +
        `state kept by requests that got no answer (a drained pool keeps its waiters) — the confidence is discounted for it`,
    );
  }
  if (limit) evidence.push(`at this rate it reaches ${w.bytes(limit)} (a common container memory limit) in about ${w.duration((limit - t.endValue) / t.fit.slope)}`);
  if (t.toSec - t.fromSec < 1800) evidence.push(`the constant-load stretch lasted ${w.duration(t.stretch.endSec - t.stretch.startSec)}; a soak of 30 min or more makes the case firmer`);
  return diagnosis(
    'memory-leak',
    'Memory leak: memory grows steadily at constant load',
    best.conf,
    evidence,
    `Take two heap snapshots a few minutes apart under this load (node --heapsnapshot-signal=SIGUSR2, or the inspector) and compare what is retained: ` +
      `caches without eviction, listeners or timers added per request, and maps keyed by request data are the usual culprits. ` +
      `A fix flattens the line (0 MB/min at constant load); until then, restart before the projected limit${limit ? ` (~${w.duration((limit - t.endValue) / t.fit.slope)} at this load)` : ''}.`,
    'performance-optimizer',
  );
}
