// What the live dashboard and /metrics cost the engine: the same open-model run at --rate req/s
// (default 10,000) for --seconds, with and without `--dashboard --metrics`, rounds alternating in
// one session (A B A B …) so that both see the same machine. With the live servers on, --clients
// EventSource-like readers follow the stream (default 3) and /metrics is scraped every second, as a
// Prometheus would: the cost measured is that of a watched run, not of idle servers.
//
// Generator (the real CLI, `quick -R`) pinned to CPU 0, the target (nginx, else node:http with
// --target node) on CPU 1. Figures per mode (medians over rounds): achieved rate, send-lag p99,
// latency p99, the generator's mean CPU (its own per-second samples), from each run's result.json.
//
// Usage: node bench/live-cost.mjs [--rate 10000] [--seconds 20] [--rounds 3] [--clients 3] [--target nginx|node]
// Smoke check (not figures): node bench/live-cost.mjs --rate 200 --seconds 2 --rounds 1 --target node
import { spawn } from 'node:child_process';
import { setInterval, clearInterval } from 'node:timers';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNginx, startNodeTarget } from './lib/targets.mjs';
import { median, loadAvg } from './lib/measure.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = join(here, '../bin/loadproof.js');
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const rate = Number(arg('rate', 10_000));
const seconds = Number(arg('seconds', 20));
const rounds = Number(arg('rounds', 3));
const clients = Number(arg('clients', 3));
const targetKind = arg('target', 'nginx');

/** Follows an SSE stream, counting bytes, until the response ends or `stop()` is called. */
function follow(url) {
  let bytes = 0;
  const req = request(url, (res) => res.on('data', (d) => (bytes += d.length)));
  req.on('error', () => undefined);
  req.end();
  return { stop: () => req.destroy(), bytes: () => bytes };
}

function scrape(url) {
  return new Promise((resolve) => {
    const req = request(url, (res) => {
      let n = 0;
      res.on('data', (d) => (n += d.length));
      res.on('end', () => resolve(n));
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** One run of the CLI; with `live`, its dashboard followed and its /metrics scraped. */
function run(url, live) {
  const out = mkdtempSync(join(tmpdir(), 'lp-bench-live-'));
  const nice = process.env.BENCH_NICE ? ['nice', '-n', process.env.BENCH_NICE] : [];
  const args = ['quick', url, '-R', String(rate), '-d', `${seconds}s`, '-c', '50', '--out', out, ...(live ? ['--dashboard', '--metrics', '--metrics-linger', '0s'] : [])];
  const [cmd, ...rest] = [...nice, 'taskset', '-c', '0', process.execPath, BIN, ...args];
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, rest, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const followers = [];
    let scraper = null;
    let scrapes = 0;
    c.stderr.setEncoding('utf8').on('data', (d) => {
      err += d;
      if (!live || followers.length || scraper) return;
      const dash = /live dashboard: (\S+)/.exec(err)?.[1];
      const metrics = /Prometheus metrics: (\S+)/.exec(err)?.[1];
      if (!dash || !metrics) return;
      for (let i = 0; i < clients; i++) followers.push(follow(new URL('events', dash).href));
      scraper = setInterval(() => void scrape(metrics).then(() => scrapes++), 1000);
    });
    c.on('close', (code) => {
      if (scraper) clearInterval(scraper);
      followers.forEach((f) => f.stop());
      try {
        const r = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
        resolve({
          code,
          requests: r.summary.requests,
          achieved: r.summary.requests / seconds,
          lagP99: r.generator?.sendLagP99Ms ?? null,
          latP99: r.summary.latencyMs.p99,
          cpuMean: r.generator?.cpuPct?.mean ?? null,
          streamBytes: followers.reduce((a, f) => a + f.bytes(), 0),
          scrapes,
        });
      } catch (e) {
        reject(new Error(`run failed (exit ${code}): ${err.slice(-2000)} ${e}`));
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    });
  });
}

const target = targetKind === 'node' ? await startNodeTarget({ cpu: 1 }) : await startNginx({ cpu: 1 });
const runs = { off: [], on: [] };
try {
  for (let r = 0; r < rounds; r++) {
    for (const mode of r % 2 ? ['on', 'off'] : ['off', 'on']) {
      const la = loadAvg()[0];
      const m = await run(target.url, mode === 'on');
      runs[mode].push(m);
      console.error(
        `round ${r + 1} ${mode === 'on' ? 'dashboard+metrics' : 'plain'}: ${m.requests} requests (${((m.achieved / rate) * 100).toFixed(2)}% of ${rate}/s), send lag p99 ${m.lagP99} ms, latency p99 ${m.latP99} ms, CPU ${m.cpuMean}%` +
          (mode === 'on' ? `, ${m.streamBytes} stream bytes to ${clients} clients, ${m.scrapes} scrapes` : '') +
          `, load ${la}`,
      );
    }
  }
} finally {
  await target.stop();
}
const row = (mode) => ({
  mode: mode === 'on' ? 'dashboard+metrics' : 'plain',
  achievedPct: +((median(runs[mode].map((x) => x.achieved)) / rate) * 100).toFixed(2),
  sendLagP99Ms: median(runs[mode].map((x) => x.lagP99 ?? 0)),
  latencyP99Ms: median(runs[mode].map((x) => x.latP99)),
  cpuMeanPct: median(runs[mode].map((x) => x.cpuMean ?? 0)),
});
console.table([row('off'), row('on')]);
console.log(JSON.stringify({ rate, seconds, rounds, clients, target: target.name, off: row('off'), on: row('on') }));
