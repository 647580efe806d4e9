import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRequest, toRequestTarget } from './request.js';
import { Vars } from './template.js';
import { parsePlan } from '../../plan/parse.js';
import type { RequestStep } from '../../plan/schema.js';
import { LoadproofError } from '../../errors.js';

const target = new URL('http://127.0.0.1:3000');

function step(over: Partial<RequestStep>): RequestStep {
  return { kind: 'request', method: 'GET', path: '/items', name: undefined, headers: undefined, query: undefined, json: undefined, form: undefined, body: undefined, capture: undefined, expect: undefined, timeoutMs: undefined, ...over };
}

const ctx = { target, scenario: 'browse', where: 'scenarios.0.flow.0' };

test('a static request builds once and returns the same object', () => {
  const c = compileRequest(step({ headers: { Accept: 'application/json' } }), { ...ctx, defaults: { timeoutMs: 5000, headers: { 'User-Agent': 'lp' } } });
  assert.equal(c.isStatic, true);
  assert.equal(c.endpoint, 'GET /items');
  assert.equal(c.timeoutMs, 5000);
  const a = c.build(new Vars());
  assert.equal(a, c.build(new Vars()));
  assert.deepEqual(a, { method: 'GET', path: '/items', headers: [['User-Agent', 'lp'], ['Accept', 'application/json']] });
});

test('templated path, query and headers render per VU; the endpoint keeps the templates', () => {
  const c = compileRequest(step({ path: '/items/{{ id }}?sort=asc', query: { q: '{{ term }}', page: 2 }, headers: { Authorization: 'Bearer {{ token }}' } }), ctx);
  assert.equal(c.isStatic, false);
  assert.equal(c.endpoint, 'GET /items/{{ id }}?sort=asc');
  assert.deepEqual([...c.variables].sort(), ['id', 'term', 'token']);
  const v = new Vars();
  v.set('id', '42');
  v.set('term', 'a b&c');
  v.set('token', 'T');
  const b = c.build(v);
  assert.equal(b.path, '/items/42?sort=asc&q=a%20b%26c&page=2');
  assert.deepEqual(b.headers, [['Authorization', 'Bearer T']]);
  assert.notEqual(c.build(v), b); // a fresh object each time
});

test('missing variables render empty and are reported', () => {
  const c = compileRequest(step({ path: '/u/{{ id }}', headers: { Authorization: 'Bearer {{ token }}' } }), ctx);
  const missing: string[] = [];
  const b = c.build(new Vars(), missing);
  assert.equal(b.path, '/u/');
  assert.deepEqual(missing, ['id', 'token']);
});

test('step headers override defaults case-insensitively, keeping the step spelling', () => {
  const c = compileRequest(step({ headers: { 'user-agent': 'mine', 'X-A': '1' } }), { ...ctx, defaults: { timeoutMs: 10_000, headers: { 'User-Agent': 'default', Accept: '*/*' } } });
  assert.deepEqual(c.build(new Vars()).headers, [['user-agent', 'mine'], ['Accept', '*/*'], ['X-A', '1']]);
});

test('json bodies set application/json; form bodies are urlencoded; raw bodies are sent as written', () => {
  const j = compileRequest(step({ method: 'POST', json: { name: '{{ $randomString(5) }}', value: 42 } }), ctx);
  const jb = j.build(new Vars());
  assert.deepEqual(jb.headers, [['content-type', 'application/json']]);
  const parsed = JSON.parse(jb.body!.toString()) as { name: string; value: number };
  assert.match(parsed.name, /^[A-Za-z0-9]{5}$/);
  assert.equal(parsed.value, 42);

  const f = compileRequest(step({ method: 'POST', form: { user: 'a b', pw: '{{ pw }}', n: 3 } }), ctx);
  const v = new Vars();
  v.set('pw', 'x&y=z');
  const fb = f.build(v);
  assert.equal(fb.body!.toString(), 'user=a+b&pw=x%26y%3Dz&n=3');
  assert.deepEqual(fb.headers, [['content-type', 'application/x-www-form-urlencoded']]);

  const r = compileRequest(step({ method: 'PUT', body: 'raw {{ x }}', headers: { 'Content-Type': 'text/plain' } }), ctx);
  const v2 = new Vars();
  v2.set('x', 'data');
  const rb = r.build(v2);
  assert.equal(rb.body!.toString(), 'raw data');
  assert.deepEqual(rb.headers, [['Content-Type', 'text/plain']]);
  // a user's content-type wins over the json default
  const j2 = compileRequest(step({ method: 'POST', json: { a: 1 }, headers: { 'Content-Type': 'application/vnd.api+json' } }), ctx);
  assert.deepEqual(j2.build(new Vars()).headers, [['Content-Type', 'application/vnd.api+json']]);
  assert.equal(j2.isStatic, true);
  assert.equal(j2.build(new Vars()).body!.toString(), '{"a":1}');
});

test('no host and no content-length headers: those belong to the client', () => {
  const c = compileRequest(step({ method: 'POST', json: { a: 1 } }), ctx);
  const names = c.build(new Vars()).headers.map(([k]) => k.toLowerCase());
  assert.ok(!names.includes('host') && !names.includes('content-length'));
});

