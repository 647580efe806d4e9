/**
 * Saturation order: which watched resource saturated first, and at what load.
 *
 * Each watched resource becomes a utilisation per load level, 0..1 against its own limit:
 *   app CPU / database CPU   cpuPct ÷ (100 × the whole number of cores it peaked at, at least 1)
 *   event loop               utilization (its limit is 1)
 *   pool                     an app gauge `*in_use` ÷ its `*size` / `*max` sibling
 *   database connections     PostgreSQL connections.total ÷ connections.max
 *   dependency               its throttled (429) share; its latency, trend only (no limit to divide by)
 *   file descriptors         process fds ÷ fdLimit (RLIMIT_NOFILE, read from /proc)
 *   generator                self.generator.cpuPct ÷ 100 (loadproof runs on one thread)
 *
 * A resource saturates at the first level where it reached its limit (utilisation ≥ LIMIT_AT; a
 * dependency's throttled share ≥ 1%) or left its own linear trend: the least-squares line through
 * the levels before it (three at least) predicts v̂, and the level's value exceeds v̂ by more than
 * 25% of v̂ and by an absolute floor (5% of the limit; 20 ms for a latency). Only upward departures
 * count: a CPU that flattens because throughput levelled is a consequence, not a saturation.
 *
 * The first to saturate (lowest load; at equal load a reached limit before a departed trend, then the
 * higher utilisation) heads "Bottleneck Found".
 */
import type { Diagnosis, DiagnosisId, SaturationResource, SaturationOrder } from '../result/types.js';
import { againstLoad, MIN_LATENCY_RISE_MS, ownerName, type Evidence, type NamedSeries } from './evidence.js';
import * as w from './wording.js';

/** Utilisation at or above which a resource is at its limit. */
export const LIMIT_AT = 0.9;
/** A level departs from the trend when it exceeds the prediction by this share of it ... */
const TREND_REL = 0.25;
/** ... and by this much of the limit (utilisations) */
const TREND_ABS = 0.05;

interface Candidate {
  kind: SaturationResource['kind'];
  resource: string;
  series: string;
  limit: string;
  /** per-level utilisation (or raw value when `trendOnly`) */
  values: Array<number | null>;
  /** raw per-level values, for "its value at the knee" */
  raw: Array<number | null>;
  unit: string;
  /** no limit to reach: only the trend counts (a latency) */
  trendOnly?: boolean;
  /** a reached limit by another threshold than LIMIT_AT (a throttled share) */
  limitAt?: number;
  /**
   * only a reached limit counts, not a departed trend: the generator's CPU per request falls and
   * rises with how responses batch per read, so its curve bends without anything saturating (its
   * own saturation is judged by validity/generator.ts)
   */
  limitOnly?: boolean;
  absFloor?: number;
}

const cpuCandidate = (ev: Evidence, s: NamedSeries, kind: 'app-cpu' | 'db-cpu' | 'generator'): Candidate => {
  const raw = ev.levelValues(s.name);
  const peak = Math.max(0, ...raw.filter((v): v is number => v !== null));
  // a single-threaded process's limit is one core; a multi-threaded one that went past a core is
  // measured against the whole number of cores it reached
  const cores = kind === 'generator' ? 1 : Math.max(1, Math.round(peak / 100));
  return {
    kind,
    resource: kind === 'generator' ? 'the load generator (loadproof) CPU' : `${ownerName(s)} CPU`,
    series: s.name,
    limit: cores === 1 ? 'one core' : `${cores} cores`,
    ...(kind === 'generator' ? { limitOnly: true } : {}),
    values: raw.map((v) => (v === null ? null : v / (100 * cores))),
    raw,
    unit: '%',
  };
};

function ratio(ev: Evidence, a: NamedSeries, b: NamedSeries): Array<number | null> {
  const av = ev.levelValues(a.name);
  const bv = ev.levelValues(b.name);
  return av.map((v, i) => (v !== null && bv[i] !== null && bv[i]! > 0 ? v / bv[i]! : null));
}

