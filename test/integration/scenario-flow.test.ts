/**
 * The scenario pieces against a real HTTP server on 127.0.0.1: compiled requests log in (setup),
 * captures the token, sends it templated in a header on the flow requests, runs the checks on the
 * real responses, and scrubs the token out of text. undici stands in for the engine's client.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { parsePlan } from '../../src/plan/parse.js';
import { compileRequest, type CompiledRequest } from '../../src/engine/scenario/request.js';
import type { Plan, Step } from '../../src/plan/schema.js';
import { Vars } from '../../src/engine/scenario/template.js';
import type { ResponseView } from '../../src/engine/scenario/response.js';
import { SecretRegistry, REDACTED } from '../../src/engine/redact.js';
import { createPicker } from '../../src/engine/scenario/pick.js';
import { mulberry32 } from '../../src/engine/rng.js';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let s = '';
    req.on('data', (c: Buffer) => (s += c.toString()));
    req.on('end', () => resolve(s));
  });
}

test('setup captures a token that later requests send; checks and redaction work on real responses', { timeout: 20_000 }, async () => {
  const seen: Array<{ method: string; url: string; auth: string | undefined; contentType: string | undefined; body: string }> = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void readBody(req).then((body) => {
      seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, contentType: req.headers['content-type'], body });
      res.setHeader('content-type', 'application/json');
      if (req.url === '/auth/login') return res.end(JSON.stringify({ token: 'tok-9f8e7d6c5b' }));
      if (req.headers.authorization !== 'Bearer tok-9f8e7d6c5b') {
        res.statusCode = 401;
        return res.end(JSON.stringify({ error: `bad credentials ${req.headers.authorization ?? ''}` }));
      }
      if (req.method === 'POST') {
        res.statusCode = 201;
        return res.end(JSON.stringify({ id: 7, name: (JSON.parse(body) as { name: string }).name }));
      }
      res.end(JSON.stringify({ items: [{ id: 1 }, { id: 2 }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const plan = parsePlan(`
name: flow
hypothesis: h
target: http://127.0.0.1:${port}
pattern: { type: load, peak: 10 }
thresholds: { http_req_failed: rate<0.01 }
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
        expect: { status: 200, json: { "$.items[*].id": [1, 2] } }
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
        capture: { id: "$.id" }
        expect: { status: 201, contains: '"id":7' }
`);
    const target = new URL(plan.target);
    const compileSteps = (steps: Step[] | undefined, s: Plan['scenarios'][number], where: string): CompiledRequest[] =>
      (steps ?? []).flatMap((st, i) => (st.kind === 'request' ? [compileRequest(st, { target, defaults: plan.defaults, scenario: s.name, where: `${where}.${i}` })] : []));
    const compiled = {
      weights: plan.scenarios.map((s) => s.weight),
      scenarios: plan.scenarios.map((s, i) => ({ setup: compileSteps(s.setup, s, `scenarios.${i}.setup`), flow: compileSteps(s.flow, s, `scenarios.${i}.flow`) })),
    };
    const secrets = new SecretRegistry();
    const pick = createPicker(compiled.weights, mulberry32(1));
    let passes = 0;
    let fails = 0;
    const missing: string[] = [];

    const runSteps = async (steps: CompiledRequest[], vars: Vars): Promise<void> => {
      for (const req of steps) {
        const built = req.build(vars, missing);
        const started = performance.now();
        const res = await request(`http://127.0.0.1:${port}${built.path}`, {
          method: built.method as 'GET',
          headers: built.headers.flat(),
          body: built.body,
        });
        const body = Buffer.from(await res.body.arrayBuffer());
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        const view: ResponseView = { status: res.statusCode, headers, body, durationMs: performance.now() - started };
        if (req.capture) req.capture.apply(view, vars, secrets);
        if (req.expect) {
          const c = req.expect.run(view);
          passes += c.passes;
          fails += c.fails;
        }
      }
    };

    // 4 VUs, each: setup once, then 3 iterations of its scenario
    for (let vu = 0; vu < 4; vu++) {
      const s = compiled.scenarios[pick()]!;
      const vars = new Vars();
      await runSteps(s.setup, vars);
      for (let i = 0; i < 3; i++) await runSteps(s.flow, vars);
    }

    assert.deepEqual(missing, []);
    assert.equal(fails, 0);
    assert.ok(passes >= 4 * 3 * 2, `passes ${passes}`);
    const flows = seen.filter((r) => r.url !== '/auth/login');
    assert.equal(flows.length, 12);
    for (const r of flows) assert.equal(r.auth, 'Bearer tok-9f8e7d6c5b');
    const login = seen.find((r) => r.url === '/auth/login')!;
    assert.equal(login.contentType, 'application/json');
    assert.deepEqual(JSON.parse(login.body), { email: 'test@example.com', password: 'test_password' });
    for (const r of seen.filter((x) => x.method === 'POST' && x.url === '/items')) {
      assert.match((JSON.parse(r.body) as { name: string }).name, /^[A-Za-z0-9]{10}$/);
    }
    // the captured token is scrubbed from any text, e.g. an error message echoing it
    assert.equal(secrets.scrub('401 bad credentials tok-9f8e7d6c5b'), `401 bad credentials ${REDACTED}`);
    // and the password in the login body is redacted as a secret-named JSON field
    assert.equal(secrets.scrub(login.body), `{"email":"test@example.com","password":"${REDACTED}"}`);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
