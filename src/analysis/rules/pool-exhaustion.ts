/**
 * pool-exhaustion — "latency spikes at a specific concurrency, CPU not saturated".
 *
 * A pool of P slots held H seconds per request caps throughput at P/H (Little's law); past it,
 * requests queue for a slot and latency climbs while no CPU is busy.
 *
 * Signals, from the level where p95 left the linear bound (1.5× baseline) on:
 *   latStep   how far p95 rose over the baseline (1.5× → 0, 4× → 1)                    weight 0.2
 *   cpuLow    no watched app or db process near a busy core (cpuLowness; 0.5 unwatched)  weight 0.15
 *   inflight  measured in-flight requests grew (1.5× → 0, 4× → 1)                        weight 0.05
 *   pinned    a pool pinned at its size: an app gauge `*in_use*` at ≥ 98% of its `*size*`
 *             (80% → 0), PostgreSQL connections at ≥ 90% of max_connections, or PostgreSQL's
 *             active connections capped — flat within 15% of their peak over the rising load
 *             after growing with it                                                     weight 0.6
 * Gates: latStep ≥ 0.3 and p95 at least MIN_LATENCY_RISE_MS (20 ms) over the baseline (at
 * single-digit latencies a 3× ratio is jitter), cpuLow ≥ 0.3, and a degraded level (up to the worst)
 * was slow from its start (a step at a load; latency creeping up at constant load is
 * connection-leak's symptom). Without pool evidence the confidence stays ≤ 0.4: a
 * latency step with idle CPU fits a pool but also locks or a slow dependency. A watched dependency
 * whose latency rose with the load, table scans of ≥ 1000 rows per request rising with it, or
 * PostgreSQL backends waiting on a lock (a level mean ≥ 1 from the degradation on), halve
 * it (the pool would be the symptom, not the cause).
 */
import type { Diagnosis } from '../../result/types.js';
import { cpuLowness, MIN_LATENCY_RISE_MS, ownerName, peakOf, riseWithLoad, risesOnArrival, seqScanLoad, type Evidence, type NamedSeries } from '../evidence.js';
import { latencyBoundMs } from '../phases.js';
import { ramp } from '../stats.js';
import * as w from '../wording.js';
import { diagnosis } from './diagnosis.js';
import { latencyRise, throughputPlateau } from './shape.js';

interface PoolReading {
  strength: number;
  text: string;
  size: number | null;
}

/** App pool gauges: pairs `<prefix>in_use` / `<prefix>size` under the same watcher label. */
function gaugePools(ev: Evidence, from: number): PoolReading | null {
  const inUse = ev.series.filter((s) => /(?:^|[._])(in_?use|busy|active|used)$/i.test(s.metric) && s.watcher !== 'postgres' && s.role !== 'generator');
  let best: PoolReading | null = null;
  for (const u of inUse) {
    const prefix = u.metric.replace(/(in_?use|busy|active|used)$/i, '');
    const size = ev.series.find((s) => s.label === u.label && s.watcher === u.watcher && new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(size|max|total|capacity|limit)$`, 'i').test(s.metric));
    if (!size) continue;
    const uv = ev.levelValues(u.name);
    const sv = ev.levelValues(size.name);
    let ratio = 0;
    let at = -1;
    for (let i = from; i < ev.levels.length; i++) {
      if (uv[i] !== null && sv[i] !== null && sv[i]! > 0 && uv[i]! / sv[i]! > ratio) {
        ratio = uv[i]! / sv[i]!;
        at = i;
      }
    }
    if (at < 0) continue;
    const waiting = ev.series.find((s) => s.label === u.label && s.watcher === u.watcher && new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(waiting|pending|queued)$`, 'i').test(s.metric));
    const wPeak = waiting ? peakOf(ev, [waiting], from) : null;
    const strength = ramp(ratio, 0.8, 0.98);
    if (!best || strength > best.strength) {
      best = {
        strength,
        size: sv[at]!,
        text:
          `the pool gauges of ${u.label} (${u.metric.replace(/^gauge\./, '')} / ${size.metric.replace(/^gauge\./, '')}) showed ${w.num(uv[at]!)}/${w.num(sv[at]!)} in use at ${w.load(ev.levels[at]!.load, ev.unit)}` +
          (wPeak && wPeak.value >= 1 ? `, with up to ${w.num(wPeak.value)} waiting` : ''),
      };
    }
  }
  return best;
}

