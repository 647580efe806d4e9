/**
 * Loads for tests that drive a service into saturation — THE RULE every such test follows
 * (test/integration/e2e-*.test.ts and any new diagnosis e2e test):
 *
 *   A test that needs a service to saturate derives its loads from one of
 *     (a) a limit built into the test service, independent of CPU speed: a pool of N connections
 *         held a fixed H ms (N × 1000 / H req/s), a quota of Q calls/s, a fixed sleep; or
 *     (b) a cost measured at the start of the test, on this machine, now: `calibrate()` drives the
 *         service flat out for a couple of seconds (closed loop, enough requests in flight to keep
 *         its bottleneck busy), reads the CPU time the bottleneck's processes spent from /proc, and
 *         returns the saturating rate (`limitRps`) with the CPU-µs per request behind it.
 *   and NEVER from a number that assumes this machine's speed ("60 req/s saturates the database").
 *   The breakpoint levels then reach past that limit by a stated factor: `levelsPast(limit, {top})`
 *   spreads `count` levels evenly up to `top` × the limit (default 1.5×: the run sees healthy
 *   levels, the knee, and a level well past it on any machine, fast or slow).
 *   A limit built in on timers (slots × a hold) is still delivered late by a busy machine's
 *   scheduler: measure it with `calibrate()` too, and check it against the design.
 *   The same goes for the SLO's latency bound: scale it with the measured cost
 *   (`latencyBoundMs`) or the measured idle latency (`idleLatencyP95Ms`), not a fixed number of
 *   ms that only a fast, quiet machine meets.
 *
 *   A test whose limit is built in (a) still depends on the machine carrying everything else at
 *   that load (the app's own CPU, the generator): keep the service's own work per request small
 *   against the designed limit, and state that margin in the test.
 *
 * Why: CI runs on whichever machine the submitter has. A database scan that saturates at 40 req/s
 * here saturates at 90 on a faster machine, and a breakpoint plan topping out at 60 then never
 * breaks there (this happened: e2e-postgres missing-index, issue 20). Assertions on capacity
 * likewise compare with the limit measured for this run (the process watch's CPU share over the
 * measured CPU per request), never with a constant.
 *
 * Slowed runs (the proof that a test holds on a slower machine): with LOADPROOF_TEST_SLOW set, the
 * helpers pin every service they start to one core and run a CPU burner on that core beside them
 * — see slowdown.ts.
 *
 * Usage (a database-bound lookup behind an app with one connection):
 *   const cal = await calibrate({ send: () => fetch(`${app.url}/orders?customer=c1`), cpu: () => treeCpuUs(postmasterPid), concurrency: 4 });
 *   const levels = levelsPast(cal.limitRps, { top: 1.5, count: 6 });   // e.g. [7, 13, 20, 27, 33, 40] for a 27 req/s limit
 *   ... breakpointStages(levels, holdSec) ...
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Linux counts CPU time in clock ticks of 1/100 s (USER_HZ). */
const TICK_US = 10_000;

/** CPU time (user + system) of one process, µs (10 ms resolution), or null when it is gone. */
export function procCpuUs(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // fields after the ")" that ends the command name: utime is field 14, stime 15 (1-based)
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_US;
}

/** Parent pid of every live process (from /proc/<pid>/stat). */
function parents(): Map<number, number> {
  const out = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      out.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // ended while we looked
    }
  }
  return out;
}

/** `root` and every live descendant of it. */
export function processTree(root: number): number[] {
  const pp = parents();
  const tree = new Set([root]);
  // a child's pid may be lower than its parent's (pid wrap): repeat until nothing is added
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of pp) {
      if (!tree.has(pid) && tree.has(ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return [...tree].filter((p) => pp.has(p));
}

/** CPU µs per live process of `root`'s tree (e.g. a PostgreSQL postmaster and its backends). */
export function treeCpuUs(root: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of processTree(root)) {
    const us = procCpuUs(pid);
    if (us !== null) out.set(pid, us);
  }
  return out;
}

/** CPU µs per process for a fixed list of pids (e.g. one service process). */
export function pidsCpuUs(pids: number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    const us = procCpuUs(pid);
    if (us !== null) out.set(pid, us);
  }
  return out;
}

/** CPU spent between two snapshots, µs (processes that ended in between are not counted). */
export function cpuSpentUs(before: Map<number, number>, after: Map<number, number>): number {
  let us = 0;
  for (const [pid, t] of after) us += t - (before.get(pid) ?? 0);
  return us;
}

export interface CalibrateOptions {
  /** one request of the kind the test will send; a non-2xx answer fails the calibration */
  send: () => Promise<Response>;
  /** a CPU snapshot of the bottleneck's processes (treeCpuUs / pidsCpuUs) */
  cpu: () => Map<number, number>;
  /**
   * requests kept in flight (closed loop): more than the bottleneck serves at once, so it never
   * idles — e.g. 4 × the pool size. Default 4.
   */
  concurrency?: number;
  /** how long the measured burst lasts, ms (default 2500: ≥ 100 requests for costs ≤ 25 ms) */
  durationMs?: number;
  /** unmeasured requests sent first, one at a time (JIT, connections, caches; default 10) */
  warmup?: number;
}

