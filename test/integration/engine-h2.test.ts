/**
 * HTTP/2 against real node:http2 servers on 127.0.0.1 (TLS with a self-signed certificate made by
 * openssl at test start, and cleartext h2c): ALPN negotiation checked on the server's side,
 * multiplexing over one session, the server's maxConcurrentStreams respected (the queue's wait in
 * the latency), GOAWAY / RST_STREAM / REFUSED_STREAM as error kinds with the session re-created,
 * timeouts, the open model's rate on h2, and the freezing-server test (latency from the intended
 * start includes a 1 s stall).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { HttpClient } from '../../src/engine/http/client.js';
import { ConnectionPool } from '../../src/engine/http/pool.js';
import type { Connection } from '../../src/engine/http/connection.js';
import { encodeRequest } from '../../src/engine/http/request-bytes.js';
import { MonotonicClock } from '../../src/engine/clock.js';
import { KIND } from '../../src/engine/http/error-kind.js';
import { parsePlan } from '../../src/plan/parse.js';
import { startRun } from '../../src/engine/runner.js';
import { kindName } from '../../src/metrics/error-kinds.js';

const { NGHTTP2_REFUSED_STREAM, NGHTTP2_INTERNAL_ERROR } = http2.constants;

interface Cert {
  key: Buffer;
  cert: Buffer;
  remove(): void;
}

function makeCert(): Cert {
  const dir = mkdtempSync(join(tmpdir(), 'lp-h2-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  assert.equal(gen.status, 0, 'openssl made a self-signed certificate');
  return { key: readFileSync(key), cert: readFileSync(cert), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What an h2 test server saw. */
interface Seen {
  sessions: number;
  streams: number;
  alpn: Set<string>;
  httpVersions: Set<string>;
  maxConcurrent: number;
}

type Handler = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, session: http2.ServerHttp2Session) => void;

