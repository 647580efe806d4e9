/**
 * thundering-herd — "latency and backing-store load spike together at cache expiries or a spike's
 * first seconds, then settle".
 *
 * Read second by second from the timeline. An episode is a run of seconds whose p95 exceeds 3× the
 * run's median per-second p95 (and the median by at least MIN_LATENCY_RISE_MS, and a quarter of the
 * run's highest per-second p95). A backing store is
 * any watched series of the database or a dependency that counts work (PostgreSQL scans, commits,
 * active connections; a dependency's latency; a database process's CPU); it jumps in an episode
 * when its highest value within the episode (±1 s) exceeds twice its median and the median + 1.
 *
 * Signals:
 *   aligned   share of episodes with a backing store jumping in the same seconds, times the
 *             share of that store's jump seconds that fall in episodes (specificity)       weight 0.45
 *   periodic  two or more episodes at regular spacing (coefficient of variation < 0.3) → 1,
 *             one at a step's first seconds where the load rose ≥ 1.5× → 1, irregular → 0.5 weight 0.25
 *             (the spacing of the episodes the store jumped with, when there are two or more)
 *   settle    share of episodes after which p95 came back under the bound within 3 s       weight 0.2
 *   height    episode p95 over the median (3× → 0, 10× → 1)                                 weight 0.1
 * Gates: aligned ≥ 0.5, settle ≥ 0.5, at most 30% of seconds in episodes (a herd is brief).
 */
import type { Diagnosis } from '../../result/types.js';
import { MIN_LATENCY_RISE_MS, ownerName, type Evidence, type NamedSeries } from '../evidence.js';
import { median, ramp } from '../stats.js';
import * as w from '../wording.js';
import { diagnosis } from './diagnosis.js';

interface Episode {
  fromSec: number;
  toSec: number;
  peakP95Ms: number;
}

/** Series that measure work done by a backing store. */
function backingStores(ev: Evidence): NamedSeries[] {
  return ev.series.filter(
    (s) =>
      (s.watcher === 'postgres' && /^(seqScanPerSec|idxScanPerSec|commitsPerSec|seqTupReadPerSec|blocksReadPerSec|connections\.active)$/.test(s.metric)) ||
      (s.watcher === 'dependency' && s.metric === 'latencyMs') ||
      (s.watcher === 'process' && s.role === 'db' && s.metric === 'cpuPct'),
  );
}

