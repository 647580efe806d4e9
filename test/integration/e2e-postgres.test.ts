/**
 * End to end, database bottlenecks against a real throwaway PostgreSQL (test/helpers/postgres.ts):
 * the orders service (test/targets/orders-service.ts) in its own process, the real CLI, and a plan
 * watching the service's process, its probe, PostgreSQL's statistics and PostgreSQL's processes.
 *
 *   missing-index    GET /orders?customer=… filters 200,000 orders on an unindexed column: every
 *                    request is a sequential scan (20–30 ms of CPU on the machine this was written
 *                    on) on the app's single connection, and PostgreSQL's backend runs out of its
 *                    core long before the app is busy. The loads follow the rule of
 *                    test/helpers/saturation.ts: before the tests, a 2.5 s calibration burst
 *                    measures the scan's saturating rate on this machine (and its CPU per request,
 *                    from /proc); the breakpoint levels go up to 2× that limit. Breakpoint run →
 *                    missing-index first, capacity near what that core allows. One connection
 *                    keeps the limit at one core whatever else the machine runs; with two, the
 *                    database's share of a shared 2-core machine varied from 1.2 to 2 cores
 *                    between runs, and so did the limit.
 *   with the index   the same service and loads once the column is indexed → no missing-index.
 *   connection-leak  GET /orders/ID in a transaction on a pool of 10; every 90th request forgets
 *                    COMMIT and release(). At a constant 50 req/s the pool drains, requests queue for
 *                    the connections left and then time out → connection-leak first. The load
 *                    follows from limits built into the service (a pool of 10 held 25 ms by
 *                    pg_sleep: 400 req/s; one connection leaked per 90 requests), not from the
 *                    machine's speed.
 *
 * The process watch on PostgreSQL matches every process named postgres on the machine: another
 * cluster busy at the same time would add its CPU (CI runs these files one at a time).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import pg from 'pg';
import type { PlanInput } from '../../src/plan/schema.js';
import { findPostgresBin, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { startServiceChild, targetScript, type ServiceChild } from '../helpers/service-child.js';
import { assertFirstDiagnosis, breakpointResult, breakpointStages, diagnosesLine, logRun, peakStepMean, readResult, runPlan, workdir, writePlan } from '../helpers/e2e.js';
import { calibrate, calibrationLine, cpuSpentUs, latencyBoundMs, levelsPast, treeCpuUs, type Calibration } from '../helpers/saturation.js';

const skip = findPostgresBin() === null ? 'PostgreSQL is not installed (.ci/run installs it)' : false;
const RUN_TIMEOUT_MS = 120_000;
const ROWS = 200_000;
const CUSTOMERS = 10_000;
let db: TestPostgres;
/** the calibration burst's measure of the scan (before the tests), and the breakpoint levels from it */
let scan: Calibration;
let scanLevels: number[];
/**
 * How far past the measured limit the breakpoint's top level goes. 2×, not the rule's default
 * 1.5×: a scan costs less during the run than during the calibration burst (24 vs 26 ms of CPU
 * here; on a CI machine the run sustained 67 req/s where the burst had measured 47, so a top level
 * of 1.5 × 47 = 71 never broke). Eight levels keep them a quarter of the limit apart.
 */
const SCAN_TOP = 2;
const SCAN_LEVELS = 8;

before(async () => {
  if (skip) return;
  // No parallel query: one backend scans on one core, so the database's CPU per request is that of
  // the scan alone and the app's pool size says how many cores it can use.
  // No autovacuum: the table is vacuumed and analysed once below, and a worker waking during the
  // calibration would add its CPU to the cluster's and lower the measured limit.
  db = await startPostgres({ database: 'shop', settings: { max_parallel_workers_per_gather: 0, autovacuum: 'off' } });
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    await c.query('CREATE TABLE orders (id bigserial PRIMARY KEY, customer_email text NOT NULL, total_cents int NOT NULL, created_at timestamptz NOT NULL DEFAULT now())');
    await c.query(
      `INSERT INTO orders (customer_email, total_cents, created_at)
       SELECT 'customer' || (g % ${CUSTOMERS}) || '@example.com', (g * 7919) % 100000, now() - g * interval '1 minute' FROM generate_series(1, ${ROWS}) g`,
    );
    await c.query('VACUUM ANALYZE orders');
    // write the load's dirty pages now, not from the checkpointer during the calibration burst
    await c.query('CHECKPOINT');
  } finally {
    await c.end();
  }
  // The scan's saturating rate on this machine, now (saturation.ts): the app on its one connection
  // kept busy by 4 lookups in flight, the cluster's CPU read from /proc.
  const app = await startServiceChild(targetScript('orders-service'), ['--db', db.url, '--mode', 'scan', '--pool', '1']);
  try {
    scan = await calibrate({ send: () => fetch(`${app.url}/orders?customer=customer${Math.floor(Math.random() * CUSTOMERS)}@example.com`), cpu: clusterCpu, concurrency: 4, warmup: 40 });
  } finally {
    await app.stop();
  }
  scanLevels = levelsPast(scan.limitRps, { top: SCAN_TOP, count: SCAN_LEVELS });
  console.log(`e2e missing-index: calibrated ${calibrationLine(scan)} → levels ${scanLevels.join(', ')} req/s`);
});

