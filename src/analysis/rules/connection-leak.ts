/**
 * connection-leak — "latency fine at first, bad after minutes at the same load".
 *
 * Over the longest constant-load stretch (≥ 2 min, or most of a shorter run held at one load;
 * warm-up left out as for memory-leak — trend.ts), the service got worse with time — its latency,
 * or its failures (degradation = the larger of latTrend and failTrend):
 *   latTrend  the larger of two ratios (1.3× → 0, 3× → 1), with p95 at least MIN_LATENCY_RISE_MS
 *             (20 ms) higher at the end:
 *               creep  the Theil–Sen line's fitted p95 at the end over its start, when the slope's
 *                      95% lower bound is > 0 (a gradual slowdown: each leaked transaction or
 *                      retained object makes every request a little slower)
 *               cliff  the median p95 of the window's last third over its first third (a pool
 *                      leak: queueing is convex in the pool's utilisation, so latency stays flat
 *                      while connections leak away and climbs steeply once the few left are busy —
 *                      a late rise that Theil–Sen, robust to a minority of points, reads as
 *                      outliers; medians of thirds need it to last a third of the window)
 *             A second in which requests were outstanding and none came back (evidence.ts isHung)
 *             reads as at least the worst second (p95sOf): after a pool is empty nothing completes
 *             until the client's timeout, and a p95 of completed requests only would see nothing.
 *   failTrend failed or hung requests rose over time: the per-second failed share (a hung second
 *             counts as all failed; evidence.ts failedShare) over the whole stretch, split where
 *             the suffix's mean most exceeds the prefix's (each part at least 3 points and 10% of
 *             them); the rise (5 points → 0, 30 → 1), when the prefix stayed under 50%. The pool
 *             leak's most common face: without an acquire timeout every request hangs until the
 *             client gives up (timeouts), with one they fail fast (5xx) — either way at the same
 *             load, while a p95 of fast failures stays flat. The split is the onset quoted.
 *                                                                                      weight 0.5
 *   growth    something that holds connections grew over the same window: PostgreSQL
 *             idle-in-transaction / total / active connections, an app pool gauge `*in_use*`,
 *             or the process's open file descriptors — relative growth (30% → 0, 150% → 1) ×
 *             line fit (r² 0.2 → 0, 0.7 → 1), the most telling of equally strong ones quoted
 *             (HOLDERS); or GC time per second growing (GC pressure, the table's other cause),
 *             counted at 0.7. Open descriptors count less by how closely they follow the requests
 *             in flight (trend.ts queueTracking): those are the sockets of queued requests.
 *             A holder that rises in a straight line to a ceiling and stays there (idle-in-
 *             transaction sessions reaching the pool's size, an in-use gauge pinned at its max) is
 *             the leak itself: from the stretch's start to the first time it reached its maximum,
 *             a Theil–Sen line with r² 0.6 → 0, 0.9 → 1, rising by 2 → 0, 4 → 1, then at least
 *             80% of the later values within 10% of the maximum; counted in full when requests
 *             started to fail within max(5 s, 10% of the stretch) of that time, at 0.6 otherwise.
 *             The evidence quotes the ceiling and when it was reached against the onset.
 *                                                                                      weight 0.4
 *   fine      at the start the p95 met the SLO's latency bound (and failures stayed under 50%)
 *                                                                                      weight 0.1
 * When the requests in flight grew (trend.ts growingQueues) the evidence names that queue, and an
 * app's RSS that moved with it as queued work (memory-leak discounts the same growth).
 * Gate: degradation ≥ 0.2.
 */
import { fiveXxEquivalents } from '../protocol-equivalents.js';
import type { Diagnosis } from '../../result/types.js';
import { isHung, MIN_LATENCY_RISE_MS, ownerName, p95sOf, pointRequests, type Evidence, type NamedSeries } from '../evidence.js';
import { median, ramp, theilSen } from '../stats.js';
import * as w from '../wording.js';
import { diagnosis } from './diagnosis.js';
import { failRise, growingQueues, longStretch, queueTracking, seriesTrend, trackedQueue, trendOf, warmupSec, type Trend } from './trend.js';

/**
 * What can hold connections, most telling first: a session idle in a transaction is a connection
 * checked out and forgotten; a pool's in-use gauge and the server's connection counts say less about
 * why; open descriptors also count the sockets of requests queued behind the leak. Between equally
 * strong growths the more telling one is quoted.
 */
const HOLDERS = [
  /^connections\.idle_in_transaction$/,
  /^gauge\..*(in_?use|busy|active|used)$/,
  /^connections\.(total|active)$/,
  /^fds$/,
];
const holderRank = (metric: string): number => HOLDERS.findIndex((re) => re.test(metric));

