/**
 * The live servers of a run: the dashboard (`--dashboard`: the page, its Server-Sent Events
 * stream, the stop/abort buttons, the reports once written) and the Prometheus endpoint
 * (`--metrics`: `/metrics`).
 *
 * Safety.
 * - Both bind to 127.0.0.1 unless told otherwise. The dashboard off loopback requires a token (given
 *   with `--dashboard-token`, else generated and printed): the page, the stream and the buttons
 *   all ask for it, so the stop button is not open to the network.
 * - On loopback, the buttons still need the page's token in an `X-Loadproof-Token` header: another
 *   web site open in the same browser cannot send that header without a CORS preflight, which this
 *   server never grants; and the `Host` header must name this server (a DNS-rebinding page cannot).
 * - The page loads nothing from the network (CSP `default-src 'none'`; only its two inline scripts,
 *   by hash, and `connect-src 'self'` for the stream and the buttons).
 *
 * Slow clients never slow the run. The feed writes each event once into each client's response;
 * a client whose unsent bytes exceed `MAX_CLIENT_BACKLOG_BYTES` (beyond the history it was sent on
 * connecting) is closed and counted in `dropped`. Nothing waits on a client: writes are never
 * awaited, and a socket that never reads only grows its own bounded buffer until it is cut.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ExitCode, LoadproofError } from '../errors.js';
import { hostPort, isLoopback, type ListenAddress } from './address.js';
import type { LiveFeed } from './feed.js';
import { renderDashboardPage } from './page.js';
import type { PrometheusState } from './prometheus.js';

/** Unsent bytes a dashboard client may hold beyond its history before it is closed. */
export const MAX_CLIENT_BACKLOG_BYTES = 512 * 1024;
/** After the run, how long the dashboard waits for open pages to fetch the reports, ms. */
export const CLOSE_WAIT_MS = 3_000;
/** Dashboard clients at once; more are refused (503). */
export const MAX_CLIENTS = 64;

export interface LiveServer {
  /** the URL to print (with the token when one is required) */
  readonly url: string;
  readonly address: ListenAddress;
  close(): Promise<void>;
}

export interface DashboardServer extends LiveServer {
  readonly token: string;
  /** the token is required on every request (off loopback) */
  readonly tokenRequired: boolean;
  /** the token was generated (print it) */
  readonly tokenGenerated: boolean;
  /** clients connected to the stream now */
  clients(): number;
  /** clients closed for not reading */
  dropped(): number;
}

function listen(server: Server, addr: ListenAddress, what: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        new LoadproofError('LP_BAD_FLAG', `${what} cannot listen on ${hostPort(addr.host, addr.port)}: ${err.code ?? err.message}`, {
          hint: err.code === 'EADDRINUSE' ? 'the port is taken: pick another, or :0 for a free one' : 'check the address',
          where: what,
          exitCode: ExitCode.badInput,
        }),
      );
    });
    server.listen(addr.port, addr.host, () => resolve(server.address() as AddressInfo));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // connections that never read (or keep-alive ones) must not hold the CLI's exit
    server.closeAllConnections();
  });
}

