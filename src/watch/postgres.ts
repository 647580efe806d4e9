/**
 * The postgres watcher: one dedicated connection (application_name `loadproof-watch`, a short
 * statement_timeout), read once per interval in ONE simple-protocol round trip — several statements
 * in one Query message run as one implicit transaction, so the watcher costs the server exactly one
 * transaction per sample:
 *
 *   pg_stat_activity (client backends, all databases, the watcher's own backend excluded by
 *   `pid <> pg_backend_pid()`) grouped by state  → postgres.<label>.connections.<state>, .connections.total,
 *                                                   .waitingOnLock (wait_event_type = 'Lock')
 *   max_connections                              → .connections.max
 *   pg_stat_user_tables of the URL's database    → .seqScanPerSec, .idxScanPerSec, .seqTupReadPerSec (summed over tables)
 *   pg_stat_database of the URL's database       → .commitsPerSec, .rollbacksPerSec, .blocksReadPerSec
 *
 * Rates are Δcounter / Δt between two reads. PostgreSQL publishes a backend's counters when a
 * statement ends, at most once a second per backend (PG 15 pgstat.c, PGSTAT_MIN_INTERVAL); a backend
 * that then goes idle publishes the rest up to 10 s later (PGSTAT_IDLE_INTERVAL). Under load the
 * rates therefore trail the work by about a second; sums over a run are exact once every backend has
 * published. The watcher's own transaction of one sample is subtracted from the commits of the next
 * (clamped at 0); this is approximate by a few transactions, because a backend's commit counter is
 * published lazily (a transaction that touched no table is published with the next one that did, or
 * when the backend exits) — negligible beside a load test's hundreds of commits per second.
 *
 * When pg_stat_statements is installed in the database, the top 10 statements by execution time
 * *during the run* (Δ total_exec_time and Δ calls between the first sample and the end) go to `info`,
 * texts with literals removed and cut to 200 characters. A lost connection is re-made with backoff
 * (0.5 s doubling to 10 s); meanwhile samples are gaps.
 */
import { createRequire } from 'node:module';
import type pg from 'pg';
import { seriesLabel } from './label.js';
import { redactUrl, scrubSqlLiterals } from './redact.js';
import type { Reading, SeriesValue, WarnFn, Watcher } from './types.js';

let pgModule: typeof pg | null = null;

/** pg, loaded when the first PostgreSQL watcher connects (~0.1 CPU-s that runs without one do not pay). */
function pgLib(): typeof pg {
  pgModule ??= createRequire(import.meta.url)('pg') as typeof pg;
  return pgModule;
}

export interface PostgresSpec {
  url: string;
  label?: string;
}

/** Marks the watcher's own statements, so it can leave them out of pg_stat_statements. */
const MARK = '/* loadproof-watch */';
const STATEMENT_TIMEOUT_MS = 2_000;
const CONNECT_TIMEOUT_MS = 3_000;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 10_000;
const TOP_QUERIES = 10;
const QUERY_TEXT_MAX = 200;
/** pg_stat_statements is read at the first sample, every this many samples (a fallback end point), and at stop. */
const STATEMENTS_EVERY = 30;

/** pg_stat_activity.state → series suffix. */
export const PG_STATES: Record<string, string> = {
  active: 'active',
  idle: 'idle',
  'idle in transaction': 'idle_in_transaction',
  'idle in transaction (aborted)': 'idle_in_transaction_aborted',
  'fastpath function call': 'fastpath_function_call',
  disabled: 'disabled',
};

// The mark sits inside every statement: pg_stat_statements stores each statement of a multi-statement
// query separately, with only the text of that statement.
const SAMPLE_SQL = `
SELECT ${MARK} state, count(*)::int AS n, (count(*) FILTER (WHERE wait_event_type = 'Lock'))::int AS lock_waits
  FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() GROUP BY state;
SELECT ${MARK} current_setting('max_connections')::int AS max_connections;
SELECT ${MARK} schemaname, relname, seq_scan::float8 AS seq_scan, coalesce(idx_scan, 0)::float8 AS idx_scan, seq_tup_read::float8 AS seq_tup_read
  FROM pg_stat_user_tables;
SELECT ${MARK} xact_commit::float8 AS commits, xact_rollback::float8 AS rollbacks, blks_read::float8 AS blks_read
  FROM pg_stat_database WHERE datname = current_database();`;