/** Every watched resource with a utilisation, in a stable order. */
function candidates(ev: Evidence): Candidate[] {
  const out: Candidate[] = [];
  for (const s of ev.find(/^cpuPct$/, { watcher: 'process' })) {
    if (s.role === 'app' || s.role === 'db') out.push(cpuCandidate(ev, s, s.role === 'db' ? 'db-cpu' : 'app-cpu'));
  }
  for (const s of ev.find(/^utilization$/, { watcher: 'eventLoop' })) {
    out.push({ kind: 'event-loop', resource: `event-loop utilisation of ${s.label}`, series: s.name, limit: '1', values: ev.levelValues(s.name), raw: ev.levelValues(s.name), unit: 'ratio' });
  }
  for (const u of ev.series.filter((s) => /(?:^|[._])(in_?use|busy|used)$/i.test(s.metric) && s.watcher !== 'postgres' && s.role !== 'generator')) {
    const prefix = u.metric.replace(/(in_?use|busy|used)$/i, '');
    const size = ev.series.find((s) => s.label === u.label && s.watcher === u.watcher && s.metric.startsWith(prefix) && /^(size|max|total|capacity|limit)$/i.test(s.metric.slice(prefix.length)));
    if (!size) continue;
    const sv = ev.levelValues(size.name).find((v) => v !== null);
    out.push({
      kind: 'pool',
      resource: `pool ${u.metric.replace(/^gauge\./, '')} of ${u.label}`,
      series: u.name,
      limit: `${size.metric.replace(/^gauge\./, '')} ${sv !== undefined && sv !== null ? w.num(sv) : '?'}`,
      values: ratio(ev, u, size),
      raw: ev.levelValues(u.name),
      unit: 'count',
    });
  }
  for (const max of ev.find(/^connections\.max$/, { watcher: 'postgres' })) {
    const total =
      ev.series.find((s) => s.watcher === 'postgres' && s.label === max.label && s.metric === 'connections.total') ??
      ev.series.find((s) => s.watcher === 'postgres' && s.label === max.label && s.metric === 'connections.active');
    if (!total) continue;
    const mv = ev.levelValues(max.name).find((v) => v !== null);
    out.push({
      kind: 'db-connections',
      resource: `PostgreSQL ${max.label} connections`,
      series: total.name,
      limit: `max_connections ${mv !== undefined && mv !== null ? w.num(mv) : '?'}`,
      values: ratio(ev, total, max),
      raw: ev.levelValues(total.name),
      unit: 'count',
    });
  }
  for (const s of ev.find(/^(throttledRate|latencyMs)$/, { watcher: 'dependency' })) {
    const throttled = s.metric === 'throttledRate';
    out.push({
      kind: 'dependency',
      resource: `dependency ${s.label} ${throttled ? '429 share' : 'latency'}`,
      series: s.name,
      limit: throttled ? '1% throttled' : 'its own trend',
      values: ev.levelValues(s.name),
      raw: ev.levelValues(s.name),
      unit: throttled ? 'ratio' : 'ms',
      ...(throttled ? { limitAt: 0.01 } : { trendOnly: true, absFloor: MIN_LATENCY_RISE_MS }),
    });
  }
  for (const f of ev.find(/^fds$/, { watcher: 'process' })) {
    const lim = ev.series.find((s) => s.watcher === 'process' && s.label === f.label && s.metric === 'fdLimit');
    if (!lim) continue;
    const lv = ev.levelValues(lim.name).find((v) => v !== null);
    out.push({ kind: 'fds', resource: `open files of ${ownerName(f)}`, series: f.name, limit: `limit ${lv !== undefined && lv !== null ? w.num(lv) : '?'}`, values: ratio(ev, f, lim), raw: ev.levelValues(f.name), unit: 'count' });
  }
  for (const s of ev.find(/^cpuPct$/, { watcher: 'self' })) out.push(cpuCandidate(ev, s, 'generator'));
  return out;
}

/** Least-squares line through (x, y), evaluated at x0. */
function extrapolate(xs: number[], ys: number[], x0: number): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  return my + slope * (x0 - mx);
}

/** The first level where the candidate reached its limit or left its trend. */
function kneeOf(ev: Evidence, c: Candidate): { level: number; how: 'limit' | 'trend' } | null {
  const { loads, values, idx } = againstLoad(ev, c.series);
  void values;
  const v = idx.map((i) => c.values[i]);
  for (let k = 0; k < idx.length; k++) {
    const val = v[k];
    if (val === null || val === undefined) continue;
    if (!c.trendOnly && val >= (c.limitAt ?? LIMIT_AT)) return { level: idx[k]!, how: 'limit' };
    if (k >= 3 && !c.limitAt && !c.limitOnly) {
      const xs: number[] = [];
      const ys: number[] = [];
      for (let j = 0; j < k; j++) {
        if (v[j] !== null && v[j] !== undefined) {
          xs.push(loads[j]!);
          ys.push(v[j]!);
        }
      }
      if (xs.length < 3) continue;
      const pred = Math.max(0, extrapolate(xs, ys, loads[k]!));
      if (val > pred * (1 + TREND_REL) && val - pred > (c.absFloor ?? TREND_ABS)) return { level: idx[k]!, how: 'trend' };
    }
  }
  return null;
}

const round = (x: number | null, d = 3): number | null => (x === null ? null : Math.round(x * 10 ** d) / 10 ** d);