function sameToken(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export interface DashboardOptions {
  address: ListenAddress;
  /** required off loopback; generated when absent */
  token?: string;
  /** unsent bytes a client may hold beyond its history (default MAX_CLIENT_BACKLOG_BYTES) */
  maxBacklogBytes?: number;
}

/** Starts the dashboard server for a feed. */
export async function startDashboard(feed: LiveFeed, opts: DashboardOptions): Promise<DashboardServer> {
  const loopback = isLoopback(opts.address.host);
  const tokenGenerated = opts.token === undefined;
  const token = opts.token ?? randomBytes(18).toString('base64url');
  const tokenRequired = !loopback || !tokenGenerated;
  const streams = new Set<ServerResponse>();
  let dropped = 0;
  let reportsServed = 0;
  /** pages that received the end event */
  let endedClients = 0;
  let port = 0;
  let page: { html: string; csp: string } | null = null;

  const hostAllowed = (req: IncomingMessage): boolean => {
    if (!loopback) return true; // off loopback the token guards every request
    const h = (req.headers.host ?? '').toLowerCase();
    return [hostPort(opts.address.host, port), `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`].includes(h);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    if (!hostAllowed(req)) return send(res, 403, 'forbidden: unexpected Host header\n');
    const given = url.searchParams.get('token') ?? (req.headers['x-loadproof-token'] as string | undefined);
    if (tokenRequired && !sameToken(given, token)) return send(res, 401, 'this dashboard needs its token: open the URL printed by loadproof (…?token=…)\n');

    if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html')) {
      page ??= renderDashboardPage(token);
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': page.csp,
        'content-length': Buffer.byteLength(page.html),
      });
      res.end(page.html);
      return;
    }
    if (req.method === 'GET' && url.pathname === '/events') {
      if (streams.size >= MAX_CLIENTS) return send(res, 503, 'too many dashboard clients\n');
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
      res.socket?.setNoDelay(true);
      const history = feed.history();
      res.write(`retry: 2000\n\n${history.text}`);
      if (feed.finished) {
        res.end();
        return;
      }
      const limit = history.bytes + (opts.maxBacklogBytes ?? MAX_CLIENT_BACKLOG_BYTES);
      streams.add(res);
      const unsubscribe = feed.subscribe({
        event(e, frame) {
          if (res.destroyed) return;
          if (res.writableLength > limit) {
            // it does not read: cut it rather than hold its backlog (the page reconnects and gets the history)
            dropped++;
            res.destroy();
            return;
          }
          res.write(frame);
          if (e.type === 'end') {
            endedClients++;
            res.end();
          }
        },
      });
      res.on('close', () => {
        unsubscribe();
        streams.delete(res);
      });
      return;
    }
    if (req.method === 'POST' && (url.pathname === '/control/stop' || url.pathname === '/control/abort')) {
      // the header, not the query: a cross-site form cannot set it (and gets no CORS preflight answer)
      if (!sameToken(req.headers['x-loadproof-token'] as string | undefined, token)) return send(res, 403, 'forbidden: missing X-Loadproof-Token\n');
      const action = url.pathname === '/control/stop' ? 'stop' : 'abort';
      const from = `${req.socket.remoteAddress ?? '?'}`;
      const ok = feed.control(action, from);
      return send(res, ok ? 202 : 409, JSON.stringify({ ok, action }), 'application/json');
    }
    if (req.method === 'GET' && url.pathname.startsWith('/reports/')) {
      const name = basename(url.pathname);
      const file = feed.final?.reports.find((r) => basename(r.path) === name);
      if (!file) return send(res, 404, 'no such report (yet)\n');
      const type = name.endsWith('.html') ? 'text/html; charset=utf-8' : name.endsWith('.json') ? 'application/json' : 'text/markdown; charset=utf-8';
      readFile(file.path, 'utf8').then(
        (body) => {
          // the report carries its own CSP (meta); the header repeats its spirit for the served copy
          res.setHeader('content-security-policy', "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:");
          send(res, 200, body, type);
          reportsServed++;
        },
        () => send(res, 404, 'report not readable\n'),
      );
      return;
    }
    send(res, 404, 'not found\n');
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 0; // the stream is long-lived
  const info = await listen(server, opts.address, '--dashboard');
  port = info.port;
  const base = `http://${hostPort(opts.address.host === '0.0.0.0' || opts.address.host === '::' ? opts.address.host : opts.address.host, port)}/`;
  return {
    url: tokenRequired ? `${base}?token=${encodeURIComponent(token)}` : base,
    address: { host: opts.address.host, port },
    token,
    tokenRequired,
    tokenGenerated,
    clients: () => streams.size,
    dropped: () => dropped,
    async close() {
      // Pages open at the end fetch the reports to keep them (the process exits next): give them
      // up to CLOSE_WAIT_MS to do so.
      const expected = endedClients * (feed.final?.reports.length ?? 0);
      const deadline = Date.now() + CLOSE_WAIT_MS;
      while (feed.finished && reportsServed < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      for (const s of streams) s.end();
      await closeServer(server);
    },
  };
}

export interface MetricsServer extends LiveServer {
  /** epoch ms of the last scrape, 0 when none */
  lastScrapeMs(): number;
  /** scrapes served */
  scrapes(): number;
}

/** Starts the Prometheus endpoint (`/metrics`). Read-only: no token. */
export async function startMetricsServer(state: PrometheusState, address: ListenAddress): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://metrics.invalid');
    if (req.method === 'GET' && url.pathname === '/metrics') return send(res, 200, state.render(), 'text/plain; version=0.0.4; charset=utf-8');
    send(res, 404, 'not found: the metrics are at /metrics\n');
  });
  server.headersTimeout = 10_000;
  const info = await listen(server, address, '--metrics');
  return {
    url: `http://${hostPort(address.host, info.port)}/metrics`,
    address: { host: address.host, port: info.port },
    lastScrapeMs: () => state.lastScrapeMs,
    scrapes: () => state.scrapes,
    close: () => closeServer(server),
  };
}
