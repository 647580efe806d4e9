// Benchmark 4: many connections.
//
// A. Closed model, N keep-alive connections (one VU each, 5 s think time between requests so the
//    request rate stays modest, about N/5 req/s): ramp to N over 20 s, hold 30 s. RSS of the
//    generator (its own self.generator.rssBytes series) over seconds 40–50 (the end of the hold),
//    for several N; the memory per VU is the least-squares slope of RSS against the VUs a process
//    holds, so the process's fixed cost drops out. Open connections counted on the target (nginx's
//    stub_status "Active connections", less the status request's own) at 45 s.
//    With --segments S, each N is run as S segment processes of one distributed run on this
//    machine (`run --segment i/S --start-at T`, all given one instant T 10 s ahead), each
//    holding N/S VUs under its own open-files limit, then merged (`loadproof merge`): per process its
//    RSS; for the run the merged verdict, validity notes, start spread and request rate. Every
//    run is under /usr/bin/time (CPU-s, sys-s, peak RSS), and the kernel's ListenOverflows counter
//    is read around each level (a full accept queue would show as SYN retransmits of 1, 3, 7 s). One
//    process cannot hold 20,000 connections where the hard open-files limit is 20,000 (the
//    connections plus the process's own descriptors exceed it, and raising a hard limit takes
//    CAP_SYS_RESOURCE); two processes of 10,000 each fit.
// B. Open model at --rate arrivals/s (default 50,000) with --workers 2 for 20 s: achieved rate,
//    send lag, arrivals dropped at maxInFlight.
//
// nginx (lib/targets.mjs startNginx): 2 workers with `reuseport` (each worker holds its own share of
// the connections under its own open-files limit), 19,000 worker_connections each, keepalive
// timeout 300 s, stub_status on a second port.
//
// Usage: node bench/connections.mjs [--vus 1000,5000,10000,19000] [--segments 1] [--rate 50000] [--skip-open]
//   e.g. node bench/connections.mjs --vus 20000,10000,2000 --segments 2 --skip-open
//   (largest first: each level's closed connections sit in TIME_WAIT for 60 s on the generator's
//   side, holding ephemeral ports from 127.0.0.1, and the next level's connects must search past them)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNginx } from './lib/targets.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '../bin/loadproof.js');
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const vuLevels = arg('vus', '1000,5000,10000,19000').split(',').map(Number);
const segments = Number(arg('segments', 1));
const rate = Number(arg('rate', 50000));
const skipOpen = process.argv.includes('--skip-open');
if (!(Number.isInteger(segments) && segments >= 1)) {
  console.error('usage: node bench/connections.mjs [--vus 1000,5000,10000,19000] [--segments S] [--rate 50000] [--skip-open]');
  process.exit(2);
}

// the closed plan's shape (seconds): ramp, then hold; RSS is read over the hold's last 10 s, and
// the target's open connections at 45 s
const RAMP_SEC = 20;
const HOLD_SEC = 30;
const RSS_FROM_SEC = RAMP_SEC + HOLD_SEC - 10;
const SAMPLE_AT_SEC = RAMP_SEC + HOLD_SEC - 5;
// segments are started this long before their common --start-at, to be ready by then
const START_LEAD_MS = 10000;

/**
 * Runs the CLI with `args` under /usr/bin/time; resolves to its exit code, stderr, CPU seconds
 * (user + sys, start-up included; sys alone as sysSec) and peak RSS in MB.
 */
function cliRun(args) {
  const timeFile = join(tmpdir(), `lp-bench-conn-time-${process.pid}-${Math.random().toString(36).slice(2)}`);
  return new Promise((resolve) => {
    let stderr = '';
    const child = spawn('/usr/bin/time', ['-f', '%U %S %M', '-o', timeFile, process.execPath, cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      let cpuSec = null;
      let sysSec = null;
      let peakRssMb = null;
      try {
        const [user, sys, maxKb] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-3).map(Number);
        cpuSec = +(user + sys).toFixed(2);
        sysSec = sys;
        peakRssMb = +(maxKb / 1024).toFixed(1);
      } catch {
        // no figures when time could not write them: left null
      }
      rmSync(timeFile, { force: true });
      resolve({ code, stderr, cpuSec, sysSec, peakRssMb });
    });
  });
}

/**
 * The kernel's TcpExt ListenOverflows counter (connections dropped because a listen queue was full;
 * the client retransmits its SYN after 1 s, then 3 s, 7 s…). Machine-wide: read it before and
 * after a level to see whether the target's accept queues overflowed. Null when unreadable.
 */
