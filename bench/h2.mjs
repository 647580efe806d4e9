// HTTP/2: which client library for the engine, and loadproof's h2 against h2load.
//
//   node bench/h2.mjs clients [seconds] [rounds] [streams]
//     node:http2 against undici's h2 (Client with allowH2), in this process, closed loop: `streams`
//     requests kept in flight on ONE h2 session over TLS, against a node:http2 server in a child
//     process (its CPU is not counted). CPU-µs per request from process.cpuUsage(). The two are
//     interleaved A/B `rounds` times (a busy machine drifts; interleaving spreads the drift over
//     both) and the medians are printed with the load average before and after.
//
//   node bench/h2.mjs peers [seconds] [streams]
//     nginx (`http2 on`, TLS, self-signed certificate made here with openssl, 1 worker) as the
//     target; h2load (Debian nghttp2-client: `-c 1 -m streams -D seconds`) and
//     `loadproof quick --http2 -c streams -d seconds` (closed loop: `streams` VUs multiplexed on one
//     session) each keep `streams` requests in flight on ONE h2 session as fast as nginx answers,
//     pinned to CPU 0 (nginx on CPU 1), under /usr/bin/time: CPU-ms per 1,000 requests (start-up
//     included: use 10 s or more). Skips h2load when it is not installed.
//
// Take figures on a quiet machine only (bench/README.md "HTTP/2").
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import * as http2 from 'node:http2';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { freePort } from './lib/targets.mjs';
import { timed, median, loadAvg } from './lib/measure.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const mode = process.argv[2] ?? 'clients';

/** A self-signed certificate for 127.0.0.1/localhost in a temporary directory. */
function makeCert() {
  const dir = mkdtempSync(join(tmpdir(), 'lp-bench-h2-'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ], { stdio: 'ignore' });
  return { dir, key: join(dir, 'key.pem'), cert: join(dir, 'cert.pem') };
}

async function waitForLine(child, re) {
  let buf = '';
  return new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d) => {
      buf += d;
      const m = re.exec(buf);
      if (m) resolve(m);
    });
    child.on('exit', (code) => reject(new Error(`target exited (${code})`)));
  });
}

/** A node:http2 TLS server answering "ok", in a child process (pinned to CPU 1 when taskset exists). */
async function startNodeH2(cert) {
  const src = `
    const h2 = require('node:http2'); const fs = require('node:fs');
    const s = h2.createSecureServer({ key: fs.readFileSync(${JSON.stringify(cert.key)}), cert: fs.readFileSync(${JSON.stringify(cert.cert)}),
      settings: { maxConcurrentStreams: 1000 } });
    s.on('stream', (st) => { st.respond({ ':status': 200, 'content-type': 'text/plain', 'content-length': '2' }); st.end('ok'); });
    s.listen(0, '127.0.0.1', () => console.log('port ' + s.address().port));
  `;
  const child = spawn('taskset', ['-c', '1', process.execPath, '-e', src], { stdio: ['ignore', 'pipe', 'inherit'] });
  const m = await waitForLine(child, /port (\d+)/);
  return { url: `https://127.0.0.1:${m[1]}/`, stop: () => child.kill('SIGTERM') };
}

/** Closed loop on one node:http2 session: `streams` requests in flight for `ms`; resolves to the count. */
function nodeHttp2Loop(url, streams) {
  return (ms) =>
    new Promise((resolve) => {
      const session = http2.connect(url, { rejectUnauthorized: false });
      const end = performance.now() + ms;
      let n = 0;
      let live = streams;
      const one = () => {
        if (performance.now() >= end) {
          if (--live === 0) session.close(() => resolve(n));
          return;
        }
        const req = session.request({ ':method': 'GET', ':path': '/' });
        req.on('response', () => {});
        req.on('data', () => {});
        req.on('end', () => {
          n++;
          one();
        });
        req.on('error', () => one());
        req.end();
      };
      for (let i = 0; i < streams; i++) one();
    });
}

/** The same loop through undici's Client with allowH2 (one connection, h2 negotiated by ALPN). */
async function undiciLoop(url, streams) {
  const { Client } = await import('undici');
  return (ms) =>
    new Promise((resolve) => {
      const client = new Client(url, { allowH2: true, maxConcurrentStreams: streams, pipelining: streams, connect: { rejectUnauthorized: false } });
      const end = performance.now() + ms;
      let n = 0;
      let live = streams;
      const one = () => {
        if (performance.now() >= end) {
          if (--live === 0) client.close().then(() => resolve(n));
          return;
        }
        client.request({ path: '/', method: 'GET' }).then(
          (r) => r.body.dump().then(() => { n++; one(); }),
          () => one(),
        );
      };
      for (let i = 0; i < streams; i++) one();
    });
}

