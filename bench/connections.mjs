/* global fetch */
// Benchmark 4: many connections.
//
// A. Closed model, N keep-alive connections (one VU each, 5 s think time between requests so the
//    request rate stays modest): ramp to N over 20 s, hold 30 s. RSS of the generator (its own
//    self.generator.rssBytes series) at the end of the hold, for several N; the memory per VU is the
//    least-squares slope of RSS against N, so the process's fixed cost drops out. Open connections
//    counted on the target (nginx's stub_status "Active connections") at the end of the hold.
// B. Open model at --rate arrivals/s (default 50,000) with --workers 2 for 20 s: achieved rate,
//    send lag, arrivals dropped at maxInFlight.
//
// nginx: 2 workers with `reuseport` (each worker holds its own share of the connections under its
// own open-files limit), 25,000 worker_connections each.
//
// Usage: node bench/connections.mjs [--vus 1000,5000,10000,19000] [--rate 50000] [--skip-open]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './lib/targets.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '../bin/loadproof.js');
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const vuLevels = arg('vus', '1000,5000,10000,19000').split(',').map(Number);
const rate = Number(arg('rate', 50000));
const skipOpen = process.argv.includes('--skip-open');

async function startNginx() {
  const port = await freePort();
  const statusPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'lp-bench-conn-'));
  const conf = `
worker_processes 2;
daemon off;
master_process on;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 19000; }
http {
  access_log off;
  client_body_temp_path ${dir};
  proxy_temp_path ${dir};
  fastcgi_temp_path ${dir};
  uwsgi_temp_path ${dir};
  scgi_temp_path ${dir};
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:${port} reuseport backlog=65535;
    location / { return 200 "ok"; }
  }
  server {
    listen 127.0.0.1:${statusPort};
    location / { stub_status; }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const child = spawn('/usr/sbin/nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`http://127.0.0.1:${statusPort}/`);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url: `http://127.0.0.1:${port}`,
    activeConnections: async () => Number(/Active connections:\s*(\d+)/.exec(await (await fetch(`http://127.0.0.1:${statusPort}/`)).text())?.[1]),
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs the CLI; samples the target's open connections at `sampleAtSec`. */
async function run(planText, extra, target, sampleAtSec) {
  const dir = mkdtempSync(join(tmpdir(), 'lp-bench-conn-out-'));
  writeFileSync(join(dir, 'plan.yaml'), planText);
  let stderr = '';
  let active = null;
  const child = spawn(process.execPath, [cli, 'run', join(dir, 'plan.yaml'), '--out', join(dir, 'out'), '--no-history', ...extra], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr.on('data', (d) => (stderr += d));
  const sampler = sampleAtSec ? setTimeout(async () => (active = await target.activeConnections()), sampleAtSec * 1000) : null;
  const code = await new Promise((r) => child.on('close', r));
  if (sampler) clearTimeout(sampler);
  let r = null;
  try {
    r = JSON.parse(readFileSync(join(dir, 'out', 'result.json'), 'utf8'));
  } catch {
    // no result: reported below
  }
  rmSync(dir, { recursive: true, force: true });
  return { code, r, active, notes: stderr.split('\n').filter((l) => (r ? /open-files|warning/ : /\S/).test(l)).slice(0, 5) };
}

const closedPlan = (vus, url) => `
name: connections ${vus}
hypothesis: the generator holds ${vus} keep-alive connections with flat memory
target: ${url}
thresholds:
  http_req_failed: ["rate<0.01"]
load:
  model: closed
  stages:
    - { duration: 20s, target: ${vus} }
    - { duration: 30s, target: ${vus} }
defaults:
  timeout: 30s
scenarios:
  - name: idle-ish
    flow:
      - get: /
      - think: 5s
`;

const openPlan = (ratePerSec, url) => `
name: open ${ratePerSec}
hypothesis: the generator sustains ${ratePerSec} arrivals/s with two workers
target: ${url}
thresholds:
  http_req_failed: ["rate<0.01"]
load:
  model: open
  stages:
    - { duration: 2s, target: ${ratePerSec} }
    - { duration: 18s, target: ${ratePerSec} }
scenarios:
  - name: get
    flow:
      - get: /
`;

const mb = (b) => +(b / 1024 / 1024).toFixed(1);
const target = await startNginx();
const la = () => loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`# load average at start: ${la()}; open-files limit of this shell: ${spawnSync('sh', ['-c', 'ulimit -n']).stdout.toString().trim()}`);
try {
  const points = [];
  for (const vus of vuLevels) {
    const { code, r, active, notes } = await run(closedPlan(vus, target.url), [], target, 45);
    if (!r) {
      console.log(JSON.stringify({ vus, exitCode: code, notes }));
      continue;
    }
    const rss = r.watch['self.generator.rssBytes'].points.filter((p) => p[1] !== null && p[0] >= 40 && p[0] < 50).map((p) => p[1]);
    const rssMb = mb(rss.reduce((a, b) => a + b, 0) / rss.length);
    const errors = Object.entries(r.summary.errors ?? {}).filter(([, n]) => n > 0);
    points.push([vus, rssMb]);
    console.log(JSON.stringify({ vus, exitCode: code, targetActiveConnections: active, requests: r.summary.requests, rps: r.summary.throughputRps, rssMbInHold: rssMb, errors, notes }));
  }
  if (points.length >= 2) {
    const n = points.length;
    const mx = points.reduce((a, p) => a + p[0], 0) / n;
    const my = points.reduce((a, p) => a + p[1], 0) / n;
    const sxy = points.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0);
    const sxx = points.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
    const kbPerVu = ((sxy / sxx) * 1024).toFixed(1);
    console.log(JSON.stringify({ memoryPerVuKb: Number(kbPerVu), fixedMb: +(my - (sxy / sxx) * mx).toFixed(1), points }));
  }
  if (!skipOpen) {
    const { code, r, notes } = await run(openPlan(rate, target.url), ['--workers', '2'], target, 0);
    if (r) {
      console.log(
        JSON.stringify({
          openRate: rate,
          workers: 2,
          exitCode: code,
          achievedRps: r.summary.throughputRps,
          requests: r.summary.requests,
          sendLagMs: r.summary.sendLagMs,
          dropped: r.summary.dropped ?? 0,
          latencyP99Ms: r.summary.latencyMs?.p99,
          generatorCpuPeakPct: Math.max(...(r.watch['self.generator.cpuPct']?.points ?? []).map((p) => p[1] ?? 0)),
          notes,
        }),
      );
    } else console.log(JSON.stringify({ openRate: rate, exitCode: code, notes }));
  }
} finally {
  await target.stop();
  console.log(`# load average at end: ${la()}`);
}
