/**
 * connection-leak — "latency fine at first, bad after minutes at the same load".
 *
 * Over the longest constant-load stretch (≥ 2 min, or most of a shorter run held at one load;
 * warm-up left out as for memory-leak — trend.ts), the per-interval p95 got worse with time:
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
 *                                                                                      weight 0.5
 *   growth    something that holds connections grew over the same window: PostgreSQL
 *             idle-in-transaction / total / active connections, an app pool gauge `*in_use*`,
 *             or the process's open file descriptors — relative growth (30% → 0, 150% → 1) ×
 *             line fit (r² 0.2 → 0, 0.7 → 1), the most telling of equally strong ones quoted
 *             (HOLDERS); or GC time per second growing (GC pressure, the table's other cause),
 *             counted at 0.7                                                          weight 0.4
 *   fine      the p95 at the start met the SLO's latency bound                         weight 0.1
 * Gate: latTrend ≥ 0.2.
 */
import type { Diagnosis } from '../../result/types.js';
import { MIN_LATENCY_RISE_MS, ownerName, type Evidence, type NamedSeries } from '../evidence.js';
import { median, ramp } from '../stats.js';
import * as w from '../wording.js';
import { diagnosis } from './diagnosis.js';
import { longStretch, seriesTrend, trendOf, warmupSec, type Trend } from './trend.js';

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

export function connectionLeak(ev: Evidence): Diagnosis | null {
  const s = longStretch(ev);
  if (!s) return null;
  const from = s.startSec + warmupSec(s);
  const pts = s.points.filter((p) => p.t >= from && p.latencyMs);
  const p95s = pts.map((p) => p.latencyMs!.p95);
  const lat = trendOf(
    s,
    pts.map((p) => p.t),
    p95s,
    from,
    s.endSec,
  );
  if (!lat) return null;
  const third = Math.floor(p95s.length / 3);
  const creep = lat.fit.slopeLow > 0 && lat.startValue > 0 ? { kind: 'creep' as const, from: lat.startValue, to: lat.endValue } : null;
  const cliff = { kind: 'cliff' as const, from: median(p95s.slice(0, third)), to: median(p95s.slice(-third)) };
  const shapes = [creep, cliff].filter((x): x is NonNullable<typeof x> => x !== null && x.from > 0 && x.to - x.from >= MIN_LATENCY_RISE_MS);
  if (!shapes.length) return null;
  const rise = shapes.reduce((a, b) => (b.to / b.from > a.to / a.from ? b : a));
  const ratio = rise.to / rise.from;
  const latTrend = ramp(ratio, 1.3, 3);
  if (latTrend < 0.2) return null;

  let holder: { s: number; t: Trend; series: NamedSeries } | null = null;
  for (const c of ev.series.filter((x) => holderRank(x.metric) >= 0 && x.role !== 'generator')) {
    const t = seriesTrend(ev, c.name);
    if (!t || !(t.fit.slopeLow > 0)) continue;
    const rel = (t.endValue - Math.max(0, t.startValue)) / Math.max(t.startValue, 3);
    const st = ramp(rel, 0.3, 1.5) * ramp(t.fit.r2, 0.2, 0.7);
    if (st > 0 && (!holder || st > holder.s || (st === holder.s && holderRank(c.metric) < holderRank(holder.series.metric)))) holder = { s: st, t, series: c };
  }
  let gc: { s: number; t: Trend; series: NamedSeries } | null = null;
  for (const c of ev.find(/^gcPauseMsPerSec$/, { watcher: 'eventLoop' })) {
    const t = seriesTrend(ev, c.name);
    if (!t || !(t.fit.slopeLow > 0)) continue;
    const st = 0.7 * ramp((t.endValue - t.startValue) / Math.max(t.startValue, 1), 0.5, 2);
    if (st > 0 && (!gc || st > gc.s)) gc = { s: st, t, series: c };
  }
  const p95Bound = ev.slo.latency.find((b) => b.aggregation.kind === 'percentile' && b.aggregation.p === 95)?.valueMs;
  const fine = p95Bound !== undefined ? (rise.from < p95Bound ? 1 : 0) : ev.phases.baselineP95Ms !== null && rise.from <= 1.5 * ev.phases.baselineP95Ms ? 1 : 0;
  const confidence = 0.5 * latTrend + 0.4 * Math.max(holder?.s ?? 0, gc?.s ?? 0) + 0.1 * fine;

  const window = w.duration(lat.toSec - lat.fromSec);
  const evidence = [
    rise.kind === 'creep'
      ? `at a constant ${w.load(s.load, ev.unit)}, p95 rose from ${w.ms(lat.startValue)} to ${w.ms(lat.endValue)} over ${window} ` +
        `(Theil–Sen slope ${w.num(lat.fit.slope * 60, 1)} ms/min, 95% interval ${w.num(lat.fit.slopeLow * 60, 1)}–${w.num(lat.fit.slopeHigh * 60, 1)})`
      : `at a constant ${w.load(s.load, ev.unit)}, the median p95 per interval was ${w.ms(rise.from)} over the first third of ${window} and ${w.ms(rise.to)} over the last third: ` +
        `it got worse with time, not with load`,
  ];
  if (holder) {
    // the line's fitted ends (a count's line may start below 0: it starts at 0 then)
    evidence.push(
      `${holderName(holder.series)} grew from ${w.num(Math.max(0, holder.t.startValue))} to ${w.num(holder.t.endValue)} (+${w.num(holder.t.fit.slope * 60, 2)}/min, r² ${w.num(holder.t.fit.r2, 2)}) at the same load`,
    );
  }
  if (gc) evidence.push(`GC pauses of ${gc.series.label} rose from ${w.num(gc.t.startValue)} to ${w.num(gc.t.endValue)} ms per second: GC pressure`);
  if (!holder && !gc) evidence.push('no watched connection count, pool gauge, descriptor count or GC time grew with it: the cause is not seen, only the symptom');

  const recommendation =
    holder || !gc
      ? `Find the code path that takes a connection (or opens a transaction) and does not return it on every path — error branches and early returns — and release it in a finally block or use the pool's query helper. ` +
        `Set an acquire timeout on the pool and idle_in_transaction_session_timeout in PostgreSQL so a leak fails loudly instead of slowly. Expect p95 to stay near ${w.ms(rise.from)} for the whole run at this load once connections are returned.`
      : `GC time grows with the run: look for retained objects (heap snapshots minutes apart) and allocation hot spots; expect p95 to stay near ${w.ms(rise.from)} once the heap stops growing.`;
  return diagnosis('connection-leak', 'Degradation over time at constant load (connection leak or GC pressure)', confidence, evidence, recommendation, 'performance-optimizer');
}
