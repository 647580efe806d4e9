/**
 * The demo's HTTP/2 variant (`demo --protocol h2`): the pool bottleneck served over cleartext
 * HTTP/2 next to HTTP/1.1 on one port, and a `demo --quick --protocol h2` breakpoint run that names
 * pool-exhaustion first. Its load comes from the limit built into the demo service (10 connections
 * held 20 ms each), not from this machine's speed. About 20 s, load only to 127.0.0.1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDemoService } from '../../src/demo/service.js';
import { assertFirstDiagnosis, runDemoQuick, workdir } from '../helpers/e2e.js';
import { runCli } from '../helpers/cli.js';

test('demo service --protocol h2: h2c and HTTP/1.1 on the same port', async () => {
  const s = await startDemoService({ port: 0, protocol: 'h2' });
  try {
    const h1 = await fetch(`${s.url}/health`);
    assert.equal(h1.status, 200);
    const session = http2.connect(s.url);
    const { status, alpn } = await new Promise<{ status: number; alpn: string }>((resolve, reject) => {
      const req = session.request({ ':path': '/health' });
      req.on('response', (h) => resolve({ status: Number(h[':status']), alpn: String(session.alpnProtocol) }));
      req.on('error', reject);
      req.end();
    });
    session.close();
    assert.equal(status, 200);
    assert.equal(alpn, 'h2c');
  } finally {
    await s.close();
  }
});

test('demo --protocol with an unknown value is exit 2, naming the flag', async () => {
  const run = await runCli(['demo', '--quick', '--protocol', 'spdy'], { timeoutMs: 30_000 });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /--protocol/);
});

test('demo --quick --protocol h2: the breakpoint run over h2c names pool-exhaustion first; the report shows the protocol', { timeout: 120_000 }, async () => {
  const w = workdir('demo-pool-h2');
  try {
    const out = join(w.dir, 'out');
    const { run, r } = await runDemoQuick(['--protocol', 'h2'], out, 'demo pool h2');
    assert.ok(r.endpoints.length > 0 && r.endpoints.every((e) => e.protocol === 'h2c'), JSON.stringify(r.endpoints.map((e) => e.protocol)));
    assertFirstDiagnosis(r, 'pool-exhaustion', run);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    assert.match(md, /\| Endpoint \| Method \| Protocol \|/);
    assert.match(md, /\| h2c \|/);
  } finally {
    w.remove();
  }
});