export interface Calibration {
  /** requests answered 2xx during the measured burst */
  requests: number;
  /** non-2xx answers during the burst (not counted in `requests`; over 10% fails the calibration) */
  errors: number;
  wallSec: number;
  /**
   * The saturating rate on this machine now: requests answered per second while the bottleneck
   * never idled. Equal to `coresUsed × 1e6 / cpuUsPerRequest` when the bottleneck is its processes' CPU.
   */
  limitRps: number;
  /** CPU the bottleneck's processes spent per request, µs (10 ms /proc ticks over ≥ 100 requests: < 10% error) */
  cpuUsPerRequest: number;
  /** cores those processes used during the burst (CPU time over wall time) */
  coresUsed: number;
}

/**
 * Measures the saturating rate and the CPU cost per request of a service at test start (see the
 * rule above). Bounded: `warmup` requests, then `durationMs` of at most `concurrency` requests in
 * flight. Sends only what `send` sends (a local service the test started).
 */
export async function calibrate(opts: CalibrateOptions): Promise<Calibration> {
  const concurrency = opts.concurrency ?? 4;
  const durationMs = opts.durationMs ?? 2500;
  const one = async (): Promise<boolean> => {
    const res = await opts.send();
    await res.arrayBuffer();
    return res.ok;
  };
  for (let i = 0; i < (opts.warmup ?? 10); i++) await one();
  let requests = 0;
  let errors = 0;
  const cpu0 = opts.cpu();
  const t0 = performance.now();
  const end = t0 + durationMs;
  // requests answered after `end` still count: the wall time runs until the last one is answered
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        if (await one()) requests++;
        else errors++;
      }
    }),
  );
  const wallSec = (performance.now() - t0) / 1000;
  const cpuUs = cpuSpentUs(cpu0, opts.cpu());
  if (requests === 0 || errors > 0.1 * (requests + errors)) throw new Error(`calibration: ${errors} of ${requests + errors} requests failed — lower the concurrency`);
  return { requests, errors, wallSec, limitRps: requests / wallSec, cpuUsPerRequest: cpuUs / requests, coresUsed: cpuUs / 1e6 / wallSec };
}

/**
 * A latency bound (ms) for a plan's SLO that holds on a slow machine as on a fast one: at least
 * `floorMs`, and at least `factor` × the time one request holds a bottleneck that serves one at a
 * time at the measured limit (1000 / limitRps ms). A service that gets a tenth of a core takes ten
 * times as long per request; a fixed bound would call every level of its run a failure.
 */
export function latencyBoundMs(c: Calibration, floorMs: number, factor = 8): number {
  return Math.max(floorMs, Math.round((factor * 1000) / c.limitRps));
}

/**
 * p95 of `n` requests sent one at a time (ms): the service's latency without load, here and now
 * (scheduling delays of a busy machine included). For SLOs of services whose limit is built in.
 */
export async function idleLatencyP95Ms(send: () => Promise<Response>, n = 20): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < n + 3; i++) {
    const t0 = performance.now();
    const res = await send();
    await res.arrayBuffer();
    if (i >= 3) ms.push(performance.now() - t0); // the first three warm connections and JIT
  }
  ms.sort((a, b) => a - b);
  return ms[Math.min(ms.length - 1, Math.ceil(0.95 * ms.length) - 1)]!;
}

/** "27.3 req/s (36.1 ms CPU per request, 0.99 cores over 68 requests)" — for the test log. */
export function calibrationLine(c: Calibration): string {
  return `${c.limitRps.toFixed(1)} req/s (${(c.cpuUsPerRequest / 1000).toFixed(2)} ms CPU per request, ${c.coresUsed.toFixed(2)} cores over ${c.requests} requests${c.errors ? `, ${c.errors} errors` : ''})`;
}

/**
 * Breakpoint levels (req/s) that reach past `limitRps` by the factor `top`: `count` levels evenly
 * spaced from `from` × limit (default top / count) to `top` × limit, rounded to whole req/s (at least
 * 1, strictly increasing). E.g. levelsPast(40) → [10, 20, 30, 40, 50, 60].
 */
export function levelsPast(limitRps: number, opts: { top?: number; count?: number; from?: number } = {}): number[] {
  const top = opts.top ?? 1.5;
  const count = opts.count ?? 6;
  const from = opts.from ?? top / count;
  if (!(limitRps > 0) || count < 2 || !(top > from)) throw new Error(`levelsPast: bad arguments (limit ${limitRps}, top ${top}, from ${from}, count ${count})`);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const l = Math.max(1, Math.round(limitRps * (from + ((top - from) * i) / (count - 1))));
    out.push(out.length && l <= out[out.length - 1]! ? out[out.length - 1]! + 1 : l);
  }
  return out;
}
