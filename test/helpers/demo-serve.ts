/**
 * Runs the demo service as a child process (src/demo/child.ts, the same code `loadproof demo` uses)
 * and reads the child's CPU time and RSS from /proc, from outside.
 */
import { readFileSync } from 'node:fs';
import { startDemoChild as start, type DemoChild } from '../../src/demo/child.js';
import { REPO_ROOT } from './cli.js';
import { slowDown } from './slowdown.js';

export type { DemoChild };

/** Starts `loadproof demo serve --port 0 <args>`; slowed with LOADPROOF_TEST_SLOW (slowdown.ts). */
export async function startDemoChild(args: string[], timeoutMs = 20_000): Promise<DemoChild> {
  const demo = await start(args, { timeoutMs, cwd: REPO_ROOT });
  const release = await slowDown([demo.pid], 'demo serve');
  return {
    ...demo,
    stop: async () => {
      const code = await demo.stop();
      await release();
      return code;
    },
  };
}

/** CPU time (user + system) of a process, in ms, from /proc/<pid>/stat (clock ticks of 10 ms). */
export function cpuTimeMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // fields after the ")" of the command name: state is field 3; utime 14, stime 15 (1-based)
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(rest[11]) + Number(rest[12]);
  return ticks * 10; // USER_HZ is 100 on Linux
}

/** Resident set size of a process in bytes, from /proc/<pid>/status. */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1]) * 1024;
}
