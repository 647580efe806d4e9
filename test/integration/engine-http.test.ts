/**
 * The raw-socket HTTP client against real servers on 127.0.0.1: framing (content-length, chunked,
 * close-delimited), keep-alive and reconnects, the stale keep-alive retry, and every failure
 * classified as data.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as https from 'node:https';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { startTarget } from '../targets/app.js';
import { HttpClient } from '../../src/engine/http/client.js';
import { ConnectionPool } from '../../src/engine/http/pool.js';
import type { Connection } from '../../src/engine/http/connection.js';
import { encodeRequest } from '../../src/engine/http/request-bytes.js';
import { MonotonicClock } from '../../src/engine/clock.js';
import { KIND } from '../../src/engine/http/error-kind.js';

interface Outcome {
  status: number;
  kind: number;
  body: string;
  headers: Record<string, string>;
  sentUs: number;
  doneUs: number;
  served: number;
}

function once(conn: Connection, bytes: Buffer, timeoutMs = 5000, isHead = false): Promise<Outcome> {
  return new Promise((resolve) => {
    conn.send(bytes, isHead, true, true, timeoutMs, {
      onExchangeEnd(c) {
        resolve({ status: c.status, kind: c.errorKind, body: c.body().toString(), headers: c.headers, sentUs: c.sentUs, doneUs: c.doneUs, served: c.served });
      },
    });
  });
}

const get = (path: string, host = 'x'): Buffer => encodeRequest({ method: 'GET', path, headers: [] }, host);

test('keep-alive: several requests on one connection; chunked and close-delimited bodies', async () => {
  const t = await startTarget();
  const client = new HttpClient(new URL(t.url), new MonotonicClock());
  try {
    const conn = client.connection();
    for (let i = 1; i <= 3; i++) {
      const r = await once(conn, get('/'));
      assert.equal(r.status, 200);
      assert.equal(r.kind, 0);
      assert.equal(r.body, 'ok');
      assert.equal(r.served, i, 'same connection reused');
    }
    const chunked = await once(conn, get('/chunked'));
    assert.equal(chunked.status, 200);
    assert.equal(chunked.body, 'hello world');
    assert.equal(chunked.headers['transfer-encoding'], 'chunked');
    const closing = await once(conn, get('/close'));
    assert.equal(closing.status, 200);
    assert.equal(closing.body, 'closing body');
    assert.equal(conn.isOpen, false, 'close-delimited response closes the connection');
    // the next send reconnects
    const again = await once(conn, get('/'));
    assert.equal(again.status, 200);
    assert.equal(again.served, 1);
    const cc = await once(conn, get('/connection-close'));
    assert.equal(cc.status, 200);
    assert.equal(conn.isOpen, false, 'Connection: close is honoured');
    const head = await once(conn, encodeRequest({ method: 'HEAD', path: '/', headers: [] }, 'x'), 5000, true);
    assert.equal(head.status, 200);
    const notFound = await once(conn, get('/nope'));
    assert.equal(notFound.status, 404);
    assert.equal(notFound.kind, 0, 'a status is not a transport failure (the recorder counts it)');
    assert.equal(t.stats.requests, 9);
  } finally {
    client.abandonAll();
    await t.close();
  }
});

test('failures are classified: refused, timeout, reset, protocol', async () => {
  // a port with nothing listening
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const closedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const refusedClient = new HttpClient(new URL(`http://127.0.0.1:${closedPort}`), new MonotonicClock());
  const refused = await once(refusedClient.connection(), get('/'));
  assert.equal(refused.kind, KIND.refused);
  assert.equal(refused.status, 0);
  refusedClient.abandonAll();

  const t = await startTarget();
  const client = new HttpClient(new URL(t.url), new MonotonicClock(), { sweepMs: 10 });
  try {
    const r = await once(client.connection(), get('/slow?ms=2000'), 200);
    assert.equal(r.kind, KIND.timeout);
    const tookMs = (r.doneUs - r.sentUs) / 1000;
    // at least the timeout; at most timeout + a generous allowance for a loaded 2-core machine
    assert.ok(tookMs >= 200 && tookMs < 1500, `timed out after ${tookMs} ms`);
  } finally {
    client.abandonAll();
    await t.close();
  }

  // a server that resets, and one that speaks something else
  const raw = net.createServer((s) => {
    s.once('data', (d) => {
      if (d.toString().includes('/reset')) s.resetAndDestroy();
      else s.end('SSH-2.0-nope\r\n\r\n');
    });
  });
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
  const rawClient = new HttpClient(new URL(`http://127.0.0.1:${(raw.address() as AddressInfo).port}`), new MonotonicClock());
  try {
    assert.equal((await once(rawClient.connection(), get('/reset'))).kind, KIND.reset);
    assert.equal((await once(rawClient.connection(), get('/garbage'))).kind, KIND.protocol);
  } finally {
    rawClient.abandonAll();
    await new Promise<void>((r) => raw.close(() => r()));
  }
});

test('a stale keep-alive connection is retried once on a fresh one', async () => {
  // each connection answers its first request and drops the second without a byte (a server that
  // closed an idle connection just as the request arrived)
  let connections = 0;
  const raw = net.createServer((s) => {
    connections++;
    let n = 0;
    s.on('data', () => {
      n++;
      if (n === 1) s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      else s.destroy();
    });
  });
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
  const client = new HttpClient(new URL(`http://127.0.0.1:${(raw.address() as AddressInfo).port}`), new MonotonicClock());
  try {
    const conn = client.connection();
    assert.equal((await once(conn, get('/'))).status, 200);
    const second = await once(conn, get('/'));
    assert.equal(second.status, 200, 'retried on a new connection');
    assert.equal(second.kind, 0);
    assert.equal(connections, 2);
    // (a failure on a fresh connection is not retried: see the `/reset` case above)
  } finally {
    client.abandonAll();
    await new Promise<void>((r) => raw.close(() => r()));
  }
});

test('pool: grows to its cap, then queues; the wait is part of the exchange', async () => {
  const t = await startTarget();
  const client = new HttpClient(new URL(t.url), new MonotonicClock());
  const pool = new ConnectionPool(client, 2);
  try {
    const clock = new MonotonicClock();
    const start = clock.nowUs();
    const doneAt: number[] = [];
    await new Promise<void>((resolve) => {
      let left = 4;
      for (let i = 0; i < 4; i++) {
        pool.request({
          bytes: get('/slow?ms=150'),
          isHead: false,
          keepBody: false,
          keepHeaders: false,
          timeoutMs: 5000,
          sink: {
            onExchangeEnd(c) {
              assert.equal(c.status, 200);
              doneAt.push((clock.nowUs() - start) / 1000);
              if (--left === 0) resolve();
            },
          },
        });
      }
      assert.equal(pool.connections, 2);
      assert.equal(pool.waiting, 2);
    });
    doneAt.sort((a, b) => a - b);
    // two rounds of 150 ms: the queued pair finished after the first pair (≥ 300 ms from the start)
    assert.ok(doneAt[2]! >= 295, `third done at ${doneAt[2]} ms`);
    assert.equal(pool.connections, 2);
    assert.equal(t.stats.requests, 4);
  } finally {
    client.abandonAll();
    await t.close();
  }
});

test('https: TLS with keep-alive; an untrusted certificate is a tls error unless insecure', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lp-tls-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  assert.equal(gen.status, 0, 'openssl made a self-signed certificate');
  const server = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) => {
    res.writeHead(200, { 'content-length': 6 });
    res.end('secure');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  const insecure = new HttpClient(url, new MonotonicClock(), { insecure: true });
  const strict = new HttpClient(url, new MonotonicClock());
  try {
    const conn = insecure.connection();
    for (let i = 1; i <= 3; i++) {
      const r = await once(conn, get('/'));
      assert.equal(r.status, 200);
      assert.equal(r.body, 'secure');
      assert.equal(r.served, i);
    }
    const refused = await once(strict.connection(), get('/'));
    assert.equal(refused.kind, KIND.tls);
  } finally {
    insecure.abandonAll();
    strict.abandonAll();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
});
