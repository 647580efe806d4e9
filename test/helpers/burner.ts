/**
 * Starts burner-child.js: a process burning a known share of a core and holding a known amount of
 * memory, for the process watcher's tests. Every burner is bounded (it exits on its own after
 * `maxLifeMs`, and when this process disconnects) and stopped by its PID.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface Burner {
  pid: number;
  port: number | null;
  title: string;
  /** the burner's own account: CPU time used (µs, user + system) and RSS now */
  usage(): Promise<{ cpuUs: number; rssBytes: number; atMs: number }>;
  stop(): Promise<void>;
}

export interface BurnerOptions {
  busyPct?: number;
  allocMb?: number;
  listen?: boolean;
  /** port to listen on (default: a free one) */
  port?: number;
  /** process title (≤ 15 characters so that the kernel's comm holds it whole) */
  title?: string;
  maxLifeMs?: number;
}

export async function startBurner(opts: BurnerOptions = {}): Promise<Burner> {
  const title = opts.title ?? `lpburn${process.pid % 100000}`;
  const args = ['--busy-pct', String(opts.busyPct ?? 50), '--alloc-mb', String(opts.allocMb ?? 0), '--title', title, '--max-life-ms', String(opts.maxLifeMs ?? 120_000)];
  if (opts.listen) args.push('--listen', '--port', String(opts.port ?? 0));
  const child: ChildProcess = fork(fileURLToPath(new URL('./burner-child.js', import.meta.url)), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise<{ pid: number; port: number | null }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('burner did not start within 15 s')), 15_000);
    child.once('error', reject);
    child.on('message', (m: { type: string; pid: number; port: number | null }) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolve(m);
      }
    });
  });
  return {
    pid: ready.pid,
    port: ready.port,
    title,
    usage: () =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('burner did not answer')), 5_000);
        const onMsg = (m: { type: string; cpuUs: number; rssBytes: number }): void => {
          if (m.type !== 'usage') return;
          clearTimeout(timer);
          child.off('message', onMsg);
          resolve({ cpuUs: m.cpuUs, rssBytes: m.rssBytes, atMs: performance.now() });
        };
        child.on('message', onMsg);
        child.send({ type: 'usage' });
      }),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
