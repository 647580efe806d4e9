/**
 * `loadproof analyze` and `loadproof fit` from the outside: exit codes, --json purity, one-line
 * errors, and the published numbers (SPEC SDM91 USL fit, Kneedle Figure 2) within 0.1%.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { healthyCase, poolExhaustionCase } from '../helpers/synthetic-results.js';
import type { Result } from '../../src/result/types.js';

const dir = mkdtempSync(join(tmpdir(), 'lp-analysis-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const fixture = (name: string): string => resolve(REPO_ROOT, 'test/fixtures/analysis', name);
const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);
const T = { timeoutMs: 60_000 };

const poolFile = join(dir, 'pool.json');
const pool = poolExhaustionCase();
pool.criteria = [{ metric: 'http_req_duration', condition: 'p(95)<200', observed: pool.summary.latencyMs.p95, pass: false }];
writeFileSync(poolFile, JSON.stringify(pool));
const healthyFile = join(dir, 'healthy.json');
const healthy = healthyCase();
healthy.criteria = [{ metric: 'http_req_duration', condition: 'p(95)<200', observed: healthy.summary.latencyMs.p95, pass: true }];
writeFileSync(healthyFile, JSON.stringify(healthy));

test('fit usl reproduces the usl R package fit of SPEC SDM91 within 0.1% (--json and text)', async () => {
  const r = await runCli(['fit', 'usl', fixture('sdm91.csv'), '--json'], T);
  assert.equal(r.code, 0, r.stderr);
  const fit = JSON.parse(r.stdout) as { sigma: number; kappa: number; lambda: number; peakConcurrency: number; r2: number };
  assert.ok(rel(fit.sigma, 0.0277285) < 1e-3, `sigma ${fit.sigma}`);
  assert.ok(rel(fit.kappa, 0.0001044) < 1e-3, `kappa ${fit.kappa}`);
  assert.ok(rel(fit.lambda, 89.995) < 1e-3, `lambda ${fit.lambda}`);
  assert.ok(rel(fit.peakConcurrency, 96.5) < 1e-3, `N* ${fit.peakConcurrency}`);
  const text = await runCli(['fit', 'usl', fixture('sdm91.csv')], T);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /sigma\s+σ\s+0\.0277/);
  assert.match(text.stdout, /N\* = 96\.5/);
});

test('fit knee finds Figure 2’s knee at x = 2/9 within 0.1%; --online lists every knee', async () => {
  const r = await runCli(['fit', 'knee', fixture('kneedle-figure2.csv'), '--json'], T);
  assert.equal(r.code, 0, r.stderr);
  const k = JSON.parse(r.stdout) as { knee: number; kneeY: number; allKnees?: unknown };
  assert.ok(rel(k.knee, 2 / 9) < 1e-3, `knee ${k.knee}`);
  assert.ok(rel(k.kneeY, -1 / (2 / 9 + 0.1) + 5) < 1e-9);
  assert.equal(k.allKnees, undefined);
  const on = await runCli(['fit', 'knee', fixture('kneedle-figure2.csv'), '--online', '--json', '-S', '1'], T);
  const o = JSON.parse(on.stdout) as { knee: number; allKnees: Array<{ x: number; y: number }> };
  assert.ok(o.allKnees.length >= 1);
  assert.equal(o.knee, o.allKnees[o.allKnees.length - 1]!.x);
  const text = await runCli(['fit', 'knee', fixture('kneedle-figure2.csv')], T);
  assert.match(text.stdout, /^knee at x = 0\.222222/);
});

test('fit: bad rows and flags are exit 2 with one line naming the line or flag', async () => {
  const bad = join(dir, 'bad.csv');
  writeFileSync(bad, 'N,X\n1,10\n2,19\nthree,27\n');
  const r = await runCli(['fit', 'usl', bad], T);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /bad\.csv:4: expected two numbers/);
  const neg = join(dir, 'neg.csv');
  writeFileSync(neg, '1,10\n0,19\n3,27\n');
  assert.match((await runCli(['fit', 'usl', neg], T)).stderr, /neg\.csv:2: concurrency N must be positive/);
  const dup = join(dir, 'dup.csv');
  writeFileSync(dup, '1,10\n2,19\n2,27\n');
  assert.match((await runCli(['fit', 'knee', dup], T)).stderr, /dup\.csv:3: x = 2 appears twice/);
  const c = await runCli(['fit', 'knee', fixture('kneedle-figure2.csv'), '--curve', 'wavy'], T);
  assert.equal(c.code, 2);
  assert.match(c.stderr, /--curve must be concave or convex/);
  const m = await runCli(['fit', 'usl', join(dir, 'missing.csv')], T);
  assert.equal(m.code, 2);
  assert.match(m.stderr, /missing\.csv: no such file/);
});

test('fit usl reads stdin with -', async () => {
  const r = await runCli(['fit', 'usl', '-', '--json'], { ...T, input: readFileSync(fixture('sdm91.csv'), 'utf8') });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(rel((JSON.parse(r.stdout) as { sigma: number }).sigma, 0.0277285) < 1e-3);
});

test('analyze prints a summary and exits with the verdict’s code (1 for a failed criterion, 0 for a pass)', async () => {
  const r = await runCli(['analyze', poolFile], T);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /Verdict: FAIL \(hypothesis refuted\)/);
  assert.match(r.stdout, /Capacity: Max sustainable: 500 req\/s/);
  assert.match(r.stdout, /Pool exhaustion.*\[pool-exhaustion, confidence 0\.\d\d\]/);
  assert.match(r.stdout, /10\/10 in use/);
  assert.match(r.stdout, /Steps:/);
  const ok = await runCli(['analyze', healthyFile], T);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /Diagnoses: none/);
  assert.match(ok.stdout, /above 300 req\/s, not reached/);
});

test('analyze --json prints only the analysed document; --slo overrides the SLO; -o writes it', async () => {
  const r = await runCli(['analyze', poolFile, '--json', '--slo', 'p(99)<5000'], T);
  assert.equal(r.code, 1, r.stderr);
  const doc = JSON.parse(r.stdout) as Result;
  assert.equal(doc.schema, 'loadproof.result/v1');
  assert.equal(doc.analysis!.capacity.slo, 'p(99)<5000ms, errors<1%');
  // p99 was 2.3 s at 600 req/s and 6.8 s at 700: the looser SLO moves capacity to the 600 step (526 achieved)
  assert.ok(doc.analysis!.capacity.maxSustainableRps! > 520, JSON.stringify(doc.analysis!.capacity));
  assert.ok(doc.steps.length >= 8);
  const out = join(dir, 'analysed.json');
  const w = await runCli(['analyze', poolFile, '-o', out], T);
  assert.equal(w.code, 1);
  const written = JSON.parse(readFileSync(out, 'utf8')) as Result;
  assert.equal(written.analysis!.diagnoses[0]!.id, 'pool-exhaustion');
  // the input itself is untouched
  assert.equal((JSON.parse(readFileSync(poolFile, 'utf8')) as Result).analysis, null);
});

test('analyze: a missing file, a non-result and a bad --slo are exit 2 with one line', async () => {
  const missing = await runCli(['analyze', join(dir, 'nope.json')], T);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.json: .*no such file/);
  const k6 = join(dir, 'k6-summary.json');
  writeFileSync(k6, JSON.stringify({ metrics: { http_reqs: { count: 10 } } }));
  const nr = await runCli(['analyze', k6], T);
  assert.equal(nr.code, 2);
  assert.match(nr.stderr, /not a loadproof result.*loadproof import/);
  const junk = join(dir, 'junk.json');
  writeFileSync(junk, '{not json');
  assert.match((await runCli(['analyze', junk], T)).stderr, /not a JSON document/);
  const slo = await runCli(['analyze', poolFile, '--slo', 'p(95)>>3'], T);
  assert.equal(slo.code, 2);
  assert.equal(slo.stderr.trim().split('\n').length, 1);
  assert.match(slo.stderr, /--slo/);
  const h = await runCli(['analyze', poolFile, '--headroom', '1.5'], T);
  assert.equal(h.code, 2);
  for (const x of [missing, nr, slo, h]) assert.doesNotMatch(x.stderr, /at .*\.js:\d+/);
});
