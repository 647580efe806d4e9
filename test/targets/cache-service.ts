/**
 * A read-through cache in front of PostgreSQL whose entries all expire at the same instant, for the
 * thundering-herd end-to-end test:
 * `node dist/test/targets/cache-service.js --db URL [--keys 8] [--ttl 12] [--pool 2] [--hold 150]`.
 *
 *   GET /item?key=K   K in 0 … keys−1. A hit answers from memory. A miss (no entry, or an expired
 *                     one) reads the item from PostgreSQL on one of `pool` connections — a lookup
 *                     in `items` (no index on `key`: a scan of its `keys` rows) that also holds the
 *                     connection `hold` ms (pg_sleep, no CPU: the row's slow source) — and stores it.
 *                     Misses for one key are not coalesced: every request that misses goes to the
 *                     database.
 *   GET /health       200 {"keys", "ttlSec", "hits", "misses"}
 *
 * The shared TTL: every entry stored during the window [k·ttl, (k+1)·ttl) s of the wall clock
 * expires at (k+1)·ttl — the whole cache at once, every `ttl` seconds (a cache flushed on a timer,
 * or a batch of keys loaded together with one TTL). A load over what the database alone carries
 * (pool × 1000 / hold misses/s: ~13 with the defaults) is then served by the cache between expiries,
 * every request a hit; at an expiry every request misses until its key is back, and the misses queue
 * for the pool: refilling takes ≥ keys × hold / pool ms (600 ms with the defaults), and the
 * duplicate misses that arrived meanwhile drain after it. At start the cache is filled (a warm-up), so the run sees the
 * expiries, not a cold start.
 */
import { createServer } from 'node:http';
import pg from 'pg';
import { numberFlag, sendJson, serveUntilSignal, stringFlag } from './serve.js';

const keys = numberFlag('keys', 8);
const ttlSec = numberFlag('ttl', 12);
const poolSize = numberFlag('pool', 2);
const holdMs = numberFlag('hold', 150);
const pool = new pg.Pool({ connectionString: stringFlag('db', ''), max: poolSize, connectionTimeoutMillis: 10_000 });
pool.on('error', () => undefined);

await pool.query('CREATE TABLE IF NOT EXISTS items (key int NOT NULL, name text NOT NULL, price_cents int NOT NULL)');
if (Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM items')).rows[0]!.n) === 0) {
  await pool.query("INSERT INTO items SELECT k, 'item ' || k, 100 + k FROM generate_series(0, $1::int - 1) k", [keys]);
}

interface Entry {
  value: { key: number; name: string; priceCents: number };
  expiresAtMs: number;
}
const cache = new Map<number, Entry>();
let hits = 0;
let misses = 0;

/** The end of the current TTL window: the instant every entry stored now expires. */
function sharedExpiryMs(now: number): number {
  return (Math.floor(now / (ttlSec * 1000)) + 1) * ttlSec * 1000;
}

async function load(key: number): Promise<Entry['value']> {
  const r = await pool.query<{ key: number; name: string; price_cents: number }>(
    'SELECT i.key, i.name, i.price_cents FROM items i, pg_sleep($2::float8) WHERE i.key = $1',
    [key, holdMs / 1000],
  );
  const row = r.rows[0];
  if (!row) throw new Error(`no item ${key}`);
  return { key: row.key, name: row.name, priceCents: row.price_cents };
}

async function get(key: number): Promise<Entry['value']> {
  const e = cache.get(key);
  if (e && e.expiresAtMs > Date.now()) {
    hits++;
    return e.value;
  }
  misses++;
  const value = await load(key);
  cache.set(key, { value, expiresAtMs: sharedExpiryMs(Date.now()) });
  return value;
}

// warm-up: fill the cache before listening (as many at a time as the pool allows)
for (let k = 0; k < keys; k += poolSize) {
  await Promise.all(Array.from({ length: Math.min(poolSize, keys - k) }, (_, i) => get(k + i)));
}

const server = createServer((req, res) => {
  req.resume();
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/health') return sendJson(res, 200, { keys, ttlSec, hits, misses });
  if (url.pathname !== '/item') return sendJson(res, 404, { error: 'no such route' });
  const key = Number(url.searchParams.get('key'));
  if (!Number.isInteger(key) || key < 0 || key >= keys) return sendJson(res, 400, { error: `key must be an integer in [0, ${keys})` });
  get(key).then(
    (v) => sendJson(res, 200, v),
    (err: unknown) => sendJson(res, 503, { error: `database: ${(err as Error).message}` }),
  );
});

await serveUntilSignal(server, () => pool.end());
