/**
 * Script scenarios (`script: ./flow.ts`) against a real HTTP server on 127.0.0.1: a TypeScript
 * script logs in with a data row, keeps the session cookie, checks responses; in the open model,
 * the closed model and with 2 workers. A script that throws every tenth iteration fails those
 * iterations (counted, with the message) and the run goes on. Requests are recorded under the
 * endpoints found in the script, in the same totals as YAML steps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadPlan } from '../../src/plan/parse.js';
import { startRun } from '../../src/engine/runner.js';
import { compileScript } from '../../src/engine/script/compile.js';
import { LoadproofError } from '../../src/errors.js';
import { tempDir } from '../helpers/engine.js';

async function startApp(): Promise<{ url: string; counts: Map<string, number>; close(): Promise<void> }> {
  const counts = new Map<string, number>();
  const sessions = new Set<string>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url!, 'http://x').pathname;
      const key = `${req.method} ${path.replace(/\/\d+$/, '/:id')}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      res.setHeader('content-type', 'application/json');
      if (path === '/login') {
        const { email } = JSON.parse(Buffer.concat(chunks).toString()) as { email: string };
        const sid = randomBytes(8).toString('hex');
        sessions.add(sid);
        res.setHeader('set-cookie', `sid=${sid}; Path=/`);
        return res.end(JSON.stringify({ email, items: [3, 4] }));
      }
      const sid = /sid=([0-9a-f]+)/.exec(req.headers.cookie ?? '')?.[1];
      if (!sid || !sessions.has(sid)) {
        res.statusCode = 401;
        return res.end('{"error":"no session"}');
      }
      res.end(JSON.stringify({ ok: true, path }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

const SCRIPT = `
import type { VU } from 'loadproof/script';
import { itemPath } from './paths';

export default async function (vu: VU): Promise<void> {
  if (vu.vars.items === undefined) {
    const login = await vu.post('/login', { json: { email: vu.data.user.email } });
    vu.check(login, { 'logged in': (r) => r.status === 200 });
    vu.vars.items = login.json<{ items: number[] }>().items;
  }
  const me = await vu.get('/me?x=1');
  vu.check(me, { 'status 200': (r) => r.status === 200, 'has timings': (r) => r.timings.durationMs > 0 });
  for (const id of vu.vars.items as number[]) {
    await vu.get(itemPath(id), { name: 'item' });
  }
  vu.vars.n = ((vu.vars.n as number | undefined) ?? 0) + 1;
  if (THROW_EVERY > 0 && (vu.vars.n as number) % THROW_EVERY === 0) throw new Error('tenth iteration of ' + vu.scenario);
  await vu.sleep('20ms');
}
`;

function planText(url: string, load: string, throwEvery: number, dir: ReturnType<typeof tempDir>): string {
  dir.file('paths.ts', 'export const itemPath = (id: number): string => `/items/${id}`;\n');
  dir.file('flow.ts', SCRIPT.replace(/THROW_EVERY/g, String(throwEvery)));
  dir.file('users.csv', `email\n${Array.from({ length: 50 }, (_, i) => `u${i}@x.io`).join('\n')}\n`);
  return dir.file('plan.yaml', `
name: scripted
target: ${url}
load: ${load}
data: { user: { file: users.csv, per: vu } }
scenarios:
  - name: shop
    script: ./flow.ts
`);
}

const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

for (const c of [
  { name: 'open model', load: '{ model: open, stages: [{ duration: 0s, target: 20 }, { duration: 2s, target: 20 }] }', workers: 1 },
  { name: 'closed model', load: '{ model: closed, stages: [{ duration: 0s, target: 4 }, { duration: 2s, target: 4 }] }', workers: 1 },
  { name: 'open model, 2 workers', load: '{ model: open, stages: [{ duration: 0s, target: 20 }, { duration: 2s, target: 20 }] }', workers: 2 },
]) {
  test(`a TypeScript script runs in the ${c.name}: its requests are recorded under the endpoints found in it`, { timeout: 60_000 }, async () => {
    const app = await startApp();
    const dir = tempDir();
    try {
      const o = await startRun({ plan: loadPlan(planText(app.url, c.load, 0, dir)), workers: c.workers }).done;
      assert.equal(o.failures.total, 0, JSON.stringify(o.failures));
      const s = o.totals.summary(o.durationSec, 'intended');
      assert.equal(s.requests, sum(app.counts), `every request the server saw was recorded: ${JSON.stringify([...app.counts])} ${JSON.stringify(o.totals.summary(o.durationSec, "intended"))}`);
      assert.equal(s.errors, 0, 'the session cookie was sent on every request');
      assert.equal(s.checks!.fails, 0);
      const names = o.endpoints.map((e) => e.name);
      assert.deepEqual(names.slice(0, 3), ['POST /login', 'GET /me', 'item']);
      const byName = new Map(o.totals.summary(o.durationSec, 'intended') && o.endpoints.map((e, i) => [e.name, i]));
      assert.ok(byName.has('shop: other requests'));
      // iterations × 3 requests, plus one login per VU context
      const iterations = s.iterations!;
      assert.ok(iterations >= (c.name.startsWith('open') ? 38 : 20), `iterations ${iterations}`);
      // an iteration cut short by the end of the run (at most one per VU: 4 in the closed model;
      // the open model lets its iterations finish) sent some of its requests without completing
      const me = app.counts.get('GET /me')!;
      const cutShort = c.name === 'closed model' ? 4 : 0;
      assert.ok(me >= iterations && me <= iterations + cutShort, `/me ${me}, iterations ${iterations}`);
      const items = app.counts.get('GET /items/:id')!;
      assert.ok(items <= 2 * me && items >= 2 * (me - cutShort), `items ${items}, /me ${me}`);
    } finally {
      dir.remove();
      await app.close();
    }
  });
}

test('a script that throws every tenth iteration: those iterations fail with their message, the run goes on', { timeout: 60_000 }, async () => {
  const app = await startApp();
  const dir = tempDir();
  try {
    const o = await startRun({ plan: loadPlan(planText(app.url, '{ model: closed, stages: [{ duration: 0s, target: 2 }, { duration: 2s, target: 2 }] }', 10, dir)) }).done;
    const s = o.totals.summary(o.durationSec, 'actual');
    const started = s.iterations! + o.failures.total;
    assert.ok(started >= 40, `iterations ${started}`);
    // per VU, iteration 10, 20, … throws: ⌊started_k / 10⌋ each; over 2 VUs, within one of started/10
    assert.ok(Math.abs(o.failures.total - started / 10) <= 2, `failed ${o.failures.total} of ${started}`);
    assert.equal(o.failures.messages.length, 1);
    assert.equal(o.failures.messages[0]!.message, 'shop: tenth iteration of shop');
    assert.equal(o.failures.messages[0]!.count, o.failures.total);
    const me = app.counts.get('GET /me')!;
    // the run went on after each failure; at the end each of the 2 VUs may be cut short mid-iteration
    assert.ok(me >= started && me <= started + 2, `/me ${me}, iterations ${started}`);
    // the failures are in the per-second timeline too, in the seconds they happened: over any run of
    // consecutive iterations a VU fails ⌊n/10⌋ or ⌈n/10⌉ of them, so each second of 2 VUs is within 2
    // of a tenth of the iterations that ended in it
    assert.equal(s.failedIterations, o.failures.total);
    const tl = o.totals.timeline;
    assert.equal(tl.reduce((a, p) => a + (p.failedIterations ?? 0), 0), o.failures.total, 'every failure is in some second');
    assert.equal(tl.reduce((a, p) => a + (p.iterations ?? 0), 0), s.iterations, 'every completed iteration is in some second');
    const full = tl.filter((p) => (p.durationSec ?? 1) >= 1);
    assert.ok(full.length >= 1, `${tl.length} seconds`);
    for (const p of full) {
      const failed = p.failedIterations ?? 0;
      const ended = failed + p.iterations!;
      assert.ok(ended >= 10, `second ${p.t}: ${ended} iterations`);
      assert.ok(Math.abs(failed - ended / 10) <= 2, `second ${p.t}: ${failed} failed of ${ended}`);
    }
  } finally {
    dir.remove();
    await app.close();
  }
});

test('a script with a syntax error is a plan error at file:line:col; one without a default export too', async () => {
  const dir = tempDir();
  try {
    const bad = dir.file('bad.ts', 'export default async (vu) => {\n  await vu.get("/x"\n};\n');
    try {
      compileScript(bad);
      assert.fail('no error');
    } catch (err) {
      assert.ok(err instanceof LoadproofError);
      assert.match(err.where!, /bad\.ts:3:1$/);
      assert.equal(err.exitCode, 2);
    }
    const found = compileScript(dir.file('ok.ts', 'export default async (vu: any) => { await vu.get("/a?q=1"); await vu.request("PUT", `/b`, { name: "put b" }); await vu.post(`/c/${1}`); };\n'));
    assert.deepEqual(found.endpoints.map((e) => e.key), ['GET /a', 'put b']);
  } finally {
    dir.remove();
  }
});

test('cookie values never reach the output: a failure message quoting one is scrubbed', { timeout: 30_000 }, async () => {
  const app = await startApp();
  const dir = tempDir();
  try {
    dir.file('leak.ts', `export default async (vu: any) => {
  const r = await vu.post('/login', { json: { email: 'a@x.io' } });
  throw new Error('login answered ' + r.headers['set-cookie']);
};\n`);
    const planFile = dir.file('plan.yaml', `
name: leak
target: ${app.url}
load: { model: open, stages: [{ duration: 0s, target: 3 }, { duration: 1s, target: 3 }] }
scenarios: [{ name: s, script: leak.ts }]
`);
    const o = await startRun({ plan: loadPlan(planFile) }).done;
    assert.equal(o.failures.total, 3);
    for (const m of o.failures.messages) {
      assert.match(m.message, /^s: login answered sid=\[redacted\]; Path=\/$/);
    }
  } finally {
    dir.remove();
    await app.close();
  }
});

test('a response reads as a plain one (headers, body, json, timings, JSON.stringify); requests sent again from the cache carry the cookies set meanwhile', { timeout: 30_000 }, async () => {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url!, 'http://x').pathname;
    if (path === '/set') res.setHeader('set-cookie', 'c=1; Path=/');
    res.setHeader('content-type', 'application/json');
    res.setHeader('x-multi', ['p', 'q']);
    res.end(JSON.stringify({ path, cookie: req.headers.cookie ?? null, xa: req.headers['x-a'] ?? null }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const dir = tempDir();
  try {
    dir.file('flow.ts', `import { inspect } from 'node:util';
export default async (vu: any) => {
  const a = await vu.get('/echo');
  const b = await vu.get('/echo', { name: 'named echo' });
  await vu.get('/set');
  const c = await vu.get('/echo');
  const h = await vu.get('/echo', { headers: { 'x-a': '1' } });
  const plain = JSON.parse(JSON.stringify(a));
  const want: Record<string, boolean> = {
    'no cookie before /set': vu.iteration > 0 || a.json().cookie === null,
    'the cached request carries the cookie': c.json().cookie === 'c=1',
    'per-call header sent': h.json().xa === '1' && h.json().cookie === 'c=1',
    'headers': a.headers['content-type'] === 'application/json' && a.headers['x-multi'] === 'p, q',
    'body': JSON.parse(a.body).path === '/echo' && a.body === a.body,
    'JSON.stringify gives every field': plain.status === 200 && plain.body === a.body && plain.headers['x-multi'] === 'p, q' && plain.endpoint === 'GET /echo' && plain.error === null && plain.timings.durationMs === a.timings.durationMs,
    'timings': a.timings.durationMs >= a.timings.serviceMs && a.timings.serviceMs > 0,
    'console.log shows the body': inspect(a).includes('"path":"/echo"'),
    'endpoints': a.endpoint === 'GET /echo' && b.endpoint === 'named echo' && c.endpoint === 'GET /echo',
  };
  for (const [k, ok] of Object.entries(want)) if (!ok) throw new Error(k);
  vu.check(b, { 'named': (r: any) => r.status === 200 });
};
`);
    const { port } = server.address() as AddressInfo;
    const planFile = dir.file('plan.yaml', `
name: response
target: http://127.0.0.1:${port}
load: { model: closed, stages: [{ duration: 0s, target: 1 }, { duration: 1s, target: 1 }] }
scenarios: [{ name: s, script: flow.ts }]
`);
    const o = await startRun({ plan: loadPlan(planFile) }).done;
    assert.equal(o.failures.total, 0, JSON.stringify(o.failures.messages));
    const s = o.totals.summary(o.durationSec, 'actual');
    assert.ok(s.iterations! >= 2, `iterations ${s.iterations}`);
    const results = o.totals.endpointResults();
    const named = results.find((e) => e.name === 'named echo')!;
    // the same path under another name is its own endpoint, and vu.check counts there
    assert.ok(named.requests >= s.iterations! && named.requests <= s.iterations! + 1, `named ${named.requests}`);
    assert.equal(named.checks!.passes, s.iterations);
    assert.ok(results.find((e) => e.name === 'GET /echo')!.requests >= 3 * s.iterations!);
  } finally {
    dir.remove();
    await new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  }
});
