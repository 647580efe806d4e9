/**
 * `loadproof convert`: a typical k6 script (stages, thresholds, a bearer header from __ENV, checks,
 * sleep, group, a login whose token is reused) and a typical Artillery script (phases with
 * arrivalRate/rampTo, weighted scenarios, capture, expect) become plans that `design` accepts and
 * `run` runs against a local target; what is not translated is listed with its line. A plan
 * exported to k6 converts back to an equivalent plan.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTarget } from '../targets/app.js';
import { runCli, REPO_ROOT } from '../helpers/cli.js';
import { readResult, tempDir } from '../helpers/engine.js';
import { parsePlan } from '../../src/plan/parse.js';
import { exportK6 } from '../../src/formats/k6/export.js';
import { convertK6 } from '../../src/formats/k6/convert.js';
import { convertArtillery } from '../../src/formats/artillery/convert.js';
import { conversionYaml } from '../../src/formats/common/convert.js';
import { RateCurve } from '../../src/engine/schedule/rate-curve.js';
import { resolveLoad } from '../../src/plan/patterns.js';
import type { Plan } from '../../src/plan/schema.js';
import { planShape } from '../../src/formats/common/plan-shape.js';

const K6_SCRIPT = (base: string): string => `import http from 'k6/http';
import { check, sleep, group } from 'k6';
import { SharedArray } from 'k6/data';

export const options = {
  stages: [
    { duration: '1s', target: 3 },
    { duration: '1s', target: 3 },
  ],
  thresholds: {
    http_req_duration: ['p(95)<500'],
    http_req_failed: ['rate<0.01'],
  },
};

const BASE = '${base}';

export default function () {
  group('browse', function () {
    const res = http.get(\`\${BASE}/\`, { headers: { Authorization: \`Bearer \${__ENV.API_TOKEN}\` } });
    check(res, { 'status is 200': (r) => r.status === 200, 'says ok': (r) => r.body.includes('ok') });
  });
  const login = http.post(BASE + '/auth/login', JSON.stringify({ email: 'test@example.com', password: 'test_password' }), {
    headers: { 'Content-Type': 'application/json' },
  });
  const token = login.json('token');
  const items = http.get(BASE + '/items', { headers: { Authorization: \`Bearer \${token}\` }, tags: { name: 'items' } });
  check(items, { 'items 200': (r) => r.status === 200, 'custom': (r) => r.json().length > 0 });
  console.log(items.status);
  sleep(0.1);
}
`;

const ARTILLERY_SCRIPT = (base: string): string => `config:
  target: "${base}"
  phases:
    - duration: 1
      arrivalRate: 4
      name: warm
    - duration: 1
      arrivalRate: 4
      rampTo: 8
      name: ramp
  ensure:
    p95: 500
    maxErrorRate: 1
  processor: "./helpers.js"
scenarios:
  - name: browse
    weight: 3
    flow:
      - post:
          url: "/auth/login"
          json: { email: "test@example.com", password: "test_password" }
          capture:
            json: "$.token"
            as: token
          expect:
            - statusCode: 200
            - contentType: json
      - get:
          url: "/items"
          headers:
            Authorization: "Bearer {{ token }}"
          expect:
            - statusCode: 200
      - think: 0.1
  - name: home
    weight: 1
    flow:
      - get:
          url: "/"
      - function: "logIt"
`;

test('a typical k6 script converts; the notes name their lines; design and run accept the plan', { timeout: 60_000 }, async () => {
  const t = await startTarget();
  const dir = tempDir();
  try {
    const script = dir.file('script.js', K6_SCRIPT(t.url));
    const out = join(dir.path, 'plan.yaml');
    const c = await runCli(['convert', script, '-o', out]);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stderr, /script\.js:3: not translated: import from k6\/data/);
    assert.match(c.stderr, /script\.js:28: not translated: check "custom"/);
    assert.match(c.stderr, /script\.js:29: not translated: .*console\.log/);
    const plan = parsePlan(readFileSync(out, 'utf8'), { env: { API_TOKEN: 'x' } });
    assert.deepEqual(plan.load!.stages, [{ durationMs: 0, target: 0 }, { durationMs: 1000, target: 3 }, { durationMs: 1000, target: 3 }]);
    assert.equal(plan.load!.model, 'closed');
    const flow = plan.scenarios[0]!.flow;
    assert.deepEqual(flow.map((s) => (s.kind === 'request' ? `${s.method} ${s.path}` : s.kind)), ['GET /', 'POST /auth/login', 'GET /items', 'think']);
    const [home, login, items, think] = flow as [any, any, any, any]; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.deepEqual(home.headers, { Authorization: 'Bearer {{ $env(API_TOKEN) }}' });
    assert.deepEqual(home.expect, { status: 200, contains: 'ok', maxDurationMs: undefined });
    assert.deepEqual(login.json, { email: 'test@example.com', password: 'test_password' });
    assert.deepEqual(login.capture, { token: '$.token' });
    assert.equal(items.name, 'items');
    assert.deepEqual(items.headers, { Authorization: 'Bearer {{ token }}' });
    assert.deepEqual(think.think, { minMs: 100, maxMs: 100 });
    assert.deepEqual(Object.keys(plan.thresholds!), ['http_req_duration', 'http_req_failed']);

    const d = await runCli(['design', out], { env: { API_TOKEN: 'x' } });
    assert.equal(d.code, 0, d.stderr);
    const r = await runCli(['run', out, '--out', join(dir.path, 'res')], { env: { API_TOKEN: 'tok-abcdef' }, timeoutMs: 60_000 });
    assert.ok(r.code === 0 || r.code === 4, `run exit ${r.code}: ${r.stderr}`);
    const res = readResult(join(dir.path, 'res'));
    assert.ok(res.summary.requests > 10, `requests ${res.summary.requests}`);
    assert.equal(res.summary.errors, 0, 'the login token was captured and sent');
    assert.equal(t.stats.unauthorized, 0);
  } finally {
    dir.remove();
    await t.close();
  }
});

test('a typical Artillery script converts (phases, weights, capture, expect); design and run accept it', { timeout: 60_000 }, async () => {
  const t = await startTarget();
  const dir = tempDir();
  try {
    const script = dir.file('artillery.yml', ARTILLERY_SCRIPT(t.url));
    const out = join(dir.path, 'plan.yaml');
    const c = await runCli(['convert', script, '-o', out]);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stderr, /artillery\.yml:14: not translated: config\.processor/);
    assert.match(c.stderr, /artillery\.yml:27: not translated: expect contentType/);
    assert.match(c.stderr, /artillery\.yml:40: not translated: step function/);
    const plan = parsePlan(readFileSync(out, 'utf8'));
    assert.equal(plan.load!.model, 'open');
    assert.deepEqual(plan.load!.stages, [{ durationMs: 0, target: 4 }, { durationMs: 1000, target: 4 }, { durationMs: 1000, target: 8 }]);
    assert.deepEqual(plan.thresholds!.http_req_duration!.map((x) => x.source), ['p(95)<500']);
    assert.deepEqual(plan.thresholds!.http_req_failed!.map((x) => x.source), ['rate<0.01']);
    assert.deepEqual(plan.scenarios.map((s) => [s.name, s.weight]), [['browse', 3], ['home', 1]]);
    const login = plan.scenarios[0]!.flow[0] as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.deepEqual(login.capture, { token: '$.token' });
    assert.deepEqual(login.expect.status, 200);

    assert.equal((await runCli(['design', out])).code, 0);
    const r = await runCli(['run', out, '--out', join(dir.path, 'res')], { timeoutMs: 60_000 });
    assert.ok(r.code === 0 || r.code === 4, `run exit ${r.code}: ${r.stderr}`);
    const res = readResult(join(dir.path, 'res'));
    assert.ok(res.summary.requests >= 10, `requests ${res.summary.requests}`);
    assert.equal(res.summary.errors, 0);
    assert.equal(t.stats.unauthorized, 0, 'the captured token was sent');
  } finally {
    dir.remove();
    await t.close();
  }
});

test("Artillery's documented fixture script converts without notes", () => {
  const file = join(REPO_ROOT, 'src/formats/artillery/fixtures/script.yml');
  const c = convertArtillery(readFileSync(file, 'utf8'), file);
  assert.deepEqual(c.notes, []);
  const plan = parsePlan(conversionYaml(c, file));
  assert.equal(plan.scenarios.length, 2);
  assert.deepEqual(plan.load?.stages?.map((s) => s.target), [5, 5, 15]);
});

/** What makes two plans the same test: load curve, thresholds, abort rules, scenarios and steps. */
function essence(p: Plan): unknown {
  const load = resolveLoad(p);
  const statusList = (s: unknown): unknown => (s === undefined ? undefined : Array.isArray(s) ? s : [s]);
  const steps = (list: Plan['scenarios'][number]['flow']): unknown =>
    list.map((s) =>
      s.kind === 'request'
        ? { m: s.method, p: s.path, n: s.name, h: s.headers, j: s.json, c: s.capture, st: statusList(s.expect?.status), ct: s.expect?.contains, d: s.expect?.maxDurationMs }
        : s.kind === 'think'
          ? { t: s.think }
          : s.kind,
    );
  const total = p.scenarios.reduce((a, s) => a + s.weight, 0);
  return {
    model: load.model,
    thresholds: Object.fromEntries(Object.entries(p.thresholds ?? {}).map(([k, v]) => [k, v.map((x) => x.source)])),
    abort: Object.fromEntries(Object.entries(p.abort ?? {}).map(([k, v]) => [k, v.map((x) => x.source)])),
    scenarios: p.scenarios.map((s) => ({ name: s.name, share: Math.round((s.weight / total) * 100) / 100, setup: steps(s.setup ?? []), flow: steps(s.flow) })),
  };
}

