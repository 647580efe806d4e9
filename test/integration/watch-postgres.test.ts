/**
 * The postgres watcher against a real PostgreSQL (initdb in a temp dir; see test/helpers/postgres.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startWatch } from '../../src/watch/session.js';
import type { WatchItem } from '../../src/plan/schema.js';
import { findPostgresBin, startPostgres, type TestPostgres } from '../helpers/postgres.js';

const skip = findPostgresBin() === null ? 'PostgreSQL is not installed (.ci/run installs it)' : false;
let db: TestPostgres;
const clients: pg.Client[] = [];

async function connect(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: db.url });
  c.on('error', () => undefined); // the cluster is stopped under held connections at the end
  await c.connect();
  clients.push(c);
  return c;
}
const item = (intervalMs: number): WatchItem => ({ postgres: { url: db.url }, intervalMs }) as WatchItem;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const last = (points: Array<[number, number | null]>) => points[points.length - 1][1];

before(async () => {
  if (skip) return;
  // autovacuum off: its workers' transactions count in pg_stat_database and would blur the commit count
  db = await startPostgres({ database: 'shop', maxConnections: 30, settings: { autovacuum: 'off' } });
  const c = await connect();
  await c.query('CREATE TABLE items (id int, v text); CREATE TABLE locked (id int)');
  await c.query("INSERT INTO items SELECT g, 'v' || g FROM generate_series(1, 2000) g");
  await c.end();
  clients.length = 0;
});

after(async () => {
  for (const c of clients) await c.end().catch(() => undefined);
  await db?.stop();
});

test('connections held in known states show exactly those counts', { skip, timeout: 60_000 }, async () => {
  const idle = [await connect(), await connect()];
  for (const c of idle) await c.query('SELECT 1');
  const inTxn = [await connect(), await connect()];
  await inTxn[0].query('BEGIN');
  await inTxn[0].query('SELECT 1');
  await inTxn[1].query('BEGIN');
  await inTxn[1].query('LOCK TABLE locked IN ACCESS EXCLUSIVE MODE'); // holds the lock, idle in transaction
  const sleepers = [await connect(), await connect()];
  const running = sleepers.map((c) => c.query('SELECT pg_sleep(30)').catch(() => undefined));
  const waiter = await connect();
  const waiting = waiter.query('SELECT count(*) FROM locked').catch(() => undefined); // active, waiting on the lock
  await sleep(500); // the sleeps and the lock wait have begun

  const origin = Date.now();
  const session = await startWatch([item(500)], { self: false });
  await sleep(2_000);
  const out = await session.stop(origin);
  const s = (suffix: string) => out.series[`postgres.shop.${suffix}`];
  // the last sample was taken while every connection still held its state (they hold for 30 s)
  assert.equal(last(s('connections.active').points), 3, 'two pg_sleep + one waiting on a lock');
  assert.equal(last(s('connections.idle').points), 2);
  assert.equal(last(s('connections.idle_in_transaction').points), 2);
  assert.equal(last(s('connections.idle_in_transaction_aborted').points), 0);
  assert.equal(last(s('waitingOnLock').points), 1);
  assert.equal(last(s('connections.total').points), 7, "the watcher's own connection is not counted");
  assert.equal(last(s('connections.max').points), 30);
  assert.equal(s('connections.active').role, 'db');
  assert.equal(s('connections.active').watcher, 'postgres');
  assert.deepEqual(out.warnings, []);

  // release: commit the lock holder, cancel the sleepers
  await inTxn[1].query('COMMIT');
  await waiting;
  const admin = await connect();
  await admin.query("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'");
  await Promise.all(running);
  await inTxn[0].query('ROLLBACK');
  // a backend publishes its last counters when it exits; ending them now keeps them out of the next test
  for (const c of clients.splice(0)) await c.end();
  await sleep(300);
});

test('sequential scans, commits and top queries during the run are counted', { skip, timeout: 60_000 }, async () => {
  const c = await connect();
  const origin = Date.now();
  const session = await startWatch([item(1_000)], { self: false });
  const K = 6;
  for (let i = 0; i < K; i++) await c.query("SELECT count(*) FROM items WHERE v = 'secret-literal-42'");
  const N = 20;
  for (let i = 0; i < N; i++) await c.query('INSERT INTO items VALUES ($1, $2)', [100_000 + i, 'x']);
  // PostgreSQL publishes a backend's counters when a statement ends, at most once a second (an idle
  // backend publishes the rest only 10 s later): one more statement after a second publishes them
  await sleep(1_100);
  await c.query('SELECT 1');
  await sleep(2_000);
  const out = await session.stop(origin);

  // integrate rate × interval: the first interval starts at the priming read (the first connections point)
  const integrate = (name: string): number => {
    let prevT = out.series['postgres.shop.connections.total'].points[0][0];
    let sum = 0;
    for (const [t, v] of out.series[name].points) {
      if (v !== null) sum += v * (t - prevT);
      prevT = t;
    }
    return sum;
  };
  // rates divide by the monotonic clock's interval, point times are wall-clock ms: the integral can
  // differ from the count by a few ms per interval, i.e. well under 1%
  assert.ok(Math.abs(integrate('postgres.shop.seqScanPerSec') - K) < K * 0.01, `seq scans: ${integrate('postgres.shop.seqScanPerSec')}`);
  assert.ok(Math.abs(integrate('postgres.shop.seqTupReadPerSec') - K * 2000) < K * 2000 * 0.01, `rows read by the scans: ${integrate('postgres.shop.seqTupReadPerSec')}`);
  assert.ok(Math.abs(integrate('postgres.shop.idxScanPerSec')) < 0.01, 'no index, no index scan');
  // the K scans ran within about one interval: one point carries at least half of them
  const maxRate = Math.max(...out.series['postgres.shop.seqScanPerSec'].points.map(([, v]) => v ?? 0));
  assert.ok(maxRate >= K / 2 / 1.5, `peak seq-scan rate ${maxRate}/s`);
  // commits: N inserts, the K selects and one SELECT 1 (autocommit). Allow ±5: PostgreSQL publishes a
  // backend's commit counter lazily (a transaction that touched no table is published with the next one
  // that did, or when the backend exits), so the watcher's subtraction of its own one transaction per
  // sample, and the tail of the previous test's connections, can shift a few commits either way.
  const commits = integrate('postgres.shop.commitsPerSec');
  assert.ok(Math.abs(commits - (N + K + 1)) <= 5, `commits ${commits}, expected ≈ ${N + K + 1}`);

  const info = out.info['postgres.shop'] as { topTablesBySeqScan: Array<{ table: string; seqScans: number }>; topQueries?: Array<{ query: string; calls: number }> };
  assert.deepEqual(info.topTablesBySeqScan[0], { table: 'public.items', seqScans: K, seqTupRead: K * 2000, idxScans: 0 });
  if (db.statements) {
    const q = info.topQueries?.find((x) => x.query.includes('FROM items WHERE v ='));
    assert.ok(q, `top queries: ${JSON.stringify(info.topQueries)}`);
    assert.equal(q.calls, K);
    assert.match(q.query, /v = \$1/);
    assert.ok(!JSON.stringify(out).includes('secret-literal'), 'no literal is stored');
    assert.ok(!JSON.stringify(info.topQueries).includes('loadproof-watch'), "the watcher's own statements are left out");
  }
});

test('a bad URL gives a warning and gaps, never an exception', { skip, timeout: 30_000 }, async () => {
  const origin = Date.now();
  const session = await startWatch([{ postgres: { url: `postgres://postgres@127.0.0.1:1/nowhere` }, intervalMs: 500 } as WatchItem], { intervalMs: 500 });
  await sleep(1_600);
  const out = await session.stop(origin);
  const total = out.series['postgres.nowhere.connections.total'];
  assert.ok(total.points.length >= 2);
  assert.ok(total.points.every(([, v]) => v === null));
  assert.equal(out.warnings.length, 1);
  assert.equal(out.warnings[0].source, 'postgres.nowhere');
  assert.match(out.warnings[0].message, /cannot connect to postgres:\/\/postgres@127\.0\.0\.1:1\/nowhere: .*ECONNREFUSED.*\(\d+ of \d+ samples missed\)/);
  assert.ok(out.series['self.generator.rssBytes'].points.some(([, v]) => v !== null), 'the other watchers still report');
});
