/**
 * The demo service: a small items API (node:http only) with one deliberate, real bottleneck, so
 * that `loadproof demo` has something worth finding. Documented in docs/demo.md.
 *
 *   POST /auth/login  {email, password} → 200 {"token"}; 401 on bad credentials (test@example.com /
 *                     test_password are accepted); 400 on a body that is not JSON
 *   GET  /items       Bearer token → 200 [items] (newest first, `?limit=` 1..100, default 20); 401 without
 *   POST /items       Bearer token, {name, value?} → 201 {id, name, value, createdAt}; 400 on a bad body
 *   GET  /health      200 ok (no bottleneck, no token)
 *   GET  /__loadproof/metrics   the probe (loadproof/probe) with the bottleneck's gauges
 *
 * Bottlenecks apply to the /items requests only (login, health and metrics stay cheap):
 *   pool  a pool of `poolSize` (10) connections; each /items request holds one for `holdMs` (20 ms,
 *         a timer, not CPU); past `poolSize` concurrent requests wait in FIFO order, and a wait
 *         longer than `queueTimeoutMs` (2 s) is answered 503. Designed capacity = poolSize / holdMs
 *         = 10 / 0.020 s = 500 req/s. Gauges pool_in_use, pool_size, pool_waiting.
 *   cpu   `cpuMs` (2 ms) of synchronous CPU per request on the event loop (process CPU time, not wall
 *         time, so a descheduled process still burns the full amount): one core caps it at
 *         1000 / cpuMs = 500 req/s, less the HTTP handling cost.
 *   leak  each request retains `leakBytes` (10 KiB) for the life of the process: RSS grows by about
 *         leakBytes per request (10 MiB per 1,000 requests). Gauge leak_retained_bytes.
 *   cold  for `coldMs` (15 s) after the first /items request the cache is cold: every request is a
 *         miss costing `coldExtraMs` (100 ms) more, and at most `coldConcurrency` (8) misses run at
 *         once, so past 8 / 0.1 s = 80 req/s the surplus is answered 503 while warming; after
 *         that every request is a fast hit. Gauges cache_warm (0/1), cache_misses_in_flight.
 *   none  no bottleneck: sub-millisecond answers, bounded by node:http itself.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createH2Server } from 'node:http2';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { attachWs, startGrpc, type DemoProtocol } from './protocols.js';
import { probe, type ProbeHandler } from '../watch/probe.js';

export const BOTTLENECKS = ['pool', 'cpu', 'leak', 'cold', 'none'] as const;
/**
 * Protocols of `demo --protocol` (the option is shared: `ws` and `grpc` are other branches' work).
 * `http1` is the default; `h2` serves cleartext HTTP/2 (h2c, prior knowledge) on the same port,
 * next to HTTP/1.1 (the probe and any curl still reach it).
 */
export { DEMO_PROTOCOLS, type DemoProtocol } from './protocols.js';
export type Bottleneck = (typeof BOTTLENECKS)[number];

/** The credentials the demo accepts. */
export const DEMO_USER = { email: 'test@example.com', password: 'test_password' } as const;

export interface DemoServiceOptions {
  /** 0 picks a free port (default 3000) */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  /** default pool */
  bottleneck?: Bottleneck;
  /** pool: connections (default 10) */
  poolSize?: number;
  /** pool: how long a request holds a connection, ms (default 20) */
  holdMs?: number;
  /** pool: longest wait for a connection before 503, ms (default 2000) */
  queueTimeoutMs?: number;
  /** cpu: CPU time burnt per request, ms (default 2) */
  cpuMs?: number;
  /** leak: bytes retained per request (default 10240) */
  leakBytes?: number;
  /** cold: how long the cache stays cold after the first /items request, ms (default 15000) */
  coldMs?: number;
  /** cold: extra latency of a cache miss, ms (default 100) */
  coldExtraMs?: number;
  /** cold: misses served at once; more are answered 503 (default 8) */
  coldConcurrency?: number;
  /** http1 (default); h2: h2c next to HTTP/1.1 on the same port; ws: also /items/ws; grpc: also gRPC on its own port (protocols.ts) */
  protocol?: DemoProtocol;
}

export type ResolvedDemoOptions = Required<DemoServiceOptions>;

export const DEMO_DEFAULTS: ResolvedDemoOptions = {
  port: 3000,
  host: '127.0.0.1',
  bottleneck: 'pool',
  poolSize: 10,
  holdMs: 20,
  queueTimeoutMs: 2000,
  cpuMs: 2,
  leakBytes: 10 * 1024,
  coldMs: 15_000,
  coldExtraMs: 100,
  coldConcurrency: 8,
  protocol: 'http1',
};