function holderName(s: NamedSeries): string {
  if (s.metric === 'connections.idle_in_transaction') return `${ownerName(s)} idle-in-transaction connections`;
  if (s.metric.startsWith('connections.')) return `${ownerName(s)} ${s.metric.slice('connections.'.length)} connections`;
  if (s.metric === 'fds') return `open file descriptors of ${ownerName(s)}`;
  return `${s.metric.replace(/^gauge\./, '')} of ${s.label}`;
}

/** A holder that rose in a straight line to its maximum and stayed there. */
interface Ceiling {
  max: number;
  atSec: number;
  startValue: number;
  /** per second */
  slope: number;
  r2: number;
  strength: number;
}

function ceilingOf(ev: Evidence, name: string, fromSec: number, toSec: number): Ceiling | null {
  const { ts, vs } = ev.valuesBetween(name, fromSec, toSec);
  if (vs.length < 8) return null;
  const max = Math.max(...vs);
  if (!(max > 0)) return null;
  const at = vs.findIndex((v) => v >= 0.98 * max);
  const later = vs.slice(at + 1);
  if (at < 3 || later.length < 3 || later.filter((v) => v >= 0.9 * max).length < 0.8 * later.length) return null;
  const fit = theilSen(ts.slice(0, at + 1), vs.slice(0, at + 1));
  if (!fit || !(fit.slope > 0)) return null;
  const startValue = Math.max(0, fit.intercept + fit.slope * ts[0]!);
  const strength = ramp(fit.r2, 0.6, 0.9) * ramp(max - startValue, 2, 4);
  return strength > 0 ? { max, atSec: ts[at]!, startValue, slope: fit.slope, r2: fit.r2, strength } : null;
}

