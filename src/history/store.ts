/**
 * The run history: one small interface over two databases with the same schema (migrations.ts).
 *
 * - SQLite (the default): `.loadproof/history.db` in the current directory, through better-sqlite3
 *   12 (synchronous; Node 20). WAL journal, so `history` can read while a run records, and a busy
 *   timeout of 2 s, after which a locked database is an error the caller turns into a warning.
 * - PostgreSQL: `--history postgres://…` or `LOADPROOF_HISTORY=postgres://…`, so a team (or CI
 *   runners) share one history.
 *
 * Migrations run when a store is opened, one transaction per version; concurrent openers are
 * serialised (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: a transaction-scoped advisory lock).
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';
import { LATEST_VERSION, MIGRATIONS } from './migrations.js';
import type { RunRecord } from './run-record.js';
import type { RunSeconds, SecondSample } from './seconds.js';

export const DEFAULT_SQLITE_PATH = '.loadproof/history.db';
const BUSY_TIMEOUT_MS = 2_000;
const CONNECT_TIMEOUT_MS = 5_000;

export interface ListOptions {
  plan?: string;
  /** the last N runs (default all) */
  last?: number;
}

export interface HistoryStore {
  readonly kind: 'sqlite' | 'postgres';
  /** the file, or the URL without its password */
  readonly location: string;
  /** stores a run and its seconds; resolves to its id */
  record(rec: RunRecord, seconds: RunSeconds): Promise<number>;
  /** runs, oldest first (the last `last` of them) */
  list(opts?: ListOptions): Promise<RunRecord[]>;
  get(id: number): Promise<RunRecord | null>;
  /** the newest run (offset 0), the one before (offset 1)… optionally of one plan */
  latest(offset: number, plan?: string): Promise<RunRecord | null>;
  seconds(id: number): Promise<RunSeconds>;
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
}

/** Where the history lives: false (none), a postgres URL, or a SQLite file. */
export type HistorySpec = { kind: 'none' } | { kind: 'postgres'; url: string } | { kind: 'sqlite'; path: string };

/**
 * The store to use: `flag` (`--history`; `false` for `--no-history`), else `LOADPROOF_HISTORY`,
 * else `.loadproof/history.db` under `cwd`. A value that is not a postgres URL is a SQLite path.
 */
export function historySpec(flag: string | false | undefined, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): HistorySpec {
  if (flag === false) return { kind: 'none' };
  const v = flag ?? env.LOADPROOF_HISTORY;
  if (v !== undefined && v !== '') {
    if (/^postgres(ql)?:\/\//i.test(v)) return { kind: 'postgres', url: v };
    return { kind: 'sqlite', path: resolve(cwd, v) };
  }
  return { kind: 'sqlite', path: resolve(cwd, DEFAULT_SQLITE_PATH) };
}

/** Opens (creating and migrating as needed) the store of a spec. Throws on any failure. */
export async function openHistory(spec: Exclude<HistorySpec, { kind: 'none' }>): Promise<HistoryStore> {
  return spec.kind === 'postgres' ? PostgresStore.open(spec.url) : SqliteStore.open(spec.path);
}

/** A URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

interface RunRow {
  id: number | string;
  record_json: string;
  result_path: string | null;
}

interface SecondRow {
  scope: string;
  t: number;
  duration_sec: number;
  requests: number | string;
  errors: number | string;
  stage: number;
  hdr: string | null;
}

function recordOfRow(row: RunRow): RunRecord {
  const rec = JSON.parse(row.record_json) as RunRecord;
  rec.id = Number(row.id);
  return rec;
}

function secondsOfRows(rows: SecondRow[]): RunSeconds {
  const out: RunSeconds = { overall: [], endpoints: {} };
  for (const r of rows) {
    const s: SecondSample = { t: r.t, durationSec: r.duration_sec, requests: Number(r.requests), errors: Number(r.errors), stage: r.stage, hdr: r.hdr };
    if (r.scope === '') out.overall.push(s);
    else (out.endpoints[r.scope.slice(1)] ??= []).push(s);
  }
  return out;
}

/** Scope column: '' for the run as a whole, '/' + name for an endpoint (so no name collides with ''). */
function secondRows(seconds: RunSeconds): Array<[string, SecondSample]> {
  const out: Array<[string, SecondSample]> = seconds.overall.map((s) => ['', s]);
  for (const [name, list] of Object.entries(seconds.endpoints)) for (const s of list) out.push([`/${name}`, s]);
  return out;
}

/** The scalar columns of a run, in the order of INSERT_RUN's bind parameters. */
function runValues(rec: RunRecord): unknown[] {
  const { id: _id, ...stored } = rec;
  const l = rec.summary.latencyMs;
  return [
    rec.recordedAt,
    rec.command,
    rec.planName,
    rec.planHash,
    rec.target,
    rec.source,
    rec.toolVersion,
    rec.gitCommit,
    rec.gitBranch,
    rec.startedAt,
    rec.endedAt,
    rec.durationSec,
    rec.verdict,
    rec.summary.requests,
    rec.summary.errorRate,
    rec.summary.throughputRps,
    l.p50,
    l.p95,
    l.p99,
    rec.capacity?.maxSustainableRps ?? null,
    rec.diagnoses[0]?.id ?? null,
    rec.resultPath,
    JSON.stringify(stored),
  ];
}

const INSERT_RUN = `INSERT INTO runs (recorded_at, command, plan_name, plan_hash, target, source, tool_version, git_commit, git_branch,
  started_at, ended_at, duration_sec, verdict, requests, error_rate, throughput_rps, p50_ms, p95_ms, p99_ms, capacity_rps,
  first_diagnosis, result_path, record_json) VALUES (${Array.from({ length: 23 }, () => '?').join(', ')})`;

const SECOND_COLUMNS = '(run_id, scope, t, duration_sec, requests, errors, stage, hdr)';

/** The list query: the newest `last` runs (of a plan), returned oldest first by the caller. */
function listSql(opts: ListOptions): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  let sql = 'SELECT id, record_json, result_path FROM runs';
  if (opts.plan !== undefined) {
    sql += ' WHERE plan_name = ?';
    params.push(opts.plan);
  }
  sql += ' ORDER BY id DESC';
  if (opts.last !== undefined) {
    sql += ' LIMIT ?';
    params.push(opts.last);
  }
  return { sql, params };
}

