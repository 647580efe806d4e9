// Local benchmark targets, each started on a free loopback port and stopped by PID.
//   nginx: Debian's nginx, 1 worker, `return 200 "ok"`, access log off, its own temp config.
//   node:  a node:http server answering "ok".
// Both may be pinned to a CPU with taskset (the generator gets the other one).
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as net from 'node:net';

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

async function waitForPort(port, ms = 5000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise((r) => {
      const c = net.connect(port, '127.0.0.1');
      c.on('connect', () => (c.destroy(), r(true)));
      c.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} did not open`);
}

// BENCH_NICE=-10 runs targets and generators at a higher priority than the machine's other work
// (the same for every tool), so that a shared machine's builds preempt them less.
export const NICE = process.env.BENCH_NICE;

function pinned(cpu, cmd, args) {
  const [c, a] = cpu === undefined ? [cmd, args] : ['taskset', ['-c', String(cpu), cmd, ...args]];
  return NICE ? ['nice', ['-n', NICE, c, ...a]] : [c, a];
}

/** Starts nginx on a free port. Returns { url, pid, stop() }. */
export async function startNginx({ cpu } = {}) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'lp-bench-nginx-'));
  const conf = `
worker_processes 1;
daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir};
  proxy_temp_path ${dir};
  fastcgi_temp_path ${dir};
  uwsgi_temp_path ${dir};
  scgi_temp_path ${dir};
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${port};
    location / { return 200 "ok"; }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const [cmd, args] = pinned(cpu, '/usr/sbin/nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPort(port);
  return {
    name: 'nginx',
    url: `http://127.0.0.1:${port}/`,
    pid: child.pid,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
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
  await waitForPort(port);
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