interface TableCounts {
  seqScan: number;
  idxScan: number;
  seqTupRead: number;
}
interface DbCounts {
  commits: number;
  rollbacks: number;
  blksRead: number;
}
interface StatementRow {
  query: string;
  calls: number;
  totalMs: number;
}

/** The database name in a postgres URL (the default label). */
export function databaseOf(url: string): string {
  try {
    const path = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
    return path || 'postgres';
  } catch {
    return 'postgres';
  }
}

/** Top statements by Δ execution time between two pg_stat_statements snapshots (keyed by queryid). */
export function topStatements(
  first: Map<string, StatementRow>,
  last: Map<string, StatementRow>,
  n = TOP_QUERIES,
): Array<{ query: string; calls: number; totalMs: number; meanMs: number }> {
  const out: Array<{ query: string; calls: number; totalMs: number; meanMs: number }> = [];
  for (const [id, row] of last) {
    const base = first.get(id);
    const calls = row.calls - (base?.calls ?? 0);
    const totalMs = row.totalMs - (base?.totalMs ?? 0);
    if (calls <= 0 || totalMs <= 0) continue;
    const text = scrubSqlLiterals(row.query).replace(/\s+/g, ' ').trim();
    out.push({
      query: text.length > QUERY_TEXT_MAX ? `${text.slice(0, QUERY_TEXT_MAX - 1)}…` : text,
      calls,
      totalMs: Math.round(totalMs * 1000) / 1000,
      meanMs: Math.round((totalMs / calls) * 1000) / 1000,
    });
  }
  return out.sort((a, b) => b.totalMs - a.totalMs).slice(0, n);
}

export class PostgresWatcher implements Watcher {
  readonly kind = 'postgres' as const;
  readonly name: string;
  readonly target: string;
  readonly role = 'db' as const;
  readonly intervalMs: number;
  readonly expectedSeries: ReadonlyArray<{ name: string; unit: string }>;
  private readonly url: string;
  private readonly prefix: string;
  private client: pg.Client | null = null;
  private lastConnectError: Error | null = null;
  private nextConnectAtMs = 0;
  private backoffMs = BACKOFF_MIN_MS;
  private warn: WarnFn | undefined;
  private prev: { monoMs: number; tables: Map<string, TableCounts>; db: DbCounts | null } | null = null;
  private firstTables: Map<string, TableCounts> | null = null;
  private lastTables: Map<string, TableCounts> | null = null;
  private ownTxnsUnsubtracted = 0;
  private statements: { available: boolean | null; totalColumn: string; first: Map<string, StatementRow> | null; last: Map<string, StatementRow> | null } = {
    available: null,
    totalColumn: 'total_exec_time',
    first: null,
    last: null,
  };
  private samples = 0;
  private serverVersion: string | null = null;
  private reconnects = 0;

  constructor(spec: PostgresSpec, intervalMs: number, label = seriesLabel(spec.label ?? databaseOf(spec.url))) {
    this.url = spec.url;
    this.intervalMs = intervalMs;
    this.prefix = `postgres.${label}`;
    this.name = this.prefix;
    this.target = redactUrl(spec.url);
    this.expectedSeries = [
      ...Object.values(PG_STATES).map((s) => [`connections.${s}`, 'count']),
      ['connections.total', 'count'],
      ['connections.max', 'count'],
      ['waitingOnLock', 'count'],
      ['seqScanPerSec', '/s'],
      ['idxScanPerSec', '/s'],
      ['seqTupReadPerSec', '/s'],
      ['commitsPerSec', '/s'],
      ['rollbacksPerSec', '/s'],
      ['blocksReadPerSec', '/s'],
    ].map(([s, unit]) => ({ name: `${this.prefix}.${s}`, unit }));
  }

  async start(warn: WarnFn): Promise<void> {
    this.warn = warn;
    await this.connect();
  }

