/**
 * missing-index — "database CPU rises before the app's".
 *
 * Signals across the load levels:
 *   dbFirst  a database process (role db) reached 80% of a core at a lower load than any app
 *            process did (or the app never did): strength from the db CPU there (60% → 0,
 *            90% → 1); 0.5 when neither saturated but the db's CPU grew ≥ 2× faster per unit of
 *            load than the app's                                                       weight 0.45
 *   scans    sequential scans rising with the load (Spearman ρ ≥ 0.8 of seq_tup_read/s, or
 *            seq_scan/s, against load) and rows read by sequential scans per request
 *            (50 → 0, 1000 → 1; seq scans per request ≥ 0.5 count 0.5 when rows are not watched)
 *                                                                                       weight 0.4
 *   together the latency rise began within one level of the db's saturation            weight 0.15
 * Gate: dbFirst ≥ 0.3 or scans ≥ 0.5. Without a CPU watch on the database the confidence is
 * 0.6 × scans (the scans are then the only evidence). Nothing is said without a db watch.
 */
import type { Diagnosis } from '../../result/types.js';
import { cpuSeries, ownerName, peakOf, riseWithLoad, seqScanLoad, type Evidence, type NamedSeries } from '../evidence.js';
import { ramp } from '../stats.js';
import * as w from '../wording.js';
import { diagnosis } from './diagnosis.js';

function firstAt(ev: Evidence, list: NamedSeries[], threshold: number): { i: number; s: NamedSeries; v: number } | null {
  let best: { i: number; s: NamedSeries; v: number } | null = null;
  for (const s of list) {
    const vals = ev.levelValues(s.name);
    const i = vals.findIndex((v) => v !== null && v >= threshold);
    if (i >= 0 && (!best || i < best.i)) best = { i, s, v: vals[i]! };
  }
  return best;
}

/** Least-squares slope of a series' level means against load. */
function slopeVsLoad(ev: Evidence, s: NamedSeries): number {
  const pts = ev.levelValues(s.name)
    .map((v, i) => [ev.levels[i]!.load, v] as const)
    .filter((p): p is readonly [number, number] => p[1] !== null);
  if (pts.length < 2) return 0;
  const mx = pts.reduce((a, p) => a + p[0], 0) / pts.length;
  const my = pts.reduce((a, p) => a + p[1], 0) / pts.length;
  const sxx = pts.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  return sxx > 0 ? pts.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0) / sxx : 0;
}

export function missingIndex(ev: Evidence): Diagnosis | null {
  if (ev.levels.length < 2) return null;
  const db = cpuSeries(ev, ['db']);
  const app = cpuSeries(ev, ['app']);
  const evidence: string[] = [];

  let dbFirst = 0;
  const dbSat = firstAt(ev, db, 80);
  const appSat = firstAt(ev, app, 80);
  let dbSatIdx: number | null = null;
  if (dbSat && (!appSat || dbSat.i < appSat.i)) {
    const peak = peakOf(ev, [dbSat.s])!;
    dbFirst = ramp(peak.value, 60, 90);
    dbSatIdx = dbSat.i;
    const appAt = app.length ? peakOf(ev, app) : null;
    const appThere = app.map((s) => ev.levelValues(s.name)[dbSat.i]).find((v) => v !== null && v !== undefined);
    evidence.push(
      `${ownerName(dbSat.s)} CPU reached ${Math.round(dbSat.v)}% at ${w.load(ev.levels[dbSat.i]!.load, ev.unit)} (peak ${Math.round(peak.value)}%)` +
        (appThere !== undefined ? ` while the app's CPU was ${Math.round(appThere!)}%` : '') +
        (appAt && !appSat ? ` and never passed ${Math.round(appAt.value)}%` : ''),
    );
  } else if (db.length && app.length && !dbSat && !appSat) {
    const dbSlope = Math.max(...db.map((s) => slopeVsLoad(ev, s)));
    const appSlope = Math.max(...app.map((s) => slopeVsLoad(ev, s)));
    if (dbSlope > 0 && dbSlope >= 2 * Math.max(appSlope, 1e-9)) {
      dbFirst = 0.5;
      evidence.push(`database CPU grew ${w.num(dbSlope / Math.max(appSlope, 1e-9), 1)}× faster with the load than the app's`);
    }
  }

  let scans = 0;
  const seq = seqScanLoad(ev);
  if (seq) {
    scans = ramp(seq.rowsPerRequest, 50, 1000);
    if (scans > 0) {
      evidence.push(
        `sequential scans read ${w.num(seq.rowsPerRequest, 0)} rows per request while the load was served (${w.num(seq.rowsPerSec, 0)} rows/s at ${w.load(ev.levels[seq.level]!.load, ev.unit)}), rising with the load (Spearman ${w.num(seq.rho, 2)})`,
      );
    }
  }
  if (scans === 0) {
    for (const sc of ev.find(/^seqScanPerSec$/, { watcher: 'postgres' })) {
      const rho = riseWithLoad(ev, sc.name);
      const vals = ev.levelValues(sc.name);
      const i = vals.length - 1;
      const perReq = vals[i] !== null && ev.levels[i]!.rps > 0 ? vals[i]! / ev.levels[i]!.rps : 0;
      if (rho >= 0.8 && perReq >= 0.5) {
        scans = 0.5;
        evidence.push(`${w.num(perReq, 2)} sequential scans per request, rising with the load (Spearman ${w.num(rho, 2)})`);
        break;
      }
    }
  }
  if (dbFirst < 0.3 && scans < 0.5) return null;
  const idx = ev.find(/^idxScanPerSec$/, { watcher: 'postgres' })[0];
  if (idx && scans > 0) {
    const v = ev.levelValues(idx.name);
    const i = v.length - 1;
    if (v[i] !== null && ev.levels[i]!.rps > 0) evidence.push(`index scans: ${w.num(v[i]! / ev.levels[i]!.rps, 2)} per request`);
  }
  const together = dbSatIdx !== null && ev.degradeIndex !== null && Math.abs(dbSatIdx - ev.degradeIndex) <= 1 ? 1 : 0;
  if (together) evidence.push(`latency turned at ${w.load(ev.levels[ev.degradeIndex!]!.load, ev.unit)}, where the database saturated`);
  // Without a CPU watch on the database, the scans are the only evidence there can be: they count more,
  // and the finding says what was not watched.
  const confidence = db.length ? 0.45 * dbFirst + 0.4 * scans + 0.15 * together : 0.6 * scans;
  if (!db.length) evidence.push("the database's CPU was not watched (add a process watch on postgres): whether it saturated first could not be checked");
  const at = dbSatIdx ?? ev.degradeIndex ?? ev.levels.length - 1;
  return diagnosis(
    'missing-index',
    'Missing index: the database does table scans and saturates first',
    confidence,
    evidence,
    `Find the statement behind the scans (pg_stat_statements ordered by total_exec_time, then EXPLAIN (ANALYZE, BUFFERS) on it) and add the index its WHERE / JOIN / ORDER BY needs. ` +
      `An index turns a scan of the table into a lookup of the rows returned: expect database CPU per request to drop by about the ratio of table rows to rows returned, and the knee (now ~${w.load(ev.levels[at]!.load, ev.unit)}) to move up until the app's own CPU or pool binds.`,
    'database-reviewer',
  );
}