/** PostgreSQL connections at max_connections, or active connections capped while the load rose. */
function postgresPools(ev: Evidence, from: number): PoolReading | null {
  let best: PoolReading | null = null;
  const labels = new Set(ev.find(/^connections\.active$/, { watcher: 'postgres' }).map((s) => s.label));
  for (const label of labels) {
    const get = (m: string): NamedSeries | undefined => ev.series.find((s) => s.watcher === 'postgres' && s.label === label && s.metric === m);
    const active = get('connections.active')!;
    const total = get('connections.total');
    const max = get('connections.max');
    const av = ev.levelValues(active.name);
    const who = ownerName(active);
    if (total && max) {
      const tv = ev.levelValues(total.name);
      const mv = ev.levelValues(max.name);
      for (let i = from; i < ev.levels.length; i++) {
        if (tv[i] !== null && mv[i] !== null && mv[i]! > 0 && tv[i]! >= 0.9 * mv[i]!) {
          const r: PoolReading = { strength: 1, size: mv[i]!, text: `${who} had ${w.num(tv[i]!)} of ${w.num(mv[i]!)} allowed connections open at ${w.load(ev.levels[i]!.load, ev.unit)}` };
          if (!best || best.strength < 1) best = r;
          break;
        }
      }
    }
    const peak = Math.max(...av.filter((v): v is number => v !== null));
    if (!(peak >= 2)) continue;
    const zone: number[] = [];
    for (let i = from; i < ev.levels.length; i++) if (av[i] !== null) zone.push(i);
    const first = av.find((v) => v !== null) ?? null;
    if (zone.length < 2 || first === null) continue;
    const flat = zone.every((i) => av[i]! >= 0.85 * peak);
    const loadRose = ev.levels[zone[zone.length - 1]!]!.load >= 1.1 * ev.levels[zone[0]!]!.load;
    if (flat && loadRose && first <= 0.7 * peak) {
      const mv = max ? ev.levelValues(max.name).find((v) => v !== null) : null;
      const r: PoolReading = {
        strength: 0.85,
        size: Math.round(peak),
        text:
          `${who} showed ${w.num(peak)} connections active at every load from ${w.load(ev.levels[zone[0]!]!.load, ev.unit)} to ${w.load(ev.levels[zone[zone.length - 1]!]!.load, ev.unit)}` +
          ` (from ${w.num(first)} at ${w.load(ev.levels[0]!.load, ev.unit)}): capped at ${Math.round(peak)}` +
          (mv ? `, well under max_connections ${w.num(mv)} — the application's pool size` : ''),
      };
      if (!best || r.strength > best.strength) best = r;
    }
  }
  return best;
}

