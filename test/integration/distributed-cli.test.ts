/**
 * The distributed commands' input handling through the real CLI (no load is sent): `k8s` writes
 * manifests that validate, `k8s --apply` without a kubeconfig is a one-line error (exit 2), and
 * bad `--segment` / `--start-at` / `--local-address` values are refused before any load.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { runCli, REPO_ROOT } from '../helpers/cli.js';
import { parseLog } from '../../src/metrics/log.js';
import { tempDir } from '../helpers/engine.js';

const PLAN = `name: k8s cli
hypothesis: p95 under 100 ms
target: http://127.0.0.1:9
distributed: { segments: 3 }
pattern: { type: load, peak: 30, duration: 30s }
thresholds:
  http_req_duration: ["p(95)<100"]
scenarios:
  - name: s
    flow:
      - get: /
`;

test('k8s writes the manifests and Dockerfile; --apply without a kubeconfig is exit 2', async () => {
  const dir = tempDir('lp-k8s-');
  try {
    const plan = dir.file('plan.yaml', PLAN);
    const out = join(dir.path, 'k8s');
    const r = await runCli(['k8s', plan, '--out', out, '--namespace', 'perf', '--start-at', '2030-01-01T00:00:00Z'], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    const docs = parseAllDocuments(readFileSync(join(out, 'manifests.yaml'), 'utf8')).map((d) => d.toJS() as { kind: string; spec?: { completions: number } });
    assert.deepEqual(docs.map((d) => d.kind), ['ConfigMap', 'ServiceAccount', 'Role', 'RoleBinding', 'Job']);
    const job = docs[4]!;
    new Job(job as never).validate();
    // the plan's distributed.segments sets the number of generators
    assert.equal(job.spec!.completions, 3);
    assert.match(readFileSync(join(out, 'Dockerfile'), 'utf8'), /^FROM node:20/m);

    const apply = await runCli(['k8s', plan, '--out', out, '--apply'], { timeoutMs: 30_000, env: { KUBECONFIG: join(dir.path, 'none'), HOME: dir.path, KUBERNETES_SERVICE_HOST: '' } });
    assert.equal(apply.code, 2);
    assert.match(apply.stderr, /--apply: no kubeconfig/);
    const mismatch = await runCli(['k8s', plan, '--generators', '4', '--out', out], { timeoutMs: 30_000 });
    assert.equal(mismatch.code, 2);
    assert.match(mismatch.stderr, /differs from the plan's distributed\.segments: 3/);
  } finally {
    dir.remove();
  }
});

test('run refuses a bad --segment, --start-at or --local-address before sending anything', async () => {
  const dir = tempDir('lp-seg-');
  try {
    const plan = dir.file('plan.yaml', PLAN);
    for (const [args, msg] of [
      [['--segment', '3/3'], /not below the count 3/],
      [['--segment', '1/4'], /differs from the plan's distributed\.segments: 3/],
      [['--start-at', 'tomorrow'], /--start-at tomorrow is not an ISO 8601 instant/],
      [['--local-address', 'localhost'], /--local-address localhost is not an IP address/],
    ] as const) {
      const r = await runCli(['run', plan, ...args, '--out', join(dir.path, 'x')], { timeoutMs: 30_000 });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, msg);
    }
  } finally {
    dir.remove();
  }
});

test('--shard-to-stdout: stdout is exactly the run.ndjson shard, the rest goes to stderr', async () => {
  const child = spawn(process.execPath, [resolve(REPO_ROOT, 'dist/test/targets/fixed-sleep.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const dir = tempDir('lp-shard-');
  try {
    const port = await new Promise<string>((res) => child.stdout!.setEncoding('utf8').once('data', (d: string) => res(d.trim())));
    const plan = dir.file('plan.yaml', PLAN.replace('http://127.0.0.1:9', `http://127.0.0.1:${port}`).replace('pattern: { type: load, peak: 30, duration: 30s }', 'load: { stages: [ { duration: 0s, target: 20 }, { duration: 2s, target: 20 } ] }'));
    const out = join(dir.path, 'seg');
    const r = await runCli(['run', plan, '--segment', '1', '--shard-to-stdout', '--out', out], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, readFileSync(join(out, 'run.ndjson'), 'utf8'));
    const log = parseLog(r.stdout);
    assert.deepEqual(log.header.segment, { index: 1, count: 3 });
    assert.equal(log.header.seed, 1, 'a segmented run without --seed uses the fixed seed');
    assert.notEqual(log.end, null);
    // segment 1 of 3 of 40 arrivals: n ≡ 1 (mod 3) → 13
    assert.equal(log.seconds.reduce((a, s) => a + s.endpoints.reduce((b, e) => b + e.requests, 0), 0), 13);
    assert.match(r.stderr, /Reports:/);
  } finally {
    child.kill('SIGKILL');
    dir.remove();
  }
});
