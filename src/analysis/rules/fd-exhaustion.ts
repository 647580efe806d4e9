/**
 * fd-exhaustion — "EMFILE or connection errors while the process's open descriptors sit at their
 * limit".
 *
 * The process watcher reads each process's open descriptors (`process.<label>.fds`) and its soft
 * limit (`.fdLimit`, RLIMIT_NOFILE from /proc/PID/limits). At the limit every accept(), open() and
 * outbound connect() fails with EMFILE: clients see resets, refusals or 5xx answers.
 *
 * Signals:
 *   atLimit  the highest per-level fds ÷ limit (0.8 → 0, 0.97 → 1)                      weight 0.55
 *   errors   the error rate at the levels where fds were ≥ 90% of the limit (1% → 0, 10% → 1)  weight 0.3
 *   scaling  the fds rose with the load (Spearman ρ, 0.5 → 0, 0.9 → 1)                    weight 0.15
 * Gates: atLimit ≥ 0.3 and errors > 0 (descriptors near the limit without failures is headroom
 * running out, not yet exhaustion).
 */
import type { Diagnosis } from '../../result/types.js';
import { ownerName, riseWithLoad, type Evidence, type NamedSeries } from '../evidence.js';
import { ramp } from '../stats.js';
import * as w from '../wording.js';
import { diagnosis } from './diagnosis.js';

export function fdExhaustion(ev: Evidence): Diagnosis | null {
  let best: { fds: NamedSeries; ratio: number; level: number; limit: number; used: number } | null = null;
  for (const f of ev.find(/^fds$/, { watcher: 'process' })) {
    const lim = ev.series.find((s) => s.watcher === 'process' && s.label === f.label && s.metric === 'fdLimit');
    if (!lim) continue;
    const fv = ev.levelValues(f.name);
    const lv = ev.levelValues(lim.name);
    fv.forEach((v, i) => {
      const l = lv[i];
      // the per-second maximum matters (a level's mean under-reads a limit hit in bursts)
      const top = maxBetween(ev, f.name, i) ?? v;
      if (top !== null && l !== null && l !== undefined && l > 0 && (!best || top / l > best.ratio)) best = { fds: f, ratio: top / l, level: i, limit: l, used: top };
    });
  }
  if (!best) return null;
  const b = best as { fds: NamedSeries; ratio: number; level: number; limit: number; used: number };
  const atLimit = ramp(b.ratio, 0.8, 0.97);
  if (atLimit < 0.3) return null;
  const lim = ev.levelValues(ev.series.find((s) => s.watcher === 'process' && s.label === b.fds.label && s.metric === 'fdLimit')!.name);
  let req = 0;
  let err = 0;
  ev.levels.forEach((l, i) => {
    const top = maxBetween(ev, b.fds.name, i);
    if (top !== null && lim[i] !== null && top >= 0.9 * lim[i]!) {
      req += l.requests;
      err += l.errors;
    }
  });
  const errRate = req > 0 ? err / req : 0;
  if (!(errRate > 0)) return null;
  const kinds = Object.entries(ev.result.summary.errorKinds ?? {})
    .filter(([, n]) => (n ?? 0) > 0)
    .sort((x, y) => (y[1] ?? 0) - (x[1] ?? 0))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const rho = riseWithLoad(ev, b.fds.name);
  const confidence = 0.55 * atLimit + 0.3 * ramp(errRate, 0.01, 0.1) + 0.15 * ramp(rho, 0.5, 0.9);
  return diagnosis(
    'fd-exhaustion',
    'File descriptors exhausted: the process is at its open-files limit',
    confidence,
    [
      `${ownerName(b.fds)} held ${w.num(b.used, 0)} open descriptors of its limit ${w.num(b.limit, 0)} (${w.pct(b.ratio)}) at ${w.load(ev.levels[b.level]!.load, ev.unit)}`,
      `${w.pct(errRate)} of requests failed at the levels where descriptors were at ≥ 90% of the limit` + (kinds ? ` (errors: ${kinds})` : ''),
    ],
    `Raise the open-files limit of the service (LimitNOFILE= in its systemd unit, ulimit -n in its start script, nofile in the container runtime) well above ` +
      `connections plus files in use, and check that descriptors are released: close files and sockets on every path, reuse outbound connections (keep-alive agents) instead of opening one per request, and bound concurrency so a burst cannot open more than the limit.`,
    'performance-optimizer',
  );
}

/** The highest per-second value of a series within a level's time span (null when none). */
function maxBetween(ev: Evidence, name: string, level: number): number | null {
  const l = ev.levels[level]!;
  const { vs } = ev.valuesBetween(name, l.startSec, l.endSec);
  return vs.length ? Math.max(...vs) : null;
}
