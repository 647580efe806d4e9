/**
 * Runs one of the end-to-end test services (test/targets/*-service.ts, compiled to
 * dist/test/targets/) in its own process, so that the service and the load generator do not share
 * an event loop and the process watcher sees the service alone. A service prints
 * "listening on http://127.0.0.1:PORT" as its first line; `stop()` ends it by PID with SIGINT,
 * then SIGKILL if it has not exited within 5 s. With LOADPROOF_TEST_SLOW set the service is slowed
 * (slowdown.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { stopChild } from '../../src/demo/child.js';
import { REPO_ROOT } from './cli.js';
import { slowDown } from './slowdown.js';

export interface ServiceChild {
  url: string;
  port: number;
  pid: number;
  /** everything the service printed on stdout and stderr so far (for failure messages) */
  output(): string;
  stop(): Promise<number | null>;
}

/** The compiled path of a service in test/targets, e.g. `targetScript('timeout-service')`. */
export function targetScript(name: string): string {
  return resolve(REPO_ROOT, 'dist/test/targets', `${name}.js`);
}

/** Starts `node <script> <args>` and resolves once it prints its URL (or rejects after `timeoutMs`). */
export async function startServiceChild(
  script: string,
  args: string[] = [],
  opts: {
    timeoutMs?: number;
    env?: Record<string, string>;
    /** start under `ulimit -n N` (sh execs node: same pid) */
    fdLimit?: number;
    /** options for node itself, before the script (e.g. `--max-old-space-size=96`) */
    nodeArgs?: string[];
  } = {},
): Promise<ServiceChild> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const [cmd, argv] =
    opts.fdLimit !== undefined
      ? ['sh', ['-c', `ulimit -n ${Math.floor(opts.fdLimit)} && exec "$0" "$@"`, process.execPath, ...(opts.nodeArgs ?? []), script, ...args]]
      : [process.execPath, [...(opts.nodeArgs ?? []), script, ...args]];
  const child: ChildProcess = spawn(cmd, argv, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not start within ${timeoutMs} ms: ${out}`));
    }, timeoutMs);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /^listening on (https?:\/\/\S+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code}) before listening: ${out}`));
    });
  });
  const release = await slowDown([child.pid!], script.replace(/^.*\//, ''));
  return {
    url,
    port: Number(new URL(url).port),
    pid: child.pid!,
    output: () => out,
    stop: async () => {
      const code = await stopChild(child, exited);
      await release();
      return code;
    },
  };
}
