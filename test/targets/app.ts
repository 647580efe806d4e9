/**
 * A tunable, misbehaving HTTP target for engine tests (in the spirit of autocannon's test/helper.js
 * and Vegeta's echosrv). Runs in-process (`startTarget`) or as its own process
 * (`node dist/test/targets/app.js [--freeze-every-ms N --freeze-ms M]`, which prints its port),
 * so that a test can kill it mid-run.
 *
 * Routes:
 *   GET  /                 200 "ok"
 *   GET  /slow?ms=N        200 after N ms
 *   GET  /status/N         status N
 *   GET  /chunked          a chunked body ("hello world" in 3 chunks)
 *   GET  /close            a close-delimited body (no length, Connection: close)
 *   GET  /connection-close 200 with Content-Length and Connection: close
 *   POST /auth/login       {email, password} → 200 {"token": "<random>"} (401 on a wrong password)
 *   GET  /items            200 [..] with `Authorization: Bearer <a token from /auth/login>`, else 401
 *   POST /items            201 {"id": n} with a valid token, else 401
 *   GET  /stats            counts seen by the server (JSON)
 * With `freezeEveryMs`, the event loop is blocked for `freezeMs` every `freezeEveryMs` (a GC pause,
 * a synchronous hash, a stop-the-world): requests arriving meanwhile wait.
 */
import * as http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface TargetOptions {
  freezeEveryMs?: number;
  freezeMs?: number;
  port?: number;
}

export interface Target {
  url: string;
  port: number;
  stats: { requests: number; authorized: number; unauthorized: number; logins: number; byPath: Record<string, number> };
  /** tokens handed out by /auth/login */
  tokens: Set<string>;
  close(): Promise<void>;
}

export const LOGIN_PASSWORD = 'test_password';

export function startTarget(opts: TargetOptions = {}): Promise<Target> {
  const tokens = new Set<string>();
  const stats: Target['stats'] = { requests: 0, authorized: 0, unauthorized: 0, logins: 0, byPath: {} };
  let nextId = 1;
  const server = http.createServer((req, res) => {
    stats.requests++;
    const url = new URL(req.url ?? '/', 'http://x');
    stats.byPath[url.pathname] = (stats.byPath[url.pathname] ?? 0) + 1;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const authed = (): boolean => {
        const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
        const ok = m !== null && tokens.has(m[1]!);
        if (ok) stats.authorized++;
        else stats.unauthorized++;
        return ok;
      };
      const json = (status: number, value: unknown): void => {
        const text = JSON.stringify(value);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      };
      const p = url.pathname;
      if (p === '/' || p === '/ok') {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 });
        res.end('ok');
      } else if (p === '/slow') {
        setTimeout(() => res.end('slow'), Number(url.searchParams.get('ms') ?? 100));
      } else if (p.startsWith('/status/')) {
        res.writeHead(Number(p.slice(8)) || 500);
        res.end('status');
      } else if (p === '/chunked') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('hello');
        res.write(' ');
        res.end('world');
      } else if (p === '/close') {
        res.writeHead(200, { connection: 'close', 'content-type': 'text/plain' });
        res.end('closing body');
      } else if (p === '/connection-close') {
        res.writeHead(200, { connection: 'close', 'content-length': 2 });
        res.end('ok');
      } else if (p === '/auth/login' && req.method === 'POST') {
        let creds: { email?: string; password?: string } = {};
        try {
          creds = JSON.parse(body) as typeof creds;
        } catch {
          // answered below
        }
        if (creds.password !== LOGIN_PASSWORD) return json(401, { error: 'bad credentials' });
        stats.logins++;
        const token = `tok_${randomBytes(12).toString('hex')}`;
        tokens.add(token);
        json(200, { token });
      } else if (p === '/items' && req.method === 'GET') {
        if (!authed()) return json(401, { error: 'unauthorized' });
        json(200, [{ id: 1, name: 'a' }]);
      } else if (p === '/items' && req.method === 'POST') {
        if (!authed()) return json(401, { error: 'unauthorized' });
        json(201, { id: nextId++ });
      } else if (p === '/stats') {
        json(200, stats);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
  });
  server.keepAliveTimeout = 30_000;
  let freezer: NodeJS.Timeout | null = null;
  if (opts.freezeEveryMs && opts.freezeMs) {
    const ms = opts.freezeMs;
    freezer = setInterval(() => {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        // the event loop is frozen on purpose
      }
    }, opts.freezeEveryMs);
  }
  return new Promise((resolve) => {
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        stats,
        tokens,
        close: () =>
          new Promise<void>((r) => {
            if (freezer) clearInterval(freezer);
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
