/**
 * A hostile environment, through the real CLI (issue 17): a read-only file system, a missing
 * results folder, a disk that fills up (during the run's log, or while the results are written),
 * and SIGKILL at random moments — during the run and during the final writes.
 *
 * What must hold:
 *   - a folder or disk that refuses the write is exit 2 with one line naming the file and the errno
 *     (EROFS, ENOSPC) and a hint, never an internal error or a stack trace;
 *   - result.json is never torn: after any failure or kill it is absent, or complete and valid
 *     (the result shape check passes) — it is written to a temporary file in the same folder,
 *     fsync'ed and renamed (report/write.ts);
 *   - the run's NDJSON log always yields a valid partial result (`analyze run.ndjson`), whatever
 *     moment the process was killed at, or says the run never started (the kills during a run are
 *     in hostile-env-sigkill.test.ts, to keep each file within the runner's time limit).
 *
 * Small file systems are tmpfs mounts (`mount -t tmpfs -o size=…`): the tests run as root in CI;
 * where mounting is not permitted (no root, no CAP_SYS_ADMIN) those tests are skipped and say why.
 * (chmod cannot make a folder read-only for root; a read-only mount does.) The SIGPIPE/EPIPE case
 * is tested in report-cli.test.ts. Loads are small: 50–100 req/s for a few seconds against a local
 * server started here. Kill moments come from a seeded generator: a failure can be replayed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BIN, REPO_ROOT, runCli, type CliRun } from '../helpers/cli.js';
import { mulberry32 } from '../../src/engine/rng.js';
import { parseResult, resultShapeProblem } from '../../src/report/read-result.js';
import { simulateRun } from '../helpers/long-run.js';
import { renderJson } from '../../src/report/write.js';
import { analyze } from '../../src/analysis/analyze.js';

let dir: string;
let server: Server;
let target: string;
const mounts: string[] = [];
let requestsSeen = 0;

/** Mounts a tmpfs with `opts` on a new folder under `dir`; null when mounting is not permitted. */
function tmpfs(name: string, opts: string): string | null {
  const at = join(dir, name);
  mkdirSync(at, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', at], { stdio: 'pipe' });
  } catch {
    return null;
  }
  mounts.push(at);
  return at;
}

const NO_MOUNT = 'mounting a tmpfs is not permitted here (needs root with CAP_SYS_ADMIN): the small and read-only file systems cannot be made';
let canMount = false;

