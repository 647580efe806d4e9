import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quickPlan } from './quick.js';
import { applyOverrides } from './run.js';
import { buildDesign, renderDesign } from '../../plan/design.js';
import { parsePlan } from '../../plan/parse.js';
import { resolveLoad } from '../../plan/patterns.js';
import { LoadproofError } from '../../errors.js';
import { slugOf } from '../results-dir.js';

const base = { connections: '50', duration: '30s', method: 'GET' };

test('quick without -R: a closed loop of -c VUs, no think time, from the first second', () => {
  const { plan, secrets } = quickPlan('http://127.0.0.1:3000/items?page=2', { ...base, connections: '8', duration: '5s', method: 'post', header: ['Authorization: Bearer abc123', 'X-Trace: 1'], body: '{"a":1}' });
  const load = resolveLoad(plan);
  assert.equal(load.model, 'closed');
  assert.deepEqual(load.stages, [
    { durationMs: 0, target: 8 },
    { durationMs: 5000, target: 8 },
  ]);
  assert.equal(plan.target, 'http://127.0.0.1:3000');
  const step = plan.scenarios[0]!.flow[0]!;
  assert.equal(step.kind, 'request');
  if (step.kind !== 'request') return;
  assert.equal(step.method, 'POST');
  assert.equal(step.path, '/items?page=2');
  assert.equal(step.body, '{"a":1}');
  assert.equal(plan.defaults!.headers!['Content-Type'], 'application/json');
  assert.equal(plan.defaults!.think, undefined);
  assert.deepEqual(secrets, ['Bearer abc123'], 'only secret headers are scrubbed');
});

test('quick with -R: the open model at that rate over at most -c connections', () => {
  const { plan } = quickPlan('https://127.0.0.1:8443/', { ...base, rate: '1200/s', connections: '16', duration: '1m', body: 'plain' });
  const load = resolveLoad(plan);
  assert.equal(load.model, 'open');
  assert.equal(load.totalMs, 60_000);
  assert.equal(load.stages[1]!.target, 1200);
  assert.equal(plan.load!.connections, 16);
  assert.equal(plan.defaults!.headers!['Content-Type'], 'text/plain');
});

test('quick refuses bad flags with exit 2, naming the flag', () => {
  const bad: Array<[string, Partial<typeof base> & { rate?: string; header?: string[]; timeout?: string }, RegExp]> = [
    ['nope', {}, /not a URL/],
    ['ftp://x/', {}, /unsupported protocol/],
    ['http://x/', { connections: '1.5' }, /-c/],
    ['http://x/', { duration: '0s' }, /-d/],
    ['http://x/', { rate: '-3' }, /-R/],
    ['http://x/', { method: 'TRACE' }, /-m TRACE/],
    ['http://x/', { header: ['nocolon'] }, /-H/],
    ['http://x/', { timeout: 'later' }, /--timeout/],
  ];
  for (const [url, flags, msg] of bad) {
    assert.throws(
      () => quickPlan(url, { ...base, ...flags }),
      (e: unknown) => e instanceof LoadproofError && e.exitCode === 2 && msg.test(e.oneLine()) && e.hint !== undefined,
      `${url} ${JSON.stringify(flags)}`,
    );
  }
});

test('run --pattern/--peak override the plan (and its explicit stages); bad values exit 2', () => {
  const plan = parsePlan(`
name: o
hypothesis: h
target: http://127.0.0.1:1
load: { stages: [{ duration: 5s, target: 10 }] }
thresholds: { http_req_failed: ["rate<0.01"] }
scenarios: [{ name: a, flow: [{ get: / }] }]
`);
  const o = applyOverrides(plan, { pattern: 'stress', peak: '40' });
  assert.deepEqual(o.pattern, { durationMs: undefined, precision: undefined, type: 'stress', peak: 40 });
  assert.equal(o.load!.stages, undefined);
  assert.equal(resolveLoad(o).source, 'stress');
  assert.equal(applyOverrides(plan, {}), plan);
  assert.throws(() => applyOverrides(plan, { peak: '40' }), /needs a pattern/);
  assert.throws(() => applyOverrides(plan, { pattern: 'load' }), /needs a peak/);
  assert.throws(() => applyOverrides(plan, { pattern: 'load', peak: 'x' }), /not a positive number/);
  const d = renderDesign(buildDesign(o));
  assert.ok(d.indexOf('What test to run') < d.indexOf('What to watch') && d.indexOf('What to watch') < d.indexOf('How to interpret'));
  assert.match(d, /stress/);
});

test('results folder slug', () => {
  assert.equal(slugOf('Items API — capacity (v2)'), 'items-api-capacity-v2');
  assert.equal(slugOf('!!!'), 'run');
  assert.ok(slugOf('x'.repeat(100)).length <= 40);
});
