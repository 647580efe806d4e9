/**
 * The evidence the diagnosis rules share, computed once per analysis: the load curve and its
 * phases, the watched series grouped by what they measure and whose they are, per-level means of
 * any series, and the stretches of constant load that time-based rules (leaks) need.
 *
 * Series are matched by pattern on the pinned names (COMMON.md "Watch series naming"), never by
 * one label: `process.<label>.cpuPct` of every app-role process counts as app CPU.
 */
import type { Result, SeriesInfo, TimelinePoint } from '../result/types.js';
import type { LoadCurve, Level } from './load-curve.js';
import { loadUnit } from './load-curve.js';
import type { PhaseFindings } from './phases.js';
import { latencyBoundMs } from './phases.js';
import type { Slo } from './slo.js';
import type { AnalysisStep } from './steps.js';
import { median, ramp, rankAgreement, spearman, type RankAgreement } from './stats.js';

export type Role = NonNullable<SeriesInfo['role']>;

export interface NamedSeries {
  /** full series name, e.g. `process.port3000.cpuPct` */
  name: string;
  /** watcher kind: the first dotted part (process, postgres, prometheus, eventLoop, dependency, self) */
  watcher: string;
  /** the label between the watcher and the metric, e.g. `port3000` */
  label: string;
  /** the metric, e.g. `cpuPct`, `connections.active`, `gauge.pool_in_use` */
  metric: string;
  role: Role;
  info: SeriesInfo;
}

const DB_PROCESS = /postgres|mysqld|mongod|redis-server/i;

/** Metric suffixes of each watcher (the label may contain dots; the metric is matched from the end). */
const METRICS: Record<string, RegExp> = {
  process: /^(.+)\.(cpuPct|rssBytes|fds|fdLimit|threads|count)$/,
  postgres: /^(.+?)\.(connections\.[a-z_]+|waitingOnLock|seqScanPerSec|idxScanPerSec|seqTupReadPerSec|commitsPerSec|rollbacksPerSec|blocksReadPerSec)$/,
  eventLoop: /^(.+?)\.(delayP50Ms|delayP99Ms|delayMaxMs|utilization|heapUsedBytes|rssBytes|gcPauseMsPerSec|activeHandles|gauge\..+)$/,
  dependency: /^(.+)\.(latencyMs|p95Ms|errorRate|throttledRate)$/,
  self: /^(.+)\.(cpuPct|eventLoopDelayP99Ms|rssBytes)$/,
};

/** Splits a series name into watcher, label and metric and decides its role. */
export function describeSeries(name: string, info: SeriesInfo): NamedSeries {
  const dot = name.indexOf('.');
  const watcher = info.watcher ?? (dot > 0 ? name.slice(0, dot) : name);
  const rest = dot > 0 ? name.slice(dot + 1) : '';
  const m = METRICS[watcher]?.exec(rest);
  let label = m ? m[1]! : rest.slice(0, Math.max(0, rest.indexOf('.')));
  let metric = m ? m[2]! : rest.slice(rest.indexOf('.') + 1);
  if (watcher === 'prometheus') {
    const i = rest.indexOf('.');
    label = rest.slice(0, i);
    metric = rest.slice(i + 1);
  }
  const role: Role =
    info.role ??
    (watcher === 'postgres'
      ? 'db'
      : watcher === 'dependency'
        ? 'dependency'
        : watcher === 'self'
          ? 'generator'
          : watcher === 'process' && DB_PROCESS.test(label + ' ' + (info.target ?? ''))
            ? 'db'
            : 'app');
  return { name, watcher, label, metric, role, info };
}

/**
 * The smallest rise in p95 a rule calls a degradation, ms. At single-digit latencies a few ms is a
 * busy machine's jitter (scheduling, a GC pause, the generator itself), not a change a user of the
 * service would notice: 3 ms → 12 ms is 4× but no bottleneck.
 */
