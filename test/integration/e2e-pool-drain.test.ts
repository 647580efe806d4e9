/**
 * End to end, the hang mode of issue 11 against a real throwaway PostgreSQL (test/helpers/postgres.ts):
 * the orders service (test/targets/orders-service.ts --mode drain) in its own process, the real CLI,
 * and a plan watching the service's process and PostgreSQL's sessions.
 *
 * The service reads one order per request on a pg pool of POOL connections, and the first request
 * after every LEAK_SEC seconds checks a connection out, opens a transaction and never releases it:
 * PostgreSQL's idle-in-transaction count climbs by one every LEAK_SEC seconds to POOL, and the pool
 * is empty after POOL × LEAK_SEC = 15 s at any load. From then on, at a constant 25 req/s:
 *
 *   without an acquire timeout  every request waits for a connection forever and the client gives
 *                               up after the plan's 2 s timeout → connection-leak first, its
 *                               evidence naming the idle-in-transaction growth to its ceiling;
 *                               memory-leak (the waiters pile up inside the service) not above it
 *   with an acquire timeout     (pg's connectionTimeoutMillis, 100 ms) every request is answered
 *                               503 fast → connection-leak first as well
 *
 * The loads come from the service's built-in limits (pool size, leak interval): the load only has to
 * be low enough for a pool of 5 to serve it easily while it lasts (25 req/s × ~1 ms per query).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import pg from 'pg';
import type { PlanInput } from '../../src/plan/schema.js';
import type { Result } from '../../src/result/types.js';
import { findPostgresBin, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { startServiceChild, targetScript, type ServiceChild } from '../helpers/service-child.js';
import { assertFirstDiagnosis, diagnosesLine, logRun, readResult, runPlan, workdir, writePlan } from '../helpers/e2e.js';

const skip = findPostgresBin() === null ? 'PostgreSQL is not installed (.ci/run installs it)' : false;
const RUN_TIMEOUT_MS = 120_000;
const ROWS = 1000;
const POOL = 5;
const LEAK_SEC = 3;
const EMPTY_AT_SEC = POOL * LEAK_SEC;
const RATE = 25;
let db: TestPostgres;

before(async () => {
  if (skip) return;
  db = await startPostgres({ database: 'shop' });
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    await c.query('CREATE TABLE orders (id bigserial PRIMARY KEY, customer_email text NOT NULL, total_cents int NOT NULL)');
    await c.query(`INSERT INTO orders (customer_email, total_cents) SELECT 'customer' || g || '@example.com', (g * 7919) % 100000 FROM generate_series(1, ${ROWS}) g`);
  } finally {
    await c.end();
  }
});

after(async () => {
  await db?.stop();
});

function drainPlan(app: ServiceChild, name: string): PlanInput {
  return {
    name,
    hypothesis: 'The orders API serves 25 req/s for 45 s at p95 < 100 ms with under 1% errors.',
    target: app.url,
    pattern: { type: 'soak', peak: RATE },
    load: {
      model: 'open',
      maxInFlight: 2000,
      stages: [
        { duration: '2s', target: RATE },
        { duration: '43s', target: RATE },
      ],
    },
    thresholds: { http_req_duration: ['p(95)<100'], http_req_failed: ['rate<0.01'] },
    defaults: { timeout: '2s' },
    scenarios: [{ name: 'orders', flow: [{ get: `/orders/{{ $randomInt(1, ${ROWS}) }}` }] }],
    watch: [{ process: { port: app.port, label: 'orders' } }, { postgres: { url: db.url } }],
  };
}

/** Runs the plan against the draining service and checks what every variant shares; returns the first diagnosis's evidence. */
async function drainRun(label: string, serviceArgs: string[], failure: 'hang' | 'fail'): Promise<{ r: Result; evidence: string }> {
  const app = await startServiceChild(targetScript('orders-service'), ['--db', db.url, '--mode', 'drain', '--pool', String(POOL), '--leak-sec', String(LEAK_SEC), ...serviceArgs]);
  const w = workdir(label);
  try {
    const out = join(w.dir, 'out');
    const run = await runPlan(writePlan(w.dir, drainPlan(app, `orders ${label}`)), out);
    // the SLO fails (exit 1), or the run tested nothing for most of its requests (invalid, exit 4)
    assert.ok(run.code === 1 || run.code === 4, `a drained pool fails the run, got exit ${run.code}\n${run.stderr.slice(-1500)}`);
    const r = readResult(out);
    logRun(label, r, `p95 ${r.summary.latencyMs.p95} ms, errors ${(r.summary.errorRate * 100).toFixed(1)}% (${JSON.stringify(r.summary.errorKinds ?? {})})`);
    // the pool is empty after 15 of 45 s: well over half the requests fail or hang
    assert.ok(r.summary.errorRate > 0.4, `error rate ${r.summary.errorRate}`);
    const d = assertFirstDiagnosis(r, 'connection-leak', run);
    const evidence = d.evidence.join(' | ');
    // the holder, its ceiling (the pool's size) and when it was reached (15 s after the first
    // request, give or take the watcher's 1 s samples and the ramp's first request)
    const ceiling = /PostgreSQL \S+ idle-in-transaction connections grew in a straight line .* reached (\d+) at (\d+) s/.exec(evidence);
    assert.ok(ceiling, evidence);
    assert.equal(Number(ceiling[1]), POOL, evidence);
    assert.ok(Math.abs(Number(ceiling[2]) - EMPTY_AT_SEC) <= 4, evidence);
    // against when requests started to hang or fail: when the last connection went
    const onset = new RegExp(`requests started to ${failure} at (\\d+) s`).exec(evidence);
    assert.ok(onset && Math.abs(Number(onset[1]) - Number(ceiling[2])) <= 3, evidence);
    const mem = r.analysis!.diagnoses.find((x) => x.id === 'memory-leak');
    assert.ok(!mem || mem.confidence < d.confidence, diagnosesLine(r));
    return { r, evidence };
  } finally {
    await app.stop();
    w.remove();
  }
}

test('a pg pool drained by a leak, without acquire timeout: requests hang until the client times out — connection-leak first, naming the idle-in-transaction growth', { skip, timeout: RUN_TIMEOUT_MS }, async () => {
  const { r, evidence } = await drainRun('pool-drain-hang', [], 'hang');
  assert.ok((r.summary.errorKinds?.timeout ?? 0) > 0.3 * r.summary.requests, JSON.stringify(r.summary.errorKinds));
  assert.match(evidence, /timed out/);
});

test('the same pool with an acquire timeout: requests fail fast with 503 — connection-leak first as well', { skip, timeout: RUN_TIMEOUT_MS }, async () => {
  const { r, evidence } = await drainRun('pool-drain-acquire-timeout', ['--acquire-timeout', '100'], 'fail');
  assert.ok((r.summary.statusCodes?.['503'] ?? 0) > 0.3 * r.summary.requests, JSON.stringify(r.summary.statusCodes));
  assert.match(evidence, /answered 503/);
});