export interface DemoService {
  /** e.g. http://127.0.0.1:3000 */
  url: string;
  port: number;
  host: string;
  options: ResolvedDemoOptions;
  /** --protocol grpc: http://host:port of the gRPC server (demo.Items) */
  grpcUrl?: string;
  /** the designed limit in words, e.g. "pool of 10 connections held 20 ms each: capacity ≈ 500 req/s" */
  describe(): string;
  /** Stops listening, drops open connections and releases retained memory. */
  close(): Promise<void>;
}

/** The bottleneck's designed limit in one line (also printed by `demo serve`). */
export function describeBottleneck(o: ResolvedDemoOptions): string {
  switch (o.bottleneck) {
    case 'pool':
      return `pool of ${o.poolSize} connections held ${o.holdMs} ms per /items request: capacity ≈ ${round((o.poolSize * 1000) / o.holdMs)} req/s; waits over ${o.queueTimeoutMs} ms get 503`;
    case 'cpu':
      return `${o.cpuMs} ms of CPU per /items request on the event loop: capacity ≈ ${round(1000 / o.cpuMs)} req/s on one core, less HTTP overhead`;
    case 'leak':
      return `each /items request retains ${o.leakBytes} bytes: memory grows ≈ ${round((o.leakBytes * 1000) / 2 ** 20)} MiB per 1,000 requests`;
    case 'cold':
      return `cold cache for ${o.coldMs} ms after the first /items request: +${o.coldExtraMs} ms per request, over ${o.coldConcurrency} misses at once get 503 (≈ ${round((o.coldConcurrency * 1000) / o.coldExtraMs)} req/s while warming)`;
    case 'none':
      return 'no bottleneck: sub-millisecond answers';
  }
}

const round = (n: number): number => Math.round(n * 10) / 10;

interface Item {
  id: number;
  name: string;
  value: number | null;
  createdAt: string;
}

/** Items kept for GET /items; older ones are dropped so that only `leak` grows memory. */
const MAX_ITEMS = 1000;
const MAX_BODY_BYTES = 64 * 1024;

