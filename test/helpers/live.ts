/**
 * Helpers for the live dashboard and /metrics tests: the real CLI spawned with its stderr read as it
 * comes (the URLs are printed at start), and a small local target service.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BIN, REPO_ROOT } from './cli.js';

export interface LiveCli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** resolves with the exit code */
  exited: Promise<number | null>;
  /** waits for a line of stderr matching `re` and returns the match */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

/** Spawns `loadproof …args` (killed with SIGKILL after `timeoutMs`). */
export function spawnLive(args: string[], timeoutMs = 120_000): LiveCli {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exited = new Promise<number | null>((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitFor(re, waitMs = 30_000) {
      const deadline = Date.now() + waitMs;
      for (;;) {
        const m = re.exec(err);
        if (m) return m;
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no ${re} on stderr (exit ${child.exitCode}):\n${err}\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

/** A target answering 200 after `delayMs` (a fixed sleep: no CPU, so its capacity is not this machine's). */
export async function startTarget(delayMs: number): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    setTimeout(() => res.end('ok'), delayMs);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