function latestSql(offset: number, plan?: string): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  let sql = 'SELECT id, record_json, result_path FROM runs';
  if (plan !== undefined) {
    sql += ' WHERE plan_name = ?';
    params.push(plan);
  }
  sql += ' ORDER BY id DESC LIMIT 1 OFFSET ?';
  params.push(offset);
  return { sql, params };
}

function tooNew(version: number, where: string): Error {
  return new Error(`${where} has schema version ${version}, newer than this loadproof knows (${LATEST_VERSION}): upgrade loadproof to use it`);
}

export class SqliteStore implements HistoryStore {
  readonly kind = 'sqlite' as const;

  private constructor(
    private readonly db: BetterSqlite3.Database,
    readonly location: string,
  ) {}

  /** Opens the file (creating its folder), migrating it up to `upTo` (default: the latest). */
  static async open(path: string, upTo = LATEST_VERSION): Promise<SqliteStore> {
    mkdirSync(dirname(path), { recursive: true });
    const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
    const db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
    try {
      // the first statement reads the file: a corrupt one fails here ("file is not a database")
      db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
      db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
      const migrate = db.transaction(() => {
        const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
        const current = row.v ?? 0;
        if (current > LATEST_VERSION) throw tooNew(current, path);
        for (const m of MIGRATIONS) {
          if (m.version <= current || m.version > upTo) continue;
          for (const sql of m.sqlite) db.exec(sql);
          db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
        }
      });
      migrate.immediate();
    } catch (err) {
      db.close();
      throw err;
    }
    return new SqliteStore(db, path);
  }