/** The saturation order of a run, or null when no resource with a utilisation was watched. */
export function saturationOrder(ev: Evidence): SaturationOrder | null {
  const cands = candidates(ev);
  if (cands.length === 0 || ev.levels.length === 0) return null;
  const rows: SaturationResource[] = cands.map((c) => {
    const k = kneeOf(ev, c);
    const level = k ? ev.levels[k.level]! : null;
    return {
      resource: c.resource,
      kind: c.kind,
      series: c.series,
      limit: c.limit,
      utilisation: c.trendOnly ? c.values.map(() => null) : c.values.map((x) => round(x)),
      saturatedAtLoad: level ? level.load : null,
      step: level ? level.steps[0]!.index : null,
      atSec: level ? level.startSec : null,
      how: k ? k.how : null,
      valueAtKnee: k ? round(c.raw[k.level] ?? null, 2) : null,
      unit: c.unit,
      ...(c.trendOnly ? { values: c.values.map((x) => round(x, 2)) } : {}),
    };
  });
  const order = rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => {
      const la = a.r.saturatedAtLoad ?? Infinity;
      const lb = b.r.saturatedAtLoad ?? Infinity;
      if (la !== lb) return la - lb;
      if (a.r.how !== b.r.how) return a.r.how === 'limit' ? -1 : b.r.how === 'limit' ? 1 : 0;
      const ua = a.r.saturatedAtLoad === null ? 0 : (ev.levelValues(a.r.series)[ev.levels.findIndex((l) => l.load === la)] ?? 0);
      const ub = b.r.saturatedAtLoad === null ? 0 : (ev.levelValues(b.r.series)[ev.levels.findIndex((l) => l.load === lb)] ?? 0);
      return ub - ua || a.i - b.i;
    })
    .map((x) => x.r);
  const first = order[0]!.saturatedAtLoad !== null ? order[0]! : null;
  return {
    unit: ev.unit,
    loads: ev.levels.map((l) => l.load),
    resources: order,
    first: first ? { resource: first.resource, kind: first.kind, load: first.saturatedAtLoad!, step: first.step, how: first.how! } : null,
  };
}

/** The saturation kinds a diagnosis is about: its rank among competing causes follows them. */
const RESOURCE_OF: Partial<Record<DiagnosisId, ReadonlyArray<SaturationResource['kind']>>> = {
  'pool-exhaustion': ['pool', 'db-connections'],
  'cpu-bound': ['app-cpu', 'event-loop'],
  'gc-pressure': ['app-cpu', 'event-loop'],
  'missing-index': ['db-cpu'],
  'downstream-rate-limit': ['dependency'],
  'fd-exhaustion': ['fds'],
};

/** The load at which the earliest resource of a diagnosis saturated (Infinity when none did). */
function saturatedAt(order: SaturationOrder, id: DiagnosisId): SaturationResource | null {
  const kinds = RESOURCE_OF[id];
  if (!kinds) return null;
  return order.resources.find((r) => kinds.includes(r.kind) && r.saturatedAtLoad !== null) ?? null;
}

/**
 * Competing causes: when two or more diagnoses fired whose resources saturated at different loads,
 * the one whose resource saturated first leads. A later one keeps its evidence and gains a sentence
 * saying whether it is a consequence (its resource only left its trend, after the first limit was
 * reached: work queueing behind the first bottleneck) or an independent limit (it reached its own
 * limit: raising the first one runs into it next). The list stays sorted by confidence, so a later
 * one whose confidence was higher is placed just under the leader (its confidence capped 0.01 below).
 */
export function rankBySaturation(diagnoses: Diagnosis[], order: SaturationOrder | null): Diagnosis[] {
  if (!order || diagnoses.length < 2) return diagnoses;
  const withRes = diagnoses.map((d) => ({ d, r: saturatedAt(order, d.id) })).filter((x) => x.r !== null) as Array<{ d: Diagnosis; r: SaturationResource }>;
  if (withRes.length < 2) return diagnoses;
  withRes.sort((a, b) => a.r.saturatedAtLoad! - b.r.saturatedAtLoad!);
  const lead = withRes[0]!;
  const changed = new Map<Diagnosis, Diagnosis>();
  for (const x of withRes.slice(1)) {
    if (x.r.saturatedAtLoad! <= lead.r.saturatedAtLoad!) continue;
    const at = w.load(x.r.saturatedAtLoad!, order.unit);
    const leadAt = w.load(lead.r.saturatedAtLoad!, order.unit);
    const why =
      x.r.how === 'limit'
        ? `an independent limit: ${x.r.resource} reached its own limit (${x.r.limit}) at ${at}, after ${lead.r.resource} saturated at ${leadAt}; raising the first limit runs into this one next`
        : `a consequence: ${x.r.resource} only left its trend at ${at}, after ${lead.r.resource} saturated at ${leadAt} (work queued behind the first bottleneck)`;
    const confidence = x.d.confidence >= lead.d.confidence ? Math.max(0, Math.round((lead.d.confidence - 0.01) * 100) / 100) : x.d.confidence;
    changed.set(x.d, { ...x.d, confidence, evidence: [...x.d.evidence, `ranked after ${lead.d.id}: ${why}`] });
  }
  return diagnoses.map((d) => changed.get(d) ?? d).sort((a, b) => b.confidence - a.confidence);
}