export function thunderingHerd(ev: Evidence): Diagnosis | null {
  const tl = ev.result.timeline.filter((p) => p.latencyMs !== null && p.rps > 0);
  if (tl.length < 10) return null;
  const med = median(tl.map((p) => p.latencyMs!.p95));
  // A herd's episodes are of one height (the same misses each time); seconds of latency noise on a
  // busy machine are lower. A quarter of the run's highest second keeps them out of the episodes
  // (measured on a loaded machine, load ~15: herd seconds at 260–745 ms, noise seconds at 35–172 ms
  // over a 13 ms median — with them the run spent 40% of its seconds "in episodes").
  const top = Math.max(...tl.map((p) => p.latencyMs!.p95));
  const bound = Math.max(3 * med, med + MIN_LATENCY_RISE_MS, top / 4);
  const episodes: Episode[] = [];
  for (const p of tl) {
    if (p.latencyMs!.p95 <= bound) continue;
    const last = episodes[episodes.length - 1];
    if (last && p.t - last.toSec <= 2) {
      last.toSec = p.t;
      last.peakP95Ms = Math.max(last.peakP95Ms, p.latencyMs!.p95);
    } else episodes.push({ fromSec: p.t, toSec: p.t, peakP95Ms: p.latencyMs!.p95 });
  }
  if (episodes.length === 0) return null;
  const inEpisodes = episodes.reduce((a, e) => a + e.toSec - e.fromSec + 1, 0);
  if (inEpisodes > 0.3 * tl.length) return null;

  let best: { s: NamedSeries; aligned: number; hits: number; medV: number; peakV: number; hit: Episode[] } | null = null;
  for (const s of backingStores(ev)) {
    const pts = (ev.result.watch?.[s.name]?.points ?? []).filter((p): p is [number, number] => p[1] !== null && Number.isFinite(p[1]));
    if (pts.length < 10) continue;
    const medV = median(pts.map((p) => p[1]));
    const jump = (v: number): boolean => v > 2 * medV && v > medV + 1;
    let hits = 0;
    let peakV = 0;
    const hit: Episode[] = [];
    for (const e of episodes) {
      const vs = pts.filter(([t]) => t >= e.fromSec - 1 && t <= e.toSec + 1).map((p) => p[1]);
      const top = vs.length ? Math.max(...vs) : 0;
      if (jump(top)) {
        hits++;
        hit.push(e);
        peakV = Math.max(peakV, top);
      }
    }
    const jumpSecs = pts.filter(([, v]) => jump(v));
    const inside = jumpSecs.filter(([t]) => episodes.some((e) => t >= e.fromSec - 1 && t <= e.toSec + 1)).length;
    const specificity = jumpSecs.length ? inside / jumpSecs.length : 0;
    const aligned = (hits / episodes.length) * specificity;
    if (!best || aligned > best.aligned) best = { s, aligned, hits, medV, peakV, hit };
  }
  if (!best || best.aligned < 0.5) return null;

  const settled = episodes.filter((e) => tl.some((p) => p.t > e.toSec && p.t <= e.toSec + 3 && p.latencyMs!.p95 <= bound)).length / episodes.length;
  if (settled < 0.5) return null;
  let periodic = 0;
  let pattern = '';
  // The period is that of the episodes the backing store jumped with: a second of latency noise
  // with no store load (a busy machine's scheduling) is not part of the herd and must not break
  // its period (measured: a shared 8 s TTL gave store-aligned episodes at 0, 7, 15, 23 s and two
  // noise seconds at 3 s and 16 s over a 29 ms bound on a machine at load 19).
  const herd = best.hit.length >= 2 ? best.hit : episodes;
  if (herd.length >= 2) {
    const gaps = herd.slice(1).map((e, i) => e.fromSec - herd[i]!.fromSec);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length);
    periodic = sd / mean < 0.3 ? 1 : 0.5;
    pattern = periodic === 1 ? `every ~${w.num(mean, 0)} s (${herd.length} episodes)` : `${herd.length} episodes at irregular spacing`;
  } else {
    const e = episodes[0]!;
    const at = ev.steps.find((s, i) => i > 0 && Math.abs(s.startSec - e.fromSec) <= 2 && (s.offeredRps ?? 0) >= 1.5 * (ev.steps[i - 1]!.offeredRps ?? Infinity));
    periodic = at ? 1 : 0;
    pattern = at ? `at the first seconds of the jump to ${w.rps(at.offeredRps!)}` : 'once';
  }
  const height = ramp(Math.max(...episodes.map((e) => e.peakP95Ms)) / med, 3, 10);
  const confidence = 0.45 * best.aligned + 0.25 * periodic + 0.2 * settled + 0.1 * height;
  const shown = herd.slice(0, 4).map((e) => (e.fromSec === e.toSec ? `${e.fromSec} s` : `${e.fromSec}–${e.toSec} s`));
  return diagnosis(
    'thundering-herd',
    'Thundering herd: synchronized misses hit the backing store together',
    confidence,
    [
      `p95 spiked over ${w.ms(bound)} (median ${w.ms(med)}) ${pattern}, at ${shown.join(', ')}${herd.length > 4 ? ', …' : ''}; peak ${w.ms(Math.max(...episodes.map((e) => e.peakP95Ms)))}`,
      `${ownerName(best.s)} ${best.s.metric} jumped to ${w.num(best.peakV)} (median ${w.num(best.medV)}) in ${best.hits} of ${episodes.length} of those episodes, and rarely otherwise`,
      `latency settled within 3 s after ${w.pct(settled)} of them`,
    ],
    `Stop the misses from arriving together: coalesce concurrent misses for one key into one backing-store call (single-flight / request coalescing), ` +
      `jitter the TTLs (e.g. ±10–20%) so keys do not expire in the same second, refresh hot keys ahead of expiry (stale-while-revalidate), and warm the cache before a deploy or a traffic spike.`,
    'performance-optimizer',
  );
}