async function clients() {
  const seconds = Number(process.argv[3] ?? 3);
  const rounds = Number(process.argv[4] ?? 5);
  const streams = Number(process.argv[5] ?? 32);
  const cert = makeCert();
  const target = await startNodeH2(cert);
  const loadBefore = loadAvg();
  const runs = { 'node:http2': [], 'undici h2': [] };
  const loops = { 'node:http2': nodeHttp2Loop(target.url, streams), 'undici h2': await undiciLoop(target.url, streams) };
  try {
    // warm-up of each (JIT, TLS session), not counted
    for (const f of Object.values(loops)) await f(500);
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? ['node:http2', 'undici h2'] : ['undici h2', 'node:http2'];
      for (const name of order) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const n = await loops[name](seconds * 1000);
        const wall = (performance.now() - t0) / 1000;
        const c = process.cpuUsage(c0);
        runs[name].push({ cpuUsPerReq: (c.user + c.system) / n, rps: n / wall });
      }
    }
  } finally {
    target.stop();
    rmSync(cert.dir, { recursive: true, force: true });
  }
  const loadAfter = loadAvg();
  console.log(`h2 client A/B: ${rounds} interleaved rounds of ${seconds} s, ${streams} streams on 1 TLS session; load average before ${loadBefore.join(' ')}, after ${loadAfter.join(' ')}`);
  for (const [name, rs] of Object.entries(runs)) {
    console.log(
      `${name.padEnd(11)} CPU-µs/request median ${median(rs.map((x) => x.cpuUsPerReq)).toFixed(1)} (runs ${rs.map((x) => x.cpuUsPerReq.toFixed(1)).join(', ')}), req/s median ${Math.round(median(rs.map((x) => x.rps)))}`,
    );
  }
}

/**
 * The listen lines for h2 over TLS: `http2 on;` from nginx 1.25.1, `listen … ssl http2` before
 * (Debian bookworm ships 1.22).
 */
function http2Listen(port) {
  // `nginx -v` prints on stderr
  const text = spawnSync('/usr/sbin/nginx', ['-v'], { encoding: 'utf8' }).stderr ?? '';
  const v = /nginx\/(\d+)\.(\d+)\.(\d+)/.exec(text);
  const [maj, min, patch] = v ? v.slice(1).map(Number) : [0, 0, 0];
  const modern = maj > 1 || (maj === 1 && (min > 25 || (min === 25 && patch >= 1)));
  return modern ? `listen 127.0.0.1:${port} ssl;\n    http2 on;` : `listen 127.0.0.1:${port} ssl http2;`;
}

/** nginx with HTTP/2 over TLS (`http2 on`, or `listen … http2` on nginx < 1.25.1), 1 worker, on CPU 1. */
async function startNginxH2(cert) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'lp-bench-nginx-h2-'));
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
  http2_max_concurrent_streams 256;
  server {
    ${http2Listen(port)}
    ssl_certificate ${cert.cert};
    ssl_certificate_key ${cert.key};
    location / { return 200 "ok"; }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const child = spawn('taskset', ['-c', '1', '/usr/sbin/nginx', '-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  // wait for the TLS port
  const end = Date.now() + 5000;
  for (;;) {
    const ok = await new Promise((r) => {
      const s = http2.connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
      s.on('connect', () => (s.close(), r(true)));
      s.on('error', () => r(false));
    });
    if (ok) break;
    if (Date.now() > end) throw new Error(`nginx did not open port ${port}: ${existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `https://127.0.0.1:${port}/`,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function hasH2load() {
  try {
    execFileSync('h2load', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function peers() {
  const seconds = Number(process.argv[3] ?? 10);
  const streams = Number(process.argv[4] ?? 64);
  const cert = makeCert();
  const nginx = await startNginxH2(cert);
  const rows = [];
  try {
    const cli = join(here, '..', 'bin', 'loadproof.js');
    const out = mkdtempSync(join(tmpdir(), 'lp-bench-h2-out-'));
    const lp = await timed(process.execPath, [
      cli, 'quick', nginx.url, '--http2', '--insecure', '--no-history', '--duration', `${seconds}s`,
      '--connections', String(streams), '--out', out,
    ]);
    let lpN = 0;
    try {
      const res = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
      lpN = res.summary.requests;
      console.log(`loadproof spoke ${res.endpoints.map((e) => e.protocol).join(', ')}; errors ${res.summary.errors}`);
    } catch {
      /* reported as 0 */
    }
    rows.push({ tool: 'loadproof quick --http2', requests: lpN, cpuSec: lp.cpuSec });
    if (hasH2load()) {
      const h = await timed('h2load', ['-c', '1', '-m', String(streams), '-D', String(seconds), nginx.url]);
      const m = /(\d+) succeeded/.exec(h.stdout);
      rows.push({ tool: 'h2load', requests: m ? Number(m[1]) : 0, cpuSec: h.cpuSec });
    } else {
      console.log('h2load not installed (apt-get install -y nghttp2-client): skipped');
    }
  } finally {
    await nginx.stop();
    rmSync(cert.dir, { recursive: true, force: true });
  }
  console.log(`h2 peers against nginx (HTTP/2, TLS), ${seconds} s, 1 session, ${streams} streams, load average ${loadAvg().join(' ')}`);
  for (const r of rows) {
    console.log(`${r.tool.padEnd(24)} requests ${r.requests}  CPU-s ${r.cpuSec.toFixed(2)}  CPU-ms/1000 req ${r.requests ? ((r.cpuSec * 1e6) / r.requests).toFixed(1) : 'n/a'}`);
  }
}

if (mode === 'clients') await clients();
else if (mode === 'peers') await peers();
else {
  console.error('usage: node bench/h2.mjs clients|peers [...]');
  process.exit(2);
}
