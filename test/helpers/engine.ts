/**
 * Helpers for the engine's integration tests: plans written to temp files, results read back,
 * and the target as a separate process (so a test can kill it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from './cli.js';
import type { Result } from '../../src/result/types.js';

export interface TempDir {
  path: string;
  file(name: string, text: string): string;
  remove(): void;
}

export function tempDir(prefix = 'lp-engine-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    file(name, text) {
      const p = join(path, name);
      writeFileSync(p, text);
      return p;
    },
    remove() {
      rmSync(path, { recursive: true, force: true });
    },
  };
}

export function readResult(dir: string): Result {
  return JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as Result;
}

/** The test target in its own process; resolves with its URL and the child (kill it by PID). */
export function spawnTarget(args: string[] = []): Promise<{ url: string; port: number; child: ChildProcess; kill(): void }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [resolve(REPO_ROOT, 'dist/test/targets/app-main.js'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('target did not start'));
    }, 10_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /^(\d+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        const port = Number(m[1]);
        resolvePromise({ url: `http://127.0.0.1:${port}`, port, child, kill: () => void child.kill('SIGKILL') });
      }
    });
    child.on('error', reject);
  });
}

/** Resolves once the run writing into `outDir` has logged `seconds` seconds (polls run.ndjson; gives up after 30 s). */
export async function whenLogHas(outDir: string, seconds: number): Promise<void> {
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    try {
      const text = readFileSync(join(outDir, 'run.ndjson'), 'utf8');
      if ((text.match(/"type":"second"/g) ?? []).length >= seconds) return;
    } catch {
      // not created yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Asserts a run's verdict and exit code. A run the generator-saturation rule made invalid (exit 4)
 * is accepted in place of the expected verdict: on this shared 2-core machine other builds can
 * starve the generator, and exit 4 is then the right answer. The criteria must still give the expected verdict, so the test keeps its teeth.
 */
export function assertVerdict(code: number | null, r: Result, expected: 'pass' | 'fail' | 'aborted'): void {
  const fromCriteria = r.stop?.reason === 'aborted' ? 'aborted' : r.criteria.some((c) => !c.pass) ? 'fail' : 'pass';
  assert.equal(fromCriteria, expected, 'verdict from the criteria');
  if (r.verdict === 'invalid') {
    assert.equal(code, 4);
    assert.ok(r.generator?.sendLagP99Ms !== undefined || r.generator?.cpuPct !== undefined);
    console.log(`note: the generator was starved on this machine (send lag p99 ${r.generator?.sendLagP99Ms} ms): exit 4 accepted`);
    return;
  }
  assert.equal(r.verdict, expected);
  assert.equal(code, { pass: 0, fail: 1, aborted: 3 }[expected]);
}
