/**
 * gc-pressure — "a core busy mostly with garbage collection, tail latency degrading, heap near its
 * limit but not growing without bound".
 *
 * GC time per second is read from the probe (`eventLoop.<label>.gcPauseMsPerSec`, ms of pause per
 * second) and from the conventional Prometheus families: prom-client's `nodejs_gc_duration_seconds`
 * (a histogram by kind), Micrometer's `jvm_gc_pause_seconds` and Go's `go_gc_duration_seconds` (a
 * summary), whose `_sum` the prometheus watcher turns into `….sumPerSec` (seconds of GC per second,
 * summed over every kind). As a share of one core: gcFrac = ms/s ÷ 1000 = s/s.
 *
 * Signals, over the levels from where the system left its linear region:
 *   gc       the peak GC share of a core (0.15 → 0, 0.4 → 1)                           weight 0.5
 *   scaling  the GC share rose with the load (Spearman ρ, 0.5 → 0, 0.9 → 1)             weight 0.15
 *   tail     p95 rose over the baseline (1.5× → 0, 4× → 1)                               weight 0.2
 *   heap     heap used near the heap allocated (the old generation's used / total when watched,
 *            0.7 → 0, 0.9 → 1; the whole heap's, at least 0.5: see heapNearTotal; 0.5 when only
 *            heap used was watched, 0 when neither)                                      weight 0.15
 * Gates: gc ≥ 0.3 (GC over a fifth of a core) and a degraded level. A heap that grows without
 * bound is memory-leak's symptom, not this one: the GC share, not the heap's slope, carries it.
 */
import type { Diagnosis } from '../../result/types.js';
import { ownerName, peakOf, type Evidence, type NamedSeries } from '../evidence.js';
import { ramp, spearman as spearmanOf } from '../stats.js';
import * as w from '../wording.js';
import { diagnosis } from './diagnosis.js';
import { latencyRise, troubleStart } from './shape.js';

/** The GC families whose summed `_sum` rate is seconds of GC per second. */
const PROM_GC = /^(nodejs_gc_duration_seconds|jvm_gc_pause_seconds|go_gc_duration_seconds)(\{.*\})?\.sumPerSec$/;

