// Benchmark 1: max throughput, 50 connections, 10 s, against nginx and a node:http server.
// Generator pinned to CPU 0, target to CPU 1. For loadproof, wrk and autocannon: req/s and
// generator CPU-µs per request (user+sys from /usr/bin/time, process start included), peak RSS.
// Usage: node bench/throughput.mjs [--seconds 10] [--rounds 3] [--targets nginx,node]
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startNginx, startNodeTarget } from './lib/targets.mjs';
import { timed, median, loadAvg } from './lib/measure.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const seconds = Number(arg('seconds', 10));
const rounds = Number(arg('rounds', 3));
const conns = Number(arg('connections', 50));
const targets = arg('targets', 'nginx,node').split(',');
const workers = arg('workers', '1');
// the generator's CPUs: "0" (default), or "0,1" to let --workers 2 use both cores (workers decision)
const genCpu = arg('gen-cpu', '0');
const only = arg('generators', 'loadproof,wrk,autocannon').split(',');

const generators = {
  loadproof: async (url) => {
    const out = mkdtempSync(join(tmpdir(), 'lp-bench-out-'));
    const r = await timed(process.execPath, [join(here, '../bin/loadproof.js'), 'quick', url, '-c', String(conns), '-d', `${seconds}s`, '--json', '--workers', workers, '--out', out], { cpu: genCpu });
    rmSync(out, { recursive: true, force: true });
    const res = JSON.parse(r.stdout);
    // CPU during the run only (the process's own per-second samples; process start excluded)
    const runCpuSec = res.timeline.reduce((a, p, i) => a + ((res.watch['self.generator.cpuPct'].points[i]?.[1] ?? 0) / 100) * (p.durationSec ?? 1), 0);
    return { ...r, requests: res.summary.requests, errors: res.summary.errors, wallSec: res.durationSec, runCpuSec };
  },
  wrk: async (url) => {
    const r = await timed('wrk', ['-t1', `-c${conns}`, `-d${seconds}s`, url], { cpu: genCpu });
    const total = Number(/(\d+) requests in/.exec(r.stdout)[1]);
    const wall = /requests in ([\d.]+)(ms|s|m)/.exec(r.stdout);
    const wallSec = Number(wall[1]) * (wall[2] === 'ms' ? 1e-3 : wall[2] === 'm' ? 60 : 1);
    const errors = Number(/Non-2xx or 3xx responses: (\d+)/.exec(r.stdout)?.[1] ?? 0);
    return { ...r, requests: total, errors, wallSec };
  },
  autocannon: async (url) => {
    const r = await timed(process.execPath, [join(here, 'node_modules/autocannon/autocannon.js'), '-c', String(conns), '-d', String(seconds), '-j', url], { cpu: genCpu });
    const res = JSON.parse(r.stdout);
    return { ...r, requests: res.requests.total, errors: res.errors + res.non2xx, wallSec: res.duration };
  },
};

const rows = [];
for (const t of targets) {
  const target = await (t === 'nginx' ? startNginx : startNodeTarget)({ cpu: 1 });
  try {
    const runs = {};
    for (let round = 0; round < rounds; round++) {
      for (const [name, gen] of Object.entries(generators).filter(([n]) => only.includes(n))) {
        const la = loadAvg()[0];
        const r = await gen(target.url);
        const m = { rps: r.requests / r.wallSec, cpuUsPerReq: (r.cpuSec * 1e6) / r.requests, rssMb: r.peakRssMb, errors: r.errors, load1: la };
        if (r.runCpuSec !== undefined) m.inRunCpuUsPerReq = (r.runCpuSec * 1e6) / r.requests;
        (runs[name] ??= []).push(m);
        console.error(`${target.name} ${name} round ${round + 1}: ${Math.round(m.rps)} req/s, ${m.cpuUsPerReq.toFixed(2)} CPU-µs/req${m.inRunCpuUsPerReq ? ` (in-run ${m.inRunCpuUsPerReq.toFixed(2)})` : ''}, ${m.rssMb.toFixed(0)} MiB, load ${la}`);
      }
    }
    const wrkCpu = runs.wrk ? median(runs.wrk.map((m) => m.cpuUsPerReq)) : NaN;
    for (const [name, list] of Object.entries(runs)) {
      const cpu = median(list.map((m) => m.cpuUsPerReq));
      rows.push({
        target: target.name,
        generator: name,
        rps: Math.round(median(list.map((m) => m.rps))),
        cpuUsPerReq: +cpu.toFixed(2),
        vsWrk: +(cpu / wrkCpu).toFixed(2),
        inRunCpuUsPerReq: list[0].inRunCpuUsPerReq === undefined ? null : +median(list.map((m) => m.inRunCpuUsPerReq)).toFixed(2),
        peakRssMb: Math.round(median(list.map((m) => m.rssMb))),
        cpuSpread: `${Math.min(...list.map((m) => m.cpuUsPerReq)).toFixed(1)}–${Math.max(...list.map((m) => m.cpuUsPerReq)).toFixed(1)}`,
      });
    }
  } finally {
    await target.stop();
  }
}
console.table(rows);
console.log(JSON.stringify(rows));
