/**
 * The process watcher: CPU, RSS, open fds and threads of a process found by pid, by the TCP port it
 * listens on, or by name (every match, summed). Linux only (it reads /proc); the session refuses it
 * elsewhere with one warning.
 *
 * CPU is a percentage of ONE core: (Δ(utime + stime) ticks / CLK_TCK) / Δwall seconds × 100, so a
 * process keeping 2 cores busy reads 200. The tick rate comes from `getconf CLK_TCK` (100 on every
 * Linux we know of; 100 is assumed if getconf is missing). With 100 ticks/s and 1 s intervals a
 * reading is exact to ±1 point per process.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  fdLinksHold,
  pidsNamed,
  pidsOwningSockets,
  readListeningInodes,
  readProcess,
  type ProcSnapshot,
} from './procfs.js';
import type { Reading, SeriesRole, SeriesValue, WarnFn, Watcher } from './types.js';
import { seriesLabel } from './label.js';

export interface ProcessSpec {
  pid?: number;
  port?: number;
  name?: string;
  role?: SeriesRole;
  label?: string;
}

/** By port, the full lookup through /proc/net/tcp is redone every this many samples. */
const PORT_RECHECK_EVERY = 30;
/** By name, pids found not to match are read again every this many samples. */
const NAME_RECHECK_EVERY = 30;

/** Names of database servers: a process so named is watched with role `db` unless the plan says otherwise. */
const DB_NAMES = /postgres|mysqld|mongod|redis-server/;

let clkTckPromise: Promise<number> | undefined;
/** Clock ticks per second for /proc/PID/stat times (sysconf(_SC_CLK_TCK)); read once per process. */
export function clockTicksPerSec(): Promise<number> {
  clkTckPromise ??= new Promise((resolve) => {
    execFile('getconf', ['CLK_TCK'], { timeout: 2000 }, (err, stdout) => {
      const n = Number(String(stdout).trim());
      resolve(!err && Number.isInteger(n) && n > 0 ? n : 100);
    });
  });
  return clkTckPromise;
}

/** The default label: `port3000`, `pid1234` or the name. */
export function processDefaultLabel(spec: ProcessSpec): string {
  if (spec.label) return seriesLabel(spec.label);
  if (spec.port !== undefined) return `port${spec.port}`;
  if (spec.pid !== undefined) return `pid${spec.pid}`;
  return seriesLabel(spec.name ?? 'process');
}

export function describeProcessTarget(spec: ProcessSpec): string {
  if (spec.port !== undefined) return `port ${spec.port}`;
  if (spec.pid !== undefined) return `pid ${spec.pid}`;
  return `name ${spec.name ?? ''}`;
}

const SUFFIXES = [
  ['cpuPct', '%'],
  ['rssBytes', 'bytes'],
  ['fds', 'count'],
  ['fdLimit', 'count'],
  ['threads', 'count'],
  ['count', 'count'],
] as const;

/** Seconds since boot, for telling whether a newly seen process started during the last interval. */
async function uptimeSec(): Promise<number> {
  return Number((await readFile('/proc/uptime', 'utf8')).split(' ')[0]);
}

interface Tracked {
  startTicks: number;
  cpuTicks: number;
}

/** Where a port's owner was last found: re-checked cheaply each sample, re-resolved when it changed. */
interface PortOwner {
  pids: number[];
  /** the fd of each owner that holds the listening socket: cheap to re-check */
  fdLinks: Array<{ path: string; link: string }>;
  checks: number;
}

export class ProcessWatcher implements Watcher {
  readonly kind = 'process' as const;
  readonly name: string;
  readonly target: string;
  readonly role: SeriesRole;
  readonly intervalMs: number;
  readonly expectedSeries: ReadonlyArray<{ name: string; unit: string }>;
  private readonly spec: ProcessSpec;
  private readonly prefix: string;
  private readonly cores = availableParallelism();
  private clkTck = 100;
  private tracked = new Map<number, Tracked>();
  private lastMonoMs: number | null = null;
  private lastUptimeSec: number | null = null;
  private portOwner: PortOwner | null = null;
  private lastProcesses: Array<Record<string, unknown>> = [];
  private pidsSeen = new Set<number>();
  private resolvedRole: SeriesRole | null = null;
  /** by name: pid → whether it has the name (see pidsNamed) */
  private readonly nameCache = new Map<number, boolean>();
  private nameLookups = 0;

  constructor(spec: ProcessSpec, intervalMs: number, label = processDefaultLabel(spec)) {
    this.spec = spec;
    this.intervalMs = intervalMs;
    this.prefix = `process.${label}`;
    this.name = this.prefix;
    this.target = `${describeProcessTarget(spec)} (${this.cores} cores)`;
    this.role = spec.role ?? (spec.name !== undefined && DB_NAMES.test(spec.name) ? 'db' : 'app');
    this.expectedSeries = SUFFIXES.map(([s, unit]) => ({ name: `${this.prefix}.${s}`, unit }));
  }

  async start(_warn: WarnFn): Promise<void> {
    this.clkTck = await clockTicksPerSec();
  }