export function connectionLeak(ev: Evidence): Diagnosis | null {
  const s = longStretch(ev);
  if (!s) return null;
  const from = s.startSec + warmupSec(s);
  const stretchLen = s.endSec - s.startSec;

  // latency, with seconds in which nothing came back read as the worst (p95sOf)
  const p95All = p95sOf(s.points);
  const win = s.points.map((p, i) => ({ t: p.t, v: p95All[i] })).filter((x): x is { t: number; v: number } => x.t >= from && x.v !== null && x.v > 0);
  const p95s = win.map((x) => x.v);
  const lat = trendOf(
    s,
    win.map((x) => x.t),
    p95s,
    from,
    s.endSec,
  );
  let rise: { kind: 'creep' | 'cliff'; from: number; to: number } | null = null;
  if (lat) {
    const third = Math.floor(p95s.length / 3);
    const creep = lat.fit.slopeLow > 0 && lat.startValue > 0 ? { kind: 'creep' as const, from: lat.startValue, to: lat.endValue } : null;
    const cliff = { kind: 'cliff' as const, from: median(p95s.slice(0, third)), to: median(p95s.slice(-third)) };
    const shapes = [creep, cliff].filter((x): x is NonNullable<typeof x> => x !== null && x.from > 0 && x.to - x.from >= MIN_LATENCY_RISE_MS);
    if (shapes.length) rise = shapes.reduce((a, b) => (b.to / b.from > a.to / a.from ? b : a));
  }
  const latTrend = rise ? ramp(rise.to / rise.from, 1.3, 3) : 0;

  // failures (and hangs) over the whole stretch: a leak starts with the run, not after its warm-up
  const fail = failRise(s.points);
  const failTrend = fail && fail.before < 0.5 ? ramp(fail.after - fail.before, 0.05, 0.3) : 0;
  const degradation = Math.max(latTrend, failTrend);
  if (degradation < 0.2) return null;
  const onsetSec = failTrend > 0 ? fail!.onsetSec : null;

  let holder: { s: number; pick: number; t: Trend | null; series: NamedSeries; ceiling: Ceiling | null; linked: boolean } | null = null;
  const queues = growingQueues(ev);
  const inFlightQueue = queues.find((q) => q.series === null) ?? null;
  for (const c of ev.series.filter((x) => holderRank(x.metric) >= 0 && x.role !== 'generator')) {
    const t = seriesTrend(ev, c.name);
    let st = 0;
    if (t && t.fit.slopeLow > 0) {
      const rel = (t.endValue - Math.max(0, t.startValue)) / Math.max(t.startValue, 3);
      st = ramp(rel, 0.3, 1.5) * ramp(t.fit.r2, 0.2, 0.7);
    }
    // descriptors that follow the requests in flight are the queued requests' sockets
    if (c.metric === 'fds' && inFlightQueue) st *= 1 - queueTracking(ev, c.name, inFlightQueue).strength;
    const ceiling = c.metric === 'fds' ? null : ceilingOf(ev, c.name, s.startSec, s.endSec);
    const linked = ceiling !== null && onsetSec !== null && Math.abs(onsetSec - ceiling.atSec) <= Math.max(5, 0.1 * stretchLen);
    if (ceiling) st = Math.max(st, ceiling.strength * (linked ? 1 : 0.6));
    // a ceiling reached where the failures began is the leak itself: quoted before a mere growth
    const pick = st + (linked ? 1 : 0);
    if (st > 0 && (!holder || pick > holder.pick || (pick === holder.pick && holderRank(c.metric) < holderRank(holder.series.metric)))) {
      holder = { s: st, pick, t: t && t.fit.slopeLow > 0 ? t : null, series: c, ceiling, linked };
    }
  }
  let gc: { s: number; t: Trend; series: NamedSeries } | null = null;
  for (const c of ev.find(/^gcPauseMsPerSec$/, { watcher: 'eventLoop' })) {
    const t = seriesTrend(ev, c.name);
    if (!t || !(t.fit.slopeLow > 0)) continue;
    const st = 0.7 * ramp((t.endValue - t.startValue) / Math.max(t.startValue, 1), 0.5, 2);
    if (st > 0 && (!gc || st > gc.s)) gc = { s: st, t, series: c };
  }
  const p95Bound = ev.slo.latency.find((b) => b.aggregation.kind === 'percentile' && b.aggregation.p === 95)?.valueMs;
  const startP95 = rise?.from ?? median(p95s.slice(0, Math.max(1, Math.floor(p95s.length / 3))));
  const latFine = !Number.isFinite(startP95)
    ? false
    : p95Bound !== undefined
      ? startP95 < p95Bound
      : ev.phases.baselineP95Ms !== null && startP95 <= 1.5 * ev.phases.baselineP95Ms;
  const fine = latFine && (!fail || fail.before < 0.5) ? 1 : 0;
  const confidence = 0.5 * degradation + 0.4 * Math.max(holder?.s ?? 0, gc?.s ?? 0) + 0.1 * fine;

  const evidence: string[] = [];
  let verb = 'fail';
  if (failTrend > 0) {
    const f = fail!;
    const failed = f.points.reduce((a, p) => a + p.errors, 0);
    const kinds: Record<string, number> = {};
    const codes: Record<string, number> = {};
    for (const p of f.points) {
      for (const [k, v] of Object.entries(p.errorKinds ?? {})) kinds[k] = (kinds[k] ?? 0) + (v ?? 0);
      for (const [k, v] of Object.entries(p.statusCodes ?? {})) if (Number(k) >= 500) codes[k] = (codes[k] ?? 0) + v;
      for (const [k, v] of Object.entries(fiveXxEquivalents(p.errorKinds))) codes[k] = (codes[k] ?? 0) + v;
    }
    const hung = f.points.filter(isHung).length;
    const timeouts = kinds['timeout'] ?? 0;
    const fiveXX = Object.values(codes).reduce((a, v) => a + v, 0);
    verb = hung + timeouts > 0 && timeouts + hung * Math.max(1, s.load) >= fiveXX ? 'hang' : 'fail';
    const parts: string[] = [];
    if (timeouts > 0) parts.push(`${w.num(timeouts)} timed out`);
    for (const [code, n] of Object.entries(codes).sort((a, b) => b[1] - a[1]).slice(0, 2)) parts.push(`${w.num(n)} answered ${code}`);
    const other = failed - timeouts - fiveXX;
    if (other > 0 && parts.length) parts.push(`${w.num(other)} failed otherwise`);
    if (hung > 0) parts.push(`in ${hung} ${hung === 1 ? 'second' : 'seconds'} requests were outstanding and none came back`);
    const total = f.points.reduce((a, p) => a + pointRequests(p), 0);
    evidence.push(
      `at a constant ${w.load(s.load, ev.unit)}, requests started to ${verb} at ${Math.round(f.onsetSec)} s: ` +
        `${w.pct(f.before)} of each second's requests failed or hung before, ${w.pct(f.after)} from then on` +
        (parts.length ? ` (${w.num(total)} ended then: ${parts.join(', ')})` : ''),
    );
  }
  if (rise && lat && (latTrend >= failTrend || evidence.length === 0 || latTrend >= 0.2)) {
    const window = w.duration(lat.toSec - lat.fromSec);
    const hungNote = s.points.some((p) => p.t >= from && isHung(p)) ? ' (seconds in which nothing came back counted as the worst)' : '';
    evidence.push(
      rise.kind === 'creep'
        ? `at a constant ${w.load(s.load, ev.unit)}, p95 rose from ${w.ms(lat.startValue)} to ${w.ms(lat.endValue)} over ${window} ` +
            `(Theil–Sen slope ${w.num(lat.fit.slope * 60, 1)} ms/min, 95% interval ${w.num(lat.fit.slopeLow * 60, 1)}–${w.num(lat.fit.slopeHigh * 60, 1)})${hungNote}`
        : `at a constant ${w.load(s.load, ev.unit)}, the median p95 per interval was ${w.ms(rise.from)} over the first third of ${window} and ${w.ms(rise.to)} over the last third${hungNote}: ` +
            `it got worse with time, not with load`,
    );
  }
  if (holder) {
    const c = holder.ceiling;
    if (c && (holder.linked || !holder.t)) {
      const rel = onsetSec === null ? '' : Math.round(onsetSec - c.atSec) === 0 ? `; requests started to ${verb} the same second` : onsetSec >= c.atSec ? `; requests started to ${verb} ${Math.round(onsetSec - c.atSec)} s after` : `; requests had started to ${verb} ${Math.round(c.atSec - onsetSec)} s before, as the last ones went`;
      evidence.push(
        `${holderName(holder.series)} grew in a straight line from ${w.num(c.startValue)} (+${w.num(c.slope * 60, 2)}/min, r² ${w.num(c.r2, 2)}) ` +
          `and reached ${w.num(c.max)} at ${Math.round(c.atSec)} s, where it stayed: a ceiling — the pool's size${rel}`,
      );
    } else if (holder.t) {
      // the line's fitted ends (a count's line may start below 0: it starts at 0 then)
      evidence.push(
        `${holderName(holder.series)} grew from ${w.num(Math.max(0, holder.t.startValue))} to ${w.num(holder.t.endValue)} (+${w.num(holder.t.fit.slope * 60, 2)}/min, r² ${w.num(holder.t.fit.r2, 2)}) at the same load`,
      );
    }
  }
  if (gc) evidence.push(`GC pauses of ${gc.series.label} rose from ${w.num(gc.t.startValue)} to ${w.num(gc.t.endValue)} ms per second: GC pressure`);
  if (!holder && !gc) evidence.push('no watched connection count, pool gauge, descriptor count or GC time grew with it: the cause is not seen, only the symptom');
  if (inFlightQueue) {
    // name the queue, and the memory that follows it (memory-leak discounts the same growth)
    let mem = '';
    for (const m of ev.find(/^rssBytes$/, { roles: ['app'] })) {
      const t = seriesTrend(ev, m.name);
      const tq = trackedQueue(ev, m.name);
      if (t && tq && tq.queue.series === null && t.endValue - t.startValue >= 1024 * 1024) {
        mem = `; RSS of ${ownerName(m)} grew ${w.bytes(t.endValue - t.startValue)} with them (r ${w.num(tq.r, 2)}): queued work, not a leak`;
        break;
      }
    }
    evidence.push(`requests in flight rose from ${w.num(Math.round(inFlightQueue.from))} to ${w.num(Math.round(inFlightQueue.to))} at the same load: requests queued inside the service${mem}`);
  }

  const expectP95 = Number.isFinite(startP95) ? startP95 : null;
  const recommendation =
    holder || !gc
      ? `Find the code path that takes a connection (or opens a transaction) and does not return it on every path — error branches and early returns — and release it in a finally block or use the pool's query helper. ` +
        `Set an acquire timeout on the pool (pg: connectionTimeoutMillis) and idle_in_transaction_session_timeout in PostgreSQL so a leak fails loudly instead of ${verb === 'hang' ? 'hanging every request until the client gives up' : 'slowly'}. ` +
        `Expect ${expectP95 !== null ? `p95 to stay near ${w.ms(expectP95)}` : 'latency to stay flat'}${failTrend > 0 ? ' and no failures' : ''} for the whole run at this load once connections are returned.`
      : `GC time grows with the run: look for retained objects (heap snapshots minutes apart) and allocation hot spots; expect ${expectP95 !== null ? `p95 to stay near ${w.ms(expectP95)}` : 'latency to stay flat'} once the heap stops growing.`;
  return diagnosis('connection-leak', 'Degradation over time at constant load (connection leak or GC pressure)', confidence, evidence, recommendation, 'performance-optimizer');
}