  private async connect(): Promise<pg.Client> {
    if (this.client) return this.client;
    if (Date.now() < this.nextConnectAtMs && this.lastConnectError) throw this.lastConnectError;
    const client = new (pgLib().Client)({
      connectionString: this.url,
      application_name: 'loadproof-watch',
      statement_timeout: STATEMENT_TIMEOUT_MS,
      query_timeout: STATEMENT_TIMEOUT_MS + 1_000,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    // an idle connection that dies emits 'error'; unhandled it would end the process — drop it instead
    client.on('error', () => this.drop(client));
    client.on('end', () => this.drop(client));
    try {
      await client.connect();
      if (this.serverVersion === null) {
        const v = await client.query<{ v: string; n: number; ext: boolean }>(
          `SELECT ${MARK} current_setting('server_version') AS v, current_setting('server_version_num')::int AS n,
             EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements') AS ext`,
        );
        this.ownTxnsUnsubtracted++;
        this.serverVersion = v.rows[0].v;
        this.statements.available = v.rows[0].ext;
        this.statements.totalColumn = v.rows[0].n >= 130000 ? 'total_exec_time' : 'total_time';
      }
    } catch (e) {
      await client.end().catch(() => undefined);
      this.lastConnectError = new Error(`cannot connect to ${this.target}: ${(e as Error).message}`);
      this.nextConnectAtMs = Date.now() + this.backoffMs;
      this.backoffMs = Math.min(BACKOFF_MAX_MS, this.backoffMs * 2);
      throw this.lastConnectError;
    }
    if (this.lastConnectError) this.reconnects++;
    this.lastConnectError = null;
    this.backoffMs = BACKOFF_MIN_MS;
    this.client = client;
    return client;
  }

  private drop(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    client.end().catch(() => undefined);
  }

  /** Reads pg_stat_statements into a map by queryid (rows of several users summed); null when unavailable. */
  private async readStatements(client: pg.Client): Promise<Map<string, StatementRow> | null> {
    if (!this.statements.available) return null;
    try {
      const r = await client.query<{ id: string; query: string; calls: number; total: number }>(
        `SELECT ${MARK} queryid::text AS id, query, calls::float8 AS calls, ${this.statements.totalColumn}::float8 AS total
           FROM pg_stat_statements
          WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND query NOT LIKE '%loadproof-watch%'`,
      );
      this.ownTxnsUnsubtracted++;
      const m = new Map<string, StatementRow>();
      for (const row of r.rows) {
        const had = m.get(row.id);
        if (had) {
          had.calls += row.calls;
          had.totalMs += row.total;
        } else m.set(row.id, { query: row.query, calls: row.calls, totalMs: row.total });
      }
      return m;
    } catch (e) {
      // installed but not loaded (shared_preload_libraries), or no privilege: say so once, stop asking
      this.statements.available = false;
      this.warn?.(`pg_stat_statements is installed but cannot be read (${(e as Error).message}); top queries are not recorded`);
      return null;
    }
  }

  async sample(): Promise<Reading> {
    const client = await this.connect();
    let results: pg.QueryResult[];
    try {
      results = (await client.query(SAMPLE_SQL)) as unknown as pg.QueryResult[];
    } catch (e) {
      const err = e as Error & { code?: string };
      // an SQL error (e.g. statement_timeout, 57014) leaves the connection usable; anything else drops it
      if (!err.code) this.drop(client);
      throw new Error(`reading ${this.target} failed: ${err.message}`);
    }
    const atMs = Date.now();
    const monoMs = performance.now();
    const ownBefore = this.ownTxnsUnsubtracted;
    this.ownTxnsUnsubtracted = 1; // this sample's own transaction, visible from the next read on
    const [activity, settings, tables, db] = results;
    const values: SeriesValue[] = [];
    const byState: Record<string, number> = Object.fromEntries(Object.values(PG_STATES).map((s) => [s, 0]));
    let total = 0;
    let lockWaits = 0;
    for (const row of activity.rows as Array<{ state: string | null; n: number; lock_waits: number }>) {
      total += row.n;
      lockWaits += row.lock_waits;
      const s = row.state === null ? undefined : PG_STATES[row.state];
      if (s) byState[s] += row.n;
    }
    for (const [s, n] of Object.entries(byState)) values.push({ name: `${this.prefix}.connections.${s}`, unit: 'count', value: n });
    values.push(
      { name: `${this.prefix}.connections.total`, unit: 'count', value: total },
      { name: `${this.prefix}.connections.max`, unit: 'count', value: (settings.rows[0] as { max_connections: number }).max_connections },
      { name: `${this.prefix}.waitingOnLock`, unit: 'count', value: lockWaits },
    );

    const tableCounts = new Map<string, TableCounts>();
    for (const r of tables.rows as Array<{ schemaname: string; relname: string; seq_scan: number; idx_scan: number; seq_tup_read: number }>) {
      tableCounts.set(`${r.schemaname}.${r.relname}`, { seqScan: r.seq_scan, idxScan: r.idx_scan, seqTupRead: r.seq_tup_read });
    }
    const dbRow = db.rows[0] as { commits: number; rollbacks: number; blks_read: number } | undefined;
    const dbCounts: DbCounts | null = dbRow ? { commits: dbRow.commits, rollbacks: dbRow.rollbacks, blksRead: dbRow.blks_read } : null;

    if (this.prev) {
      const dt = (monoMs - this.prev.monoMs) / 1000;
      if (dt > 0) {
        const d = { seqScan: 0, idxScan: 0, seqTupRead: 0 };
        for (const [name, now] of tableCounts) {
          const before = this.prev.tables.get(name) ?? { seqScan: 0, idxScan: 0, seqTupRead: 0 };
          // a counter below its last value means the stats were reset: count from zero
          d.seqScan += now.seqScan >= before.seqScan ? now.seqScan - before.seqScan : now.seqScan;
          d.idxScan += now.idxScan >= before.idxScan ? now.idxScan - before.idxScan : now.idxScan;
          d.seqTupRead += now.seqTupRead >= before.seqTupRead ? now.seqTupRead - before.seqTupRead : now.seqTupRead;
        }
        values.push(
          { name: `${this.prefix}.seqScanPerSec`, unit: '/s', value: d.seqScan / dt },
          { name: `${this.prefix}.idxScanPerSec`, unit: '/s', value: d.idxScan / dt },
          { name: `${this.prefix}.seqTupReadPerSec`, unit: '/s', value: d.seqTupRead / dt },
        );
        if (dbCounts && this.prev.db) {
          const commits = Math.max(0, dbCounts.commits - this.prev.db.commits - ownBefore);
          values.push(
            { name: `${this.prefix}.commitsPerSec`, unit: '/s', value: commits / dt },
            { name: `${this.prefix}.rollbacksPerSec`, unit: '/s', value: Math.max(0, dbCounts.rollbacks - this.prev.db.rollbacks) / dt },
            { name: `${this.prefix}.blocksReadPerSec`, unit: '/s', value: Math.max(0, dbCounts.blksRead - this.prev.db.blksRead) / dt },
          );
        }
      }
    }
    this.prev = { monoMs, tables: tableCounts, db: dbCounts };
    this.firstTables ??= tableCounts;
    this.lastTables = tableCounts;

    if (this.statements.available && (this.statements.first === null || this.samples % STATEMENTS_EVERY === 0)) {
      const snap = await this.readStatements(client).catch(() => null);
      if (snap) {
        this.statements.first ??= snap;
        this.statements.last = snap;
      }
    }
    this.samples++;
    return { atMs, values };
  }

  /** Tables by Δ seq_scan over the run (first to last sample), the most scanned first. */
  private topTables(): Array<{ table: string; seqScans: number; seqTupRead: number; idxScans: number }> {
    if (!this.firstTables || !this.lastTables) return [];
    const out = [];
    for (const [table, now] of this.lastTables) {
      const base = this.firstTables.get(table) ?? { seqScan: 0, idxScan: 0, seqTupRead: 0 };
      const seqScans = now.seqScan - base.seqScan;
      if (seqScans <= 0) continue;
      out.push({ table, seqScans, seqTupRead: now.seqTupRead - base.seqTupRead, idxScans: now.idxScan - base.idxScan });
    }
    return out.sort((a, b) => b.seqScans - a.seqScans).slice(0, 10);
  }

  async stop(): Promise<Record<string, unknown>> {
    const client = this.client;
    if (client && this.statements.available && this.statements.first) {
      const snap = await this.readStatements(client).catch(() => null);
      if (snap) this.statements.last = snap;
    }
    this.client = null;
    if (client) await client.end().catch(() => undefined);
    const info: Record<string, unknown> = {
      target: this.target,
      serverVersion: this.serverVersion,
      reconnects: this.reconnects,
      topTablesBySeqScan: this.topTables(),
      pgStatStatements: this.statements.available === true || (this.statements.first !== null),
    };
    if (this.statements.first && this.statements.last) info.topQueries = topStatements(this.statements.first, this.statements.last);
    return info;
  }
}
