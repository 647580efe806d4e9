import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { LiveFeed } from './feed.js';
import { startDashboard } from './server.js';
import type { LogHeader } from '../metrics/log.js';

/** A header whose plan name is `size` bytes: each `start` then emits a meta event that large. */
function bigHeader(size: number): LogHeader {
  return {
    type: 'header',
    schema: 'loadproof.log/v1',
    tool: { name: 'loadproof', version: 'test' },
    startedAt: new Date(0).toISOString(),
    plan: { name: 'x'.repeat(size), hypothesis: null, target: 'http://127.0.0.1:1', pattern: null, model: 'open', stages: [{ durationSec: 1, target: 1 }], thresholds: {}, abort: {}, scenarios: [] },
    endpoints: [{ name: 'GET /', method: 'GET' }],
    model: 'open',
    workers: 1,
    cores: 1,
    pid: 1,
  };
}

function rawGet(port: number, path: string, headers: Record<string, string> = {}): Socket {
  const s = connect(port, '127.0.0.1');
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${extra}\r\n`);
  return s;
}

test('a client that never reads is cut once its backlog passes the bound; a reading client gets every event', async (t) => {
  const feed = new LiveFeed();
  const dash = await startDashboard(feed, { address: { host: '127.0.0.1', port: 0 }, maxBacklogBytes: 256 * 1024 });
  t.after(() => dash.close());
  const port = dash.address.port;

  const stalled = rawGet(port, '/events');
  stalled.pause(); // never reads: the kernel buffers fill, then the server's
  let stalledClosed = false;
  stalled.on('close', () => (stalledClosed = true));
  stalled.on('error', () => undefined);

  const reader = rawGet(port, '/events');
  // events received, counted as they arrive (the tail keeps a marker cut between two chunks; it is
  // shorter than the marker, so none is counted twice)
  const MARK = 'event: meta';
  let metas = 0;
  let tail = '';
  reader.setEncoding('utf8').on('data', (d: string) => {
    const text = tail + d;
    metas += text.split(MARK).length - 1;
    tail = text.slice(-(MARK.length - 1));
  });

  await new Promise((r) => setTimeout(r, 200));
  assert.equal(dash.clients(), 2);
  // 40 events of 1 MB: far beyond any loopback socket buffer plus the 256 KiB bound. Each is sent
  // once the reading client has the one before: a client that reads keeps up whatever the
  // machine's load (sent back to back, a busy machine's reader lagged past the bound and was cut too)
  const N = 40;
  const deadline = Date.now() + 30_000;
  for (let i = 0; i < N; i++) {
    feed.start(bigHeader(1 << 20), 0);
    while (metas < i + 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  }
  while (dash.dropped() < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal(metas, N, 'the reading client received every event');
  assert.equal(dash.dropped(), 1, 'the stalled client was cut');
  assert.equal(dash.clients(), 1);
  // the stalled socket, once it reads again, finds its connection closed by the server
  stalled.resume();
  while (!stalledClosed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(stalledClosed, 'the stalled connection was closed');
  reader.destroy();
  stalled.destroy();
});

test('off loopback the token is required; control needs the header, not the query', async (t) => {
  const feed = new LiveFeed();
  let asked: string | null = null;
  feed.onControl = (c) => {
    asked = c.action;
    return true;
  };
  // 127.0.0.2 is loopback; a token given explicitly is required as off loopback
  const dash = await startDashboard(feed, { address: { host: '127.0.0.1', port: 0 }, token: 'secret-token-123' });
  t.after(() => dash.close());
  assert.equal(dash.tokenRequired, true);
  const base = `http://127.0.0.1:${dash.address.port}`;
  assert.equal((await fetch(`${base}/`)).status, 401);
  const page = await fetch(`${base}/?token=secret-token-123`);
  assert.equal(page.status, 200);
  const csp = page.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /connect-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-eval|script-src[^;]*unsafe-inline/);
  // control with the token in the query only (what a cross-site form could do): refused
  assert.equal((await fetch(`${base}/control/stop?token=secret-token-123`, { method: 'POST' })).status, 403);
  assert.equal(asked, null);
  const ok = await fetch(`${base}/control/stop`, { method: 'POST', headers: { 'x-loadproof-token': 'secret-token-123' } });
  assert.equal(ok.status, 202);
  assert.equal(asked, 'stop');
});

test('on loopback a foreign Host header is refused (DNS rebinding)', async (t) => {
  const feed = new LiveFeed();
  const dash = await startDashboard(feed, { address: { host: '127.0.0.1', port: 0 } });
  t.after(() => dash.close());
  assert.equal(dash.tokenRequired, false);
  const s = rawGet(dash.address.port, '/', {});
  s.destroy();
  const res = await new Promise<string>((resolve) => {
    const c = connect(dash.address.port, '127.0.0.1');
    let text = '';
    c.setEncoding('utf8').on('data', (d: string) => (text += d));
    c.on('end', () => resolve(text));
    c.write(`GET / HTTP/1.1\r\nHost: evil.example:${dash.address.port}\r\nConnection: close\r\n\r\n`);
  });
  assert.match(res, /^HTTP\/1\.1 403/);
  assert.equal((await fetch(`http://127.0.0.1:${dash.address.port}/`)).status, 200);
});