after(async () => {
  await db?.stop();
});

/** The plan every run here uses: GET `path`, and every watch a user of a PostgreSQL-backed service would set. */
function ordersPlan(app: ServiceChild, name: string, load: Pick<PlanInput, 'pattern' | 'load'>, path: string, p95Ms = 200): PlanInput {
  return {
    name,
    hypothesis: `The orders API serves its load at p95 < ${p95Ms} ms with under 1% errors.`,
    target: app.url,
    ...load,
    thresholds: { http_req_duration: [`p(95)<${p95Ms}`], http_req_failed: ['rate<0.01'] },
    defaults: { timeout: '10s' },
    scenarios: [{ name: 'orders', flow: [{ get: path }] }],
    watch: [
      { process: { port: app.port, label: 'orders' } },
      { eventLoop: { url: `${app.url}/__loadproof/metrics`, label: 'orders' } },
      { postgres: { url: db.url } },
      { process: { name: 'postgres', role: 'db' } },
    ],
  };
}

/** CPU µs of this cluster's postmaster and every process it forked — this cluster's alone, unlike a watch by name. */
const clusterCpu = (): Map<number, number> => treeCpuUs(db.postmasterPid);

const LOOKUP = `/orders?customer=customer{{ $randomInt(0, ${CUSTOMERS - 1}) }}@example.com`;
// Levels held 4 s (3 s of figures each): PostgreSQL publishes a busy backend's scan counts about
// once a second, so a level needs a few samples of them. The levels come from the calibration.
const SCAN_HOLD_SEC = 4;

test('missing-index: table scans saturate PostgreSQL before the app — missing-index first, capacity near what the database CPU allows', { skip, timeout: RUN_TIMEOUT_MS }, async () => {
  const POOL = 1;
  const app = await startServiceChild(targetScript('orders-service'), ['--db', db.url, '--mode', 'scan', '--pool', String(POOL)]);
  const w = workdir('missing-index');
  try {
    const plan = writePlan(
      w.dir,
      // p95 < 500 ms, a listing's SLO: with scans of 20–40 ms queued on one connection a tighter
      // bound would be missed by queueing well before the database runs out of CPU. Where the
      // backend gets less of a core each scan takes longer: 8 × the measured time per scan (not more:
      // the queue the top level (2× the limit) builds over a 4 s hold must still break the bound).
      ordersPlan(app, 'orders lookup breakpoint', { pattern: { type: 'breakpoint', peak: scanLevels.at(-1)! }, load: { model: 'open', maxInFlight: 2000, stages: breakpointStages(scanLevels, SCAN_HOLD_SEC) } }, LOOKUP, latencyBoundMs(scan, 500, 8)),
    );
    const out = join(w.dir, 'out');
    const cpu0 = clusterCpu();
    const run = await runPlan(plan, out);
    const dbCpuMs = cpuSpentUs(cpu0, clusterCpu()) / 1000;
    const r = breakpointResult(run, out);
    // the database CPU each request cost over the run (each a scan of the table, 20–40 ms on this
    // kind of machine), and the share of a core the database got while saturated (the process watch)
    const scanCpuMs = dbCpuMs / r.summary.requests;
    const share = Math.min(POOL, (peakStepMean(r, 'process.postgres.cpuPct') ?? 0) / 100);
    const limit = (share * 1000) / scanCpuMs;
    logRun('missing-index', r, `${scanCpuMs.toFixed(1)} ms of database CPU per request, ${(share * 100).toFixed(0)}% of a core → ${limit.toFixed(0)} req/s (calibrated ${scan.limitRps.toFixed(0)}, top level ${scanLevels.at(-1)})`);
    const d = assertFirstDiagnosis(r, 'missing-index', run);
    assert.equal(d.handoff, 'database-reviewer');
    // The rows read by sequential scans per request are the whole table's. ±25%: PostgreSQL counts a
    // scan when its backend publishes its statistics (about once a second), so the scans of the
    // run's last second or so are missing from the rule's sums, while the client counts every request.
    const rows = /sequential scans read ([\d,]+) rows per request/.exec(d.evidence.join(' '));
    assert.ok(rows && Math.abs(Number(rows[1]!.replace(/,/g, '')) - ROWS) <= 0.25 * ROWS, d.evidence.join(' | '));
    // What the database's CPU allows: the share of a core its backend got while saturated (one
    // connection, one backend busy at a time; on a machine shared with other work 70–100%) over the
    // CPU one request costs it. The capacity (the last level meeting p95 < 500 ms) sits below it by
    // the queueing margin the SLO needs plus up to one level (a quarter of the calibrated limit
    // apart): ≥ 0.5 × limit; above it by at most the share's 1 s sampling error: ≤ 1.2 ×.
    const cap = r.analysis!.capacity.maxSustainableRps;
    assert.ok(cap !== null && cap >= 0.5 * limit && cap <= 1.2 * limit, `capacity ${cap} req/s; the database CPU allows ${limit.toFixed(0)} (${diagnosesLine(r)})`);
  } finally {
    await app.stop();
    w.remove();
  }
});

