/**
 * Spawns the real CLI (bin/loadproof.js) as a user would, and collects its output and exit code.
 * In the spirit of autocannon's test/cli.test.js: the CLI is tested from outside.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

/** The repository root (dist/test/helpers → ../../..). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = resolve(REPO_ROOT, 'bin/loadproof.js');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string;
  /** kill the CLI (SIGKILL) after this long; tests are always bounded */
  timeoutMs?: number;
  /** called once the process is spawned (e.g. to send it SIGINT later) */
  onSpawn?: (pid: number) => void;
  /** node options placed before the script (e.g. `--import` a module that starves the load workers) */
  nodeArgs?: string[];
  /** run the CLI as this user through `runuser -u USER --` (needs root; e.g. 'nobody' to meet permissions root would bypass) */
  asUser?: string;
}

export function runCli(args: string[], opts: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolveRun, reject) => {
    const argv = [process.execPath, ...(opts.nodeArgs ?? []), BIN, ...args];
    const [cmd, ...rest] = opts.asUser ? ['runuser', '-u', opts.asUser, '--', ...argv] : argv;
    const child = spawn(cmd!, rest, {
      cwd: opts.cwd ?? REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolveRun({ code, signal, stdout, stderr });
    });
    if (child.pid !== undefined) opts.onSpawn?.(child.pid);
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}
