/**
 * User flows against a real HTTP server on 127.0.0.1, through the engine (startRun): test data
 * from a CSV handed out uniquely per VU, a server-side session kept by the cookie jar, a loop over
 * a captured list with a branch on the status, a multipart upload, and data running out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadPlan } from '../../src/plan/parse.js';
import { startRun } from '../../src/engine/runner.js';
import { tempDir } from '../helpers/engine.js';
import { runCli } from '../helpers/cli.js';

interface Seen {
  logins: Map<string, number>;
  me: { ok: number; unauthorized: number };
  items: number[];
  reports: string[];
  oks: number;
  uploads: Array<{ sha: string; size: number; name: string; note: string; contentType: string }>;
}

async function startApp(accounts: Map<string, string>): Promise<{ url: string; seen: Seen; close(): Promise<void> }> {
  const seen: Seen = { logins: new Map(), me: { ok: 0, unauthorized: 0 }, items: [], reports: [], oks: 0, uploads: [] };
  const sessions = new Map<string, string>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url!, 'http://x');
      const json = (status: number, v: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(v));
      };
      if (req.method === 'POST' && url.pathname === '/login') {
        const { email, password } = JSON.parse(body.toString()) as { email: string; password: string };
        if (accounts.get(email) !== password) return json(401, { error: 'bad credentials' });
        seen.logins.set(email, (seen.logins.get(email) ?? 0) + 1);
        const sid = randomBytes(12).toString('hex');
        sessions.set(sid, email);
        res.setHeader('set-cookie', [`sid=${sid}; Path=/; HttpOnly`, 'theme=dark; Path=/static']);
        return json(200, { ok: true });
      }
      if (url.pathname === '/me') {
        const sid = /(?:^|;\s*)sid=([0-9a-f]+)/.exec(req.headers.cookie ?? '')?.[1];
        const email = sid && sessions.get(sid);
        if (!email || (req.headers.cookie ?? '').includes('theme=')) {
          seen.me.unauthorized++;
          return json(401, { error: 'no session' });
        }
        seen.me.ok++;
        return json(200, { email });
      }
      if (url.pathname === '/list') return json(200, { items: [{ id: 1 }, { id: 2 }, { id: 3 }] });
      const item = /^\/items\/(\d+)$/.exec(url.pathname);
      if (item) {
        seen.items.push(Number(item[1]));
        return item[1] === '2' ? json(404, { error: 'gone' }) : json(200, { id: Number(item[1]) });
      }
      if (url.pathname === '/report') {
        seen.reports.push(url.searchParams.get('id') ?? '');
        return json(200, {});
      }
      if (url.pathname === '/ok') {
        seen.oks++;
        return json(200, {});
      }
      if (url.pathname === '/upload') {
        // the platform's own multipart parser (undici's Request.formData) reads what the engine sent
        void new Request('http://x/upload', { method: 'POST', headers: { 'content-type': req.headers['content-type']! }, body })
          .formData()
          .then(async (form) => {
            const file = form.get('file') as File;
            const bytes = Buffer.from(await file.arrayBuffer());
            seen.uploads.push({ sha: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, name: file.name, note: String(form.get('note')), contentType: file.type });
            json(201, {});
          }, () => json(400, { error: 'bad multipart' }));
        return;
      }
      json(404, {});
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

test('200 accounts from a CSV, unique per VU over 2 workers: the server sees each log in exactly once; the session cookie is kept across the flow', { timeout: 60_000 }, async () => {
  const accounts = new Map(Array.from({ length: 200 }, (_, i) => [`user${i}@example.com`, `pw-${i}`]));
  const app = await startApp(accounts);
  const dir = tempDir();
  try {
    dir.file('users.csv', `email,password\n${[...accounts].map(([e, p]) => `${e},${p}`).join('\n')}\n`);
    const planFile = dir.file('plan.yaml', `
name: logins
target: ${app.url}
load: { model: closed, stages: [{ duration: 0s, target: 200 }, { duration: 2s, target: 200 }] }
data:
  user: { file: users.csv, mode: unique, per: vu }
scenarios:
  - name: account
    setup:
      - post: /login
        json: { email: "{{ user.email }}", password: "{{ user.password }}" }
        expect: { status: 200 }
    flow:
      - get: /me
        expect: { status: 200, contains: "@example.com" }
      - think: 200ms
`);
    // 2 workers: the unique rows' cursor is shared between them (shared memory)
    const o = await startRun({ plan: loadPlan(planFile), workers: 2 }).done;
    assert.equal(app.seen.logins.size, 200, 'every account logged in');
    assert.ok([...app.seen.logins.values()].every((n) => n === 1), 'each exactly once');
    assert.ok(app.seen.me.ok >= 200, `/me ok ${app.seen.me.ok}`);
    assert.equal(app.seen.me.unauthorized, 0, 'every /me carried its session cookie (and not the /static one)');
    const s = o.totals.summary(o.durationSec, 'actual');
    assert.equal(s.checks!.fails, 0);
    assert.equal(o.failures.total, 0);
  } finally {
    dir.remove();
    await app.close();
  }
});

test('unique rows running out fail the iterations with their message; closed-model VUs without a row stop', { timeout: 30_000 }, async () => {
  const accounts = new Map([['a@x.io', '1'], ['b@x.io', '2'], ['c@x.io', '3']]);
  const app = await startApp(accounts);
  const dir = tempDir();
  try {
    dir.file('users.csv', `email,password\n${[...accounts].map(([e, p]) => `${e},${p}`).join('\n')}\n`);
    const planFile = dir.file('plan.yaml', `
name: few
target: ${app.url}
load: { model: closed, stages: [{ duration: 0s, target: 5 }, { duration: 1s, target: 5 }] }
data: { user: { file: users.csv, mode: unique, per: vu } }
scenarios:
  - name: account
    setup: [{ post: /login, json: { email: "{{ user.email }}", password: "{{ user.password }}" } }]
    flow: [{ get: /me }, { think: 100ms }]
`);
    const o = await startRun({ plan: loadPlan(planFile) }).done;
    assert.equal(app.seen.logins.size, 3);
    assert.equal(o.failures.total, 2, 'the 2 VUs without a row failed once each, then stopped');
    assert.match(o.failures.messages[0]!.message, /data user: all 3 unique rows are used/);
    assert.equal(app.seen.me.unauthorized, 0);
  } finally {
    dir.remove();
    await app.close();
  }
});

test('a loop over a captured list, branching on each status, with think inside the loop', { timeout: 30_000 }, async () => {
  const app = await startApp(new Map());
  const dir = tempDir();
  try {
    const planFile = dir.file('plan.yaml', `
name: loops
target: ${app.url}
load: { model: open, stages: [{ duration: 0s, target: 5 }, { duration: 1s, target: 5 }] }
scenarios:
  - name: browse
    flow:
      - get: /list
        capture: { items: "$.items" }
      - loop:
          over: items
          as: it
          steps:
            - get: "/items/{{ it.id }}"
              name: item
            - if: { status: 404 }
              then: [{ post: "/report?id={{ it.id }}&n={{ it_index }}" }]
              else: [{ get: /ok }]
            - think: 10ms
      - loop: { count: 2, steps: [{ get: /ok }] }
`);
    const o = await startRun({ plan: loadPlan(planFile) }).done;
    assert.equal(o.failures.total, 0);
    assert.deepEqual(Object.keys(o.missing), []);
    assert.equal(app.seen.items.length, 15, '5 iterations × 3 items');
    assert.deepEqual(app.seen.items.slice(0, 3), [1, 2, 3]);
    assert.deepEqual(app.seen.reports, ['2', '2', '2', '2', '2'], 'only the 404 branch reports');
    assert.equal(app.seen.oks, 5 * 2 + 5 * 2, 'else branch twice per iteration, count loop twice');
    const s = o.totals.summary(o.durationSec, 'intended');
    assert.equal(s.requests, 5 * (1 + 3 + 3 + 2));
    assert.equal(s.iterations, 5);
  } finally {
    dir.remove();
    await app.close();
  }
});

test('a multipart upload arrives intact: file bytes, file name, content type and a templated field', { timeout: 30_000 }, async () => {
  const app = await startApp(new Map());
  const dir = tempDir();
  try {
    const bytes = randomBytes(64 * 1024);
    dir.file('photo.bin', bytes as unknown as string);
    const planFile = dir.file('plan.yaml', `
name: upload
target: ${app.url}
load: { model: open, stages: [{ duration: 0s, target: 2 }, { duration: 1s, target: 2 }] }
scenarios:
  - name: up
    flow:
      - post: /upload
        multipart:
          note: "n-{{ $randomInt(5, 5) }}"
          file: { file: photo.bin, contentType: image/png }
        expect: { status: 201 }
`);
    const o = await startRun({ plan: loadPlan(planFile) }).done;
    assert.equal(app.seen.uploads.length, 2);
    for (const u of app.seen.uploads) {
      assert.equal(u.sha, createHash('sha256').update(bytes).digest('hex'));
      assert.equal(u.size, bytes.length);
      assert.equal(u.name, 'photo.bin');
      assert.equal(u.contentType, 'image/png');
      assert.equal(u.note, 'n-5');
    }
    assert.equal(o.totals.summary(o.durationSec, 'intended').checks!.fails, 0);
  } finally {
    dir.remove();
    await app.close();
  }
});

test('a ragged data file stops the run before any load: exit 2 naming file:line', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  try {
    dir.file('users.csv', 'email,password\na@x.io,1\nb@x.io\n');
    const planFile = dir.file('plan.yaml', `
name: bad
hypothesis: never runs
thresholds: { http_req_failed: rate<0.01 }
target: http://127.0.0.1:9
load: { model: closed, stages: [{ duration: 1s, target: 1 }] }
data: { user: users.csv }
scenarios: [{ name: a, flow: [{ get: "/{{ user.email }}" }] }]
`);
    const r = await runCli(['run', planFile, '--out', dir.path + '/out'], { timeoutMs: 30_000 });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /users\.csv:3: row has 1 cell, the header has 2/);
  } finally {
    dir.remove();
  }
});