function listenOverflows() {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((l) => l.startsWith('TcpExt:'));
    const [names, values] = lines.map((l) => l.split(/\s+/));
    const i = names.indexOf('ListenOverflows');
    return i > 0 ? Number(values[i]) : null;
  } catch {
    return null;
  }
}

const readResult = (dir) => {
  try {
    return JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
  } catch {
    return null;
  }
};

/** The fd-limit and warning lines of a run's stderr (its whole stderr, a few lines, when it wrote no result). */
const notesOf = (stderr, r) => stderr.split('\n').filter((l) => (r ? /open-files|warning/ : /\S/).test(l)).slice(0, 5);

/** Mean of a result's self.generator.rssBytes over [fromSec, toSec), MB. */
function rssMbOf(r, fromSec, toSec) {
  const rss = (r.watch['self.generator.rssBytes']?.points ?? []).filter((p) => p[1] !== null && p[0] >= fromSec && p[0] < toSec).map((p) => p[1]);
  return rss.length ? mb(rss.reduce((a, b) => a + b, 0) / rss.length) : null;
}

/** Runs the plan in one process; samples the target's open connections at `sampleAtSec` after the spawn. */
async function run(planText, extra, target, sampleAtSec) {
  const dir = mkdtempSync(join(tmpdir(), 'lp-bench-conn-out-'));
  writeFileSync(join(dir, 'plan.yaml'), planText);
  let active = null;
  // a failed status read leaves `active` null rather than crashing the bench
  const sampler = sampleAtSec ? setTimeout(async () => (active = await target.activeConnections().catch(() => null)), sampleAtSec * 1000) : null;
  const { code, stderr, cpuSec, peakRssMb } = await cliRun(['run', join(dir, 'plan.yaml'), '--out', join(dir, 'out'), '--no-history', ...extra]);
  if (sampler) clearTimeout(sampler);
  const r = readResult(join(dir, 'out'));
  rmSync(dir, { recursive: true, force: true });
  return { code, r, active, cpuSec, peakRssMb, notes: notesOf(stderr, r) };
}

/**
 * Runs the closed plan of `vus` VUs as `count` segment processes started at one instant, then
 * merges their shards. Resolves to each segment's exit code, RSS in the hold and notes, the
 * target's open connections at SAMPLE_AT_SEC after the start, and the merged result.
 */