export const MIN_LATENCY_RISE_MS = 20;

/** Requests a timeline point accounts for: its rate × its length. */
export const pointRequests = (p: TimelinePoint): number => p.rps * (p.durationSec ?? 1);

/**
 * The age of the oldest request still outstanding at the end of a point, ms, where the engine
 * recorded it (since issue 11; absent from older results and imports).
 */
export function oldestInFlightMs(p: TimelinePoint): number | null {
  const v = (p as TimelinePoint & { oldestInFlightMs?: number | null }).oldestInFlightMs;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/**
 * A point in which requests were outstanding but none came back: the service stopped answering,
 * which is the worst second, not a quiet one. Results recorded before issue 11 (and imports) give
 * such a second no latency at all; since, it carries the age of its oldest outstanding request as
 * its latency and `oldestInFlightMs`, with no completed request.
 */
export function isHung(p: TimelinePoint): boolean {
  if (!((p.inFlight ?? 0) > 0)) return false;
  return p.latencyMs === null || (pointRequests(p) === 0 && oldestInFlightMs(p) !== null);
}

/**
 * Per-point p95s that seconds without completions cannot blind: each point's own p95, and for a
 * hung point (isHung) at least the worst p95 among `points` and at least the age of its oldest
 * outstanding request (every request outstanding then takes at least that long). Where the engine
 * did not record that age, k consecutive hung points in which nothing at all ended (not even a
 * failure) bound it from below by k − 1 point lengths: a request in flight at the end of the
 * first was still in flight at the end of the k-th. Null for a point with neither a latency nor
 * anything outstanding (nothing was sent).
 */
export function p95sOf(points: readonly TimelinePoint[]): Array<number | null> {
  const own: Array<number | null> = [];
  let silentSec = 0;
  for (const p of points) {
    const hung = isHung(p);
    silentSec = hung && pointRequests(p) === 0 && p.errors === 0 ? silentSec + (p.durationSec ?? 1) : 0;
    if (!hung) own.push(p.latencyMs?.p95 ?? null);
    else own.push(Math.max(p.latencyMs?.p95 ?? 0, oldestInFlightMs(p) ?? 0, Math.max(0, silentSec - (p.durationSec ?? 1)) * 1000));
  }
  let worst = 0;
  for (const v of own) if (v !== null && Number.isFinite(v)) worst = Math.max(worst, v);
  return points.map((p, i) => {
    if (!isHung(p)) return own[i]!;
    const v = Math.max(worst, own[i] ?? 0);
    return v > 0 ? v : null;
  });
}

/**
 * Share of a point's requests that failed, 0..1. A hung point counts as failed throughout: its
 * requests have not come back and will time out. Null for a point without requests.
 */
export function failedShare(p: TimelinePoint): number | null {
  const n = pointRequests(p);
  if (n > 0) return Math.min(1, p.errors / n);
  if (p.errors > 0 || isHung(p)) return 1;
  return null;
}

/** A stretch of constant offered load long enough for trends over time. */
export interface Stretch {
  startSec: number;
  endSec: number;
  /** the load on the curve's axis */
  load: number;
  /** points after each step's settle time */
  points: TimelinePoint[];
  steps: AnalysisStep[];
}

export interface Evidence {
  result: Result;
  /** every step, in time order */
  steps: AnalysisStep[];
  curve: LoadCurve;
  levels: Level[];
  /** 'req/s' or 'VUs' */
  unit: string;
  phases: PhaseFindings;
  slo: Slo;
  aborted: boolean;
  series: NamedSeries[];
  /** the first level whose p95 left the linear bound (1.5× baseline), null when none did */
  degradeIndex: number | null;
  /** constant-load stretches, longest first */
  stretches: Stretch[];
  /** per-level means of a series (null where it had no value) */
  levelValues(name: string): Array<number | null>;
  /** series matching a metric pattern, optionally of some roles / watchers */
  find(metric: RegExp, opts?: { roles?: Role[]; watcher?: string }): NamedSeries[];
  /** non-null (t, value) pairs of a series within [fromSec, toSec) */
  valuesBetween(name: string, fromSec: number, toSec: number): { ts: number[]; vs: number[] };
}

/** Consecutive holds at the same load (within 3%) merged, in time order. */
function findStretches(steps: readonly AnalysisStep[], curve: LoadCurve): Stretch[] {
  const loadOf = (s: AnalysisStep): number | null => (curve.kind === 'offered' ? s.offeredRps : curve.kind === 'vus' ? s.vus : null);
  const out: Stretch[] = [];
  for (const s of steps) {
    const l = loadOf(s);
    if (s.shape !== 'hold' || l === null) continue;
    const last = out[out.length - 1];
    if (last && Math.abs(last.endSec - s.startSec) < 1.5 && Math.abs(l - last.load) <= 0.03 * last.load) {
      last.endSec = s.endSec;
      last.points.push(...s.points);
      last.steps.push(s);
    } else {
      out.push({ startSec: s.startSec + s.settleSec, endSec: s.endSec, load: l, points: [...s.points], steps: [s] });
    }
  }
  return out.sort((a, b) => b.endSec - b.startSec - (a.endSec - a.startSec));
}

export function buildEvidence(result: Result, steps: AnalysisStep[], curve: LoadCurve, phases: PhaseFindings, slo: Slo): Evidence {
  const series = Object.entries(result.watch ?? {}).map(([name, info]) => describeSeries(name, info));
  const levels = curve.levels;
  let degradeIndex: number | null = null;
  if (phases.baselineP95Ms !== null) {
    const bound = latencyBoundMs(phases.baselineP95Ms);
    const i = levels.findIndex((l) => l.latencyMs === null || l.latencyMs.p95 > bound);
    degradeIndex = i >= 0 ? i : null;
  }
  const cache = new Map<string, Array<number | null>>();
  return {
    result,
    steps,
    curve,
    levels,
    unit: loadUnit(curve.kind),
    phases,
    slo,
    aborted: result.stop?.reason === 'aborted',
    series,
    degradeIndex,
    stretches: findStretches(steps, curve),
    levelValues(name) {
      let v = cache.get(name);
      if (!v) {
        v = levels.map((l) => l.watch[name] ?? null);
        cache.set(name, v);
      }
      return v;
    },
    find(metric, opts = {}) {
      return series.filter(
        (s) => metric.test(s.metric) && (!opts.roles || opts.roles.includes(s.role)) && (!opts.watcher || s.watcher === opts.watcher),
      );
    },
    valuesBetween(name, fromSec, toSec) {
      const ts: number[] = [];
      const vs: number[] = [];
      for (const [t, v] of result.watch?.[name]?.points ?? []) {
        if (t >= fromSec && t < toSec && v !== null && Number.isFinite(v)) {
          ts.push(t);
          vs.push(v);
        }
      }
      return { ts, vs };
    },
  };
}

/** Per-level values of a series paired with the levels' loads, nulls dropped. */
export function againstLoad(ev: Evidence, name: string): { loads: number[]; values: number[]; idx: number[] } {
  const vals = ev.levelValues(name);
  const loads: number[] = [];
  const values: number[] = [];
  const idx: number[] = [];
  vals.forEach((v, i) => {
    if (v !== null) {
      loads.push(ev.levels[i]!.load);
      values.push(v);
      idx.push(i);
    }
  });
  return { loads, values, idx };
}

/** Spearman's ρ of a series against the load across levels (0 with fewer than 3 levels). */
export function riseWithLoad(ev: Evidence, name: string): number {
  const { loads, values } = againstLoad(ev, name);
  return loads.length >= 3 ? spearman(loads, values) : 0;
}

/**
 * Spearman's ρ of a series against the load next to the most its ties allow (rankAgreement), for
 * signals that stay at zero until a threshold (a throttled share, an error rate). Relative 0 with
 * fewer than 3 levels.
 */
export function agreementWithLoad(ev: Evidence, name: string): RankAgreement {
  const { loads, values } = againstLoad(ev, name);
  return loads.length >= 3 ? rankAgreement(loads, values) : { rho: 0, best: 0, relative: 0 };
}

/** The highest per-level mean of the busiest of these series, with where it was. */
export function peakOf(ev: Evidence, list: NamedSeries[], fromLevel = 0): { series: NamedSeries; value: number; level: number } | null {
  let best: { series: NamedSeries; value: number; level: number } | null = null;
  for (const s of list) {
    ev.levelValues(s.name).forEach((v, i) => {
      if (i >= fromLevel && v !== null && (!best || v > best.value)) best = { series: s, value: v, level: i };
    });
  }
  return best;
}

/** A short human name for a series' owner: "process port3000", "PostgreSQL appdb", "dependency payments". */
export function ownerName(s: NamedSeries): string {
  switch (s.watcher) {
    case 'process':
      return `process ${s.label}`;
    case 'postgres':
      return `PostgreSQL ${s.label}`;
    case 'eventLoop':
      return `the event loop of ${s.label}`;
    case 'dependency':
      return `dependency ${s.label}`;
    default:
      return `${s.watcher} ${s.label}`;
  }
}

/**
 * How close a CPU figure (percent of one core) is to a whole number of busy cores, 0..1:
 * 0 below 70% of the nearest whole number of cores, 1 from 95%. 97% → 1 (one core pegged),
 * 190% → 1 (two), 150% → 0.2 (neither one nor two cores is clearly the limit).
 */
export function coreSaturation(cpuPct: number): number {
  if (!(cpuPct >= 50)) return 0;
  const k = Math.max(1, Math.round(cpuPct / 100));
  return ramp(cpuPct / (100 * k), 0.7, 0.95);
}

/** The CPU series of processes with these roles. */
export function cpuSeries(ev: Evidence, roles: Role[]): NamedSeries[] {
  return ev.find(/^cpuPct$/, { roles, watcher: 'process' });
}

/**
 * "CPU not saturated" over the levels from `fromLevel` on, 0..1: 1 when every watched app and db
 * process stayed under 50% of a core and event-loop utilisation under 0.5; 0 when one reached
 * 85% (0.85). Null when no CPU was watched (the rules then say they could not check).
 */
export function cpuLowness(ev: Evidence, fromLevel: number): { strength: number; text: string } | null {
  const cpu = peakOf(ev, cpuSeries(ev, ['app', 'db']), fromLevel);
  const elu = peakOf(ev, ev.find(/^utilization$/, { watcher: 'eventLoop' }), fromLevel);
  if (!cpu && !elu) return null;
  const parts: string[] = [];
  let s = 1;
  if (cpu) {
    s = Math.min(s, 1 - ramp(cpu.value, 50, 85));
    parts.push(`${ownerName(cpu.series)} CPU peaked at ${Math.round(cpu.value)}%`);
  }
  if (elu) {
    s = Math.min(s, 1 - ramp(elu.value, 0.5, 0.85));
    parts.push(`event-loop utilisation at ${Math.round(elu.value * 100) / 100}`);
  }
  return { strength: s, text: parts.join(' and ') };
}

/**
 * Did a level's latency rise when its load arrived, rather than creep up over time? True when the
 * median per-interval p95 of the level's first intervals (its first third, at most 10) is already
 * over `boundMs` (true when the level has no timeline points to tell). A latency step at a load —
 * not a trend at constant load.
 */
export function risesOnArrival(level: Level, boundMs: number): boolean {
  // seconds in which nothing came back read as the level's worst (p95sOf), not as holes
  const p95s = p95sOf(level.steps.flatMap((s) => s.points)).filter((v): v is number => v !== null);
  if (p95s.length < 3) return true;
  const third = p95s.slice(0, Math.max(1, Math.min(10, Math.floor(p95s.length / 3))));
  return median(third) > boundMs;
}

/**
 * Spearman's ρ of per-level values against the load over the levels that were still served: up to
 * and including the first level whose achieved rate fell below 95% of its load (0 with fewer than 3
 * such levels). Work done per request (rows scanned, say) rises with the load only while the load is
 * served; once the resource that does that work saturates, its rate plateaus with noise, and a
 * correlation over every level would read that plateau as "not rising" (measured: rows/s 1.5M, 3.9M,
 * 5.7M, then 4.2M–5.4M past saturation gave ρ 0.66 over all six levels, 1 over the first three).
 * Without an offered rate (a closed model) every level counts.
 */
function riseWhileServed(ev: Evidence, vals: Array<number | null>): number {
  const loads: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < servedLevels(ev); i++) {
    const v = vals[i];
    if (v !== null && v !== undefined) {
      loads.push(ev.levels[i]!.load);
      values.push(v);
    }
  }
  return loads.length >= 3 ? spearman(loads, values) : 0;
}

