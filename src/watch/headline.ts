/**
 * The live headline: of everything watched, the one value closest to saturation, for the progress
 * line (`app CPU 87%`, `pg active 10/10`). Each candidate gets a saturation score in 0..1:
 *
 *   process CPU           cpuPct / 100 for one process (a Node app saturates one core), else
 *                         cpuPct / (100 × cores)
 *   pg active             active / total connections (when the app holds ≥ 2)
 *   pg connections        total / max_connections
 *   event loop            utilization; delay p99 / 100 ms
 *   app pool              gauge.pool_in_use / gauge.pool_size (1 when gauge.pool_waiting > 0)
 *   dependency            error rate, throttled share
 *
 * The generator's own series (self) are not candidates: the headline is about the target.
 */
import type { SeriesRole, WatchHeadline } from './types.js';

export interface LatestValue {
  atMs: number;
  value: number;
}

interface Candidate extends WatchHeadline {
  order: number;
}

const pct = (x: number): string => `${Math.round(x)}%`;

export function pickHeadline(
  latest: ReadonlyMap<string, LatestValue>,
  roleOf: (series: string) => SeriesRole | undefined,
  opts: { cores: number; nowMs: number; maxAgeMs: number },
): WatchHeadline | null {
  const fresh = (name: string): number | undefined => {
    const v = latest.get(name);
    return v && opts.nowMs - v.atMs <= opts.maxAgeMs ? v.value : undefined;
  };
  const cands: Candidate[] = [];
  const add = (c: Omit<Candidate, 'saturation'> & { saturation: number }): void => {
    cands.push({ ...c, saturation: Math.max(0, Math.min(1, c.saturation)) });
  };
  for (const name of latest.keys()) {
    let m: RegExpExecArray | null;
    if ((m = /^process\.(.+)\.cpuPct$/.exec(name))) {
      const cpu = fresh(name);
      if (cpu === undefined) continue;
      const count = fresh(`process.${m[1]}.count`) ?? 1;
      const role = roleOf(name) ?? 'app';
      add({ label: `${role} CPU`, text: pct(cpu), saturation: count <= 1 ? cpu / 100 : cpu / (100 * opts.cores), series: name, order: 0 });
    } else if ((m = /^postgres\.(.+)\.connections\.active$/.exec(name))) {
      const active = fresh(name);
      const total = fresh(`postgres.${m[1]}.connections.total`);
      const max = fresh(`postgres.${m[1]}.connections.max`);
      if (active === undefined || total === undefined) continue;
      add({ label: 'pg active', text: `${active}/${total}`, saturation: total >= 2 ? active / total : 0, series: name, order: 1 });
      if (max !== undefined && max > 0) {
        add({ label: 'pg connections', text: `${total}/${max}`, saturation: total / max, series: `postgres.${m[1]}.connections.total`, order: 2 });
      }
    } else if ((m = /^eventLoop\.(.+)\.utilization$/.exec(name))) {
      const u = fresh(name);
      if (u !== undefined) add({ label: `${m[1]} event loop`, text: `${pct(u * 100)} busy`, saturation: u, series: name, order: 3 });
    } else if ((m = /^eventLoop\.(.+)\.delayP99Ms$/.exec(name))) {
      const d = fresh(name);
      if (d !== undefined) add({ label: `${m[1]} loop delay`, text: `p99 ${Math.round(d)} ms`, saturation: d / 100, series: name, order: 4 });
    } else if ((m = /^eventLoop\.(.+)\.gauge\.pool_in_use$/.exec(name))) {
      const inUse = fresh(name);
      const size = fresh(`eventLoop.${m[1]}.gauge.pool_size`);
      const waiting = fresh(`eventLoop.${m[1]}.gauge.pool_waiting`) ?? 0;
      if (inUse === undefined || size === undefined || size <= 0) continue;
      add({
        label: `${m[1]} pool`,
        text: waiting > 0 ? `${inUse}/${size}, ${waiting} waiting` : `${inUse}/${size}`,
        saturation: waiting > 0 ? 1 : inUse / size,
        series: name,
        order: 5,
      });
    } else if ((m = /^dependency\.(.+)\.(errorRate|throttledRate)$/.exec(name))) {
      const r = fresh(name);
      if (r !== undefined && r > 0) {
        add({ label: m[1], text: `${pct(r * 100)} ${m[2] === 'errorRate' ? 'errors' : 'throttled'}`, saturation: r, series: name, order: 6 });
      }
    }
  }
  if (cands.length === 0) return null;
  cands.sort((a, b) => b.saturation - a.saturation || a.order - b.order);
  const { order: _order, ...best } = cands[0];
  return best;
}