before(async () => {
  dir = mkdtempSync('/tmp/lp-hostile-env-');
  server = createServer((_req, res) => {
    requestsSeen++;
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  canMount = tmpfs('probe', 'size=64k') !== null;
});

after(async () => {
  for (const m of mounts.reverse()) {
    try {
      execFileSync('umount', [m], { stdio: 'pipe' });
    } catch {
      // a busy mount is released when its users exit
    }
  }
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

/** A plan against the local server: `sec` seconds ramping to `rate` req/s. */
function planFile(name: string, sec: number, rate: number): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}\nhypothesis: the environment misbehaves, not the service\ntarget: ${target}\nthresholds: { http_req_failed: ["rate<0.5"] }\nload: { model: open, stages: [{ duration: ${sec}s, target: ${rate} }] }\nscenarios: [{ name: a, flow: [{ get: / }] }]\n`,
  );
  return file;
}

const run = (args: string[]): Promise<CliRun> => runCli(args, { timeoutMs: 60_000 });

/** The command's last line is one `loadproof: PATH: … (ERRNO) (hint: …)` line; no stack, no internal error. */
function assertOneLine(r: CliRun, pathPrefix: string, errno: RegExp, label: string): string {
  const msg = `${label}: exit ${r.code}\n${r.stderr}`;
  assert.equal(r.code, 2, msg);
  const lines = r.stderr.trimEnd().split('\n');
  const last = lines[lines.length - 1]!;
  assert.ok(last.startsWith(`loadproof: ${pathPrefix}`), msg);
  assert.match(last, errno, msg);
  assert.match(last, /\(hint: .+\)$/, msg);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /, msg);
  return last;
}

/** result.json in `out` is absent, or complete and valid; no temporary file is left behind. */
function assertNoTornResult(out: string, label: string): 'absent' | 'valid' {
  const files = existsSync(out) ? readdirSync(out) : [];
  assert.deepEqual(files.filter((f) => f.endsWith('.tmp')), [], `${label}: temporary files left: ${files.join(', ')}`);
  const file = join(out, 'result.json');
  if (!existsSync(file)) return 'absent';
  parseResult(readFileSync(file, 'utf8'), file); // throws on a torn or invalid document
  return 'valid';
}

test('--out on a read-only file system: exit 2, "read-only file system (EROFS)", nothing sent', async (t) => {
  if (!canMount) return t.skip(NO_MOUNT);
  const ro = tmpfs('ro', 'ro,size=1m')!;
  const plan = planFile('ro', 1, 5);
  const before = requestsSeen;
  // a new folder on it, and the mount point itself (exists, cannot be written)
  const r1 = await run(['run', plan, '--out', join(ro, 'run1')]);
  assertOneLine(r1, join(ro, 'run1'), /cannot create the results folder: read-only file system \(EROFS\)/, 'new folder');
  const r2 = await run(['run', plan, '--out', ro]);
  assertOneLine(r2, ro, /cannot write in the results folder: read-only file system \(EROFS\)/, 'existing folder');
  assert.equal(requestsSeen, before, 'no request was sent');
});

test('--out a folder that does not exist yet, several levels deep: created, the results written', async () => {
  const out = join(dir, 'missing', 'a', 'b');
  const r = await run(['run', planFile('missing', 1, 5), '--out', out]);
  assert.ok(r.code !== null && [0, 1, 4].includes(r.code), `exit ${r.code}\n${r.stderr}`);
  assert.equal(assertNoTornResult(out, 'missing'), 'valid');
  assert.deepEqual(readdirSync(out).sort(), ['report.html', 'report.md', 'result.json', 'run.ndjson']);
});

test('disk full while the results are written (tmpfs of 8k to 64k): exit 2 naming the file and ENOSPC, result.json absent or complete', async (t) => {
  if (!canMount) return t.skip(NO_MOUNT);
  const plan = planFile('full-results', 2, 50);
  let refused = 0;
  for (const size of ['8k', '16k', '32k', '64k']) {
    const m = tmpfs(`full-${size}`, `size=${size}`)!;
    const out = join(m, 'out');
    const r = await run(['run', plan, '--out', out]);
    if (r.code === 2) {
      assertOneLine(r, out, /cannot (write the results|append to the run's log): no space left on the device \(ENOSPC\)/, size);
      refused++;
    } else {
      // everything fitted: an ordinary run
      assert.ok(r.code !== null && [0, 1, 4].includes(r.code), `${size}: exit ${r.code}\n${r.stderr}`);
    }
    assertNoTornResult(out, size);
  }
  assert.ok(refused >= 2, `at least the two smallest disks fill up (${refused} did)`);
});

test('disk full during the run (the log cannot be appended): the run stops, exit 2, the log still yields a valid partial result', async (t) => {
  if (!canMount) return t.skip(NO_MOUNT);
  const m = tmpfs('full-log', 'size=64k')!;
  // one page (4 KiB) left: the log's header and a few seconds fit, not a 6-second run's
  writeFileSync(join(m, 'filler'), Buffer.alloc(60 * 1024));
  const out = join(m, 'out');
  const t0 = Date.now();
  const r = await run(['run', planFile('full-log', 6, 100), '--out', out]);
  assert.match(r.stderr, new RegExp(`loadproof: ${join(out, 'run.ndjson')}: cannot append to the run's log: no space left on the device \\(ENOSPC\\); stopping the run`), r.stderr);
  assertOneLine(r, out, /no space left on the device \(ENOSPC\)/, 'log');
  assert.ok(Date.now() - t0 < 30_000);
  assertNoTornResult(out, 'log');
  // the log as it is (its last line possibly torn) gives a partial result that stopped early
  const a = await run(['analyze', join(out, 'run.ndjson'), '--json']);
  assert.ok(a.code !== null && a.code !== 2 && a.code !== 5, `exit ${a.code}\n${a.stderr}`);
  const doc = JSON.parse(a.stdout) as ReturnType<typeof parseResult>;
  assert.equal(resultShapeProblem(doc), null);
  assert.ok(doc.durationSec < 6, `stopped early: ${doc.durationSec}s`);
  assert.equal(doc.stop?.reason, 'interrupted');
  assert.ok(doc.summary.requests > 0);
});

/** Spawns the CLI and SIGKILLs it when `when` resolves; resolves when the process is gone. */
function spawnAndKill(args: string[], when: (pid: number) => Promise<void>): Promise<{ killed: boolean; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let exited = false;
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      exited = true;
      clearTimeout(guard);
      resolve({ killed: signal === 'SIGKILL', stderr });
    });
    void when(child.pid!).then(() => {
      if (!exited) child.kill('SIGKILL');
    });
  });
}

test('SIGKILL while `analyze -o` rewrites a 1.5 MB result.json in place (20 seeded trials): the file is always the old or the new document, whole', async (t) => {
  // a 10-minute simulated run (2,000 req/s through the recorder path): a result of ~1.5 MB
  const sim = simulateRun({ seconds: 600, ratePerSec: 500 });
  const oldText = renderJson(sim.result);
  const newText = renderJson(analyze(sim.result, { headroom: 0.4 }));
  assert.notEqual(oldText, newText);
  const file = join(dir, 'inplace.json');
  // how long an uninterrupted rewrite takes: the kills are spread over it
  writeFileSync(file, oldText);
  const t0 = Date.now();
  const whole = await run(['analyze', file, '-o', file, '--headroom', '0.4']);
  const spanMs = Date.now() - t0;
  assert.ok(whole.code !== null && whole.code !== 2 && whole.code !== 5, whole.stderr);
  const expected = readFileSync(file, 'utf8');
  assert.equal(resultShapeProblem(JSON.parse(expected)), null);
  const rng = mulberry32(99);
  const seen = { old: 0, new: 0 };
  for (let i = 0; i < 20; i++) {
    writeFileSync(file, oldText);
    const delayMs = Math.floor(rng() * spanMs * 1.1);
    await spawnAndKill(['analyze', file, '-o', file, '--headroom', '0.4'], () => sleep(delayMs));
    const now = readFileSync(file, 'utf8');
    if (now === oldText) seen.old++;
    else if (now === expected) seen.new++;
    else assert.fail(`trial ${i} (killed after ${delayMs} ms): result.json is neither the old nor the new document (${now.length} bytes)`);
  }
  for (const f of readdirSync(dir).filter((n) => n.startsWith('.inplace.json.'))) rmSync(join(dir, f));
  assert.equal(seen.old + seen.new, 20, JSON.stringify({ ...seen, spanMs }));
  t.diagnostic(`killed during the rewrite: ${seen.old} left the old document, ${seen.new} the new one (a whole rewrite took ${spanMs} ms)`);
});
