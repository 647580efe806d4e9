/**
 * Secrets never reach an artefact (issue: hardening). A plan carries an API key from the
 * environment (`${env.LP_SECRET}`) in a header and in a query parameter, logs in and captures a
 * token it sends as `Authorization: Bearer {{ token }}`, and captures a session cookie it sends
 * back. After a real run through the CLI every artefact — result.json, run.ndjson, report.md,
 * report.html, the JUnit report, stdout and stderr — is searched for each raw value: none may appear.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { workdir, writePlan } from '../helpers/e2e.js';

const ENV_SECRET = 'ENV-SECRET-7f3a9c';
const TOKEN = 'tok-SECRET-b81d42e6';
const COOKIE = 'sid-SECRET-c0ffee99';

test('secrets from the environment, captured tokens and cookies appear in no artefact', { timeout: 60_000 }, async () => {
  let authorized = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/login') {
        res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': `sid=${COOKIE}; Path=/; HttpOnly` });
        return res.end(JSON.stringify({ token: TOKEN }));
      }
      const ok = req.headers.authorization === `Bearer ${TOKEN}` && req.headers['x-api-key'] === ENV_SECRET && url.searchParams.get('key') === ENV_SECRET && (req.headers.cookie ?? '').includes(COOKIE);
      if (ok) authorized++;
      // an error body that echoes what it got, as careless services do
      res.writeHead(ok ? 200 : 401, { 'content-type': 'text/plain' });
      res.end(ok ? 'ok' : `denied: ${req.headers.authorization} ${req.headers.cookie}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const w = workdir('secrets');
  try {
    const plan = writePlan(w.dir, {
      name: 'secrets stay secret',
      hypothesis: 'Logged-in reads answer 200 at p95 < 500 ms.',
      target: `http://127.0.0.1:${port}`,
      load: { model: 'closed', stages: [{ duration: '100ms', target: 2 }, { duration: '2s', target: 2 }] },
      thresholds: { http_req_duration: ['p(95)<500'], http_req_failed: ['rate<0.01'] },
      defaults: { think: '20ms', headers: { 'X-Api-Key': '${env.LP_SECRET}' } },
      scenarios: [
        {
          name: 'read',
          setup: [{ name: 'login', post: '/login', json: { user: 'u' }, capture: { token: '$.token', sid: { header: 'set-cookie', regex: 'sid=([^;]+)', group: 1 } } }],
          flow: [{ name: 'items', get: '/items', query: { key: '${env.LP_SECRET}' }, headers: { Authorization: 'Bearer {{ token }}', Cookie: 'sid={{ sid }}' } }],
        },
      ],
    });
    const out = join(w.dir, 'out');
    const run = await runCli(['run', plan, '--out', out], { timeoutMs: 45_000, env: { LP_SECRET: ENV_SECRET } });
    assert.equal(run.code, 0, `exit ${run.code}\n${run.stdout.slice(-1000)}\n${run.stderr.slice(-1000)}`);
    assert.ok(authorized > 10, `the secrets reached the server (${authorized} authorized requests)`);
    const junit = await runCli(['report', join(out, 'result.json'), '--format', 'junit'], { timeoutMs: 20_000 });
    const artefacts: Record<string, string> = { stdout: run.stdout, stderr: run.stderr, junit: junit.stdout };
    for (const f of readdirSync(out)) artefacts[f] = readFileSync(join(out, f), 'utf8');
    assert.ok(['result.json', 'run.ndjson', 'report.md', 'report.html'].every((f) => f in artefacts), Object.keys(artefacts).join(', '));
    for (const [name, text] of Object.entries(artefacts)) {
      for (const secret of [ENV_SECRET, TOKEN, COOKIE]) {
        assert.ok(!text.includes(secret), `${name} holds the raw value ${secret} at ${text.indexOf(secret)}: …${text.slice(Math.max(0, text.indexOf(secret) - 80), text.indexOf(secret) + 40)}…`);
      }
    }
  } finally {
    server.close();
    w.remove();
  }
});
