// Local benchmark targets, each started on a free loopback port with its own temp config and
// stopped by PID:
//   nginx: Debian's /usr/sbin/nginx, `return 200 "ok"`, access log off (startNginx: workers,
//          worker_connections, reuseport, HTTP/1.1, h2c or h2 over TLS, stub_status, CPU pin);
//   node:  a node:http server answering "ok".
// Both may be pinned to a CPU with taskset (the generator gets the other one).
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as net from 'node:net';
/* global fetch */

/** A free TCP port on 127.0.0.1 (bound and released: another process may take it before use). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Resolves once 127.0.0.1:`port` accepts a TCP connection; rejects when `exited()` says the server died, or after `ms`. */
async function waitForPort(port, { ms = 5000, exited = () => false } = {}) {
  const end = Date.now() + ms;
  while (Date.now() < end && !exited()) {
    const ok = await new Promise((r) => {
      const c = net.connect(port, '127.0.0.1');
      c.on('connect', () => (c.destroy(), r(true)));
      c.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} did not open${exited() ? ': the server exited' : ` within ${ms} ms`}`);
}

// BENCH_NICE=-10 runs targets and generators at a higher priority than the machine's other work
// (the same for every tool), so that a shared machine's builds preempt them less.
export const NICE = process.env.BENCH_NICE;

/** `cmd args` wrapped in `taskset -c cpu` when `cpu` is given (a CPU or a list: 1, "0,1") and in `nice -n NICE`. */
function pinned(cpu, cmd, args) {
  const [c, a] = cpu === undefined ? [cmd, args] : ['taskset', ['-c', String(cpu), cmd, ...args]];
  return NICE ? ['nice', ['-n', NICE, c, ...a]] : [c, a];
}

/** A self-signed certificate for 127.0.0.1/localhost (openssl) in a temporary directory; remove `dir` after use. */
export function makeCert() {
  const dir = mkdtempSync(join(tmpdir(), 'lp-bench-cert-'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ], { stdio: 'ignore' });
  return { dir, key: join(dir, 'key.pem'), cert: join(dir, 'cert.pem') };
}

/** Debian's nginx version as [major, minor, patch] (`nginx -v` prints on stderr); [0, 0, 0] when unreadable. */
function nginxVersion() {
  const text = spawnSync('/usr/sbin/nginx', ['-v'], { encoding: 'utf8' }).stderr ?? '';
  const v = /nginx\/(\d+)\.(\d+)\.(\d+)/.exec(text);
  return v ? v.slice(1).map(Number) : [0, 0, 0];
}

/**
 * The `listen` lines of the load server. HTTP/2 is `http2 on;` from nginx 1.25.1 and a `listen …
 * http2` parameter before (Debian bookworm ships 1.22); without TLS it is h2c with prior knowledge.
 */
function listenLines(port, { tls, http2, reuseport, backlog }) {
  const [maj, min, patch] = nginxVersion();
  const modern = maj > 1 || (maj === 1 && (min > 25 || (min === 25 && patch >= 1)));
  const params = [tls ? 'ssl' : '', http2 && !modern ? 'http2' : '', reuseport ? 'reuseport' : '', backlog ? `backlog=${backlog}` : '']
    .filter(Boolean)
    .join(' ');
  return `listen 127.0.0.1:${port}${params ? ` ${params}` : ''};${http2 && modern ? '\n    http2 on;' : ''}`;
}

/** The hard open-files limit of this process (nginx's workers may raise their soft limit up to it), or null. */
function hardOpenFilesLimit() {
  try {
    const m = /^Max open files\s+\S+\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m && m[1] !== 'unlimited' ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * Starts Debian's nginx on a free loopback port, with its own temp config, prefix and logs
 * (access log off, `keepalive_requests 1000000`). Every bench that needs nginx starts it here.
 *
 * Options (all optional):
 * - `cpu`: pin nginx (master and workers) with `taskset -c cpu` (a CPU, or a list such as "0,1");
 *   unpinned when absent. BENCH_NICE applies as for every target.
 * - `workers` (1): `worker_processes`. One worker runs with `master_process off` (nginx is then a
 *   single process whose PID is the worker's); more start a master that forks them.
 * - `workerConnections` (4096): `worker_connections`, per worker. Each worker also gets
 *   `worker_rlimit_nofile` up to the hard open-files limit, so it can hold that many under its own
 *   limit (a connection is one descriptor here: nginx answers itself, no upstream).
 * - `reuseport` (false): `listen … reuseport`, one listening socket per worker; the kernel hashes
 *   new connections across them, so the workers share many connections evenly.
 * - `backlog`: `listen … backlog=N` (the accept queue; the kernel caps it at net.core.somaxconn).
 * - `http2` (false): HTTP/2 — over TLS when `tls` is given, else h2c with prior knowledge.
 * - `tls`: `{ cert, key }` PEM paths (e.g. from makeCert()) to serve HTTPS.
 * - `http2MaxConcurrentStreams`: `http2_max_concurrent_streams` (nginx's default is 128).
 * - `keepaliveTimeoutSec`: `keepalive_timeout` (nginx's default is 75 s), for idle connections
 *   that must outlive a long think time.
 * - `statusPort` (false): also serve `stub_status` on a second free port; the returned
 *   `activeConnections()` then reads its "Active connections" (the status request's own
 *   connection included).
 * - `body` ("ok"): what `location /` answers with `return 200`; `handler` replaces that line with
 *   any nginx directives for `location /` (e.g. `return 204;`).
 *
 * Returns { name, url (ending in "/"), origin, port, pid, activeConnections?(), stop() }; `stop()`
 * sends SIGTERM to the PID it started, waits for the exit and removes the temp directory.
 */
export async function startNginx({
  cpu,
  workers = 1,
  workerConnections = 4096,
  reuseport = false,
  backlog,
  http2 = false,
  tls,
  http2MaxConcurrentStreams,
  keepaliveTimeoutSec,
  statusPort: withStatus = false,
  body = 'ok',
  handler,
} = {}) {
  const port = await freePort();
  const statusPort = withStatus ? await freePort() : null;
  const dir = mkdtempSync(join(tmpdir(), 'lp-bench-nginx-'));
  const hard = hardOpenFilesLimit();
  const rlimit = Math.min(hard ?? Infinity, workerConnections + 64);
  const conf = `
worker_processes ${workers};
daemon off;
master_process ${workers > 1 ? 'on' : 'off'};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
${Number.isFinite(rlimit) ? `worker_rlimit_nofile ${rlimit};` : ''}
events { worker_connections ${workerConnections}; }
http {
  access_log off;
  client_body_temp_path ${dir};
  proxy_temp_path ${dir};
  fastcgi_temp_path ${dir};
  uwsgi_temp_path ${dir};
  scgi_temp_path ${dir};
  keepalive_requests 1000000;
${keepaliveTimeoutSec !== undefined ? `  keepalive_timeout ${keepaliveTimeoutSec}s;\n` : ''}${
    http2MaxConcurrentStreams !== undefined ? `  http2_max_concurrent_streams ${http2MaxConcurrentStreams};\n` : ''
  }  server {
    ${listenLines(port, { tls, http2, reuseport, backlog })}
${tls ? `    ssl_certificate ${tls.cert};\n    ssl_certificate_key ${tls.key};\n` : ''}    location / { ${handler ?? `return 200 ${JSON.stringify(body)};`} }
  }
${statusPort !== null ? `  server {\n    listen 127.0.0.1:${statusPort};\n    location / { stub_status; }\n  }\n` : ''}}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const [cmd, args] = pinned(cpu, '/usr/sbin/nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, { exited: () => child.exitCode !== null });
    if (statusPort !== null) await waitForPort(statusPort, { exited: () => child.exitCode !== null });
  } catch (err) {
    const log = existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8').trim() : '';
    await stop();
    throw new Error(`nginx did not start: ${err.message}${log ? `\n${log}` : ''}`);
  }
  const origin = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  return {
    name: 'nginx',
    url: `${origin}/`,
    origin,
    port,
    pid: child.pid,
    ...(statusPort !== null
      ? {
          activeConnections: async () => {
            const text = await (await fetch(`http://127.0.0.1:${statusPort}/`)).text();
            return Number(/Active connections:\s*(\d+)/.exec(text)?.[1]);
          },
        }
      : {}),
    stop,
  };
}

/** Starts a node:http server answering "ok" on a free port. */
export async function startNodeTarget({ cpu } = {}) {
  const port = await freePort();
  const src = `
    const http = require('node:http');
    const s = http.createServer((req, res) => { res.writeHead(200, {'content-type':'text/plain','content-length':'2'}); res.end('ok'); });
    s.keepAliveTimeout = 60000;
    s.listen(${port}, '127.0.0.1');
  `;
  const [cmd, args] = pinned(cpu, process.execPath, ['-e', src]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPort(port, { exited: () => child.exitCode !== null });
  return {
    name: 'node:http',
    url: `http://127.0.0.1:${port}/`,
    pid: child.pid,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    },
  };
}
