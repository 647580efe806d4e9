/**
 * Runs `loadproof demo serve --port 0 ...` as a child process (the real CLI), reads the URL from its
 * first line ("listening on http://127.0.0.1:PORT"), and stops it by PID with SIGINT (SIGKILL if it
 * does not exit within 5 s). The child's CPU time and RSS are read from /proc, from outside.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { BIN, REPO_ROOT } from './cli.js';

export interface DemoChild {
  url: string;
  pid: number;
  /** the second line: the designed limit */
  description: string;
  stop(): Promise<number | null>;
}

export async function startDemoChild(args: string[], timeoutMs = 20_000): Promise<DemoChild> {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'demo', 'serve', '--port', '0', ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const lines = await new Promise<string[]>((resolveLines, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`demo serve did not start within ${timeoutMs} ms: ${out}${err}`));
    }, timeoutMs);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const ls = out.split('\n');
      if (ls.length > 2) {
        clearTimeout(timer);
        resolveLines(ls);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`demo serve exited (${code}) before listening: ${out}${err}`));
    });
  });
  const url = /^listening on (http:\/\/\S+)$/.exec(lines[0]!)?.[1];
  if (!url) throw new Error(`unexpected first line: ${lines[0]}`);
  return {
    url,
    pid: child.pid!,
    description: lines[1]!,
    stop: async () => {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGINT');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      const code = await exited;
      clearTimeout(killer);
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