test('with the index: the same lookups at the same loads name no missing index', { skip, timeout: RUN_TIMEOUT_MS }, async () => {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  await c.query('CREATE INDEX orders_customer_email ON orders (customer_email)');
  await c.query('ANALYZE orders');
  await c.end();
  const app = await startServiceChild(targetScript('orders-service'), ['--db', db.url, '--mode', 'scan', '--pool', '1']);
  const w = workdir('with-index');
  try {
    const plan = writePlan(
      w.dir,
      // the scan's levels up to its calibrated limit (the first half)
      ordersPlan(app, 'orders lookup with the index', { pattern: { type: 'breakpoint', peak: scanLevels.at(-1)! }, load: { model: 'open', maxInFlight: 2000, stages: breakpointStages(scanLevels.slice(0, SCAN_LEVELS / 2), 2.5) } }, LOOKUP),
    );
    const out = join(w.dir, 'out');
    const run = await runPlan(plan, out);
    assert.equal(run.code, 0, `the indexed lookups meet the SLO at every level, got exit ${run.code}\n${run.stdout.slice(-1500)}`);
    const r = readResult(out);
    logRun('missing-index control', r);
    assert.ok(!r.analysis!.diagnoses.some((x) => x.id === 'missing-index'), diagnosesLine(r));
    // and the database was no bottleneck: its CPU stayed far from a core
    assert.ok((peakStepMean(r, 'process.postgres.cpuPct') ?? 0) < 50, `PostgreSQL CPU ${peakStepMean(r, 'process.postgres.cpuPct')}%`);
  } finally {
    await app.stop();
    w.remove();
  }
});

test('connection-leak: a transaction left open every 90 requests drains the pool at constant load — connection-leak first', { skip, timeout: RUN_TIMEOUT_MS }, async () => {
  const app = await startServiceChild(targetScript('orders-service'), ['--db', db.url, '--mode', 'leak', '--pool', '10', '--hold', '25', '--leak-every', '90']);
  const w = workdir('connection-leak');
  try {
    // 50 req/s × ~30 ms held ≈ 1.5 connections busy: fine while a few of the 10 are left; one
    // leaked per 90 requests (1.8 s) leaves two after ~16 s, and latency climbs over the rest.
    const RATE = 50;
    const plan = writePlan(
      w.dir,
      ordersPlan(
        app,
        'orders soak',
        {
          pattern: { type: 'soak', peak: RATE },
          load: {
            model: 'open',
            maxInFlight: 2000,
            stages: [
              { duration: '2s', target: RATE },
              { duration: '20s', target: RATE },
            ],
          },
        },
        `/orders/{{ $randomInt(1, ${ROWS}) }}`,
      ),
    );
    const out = join(w.dir, 'out');
    const run = await runPlan(plan, out);
    assert.equal(run.code, 1, `the drained pool fails the SLO, got exit ${run.code}\n${run.stderr.slice(-1500)}`);
    const r = readResult(out);
    logRun('connection-leak', r);
    const d = assertFirstDiagnosis(r, 'connection-leak', run);
    // the evidence names what leaked: PostgreSQL's idle-in-transaction sessions or the pool gauge
    assert.match(d.evidence.join(' '), /idle-in-transaction connections grew|pool_in_use of orders grew/);
  } finally {
    await app.stop();
    w.remove();
  }
});
