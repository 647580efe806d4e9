/**
 * Runs the demo service in its own process (`loadproof demo serve --port 0 ...`), so that the
 * service and the load generator do not share an event loop — a service in the generator's
 * process would measure the generator — and so that the process watcher sees the service alone.
 * The URL comes from the child's first line ("listening on http://127.0.0.1:PORT"); `stop()` ends
 * it by PID with SIGINT, then SIGKILL if it has not exited within 5 s.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** bin/loadproof.js, from dist/src/demo/ (three levels up) or src/demo/ (two levels up). */
const BIN = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../bin/loadproof.js' : '../../bin/loadproof.js', import.meta.url));

export interface DemoChild {
  url: string;
  pid: number;
  /** the child's second line: the bottleneck's designed limit */
  description: string;
  stop(): Promise<number | null>;
}

/** Starts `loadproof demo serve --port 0 <args>` and resolves once it listens. */
export async function startDemoChild(args: string[], opts: { timeoutMs?: number; cwd?: string } = {}): Promise<DemoChild> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const child: ChildProcess = spawn(process.execPath, [BIN, 'demo', 'serve', '--port', '0', ...args], {
    cwd: opts.cwd,
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
  if (!url) {
    child.kill('SIGKILL');
    throw new Error(`demo serve: unexpected first line: ${lines[0]}`);
  }
  return {
    url,
    pid: child.pid!,
    description: lines[1]!.replace(/^bottleneck \w+: /, ''),
    stop: () => stopChild(child, exited),
  };
}

/**
 * Ends a child process by its PID: SIGINT, then SIGKILL if it has not exited within `graceMs`.
 * `exited` is the child's exit code, as a promise made when it was spawned (a late `once('exit')`
 * would miss an exit that already happened). Resolves to the exit code (null when killed).
 */
export async function stopChild(child: ChildProcess, exited: Promise<number | null>, graceMs = 5000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  child.kill('SIGINT');
  const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const code = await exited;
  clearTimeout(killer);
  return code;
}
