import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadproofError } from '../errors.js';
import { judgeSlo, parseSlo, resolveSlo } from './slo.js';
import type { Result } from '../result/types.js';

const plan = (thresholds?: Record<string, string[]>): Pick<Result, 'plan'> => ({
  plan: { name: 'p', hypothesis: null, target: 'http://127.0.0.1', pattern: null, ...(thresholds ? { thresholds } : {}) },
});

test('parseSlo reads k6 expressions with optional metric prefixes and assumes a 1% error budget', () => {
  const s = parseSlo('p(95)<200, http_req_duration: p(99)<1s');
  assert.deepEqual(
    s.latency.map((l) => l.valueMs),
    [200, 1000],
  );
  assert.equal(s.errorBudget, 0.01);
  assert.match(s.notes.join(' '), /no error budget/);
  assert.equal(parseSlo('rate<0.05;avg<=100').errorBudget, 0.05);
  assert.equal(parseSlo('http_req_failed: rate<0.02').errorBudget, 0.02);
  assert.equal(s.text, 'p(95)<200ms, p(99)<1s, errors<1%');
});

test('parseSlo rejects what is not an objective, exit 2', () => {
  for (const bad of ['', 'p(95)>200', 'rate>0.1', 'banana', 'rate<2']) {
    assert.throws(
      () => parseSlo(bad),
      (e: unknown) => e instanceof LoadproofError && e.exitCode === 2 && e.where === '--slo',
      bad,
    );
  }
});

test('resolveSlo: the plan’s untagged latency and error thresholds, else the stated default', () => {
  const s = resolveSlo(plan({ http_req_duration: ['p(95)<200', 'p(99)<500'], 'http_req_duration{name:login}': ['p(95)<50'], http_req_failed: ['rate<0.02'] }));
  assert.equal(s.origin, 'plan');
  assert.equal(s.text, 'p(95)<200ms, p(99)<500ms, errors<2%');
  assert.match(s.notes.join(' '), /name:login/);
  const d = resolveSlo(plan());
  assert.equal(d.origin, 'default');
  assert.equal(d.text, 'p(95)<500ms, errors<1%');
  assert.equal(resolveSlo(plan({ http_req_duration: ['p(95)<200'] }), 'p(99)<300').text, 'p(99)<300ms, errors<1%');
});

test('judgeSlo: strict bounds, the error budget, and percentiles it can only bound from above', () => {
  const slo = parseSlo('p(95)<200,p(90)<150,rate<0.01');
  const step = { latencyMs: { p50: 50, p95: 199, p99: 400 }, meanMs: 60, maxMs: 900, errorRate: 0.005 };
  const j = judgeSlo(step, slo);
  // p(90) is judged by the recorded p95 (199 ≥ 150): stricter, never laxer
  assert.equal(j.pass, false);
  assert.match(j.failures[0]!, /p\(90\) 199 ms over 150 ms/);
  assert.equal(judgeSlo({ ...step, errorRate: 0.01 }, parseSlo('p(95)<200')).pass, false);
  assert.equal(judgeSlo(step, parseSlo('p(95)<200')).pass, true);
});
