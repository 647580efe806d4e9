/**
 * A hit counter on one hot PostgreSQL row, for the lock-contention end-to-end test:
 * `node dist/test/targets/counter-service.js --db URL [--pool 10] [--hold 25]`.
 *
 *   GET /hit     BEGIN; SELECT … FOR UPDATE the one row; hold it `hold` ms (pg_sleep inside the
 *                transaction: the lock is held, no CPU is spent); UPDATE n = n + 1; COMMIT. Every
 *                request serialises on that row lock: the designed limit is 1000 / hold req/s,
 *                whatever the pool size, and the other transactions wait on the lock.
 *   GET /__loadproof/metrics  the probe, with gauges pool_in_use, pool_size, pool_waiting.
 *
 * The table is created at start (`counters`, one row).
 */
import { createServer } from 'node:http';
import pg from 'pg';
import { probe } from '../../src/watch/probe.js';
import { numberFlag, sendJson, serveUntilSignal, stringFlag } from './serve.js';

const poolSize = numberFlag('pool', 10);
const holdMs = numberFlag('hold', 25);
const pool = new pg.Pool({ connectionString: stringFlag('db', ''), max: poolSize, connectionTimeoutMillis: 5000 });
pool.on('error', () => undefined);
await pool.query('CREATE TABLE IF NOT EXISTS counters (id int PRIMARY KEY, n bigint NOT NULL)');
await pool.query('INSERT INTO counters VALUES (1, 0) ON CONFLICT (id) DO NOTHING');

const metrics = probe({
  gauges: {
    pool_in_use: () => pool.totalCount - pool.idleCount,
    pool_size: () => poolSize,
    pool_waiting: () => pool.waitingCount,
  },
});

async function hit(): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT n FROM counters WHERE id = 1 FOR UPDATE');
    await client.query('SELECT pg_sleep($1)', [holdMs / 1000]);
    const r = await client.query<{ n: string }>('UPDATE counters SET n = n + 1 WHERE id = 1 RETURNING n');
    await client.query('COMMIT');
    return Number(r.rows[0]!.n);
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

const server = createServer((req, res) => {
  req.resume();
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/__loadproof/metrics') return metrics(req, res);
  if (url.pathname !== '/hit') return sendJson(res, 404, { error: 'no such route' });
  hit().then(
    (n) => sendJson(res, 200, { n }),
    (err: unknown) => sendJson(res, 503, { error: `database: ${(err as Error).message}` }),
  );
});

await serveUntilSignal(server, async () => {
  metrics.close();
  await pool.end();
});
