/**
 * connection-leak — "latency fine at first, bad after minutes at the same load".
 *
 * Over the longest constant-load stretch (≥ 2 min, warm-up left out as for memory-leak), the
 * Theil–Sen line of the per-interval p95:
 *   latTrend  fitted p95 at the end over fitted p95 at the start (1.3× → 0, 3× → 1), with the
 *             slope's 95% lower bound > 0                                              weight 0.5
 *   growth    something that holds connections grew over the same window: PostgreSQL
 *             idle-in-transaction / total / active connections, an app pool gauge `*in_use*`,
 *             or the process's open file descriptors — relative growth (30% → 0, 150% → 1) ×
 *             line fit (r² 0.2 → 0, 0.7 → 1); or GC time per second growing (GC pressure, the
 *             table's other cause), counted at 0.7                                    weight 0.4
 *   fine      the p95 at the start met the SLO's latency bound                         weight 0.1
 * Gate: latTrend ≥ 0.2.
 */
import type { Diagnosis } from '../../result/types.js';
import { ownerName, type Evidence, type NamedSeries } from '../evidence.js';
import { ramp } from '../stats.js';
import * as w from '../wording.js';
import { diagnosis } from './diagnosis.js';
import { longStretch, seriesTrend, trendOf, warmupSec, type Trend } from './trend.js';

const HOLDERS = /^(connections\.(idle_in_transaction|total|active)|gauge\..*(in_?use|busy|active|used)|fds)$/;

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
  const lat = trendOf(
    s,
    pts.map((p) => p.t),
    pts.map((p) => p.latencyMs!.p95),
    from,
    s.endSec,
  );
  if (!lat || !(lat.fit.slopeLow > 0) || !(lat.startValue > 0)) return null;
  const ratio = lat.endValue / lat.startValue;
  const latTrend = ramp(ratio, 1.3, 3);
  if (latTrend < 0.2) return null;

  let holder: { s: number; t: Trend; series: NamedSeries } | null = null;
  for (const c of ev.series.filter((x) => HOLDERS.test(x.metric) && x.role !== 'generator')) {
    const t = seriesTrend(ev, c.name);
    if (!t || !(t.fit.slopeLow > 0)) continue;
    const rel = (t.endValue - t.startValue) / Math.max(t.startValue, 3);
    const st = ramp(rel, 0.3, 1.5) * ramp(t.fit.r2, 0.2, 0.7);
    if (st > 0 && (!holder || st > holder.s)) holder = { s: st, t, series: c };
  }
  let gc: { s: number; t: Trend; series: NamedSeries } | null = null;
  for (const c of ev.find(/^gcPauseMsPerSec$/, { watcher: 'eventLoop' })) {
    const t = seriesTrend(ev, c.name);
    if (!t || !(t.fit.slopeLow > 0)) continue;
    const st = 0.7 * ramp((t.endValue - t.startValue) / Math.max(t.startValue, 1), 0.5, 2);
    if (st > 0 && (!gc || st > gc.s)) gc = { s: st, t, series: c };
  }
  const p95Bound = ev.slo.latency.find((b) => b.aggregation.kind === 'percentile' && b.aggregation.p === 95)?.valueMs;
  const fine = p95Bound !== undefined ? (lat.startValue < p95Bound ? 1 : 0) : ev.phases.baselineP95Ms !== null && lat.startValue <= 1.5 * ev.phases.baselineP95Ms ? 1 : 0;
  const confidence = 0.5 * latTrend + 0.4 * Math.max(holder?.s ?? 0, gc?.s ?? 0) + 0.1 * fine;

  const evidence = [
    `at a constant ${w.load(s.load, ev.unit)}, p95 rose from ${w.ms(lat.startValue)} to ${w.ms(lat.endValue)} over ${w.duration(lat.toSec - lat.fromSec)} ` +
      `(Theil–Sen slope ${w.num(lat.fit.slope * 60, 1)} ms/min, 95% interval ${w.num(lat.fit.slopeLow * 60, 1)}–${w.num(lat.fit.slopeHigh * 60, 1)})`,
  ];
  if (holder) {
    evidence.push(`${holderName(holder.series)} grew from ${w.num(holder.t.startValue)} to ${w.num(holder.t.endValue)} (+${w.num(holder.t.fit.slope * 60, 2)}/min, r² ${w.num(holder.t.fit.r2, 2)}) at the same load`);
  }
  if (gc) evidence.push(`GC pauses of ${gc.series.label} rose from ${w.num(gc.t.startValue)} to ${w.num(gc.t.endValue)} ms per second: GC pressure`);
  if (!holder && !gc) evidence.push('no watched connection count, pool gauge, descriptor count or GC time grew with it: the cause is not seen, only the symptom');

  const recommendation =
    holder || !gc
      ? `Find the code path that takes a connection (or opens a transaction) and does not return it on every path — error branches and early returns — and release it in a finally block or use the pool's query helper. ` +
        `Set an acquire timeout on the pool and idle_in_transaction_session_timeout in PostgreSQL so a leak fails loudly instead of slowly. Expect p95 to stay near ${w.ms(lat.startValue)} for the whole run at this load once connections are returned.`
      : `GC time grows with the run: look for retained objects (heap snapshots minutes apart) and allocation hot spots; expect p95 to stay near ${w.ms(lat.startValue)} once the heap stops growing.`;
  return diagnosis('connection-leak', 'Degradation over time at constant load (connection leak or GC pressure)', confidence, evidence, recommendation, 'performance-optimizer');
}
