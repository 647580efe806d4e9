/**
 * The history schema, as numbered migrations applied in order, the same tables in SQLite and in
 * PostgreSQL (only the column types differ). `schema_migrations` records each version applied; a
 * store opened by an older loadproof is brought up to date, inside one transaction per migration,
 * and a store written by a newer loadproof (a version we do not know) is refused with a warning
 * rather than written to.
 *
 * Never edit a migration that has shipped: add the next one.
 */
export interface Migration {
  version: number;
  name: string;
  sqlite: string[];
  postgres: string[];
}

/** Columns of `runs` that `history` lists without decoding the record's JSON. */
const RUN_COLUMNS = (t: { id: string; real: string; big: string }): string => `
  id ${t.id},
  recorded_at TEXT NOT NULL,
  command TEXT NOT NULL,
  plan_name TEXT NOT NULL,
  plan_hash TEXT NOT NULL,
  target TEXT NOT NULL,
  source TEXT NOT NULL,
  tool_version TEXT NOT NULL,
  git_commit TEXT,
  git_branch TEXT,
  started_at TEXT NOT NULL,
  ended_at TEXT NOT NULL,
  duration_sec ${t.real} NOT NULL,
  verdict TEXT NOT NULL,
  requests ${t.big} NOT NULL,
  error_rate ${t.real} NOT NULL,
  throughput_rps ${t.real} NOT NULL,
  p50_ms ${t.real},
  p95_ms ${t.real},
  p99_ms ${t.real},
  capacity_rps ${t.real},
  first_diagnosis TEXT,
  result_path TEXT,
  record_json TEXT NOT NULL`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'runs',
    sqlite: [`CREATE TABLE runs (${RUN_COLUMNS({ id: 'INTEGER PRIMARY KEY AUTOINCREMENT', real: 'REAL', big: 'INTEGER' })})`],
    postgres: [`CREATE TABLE runs (${RUN_COLUMNS({ id: 'SERIAL PRIMARY KEY', real: 'DOUBLE PRECISION', big: 'BIGINT' })})`],
  },
  {
    version: 2,
    name: 'per-second histograms; runs by plan',
    sqlite: [
      `CREATE TABLE run_seconds (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        scope TEXT NOT NULL,
        t REAL NOT NULL,
        duration_sec REAL NOT NULL,
        requests INTEGER NOT NULL,
        errors INTEGER NOT NULL,
        stage INTEGER NOT NULL,
        hdr TEXT,
        PRIMARY KEY (run_id, scope, t))`,
      'CREATE INDEX runs_by_plan ON runs (plan_name, id)',
    ],
    postgres: [
      `CREATE TABLE run_seconds (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        scope TEXT NOT NULL,
        t DOUBLE PRECISION NOT NULL,
        duration_sec DOUBLE PRECISION NOT NULL,
        requests BIGINT NOT NULL,
        errors BIGINT NOT NULL,
        stage INTEGER NOT NULL,
        hdr TEXT,
        PRIMARY KEY (run_id, scope, t))`,
      'CREATE INDEX runs_by_plan ON runs (plan_name, id)',
    ],
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
