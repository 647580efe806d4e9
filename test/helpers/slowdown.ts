/**
 * Slowed services, to prove that a saturation test holds on a slower machine (saturation.ts states
 * the rule those tests follow). Off unless LOADPROOF_TEST_SLOW is set:
 *
 *   LOADPROOF_TEST_SLOW=CORE[:BUSY_PCT]   e.g. `LOADPROOF_TEST_SLOW=1 node scripts/run-tests.mjs e2e-`
 *
 * Then every service a helper starts (service-child.ts, demo-serve.ts, postgres.ts, and the demo
 * service `loadproof demo --quick` spawns, through e2e.ts) is pinned, all its threads, to core CORE
 * with `taskset -a -p -c` (children it forks later, e.g. PostgreSQL backends, inherit the pinning),
 * and a burner process (burner-child.ts) spinning BUSY_PCT % (default 100) runs pinned to the same
 * core while any slowed service is up. The services then get about half a core or less, on top of
 * whatever else the machine runs; the load generator (the CLI) is not pinned. The burner is bounded
 * (it exits after 10 minutes, and when this process disconnects) and is stopped by its PID when the
 * last slowed service stops.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { startBurner, type Burner } from './burner.js';

export interface Slowdown {
  core: number;
  busyPct: number;
}

/** The slowdown asked for by LOADPROOF_TEST_SLOW, or null. */
export function slowdown(): Slowdown | null {
  const v = process.env.LOADPROOF_TEST_SLOW;
  if (!v) return null;
  const m = /^(\d+)(?::(\d+))?$/.exec(v);
  if (!m) throw new Error(`LOADPROOF_TEST_SLOW must be CORE or CORE:BUSY_PCT (e.g. 1 or 1:100), got "${v}"`);
  return { core: Number(m[1]), busyPct: m[2] === undefined ? 100 : Number(m[2]) };
}

/** Pins a process (every thread of it) to `core`. */
function pin(pid: number, core: number): void {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' });
  } catch {
    // the process ended meanwhile
  }
}

let users = 0;
let burner: Promise<Burner> | null = null;

/**
 * Slows `pids` when LOADPROOF_TEST_SLOW is set (pinned to its core, the burner beside them) and
 * returns the function that ends the slowdown for them (stopping the burner after the last one).
 * Without LOADPROOF_TEST_SLOW: does nothing and returns a no-op.
 */
export async function slowDown(pids: number[], label: string): Promise<() => Promise<void>> {
  const s = slowdown();
  if (!s) return async () => undefined;
  for (const pid of pids) pin(pid, s.core);
  users++;
  if (!burner) {
    burner = startBurner({ busyPct: s.busyPct, title: 'lpslowburn', maxLifeMs: 600_000 }).then((b) => {
      pin(b.pid, s.core);
      return b;
    });
  }
  await burner;
  console.log(`slowdown: ${label} (pid ${pids.join(', ')}) pinned to core ${s.core} beside a ${s.busyPct}% burner`);
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    if (--users === 0 && burner) {
      const b = burner;
      burner = null;
      await (await b).stop();
    }
  };
}

/**
 * Slows the children `parent` starts (e.g. the demo service `loadproof demo --quick` spawns): watches
 * /proc every 50 ms for up to `forMs` and slows each new child once. Returns the function that stops
 * watching and ends their slowdown. A no-op without LOADPROOF_TEST_SLOW.
 */
export function slowChildrenOf(parent: number, label: string, forMs = 15_000): () => Promise<void> {
  if (!slowdown()) return async () => undefined;
  const seen = new Set<number>();
  const releases: Array<Promise<() => Promise<void>>> = [];
  const t0 = Date.now();
  const timer = setInterval(() => {
    if (Date.now() - t0 > forMs) return clearInterval(timer);
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name) || seen.has(Number(name))) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== parent) continue;
      } catch {
        continue;
      }
      seen.add(Number(name));
      releases.push(slowDown([Number(name)], label));
    }
  }, 50);
  return async () => {
    clearInterval(timer);
    for (const r of releases) await (await r)();
  };
}