async function runSegmented(vus, count, target) {
  const dir = mkdtempSync(join(tmpdir(), 'lp-bench-conn-seg-'));
  writeFileSync(join(dir, 'plan.yaml'), closedPlan(vus, target.origin));
  const overflowsBefore = listenOverflows();
  const startAtMs = Date.now() + START_LEAD_MS;
  const startAt = new Date(startAtMs).toISOString();
  let active = null;
  let load = null;
  const sampler = setTimeout(async () => {
    active = await target.activeConnections().catch(() => null);
    load = la();
  }, startAtMs + SAMPLE_AT_SEC * 1000 - Date.now());
  const outs = Array.from({ length: count }, (_, i) => join(dir, `seg-${i}`));
  const runs = await Promise.all(
    outs.map((out, i) => cliRun(['run', join(dir, 'plan.yaml'), '--segment', `${i}/${count}`, '--start-at', startAt, '--out', out, '--no-history'])),
  );
  clearTimeout(sampler);
  const overflowsAfter = listenOverflows();
  const segs = runs.map(({ code, stderr, cpuSec, sysSec, peakRssMb }, i) => {
    const r = readResult(outs[i]);
    const vusInHold = r ? Math.max(0, ...r.timeline.filter((p) => p.t >= RAMP_SEC).map((p) => p.vus ?? 0)) : null;
    return {
      segment: i,
      exitCode: code,
      vusInHold,
      rssMbInHold: r ? rssMbOf(r, RSS_FROM_SEC, RAMP_SEC + HOLD_SEC) : null,
      peakRssMb,
      generatorCpuPctMax: r?.generator?.cpuPct?.max ?? null,
      cpuSec,
      sysSec,
      cpuUsPerRequest: r && cpuSec !== null && r.summary.requests ? Math.round((cpuSec * 1e6) / r.summary.requests) : null,
      notes: notesOf(stderr, r),
    };
  });
  const merged = await cliRun(['merge', ...outs.map((o) => join(o, 'run.ndjson')), '--out', join(dir, 'merged')]);
  const m = readResult(join(dir, 'merged'));
  rmSync(dir, { recursive: true, force: true });
  const hold = m ? m.timeline.filter((p) => p.t >= RAMP_SEC && p.t < RAMP_SEC + HOLD_SEC) : [];
  return {
    segs,
    active,
    load,
    listenOverflows: overflowsBefore === null || overflowsAfter === null ? null : overflowsAfter - overflowsBefore,
    merged: m && {
      exitCode: merged.code,
      verdict: m.verdict,
      validity: (m.analysis?.validity ?? []).map((v) => `${v.severity} ${v.id}: ${v.message}`),
      startSpreadMs: m.distributed?.startSpreadMs,
      requests: m.summary.requests,
      errors: m.summary.errors,
      errorKinds: m.summary.errorKinds,
      latencyMs: { p50: m.summary.latencyMs.p50, p99: m.summary.latencyMs.p99 },
      rps: m.summary.throughputRps,
      holdRps: hold.length ? +(hold.reduce((a, p) => a + p.rps, 0) / hold.length).toFixed(1) : null,
      vusInHold: Math.max(0, ...hold.map((p) => p.vus ?? 0)),
    },
    mergeNotes: m ? [] : notesOf(merged.stderr, null),
  };
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
    - { duration: ${RAMP_SEC}s, target: ${vus} }
    - { duration: ${HOLD_SEC}s, target: ${vus} }
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
const la = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const target = await startNginx({ workers: 2, workerConnections: 19000, reuseport: true, backlog: 65535, keepaliveTimeoutSec: 300, statusPort: true });
console.log(`# load average at start: ${la()}; open-files limit of this shell: ${spawnSync('sh', ['-c', 'ulimit -n']).stdout.toString().trim()}`);
try {
  // [VUs one process held, its RSS in MB]: one point per process
  const points = [];
  for (const vus of vuLevels) {
    if (segments > 1) {
      const { segs, active, load, listenOverflows: overflows, merged, mergeNotes } = await runSegmented(vus, segments, target);
      for (const g of segs) if (g.rssMbInHold !== null) points.push([g.vusInHold, g.rssMbInHold]);
      const rss = segs.map((g) => g.rssMbInHold);
      console.log(
        JSON.stringify({
          vus,
          segments,
          targetActiveConnections: active,
          heldAtTarget: active === null ? null : active - 1,
          loadAverageAtSample: load,
          listenOverflowsMachineWide: overflows,
          segs,
          rssMbTotal: rss.every((x) => x !== null) ? +rss.reduce((a, b) => a + b, 0).toFixed(1) : null,
          merged,
          mergeNotes,
        }),
      );
      continue;
    }
    const { code, r, active, cpuSec, peakRssMb, notes } = await run(closedPlan(vus, target.origin), [], target, SAMPLE_AT_SEC);
    if (!r) {
      console.log(JSON.stringify({ vus, exitCode: code, notes }));
      continue;
    }
    const rssMb = rssMbOf(r, RSS_FROM_SEC, RAMP_SEC + HOLD_SEC);
    if (rssMb !== null) points.push([vus, rssMb]);
    console.log(
      JSON.stringify({
        vus,
        exitCode: code,
        targetActiveConnections: active,
        requests: r.summary.requests,
        rps: r.summary.throughputRps,
        rssMbInHold: rssMb,
        peakRssMb,
        cpuSec,
        cpuUsPerRequest: cpuSec !== null && r.summary.requests ? Math.round((cpuSec * 1e6) / r.summary.requests) : null,
        latencyMs: { p50: r.summary.latencyMs.p50, p99: r.summary.latencyMs.p99 },
        generatorCpuPctMax: r.generator?.cpuPct?.max ?? null,
        verdict: r.verdict,
        errorKinds: r.summary.errorKinds,
        notes,
      }),
    );
  }
  if (new Set(points.map((p) => p[0])).size >= 2) {
    const n = points.length;
    const mx = points.reduce((a, p) => a + p[0], 0) / n;
    const my = points.reduce((a, p) => a + p[1], 0) / n;
    const sxy = points.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0);
    const sxx = points.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
    const kbPerVu = ((sxy / sxx) * 1024).toFixed(1);
    // one keep-alive connection per VU: this is also the memory per connection
    console.log(JSON.stringify({ memoryPerVuKb: Number(kbPerVu), fixedMb: +(my - (sxy / sxx) * mx).toFixed(1), points }));
  }
  if (!skipOpen) {
    const { code, r, notes } = await run(openPlan(rate, target.origin), ['--workers', '2'], target, 0);
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