export function poolExhaustion(ev: Evidence): Diagnosis | null {
  const rise = latencyRise(ev);
  if (!rise) return null;
  const latStep = ramp(rise.ratio, 1.5, 4);
  if (latStep < 0.3) return null;
  const from = ev.degradeIndex!;
  const worstP95 = ev.levels[rise.toLevel]!.latencyMs?.p95 ?? Infinity;
  if (worstP95 - ev.phases.baselineP95Ms! < MIN_LATENCY_RISE_MS) return null;
  // A latency step at a load, not a creep over time at constant load (that is connection-leak's):
  // some degraded level was slow from its start. Not only the first: at a pool's exact capacity the
  // queue builds within the level, so the first degraded level creeps and the next one, past the
  // capacity, steps (measured: demo pool at 500 req/s, p95 38 ms creeping; 600 req/s, 609 ms).
  const bound = latencyBoundMs(ev.phases.baselineP95Ms!);
  let stepped = false;
  for (let i = from; i <= rise.toLevel && !stepped; i++) stepped = risesOnArrival(ev.levels[i]!, bound);
  if (!stepped) return null;
  const low = cpuLowness(ev, from);
  const cpuLow = low ? low.strength : 0.5;
  if (cpuLow < 0.3) return null;

  const pools = [gaugePools(ev, from), postgresPools(ev, from)].filter((p): p is PoolReading => p !== null && p.strength > 0);
  const pool = pools.sort((a, b) => b.strength - a.strength)[0] ?? null;
  const pinned = pool?.strength ?? 0;

  const before = ev.levels[Math.max(0, from - 1)]!;
  const top = ev.levels[ev.levels.length - 1]!;
  const inflight = before.inFlight !== null && top.inFlight !== null && before.inFlight > 0 ? ramp(top.inFlight / before.inFlight, 1.5, 4) : 0;

  const deps = ev.find(/^(p95Ms|latencyMs)$/, { watcher: 'dependency' });
  const depRose = deps.some((d) => {
    const v = ev.levelValues(d.name).filter((x): x is number => x !== null);
    return v.length >= 3 && riseWithLoad(ev, d.name) >= 0.8 && v[v.length - 1]! >= 2 * Math.max(v[0]!, 1e-9);
  });
  const scans = seqScanLoad(ev);
  const slowQueries = scans !== null && scans.rowsPerRequest >= 1000;
  const lockWaits = peakOf(ev, ev.find(/^waitingOnLock$/, { watcher: 'postgres' }), from);
  const locked = lockWaits !== null && lockWaits.value >= 1;
  const confidence = (0.2 * latStep + 0.15 * cpuLow + 0.05 * inflight + 0.6 * pinned) * (depRose || slowQueries || locked ? 0.5 : 1);

  const evidence: string[] = [];
  evidence.push(low ? `${rise.text} while ${low.text}` : `${rise.text} (CPU was not watched: whether it was saturated could not be checked)`);
  if (pool) evidence.push(pool.text);
  const plateau = throughputPlateau(ev);
  const knee = ev.levels[Math.max(0, from - 1)]!;
  const holdMs = knee.meanMs;
  if (plateau) evidence.push(plateau.text);
  if (knee.littleConcurrency !== null && holdMs !== null) {
    evidence.push(`latency turned at a concurrency of about ${w.num(knee.littleConcurrency)} (Little's law: ${w.rps(knee.rps)} × ${w.ms(holdMs)})`);
  }
  if (before.inFlight !== null && top.inFlight !== null && inflight > 0) {
    evidence.push(`requests in flight grew from ${w.num(before.inFlight)} to ${w.num(top.inFlight)}`);
  }
  if (depRose) evidence.push('a watched dependency also slowed with the load: the pool may be waiting on it');
  if (slowQueries) evidence.push(`the database read ${w.num(scans.rowsPerRequest, 0)} rows per request by sequential scans: slow queries may be what holds the connections`);
  if (locked) evidence.push(`${w.num(lockWaits.value)} PostgreSQL backends waited on a lock on average: the connections may be held by transactions queued on a lock (lock-contention)`);
  if (!pool) evidence.push('no pool gauge or PostgreSQL connection count was watched: the pool is inferred, not seen');

  const size = pool?.size ?? null;
  const capRps = plateau?.rps ?? knee.rps;
  const recommendation =
    size !== null && holdMs !== null
      ? `A pool of ${w.num(size)} slots held ~${w.ms(holdMs)} per request serves at most ${w.num(size)} / ${w.ms(holdMs)} ≈ ${w.rps((size * 1000) / holdMs)}. ` +
        `Raise the pool size (if the database has headroom: check max_connections and its CPU) or shorten how long each request holds a slot (no network calls or heavy work inside a transaction). ` +
        `Expect the knee to move up roughly in proportion — e.g. doubling the pool to ${w.num(size * 2)} aims at ~${w.rps((size * 2 * 1000) / holdMs)} — until the next limit (CPU, database) binds.`
      : `Find the pool that saturates at ~${w.rps(capRps)} (database connection pool, HTTP client agent maxSockets, worker pool) — watch its gauges (probe({ gauges: { pool_in_use, pool_size } })) to confirm — then raise its size or shorten how long each request holds a slot. Expect the knee to move up roughly in proportion to the pool size until the next limit binds.`;
  return diagnosis('pool-exhaustion', 'Pool exhaustion: requests queue for a connection or worker slot', confidence, evidence, recommendation, 'performance-optimizer');
}