test("the target's base path prefixes every path; absolute URLs on the target are reduced to their path", () => {
  const base = { ...ctx, target: new URL('http://127.0.0.1:3000/api/v1/') };
  assert.equal(compileRequest(step({ path: '/items' }), base).build(new Vars()).path, '/api/v1/items');
  assert.equal(compileRequest(step({ path: 'items' }), base).build(new Vars()).path, '/api/v1/items');
  assert.equal(compileRequest(step({ path: 'http://127.0.0.1:3000/x?y=1' }), ctx).build(new Vars()).path, '/x?y=1');
  assert.throws(
    () => compileRequest(step({ path: 'http://example.com/x' }), ctx),
    (e: LoadproofError) => e.where === 'scenarios.0.flow.0.get' && /not on the plan's target/.test(e.message),
  );
  // a captured absolute URL (e.g. a Location header) is reduced to its path at build time
  const loc = compileRequest(step({ path: '{{ loc }}' }), ctx);
  const v = new Vars();
  v.set('loc', 'http://127.0.0.1:3000/items/9?x=1');
  assert.equal(loc.build(v).path, '/items/9?x=1');
});

test('characters not allowed in a request-target are percent-encoded; % is kept', () => {
  const c = compileRequest(step({ path: '/search/{{ q }}' }), ctx);
  const v = new Vars();
  v.set('q', 'a b"é#%41');
  assert.equal(c.build(v).path, '/search/a%20b%22%C3%A9%23%41');
  assert.equal(toRequestTarget('/plain/path?x=1'), '/plain/path?x=1');
  assert.equal(toRequestTarget('/\ud800'), '/%EF%BF%BD');
});

test('line breaks cannot be injected into headers through captured values', () => {
  const c = compileRequest(step({ headers: { 'X-User': '{{ u }}' } }), ctx);
  const v = new Vars();
  v.set('u', 'bob\r\nX-Admin: true');
  assert.deepEqual(c.build(v).headers, [['X-User', 'bobX-Admin: true']]);
});

test('bad header names and template errors are plan errors naming the field', () => {
  assert.throws(() => compileRequest(step({ headers: { 'Bad Header': 'x' } }), ctx), (e: LoadproofError) => e.where === 'scenarios.0.flow.0.headers.Bad Header');
  assert.throws(() => compileRequest(step({ json: { a: { b: '{{ $nope() }}' } } }), ctx), (e: LoadproofError) => e.where === 'scenarios.0.flow.0.json.a.b');
  assert.throws(() => compileRequest(step({ path: '/x/{{ bad' }), ctx), (e: LoadproofError) => e.where === 'scenarios.0.flow.0.get');
  assert.throws(() => compileRequest(step({ capture: { t: 'nope' } }), ctx), (e: LoadproofError) => e.where === 'scenarios.0.flow.0.capture.t');
});

test('static secret header values are listed for the SecretRegistry', () => {
  const c = compileRequest(step({ headers: { 'X-API-Key': 'k-12345', Accept: 'x', Authorization: 'Bearer {{ t }}' } }), ctx);
  assert.deepEqual(c.staticSecrets, ['k-12345']);
});

// The scenarios of shared/spec/plan-example.yaml, as written there.
const EXAMPLE = `
name: items API capacity
hypothesis: p95 < 200 ms at 100 req/s
target: http://127.0.0.1:3000
pattern: { type: load, peak: 100 }
thresholds:
  http_req_duration: ["p(95)<200"]
defaults:
  timeout: 10s
  headers:
    User-Agent: loadproof-example
scenarios:
  - name: browse
    weight: 3
    setup:
      - post: /auth/login
        json: { email: "test@example.com", password: "test_password" }
        capture: { token: "$.token" }
    flow:
      - get: /items
        headers: { Authorization: "Bearer {{ token }}" }
        expect: { status: 200, maxDuration: 200ms }
      - think: 1s..3s
  - name: create
    weight: 1
    setup:
      - post: /auth/login
        json: { email: "test@example.com", password: "test_password" }
        capture: { token: "$.token" }
    flow:
      - post: /items
        headers: { Authorization: "Bearer {{ token }}" }
        json: { name: "{{ $randomString() }}", value: 42 }
        expect: { status: 201 }
`;

test('every request of the example plan compiles, with captures and checks attached', () => {
  const plan = parsePlan(EXAMPLE, { file: 'plan-example.yaml' });
  const target2 = new URL(plan.target);
  const compiled = plan.scenarios.flatMap((s, si) =>
    [...(s.setup ?? []).map((st, i) => [st, `scenarios.${si}.setup.${i}`] as const), ...s.flow.map((st, i) => [st, `scenarios.${si}.flow.${i}`] as const)]
      .filter(([st]) => st.kind === 'request')
      .map(([st, where]) => compileRequest(st as RequestStep, { target: target2, defaults: plan.defaults, scenario: s.name, where })),
  );
  assert.deepEqual(
    compiled.map((c) => c.endpoint),
    ['POST /auth/login', 'GET /items', 'POST /auth/login', 'POST /items'],
  );
  const login = compiled[0]!;
  assert.equal(login.isStatic, true);
  assert.deepEqual(login.capture?.names, ['token']);
  assert.equal(JSON.parse(login.build(new Vars()).body!.toString()).email, 'test@example.com');
  const items = compiled[1]!;
  assert.deepEqual(items.expect?.names, ['status is 200', 'duration <= 200ms']);
  const v = new Vars();
  v.set('token', 'abc');
  assert.deepEqual(items.build(v).headers, [['User-Agent', 'loadproof-example'], ['Authorization', 'Bearer abc']]);
  assert.equal(compiled[3]!.isStatic, false); // $randomString in the body
});
