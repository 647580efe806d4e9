/**
 * End to end, the diagnosis ids added after the seed's table: each service (test/targets/) has its
 * bottleneck built in and runs in its own process; the real CLI runs a short plan against it, and
 * the result must name the designed cause first, with none of the first eight ids firing above it.
 *
 *   fd-exhaustion   a service that opens a file per request and holds it 200 ms, started under
 *                   `ulimit -n 64`: (64 − descriptors at rest) ÷ 2 requests fit in flight
 *   lock-contention a hit counter on one PostgreSQL row, locked FOR UPDATE and held 25 ms per
 *                   request (pg_sleep, no CPU): 40 req/s whatever the pool, the rest wait on the lock
 *
 * Loads come from the limit built into the service (measured at start from its own /health), never
 * from this machine's speed. Each run lasts under 25 s and sends load only to 127.0.0.1.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { findPostgresBin, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { startServiceChild, targetScript } from '../helpers/service-child.js';
import { assertFirstDiagnosis, breakpointResult, breakpointStages, diagnosesLine, logRun, runPlan, workdir, writePlan } from '../helpers/e2e.js';

const RUN_TIMEOUT_MS = 120_000;
const FIRST_EIGHT = ['pool-exhaustion', 'timeout-cascade', 'cpu-bound', 'memory-leak', 'connection-leak', 'cold-start', 'missing-index', 'downstream-rate-limit'];

test('fd-exhaustion: a service under ulimit -n 64 holding a file per request fails with EMFILE past its designed concurrency', { timeout: RUN_TIMEOUT_MS }, async () => {
  const HOLD_MS = 200;
  const LIMIT = 64;
  const svc = await startServiceChild(targetScript('fd-service'), ['--hold', String(HOLD_MS)], { fdLimit: LIMIT });
  const w = workdir('fds');
  try {
    const health = (await (await fetch(`${svc.url}/health`)).json()) as { fds: number; limit: number };
    assert.equal(health.limit, LIMIT);
    // at rest: the health request's own socket and the /proc/self/fd handle are not the service's
    const atRest = health.fds - 2;
    const fits = Math.floor((LIMIT - atRest) / 2);
    const capRps = (fits * 1000) / HOLD_MS;
    const levels = [0.4, 0.6, 0.8, 1.3, 1.7].map((f) => Math.round(f * capRps));
    const plan = writePlan(w.dir, {
      name: 'fd-limited service breakpoint',
      hypothesis: `The service serves ${levels[2]} req/s with under 1% errors, and breaks somewhere above.`,
      target: svc.url,
      pattern: { type: 'breakpoint', peak: levels.at(-1)! },
      load: { model: 'open', maxInFlight: 2000, stages: breakpointStages(levels, 3) },
      thresholds: { http_req_duration: ['p(95)<1000'], http_req_failed: ['rate<0.01'] },
      defaults: { timeout: '5s' },
      scenarios: [{ name: 'work', flow: [{ get: '/work' }] }],
      watch: [{ process: { port: svc.port, label: 'svc' } }],
    });
    const out = join(w.dir, 'out');
    const run = await runPlan(plan, out);
    const r = breakpointResult(run, out);
    logRun('fd-exhaustion', r, `designed ${fits} in flight = ${capRps} req/s, levels ${levels.join(', ')}; saturated first: ${r.analysis?.saturation?.first?.resource} at ${r.analysis?.saturation?.first?.load}`);
    const d = assertFirstDiagnosis(r, 'fd-exhaustion', run);
    assert.match(d.evidence.join(' '), /open descriptors of its limit 64/);
    for (const other of r.analysis!.diagnoses.filter((x) => FIRST_EIGHT.includes(x.id))) {
      assert.ok(other.confidence < d.confidence, `${other.id} ${other.confidence} ranks with ${d.id} ${d.confidence} (${diagnosesLine(r)})`);
    }
    // the descriptors are the first resource to saturate, at a level past the designed limit
    const sat = r.analysis!.saturation!;
    assert.equal(sat.first?.kind, 'fds', JSON.stringify(sat.resources.map((x) => [x.resource, x.saturatedAtLoad, x.how])));
    assert.ok(sat.first!.load >= levels[2]! && sat.first!.load <= levels[4]!, `fds saturated at ${sat.first!.load}, designed ${capRps}`);
  } finally {
    await svc.stop();
    w.remove();
  }
});

const noPostgres = findPostgresBin() === null ? 'PostgreSQL is not installed (.ci/run installs it)' : false;
let db: TestPostgres | undefined;
before(async () => {
  if (!noPostgres) db = await startPostgres({ database: 'counter' });
});
after(async () => {
  await db?.stop();
});

test('lock-contention: a hot row locked 25 ms per request queues transactions on its lock past 40 req/s while the database idles', { skip: noPostgres, timeout: RUN_TIMEOUT_MS }, async () => {
  const HOLD_MS = 25;
  const capRps = 1000 / HOLD_MS;
  const app = await startServiceChild(targetScript('counter-service'), ['--db', db!.url, '--pool', '10', '--hold', String(HOLD_MS)]);
  const w = workdir('locks');
  try {
    const levels = [0.3, 0.5, 0.7, 0.9, 1.2, 1.5].map((f) => Math.round(f * capRps));
    const plan = writePlan(w.dir, {
      name: 'hit counter breakpoint',
      hypothesis: `The counter serves ${levels[2]} req/s at p95 < 200 ms with under 1% errors, and breaks somewhere above.`,
      target: app.url,
      pattern: { type: 'breakpoint', peak: levels.at(-1)! },
      load: { model: 'open', maxInFlight: 2000, stages: breakpointStages(levels, 3) },
      thresholds: { http_req_duration: ['p(95)<200'], http_req_failed: ['rate<0.01'] },
      defaults: { timeout: '10s' },
      scenarios: [{ name: 'hit', flow: [{ get: '/hit' }] }],
      watch: [
        { process: { port: app.port, label: 'counter' } },
        { eventLoop: { url: `${app.url}/__loadproof/metrics`, label: 'counter' } },
        { postgres: { url: db!.url } },
        { process: { name: 'postgres', role: 'db' } },
      ],
    });
    const out = join(w.dir, 'out');
    const run = await runPlan(plan, out);
    const r = breakpointResult(run, out);
    logRun('lock-contention', r, `designed ${capRps} req/s, levels ${levels.join(', ')}; saturated first: ${r.analysis?.saturation?.first?.resource} at ${r.analysis?.saturation?.first?.load}`);
    const d = assertFirstDiagnosis(r, 'lock-contention', run);
    assert.equal(d.handoff, 'database-reviewer');
    assert.match(d.evidence.join(' '), /backends waiting on a lock/);
    for (const other of r.analysis!.diagnoses.filter((x) => FIRST_EIGHT.includes(x.id))) {
      assert.ok(other.confidence < d.confidence, `${other.id} ${other.confidence} ranks with ${d.id} ${d.confidence} (${diagnosesLine(r)})`);
    }
  } finally {
    await app.stop();
    w.remove();
  }
});
