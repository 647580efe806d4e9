/**
 * SIGKILL at random moments, through the real CLI (issue 17; the rest of the hostile environment is
 * in hostile-env.test.ts). A killed process runs no handler, so what it leaves is what its writes
 * guarantee:
 *   - run.ndjson is appended line by line as the run goes: whatever moment the kill came at, the
 *     log yields a valid partial result (`analyze run.ndjson`: a torn last line dropped, the result
 *     marked interrupted with the reason), or — killed before the load started — says so (exit 2);
 *   - result.json is written to a temporary file, fsync'ed and renamed: after a kill it is absent,
 *     or complete and valid, never torn.
 * The kill moments are seeded delays measured from the moment the run's log appears (so that a busy
 * machine's slow process start does not move them all before the run), and, for the final writes,
 * from the moment the log's end line appears (the analysis and the writes follow it at once).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BIN, REPO_ROOT, runCli } from '../helpers/cli.js';
import { mulberry32 } from '../../src/engine/rng.js';
import { parseResult, resultShapeProblem } from '../../src/report/read-result.js';

let dir: string;
let server: Server;
let target: string;

before(async () => {
  dir = mkdtempSync('/tmp/lp-sigkill-');
  server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function planFile(name: string, sec: number, rate: number): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}\nhypothesis: the process is killed, the record survives\ntarget: ${target}\nthresholds: { http_req_failed: ["rate<0.5"] }\nload: { model: open, stages: [{ duration: ${sec}s, target: ${rate} }] }\nscenarios: [{ name: a, flow: [{ get: / }] }]\n`,
  );
  return file;
}

/** result.json in `out` is absent, or complete and valid. */
function resultState(out: string, label: string): 'absent' | 'valid' {
  const file = join(out, 'result.json');
  if (!existsSync(file)) return 'absent';
  try {
    parseResult(readFileSync(file, 'utf8'), file);
  } catch (e) {
    assert.fail(`${label}: result.json is torn or invalid: ${(e as Error).message}`);
  }
  return 'valid';
}

/** Resolves once `file` exists and holds `needle` (polled every 5 ms; at most 60 s). */
async function waitFor(file: string, needle: string): Promise<void> {
  for (let n = 0; n < 12_000; n++) {
    if (existsSync(file) && readFileSync(file, 'utf8').includes(needle)) return;
    await sleep(5);
  }
}

/** Spawns `run` and SIGKILLs it when `when` resolves (unless it has exited by then). */
function runAndKill(args: string[], when: () => Promise<void>): Promise<{ killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: 'ignore' });
    let exited = false;
    const guard = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      exited = true;
      clearTimeout(guard);
      resolve({ killed: signal === 'SIGKILL' });
    });
    void when().then(() => {
      if (!exited) child.kill('SIGKILL');
    });
  });
}

test('SIGKILL at random moments of a run (10 seeded trials): the log always yields a valid partial result, result.json is never torn', async () => {
  const rng = mulberry32(1717);
  const plan = planFile('sigkill', 2, 60);
  const outcomes: string[] = [];
  for (let i = 0; i < 10; i++) {
    const out = join(dir, `kill-${i}`);
    const log = join(out, 'run.ndjson');
    // 0–2.6 s after the log file is created: before the header, during the 2-second run, or after
    const delayMs = Math.floor(rng() * 2600);
    const k = await runAndKill(['run', plan, '--out', out], async () => {
      await waitFor(log, '');
      await sleep(delayMs);
    });
    resultState(out, `trial ${i}`);
    const a = await runCli(['analyze', log, '--json'], { timeoutMs: 60_000 });
    if (a.code === 2) {
      // killed before the load started: it says so, and indeed no second was logged
      assert.match(a.stderr, /the log ends before its first line: the run was stopped before its load started/, `trial ${i} (${delayMs} ms): ${a.stderr}`);
      assert.equal(readFileSync(log, 'utf8').includes('"type":"second"'), false);
      outcomes.push(`${delayMs} ms: before the load`);
      continue;
    }
    assert.ok(a.code !== null && [0, 1, 3, 4].includes(a.code), `trial ${i} (${delayMs} ms): exit ${a.code}\n${a.stderr}`);
    const doc = JSON.parse(a.stdout) as ReturnType<typeof parseResult>;
    assert.equal(resultShapeProblem(doc), null, `trial ${i}`);
    assert.ok(doc.analysis !== null);
    const text = readFileSync(log, 'utf8');
    const ended = text.includes('"type":"end"');
    const seconds = text.split('\n').filter((l) => l.startsWith('{"type":"second"')).length;
    if (!ended) {
      assert.equal(doc.stop?.reason, 'interrupted', `trial ${i}`);
      assert.match(doc.stop?.message ?? '', /the run was killed/);
      // every whole second line is in the result's timeline (a torn one is dropped)
      assert.ok(doc.timeline.length >= seconds - 1 && doc.timeline.length <= seconds, `trial ${i}: ${doc.timeline.length} points, ${seconds} second lines`);
    }
    outcomes.push(`${delayMs} ms: ${k.killed ? 'killed' : 'finished'}, ${ended ? 'log complete' : 'log cut'}, ${doc.summary.requests} requests`);
  }
  // the delays cover a run cut mid-way at least once
  assert.ok(outcomes.some((o) => o.includes('log cut')), outcomes.join('\n'));
});

test("SIGKILL during a run's final writes (6 trials, 0–300 ms after the log's end line): result.json absent or complete", async () => {
  const rng = mulberry32(2026);
  const plan = planFile('sigkill-final', 1, 40);
  const seen = { absent: 0, valid: 0 };
  for (let i = 0; i < 6; i++) {
    const out = join(dir, `final-${i}`);
    const delayMs = Math.floor(rng() * 300);
    await runAndKill(['run', plan, '--out', out], async () => {
      // the end line is written just before the analysis and the final writes begin
      await waitFor(join(out, 'run.ndjson'), '"type":"end"');
      await sleep(delayMs);
    });
    seen[resultState(out, `trial ${i}`)]++;
    const html = join(out, 'report.html');
    if (existsSync(html)) assert.match(readFileSync(html, 'utf8'), /<\/html>\s*$/, `trial ${i}: report.html whole`);
    // at most stray temporary files beside the targets, never a torn target
    for (const f of readdirSync(out)) assert.ok(['run.ndjson', 'result.json', 'report.md', 'report.html'].includes(f) || /^\.(result\.json|report\.md|report\.html)\.\d+\.[0-9a-f]+\.tmp$/.test(f), f);
  }
  assert.equal(seen.absent + seen.valid, 6, JSON.stringify(seen));
});
