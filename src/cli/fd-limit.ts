/**
 * The open-files limit (RLIMIT_NOFILE) against the connections a run may open.
 *
 * Every connection is a file descriptor. Node already raises its soft limit to the hard limit at
 * start, so a run of 20,000 VUs (20,000 keep-alive connections) fails past the hard limit with
 * EMFILE: those connections' requests become `connect` errors that the analysis would blame on the
 * target. Before the load starts, the CLI therefore compares the connections the plan may open with
 * the limit, and raises it with util-linux `prlimit --pid` when it is too low: the soft limit up to
 * the hard one is any process's right; the hard limit only with CAP_SYS_RESOURCE (root). When it
 * cannot, the run goes on and the user is told by how much, and how to raise it.
 *
 * Only this process is raised: load workers are threads of it and share its limit.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Plan } from '../plan/schema.js';
import type { ResolvedLoad } from '../plan/patterns.js';
import { DEFAULT_MAX_IN_FLIGHT } from '../engine/runner.js';
import { ownedCount, WHOLE, type SegmentSpec } from '../engine/schedule/segment.js';

/** Descriptors the process holds besides connections: stdio, the log, watchers, worker pipes, V8. */
export const FD_HEADROOM = 256;

export interface FdLimits {
  soft: number;
  hard: number;
}

/**
 * The connections this process may open: the closed model's peak VUs (one keep-alive connection
 * each), else the open model's cap (`load.connections`, at most `maxInFlight`). A segment of a
 * distributed run opens only its share (src/engine/schedule/segment.ts: VU g, and a cap's unit k,
 * belong to segment k mod N), so `--segment 0/2` of 20,000 VUs wants 10,000, not 20,000.
 * `explicit`: the count was asked for, rather than the open model's default cap (fdLimitMessage).
 */
export function connectionsWanted(plan: Plan, load: Pick<ResolvedLoad, 'model' | 'stages'>, segment: SegmentSpec = WHOLE): { connections: number; explicit: boolean } {
  const closed = load.model === 'closed';
  const whole = closed
    ? Math.max(0, ...load.stages.map((s) => s.target))
    : Math.min(plan.load?.connections ?? plan.load?.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT, plan.load?.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
  const explicit = closed || plan.load?.connections !== undefined || plan.load?.maxInFlight !== undefined;
  return { connections: ownedCount(Math.ceil(whole), segment.index, segment.count), explicit };
}

/** Soft and hard "Max open files" of a /proc/PID/limits text; `Infinity` for unlimited; null when absent. */
export function parseOpenFilesLimits(text: string): FdLimits | null {
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (!m) return null;
  const num = (s: string): number => (s === 'unlimited' ? Infinity : Number(s));
  const soft = num(m[1]!);
  const hard = num(m[2]!);
  return Number.isNaN(soft) || Number.isNaN(hard) ? null : { soft, hard };
}

function readLimits(pid: number): FdLimits | null {
  try {
    return parseOpenFilesLimits(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  } catch {
    return null;
  }
}

export interface FdLimitOutcome {
  /** descriptors wanted: the connections plus FD_HEADROOM */
  wanted: number;
  before: FdLimits | null;
  after: FdLimits | null;
  /** the limit was raised (possibly not all the way to `wanted`) */
  raised: boolean;
  /** the soft limit now covers `wanted` (true too when the limits are unreadable: nothing to say) */
  enough: boolean;
  /** why raising failed, when it did */
  failure?: string;
}

/**
 * Makes sure this process may hold `connections` connections: raises RLIMIT_NOFILE when it is
 * below `connections + FD_HEADROOM` and says what happened. Never throws.
 */
export function ensureFdLimit(connections: number, pid = process.pid): FdLimitOutcome {
  const wanted = Math.ceil(connections) + FD_HEADROOM;
  const before = readLimits(pid);
  if (before === null || before.soft >= wanted) {
    return { wanted, before, after: before, raised: false, enough: true };
  }
  const hard = Math.max(before.hard, wanted);
  let failure: string | undefined;
  try {
    execFileSync('prlimit', ['--pid', String(pid), `--nofile=${wanted}:${hard === Infinity ? 'unlimited' : hard}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 5_000,
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    failure = e.code === 'ENOENT' ? 'prlimit (util-linux) is not installed' : (e.stderr?.toString().trim().split('\n')[0] ?? e.message);
    // without the right to raise the hard limit, the soft limit can still go up to it
    if (before.hard > before.soft) {
      try {
        execFileSync('prlimit', ['--pid', String(pid), `--nofile=${before.hard === Infinity ? 'unlimited' : before.hard}:`], {
          stdio: 'ignore',
          timeout: 5_000,
        });
      } catch {
        // keep the first failure's reason
      }
    }
  }
  const after = readLimits(pid) ?? before;
  return {
    wanted,
    before,
    after,
    raised: after.soft > before.soft,
    enough: after.soft >= wanted,
    ...(failure !== undefined && after.soft < wanted ? { failure } : {}),
  };
}

const fmt = (n: number): string => (n === Infinity ? 'unlimited' : n.toLocaleString('en-US'));

/**
 * The line to print for an outcome, or null when there is nothing to say. `explicit` is whether
 * the connection count was asked for (VUs, `load.connections`, `maxInFlight`) rather than the
 * open model's default cap, which most runs never approach: a default that cannot be covered is
 * not worth a warning.
 */
export function fdLimitMessage(o: FdLimitOutcome, connections: number, explicit: boolean): string | null {
  if (o.before === null || o.after === null) return null;
  if (o.raised && o.enough) {
    return `loadproof: raised the open-files limit from ${fmt(o.before.soft)} to ${fmt(o.after.soft)}: this run may open ${fmt(connections)} connections\n`;
  }
  if (o.enough || !explicit) return null;
  return (
    `loadproof: warning: the open-files limit is ${fmt(o.after.soft)}, but this run may open ${fmt(connections)} connections; ` +
    `connections past the limit fail (EMFILE) and count as connect errors` +
    (o.failure ? ` (raising it failed: ${o.failure})` : '') +
    `. Raise it before the run: ulimit -n ${o.wanted} (needs root above the hard limit ${fmt(o.after.hard)})\n`
  );
}