  /** The pids to read now. Throws (→ a gap) when the target is not there. */
  private async resolvePids(): Promise<number[]> {
    const { pid, port, name } = this.spec;
    if (pid !== undefined) return [pid];
    if (name !== undefined) {
      // our own process is watched by the `self` watcher; never count it as the target
      // a process caught between fork and exec still has its parent's name: forget the negatives now
      // and then so that it is found once it has its own
      if (++this.nameLookups % NAME_RECHECK_EVERY === 0) for (const [p, has] of this.nameCache) if (!has) this.nameCache.delete(p);
      const pids = (await pidsNamed(name, this.nameCache)).filter((p) => p !== process.pid);
      if (pids.length === 0) throw new Error(`no process named "${name}"`);
      return pids;
    }
    // the owners found before still hold the listening socket: no need to read /proc/net/tcp, which
    // lists every connection and grows large under load. A full look every PORT_RECHECK_EVERY samples
    // finds processes that joined the listener since (e.g. a new worker).
    const cached = this.portOwner;
    if (cached && ++cached.checks % PORT_RECHECK_EVERY !== 0 && (await fdLinksHold(cached.fdLinks))) return cached.pids;
    const inodes = await readListeningInodes(port!);
    if (inodes.size === 0) {
      this.portOwner = null;
      throw new Error(`nothing listens on port ${port}`);
    }
    const { pids, fdLinks, unreadable } = await pidsOwningSockets(inodes);
    if (pids.length === 0) {
      throw new Error(
        `port ${port} is listened on but its process is not visible` + (unreadable > 0 ? ' (run as the same user as the target, or as root)' : ''),
      );
    }
    this.portOwner = { pids, fdLinks, checks: 0 };
    return pids;
  }

  async sample(nowMs: number): Promise<Reading> {
    const pids = await this.resolvePids();
    const snaps: ProcSnapshot[] = [];
    for (const p of pids) {
      try {
        snaps.push(await readProcess(p));
      } catch {
        // ended between listing and reading
      }
    }
    if (snaps.length === 0) {
      this.portOwner = null;
      throw new Error(this.spec.pid !== undefined ? `process ${this.spec.pid} is gone` : `the process of ${describeProcessTarget(this.spec)} ended`);
    }
    const monoMs = performance.now();
    const upSec = await uptimeSec();
    const elapsedSec = this.lastMonoMs === null ? null : (monoMs - this.lastMonoMs) / 1000;

    let deltaTicks = 0;
    const next = new Map<number, Tracked>();
    const perProcess: Array<Record<string, unknown>> = [];
    for (const s of snaps) {
      const prev = this.tracked.get(s.pid);
      let d: number | null = null;
      if (prev && prev.startTicks === s.startTicks) d = s.cpuTicks - prev.cpuTicks;
      else if (this.lastUptimeSec !== null && s.startTicks / this.clkTck >= this.lastUptimeSec) d = s.cpuTicks; // born during the interval
      if (d !== null) deltaTicks += d;
      next.set(s.pid, { startTicks: s.startTicks, cpuTicks: s.cpuTicks });
      this.pidsSeen.add(s.pid);
      perProcess.push({
        pid: s.pid,
        comm: s.comm,
        cpuPct: d !== null && elapsedSec ? round1(((d / this.clkTck) / elapsedSec) * 100) : null,
        rssBytes: s.rssBytes,
        threads: s.threads,
        fds: s.fds,
      });
    }
    this.tracked = next;
    this.lastMonoMs = monoMs;
    this.lastUptimeSec = upSec;
    this.lastProcesses = perProcess;
    if (this.resolvedRole === null) {
      this.resolvedRole = this.spec.role ?? (snaps.some((s) => DB_NAMES.test(s.comm)) ? 'db' : this.role);
    }

    const role = this.resolvedRole;
    const fdsKnown = snaps.filter((s) => s.fds !== null);
    const values: SeriesValue[] = [
      { name: `${this.prefix}.rssBytes`, unit: 'bytes', value: snaps.reduce((a, s) => a + s.rssBytes, 0), role },
      { name: `${this.prefix}.fds`, unit: 'count', value: fdsKnown.length ? fdsKnown.reduce((a, s) => a + (s.fds ?? 0), 0) : null, role },
      // the limit the fds run into: summed over the processes whose fds are counted, as the fds are
      { name: `${this.prefix}.fdLimit`, unit: 'count', value: fdsKnown.length && fdsKnown.every((s) => s.fdLimit !== null) ? fdsKnown.reduce((a, s) => a + s.fdLimit!, 0) : null, role },
      { name: `${this.prefix}.threads`, unit: 'count', value: snaps.reduce((a, s) => a + s.threads, 0), role },
      { name: `${this.prefix}.count`, unit: 'count', value: snaps.length, role },
    ];
    if (elapsedSec !== null && elapsedSec > 0) {
      values.unshift({ name: `${this.prefix}.cpuPct`, unit: '%', value: round1(((deltaTicks / this.clkTck) / elapsedSec) * 100), role });
    }
    return { atMs: nowMs, values };
  }

  async stop(): Promise<Record<string, unknown>> {
    return {
      target: this.target,
      cores: this.cores,
      clockTicksPerSec: this.clkTck,
      pidsSeen: [...this.pidsSeen],
      processes: this.lastProcesses,
    };
  }
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
