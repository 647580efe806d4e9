/**
 * The run history from outside (the real CLI, spawned) against a local service whose only cost is a
 * fixed sleep per request (500 ms, then 1500 ms: a 3× slowdown that no scheduling noise on a shared
 * machine can hide or imitate; and long enough that a busy generator's send lag stays a small share
 * of the latency, so the runs stay valid): `run` records, `run --baseline previous` exits 1 on the regression
 * and says so in the summary, report.md, report.html and JUnit; `history` and `compare` read it
 * back; a corrupt store is a warning and the run's files are still written; `--no-history` writes
 * nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

async function sleepyServer(): Promise<{ server: Server; port: number; setDelay(ms: number): void }> {
  let delayMs = 500;
  const server = createServer((_req, res) => {
    setTimeout(() => res.end('ok'), delayMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, setDelay: (ms) => void (delayMs = ms) };
}

function planText(port: number): string {
  return `name: history cli
hypothesis: the cart answers fast
target: http://127.0.0.1:${port}
load:
  model: open
  stages:
    - { duration: 1s, target: 50 }
    - { duration: 3s, target: 50 }
thresholds:
  http_req_duration: ["p(95)<5000"]
scenarios:
  - name: cart
    flow:
      - get: /cart
`;
}

test('run records; run --baseline previous exits 1 on a 3× slowdown and says so everywhere; history and compare read it back', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lp-history-cli-'));
  const svc = await sleepyServer();
  try {
    const plan = join(dir, 'plan.yaml');
    writeFileSync(plan, planText(svc.port));
    const db = join(dir, 'h.db');

    const r1 = await runCli(['run', plan, '--out', join(dir, 'r1'), '--history', db], { cwd: dir, timeoutMs: 60_000 });
    assert.equal(r1.code, 0, r1.stderr + r1.stdout);
    assert.match(r1.stdout, /Recorded in the run history as #1 \(.*h\.db\)/);

    svc.setDelay(1500);
    const r2 = await runCli(['run', plan, '--out', join(dir, 'r2'), '--history', db, '--baseline', 'previous'], { cwd: dir, timeoutMs: 60_000 });
    assert.equal(r2.code, 1, `a significant regression fails the run even though its thresholds pass\n${r2.stdout}\n${r2.stderr}`);
    assert.match(r2.stdout, /Hypothesis held/);
    assert.match(r2.stdout, /Baseline previous \(#1\): Regression: p50 \+/);
    assert.match(r2.stdout, /Recorded in the run history as #2/);

    const result = JSON.parse(readFileSync(join(dir, 'r2', 'result.json'), 'utf8'));
    assert.equal(result.verdict, 'pass');
    assert.equal(result.baseline.verdict, 'regression');
    assert.equal(result.baseline.a.id, 1);
    const p50 = result.baseline.overall.metrics.find((m: { metric: string }) => m.metric === 'p50');
    assert.ok(p50.change > 1.5 && p50.ci[0] > 0, JSON.stringify(p50));
    assert.equal(result.trend.length, 2);
    assert.equal(result.trend[1].current, true);

    const md = readFileSync(join(dir, 'r2', 'report.md'), 'utf8');
    assert.match(md, /### Compared with baseline\n\n❌ \*\*regression\*\*: Regression: p50/);
    assert.ok(md.indexOf('### Compared with baseline') < md.indexOf('### Test Configuration'));
    const html = readFileSync(join(dir, 'r2', 'report.html'), 'utf8');
    assert.match(html, /<section id="baseline"><h2>Compared with baseline<\/h2>/);
    assert.match(html, /data-chart="baseline-latency"/);
    assert.match(html, /data-chart="trend"/);
    const junit = await runCli(['report', join(dir, 'r2', 'result.json'), '--format', 'junit'], { cwd: dir });
    assert.equal(junit.code, 0, junit.stderr);
    assert.match(junit.stdout, /<testcase name="no significant regression against baseline previous \(#1\)"[^>]*>\n\s*<failure message="Regression: p50[^"]*" type="regression">/);

    const hist = await runCli(['history', '--history', db, '--json'], { cwd: dir });
    assert.equal(hist.code, 0, hist.stderr);
    const runs = JSON.parse(hist.stdout);
    assert.deepEqual(runs.map((r: { id: number }) => r.id), [1, 2]);
    assert.ok(runs[1].summary.latencyMs.p50 > runs[0].summary.latencyMs.p50 * 2);
    const table = await runCli(['history', '--history', db, '--plan', 'history cli', '--last', '5'], { cwd: dir });
    assert.match(table.stdout, /#2 .* pass +\S+ ms \(\+\d+%\)/);
    assert.match(table.stdout, /Trend of "history cli" over 2 runs/);

    // two result files compare without any history; ids need one
    const files = await runCli(['compare', join(dir, 'r1'), join(dir, 'r2', 'result.json'), '--json', '--no-history'], { cwd: dir });
    assert.equal(files.code, 0, files.stderr);
    assert.equal(JSON.parse(files.stdout).verdict, 'regression');
    const ids = await runCli(['compare', 'previous', 'latest', '--history', db], { cwd: dir });
    assert.equal(ids.code, 0, ids.stderr);
    assert.match(ids.stdout, /^REGRESSION: /);
    const noStore = await runCli(['compare', '1', '2', '--no-history'], { cwd: dir });
    assert.equal(noStore.code, 2);
    assert.match(noStore.stderr, /needs the run history/);
    const badRef = await runCli(['run', plan, '--history', db, '--baseline', '99'], { cwd: dir });
    assert.equal(badRef.code, 2, 'a baseline that does not exist is bad input, before any load is sent');
    assert.match(badRef.stderr, /--baseline "99": no run #99/);
  } finally {
    svc.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a corrupt store is a warning and the run is kept; --no-history writes nothing', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lp-history-cli-'));
  const svc = await sleepyServer();
  try {
    const plan = join(dir, 'plan.yaml');
    writeFileSync(plan, planText(svc.port));
    const bad = join(dir, 'bad.db');
    writeFileSync(bad, 'garbage '.repeat(1000));
    const r = await runCli(['run', plan, '--out', join(dir, 'r'), '--history', bad], { cwd: dir, timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: run history .*bad\.db is corrupt .*the run was not recorded \(its result file is kept\)/);
    assert.ok(existsSync(join(dir, 'r', 'result.json')));
    assert.doesNotMatch(r.stdout, /Recorded in the run history/);

    const n = await runCli(['run', plan, '--out', join(dir, 'n'), '--no-history'], { cwd: dir, timeoutMs: 60_000 });
    assert.equal(n.code, 0, n.stderr);
    assert.ok(existsSync(join(dir, 'n', 'result.json')));
    assert.equal(existsSync(join(dir, '.loadproof')), false, '--no-history creates no store');
  } finally {
    svc.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