  async record(rec: RunRecord, seconds: RunSeconds): Promise<number> {
    const insertRun = this.db.prepare(INSERT_RUN);
    const insertSecond = this.db.prepare(`INSERT INTO run_seconds ${SECOND_COLUMNS} VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    const tx = this.db.transaction(() => {
      const id = Number(insertRun.run(...runValues(rec)).lastInsertRowid);
      for (const [scope, s] of secondRows(seconds)) insertSecond.run(id, scope, s.t, s.durationSec, s.requests, s.errors, s.stage, s.hdr);
      return id;
    });
    return tx.immediate();
  }

  async list(opts: ListOptions = {}): Promise<RunRecord[]> {
    const q = listSql(opts);
    return (this.db.prepare(q.sql).all(...q.params) as RunRow[]).map(recordOfRow).reverse();
  }

  async get(id: number): Promise<RunRecord | null> {
    const row = this.db.prepare('SELECT id, record_json, result_path FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    return row ? recordOfRow(row) : null;
  }

  async latest(offset: number, plan?: string): Promise<RunRecord | null> {
    const q = latestSql(offset, plan);
    const row = this.db.prepare(q.sql).get(...q.params) as RunRow | undefined;
    return row ? recordOfRow(row) : null;
  }

  async seconds(id: number): Promise<RunSeconds> {
    return secondsOfRows(this.db.prepare('SELECT scope, t, duration_sec, requests, errors, stage, hdr FROM run_seconds WHERE run_id = ? ORDER BY scope, t').all(id) as SecondRow[]);
  }

  async schemaVersion(): Promise<number> {
    return (this.db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

/** `?` bind parameters → `$1, $2, …` (no query here has a literal question mark). */
function pgSql(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** An arbitrary constant naming loadproof's migration lock (pg_advisory_xact_lock). */
const MIGRATION_LOCK = 7_321_004;

export class PostgresStore implements HistoryStore {
  readonly kind = 'postgres' as const;

  private constructor(
    private readonly client: pg.Client,
    readonly location: string,
  ) {}

  static async open(url: string, upTo = LATEST_VERSION): Promise<PostgresStore> {
    const pgLib = createRequire(import.meta.url)('pg') as typeof pg;
    const client = new pgLib.Client({ connectionString: url, application_name: 'loadproof-history', connectionTimeoutMillis: CONNECT_TIMEOUT_MS, statement_timeout: 30_000 });
    // an idle connection that dies emits 'error'; unhandled it would end the process
    client.on('error', () => undefined);
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
      const { rows } = await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
      const current = rows[0]?.v ?? 0;
      if (current > LATEST_VERSION) throw tooNew(current, redactUrl(url));
      for (const m of MIGRATIONS) {
        if (m.version <= current || m.version > upTo) continue;
        for (const sql of m.postgres) await client.query(sql);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, new Date().toISOString()]);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end().catch(() => undefined);
      throw err;
    }
    return new PostgresStore(client, redactUrl(url));
  }

  async record(rec: RunRecord, seconds: RunSeconds): Promise<number> {
    const c = this.client;
    await c.query('BEGIN');
    try {
      const { rows } = await c.query<{ id: number }>(`${pgSql(INSERT_RUN)} RETURNING id`, runValues(rec));
      const id = rows[0]!.id;
      const all = secondRows(seconds);
      // multi-row inserts, 500 seconds a statement (8 parameters each, far below the 65535 limit)
      for (let i = 0; i < all.length; i += 500) {
        const chunk = all.slice(i, i + 500);
        const params: unknown[] = [];
        const values = chunk.map(([scope, s], k) => {
          params.push(id, scope, s.t, s.durationSec, s.requests, s.errors, s.stage, s.hdr);
          const b = k * 8;
          return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7}, $${b + 8})`;
        });
        await c.query(`INSERT INTO run_seconds ${SECOND_COLUMNS} VALUES ${values.join(', ')}`, params);
      }
      await c.query('COMMIT');
      return id;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  async list(opts: ListOptions = {}): Promise<RunRecord[]> {
    const q = listSql(opts);
    const { rows } = await this.client.query<RunRow>(pgSql(q.sql), q.params);
    return rows.map(recordOfRow).reverse();
  }

  async get(id: number): Promise<RunRecord | null> {
    const { rows } = await this.client.query<RunRow>('SELECT id, record_json, result_path FROM runs WHERE id = $1', [id]);
    return rows[0] ? recordOfRow(rows[0]) : null;
  }

  async latest(offset: number, plan?: string): Promise<RunRecord | null> {
    const q = latestSql(offset, plan);
    const { rows } = await this.client.query<RunRow>(pgSql(q.sql), q.params);
    return rows[0] ? recordOfRow(rows[0]) : null;
  }

  async seconds(id: number): Promise<RunSeconds> {
    const { rows } = await this.client.query<SecondRow>('SELECT scope, t, duration_sec, requests, errors, stage, hdr FROM run_seconds WHERE run_id = $1 ORDER BY scope, t', [id]);
    return secondsOfRows(rows);
  }

  async schemaVersion(): Promise<number> {
    const { rows } = await this.client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
    return rows[0]?.v ?? 0;
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}