test('round trip: export --to k6, then convert, gives back an equivalent plan', () => {
  const plan = parsePlan(`
name: shop
hypothesis: checkout holds
target: http://127.0.0.1:3000
load: { model: open, stages: [{ duration: 0s, target: 10 }, { duration: 4s, target: 20 }, { duration: 2s, target: 20 }] }
thresholds: { http_req_duration: ["p(95)<300"], http_req_failed: ["rate<0.02"] }
abort: { http_req_failed: "rate>0.5 for 10s" }
scenarios:
  - name: browse
    weight: 3
    setup:
      - post: /auth/login
        json: { email: "a@x.io", password: "{{ $env(PW) }}" }
        capture: { token: "$.token" }
    flow:
      - get: /items
        name: items
        headers: { Authorization: "Bearer {{ token }}" }
        expect: { status: 200, contains: "id", maxDuration: 250ms }
      - think: 1s..2s
      - post: "/items/{{ $randomInt(1, 9) }}"
        json: { note: "{{ $randomString(8) }}" }
        capture: { id: { header: Location } }
        expect: { status: [200, 201] }
  - name: home
    weight: 1
    flow: [{ get: / }, { think: 500ms }]
`, { env: {} });
  const c = convertK6(exportK6(plan), 'shop.js');
  assert.deepEqual(c.notes, [], JSON.stringify(c.notes));
  const back = parsePlan(conversionYaml(c, 'shop.js'));
  assert.deepEqual(essence(back), essence(plan));
  // the load curve: the exporter writes whole-second stages of at least 1 s (planShape) and rounds
  // each scenario's share of a rate up to a whole arrival rate: the converted curve is that one,
  // within 1 arrival/s per scenario
  const a = new RateCurve(planShape(plan).stages.map((x) => ({ durationMs: x.durationSec * 1000, target: x.target })));
  const b = new RateCurve(resolveLoad(back).stages);
  assert.equal(b.durationSec, a.durationSec);
  for (let t = 0.25; t <= a.durationSec; t += 0.25) {
    assert.ok(b.rateAt(t) >= a.rateAt(t) - 1e-9 && b.rateAt(t) <= a.rateAt(t) + plan.scenarios.length, `at ${t}s: ${a.rateAt(t)} vs ${b.rateAt(t)}`);
  }
});