/**
 * How many levels from the first were served: up to and including the first whose achieved rate
 * fell below 95% of its offered rate (every level without an offered rate, as in a closed model).
 */
function servedLevels(ev: Evidence): number {
  const i = ev.levels.findIndex((l) => l.offeredRps !== null && l.offeredRps > 0 && l.rps < 0.95 * l.offeredRps);
  return i < 0 ? ev.levels.length : i + 1;
}

/**
 * Table scans that grow with the load: the PostgreSQL series of sequential-scan rows per second
 * whose level means rise with the load (Spearman ρ ≥ 0.8, over every level or over the served ones),
 * with the rows read per request over the served levels (Σ rows/s ÷ Σ requests/s) and the busiest
 * level. Null without such a series. Shared by
 * missing-index (its evidence) and pool-exhaustion (a competing explanation: slow queries hold the
 * connections).
 *
 * Rows per request is a per-request cost, the same at every load for a scan, so it is taken over
 * several levels rather than one: PostgreSQL counts a scan when its backend publishes its statistics
 * (at most once a second), and one short level's ratio can be a quarter off (measured on 4 s
 * levels: 0.73–1.12 scans per request for queries that each scan once).
 */
export function seqScanLoad(ev: Evidence): { series: NamedSeries; rho: number; rowsPerRequest: number; level: number; rowsPerSec: number } | null {
  let best: { series: NamedSeries; rho: number; rowsPerRequest: number; level: number; rowsPerSec: number } | null = null;
  for (const tup of ev.find(/^seqTupReadPerSec$/, { watcher: 'postgres' })) {
    const vals = ev.levelValues(tup.name);
    const rho = Math.max(riseWithLoad(ev, tup.name), riseWhileServed(ev, vals));
    let top = -1;
    vals.forEach((v, i) => {
      if (v !== null && (top < 0 || v > vals[top]!)) top = i;
    });
    if (top < 0 || rho < 0.8 || !(ev.levels[top]!.rps > 0)) continue;
    // over the served levels when there are two or more: past collapse requests fail (time out
    // waiting for a connection) without scanning, and rows per answered request would read low
    const served = servedLevels(ev);
    const upTo = served >= 2 ? served : vals.length;
    let rows = 0;
    let reqs = 0;
    vals.forEach((v, i) => {
      if (i < upTo && v !== null && ev.levels[i]!.rps > 0) {
        rows += v;
        reqs += ev.levels[i]!.rps;
      }
    });
    const rowsPerRequest = rows / reqs;
    if (!best || rowsPerRequest > best.rowsPerRequest) best = { series: tup, rho, rowsPerRequest, level: top, rowsPerSec: vals[top]! };
  }
  return best;
}