async function startH2(opts: { tls: Cert | null; maxConcurrentStreams?: number; handler?: Handler }): Promise<{ url: string; seen: Seen; close(): Promise<void> }> {
  const seen: Seen = { sessions: 0, streams: 0, alpn: new Set(), httpVersions: new Set(), maxConcurrent: 0 };
  const settings = opts.maxConcurrentStreams !== undefined ? { maxConcurrentStreams: opts.maxConcurrentStreams } : {};
  const server = opts.tls ? http2.createSecureServer({ key: opts.tls.key, cert: opts.tls.cert, settings }) : http2.createServer({ settings });
  const sessions = new Set<http2.ServerHttp2Session>();
  let open = 0;
  server.on('session', (s) => {
    seen.sessions++;
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  server.on('request', (req: http2.Http2ServerRequest) => seen.httpVersions.add(req.httpVersion));
  server.on('stream', (stream, headers) => {
    seen.streams++;
    seen.alpn.add(String(stream.session?.alpnProtocol));
    open++;
    seen.maxConcurrent = Math.max(seen.maxConcurrent, open);
    stream.on('close', () => open--);
    stream.on('error', () => {});
    if (opts.handler) opts.handler(stream, headers, stream.session as http2.ServerHttp2Session);
    else {
      stream.respond({ ':status': 200, 'content-type': 'text/plain', 'x-path': String(headers[':path']) });
      stream.end('hello');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}/`,
    seen,
    close: async () => {
      for (const s of sessions) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

interface Outcome {
  status: number;
  kind: number;
  body: string;
  headers: Record<string, string>;
  latencyMs: number;
  detail: string;
}

function once(conn: Connection, bytes: Buffer, timeoutMs = 5000, t0 = -1): Promise<Outcome> {
  return new Promise((resolve) => {
    conn.send(bytes, false, true, true, timeoutMs, {
      onExchangeEnd(c) {
        resolve({ status: c.status, kind: c.errorKind, body: c.body().toString(), headers: { ...c.headers }, latencyMs: (c.doneUs - (t0 >= 0 ? t0 : c.sentUs)) / 1000, detail: c.errorDetail });
      },
    });
  });
}

function viaPool(pool: ConnectionPool, bytes: Buffer, timeoutMs = 5000): Promise<Outcome & { sentUs: number; doneUs: number }> {
  return new Promise((resolve) => {
    pool.request({
      bytes,
      isHead: false,
      keepBody: true,
      keepHeaders: true,
      timeoutMs,
      sink: {
        onExchangeEnd(c) {
          resolve({ status: c.status, kind: c.errorKind, body: c.body().toString(), headers: { ...c.headers }, latencyMs: (c.doneUs - c.sentUs) / 1000, detail: c.errorDetail, sentUs: c.sentUs, doneUs: c.doneUs });
        },
      },
    });
  });
}

const get = (path: string, host = 'x'): Buffer => encodeRequest({ method: 'GET', path, headers: [] }, host);

test('h2 over TLS (ALPN) multiplexes 40 requests on one session; the server sees HTTP/2.0 and alpn h2', async () => {
  const cert = makeCert();
  const srv = await startH2({ tls: cert });
  const client = new HttpClient(new URL(srv.url), new MonotonicClock(), { insecure: true, http: { version: '2' } });
  try {
    assert.equal(client.protocol, 'h2');
    const pool = new ConnectionPool(client, 1000);
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => viaPool(pool, get(`/item/${i}`))));
    assert.ok(results.every((r) => r.status === 200 && r.kind === 0 && r.body === 'hello'));
    assert.deepEqual(
      results.map((r) => r.headers['x-path']),
      Array.from({ length: 40 }, (_, i) => `/item/${i}`),
    );
    assert.equal(srv.seen.sessions, 1, 'one session carried every request');
    assert.equal(srv.seen.streams, 40);
    assert.deepEqual([...srv.seen.alpn], ['h2']);
    assert.deepEqual([...srv.seen.httpVersions], ['2.0']);
    assert.ok(srv.seen.maxConcurrent > 1, `streams were concurrent (max ${srv.seen.maxConcurrent})`);
  } finally {
    client.abandonAll();
    await srv.close();
    cert.remove();
  }
});

test('h2c: version 2 on an http:// target speaks cleartext HTTP/2 with prior knowledge', async () => {
  const srv = await startH2({ tls: null });
  const client = new HttpClient(new URL(srv.url), new MonotonicClock(), { http: { version: '2' } });
  try {
    assert.equal(client.protocol, 'h2c');
    const conn = client.connection();
    for (let i = 0; i < 3; i++) {
      const r = await once(conn, encodeRequest({ method: 'POST', path: '/echo', headers: [['content-type', 'text/plain']], body: Buffer.from('abc') }, 'x'));
      assert.equal(r.status, 200);
      assert.equal(r.body, 'hello');
    }
    assert.equal(srv.seen.sessions, 1);
    assert.deepEqual([...srv.seen.alpn], ['h2c']);
    assert.deepEqual([...srv.seen.httpVersions], ['2.0']);
  } finally {
    client.abandonAll();
    await srv.close();
  }
});

test("maxConcurrentStreams: the server's limit of 2 is never exceeded; the queue's wait is in the latency", async () => {
  const srv = await startH2({
    tls: null,
    maxConcurrentStreams: 2,
    handler: (stream) =>
      setTimeout(() => {
        if (stream.destroyed) return;
        stream.respond({ ':status': 200 });
        stream.end('slow');
      }, 150),
  });
  const client = new HttpClient(new URL(srv.url), new MonotonicClock(), { http: { version: '2' } });
  try {
    const pool = new ConnectionPool(client, 1000);
    const results = await Promise.all(Array.from({ length: 6 }, () => viaPool(pool, get('/'))));
    assert.ok(results.every((r) => r.status === 200 && r.kind === 0), JSON.stringify(results.map((r) => r.kind)));
    assert.equal(srv.seen.maxConcurrent, 2, 'never more than the server allows');
    // three waves of two: the last two waited for two others, measured from their send
    const lat = results.map((r) => r.latencyMs).sort((a, b) => a - b);
    assert.ok(lat[5]! >= 400, `last latency ${lat[5]} ms includes two waves of waiting`);
    assert.ok(lat[0]! < 400, `first latency ${lat[0]} ms`);
  } finally {
    client.abandonAll();
    await srv.close();
  }
});

test('h2 errors are data: RST_STREAM, REFUSED_STREAM, GOAWAY, timeout; the session is re-created after GOAWAY', async () => {
  const srv = await startH2({
    tls: null,
    handler: (stream, headers, session) => {
      const path = String(headers[':path']);
      if (path === '/reset') stream.close(NGHTTP2_INTERNAL_ERROR);
      else if (path === '/refuse') stream.close(NGHTTP2_REFUSED_STREAM);
      else if (path === '/goaway') {
        // GOAWAY naming no stream as processed: this one (and any later) was not handled
        session.goaway(0, 0);
        setTimeout(() => session.destroy(), 20);
      } else if (path === '/hang') {
        /* never answers */
      } else {
        stream.respond({ ':status': 200 });
        stream.end('ok');
      }
    },
  });
  const client = new HttpClient(new URL(srv.url), new MonotonicClock(), { http: { version: '2' }, sweepMs: 10 });
  try {
    const conn = client.connection();
    const ok = await once(conn, get('/'));
    assert.equal(ok.status, 200);
    const reset = await once(conn, get('/reset'));
    assert.equal(kindName(reset.kind), 'h2_stream_reset');
    const refused = await once(conn, get('/refuse'));
    assert.equal(kindName(refused.kind), 'h2_refused_stream');
    const hang = await once(conn, get('/hang'), 200);
    assert.equal(hang.kind, KIND.timeout);
    assert.ok(hang.latencyMs >= 200 && hang.latencyMs < 1000, `timeout after ${hang.latencyMs} ms`);
    assert.equal(srv.seen.sessions, 1, 'stream errors leave the session up');
    const goaway = await once(conn, get('/goaway'));
    assert.equal(kindName(goaway.kind), 'h2_goaway', goaway.detail);
    // the next request opens a new session and succeeds
    const after = await once(conn, get('/'));
    assert.equal(after.status, 200, `after GOAWAY: kind ${kindName(after.kind)}`);
    assert.equal(srv.seen.sessions, 2, 'a new session after GOAWAY');
    assert.equal(client.h2SessionsOpened, 2);
  } finally {
    client.abandonAll();
    await srv.close();
  }
});

test('a refused connection on h2 is `refused`, as on HTTP/1.1', async () => {
  const srv = await startH2({ tls: null });
  const url = srv.url;
  await srv.close();
  const client = new HttpClient(new URL(url), new MonotonicClock(), { http: { version: '2' } });
  try {
    const r = await once(client.connection(), get('/'));
    assert.equal(r.kind, KIND.refused);
  } finally {
    client.abandonAll();
  }
});

test('plan http.version auto: an https server offering h2 gets h2, one offering only http/1.1 gets http/1.1', async () => {
  const cert = makeCert();
  const h2srv = await startH2({ tls: cert });
  const h1srv = https.createServer({ key: cert.key, cert: cert.cert }, (_req, res) => res.end('h1'));
  await new Promise<void>((r) => h1srv.listen(0, '127.0.0.1', r));
  const h1url = `https://127.0.0.1:${(h1srv.address() as AddressInfo).port}/`;
  const plan = (target: string): ReturnType<typeof parsePlan> =>
    parsePlan(
      `name: auto
target: ${target}
load: { model: open, stages: [{ duration: 0s, target: 20 }, { duration: 1s, target: 20 }] }
defaults: { insecure: true }
scenarios: [{ name: a, flow: [{ get: / }] }]
`);
  try {
    const a = await startRun({ plan: plan(h2srv.url) }).done;
    assert.equal(a.protocol, 'h2');
    assert.deepEqual([...h2srv.seen.alpn], ['h2']);
    assert.equal(a.totals.summary(a.durationSec, 'intended').errors, 0);
    const b = await startRun({ plan: plan(h1url) }).done;
    assert.equal(b.protocol, 'http/1.1');
    assert.equal(b.totals.summary(b.durationSec, 'intended').errors, 0);
  } finally {
    h1srv.closeAllConnections();
    await new Promise<void>((r) => h1srv.close(() => r()));
    await h2srv.close();
    cert.remove();
  }
});

/** An h2c server that stops answering for `freezeMs` starting `afterMs` after its first request (it holds the streams, then answers them all). */
async function startFreezingH2(afterMs: number, freezeMs: number): Promise<Awaited<ReturnType<typeof startH2>>> {
  let firstAt = -1;
  const held: http2.ServerHttp2Stream[] = [];
  const answer = (stream: http2.ServerHttp2Stream): void => {
    if (stream.destroyed || stream.closed) return;
    stream.respond({ ':status': 200 });
    stream.end('ok');
  };
  return startH2({
    tls: null,
    handler: (stream) => {
      const now = Date.now();
      if (firstAt < 0) {
        firstAt = now;
        setTimeout(() => held.splice(0).forEach(answer), afterMs + freezeMs);
      }
      const t = now - firstAt;
      if (t >= afterMs && t < afterMs + freezeMs) held.push(stream);
      else answer(stream);
    },
  });
}

const h2Plan = (target: string, load: string, extra = ''): ReturnType<typeof parsePlan> =>
  parsePlan(`name: h2 run
target: ${target}
http: { version: 2 }
load: ${load}
${extra}scenarios: [{ name: a, flow: [{ get: / }] }]
`);

test('open model on h2c: 50/s for 4 s sends exactly its 200 arrivals over one session, ~50 per second', async (t) => {
  const srv = await startH2({ tls: null });
  try {
    const o = await startRun({ plan: h2Plan(srv.url, '{ model: open, stages: [{ duration: 0s, target: 50 }, { duration: 4s, target: 50 }] }') }).done;
    const s = o.totals.summary(o.durationSec, 'intended');
    assert.equal(o.protocol, 'h2c');
    assert.equal(s.requests, 200);
    assert.equal(s.errors, 0);
    assert.equal(srv.seen.streams, 200);
    assert.equal(srv.seen.sessions, 1);
    // whole seconds of the schedule: 50 each, give or take an arrival fired just across a boundary
    const full = o.totals.timeline.filter((p) => (p.durationSec ?? 1) === 1).slice(0, 4);
    assert.ok(full.length >= 3, `timeline ${o.totals.timeline.length}`);
    t.diagnostic(`per-second completions ${full.map((p) => p.rps).join(', ')}; send lag p99 ${o.totals.sendLagP99Ms()} ms`);
    for (const p of full) assert.ok(Math.abs(p.rps - 50) <= 3, `second at ${p.t}: ${p.rps}/s`);
  } finally {
    await srv.close();
  }
});

test('a server that freezes 1 s on h2: the open model counts the stall in latency (from the intended start), the closed model hides it', async (t) => {
  const openSrv = await startFreezingH2(1500, 1000);
  const closedSrv = await startFreezingH2(1500, 1000);
  try {
    const open = await startRun({ plan: h2Plan(openSrv.url, '{ model: open, stages: [{ duration: 0s, target: 50 }, { duration: 4s, target: 50 }] }') }).done;
    const closed = await startRun({
      plan: h2Plan(closedSrv.url, '{ model: closed, stages: [{ duration: 0s, target: 2 }, { duration: 4s, target: 2 }] }', 'defaults: { think: 10ms }\n'),
    }).done;
    const so = open.totals.summary(open.durationSec, 'intended');
    const sc = closed.totals.summary(closed.durationSec, 'actual');
    t.diagnostic(`open: p50 ${so.latencyMs.p50} p90 ${so.latencyMs.p90} p99 ${so.latencyMs.p99} max ${so.latencyMs.max} ms; closed: p99 ${sc.latencyMs.p99} max ${sc.latencyMs.max} ms, ${sc.requests} requests`);
    assert.equal(so.requests, 200);
    assert.equal(so.errors, 0);
    // ~50 arrivals fall in the stall; each waits for the rest of it: the oldest almost the whole second
    assert.ok(so.latencyMs.max! >= 900 && so.latencyMs.max! < 1600, `open max ${so.latencyMs.max} ms`);
    assert.ok(so.latencyMs.p99! >= 800, `open p99 ${so.latencyMs.p99} ms`);
    assert.ok(so.latencyMs.p90! >= 150, `open p90 ${so.latencyMs.p90} ms: a quarter of the requests met the stall`);
    // closed: 2 VUs wait once each; their p99 stays far below the open model's
    assert.ok(sc.latencyMs.max! >= 500, `closed max ${sc.latencyMs.max} ms: the VUs did meet the stall`);
    assert.ok(sc.latencyMs.p99! * 4 < so.latencyMs.p99!, `closed p99 ${sc.latencyMs.p99} ms vs open ${so.latencyMs.p99} ms`);
  } finally {
    await openSrv.close();
    await closedSrv.close();
  }
});
