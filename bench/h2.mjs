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
import { spawn, execFileSync } from 'node:child_process';
import * as http2 from 'node:http2';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { makeCert, startNginx } from './lib/targets.mjs';
import { timed, median, loadAvg } from './lib/measure.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const mode = process.argv[2] ?? 'clients';

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
  const nginx = await startNginx({ cpu: 1, http2: true, tls: cert, http2MaxConcurrentStreams: 256 });
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
    rmSync(out, { recursive: true, force: true });
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