/** Starts the demo service; resolves once it listens. */
export async function startDemoService(opts: DemoServiceOptions = {}): Promise<DemoService> {
  const o: ResolvedDemoOptions = { ...DEMO_DEFAULTS, ...stripUndefined(opts) };
  if (!(BOTTLENECKS as readonly string[]).includes(o.bottleneck)) throw new TypeError(`unknown bottleneck "${o.bottleneck}"`);
  for (const k of ['poolSize', 'holdMs', 'queueTimeoutMs', 'cpuMs', 'leakBytes', 'coldMs', 'coldExtraMs', 'coldConcurrency'] as const) {
    if (!(Number.isFinite(o[k]) && o[k] >= 0)) throw new TypeError(`${k} must be a number ≥ 0, got ${o[k]}`);
  }

  // Stateless tokens (HMAC of the email under a per-process secret): no per-login memory, so
  // only the `leak` bottleneck grows the heap.
  const secret = randomBytes(32);
  const sign = (email: string): string => createHmac('sha256', secret).update(email).digest('base64url');
  const tokenFor = (email: string): string => `${Buffer.from(email).toString('base64url')}.${sign(email)}`;
  const validToken = (token: string): boolean => {
    const [user, mac] = token.split('.');
    if (!user || !mac) return false;
    const expected = Buffer.from(sign(Buffer.from(user, 'base64url').toString()));
    const given = Buffer.from(mac);
    return expected.length === given.length && timingSafeEqual(expected, given);
  };

  const items: Item[] = [];
  let nextId = 1;
  const addItem = (name: string, value: number | null): Item => {
    const item = { id: nextId++, name, value, createdAt: new Date().toISOString() };
    items.push(item);
    if (items.length > MAX_ITEMS) items.splice(0, items.length - MAX_ITEMS);
    return item;
  };
  for (let i = 1; i <= 20; i++) addItem(`item ${i}`, i);

  const bottleneck = createBottleneck(o);
  let inFlight = 0;
  const handler: ProbeHandler = probe({ gauges: { in_flight: () => inFlight, ...bottleneck.gauges } });

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    inFlight++;
    res.once('close', () => inFlight--);
    route(req, res).catch((err: unknown) => {
      // A handler bug must not take the demo down: answer 500 and keep serving.
      if (!res.headersSent) json(res, 500, { error: `internal error: ${(err as Error)?.message ?? String(err)}` });
      else res.destroy();
    });
  };
  const server: Server = createServer(onRequest);
  // h2: the same handler through node:http2's compatibility API (req/res shaped as node:http's)
  const h2 = o.protocol === 'h2' ? createH2Server((req, res) => onRequest(req as unknown as IncomingMessage, res as unknown as ServerResponse)) : null;
  const h2Sockets = new Set<Socket>();
  // one port, both protocols: a cleartext h2 client opens with the connection preface ("PRI * HTTP/2.0")
  const listener: Server | NetServer =
    h2 === null
      ? server
      : createNetServer((socket) => {
          socket.once('data', (first: Buffer) => {
            socket.pause();
            socket.unshift(first);
            if (first.subarray(0, 3).toString('latin1') === 'PRI') {
              h2Sockets.add(socket);
              socket.once('close', () => h2Sockets.delete(socket));
              h2.emit('connection', socket);
            } else server.emit('connection', socket);
            // resumed on the next tick: the new owner has set up its reading by then
            process.nextTick(() => socket.resume());
          });
          socket.on('error', () => socket.destroy());
        });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://demo');
    const path = url.pathname;
    if (path === '/__loadproof/metrics') return handler(req, res);
    if (path === '/health') return void res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
    if (path === '/auth/login') {
      if (req.method !== 'POST') return methodNotAllowed(res, 'POST');
      const body = await readJson(req, res);
      if (body === undefined) return;
      const { email, password } = (body ?? {}) as { email?: unknown; password?: unknown };
      if (email === DEMO_USER.email && password === DEMO_USER.password) return json(res, 200, { token: tokenFor(email) });
      return json(res, 401, { error: 'invalid credentials' });
    }
    if (path === '/items') {
      if (req.method !== 'GET' && req.method !== 'POST') return methodNotAllowed(res, 'GET, POST');
      const auth = req.headers.authorization ?? '';
      const token = /^Bearer\s+(\S+)$/i.exec(auth)?.[1];
      if (!token || !validToken(token)) {
        req.resume();
        return json(res, 401, { error: 'missing or invalid bearer token' }, { 'WWW-Authenticate': 'Bearer' });
      }
      let body: unknown;
      if (req.method === 'POST') {
        body = await readJson(req, res);
        if (body === undefined) return;
        const b = body as { name?: unknown; value?: unknown } | null;
        if (!b || typeof b !== 'object' || typeof b.name !== 'string' || b.name === '' || (b.value !== undefined && typeof b.value !== 'number')) {
          return json(res, 400, { error: 'expected {"name": string, "value"?: number}' });
        }
      }
      const outcome = await bottleneck.serve(req);
      if (outcome !== 'ok') return json(res, 503, { error: outcome }, { 'Retry-After': '1' });
      if (req.method === 'GET') {
        const limit = Math.min(100, Math.max(1, Number(url.searchParams.get('limit') ?? 20) || 20));
        return json(res, 200, items.slice(-limit).reverse());
      }
      const b = body as { name: string; value?: number };
      return json(res, 201, addItem(b.name, b.value ?? null));
    }
    req.resume();
    json(res, 404, { error: `no route ${req.method ?? ''} ${path}` });
  }

  await new Promise<void>((resolveListen, reject) => {
    listener.once('error', reject);
    listener.listen(o.port, o.host, () => {
      listener.off('error', reject);
      resolveListen();
    });
  });
  const addr = listener.address() as AddressInfo;
  const hostInUrl = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const authorized = (req: IncomingMessage): boolean => {
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    return token !== undefined && validToken(token);
  };
  const front = o.protocol === 'ws' ? await attachWs(server, (req) => bottleneck.serve(req), authorized, () => items) : o.protocol === 'grpc' ? await startGrpc(addr.address, (req) => bottleneck.serve(req)) : null;
  return {
    url: `http://${hostInUrl}:${addr.port}`,
    port: addr.port,
    host: addr.address,
    options: { ...o, port: addr.port },
    ...(front?.grpcUrl !== undefined ? { grpcUrl: front.grpcUrl } : {}),
    describe: () => describeBottleneck(o) + (front?.grpcUrl !== undefined ? `; gRPC demo.Items on ${front.grpcUrl}` : o.protocol === 'ws' ? '; WebSocket on /items/ws' : ''),
    close: async () => {
      await front?.close();
      handler.close();
      bottleneck.close();
      await new Promise<void>((r) => {
        if (listener !== server) {
          for (const s of h2Sockets) s.destroy();
          listener.close(() => server.close(() => r()));
        } else server.close(() => r());
        server.closeAllConnections();
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Bottlenecks

interface BottleneckImpl {
  /** Runs the bottleneck for one /items request: 'ok', or the reason for a 503. */
  serve(req: IncomingMessage | null): Promise<'ok' | string>;
  gauges: Record<string, () => number>;
  close(): void;
}

function createBottleneck(o: ResolvedDemoOptions): BottleneckImpl {
  switch (o.bottleneck) {
    case 'pool':
      return poolBottleneck(o.poolSize, o.holdMs, o.queueTimeoutMs);
    case 'cpu':
      return {
        serve: async () => {
          burnCpuMs(o.cpuMs);
          return 'ok';
        },
        gauges: {},
        close: () => undefined,
      };
    case 'leak': {
      // Object accumulation: a record per request that nothing ever releases (until close()).
      let retained: Array<{ at: number; url: string | undefined; payload: Buffer }> = [];
      let bytes = 0;
      return {
        serve: async (req) => {
          // Filled with a non-zero byte: zeroed memory from calloc/mmap is not resident until
          // written, so Buffer.alloc(n) alone grows RSS by less than n (measured: ~75%).
          retained.push({ at: Date.now(), url: req?.url, payload: Buffer.alloc(o.leakBytes, 0x6c) });
          bytes += o.leakBytes;
          return 'ok';
        },
        gauges: { leak_retained_bytes: () => bytes },
        close: () => {
          retained = [];
          bytes = 0;
        },
      };
    }
    case 'cold':
      return coldBottleneck(o.coldMs, o.coldExtraMs, o.coldConcurrency);
    case 'none':
      return { serve: async () => 'ok', gauges: {}, close: () => undefined };
  }
}

/**
 * A connection pool: `size` slots, FIFO waiters, each request holding a slot for `holdMs`.
 * Invariant: inUse ≤ size; a waiter either gets a slot or times out, never both.
 */
function poolBottleneck(size: number, holdMs: number, queueTimeoutMs: number): BottleneckImpl {
  let inUse = 0;
  const waiters: Array<{ grant: () => void }> = [];
  const timers = new Set<NodeJS.Timeout>();
  const after = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const release = (): void => {
    const next = waiters.shift();
    if (next) next.grant();
    else inUse--;
  };
  const acquire = (): Promise<boolean> =>
    new Promise((resolveAcquire) => {
      if (inUse < size) {
        inUse++;
        return resolveAcquire(true);
      }
      let done = false;
      const waiter = {
        grant: () => {
          // the releasing request hands its slot over: inUse stays the same
          done = true;
          clearTimeout(timer);
          timers.delete(timer);
          resolveAcquire(true);
        },
      };
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (done) return;
        done = true;
        const i = waiters.indexOf(waiter);
        if (i >= 0) waiters.splice(i, 1);
        resolveAcquire(false);
      }, queueTimeoutMs);
      timers.add(timer);
      waiters.push(waiter);
    });
  return {
    serve: async () => {
      if (!(await acquire())) return `no pool connection within ${queueTimeoutMs} ms`;
      await new Promise<void>((r) => after(holdMs, r));
      release();
      return 'ok';
    },
    gauges: { pool_in_use: () => inUse, pool_size: () => size, pool_waiting: () => waiters.length },
    close: () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      waiters.length = 0;
    },
  };
}

/** A cache that is cold for `coldMs` after the first request: slow misses, bounded concurrency. */
function coldBottleneck(coldMs: number, extraMs: number, concurrency: number): BottleneckImpl {
  let firstAt: number | undefined;
  let missesInFlight = 0;
  const timers = new Set<NodeJS.Timeout>();
  const warm = (): boolean => firstAt !== undefined && performance.now() - firstAt >= coldMs;
  return {
    serve: async () => {
      firstAt ??= performance.now();
      if (warm()) return 'ok';
      if (missesInFlight >= concurrency) return 'cache warming up';
      missesInFlight++;
      await new Promise<void>((r) => {
        const t = setTimeout(() => {
          timers.delete(t);
          r();
        }, extraMs);
        timers.add(t);
      });
      missesInFlight--;
      return 'ok';
    },
    gauges: { cache_warm: () => (warm() ? 1 : 0), cache_misses_in_flight: () => missesInFlight },
    close: () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}

let cpuSink = 0;

/**
 * Burns `ms` of process CPU time (user + system, as process.cpuUsage counts it) on this thread.
 * Counting CPU time rather than wall time keeps the cost per request fixed on a busy machine,
 * where a wall-clock spin would burn less whenever the process is descheduled.
 */
export function burnCpuMs(ms: number): void {
  if (ms <= 0) return;
  const start = process.cpuUsage();
  const targetUs = ms * 1000;
  let x = cpuSink | 1;
  for (;;) {
    for (let i = 0; i < 2000; i++) x = (x * 1103515245 + 12345) % 2147483647;
    const used = process.cpuUsage(start);
    if (used.user + used.system >= targetUs) break;
  }
  cpuSink = x; // keeps the loop from being optimised away
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  json(res, 405, { error: 'method not allowed' }, { Allow: allow });
}

/** Reads a JSON body (≤ 64 KiB). Answers 400/413 itself and resolves undefined on a bad body. */
async function readJson(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      json(res, 413, { error: `body over ${MAX_BODY_BYTES} bytes` }, { Connection: 'close' });
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    json(res, 400, { error: 'the body is not JSON' });
    return undefined;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