/** Per-level GC share of one core, per watched owner (probe label or prometheus label), summed over GC kinds. */
export function gcShares(ev: Evidence): Array<{ owner: string; series: NamedSeries[]; values: Array<number | null> }> {
  const groups = new Map<string, NamedSeries[]>();
  for (const s of ev.series) {
    const probe = s.watcher === 'eventLoop' && s.metric === 'gcPauseMsPerSec';
    const prom = s.watcher === 'prometheus' && PROM_GC.test(s.metric);
    if (!probe && !prom) continue;
    const key = `${s.watcher}.${s.label}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return [...groups.entries()].map(([owner, list]) => {
    const values = ev.levels.map((_, i) => {
      let sum: number | null = null;
      for (const s of list) {
        const v = ev.levelValues(s.name)[i];
        if (v !== null && v !== undefined) sum = (sum ?? 0) + (s.metric === 'gcPauseMsPerSec' ? v / 1000 : v);
      }
      return sum;
    });
    return { owner, series: list, values };
  });
}

/** The highest GC share of a core from `fromLevel` on, with where. */
export function peakGcShare(ev: Evidence, fromLevel = 0): { owner: string; value: number; level: number; values: Array<number | null> } | null {
  let best: { owner: string; value: number; level: number; values: Array<number | null> } | null = null;
  for (const g of gcShares(ev)) {
    g.values.forEach((v, i) => {
      if (i >= fromLevel && v !== null && (!best || v > best.value)) best = { owner: g.owner, value: v, level: i, values: g.values };
    });
  }
  return best;
}

/**
 * How full the heap got, from the trouble zone on. The old generation's pair
 * (`nodejs_heap_space_size_used_bytes{space="old"}` against its `_total_`) is read first when
 * watched: the live set sits there and mark-compacts start when it fills (ramp 0.7 → 0, 0.9 → 1).
 * The whole heap's used/total understates it: the total also counts the young generation's
 * semi-spaces, committed and mostly empty (measured on test/targets/gc-service.ts spending half a
 * core in GC: whole heap 0.50–0.66 while the old space read 0.68–0.98), so there a low ratio counts
 * as "unknown" (0.5), as heap used alone (the probe) does.
 */
function heapNearTotal(ev: Evidence, from: number): { strength: number; text: string } | null {
  const pairs = (used: RegExp, what: string, floor: number): { strength: number; text: string } | null => {
    let best: { strength: number; text: string } | null = null;
    for (const u of ev.series.filter((s) => used.test(s.metric))) {
      const total = ev.series.find((s) => s.watcher === u.watcher && s.label === u.label && s.metric === u.metric.replace('_used_bytes', '_total_bytes'));
      if (!total) continue;
      const uv = ev.levelValues(u.name);
      const tv = ev.levelValues(total.name);
      for (let i = from; i < ev.levels.length; i++) {
        if (uv[i] === null || tv[i] === null || !(tv[i]! > 0)) continue;
        const r = uv[i]! / tv[i]!;
        const s = Math.max(floor, ramp(r, 0.7, 0.9));
        if (!best || s > best.strength) best = { strength: s, text: `${what} used ${w.bytes(uv[i]!)} of ${w.bytes(tv[i]!)} allocated (${w.pct(r)}) at ${w.load(ev.levels[i]!.load, ev.unit)}` };
      }
    }
    return best;
  };
  const old = pairs(/^nodejs_heap_space_size_used_bytes\{space="old(_space)?"\}$/, 'old-generation heap', 0);
  if (old) return old;
  const whole = pairs(/^nodejs_heap_size_used_bytes$/, 'heap', 0.5);
  if (whole) return whole;
  const used = ev.series.filter((s) => s.metric === 'heapUsedBytes' || s.metric === 'nodejs_heap_size_used_bytes');
  const pk = used.length ? peakOf(ev, used, from) : null;
  return pk ? { strength: 0.5, text: `heap used of ${ownerName(pk.series)} peaked at ${w.bytes(pk.value)} at ${w.load(ev.levels[pk.level]!.load, ev.unit)}` } : null;
}

export function gcPressure(ev: Evidence): Diagnosis | null {
  const zone = troubleStart(ev);
  if (zone === null || ev.degradeIndex === null) return null;
  const gc = peakGcShare(ev, zone);
  if (!gc) return null;
  const gcS = ramp(gc.value, 0.15, 0.4);
  if (gcS < 0.3) return null;
  const loads: number[] = [];
  const vals: number[] = [];
  gc.values.forEach((v, i) => {
    if (v !== null) {
      loads.push(ev.levels[i]!.load);
      vals.push(v);
    }
  });
  const rho = loads.length >= 3 ? spearmanOf(loads, vals) : 0;
  const rise = latencyRise(ev);
  const tail = rise ? ramp(rise.ratio, 1.5, 4) : 0;
  const heap = heapNearTotal(ev, zone);
  const confidence = 0.5 * gcS + 0.15 * ramp(rho, 0.5, 0.9) + 0.2 * tail + 0.15 * (heap?.strength ?? 0);
  const first = gc.values.find((v) => v !== null);
  const evidence: string[] = [
    `garbage collection took ${w.pct(gc.value)} of a core (${w.num(gc.value * 1000, 0)} ms of pause per second, ${gc.owner}) at ${w.load(ev.levels[gc.level]!.load, ev.unit)}` +
      (first !== undefined && first !== null ? `, from ${w.pct(first)} at ${w.load(ev.levels[0]!.load, ev.unit)}` : ''),
  ];
  if (rise) evidence.push(rise.text);
  if (heap) evidence.push(heap.text);
  else evidence.push('heap size not watched (add the probe or prom-client default metrics)');
  return diagnosis(
    'gc-pressure',
    'GC pressure: garbage collection takes the core',
    confidence,
    evidence,
    `Cut the live heap and the allocation rate on the hot path: reuse buffers and objects, stream instead of materialising large responses, ` +
      `cap caches by size; take a heap profile (node --heap-prof, or --trace-gc to see pause kinds) at about ${w.rps(ev.levels[Math.max(0, zone - 1)]!.rps)}. ` +
      `If the live set is legitimately large, raise the heap limit (--max-old-space-size) and give the process memory to match. CPU profiles will show the time in GC, not in your code.`,
    'performance-optimizer',
  );
}
