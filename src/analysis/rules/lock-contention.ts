/**
 * lock-contention — "database lock waits rise with load while database CPU stays low".
 *
 * A hot row (or a table lock) serialises the transactions that touch it: each waits for the one
 * before, so PostgreSQL's backends waiting on a lock (`postgres.<label>.waitingOnLock`, from
 * pg_stat_activity wait_event_type = 'Lock') grow with the load while no CPU is busy, and latency
 * rises with the queue.
 *
 * Signals:
 *   waits    the peak per-level mean of backends waiting on a lock (0.5 → 0, 3 → 1)      weight 0.45
 *   scaling  lock waits rose with the load (Spearman ρ, 0.5 → 0, 0.9 → 1)                weight 0.2
 *   cpuLow   no watched app or db process near a busy core (cpuLowness; 0.5 unwatched)    weight 0.15
 *   latency  p95 rose over the baseline (1.5× → 0, 4× → 1)                              weight 0.2
 * Gates: waits ≥ 0.2 (a mean of one waiting backend), a degraded level, cpuLow ≥ 0.3.
 */
import type { Diagnosis } from '../../result/types.js';
import { cpuLowness, peakOf, riseWithLoad, type Evidence } from '../evidence.js';
import { ramp } from '../stats.js';
import * as w from '../wording.js';
import { diagnosis } from './diagnosis.js';
import { latencyRise } from './shape.js';

export function lockContention(ev: Evidence): Diagnosis | null {
  if (ev.degradeIndex === null) return null;
  const waits = peakOf(ev, ev.find(/^waitingOnLock$/, { watcher: 'postgres' }));
  if (!waits) return null;
  const waitsS = ramp(waits.value, 0.5, 3);
  if (waitsS < 0.2) return null;
  const low = cpuLowness(ev, 0);
  const lowS = low ? low.strength : 0.5;
  if (lowS < 0.3) return null;
  const rho = riseWithLoad(ev, waits.series.name);
  const rise = latencyRise(ev);
  const confidence = 0.45 * waitsS + 0.2 * ramp(rho, 0.5, 0.9) + 0.15 * lowS + 0.2 * (rise ? ramp(rise.ratio, 1.5, 4) : 0);
  const first = ev.levelValues(waits.series.name).find((v) => v !== null);
  const evidence = [
    `PostgreSQL ${waits.series.label} had ${w.num(waits.value)} backends waiting on a lock on average at ${w.load(ev.levels[waits.level]!.load, ev.unit)}` +
      (first !== undefined && first !== null ? `, from ${w.num(first)} at ${w.load(ev.levels[0]!.load, ev.unit)} (ρ ${w.num(rho, 2)} with the load)` : ''),
  ];
  if (rise) evidence.push(rise.text);
  evidence.push(low ? `${low.text}: the database waits, it does not work` : 'CPU not watched: could not check that the database was idle');
  return diagnosis(
    'lock-contention',
    'Lock contention: transactions queue on a database lock',
    confidence,
    evidence,
    `Find the contended lock while the load runs (pg_locks joined to pg_stat_activity, or log_lock_waits = on with a low deadlock_timeout) and stop serialising on it: ` +
      `replace read-modify-write of a hot row (a counter, a balance, a sequence table) with an atomic UPDATE … SET n = n + 1, shard the counter, or aggregate asynchronously; ` +
      `keep transactions short (no network calls while holding a row lock), and use SELECT … FOR UPDATE SKIP LOCKED for queue tables.`,
    'database-reviewer',
  );
}
