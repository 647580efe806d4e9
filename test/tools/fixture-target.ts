/**
 * The local HTTP target that interop fixtures were recorded against, and that interop tests run
 * the exported Locust and Artillery files against. Loopback only (127.0.0.1, port 0 unless given).
 *
 * Routes (chosen so that every importer sees several endpoints, status codes and errors):
 *   POST /auth/login   200 {"token": "tok-<n>"}
 *   GET  /items        200 JSON list, 1–3 ms
 *   POST /items        201 {"id": n}
 *   GET  /slow         200 after 10–30 ms
 *   GET  /flaky        every 7th request answers 500, the rest 200, 1–3 ms
 *   anything else      404
 *   GET  /__counts     the per-route counters as JSON (not counted itself)
 * The counters let a test assert that a foreign tool's run really reached the server.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

export interface FixtureTarget {
  url: string;
  port: number;
  /** "METHOD /path" → requests answered */
  counts: Map<string, number>;
  /** Authorization headers seen on /items (to check that a captured token was sent back) */
  bearerSeen: number;
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const between = (a: number, b: number): number => a + Math.random() * (b - a);

export async function startFixtureTarget(port = 0): Promise<FixtureTarget> {
  const counts = new Map<string, number>();
  let flaky = 0;
  let logins = 0;
  let created = 0;
  const state = { bearerSeen: 0 };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // Drain the body before answering (keeps keep-alive connections healthy).
    for await (const _chunk of req) void _chunk;
    const path = (req.url ?? '/').split('?')[0]!;
    const method = req.method ?? 'GET';
    if (path === '/__counts') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(Object.fromEntries(counts)));
      return;
    }
    const key = `${method} ${path}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    const json = (status: number, body: unknown): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (method === 'POST' && path === '/auth/login') return json(200, { token: `tok-${++logins}` });
    if (method === 'GET' && path === '/items') {
      if (/^Bearer tok-\d+$/.test(req.headers.authorization ?? '')) state.bearerSeen++;
      await sleep(between(1, 3));
      return json(200, [{ id: 1, name: 'a' }, { id: 2, name: 'b' }]);
    }
    if (method === 'POST' && path === '/items') return json(201, { id: ++created });
    if (method === 'GET' && path === '/slow') {
      await sleep(between(10, 30));
      return json(200, { ok: true });
    }
    if (method === 'GET' && path === '/flaky') {
      await sleep(between(1, 3));
      return ++flaky % 7 === 0 ? json(500, { error: 'flaky' }) : json(200, { ok: true });
    }
    json(404, { error: 'not found' });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    counts,
    get bearerSeen() {
      return state.bearerSeen;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// `node dist/test/tools/fixture-target.js [port]` serves until SIGINT/SIGTERM (used to record fixtures).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const t = await startFixtureTarget(Number(process.argv[2] ?? 0));
  console.log(`fixture target on ${t.url}`);
  const stop = (): void => void t.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
