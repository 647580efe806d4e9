/**
 * End to end, the demo service's bottlenecks: each run is the real CLI against the demo service in
 * its own process, and the result must name the designed bottleneck first — and, for the breakpoint
 * runs, put the capacity near the designed limit.
 *
 *   pool  `loadproof demo --quick` as a user runs it (issue 6): reports written, pool-exhaustion
 *         first, capacity near the designed 10 connections / 20 ms = 500 req/s
 *   (each breakpoint run also checks the saturation order: the pool first in the pool run, the CPU
 *   first in the cpu run)
 *   cpu   `demo serve --bottleneck cpu --cpu 10ms` and a breakpoint plan with a process and an
 *         event-loop watch: cpu-bound first, capacity near what the service's core allows. Its levels
 *         follow test/helpers/saturation.ts: a 2.5 s calibration burst measures the service's
 *         saturating rate on this machine now (10 ms of CPU per request over the share of a core
 *         it gets), and the levels go from 0.3× to 1.3× of it.
 *   leak  `loadproof demo --quick --bottleneck leak`: a 20 s soak at 300 req/s, 10 KiB retained per
 *         /items request: memory-leak first, growing at about the designed rate
 *   cold  `loadproof demo --quick --bottleneck cold` (5 s cold cache at 150 req/s): cold-start first,
 *         and no leak read into the healthy warm-up memory growth of the rest of the run
 *
 * pool, leak and cold run `demo --quick`, whose loads come from limits built into the demo service
 * (10 connections held 20 ms, 10 KiB per request, a 5 s cold cache), not from the machine's speed.
 *
 * Every run lasts about 20 s, sends load only to 127.0.0.1, and the service is stopped by its PID.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuTimeMs, startDemoChild } from '../helpers/demo-serve.js';
import { assertFirstDiagnosis, breakpointResult, breakpointStages, diagnosesLine, logRun, peakStepMean, runDemoQuick, runPlan, workdir, writePlan } from '../helpers/e2e.js';
import { theilSen } from '../../src/analysis/stats.js';
import { calibrate, calibrationLine, latencyBoundMs, levelsPast, pidsCpuUs } from '../helpers/saturation.js';

const RUN_TIMEOUT_MS = 120_000;

test('demo --quick (pool): reports written, pool-exhaustion named first, capacity within ±25% of the designed 500 req/s', { timeout: RUN_TIMEOUT_MS }, async () => {
  const w = workdir('demo-pool');
  try {
    const out = join(w.dir, 'out');
    const { run, r } = await runDemoQuick([], out, 'demo pool');
    for (const f of ['result.json', 'report.md', 'report.html']) assert.ok(existsSync(join(out, f)), `${f} written`);
    assertFirstDiagnosis(r, 'pool-exhaustion', run);

    // The report a user reads names the same bottleneck first, and the summary printed on stdout too.
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    const section = md.slice(md.indexOf('### Bottleneck Found'));
    // headed by what saturated first (the pool, with its step), then the finding
    assert.match(section.split('\n').slice(1).join('\n').trimStart(), /^Saturated first: pool [^\n]*, step \d+ — reached its limit\.\n[\s\S]*?\n\*\*Pool exhaustion[^\n]*\(`pool-exhaustion`, confidence \d+%\)/);
    assert.match(run.stdout, /Bottleneck: Pool exhaustion.*\(pool-exhaustion, confidence \d+%\)/);
    assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /Bottleneck Found/);

    // Designed limit: 10 connections held 20 ms → 500 req/s. The quick run's levels are 50–100
    // req/s apart, so the last level meeting the SLO lies within one level of the limit; ±25% is
    // that granularity plus timer overshoot (each 20 ms hold takes ~21–22 ms: ~460 req/s real).
    const cap = r.analysis!.capacity;
    assert.ok(cap.maxSustainableRps !== null, `capacity: ${JSON.stringify(cap)}`);
    assert.ok(Math.abs(cap.maxSustainableRps - 500) <= 0.25 * 500, `capacity ${cap.maxSustainableRps} req/s, designed 500 (${diagnosesLine(r)})`);
    // Saturation order: the pool (10/10) saturates first, at a level within ±25% of its 500 req/s;
    // the app's CPU either never saturates or does so later
    const sat = r.analysis!.saturation!;
    const order = JSON.stringify(sat.resources.map((x) => [x.resource, x.saturatedAtLoad, x.how]));
    assert.equal(sat.first?.kind, 'pool', order);
    assert.ok(Math.abs(sat.first!.load - 500) <= 0.25 * 500, order);
    const appCpu = sat.resources.find((x) => x.kind === 'app-cpu');
    assert.ok(!appCpu || appCpu.saturatedAtLoad === null || appCpu.saturatedAtLoad > sat.first!.load, order);
  } finally {
    w.remove();
  }
});

test('cpu: a breakpoint run against 10 ms of CPU per request names cpu-bound first, capacity near what its core allows', { timeout: RUN_TIMEOUT_MS }, async () => {
  const CPU_MS = 10;
  const demo = await startDemoChild(['--bottleneck', 'cpu', '--cpu', `${CPU_MS}ms`]);
  const w = workdir('cpu');
  try {
    // Warm the service (JIT, sockets) as a deployment's readiness check would, so the first level
    // measures the service rather than its start.
    const token = ((await (await fetch(`${demo.url}/auth/login`, { method: 'POST', body: JSON.stringify({ email: 'test@example.com', password: 'test_password' }) })).json()) as { token: string }).token;
    for (let i = 0; i < 30; i++) await (await fetch(`${demo.url}/items`, { headers: { authorization: `Bearer ${token}` } })).text();
    // The service's saturating rate here and now (saturation.ts): 4 requests in flight keep its one
    // event loop busy. The levels reach from 0.3× to 1.3× of it, ten levels ~11% of the limit apart.
    const cal = await calibrate({ send: () => fetch(`${demo.url}/items`, { headers: { authorization: `Bearer ${token}` } }), cpu: () => pidsCpuUs([demo.pid]), concurrency: 4 });
    const levels = levelsPast(cal.limitRps, { from: 0.3, top: 1.3, count: 10 });
    // p95 < 100 ms with a whole core (10 ms per request); on a core shared with other work each
    // request takes longer, and the bound grows with it: 8 × the measured time per request
    const p95Ms = latencyBoundMs(cal, 100);
    console.log(`e2e cpu: calibrated ${calibrationLine(cal)} → levels ${levels.join(', ')} req/s, p95 < ${p95Ms} ms`);

    const plan = writePlan(w.dir, {
      name: 'items API breakpoint (cpu)',
      hypothesis: 'The items API serves 60 req/s at p95 < 100 ms with under 1% errors, and breaks somewhere above.',
      target: demo.url,
      pattern: { type: 'breakpoint', peak: levels.at(-1)! },
      // one core at 10 ms per request: ≤ 100 req/s, less on a core shared with other work
      load: { model: 'open', maxInFlight: 2000, stages: breakpointStages(levels, 2.5) },
      thresholds: { http_req_duration: [`p(95)<${p95Ms}`], http_req_failed: ['rate<0.01'] },
      defaults: { timeout: '5s' },
      scenarios: [
        {
          name: 'browse',
          setup: [{ post: '/auth/login', json: { email: 'test@example.com', password: 'test_password' }, capture: { token: '$.token' } }],
          flow: [{ get: '/items', headers: { Authorization: 'Bearer {{ token }}' } }],
        },
      ],
      watch: [{ process: { port: Number(new URL(demo.url).port), label: 'items' } }, { eventLoop: { url: `${demo.url}/__loadproof/metrics`, label: 'items' } }],
    });
    const cpu0 = cpuTimeMs(demo.pid);
    const out = join(w.dir, 'out');
    const run = await runPlan(plan, out);
    const cpuMs = cpuTimeMs(demo.pid) - cpu0;
    const r = breakpointResult(run, out);
    assertFirstDiagnosis(r, 'cpu-bound', run);

    // What the service's core allows, measured: its CPU time over the run per request served
    // (/proc, 10 ms ticks: over ~1,500 requests the tick error is under 1%), and the share of a core
    // it got while saturated (the process watch: on a machine shared with other work the service may
    // get well under a whole core, and then less capacity is the right answer).
    const cpuPerRequestMs = cpuMs / r.summary.requests;
    assert.ok(cpuPerRequestMs >= CPU_MS * 0.9, `the service burnt ${cpuPerRequestMs.toFixed(2)} ms of CPU per request, designed ${CPU_MS}`);
    const share = Math.min(1, (peakStepMean(r, 'process.items.cpuPct') ?? 0) / 100);
    const limit = (share * 1000) / cpuPerRequestMs;
    logRun('cpu', r, `${cpuPerRequestMs.toFixed(2)} ms CPU per request, ${(share * 100).toFixed(0)}% of a core → ${limit.toFixed(0)} req/s`);
    // Capacity is the last level meeting the SLO. Tolerance: below the limit by up to the queueing
    // margin the SLO needs plus one level (the last level before saturation may already miss p95 <
    // 100 ms at ~90% utilisation, and levels are ~11% of the calibrated limit apart): ≥ 0.6 × limit.
    // Above it by at most the share's sampling error (1 s CPU readings averaged per level): ≤ 1.15 ×.
    const cap = r.analysis!.capacity.maxSustainableRps;
    assert.ok(cap !== null && cap >= 0.6 * limit && cap <= 1.15 * limit, `capacity ${cap} req/s; the core allows ${limit.toFixed(0)} (${(share * 100).toFixed(0)}% of a core / ${cpuPerRequestMs.toFixed(2)} ms)`);
    // Saturation order, the other way round: the CPU (or the event loop it runs) saturates first, at
    // a level no further than one level (10 req/s) past what the core allows
    const sat = r.analysis!.saturation!;
    const order = JSON.stringify(sat.resources.map((x) => [x.resource, x.saturatedAtLoad, x.how]));
    assert.ok(sat.first?.kind === 'app-cpu' || sat.first?.kind === 'event-loop', order);
    assert.ok(sat.first!.load <= limit + 10, `${order}; the core allows ${limit.toFixed(0)}`);
  } finally {
    await demo.stop();
    w.remove();
  }
});

test('leak: demo --quick --bottleneck leak names memory-leak first, growing at about the designed 10 KiB per request', { timeout: RUN_TIMEOUT_MS }, async () => {
  const w = workdir('demo-leak');
  try {
    const out = join(w.dir, 'out');
    const { run, r } = await runDemoQuick(['--bottleneck', 'leak'], out, 'demo leak');
    const d = assertFirstDiagnosis(r, 'memory-leak', run);
    assert.match(d.evidence.join(' '), /RSS|heap/);

    // The growth diagnosed is the designed one: 10 KiB retained per /items request (every request
    // once the logins of the first second are done). The RSS slope over the held load from 6 s on
    // (Theil–Sen, the analysis' own estimator) is compared with 10 KiB × the achieved rate there;
    // The band is asymmetric: V8's object and the allocator's headers per retained record, and the
    // heap growing in steps, only add to the designed bytes (measured up to +46% over a 14 s
    // window), while a GC returning other memory meanwhile takes away: 0.6× to 1.6×.
    const rss = r.watch['process.demo.rssBytes']!.points.filter((p): p is [number, number] => p[1] !== null && p[0] >= 6);
    const slope = theilSen(rss.map((p) => p[0]), rss.map((p) => p[1]))!.slope;
    const held = r.timeline.filter((p) => p.t >= 6 && p.t < rss[rss.length - 1]![0]);
    const designed = (10 * 1024 * held.reduce((a, p) => a + p.rps, 0)) / held.length;
    assert.ok(slope >= 0.6 * designed && slope <= 1.6 * designed, `RSS grew ${(slope / 2 ** 20).toFixed(2)} MiB/s, designed ${(designed / 2 ** 20).toFixed(2)} MiB/s`);
  } finally {
    w.remove();
  }
});

test('cold: demo --quick --bottleneck cold names cold-start first, and no leak in the warm-up memory growth', { timeout: RUN_TIMEOUT_MS }, async () => {
  const w = workdir('demo-cold');
  try {
    const out = join(w.dir, 'out');
    const { run, r } = await runDemoQuick(['--bottleneck', 'cold'], out, 'demo cold');
    const d = assertFirstDiagnosis(r, 'cold-start', run);
    assert.match(d.evidence.join(' '), /first \d/);
    // The service is healthy once warm: its memory grows while it warms up and then levels off,
    // which is no leak, and its latency does not degrade with time.
    const ids = r.analysis!.diagnoses.map((x) => x.id);
    assert.ok(!ids.includes('memory-leak') && !ids.includes('connection-leak'), diagnosesLine(r));
  } finally {
    w.remove();
  }
});
