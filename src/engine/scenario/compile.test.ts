import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileScenarios, drawThinkMs } from './compile.js';
import { parsePlan } from '../../plan/parse.js';
import { PlanError } from '../../errors.js';
import { mulberry32 } from '../rng.js';

const plan = (scenarios: string): ReturnType<typeof parsePlan> =>
  parsePlan(`
name: t
hypothesis: h
target: http://127.0.0.1:3000/api
pattern: { type: load, peak: 10 }
thresholds: { http_req_failed: rate<0.01 }
defaults:
  headers: { X-API-Key: key-123456 }
scenarios:
${scenarios}`);

test('compiles setup, flow and think steps, lists endpoints once and the static secrets', () => {
  const c = compileScenarios(
    plan(`
  - name: browse
    weight: 3
    setup:
      - post: /login
        json: { user: u }
        capture: { token: $.token }
    flow:
      - get: /items/{{ id }}
        headers: { Authorization: "Bearer {{ token }}" }
      - think: 1s..3s
  - name: again
    flow:
      - post: /login
        json: { user: u }
`),
  );
  assert.deepEqual(c.weights, [3, 1]);
  assert.deepEqual(c.scenarios.map((s) => [s.name, s.setup.length, s.flow.map((f) => f.kind)]), [
    ['browse', 1, ['request', 'think']],
    ['again', 0, ['request']],
  ]);
  assert.deepEqual(c.scenarios[0]!.flow[1], { kind: 'think', minMs: 1000, maxMs: 3000 });
  assert.deepEqual(c.endpoints, [
    { name: 'POST /login', method: 'POST', path: '/login', scenario: 'browse' },
    { name: 'GET /items/{{ id }}', method: 'GET', path: '/items/{{ id }}', scenario: 'browse' },
  ]);
  assert.deepEqual(c.staticSecrets, ['key-123456']);
  const first = c.scenarios[0]!.flow[0]!;
  assert.equal(first.kind === 'request' && first.request.build({ get: (n) => (n === 'id' ? '5' : 'T') }).path, '/api/items/5');
});

test('every problem in every scenario is reported at once, by field path', () => {
  assert.throws(
    () =>
      compileScenarios(
        plan(`
  - name: a
    flow:
      - get: /x/{{ $nope() }}
      - post: /y
        json: { a: "{{ unclosed" }
  - name: b
    flow:
      - get: /z
        capture: { t: "no-dollar" }
`),
        { file: 'plan.yaml' },
      ),
    (e: unknown) => {
      assert.ok(e instanceof PlanError);
      assert.deepEqual(
        e.issues.map((i) => [i.file, i.path]),
        [
          ['plan.yaml', 'scenarios.0.flow.0.get'],
          ['plan.yaml', 'scenarios.0.flow.1.json.a'],
          ['plan.yaml', 'scenarios.1.flow.0.capture.t'],
        ],
      );
      assert.equal(e.exitCode, 2);
      return true;
    },
  );
});

test('drawThinkMs is uniform within the range and exact for a fixed think', () => {
  assert.equal(drawThinkMs({ minMs: 500, maxMs: 500 }), 500);
  const rng = mulberry32(3);
  let sum = 0;
  for (let i = 0; i < 10_000; i++) {
    const v = drawThinkMs({ minMs: 1000, maxMs: 3000 }, rng);
    assert.ok(v >= 1000 && v < 3000);
    sum += v;
  }
  // mean 2000, sd of the mean 577/sqrt(10k) ≈ 6: 30 is 5 sigma
  assert.ok(Math.abs(sum / 10_000 - 2000) < 30);
});
