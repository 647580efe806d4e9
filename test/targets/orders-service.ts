/**
 * An orders API on PostgreSQL (through `pg`), with one real bottleneck chosen by `--mode`, for the
 * missing-index and connection-leak end-to-end tests:
 * `node dist/test/targets/orders-service.js --db postgres://… --mode scan|leak|drain [--pool N] …`.
 * The test creates and fills the table first (`orders(id, customer_email, total_cents, created_at)`).
 *
 *   --mode scan   GET /orders?customer=EMAIL lists a customer's orders:
 *                 `SELECT … FROM orders WHERE customer_email = $1`. Without an index on
 *                 customer_email every request is a sequential scan of the whole table, and
 *                 PostgreSQL's CPU is the limit: `--pool` (default 1) backends scanning at once, each
 *                 on one core, so capacity ≈ pool × 1000 / (scan time in ms). With the index the same
 *                 request is a lookup of a few rows.
 *   --mode leak   GET /orders/ID reads one order inside a transaction on a pooled connection
 *                 (`--pool`, default 16), holding it `--hold` ms (default 25: `pg_sleep` stands in for
 *                 the transaction's real work). Every `--leak-every`-th request (default 60) takes the
 *                 "flagged for review" early return, which forgets COMMIT and release(): that
 *                 connection stays idle in transaction and is lost to the pool. At constant load the
 *                 pool shrinks, requests queue for the connections left, and latency climbs; once the
 *                 pool is gone, waits past 3 s are answered 503.
 *   --mode drain  GET /orders/ID reads one order on a pooled connection (`--pool`, default 5). The
 *                 first request after every `--leak-sec` seconds (default 3, counted from the first
 *                 request) takes a buggy path: BEGIN, the read, and an early return that forgets
 *                 COMMIT and release() — PostgreSQL shows the session idle in transaction and the
 *                 pool has one connection fewer. After pool × leak-sec seconds the pool is empty, at
 *                 any load: without an acquire timeout (`--acquire-timeout 0`, the default here
 *                 as in pg) every later request waits for a connection forever and the client times
 *                 out; with `--acquire-timeout MS` (pg's connectionTimeoutMillis) it is answered 503
 *                 after MS. The hang mode of issue 11.
 *   GET /__loadproof/metrics  the probe, with gauges pool_in_use, pool_size, pool_waiting, leaked.
 */
import { createServer } from 'node:http';
import pg from 'pg';
import { probe } from '../../src/watch/probe.js';
import { numberFlag, sendJson, serveUntilSignal, stringFlag } from './serve.js';

const mode = stringFlag('mode', 'scan');
if (mode !== 'scan' && mode !== 'leak' && mode !== 'drain') {
  process.stderr.write(`--mode must be scan, leak or drain, got "${mode}"\n`);
  process.exit(2);
}
const poolSize = numberFlag('pool', mode === 'scan' ? 1 : mode === 'drain' ? 5 : 16);
const holdMs = numberFlag('hold', 25);
const leakEvery = numberFlag('leak-every', 60);
const leakSec = numberFlag('leak-sec', 3);
// pg's default is 0: wait for a connection forever
const acquireTimeoutMs = numberFlag('acquire-timeout', mode === 'drain' ? 0 : 3000);

const pool = new pg.Pool({ connectionString: stringFlag('db', ''), max: poolSize, connectionTimeoutMillis: acquireTimeoutMs });
// a connection the pool lost to the server (e.g. on shutdown) must not take the service down
pool.on('error', () => undefined);
let requests = 0;
let leaked = 0;
const metrics = probe({
  gauges: {
    pool_in_use: () => pool.totalCount - pool.idleCount,
    pool_size: () => poolSize,
    pool_waiting: () => pool.waitingCount,
    leaked: () => leaked,
  },
});

async function listOrders(customer: string): Promise<unknown[]> {
  const r = await pool.query('SELECT id, total_cents, created_at FROM orders WHERE customer_email = $1 ORDER BY id', [customer]);
  return r.rows;
}

async function readOrder(id: number): Promise<unknown> {
  const client = await pool.connect();
  await client.query('BEGIN');
  const r = await client.query('SELECT id, customer_email, total_cents FROM orders WHERE id = $1', [id]);
  await client.query('SELECT pg_sleep($1)', [holdMs / 1000]);
  if (++requests % leakEvery === 0) {
    // The bug under test: this early return skips COMMIT and release() — the connection stays
    // checked out, idle in transaction, for the life of the process.
    leaked++;
    return r.rows[0] ?? null;
  }
  await client.query('COMMIT');
  client.release();
  return r.rows[0] ?? null;
}

let nextLeakAt: number | null = null;

async function readOrderDraining(id: number): Promise<unknown> {
  const now = Date.now();
  nextLeakAt ??= now + leakSec * 1000;
  if (now >= nextLeakAt && leaked < poolSize) {
    nextLeakAt += leakSec * 1000;
    leaked++;
    const client = await pool.connect();
    await client.query('BEGIN');
    const r = await client.query('SELECT id, customer_email, total_cents FROM orders WHERE id = $1', [id]);
    // The bug under test: this early return skips COMMIT and release() — the connection stays
    // checked out, idle in transaction, for the life of the process.
    return r.rows[0] ?? null;
  }
  const r = await pool.query('SELECT id, customer_email, total_cents FROM orders WHERE id = $1', [id]);
  return r.rows[0] ?? null;
}

const server = createServer((req, res) => {
  req.resume();
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/__loadproof/metrics') return metrics(req, res);
  let work: Promise<unknown> | null = null;
  if (mode === 'scan' && url.pathname === '/orders') work = listOrders(url.searchParams.get('customer') ?? '');
  const m = /^\/orders\/(\d+)$/.exec(url.pathname);
  if (mode === 'leak' && m) work = readOrder(Number(m[1]));
  if (mode === 'drain' && m) work = readOrderDraining(Number(m[1]));
  if (!work) return sendJson(res, 404, { error: 'no such route' });
  work.then(
    (body) => sendJson(res, 200, body),
    (err: unknown) => sendJson(res, 503, { error: `database: ${(err as Error).message}` }, { 'retry-after': '1' }),
  );
});

// No pool.end() on the way out: it would wait for the leaked connections, which are never released.
// The process exits and PostgreSQL ends their sessions.
await serveUntilSignal(server, () => metrics.close());
