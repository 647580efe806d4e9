/**
 * Sentences about the shape of the load curve that several rules quote as evidence (where latency
 * turned, where throughput levelled), written once.
 */
import type { Evidence } from '../evidence.js';
import * as w from '../wording.js';

/** The first level where the system left its linear region (knee, latency rise or collapse), or null. */
export function troubleStart(ev: Evidence): number | null {
  const le = ev.phases.linearEnd;
  const c = [ev.phases.kneeIndex, ev.degradeIndex, ev.phases.collapseIndex, le !== null && le + 1 < ev.levels.length ? le + 1 : null].filter(
    (x): x is number => x !== null && x >= 0,
  );
  return c.length ? Math.min(...c) : null;
}

/** "p95 rose from 21 ms to 480 ms between 180 and 240 req/s" over the degradation, or null. */
export function latencyRise(ev: Evidence): { text: string; ratio: number; fromLevel: number; toLevel: number } | null {
  const d = ev.degradeIndex;
  const base = ev.phases.baselineP95Ms;
  if (d === null || base === null) return null;
  let worst = d;
  ev.levels.forEach((l, i) => {
    if (i >= d && (l.latencyMs?.p95 ?? Infinity) > (ev.levels[worst]!.latencyMs?.p95 ?? Infinity)) worst = i;
  });
  const from = Math.max(0, d - 1);
  const a = ev.levels[from]!;
  const b = ev.levels[worst]!;
  if (!b.latencyMs) {
    return { text: `no request completed at ${w.load(b.load, ev.unit)} (p95 was ${w.ms(a.latencyMs?.p95 ?? base)} at ${w.load(a.load, ev.unit)})`, ratio: Infinity, fromLevel: from, toLevel: worst };
  }
  const p95a = a.latencyMs?.p95 ?? base;
  if (from === worst) {
    // degraded from the first level on (a spike's only level, say): there is no lower level to rise from
    return { text: `p95 was ${w.ms(b.latencyMs.p95)} already at ${w.load(b.load, ev.unit)}, the lowest load tested`, ratio: b.latencyMs.p95 / base, fromLevel: from, toLevel: worst };
  }
  return {
    text: `p95 rose from ${w.ms(p95a)} to ${w.ms(b.latencyMs.p95)} between ${w.load(a.load, ev.unit)} and ${w.load(b.load, ev.unit)}`,
    ratio: b.latencyMs.p95 / base,
    fromLevel: from,
    toLevel: worst,
  };
}

/** "throughput levelled at 398 req/s while the offered load rose to 600 req/s", when it did. */
export function throughputPlateau(ev: Evidence): { text: string; rps: number } | null {
  const levels = ev.levels;
  if (levels.length < 2 || ev.curve.kind === 'achieved') return null;
  const top = levels[levels.length - 1]!;
  const best = levels.reduce((a, l) => (l.rps > a.rps ? l : a));
  if (ev.curve.kind === 'offered' && top.rps < 0.95 * top.offeredRps!) {
    return { text: `throughput levelled at ${w.rps(best.rps)} while the offered load rose to ${w.rps(top.offeredRps!)}`, rps: best.rps };
  }
  if (ev.curve.kind === 'vus') {
    const first = levels[0]!;
    const perVu0 = first.rps / first.vus!;
    if (top.rps / top.vus! < 0.8 * perVu0) {
      return { text: `throughput levelled at ${w.rps(best.rps)} while VUs rose to ${w.num(top.vus!)} (per-VU throughput fell from ${w.num(perVu0, 2)} to ${w.num(top.rps / top.vus!, 2)} req/s)`, rps: best.rps };
    }
  }
  return null;
}
